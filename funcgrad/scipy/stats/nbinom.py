"""The negative binomial distribution (failures before the n-th success), as
jax.scipy.stats.nbinom."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, is_integer, safe, where_valid


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """log P(X = k) = log Gamma(k + n) - log Gamma(n) - log k! + n log p + k log(1 - p) for
    integers k >= 0; NaN for n <= 0 or p outside (0, 1].

    >>> round(float(logpmf(2, 3.0, 0.3)), 6)
    -2.533509
    """
    k, n, p, loc = floats(k, n, p, loc)
    k = lax.sub(k, loc)
    ok = lax.bitwise_and(lax.gt(n, 0.0), lax.bitwise_and(lax.gt(p, 0.0), lax.le(p, 1.0)))
    n, p = safe(ok, n, 1.0), safe(ok, p, 0.5)
    support = lax.bitwise_and(lax.ge(k, 0.0), is_integer(k))
    ks = safe(support, k, 0.0)
    comb = lax.sub(special.gammaln(lax.add(ks, n)),
                   lax.add(special.gammaln(n), special.gammaln(lax.add(ks, 1.0))))
    out = lax.add(comb, lax.add(lax.mul(n, lax.log(p)), special.xlog1py(ks, lax.neg(p))))
    return where_valid(ok, lax.select(support, out, -math.inf))


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """P(X = k).

    >>> round(float(pmf(2, 3.0, 0.3)), 6)
    0.07938
    """
    return lax.exp(logpmf(k, n, p, loc))


__all__ = ["logpmf", "pmf"]
