"""The logistic distribution, as jax.scipy.stats.logistic."""
from __future__ import annotations

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, safe, standardize, where_valid


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log of the density exp(-y) / (1 + exp(-y))**2 / scale, without overflow.

    >>> round(float(logpdf(1.5)), 6)
    -1.902827
    """
    y, scale, ok = standardize(x, loc, scale)
    a = lax.neg(lax.abs(y))
    out = lax.sub(lax.sub(a, lax.mul(2.0, lax.log1p(lax.exp(a)))), lax.log(scale))
    return where_valid(ok, out)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> round(float(pdf(1.5)), 6)
    0.149146
    """
    return lax.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X <= x) = expit(y).

    >>> round(float(cdf(1.5)), 6)
    0.817574
    """
    y, scale, ok = standardize(x, loc, scale)
    return where_valid(ok, special.expit(y))


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """P(X > x) = expit(-y).

    >>> round(float(sf(1.5)), 6)
    0.182426
    """
    y, scale, ok = standardize(x, loc, scale)
    return where_valid(ok, special.expit(lax.neg(y)))


def ppf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function loc + scale logit(x) (JAX names the probability x here).

    >>> round(float(ppf(0.9)), 6)
    2.197225
    """
    q, loc, scale = floats(x, loc, scale)
    ok = lax.bitwise_and(lax.gt(scale, 0.0), lax.bitwise_and(lax.ge(q, 0.0), lax.le(q, 1.0)))
    return where_valid(ok, lax.add(lax.mul(special.logit(safe(ok, q, 0.5)), scale), loc))


def isf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The inverse of sf, loc - scale logit(x) (JAX names the probability x here).

    >>> round(float(isf(0.1)), 6)
    2.197225
    """
    q, loc, scale = floats(x, loc, scale)
    ok = lax.bitwise_and(lax.gt(scale, 0.0), lax.bitwise_and(lax.ge(q, 0.0), lax.le(q, 1.0)))
    return where_valid(ok, lax.sub(loc, lax.mul(special.logit(safe(ok, q, 0.5)), scale)))


__all__ = ["cdf", "isf", "logpdf", "pdf", "ppf", "sf"]
