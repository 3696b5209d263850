"""The Dirichlet distribution, as jax.scipy.stats.dirichlet: x and alpha along axis 0."""
from __future__ import annotations

import math

from ... import lax
from ... import numpy as fnp
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, safe, where_valid


def logpdf(x: ArrayLike, alpha: ArrayLike) -> Array:
    """log of the density at x (the K components along axis 0, or K - 1 of them: the last is
    1 - their sum); -inf off the simplex; NaN where an alpha <= 0.

    >>> import funcgrad.numpy as fnp
    >>> round(float(logpdf(fnp.array([0.2, 0.3, 0.5]), fnp.array([1.0, 2.0, 3.0]))), 6)
    1.504077
    """
    x, alpha = floats(x, alpha)
    alpha = fnp.asarray(alpha)
    x = fnp.asarray(x)
    if alpha.ndim != 1:
        raise ValueError(f"`alpha` must be one-dimensional; got alpha.shape={alpha.shape}")
    k = alpha.shape[0]
    if x.ndim == 0 or x.shape[0] not in (k, k - 1):
        raise ValueError("`x` must have either the same number of entries as `alpha` or one "
                         f"entry fewer; got x.shape={x.shape}, alpha.shape={alpha.shape}")
    if x.shape[0] == k - 1:
        x = fnp.concatenate([x, lax.sub(1.0, fnp.sum(x, axis=0, keepdims=True))], axis=0)
    a = fnp.reshape(alpha, (k,) + (1,) * (x.ndim - 1))
    simplex = lax.bitwise_and(fnp.all(lax.ge(x, 0.0), axis=0),
                              lax.lt(lax.abs(lax.sub(fnp.sum(x, axis=0), 1.0)), 1e-6))
    xs = safe(lax.ge(x, 0.0), x, 1.0)
    norm = lax.sub(fnp.sum(special.gammaln(alpha)), special.gammaln(fnp.sum(alpha)))
    out = lax.sub(fnp.sum(special.xlogy(lax.sub(a, 1.0), xs), axis=0), norm)
    return where_valid(fnp.all(lax.gt(alpha, 0.0)), lax.select(simplex, out, -math.inf))


def pdf(x: ArrayLike, alpha: ArrayLike) -> Array:
    """The density.

    >>> import funcgrad.numpy as fnp
    >>> round(float(pdf(fnp.array([0.2, 0.3, 0.5]), fnp.array([1.0, 2.0, 3.0]))), 6)
    4.5
    """
    return lax.exp(logpdf(x, alpha))


__all__ = ["logpdf", "pdf"]
