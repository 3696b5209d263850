"""The Bernoulli distribution with P(X = 1) = p, as jax.scipy.stats.bernoulli."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, safe, where_valid


def _p_ok(p):
    return lax.bitwise_and(lax.ge(p, 0.0), lax.le(p, 1.0))


def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """log P(X = k): log(p) at 1, log(1 - p) at 0, -inf elsewhere; NaN for p outside [0, 1].

    >>> round(float(logpmf(1, 0.3)), 6), round(float(logpmf(0, 0.3)), 6)
    (-1.203973, -0.356675)
    """
    k, p, loc = floats(k, p, loc)
    k = lax.sub(k, loc)
    ok = _p_ok(p)
    p = safe(ok, p, 0.5)
    support = lax.bitwise_or(lax.eq(k, 0.0), lax.eq(k, 1.0))
    ks = safe(support, k, 0.0)
    out = lax.add(special.xlogy(ks, p), special.xlog1py(lax.sub(1.0, ks), lax.neg(p)))
    return where_valid(ok, lax.select(support, out, -math.inf))


def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """P(X = k).

    >>> round(float(pmf(1, 0.3)), 6)
    0.3
    """
    return lax.exp(logpmf(k, p, loc))


def cdf(k: ArrayLike, p: ArrayLike) -> Array:
    """P(X <= k): 0 below 0, 1 - p on [0, 1), 1 from 1.

    >>> round(float(cdf(0.5, 0.3)), 6)
    0.7
    """
    k, p = floats(k, p)
    ok = _p_ok(p)
    out = lax.select(lax.lt(k, 0.0), 0.0, lax.select(lax.lt(k, 1.0), lax.sub(1.0, p), 1.0))
    return where_valid(ok, out)


def ppf(q: ArrayLike, p: ArrayLike) -> Array:
    """The quantile function: 0 for q <= 1 - p, else 1; NaN outside [0, 1].

    >>> float(ppf(0.5, 0.3)), float(ppf(0.8, 0.3))
    (0.0, 1.0)
    """
    q, p = floats(q, p)
    ok = lax.bitwise_and(_p_ok(p), lax.bitwise_and(lax.ge(q, 0.0), lax.le(q, 1.0)))
    out = lax.select(lax.le(q, lax.sub(1.0, p)), lax.mul(q, 0.0), lax.add(lax.mul(q, 0.0), 1.0))
    return where_valid(ok, out)


__all__ = ["cdf", "logpmf", "pmf", "ppf"]
