"""funcgrad.numpy against numpy: creation, reductions, manipulation, where, products. Values,
shapes and dtypes must be numpy's."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp


def check(actual, expected, exact=True):
    expected = np.asarray(expected)
    assert isinstance(actual, fg.Array), type(actual)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if exact:
        np.testing.assert_array_equal(np.asarray(actual), expected)
    else:
        np.testing.assert_allclose(np.asarray(actual), expected, rtol=1e-12, atol=1e-12)


def check_list(actual, expected, exact=True):
    assert isinstance(actual, (list, tuple)) and len(actual) == len(expected)
    for a, e in zip(actual, expected):
        check(a, e, exact)


# ---- creation ----------------------------------------------------------------------------------

CREATION = [
    ("array", ([1, 2, 3],), {}),
    ("array", ([1.0, 2],), {}),
    ("array", ([[True], [False]],), {}),
    ("array", ([1, 2],), {"dtype": np.float32}),
    ("array", (3.5,), {}),
    ("array", ([[1], [2]],), {"ndmin": 3}),
    ("array", (np.arange(4, dtype=np.int16),), {}),
    ("asarray", ([1, 2],), {}),
    ("asarray", ([1, 2],), {"dtype": np.float32}),
    ("asarray", (np.ones((2, 2), np.float32),), {}),
    ("zeros", (3,), {}),
    ("zeros", ((2, 3),), {}),
    ("zeros", ((2,),), {"dtype": np.int32}),
    ("ones", ((2, 0),), {}),
    ("ones", (4,), {"dtype": bool}),
    ("full", ((2, 2), 7), {}),
    ("full", (3, 1.5), {}),
    ("full", ((2,), 1.5), {"dtype": np.float32}),
    ("full", ((2,), True), {}),
    ("arange", (5,), {}),
    ("arange", (5.0,), {}),
    ("arange", (2, 9, 3), {}),
    ("arange", (0, 1, 0.25), {}),
    ("arange", (4,), {"dtype": np.float32}),
    ("linspace", (0, 1, 5), {}),
    ("linspace", (-1, 1), {}),
    ("linspace", (0, 1, 4), {"endpoint": False}),
    ("linspace", (0, 10, 3), {"dtype": np.float32}),
    ("eye", (3,), {}),
    ("eye", (2, 4), {"k": 1}),
    ("eye", (3,), {"k": -1, "dtype": np.int64}),
    ("identity", (2,), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CREATION,
                         ids=[f"{n}{a}{k}".replace(" ", "") for n, a, k in CREATION])
def test_creation_matches_numpy(name, args, kwargs):
    check(getattr(fnp, name)(*args, **kwargs), getattr(np, name)(*args, **kwargs))


def test_default_float_dtype_is_float64():
    for x in (fnp.zeros(2), fnp.ones(2), fnp.eye(2), fnp.linspace(0, 1, 3), fnp.array([1.0]),
              fnp.full(2, 0.5), fnp.arange(1.0), fnp.empty(2), fnp.identity(1)):
        assert x.dtype == np.float64
    assert fnp.array([1, 2]).dtype == np.int64 and fnp.arange(3).dtype == np.int64


@pytest.mark.parametrize("like", [np.arange(6).reshape(2, 3), np.ones(3, np.float32),
                                  np.array(2.5), np.array([True, False])],
                         ids=["int", "f32", "0d", "bool"])
def test_like_forms(like):
    x = fnp.array(like)
    check(fnp.zeros_like(x), np.zeros_like(like))
    check(fnp.ones_like(x), np.ones_like(like))
    check(fnp.full_like(x, 3), np.full_like(like, 3))
    check(fnp.zeros_like(x, dtype=np.float32), np.zeros_like(like, dtype=np.float32))
    check(fnp.ones_like(x, shape=(4,)), np.ones_like(like, shape=(4,)))
    assert fnp.empty_like(x).shape == like.shape and fnp.empty_like(x).dtype == like.dtype
    # numpy inputs too
    check(fnp.zeros_like(like), np.zeros_like(like))


def test_array_of_arrays_and_tracers():
    check(fnp.array([fnp.ones(2), fnp.zeros(2)]), np.array([np.ones(2), np.zeros(2)]))
    g = fg.grad(lambda x: fnp.sum(fnp.array([x, 2 * x, [x[0], 0.0]]) ** 2))(fnp.array([1.0, 2.0]))
    check(g, np.array([2.0 * 1 + 8 * 1 + 2 * 1, 2.0 * 2 + 8 * 2]), exact=False)


def test_creation_results_are_fresh_and_immutable():
    a = np.arange(3.0)
    x = fnp.asarray(a)
    a[0] = 100.0
    assert float(x[0]) == 0.0


# ---- reductions --------------------------------------------------------------------------------

REDUCTIONS = ["sum", "prod", "mean", "max", "min", "var", "std", "any", "all"]
A = np.arange(1.0, 25.0).reshape(2, 3, 4) / 7.0


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (-1, -3), (0, 1, 2), ()],
                         ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_axis_and_keepdims(name, axis, keepdims):
    ref = getattr(np, name)(A, axis=axis, keepdims=keepdims)
    check(getattr(fnp, name)(fnp.array(A), axis=axis, keepdims=keepdims), ref,
          exact=name in ("max", "min", "any", "all"))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_arg_reductions(name, axis, keepdims):
    a = np.array([[3, 7, 7, 1], [9, 0, 9, 2], [4, 4, 1, 8]])  # ties: first index wins
    check(getattr(fnp, name)(fnp.array(a), axis=axis, keepdims=keepdims),
          getattr(np, name)(a, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("dtype,name", [
    (dtype, name) for dtype in (np.int8, np.int32, np.uint8, np.bool_, np.float32, np.int64)
    for name in ("sum", "prod", "mean", "max", "var")
    if not (name == "var" and dtype == np.bool_)  # numpy itself cannot subtract booleans
], ids=str)
def test_reduction_dtypes_follow_numpy(dtype, name):
    a = (np.arange(1, 7) % 3).astype(dtype).reshape(2, 3)
    ref = getattr(np, name)(a, axis=0)
    check(getattr(fnp, name)(fnp.array(a), axis=0), ref, exact=False)
    check(getattr(fnp, name)(fnp.array(a)), getattr(np, name)(a), exact=False)


def test_reduction_dtype_argument_and_ddof():
    a = np.arange(6).reshape(2, 3)
    check(fnp.sum(fnp.array(a), dtype=np.float32), np.sum(a, dtype=np.float32))
    check(fnp.mean(fnp.array(a), axis=1, dtype=np.float32),
          np.mean(a, axis=1, dtype=np.float32), exact=False)
    check(fnp.var(fnp.array(a), ddof=1), np.var(a, ddof=1), exact=False)
    check(fnp.std(fnp.array(a * 1.0), axis=0, ddof=1), np.std(a * 1.0, axis=0, ddof=1),
          exact=False)


def test_reductions_reject_bad_axes_like_numpy():
    x = fnp.ones((2, 3))
    for axis in (2, -3, (0, 0)):
        with pytest.raises(ValueError):
            np.sum(np.ones((2, 3)), axis=axis)
        with pytest.raises(ValueError):
            fnp.sum(x, axis=axis)


def test_reductions_of_empty_arrays():
    e = np.ones((0, 3))
    check(fnp.sum(fnp.array(e), axis=0), np.sum(e, axis=0))
    check(fnp.prod(fnp.array(e), axis=0), np.prod(e, axis=0))
    check(fnp.any(fnp.array(e), axis=0), np.any(e, axis=0))
    check(fnp.all(fnp.array(e), axis=1), np.all(e, axis=1))
    with pytest.raises(ValueError):
        fnp.max(fnp.array(e), axis=0)


_shapes = st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple)


@st.composite
def _array_and_axis(draw):
    shape = draw(_shapes)
    nd = len(shape)
    a = np.asarray(draw(st.lists(st.floats(-10, 10, allow_nan=False), min_size=int(np.prod(shape)),
                                 max_size=int(np.prod(shape))))).reshape(shape)
    if draw(st.booleans()) or nd == 0:
        axis = None
    else:
        axes = draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd,
                             unique_by=lambda i: i % nd))
        axis = axes[0] if len(axes) == 1 and draw(st.booleans()) else tuple(axes)
    return a, axis


@given(_array_and_axis(), st.sampled_from(["sum", "mean", "max", "min", "prod"]),
       st.booleans())
def test_reductions_property(a_axis, name, keepdims):
    a, axis = a_axis
    ref = getattr(np, name)(a, axis=axis, keepdims=keepdims)
    out = getattr(fnp, name)(fnp.array(a), axis=axis, keepdims=keepdims)
    assert out.shape == ref.shape and out.dtype == ref.dtype
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-12, atol=1e-12)


# ---- manipulation ---------------------------------------------------------------------------

B = np.arange(24).reshape(2, 3, 4)


@pytest.mark.parametrize("shape", [(-1,), (4, -1), (-1, 2, 3), (24,), (2, 12), (1, -1, 1)],
                         ids=str)
def test_reshape(shape):
    check(fnp.reshape(fnp.array(B), shape), np.reshape(B, shape))
    check(fnp.array(B).reshape(shape), B.reshape(shape))


def test_reshape_errors():
    with pytest.raises(ValueError):
        fnp.reshape(fnp.array(B), (5, -1))
    with pytest.raises(ValueError):
        fnp.reshape(fnp.array(B), (5, 5))
    with pytest.raises(ValueError):
        fnp.reshape(fnp.array(B), (-1, -1))


@pytest.mark.parametrize("src,dst", [(0, -1), (-1, 0), (1, 2), ([0, 1], [-1, -2]),
                                     ((0, 2), (2, 0)), ([0], [1])], ids=str)
def test_moveaxis(src, dst):
    check(fnp.moveaxis(fnp.array(B), src, dst), np.moveaxis(B, src, dst))


@pytest.mark.parametrize("axis", [None, 0, 2, -1, (0, 2), (-3, -1)], ids=str)
def test_squeeze(axis):
    a = np.ones((1, 3, 1))
    check(fnp.squeeze(fnp.array(a), axis=axis), np.squeeze(a, axis=axis))


def test_squeeze_non_unit_axis_is_an_error():
    with pytest.raises(ValueError):
        np.squeeze(np.ones((1, 3)), axis=1)
    with pytest.raises(ValueError):
        fnp.squeeze(fnp.ones((1, 3)), axis=1)


@pytest.mark.parametrize("axis", [0, -1, 2, (0, 1), (0, 3), (-1, 0), (1, -2)], ids=str)
def test_expand_dims(axis):
    a = np.arange(6.0).reshape(2, 3)
    check(fnp.expand_dims(fnp.array(a), axis), np.expand_dims(a, axis))


@pytest.mark.parametrize("axis", [0, 1, -1, None], ids=str)
def test_concatenate(axis):
    xs = [np.arange(6).reshape(2, 3), np.arange(6, 12).reshape(2, 3) * 10]
    check(fnp.concatenate([fnp.array(x) for x in xs], axis=axis), np.concatenate(xs, axis=axis))


def test_concatenate_axis_none_with_different_shapes_and_mixed_inputs():
    xs = [np.ones((2, 2)), np.arange(3.0), np.zeros((1, 1, 2))]
    check(fnp.concatenate([fnp.array(xs[0]), xs[1], fnp.array(xs[2])], axis=None),
          np.concatenate(xs, axis=None))
    check(fnp.concatenate([np.ones(2, np.float32), np.ones(2, np.int64)]),
          np.concatenate([np.ones(2, np.float32), np.ones(2, np.int64)]))


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3], ids=str)
def test_stack(axis):
    xs = [np.arange(6).reshape(2, 3) + 10 * k for k in range(3)]
    check(fnp.stack([fnp.array(x) for x in xs], axis=axis), np.stack(xs, axis=axis))


def test_stack_shape_mismatch():
    with pytest.raises(ValueError):
        fnp.stack([fnp.ones(2), fnp.ones(3)])


@pytest.mark.parametrize("sections,axis", [(3, 0), (2, 0), (1, 0), (4, 1), (2, -1),
                                           ([1, 4], 0), ([2, 10], 0), ([4, 2], 0), ([], 0),
                                           ([0, 6], 0), ([1, 3], -1)], ids=str)
def test_split(sections, axis):
    a = np.arange(24).reshape(6, 4)
    check_list(fnp.split(fnp.array(a), sections, axis=axis), np.split(a, sections, axis=axis))


def test_split_unequal_is_an_error():
    with pytest.raises(ValueError):
        np.split(np.arange(6), 4)
    with pytest.raises(ValueError):
        fnp.split(fnp.arange(6), 4)


def test_transpose_swapaxes_ravel():
    check(fnp.transpose(fnp.array(B)), np.transpose(B))
    check(fnp.transpose(fnp.array(B), (1, -1, 0)), np.transpose(B, (1, -1, 0)))
    check(fnp.swapaxes(fnp.array(B), 0, -1), np.swapaxes(B, 0, -1))
    check(fnp.ravel(fnp.array(B)), np.ravel(B))
    check(fnp.broadcast_to(fnp.arange(3), (2, 3)), np.broadcast_to(np.arange(3), (2, 3)))
    assert fnp.shape(B) == B.shape and fnp.ndim(B) == 3 and fnp.size(B) == 24


# ---- where --------------------------------------------------------------------------------------

def test_where_three_args():
    c = np.array([[True, False, True], [False, False, True]])
    x = np.arange(6.0).reshape(2, 3)
    y = -np.arange(3.0)
    check(fnp.where(fnp.array(c), fnp.array(x), fnp.array(y)), np.where(c, x, y))
    check(fnp.where(c, x, 0.5), np.where(c, x, 0.5))
    check(fnp.where(fnp.array(c), 1, 0), np.where(c, 1, 0))
    check(fnp.where(fnp.array([1, 0, 2]), 1.0, 2.0), np.where([1, 0, 2], 1.0, 2.0))
    check(fnp.where(np.array([[True], [False]]), fnp.arange(3), 7),
          np.where(np.array([[True], [False]]), np.arange(3), 7))
    x32 = np.ones(3, np.float32)
    check(fnp.where(c[0], fnp.array(x32), 0.0), np.where(c[0], x32, np.float32(0.0)))


def test_where_one_arg():
    for a in (np.array([0, 3, 0, 5]), np.array([[0, 1], [2, 0]]), np.array([True, False]),
              np.zeros(3)):
        check_list(fnp.where(fnp.array(a)), np.where(a))
    check_list(fnp.where(fnp.arange(5) > 2), np.where(np.arange(5) > 2))


def test_where_two_args_is_an_error():
    with pytest.raises(ValueError):
        fnp.where(fnp.array([True]), 1.0)


# ---- products -----------------------------------------------------------------------------

R = np.random.default_rng(0)
M23 = R.normal(size=(2, 3))
M34 = R.normal(size=(3, 4))
M33 = R.normal(size=(3, 3))
V3 = R.normal(size=3)
V4 = R.normal(size=4)
T234 = R.normal(size=(2, 3, 4))
T345 = R.normal(size=(3, 4, 5))
T435 = R.normal(size=(4, 3, 5))


@pytest.mark.parametrize("spec,ops", [
    ("ij,jk", (M23, M34)),          # implicit output: ik
    ("ij,ji", (M34.T, M34)),        # trace of a product: scalar
    ("i,i", (V3, V3)),
    ("i,j", (V3, V4)),              # outer
    ("ji", (M23,)),                 # implicit output sorts: a transpose
    ("ii", (M33,)),                 # trace
    ("ii->i", (M33,)),              # diagonal
    ("ij->", (M23,)),
    ("ijk,jkl->il", (T234, T345)),
    ("bij,bjk", (np.stack([M23] * 4), np.stack([M34] * 4))),
    ("...ij,jk", (R.normal(size=(2, 4, 3)), M34)),
    ("ij,jk,kl->il", (M23, M34, R.normal(size=(4, 2)))),
    ("i,ij,j", (V3, M34, V4)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_einsum(spec, ops):
    check(fnp.einsum(spec, *[fnp.array(o) for o in ops]), np.einsum(spec, *ops), exact=False)


def test_outer_inner_vdot():
    check(fnp.outer(fnp.array(V3), fnp.array(V4)), np.outer(V3, V4), exact=False)
    check(fnp.outer(fnp.array(M23), V3), np.outer(M23, V3), exact=False)  # flattens
    check(fnp.inner(fnp.array(V3), fnp.array(V3)), np.inner(V3, V3), exact=False)
    check(fnp.inner(fnp.array(M23), fnp.array(M34.T)), np.inner(M23, M34.T), exact=False)
    check(fnp.inner(fnp.array(T234), fnp.array(V4)), np.inner(T234, V4), exact=False)
    check(fnp.inner(2.0, fnp.array(V3)), np.inner(2.0, V3), exact=False)
    check(fnp.vdot(fnp.array(M23), fnp.array(M23 * 2)), np.vdot(M23, M23 * 2), exact=False)
    check(fnp.vdot(fnp.array(V3), fnp.array(V3)), np.vdot(V3, V3), exact=False)


@pytest.mark.parametrize("a,b,axes", [
    (T234, T345, 2), (M23, M34, 1), (V3, V4, 0), (M33, M33, 0), (T234, T234, 3),
    (T234, T435, ([1, 2], [1, 0])), (T234, T435, ((2,), (0,))), (T234, T435, (1, 1)),
    (M23, M23, ([0, 1], [0, 1])), (T234, T345, ([-2, -1], [0, 1])),
], ids=lambda v: str(v) if not isinstance(v, np.ndarray) else str(v.shape))
def test_tensordot(a, b, axes):
    check(fnp.tensordot(fnp.array(a), fnp.array(b), axes=axes), np.tensordot(a, b, axes=axes),
          exact=False)


def test_dot_and_matmul():
    check(fnp.dot(fnp.array(M23), fnp.array(M34)), np.dot(M23, M34), exact=False)
    check(fnp.dot(fnp.array(T234), fnp.array(V4)), np.dot(T234, V4), exact=False)
    t342 = R.normal(size=(3, 4, 2))
    check(fnp.dot(fnp.array(T234), fnp.array(t342)), np.dot(T234, t342), exact=False)
    check(fnp.dot(2.0, fnp.array(V3)), np.dot(2.0, V3), exact=False)
    check(fnp.matmul(fnp.array(V3), fnp.array(M34)), np.matmul(V3, M34), exact=False)
    check(fnp.matmul(fnp.array(T234), fnp.array(V4)), np.matmul(T234, V4), exact=False)
    b142 = R.normal(size=(1, 4, 2))
    check(fnp.matmul(fnp.array(T234), fnp.array(b142)), np.matmul(T234, b142), exact=False)


def test_product_dtypes_follow_numpy():
    i = np.arange(6).reshape(2, 3)
    f32 = np.ones((3, 2), np.float32)
    check(fnp.dot(fnp.array(i), fnp.array(i.T)), np.dot(i, i.T))
    check(fnp.matmul(fnp.array(i), fnp.array(f32)), np.matmul(i, f32), exact=False)
    check(fnp.einsum("ij,jk", fnp.array(f32.T), fnp.array(f32)), np.einsum("ij,jk", f32.T, f32),
          exact=False)
