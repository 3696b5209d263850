"""Reductions with numpy's axis/keepdims/dtype semantics over the reduce primitives, the
NaN-ignoring ones (nansum, nanmean, nanargmax, ...) too."""
from __future__ import annotations

import math
import operator
from typing import Callable, Protocol

import numpy as np

from .. import lax
from .._core.array import Array
from .._core.trace import Tracer, get_aval, host_value, is_concrete
from .._core.typing import ArrayLike, Axis, DTypeLike
from ..lax._checks import normalize_axes, normalize_axis
from ..lax.device import on_device_of
from ..lax.reduce import HALF_FLOATS
from ._core import cast, check_no_out, dtype_of, float_dtype, operand
from ._manipulation import broadcast_to
from ._ufuncs import isnan, multiply, subtract


class _Reduction(Protocol):
    """What `_reduction` makes: sum and prod's signature."""

    def __call__(self, a: ArrayLike, axis: Axis = None, dtype: DTypeLike = None,
                 out: None = None, keepdims: bool = False, initial: ArrayLike | None = None,
                 where: ArrayLike | None = None) -> Array: ...


class _AxisReduction(Protocol):
    """What the other factories here make: max, argmax, any, nanmax... take no dtype."""

    def __call__(self, a: ArrayLike, axis: Axis = None, out: None = None,
                 keepdims: bool = False) -> Array: ...


def _flag(keepdims):
    """keepdims as numpy reads it (an integer's truth: a list or None is a TypeError, not a
    silently true or false flag)."""
    if isinstance(keepdims, np.bool_):
        return bool(keepdims)
    try:
        return bool(operator.index(keepdims))
    except TypeError:
        raise TypeError(f"keepdims must be a bool, got {type(keepdims).__name__}: "
                        f"{keepdims!r:.60}") from None


def _accumulation_dtype(dtype: np.dtype) -> np.dtype:
    """numpy's default dtype for sum/prod: small integers and bools accumulate in the platform
    integer."""
    if dtype.kind == "b" or (dtype.kind == "i" and dtype.itemsize < np.dtype(np.int_).itemsize):
        return np.dtype(np.int_)
    if dtype.kind == "u" and dtype.itemsize < np.dtype(np.uint).itemsize:
        return np.dtype(np.uint)
    return dtype


def _keep(out, shape, axes, keepdims):
    if not _flag(keepdims):
        return out
    return lax.reshape(out, tuple(1 if i in axes else d for i, d in enumerate(shape)))


def _reduction(name: str, prim_fn: Callable[[Array, tuple[int, ...]], Array],
               combine: Callable[[Array, Array], Array], identity: int,
               default_dtype: Callable[[np.dtype], np.dtype]) -> _Reduction:
    def f(a: ArrayLike, axis: Axis = None, dtype: DTypeLike = None, out: None = None,
          keepdims: bool = False, initial: ArrayLike | None = None,
          where: ArrayLike | None = None) -> Array:
        check_no_out(out, name)
        a = operand(a)
        aval = get_aval(a)
        axes = normalize_axes(name, axis, aval.ndim)
        dt = np.dtype(dtype) if dtype is not None else default_dtype(aval.dtype)
        if dt != aval.dtype:
            a = lax.convert_element_type(a, dt)
        if where is not None:  # the elements left out count as the identity (numpy's where=)
            mask = broadcast_to(lax.convert_element_type(operand(where), np.bool_), aval.shape)
            a = lax.select(mask, a, lax.full(aval.shape, identity, dt))
        result = prim_fn(a, axes)
        if initial is not None:
            result = combine(result, lax.convert_element_type(operand(initial), dt))
        return _keep(result, aval.shape, axes, keepdims)
    f.__name__ = name
    f.__doc__ = (f"numpy.{name} over `axis` (None: all axes), differentiable; `where` leaves "
                 "elements out and `initial` starts the reduction, as numpy's.")
    return f


sum = _reduction("sum", lax.reduce_sum, lax.add, 0, _accumulation_dtype)
prod = _reduction("prod", lax.reduce_prod, lax.mul, 1, _accumulation_dtype)


def _extremum(name: str,
              prim_fn: Callable[[Array, tuple[int, ...]], Array]) -> _AxisReduction:
    def f(a: ArrayLike, axis: Axis = None, out: None = None,
          keepdims: bool = False) -> Array:
        check_no_out(out, name)
        a = operand(a)
        aval = get_aval(a)
        axes = normalize_axes(name, axis, aval.ndim)
        return _keep(prim_fn(a, axes), aval.shape, axes, keepdims)
    f.__name__ = name
    f.__doc__ = (f"numpy.{name}; where several elements attain it, the derivative is shared "
                 "evenly among them.")
    return f


max = amax = _extremum("max", lax.reduce_max)
min = amin = _extremum("min", lax.reduce_min)


def _count(shape, axes):
    return math.prod(shape[i] for i in axes)


def _in_float32(stat: Callable[..., Array], a: Array, dtype: DTypeLike,
                **kw: object) -> Array | None:
    """stat(a) computed in float32 and rounded to a's 16-bit float dtype once at the end (numpy's
    mean does so; its var and std would overflow in float16 where JAX's do not); None when a is
    not a 16-bit float or a dtype is given."""
    dt = dtype_of(a)
    if dtype is not None or dt not in HALF_FLOATS:
        return None
    return lax.convert_element_type(stat(a, dtype=np.float32, **kw), dt)


def mean(a: ArrayLike, axis: Axis = None, dtype: DTypeLike = None, out: None = None,
         keepdims: bool = False) -> Array:
    """numpy.mean: integers average in float64, 16-bit floats in float32.

    >>> import funcgrad.numpy as fnp
    >>> fnp.mean(fnp.array([[1., 2.], [3., 4.]]), axis=0)
    Array([2., 3.], dtype=float64)
    >>> fnp.mean(fnp.full(4096, 0.1, dtype=fnp.float16))
    Array(0.1, dtype=float16)
    """
    check_no_out(out, "mean")
    a = operand(a)
    half = _in_float32(mean, a, dtype, axis=axis, keepdims=keepdims)
    if half is not None:
        return half
    aval = get_aval(a)
    axes = normalize_axes("mean", axis, aval.ndim)
    dt = np.dtype(dtype) if dtype is not None else float_dtype(aval.dtype)
    s = sum(a, axis=axes, dtype=dt, keepdims=keepdims)
    m = lax.div(s, float(_count(aval.shape, axes)))
    # an integer dtype asked for: numpy divides, then casts back (truncating), as here
    return lax.convert_element_type(m, dt) if dt.kind in "biu" else m


def var(a: ArrayLike, axis: Axis = None, dtype: DTypeLike = None, out: None = None,
        ddof: int | None = 0, keepdims: bool = False) -> Array:
    """numpy.var with `ddof` (0: population variance; 1: the unbiased sample estimate); 16-bit
    floats are computed in float32 and rounded once (numpy's float16 sum of squares overflows
    here, to inf).

    >>> import funcgrad.numpy as fnp
    >>> fnp.var(fnp.array([200., -200., 200., -200.], dtype=fnp.float16))
    Array(4.e+04, dtype=float16)
    """
    check_no_out(out, "var")
    a = operand(a)
    half = _in_float32(var, a, dtype, axis=axis, ddof=ddof, keepdims=keepdims)
    if half is not None:
        return half
    aval = get_aval(a)
    axes = normalize_axes("var", axis, aval.ndim)
    n = _count(aval.shape, axes)
    # numpy divides by max(n - ddof, 0): ddof >= n gives inf or nan, never a negative variance
    div = float(n - ddof if n > ddof else 0)
    dt = np.dtype(dtype) if dtype is not None else float_dtype(aval.dtype)
    _check_complex_dtype("var", aval.dtype, dtype)
    if dt.kind in "biu":  # numpy's arithmetic in an integer dtype: the mean and the sum of
        # squares each cast to it (truncating), the quotient cast back
        centered = subtract(a, mean(a, axis=axes, dtype=dt, keepdims=True))
        ss = sum(multiply(centered, centered), axis=axes, dtype=dt, keepdims=keepdims)
        return lax.convert_element_type(lax.div(cast(ss, np.float64), div), dt)
    work = dt if aval.dtype.kind == "c" or dt.kind != "c" else np.dtype(dt.char.lower())
    if work != aval.dtype:
        a = lax.convert_element_type(a, work)
    centered = lax.sub(a, mean(a, axis=axes, keepdims=True))
    if work.kind == "c":  # |x - mean|^2: the variance of a complex array is real, as numpy's
        centered = lax.abs(centered)
    ss = sum(lax.mul(centered, centered), axis=axes, keepdims=keepdims)
    out = lax.div(ss, div)
    # a dtype asked for is the result's (a complex one too, as numpy's and JAX's)
    return out if dtype is None or dtype_of(out) == dt else lax.convert_element_type(out, dt)


def _check_complex_dtype(name: str, a_dtype: np.dtype, dtype: DTypeLike) -> None:
    if a_dtype.kind == "c" and dtype is not None and np.dtype(dtype).kind != "c":
        raise ValueError(f"{name}: a real dtype={np.dtype(dtype)} for complex input has no clear "
                         "meaning (numpy drops the imaginary part of the mean only; JAX "
                         "refuses it): pass a complex dtype or none")


def _check_root_dtype(name: str, dtype: DTypeLike) -> None:
    if dtype is not None and np.dtype(dtype).kind in "biu":
        raise TypeError(f"{name}: dtype={np.dtype(dtype)} cannot hold a square root (numpy's "
                        "sqrt refuses the cast); pass an inexact dtype or none")


def std(a: ArrayLike, axis: Axis = None, dtype: DTypeLike = None, out: None = None,
        ddof: int | None = 0, keepdims: bool = False) -> Array:
    """numpy.std, differentiable; 16-bit floats are computed in float32 and rounded once."""
    check_no_out(out, "std")
    _check_root_dtype("std", dtype)
    half = _in_float32(std, operand(a), dtype, axis=axis, ddof=ddof, keepdims=keepdims)
    if half is not None:
        return half
    return lax.sqrt(var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def _arg(name: str, prim_fn: Callable[[Array, int], Array]) -> _AxisReduction:
    def f(a: ArrayLike, axis: Axis = None, out: None = None,
          keepdims: bool = False) -> Array:
        check_no_out(out, name)
        a = operand(a)
        aval = get_aval(a)
        if axis is None:
            out = prim_fn(lax.reshape(a, (aval.size,)), 0)
            return lax.reshape(out, (1,) * aval.ndim) if keepdims else out
        ax = normalize_axis(name, axis, aval.ndim)
        return _keep(prim_fn(a, ax), aval.shape, (ax,), keepdims)
    f.__name__ = name
    f.__doc__ = f"numpy.{name}: the index of the first extremum (along `axis`, or flattened)."
    return f


argmax = _arg("argmax", lax.argmax)
argmin = _arg("argmin", lax.argmin)


def _logical_reduction(name: str, extremum: _AxisReduction, identity: bool) -> _AxisReduction:
    def f(a: ArrayLike, axis: Axis = None, out: None = None,
          keepdims: bool = False) -> Array:
        check_no_out(out, name)
        truth = lax.ne(operand(a), 0)
        aval = get_aval(truth)
        if aval.size:
            return extremum(truth, axis=axis, keepdims=keepdims)
        axes = normalize_axes(name, axis, aval.ndim)  # empty: numpy's identity, as a constant
        shape = tuple(1 if i in axes else d for i, d in enumerate(aval.shape) if keepdims
                      or i not in axes)
        return on_device_of(lax.full(shape, identity, np.bool_), truth)
    f.__name__ = name
    f.__doc__ = f"numpy.{name}: whether {name} element(s) along `axis` are nonzero."
    return f


any = _logical_reduction("any", max, False)
all = _logical_reduction("all", min, True)


# ---- the NaN-ignoring reductions ----------------------------------------------------------------

def _nan_fill(a, fill):
    a = operand(a)
    if dtype_of(a).kind not in "fc":
        return a
    return lax.select(isnan(a), np.array(fill, dtype_of(a)), a)


def nansum(a: ArrayLike, axis: Axis = None, dtype: DTypeLike = None, out: None = None,
           keepdims: bool = False) -> Array:
    """numpy.nansum: the sum treating NaNs as zero.

    >>> import funcgrad.numpy as fnp
    >>> fnp.nansum(fnp.array([1., fnp.nan, 2.]))
    Array(3., dtype=float64)
    """
    check_no_out(out, "nansum")
    return sum(_nan_fill(a, 0), axis=axis, dtype=dtype, keepdims=keepdims)


def nanprod(a: ArrayLike, axis: Axis = None, dtype: DTypeLike = None, out: None = None,
            keepdims: bool = False) -> Array:
    """numpy.nanprod: the product treating NaNs as one."""
    check_no_out(out, "nanprod")
    return prod(_nan_fill(a, 1), axis=axis, dtype=dtype, keepdims=keepdims)


def count_non_nan(a: ArrayLike, axis: Axis, keepdims: bool) -> Array:
    """How many elements of a along `axis` are not NaN (as intp): the divisor of nanmean and
    nanvar."""
    return sum(lax.bitwise_not(isnan(a)), axis=axis, dtype=np.intp, keepdims=keepdims)


def nanmean(a: ArrayLike, axis: Axis = None, dtype: DTypeLike = None, out: None = None,
            keepdims: bool = False) -> Array:
    """numpy.nanmean: the mean of the non-NaN elements (NaN for an all-NaN slice).

    >>> import funcgrad.numpy as fnp
    >>> fnp.nanmean(fnp.array([1., fnp.nan, 2.]))
    Array(1.5, dtype=float64)
    """
    check_no_out(out, "nanmean")
    a = operand(a)
    if dtype_of(a).kind not in "fc":
        return mean(a, axis=axis, dtype=dtype, keepdims=keepdims)
    s = nansum(a, axis=axis, dtype=dtype, keepdims=keepdims)
    cnt = count_non_nan(a, axis, keepdims)
    return _safe_div(s, cnt)


def _safe_div(s, cnt):
    """s / cnt, NaN where cnt <= 0 (without numpy's 0/0 warning)."""
    ok = lax.gt(cnt, 0)
    q = lax.div(s, cast(lax.select(ok, cnt, 1), dtype_of(s)))
    return lax.select(ok, q, np.array(np.nan, dtype_of(q)))


def nanvar(a: ArrayLike, axis: Axis = None, dtype: DTypeLike = None, out: None = None,
           ddof: int | None = 0, keepdims: bool = False) -> Array:
    """numpy.nanvar: the variance of the non-NaN elements.

    >>> import funcgrad.numpy as fnp
    >>> fnp.nanvar(fnp.array([1., fnp.nan, 3.]))
    Array(1., dtype=float64)
    """
    check_no_out(out, "nanvar")
    a = operand(a)
    if dtype_of(a).kind not in "fc":
        return var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    _check_complex_dtype("nanvar", dtype_of(a), dtype)
    if dtype is not None:
        if np.dtype(dtype).kind not in "fc":
            raise TypeError(f"nanvar: a is inexact ({dtype_of(a)}), so dtype must be inexact "
                            f"too, got dtype={np.dtype(dtype)}")
        a = cast(a, np.dtype(dtype))
    m = nanmean(a, axis=axis, keepdims=True)
    d = lax.sub(_nan_fill(a, 0), m)
    d = lax.select(isnan(a), np.array(0, dtype_of(d)), d)
    sq = lax.mul(d, lax.conj(d)) if dtype_of(d).kind == "c" else lax.mul(d, d)
    if dtype_of(sq).kind == "c":
        sq = lax.real(sq)
    ss = sum(sq, axis=axis, keepdims=keepdims)
    cnt = lax.sub(count_non_nan(a, axis, keepdims), ddof)
    out = _safe_div(ss, cnt)
    # a dtype asked for is the result's (a complex one too, as numpy's)
    return out if dtype is None or dtype_of(out) == np.dtype(dtype) else cast(out, np.dtype(dtype))


def nanstd(a: ArrayLike, axis: Axis = None, dtype: DTypeLike = None, out: None = None,
           ddof: int | None = 0, keepdims: bool = False) -> Array:
    """numpy.nanstd: the standard deviation of the non-NaN elements."""
    check_no_out(out, "nanstd")
    _check_root_dtype("nanstd", dtype)
    return lax.sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def _nan_extremum(name: str, reduce: _AxisReduction, fill: float) -> _AxisReduction:
    def f(a: ArrayLike, axis: Axis = None, out: None = None,
          keepdims: bool = False) -> Array:
        check_no_out(out, name)
        a = operand(a)
        if dtype_of(a).kind not in "fc":
            return reduce(a, axis=axis, keepdims=keepdims)
        out = reduce(_nan_fill(a, fill), axis=axis, keepdims=keepdims)
        all_nan = all(isnan(a), axis=axis, keepdims=keepdims)
        return lax.select(all_nan, np.array(np.nan, dtype_of(a)), out)
    f.__name__ = name
    f.__doc__ = (f"numpy.{name}: the {name[3:]} ignoring NaNs (NaN for an all-NaN slice).\n\n"
                 f"    >>> import funcgrad.numpy as fnp\n"
                 f"    >>> fnp.{name}(fnp.array([1., fnp.nan, 2.]))\n"
                 f"    Array({2 if 'max' in name else 1}., dtype=float64)\n")
    return f


nanmax = _nan_extremum("nanmax", max, -np.inf)


nanmin = _nan_extremum("nanmin", min, np.inf)


def _nan_arg(name: str, arg: _AxisReduction, fill: float) -> _AxisReduction:
    def f(a: ArrayLike, axis: Axis = None, out: None = None,
          keepdims: bool = False) -> Array:
        check_no_out(out, name)
        a = operand(a)
        if dtype_of(a).kind not in "fc":
            return arg(a, axis=axis, keepdims=keepdims)
        nans = isnan(a)
        if not isinstance(a, Tracer) or is_concrete(a):
            all_nan = host_value(all(nans, axis=axis))
            if all_nan.size and np.any(all_nan):
                raise ValueError("All-NaN slice encountered")
        return arg(_nan_fill(a, fill), axis=axis, keepdims=keepdims)
    f.__name__ = name
    f.__doc__ = f"numpy.{name}: the index of the first {name[6:]}imum, ignoring NaNs."
    return f


nanargmax = _nan_arg("nanargmax", argmax, -np.inf)


nanargmin = _nan_arg("nanargmin", argmin, np.inf)
