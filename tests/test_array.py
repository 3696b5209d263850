"""fg.Array semantics: immutability and `.at[]` updates, attributes, every Python operator (with
numpy's results and numpy 2's promotion as the reference), methods, conversions, repr."""
import operator
import re

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp


def check(actual, expected):
    """`actual` is an fg.Array with exactly numpy's value, shape and dtype."""
    expected = np.asarray(expected)
    assert isinstance(actual, fg.Array), type(actual)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_array_equal(np.asarray(actual), expected)


# ---- immutability -------------------------------------------------------------------------------

SETITEM_INDICES = [
    (0, "0"),
    (-1, "-1"),
    (slice(1, 3), "1:3"),
    (slice(None, None, 2), "::2"),
    ((1, slice(None)), "1, :"),
    ((slice(0, 2), 2), "0:2, 2"),
    ((Ellipsis, 0), "..., 0"),
    ((0, None), "0, None"),
]


@pytest.mark.parametrize("idx,code", SETITEM_INDICES)
def test_setitem_raises_with_the_functional_fix_as_code(idx, code):
    x = fnp.arange(12.0).reshape(3, 4)
    before = np.array(x)
    with pytest.raises(fg.InPlaceUpdateError) as info:
        x[idx] = 7.0
    assert isinstance(info.value, TypeError)
    msg = str(info.value)
    assert f"x = x.at[{code}].set(value)" in msg
    assert str(x.shape) in msg
    # The message points at the user's own line.
    assert "test_array.py" in msg and "x[idx] = 7.0" in msg
    np.testing.assert_array_equal(np.asarray(x), before)  # unchanged
    # The suggested code is real code: it does what numpy's in-place assignment would.
    suggested = re.search(r"x = (x\.at\[.*\]\.set)\(value\)", msg).group(1)
    out = eval(suggested, {"x": x})(7.0)
    ref = np.array(x)
    ref[idx] = 7.0
    check(out, ref)


def test_setitem_with_array_index_and_under_a_transform():
    x = fnp.arange(4.0)
    with pytest.raises(fg.InPlaceUpdateError, match=r"x\.at\[idx\]\.set\(value\)"):
        x[fnp.array([0, 1])] = 1.0

    def f(y):
        y[0] = 1.0
        return y.sum()
    with pytest.raises(fg.InPlaceUpdateError, match=r"x\.at\[0\]\.set\(value\)"):
        fg.grad(f)(x)


def test_no_other_mutation_paths():
    x = fnp.arange(3.0)
    with pytest.raises(AttributeError):
        x.foo = 1
    with pytest.raises(AttributeError):
        x.shape = (3, 1)
    v = np.asarray(x)
    with pytest.raises(ValueError):
        v[0] = 5.0
    with pytest.raises((TypeError, AttributeError)):
        del x[0]
    np.testing.assert_array_equal(np.asarray(x), [0.0, 1.0, 2.0])


def test_array_copies_its_input():
    a = np.array([1.0, 2.0])
    x = fg.Array(a)
    a[0] = 100.0
    check(x, [1.0, 2.0])
    y = fnp.array(a)
    a[1] = 100.0
    check(y, [100.0, 2.0])


# ---- .at[] updates --------------------------------------------------------------------------

AT_INDICES = [
    0, -1, slice(1, 4), slice(None, None, -2), (1, 2), (slice(None), 1), (Ellipsis, -1),
    np.array([0, 2]), (np.array([0, 1]), np.array([3, 1])),
    np.array([[True, False, True, False, False, True]] * 2 + [[False] * 6]),
]


def _np_update(kind, a, idx, v):
    ref = a.copy()
    if kind == "set":
        ref[idx] = v
    else:
        ufunc = {"add": np.add, "multiply": np.multiply, "divide": np.divide,
                 "min": np.minimum, "max": np.maximum}[kind]
        ref[idx] = ufunc(ref[idx], v)
    return ref


@pytest.mark.parametrize("idx", AT_INDICES, ids=repr)
@pytest.mark.parametrize("kind", ["set", "add", "multiply", "divide", "min", "max"])
def test_at_updates_match_numpy_and_leave_the_original(kind, idx):
    a = np.arange(18.0).reshape(3, 6) - 7.0
    x = fnp.array(a)
    v = 2.5
    out = getattr(x.at[idx], kind)(v)
    check(out, _np_update(kind, a, idx, v))
    check(x, a)  # the original is unchanged
    assert out is not x


@pytest.mark.parametrize("idx", AT_INDICES, ids=repr)
def test_at_get_matches_indexing(idx):
    a = np.arange(18.0).reshape(3, 6)
    x = fnp.array(a)
    check(x.at[idx].get(), a[idx])
    check(x[idx], a[idx])


def test_at_updates_with_array_values_and_duplicates():
    a = np.arange(6.0)
    x = fnp.array(a)
    idx = np.array([0, 0, 4])
    vals = np.array([10.0, 20.0, -3.0])
    for kind, ufunc in [("add", np.add), ("multiply", np.multiply), ("divide", np.divide),
                        ("min", np.minimum), ("max", np.maximum)]:
        ref = a.copy()
        ufunc.at(ref, idx, vals)  # duplicates accumulate, like numpy's ufunc.at
        check(getattr(x.at[idx], kind)(fnp.array(vals)), ref)
    m = fnp.arange(6.0).reshape(2, 3)
    check(m.at[1].set(fnp.array([7.0, 8.0, 9.0])), [[0.0, 1.0, 2.0], [7.0, 8.0, 9.0]])
    check(m.at[:, 0].set(np.array([5.0, 6.0])), [[5.0, 1.0, 2.0], [6.0, 4.0, 5.0]])


def test_at_keeps_the_dtype():
    check(fnp.array([1, 2, 3]).at[0].set(9), np.array([9, 2, 3]))
    x32 = fnp.array([1.0, 2.0], dtype=np.float32)
    check(x32.at[1].add(0.5), np.array([1.0, 2.5], np.float32))
    with pytest.raises(TypeError, match="float"):
        fnp.array([1, 2]).at[0].divide(2)


def test_at_is_differentiable():
    x = fnp.arange(5.0)
    g = fg.grad(lambda y: fnp.sum(y.at[1:3].multiply(3.0) ** 2))(x)
    np.testing.assert_allclose(np.asarray(g), 2 * np.array([0.0, 9.0, 18.0, 3.0, 4.0]))
    g = fg.grad(lambda v: fnp.sum(x.at[np.array([0, 0, 2])].set(v) * x))(2.0)
    np.testing.assert_allclose(float(g), 0.0 + 2.0)
    g = fg.grad(lambda y: fnp.sum(y.at[0].set(0.0)))(x)
    np.testing.assert_array_equal(np.asarray(g), [0.0, 1.0, 1.0, 1.0, 1.0])
    g = fg.grad(lambda v: fnp.sum(x.at[np.array([1, 1, 4])].divide(v)))(2.0)
    np.testing.assert_allclose(float(g), -2 * 1.0 / 2.0 ** 3 - 4.0 / 2.0 ** 2)
    g = fg.grad(lambda y: fnp.sum(y.at[2:].divide(4.0)))(x)
    np.testing.assert_array_equal(np.asarray(g), [1.0, 1.0, 0.25, 0.25, 0.25])


# ---- attributes --------------------------------------------------------------------------------

@pytest.mark.parametrize("a", [np.array(3.0), np.arange(4), np.ones((2, 3, 1), np.float32),
                               np.zeros((0, 2), bool)], ids=lambda a: str(a.shape))
def test_attributes_match_numpy(a):
    x = fnp.array(a)
    assert x.shape == a.shape and isinstance(x.shape, tuple)
    assert x.dtype == a.dtype and isinstance(x.dtype, np.dtype)
    assert x.ndim == a.ndim
    assert x.size == a.size and type(x.size) is int
    check(x.T, a.T)
    assert x.device == fg.devices()[0]
    assert str(x.device) == "cpu"


def test_transpose_attribute_reverses_all_axes():
    a = np.arange(24.0).reshape(2, 3, 4)
    check(fnp.array(a).T, a.T)
    check(fnp.array(a).mT, np.swapaxes(a, -1, -2))


# ---- operators -----------------------------------------------------------------------------------

ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
         "//": operator.floordiv, "%": operator.mod, "**": operator.pow}
COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
           "==": operator.eq, "!=": operator.ne}
BITWISE = {"&": operator.and_, "|": operator.or_, "^": operator.xor}

A_FLOAT = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.25]])
B_FLOAT = np.array([2.0, -0.5, 3.0])
A_INT = np.array([[7, -3, 2], [5, 8, 1]])
B_INT = np.array([2, 3, 4])


@pytest.mark.parametrize("name", list(ARITH) + list(COMPARE))
@pytest.mark.parametrize("a,b", [(A_FLOAT, B_FLOAT), (A_INT, B_INT), (A_INT, B_FLOAT)],
                         ids=["float", "int", "mixed"])
def test_binary_operators_all_operand_kinds(name, a, b):
    op = {**ARITH, **COMPARE}[name]
    if name == "**":
        a = np.abs(a)  # real results only
    ref = op(a, b)
    x, y = fnp.array(a), fnp.array(b)
    check(op(x, y), ref)          # Array op Array
    check(op(x, b), ref)          # Array op ndarray
    check(op(a, y), ref)          # ndarray op Array: numpy defers to funcgrad, result an Array
    for s in (2, 3.0):            # Python scalars, both sides
        check(op(x, s), op(a, s))
        check(op(s, y), op(s, b))


@pytest.mark.parametrize("name", list(BITWISE))
@pytest.mark.parametrize("a,b", [(A_INT, B_INT), (A_INT > 2, B_INT > 2)], ids=["int", "bool"])
def test_bitwise_operators(name, a, b):
    op = BITWISE[name]
    x, y = fnp.array(a), fnp.array(b)
    check(op(x, y), op(a, b))
    check(op(x, b), op(a, b))
    check(op(a, y), op(a, b))
    s = True if a.dtype == bool else 6
    check(op(x, s), op(a, s))
    check(op(s, y), op(s, b))


def test_bitwise_operators_reject_floats():
    with pytest.raises(TypeError):
        fnp.array([1.0]) & fnp.array([2.0])


def test_matmul_operator():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    v = np.array([1.0, -2.0, 0.5])
    x, y = fnp.array(a), fnp.array(b)
    check(x @ y, a @ b)
    check(x @ b, a @ b)
    check(a @ y, a @ b)
    check(x @ v, a @ v)
    check(fnp.array(v) @ fnp.array(v), v @ v)
    check(v @ y, v @ b)
    batch = np.arange(24.0).reshape(2, 3, 4)
    check(fnp.array(batch) @ y.T, batch @ b.T)


@pytest.mark.parametrize("a", [A_FLOAT, A_INT, np.array(-2.5), np.array([True, False])],
                         ids=["float", "int", "0d", "bool"])
def test_unary_operators(a):
    x = fnp.array(a)
    if a.dtype != bool:  # numpy has no negative or positive for booleans
        check(-x, -a)
        check(+x, +a)
    check(abs(x), abs(a))
    if a.dtype.kind in "ib":
        check(~x, ~a)
    else:
        with pytest.raises(TypeError):
            ~x


def test_comparisons_with_anything_else_fall_back_to_python():
    x = fnp.array([1.0, 2.0])
    assert (x == None) is False  # noqa: E711
    assert (x != "a") is True
    with pytest.raises(TypeError):
        x < "a"
    with pytest.raises(TypeError):
        x + "a"


# numpy 2 (NEP 50): Python scalars are weak, numpy scalars and arrays are strong.
PROMOTION_CASES = [
    (np.float32, operator.mul, 2.0),
    (np.float32, operator.add, 1),
    (np.float32, operator.truediv, 3),
    (np.int64, operator.mul, 2.5),
    (np.int32, operator.add, 1),
    (np.int32, operator.truediv, 2),
    (np.int8, operator.mul, 3),
    (np.uint8, operator.add, 200),
    (np.bool_, operator.add, 1),
    (np.bool_, operator.mul, 2.5),
    (np.float32, operator.add, np.float64(1.0)),
    (np.float32, operator.mul, np.float32(2.0)),
    (np.int32, operator.add, np.int64(1)),
    (np.float16, operator.pow, 2),
    (np.float32, operator.pow, 2.5),
    (np.float32, operator.add, 1j),
]


@pytest.mark.parametrize("dtype,op,s", PROMOTION_CASES,
                         ids=lambda v: getattr(v, "__name__", repr(v)))
def test_weak_scalar_promotion_follows_numpy2(dtype, op, s):
    a = np.array([1, 2, 3]).astype(dtype)
    x = fnp.array(a)
    check(op(x, s), op(a, s))
    check(op(s, x), op(s, a))


def test_weak_promotion_headline_cases():
    x32 = fnp.ones(3, dtype=np.float32)
    assert (x32 * 2.0).dtype == np.float32
    assert (2.0 * x32).dtype == np.float32
    assert (fnp.array([1, 2]) * 2.5).dtype == np.float64
    assert (x32 + fnp.ones(3)).dtype == np.float64  # arrays are strong
    with pytest.raises(OverflowError):  # as numpy 2: the scalar does not fit the weak dtype
        fnp.array([1, 2], dtype=np.int8) + 1000


_DTYPES = [np.float64, np.float32, np.int64, np.int32, np.int8, np.uint8, np.bool_]


@st.composite
def _operands(draw):
    shape_a = tuple(draw(st.lists(st.integers(0, 3), max_size=3)))
    # b broadcasts against a: drop leading axes and set some to 1
    k = draw(st.integers(0, len(shape_a)))
    shape_b = tuple(1 if draw(st.booleans()) else d for d in shape_a[k:])
    if draw(st.booleans()):
        shape_a, shape_b = shape_b, shape_a
    da, db = draw(st.sampled_from(_DTYPES)), draw(st.sampled_from(_DTYPES))
    elems = st.integers(1, 9)
    a = np.array(draw(st.lists(elems, min_size=int(np.prod(shape_a)),
                               max_size=int(np.prod(shape_a))))).reshape(shape_a).astype(da)
    b = np.array(draw(st.lists(elems, min_size=int(np.prod(shape_b)),
                               max_size=int(np.prod(shape_b))))).reshape(shape_b).astype(db)
    return a, b


@given(_operands(), st.sampled_from(["+", "-", "*", "/", "<", "==", ">="]))
def test_binary_operators_broadcast_and_promote_like_numpy(ab, name):
    a, b = ab
    op = {**ARITH, **COMPARE}[name]
    assume(not (name == "-" and a.dtype == b.dtype == np.bool_))  # numpy has no bool subtract
    with np.errstate(over="ignore"):
        ref = op(a, b)
    with np.errstate(over="ignore"):
        check(op(fnp.array(a), fnp.array(b)), ref)


# ---- methods ------------------------------------------------------------------------------------

M = np.arange(1.0, 7.0).reshape(2, 3)

METHOD_CASES = [
    ("sum", (), {}), ("sum", (0,), {}), ("sum", (), {"axis": -1, "keepdims": True}),
    ("sum", (), {"axis": (0, 1)}), ("mean", (), {}), ("mean", (), {"axis": 1}),
    ("max", (), {}), ("max", (), {"axis": 0, "keepdims": True}), ("min", (), {"axis": -1}),
    ("prod", (), {}), ("prod", (), {"axis": 0}), ("argmax", (), {}), ("argmax", (), {"axis": 1}),
    ("argmin", (), {"axis": 0}), ("var", (), {}), ("std", (), {"axis": 0}),
    ("reshape", (3, 2), {}), ("reshape", ((3, 2),), {}), ("reshape", (-1,), {}),
    ("reshape", (3, -1), {}), ("reshape", ((-1, 1),), {}), ("reshape", (6,), {}),
    ("transpose", (), {}), ("transpose", (1, 0), {}), ("transpose", ((1, 0),), {}),
    ("swapaxes", (0, 1), {}), ("swapaxes", (-1, 0), {}),
    ("astype", (np.float32,), {}), ("astype", (np.int32,), {}), ("astype", (bool,), {}),
    ("ravel", (), {}), ("flatten", (), {}), ("clip", (2.0, 5.0), {}), ("clip", (), {"max": 3.0}),
    ("clip", (), {"min": 4}), ("round", (), {}), ("any", (), {}), ("all", (), {"axis": 0}),
]


@pytest.mark.parametrize("name,args,kwargs", METHOD_CASES,
                         ids=[f"{n}{a}{k}" for n, a, k in METHOD_CASES])
def test_methods_match_numpy(name, args, kwargs):
    x = fnp.array(M)
    check(getattr(x, name)(*args, **kwargs), getattr(M, name)(*args, **kwargs))
    check(x, M)


def test_squeeze_method():
    a = np.ones((1, 3, 1))
    x = fnp.array(a)
    check(x.squeeze(), a.squeeze())
    check(x.squeeze(0), a.squeeze(0))
    check(x.squeeze(axis=-1), a.squeeze(axis=-1))
    check(x.squeeze((0, 2)), a.squeeze((0, 2)))
    with pytest.raises(ValueError):
        x.squeeze(1)


def test_transpose_method_3d():
    a = np.arange(24).reshape(2, 3, 4)
    x = fnp.array(a)
    check(x.transpose(2, 0, 1), a.transpose(2, 0, 1))
    check(x.transpose((1, -1, 0)), a.transpose((1, -1, 0)))
    check(x.reshape(4, -1, 2), a.reshape(4, -1, 2))
    with pytest.raises(ValueError):
        x.reshape(5, -1)
    with pytest.raises(ValueError):
        x.reshape(-1, -1)


def test_sum_with_dtype():
    check(fnp.arange(4).sum(dtype=np.float32), np.arange(4).sum(dtype=np.float32))
    check(fnp.array([True, True, False]).sum(), np.array([True, True, False]).sum())


def test_item_tolist_copy():
    x = fnp.array(M)
    assert x.item(4) == M.item(4) and type(x.item(4)) is float
    assert fnp.array(2.5).item() == 2.5
    assert type(fnp.array(3).item()) is int
    assert x.tolist() == M.tolist()
    assert fnp.array(2.0).tolist() == 2.0
    with pytest.raises(ValueError):
        x.item()
    c = x.copy()
    assert isinstance(c, fg.Array)
    check(c, M)


def test_methods_under_grad():
    def f(x):
        return x.reshape(3, 2).T.sum(axis=0).max() + x.mean() * x.astype(np.float64).prod()
    a = np.arange(1.0, 7.0)
    g = fg.grad(f)(fnp.array(a))
    eps = 1e-6
    fd = [(f(fnp.array(a + eps * e)).item() - f(fnp.array(a - eps * e)).item()) / (2 * eps)
          for e in np.eye(6)]
    np.testing.assert_allclose(np.asarray(g), fd, rtol=1e-6)


# ---- numpy interop -------------------------------------------------------------------------

def test_asarray_gives_a_read_only_view():
    x = fnp.array([1.0, 2.0])
    v = np.asarray(x)
    assert type(v) is np.ndarray
    np.testing.assert_array_equal(v, [1.0, 2.0])
    assert not v.flags.writeable
    assert np.shares_memory(v, np.asarray(x))  # a view, not a copy
    with pytest.raises(ValueError):
        v[0] = 3.0
    check(x, [1.0, 2.0])


def test_np_array_gives_a_writeable_copy():
    x = fnp.array([1.0, 2.0])
    c = np.array(x)
    assert c.flags.writeable
    c[0] = 10.0
    check(x, [1.0, 2.0])
    assert np.asarray(x, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(np.asarray(x, dtype=np.float32), [1.0, 2.0])


def test_numpy_ufuncs_on_arrays():
    a = np.array([0.5, 1.0, 2.0])
    x = fnp.array(a)
    check(np.sin(x), np.sin(a))
    check(np.maximum(x, 1.0), np.maximum(a, 1.0))
    check(np.exp(a) * x, np.exp(a) * a)


@pytest.mark.parametrize("fn,kwargs", [
    (np.sum, {}), (np.sum, {"axis": 0, "keepdims": True}), (np.mean, {"axis": -1}),
    (np.max, {}), (np.min, {"axis": 1}), (np.prod, {}), (np.var, {"ddof": 1}), (np.std, {}),
    (np.argmax, {"axis": 0}), (np.argmin, {}), (np.any, {}), (np.all, {"axis": 0}),
    (np.clip, {"a_min": 2.0, "a_max": 4.0}), (np.round, {"decimals": 1}),
    (np.transpose, {}), (np.reshape, {"shape": (3, 2)}),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_numpy_functions_on_arrays(fn, kwargs):
    # numpy's functions defer to the methods (np.sum(x) calls x.sum(..., out=None))
    check(fn(fnp.array(M / 3), **kwargs), fn(M / 3, **kwargs))


def test_numpy_functions_under_grad_and_out_rejected():
    g = fg.grad(lambda x: np.sum(x ** 2))(fnp.array([1.0, 2.0]))
    check(g, [2.0, 4.0])
    with pytest.raises(TypeError, match="immutable"):
        np.sum(fnp.array(M), out=np.zeros(()))


# ---- Python conversions ------------------------------------------------------------------------

CONVERSION_VALUES = [np.array(2.75), np.array(-3), np.array(True), np.array([4.5]),
                     np.array([1, 2]), np.zeros((2, 2)), np.zeros(0)]


def _outcome(fn, v):
    try:
        return "ok", fn(v)
    except Exception as e:  # numpy's exception type is what we compare
        return "raise", type(e)


@pytest.mark.parametrize("conv", [bool, float, int, operator.index, len, list, complex],
                         ids=lambda c: c.__name__)
@pytest.mark.parametrize("a", CONVERSION_VALUES, ids=lambda a: f"{a.dtype}{a.shape}")
def test_python_conversions_behave_as_numpy(conv, a):
    kind, ref = _outcome(conv, a)
    x = fnp.array(a)
    if kind == "raise":
        with pytest.raises(ref):
            conv(x)
    else:
        out = conv(x)
        if conv is list:
            assert len(out) == len(ref)
            for o, r in zip(out, ref):
                check(o, r)
        else:
            assert out == ref and type(out) is type(ref)


def test_zero_d_errors_as_numpy():
    s = fnp.array(1.0)
    with pytest.raises(TypeError, match="unsized"):
        len(s)
    with pytest.raises(TypeError, match="0-d"):
        iter(s)
    with pytest.raises(TypeError):
        operator.index(fnp.array(2.0))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(fnp.array([1.0, 2.0]))


def test_iteration_yields_rows():
    a = np.arange(6.0).reshape(3, 2)
    rows = list(fnp.array(a))
    assert len(rows) == 3
    for r, ref in zip(rows, a):
        check(r, ref)
    assert [int(v) for v in fnp.arange(3)] == [0, 1, 2]
    a, b = fnp.array([1.0, 2.0])  # unpacking
    check(a, np.float64(1.0))


def test_index_protocol():
    assert [10, 20, 30][fnp.array(2)] == 30
    assert list(range(10))[fnp.array(1):fnp.array(3)] == [1, 2]
    with pytest.raises(TypeError):
        [10, 20][fnp.array([1])]


def test_hash_raises_type_error():
    x = fnp.array([1.0, 2.0])
    with pytest.raises(TypeError, match="unhashable"):
        hash(x)
    with pytest.raises(TypeError):
        {x: 1}
    with pytest.raises(TypeError):
        hash(fnp.array(1.0))


# ---- repr ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("x,text", [
    (lambda: fnp.array([1.0, 2.0]), "Array([1., 2.], dtype=float64)"),
    (lambda: fnp.array(3.0), "Array(3., dtype=float64)"),
    (lambda: fnp.array(-0.5), "Array(-0.5, dtype=float64)"),
    (lambda: fnp.array([1, 2]), "Array([1, 2], dtype=int64)"),
    (lambda: fnp.array(7), "Array(7, dtype=int64)"),
    (lambda: fnp.array([True, False]), "Array([ True, False], dtype=bool)"),
    (lambda: fnp.array(True), "Array(True, dtype=bool)"),
    (lambda: fnp.array([1.0, 2.5], dtype=np.float32), "Array([1. , 2.5], dtype=float32)"),
    (lambda: fnp.array(2.0, dtype=np.float32), "Array(2., dtype=float32)"),
    (lambda: fnp.array([[1.0, 2.0], [3.0, 4.0]]),
     "Array([[1., 2.],\n       [3., 4.]], dtype=float64)"),
    (lambda: fnp.zeros(0), "Array([], shape=(0,), dtype=float64)"),
    (lambda: fnp.array([1, 2], dtype=np.uint8), "Array([1, 2], dtype=uint8)"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_repr(x, text):
    assert repr(x()) == text


def test_str_and_format():
    assert str(fnp.array([1.0, 2.0])) == str(np.array([1.0, 2.0]))
    assert f"{fnp.array(2.5):.3f}" == "2.500"
    assert f"{fnp.array(3)}" == "3"


def test_isinstance_array_holds_for_tracers_as_in_jax():
    seen = []

    def f(x):
        seen.append(isinstance(x, fg.Array))
        return x * 2

    fg.jit(f)(fnp.ones(2))
    fg.grad(lambda x: f(x).sum())(fnp.ones(2))
    fg.vmap(f)(fnp.ones(2))
    assert seen == [True, True, True]
    assert type(fnp.ones(2)) is fg.Array
    assert not isinstance(np.ones(2), fg.Array) and not isinstance(2.0, fg.Array)
