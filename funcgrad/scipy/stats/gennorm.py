"""The generalized normal distribution with shape beta, as jax.scipy.stats.gennorm."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, safe, where_valid


def logpdf(x: ArrayLike, beta: ArrayLike) -> Array:
    """log of the density beta / (2 Gamma(1/beta)) exp(-|x|**beta); NaN for beta <= 0.

    >>> round(float(logpdf(0.5, 1.5)), 6)
    -0.944386
    """
    x, beta = floats(x, beta)
    ok = lax.gt(beta, 0.0)
    beta = safe(ok, beta, 1.0)
    out = lax.sub(lax.sub(lax.log(beta), lax.add(math.log(2.0),
                                                 special.gammaln(lax.div(1.0, beta)))),
                  lax.pow(lax.abs(x), beta))
    return where_valid(ok, out)


def pdf(x: ArrayLike, beta: ArrayLike) -> Array:
    """The density.

    >>> round(float(pdf(0.5, 1.5)), 6)
    0.388918
    """
    return lax.exp(logpdf(x, beta))


def cdf(x: ArrayLike, beta: ArrayLike) -> Array:
    """P(X <= x) = 1/2 + sign(x) gammainc(1/beta, |x|**beta) / 2, computed from the tail.

    >>> round(float(cdf(0.5, 1.5)), 6)
    0.741749
    """
    x, beta = floats(x, beta)
    ok = lax.gt(beta, 0.0)
    beta = safe(ok, beta, 1.0)
    # the tail beyond |x| is gammaincc(1/beta, |x|**beta) / 2: no cancellation on the left
    tail = lax.mul(0.5, special.gammaincc(lax.div(1.0, beta), lax.pow(lax.abs(x), beta)))
    return where_valid(ok, lax.select(lax.lt(x, 0.0), tail, lax.sub(1.0, tail)))


__all__ = ["cdf", "logpdf", "pdf"]
