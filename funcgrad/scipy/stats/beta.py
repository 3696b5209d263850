"""The beta distribution with shapes a and b on [loc, loc + scale], as jax.scipy.stats.beta."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, safe, safe_log, where_valid


def _y(x, a, b, loc, scale):
    x, a, b, loc, scale = floats(x, a, b, loc, scale)
    ok = lax.bitwise_and(lax.bitwise_and(lax.gt(a, 0.0), lax.gt(b, 0.0)), lax.gt(scale, 0.0))
    a, b, scale = safe(ok, a, 1.0), safe(ok, b, 1.0), safe(ok, scale, 1.0)
    return lax.div(lax.sub(x, loc), scale), a, b, scale, ok


def logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
           scale: ArrayLike = 1) -> Array:
    """log of the density y**(a-1) (1-y)**(b-1) / B(a, b) / scale; -inf outside [0, 1] (and
    at an end where the density is 0); NaN for a, b or scale <= 0.

    >>> round(float(logpdf(0.3, 2.0, 3.0)), 6)
    0.567584
    """
    y, a, b, scale, ok = _y(x, a, b, loc, scale)
    inside = lax.bitwise_and(lax.ge(y, 0.0), lax.le(y, 1.0))
    ys = safe(inside, y, 0.5)
    # (a-1) log y + (b-1) log(1-y), a term 0 where its power is 0 (also at the ends)
    below = lax.lt(ys, 1.0)
    log1m = lax.select(below, lax.log1p(lax.neg(safe(below, ys, 0.5))), -math.inf)
    left = lax.select(lax.eq(a, 1.0), 0.0, lax.mul(lax.sub(a, 1.0), safe_log(ys)))
    right = lax.select(lax.eq(b, 1.0), 0.0, lax.mul(lax.sub(b, 1.0), log1m))
    out = lax.sub(lax.add(left, right), lax.add(special.betaln(a, b), lax.log(scale)))
    return where_valid(ok, lax.select(inside, out, -math.inf))


def pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
        scale: ArrayLike = 1) -> Array:
    """The density.

    >>> round(float(pdf(0.3, 2.0, 3.0)), 6)
    1.764
    """
    return lax.exp(logpdf(x, a, b, loc, scale))


def cdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
        scale: ArrayLike = 1) -> Array:
    """P(X <= x) = betainc(a, b, y), clipped to [0, 1] outside the support.

    >>> round(float(cdf(0.3, 2.0, 3.0)), 6)
    0.3483
    """
    y, a, b, scale, ok = _y(x, a, b, loc, scale)
    return where_valid(ok, special.betainc(a, b, lax.minimum(lax.maximum(y, 0.0), 1.0)))


def logcdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
           scale: ArrayLike = 1) -> Array:
    """log P(X <= x).

    >>> round(float(logcdf(0.3, 2.0, 3.0)), 6)
    -1.054691
    """
    return safe_log(cdf(x, a, b, loc, scale))


def sf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
       scale: ArrayLike = 1) -> Array:
    """P(X > x) = betainc(b, a, 1 - y), accurate near the upper end.

    >>> round(float(sf(0.3, 2.0, 3.0)), 6)
    0.6517
    """
    y, a, b, scale, ok = _y(x, a, b, loc, scale)
    yc = lax.minimum(lax.maximum(y, 0.0), 1.0)
    return where_valid(ok, special.betainc(b, a, lax.sub(1.0, yc)))


def logsf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
          scale: ArrayLike = 1) -> Array:
    """log P(X > x).

    >>> round(float(logsf(0.3, 2.0, 3.0)), 6)
    -0.428171
    """
    return safe_log(sf(x, a, b, loc, scale))


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]
