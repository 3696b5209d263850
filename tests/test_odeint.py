"""funcgrad.scipy.integrate.odeint (and funcgrad.experimental.ode.odeint, JAX's home for it):
values against scipy's solve_ivp at tight tolerances, reverse-mode derivatives (adjoint method)
against JAX's odeint and finite differences, pytrees, float32, jit, vmap, and bad calls; plus
trapezoid against numpy."""
from __future__ import annotations

import importlib

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.scipy.integrate import odeint, trapezoid
from _gradcheck import check_vjp

solve_ivp = pytest.importorskip("scipy.integrate", reason="scipy is the value oracle").solve_ivp


def pendulum(y, t, k):
    return fnp.stack([y[1], -k * fnp.sin(y[0]) + 0.1 * fnp.cos(t)])


def _reference(y0, ts, k):
    uniq, where = np.unique(ts, return_inverse=True)  # solve_ivp takes each time once
    sol = solve_ivp(lambda t, y: [y[1], -k * np.sin(y[0]) + 0.1 * np.cos(t)], (ts[0], ts[-1]),
                    y0, t_eval=uniq, rtol=1e-12, atol=1e-12)
    return sol.y.T[where]


@pytest.mark.parametrize("ts", [np.linspace(0.0, 4.0, 9), np.array([0.0, 0.3, 0.3, 2.0]),
                                np.array([1.0]), np.array([0.5, 3.0])])
def test_values_match_solve_ivp(ts):
    y0 = np.array([1.0, -0.5])
    ys = odeint(pendulum, y0, ts, 2.0)
    assert ys.shape == (len(ts), 2) and ys.dtype == np.float64
    np.testing.assert_allclose(np.asarray(ys), _reference(y0, ts, 2.0) if len(ts) > 1
                               else y0[None], rtol=0, atol=2e-7)


def test_tolerances_hmax_and_float32():
    ts = np.linspace(0.0, 4.0, 5)
    y0 = np.array([1.0, -0.5])
    ref = _reference(y0, ts, 2.0)
    loose = odeint(pendulum, y0, ts, 2.0, rtol=1e-4, atol=1e-4)
    tight = odeint(pendulum, y0, ts, 2.0, rtol=1e-11, atol=1e-11, hmax=0.05)
    assert np.max(np.abs(np.asarray(tight) - ref)) < 1e-9
    assert np.max(np.abs(np.asarray(loose) - ref)) < 1e-3
    y32 = odeint(pendulum, y0.astype(np.float32), ts.astype(np.float32), np.float32(2.0),
                 rtol=1e-5, atol=1e-5)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(np.asarray(y32), ref, atol=1e-3)


def test_pytree_state_and_empty_state():
    def f(y, t):
        return {"x": y["v"], "v": -y["x"]}
    ts = np.linspace(0.0, 1.0, 3)
    out = odeint(f, {"x": np.ones(2), "v": np.zeros(2)}, ts)
    np.testing.assert_allclose(np.asarray(out["x"]), np.cos(ts)[:, None] * np.ones(2), atol=1e-7)
    np.testing.assert_allclose(np.asarray(out["v"]), -np.sin(ts)[:, None] * np.ones(2),
                               atol=1e-7)
    empty = odeint(lambda y, t: -y, np.zeros(0), ts)
    assert empty.shape == (3, 0)


def test_gradients_match_jax():
    jax = pytest.importorskip("jax", reason="JAX is the derivative oracle")
    import jax.numpy as jnp
    from jax.experimental.ode import odeint as jodeint
    ts = np.linspace(0.0, 3.0, 5)
    y0 = np.array([1.0, -0.5])

    def loss(y0, ts, k):
        ys = odeint(pendulum, y0, ts, k)
        return fnp.sum(ys[:, 0] ** 2) + fnp.sum(ys[:, 1])

    def jloss(y0, ts, k):
        ys = jodeint(lambda y, t, k: jnp.stack([y[1], -k * jnp.sin(y[0]) + 0.1 * jnp.cos(t)]),
                     y0, ts, k)
        return jnp.sum(ys[:, 0] ** 2) + jnp.sum(ys[:, 1])
    got = fg.grad(loss, argnums=(0, 1, 2))(y0, ts, 2.0)
    with jax.enable_x64(True):
        want = jax.grad(jloss, argnums=(0, 1, 2))(jnp.asarray(y0), jnp.asarray(ts), 2.0)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-5, atol=1e-6)


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(0)

    def f(y0, ts, k):
        return odeint(pendulum, y0, ts, k, rtol=1e-11, atol=1e-11)
    check_vjp(f, [np.array([1.0, -0.5]), np.array([0.0, 0.7, 1.5]), np.array(2.0)], rng,
              rtol=1e-5, atol=1e-6)


def test_jit_and_vmap():
    ts = np.linspace(0.0, 2.0, 4)
    y0s = np.array([[1.0, 0.0], [0.5, 0.2], [-0.3, 0.1]])
    ks = np.array([1.0, 2.0, 3.0])
    loop = np.stack([np.asarray(odeint(pendulum, y0s[i], ts, ks[i])) for i in range(3)])
    batched = fg.vmap(lambda y0, k: odeint(pendulum, y0, ts, k))(y0s, ks)
    np.testing.assert_allclose(np.asarray(batched), loop, rtol=1e-14)
    jitted = fg.jit(lambda y0, k: odeint(pendulum, y0, ts, k))
    np.testing.assert_allclose(np.asarray(jitted(y0s[1], ks[1])), loop[1], rtol=1e-14)
    g = fg.jit(fg.grad(lambda k: odeint(pendulum, y0s[0], ts, k)[-1, 0]))(2.0)
    g_eager = fg.grad(lambda k: odeint(pendulum, y0s[0], ts, k)[-1, 0])(2.0)
    np.testing.assert_allclose(float(g), float(g_eager), rtol=1e-12)


def test_bad_calls():
    ts = np.linspace(0.0, 1.0, 3)
    with pytest.raises(TypeError, match="forward-mode"):
        fg.jvp(lambda y0: odeint(lambda y, t: -y, y0, ts), (np.ones(2),), (np.ones(2),))
    with pytest.raises(TypeError, match="pass it to odeint as an extra argument"):
        fg.grad(lambda k: odeint(lambda y, t: -k * y, np.ones(2), ts)[-1, 0])(1.0)
    with pytest.raises(ValueError, match="t must be a 1-d array"):
        odeint(lambda y, t: -y, np.ones(2), np.ones((2, 2)))
    with pytest.raises(ValueError, match="nondecreasing"):
        odeint(lambda y, t: -y, np.ones(2), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="y's structure and shapes"):
        odeint(lambda y, t: fnp.ones(3), np.ones(2), ts)
    with pytest.raises(ValueError, match="rtol must be > 0"):
        odeint(lambda y, t: -y, np.ones(2), ts, rtol=-1.0)
    with pytest.raises(TypeError, match="func must be callable"):
        odeint(3, np.ones(2), ts)


def test_jax_home_and_mxstep():
    ode = importlib.import_module("funcgrad.experimental.ode")
    assert ode.odeint is odeint
    from funcgrad._jax_alias import ALIASES
    from funcgrad._module_alias import ModuleAlias
    assert ModuleAlias(ALIASES).target("jax.experimental.ode") == "funcgrad.experimental.ode"
    # mxstep bounds the step attempts per output interval: the result is then not converged
    ts = np.array([0.0, 10.0])
    capped = odeint(pendulum, np.array([1.0, 0.0]), ts, 2.0, mxstep=3)
    assert np.all(np.isfinite(np.asarray(capped[0])))


@pytest.mark.parametrize("shape,axis", [((5,), -1), ((3, 4), 0), ((2, 1), 1), ((0,), -1)])
def test_trapezoid_matches_numpy(shape, axis):
    y = np.random.default_rng(1).standard_normal(shape)
    np.testing.assert_allclose(np.asarray(trapezoid(y, dx=0.5, axis=axis)),
                               np.trapezoid(y, dx=0.5, axis=axis), rtol=1e-14)
    if shape[axis] > 1:
        x = np.cumsum(np.abs(y), axis=axis)
        np.testing.assert_allclose(np.asarray(trapezoid(y, x, axis=axis)),
                                   np.trapezoid(y, x, axis=axis), rtol=1e-14)


def test_complex_state_matches_exponential():
    # dy/dt = i w y: y(t) = exp(i w t) y0 (the error norm takes |err| of complex stages)
    y0 = np.array([1.0 + 0.5j, -0.3j])
    ts = np.linspace(0.0, 2.0, 5)
    ys = odeint(lambda y, t, w: 1j * w * y, y0, ts, np.array([1.5, -0.7]))
    want = np.exp(1j * np.array([1.5, -0.7]) * ts[:, None]) * y0
    assert np.asarray(ys).dtype == np.complex128
    np.testing.assert_allclose(np.asarray(ys), want, rtol=1e-6, atol=1e-7)


def test_value_branching_func_runs_eagerly():
    # a func that reads a value (cannot be traced) runs through the eager fallback, same result
    def clipped(y, t, k):
        return -k * y if float(y[0]) > 0.5 else -0.5 * k * y
    ys = odeint(clipped, np.array([1.0]), np.array([0.0, 2.0]), 1.0)
    ref = solve_ivp(lambda t, y: -y if y[0] > 0.5 else -0.5 * y, (0.0, 2.0), [1.0],
                    rtol=1e-12, atol=1e-12).y[0, -1]
    np.testing.assert_allclose(float(ys[-1, 0]), ref, rtol=1e-5)


@pytest.mark.parametrize("n", [1, 12])
def test_gradient_of_matrix_dynamics_matches_finite_differences(n):
    # the benchmark's problem dy/dt = tanh(W y) (a matrix argument: the adjoint carries n * n
    # parameter cotangents), derivatives with respect to y0, the times and W
    rng = np.random.RandomState(n)
    y0, w = rng.randn(n) * 0.5, rng.randn(n, n) * (1.5 / np.sqrt(n))

    def f(y0, ts, w):
        return odeint(lambda y, t, w: fnp.tanh(fnp.matmul(w, y)), y0, ts, w,
                      rtol=1e-11, atol=1e-11)
    check_vjp(f, [y0, np.array([0.0, 0.4, 1.0]), w], np.random.default_rng(n),
              rtol=1e-5, atol=1e-6)
