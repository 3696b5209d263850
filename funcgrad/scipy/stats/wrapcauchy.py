"""The wrapped Cauchy distribution on [0, 2 pi], as jax.scipy.stats.wrapcauchy."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from ._common import floats, safe, where_valid


def logpdf(x: ArrayLike, c: ArrayLike) -> Array:
    """log of (1 - c**2) / (2 pi (1 + c**2 - 2 c cos x)) on [0, 2 pi], -inf outside; NaN
    unless 0 < c < 1.

    >>> round(float(logpdf(0.5, 0.3)), 6)
    -1.358512
    """
    x, c = floats(x, c)
    ok = lax.bitwise_and(lax.gt(c, 0.0), lax.lt(c, 1.0))
    c = safe(ok, c, 0.5)
    c2 = lax.mul(c, c)
    out = lax.sub(lax.log1p(lax.neg(c2)),
                  lax.add(math.log(2 * math.pi),
                          lax.log(lax.sub(lax.add(1.0, c2), lax.mul(lax.mul(2.0, c), lax.cos(x))))))
    inside = lax.bitwise_and(lax.ge(x, 0.0), lax.le(x, 2 * math.pi))
    return where_valid(ok, lax.select(inside, out, -math.inf))


def pdf(x: ArrayLike, c: ArrayLike) -> Array:
    """The density.

    >>> round(float(pdf(0.5, 0.3)), 6)
    0.257043
    """
    return lax.exp(logpdf(x, c))


__all__ = ["logpdf", "pdf"]
