"""numpy's statistics: order statistics (ptp, quantiles, percentiles, medians, the NaN-ignoring
ones too), averages, and correlations (cov, corrcoef). The NaN-ignoring means and variances are
reductions (_reductions.py)."""
from __future__ import annotations

import math

import numpy as np

from .. import lax
from .._core.array import Array
from .._core.trace import Tracer, get_aval, host_value, is_concrete
from .._core.typing import ArrayLike, Axis, DTypeLike
from ..lax._checks import normalize_axes
from ._core import asarray, cast, concrete, dtype_of, float_dtype, operand, shape_of
from ._indexing import take_along_axis
from ._manipulation import atleast_2d, broadcast_to, concatenate, moveaxis, reshape, squeeze
from ._products import dot
from ._reductions import any as _any
from ._reductions import count_non_nan
from ._reductions import max as _max
from ._reductions import mean as _mean
from ._reductions import min as _min
from ._reductions import sum as _sum
from ._sorting_searching import sort
from ._ufuncs import isnan


# ---- order statistics ---------------------------------------------------------------------------

def ptp(a: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Array:
    """numpy.ptp: max - min along `axis`.

    >>> import funcgrad.numpy as fnp
    >>> fnp.ptp(fnp.array([[1., 5.], [2., 3.]]), axis=1)
    Array([4., 1.], dtype=float64)
    """
    return lax.sub(_max(a, axis=axis, keepdims=keepdims), _min(a, axis=axis, keepdims=keepdims))


def median(a: ArrayLike, axis: Axis = None, out: None = None, overwrite_input: bool = False,
           keepdims: bool = False) -> Array:
    """numpy.median (NaN if a slice holds a NaN); differentiable in `a`.

    >>> import funcgrad.numpy as fnp
    >>> fnp.median(fnp.array([3., 1., 2., 10.]))
    Array(2.5, dtype=float64)
    """
    return _quantile(a, 0.5, axis, "linear", keepdims, None, out, "median", 1.0)


def quantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: None = None,
             overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
             weights: ArrayLike | None = None) -> Array:
    """numpy.quantile with the default 'linear' method; differentiable in `a` (through sort).
    q (concrete) may be a scalar or an array: its shape leads the result's.

    >>> import funcgrad.numpy as fnp
    >>> fnp.quantile(fnp.array([[1., 2., 4.], [0., 3., 3.]]), 0.25, axis=1)
    Array([1.5, 1.5], dtype=float64)
    """
    return _quantile(a, q, axis, method, keepdims, weights, out, "quantile", 1.0)


def percentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: None = None,
               overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
               weights: ArrayLike | None = None) -> Array:
    """numpy.percentile: quantile with q in [0, 100].

    >>> import funcgrad.numpy as fnp
    >>> fnp.percentile(fnp.array([1., 2., 3., 4.]), 50)
    Array(2.5, dtype=float64)
    """
    return _quantile(a, q, axis, method, keepdims, weights, out, "percentile", 100.0)


def nanmedian(a: ArrayLike, axis: Axis = None, out: None = None, overwrite_input: bool = False,
              keepdims: bool = False) -> Array:
    """numpy.nanmedian: median ignoring NaNs.

    >>> import funcgrad.numpy as fnp
    >>> fnp.nanmedian(fnp.array([[1., fnp.nan], [2., 4.]]), axis=1)
    Array([1., 3.], dtype=float64)
    """
    return _quantile(a, 0.5, axis, "linear", keepdims, None, out, "nanmedian", 1.0, True)


def nanquantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: None = None,
                overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
                weights: ArrayLike | None = None) -> Array:
    """numpy.nanquantile: quantile ignoring NaNs (NaN for an all-NaN slice); differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.nanquantile(fnp.array([4., fnp.nan, 1., 2.]), 0.5)
    Array(2., dtype=float64)
    """
    return _quantile(a, q, axis, method, keepdims, weights, out, "nanquantile", 1.0, True)


def nanpercentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: None = None,
                  overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
                  weights: ArrayLike | None = None) -> Array:
    """numpy.nanpercentile: percentile ignoring NaNs."""
    return _quantile(a, q, axis, method, keepdims, weights, out, "nanpercentile", 100.0, True)


def _quantile(a, q, axis, method, keepdims, weights, out, who, scale, skipnan=False):
    if method != "linear":
        raise NotImplementedError(f"{who}: only method='linear' is supported, got {method!r}")
    if weights is not None or out is not None:
        raise NotImplementedError(f"{who}: weights= and out= are not supported")
    a = operand(a)
    weak = type(q) in (int, float)
    qv = np.asarray(concrete(q))
    if qv.dtype.kind not in "iuf":
        raise TypeError(f"{who}: q must be real numbers, got {qv.dtype}")
    qv = np.true_divide(qv, scale) if scale != 1.0 else qv.astype(np.result_type(qv, 0.0))
    if not (np.all(qv >= 0) and np.all(qv <= 1)):
        raise ValueError("Percentiles must be in the range [0, 100]" if scale != 1.0 else
                         "Quantiles must be in the range [0, 1]")
    adt = dtype_of(a)
    if adt.kind == "c":
        raise TypeError(f"{who}: a cannot be complex")
    nd = get_aval(a).ndim
    x, axes, kshape = _flatten_axes(a, axis, who)
    n = shape_of(x)[-1]
    if n == 0:
        raise ValueError(f"{who}: cannot take the {who} of an empty slice")
    dt = np.result_type(float_dtype(adt), qv.dtype.type(0) if weak else qv.dtype)
    if weak:
        dt = float_dtype(adt)
    x = cast(x, dt)
    s = sort(x, axis=-1)  # NaNs last
    k = len(kshape)
    if skipnan and dt.kind == "f":
        # per-slice interpolation points: (count of numbers - 1) * q, gathered along the last axis
        cnt = count_non_nan(x, -1, True)  # kshape + (1,)
        top = lax.maximum(lax.sub(cnt, 1), 0)
        vi = lax.mul(lax.convert_element_type(lax.sub(cnt, 1), np.float64), asarray(qv.ravel()))
        fl = lax.floor(vi)
        prev = lax.minimum(lax.maximum(lax.convert_element_type(fl, np.intp), 0), top)
        nxt = lax.minimum(lax.add(prev, 1), top)
        g = cast(lax.sub(vi, fl), dt)

        def front(v):  # kshape + (q.size,) -> q.shape + kshape
            return reshape(moveaxis(v, -1, 0), qv.shape + kshape)
        lo, hi = front(take_along_axis(s, prev, -1)), front(take_along_axis(s, nxt, -1))
        g = front(g)
        bad = broadcast_to(lax.reshape(lax.eq(cnt, 0), kshape), shape_of(lo))  # all-NaN slice
    else:
        vi = (n - 1) * qv
        prev = np.clip(np.floor(vi), 0, n - 1).astype(np.intp)
        nxt = np.clip(prev + 1, 0, n - 1)
        gamma = (vi - np.floor(vi)).astype(dt)
        g = lax.reshape(asarray(gamma), qv.shape + (1,) * k) if qv.ndim else asarray(gamma)
        qaxes = tuple(range(k, k + qv.ndim))
        lo = moveaxis(lax.index(s, (Ellipsis, prev)), qaxes, tuple(range(qv.ndim)))
        hi = moveaxis(lax.index(s, (Ellipsis, nxt)), qaxes, tuple(range(qv.ndim)))
        bad = broadcast_to(_any(isnan(x), axis=-1), shape_of(lo)) if dt.kind == "f" else None
    diff_ = lax.sub(hi, lo)
    res = lax.select(lax.ge(g, 0.5), lax.sub(hi, lax.mul(diff_, lax.sub(1.0, g))),
                     lax.add(lo, lax.mul(diff_, g)))
    if bad is not None:
        res = lax.select(bad, np.array(np.nan, dt), res)
    if keepdims:
        res = reshape(res, qv.shape + tuple(1 if i in axes else shape_of(a)[i]
                                            for i in range(nd)))
    return res


def _flatten_axes(a, axis, who):
    """a with the `axis` axes moved last and merged into one, the axes, and the kept shape."""
    nd = get_aval(a).ndim
    axes = normalize_axes(who, axis, nd)
    keep = [i for i in range(nd) if i not in axes]
    a = lax.transpose(a, tuple(keep) + axes) if nd else a
    kshape = tuple(shape_of(a)[:len(keep)])
    return reshape(a, kshape + (-1,)), axes, kshape


# ---- averages -----------------------------------------------------------------------------------

def average(a: ArrayLike, axis: Axis = None, weights: ArrayLike | None = None,
            returned: bool = False, *, keepdims: bool = False) -> Array | tuple[Array, Array]:
    """numpy.average: the (weighted) mean along `axis`; returned=True also gives the sum of the
    weights. Differentiable in `a` and `weights`.

    >>> import funcgrad.numpy as fnp
    >>> fnp.average(fnp.array([1., 2., 3.]), weights=fnp.array([3., 1., 0.]))
    Array(1.25, dtype=float64)
    """
    a = operand(a)
    if weights is None:
        avg = _mean(a, axis=axis, keepdims=keepdims)
        nd = get_aval(a).ndim
        axes = normalize_axes("average", axis, nd)
        scl = lax.full(shape_of(avg), float(math.prod(shape_of(a)[i] for i in axes)),
                       dtype_of(avg))
        return (avg, scl) if returned else avg
    w = operand(weights)
    nd = get_aval(a).ndim
    dt = np.result_type(dtype_of(a), dtype_of(w), np.float64 if dtype_of(a).kind in "iub"
                        else dtype_of(a))
    if shape_of(a) != shape_of(w):
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        axes = normalize_axes("average", axis, nd)
        if get_aval(w).ndim != len(axes) or tuple(shape_of(a)[i] for i in axes) != shape_of(w):
            raise ValueError("Shape of weights must be consistent with shape of a along "
                             "specified axis.")
        w = lax.broadcast_in_dim(w, shape_of(a), tuple(sorted(axes)) if len(axes) == 1 else
                                 axes)
    a, w = cast(a, dt), cast(w, dt)
    scl = _sum(w, axis=axis, keepdims=keepdims)
    if not isinstance(scl, Tracer) or is_concrete(scl):
        if np.any(host_value(scl) == 0.0):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    avg = lax.div(_sum(lax.mul(a, w), axis=axis, keepdims=keepdims), scl)
    return (avg, broadcast_to(scl, shape_of(avg))) if returned else avg


# ---- correlating --------------------------------------------------------------------------------

def cov(m: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, bias: bool = False,
        ddof: int | None = None, fweights: None = None, aweights: None = None, *,
        dtype: DTypeLike = None) -> Array:
    """numpy.cov (without frequency or analytic weights): the covariance matrix of the variables
    in m's rows (rowvar=True) or columns. Differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.cov(fnp.array([[0., 1., 2.], [2., 1., 0.]]))
    Array([[ 1., -1.],
           [-1.,  1.]], dtype=float64)
    """
    if fweights is not None or aweights is not None:
        raise NotImplementedError("cov: fweights= and aweights= are not supported")
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    m = operand(m)
    if get_aval(m).ndim > 2:
        raise ValueError("m has more than 2 dimensions")
    dt = np.dtype(dtype) if dtype is not None else np.result_type(dtype_of(m), np.float64)
    X = cast(atleast_2d(m), dt)
    if not rowvar and shape_of(X)[0] != 1:
        X = lax.transpose(X, (1, 0))
    if y is not None:
        y = operand(y)
        if get_aval(y).ndim > 2:
            raise ValueError("y has more than 2 dimensions")
        Y = cast(atleast_2d(y), dt)
        if not rowvar and shape_of(Y)[0] != 1:
            Y = lax.transpose(Y, (1, 0))
        X = concatenate([X, Y], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = shape_of(X)[1]
    fact = n - ddof
    if fact <= 0:
        raise ValueError(f"cov: {n} observation(s) with ddof={ddof} leave no degrees of "
                         "freedom")
    X = lax.sub(X, _mean(X, axis=1, keepdims=True))
    Xc = lax.conj(X) if dt.kind == "c" else X
    c = lax.mul(dot(X, lax.transpose(Xc, (1, 0))), float(np.true_divide(1, fact)))
    return squeeze(c)


def corrcoef(x: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, *,
             dtype: DTypeLike = None) -> Array:
    """numpy.corrcoef: Pearson correlation coefficients, clipped to [-1, 1]. Differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.corrcoef(fnp.array([[0., 1., 2.], [0., 2., 4.]]))
    Array([[1., 1.],
           [1., 1.]], dtype=float64)
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if get_aval(c).ndim == 0:
        return lax.div(c, c)
    d = lax.index(c, (np.arange(shape_of(c)[0]), np.arange(shape_of(c)[0])))
    sd = lax.sqrt(lax.real(d) if dtype_of(d).kind == "c" else d)
    c = lax.div(c, lax.expand_dims(sd, (1,)))
    c = lax.div(c, lax.expand_dims(sd, (0,)))
    if dtype_of(c).kind == "c":
        return c
    return lax.maximum(lax.minimum(c, 1.0), -1.0)
