"""odeint and its gradient (issue 19): the loss sum(y(1)) of dy/dt = tanh(W y) and its gradient
with respect to y0 and W, by funcgrad.scipy.integrate.odeint (adjoint method), against JAX's
jax.experimental.ode.odeint under jax.jit (the baseline) and against scipy's solve_ivp (RK45)
with a hand-written adjoint. Two sizes: n = 8 (per-step overhead decides) and n = 128 (the
matrix products decide)."""
import numpy as np

from .harness import BenchmarkCheckError, Variant

NAME = "odeint"
DESCRIPTION = ("odeint(tanh(W y)) value + gradient w.r.t. (y0, W), t in [0, 1]: funcgrad "
               "(adjoint) vs jax.jit(jax.experimental.ode) and scipy solve_ivp + adjoint")
TARGET = 1.5
SIZES = (8, 128)
TOL = 1e-8


def _problem(n):
    rng = np.random.RandomState(n)
    return rng.randn(n) * 0.5, rng.randn(n, n) * (1.5 / np.sqrt(n))


def _scipy_adjoint(y0, w):
    """solve_ivp forward to t = 1, then the adjoint system [y, a, dL/dW] backwards from 1 to 0
    in reversed time s = -t: dy/ds = -f, da/ds = J^T a, dG/ds = outer((1 - tanh^2) a, y)."""
    from scipy.integrate import solve_ivp
    n = y0.shape[0]
    fwd = solve_ivp(lambda t, y: np.tanh(w @ y), (0.0, 1.0), y0, rtol=TOL, atol=TOL)
    y1 = fwd.y[:, -1]

    def aug(s, state):
        y, a = state[:n], state[n:2 * n]
        z = np.tanh(w @ y)
        da = (1 - z * z) * a
        return np.concatenate([-z, w.T @ da, np.outer(da, y).ravel()])
    back = solve_ivp(aug, (0.0, 1.0), np.concatenate([y1, np.ones(n), np.zeros(n * n)]),
                     rtol=TOL, atol=TOL)
    end = back.y[:, -1]
    return y1.sum(), end[n:2 * n], end[2 * n:].reshape(n, n)


def build(ctx):
    import funcgrad as fg
    import funcgrad.numpy as fnp
    from funcgrad.scipy.integrate import odeint

    ts = np.array([0.0, 1.0])

    def loss(y0, w):
        return fnp.sum(odeint(lambda y, t, w: fnp.tanh(fnp.matmul(w, y)), y0, ts, w,
                              rtol=TOL, atol=TOL)[-1])
    value_grad = fg.value_and_grad(loss, argnums=(0, 1))
    jax = ctx.jax
    variants = []
    for n in SIZES:
        y0, w = _problem(n)
        want = _scipy_adjoint(y0, w)
        got = value_grad(fnp.asarray(y0), fnp.asarray(w))
        flat = [got[0], got[1][0], got[1][1]]
        for g, r in zip(flat, want):
            if not np.allclose(np.asarray(g), r, rtol=1e-5, atol=1e-6):
                raise BenchmarkCheckError(f"funcgrad odeint gradient (n={n}) differs from the "
                                          "scipy adjoint's")
        fy0, fw = fnp.asarray(y0), fnp.asarray(w)
        base = f"scipy solve_ivp + adjoint, n={n}"
        if jax is not None:
            from jax.experimental.ode import odeint as jodeint
            jnp = jax.numpy

            def jloss(y0, w):
                return jnp.sum(jodeint(lambda y, t, w: jnp.tanh(w @ y), y0, jnp.asarray(ts), w,
                                       rtol=TOL, atol=TOL)[-1])
            jvg = jax.jit(jax.value_and_grad(jloss, argnums=(0, 1)))
            jy0, jw = jnp.asarray(y0), jnp.asarray(w)
            jgot = jvg(jy0, jw)
            for g, r in zip([jgot[0], jgot[1][0], jgot[1][1]], want):
                if not np.allclose(np.asarray(g), r, rtol=1e-5, atol=1e-6):
                    raise BenchmarkCheckError(f"JAX's odeint gradient (n={n}) differs")
            base = f"jax jit(value_and_grad(odeint)), n={n}"
            variants.append(Variant(base, lambda f=jvg, a=(jy0, jw): jax.block_until_ready(f(*a)),
                                    baseline=True, framework="jax",
                                    note="XLA-compiled while loops, waited for"))
        variants.append(Variant(f"scipy solve_ivp + adjoint, n={n}",
                                lambda y0=y0, w=w: _scipy_adjoint(y0, w),
                                baseline=jax is None, vs=None if jax is None else base,
                                framework="numpy", note="RK45, hand-written adjoint"))
        variants.append(Variant(f"funcgrad value_and_grad(odeint), n={n}",
                                lambda a=(fy0, fw): value_grad(*a), vs=base, target=TARGET,
                                framework="funcgrad", profile=True))
    return variants
