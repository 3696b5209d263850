"""The uniform distribution on [loc, loc + scale], as jax.scipy.stats.uniform."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from ._common import floats, safe, where_valid


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """-log(scale) on [loc, loc + scale], -inf outside; NaN for scale <= 0.

    >>> float(logpdf(0.5)), float(logpdf(2.0))
    (-0.0, -inf)
    """
    x, loc, scale = floats(x, loc, scale)
    ok = lax.gt(scale, 0.0)
    scale = safe(ok, scale, 1.0)
    inside = lax.bitwise_and(lax.ge(x, loc), lax.le(x, lax.add(loc, scale)))
    return where_valid(ok, lax.select(inside, lax.neg(lax.log(scale)), -math.inf))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> float(pdf(0.5, 0.0, 2.0))
    0.5
    """
    return lax.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X <= x), (x - loc) / scale clipped to [0, 1].

    >>> float(cdf(0.25))
    0.25
    """
    x, loc, scale = floats(x, loc, scale)
    ok = lax.gt(scale, 0.0)
    y = lax.div(lax.sub(x, loc), safe(ok, scale, 1.0))
    return where_valid(ok, lax.minimum(lax.maximum(y, 0.0), 1.0))


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function loc + q scale; NaN outside [0, 1].

    >>> float(ppf(0.25, 1.0, 2.0))
    1.5
    """
    q, loc, scale = floats(q, loc, scale)
    ok = lax.bitwise_and(lax.gt(scale, 0.0), lax.bitwise_and(lax.ge(q, 0.0), lax.le(q, 1.0)))
    return where_valid(ok, lax.add(loc, lax.mul(q, scale)))


__all__ = ["cdf", "logpdf", "pdf", "ppf"]
