"""The normal distribution truncated to [a, b] (in standard units: loc + scale * [a, b]), as
jax.scipy.stats.truncnorm."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import LOG_2PI, floats, safe, where_valid


def _log_mass(a, b):
    """log(ndtr(b) - ndtr(a)) without cancellation: on the side of the mode away from the tail
    (mirrored when a > 0), as log_ndtr(hi) + log1p(-exp(log_ndtr(lo) - log_ndtr(hi)))."""
    flip = lax.gt(a, 0.0)
    lo = lax.select(flip, lax.neg(b), a)
    hi = lax.select(flip, lax.neg(a), b)
    lhi = special.log_ndtr(hi)
    return lax.add(lhi, lax.log1p(lax.neg(lax.exp(lax.sub(special.log_ndtr(lo), lhi)))))


def _log_between(lo, hi):
    """log(ndtr(hi) - ndtr(lo)) for lo <= hi, elementwise."""
    return _log_mass(lo, hi)


def _setup(x, a, b, loc, scale):
    x, a, b, loc, scale = floats(x, a, b, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    ok = lax.bitwise_and(lax.gt(scale, 0.0), lax.lt(a, b))
    return z, a, b, scale, ok


def logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
           scale: ArrayLike = 1) -> Array:
    """log of the density; -inf outside [a, b]; NaN unless a < b and scale > 0.

    >>> round(float(logpdf(0.0, -1.0, 2.0)), 6)
    -0.718772
    """
    z, a, b, scale, ok = _setup(x, a, b, loc, scale)
    inside = lax.bitwise_and(lax.ge(z, a), lax.le(z, b))
    out = lax.sub(lax.sub(lax.mul(-0.5, lax.mul(z, z)), 0.5 * LOG_2PI),
                  lax.add(_log_mass(a, b), lax.log(safe(ok, scale, 1.0))))
    return where_valid(ok, lax.select(inside, out, -math.inf))


def pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
        scale: ArrayLike = 1) -> Array:
    """The density.

    >>> round(float(pdf(0.0, -1.0, 2.0)), 6)
    0.48735
    """
    return lax.exp(logpdf(x, a, b, loc, scale))


def logcdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
           scale: ArrayLike = 1) -> Array:
    """log P(X <= x).

    >>> round(float(logcdf(0.0, -1.0, 2.0)), 6)
    -0.874696
    """
    z, a, b, scale, ok = _setup(x, a, b, loc, scale)
    zc = lax.minimum(lax.maximum(z, a), b)
    zs = lax.select(lax.gt(zc, a), zc, lax.add(a, 1.0))  # keeps the log finite at z == a
    out = lax.sub(_log_between(a, zs), _log_mass(a, b))
    out = lax.select(lax.le(z, a), -math.inf, lax.select(lax.ge(z, b), 0.0, out))
    return where_valid(ok, out)


def cdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
        scale: ArrayLike = 1) -> Array:
    """P(X <= x).

    >>> round(float(cdf(0.0, -1.0, 2.0)), 6)
    0.416989
    """
    return lax.exp(logcdf(x, a, b, loc, scale))


def logsf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
          scale: ArrayLike = 1) -> Array:
    """log P(X > x).

    >>> round(float(logsf(0.0, -1.0, 2.0)), 6)
    -0.539549
    """
    z, a, b, scale, ok = _setup(x, a, b, loc, scale)
    zc = lax.minimum(lax.maximum(z, a), b)
    zs = lax.select(lax.lt(zc, b), zc, lax.sub(b, 1.0))
    out = lax.sub(_log_between(zs, b), _log_mass(a, b))
    out = lax.select(lax.le(z, a), 0.0, lax.select(lax.ge(z, b), -math.inf, out))
    return where_valid(ok, out)


def sf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
       scale: ArrayLike = 1) -> Array:
    """P(X > x).

    >>> round(float(sf(0.0, -1.0, 2.0)), 6)
    0.583011
    """
    return lax.exp(logsf(x, a, b, loc, scale))


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]
