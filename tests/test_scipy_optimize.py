"""funcgrad.scipy.optimize.minimize (BFGS) against scipy's BFGS minima and JAX's fields and
errors, under jit and vmap; it is not differentiable, as JAX's."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.scipy.optimize import OptimizeResults, minimize

so = pytest.importorskip("scipy.optimize", reason="scipy is the value oracle")


def quartic(x, c):
    return fnp.sum((x - c) ** 2) + fnp.sum(x ** 4)


def rosen(x):
    return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


@settings(max_examples=5)
@given(n=st.integers(1, 4), seed=st.integers(0, 2**31),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_minimum_matches_scipy(n, seed, dtype):
    rng = np.random.default_rng(seed)
    c, x0 = rng.standard_normal(n), rng.standard_normal(n).astype(dtype)
    r = minimize(quartic, x0, (c,), method="BFGS")
    assert isinstance(r, OptimizeResults) and r.x.dtype == dtype and r.x.shape == (n,)
    want = so.minimize(lambda x: np.sum((x - c) ** 2) + np.sum(x ** 4), x0.astype(np.float64),
                       method="BFGS", options={"gtol": 1e-10}).x
    tol = 1e-5 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(np.asarray(r.x), want, atol=tol)
    if dtype == np.float64:
        assert bool(r.success) and int(r.status) == 0
        np.testing.assert_allclose(np.asarray(r.jac), np.asarray(fg.grad(quartic)(r.x, c)),
                                   atol=1e-12)
        assert float(r.fun) == pytest.approx(float(quartic(r.x, c)))
        assert int(r.nfev) >= int(r.nit) >= 1 and r.hess_inv.shape == (n, n)


def test_rosenbrock_options_and_status():
    x0 = np.array([-1.2, 1.0, 0.5, 0.1])
    r = minimize(rosen, x0, method="bfgs", options={"gtol": 1e-8})
    want = so.minimize(lambda x: np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2),
                       x0, method="BFGS", options={"gtol": 1e-8}).x
    np.testing.assert_allclose(np.asarray(r.x), want, atol=1e-5)
    capped = minimize(rosen, x0, method="BFGS", options={"maxiter": 3})
    assert int(capped.nit) == 3 and int(capped.status) == 1 and not bool(capped.success)
    empty = minimize(lambda x: fnp.sum(x ** 2), np.zeros(0), method="BFGS")
    assert empty.x.shape == (0,) and int(empty.nit) == 0


def test_jit_and_vmap():
    cs = np.array([[0.5, -1.0], [2.0, 0.1], [-0.3, 0.3]])
    loop = np.stack([np.asarray(minimize(quartic, np.zeros(2), (c,), method="BFGS").x)
                     for c in cs])
    batched = fg.vmap(lambda c: minimize(quartic, fnp.zeros(2), (c,), method="BFGS").x)(cs)
    np.testing.assert_allclose(np.asarray(batched), loop, atol=1e-10)
    jitted = fg.jit(lambda c: minimize(quartic, fnp.zeros(2), (c,), method="BFGS").x)
    np.testing.assert_allclose(np.asarray(jitted(cs[1])), loop[1], rtol=1e-12)


def test_bad_calls_as_jax():
    with pytest.raises(ValueError, match="Method nelder-mead not recognized"):
        minimize(rosen, np.zeros(2), method="nelder-mead")
    with pytest.raises(TypeError, match="must be a tuple"):
        minimize(quartic, np.zeros(2), [1.0], method="BFGS")
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        minimize(rosen, np.zeros(2), method="BFGS", options={"foo": 1})
    with pytest.raises(ValueError, match="x0 must be a 1-d array"):
        minimize(rosen, np.zeros((2, 2)), method="BFGS")
    with pytest.raises(TypeError):
        minimize(rosen, np.zeros(2))  # method is required, as JAX's
    with pytest.raises(ValueError, match="not differentiable"):
        fg.grad(lambda a: minimize(lambda x: fnp.sum((x - a) ** 2), fnp.zeros(2),
                                   method="BFGS").fun)(1.0)
