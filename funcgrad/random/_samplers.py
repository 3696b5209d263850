"""Continuous samplers built on uniform floats and normals, each computing what JAX's computes
from the same bits (so the values are JAX's), with funcgrad operations (so they trace, batch and
differentiate through their float parameters)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import lax
from .. import numpy as fnp
from .._core.array import Array
from .._core.trace import get_aval
from .._core.typing import ArrayLike, DTypeLike, Shape
from ..lax import random_bits as _rb
from .._api import stop_gradient
from ..scipy.special import erf
from ._keys import PRNGKey  # noqa: F401  (the doctests' keys)
from ._keys import (canonical_dtype, check_shape, default_float, default_int, raw_split,
                    unwrap)


def float_dtype(dtype: DTypeLike | None, who: str, inexact: bool = False) -> np.dtype:
    """The sampler's dtype: `dtype` (canonical in this mode) or the default float; a non-float
    dtype is JAX's ValueError."""
    dt = canonical_dtype(dtype, default_float())
    if not (np.issubdtype(dt, np.floating) or inexact and np.issubdtype(dt, np.complexfloating)):
        kind = "a float or complex" if inexact else "a float"
        raise ValueError(f"dtype argument to `{who}` must be {kind} dtype, got {dt}")
    return dt


def check_broadcast(who: str, shape: tuple[int, ...], *param_shapes: tuple[int, ...]) -> None:
    """JAX's rule: the parameters broadcast to `shape` exactly."""
    if param_shapes:
        try:
            out = tuple(np.broadcast_shapes(shape, *param_shapes))
        except ValueError:
            out = None
        if out != shape:
            raise ValueError(f"{who} parameter shapes must be broadcast-compatible with shape "
                             f"argument, and the result of broadcasting the shapes must equal "
                             f"the shape argument, but got result {out} for shape argument "
                             f"{shape}. Pass shape=None or a shape the parameters "
                             "broadcast to.")


def shape_of(x: Any) -> tuple[int, ...]:
    return tuple(get_aval(x).shape) if hasattr(x, "aval") else np.shape(x)


def sample_shape(who: str, shape: int | Shape | None, *params: Any) -> tuple[int, ...]:
    """`shape` checked against the parameters', or their broadcast shape when None."""
    shapes = [shape_of(p) for p in params]
    if shape is None:
        return tuple(np.broadcast_shapes(*shapes)) if shapes else ()
    shape = check_shape(shape, who)
    check_broadcast(who, shape, *shapes)
    return shape


def as_dtype(x: ArrayLike, dtype: np.dtype) -> Any:
    """x converted to dtype (JAX's lax.convert_element_type of a parameter)."""
    x = fnp.asarray(x)
    return x if get_aval(x).dtype == dtype else lax.convert_element_type(x, dtype)


def unit(data: Any, shape: tuple[int, ...], dtype: np.dtype, lo: float = 0.0,
         hi: float = 1.0) -> Array:
    """Uniform floats in [lo, hi) with constant bounds (JAX's uniform, fused)."""
    return _rb.random_unit(data, shape=shape, dtype=dtype, lo=lo, hi=hi)


def uniform_data(data: Any, shape: tuple[int, ...], dtype: np.dtype, minval: Any = 0.0,
                 maxval: Any = 1.0) -> Array:
    """JAX's uniform from checked key data: floats * (maxval - minval) + minval, at least
    minval, in dtype."""
    if isinstance(minval, (int, float)) and isinstance(maxval, (int, float)):
        return unit(data, shape, dtype, float(minval), float(maxval))
    lo, hi = as_dtype(minval, dtype), as_dtype(maxval, dtype)
    u = unit(data, shape, dtype)
    return lax.maximum(lo, _rb.fma(u, lax.sub(hi, lo), lo))


def uniform(key: Any, shape: int | Shape = (), dtype: DTypeLike | None = None,
            minval: ArrayLike = 0.0, maxval: ArrayLike = 1.0) -> Array:
    """Uniform floats in [minval, maxval) (float64 by default; float32 in JAX's 32-bit mode).

    >>> uniform(PRNGKey(0), (2,), np.float32)
    Array([0.947667 , 0.9785799], dtype=float32)
    """
    data, _ = unwrap(key, "uniform")
    dt = float_dtype(dtype, "uniform")
    shape = check_shape(shape, "uniform")
    return uniform_data(data, shape, dt, minval, maxval)


def normal_data(data: Any, shape: tuple[int, ...], dtype: np.dtype) -> Array:
    """JAX's standard normal from checked key data: sqrt(2) erfinv(u), u uniform in (-1, 1)."""
    if np.issubdtype(dtype, np.complexfloating):
        real = np.dtype(np.float64 if dtype == np.complex128 else np.float32)
        k_re, k_im = raw_split(data)
        re = lax.convert_element_type(normal_data(k_re, shape, real), dtype)
        im = lax.convert_element_type(normal_data(k_im, shape, real), dtype)
        return lax.div(lax.add(re, lax.mul(im, dtype.type(1j))), dtype.type(math.sqrt(2)))
    return _rb.random_normal(data, shape=shape, dtype=dtype)


def normal(key: Any, shape: int | Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Standard normal samples (complex dtypes: real and imaginary parts of variance 1/2).

    >>> normal(PRNGKey(0), (3,), np.float32)
    Array([ 1.6226422 ,  2.0252647 , -0.43359444], dtype=float32)
    """
    data, _ = unwrap(key, "normal")
    dt = float_dtype(dtype, "normal", inexact=True)
    return normal_data(data, check_shape(shape, "normal"), dt)


def truncated_normal(key: Any, lower: ArrayLike, upper: ArrayLike,
                     shape: int | Shape | None = None, dtype: DTypeLike | None = None) -> Array:
    """Normal samples conditioned on (lower, upper): the inverse CDF of a uniform between the
    bounds' CDFs, clipped inside the bounds.

    >>> t = truncated_normal(PRNGKey(0), -0.5, 0.5, (100,))
    >>> bool((fnp.abs(t) < 0.5).all())
    True
    """
    data, _ = unwrap(key, "truncated_normal")
    dt = float_dtype(dtype, "truncated_normal")
    shape = sample_shape("truncated_normal", shape, lower, upper)
    sqrt2 = dt.type(math.sqrt(2))
    lower, upper = as_dtype(lower, dt), as_dtype(upper, dt)
    a = erf(lax.div(lower, sqrt2))
    b = erf(lax.div(upper, sqrt2))
    u = uniform_data(data, shape, dt, a, b)
    out = lax.mul(sqrt2, _rb.erf_inv(u))
    lo = _rb.nextafter(stop_gradient(lower), fnp.asarray(np.inf, dt))
    hi = _rb.nextafter(stop_gradient(upper), fnp.asarray(-np.inf, dt))
    return fnp.clip(out, lo, hi)


def _simple(who: str, key: Any, shape: int | Shape, dtype: DTypeLike | None
            ) -> tuple[Any, tuple[int, ...], np.dtype]:
    data, _ = unwrap(key, who)
    return data, check_shape(shape, who), float_dtype(dtype, who)


def exponential(key: Any, shape: int | Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Exponential(1) samples, -log1p(-u).

    >>> bool((exponential(PRNGKey(0), (100,)) >= 0).all())
    True
    """
    data, shape, dt = _simple("exponential", key, shape, dtype)
    return lax.neg(lax.log1p(lax.neg(unit(data, shape, dt))))


def gumbel(key: Any, shape: int | Shape = (), dtype: DTypeLike | None = None,
           mode: str | None = None) -> Array:
    """Standard Gumbel samples, -log(-log(u)); mode="high" draws twice the bits for a finer
    left tail, as JAX's.

    >>> gumbel(PRNGKey(0), (3,)).shape
    (3,)
    """
    data, shape, dt = _simple("gumbel", key, shape, dtype)
    mode = "low" if mode is None else mode
    if mode not in ("highest", "high", "low"):
        raise ValueError(f"Must provide valid mode for gumbel got: {mode}")
    info = np.finfo(dt)
    if mode == "low":
        u = unit(data, shape, dt, float(info.tiny), 1.0)
        return lax.neg(lax.log(lax.neg(lax.log(u))))
    if mode == "highest" and dt == np.float32:
        raise NotImplementedError("gumbel(mode='highest') for float32 is not implemented in "
                                  "funcgrad; use mode='high'")
    both = unit(data, (2,) + shape, dt)
    high, low = both[0], both[1]
    x = fnp.where(lax.ge(high, dt.type(0.5)), high,
                  lax.add(lax.add(high, lax.mul(dt.type(2.0 ** -info.nmant), low)),
                          dt.type(info.tiny)))
    return lax.neg(lax.log(lax.neg(lax.log1p(lax.neg(x)))))


def laplace(key: Any, shape: int | Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Laplace(0, 1) samples, sign(u) log1p(-|u|) for u uniform in (-1, 1).

    >>> laplace(PRNGKey(0), (2,)).shape
    (2,)
    """
    data, shape, dt = _simple("laplace", key, shape, dtype)
    u = unit(data, shape, dt, float(dt.type(-1.0) + np.finfo(dt).epsneg), 1.0)
    return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


def logistic(key: Any, shape: int | Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Logistic(0, 1) samples, log(u) - log1p(-u).

    >>> logistic(PRNGKey(0), (2,)).shape
    (2,)
    """
    data, shape, dt = _simple("logistic", key, shape, dtype)
    x = unit(data, shape, dt, float(np.finfo(dt).tiny), 1.0)
    return lax.sub(lax.log(x), lax.log1p(lax.neg(x)))


def cauchy(key: Any, shape: int | Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Standard Cauchy samples, tan(pi (u - 1/2)).

    >>> cauchy(PRNGKey(0), (2,)).shape
    (2,)
    """
    data, shape, dt = _simple("cauchy", key, shape, dtype)
    u = unit(data, shape, dt, float(np.finfo(dt).eps), 1.0)
    return lax.tan(lax.mul(dt.type(np.pi), lax.sub(u, dt.type(0.5))))


def _param_sampler(who: str, key: Any, dtype: DTypeLike | None, shape: int | Shape | None,
                   *params: Any) -> tuple[Any, tuple[int, ...], np.dtype]:
    data, _ = unwrap(key, who)
    dt = float_dtype(dtype, who)
    return data, sample_shape(who, shape, *params), dt


def pareto(key: Any, b: ArrayLike, shape: int | Shape | None = None,
           dtype: DTypeLike | None = None) -> Array:
    """Pareto(b) samples, exp(E / b) for E exponential.

    >>> bool((pareto(PRNGKey(0), 3.0, (10,)) >= 1).all())
    True
    """
    data, shape, dt = _param_sampler("pareto", key, dtype, shape, b)
    e = lax.neg(lax.log1p(lax.neg(unit(data, shape, dt))))
    return lax.exp(lax.div(e, as_dtype(b, dt)))


def lognormal(key: Any, sigma: ArrayLike = np.float32(1), shape: int | Shape | None = None,
              dtype: DTypeLike | None = None) -> Array:
    """Log-normal samples, exp(sigma N).

    >>> bool((lognormal(PRNGKey(0), 0.5, (4,)) > 0).all())
    True
    """
    data, _ = unwrap(key, "lognormal")
    dt = float_dtype(dtype, "lognormal", inexact=True)
    shape = sample_shape("lognormal", shape, sigma)
    return lax.exp(lax.mul(normal_data(data, shape, dt), as_dtype(sigma, dt)))


def maxwell(key: Any, shape: int | Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Maxwell samples: the norm of three standard normals.

    >>> maxwell(PRNGKey(0), (2,)).shape
    (2,)
    """
    data, shape, dt = _simple("maxwell", key, shape, dtype)
    n = normal_data(data, shape + (3,), dt)
    return fnp.linalg.norm(n, axis=-1)


def rademacher(key: Any, shape: int | Shape = (), dtype: DTypeLike | None = None) -> Array:
    """-1 or +1 with equal probability (int by default).

    >>> sorted(set(rademacher(PRNGKey(0), (50,)).tolist()))
    [-1, 1]
    """
    data, _ = unwrap(key, "rademacher")
    dt = canonical_dtype(dtype, default_int())
    shape = check_shape(shape, "rademacher")
    b = lax.convert_element_type(lax.lt(unit(data, shape, default_float()), 0.5), dt)
    return lax.convert_element_type(lax.sub(lax.mul(dt.type(2), b), dt.type(1)), dt)


def double_sided_maxwell(key: Any, loc: ArrayLike, scale: ArrayLike, shape: int | Shape = (),
                         dtype: DTypeLike | None = None) -> Array:
    """Double-sided Maxwell samples: loc + scale * (random sign) * Maxwell.

    >>> double_sided_maxwell(PRNGKey(0), 0.0, 1.0, (3,)).shape
    (3,)
    """
    data, shape, dt = _simple("double_sided_maxwell", key, shape, dtype)
    params = tuple(np.broadcast_shapes(shape_of(loc), shape_of(scale)))
    shape = (shape or params) + params
    k_max, k_rad = raw_split(data)
    m = fnp.linalg.norm(normal_data(k_max, shape + (3,), dt), axis=-1)
    sign = rademacher(k_rad, shape, dt)
    return lax.add(lax.mul(lax.mul(sign, m), scale), loc)


def weibull_min(key: Any, scale: ArrayLike, concentration: ArrayLike,
                shape: int | Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Weibull samples, (-log1p(-u)) ** (1 / concentration) * scale.

    >>> bool((weibull_min(PRNGKey(0), 1.0, 2.0, (5,)) >= 0).all())
    True
    """
    data, shape, dt = _simple("weibull_min", key, shape, dtype)
    u = unit(data, shape, dt)
    inv = 1.0 / concentration if isinstance(concentration, (int, float)) else fnp.divide(
        1.0, concentration)
    return fnp.multiply(fnp.power(lax.neg(lax.log1p(lax.neg(u))), inv), scale)


def rayleigh(key: Any, scale: ArrayLike, shape: int | Shape | None = None,
             dtype: DTypeLike | None = None) -> Array:
    """Rayleigh samples, scale * sqrt(-2 log u).

    >>> bool((rayleigh(PRNGKey(0), 2.0, (5,)) >= 0).all())
    True
    """
    data, shape, dt = _param_sampler("rayleigh", key, dtype, shape, scale)
    u = unit(data, shape, dt)
    s = fnp.broadcast_to(as_dtype(scale, dt), shape)
    return lax.mul(s, lax.sqrt(lax.mul(lax.log(u), dt.type(-2))))


def wald(key: Any, mean: ArrayLike, shape: int | Shape | None = None,
         dtype: DTypeLike | None = None) -> Array:
    """Wald (inverse Gaussian) samples of the given mean (Michael, Schucany and Haas).

    >>> bool((wald(PRNGKey(0), 1.0, (5,)) > 0).all())
    True
    """
    data, shape, dt = _param_sampler("wald", key, dtype, shape, mean)
    k1, k2 = raw_split(data)
    mu = fnp.broadcast_to(as_dtype(mean, dt), shape)
    v = normal_data(k1, shape, dt)
    z = unit(k2, shape, dt)
    y = lax.integer_pow(v, 2)
    y_sq = lax.integer_pow(y, 2)
    mu_sq = lax.integer_pow(mu, 2)
    sqrt_term = lax.sqrt(lax.add(lax.mul(lax.mul(dt.type(4), mu), y), lax.mul(mu_sq, y_sq)))
    x = lax.sub(lax.add(mu, lax.div(lax.mul(mu_sq, y), dt.type(2))),
                lax.mul(lax.div(mu, dt.type(2)), sqrt_term))
    return lax.select(lax.le(z, lax.div(mu, lax.add(mu, x))), x, lax.div(mu_sq, x))


def triangular(key: Any, left: ArrayLike, mode: ArrayLike, right: ArrayLike,
               shape: int | Shape | None = None, dtype: DTypeLike | None = None) -> Array:
    """Triangular samples on [left, right] with the given mode (inverse CDF).

    >>> t = triangular(PRNGKey(0), 0.0, 0.5, 1.0, (20,))
    >>> bool(((t >= 0) & (t <= 1)).all())
    True
    """
    data, shape, dt = _param_sampler("triangular", key, dtype, shape, left, mode, right)
    left, right, mode = (fnp.broadcast_to(as_dtype(v, dt), shape) for v in (left, right, mode))
    fc = lax.div(lax.sub(mode, left), lax.sub(right, left))
    u = unit(data, shape, dt)
    out1 = lax.add(left, lax.sqrt(lax.mul(lax.mul(u, lax.sub(right, left)),
                                          lax.sub(mode, left))))
    out2 = lax.sub(right, lax.sqrt(lax.mul(lax.mul(lax.sub(dt.type(1), u),
                                                   lax.sub(right, left)), lax.sub(right, mode))))
    return lax.select(lax.lt(u, fc), out1, out2)


def multivariate_normal(key: Any, mean: ArrayLike, cov: ArrayLike,
                        shape: int | Shape | None = None, dtype: DTypeLike | None = None,
                        method: str = "cholesky") -> Array:
    """Multivariate normal samples mean + F z, with F F^T = cov from `method` ('cholesky',
    'eigh' or 'svd'; the last two allow singular cov).

    >>> multivariate_normal(PRNGKey(0), fnp.zeros(2), fnp.eye(2), (5,)).shape
    (5, 2)
    """
    data, _ = unwrap(key, "multivariate_normal")
    mean, cov = fnp.asarray(mean), fnp.asarray(cov)
    inexact = np.result_type(get_aval(mean).dtype, get_aval(cov).dtype, np.float16)
    inexact = canonical_dtype(inexact if inexact.itemsize >= 4 else None, default_float())
    mean, cov = as_dtype(mean, inexact), as_dtype(cov, inexact)
    if method not in {"svd", "eigh", "cholesky"}:
        raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
    dt = inexact if dtype is None else float_dtype(dtype, "multivariate_normal")
    if get_aval(mean).ndim < 1:
        raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == "
                         f"{get_aval(mean).ndim}")
    if get_aval(cov).ndim < 2:
        raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == "
                         f"{get_aval(cov).ndim}")
    n = get_aval(mean).shape[-1]
    if get_aval(cov).shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, "
                         f"but got cov.shape == {get_aval(cov).shape}.")
    batch = (get_aval(mean).shape[:-1], get_aval(cov).shape[:-2])
    if shape is None:
        shape = tuple(np.broadcast_shapes(*batch))
    else:
        shape = check_shape(shape, "multivariate_normal")
        check_broadcast("normal", shape, *batch)
    if method == "svd":
        u, s, _ = fnp.linalg.svd(cov)
        factor = lax.mul(u, fnp.sqrt(s[..., None, :]))
    elif method == "eigh":
        w, v = fnp.linalg.eigh(cov)
        factor = lax.mul(v, fnp.sqrt(w[..., None, :]))
    else:
        factor = fnp.linalg.cholesky(cov)
    z = normal_data(data, shape + (n,), dt)
    return fnp.add(mean, fnp.einsum("...ij,...j->...i", factor, z))


def orthogonal(key: Any, n: int, shape: int | Shape = (), dtype: DTypeLike | None = None,
               m: int | None = None) -> Array:
    """A random n x m matrix with orthonormal columns (or rows), Haar-distributed: the Q of a
    Gaussian matrix's QR, its columns signed by R's diagonal.

    >>> q = orthogonal(PRNGKey(0), 3)
    >>> bool(fnp.allclose(q @ q.T, fnp.eye(3)))
    True
    """
    data, shape, dt = _simple("orthogonal", key, shape, dtype)
    n = int(n)
    m = n if m is None else int(m)
    z = normal_data(data, shape + (max(n, m), min(n, m)), dt)
    q, r = fnp.linalg.qr(z)
    d = fnp.diagonal(r, axis1=-2, axis2=-1)
    x = lax.mul(q, fnp.expand_dims(fnp.sign(d), -2))
    return fnp.swapaxes(x, -1, -2) if n < m else x


__all__ = ["uniform", "normal", "truncated_normal", "exponential", "gumbel", "laplace",
           "logistic", "cauchy", "pareto", "lognormal", "maxwell", "rademacher",
           "double_sided_maxwell", "weibull_min", "rayleigh", "wald", "triangular",
           "multivariate_normal", "orthogonal"]
