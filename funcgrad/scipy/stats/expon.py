"""The exponential distribution, as jax.scipy.stats.expon."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from ._common import floats, safe, standardize, where_valid


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log of the density exp(-y) / scale; -inf below loc; NaN for scale <= 0.

    >>> round(float(logpdf(1.5)), 6)
    -1.5
    """
    y, scale, ok = standardize(x, loc, scale)
    out = lax.sub(lax.neg(y), lax.log(scale))
    return where_valid(ok, lax.select(lax.ge(y, 0.0), out, -math.inf))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> round(float(pdf(1.5)), 6)
    0.22313
    """
    return lax.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X <= x) = -expm1(-y).

    >>> round(float(cdf(1.5)), 6)
    0.77687
    """
    y, scale, ok = standardize(x, loc, scale)
    return where_valid(ok, lax.neg(lax.expm1(lax.neg(lax.maximum(y, 0.0)))))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X <= x) = log(-expm1(-y)); -inf below loc.

    >>> round(float(logcdf(1.5)), 6)
    -0.252482
    """
    y, scale, ok = standardize(x, loc, scale)
    pos = lax.gt(y, 0.0)
    out = lax.log(lax.neg(lax.expm1(lax.neg(safe(pos, y, 1.0)))))
    return where_valid(ok, lax.select(pos, out, -math.inf))


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X > x) = exp(-y).

    >>> round(float(sf(1.5)), 6)
    0.22313
    """
    return lax.exp(logsf(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X > x) = -y (0 below loc).

    >>> round(float(logsf(1.5)), 6)
    -1.5
    """
    y, scale, ok = standardize(x, loc, scale)
    return where_valid(ok, lax.neg(lax.maximum(y, 0.0)))


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function loc - scale log1p(-q); NaN outside [0, 1].

    >>> round(float(ppf(0.5)), 6)
    0.693147
    """
    q, loc, scale = floats(q, loc, scale)
    ok = lax.bitwise_and(lax.gt(scale, 0.0), lax.bitwise_and(lax.ge(q, 0.0), lax.le(q, 1.0)))
    qs = safe(ok, q, 0.5)
    out = lax.select(lax.eq(qs, 1.0), math.inf, lax.neg(lax.log1p(lax.neg(
        lax.select(lax.eq(qs, 1.0), 0.5, qs)))))
    return where_valid(ok, lax.add(lax.mul(out, scale), loc))


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
