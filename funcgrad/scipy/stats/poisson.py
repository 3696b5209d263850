"""The Poisson distribution with mean mu, as jax.scipy.stats.poisson."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, is_integer, safe, where_valid


def logpmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """log P(X = k) = k log(mu) - mu - gammaln(k + 1); -inf off the nonnegative integers;
    NaN for mu < 0.

    >>> round(float(logpmf(3, 2.0)), 6)
    -1.712318
    """
    k, mu, loc = floats(k, mu, loc)
    k = lax.sub(k, loc)
    ok = lax.ge(mu, 0.0)
    mu = safe(ok, mu, 1.0)
    support = lax.bitwise_and(lax.ge(k, 0.0), is_integer(k))
    ks = safe(support, k, 0.0)
    out = lax.sub(lax.sub(special.xlogy(ks, mu), mu), special.gammaln(lax.add(ks, 1.0)))
    return where_valid(ok, lax.select(support, out, -math.inf))


def pmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """P(X = k).

    >>> round(float(pmf(3, 2.0)), 6)
    0.180447
    """
    return lax.exp(logpmf(k, mu, loc))


def cdf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """P(X <= k) = gammaincc(floor(k) + 1, mu); 0 below 0.

    >>> round(float(cdf(3, 2.0)), 6)
    0.857123
    """
    k, mu, loc = floats(k, mu, loc)
    k = lax.sub(k, loc)
    ok = lax.ge(mu, 0.0)
    mu = safe(ok, mu, 1.0)
    inside = lax.ge(k, 0.0)
    out = special.gammaincc(lax.add(lax.floor(safe(inside, k, 0.0)), 1.0), mu)
    return where_valid(ok, lax.select(inside, out, 0.0))


__all__ = ["cdf", "logpmf", "pmf"]
