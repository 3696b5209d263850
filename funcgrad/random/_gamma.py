"""Gamma samples and the samplers built on them (beta, dirichlet, t, chisquare, f,
generalized_normal, ball), as JAX draws them.

Gamma is Marsaglia and Tsang's rejection method, one key per element (split from the caller's
key) and a rejection loop per element, exactly JAX's loop; a primitive runs it (vectorized over
the elements still rejecting) so it works under jit and vmap. Its derivative with respect to the
shape parameter is implicit reparameterization: dx/da = -(dP/da) / (dP/dx) for P(a, x) the
regularized lower incomplete gamma function, as JAX's.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import lax
from .. import numpy as fnp
from .._core import backend
from .._core.array import Array
from .._core.avals import ShapedArray
from .._api import stop_gradient
from .._core.primitive import (NO_ALGEBRA, PURE, RULE_FIRST, Primitive, def_nondiff, defjvp,
                               defvjp)
from .._core.trace import bind, get_aval
from .._core.typing import ArrayLike, DTypeLike, Shape
from ..lax import random_bits as _rb
from ..lax._batching import batch_size, move_axis, to_front
from ._keys import PRNGKey  # noqa: F401  (the doctests' keys)
from ._keys import raw_split, unwrap
from ._samplers import (as_dtype, float_dtype, normal_data, rademacher, sample_shape, unit)


def _gamma_one_loop(keys, alpha, log_space):
    """JAX's per-element gamma rejection loop, run on all elements at once: keys (N, 2),
    alpha (N,) of the sample dtype."""
    xp = backend.xp_of(alpha)
    dt = alpha.dtype
    one, zero = dt.type(1), dt.type(0)
    third = dt.type(1.0 / 3.0)
    boost = alpha >= one
    alpha_b = xp.where(boost, alpha, alpha + one)
    d = alpha_b - third
    with np.errstate(invalid="ignore", divide="ignore"):
        c = third / xp.sqrt(d)
    ks = _rb.backend_split(keys, 2)
    key, subkey = ks[:, 0].copy(), ks[:, 1]
    n = alpha.shape[0]
    big_x, big_v, big_u = xp.zeros(n, dt), xp.ones(n, dt), xp.full(n, 2, dt)

    def rejecting(idx):
        x, v, u, dd = big_x[idx], big_v[idx], big_u[idx], d[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            squeeze = u >= one - dt.type(0.0331) * (x * x)
            return squeeze & (xp.log(u) >= x * dt.type(0.5) + dd * ((one - v) + xp.log(v)))

    active = xp.nonzero(rejecting(xp.arange(n)))[0]
    while active.size:
        k3 = _rb.backend_split(key[active], 3)
        key[active] = k3[:, 0]
        x_key, u_key = k3[:, 1].copy(), k3[:, 2]
        x, v = xp.zeros(active.size, dt), xp.full(active.size, -1, dt)
        pending = xp.arange(active.size)
        while pending.size:
            s = _rb.backend_split(x_key[pending], 2)
            x_key[pending] = s[:, 0]
            xs = _rb.backend_normal(s[:, 1], (), dt)
            x[pending] = xs
            v[pending] = one + xs * c[active[pending]]
            pending = pending[v[pending] <= zero]
        big_x[active] = x * x
        big_v[active] = (v * v) * v
        big_u[active] = _rb.backend_uniform(u_key, (), dt)
        active = active[rejecting(active)]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if log_space:
            log_samples = xp.log1p(-_rb.backend_uniform(subkey, (), dt))  # -exponential
            log_boost = xp.where(boost | (log_samples == zero), zero,
                                 log_samples * (one / alpha))
            return (xp.log(d) + xp.log(big_v)) + log_boost
        samples = one - _rb.backend_uniform(subkey, (), dt)
        scale = xp.where(boost, one, xp.power(samples, one / alpha))
        return (d * big_v) * scale


def _gamma_impl(keys, a, *, log_space):
    keys, a = backend.asarray(keys), backend.asarray(a)
    lead = keys.shape[:-1]
    count = math.prod(a.shape[len(lead):])
    flat_keys = _rb.backend_split(keys.reshape(-1, 2), count).reshape(-1, 2)
    out = _gamma_one_loop(flat_keys, a.reshape(-1), log_space)
    return out.reshape(a.shape)


random_gamma_p = Primitive("random_gamma")
random_gamma_p.impl = _gamma_impl


def _gamma_abstract_eval(keys, a, *, log_space):
    lead = keys.shape[:-1]
    if keys.dtype != np.uint32 or keys.shape[-1:] != (2,) or a.shape[:len(lead)] != lead:
        raise TypeError(f"random_gamma: keys (..., 2) uint32 whose leading shape prefixes a's; "
                        f"got {keys.str_short()} and {a.str_short()}")
    return ShapedArray(a.shape, a.dtype)


def _gamma_batch(args, dims, *, log_space):
    size = batch_size(args, dims)
    return random_gamma_p.bind(*(to_front(x, d, size) for x, d in zip(args, dims)),
                               log_space=log_space), 0


def _gamma_deriv(g, ans, keys, a, *, log_space):
    """g times d(sample)/da (of log(sample) in log space)."""
    sample = lax.exp(ans) if log_space else ans
    d = random_gamma_grad(a, sample)
    return lax.mul(g, lax.div(d, sample) if log_space else d)


random_gamma_p.abstract_eval = _gamma_abstract_eval
random_gamma_p.batch = _gamma_batch
defjvp(random_gamma_p, None, _gamma_deriv)
defvjp(random_gamma_p, None, _gamma_deriv)
random_gamma_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                       **NO_ALGEBRA)


def _gamma_grad_impl(a, x):
    """dx/da at P(a, x) fixed: -(dP/da) / (dP/dx), in float64: P's series below x = a + 1,
    beyond it Q = 1 - P's continued fraction (the series' a-derivative cancels there: P is
    near 1 while its terms are large, as JAX's switch to the continued fraction avoids)."""
    a, x = backend.asarray(a), backend.asarray(x)
    xp = backend.xp_of(a)
    dtype = np.result_type(a, x)
    a64, x64 = (xp.broadcast_to(v.astype(np.float64), np.broadcast_shapes(a.shape, x.shape))
                for v in (a, x))
    with np.errstate(all="ignore"):
        lgam = np.vectorize(math.lgamma, otypes=[np.float64])(a64 + 1) if a64.size else a64
        digam = _digamma(a64 + 1)
        logx = xp.log(x64)
        dp_dx = xp.exp((a64 - 1) * logx - x64 - (lgam - xp.log(a64)))
        cf = x64 > a64 + 1
        a_s, x_s = xp.where(cf, 1.0, a64), xp.where(cf, 0.5, x64)  # the series' elements
        logx_s = xp.log(x_s)
        log_term = a_s * logx_s - x_s - xp.where(cf, 0.0, lgam)  # log of the term n = 0
        dtotal = xp.zeros_like(a64)
        psi = xp.where(cf, 0.0, digam)
        terms = int(np.max(x_s + 12 * np.sqrt(x_s) + 40, initial=40)) if a64.size else 0
        for k in range(min(terms, 100000)):
            dtotal += xp.exp(log_term) * (logx_s - psi)
            log_term = log_term + logx_s - xp.log(a_s + k + 1)
            psi = psi + 1.0 / (a_s + k + 1)
        dp_da = xp.where(cf, -_upper_cf_da(xp, xp.where(cf, a64, 1.0), xp.where(cf, x64, 3.0),
                                           lgam, digam), dtotal)
        grad = -dp_da / dp_dx
        grad = xp.where(x64 > 0, grad, 0.0)
    return grad.astype(dtype)


def _upper_cf_da(xp, a, x, lgam1, digam1):
    """dQ/da for x > a + 1: Q = exp(a log x - x - lgamma(a)) / g, g = b0 - a1 / (b1 - a2 /
    (b2 - ...)) with b_n = x + 2n + 1 - a, a_n = n (n - a) (Legendre's continued fraction),
    differentiated along the convergents' recurrence A_n = b_n A_(n-1) - a_n A_(n-2) (B alike;
    db_n/da = -1, da_n/da = -n), rescaled by B_n each step. lgam1, digam1: lgamma(a + 1) and
    digamma(a + 1)."""
    lgam, digam = lgam1 - xp.log(a), digam1 - 1.0 / a
    a_prev, a_cur = xp.ones_like(a), x + 1 - a  # A_(-1), A_0
    b_prev, b_cur = xp.zeros_like(a), xp.ones_like(a)  # B_(-1), B_0
    da_prev, da_cur = xp.zeros_like(a), -xp.ones_like(a)  # their a-derivatives
    db_prev, db_cur = xp.zeros_like(a), xp.zeros_like(a)
    g = a_cur
    for n in range(1, 400):
        bn, an = x + 2 * n + 1 - a, n * (n - a)
        a_new = bn * a_cur - an * a_prev
        b_new = bn * b_cur - an * b_prev
        da_new = -a_cur + bn * da_cur + n * a_prev - an * da_prev
        db_new = -b_cur + bn * db_cur + n * b_prev - an * db_prev
        scale = 1.0 / b_new
        a_prev, a_cur = a_cur * scale, a_new * scale
        b_prev, b_cur = b_cur * scale, xp.ones_like(a)
        da_prev, da_cur = da_cur * scale, da_new * scale
        db_prev, db_cur = db_cur * scale, db_new * scale
        g_new = a_cur  # A_n / B_n, B_n = 1 after the rescaling
        if n > 4 and np.all(xp.abs(g_new - g) <= 1e-16 * xp.abs(g_new)):
            g = g_new
            break
        g = g_new
    dg = da_cur - a_cur * db_cur  # d(A/B)/da with B = 1
    q = xp.exp(a * xp.log(x) - x - lgam) / g
    return q * (xp.log(x) - digam) - q * dg / g


def _digamma(z):
    """digamma by recurrence up to z >= 6 and the asymptotic series."""
    z = np.array(z, np.float64, copy=True)
    acc = np.zeros_like(z)
    with np.errstate(all="ignore"):
        for _ in range(6):
            small = z < 6
            acc -= np.where(small, 1.0 / z, 0.0)
            z = np.where(small, z + 1, z)
        inv = 1.0 / z
        inv2 = inv * inv
        series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (
            1 / 240 - inv2 / 132))))
        return acc + np.log(z) - 0.5 * inv - series


random_gamma_grad_p = Primitive("random_gamma_grad")
random_gamma_grad_p.impl = _gamma_grad_impl
random_gamma_grad_p.abstract_eval = lambda a, x: ShapedArray(
    tuple(np.broadcast_shapes(a.shape, x.shape)), np.result_type(a.dtype, x.dtype))
random_gamma_grad_p.batch = lambda args, dims: (random_gamma_grad_p.bind(
    *(move_axis(x, d, 0) if d is not None else x for x, d in zip(args, dims))), 0) \
    if len({d for d in dims if d is not None}) == 1 and all(
        d is not None or get_aval(x).ndim == 0 for x, d in zip(args, dims)) else _grad_batch(
        args, dims)
def_nondiff(random_gamma_grad_p)
random_gamma_grad_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                            **NO_ALGEBRA)


def _grad_batch(args, dims):
    size = batch_size(args, dims)
    a, x = (to_front(v, d, size) for v, d in zip(args, dims))
    shp = (size,) + tuple(np.broadcast_shapes(get_aval(a).shape[1:], get_aval(x).shape[1:]))
    a = fnp.broadcast_to(a, shp)
    x = fnp.broadcast_to(x, shp)
    return random_gamma_grad_p.bind(a, x), 0


def random_gamma_grad(a: ArrayLike, sample: ArrayLike) -> Array:
    """The derivative of a Gamma(a) sample with respect to a, at fixed CDF value.

    >>> round(float(random_gamma_grad(1.0, 1.0)), 10)
    1.1735630272
    """
    return bind(random_gamma_grad_p, fnp.asarray(a), fnp.asarray(sample))


def _gamma(who: str, key: Any, a: ArrayLike, shape: int | Shape | None, dtype: DTypeLike | None,
           log_space: bool) -> Array:
    data, _ = unwrap(key, who)
    dt = float_dtype(dtype, who)
    shape = sample_shape(who, shape, a)
    a = as_dtype(a, dt)
    if tuple(get_aval(a).shape) != shape:
        a = fnp.broadcast_to(a, shape)
    return bind(random_gamma_p, data, a, log_space=log_space)


def gamma(key: Any, a: ArrayLike, shape: int | Shape | None = None,
          dtype: DTypeLike | None = None) -> Array:
    """Gamma(a, 1) samples (JAX's draws); differentiable with respect to a.

    >>> bool((gamma(PRNGKey(0), fnp.array([0.5, 2.0])) > 0).all())
    True
    """
    return _gamma("gamma", key, a, shape, dtype, False)


def loggamma(key: Any, a: ArrayLike, shape: int | Shape | None = None,
             dtype: DTypeLike | None = None) -> Array:
    """log of Gamma(a, 1) samples, computed in log space (accurate for small a).

    >>> bool((loggamma(PRNGKey(0), 0.01, (4,)) < 0).all())
    True
    """
    return _gamma("loggamma", key, a, shape, dtype, True)


def beta(key: Any, a: ArrayLike, b: ArrayLike, shape: int | Shape | None = None,
         dtype: DTypeLike | None = None) -> Array:
    """Beta(a, b) samples from two log-gammas.

    >>> x = beta(PRNGKey(0), 2.0, 3.0, (100,))
    >>> bool(((x > 0) & (x < 1)).all())
    True
    """
    data, _ = unwrap(key, "beta")
    dt = float_dtype(dtype, "beta")
    shape = sample_shape("beta", shape, a, b)
    ka, kb = raw_split(data)
    a = fnp.broadcast_to(as_dtype(a, dt), shape)
    b = fnp.broadcast_to(as_dtype(b, dt), shape)
    lga = loggamma(ka, a, shape, dt)
    lgb = loggamma(kb, b, shape, dt)
    top = lax.maximum(lga, lgb)
    ga, gb = lax.exp(lax.sub(lga, top)), lax.exp(lax.sub(lgb, top))
    return lax.div(ga, lax.add(ga, gb))


def dirichlet(key: Any, alpha: ArrayLike, shape: int | Shape | None = None,
              dtype: DTypeLike | None = None) -> Array:
    """Dirichlet(alpha) samples (the last axis sums to 1): the softmax of log-gammas.

    >>> d = dirichlet(PRNGKey(0), fnp.array([1.0, 2.0, 3.0]), (4,))
    >>> d.shape, bool(fnp.allclose(d.sum(-1), 1.0))
    ((4, 3), True)
    """
    data, _ = unwrap(key, "dirichlet")
    dt = float_dtype(dtype, "dirichlet")
    alpha = fnp.asarray(alpha)
    ashape = tuple(get_aval(alpha).shape)
    if len(ashape) < 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == {len(ashape)}")
    shape = sample_shape("dirichlet", shape, fnp.zeros(ashape[:-1])) if shape is not None \
        else ashape[:-1]
    lg = loggamma(data, as_dtype(alpha, dt), shape + ashape[-1:], dt)
    top = fnp.max(lg, axis=-1, keepdims=True)
    e = lax.exp(lax.sub(lg, stop_gradient(top)))
    return lax.div(e, fnp.sum(e, axis=-1, keepdims=True))


def t(key: Any, df: ArrayLike, shape: int | Shape | None = None,
      dtype: DTypeLike | None = None) -> Array:
    """Student's t samples: N * sqrt(df / 2 / G) for G ~ Gamma(df / 2).

    >>> t(PRNGKey(0), 3.0, (4,)).shape
    (4,)
    """
    data, _ = unwrap(key, "t")
    dt = float_dtype(dtype, "t")
    shape = sample_shape("t", shape, df)
    df = as_dtype(df, dt)
    kn, kg = raw_split(data)
    n = normal_data(kn, shape, dt)
    half = lax.div(df, dt.type(2))
    g = gamma(kg, half, shape, dt)
    return lax.mul(n, lax.sqrt(lax.div(half, g)))


def chisquare(key: Any, df: ArrayLike, shape: int | Shape | None = None,
              dtype: DTypeLike | None = None) -> Array:
    """Chi-square(df) samples: 2 Gamma(df / 2), drawn in log space.

    >>> bool((chisquare(PRNGKey(0), 2.0, (4,)) > 0).all())
    True
    """
    data, _ = unwrap(key, "chisquare")
    dt = float_dtype(dtype, "chisquare")
    shape = sample_shape("chisquare", shape, df)
    half = lax.div(as_dtype(df, dt), dt.type(2))
    return lax.mul(lax.exp(loggamma(data, half, shape, dt)), dt.type(2))


def f(key: Any, dfnum: ArrayLike, dfden: ArrayLike, shape: int | Shape | None = None,
      dtype: DTypeLike | None = None) -> Array:
    """F(dfnum, dfden) samples: the ratio of two scaled chi-squares.

    >>> bool((f(PRNGKey(0), 3.0, 5.0, (4,)) > 0).all())
    True
    """
    data, _ = unwrap(key, "f")
    dt = float_dtype(dtype, "f")
    shape = sample_shape("f", shape, dfnum, dfden)
    dfden, dfnum = as_dtype(dfden, dt), as_dtype(dfnum, dt)
    k_den, k_num = raw_split(data)
    num = lax.div(chisquare(k_num, dfnum, shape, dt), dfnum)
    den = lax.div(chisquare(k_den, dfden, shape, dt), dfden)
    return lax.div(num, den)


def generalized_normal(key: Any, p: float, shape: int | Shape = (),
                       dtype: DTypeLike | None = None) -> Array:
    """Generalized normal samples of power p (density proportional to exp(-|x|**p)).

    >>> generalized_normal(PRNGKey(0), 3.0, (4,)).shape
    (4,)
    """
    data, _ = unwrap(key, "generalized_normal")
    dt = float_dtype(dtype, "generalized_normal")
    shape = sample_shape("generalized_normal", shape)
    k1, k2 = raw_split(data)
    g = gamma(k1, 1 / p, shape, dt)
    r = rademacher(k2, shape, dt)
    return fnp.multiply(r, fnp.power(g, 1 / p))


def ball(key: Any, d: int, p: float = 2, shape: int | Shape = (),
         dtype: DTypeLike | None = None) -> Array:
    """Points uniform in the unit p-norm ball of dimension d.

    >>> x = ball(PRNGKey(0), 3, shape=(5,))
    >>> bool((fnp.linalg.norm(x, axis=-1) <= 1).all())
    True
    """
    data, _ = unwrap(key, "ball")
    dt = float_dtype(dtype, "ball")
    shape = sample_shape("ball", shape)
    k1, k2 = raw_split(data)
    g = generalized_normal(k1, p, shape + (int(d),), dt)
    e = lax.neg(lax.log1p(lax.neg(unit(k2, shape, dt))))
    r = fnp.power(fnp.add(fnp.sum(fnp.power(fnp.abs(g), p), axis=-1), e), 1 / p)
    return fnp.divide(g, r[..., None])


__all__ = ["gamma", "loggamma", "beta", "dirichlet", "t", "chisquare", "f",
           "generalized_normal", "ball", "random_gamma_grad"]
