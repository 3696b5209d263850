"""The geometric distribution (trials up to the first success, k >= 1), as
jax.scipy.stats.geom."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, is_integer, safe, where_valid


def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """log P(X = k) = (k - 1) log(1 - p) + log p for integers k >= 1, -inf elsewhere; NaN
    for p outside (0, 1].

    >>> round(float(logpmf(3, 0.3)), 6)
    -1.917323
    """
    k, p, loc = floats(k, p, loc)
    k = lax.sub(k, loc)
    ok = lax.bitwise_and(lax.gt(p, 0.0), lax.le(p, 1.0))
    p = safe(ok, p, 0.5)
    support = lax.bitwise_and(lax.ge(k, 1.0), is_integer(k))
    ks = safe(support, k, 1.0)
    out = lax.add(special.xlog1py(lax.sub(ks, 1.0), lax.neg(p)), lax.log(p))
    return where_valid(ok, lax.select(support, out, -math.inf))


def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """P(X = k).

    >>> round(float(pmf(3, 0.3)), 6)
    0.147
    """
    return lax.exp(logpmf(k, p, loc))


__all__ = ["logpmf", "pmf"]
