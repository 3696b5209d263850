"""The Laplace distribution, as jax.scipy.stats.laplace."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from ._common import floats, safe, where_valid


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log of the density exp(-|y|) / (2 scale); NaN for scale <= 0.

    >>> round(float(logpdf(1.5)), 6)
    -2.193147
    """
    x, loc, scale = floats(x, loc, scale)
    ok = lax.gt(scale, 0.0)
    scale = safe(ok, scale, 1.0)
    y = lax.div(lax.sub(x, loc), scale)
    return where_valid(ok, lax.sub(lax.neg(lax.abs(y)), lax.add(lax.log(scale), math.log(2))))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> round(float(pdf(1.5)), 6)
    0.111565
    """
    return lax.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X <= x): exp(y)/2 below loc, 1 - exp(-y)/2 above.

    >>> round(float(cdf(1.5)), 6)
    0.888435
    """
    x, loc, scale = floats(x, loc, scale)
    ok = lax.gt(scale, 0.0)
    y = lax.div(lax.sub(x, loc), safe(ok, scale, 1.0))
    half = lax.mul(0.5, lax.exp(lax.neg(lax.abs(y))))
    return where_valid(ok, lax.select(lax.lt(y, 0.0), half, lax.sub(1.0, half)))


__all__ = ["cdf", "logpdf", "pdf"]
