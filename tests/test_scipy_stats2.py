"""funcgrad.scipy.stats' descriptive statistics (mode, rankdata, sem) and poisson.entropy against
scipy.stats (values) and JAX (bad-input behaviour), with derivatives, vmap and jit."""
from __future__ import annotations

import warnings
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
from funcgrad.scipy import stats as fs
from _gradcheck import check_jvp, check_second_order, check_vjp

ss = pytest.importorskip("scipy.stats", reason="scipy is the value oracle: pip install scipy")

SHAPES = [(0,), (1,), (5,), (3, 4), (2, 1, 3)]


@given(shape=st.sampled_from(SHAPES), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2**31), method=st.sampled_from(["average", "min", "max", "dense",
                                                           "ordinal"]),
       axis=st.sampled_from([None, 0, -1]))
def test_rankdata_matches_scipy(shape, dtype, seed, method, axis):
    a = np.random.default_rng(seed).integers(0, 4, shape).astype(dtype)  # ties on purpose
    got = fs.rankdata(a, method, axis=axis)
    want = ss.rankdata(a, method, axis=axis)
    assert got.shape == want.shape and got.dtype == np.float64
    np.testing.assert_array_equal(np.asarray(got), want)


@given(shape=st.sampled_from(SHAPES[1:]), seed=st.integers(0, 2**31),
       axis=st.sampled_from([None, 0, -1]), keepdims=st.booleans())
def test_mode_matches_scipy(shape, seed, axis, keepdims):
    a = np.random.default_rng(seed).integers(0, 3, shape).astype(np.float64)
    got = fs.mode(a, axis=axis, keepdims=keepdims)
    want = ss.mode(a, axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(np.asarray(got.mode), want.mode)
    np.testing.assert_array_equal(np.asarray(got.count), want.count)
    assert got.mode.shape == np.shape(want.mode)


@given(shape=st.sampled_from(SHAPES[1:]), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2**31), axis=st.sampled_from([None, 0, -1]), ddof=st.integers(0, 1),
       keepdims=st.booleans())
def test_sem_matches_scipy(shape, dtype, seed, axis, ddof, keepdims):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n <= ddof: 0/0, with numpy's (and scipy's) warning
        got = fs.sem(a, axis=axis, ddof=ddof, keepdims=keepdims)
        # numpy's std / sqrt(n), as JAX (scipy >= 1.14 returns NaN for n == 1 even at ddof=0)
        a64 = a.astype(np.float64)
        n = a.size if axis is None else a.shape[axis]
        want = np.std(a64, axis=axis, ddof=ddof, keepdims=keepdims) / np.sqrt(n)
        if n > 1:
            np.testing.assert_allclose(want, ss.sem(a64, axis=axis, ddof=ddof,
                                                    keepdims=keepdims), rtol=1e-13)
    assert got.dtype == dtype and got.shape == np.shape(want)
    np.testing.assert_allclose(np.asarray(got, np.float64), want,
                               rtol=1e-12 if dtype == np.float64 else 1e-5)


def test_sem_omit_derivative_vmap_jit():
    a = np.array([[1.0, 2.0, 3.0, np.nan, 4.0], [4.0, 5.0, 4.0, 3.0, 1.0]])
    np.testing.assert_allclose(np.asarray(fs.sem(a, axis=1, nan_policy="omit")),
                               ss.sem(a, axis=1, nan_policy="omit"), rtol=1e-13)
    x = np.random.default_rng(0).standard_normal((3, 5))
    rng = np.random.default_rng(1)
    check_jvp(lambda v: fs.sem(v, axis=1), [x], rng)
    check_vjp(lambda v: fs.sem(v, axis=1), [x], rng)
    check_second_order(lambda v: fs.sem(v, axis=1), [x], rng, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.asarray(fg.vmap(fs.sem)(x)),
                               [float(fs.sem(r)) for r in x], rtol=1e-14)
    np.testing.assert_allclose(np.asarray(fg.jit(lambda v: fs.rankdata(v, axis=1))(x)),
                               ss.rankdata(x, axis=1))
    np.testing.assert_allclose(np.asarray(fg.vmap(lambda v: fs.mode(v).mode)(np.round(x))),
                               ss.mode(np.round(x), axis=1).mode)


def test_rankdata_nan_and_bad_input_as_jax():
    np.testing.assert_array_equal(np.asarray(fs.rankdata(np.array([1.0, np.nan, 2.0]))),
                                  [np.nan] * 3)  # JAX's: all NaN
    with pytest.raises(ValueError, match="unknown method"):
        fs.rankdata([1.0, 2.0], "bogus")
    with pytest.raises(ValueError, match="Illegal nan_policy"):
        fs.rankdata([1.0], nan_policy="nope")
    with pytest.raises(NotImplementedError, match="omit"):
        fs.rankdata([1.0], nan_policy="omit")
    with pytest.raises(NotImplementedError, match="raise"):
        fs.mode([1.0], nan_policy="raise")
    with pytest.raises(NotImplementedError, match="raise"):
        fs.sem([1.0, 2.0], nan_policy="raise")
    empty = fs.mode(np.zeros((0, 3)))
    assert np.isnan(np.asarray(empty.mode)).all() and (np.asarray(empty.count) == 0).all()


@given(mu=st.lists(st.floats(1e-4, 5000.0), min_size=0, max_size=5),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_poisson_entropy_matches_scipy(mu, dtype):
    mu = np.asarray(mu, dtype)
    got = fs.poisson.entropy(mu)
    assert got.shape == mu.shape and got.dtype == dtype
    # scipy's own sum loses accuracy past mu ~ 2000: the asymptotic series is the reference
    big = mu.astype(np.float64) > 2000
    m = mu.astype(np.float64)
    small = ss.poisson.entropy(np.where(big, 1.0, m)) if m.size else m
    want = np.where(big, 0.5 * np.log(2 * np.pi * np.e * m) - 1 / (12 * m) - 1 / (24 * m ** 2),
                    small)
    np.testing.assert_allclose(np.asarray(got, np.float64), want,
                               rtol=1e-11 if dtype == np.float64 else 1e-5)


def test_poisson_entropy_edges_and_derivative():
    np.testing.assert_array_equal(np.asarray(fs.poisson.entropy(np.array([0.0, -1.0]))),
                                  [0.0, np.nan])
    mu = np.array([0.3, 4.0, 120.0, 2500.0])
    rng = np.random.default_rng(0)
    check_jvp(fs.poisson.entropy, [mu], rng)
    check_vjp(fs.poisson.entropy, [mu], rng)
    np.testing.assert_allclose(np.asarray(fg.jit(fs.poisson.entropy)(mu)),
                               np.asarray(fs.poisson.entropy(mu)), rtol=1e-14)
    jax = pytest.importorskip("jax", reason="JAX is the derivative oracle")
    from jax.scipy import stats as js
    with jax.enable_x64(True):
        np.testing.assert_allclose(float(fg.grad(fs.poisson.entropy)(4.0)),
                                   float(jax.grad(js.poisson.entropy)(4.0)), rtol=1e-6)


@given(d=st.integers(1, 3), n=st.integers(2, 9), m=st.integers(0, 4), seed=st.integers(0, 2**31),
       bw=st.sampled_from([None, "scott", "silverman", 0.5, "callable"]), weighted=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_gaussian_kde_matches_scipy(d, n, m, seed, bw, weighted, dtype):
    rng = np.random.default_rng(seed)
    if n <= d:  # scipy needs a nonsingular covariance
        n = d + 2
    data = rng.standard_normal((d, n)).astype(dtype)
    w = rng.uniform(0.5, 2.0, n) if weighted else None
    pts = rng.standard_normal((d, m)).astype(dtype)
    bw_f = (lambda k: 0.3) if bw == "callable" else bw  # noqa: E731
    got = fs.gaussian_kde(data, bw_f, w)
    want = ss.gaussian_kde(data.astype(np.float64), bw_f, w)
    rtol = 1e-12 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(np.asarray(got.evaluate(pts), np.float64), want.evaluate(pts),
                               rtol=rtol)
    np.testing.assert_allclose(np.asarray(got.logpdf(pts), np.float64), want.logpdf(pts),
                               rtol=rtol, atol=rtol)
    np.testing.assert_allclose(np.asarray(got.covariance, np.float64), want.covariance,
                               rtol=rtol)
    mean, cov = np.zeros(d), np.eye(d)
    np.testing.assert_allclose(float(got.integrate_gaussian(mean, cov)),
                               want.integrate_gaussian(mean, cov), rtol=rtol)
    other = rng.standard_normal((d, d + 2))
    np.testing.assert_allclose(float(got.integrate_kde(fs.gaussian_kde(other))),
                               want.integrate_kde(ss.gaussian_kde(other)), rtol=rtol)
    if d == 1:
        np.testing.assert_allclose(float(got.integrate_box_1d(-0.5, 1.0)),
                                   want.integrate_box_1d(-0.5, 1.0), rtol=rtol)


def test_gaussian_kde_transforms_and_bad_input():
    rng = np.random.default_rng(0)
    data = rng.standard_normal(6)
    kde = fs.gaussian_kde(data)
    pts = np.array([0.1, 0.7])
    np.testing.assert_allclose(np.asarray(fg.jit(lambda k, p: k.pdf(p))(kde, pts)),
                               np.asarray(kde.pdf(pts)), rtol=1e-14)
    f = lambda v: fs.gaussian_kde(v).logpdf(pts)  # noqa: E731
    check_jvp(f, [data], rng)
    check_vjp(f, [data], rng)
    batched = fg.vmap(lambda p: kde.logpdf(p)[0])(pts)
    np.testing.assert_allclose(np.asarray(batched), np.asarray(kde.logpdf(pts)), rtol=1e-14)
    with pytest.raises(ValueError, match="multiple elements"):
        fs.gaussian_kde(np.array([1.0]))
    with pytest.raises(ValueError, match="length n"):
        fs.gaussian_kde(data, weights=np.ones(3))
    with pytest.raises(ValueError, match="bw_method"):
        fs.gaussian_kde(data, bw_method="bogus")
    with pytest.raises(NotImplementedError, match="complex"):
        fs.gaussian_kde(data + 1j)
    with pytest.raises(ValueError, match="only handles 1D"):
        fs.gaussian_kde(rng.standard_normal((2, 5))).integrate_box_1d(0.0, 1.0)
    with pytest.raises(NotImplementedError):
        kde.set_bandwidth("scott")


@pytest.mark.parametrize("d,n,shape,weighted", [(1, 4, (), False), (1, 5, (3,), True),
                                                (2, 6, (7,), False), (3, 5, (0,), True),
                                                (2, 4, (1,), True)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("typed", [True, False])
def test_gaussian_kde_resample_matches_jax(d, n, shape, weighted, dtype, typed):
    jax = pytest.importorskip("jax", reason="JAX is the oracle for resample's numbers")
    jstats = pytest.importorskip("jax.scipy.stats", reason="JAX is the oracle")
    rng = np.random.default_rng(zlib.crc32(repr((d, n, shape, weighted)).encode()))
    data = rng.standard_normal((d, n)).astype(dtype)
    w = rng.uniform(0.5, 2.0, n).astype(dtype) if weighted else None
    seed = 7
    with jax.enable_x64(dtype == np.float64):
        jkey = jax.random.key(seed) if typed else jax.random.PRNGKey(seed)
        want = np.asarray(jstats.gaussian_kde(data, weights=w).resample(jkey, shape))
    key = fg.random.key(seed) if typed else fg.random.PRNGKey(seed)
    got = fs.gaussian_kde(data, weights=w).resample(key, shape)
    assert got.shape == want.shape == (d,) + shape and got.dtype == want.dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(np.asarray(got), want, rtol=tol, atol=tol)


def test_gaussian_kde_resample_transforms_and_bad_input():
    data = np.array([[0.0, 1.0, 2.0, 5.0], [1.0, 0.0, 3.0, 2.0]])
    key = fg.random.key(3)
    kde = fs.gaussian_kde(data)
    eager = kde.resample(key, (4,))
    np.testing.assert_array_equal(np.asarray(fg.jit(lambda k, kk: k.resample(kk, (4,)))(
        kde, key)), np.asarray(eager))
    keys = fg.random.split(key, 3)
    batched = fg.vmap(lambda k: kde.resample(k, (4,)))(keys)
    for i in range(3):
        np.testing.assert_allclose(np.asarray(batched[i]),
                                   np.asarray(kde.resample(keys[i], (4,))), rtol=1e-14)
    # the sample moves with the data (a reparameterized draw): d sample / d data
    g = fg.grad(lambda x: fg.numpy.sum(fs.gaussian_kde(x).resample(key, (5,))))(data)
    assert np.all(np.isfinite(np.asarray(g)))
    with pytest.raises(TypeError, match="key"):
        kde.resample(np.array([1, 2, 3], np.uint32), (2,))
    with pytest.raises(TypeError, match="shape"):
        kde.resample(key, 3)


@pytest.mark.parametrize("fname", ["var", "std", "nanvar", "nanstd"])
@pytest.mark.parametrize("in_dtype", [np.float64, np.float32, np.int64, np.complex128])
@pytest.mark.parametrize("dtype", [None, np.float32, np.float64, np.complex64, np.complex128,
                                   np.int64, np.int32])
def test_var_std_dtype_keyword_matches_numpy(fname, in_dtype, dtype):
    """dtype= is the result's dtype (complex too); integer dtypes compute as numpy's (the mean
    and the sum of squares truncated); std of an integer dtype is numpy's TypeError; a real
    dtype for complex input is JAX's ValueError (numpy's result there drops the imaginary part
    of the mean only)."""
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0], [0.5, -1.0, 2.0]])
    a = (a + 1j * a[::-1] if np.dtype(in_dtype).kind == "c" else a).astype(in_dtype)
    if a.dtype.kind == "c" and dtype is not None and np.dtype(dtype).kind != "c":
        with pytest.raises((ValueError, TypeError), match="dtype"):
            getattr(fg.numpy, fname)(a, axis=0, dtype=dtype, ddof=1)
        return
    with warnings.catch_warnings():  # a complex input cast to a real dtype: both warn
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        try:
            want = getattr(np, fname)(a, axis=0, dtype=dtype, ddof=1)
        except TypeError:
            with pytest.raises(TypeError, match="dtype"):
                getattr(fg.numpy, fname)(a, axis=0, dtype=dtype, ddof=1)
            return
        got = getattr(fg.numpy, fname)(a, axis=0, dtype=dtype, ddof=1)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)
