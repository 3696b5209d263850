"""The left-skewed Gumbel distribution (minima), as jax.scipy.stats.gumbel_l."""
from __future__ import annotations

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from . import _gumbel


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log of the density exp(y - exp(y)) / scale.

    >>> round(float(logpdf(0.5)), 6)
    -1.148721
    """
    return _gumbel.logpdf(x, loc, scale, -1.0)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> round(float(pdf(0.5)), 6)
    0.317042
    """
    return lax.exp(logpdf(x, loc, scale))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X <= x) = log(-expm1(-exp(y))).

    >>> round(float(logcdf(0.5)), 6)
    -0.213559
    """
    return _gumbel.log_far(x, loc, scale, -1.0)


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X <= x) = 1 - exp(-exp(y)).

    >>> round(float(cdf(0.5)), 6)
    0.807704
    """
    return lax.exp(logcdf(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X > x) = -exp(y).

    >>> round(float(logsf(0.5)), 6)
    -1.648721
    """
    return _gumbel.log_near(x, loc, scale, -1.0)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X > x).

    >>> round(float(sf(0.5)), 6)
    0.192296
    """
    return lax.exp(logsf(x, loc, scale))


def ppf(p: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function loc + scale log(-log1p(-p)).

    >>> round(float(ppf(0.5)), 6)
    -0.366513
    """
    return _gumbel.ppf(p, loc, scale, -1.0)


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
