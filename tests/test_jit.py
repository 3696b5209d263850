"""jit: compiled results equal eager ones (values and dtypes) for every primitive family and every
composition with the other transforms; the cache (what it is keyed on, static arguments,
retracing), the IR passes as seen in `lower(...)`, buffer reuse without wrong aliasing, and the
errors jit raises."""
import collections
import gc
import keyword
import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax

RNG = np.random.default_rng(0)


def _arr(*shape, dtype=np.float64, lo=-2.0, hi=2.0):
    return fnp.asarray(RNG.uniform(lo, hi, shape).astype(dtype))


def assert_same(got, want, rtol=1e-12, atol=1e-12):
    """Same pytree structure, and leafwise the same shape, dtype and (nearly) the same values."""
    g_leaves, g_tree = fg.tree.tree_flatten(got)
    w_leaves, w_tree = fg.tree.tree_flatten(want)
    assert g_tree == w_tree, f"structure {g_tree} != {w_tree}"
    for k, (g, w) in enumerate(zip(g_leaves, w_leaves)):
        assert isinstance(g, fg.Array), f"leaf {k}: jit returned {type(g).__name__}"
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, f"leaf {k}: shape {g.shape} != {w.shape}"
        assert g.dtype == w.dtype, f"leaf {k}: dtype {g.dtype} != {w.dtype}"
        if g.dtype.kind in "fc":
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"leaf {k}")
        else:
            np.testing.assert_array_equal(g, w, err_msg=f"leaf {k}")


def check_jit(f, *args, **kwargs):
    want = f(*args, **kwargs)
    got = fg.jit(f)(*args, **kwargs)
    assert_same(got, want)
    return got


# ---- jit == eager, primitive by primitive family ---------------------------------------------

X = _arr(3, 4)
Y = _arr(3, 4)
POS = _arr(3, 4, lo=0.1, hi=3.0)
UNIT = _arr(3, 4, lo=-0.9, hi=0.9)
V = _arr(4)
I32 = fnp.asarray(np.array([[3, -7, 8], [5, 0, -2]], np.int32))
I64 = fnp.asarray(np.array([[4, 9, -3], [2, 7, 1]], np.int64))
B = fnp.asarray(np.array([[True, False, True], [False, False, True]]))
F32 = _arr(3, 4, dtype=np.float32)

ELEMENTWISE = {
    "arith": (lambda x, y: (x + y, x - y, x * y, x / y, -x, x ** 2, x ** 3), (X, Y)),
    "transcendental": (lambda x, p, u: (fnp.sin(x), fnp.cos(x), fnp.tan(u), fnp.exp(x),
                                        fnp.log(p), fnp.log1p(p), fnp.expm1(x), fnp.tanh(x),
                                        fnp.sinh(x), fnp.cosh(x), fnp.sqrt(p), fnp.arcsin(u),
                                        fnp.arccos(u), fnp.arctan(x), fnp.arctan2(x, p)),
                       (X, POS, UNIT)),
    "lax_only": (lambda x, p: (lax.rsqrt(p), lax.logistic(x), lax.integer_pow(x, 5)), (X, POS)),
    "rounding_and_sign": (lambda x: (fnp.abs(x), fnp.sign(x), fnp.floor(x), fnp.ceil(x),
                                     fnp.round(x), fnp.clip(x, -0.5, 0.5)), (X,)),
    "pow_min_max": (lambda p, y: (p ** y, fnp.maximum(p, y), fnp.minimum(p, y), p ** 0.5),
                    (POS, Y)),
    "compare_where": (lambda x, y: (x > y, x <= 0.5, x == y, fnp.where(x > y, x, y * 2.0),
                                    fnp.isfinite(x / y)), (X, Y)),
    "integers": (lambda i, j: (i + j, i * 3, i // 2, i % 3, i & j, i | 1, -i, abs(i), i > 0),
                 (I32, I32 + 1)),
    "int_float_mix": (lambda i, x: (i * 2.5, i / 2, i + x[:2, :3]), (I64, X)),
    "booleans": (lambda b: (b & ~b, b | True, fnp.logical_xor(b, True), b.astype(np.float32)),
                 (B,)),
    "float32_weak_scalars": (lambda a: (a * 2.0, a + 1, 3.0 - a, a / 7, a ** 2, fnp.sin(a) * 0.5),
                             (F32,)),
    "float32_with_float64": (lambda a, x: a * x, (F32, X)),
    "int32_weak_scalars": (lambda i: (i + 1, i * 2, i - 7), (I32,)),
    "casts": (lambda x, i: (x.astype(np.float32), x.astype(np.int32), i.astype(np.float64),
                            i.astype(np.bool_)), (X, I64)),
    "broadcasting": (lambda x, v: (x + v, x * v[None, :], v[:, None] - x.T), (X, V)),
}

REDUCTIONS = {
    "sums": (lambda x: (fnp.sum(x), fnp.sum(x, axis=0), fnp.sum(x, axis=1, keepdims=True),
                        x.sum(axis=(0, 1))), (X,)),
    "mean_var_std": (lambda x: (fnp.mean(x), fnp.mean(x, axis=1), fnp.var(x, axis=0),
                                fnp.std(x)), (X,)),
    "max_min_prod": (lambda x: (fnp.max(x), fnp.min(x, axis=0), fnp.prod(x, axis=1),
                                fnp.amax(x, axis=1, keepdims=True)), (X,)),
    "arg_and_logical": (lambda x: (fnp.argmax(x), fnp.argmin(x, axis=1), fnp.all(x > -5.0),
                                   fnp.any(x > 1.0, axis=0)), (X,)),
    "int_and_float32_sums": (lambda i, a: (fnp.sum(i), fnp.sum(a, axis=0), fnp.mean(i)),
                             (I32, F32)),
}

SHAPES = {
    "reshape_transpose": (lambda x: (x.reshape(4, 3), fnp.reshape(x, (-1,)), x.T, fnp.ravel(x),
                                     fnp.transpose(x[None], (2, 0, 1))), (X,)),
    "expand_squeeze": (lambda x: (fnp.expand_dims(x, 1), fnp.squeeze(x[:, :1]),
                                  x[:, None, :, None], fnp.squeeze(x[None, :, None], (0, 2))),
                       (X,)),
    "concat_stack_split": (lambda x, y: (fnp.concatenate([x, y], axis=0),
                                         fnp.stack([x, y], axis=-1),
                                         tuple(fnp.split(x, 2, axis=1))), (X, Y)),
    "broadcast_moveaxis": (lambda x, v: (fnp.broadcast_to(v, (2, 3, 4)), fnp.moveaxis(x[None],
                                                                                      0, -1),
                                         fnp.swapaxes(x, 0, 1)), (X, V)),
    "pad": (lambda x: lax.pad(x, 0.0, ((1, 2, 0), (0, 1, 1))), (X,)),
}

INDEXING = {
    "basic": (lambda x: (x[1], x[:, 2], x[1:3], x[:, ::2], x[..., -1], x[None, 0], x[::-1]),
              (X,)),
    "advanced": (lambda x: (x[fnp.asarray(np.array([2, 0, 2]))], x[:, np.array([3, 1])],
                            x[np.array([0, 2]), np.array([1, 3])]), (X,)),
    "traced_index": (lambda x, i: (x[i], x[:, i], lax.dynamic_slice(x, (i, 0), (2, 2))),
                     (X, fnp.asarray(np.int64(1)))),
    "at_updates": (lambda x, v: (x.at[1].set(v), x.at[:, 0].add(1.0), x.at[0, 1].multiply(3.0),
                                 x.at[2].min(0.0), x.at[np.array([0, 0, 1])].add(v),
                                 x.at[1:].max(v), x.at[2, 3].get()), (X, V)),
    "traced_at": (lambda x, i, u: x.at[i].set(u * 2.0), (X, fnp.asarray(np.int64(2)), V)),
}

PRODUCTS = {
    "dot_matmul": (lambda x, v, y: (fnp.dot(x, v), x @ y.T, fnp.matmul(x.T, x), v @ v,
                                    fnp.outer(v, v), fnp.inner(v, v)), (X, V, Y)),
    "batched_matmul": (lambda a, b: a @ b, (_arr(2, 3, 4), _arr(2, 4, 5))),
    "einsum_tensordot": (lambda x, y, v: (fnp.einsum("ij,kj->ik", x, y),
                                          fnp.einsum("ij,j->i", x, v),
                                          fnp.einsum("ii->", x[:3, :3]),
                                          fnp.tensordot(x, y, axes=([1], [1]))), (X, Y, V)),
    "float32_dot": (lambda a: a @ a.T, (F32,)),
}

CONTROL = {
    "cond": (lambda x: lax.cond(fnp.sum(x) > 0, lambda x: fnp.sin(x), lambda x: x * 2.0, x),
             (X,)),
    "switch": (lambda i, x: lax.switch(i, [lambda x: x, lambda x: x ** 2, lambda x: -x], x),
               (fnp.asarray(np.int32(1)), X)),
    "scan": (lambda x: lax.scan(lambda c, r: (c + r, c * r), fnp.zeros(4), x), (X,)),
    "fori_loop": (lambda x: lax.fori_loop(0, 5, lambda i, v: v * 0.5 + i, x), (X,)),
    "while_loop": (lambda x: lax.while_loop(lambda v: fnp.max(v) < 10.0, lambda v: v * 2.0 + 1,
                                            fnp.abs(x)), (X,)),
    "map": (lambda x: lax.map(lambda r: fnp.sum(r ** 2), x), (X,)),
}

FAMILIES = {**{f"elementwise-{k}": v for k, v in ELEMENTWISE.items()},
            **{f"reduce-{k}": v for k, v in REDUCTIONS.items()},
            **{f"shape-{k}": v for k, v in SHAPES.items()},
            **{f"index-{k}": v for k, v in INDEXING.items()},
            **{f"product-{k}": v for k, v in PRODUCTS.items()},
            **{f"control-{k}": v for k, v in CONTROL.items()}}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_jit_equals_eager(name):
    f, args = FAMILIES[name]
    check_jit(f, *args)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_jit_does_not_mutate_its_inputs(name):
    f, args = FAMILIES[name]
    held = [np.array(a) for a in args]
    jf = fg.jit(f)
    jf(*args)
    jf(*args)  # the cached path too
    for a, h in zip(args, held):
        np.testing.assert_array_equal(np.asarray(a), h)


def test_python_scalar_arguments_stay_weakly_typed():
    f = fg.jit(lambda a, s: a * s)
    a32 = _arr(3, dtype=np.float32)
    out = f(a32, 2.0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.asarray(out), np.asarray(a32) * np.float32(2.0))
    # an integer Python scalar with an int32 array stays int32, as numpy does
    assert fg.jit(lambda i, s: i + s)(I32, 3).dtype == np.int32
    # a Python scalar alone gives a weakly typed 0-d result, like eager
    assert_same(fg.jit(lambda s: s * 2.0)(1.5), fnp.asarray(1.5) * 2.0)


@st.composite
def _broadcastable_pair(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    other = tuple(draw(st.sampled_from([d, 1])) for d in shape)
    other = other[draw(st.integers(0, len(other))):]          # fewer leading axes
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    elems = st.floats(-3, 3, width=32)
    a = draw(hnp.arrays(dtype, shape, elements=elems))
    b = draw(hnp.arrays(draw(st.sampled_from([np.float64, np.float32])), other, elements=elems))
    return a, b


@given(_broadcastable_pair(), st.sampled_from([0.5, 2, -1.5]))
def test_jit_equals_eager_on_generated_shapes(pair, scalar):
    """Broadcasting, size-0 and size-1 axes, float32/float64 mixes and weak Python scalars."""
    a, b = (fnp.asarray(v) for v in pair)

    def f(a, b):
        c = fnp.tanh(a * b + scalar) - fnp.sin(b) * scalar
        total = fnp.sum(c, axis=-1) if c.ndim else c
        return c, total, fnp.sum(a * 2.0), c.reshape(-1), fnp.where(a > b, a, b * scalar)
    check_jit(f, a, b)


def test_zero_size_and_scalar_shapes():
    check_jit(lambda x: (fnp.sum(x), x * 2.0, x.reshape(0, 3)), fnp.zeros((3, 0)).T)
    check_jit(lambda s: fnp.sin(s) * s + 1.0, fnp.asarray(0.5))


# ---- compositions with the other transforms --------------------------------------------------

def loss(w, x):
    h = fnp.tanh(x @ w["w1"] + w["b"])
    return fnp.sum((h @ w["w2"]) ** 2) / x.shape[0]


W = {"w1": _arr(4, 5), "b": _arr(5), "w2": _arr(5, 2)}
XB = _arr(6, 4)


def test_jit_of_grad():
    assert_same(fg.jit(fg.grad(loss))(W, XB), fg.grad(loss)(W, XB))
    assert_same(fg.jit(fg.value_and_grad(loss, argnums=(0, 1)))(W, XB),
                fg.value_and_grad(loss, argnums=(0, 1))(W, XB))


def test_grad_of_jit():
    assert_same(fg.grad(fg.jit(loss))(W, XB), fg.grad(loss)(W, XB))
    # and with the jitted part in the middle of the differentiated function
    inner = fg.jit(lambda h: fnp.sin(h) * h)
    f = lambda x: fnp.sum(inner(x * 2.0) ** 2)
    g = lambda x: fnp.sum((fnp.sin(x * 2.0) * (x * 2.0)) ** 2)
    assert_same(fg.grad(f)(X), fg.grad(g)(X))


def test_vmap_of_jit_and_jit_of_vmap():
    f = lambda x, v: fnp.tanh(x @ v) * fnp.sum(v)
    xs, v = _arr(5, 3, 4), V
    want = fnp.stack([f(xs[i], v) for i in range(5)])
    assert_same(fg.vmap(fg.jit(f), in_axes=(0, None))(xs, v), want)
    assert_same(fg.jit(fg.vmap(f, in_axes=(0, None)))(xs, v), want)


def test_jit_of_vmap_of_grad():
    xs = _arr(3, 6, 4)
    per_example = fg.jit(fg.vmap(fg.grad(loss), in_axes=(None, 0)))(W, xs)
    for i in range(3):
        assert_same(fg.tree.tree_map(lambda g, i=i: g[i], per_example), fg.grad(loss)(W, xs[i]),
                    rtol=1e-10, atol=1e-12)


def test_jit_of_jvp():
    f = lambda x: fnp.sin(x) * fnp.exp(x[::-1])
    jf = fg.jit(lambda x, t: fg.jvp(f, (x,), (t,)))
    assert_same(jf(X, Y), fg.jvp(f, (X,), (Y,)))


def test_jit_inside_jit():
    calls = collections.Counter()

    @fg.jit
    def inner(x, y):
        calls["inner"] += 1
        return fnp.sin(x) * y

    @fg.jit
    def outer(x, y):
        calls["outer"] += 1
        return inner(x, y) + inner(y, x)

    want = fnp.sin(X) * Y + fnp.sin(Y) * X
    assert_same(outer(X, Y), want)
    assert_same(outer(X, Y), want)
    assert calls == {"outer": 1, "inner": 2}  # traced through once per use, then cached
    # the inner function's operations are inlined into the outer jaxpr
    text = str(outer.lower(X, Y).jaxpr)
    assert text.count("sin") == 2


def test_grad_of_jit_of_grad_and_hessian():
    f = lambda x: fnp.sum(fnp.sin(x) ** 3)
    h = fg.jit(fg.hessian(f))
    assert_same(h(V), fg.hessian(f)(V), rtol=1e-10)
    g2 = fg.grad(lambda x: fnp.sum(fg.jit(fg.grad(f))(x) ** 2))
    assert_same(g2(V), fg.grad(lambda x: fnp.sum(fg.grad(f)(x) ** 2))(V), rtol=1e-10)


# ---- pytrees, has_aux, keyword arguments -----------------------------------------------------

Point = collections.namedtuple("Point", "x y")


def test_pytrees_in_and_out():
    def f(p, d, lst):
        return {"sum": p.x + p.y, "prod": [d["a"] * lst[0], (lst[1], None)],
                "pt": Point(p.y, d["b"] * 2.0)}
    args = (Point(X, Y), {"a": V, "b": 3.0}, [V * 2.0, I32])
    out = check_jit(f, *args)
    assert isinstance(out["pt"], Point) and out["prod"][1][1] is None


def test_has_aux_under_jit():
    def f(w, x):
        l = loss(w, x)
        return l, {"loss": l, "n": x.shape[0]}
    jitted = fg.jit(fg.value_and_grad(f, has_aux=True))
    (val, aux), g = jitted(W, XB)
    (val0, aux0), g0 = fg.value_and_grad(f, has_aux=True)(W, XB)
    assert_same((val, aux["loss"], g), (val0, aux0["loss"], g0))
    assert int(aux["n"]) == 6


def test_keyword_arguments():
    def f(x, y, scale=1.0, *, bias):
        return x * scale + y + bias
    jf = fg.jit(f)
    assert_same(jf(X, Y, scale=2.0, bias=V), f(X, Y, scale=2.0, bias=V))
    assert_same(jf(X, y=Y, bias=1.0), f(X, y=Y, bias=1.0))
    assert_same(jf(x=X, y=Y, bias=0.5), f(X, Y, bias=0.5))
    # keyword arguments that are pytrees
    jt = fg.jit(lambda x, *, extra: x * extra["a"] + extra["b"][0])
    assert_same(jt(X, extra={"a": 2.0, "b": [V]}), X * 2.0 + V)


# ---- the cache --------------------------------------------------------------------------------

def _counting(fun):
    traces = collections.Counter()

    def wrapped(*args, **kwargs):
        traces["n"] += 1
        return fun(*args, **kwargs)
    wrapped.__name__ = fun.__name__
    return wrapped, traces


def test_cache_hit_for_same_shapes_and_dtypes():
    f, traces = _counting(lambda x, y: x * y + 1.0)
    jf = fg.jit(f)
    for _ in range(3):
        jf(X, Y)
    jf(_arr(3, 4), _arr(3, 4))  # new values, same signature
    assert traces["n"] == 1


def test_cache_keyed_on_shape_dtype_and_weak_type():
    f, traces = _counting(lambda x: x * 2.0)
    jf = fg.jit(f)
    jf(_arr(3))
    assert traces["n"] == 1
    jf(_arr(4))
    assert traces["n"] == 2                       # shape
    jf(_arr(3, dtype=np.float32))
    assert traces["n"] == 3                       # dtype
    jf(1.5)
    assert traces["n"] == 4                       # a Python float: weakly typed f64[]
    out = jf(fnp.asarray(1.5))
    assert traces["n"] == 5                       # an f64[] array: strongly typed
    jf(2.5)
    jf(fnp.asarray(2.5))
    assert traces["n"] == 5                       # both cached
    assert out.dtype == np.float64


def test_cache_keyed_on_tree_structure():
    f, traces = _counting(lambda t: sum(fg.tree.tree_leaves(t)))
    jf = fg.jit(f)
    jf((X, Y))
    jf([X, Y])
    jf({"a": X, "b": Y})
    jf((X, Y))
    assert traces["n"] == 3


def test_static_argnums_cache_hit_and_retrace():
    def f(x, n, mode):
        out = x
        for _ in range(n):             # Python control flow on the static values
            out = fnp.sin(out) if mode == "sin" else fnp.cos(out)
        return out
    g, traces = _counting(f)
    jf = fg.jit(g, static_argnums=(1, 2))
    assert_same(jf(V, 3, "sin"), f(V, 3, "sin"))
    assert_same(jf(V + 1.0, 3, "sin"), f(V + 1.0, 3, "sin"))
    assert traces["n"] == 1
    assert_same(jf(V, 2, "sin"), f(V, 2, "sin"))
    assert_same(jf(V, 2, "cos"), f(V, 2, "cos"))
    assert traces["n"] == 3
    jf(V, 3, "sin")
    assert traces["n"] == 3
    # negative static_argnums count from the end
    jneg = fg.jit(f, static_argnums=(-2, -1))
    assert_same(jneg(V, 2, "cos"), f(V, 2, "cos"))


def test_static_argnames():
    def f(x, *, power, axis=0):
        return fnp.sum(x ** power, axis=axis)
    g, traces = _counting(f)
    jf = fg.jit(g, static_argnames=("power", "axis"))
    assert_same(jf(X, power=3, axis=1), f(X, power=3, axis=1))
    jf(Y, power=3, axis=1)
    assert traces["n"] == 1
    assert_same(jf(X, power=2, axis=1), f(X, power=2, axis=1))
    assert_same(jf(X, power=2), f(X, power=2))
    assert traces["n"] == 3


def test_static_parameter_is_static_by_position_and_by_name():
    def f(x, n):
        for _ in range(n):            # needs a concrete n
            x = x * 2.0
        return x
    by_name, by_num = fg.jit(f, static_argnames="n"), fg.jit(f, static_argnums=1)
    for jf in (by_name, by_num):
        assert_same(jf(V, 3), V * 8.0)
        assert_same(jf(V, n=2), V * 4.0)
        with pytest.raises(fg.UnhashableStaticArgumentError):
            jf(V, n=[1])


def test_concretization_error_names_the_right_keyword_argument():
    def f(x, *, b, a, k):
        if fnp.sum(a) > 0:
            return x * k
        return x * b
    with pytest.raises(fg.ConcretizationError, match="derived from argument `a`"):
        fg.jit(f, static_argnames="k")(V, b=V, a=V, k=2)
    with pytest.raises(fg.ConcretizationError, match=r"derived from argument `a\['w'\]`"):
        fg.jit(lambda x, **kw: x if kw["a"]["w"] > 0 else -x)(V, z=V, a={"w": fnp.asarray(1.0)})


def test_static_argument_used_as_shape():
    jf = fg.jit(lambda x, shape: fnp.reshape(x, shape) * 2.0, static_argnums=1)
    assert_same(jf(X, (4, 3)), fnp.reshape(X, (4, 3)) * 2.0)
    assert_same(jf(X, (2, 6)), fnp.reshape(X, (2, 6)) * 2.0)


def test_unhashable_static_argument():
    jf = fg.jit(lambda x, shape: fnp.reshape(x, shape), static_argnums=1)
    with pytest.raises(fg.UnhashableStaticArgumentError,
                       match=r"static argument args\[1\] has the unhashable type list") as e:
        jf(X, [4, 3])
    assert "tuple(v)" in str(e.value) and "test_jit.py" in str(e.value)
    jk = fg.jit(lambda x, *, shape: fnp.reshape(x, shape), static_argnames="shape")
    with pytest.raises(fg.UnhashableStaticArgumentError, match="`shape`.*unhashable type dict"):
        jk(X, shape={"a": 1})
    assert isinstance(e.value, TypeError)


def test_retrace_warning_names_what_changed():
    jf = fg.jit(lambda x: x + 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for n in range(1, 6):
            jf(fnp.zeros(n))       # five traces: no warning yet
    with pytest.warns(fg.RetraceWarning) as rec:
        jf(fnp.zeros(6))
    assert len(rec) == 1
    w = rec[0]
    msg = str(w.message)
    assert "traced and compiled 6 times" in msg
    assert "float64[5] to float64[6]" in msg
    assert w.filename == __file__
    # a cache hit after that does not warn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jf(fnp.zeros(3))


def test_retrace_warning_names_a_changed_static_argument():
    jf = fg.jit(lambda x, k: x * k, static_argnums=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(5):
            jf(V, k)
    with pytest.warns(fg.RetraceWarning, match=r"static argument 1 changed from 4 to 5") as rec:
        jf(V, 5)
    assert rec[0].filename == __file__


def test_retrace_warning_names_a_dtype_change():
    jf = fg.jit(lambda x: x * 2)
    dtypes = [np.float64, np.float32, np.int32, np.int64, np.int16]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dt in dtypes:
            jf(fnp.zeros(3, dtype=dt))
    with pytest.warns(fg.RetraceWarning, match=r"int16\[3\] to uint8\[3\]"):
        jf(fnp.zeros(3, dtype=np.uint8))


# ---- the IR passes, seen through lower() ------------------------------------------------------

def _prims(jaxpr):
    return [e.prim.name for e in jaxpr.eqns]


def _lowered(f, *args):
    traced = fg.make_jaxpr(f)(*args).jaxpr
    lowered = fg.jit(f).lower(*args)
    return _prims(traced), _prims(lowered.jaxpr), lowered


def test_lower_returns_jaxpr_and_source():
    lo = fg.jit(lambda x, y: fnp.sin(x) * y).lower(X, Y)
    assert "sin" in str(lo.jaxpr) and "mul" in str(lo.jaxpr)
    assert lo.source.startswith("def ")
    assert str(lo.jaxpr) in lo.as_text() and lo.source in lo.as_text()
    compile(lo.source, "<test>", "exec")


def test_dead_code_removed():
    traced_unused = []

    def f(x):
        unused = fnp.exp(x) * 3.0          # traced, but nothing reads it
        traced_unused.append(unused.aval)
        return fnp.sin(x)
    lo = fg.jit(f).lower(X)
    assert traced_unused and _prims(lo.jaxpr) == ["sin"]
    assert "exp" not in lo.source and "multiply" not in lo.source


def test_multiplication_by_one_and_addition_of_zero_removed():
    def f(x):
        return fnp.sin(x * 1.0 + 0.0) - 0.0
    traced, lowered, _ = _lowered(f, X)
    assert {"mul", "add", "sub"} <= set(traced)
    assert lowered == ["sin"]
    # not when the "identity" would change the dtype: int32 * 1.0 is float64
    _, lowered_int, _ = _lowered(lambda i: i * 1.0, I32)
    assert lowered_int == ["mul"]


def test_double_transpose_and_identity_reshape_removed():
    def f(x):
        return fnp.sin(fnp.transpose(fnp.transpose(x)))
    traced, lowered, _ = _lowered(f, X)
    assert traced.count("transpose") == 2
    assert lowered == ["sin"]
    # an identity reshape records no equation at all (as in JAX); a chain of reshapes that
    # ends where it started is traced, then removed
    traced_r, lowered_r, _ = _lowered(lambda x: fnp.cos(lax.reshape(x, (3, 4))), X)
    assert traced_r == ["cos"] and lowered_r == ["cos"]
    g = lambda x: fnp.cos(x.reshape(12).reshape(2, 6).reshape(3, 4))
    traced_r, lowered_r, _ = _lowered(g, X)
    assert "reshape" in traced_r and lowered_r == ["cos"]
    assert_same(fg.jit(g)(X), g(X))
    # a chain of transposes that is not the identity becomes one transpose
    g = lambda x: fnp.transpose(fnp.transpose(x[None], (1, 2, 0)), (1, 2, 0)) * 2.0
    traced_g, lowered_g, _ = _lowered(g, X)
    assert traced_g.count("transpose") == 2 and lowered_g.count("transpose") == 1
    assert_same(fg.jit(g)(X), g(X))


def test_common_subexpressions_merged():
    def f(x, y):
        return fnp.sin(x * y) + fnp.sin(x * y) * fnp.exp(y)
    traced, lowered, _ = _lowered(f, X, Y)
    assert traced.count("sin") == 2 and traced.count("mul") == 3
    assert lowered.count("sin") == 1 and lowered.count("mul") == 2
    assert_same(fg.jit(f)(X, Y), f(X, Y))


def test_constants_folded():
    c = fnp.arange(4.0)

    def f(x):
        k = fnp.exp(c * 2.0) + 1.0       # only constants: computed once, at trace time
        return x * k
    lo = fg.jit(f).lower(V)
    assert _prims(lo.jaxpr) == ["mul"]
    assert any(np.allclose(np.asarray(k), np.exp(np.arange(4.0) * 2.0) + 1.0) for k in lo.consts)
    assert_same(fg.jit(f)(V), f(V))


def test_fold_constants_pass_evaluates_known_equations():
    from funcgrad._core.ir import Jaxpr
    from funcgrad.interpreters.passes import optimize
    closed = fg.make_jaxpr(lambda x: fnp.sin(x) * 2.0 + x)(V)
    j = closed.jaxpr
    # the same equations, with the input turned into a known constant: all of them fold
    as_const = Jaxpr(list(j.constvars) + list(j.invars), [], j.eqns, j.outvars)
    folded, consts = optimize(as_const, list(closed.consts) + [V])
    assert folded.eqns == [] and len(consts) == 1
    np.testing.assert_allclose(np.asarray(consts[0]), np.sin(np.asarray(V)) * 2.0 +
                               np.asarray(V), rtol=1e-15)


def test_buffer_reuse_is_visible_in_source():
    def f(x, y):
        return fnp.tanh(fnp.sin(x) * y + 1.0) * 2.0
    lo = fg.jit(f).lower(X, Y)
    assert "out=" in lo.source
    # never into an input of the jitted function
    params = re.match(r"def \w+\((.*)\):", lo.source).group(1).split(", ")
    for p in params:
        assert f"out={p})" not in lo.source
    assert_same(fg.jit(f)(X, Y), f(X, Y))


def test_outputs_alias_no_reused_buffer():
    def f(x):
        a = fnp.sin(x)
        b = a.reshape(4, 3)            # a view of a
        c = a * 3.0                    # may not be written into a (b shares it)
        d = c + 1.0                    # may be written into c (nobody reads it later)
        return a, b, d
    held = np.array(X)
    got = check_jit(f, X)
    np.testing.assert_array_equal(np.asarray(X), held)
    np.testing.assert_allclose(np.asarray(got[1]), np.sin(held).reshape(4, 3))


def test_returning_an_input_or_a_view_of_it():
    x_np = np.asarray(X).copy()
    jf = fg.jit(lambda x: (x, x.reshape(4, 3), x.T, x + 1.0))
    for arg in (X, x_np):
        out = jf(arg)
        np.testing.assert_array_equal(np.asarray(out[0]), x_np)
        np.testing.assert_array_equal(np.asarray(out[1]), x_np.reshape(4, 3))
        np.testing.assert_array_equal(np.asarray(out[2]), x_np.T)
    # a numpy argument the caller later writes must not change jit's (immutable) outputs
    mutable = x_np.copy()
    out = jf(mutable)
    mutable[...] = 0.0
    np.testing.assert_array_equal(np.asarray(out[0]), x_np)
    np.testing.assert_array_equal(np.asarray(out[1]), x_np.reshape(4, 3))


@pytest.mark.parametrize("which", ["cond", "while", "custom_vjp", "custom_jvp", "checkpoint",
                                   "sum_no_axes", "scan"])
def test_primitives_that_may_return_their_input_are_not_overwritten(which):
    """A primitive whose output may be its input (a branch returning its operand, a loop that
    runs zero times, an identity custom function) must keep that buffer from being reused."""
    @fg.custom_vjp
    def ident_vjp(a):
        return a
    ident_vjp.defvjp(lambda a: (a, None), lambda r, g: (g,))

    @fg.custom_jvp
    def ident_jvp(a):
        return a
    ident_jvp.defjvp(lambda p, t: (p[0], t[0]))

    passthrough = {
        "cond": lambda a, x: lax.cond(x[0, 0] < 10.0, lambda a: a, lambda a: a * 2.0, a),
        "while": lambda a, x: lax.while_loop(lambda v: fnp.sum(v) > 1e6, lambda v: v * 2.0, a),
        "custom_vjp": lambda a, x: ident_vjp(a),
        "custom_jvp": lambda a, x: ident_jvp(a),
        "checkpoint": lambda a, x: fg.checkpoint(lambda v: v)(a),
        "sum_no_axes": lambda a, x: fnp.sum(a, axis=()),
        "scan": lambda a, x: lax.scan(lambda c, _: (c, None), a, None, length=0)[0],
    }[which]

    def f(x):
        a = fnp.sin(x)
        b = passthrough(a, x)
        c = a * 3.0          # the last read of a: a candidate for writing in place
        return b, c
    check_jit(f, X)


# ---- errors -----------------------------------------------------------------------------------

def test_concretization_error_names_argument_and_line():
    def f(x, scale):
        if fnp.sum(scale) > 0:  # the offending line
            return x
        return -x
    with pytest.raises(fg.ConcretizationError) as e:
        fg.jit(f)(X, V)
    msg = str(e.value)
    assert "argument `scale`" in msg
    assert "test_jit.py" in msg and "if fnp.sum(scale) > 0:  # the offending line" in msg
    assert "static_argnums" in msg and "lax.cond" in msg
    # the fix it names works
    assert_same(fg.jit(f, static_argnums=1)(X, 1.0), X)


def test_concretization_error_for_pytree_argument_names_the_leaf():
    def f(params):
        return params["w"] * int(params["n"])
    with pytest.raises(fg.ConcretizationError, match=r"argument `params\['n'\]`"):
        fg.jit(f)({"w": V, "n": fnp.asarray(3)})


def test_tracer_escaping_jit():
    leaked = []

    @fg.jit
    def f(x):
        leaked.append(fnp.sin(x))
        return x * 2.0
    f(V)
    with pytest.raises(fg.UnexpectedTracerError, match="after jit had finished") as e:
        leaked[0] + 1.0
    assert "test_jit.py" in str(e.value)


def test_keyword_variable_names_compile():
    """Enough variables that the names `if`, `in`, `is`, `or` (past 200) and `def`, `del` (past
    2,100) appear among the jaxpr's variables: the generated code must still compile."""
    def f(x, y):
        for k in range(760):
            x = fnp.sin(x) * y + (k % 7 + 0.5)
        return x
    lo = fg.jit(f).lower(V, V)
    assert len(lo.jaxpr.eqns) > 2200
    names = {d.split(":")[0] for d in re.findall(r"\b[a-z]+:f64", str(lo.jaxpr))}
    kws = {n for n in names if keyword.iskeyword(n)}
    assert {"if", "in", "is", "or", "def", "del"} <= kws
    assert_same(fg.jit(f)(V, V * 0.5), f(V, V * 0.5), rtol=1e-10)


def test_compile_pauses_the_cyclic_collector_and_leaves_it_as_it_was():
    seen = []

    def f(x):
        seen.append(gc.isenabled())
        return fg.jit(lambda y: y * 2.0)(x) + 1.0  # a nested compile inside the trace

    def bad(x):
        raise ValueError("boom")

    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            fg.jit(f).clear_cache()  # jit(f) shares f's cache: compile it again
            fg.jit(f)(fnp.ones(3))
            with pytest.raises(ValueError, match="boom"):
                fg.jit(bad)(fnp.ones(3))
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
    assert seen == [False, False]
