"""funcgrad.scipy.signal against scipy.signal: every function, mode and method over random
shapes (incl. size-1 axes, either input the larger), float32/float64/complex; derivatives in
both inputs (forward, reverse, second order); vmap and jit; JAX's errors for bad calls."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funcgrad as fg
from funcgrad.scipy import signal as fsig
from _gradcheck import check_jvp, check_second_order, check_vjp

ss = pytest.importorskip("scipy.signal", reason="scipy is the value oracle: pip install scipy")

MODES = ["full", "same", "valid"]


@st.composite
def pair(draw, ndim=None, dominated=False):
    nd = draw(st.integers(1, 3)) if ndim is None else ndim
    s1 = tuple(draw(st.integers(1, 5)) for _ in range(nd))
    if dominated:  # 'valid' needs one input at least as large in every dimension
        s2 = tuple(draw(st.integers(1, n)) for n in s1)
        if draw(st.booleans()):
            s1, s2 = s2, s1
    else:
        s2 = tuple(draw(st.integers(1, 5)) for _ in range(nd))
    return s1, s2


def _arrays(rng, s1, s2, dtype):
    def one(s):
        a = rng.standard_normal(s)
        if np.dtype(dtype).kind == "c":
            a = a + 1j * rng.standard_normal(s)
        return a.astype(dtype)
    return one(s1), one(s2)


def _tol(dtype):
    return 1e-11 if np.dtype(dtype) in (np.float64, np.complex128) else 2e-4


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", ["direct", "fft", "auto"])
@settings(max_examples=8)
@given(data=st.data(), dtype=st.sampled_from([np.float32, np.float64, np.complex128]),
       seed=st.integers(0, 2**31))
def test_nd_matches_scipy(name, mode, method, data, dtype, seed):
    s1, s2 = data.draw(pair(dominated=mode == "valid"))
    a, b = _arrays(np.random.default_rng(seed), s1, s2, dtype)
    got = getattr(fsig, name)(a, b, mode=mode, method=method)
    want = getattr(ss, name)(a, b, mode=mode, method="direct")
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype)
    np.testing.assert_allclose(np.asarray(got), want, rtol=_tol(dtype), atol=_tol(dtype) * 10)


@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=8)
@given(data=st.data(), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2**31))
def test_2d_matches_scipy(name, mode, data, dtype, seed):
    s1, s2 = data.draw(pair(ndim=2, dominated=mode == "valid"))
    a, b = _arrays(np.random.default_rng(seed), s1, s2, dtype)
    got = getattr(fsig, name)(a, b, mode=mode)
    want = getattr(ss, name)(a, b, mode=mode)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(np.asarray(got), want, rtol=_tol(dtype), atol=_tol(dtype) * 10)


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=8)
@given(data=st.data(), seed=st.integers(0, 2**31))
def test_fftconvolve_axes_match_scipy(mode, data, seed):
    s1, s2 = data.draw(pair(ndim=3, dominated=mode == "valid"))
    axes = data.draw(st.sampled_from([None, (0,), (-1,), (0, 2)]))
    if axes is not None:  # the other axes must agree (JAX's rule)
        conv = {a % 3 for a in axes}
        s2 = tuple(s2[i] if i in conv else s1[i] for i in range(3))
    a, b = _arrays(np.random.default_rng(seed), s1, s2, np.float64)
    got = fsig.fftconvolve(a, b, mode=mode, axes=axes)
    want = ss.fftconvolve(a, b, mode=mode, axes=axes)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name,method", [("convolve", "direct"), ("convolve", "fft"),
                                         ("correlate", "direct"), ("fftconvolve", None)])
@pytest.mark.parametrize("mode", MODES)
def test_derivatives(name, method, mode):
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    kw = {"mode": mode} if method is None else {"mode": mode, "method": method}

    def f(x, y):
        return getattr(fsig, name)(x, y, **kw)
    check_jvp(f, [a, b], rng)
    check_vjp(f, [a, b], rng)
    check_second_order(f, [a, b], rng)


def test_vmap_and_jit():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((5, 6)), rng.standard_normal((5, 3))
    for f in [lambda x, y: fsig.convolve(x, y, mode="same"),
              lambda x, y: fsig.correlate(x, y, mode="valid", method="fft"),
              lambda x, y: fsig.fftconvolve(x, y)]:
        loop = np.stack([np.asarray(f(a[i], b[i])) for i in range(5)])
        np.testing.assert_allclose(np.asarray(fg.vmap(f)(a, b)), loop, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(np.asarray(fg.jit(f)(a[0], b[0])), loop[0], rtol=1e-12,
                                   atol=1e-12)


def test_bad_calls_raise_as_jax():
    one, two = np.ones(3), np.ones((2, 2))
    with pytest.raises(ValueError, match="mode must be one of"):
        fsig.convolve(one, one, mode="bad")
    with pytest.raises(ValueError, match="expected 'auto', 'fft', or 'direct'"):
        fsig.convolve(one, one, method="bad")
    with pytest.raises(ValueError, match="same number of dimensions"):
        fsig.convolve(one, two)
    with pytest.raises(ValueError, match="zero-size arrays"):
        fsig.convolve(np.zeros(0), one)
    with pytest.raises(ValueError, match="at least as large"):
        fsig.convolve(np.ones((3, 2)), np.ones((2, 3)), mode="valid")
    with pytest.raises(ValueError, match="only supports 2-dimensional"):
        fsig.convolve2d(one, one)
    with pytest.raises(NotImplementedError, match="boundary='fill'"):
        fsig.correlate2d(two, two, boundary="wrap")
    with pytest.raises(ValueError, match="mapped axes must have same shape"):
        fsig.fftconvolve(np.ones((3, 4)), np.ones((2, 2)), axes=(0,))
    assert float(fsig.convolve(np.array(2.0), np.array(3.0))) == 6.0  # 0-d: the product
