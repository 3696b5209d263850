"""The multivariate normal distribution, as jax.scipy.stats.multivariate_normal."""
from __future__ import annotations


from ... import lax
from ... import numpy as fnp
from ..._core.array import Array
from ..._core.typing import ArrayLike
from ._common import LOG_2PI, floats


def logpdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike, allow_singular: None = None) -> Array:
    """log of the density at x (..., n) for mean (n,) and covariance cov (n, n), through the
    Cholesky factor of cov; a scalar mean and cov give the univariate normal.
    allow_singular is not supported (NotImplementedError, as JAX's).

    >>> import funcgrad.numpy as fnp
    >>> round(float(logpdf(fnp.array([0.5, -0.2]), fnp.zeros(2), fnp.eye(2))), 6)
    -1.982877
    """
    if allow_singular is not None:
        raise NotImplementedError("allow_singular argument of multivariate_normal.logpdf")
    x, mean, cov = (fnp.asarray(v) for v in floats(x, mean, cov))
    if mean.ndim == 0:
        if cov.ndim != 0:
            raise ValueError(f"multivariate_normal.logpdf: a scalar mean needs a scalar cov, "
                             f"got cov.shape={cov.shape}")
        d = lax.sub(x, mean)
        return lax.mul(-0.5, lax.add(lax.div(lax.mul(d, d), cov),
                                     lax.add(LOG_2PI, lax.log(cov))))
    n = mean.shape[-1]
    if cov.ndim != 2 or cov.shape != (n, n):
        raise ValueError(f"multivariate_normal.logpdf: cov must have shape ({n}, {n}) for "
                         f"mean.shape={mean.shape}, got cov.shape={cov.shape}")
    if x.ndim == 0 or x.shape[-1] != n:
        raise ValueError(f"multivariate_normal.logpdf: x must have {n} entries in its last "
                         f"axis, got x.shape={x.shape}")
    chol = fnp.linalg.cholesky(cov)
    d = lax.sub(x, mean)
    lead = d.shape[:-1]
    rhs = fnp.transpose(fnp.reshape(d, (-1, n)))  # (n, m)
    y = fnp.linalg.solve(chol, rhs) if rhs.shape[1] else rhs
    maha = fnp.reshape(fnp.sum(lax.mul(y, y), axis=0), lead)
    logdet = fnp.sum(lax.log(fnp.diagonal(chol)))
    return lax.sub(lax.mul(-0.5, lax.add(maha, n * LOG_2PI)), logdet)


def pdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike) -> Array:
    """The density.

    >>> import funcgrad.numpy as fnp
    >>> round(float(pdf(fnp.array([0.5, -0.2]), fnp.zeros(2), fnp.eye(2))), 6)
    0.137673
    """
    return lax.exp(logpdf(x, mean, cov))




__all__ = ["logpdf", "pdf"]
