"""The chi-squared distribution with df degrees of freedom, as jax.scipy.stats.chi2: the gamma
distribution with shape df/2 and scale 2."""
from __future__ import annotations

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from . import gamma as _gamma
from ._common import floats


def _as_gamma(df, scale):
    df, scale = floats(df, scale)
    return lax.mul(0.5, df), lax.mul(2.0, scale)


def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log of the density; -inf below loc; NaN for df <= 0 or scale <= 0.

    >>> round(float(logpdf(1.5, 3.0)), 6)
    -1.466206
    """
    a, s = _as_gamma(df, scale)
    return _gamma.logpdf(x, a, loc, s)


def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> round(float(pdf(1.5, 3.0)), 6)
    0.230799
    """
    return lax.exp(logpdf(x, df, loc, scale))


def cdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X <= x) = gammainc(df/2, (x - loc) / (2 scale)).

    >>> round(float(cdf(1.5, 3.0)), 6)
    0.31773
    """
    a, s = _as_gamma(df, scale)
    return _gamma.cdf(x, a, loc, s)


def logcdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X <= x).

    >>> round(float(logcdf(1.5, 3.0)), 6)
    -1.146554
    """
    a, s = _as_gamma(df, scale)
    return _gamma.logcdf(x, a, loc, s)


def sf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X > x), accurate in the right tail.

    >>> round(float(sf(1.5, 3.0)), 6)
    0.68227
    """
    a, s = _as_gamma(df, scale)
    return _gamma.sf(x, a, loc, s)


def logsf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log P(X > x).

    >>> round(float(logsf(1.5, 3.0)), 6)
    -0.382329
    """
    a, s = _as_gamma(df, scale)
    return _gamma.logsf(x, a, loc, s)


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]
