"""The binomial distribution of n trials with success probability p, as jax.scipy.stats.binom."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, is_integer, safe, where_valid


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """log P(X = k) = log C(n, k) + k log p + (n - k) log(1 - p); -inf off 0..n; NaN for
    p outside [0, 1] or n < 0.

    >>> round(float(logpmf(2, 5, 0.3)), 6)
    -1.175385
    """
    k, n, p, loc = floats(k, n, p, loc)
    k = lax.sub(k, loc)
    ok = lax.bitwise_and(lax.bitwise_and(lax.ge(p, 0.0), lax.le(p, 1.0)),
                         lax.bitwise_and(lax.ge(n, 0.0), is_integer(n)))
    p, n = safe(ok, p, 0.5), safe(ok, n, 1.0)
    support = lax.bitwise_and(lax.bitwise_and(lax.ge(k, 0.0), lax.le(k, n)), is_integer(k))
    ks = safe(support, k, 0.0)
    comb = lax.sub(special.gammaln(lax.add(n, 1.0)),
                   lax.add(special.gammaln(lax.add(ks, 1.0)),
                           special.gammaln(lax.add(lax.sub(n, ks), 1.0))))
    out = lax.add(comb, lax.add(special.xlogy(ks, p),
                                special.xlog1py(lax.sub(n, ks), lax.neg(p))))
    return where_valid(ok, lax.select(support, out, -math.inf))


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """P(X = k).

    >>> round(float(pmf(2, 5, 0.3)), 6)
    0.3087
    """
    return lax.exp(logpmf(k, n, p, loc))


__all__ = ["logpmf", "pmf"]
