"""funcgrad.lax's names beyond the primitives (round's methods, the sorts, the running reductions,
clamp, iota, dot, ...) against jax.lax (the oracle): values, dtypes and shapes on generated
inputs (sizes 0 and 1 included, float32 and float64), and derivatives forward (jvp) and reverse
(vjp) against JAX's; each also under jit and vmap.

funcgrad's default dtypes are 64-bit, so JAX runs with x64 enabled (restored afterwards). Inputs
are drawn without repeated values where a derivative or an order would depend on how ties are
split (max, sort), which JAX's and funcgrad's scans split differently."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax
from _jax_modes import jax_mode

jax = pytest.importorskip("jax", reason="JAX is the oracle for funcgrad.lax")
jlax = jax.lax
jnp = jax.numpy
_jax_config = pytest.importorskip("jax._src.config", reason="needs JAX's enable_x64 context")

FLOATS = (np.float32, np.float64)
TOL = {np.dtype(np.float32): dict(rtol=2e-5, atol=2e-5),
       np.dtype(np.float64): dict(rtol=1e-11, atol=1e-11)}


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def arrays(min_dims=1, max_dims=3, unique=True, lo=-3.0, hi=3.0, nonzero=False):
    """Float arrays (sizes 0 and 1 among them) of float32 or float64, by default of distinct
    values (no ties)."""
    def build(dtype):
        elems = st.floats(lo, hi, width=32, allow_subnormal=False)
        if nonzero:
            elems = elems.filter(lambda v: abs(v) > 0.1)
        return hnp.arrays(dtype, hnp.array_shapes(min_dims=min_dims, max_dims=max_dims,
                                                  min_side=0, max_side=4),
                          elements=elems, unique=unique)
    return st.sampled_from(FLOATS).flatmap(build)


def same(got, want):
    """Equal shapes and dtypes, values to the dtype's tolerance (leafwise)."""
    got_l, want_l = jax.tree.leaves(got), jax.tree.leaves(want)
    assert len(got_l) == len(want_l)
    for g, w in zip(got_l, want_l):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
        tol = TOL.get(g.dtype, dict(rtol=0, atol=0))
        np.testing.assert_allclose(g, w, equal_nan=True, **tol)


def same_derivatives(f, jf, x, seed=0):
    """f's jvp and vjp at x equal JAX's jf's (a random tangent and cotangent)."""
    rng = np.random.default_rng(seed)
    t = rng.standard_normal(x.shape).astype(x.dtype)
    out, tan = fg.jvp(f, (fnp.asarray(x),), (fnp.asarray(t),))
    jout, jtan = jax.jvp(jf, (jnp.asarray(x),), (jnp.asarray(t),))
    same(out, jout)
    same(tan, jtan)
    ct = rng.standard_normal(np.shape(jout)).astype(np.asarray(jout).dtype)
    _, back = fg.vjp(f, fnp.asarray(x))
    _, jback = jax.vjp(jf, jnp.asarray(x))
    same(back(fnp.asarray(ct)), jback(jnp.asarray(ct)))


def same_under_transforms(f, x, row_f=None):
    """jit(f) gives f's values, and vmap(row_f) over x's leading axis (row_f: f by default; None
    where x has no leading axis to map) row_f's values row by row."""
    same(fg.jit(f)(x), f(x))
    row_f = f if row_f is None and x.ndim >= 2 else row_f
    if row_f is not None and x.shape[0] > 0:
        rows = [row_f(r) for r in x]
        same(fg.vmap(row_f)(x), jax.tree.map(lambda *r: np.stack(r), *rows))


# ---- round ------------------------------------------------------------------------------------

@given(arrays(unique=False, lo=-4, hi=4), st.sampled_from([0, 1]))
def test_round_methods_as_jax(x, method):
    x = np.round(x * 2) / 2 + np.where(np.arange(x.size).reshape(x.shape) % 3 == 0, 0.0, 0.25)
    x = x.astype(np.result_type(x.dtype, np.float32)) if x.dtype != np.float64 else x
    same(lax.round(x, method), jlax.round(x, method))
    same(lax.round(x, lax.RoundingMethod(method)), jlax.round(x, jlax.RoundingMethod(method)))
    same_derivatives(lambda v: lax.round(v, method), lambda v: jlax.round(v, method), x)
    same_under_transforms(lambda v: lax.round(v, method), x)


def test_round_halves_and_printing():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, np.inf, -np.inf, np.nan], np.float32)
    same(lax.round(x), jlax.round(x))
    same(lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN), jlax.round(x, 1))
    for method in (0, 1):
        assert f"round[rounding_method={method}]" in str(
            fg.make_jaxpr(lambda v: lax.round(v, method))(1.5))
        assert f"round[rounding_method={method}]" in str(
            jax.make_jaxpr(lambda v: jlax.round(v, method))(1.5))
    # numpy's round keeps half to even
    same(fnp.round(x), np.round(x))
    same(fnp.rint(x), np.rint(x))
    with pytest.raises(ValueError, match="RoundingMethod"):
        lax.round(x, 2)


# ---- running reductions ----------------------------------------------------------------------

CUMULATIVE = ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"]


# numpy's accumulations: the values' oracle on many inputs (JAX compiles each new shape of its
# scans for seconds, so JAX itself is asked about fewer, below)
ACCUMULATE = {"cumsum": np.add, "cumprod": np.multiply, "cummax": np.maximum,
              "cummin": np.minimum, "cumlogsumexp": np.logaddexp}


@pytest.mark.parametrize("name", CUMULATIVE)
@given(x=arrays(lo=-2, hi=2), data=st.data())
def test_cumulative_values_and_transforms(name, x, data):
    axis = data.draw(st.integers(0, x.ndim - 1), label="axis")
    reverse = data.draw(st.booleans(), label="reverse")
    f = getattr(lax, name)
    want = np.flip(ACCUMULATE[name].accumulate(np.flip(x, axis), axis=axis, dtype=x.dtype),
                   axis) if reverse else ACCUMULATE[name].accumulate(x, axis=axis, dtype=x.dtype)
    same(f(x, axis=axis, reverse=reverse), want)
    same_under_transforms(lambda v: f(v, axis, reverse), x,
                          (lambda v: f(v, axis - 1, reverse)) if axis >= 1 else None)


@pytest.mark.parametrize("name", CUMULATIVE)
@settings(max_examples=4)
@given(x=arrays(lo=-2, hi=2, max_dims=2), data=st.data())
def test_cumulative_as_jax(name, x, data):
    axis = data.draw(st.integers(0, x.ndim - 1), label="axis")
    reverse = data.draw(st.booleans(), label="reverse")
    f, jf = getattr(lax, name), getattr(jlax, name)
    same(f(x, axis, reverse), jf(x, axis, reverse))
    same_derivatives(lambda v: f(v, axis, reverse), lambda v: jf(v, axis, reverse), x)


@pytest.mark.parametrize("name", CUMULATIVE[1:])
def test_cumulative_errors_as_jax(name):
    x = np.ones((2, 3))
    for bad in ({"axis": -1}, {"axis": 2}):
        with pytest.raises(ValueError):
            getattr(jlax, name)(x, **bad)
        with pytest.raises(ValueError):
            getattr(lax, name)(x, **bad)
    with pytest.raises(TypeError):
        getattr(jlax, name)(np.array([True]))
    with pytest.raises(TypeError, match="bool"):
        getattr(lax, name)(np.array([True]))


def test_cumulative_integers_as_jax():
    x = np.arange(1, 7, dtype=np.int32).reshape(2, 3)
    for name in CUMULATIVE[:4]:
        same(getattr(lax, name)(x, 1), getattr(jlax, name)(x, 1))


# ---- sorts ------------------------------------------------------------------------------------

@settings(max_examples=10)
@given(x=arrays(), data=st.data())
def test_sort_as_jax(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1), label="dimension")
    same(lax.sort(x, dimension=dim), jlax.sort(x, dimension=dim))
    same(lax.sort([x], dim), jlax.sort([x], dim))
    same_derivatives(lambda v: lax.sort(v, dim), lambda v: jlax.sort(v, dim), x)
    same_under_transforms(lambda v: lax.sort(v, -1), x)


@settings(max_examples=10)
@given(x=arrays(), data=st.data())
def test_sort_several_operands_and_keys_as_jax(x, data):
    keys = np.asarray(data.draw(hnp.arrays(np.int32, x.shape, elements=st.integers(0, 2)),
                                label="keys"))
    num_keys = data.draw(st.integers(1, 2), label="num_keys")
    dim = data.draw(st.integers(0, x.ndim - 1), label="dimension")
    ops = (keys, x, -x)
    same(lax.sort(ops, dim, True, num_keys), jlax.sort(ops, dim, True, num_keys))
    same(lax.sort_key_val(keys, x, dim), jlax.sort_key_val(keys, x, dim))
    same_derivatives(lambda v: lax.sort((keys, v), dim, num_keys=num_keys)[1],
                     lambda v: jlax.sort((keys, v), dim, num_keys=num_keys)[1], x)


def test_sort_order_of_nan_and_zeros_as_jax():
    x = np.array([0., -0., np.nan, -np.inf, 1., np.inf])
    same(lax.sort(x), jlax.sort(x))
    assert list(np.signbit(lax.sort(x))) == list(np.signbit(jlax.sort(x)))


def test_sort_errors_as_jax():
    cases = [(((np.ones(3), np.ones(4)),), {}, TypeError),
             (((np.ones(3),),), {"num_keys": 2}, ValueError),
             ((np.ones(3),), {"num_keys": 0}, ValueError),
             ((np.ones((2, 3)),), {"dimension": 2}, ValueError)]
    for args, kw, exc in cases:
        with pytest.raises(exc):
            jlax.sort(*args, **kw)
        with pytest.raises(exc):
            lax.sort(*args, **kw)


@given(x=arrays(), data=st.data())
def test_top_k_as_jax(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    k = data.draw(st.integers(0, x.shape[axis]), label="k")
    got, want = lax.top_k(x, k, axis=axis), jlax.top_k(x, k, axis=axis)
    assert isinstance(got, list) and isinstance(want, list)
    same(got, want)
    same_derivatives(lambda v: lax.top_k(v, k, axis=axis)[0],
                     lambda v: jlax.top_k(v, k, axis=axis)[0], x)
    same_under_transforms(lambda v: lax.top_k(v, min(k, v.shape[-1]))[0], x)


def test_top_k_ties_and_errors_as_jax():
    x = np.array([[1., 3., 2., 3.]])
    same(lax.top_k(x, 3), jlax.top_k(x, 3))
    for k in (-1, 5):
        with pytest.raises(ValueError):
            jlax.top_k(x, k)
        with pytest.raises(ValueError, match="top_k"):
            lax.top_k(x, k)


# ---- elementwise compositions -----------------------------------------------------------------

UNARY = {"exp2": {}, "square": {}, "reciprocal": {"nonzero": True}}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_as_jax(name, data):
    x = data.draw(arrays(min_dims=0, unique=False, **UNARY[name]), label="x")
    f, jf = getattr(lax, name), getattr(jlax, name)
    same(f(x), jf(x))
    same_derivatives(f, jf, x)
    same_under_transforms(f, x)


def test_unary_on_python_scalars_as_jax():
    for name in UNARY:
        got, want = getattr(lax, name)(3.0), getattr(jlax, name)(3.0)
        same(got, want)
    same(lax.square(3), jlax.square(3))


@settings(max_examples=8)
@given(x=arrays(min_dims=0, max_dims=2, unique=True), data=st.data())
def test_clamp_as_jax(x, data):
    lo, hi = sorted(data.draw(st.lists(st.floats(-2, 2, width=32), min_size=2, max_size=2,
                                       unique=True), label="bounds"))
    lo, hi = x.dtype.type(lo), x.dtype.type(hi)
    same(lax.clamp(lo, x, hi), jlax.clamp(lo, x, hi))
    same_derivatives(lambda v: lax.clamp(lo, v, hi), lambda v: jlax.clamp(lo, v, hi), x)
    # derivatives in the bounds, as arrays of x's shape
    lo_a = np.full(x.shape, lo, x.dtype)
    same_derivatives(lambda b: lax.clamp(b, x, hi), lambda b: jlax.clamp(b, x, hi), lo_a)
    same_derivatives(lambda b: lax.clamp(lo, x, b), lambda b: jlax.clamp(lo, x, b),
                     np.full(x.shape, hi, x.dtype))
    same_under_transforms(lambda v: lax.clamp(lo, v, hi), x)


def test_clamp_edges_and_errors_as_jax():
    x = np.array([-1., 0., 0.5, 1., 2., np.nan])
    for lo, hi in ((0., 1.), (1., 0.), (0.5, 0.5)):
        same(lax.clamp(lo, x, hi), jlax.clamp(lo, x, hi))
        same_derivatives(lambda v: lax.clamp(lo, v, hi), lambda v: jlax.clamp(lo, v, hi), x)
        same_derivatives(lambda b: lax.clamp(b, x, hi), lambda b: jlax.clamp(b, x, hi),
                         np.full(x.shape, lo))
        same_derivatives(lambda b: lax.clamp(lo, x, b), lambda b: jlax.clamp(lo, x, b),
                         np.full(x.shape, hi))
    for args in ((np.zeros(2), np.zeros(3), 1.), (np.int64(0), np.zeros(3), 1.)):
        with pytest.raises(TypeError):
            jlax.clamp(*args)
        with pytest.raises(TypeError, match="clamp"):
            lax.clamp(*args)


def test_max_min_as_jax():
    x, y = np.array([1., 5.]), np.array([3., 2.])
    same(lax.max(x, y), jlax.max(x, y))
    same(lax.min(x, y), jlax.min(x, y))


# ---- shapes and contractions -----------------------------------------------------------------

@given(x=arrays(min_dims=0, unique=False), data=st.data())
def test_broadcast_and_collapse_as_jax(x, data):
    sizes = tuple(data.draw(st.lists(st.integers(0, 3), max_size=2), label="sizes"))
    same(lax.broadcast(x, sizes), jlax.broadcast(x, sizes))
    same_derivatives(lambda v: lax.broadcast(v, sizes), lambda v: jlax.broadcast(v, sizes), x)
    nd = x.ndim
    start = data.draw(st.integers(-nd, nd), label="start") if nd else 0
    stop = data.draw(st.one_of(st.none(), st.integers(start % (nd + 1) if start >= 0
                                                      else start + nd, nd)), label="stop")
    same(lax.collapse(x, start, stop), jlax.collapse(x, start, stop))
    same_derivatives(lambda v: lax.collapse(v, start, stop),
                     lambda v: jlax.collapse(v, start, stop), x)


@given(size=st.integers(0, 5), dtype=st.sampled_from(["int32", "float32", "float64", "int64"]),
       shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3), data=st.data())
def test_iota_as_jax(size, dtype, shape, data):
    same(lax.iota(dtype, size), jlax.iota(dtype, size))
    dim = data.draw(st.integers(0, len(shape) - 1), label="dimension")
    same(lax.broadcasted_iota(dtype, shape, dim), jlax.broadcasted_iota(dtype, shape, dim))
    with pytest.raises(TypeError):
        jlax.iota(dtype, -1)
    with pytest.raises(TypeError, match="nonnegative"):
        lax.iota(dtype, -1)


@given(dtype=st.sampled_from(FLOATS), ranks=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       sizes=st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)), data=st.data())
def test_dot_as_jax(dtype, ranks, sizes, data):
    m, k, n = sizes
    ls = (m, k) if ranks[0] == 2 else (k,)
    rs = (k, n) if ranks[1] == 2 else (k,)
    rng = np.random.default_rng(sum(sizes) + 7 * ranks[0])
    a, b = rng.standard_normal(ls).astype(dtype), rng.standard_normal(rs).astype(dtype)
    same(lax.dot(a, b), jlax.dot(a, b))
    same(lax.dot(a, b, precision="highest"), jlax.dot(a, b, precision="highest"))
    same_derivatives(lambda v: lax.dot(v, b), lambda v: jlax.dot(v, b), a)
    same_derivatives(lambda v: lax.dot(a, v), lambda v: jlax.dot(a, v), b)
    same(fg.jit(lambda u, v: lax.dot(u, v))(a, b), jlax.dot(a, b))


def test_dot_errors_as_jax():
    with pytest.raises(ValueError):
        jlax.dot(np.ones((2, 2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="dimension_numbers"):
        lax.dot(np.ones((2, 2, 2)), np.ones(2))


@pytest.mark.parametrize("dtypes", [("int8", "int32"), ("int32", "int64"), ("float32", "float64"),
                                    ("int8", "float32")])
def test_dot_general_preferred_element_type_as_jax(dtypes):
    src, want = dtypes
    a = np.full((2, 3), 100, dtype=src)
    b = np.full((3, 4), 100, dtype=src)
    dn = (((1,), (0,)), ((), ()))
    same(lax.dot_general(a, b, dn, preferred_element_type=want),
         jlax.dot_general(a, b, dn, preferred_element_type=want))
    same(lax.dot(a, b, preferred_element_type=want),
         jlax.dot(a, b, preferred_element_type=want))
    batched = np.stack([a, a + 1])
    same(fg.vmap(lambda u: lax.dot(u, b, preferred_element_type=want))(batched),
         jax.vmap(lambda u: jlax.dot(u, b, preferred_element_type=want))(batched))


def test_dot_general_preferred_derivatives_as_jax():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3)).astype(np.float32)
    b = rng.standard_normal((3, 2)).astype(np.float32)
    dn = (((1,), (0,)), ((), ()))
    same_derivatives(lambda v: lax.dot_general(v, b, dn, preferred_element_type=np.float64),
                     lambda v: jlax.dot_general(v, b, dn, preferred_element_type=np.float64), a)


# ---- weak types through stop_gradient and convert_element_type ---------------------------------

def _weak_cases():
    f32 = np.ones(2, np.float32)
    return {
        "stop_gradient of a weak float joins float32":
            (lambda lx, np_: lx.stop_gradient(2.0) + np_.ones(2, np.float32), ()),
        "stop_gradient of a traced weak product":
            (lambda lx, np_: (lambda x: lx.stop_gradient(x * 2.0) + f32), (np.float32(3.0),)),
        "convert_element_type is strongly typed":
            (lambda lx, np_: lx.convert_element_type(2.0, np.float64) + np_.ones(2, np.float32),
             ()),
    }


@pytest.mark.parametrize("name", sorted(_weak_cases()))
def test_weak_types_as_jax(name):
    """In JAX's promotion mode, the dtype (and weak type) of results through stop_gradient and
    convert_element_type are JAX's, eagerly and under jit."""
    build, args = _weak_cases()[name]
    with jax_mode(_jax_config, True):
        got, want = build(lax, fnp), build(jlax, jnp)
        if args:
            got, want = fg.jit(got)(*args), jax.jit(want)(*args)
        assert np.asarray(got).dtype == np.asarray(want).dtype
        assert getattr(got, "weak_type", False) == want.weak_type
        np.testing.assert_allclose(np.asarray(got), np.asarray(want))


def test_stop_gradient_keeps_a_weak_type_as_jax():
    with jax_mode(_jax_config, True):
        assert lax.stop_gradient(2.0).weak_type == jlax.stop_gradient(jnp.asarray(2.0)).weak_type
        assert lax.stop_gradient(fnp.float32(2.0)).weak_type is False


# ---- slices along one axis, full_like, select_n -------------------------------------------------

@settings(max_examples=10)
@given(x=arrays(unique=False), data=st.data())
def test_in_dim_slices_as_jax(x, data):
    axis = data.draw(st.integers(0, x.ndim - 1), label="axis")
    n = x.shape[axis]
    start = data.draw(st.one_of(st.none(), st.integers(-n, n)), label="start")
    stride = data.draw(st.integers(1, 2), label="stride")
    same(lax.slice_in_dim(x, start, None, stride, axis),
         jlax.slice_in_dim(x, start, None, stride, axis))
    same_derivatives(lambda v: lax.slice_in_dim(v, start, None, stride, axis),
                     lambda v: jlax.slice_in_dim(v, start, None, stride, axis), x)
    size = data.draw(st.integers(0, n), label="size")
    dstart = data.draw(st.integers(-n, n), label="dynamic start")
    for s in (dstart, np.int32(dstart)):
        same(lax.dynamic_slice_in_dim(x, s, size, axis), jlax.dynamic_slice_in_dim(x, s, size, axis))
    f = fg.jit(lambda v, s: lax.dynamic_slice_in_dim(v, s, size, axis))
    same(f(x, np.int32(dstart)), jlax.dynamic_slice_in_dim(x, np.int32(dstart), size, axis))
    same_derivatives(lambda v: lax.dynamic_slice_in_dim(v, dstart, size, axis),
                     lambda v: jlax.dynamic_slice_in_dim(v, dstart, size, axis), x)
    upd = np.ones(x.shape[:axis] + (size,) + x.shape[axis + 1:], x.dtype)
    same(lax.dynamic_update_slice_in_dim(x, upd, dstart, axis),
         jlax.dynamic_update_slice_in_dim(x, upd, dstart, axis))
    if n:
        i = data.draw(st.integers(-n, n - 1), label="index")
        keep = data.draw(st.booleans(), label="keepdims")
        same(lax.index_in_dim(x, i, axis, keep), jlax.index_in_dim(x, i, axis, keep))
        same(lax.dynamic_index_in_dim(x, np.int64(i), axis, keep),
             jlax.dynamic_index_in_dim(x, np.int64(i), axis, keep))
        same_derivatives(lambda v: lax.index_in_dim(v, i, axis, keep),
                         lambda v: jlax.index_in_dim(v, i, axis, keep), x)


def test_in_dim_errors_as_jax():
    x = np.ones((2, 5))
    with pytest.raises(IndexError):
        jlax.index_in_dim(x, 5, 1)
    with pytest.raises(IndexError, match="out of bounds"):
        lax.index_in_dim(x, 5, 1)


@given(x=arrays(min_dims=0, unique=False), data=st.data())
def test_full_like_as_jax(x, data):
    dtype = data.draw(st.sampled_from([None, np.int32, np.float32]), label="dtype")
    shape = data.draw(st.sampled_from([None, (2,), ()]), label="shape")
    same(lax.full_like(x, 3, dtype, shape), jlax.full_like(x, 3, dtype, shape))


@given(x=arrays(min_dims=0, unique=False), data=st.data())
def test_select_n_as_jax(x, data):
    cases = [x, -x, 2 * x]
    which_b = np.asarray(data.draw(hnp.arrays(np.bool_, x.shape), label="which (bool)"))
    which_i = np.asarray(data.draw(hnp.arrays(np.int32, x.shape, elements=st.integers(0, 2)),
                                   label="which (int)"))
    same(lax.select_n(which_b, *cases[:2]), jlax.select_n(which_b, *cases[:2]))
    same(lax.select_n(which_i, *cases), jlax.select_n(which_i, *cases))
    same(lax.select_n(which_i, x), jlax.select_n(which_i, x))
    same_derivatives(lambda v: lax.select_n(which_i, v, -v, 2 * v),
                     lambda v: jlax.select_n(which_i, v, -v, 2 * v), x)
    for bad in ((np.ones(1),), ()):
        with pytest.raises((TypeError, ValueError)) as want:
            jlax.select_n(*(bad or (np.array(True),)), *(() if not bad else (np.zeros(1),)))
        with pytest.raises(want.type):
            lax.select_n(*(bad or (np.array(True),)), *(() if not bad else (np.zeros(1),)))


# ---- bit counts ---------------------------------------------------------------------------------

INTS = ("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64")


@pytest.mark.parametrize("name", ["population_count", "clz"])
@given(dtype=st.sampled_from(INTS), data=st.data())
def test_bit_counts_as_jax(name, dtype, data):
    info = np.iinfo(dtype)
    x = np.asarray(data.draw(hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=2,
                                                                 min_side=0, max_side=4),
                                        elements=st.integers(int(info.min), int(info.max))),
                             label="x"))
    f, jf = getattr(lax, name), getattr(jlax, name)
    same(f(x), jf(x))
    edges = np.array([0, 1, info.max, info.min], dtype)
    same(f(edges), jf(edges))
    same_under_transforms(f, x, f if x.ndim >= 1 else None)


@pytest.mark.parametrize("name", ["population_count", "clz"])
def test_bit_counts_refuse_floats_as_jax(name):
    with pytest.raises(TypeError):
        getattr(jlax, name)(np.ones(2))
    with pytest.raises(TypeError, match="integer"):
        getattr(lax, name)(np.ones(2))
