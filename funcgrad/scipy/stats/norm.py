"""The normal distribution N(loc, scale**2), as jax.scipy.stats.norm."""
from __future__ import annotations

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import LOG_2PI, floats, where_valid


def _z(x, loc, scale):
    x, loc, scale = floats(x, loc, scale)
    return lax.div(lax.sub(x, loc), scale), scale


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log of the density; NaN for scale <= 0.

    >>> round(float(logpdf(0.5)), 6)
    -1.043939
    """
    z, scale = _z(x, loc, scale)
    out = lax.sub(lax.mul(-0.5, lax.mul(z, z)), lax.add(lax.log(lax.abs(scale)), 0.5 * LOG_2PI))
    return where_valid(lax.gt(scale, 0), out)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> round(float(pdf(0.5, 1.0, 2.0)), 6)
    0.193334
    """
    return lax.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X <= x).

    >>> round(float(cdf(1.0)), 6)
    0.841345
    """
    z, scale = _z(x, loc, scale)
    return where_valid(lax.gt(scale, 0), special.ndtr(z))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X <= x), accurate far in the left tail.

    >>> round(float(logcdf(-20.0)), 6)
    -203.917155
    """
    z, scale = _z(x, loc, scale)
    return where_valid(lax.gt(scale, 0), special.log_ndtr(z))


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X > x).

    >>> round(float(sf(1.0)), 6)
    0.158655
    """
    z, scale = _z(x, loc, scale)
    return where_valid(lax.gt(scale, 0), special.ndtr(lax.neg(z)))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X > x).

    >>> round(float(logsf(20.0)), 6)
    -203.917155
    """
    z, scale = _z(x, loc, scale)
    return where_valid(lax.gt(scale, 0), special.log_ndtr(lax.neg(z)))


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function, the inverse of cdf; NaN outside [0, 1].

    >>> round(float(ppf(0.975)), 6)
    1.959964
    """
    q, loc, scale = floats(q, loc, scale)
    return where_valid(lax.gt(scale, 0), lax.add(lax.mul(special.ndtri(q), scale), loc))


def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The inverse of sf.

    >>> round(float(isf(0.025)), 6)
    1.959964
    """
    q, loc, scale = floats(q, loc, scale)
    return where_valid(lax.gt(scale, 0),
                       lax.add(lax.mul(lax.neg(special.ndtri(q)), scale), loc))


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
