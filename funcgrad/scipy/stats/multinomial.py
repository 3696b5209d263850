"""The multinomial distribution, as jax.scipy.stats.multinomial: counts x along the last axis."""
from __future__ import annotations

import math

from ... import lax
from ... import numpy as fnp
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, is_integer, safe


def logpmf(x: ArrayLike, n: ArrayLike, p: ArrayLike) -> Array:
    """log P(X = x) = gammaln(n + 1) + sum(x log p - gammaln(x + 1)) where the counts x are
    nonnegative integers summing to n, -inf elsewhere.

    >>> import funcgrad.numpy as fnp
    >>> round(float(logpmf(fnp.array([1.0, 2.0]), 3.0, fnp.array([0.4, 0.6]))), 6)
    -0.83933
    """
    x, n, p = (fnp.asarray(v) for v in floats(x, n, p))
    valid = lax.bitwise_and(lax.ge(x, 0.0), is_integer(x))
    xs = safe(valid, x, 0.0)
    out = lax.add(special.gammaln(lax.add(n, 1.0)),
                  fnp.sum(lax.sub(special.xlogy(xs, p), special.gammaln(lax.add(xs, 1.0))),
                          axis=-1))
    ok = lax.bitwise_and(fnp.all(valid, axis=-1), lax.eq(fnp.sum(x, axis=-1), n))
    return lax.select(ok, out, -math.inf)


def pmf(x: ArrayLike, n: ArrayLike, p: ArrayLike) -> Array:
    """P(X = x).

    >>> import funcgrad.numpy as fnp
    >>> round(float(pmf(fnp.array([1.0, 2.0]), 3.0, fnp.array([0.4, 0.6]))), 6)
    0.432
    """
    return lax.exp(logpmf(x, n, p))


__all__ = ["logpmf", "pmf"]
