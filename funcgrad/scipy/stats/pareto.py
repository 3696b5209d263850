"""The Pareto distribution with shape b, as jax.scipy.stats.pareto."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from ._common import floats, safe, where_valid


def _y(x, b, loc, scale):
    x, b, loc, scale = floats(x, b, loc, scale)
    ok = lax.bitwise_and(lax.gt(b, 0.0), lax.gt(scale, 0.0))
    b, scale = safe(ok, b, 1.0), safe(ok, scale, 1.0)
    return lax.div(lax.sub(x, loc), scale), b, scale, ok


def logpdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log of the density b / y**(b+1) / scale for y >= 1, -inf below; NaN for b, scale <= 0.

    >>> round(float(logpdf(2.0, 3.0)), 6)
    -1.673976
    """
    y, b, scale, ok = _y(x, b, loc, scale)
    inside = lax.ge(y, 1.0)
    ys = safe(inside, y, 1.0)
    out = lax.sub(lax.sub(lax.log(b), lax.mul(lax.add(b, 1.0), lax.log(ys))), lax.log(scale))
    return where_valid(ok, lax.select(inside, out, -math.inf))


def pdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> round(float(pdf(2.0, 3.0)), 6)
    0.1875
    """
    return lax.exp(logpdf(x, b, loc, scale))


def logsf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X > x) = -b log y (0 below y = 1).

    >>> round(float(logsf(2.0, 3.0)), 6)
    -2.079442
    """
    y, b, scale, ok = _y(x, b, loc, scale)
    return where_valid(ok, lax.neg(lax.mul(b, lax.log(lax.maximum(y, 1.0)))))


def sf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X > x) = y**-b.

    >>> round(float(sf(2.0, 3.0)), 6)
    0.125
    """
    return lax.exp(logsf(x, b, loc, scale))


def cdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X <= x) = 1 - y**-b.

    >>> round(float(cdf(2.0, 3.0)), 6)
    0.875
    """
    return lax.neg(lax.expm1(logsf(x, b, loc, scale)))


def logcdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X <= x); -inf below y = 1.

    >>> round(float(logcdf(2.0, 3.0)), 6)
    -0.133531
    """
    ls = logsf(x, b, loc, scale)
    neg = lax.lt(ls, 0.0)
    out = lax.log(lax.neg(lax.expm1(safe(neg, ls, -1.0))))
    return lax.select(neg, out, lax.select(lax.eq(ls, 0.0), -math.inf, ls))


def ppf(q: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function loc + scale (1 - q)**(-1/b); NaN outside [0, 1].

    >>> round(float(ppf(0.5, 3.0)), 6)
    1.259921
    """
    q, b, loc, scale = floats(q, b, loc, scale)
    ok = lax.bitwise_and(lax.bitwise_and(lax.gt(b, 0.0), lax.gt(scale, 0.0)),
                         lax.bitwise_and(lax.ge(q, 0.0), lax.le(q, 1.0)))
    qs, bs = safe(ok, q, 0.5), safe(ok, b, 1.0)
    one = lax.eq(qs, 1.0)
    y = lax.exp(lax.div(lax.neg(lax.log1p(lax.neg(safe(lax.bitwise_not(one), qs, 0.5)))), bs))
    return where_valid(ok, lax.add(loc, lax.mul(scale, lax.select(one, math.inf, y))))


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
