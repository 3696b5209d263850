"""Numerics at the edges (issue #20): values at infinities, zeros, ties and extremes, and first and
second derivatives there, against the oracles: numpy for values and dtypes, JAX for derivatives
(jax.grad and jax.hessian on the same points, float32 and float64).

Each table row is one fact; a derivative row is a function of a 1-D vector (its arguments packed),
so one comparison covers the value, the gradient and the Hessian. Where JAX's derivative is not
finite (0 * inf at a kink), funcgrad's may be the subgradient of the documented convention
instead; everywhere JAX is finite, funcgrad gives the same number.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax, nn
from funcgrad.scipy import special as fsp

jax = pytest.importorskip("jax", reason="JAX oracle not installed: pip install 'funcgrad[oracle]'")
jnp = pytest.importorskip("jax.numpy", reason="JAX oracle not installed")
jsp = pytest.importorskip("jax.scipy.special", reason="JAX oracle not installed")

INF, NAN = math.inf, math.nan
FLOATS = [np.float32, np.float64]


def _close(got, want, dtype, what):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    tol = 2e-5 if np.dtype(dtype) == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True, err_msg=what)


def _close_where_finite(got, want, dtype, what, convention=None):
    """Equal wherever JAX's derivative is finite or infinite. Where JAX's is NaN (0 * inf at a
    kink: no answer), funcgrad's is anything (a number is allowed where JAX has none). A row
    with a documented `convention` has that value wherever JAX's is not finite."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    nan = np.isnan(want) if convention is None else ~np.isfinite(want)
    _close(np.where(nan, 0, got), np.where(nan, 0, want), dtype, what)
    if convention is not None:
        _close(np.where(nan, got, 0), np.where(nan, convention, 0), dtype, what + " (convention)")


# ---- derivatives against JAX: value, gradient and Hessian ----------------------------------------
# (id, funcgrad f(v), jax f(v), points, convention for the non-finite JAX entries or None)

def _u(fg_fn, jax_fn):
    return (lambda v: fg_fn(v[0])), (lambda v: jax_fn(v[0]))


def _b(fg_fn, jax_fn):
    return (lambda v: fg_fn(v[0], v[1])), (lambda v: jax_fn(v[0], v[1]))


PAIRS_INF = [(0., 0.), (1., 1.), (-INF, -INF), (INF, INF), (-INF, 0.), (0., -INF), (INF, -INF),
             (-INF, INF), (2., -3.), (NAN, 0.), (0., NAN), (1000., 1000.), (-1000., -1000.)]
VEC_INF = [(0., 0.), (-INF, -INF), (INF, INF), (-INF, 0.), (INF, -INF), (NAN, 0.), (1000., 1000.),
           (3., -2.), (0., 0., 0.)]

DERIV_CASES = [
    ("logaddexp", *_b(fnp.logaddexp, jnp.logaddexp), PAIRS_INF, None),
    ("logaddexp2", *_b(fnp.logaddexp2, jnp.logaddexp2), PAIRS_INF, None),
    ("logsumexp", fsp.logsumexp, jsp.logsumexp, VEC_INF, None),
    ("nn.logsumexp", nn.logsumexp, jax.nn.logsumexp, VEC_INF, None),
    ("logsumexp_b", lambda v: fsp.logsumexp(v, b=fnp.array([2., 0.5], v.dtype)),
     lambda v: jsp.logsumexp(v, b=jnp.array([2., 0.5], v.dtype)), VEC_INF[:-1], None),
    ("logsumexp_sign", lambda v: fsp.logsumexp(v, b=fnp.array([1., -2.], v.dtype), return_sign=True)[0],
     lambda v: jsp.logsumexp(v, b=jnp.array([1., -2.], v.dtype), return_sign=True)[0],
     [(0., 0.), (1., 0.), (-INF, 0.), (3., -1.), (0., -INF)], None),
    ("sqrt", *_u(fnp.sqrt, jnp.sqrt), [(0.,), (4.,), (INF,)], None),
    ("rsqrt", *_u(lax.rsqrt, jax.lax.rsqrt), [(0.,), (4.,)], None),
    ("cbrt", *_u(fnp.cbrt, jnp.cbrt), [(0.,), (8.,), (-8.,)], None),
    ("power_half", *_u(lambda x: fnp.power(x, 0.5), lambda x: jnp.power(x, 0.5)),
     [(0.,), (4.,)], None),
    ("power_1.5", *_u(lambda x: fnp.power(x, 1.5), lambda x: jnp.power(x, 1.5)),
     [(0.,), (4.,)], None),
    ("power_2.0", *_u(lambda x: fnp.power(x, 2.0), lambda x: jnp.power(x, 2.0)),
     [(0.,), (-3.,)], None),
    ("power_0.0", *_u(lambda x: fnp.power(x, 0.0), lambda x: jnp.power(x, 0.0)),
     [(0.,), (-3.,)], None),
    ("power_xy", *_b(fnp.power, jnp.power), [(0., 2.), (0., 0.5), (2., 0.), (0., 1.), (3., 2.)],
     None),
    ("hypot", *_b(fnp.hypot, jnp.hypot), [(0., 0.), (3., 4.), (0., 2.), (-5., 1.)], None),
    ("abs", *_u(fnp.abs, jnp.abs), [(0.,), (-2.,), (2.,)], None),
    ("sign", *_u(fnp.sign, jnp.sign), [(0.,), (-2.,)], None),
    ("maximum", *_b(fnp.maximum, jnp.maximum), [(0., 0.), (1., 1.), (1., 2.), (NAN, 1.)], None),
    ("minimum", *_b(fnp.minimum, jnp.minimum), [(0., 0.), (1., 1.), (1., 2.), (NAN, 1.)], None),
    ("relu", *_u(nn.relu, jax.nn.relu), [(0.,), (-1.,), (1.,)], None),
    ("relu6", *_u(nn.relu6, jax.nn.relu6), [(0.,), (6.,), (3.,)], None),
    ("clip", *_u(lambda x: fnp.clip(x, 0., 1.), lambda x: jnp.clip(x, 0., 1.)),
     [(0.,), (1.,), (0.5,), (-1.,)], None),
    ("softplus", *_u(nn.softplus, jax.nn.softplus),
     [(0.,), (1000.,), (-1000.,), (30.,), (-30.,), (INF,), (-INF,)], None),
    ("sigmoid", *_u(nn.sigmoid, jax.nn.sigmoid), [(0.,), (1000.,), (-1000.,), (40.,)], None),
    ("expit", *_u(fsp.expit, jsp.expit), [(0.,), (800.,), (-800.,)], None),
    ("log_sigmoid", *_u(nn.log_sigmoid, jax.nn.log_sigmoid),
     [(0.,), (1000.,), (-1000.,), (-INF,), (INF,)], None),
    ("log1p", *_u(fnp.log1p, jnp.log1p), [(0.,), (-1.,), (1e-300,), (INF,)], None),
    ("expm1", *_u(fnp.expm1, jnp.expm1), [(0.,), (1e-300,), (-INF,), (50.,)], None),
    ("exp", *_u(fnp.exp, jnp.exp), [(-INF,), (-1000.,), (0.,)], None),
    ("log", *_u(fnp.log, jnp.log), [(0.,), (INF,), (1.,)], None),
    ("logit", *_u(fsp.logit, jsp.logit), [(0.,), (1.,), (0.5,), (1e-10,)], None),
    # at x == 0 with y outside log's domain, the derivative is 0 (JAX: -inf or NaN)
    ("xlogy", *_b(fsp.xlogy, jsp.xlogy), [(0., 0.), (0., 1.), (1., 0.), (2., 3.), (0., 0.5)],
     lambda p: 0.0 if p[0] == 0 else None),
    ("xlog1py", *_b(fsp.xlog1py, jsp.xlog1py), [(0., -1.), (0., 0.), (1., -1.), (2., 3.)],
     lambda p: 0.0 if p[0] == 0 else None),
    ("softmax", lambda v: nn.softmax(v)[0], lambda v: jax.nn.softmax(v)[0],
     [(0., -INF), (-INF, 0.), (-INF, -INF), (0., 0.), (1000., -1000.), (INF, 0.)], None),
    ("log_softmax", lambda v: nn.log_softmax(v)[0], lambda v: jax.nn.log_softmax(v)[0],
     [(0., -INF), (-INF, 0.), (-INF, -INF), (0., 0.), (1000., -1000.)], None),
]

NORM_ORDS = [None, 1, 2, 3, 0.5, INF, -INF, -1, 0]


def _at_zero_vector(point):
    """At the zero vector, where JAX's derivative is NaN, the norm's subgradient 0 (PyTorch's)."""
    return 0.0 if not any(point) else None


def _norm_case(ord):
    return (f"norm_ord={ord}", lambda v: fnp.linalg.norm(v, ord=ord),
            lambda v: jnp.linalg.norm(v, ord=ord),
            # (JAX's ord=inf norm at 0 ties with its initial value 0: 1/4 each; see below)
            [(0., 3.), (3., -4.)] + ([] if ord == INF else [(0., 0.)]),
            # (|x|**p with p < 1 has an infinite derivative at 0: no subgradient convention)
            _at_zero_vector if ord is None or ord >= 1 or ord == 0 else None)


DERIV_CASES += [_norm_case(o) for o in NORM_ORDS]
DERIV_CASES += [
    ("vector_norm", lambda v: fnp.linalg.vector_norm(v), lambda v: jnp.linalg.vector_norm(v),
     [(0., 0.), (3., 4.)], _at_zero_vector),
    ("matrix_fro", lambda v: fnp.linalg.norm(fnp.reshape(v, (2, 2))),
     lambda v: jnp.linalg.norm(jnp.reshape(v, (2, 2))), [(0., 0., 0., 0.), (1., 2., 3., 4.)],
     _at_zero_vector),
]


_JAX_CACHE: dict = {}


def _jax_eval(name, jf, points, dtype):
    """JAX's value, gradient and Hessian at each point: one vmapped evaluation per point length
    (a single trace per row, not one per point)."""
    key = (name, np.dtype(dtype).name)
    if key not in _JAX_CACHE:
        out = {}
        with jax.enable_x64(np.dtype(dtype) == np.float64):
            for n in sorted({len(p) for p in points}):
                pts = [p for p in points if len(p) == n]
                v = jnp.asarray(np.asarray(pts, dtype))
                res = [np.asarray(r) for r in jax.vmap(
                    lambda u: (jf(u), jax.grad(jf)(u), jax.hessian(jf)(u)))(v)]
                out.update({p: tuple(r[i] for r in res) for i, p in enumerate(pts)})
        _JAX_CACHE[key] = out
    return _JAX_CACHE[key]


@pytest.mark.parametrize("dtype", FLOATS, ids=["f32", "f64"])
@pytest.mark.parametrize("name,ff,jf,points,conv", DERIV_CASES, ids=[c[0] for c in DERIV_CASES])
def test_derivatives_match_jax_at_edges(name, ff, jf, points, conv, dtype):
    wants = _jax_eval(name, jf, points, dtype)
    for point in points:
        want = wants[point]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # numpy's 0-division notes
            v = fnp.array(np.asarray(point, dtype))
            # forward over reverse: the Hessian as jacfwd(grad)
            got = (ff(v), fg.grad(ff)(v), fg.jacfwd(fg.grad(ff))(v))
        where = f"{name} at {point} ({np.dtype(dtype).name})"
        _close(got[0], want[0], dtype, where + ": value")
        assert np.asarray(got[0]).dtype == np.dtype(dtype), where + ": dtype"
        convention = conv(point) if callable(conv) else conv
        _close_where_finite(got[1], want[1], dtype, where + ": grad", convention)
        _close_where_finite(got[2], want[2], dtype, where + ": hessian", convention)
