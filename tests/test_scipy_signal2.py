"""funcgrad.scipy.signal.detrend against scipy.signal.detrend (values for every type, axis and
breakpoint form), with derivatives, vmap, jit and bad input as JAX."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
from funcgrad.scipy import signal as fsig
from _gradcheck import check_jvp, check_vjp

ssig = pytest.importorskip("scipy.signal", reason="scipy is the value oracle: pip install scipy")


@given(shape=st.sampled_from([(1,), (2,), (9,), (3, 7), (4, 1, 5)]),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**31),
       kind=st.sampled_from(["linear", "constant"]), axis=st.sampled_from([0, -1]),
       bp=st.sampled_from([0, 1, [1, 3], np.array([2])]))
def test_detrend_matches_scipy(shape, dtype, seed, kind, axis, bp):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    n = shape[axis]
    if kind == "linear" and np.max(bp) >= n:
        bp = 0
    got = fsig.detrend(x, axis=axis, type=kind, bp=bp)
    want = ssig.detrend(x.astype(np.float64), axis=axis, type=kind, bp=bp)
    assert got.shape == x.shape and got.dtype == dtype
    np.testing.assert_allclose(np.asarray(got, np.float64), want,
                               atol=1e-12 if dtype == np.float64 else 2e-5)


def test_detrend_integer_derivatives_vmap_jit():
    np.testing.assert_allclose(np.asarray(fsig.detrend(np.arange(6) ** 2)),
                               ssig.detrend(np.arange(6) ** 2), atol=1e-12)
    x = np.random.default_rng(0).standard_normal((3, 8))
    rng = np.random.default_rng(1)
    f = lambda v: fsig.detrend(v, bp=[3])  # noqa: E731
    check_jvp(f, [x], rng)
    check_vjp(f, [x], rng)
    np.testing.assert_allclose(np.asarray(fg.jit(f)(x)), np.asarray(f(x)), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(fg.vmap(f)(x)), np.stack([np.asarray(f(r)) for r in x]),
                               rtol=1e-14)


def test_detrend_bad_input():
    with pytest.raises(ValueError, match="Trend type must be 'linear' or 'constant'"):
        fsig.detrend(np.ones(3), type="quadratic")
    with pytest.raises(ValueError, match="Breakpoints"):
        fsig.detrend(np.ones(3), bp=[5])
    with pytest.raises(NotImplementedError, match="overwrite_data"):
        fsig.detrend(np.ones(3), overwrite_data=True)


SPECTRAL_KW = [
    {"nperseg": 8},
    {"nperseg": 9, "noverlap": 3, "nfft": 12},
    {"nperseg": 16, "window": "blackman", "scaling": "spectrum", "detrend": "linear"},
    {"nperseg": 7, "detrend": False, "return_onesided": False},
    {"nperseg": 8, "average": "median"},
    {"nperseg": 10, "window": "hamming", "detrend": lambda v: v - v[..., :1]},
]
STFT_KW = [
    {"nperseg": 8},
    {"nperseg": 9, "noverlap": 3, "nfft": 12, "boundary": "even"},
    {"nperseg": 8, "boundary": "odd", "padded": False},
    {"nperseg": 8, "boundary": None, "detrend": "linear", "scaling": "psd"},
    {"nperseg": 10, "window": "hamming", "return_onesided": False, "boundary": "constant"},
    {"window": np.linspace(0.1, 1.0, 6), "nperseg": 6, "noverlap": 2},
]


def _close(got, want, rtol):
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w), (np.shape(g), np.shape(w))
        np.testing.assert_allclose(np.asarray(g), w, rtol=rtol, atol=rtol * 10)


@pytest.mark.parametrize("kw", STFT_KW)
@given(shape=st.sampled_from([(40,), (2, 33), (3, 1, 20)]), seed=st.integers(0, 2**31),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_stft_matches_scipy(kw, shape, seed, dtype):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    got = fsig.stft(x, **kw)
    assert got[2].dtype == (np.complex64 if dtype == np.float32 else np.complex128)
    _close(got, ssig.stft(x.astype(np.float64), **kw), 1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("kw", SPECTRAL_KW)
@given(shape=st.sampled_from([(40,), (2, 33), (3, 1, 20)]), seed=st.integers(0, 2**31))
def test_welch_and_csd_match_scipy(kw, shape, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    _close(fsig.welch(x, **kw), ssig.welch(x, **kw), 1e-12)
    _close(fsig.csd(x, y, **kw), ssig.csd(x, y, **kw), 1e-12)


def test_spectral_axis_derivatives_and_bad_input():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 2))
    _close(fsig.stft(x, nperseg=8, axis=0), ssig.stft(x, nperseg=8, axis=0), 1e-12)
    _close(fsig.welch(x, nperseg=8, axis=0), ssig.welch(x, nperseg=8, axis=0), 1e-12)
    v = x[:, 0]
    f = lambda s: fsig.welch(s, nperseg=8)[1]  # noqa: E731
    check_jvp(f, [v], rng)
    check_vjp(f, [v], rng)
    np.testing.assert_allclose(np.asarray(fg.jit(f)(v)), np.asarray(f(v)), rtol=1e-13)
    np.testing.assert_allclose(np.asarray(fg.vmap(f)(x.T)), np.stack([np.asarray(f(r))
                                                                       for r in x.T]),
                               rtol=1e-13)
    with pytest.raises(ValueError, match="noverlap must be less than nperseg"):
        fsig.welch(v, nperseg=8, noverlap=8)
    with pytest.raises(ValueError, match="nfft must be greater"):
        fsig.stft(v, nperseg=8, nfft=4)
    with pytest.raises(ValueError, match="Unknown boundary"):
        fsig.stft(v, nperseg=8, boundary="wrap")
    with pytest.raises(ValueError, match="average must be"):
        fsig.csd(v, v, nperseg=8, average="mode")
    with pytest.warns(UserWarning, match="greater than input length"):
        fsig.welch(v[:5])


@pytest.mark.parametrize("kw", [{"nperseg": 8}, {"nperseg": 9, "noverlap": 3, "nfft": 12},
                                {"nperseg": 10, "window": "hamming"},
                                {"nperseg": 8, "scaling": "psd"}])
@given(shape=st.sampled_from([(40,), (2, 33)]), seed=st.integers(0, 2**31),
       onesided=st.booleans())
def test_istft_matches_scipy_and_inverts_stft(kw, shape, seed, onesided):
    x = np.random.default_rng(seed).standard_normal(shape)
    z = ssig.stft(x, return_onesided=onesided, **kw)[2]
    got = fsig.istft(z, input_onesided=onesided, **kw)
    _close(got, ssig.istft(z, input_onesided=onesided, **kw), 1e-12)
    np.testing.assert_allclose(np.real(np.asarray(got[1]))[..., :shape[-1]], x, atol=1e-12)


def test_istft_axes_derivative_and_bad_input():
    x = np.random.default_rng(0).standard_normal((30, 2))
    z = ssig.stft(x, nperseg=8, axis=0)[2]  # (freqs, 2, segments)
    _close(fsig.istft(z, nperseg=8, freq_axis=0), ssig.istft(z, nperseg=8, freq_axis=0), 1e-12)
    zt = np.moveaxis(z, 2, 0)
    _close(fsig.istft(zt, nperseg=8, time_axis=0, freq_axis=1),
           ssig.istft(zt, nperseg=8, time_axis=0, freq_axis=1), 1e-12)
    rng = np.random.default_rng(1)
    f = lambda v: fsig.istft(fsig.stft(v, nperseg=8)[2], nperseg=8)[1]  # noqa: E731
    check_jvp(f, [x[:, 0]], rng)
    check_vjp(f, [x[:, 0]], rng)
    with pytest.raises(ValueError, match="at least 2d"):
        fsig.istft(np.ones(4))
    with pytest.raises(ValueError, match="differing time and frequency"):
        fsig.istft(z, time_axis=0, freq_axis=0)
    with pytest.warns(UserWarning, match="NOLA"):
        fsig.istft(ssig.stft(x[:, 0], nperseg=8)[2], nperseg=8, boundary=False,
                   window=np.r_[0.0, np.ones(7)], noverlap=0)


@pytest.mark.parametrize("shape", [(1,), (3, 1), (2, 1, 1)])
@pytest.mark.parametrize("name", ["welch", "csd", "stft"])
def test_one_sample_segments_match_scipy(name, shape):
    """A segment of one sample has the window [1.] (scipy's length guard), so the spectra are
    finite, not the NaN of a zero window."""
    rng = np.random.default_rng(len(shape))
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    args = (x, y) if name == "csd" else (x,)
    got = getattr(fsig, name)(*args, nperseg=1)
    want = getattr(ssig, name)(*args, nperseg=1)
    for g, w in zip(got, want):
        assert np.all(np.isfinite(np.asarray(g)))
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 3)])
@pytest.mark.parametrize("name", ["welch", "csd", "stft"])
def test_empty_signals_give_scipys_empty_arrays(name, shape):
    x = np.zeros(shape)
    args = (x, x) if name == "csd" else (x,)
    got = getattr(fsig, name)(*args)
    want = getattr(ssig, name)(*args)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype


def test_linear_detrend_of_no_samples_raises_as_scipy():
    with pytest.raises(ValueError):
        ssig.detrend(np.zeros((2, 0)), type="linear")
    with pytest.raises(ValueError, match="no samples along axis"):
        fsig.detrend(np.zeros((2, 0)), type="linear")
    with warnings.catch_warnings():  # the mean of no samples: both warn
        warnings.simplefilter("ignore", RuntimeWarning)
        got = fsig.detrend(np.zeros((2, 0)), type="constant")  # scipy returns this one
        assert got.shape == ssig.detrend(np.zeros((2, 0)), type="constant").shape
