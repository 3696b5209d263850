"""The beta-binomial distribution, as jax.scipy.stats.betabinom."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, is_integer, safe, where_valid


def logpmf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0) -> Array:
    """log P(X = k) = log C(n, k) + betaln(k + a, n - k + b) - betaln(a, b) on 0..n; NaN for
    a, b <= 0 or n < 0.

    >>> round(float(logpmf(2, 5, 2.0, 3.0)), 6)
    -1.435085
    """
    k, n, a, b, loc = floats(k, n, a, b, loc)
    k = lax.sub(k, loc)
    ok = lax.bitwise_and(lax.bitwise_and(lax.gt(a, 0.0), lax.gt(b, 0.0)),
                         lax.bitwise_and(lax.ge(n, 0.0), is_integer(n)))
    a, b, n = safe(ok, a, 1.0), safe(ok, b, 1.0), safe(ok, n, 1.0)
    support = lax.bitwise_and(lax.bitwise_and(lax.ge(k, 0.0), lax.le(k, n)), is_integer(k))
    ks = safe(support, k, 0.0)
    comb = lax.sub(special.gammaln(lax.add(n, 1.0)),
                   lax.add(special.gammaln(lax.add(ks, 1.0)),
                           special.gammaln(lax.add(lax.sub(n, ks), 1.0))))
    out = lax.add(comb, lax.sub(special.betaln(lax.add(ks, a), lax.add(lax.sub(n, ks), b)),
                                special.betaln(a, b)))
    return where_valid(ok, lax.select(support, out, -math.inf))


def pmf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0) -> Array:
    """P(X = k).

    >>> round(float(pmf(2, 5, 2.0, 3.0)), 6)
    0.238095
    """
    return lax.exp(logpmf(k, n, a, b, loc))


__all__ = ["logpmf", "pmf"]
