"""The gamma distribution with shape a, as jax.scipy.stats.gamma."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, safe, safe_log, where_valid


def _y(x, a, loc, scale):
    x, a, loc, scale = floats(x, a, loc, scale)
    ok = lax.bitwise_and(lax.gt(a, 0.0), lax.gt(scale, 0.0))
    a, scale = safe(ok, a, 1.0), safe(ok, scale, 1.0)
    y = lax.div(lax.sub(x, loc), scale)
    return y, a, scale, ok


def logpdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log of the density y**(a-1) exp(-y) / Gamma(a) / scale, y = (x - loc) / scale; -inf
    below loc; NaN for a <= 0 or scale <= 0.

    >>> round(float(logpdf(1.5, 2.0)), 6)
    -1.094535
    """
    y, a, scale, ok = _y(x, a, loc, scale)
    pos = lax.ge(y, 0.0)
    ys = safe(pos, y, 1.0)
    out = lax.sub(lax.sub(special.xlogy(lax.sub(a, 1.0), ys), ys),
                  lax.add(special.gammaln(a), lax.log(scale)))
    return where_valid(ok, lax.select(pos, out, -math.inf))


def pdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> round(float(pdf(1.5, 2.0)), 6)
    0.334695
    """
    return lax.exp(logpdf(x, a, loc, scale))


def cdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X <= x) = gammainc(a, y).

    >>> round(float(cdf(1.5, 2.0)), 6)
    0.442175
    """
    y, a, scale, ok = _y(x, a, loc, scale)
    return where_valid(ok, special.gammainc(a, lax.maximum(y, 0.0)))


def logcdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X <= x).

    >>> round(float(logcdf(1.5, 2.0)), 6)
    -0.81605
    """
    return safe_log(cdf(x, a, loc, scale))


def sf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X > x) = gammaincc(a, y), accurate in the right tail.

    >>> round(float(sf(1.5, 2.0)), 6)
    0.557825
    """
    y, a, scale, ok = _y(x, a, loc, scale)
    return where_valid(ok, special.gammaincc(a, lax.maximum(y, 0.0)))


def logsf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X > x).

    >>> round(float(logsf(1.5, 2.0)), 6)
    -0.583709
    """
    return safe_log(sf(x, a, loc, scale))


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]
