"""Count samplers (poisson, binomial, multinomial) as JAX draws them: rejection loops over the
whole sample shape with one key per round. A primitive runs each loop on backend arrays (so
they work under jit), and vmap runs it once per batched key, as JAX's batched loop does."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .. import lax
from .. import numpy as fnp
from .._core import backend
from .._core.array import Array
from .._core.avals import ShapedArray
from .._core.primitive import NO_ALGEBRA, PURE, RULE_FIRST, Primitive, def_nondiff
from .._core.trace import bind, get_aval
from .._core.typing import ArrayLike, DTypeLike, Shape
from ..lax import random_bits as _rb
from ..lax._batching import batch_size, to_front
from ._keys import PRNGKey  # noqa: F401  (the doctests' keys)
from ._keys import canonical_dtype, default_float, default_int, raw_split, unwrap
from ._samplers import float_dtype, sample_shape

# XLA's lgamma: Lanczos' approximation (g = 7, 9 terms) with the reflection formula below 1/2.
_LANCZOS = (676.520368121885098567009190444019, -1259.13921672240287047156078755283,
            771.3234287776530788486528258894, -176.61502916214059906584551354,
            12.507343278686904814458936853, -0.13857109526572011689554707,
            9.984369578019570859563e-6, 1.50563273514931155834e-7)
_LANCZOS_BASE = 0.99999999999980993227684700473478


def _lgamma(x):
    """lgamma of a backend float array, in its dtype, evaluated as XLA evaluates it."""
    xp = backend.xp_of(x)
    dt = x.dtype.type
    with np.errstate(all="ignore"):
        reflect = x < dt(0.5)
        z = xp.where(reflect, -x, x - dt(1))
        a = xp.full(x.shape, dt(_LANCZOS_BASE), x.dtype)
        for i, c in enumerate(_LANCZOS):
            a = a + dt(c) / (z + dt(i + 1))
        t = dt(7.5) + z
        log_t = dt(math.log(7.5)) + xp.log1p(z / dt(7.5))
        r = ((z + dt(0.5)) - t / log_t) * log_t
        out = (dt((math.log(2) + math.log(math.pi)) / 2) + r) + xp.log(a)
        ax = xp.abs(x)
        frac = ax - xp.floor(ax)
        frac = xp.where(dt(0.5) < frac, dt(1) - frac, frac)
        denom = xp.log(xp.sin(dt(math.pi) * frac))
        refl = xp.where(xp.isfinite(denom), (dt(math.log(math.pi)) - denom) - out, -denom)
        out = xp.where(reflect, refl, out)
        return xp.where(xp.isinf(x), dt(math.inf), out)


def _uniform(key, shape, dtype):
    return _rb.backend_uniform(key, shape, dtype)


def _split(key, num):
    s = _rb.backend_split(key, num)
    return [s[i] for i in range(num)]


# ---- poisson -----------------------------------------------------------------------------------

def _poisson_knuth(key, lam, dtype):
    xp = backend.xp_of(lam)
    k = xp.zeros(lam.shape, dtype)
    log_prod = xp.zeros(lam.shape, np.float32)
    with np.errstate(divide="ignore"):
        while bool((log_prod > -lam).any()):
            key, sub = _split(key, 2)
            k = xp.where(log_prod > -lam, k + dtype.type(1), k)
            log_prod = log_prod + xp.log(_uniform(sub, lam.shape, np.float32))
    return (k - dtype.type(1)).astype(dtype)


def _poisson_rejection(key, lam, dtype):
    xp = backend.xp_of(lam)
    f = np.float32
    with np.errstate(all="ignore"):
        log_lam = xp.log(lam)
        b = f(0.931) + f(2.53) * xp.sqrt(lam)
        a = f(-0.059) + f(0.02483) * b
        inv_alpha = f(1.1239) + f(1.1328) / (b - f(3.4))
        v_r = f(0.9277) - f(3.6224) / (b - f(2))
        k_out = xp.full(lam.shape, -1, lam.dtype)
        accepted = xp.zeros(lam.shape, bool)
        while not bool(accepted.all()):
            key, k0, k1 = _split(key, 3)
            u = _uniform(k0, lam.shape, lam.dtype) - f(0.5)
            v = _uniform(k1, lam.shape, lam.dtype)
            us = f(0.5) - xp.abs(u)
            k = xp.floor((f(2) * a / us + b) * u + lam + f(0.43))
            s = xp.log(v * inv_alpha / (a / (us * us) + b))
            t = -lam + k * log_lam - _lgamma(k + f(1))
            accept1 = (us >= f(0.07)) & (v <= v_r)
            reject = (k < 0) | (us < f(0.013)) & (v > us)
            accept = accept1 | ~reject & (s <= t)
            k_out = xp.where(accept, k, k_out)
            accepted |= accept
    return k_out.astype(dtype)


def _poisson_one(key, lam, dtype):
    xp = backend.xp_of(lam)
    use_knuth = xp.isnan(lam) | (lam < 10)
    lam_k = xp.where(use_knuth, lam, np.float32(0))
    lam_r = xp.where(use_knuth, np.float32(100000.0), lam)
    out = xp.where(use_knuth, _poisson_knuth(key, lam_k, dtype),
                   _poisson_rejection(key, lam_r, dtype))
    return xp.where(lam == 0, dtype.type(0), out)


# ---- binomial ----------------------------------------------------------------------------------

_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.010411265261972, 0.00925546218271273,
                  0.00833056343336287)


def _stirling_tail(k):
    xp = backend.xp_of(k)
    dt = k.dtype.type
    table = xp.asarray(_STIRLING_TAIL, k.dtype)
    use_table = k <= 9
    kc = xp.clip(k, dt(0), dt(9))
    kp1sq = (kc + 1) * (kc + 1)
    approx = (dt(1.0 / 12) - (dt(1.0 / 360) - dt(1.0 / 1260) / kp1sq) / kp1sq) / (kc + 1)
    with np.errstate(invalid="ignore"):
        idx = xp.floor(kc).astype(np.int32)
    return xp.where(use_table, table[idx], approx)


def _binomial_inversion(key, count, prob, dtype):
    xp = backend.xp_of(prob)
    with np.errstate(all="ignore"):
        log1mp = xp.log1p(-prob)
        num_geom = xp.zeros(prob.shape, prob.dtype)
        geom_sum = xp.zeros(prob.shape, prob.dtype)
        while bool((geom_sum <= count).any()):
            sub, key = _split(key, 2)
            num_geom = xp.where(geom_sum <= count, num_geom + 1, num_geom)
            u = _uniform(sub, prob.shape, prob.dtype)
            geom_sum = geom_sum + xp.ceil(xp.log(u) / log1mp)
    return (num_geom - 1).astype(dtype)


def _btrs(key, count, prob, dtype):
    xp = backend.xp_of(prob)
    dt = prob.dtype.type
    with np.errstate(all="ignore"):
        stddev = xp.sqrt(count * prob * (1 - prob))
        b = dt(1.15) + dt(2.53) * stddev
        a = dt(-0.0873) + dt(0.0248) * b + dt(0.01) * prob
        c = count * prob + dt(0.5)
        v_r = dt(0.92) - dt(4.2) / b
        r = prob / (1 - prob)
        alpha = (dt(2.83) + dt(5.1) / b) * stddev
        m = xp.floor((count + 1) * prob)
        k_out = xp.full(prob.shape, -1, prob.dtype)
        accepted = xp.zeros(prob.shape, bool)
        while not bool(accepted.all()):
            key, k0, k1 = _split(key, 3)
            u = _uniform(k0, prob.shape, prob.dtype)
            v = _uniform(k1, prob.shape, prob.dtype)
            u = u - dt(0.5)
            us = dt(0.5) - xp.abs(u)
            accept1 = (us >= dt(0.07)) & (v <= v_r)
            k = xp.floor((dt(2) * a / us + b) * u + c)
            reject = (k < 0) | (k > count)
            v = xp.log(v * alpha / (a / (us * us) + b))
            ub = ((m + dt(0.5)) * xp.log((m + 1) / (r * (count - m + 1)))
                  + (count + 1) * xp.log((count - m + 1) / (count - k + 1))
                  + (k + dt(0.5)) * xp.log(r * (count - k + 1) / (k + 1))
                  + _stirling_tail(m) + _stirling_tail(count - m)
                  - _stirling_tail(k) - _stirling_tail(count - k))
            accept = accept1 | ~reject & (v <= ub)
            k_out = xp.where(accept, k, k_out)
            accepted |= accept
    return k_out.astype(dtype)


def _binomial_one(key, count, prob, dtype):
    xp = backend.xp_of(prob)
    dt = prob.dtype.type
    with np.errstate(invalid="ignore"):
        p_lt_half = prob < 0.5
        q = xp.where(p_lt_half, prob, dt(1) - prob)
        count_bad = xp.isnan(count) | (count < 0)
        count_inf = xp.isinf(count)
        q_nan = xp.isnan(q)
        q_neg = q < 0
        q = xp.where(q_nan | q_neg, dt(0.01), q)
        use_inv = count_bad | (count * q <= 10)
        count = xp.floor(count)
        count_inv = xp.where(use_inv, count, dt(0))
        count_btrs = xp.where(use_inv, dt(10000), count)
        q_btrs = xp.where(use_inv, dt(0.5), q)
        out = xp.where(use_inv, _binomial_inversion(key, count_inv, q, dtype),
                       _btrs(key, count_btrs, q_btrs, dtype))
        invalid = q_neg | q_nan | count_bad
        out = xp.where(invalid, dtype.type(np.nan), out)
        out = xp.where(count_inf & ~invalid, dtype.type(np.inf), out)
        keep = p_lt_half | count_bad | q_nan | count_inf
        return xp.where(keep, out, count.astype(dtype) - out)


# ---- the primitives: one loop per key ----------------------------------------------------------

def _per_key(fn: Callable[..., Any]) -> Callable[..., Any]:
    """impl(keys (..., 2), *params (..., *shape)): fn on each key's slice."""
    def impl(keys, *params, dtype):
        keys = backend.asarray(keys)
        params = [backend.asarray(p) for p in params]
        lead = keys.shape[:-1]
        if not lead:
            return fn(keys, *params, np.dtype(dtype))
        xp = backend.xp_of(keys)
        flat = keys.reshape(-1, 2)
        pf = [p.reshape((flat.shape[0],) + p.shape[len(lead):]) for p in params]
        outs = [fn(flat[i], *(p[i] for p in pf), np.dtype(dtype)) for i in range(flat.shape[0])]
        shape = params[0].shape[len(lead):]
        return (xp.stack(outs) if outs else xp.zeros((0,) + shape, dtype)).reshape(
            lead + shape)
    return impl


def _count_primitive(name: str, fn: Callable[..., Any]) -> Primitive:
    p = Primitive(name)
    p.impl = _per_key(fn)

    def abstract_eval(keys, *params, dtype):
        lead = keys.shape[:-1]
        if keys.dtype != np.uint32 or keys.shape[-1:] != (2,) or any(
                q.shape[:len(lead)] != lead for q in params):
            raise TypeError(f"{name}: keys (..., 2) uint32 whose leading shape prefixes the "
                            f"parameters'; got {keys.str_short()}")
        return ShapedArray(params[0].shape, np.dtype(dtype))

    def batch(args, dims, *, dtype):
        size = batch_size(args, dims)
        return p.bind(*(to_front(x, d, size) for x, d in zip(args, dims)), dtype=dtype), 0

    p.abstract_eval = abstract_eval
    p.batch = batch
    def_nondiff(p)
    p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)
    return p


random_poisson_p = _count_primitive("random_poisson", _poisson_one)
random_binomial_p = _count_primitive("random_binomial", _binomial_one)


def poisson(key: Any, lam: ArrayLike, shape: int | Shape | None = None,
            dtype: DTypeLike | None = None) -> Array:
    """Poisson(lam) samples (int by default): Knuth's method below lam = 10, transformed
    rejection (Hormann's PTRS) above, as JAX draws them.

    >>> bool((poisson(PRNGKey(0), 3.0, (10,)) >= 0).all())
    True
    """
    data, _ = unwrap(key, "poisson")
    dt = canonical_dtype(dtype, default_int())
    shape = sample_shape("poisson", shape, lam) if shape is not None else tuple(
        get_aval(fnp.asarray(lam)).shape)
    lam = lax.convert_element_type(fnp.broadcast_to(fnp.asarray(lam), shape), np.float32)
    return bind(random_poisson_p, data, lam, dtype=dt)


def binomial(key: Any, n: ArrayLike, p: ArrayLike, shape: int | Shape | None = None,
             dtype: DTypeLike | None = None) -> Array:
    """Binomial(n, p) samples (as floats, like JAX's): inversion for n min(p, 1-p) <= 10, BTRS
    rejection above.

    >>> x = binomial(PRNGKey(0), 10.0, 0.3, (5,))
    >>> bool(((x >= 0) & (x <= 10)).all())
    True
    """
    data, _ = unwrap(key, "binomial")
    dt = float_dtype(dtype, "binomial")
    shape = sample_shape("binomial", shape, n, p)
    p = fnp.asarray(p)
    pd = np.dtype(get_aval(p).dtype)
    pd = pd if np.issubdtype(pd, np.inexact) else default_float()
    p = fnp.broadcast_to(lax.convert_element_type(p, pd), shape)
    count = fnp.broadcast_to(lax.convert_element_type(fnp.asarray(n), pd), shape)
    return bind(random_binomial_p, data, count, p, dtype=dt)


def multinomial(key: Any, n: ArrayLike, p: ArrayLike, *, shape: int | Shape | None = None,
                dtype: DTypeLike | None = None, unroll: int | bool = 1) -> Array:
    """Multinomial(n, p) counts over p's last axis: a binomial per category of what the earlier
    ones left, as JAX draws them.

    >>> c = multinomial(PRNGKey(0), 10.0, fnp.array([0.2, 0.3, 0.5]))
    >>> float(c.sum())
    10.0
    """
    data, _ = unwrap(key, "multinomial")
    dt = float_dtype(dtype, "multinomial")
    n, p = fnp.asarray(n), fnp.asarray(p)
    pd = np.result_type(get_aval(n).dtype, get_aval(p).dtype)
    pd = pd if np.issubdtype(pd, np.inexact) else default_float()
    n, p = lax.convert_element_type(n, pd), lax.convert_element_type(p, pd)
    shape = tuple(get_aval(p).shape) if shape is None else tuple(shape)  # type: ignore[arg-type]
    n = fnp.broadcast_to(n, shape[:-1])
    p = fnp.moveaxis(fnp.broadcast_to(p, shape), -1, 0)
    remaining = fnp.flip(fnp.cumsum(fnp.flip(p, 0), axis=0), 0)
    ratios = lax.div(p, fnp.where(lax.eq(remaining, pd.type(0)), pd.type(1), remaining))
    keys = raw_split(data, get_aval(ratios).shape[0])
    counts = []
    remainder = n
    for i, k in enumerate(keys):
        c = binomial(k, remainder, fnp.clip(ratios[i], 0, 1), dtype=pd)
        remainder = lax.sub(remainder, c)
        counts.append(c)
    out = fnp.moveaxis(fnp.stack(counts), 0, -1)
    return lax.convert_element_type(out, dt)


__all__ = ["poisson", "binomial", "multinomial"]
