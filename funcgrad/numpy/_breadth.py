"""The rest of numpy's everyday API, composed from existing primitives: creation helpers, logic and
floating-point helpers, more math (fmod, modf, cbrt, interp, convolve, ...), statistics
(average, quantiles, cov, the nan-aware reductions), sorting and searching, and numpy's dtype
helpers. Functions whose result's size depends on the values (unique, argwhere, ...) need concrete
inputs; the others work under every transform."""
from __future__ import annotations

import builtins
import math

import numpy as np
from numpy import (  # noqa: F401
    can_cast,
    issubdtype,
    promote_types,  # noqa: F401
)
from numpy import finfo as _np_finfo
from numpy import iinfo as _np_iinfo

from .. import lax
from .._core.array import Array
from .._core.avals import dtype_key, ufunc_result_dtype
from .._core.errors import ShapeError
from .._core.trace import Tracer, get_aval, host_value, is_concrete
from ..lax._checks import normalize_axes, normalize_axis
from ._core import asarray, dtype_of, operand, shape_of
from ._manipulation import broadcast_to, concatenate, moveaxis, ravel, reshape, squeeze
from ._matrix import sort, take_along_axis
from ._reductions import all as _all
from ._reductions import any as _any
from ._reductions import argmax as _argmax
from ._reductions import argmin as _argmin
from ._reductions import max as _max
from ._reductions import mean as _mean
from ._reductions import min as _min
from ._reductions import prod as _prod
from ._reductions import sum as _sum
from ._ufuncs import isnan

_pymax, _pymin, _pyabs = builtins.max, builtins.min, builtins.abs


def _ufunc_dtype(ufunc, *xs):
    return ufunc_result_dtype(ufunc, tuple(dtype_key(get_aval(x)) for x in xs))


def _cast(x, dtype):
    return x if dtype_of(x) == dtype else lax.convert_element_type(x, dtype)


def _static(x, who):
    """A concrete numpy value, or a clear error naming `who` when x is traced abstractly."""
    if isinstance(x, (Array, Tracer)):
        return host_value(x)
    return x


def _float_dtype(dt):
    return dt if dt.kind in "fc" else np.dtype(np.float64)


# ---- creation ------------------------------------------------------------------------------------

def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """numpy.logspace: `num` points from base**start to base**stop.

    >>> import funcgrad.numpy as fnp
    >>> fnp.logspace(0, 2, 3)
    Array([  1.,  10., 100.], dtype=float64)
    """
    return Array(np.logspace(_static(start, "logspace"), _static(stop, "logspace"), int(num),
                             endpoint=endpoint, base=_static(base, "logspace"), dtype=dtype,
                             axis=axis))


def indices(dimensions, dtype=int, sparse=False):
    """numpy.indices: the index grids of an array of shape `dimensions`.

    >>> import funcgrad.numpy as fnp
    >>> fnp.indices((2, 2))[0]
    Array([[0, 0],
           [1, 1]], dtype=int64)
    """
    out = np.indices(tuple(int(d) for d in dimensions), dtype=dtype, sparse=sparse)
    return tuple(Array(o) for o in out) if sparse else Array(out)


def broadcast_arrays(*args):
    """numpy.broadcast_arrays: the arguments broadcast against each other (differentiable).

    >>> import funcgrad.numpy as fnp
    >>> tuple(x.shape for x in fnp.broadcast_arrays(fnp.ones(3), fnp.ones((2, 1))))
    ((2, 3), (2, 3))
    """
    args = [operand(a) for a in args]
    try:
        shape = np.broadcast_shapes(*(shape_of(a) for a in args))
    except ValueError:
        raise ShapeError("broadcast_arrays: shapes " + ", ".join(
            str(shape_of(a)) for a in args) + " do not broadcast together") from None
    return tuple(broadcast_to(a, shape) for a in args)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """numpy.meshgrid: coordinate grids from 1-D coordinate vectors (differentiable).

    >>> import funcgrad.numpy as fnp
    >>> X, Y = fnp.meshgrid(fnp.arange(3), fnp.arange(2))
    >>> X
    Array([[0, 1, 2],
           [0, 1, 2]], dtype=int64)
    """
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    xs = [ravel(operand(x)) for x in xi]
    nd = len(xs)
    out = []
    for i, x in enumerate(xs):
        shape = [1] * nd
        shape[i] = -1
        if indexing == "xy" and nd > 1 and i < 2:
            shape[i], shape[1 - i] = 1, 1
            shape[1 - i] = -1
        out.append(reshape(x, tuple(shape)))
    if not sparse:
        out = list(broadcast_arrays(*out))
    return tuple(out)


def take(a, indices, axis=None, mode=None):
    """numpy.take: elements of `a` at `indices` along `axis` (None: of the flattened array);
    differentiable in `a`. mode: 'raise' (default; checked when the indices are concrete),
    'wrap' or 'clip'.

    >>> import funcgrad.numpy as fnp
    >>> fnp.take(fnp.array([[1., 2.], [3., 4.]]), [1, 0], axis=1)
    Array([[2., 1.],
           [4., 3.]], dtype=float64)
    """
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    nd = get_aval(a).ndim
    ax = normalize_axis("take", axis, nd)
    n = get_aval(a).shape[ax]
    idx = operand(indices)
    if dtype_of(idx).kind not in "iu":
        raise TypeError(f"take: indices must be integers, got {dtype_of(idx)}")
    mode = mode or "raise"
    if mode == "wrap":
        idx = lax.rem(idx, n)
    elif mode == "clip":
        idx = lax.maximum(lax.minimum(idx, n - 1), 0)
    elif mode == "raise":
        if not isinstance(idx, Tracer) or is_concrete(idx):
            v = host_value(idx)
            if v.size and (v.max() >= n or v.min() < -n):
                raise IndexError(f"take: index {int(v.max() if v.max() >= n else v.min())} is "
                                 f"out of bounds for axis {ax} with size {n}")
    else:
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    return lax.index(a, (slice(None),) * ax + (idx,))


# ---- logic and floating-point helpers ------------------------------------------------------------

def signbit(x):
    """numpy.signbit: whether the sign bit is set (True for -0.0 and negative NaNs).

    >>> import funcgrad.numpy as fnp
    >>> fnp.signbit(fnp.array([-0.0, 0.0, -2.0]))
    Array([ True, False,  True], dtype=bool)
    """
    return lax.signbit(operand(x))


def copysign(x1, x2):
    """numpy.copysign: |x1| with the sign of x2; differentiable in x1.

    >>> import funcgrad.numpy as fnp
    >>> fnp.copysign(2.0, fnp.array([-1.0, 0.0]))
    Array([-2.,  2.], dtype=float64)
    """
    x1, x2 = operand(x1), operand(x2)
    dt = _ufunc_dtype(np.copysign, x1, x2)
    x1, x2 = _cast(x1, dt), _cast(x2, dt)
    m = lax.abs(x1)
    return lax.select(lax.signbit(x2), lax.neg(m), m)


def heaviside(x1, x2):
    """numpy.heaviside: 0 for x1 < 0, x2 at x1 == 0, 1 for x1 > 0 (NaN stays NaN).

    >>> import funcgrad.numpy as fnp
    >>> fnp.heaviside(fnp.array([-1.0, 0.0, 2.0]), 0.5)
    Array([0. , 0.5, 1. ], dtype=float64)
    """
    x1, x2 = operand(x1), operand(x2)
    dt = _ufunc_dtype(np.heaviside, x1, x2)
    x1, x2 = _cast(x1, dt), _cast(x2, dt)
    x2 = broadcast_to(x2, np.broadcast_shapes(shape_of(x1), shape_of(x2)))
    out = lax.select(lax.lt(x1, 0), 0.0, lax.select(lax.gt(x1, 0), 1.0, x2))
    return lax.select(isnan(x1), x1, out) if dt.kind in "fc" else out


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """numpy.isclose: |a - b| <= atol + rtol * |b| elementwise; infinities are close only to
    themselves.

    >>> import funcgrad.numpy as fnp
    >>> fnp.isclose(fnp.array([1.0, 1.1]), 1.0)
    Array([ True, False], dtype=bool)
    """
    x, y = operand(a), operand(b)
    dt = np.result_type(_float_dtype(dtype_of(x)), _float_dtype(dtype_of(y)))
    x, y = _cast(x, dt), _cast(y, dt)
    finite = lax.bitwise_and(lax.is_finite(x), lax.is_finite(y))
    xs, ys = lax.select(finite, x, 0.0), lax.select(finite, y, 0.0)
    close = lax.le(lax.abs(lax.sub(xs, ys)), lax.add(atol, lax.mul(rtol, lax.abs(ys))))
    out = lax.bitwise_or(lax.bitwise_and(close, finite), lax.eq(x, y))
    if equal_nan:
        out = lax.bitwise_or(out, lax.bitwise_and(isnan(x), isnan(y)))
    return out


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """numpy.allclose: whether isclose holds everywhere (a boolean scalar array).

    >>> import funcgrad.numpy as fnp
    >>> bool(fnp.allclose(fnp.array([1.0, 2.0]), [1.0, 2.0 + 1e-9]))
    True
    """
    return _all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1, a2, equal_nan=False):
    """numpy.array_equal: same shape and the same elements.

    >>> import funcgrad.numpy as fnp
    >>> bool(fnp.array_equal(fnp.array([1, 2]), [1, 2]))
    True
    """
    a1, a2 = operand(a1), operand(a2)
    if shape_of(a1) != shape_of(a2):
        return asarray(False)
    eq = lax.eq(a1, a2)
    if equal_nan and (dtype_of(a1).kind in "fc" or dtype_of(a2).kind in "fc"):
        eq = lax.bitwise_or(eq, lax.bitwise_and(isnan(a1), isnan(a2)))
    return _all(eq)


def array_equiv(a1, a2):
    """numpy.array_equiv: shapes broadcast together and the elements are equal.

    >>> import funcgrad.numpy as fnp
    >>> bool(fnp.array_equiv(fnp.array([1, 2]), [[1, 2], [1, 2]]))
    True
    """
    a1, a2 = operand(a1), operand(a2)
    try:
        np.broadcast_shapes(shape_of(a1), shape_of(a2))
    except ValueError:
        return asarray(False)
    return _all(lax.eq(a1, a2))


def iscomplexobj(x):
    return dtype_of(x).kind == "c"


def isrealobj(x):
    return not iscomplexobj(x)


def isreal(x):
    """numpy.isreal: elementwise, whether the imaginary part is zero.

    >>> import funcgrad.numpy as fnp
    >>> fnp.isreal(fnp.array([1 + 0j, 1 + 1j]))
    Array([ True, False], dtype=bool)
    """
    x = operand(x)
    if dtype_of(x).kind == "c":
        return lax.eq(lax.imag(x), 0)
    return lax.full(shape_of(x), True, np.bool_)


def iscomplex(x):
    """numpy.iscomplex: elementwise, whether the imaginary part is nonzero."""
    x = operand(x)
    if dtype_of(x).kind == "c":
        return lax.ne(lax.imag(x), 0)
    return lax.full(shape_of(x), False, np.bool_)


def count_nonzero(a, axis=None, *, keepdims=False):
    """numpy.count_nonzero, as an int64 array.

    >>> import funcgrad.numpy as fnp
    >>> fnp.count_nonzero(fnp.array([[0, 1], [2, 3]]), axis=0)
    Array([1, 2], dtype=int64)
    """
    return _sum(lax.ne(operand(a), 0), axis=axis, dtype=np.intp, keepdims=keepdims)


# ---- math -----------------------------------------------------------------------------------------

def trunc(x):
    """numpy.trunc: round toward zero (derivative 0).

    >>> import funcgrad.numpy as fnp
    >>> fnp.trunc(fnp.array([-1.5, 1.5]))
    Array([-1.,  1.], dtype=float64)
    """
    x = operand(x)
    dt = _ufunc_dtype(np.trunc, x)
    x = _cast(x, dt)
    if dt.kind in "iub":
        return x
    return lax.select(lax.lt(x, 0), lax.ceil(x), lax.floor(x))


fix = trunc


def fmod(x1, x2):
    """numpy.fmod: C's remainder, with the sign of the dividend (numpy.remainder has the
    divisor's). Its derivative is 1 in x1 and -trunc(x1 / x2) in x2.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fmod(fnp.array([-3.0, 3.0]), 2.0)
    Array([-1.,  1.], dtype=float64)
    """
    x1, x2 = operand(x1), operand(x2)
    dt = _ufunc_dtype(np.fmod, x1, x2)
    x1, x2 = _cast(x1, dt), _cast(x2, dt)
    if dt.kind == "u":
        return lax.rem(x1, x2)
    r = lax.rem(lax.abs(x1), lax.abs(x2))  # >= 0 (or NaN)
    if dt.kind == "f":  # x1's sign bit, -0.0 included
        return lax.select(lax.signbit(x1), lax.neg(r), r)
    return lax.mul(lax.sign(x1), r)


def modf(x):
    """numpy.modf: (fractional part, integral part), both with x's sign.

    >>> import funcgrad.numpy as fnp
    >>> fnp.modf(fnp.array([-1.5, 2.25]))
    (Array([-0.5 ,  0.25], dtype=float64), Array([-1.,  2.], dtype=float64))
    """
    x = operand(x)
    x = _cast(x, _ufunc_dtype(np.modf, x))
    whole = trunc(x)
    finite = lax.select(lax.bitwise_and(lax.bitwise_not(lax.is_finite(x)), lax.eq(x, x)), 0.0, x)
    frac = lax.sub(finite, trunc(finite))
    return copysign(frac, x), whole


def divmod(x1, x2):
    """numpy.divmod: (floor_divide(x1, x2), remainder(x1, x2))."""
    x1, x2 = operand(x1), operand(x2)
    return lax.floor_divide(x1, x2), lax.rem(x1, x2)


def cbrt(x):
    """numpy.cbrt: the real cube root (negative for negative x).

    >>> import funcgrad.numpy as fnp
    >>> fnp.cbrt(fnp.array([-8.0, 27.0]))
    Array([-2.,  3.], dtype=float64)
    """
    x = operand(x)
    x = _cast(x, _ufunc_dtype(np.cbrt, x))
    r = lax.pow(lax.abs(x), 1.0 / 3.0)
    # one Newton step polishes pow's rounding: r - (r - |x| / r^2) / 3 (skipped at 0 and inf)
    ok = lax.bitwise_and(lax.is_finite(r), lax.gt(r, 0))
    rs = lax.select(ok, r, 1.0)
    ax = lax.select(ok, lax.abs(x), 1.0)
    polished = lax.sub(rs, lax.div(lax.sub(rs, lax.div(ax, lax.mul(rs, rs))), 3.0))
    r = lax.select(ok, polished, r)
    return copysign(r, x)


def float_power(x1, x2):
    """numpy.float_power: x1 ** x2 computed in float64 (or complex128).

    >>> import funcgrad.numpy as fnp
    >>> fnp.float_power(fnp.array([2, 3]), 2)
    Array([4., 9.], dtype=float64)
    """
    x1, x2 = operand(x1), operand(x2)
    dt = _ufunc_dtype(np.float_power, x1, x2)
    return lax.pow(_cast(x1, dt), _cast(x2, dt))


def ptp(a, axis=None, keepdims=False):
    """numpy.ptp: max - min along `axis`.

    >>> import funcgrad.numpy as fnp
    >>> fnp.ptp(fnp.array([[1., 5.], [2., 3.]]), axis=1)
    Array([4., 1.], dtype=float64)
    """
    return lax.sub(_max(a, axis=axis, keepdims=keepdims), _min(a, axis=axis, keepdims=keepdims))


def polyval(p, x):
    """numpy.polyval: the polynomial with coefficients `p` (highest power first) at x, by
    Horner's rule.

    >>> import funcgrad.numpy as fnp
    >>> fnp.polyval(fnp.array([1., 0., -1.]), fnp.array([2., 3.]))
    Array([3., 8.], dtype=float64)
    """
    p, x = operand(p), operand(x)
    y = lax.full(shape_of(x), 0, dtype_of(x))
    for i in range(shape_of(p)[0] if shape_of(p) else 0):
        y = lax.add(lax.mul(y, x), lax.index(p, (i,)))
    return y


def polyadd(a1, a2):
    """numpy.polyadd for coefficient arrays (highest power first).

    >>> import funcgrad.numpy as fnp
    >>> fnp.polyadd(fnp.array([1., 2.]), fnp.array([1., 1., 1.]))
    Array([1., 2., 3.], dtype=float64)
    """
    a1, a2 = ravel(operand(a1)), ravel(operand(a2))
    n1, n2 = shape_of(a1)[0], shape_of(a2)[0]
    if n1 < n2:
        a1 = concatenate([lax.full((n2 - n1,), 0, dtype_of(a1)), a1])
    elif n2 < n1:
        a2 = concatenate([lax.full((n1 - n2,), 0, dtype_of(a2)), a2])
    return lax.add(a1, a2)


def polymul(a1, a2):
    """numpy.polymul: the product polynomial (a full convolution of the coefficients)."""
    return convolve(ravel(operand(a1)), ravel(operand(a2)))


def _conv_full(a, v):
    """The full 1-D convolution sum_i a[i] v[k - i], as a masked gather and a sum (differentiable
    in both)."""
    n, m = shape_of(a)[0], shape_of(v)[0]
    k = np.arange(n + m - 1)[:, None]
    j = k - np.arange(n)[None, :]
    valid = (j >= 0) & (j < m)
    vk = lax.index(v, (np.clip(j, 0, m - 1),))
    dt = np.result_type(dtype_of(a), dtype_of(v))
    prod = lax.mul(_cast(lax.broadcast_in_dim(a, (n + m - 1, n), (1,)), dt), _cast(vk, dt))
    return _sum(lax.select(valid, prod, lax.full((), 0, dt)), axis=1)


def _conv_mode(full, n, m, mode, who):
    if mode == "full":
        return full
    if mode == "same":
        start, length = (_pymin(n, m) - 1) // 2, _pymax(n, m)
    elif mode == "valid":
        start, length = _pymin(n, m) - 1, _pymax(n, m) - _pymin(n, m) + 1
    else:
        raise ValueError(f"{who}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    return lax.slice(full, (start,), (start + length,))


def _vectors(a, v, who):
    a, v = operand(a), operand(v)
    if get_aval(a).ndim != 1 or get_aval(v).ndim != 1:
        raise ShapeError(f"{who} needs 1-D arrays, got shapes {shape_of(a)} and {shape_of(v)}")
    if not shape_of(a)[0]:
        raise ValueError("a cannot be empty")
    if not shape_of(v)[0]:
        raise ValueError("v cannot be empty")
    return a, v


def convolve(a, v, mode="full"):
    """numpy.convolve of two 1-D arrays; mode 'full', 'same' or 'valid'. Differentiable in both.

    >>> import funcgrad.numpy as fnp
    >>> fnp.convolve(fnp.array([1., 2., 3.]), fnp.array([0., 1., 0.5]))
    Array([0. , 1. , 2.5, 4. , 1.5], dtype=float64)
    """
    a, v = _vectors(a, v, "convolve")
    n, m = shape_of(a)[0], shape_of(v)[0]
    return _conv_mode(_conv_full(a, v), n, m, mode, "convolve")


def correlate(a, v, mode="valid"):
    """numpy.correlate of two 1-D arrays: c[k] = sum_n a[n + k] conj(v[n]); mode 'valid'
    (default), 'same' or 'full'.

    >>> import funcgrad.numpy as fnp
    >>> fnp.correlate(fnp.array([1., 2., 3.]), fnp.array([0., 1., 0.5]))
    Array([3.5], dtype=float64)
    """
    a, v = _vectors(a, v, "correlate")
    n, m = shape_of(a)[0], shape_of(v)[0]
    if dtype_of(v).kind == "c":
        v = lax.conj(v)
    full = _conv_full(a, lax.rev(v, (0,)))
    if mode == "same" and n < m:  # numpy's window sits one further right here
        return lax.slice(full, (n // 2,), (n // 2 + m,))
    return _conv_mode(full, n, m, mode, "correlate")


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """numpy.trapezoid: the integral of y (samples at x, or spaced dx) by the trapezoidal rule.

    >>> import funcgrad.numpy as fnp
    >>> fnp.trapezoid(fnp.array([1., 2., 3.]), dx=0.5)
    Array(2., dtype=float64)
    """
    y = operand(y)
    nd = get_aval(y).ndim
    ax = normalize_axis("trapezoid", axis, nd)
    n = shape_of(y)[ax]
    if x is None:
        d = dx if not isinstance(dx, (list, tuple, np.ndarray)) else operand(dx)
    else:
        x = operand(x)
        from ._matrix import diff
        if get_aval(x).ndim == 1:
            d = diff(x)
            d = reshape(d, tuple(-1 if i == ax else 1 for i in range(nd)))
        else:
            d = diff(x, axis=ax)

    def sl(lo, hi):
        return tuple(slice(lo, hi) if i == ax else slice(None) for i in range(nd))
    mid = lax.div(lax.add(lax.index(y, sl(1, None)), lax.index(y, sl(0, _pymax(n - 1, 0)))), 2.0)
    return _sum(lax.mul(d, mid) if isinstance(d, (Array, Tracer)) else lax.mul(mid, d), axis=ax)


def interp(x, xp, fp, left=None, right=None, period=None):
    """numpy.interp: 1-D piecewise-linear interpolation of (xp, fp) at x; differentiable in x, xp
    and fp. `xp` must be increasing (not checked, as numpy).

    >>> import funcgrad.numpy as fnp
    >>> fnp.interp(fnp.array([0.5, 3.0]), fnp.array([0., 1., 2.]), fnp.array([0., 10., 0.]))
    Array([5., 0.], dtype=float64)
    """
    if period is not None:
        raise NotImplementedError("interp: period= is not supported; reduce x and xp modulo "
                                  "the period and sort them first")
    x, xp, fp = operand(x), operand(xp), operand(fp)
    if get_aval(xp).ndim != 1 or get_aval(fp).ndim != 1:
        raise ValueError("interp: xp and fp must be 1-D sequences")
    n = shape_of(xp)[0]
    if shape_of(fp)[0] != n:
        raise ValueError("fp and xp are not of the same length.")
    if n == 0:
        raise ValueError("array of sample points is empty")
    dt = np.result_type(np.float64, dtype_of(x), dtype_of(xp), dtype_of(fp))
    if dt.kind == "c":
        raise NotImplementedError("interp: complex values are not supported")
    x, xp, fp = _cast(x, dt), _cast(xp, dt), _cast(fp, dt)
    j = lax.sub(searchsorted(xp, x, side="right"), 1)
    jl = lax.maximum(lax.minimum(j, _pymax(n - 2, 0)), 0)
    jh = lax.minimum(lax.add(jl, 1), n - 1)
    x0, x1 = lax.index(xp, (jl,)), lax.index(xp, (jh,))
    f0, f1 = lax.index(fp, (jl,)), lax.index(fp, (jh,))
    dx = lax.sub(x1, x0)
    flat = lax.eq(dx, 0)
    slope = lax.div(lax.sub(f1, f0), lax.select(flat, 1.0, dx))
    y = lax.add(lax.mul(slope, lax.sub(x, x0)), f0)
    y = lax.select(flat, f0, y)
    first, last = lax.index(fp, (0,)), lax.index(fp, (n - 1,))
    lo = first if left is None else _cast(operand(left), dt)
    hi = last if right is None else _cast(operand(right), dt)
    shape = shape_of(y)
    y = lax.select(lax.eq(x, lax.index(xp, (n - 1,))), broadcast_to(last, shape), y)
    y = lax.select(lax.gt(x, lax.index(xp, (n - 1,))), broadcast_to(hi, shape), y)
    y = lax.select(lax.lt(x, lax.index(xp, (0,))), broadcast_to(lo, shape), y)
    return y if n == 1 else lax.select(isnan(x), x, y)  # numpy: one sample point gives fp[0]


# ---- sorting and searching ------------------------------------------------------------------------

def _nan_less(x, y):
    """x < y in numpy's sort order (NaN after every number)."""
    if dtype_of(x).kind not in "fc" and dtype_of(y).kind not in "fc":
        return lax.lt(x, y)
    return lax.bitwise_or(lax.lt(x, y), lax.bitwise_and(isnan(y), lax.bitwise_not(isnan(x))))


def searchsorted(a, v, side="left", sorter=None):
    """numpy.searchsorted: where v's elements would go in the sorted 1-D `a` (NaN sorts last).
    Works on traced values (it counts comparisons: O(len(a) * v.size)).

    >>> import funcgrad.numpy as fnp
    >>> fnp.searchsorted(fnp.array([1., 2., 3.]), fnp.array([2., 2.5]), side="right")
    Array([2, 2], dtype=int64)
    """
    a, v = operand(a), operand(v)
    if get_aval(a).ndim != 1:
        raise ValueError(f"searchsorted: `a` must be 1-D, got shape {shape_of(a)}")
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    if sorter is not None:
        a = lax.index(a, (operand(sorter),))
    vnd = get_aval(v).ndim
    ae = reshape(a, (1,) * vnd + shape_of(a))
    ve = lax.expand_dims(v, (vnd,))
    below = _nan_less(ae, ve) if side == "left" else lax.bitwise_not(_nan_less(ve, ae))
    return _sum(below, axis=-1, dtype=np.intp)


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True):
    """numpy.unique, for concrete values (the result's size depends on them). The unique values
    are gathered from `ar`, so gradients flow to the first occurrence of each.

    >>> import funcgrad.numpy as fnp
    >>> fnp.unique(fnp.array([3, 1, 3, 2]))
    Array([1, 2, 3], dtype=int64)
    """
    ar = operand(ar)
    v = host_value(ar)
    res = np.unique(v, return_index=True, return_inverse=return_inverse,
                    return_counts=return_counts, axis=axis, equal_nan=equal_nan)
    idx = res[1]
    values = take(ar, Array(idx), axis=axis)
    out = [values]
    if return_index:
        out.append(Array(idx))
    out.extend(Array(r) for r in res[2:])
    return out[0] if len(out) == 1 else tuple(out)


def argwhere(a):
    """numpy.argwhere, for concrete values.

    >>> import funcgrad.numpy as fnp
    >>> fnp.argwhere(fnp.array([[0, 1], [1, 0]]))
    Array([[0, 1],
           [1, 0]], dtype=int64)
    """
    return Array(np.argwhere(host_value(operand(a))))


def flatnonzero(a):
    """numpy.flatnonzero, for concrete values.

    >>> import funcgrad.numpy as fnp
    >>> fnp.flatnonzero(fnp.array([0, 3, 0, 4]))
    Array([1, 3], dtype=int64)
    """
    return Array(np.flatnonzero(host_value(operand(a))))


# ---- statistics -----------------------------------------------------------------------------------

def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
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
    a, w = _cast(a, dt), _cast(w, dt)
    scl = _sum(w, axis=axis, keepdims=keepdims)
    if not isinstance(scl, Tracer) or is_concrete(scl):
        if np.any(host_value(scl) == 0.0):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    avg = lax.div(_sum(lax.mul(a, w), axis=axis, keepdims=keepdims), scl)
    return (avg, broadcast_to(scl, shape_of(avg))) if returned else avg


def _flatten_axes(a, axis, who):
    """a with the `axis` axes moved last and merged into one, the axes, and the kept shape."""
    nd = get_aval(a).ndim
    axes = normalize_axes(who, axis, nd)
    keep = [i for i in range(nd) if i not in axes]
    a = lax.transpose(a, tuple(keep) + axes) if nd else a
    kshape = tuple(shape_of(a)[:len(keep)])
    return reshape(a, kshape + (-1,)), axes, kshape


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None):
    """numpy.quantile with the default 'linear' method; differentiable in `a` (through sort).
    q (concrete) may be a scalar or an array: its shape leads the result's.

    >>> import funcgrad.numpy as fnp
    >>> fnp.quantile(fnp.array([[1., 2., 4.], [0., 3., 3.]]), 0.25, axis=1)
    Array([1.5, 1.5], dtype=float64)
    """
    return _quantile(a, q, axis, method, keepdims, weights, out, "quantile", 1.0)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None):
    """numpy.percentile: quantile with q in [0, 100].

    >>> import funcgrad.numpy as fnp
    >>> fnp.percentile(fnp.array([1., 2., 3., 4.]), 50)
    Array(2.5, dtype=float64)
    """
    return _quantile(a, q, axis, method, keepdims, weights, out, "percentile", 100.0)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """numpy.median (NaN if a slice holds a NaN); differentiable in `a`.

    >>> import funcgrad.numpy as fnp
    >>> fnp.median(fnp.array([3., 1., 2., 10.]))
    Array(2.5, dtype=float64)
    """
    return _quantile(a, 0.5, axis, "linear", keepdims, None, out, "median", 1.0)


def _quantile(a, q, axis, method, keepdims, weights, out, who, scale, skipnan=False):
    if method != "linear":
        raise NotImplementedError(f"{who}: only method='linear' is supported, got {method!r}")
    if weights is not None or out is not None:
        raise NotImplementedError(f"{who}: weights= and out= are not supported")
    a = operand(a)
    weak = type(q) in (int, float)
    qv = np.asarray(_static(q, who))
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
    dt = np.result_type(_float_dtype(adt), qv.dtype.type(0) if weak else qv.dtype)
    if weak:
        dt = _float_dtype(adt)
    x = _cast(x, dt)
    s = sort(x, axis=-1)  # NaNs last
    k = len(kshape)
    if skipnan and dt.kind == "f":
        # per-slice interpolation points: (count of numbers - 1) * q, gathered along the last axis
        cnt = _nan_count(x, -1, True)  # kshape + (1,)
        top = lax.maximum(lax.sub(cnt, 1), 0)
        vi = lax.mul(lax.convert_element_type(lax.sub(cnt, 1), np.float64), asarray(qv.ravel()))
        fl = lax.floor(vi)
        prev = lax.minimum(lax.maximum(lax.convert_element_type(fl, np.intp), 0), top)
        nxt = lax.minimum(lax.add(prev, 1), top)
        g = _cast(lax.sub(vi, fl), dt)

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


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None):
    """numpy.nanquantile: quantile ignoring NaNs (NaN for an all-NaN slice); differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.nanquantile(fnp.array([4., fnp.nan, 1., 2.]), 0.5)
    Array(2., dtype=float64)
    """
    return _quantile(a, q, axis, method, keepdims, weights, out, "nanquantile", 1.0, True)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None):
    """numpy.nanpercentile: percentile ignoring NaNs."""
    return _quantile(a, q, axis, method, keepdims, weights, out, "nanpercentile", 100.0, True)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """numpy.nanmedian: median ignoring NaNs.

    >>> import funcgrad.numpy as fnp
    >>> fnp.nanmedian(fnp.array([[1., fnp.nan], [2., 4.]]), axis=1)
    Array([1., 3.], dtype=float64)
    """
    return _quantile(a, 0.5, axis, "linear", keepdims, None, out, "nanmedian", 1.0, True)


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
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
    dt = dtype or np.result_type(dtype_of(m), np.float64)
    X = _cast(_atleast_2d(m), dt)
    if not rowvar and shape_of(X)[0] != 1:
        X = lax.transpose(X, (1, 0))
    if y is not None:
        y = operand(y)
        if get_aval(y).ndim > 2:
            raise ValueError("y has more than 2 dimensions")
        Y = _cast(_atleast_2d(y), dt)
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
    from ._products import dot
    Xc = lax.conj(X) if dt.kind == "c" else X
    c = lax.mul(dot(X, lax.transpose(Xc, (1, 0))), float(np.true_divide(1, fact)))
    return squeeze(c)


def _atleast_2d(x):
    nd = get_aval(x).ndim
    return reshape(x, (1,) * (2 - nd) + shape_of(x)) if nd < 2 else x


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
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


def _nan_fill(a, fill):
    a = operand(a)
    if dtype_of(a).kind not in "fc":
        return a
    return lax.select(isnan(a), np.array(fill, dtype_of(a)), a)


def nansum(a, axis=None, dtype=None, keepdims=False):
    """numpy.nansum: the sum treating NaNs as zero.

    >>> import funcgrad.numpy as fnp
    >>> fnp.nansum(fnp.array([1., fnp.nan, 2.]))
    Array(3., dtype=float64)
    """
    return _sum(_nan_fill(a, 0), axis=axis, dtype=dtype, keepdims=keepdims)


def nanprod(a, axis=None, dtype=None, keepdims=False):
    """numpy.nanprod: the product treating NaNs as one."""
    return _prod(_nan_fill(a, 1), axis=axis, dtype=dtype, keepdims=keepdims)


def _nan_count(a, axis, keepdims):
    return _sum(lax.bitwise_not(isnan(a)), axis=axis, dtype=np.intp, keepdims=keepdims)


def nanmean(a, axis=None, dtype=None, keepdims=False):
    """numpy.nanmean: the mean of the non-NaN elements (NaN for an all-NaN slice).

    >>> import funcgrad.numpy as fnp
    >>> fnp.nanmean(fnp.array([1., fnp.nan, 2.]))
    Array(1.5, dtype=float64)
    """
    a = operand(a)
    if dtype_of(a).kind not in "fc":
        return _mean(a, axis=axis, dtype=dtype, keepdims=keepdims)
    s = nansum(a, axis=axis, dtype=dtype, keepdims=keepdims)
    cnt = _nan_count(a, axis, keepdims)
    return _safe_div(s, cnt)


def _safe_div(s, cnt):
    """s / cnt, NaN where cnt <= 0 (without numpy's 0/0 warning)."""
    ok = lax.gt(cnt, 0)
    q = lax.div(s, _cast(lax.select(ok, cnt, 1), dtype_of(s)))
    return lax.select(ok, q, np.array(np.nan, dtype_of(q)))


def nanvar(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """numpy.nanvar: the variance of the non-NaN elements.

    >>> import funcgrad.numpy as fnp
    >>> fnp.nanvar(fnp.array([1., fnp.nan, 3.]))
    Array(1., dtype=float64)
    """
    from ._reductions import var
    a = operand(a)
    if dtype_of(a).kind not in "fc":
        return var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    if dtype is not None:
        a = _cast(a, np.dtype(dtype))
    m = nanmean(a, axis=axis, keepdims=True)
    d = lax.sub(_nan_fill(a, 0), m)
    d = lax.select(isnan(a), np.array(0, dtype_of(d)), d)
    sq = lax.mul(d, lax.conj(d)) if dtype_of(d).kind == "c" else lax.mul(d, d)
    if dtype_of(sq).kind == "c":
        sq = lax.real(sq)
    ss = _sum(sq, axis=axis, keepdims=keepdims)
    cnt = lax.sub(_nan_count(a, axis, keepdims), ddof)
    return _safe_div(ss, cnt)


def nanstd(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """numpy.nanstd: the standard deviation of the non-NaN elements."""
    return lax.sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def _nan_extremum(name, reduce, fill):
    def f(a, axis=None, keepdims=False):
        a = operand(a)
        if dtype_of(a).kind not in "fc":
            return reduce(a, axis=axis, keepdims=keepdims)
        out = reduce(_nan_fill(a, fill), axis=axis, keepdims=keepdims)
        all_nan = _all(isnan(a), axis=axis, keepdims=keepdims)
        return lax.select(all_nan, np.array(np.nan, dtype_of(a)), out)
    f.__name__ = name
    f.__doc__ = (f"numpy.{name}: the {name[3:]} ignoring NaNs (NaN for an all-NaN slice).\n\n"
                 f"    >>> import funcgrad.numpy as fnp\n"
                 f"    >>> fnp.{name}(fnp.array([1., fnp.nan, 2.]))\n"
                 f"    Array({2 if 'max' in name else 1}., dtype=float64)\n")
    return f


nanmax = _nan_extremum("nanmax", _max, -np.inf)
nanmin = _nan_extremum("nanmin", _min, np.inf)


def _nan_arg(name, arg, fill):
    def f(a, axis=None, keepdims=False):
        a = operand(a)
        if dtype_of(a).kind not in "fc":
            return arg(a, axis=axis, keepdims=keepdims)
        nans = isnan(a)
        if not isinstance(a, Tracer) or is_concrete(a):
            all_nan = host_value(_all(nans, axis=axis))
            if all_nan.size and np.any(all_nan):
                raise ValueError("All-NaN slice encountered")
        return arg(_nan_fill(a, fill), axis=axis, keepdims=keepdims)
    f.__name__ = name
    f.__doc__ = f"numpy.{name}: the index of the first {name[6:]}imum, ignoring NaNs."
    return f


nanargmax = _nan_arg("nanargmax", _argmax, -np.inf)
nanargmin = _nan_arg("nanargmin", _argmin, np.inf)


# ---- dtype helpers --------------------------------------------------------------------------------

def _dtype_arg(x):
    if isinstance(x, (Array, Tracer)):
        return get_aval(x).dtype
    return x


def result_type(*arrays_and_dtypes):
    """numpy.result_type, accepting funcgrad arrays (Python scalars stay weak, as in numpy).

    >>> import funcgrad.numpy as fnp
    >>> fnp.result_type(fnp.ones(2, fnp.float32), 2.0)
    dtype('float32')
    """
    return np.result_type(*(_dtype_arg(x) for x in arrays_and_dtypes))


def finfo(dtype):
    """numpy.finfo, accepting funcgrad arrays."""
    return _np_finfo(_dtype_arg(dtype))


def iinfo(int_type):
    """numpy.iinfo, accepting funcgrad arrays."""
    return _np_iinfo(_dtype_arg(int_type))

