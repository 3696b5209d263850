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
import os
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
    ("hypot", *_b(fnp.hypot, jnp.hypot), [(3., 4.), (0., 2.), (-5., 1.)], None),
    ("abs", *_u(fnp.abs, jnp.abs), [(-2.,), (2.,)], None),  # at 0: see the conventions test
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
    ("sinc", *_u(fnp.sinc, jnp.sinc), [(0.,), (1.,), (0.5,)], None),
    ("arcsin", *_u(fnp.arcsin, jnp.arcsin), [(1.,), (-1.,), (0.,)], None),
    ("arccos", *_u(fnp.arccos, jnp.arccos), [(1.,), (-1.,)], None),
    ("arctanh", *_u(fnp.arctanh, jnp.arctanh), [(1.,), (-1.,), (0.,)], None),
    ("arccosh", *_u(fnp.arccosh, jnp.arccosh), [(1.,), (2.,)], None),
    ("tanh", *_u(fnp.tanh, jnp.tanh), [(INF,), (-INF,), (400.,)], None),
    ("exp2", *_u(fnp.exp2, jnp.exp2), [(-INF,), (0.,), (2000.,)], None),
    ("log2", *_u(fnp.log2, jnp.log2), [(0.,), (INF,)], None),
    ("log10", *_u(fnp.log10, jnp.log10), [(0.,), (1.,)], None),
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
            # (and at a zero component, |x|'s subgradient 0 is PyTorch's: see below)
            [(3., -4.)] + ([(0., 3.)] if ord not in (1, -INF, 0.5) else [])
            + ([(0., 0.)] if ord not in (1, INF, -INF) else []),
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
    """JAX's value, gradient and Hessian at each point: one jitted, vmapped evaluation per point
    length (a single compilation per row, not one dispatch per operation and point)."""
    key = (name, np.dtype(dtype).name)
    if key not in _JAX_CACHE:
        out = {}
        with jax.enable_x64(np.dtype(dtype) == np.float64):
            for n in sorted({len(p) for p in points}):
                pts = [p for p in points if len(p) == n]
                v = jnp.asarray(np.asarray(pts, dtype))
                res = [np.asarray(r) for r in jax.jit(jax.vmap(
                    lambda u: (jf(u), jax.grad(jf)(u), jax.hessian(jf)(u))))(v)]
                out.update({p: tuple(r[i] for r in res) for i, p in enumerate(pts)})
        _JAX_CACHE[key] = out
    return _JAX_CACHE[key]


# float32 repeats the table (JAX compiles each row once per dtype: ~20 s more): opt-in, slow
SLOW = [pytest.mark.slow, pytest.mark.skipif(os.environ.get("FUNCGRAD_SLOW") != "1",
                                             reason="slow: FUNCGRAD_SLOW=1 runs it")]


@pytest.mark.parametrize("dtype", [pytest.param(np.float32, id="f32", marks=SLOW),
                                   pytest.param(np.float64, id="f64")])
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


# ---- the conventions where JAX has no number, or a wrong one --------------------------------------

@pytest.mark.parametrize("dtype", FLOATS, ids=["f32", "f64"])
def test_conventions_where_jax_differs(dtype):
    z = fnp.zeros(2, dtype)
    # |x|'s derivative at 0 is the subgradient 0 (PyTorch's; JAX's is +1): the torch layer and
    # funcgrad.numpy share one abs primitive, and the torch layer must give PyTorch's
    assert float(fg.grad(fnp.abs)(dtype(0))) == 0.0
    for ord in (1, INF, -INF):
        _close(fg.grad(lambda v: fnp.linalg.norm(v, ord=ord))(z), [0., 0.], dtype, f"{ord} at 0")
    _close(fg.grad(lambda v: fnp.linalg.norm(v, ord=1))(fnp.array([0., 3.], dtype)), [0., 1.],
           dtype, "1-norm at a zero component")
    _close(fg.grad(lambda v: fnp.linalg.norm(v, ord=-INF))(fnp.array([0., 3.], dtype)), [0., 0.],
           dtype, "-inf-norm at a zero component")
    # hypot at (0, 0): the subgradient 0 as well (JAX's 1/2 each comes from its abs' +1)
    _close(fg.grad(fnp.hypot, argnums=(0, 1))(dtype(0), dtype(0)), [0., 0.], dtype, "hypot at 0")
    _close(fg.hessian(lambda u: fnp.hypot(u[0], u[1]))(z), np.zeros((2, 2)), dtype,
           "hypot hessian at 0")
    # max's rule shares the derivative evenly among ties (JAX's ord=inf norm ties with its
    # initial value 0 as well and gives 1/4 each)
    _close(fg.grad(lambda v: fnp.linalg.norm(v, ord=INF))(fnp.array([2., -2.], dtype)),
           [0.5, -0.5], dtype, "inf-norm at a tie")
    # hypot's derivative is x / hypot, also at |x1| == |x2| (JAX's max/min split is not) and
    # where x**2 overflows; its Hessian there is (r^2 I - x x^T) / r^3
    for p in [(-3., 3.), (-1e300, 1e300), (2e300, -1e300)] if dtype == np.float64 else [(-3., 3.)]:
        v = fnp.array(np.asarray(p, dtype))
        r = math.hypot(*p)
        _close(fg.grad(lambda u: fnp.hypot(u[0], u[1]))(v), np.asarray(p) / r, dtype, "hypot")
    v = fnp.array(np.asarray([-3., 3.], dtype))
    x = np.asarray([-3., 3.])
    want = (18 * np.eye(2) - np.outer(x, x)) / 18 ** 1.5
    _close(fg.hessian(lambda u: fnp.hypot(u[0], u[1]))(v), want, dtype, "hypot hessian at a tie")
    # x * log(y) at x == 0 is 0 whatever y is, with derivative 0 where log(y) is not a number
    _close(fg.grad(fsp.xlogy, argnums=(0, 1))(dtype(0), dtype(-1)), [0., 0.], dtype, "xlogy")


# ---- values and dtypes against numpy --------------------------------------------------------------

def _np_same(got, want, what):
    got = np.asarray(got)
    assert got.dtype == np.asarray(want).dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    np.testing.assert_array_equal(got, want, err_msg=what)


@pytest.mark.parametrize("dtype", FLOATS, ids=["f32", "f64"])
@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
def test_logaddexp_values_at_infinities(name, dtype):
    big = np.finfo(dtype).max / 2
    vals = np.array([-INF, INF, NAN, 0., -big, big, 3.], dtype)
    x, y = np.meshgrid(vals, vals)
    _same_outcome(lambda: getattr(fnp, name)(fnp.array(x), fnp.array(y)),
                  lambda: getattr(np, name)(x, y))  # values, dtype and warnings


@pytest.mark.parametrize("dtype", FLOATS, ids=["f32", "f64"])
def test_logsumexp_values_at_infinities(dtype):
    sp = pytest.importorskip("scipy.special", reason="scipy oracle not installed")
    rows = np.array([[-INF, -INF], [INF, INF], [-INF, 0.], [INF, -INF], [NAN, 0.], [1e4, 1e4]],
                    dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = sp.logsumexp(rows, axis=1)
        got = fsp.logsumexp(fnp.array(rows), axis=1)
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(nn.logsumexp(fnp.array(rows), axis=1)), want,
                                   rtol=1e-6)
        for a, bb in [([INF, 0.], [0., 1.]), ([1e4, 0.], [0., 1.]), ([NAN, 0.], [0., 1.]),
                      ([INF, 0.], [1., 0.]), ([1., 1.], [0., 0.]), ([INF, INF], [1., -1.]),
                      ([1e4, 1e4], [2., -1.])]:
            a, bb = np.array(a, dtype), np.array(bb, dtype)
            w, ws = sp.logsumexp(a, b=bb, return_sign=True)
            g, gs = fsp.logsumexp(fnp.array(a), b=fnp.array(bb), return_sign=True)
            np.testing.assert_allclose(np.asarray(g), w, rtol=1e-6, err_msg=f"{a} {bb}")
            np.testing.assert_array_equal(np.asarray(gs), ws, err_msg=f"sign {a} {bb}")
        b = np.array([1., -1.], dtype)
        w, ws = sp.logsumexp(np.zeros((1, 2), dtype), axis=1, b=b, return_sign=True)
        g, gs = fsp.logsumexp(fnp.zeros((1, 2), dtype), axis=1, b=fnp.array(b), return_sign=True)
    _np_same(g, w.astype(dtype), "logsumexp b cancels: -inf")
    _np_same(gs, ws.astype(dtype), "logsumexp b cancels: sign 0")


@pytest.mark.parametrize("dtype", FLOATS, ids=["f32", "f64"])
def test_overflow_safe_activations(dtype):
    x = np.array([-INF, -1e4, -100., -30., 0., 30., 100., 1e4, INF], dtype)
    # (-100: sigmoid is 3.7e-44, not 0 as 0.5 tanh(x/2) + 0.5 would give)
    fx = fnp.array(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings on the way
        sp_ = nn.softplus(fx)
        sig = nn.sigmoid(fx)
        ls = nn.log_sigmoid(fx)
    x64 = x.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want_sp = np.logaddexp(x64, 0)
        want_sig = np.where(x64 >= 0, 1 / (1 + np.exp(-x64)), np.exp(x64) / (1 + np.exp(x64)))
    for got, want, what in ((sp_, want_sp, "softplus"), (sig, want_sig, "sigmoid"),
                            (ls, -np.logaddexp(-x64, 0), "log_sigmoid")):
        assert np.asarray(got).dtype == dtype, what
        np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=1e-6,
                                   atol=float(np.finfo(dtype).smallest_subnormal) * 4,
                                   err_msg=what)
    # log1p/expm1 keep their tiny arguments; logit's ends are infinite
    _np_same(fnp.log1p(fnp.array(np.array([1e-30, -0.0], dtype))),
             np.log1p(np.array([1e-30, -0.0], dtype)), "log1p")
    _np_same(fnp.expm1(fnp.array(np.array([1e-30, -0.0], dtype))),
             np.expm1(np.array([1e-30, -0.0], dtype)), "expm1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _np_same(fsp.logit(fnp.array(np.array([0., 1.], dtype))), np.array([-INF, INF], dtype),
                 "logit")
        _np_same(fnp.exp(fnp.array(np.array([1e4, -1e4], dtype))),
                 np.exp(np.array([1e4, -1e4], dtype)), "exp")
        _np_same(fnp.log(fnp.array(np.array([0., INF], dtype))), np.array([-INF, INF], dtype),
                 "log")


@pytest.mark.parametrize("dtype", FLOATS, ids=["f32", "f64"])
def test_softmax_with_minus_inf(dtype):
    x = np.array([[0., -INF, 1.], [-INF, -INF, -INF], [INF, 0., 0.]], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with jax.enable_x64(np.dtype(dtype) == np.float64):
            for f, jf in ((nn.softmax, jax.nn.softmax), (nn.log_softmax, jax.nn.log_softmax)):
                got = f(fnp.array(x))
                want = np.asarray(jf(jnp.asarray(x)))
                _close(got, want, dtype, f.__name__)  # an all -inf row is NaN, as JAX's
                for v in (2., NAN, INF, -INF):  # one element: 1 (0), NaN if not finite
                    _close(f(fnp.array(v, dtype), axis=None),
                           np.asarray(jf(jnp.asarray(v, dtype), axis=None)), dtype, f.__name__)


# ---- 16-bit floats: reductions accumulate in float32 -----------------------------------------------

def _half_dtypes():
    out = [pytest.param(np.float16, id="float16")]
    try:
        import ml_dtypes  # the bfloat16 dtype (JAX's dependency); skipped without it
        out.append(pytest.param(ml_dtypes.bfloat16, id="bfloat16"))
    except ImportError:
        out.append(pytest.param(None, id="bfloat16", marks=pytest.mark.skip(
            reason="ml_dtypes (bfloat16) not installed")))
    return out


@pytest.mark.parametrize("dtype", _half_dtypes())
@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "prod"])
@pytest.mark.parametrize("shape,axis", [((1000,), None), ((30, 40), 0), ((30, 40), 1),
                                        ((0,), None), ((1,), None)])
def test_half_reductions_accumulate_in_float32(name, dtype, shape, axis):
    rng = np.random.default_rng(0)
    scale = 1.0 if name == "prod" else 10.0
    x = (rng.standard_normal(shape) * scale + (1 if name == "prod" else 0)).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # empty means: numpy's NaN notes
        got = getattr(fnp, name)(fnp.array(x), axis=axis)
        want16 = getattr(np, name)(x, axis=axis)  # numpy's dtype (and value, to 16-bit rounding)
        want32 = getattr(np, name)(x.astype(np.float32), axis=axis).astype(dtype)
    got = np.asarray(got)
    assert got.dtype == want16.dtype == np.dtype(dtype)
    # rounded once from a float32 accumulation: equal to float32's answer rounded (numpy's mean
    # is exactly that), and within 16-bit rounding of numpy's own (where numpy did not overflow)
    np.testing.assert_array_equal(got, want32)
    if dtype != np.float16:
        return  # numpy's bfloat16 arithmetic accumulates in bfloat16: no reference beyond this
    finite = np.isfinite(want16.astype(np.float32))
    eps = float(np.finfo(np.float16).eps) if dtype == np.float16 else 2.0 ** -7
    np.testing.assert_allclose(got.astype(np.float32)[finite], want16.astype(np.float32)[finite],
                               rtol=4 * eps, atol=4 * eps * np.abs(x.astype(np.float32)).max(
                                   initial=1.0) * (1 if name in ("mean", "var", "std") else
                                                   int(np.prod(shape)) ** 0.5))


def test_half_var_does_not_overflow_where_float16_squares_would():
    x = np.array([200., -200., 200., -200.], np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isinf(np.var(x))  # numpy's float16 sum of squares overflows
    _np_same(fnp.var(fnp.array(x)), np.float16(40000.), "var float16")
    _np_same(fnp.std(fnp.array(x)), np.float16(200.), "std float16")
    g = fg.grad(lambda v: fnp.sum(v))(fnp.array(x))
    assert np.asarray(g).dtype == np.float16


# ---- integers wrap as numpy's, and warn (or raise) where numpy does ---------------------------

INT_CASES = [
    ("add int8", lambda m, x: m.add(x, x), np.array([100, 127, -128], np.int8)),
    ("mul int32", lambda m, x: m.multiply(x, x), np.array([2 ** 20, 46341], np.int32)),
    ("mul int16 0-d", lambda m, x: x * x, np.array(300, np.int16)),
    ("cumsum int64", lambda m, x: m.cumsum(x), np.array([2 ** 62, 2 ** 62], np.int64)),
    ("cumsum dtype int8", lambda m, x: m.cumsum(x, dtype=np.int8), np.array([100, 100], np.int8)),
    ("sum dtype int16", lambda m, x: m.sum(x, dtype=np.int16),
     np.array([30000, 30000], np.int16)),
    ("sum int8 widens", lambda m, x: m.sum(x), np.array([127, 127], np.int8)),
    ("power int64", lambda m, x: m.power(x, 64), np.array([2, 3], np.int64)),
    ("power 0-d", lambda m, x: x ** 64, np.array(2, np.int64)),
    ("power negative", lambda m, x: m.power(x, -1), np.array([2], np.int64)),
    ("python int out of range", lambda m, x: x + 1000, np.array([1], np.int8)),
    ("abs int8 min", lambda m, x: m.abs(x), np.array([-128], np.int8)),
    ("negative int8 min", lambda m, x: m.negative(x), np.array([-128], np.int8)),
    ("floor_divide int8 min by -1", lambda m, x: m.floor_divide(x, -1), np.array([-128], np.int8)),
    ("floor_divide by 0", lambda m, x: m.floor_divide(x, 0), np.array([5], np.int16)),
    ("remainder by 0", lambda m, x: m.remainder(x, 0), np.array([5], np.int32)),
    ("uint8 subtract", lambda m, x: m.subtract(x, 1), np.array([0], np.uint8)),
]


def _run_recording(f):
    """(result as an ndarray, or the exception class; the warnings, as a set)."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            out = np.asarray(f())
        except Exception as e:  # noqa: BLE001 - the oracle's exception class is the contract
            out = type(e)
    return out, {(x.category, str(x.message)) for x in w}


def _same_outcome(ours, numpys):
    (got, got_w), (want, want_w) = _run_recording(ours), _run_recording(numpys)
    assert got_w == want_w, f"warnings {got_w} != numpy's {want_w}"
    if isinstance(want, type):
        assert got is want, f"raised {got}, numpy raises {want}"
    else:
        _np_same(got, want, "value")


@pytest.mark.parametrize("name,f,x", INT_CASES, ids=[c[0] for c in INT_CASES])
def test_integer_overflow_follows_numpy(name, f, x):
    _same_outcome(lambda: f(fnp, fnp.array(x)), lambda: f(np, x))


@pytest.mark.parametrize("dtype", _half_dtypes())
def test_half_cumsum_dot_matmul_are_numpys(dtype):
    """numpy's cumsum runs in the 16-bit dtype (each partial sum rounded: numpy's values, not a
    float32 accumulation), and its dot/matmul of 16-bit floats give exactly these values."""
    rng = np.random.default_rng(1)
    a = (rng.standard_normal((20, 30)) * 10).astype(dtype)
    b = rng.standard_normal((30,)).astype(dtype)
    for what, f in (("cumsum", lambda m, x, y: m.cumsum(x, axis=1)),
                    ("cumsum flat", lambda m, x, y: m.cumsum(x)),
                    ("dot", lambda m, x, y: m.dot(x, y)),
                    ("matmul", lambda m, x, y: m.matmul(x, x.T))):
        got = np.asarray(f(fnp, fnp.array(a), fnp.array(b)))
        want = f(np, a, b)
        if what == "matmul" and dtype != np.float16:
            # ml_dtypes' bfloat16 matmul returns float32 (its dot, and JAX's, keep bfloat16)
            want = want.astype(dtype)
        assert got.dtype == want.dtype == np.dtype(dtype), what
        np.testing.assert_allclose(got.astype(np.float32), want.astype(np.float32),
                                   rtol=float(np.finfo(np.float16).eps), atol=0.5, err_msg=what)


def test_integer_scalars_follow_the_array_rules():
    """funcgrad.numpy's scalar types make 0-d Arrays, as JAX's do (tests/test_scalar_types.py),
    so their overflow follows numpy's array rules (wrap, no warning) where numpy's scalars warn
    (`np.int8(127) + np.int8(1)`); numpy scalars given to funcgrad's functions follow them too."""
    _same_outcome(lambda: fnp.int8(127) + fnp.int8(1),
                  lambda: np.array(127, np.int8) + np.array(1, np.int8))
    _same_outcome(lambda: fnp.int64(2) ** 64, lambda: np.array(2, np.int64) ** 64)
    _same_outcome(lambda: fnp.add(np.int8(127), np.int8(1)), lambda: np.add(np.int8(127),
                                                                             np.int8(1)))
    _same_outcome(lambda: fnp.power(np.int64(2), 64), lambda: np.power(np.int64(2), 64))
    _same_outcome(lambda: fnp.multiply(np.int32(2 ** 30), 4), lambda: np.multiply(
        np.int32(2 ** 30), 4))


def test_normal_tails_match_scipy():
    """erfc, ndtr and log_ndtr keep full relative precision in their tails (1 - erf(x) and
    log(ndtr(x)) would give 0 and -inf), with derivatives phi(x) / ndtr(x) there."""
    sp = pytest.importorskip("scipy.special", reason="scipy oracle not installed")
    x = np.array([-1e4, -40., -30.5, -29.5, -10., -3., 0., 3., 6., 10., 27., INF, -INF, NAN])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name in ("erfc", "ndtr", "log_ndtr"):
            np.testing.assert_allclose(np.asarray(getattr(fsp, name)(fnp.array(x))),
                                       getattr(sp, name)(x), rtol=1e-12, atol=1e-300, err_msg=name)
    for v in (-37., -30.5, -29.5, -3., 0., 3.):
        phi = math.exp(-v * v / 2) / math.sqrt(2 * math.pi)
        _close(fg.grad(fsp.log_ndtr)(v), phi / sp.ndtr(v), np.float64, f"log_ndtr' at {v}")
        _close(fg.grad(fsp.erfc)(v), -2 / math.sqrt(math.pi) * math.exp(-v * v), np.float64,
               f"erfc' at {v}")


def test_ndtri_tails_match_scipy():
    """ndtri keeps full precision where 2p - 1 would cancel (p -> 0 and p -> 1), is -inf/inf at
    0/1 and NaN outside [0, 1], with derivative 1 / phi(ndtri(p))."""
    sp = pytest.importorskip("scipy.special", reason="scipy oracle not installed")
    p = np.array([0., 1e-300, 1e-30, 1e-10, 1.1e-8, 1e-3, 0.0099, 0.0101, 0.3, 0.5, 0.975,
                  0.995, 1 - 1e-10, 1., NAN, -1., 2.])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_allclose(np.asarray(fsp.ndtri(fnp.array(p))), sp.ndtri(p), rtol=1e-13,
                                   atol=0)
    for v in (1e-30, 1e-10, 0.3, 0.995):
        x = float(sp.ndtri(v))
        _close(fg.grad(fsp.ndtri)(v), math.sqrt(2 * math.pi) * math.exp(x * x / 2), np.float64,
               f"ndtri' at {v}")
