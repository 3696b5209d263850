"""The Cauchy distribution, as jax.scipy.stats.cauchy."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from ._common import floats, safe, safe_log, standardize, where_valid


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log of the density 1 / (pi scale (1 + y**2)).

    >>> round(float(logpdf(1.5)), 6)
    -2.323385
    """
    y, scale, ok = standardize(x, loc, scale)
    return where_valid(ok, lax.neg(lax.add(lax.add(math.log(math.pi), lax.log(scale)),
                                           lax.log1p(lax.mul(y, y)))))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> round(float(pdf(1.5)), 6)
    0.097942
    """
    return lax.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X <= x) = atan2(1, -y) / pi (accurate in the left tail).

    >>> round(float(cdf(1.5)), 6)
    0.812833
    """
    y, scale, ok = standardize(x, loc, scale)
    return where_valid(ok, lax.div(lax.atan2(1.0, lax.neg(y)), math.pi))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X <= x).

    >>> round(float(logcdf(1.5)), 6)
    -0.20723
    """
    return safe_log(cdf(x, loc, scale))


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X > x) = atan2(1, y) / pi.

    >>> round(float(sf(1.5)), 6)
    0.187167
    """
    y, scale, ok = standardize(x, loc, scale)
    return where_valid(ok, lax.div(lax.atan2(1.0, y), math.pi))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X > x).

    >>> round(float(logsf(1.5)), 6)
    -1.675754
    """
    return safe_log(sf(x, loc, scale))


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function loc + scale tan(pi (q - 1/2)); -inf at 0, inf at 1.

    >>> round(float(ppf(0.75)), 6)
    1.0
    """
    q, loc, scale = floats(q, loc, scale)
    ok = lax.bitwise_and(lax.gt(scale, 0.0), lax.bitwise_and(lax.ge(q, 0.0), lax.le(q, 1.0)))
    qs = safe(ok, q, 0.5)
    # -cot(pi q) = tan(pi (q - 1/2)), written so that q == 0 and 1 give -inf and inf
    t = lax.neg(lax.div(lax.cos(lax.mul(math.pi, qs)), lax.sin(lax.mul(math.pi, safe(
        lax.bitwise_and(lax.gt(qs, 0.0), lax.lt(qs, 1.0)), qs, 0.5)))))
    t = lax.select(lax.eq(qs, 0.0), -math.inf, lax.select(lax.eq(qs, 1.0), math.inf, t))
    return where_valid(ok, lax.add(lax.mul(t, scale), loc))


def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The inverse of sf: ppf(1 - q).

    >>> round(float(isf(0.25)), 6)
    1.0
    """
    q, loc, scale = floats(q, loc, scale)
    return lax.sub(lax.mul(2.0, loc), ppf(q, loc, scale))


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
