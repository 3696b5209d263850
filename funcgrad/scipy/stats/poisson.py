"""The Poisson distribution with mean mu, as jax.scipy.stats.poisson."""
from __future__ import annotations

import math

import numpy as np

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from ... import numpy as fnp
from .. import special
from ._common import floats, is_integer, safe, where_valid


def logpmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """log P(X = k) = k log(mu) - mu - gammaln(k + 1); -inf off the nonnegative integers;
    NaN for mu < 0.

    >>> round(float(logpmf(3, 2.0)), 6)
    -1.712318
    """
    k, mu, loc = floats(k, mu, loc)
    k = lax.sub(k, loc)
    ok = lax.ge(mu, 0.0)
    mu = safe(ok, mu, 1.0)
    support = lax.bitwise_and(lax.ge(k, 0.0), is_integer(k))
    ks = safe(support, k, 0.0)
    out = lax.sub(lax.sub(special.xlogy(ks, mu), mu), special.gammaln(lax.add(ks, 1.0)))
    return where_valid(ok, lax.select(support, out, -math.inf))


def pmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """P(X = k).

    >>> round(float(pmf(3, 2.0)), 6)
    0.180447
    """
    return lax.exp(logpmf(k, mu, loc))


def cdf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """P(X <= k) = gammaincc(floor(k) + 1, mu); 0 below 0.

    >>> round(float(cdf(3, 2.0)), 6)
    0.857123
    """
    k, mu, loc = floats(k, mu, loc)
    k = lax.sub(k, loc)
    ok = lax.ge(mu, 0.0)
    mu = safe(ok, mu, 1.0)
    inside = lax.ge(k, 0.0)
    out = special.gammaincc(lax.add(lax.floor(safe(inside, k, 0.0)), 1.0), mu)
    return where_valid(ok, lax.select(inside, out, 0.0))


_ENTROPY_TERMS = 840  # covers mu +- 12 sd for mu < 1000


def entropy(mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The Shannon entropy -sum_k p(k) log p(k) (loc shifts, so does not change it): summed over
    the 840 terms around mu (12 standard deviations each side) for mu < 1000, the asymptotic
    series 1/2 log(2 pi e mu) - 1/(12 mu) - 1/(24 mu**2) - 19/(360 mu**3) beyond (error below
    1e-13); 0 at mu = 0, NaN for mu < 0. Differentiable in mu.

    >>> round(float(entropy(5.0)), 12)
    2.204395243428
    """
    mu, loc = floats(mu, loc)
    if not isinstance(loc, float):  # broadcast with an array loc
        mu = lax.add(mu, lax.mul(loc, 0.0))
    dtype = fnp.result_type(mu)
    # k log(mu) - mu - lgamma(k + 1) cancels to a few units from terms near mu log(mu): float64
    mu = lax.convert_element_type(mu, np.float64)
    ok = lax.gt(mu, 0.0)
    small = lax.lt(mu, 1000.0)
    ms = safe(lax.bitwise_and(ok, small), mu, 1.0)
    k0 = lax.maximum(lax.floor(lax.sub(ms, lax.add(lax.mul(12.0, lax.sqrt(ms)), 30.0))), 0.0)
    k = lax.add(fnp.expand_dims(k0, -1), fnp.arange(_ENTROPY_TERMS, dtype=k0.dtype))
    msx = fnp.expand_dims(ms, -1)
    logp = lax.sub(lax.sub(lax.mul(k, lax.log(msx)), msx), special.gammaln(lax.add(k, 1.0)))
    summed = fnp.sum(lax.neg(lax.mul(lax.exp(logp), logp)), axis=-1)
    ml = safe(lax.bitwise_not(small), mu, 1000.0)
    inv = lax.div(1.0, ml)
    asym = lax.sub(lax.mul(0.5, lax.log(lax.mul(2 * math.pi * math.e, ml))),
                   lax.mul(inv, lax.add(1 / 12, lax.mul(inv, lax.add(1 / 24,
                                                                      lax.mul(inv, 19 / 360))))))
    out = lax.select(small, summed, asym)
    out = lax.select(lax.eq(mu, 0.0), lax.mul(mu, 0.0), out)
    out = where_valid(lax.bitwise_or(ok, lax.eq(mu, 0.0)), out)
    return out if isinstance(dtype, type) else lax.convert_element_type(out, dtype)


__all__ = ["cdf", "entropy", "logpmf", "pmf"]
