"""funcgrad.scipy.signal.detrend against scipy.signal.detrend (values for every type, axis and
breakpoint form), with derivatives, vmap, jit and bad input as JAX."""
from __future__ import annotations

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
