"""The rest of funcgrad.numpy (issue 5) against numpy: creation helpers, logic, floating-point
helpers, more math, statistics, sorting/searching and dtype helpers. Values and dtypes are numpy's
(edge values included), derivatives match central finite differences, vmap equals a loop and jit
equals eager on a representative subset, and bad input raises a clear error."""
import warnings

import numpy as np
import pytest
from _gradcheck import check_jvp, check_transpose, check_vjp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad._core.errors import ConcretizationError

EDGE = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e-300, -7.25, np.inf, -np.inf, np.nan]


def floats(special=True, lo=-10.0, hi=10.0):
    base = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return st.one_of(base, st.sampled_from(EDGE)) if special else base


def arrays(shape=None, special=True, dtype=np.float64, lo=-10.0, hi=10.0, min_side=0):
    shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=min_side, max_side=4) \
        if shape is None else st.just(shape)
    return hnp.arrays(dtype, shapes, elements=floats(special, lo, hi))


def check(actual, expected, exact=True, rtol=1e-12, atol=1e-12, signed_zero=False):
    if isinstance(expected, (tuple, list)):
        assert isinstance(actual, (tuple, list)) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            check(a, e, exact, rtol, atol, signed_zero)
        return
    expected = np.asarray(expected)
    assert isinstance(actual, fg.Array), type(actual)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    got = np.asarray(actual)
    if exact:
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    if signed_zero:
        np.testing.assert_array_equal(np.signbit(got[got == 0]), np.signbit(expected[got == 0]))


def both(fn, npfn, *args, **kw):
    """fnp and numpy on the same arguments. numpy's warnings (NaN, empty slices) are silenced;
    funcgrad's are not, except numpy's floating-point ones from the same ufuncs (x / 0, ...)."""
    with np.errstate(all="ignore"):
        got = fn(*[fg.Array(a) if isinstance(a, np.ndarray) else a for a in args], **kw)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return got, npfn(*args, **kw)


# ---- elementwise: values on edge inputs ---------------------------------------------------------

UNARY = [("signbit", True), ("trunc", True), ("fix", True), ("modf", True), ("cbrt", False),
         ("isreal", True), ("iscomplex", True)]


@pytest.mark.parametrize("name,exact", UNARY)
@given(x=arrays())
def test_unary_values(name, exact, x):
    got, want = both(getattr(fnp, name), getattr(np, name), x)
    check(got, want, exact, rtol=1e-15, atol=0, signed_zero=exact)


@pytest.mark.parametrize("name,exact", UNARY)
def test_unary_edge_values(name, exact):
    x = np.array(EDGE)
    check(*both(getattr(fnp, name), getattr(np, name), x), exact, rtol=1e-15, atol=0,
          signed_zero=exact)


BINARY = ["copysign", "heaviside", "fmod", "float_power", "isclose", "divmod"]


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_binary_values(name, data):
    x = data.draw(arrays(), "x")
    y = data.draw(arrays(shape=data.draw(st.sampled_from([x.shape, (), x.shape[-1:]]))), "y")
    if name in ("fmod", "divmod"):
        y = np.where(y == 0, 2.0, y)
    got, want = both(getattr(fnp, name), getattr(np, name), x, y)
    exact = name not in ("float_power",)
    check(got, want, exact, rtol=1e-14, atol=0, signed_zero=name in ("copysign", "fmod"))


@pytest.mark.parametrize("name", BINARY)
def test_binary_edge_values(name):
    x, y = np.array(EDGE)[:, None], np.array(EDGE)[None, :]
    if name in ("fmod", "divmod"):
        y = np.where(y == 0, 2.0, y)
    got, want = both(getattr(fnp, name), getattr(np, name), x, y)
    check(got, want, name != "float_power", rtol=1e-14, atol=0,
          signed_zero=name in ("copysign", "fmod"))


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32, np.bool_])
def test_dtypes_follow_numpy(dtype):
    x = np.array([-3, 0, 2, 5]).astype(dtype)
    y = np.array([2, 3, -2, 1]).astype(dtype)
    for name in ("signbit", "trunc", "cbrt", "isreal"):
        check(getattr(fnp, name)(x), getattr(np, name)(x), exact=False, rtol=1e-6)
    if dtype != np.bool_:
        for name in ("copysign", "heaviside", "fmod", "float_power"):
            check(getattr(fnp, name)(x, y), getattr(np, name)(x, y), exact=False, rtol=1e-6)
        check(fnp.modf(x), np.modf(x))
    check(fnp.isclose(x, y), np.isclose(x, y))
    check(fnp.count_nonzero(x), np.asarray(np.count_nonzero(x), np.int64))


def test_logic_helpers():
    a = np.array([1.0, np.nan, np.inf, -np.inf, 2.0])
    b = np.array([1.0 + 1e-9, np.nan, np.inf, np.inf, 2.1])
    for eq_nan in (False, True):
        check(fnp.isclose(a, b, equal_nan=eq_nan), np.isclose(a, b, equal_nan=eq_nan))
        assert bool(fnp.allclose(a, b, equal_nan=eq_nan)) == np.allclose(a, b, equal_nan=eq_nan)
        assert bool(fnp.array_equal(a, a, equal_nan=eq_nan)) == np.array_equal(
            a, a, equal_nan=eq_nan)
    assert bool(fnp.allclose(a[:1], b[:1]))
    assert not bool(fnp.array_equal(np.ones(2), np.ones(3)))
    assert bool(fnp.array_equiv(np.ones(2), np.ones((3, 2))))
    assert not bool(fnp.array_equiv(np.ones(2), np.ones((3, 3))))
    z = np.array([1 + 0j, 2j, 0j])
    check(fnp.isreal(z), np.isreal(z))
    check(fnp.iscomplex(z), np.iscomplex(z))
    assert fnp.iscomplexobj(z) and fnp.isrealobj(a)


# ---- creation -----------------------------------------------------------------------------------

def test_creation():
    check(fnp.logspace(0, 3, 4), np.logspace(0, 3, 4))
    check(fnp.logspace(0, 1, 3, base=2.0, endpoint=False), np.logspace(0, 1, 3, base=2.0,
                                                                       endpoint=False))
    check(fnp.indices((2, 3)), np.indices((2, 3)))
    check(fnp.indices((2, 3), sparse=True), np.indices((2, 3), sparse=True))
    x, y, z = np.arange(3.0), np.arange(2), np.array([5.0, 6.0, 7.0, 8.0])
    for indexing in ("xy", "ij"):
        for sparse in (False, True):
            check(fnp.meshgrid(x, y, z, indexing=indexing, sparse=sparse),
                  np.meshgrid(x, y, z, indexing=indexing, sparse=sparse))
    check(fnp.meshgrid(x), np.meshgrid(x))
    check(fnp.broadcast_arrays(np.ones(3), np.arange(2)[:, None], 1.5),
          np.broadcast_arrays(np.ones(3), np.arange(2)[:, None], np.asarray(1.5)))
    a = np.arange(12.0).reshape(3, 4)
    for idx, axis in (([0, 2], 0), ([[1, 3], [0, 0]], 1), (5, None), ([-1, 0], None)):
        check(fnp.take(a, idx, axis=axis), np.take(a, idx, axis=axis))
    for mode in ("wrap", "clip"):
        check(fnp.take(a, [7, -9], axis=1, mode=mode), np.take(a, [7, -9], axis=1, mode=mode))


# ---- statistics ---------------------------------------------------------------------------------

def _axis(data, x, allow_tuple=True):
    nd = x.ndim
    opts = [None] + list(range(-nd, nd))
    if allow_tuple and nd >= 2:
        opts.append((0, nd - 1))
    return data.draw(st.sampled_from(opts), "axis")


@given(data=st.data())
def test_quantiles_match_numpy(data):
    x = data.draw(arrays(min_side=1, special=False), "x")
    if data.draw(st.booleans()) and x.size:
        x.flat[data.draw(st.integers(0, x.size - 1))] = np.nan
    axis = _axis(data, x)
    keepdims = data.draw(st.booleans())
    q = data.draw(st.sampled_from([0.0, 0.3, 0.5, 1.0, [0.25, 0.75], [[0.1], [1.0]]]))
    check(*both(fnp.quantile, np.quantile, x, q, axis=axis, keepdims=keepdims), exact=False)
    p = np.multiply(q, 100).tolist() if isinstance(q, list) else q * 100
    check(*both(fnp.percentile, np.percentile, x, p, axis=axis, keepdims=keepdims),
          exact=False)
    check(*both(fnp.median, np.median, x, axis=axis, keepdims=keepdims), exact=False)
    if np.ndim(q) == 2 and isinstance(axis, tuple):
        return  # numpy 2.4's nanquantile misplaces the axes of a 2-D q over several axes
    if data.draw(st.booleans()) and x.size:  # a NaN more, maybe an all-NaN slice
        x.flat[data.draw(st.integers(0, x.size - 1))] = np.nan
    check(*both(fnp.nanquantile, np.nanquantile, x, q, axis=axis, keepdims=keepdims),
          exact=False)
    check(*both(fnp.nanpercentile, np.nanpercentile, x, p, axis=axis, keepdims=keepdims),
          exact=False)
    check(*both(fnp.nanmedian, np.nanmedian, x, axis=axis, keepdims=keepdims), exact=False)


def test_quantile_dtypes():
    for dt in (np.float32, np.int64, np.int8):
        x = np.array([3, 1, 4, 1, 5], dt)
        check(fnp.quantile(x, 0.4), np.quantile(x, 0.4), exact=False, rtol=1e-6)
        check(fnp.median(x), np.median(x), exact=False, rtol=1e-6)


@given(data=st.data())
def test_reductions_match_numpy(data):
    x = data.draw(arrays(min_side=1), "x")
    axis = _axis(data, x)
    keepdims = data.draw(st.booleans())
    kw = dict(axis=axis, keepdims=keepdims)
    for name in ("nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanvar", "nanstd",
                 "ptp"):
        check(*both(getattr(fnp, name), getattr(np, name), x, **kw), exact=False, rtol=1e-10)
    check(*both(fnp.nanvar, np.nanvar, x, axis=axis, ddof=1), exact=False, rtol=1e-10)
    check(fnp.count_nonzero(x, **kw), np.asarray(np.count_nonzero(x, **kw), np.intp))
    if axis is None or isinstance(axis, int):
        ok = ~np.all(np.isnan(x), axis=axis)
        if np.all(ok):
            for name in ("nanargmax", "nanargmin"):
                check(*both(getattr(fnp, name), getattr(np, name), x, axis=axis))


@given(data=st.data())
def test_average_matches_numpy(data):
    x = data.draw(arrays(min_side=1, special=False), "x")
    axis = _axis(data, x, allow_tuple=False)
    check(*both(fnp.average, np.average, x, axis=axis), exact=False)
    wshape = x.shape if axis is None or data.draw(st.booleans()) else (x.shape[axis],)
    w = data.draw(arrays(shape=wshape, special=False, lo=0.5, hi=3.0), "w")
    got, want = both(fnp.average, np.average, x, axis=axis, weights=w, returned=True)
    check(got, want, exact=False)
    check(fnp.average(np.arange(4), weights=np.arange(4)),
          np.average(np.arange(4), weights=np.arange(4)), exact=False)


@given(data=st.data())
def test_cov_corrcoef_match_numpy(data):
    n, k = data.draw(st.integers(1, 4)), data.draw(st.integers(3, 6))
    m = data.draw(arrays(shape=(n, k), special=False), "m")
    rowvar, bias = data.draw(st.booleans()), data.draw(st.booleans())
    mm = m if rowvar else m.T
    check(*both(fnp.cov, np.cov, mm, rowvar=rowvar, bias=bias), exact=False, atol=1e-10)
    check(*both(fnp.cov, np.cov, mm, rowvar=rowvar, ddof=2), exact=False, atol=1e-10)
    y = data.draw(arrays(shape=(k,), special=False), "y")
    check(*both(fnp.cov, np.cov, m, y), exact=False, atol=1e-10)
    check(*both(fnp.cov, np.cov, m[0]), exact=False, atol=1e-10)
    m = m + np.arange(k)  # keep the variances away from zero
    check(*both(fnp.corrcoef, np.corrcoef, m), exact=False, atol=1e-9)


def test_trapezoid_ptp_polyval_convolve():
    y = np.array([[1.0, 4.0, 9.0, 16.0], [2.0, -1.0, 0.5, 3.0]])
    x = np.array([0.0, 0.5, 2.0, 2.5])
    check(fnp.trapezoid(y), np.trapezoid(y), exact=False)
    check(fnp.trapezoid(y, x), np.trapezoid(y, x), exact=False)
    check(fnp.trapezoid(y, dx=0.1, axis=0), np.trapezoid(y, dx=0.1, axis=0), exact=False)
    check(fnp.trapezoid(y, np.stack([x, 2 * x])), np.trapezoid(y, np.stack([x, 2 * x])),
          exact=False)
    p = np.array([2.0, -1.0, 0.5])
    check(fnp.polyval(p, y), np.polyval(p, y))
    check(fnp.polyval([1, 2], np.arange(3)), np.polyval([1, 2], np.arange(3)))
    check(fnp.polyadd(p, [1.0, 1.0, 1.0, 1.0]), np.polyadd(p, [1.0, 1.0, 1.0, 1.0]))
    check(fnp.polymul(p, [1.0, 3.0]), np.polymul(p, [1.0, 3.0]), exact=False)


@given(n=st.integers(1, 6), m=st.integers(1, 6), mode=st.sampled_from(["full", "same", "valid"]),
       ints=st.booleans())
def test_convolve_correlate_match_numpy(n, m, mode, ints):
    rng = np.random.default_rng(n * 10 + m)
    a, v = rng.standard_normal(n), rng.standard_normal(m)
    if ints:
        a, v = (a * 5).astype(np.int64), (v * 5).astype(np.int64)
    check(fnp.convolve(a, v, mode), np.convolve(a, v, mode), exact=ints)
    check(fnp.correlate(a, v, mode), np.correlate(a, v, mode), exact=ints)
    if not ints:
        c = a + 1j * np.arange(n)
        check(fnp.correlate(c, v + 2j, mode), np.correlate(c, v + 2j, mode), exact=False)


@given(data=st.data())
def test_interp_searchsorted_match_numpy(data):
    xp = np.unique(data.draw(hnp.arrays(np.float64, st.integers(1, 6), elements=floats(False))))
    fp = data.draw(arrays(shape=xp.shape, special=False), "fp")
    x = data.draw(arrays(), "x")
    x = np.where(np.isinf(x), 0.0, x)
    check(*both(fnp.interp, np.interp, x, xp, fp), exact=False, atol=1e-9)
    check(*both(fnp.interp, np.interp, x, xp, fp, left=-50.0, right=50.0), exact=False,
          atol=1e-9)
    xp_nan = np.append(xp, np.nan)
    for side in ("left", "right"):
        check(fnp.searchsorted(xp_nan, x, side=side), np.searchsorted(xp_nan, x, side=side))
    order = np.argsort(-xp)
    rev = xp[order]
    check(fnp.searchsorted(rev, x, sorter=np.argsort(rev)),
          np.searchsorted(rev, x, sorter=np.argsort(rev)))


def test_unique_and_nonzero_family():
    a = np.array([[3.0, 1.0, np.nan], [1.0, np.nan, 2.0]])
    check(fnp.unique(a), np.unique(a))
    got = fnp.unique(a, return_index=True, return_inverse=True, return_counts=True)
    check(got, np.unique(a, return_index=True, return_inverse=True, return_counts=True))
    b = np.array([[1, 2], [1, 2], [0, 5]])
    check(fnp.unique(b, axis=0, return_counts=True), np.unique(b, axis=0, return_counts=True))
    check(fnp.argwhere(b - 1), np.argwhere(b - 1))
    check(fnp.flatnonzero(b - 1), np.flatnonzero(b - 1))
    # the unique values are gathered, so gradients reach the first occurrences
    g = fg.grad(lambda x: fnp.sum(fnp.unique(x) * fnp.array([1.0, 10.0])))(
        fnp.array([2.0, 1.0, 2.0]))
    np.testing.assert_array_equal(np.asarray(g), [10.0, 1.0, 0.0])


def test_dtype_helpers():
    assert fnp.result_type(fnp.ones(2, np.float32), 2.0) == np.float32
    assert fnp.result_type(fnp.ones(2, np.int32), np.int64) == np.int64
    assert fnp.promote_types(np.int8, np.uint8) == np.int16
    assert fnp.can_cast(np.int32, np.float64) and not fnp.can_cast(np.float64, np.int32)
    assert fnp.finfo(fnp.ones(1, np.float32)).eps == np.finfo(np.float32).eps
    assert fnp.iinfo(np.int8).max == 127
    assert fnp.issubdtype(fnp.ones(1).dtype, np.floating)


# ---- derivatives against finite differences -----------------------------------------------------

def _nan_at(x, k=0):
    mask = np.zeros(x.shape, bool)
    mask.flat[k] = True
    return fnp.where(mask, np.nan, x)


DIFF = {
    "quantile": (lambda x: fnp.quantile(x, [0.3, 0.5], axis=1, keepdims=True), [(3, 5)]),
    "median": (lambda x: fnp.median(x, axis=0), [(4, 3)]),
    "percentile": (lambda x: fnp.percentile(x, 90.0), [(2, 3)]),
    "nanquantile": (lambda x: fnp.nanquantile(_nan_at(x, 1), [0.2, 0.7], axis=1), [(2, 4)]),
    "average": (lambda x, w: fnp.average(x, axis=1, weights=w, returned=True),
                [(2, 3), (3,)]),
    "cov": (lambda m: fnp.cov(m, rowvar=False), [(5, 2)]),
    "corrcoef": (lambda m: fnp.corrcoef(m), [(2, 5)]),
    "nanmean": (lambda x: fnp.nanmean(_nan_at(x), axis=0), [(3, 2)]),
    "nanvar": (lambda x: fnp.nanstd(_nan_at(x, 2), ddof=1), [(2, 3)]),
    "nanmax": (lambda x: fnp.nanmax(_nan_at(x), axis=1) + fnp.nanmin(_nan_at(x), axis=1),
               [(2, 3)]),
    "nansum": (lambda x: fnp.nansum(_nan_at(x)) + fnp.nanprod(_nan_at(x, 1)), [(2, 2)]),
    "interp": (lambda x, fp: fnp.interp(x, fnp.array([-1.0, 0.0, 0.5, 2.0]), fp),
               [(5,), (4,)]),
    "convolve": (lambda a, v: fnp.convolve(a, v, "same"), [(5,), (3,)]),
    "correlate": (lambda a, v: fnp.correlate(a, v, "full"), [(3,), (4,)]),
    "trapezoid": (lambda y, x: fnp.trapezoid(y, x), [(2, 4), (4,)]),
    "polyval": (lambda p, x: fnp.polyval(p, x), [(3,), (4,)]),
    "fmod": (lambda x, y: fnp.fmod(x, y + 5.0), [(3,), (3,)]),
    "modf": (lambda x: fnp.modf(3.0 * x)[0], [(4,)]),
    "cbrt": (lambda x: fnp.cbrt(x), [(4,)]),
    "copysign": (lambda x, y: fnp.copysign(x, y) + fnp.heaviside(y, x), [(3,), (3,)]),
    "float_power": (lambda x, y: fnp.float_power(fnp.abs(x) + 0.5, y), [(3,), (3,)]),
    "ptp": (lambda x: fnp.ptp(x, axis=0), [(3, 2)]),
    "take": (lambda x: fnp.take(x, [[2, 0], [1, 1]], axis=0), [(3, 2)]),
    "meshgrid": (lambda x, y: fnp.meshgrid(x, y), [(3,), (2,)]),
    "broadcast_arrays": (lambda x, y: fnp.broadcast_arrays(x, y), [(3,), (2, 1)]),
}


@pytest.mark.parametrize("name", sorted(DIFF))
@given(seed=st.integers(0, 2 ** 31))
def test_derivatives(name, seed):
    f, shapes = DIFF[name]
    rng = np.random.default_rng(seed)
    args = [rng.standard_normal(s) for s in shapes]
    if name in ("cbrt",):
        args = [a + np.sign(a) * 0.5 for a in args]  # away from 0, where the slope is infinite
    if name == "interp":
        args[0] = args[0] * 1.5  # some points outside [xp[0], xp[-1]]
    if name == "modf":
        args = [np.round(3 * a) / 3 + 0.1 for a in args]  # away from the integers
    if name == "copysign":
        args = [a + np.sign(a) * 0.1 for a in args]
    check_vjp(f, args, rng)
    check_jvp(f, args, rng)
    check_transpose(f, args, rng)


# ---- transforms: vmap == loop, jit == eager ------------------------------------------------------

TRANSFORMED = {
    "quantile": lambda x: fnp.quantile(x, [0.2, 0.9], axis=-1),
    "median": lambda x: fnp.median(x, keepdims=True),
    "nanmedian": lambda x: fnp.nanmedian(_nan_at(x), axis=0),
    "nanmean": lambda x: fnp.nanmean(_nan_at(x), axis=0),
    "nanvar": lambda x: fnp.nanvar(x, axis=-1),
    "nanmax": lambda x: fnp.nanmax(_nan_at(x)),
    "nanargmax": lambda x: fnp.nanargmax(_nan_at(x), axis=0),
    "average": lambda x: fnp.average(x, axis=0, weights=fnp.arange(1.0, 4.0)),
    "cov": lambda x: fnp.cov(x),
    "corrcoef": lambda x: fnp.corrcoef(x.T),
    "interp": lambda x: fnp.interp(x, fnp.array([-1.0, 0.0, 1.0]), fnp.array([1.0, 3.0, 2.0])),
    "searchsorted": lambda x: fnp.searchsorted(fnp.array([-1.0, 0.0, 1.0]), x),
    "convolve": lambda x: fnp.convolve(fnp.ravel(x), fnp.array([1.0, -2.0, 0.5]), "same"),
    "fmod": lambda x: fnp.fmod(x, 0.7) + fnp.cbrt(x) + fnp.modf(x)[0],
    "isclose": lambda x: fnp.isclose(x, 0.5, atol=0.6),
    "signbit": lambda x: fnp.copysign(1.0, x) + fnp.signbit(x),
    "trapezoid": lambda x: fnp.trapezoid(x, axis=0),
    "count_nonzero": lambda x: fnp.count_nonzero(x > 0, axis=1),
    "ptp": lambda x: fnp.ptp(x, axis=1),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMED))
def test_vmap_is_a_loop_and_jit_is_eager(name):
    f = TRANSFORMED[name]
    xs = np.random.default_rng(len(name)).standard_normal((4, 3, 3))
    want = np.stack([np.asarray(f(fg.Array(x))) for x in xs])
    got = fg.vmap(f)(fg.Array(xs))
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-12)
    eager = f(fg.Array(xs[0]))
    jitted = fg.jit(f)(fg.Array(xs[0]))
    assert jitted.dtype == eager.dtype and jitted.shape == eager.shape
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(eager), rtol=1e-12, atol=1e-12)


def test_grad_under_jit_of_quantile():
    x = fnp.array([3.0, 1.0, 2.0, 4.0])
    g = fg.jit(fg.grad(lambda x: fnp.median(x)))(x)
    np.testing.assert_array_equal(np.asarray(g), [0.5, 0.0, 0.5, 0.0])


# ---- errors -------------------------------------------------------------------------------------

def test_clear_errors():
    x = fnp.ones((2, 3))
    with pytest.raises(Exception, match="axis"):
        fnp.quantile(x, 0.5, axis=2)
    with pytest.raises(ValueError, match="Quantiles must be in the range"):
        fnp.quantile(x, 1.5)
    with pytest.raises(ValueError, match="Percentiles must be in the range"):
        fnp.percentile(x, -1)
    with pytest.raises(NotImplementedError, match="method"):
        fnp.quantile(x, 0.5, method="nearest")
    with pytest.raises(ValueError, match="more than 2 dimensions"):
        fnp.cov(fnp.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="degrees of freedom"):
        fnp.cov(fnp.ones((2, 1)))
    with pytest.raises(ValueError, match="v cannot be empty"):
        fnp.convolve(fnp.ones(3), fnp.ones(0))
    with pytest.raises(ValueError, match="mode"):
        fnp.convolve(fnp.ones(3), fnp.ones(2), mode="middle")
    with pytest.raises(Exception, match="1-D"):
        fnp.correlate(fnp.ones((2, 2)), fnp.ones(2))
    with pytest.raises(ValueError, match="same length"):
        fnp.interp(fnp.ones(2), fnp.arange(3.0), fnp.ones(2))
    with pytest.raises(ValueError, match="empty"):
        fnp.interp(fnp.ones(2), fnp.ones(0), fnp.ones(0))
    with pytest.raises(IndexError, match="out of bounds"):
        fnp.take(x, [3], axis=1)
    with pytest.raises(Exception, match="axis"):
        fnp.take(x, [0], axis=-3)
    with pytest.raises(ValueError, match="Shape of weights"):
        fnp.average(x, axis=1, weights=fnp.ones(2))
    with pytest.raises(TypeError, match="Axis must be specified"):
        fnp.average(x, weights=fnp.ones(3))
    with pytest.raises(ZeroDivisionError, match="Weights sum to zero"):
        fnp.average(x, axis=1, weights=fnp.zeros(3))
    with pytest.raises(ValueError, match="All-NaN slice"):
        fnp.nanargmax(fnp.array([np.nan, np.nan]))
    with pytest.raises(Exception, match="broadcast"):
        fnp.broadcast_arrays(fnp.ones(2), fnp.ones(3))
    with pytest.raises(ValueError, match="side"):
        fnp.searchsorted(fnp.ones(3), 1.0, side="middle")
    with pytest.raises(ConcretizationError):
        fg.jit(fnp.unique)(fnp.ones(3))
    with pytest.raises(ConcretizationError):
        fg.jit(fnp.argwhere)(fnp.ones(3))
