"""Array creation: numpy's names and signatures; float64 is the default floating dtype."""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import lax
from .._core.array import Array, with_weak_type, wrap_value
from .._core import avals
from .._core.avals import default_dtype, user_dtype
from .._core.backend import create
from .._core.trace import Tracer, get_aval, staging
from .._core.typing import ArrayLike, DTypeLike, Shape
from .._core.errors import ShapeError, doc_link
from .._core.validate import argument_error, as_index, check_size
from ._core import as_shape, asarray, dtype_of, operand, shape_of
from ._indexing import diagonal
from ._manipulation import broadcast_arrays, broadcast_to, concatenate, moveaxis, ravel, reshape


def zeros(shape: int | Shape, dtype: DTypeLike = None) -> Array:
    """>>> import funcgrad.numpy as fnp
    >>> fnp.zeros(2)
    Array([0., 0.], dtype=float64)
    """
    dtype = _dtype(dtype, "zeros")
    if staging() is not None:  # JAX's mode, under jit: staged, as JAX's (a broadcast zero)
        return lax.full(_sized("zeros", shape, dtype), 0, dtype)
    return wrap_value(create("zeros", _sized("zeros", shape, dtype), dtype))


def ones(shape: int | Shape, dtype: DTypeLike = None) -> Array:
    """numpy.ones, differentiable."""
    dtype = _dtype(dtype, "ones")
    if staging() is not None:  # as zeros
        return lax.full(_sized("ones", shape, dtype), 1, dtype)
    return wrap_value(create("ones", _sized("ones", shape, dtype), dtype))


def _dtype(dtype, who, default=float):
    """A creation function's dtype: the one asked for (with x64 off its 32-bit form, with JAX's
    warning) or the mode's default for `default` (float64, or float32 with x64 off)."""
    return default_dtype(default) if dtype is None else user_dtype(dtype, who)


def _sized(who, shape, dtype):
    """The shape of a new array, checked: integer sizes >= 0, and no more bytes than this
    machine has (refused before allocating anything)."""
    shape = as_shape(shape, who)
    check_size(shape, dtype or np.float64, who)
    return shape


def full(shape: int | Shape, fill_value: ArrayLike, dtype: DTypeLike = None) -> Array:
    """An array of `shape` filled with `fill_value` (which may be traced); in JAX's mode
    weakly typed where the fill value is and no dtype is asked for, as JAX's.

    >>> import funcgrad.numpy as fnp
    >>> fnp.full((2,), 1.5)
    Array([1.5, 1.5], dtype=float64)
    """
    if dtype is None:
        weak = avals.JAX_LATTICE and not isinstance(fill_value, Tracer) and get_aval(
            fill_value).weak_type
        dtype = np.result_type(fill_value) if not hasattr(fill_value, "aval") else dtype_of(
            fill_value)
        out = lax.full(_sized("full", shape, dtype), fill_value, dtype)
        return with_weak_type(out, True) if weak else out
    dtype = user_dtype(dtype, "full")
    return lax.full(_sized("full", shape, dtype), fill_value, dtype)


def empty(shape: int | Shape, dtype: DTypeLike = None) -> Array:
    """Immutable arrays are never written after creation, so `empty` is `zeros`."""
    return zeros(shape, dtype)


def zeros_like(a: ArrayLike, dtype: DTypeLike = None, shape: int | Shape | None = None) -> Array:
    """numpy.zeros_like, differentiable."""
    return zeros(shape_of(a) if shape is None else shape, dtype or dtype_of(a))


def ones_like(a: ArrayLike, dtype: DTypeLike = None, shape: int | Shape | None = None) -> Array:
    """numpy.ones_like, differentiable."""
    return ones(shape_of(a) if shape is None else shape, dtype or dtype_of(a))


def full_like(a: ArrayLike, fill_value: ArrayLike, dtype: DTypeLike = None,
              shape: int | Shape | None = None) -> Array:
    """numpy.full_like, differentiable."""
    return full(shape_of(a) if shape is None else shape, fill_value, dtype or dtype_of(a))


def empty_like(a: ArrayLike, dtype: DTypeLike = None, shape: int | Shape | None = None) -> Array:
    """numpy.empty_like."""
    return zeros_like(a, dtype, shape)


def arange(start: ArrayLike, stop: ArrayLike | None = None, step: ArrayLike | None = None,
           dtype: DTypeLike = None) -> Array:
    """>>> import funcgrad.numpy as fnp
    >>> fnp.arange(3)
    Array([0, 1, 2], dtype=int64)
    """
    # numpy's reading: with no stop, the one bound given is the stop (arange(0, None, 1) is [])
    lo, hi = (0, start) if stop is None else (start, stop)
    args = [_scalar(a, "arange") for a in (lo, hi, 1 if step is None else step)]
    if args[2] == 0:
        raise argument_error("arange: `step` must not be 0.")
    try:  # refuse a length no memory holds before numpy tries to allocate it
        n = max(0, math.ceil((args[1] - args[0]) / args[2]))
    except (TypeError, OverflowError, ValueError):
        n = 0  # numpy's own error (a non-number) follows
    dtype = user_dtype(dtype, "arange")
    check_size((n,), dtype or np.result_type(*args), "arange")
    return Array(np.arange(*args, dtype=dtype))


def _spaced_inputs(who, *xs):
    """start/stop(/base) as arrays of one inexact dtype, broadcast together (numpy's rule: the
    result type of the inputs and float(num))."""
    xs = [asarray(operand(x)) for x in xs]
    dt = np.result_type(*[get_aval(x).dtype for x in xs], 1.0)
    if avals.JAX_LATTICE:  # JAX's: the inputs' float type, or the mode's default float
        dt = avals.canonical_dtype(dt if dt.kind in "fc" and
                                   all(get_aval(x).dtype.kind in "fc" for x in xs)
                                   else default_dtype(float))
    shape = tuple(np.broadcast_shapes(*[get_aval(x).shape for x in xs]))
    return [broadcast_to(lax.convert_element_type(x, dt), shape) for x in xs], dt, shape


def _sample_count(num, who):
    try:
        num = operator.index(num)
    except TypeError:
        raise TypeError(f"{who}: `num` must be an integer, got {num!r}") from None
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    return num


def _finish(y, dt, dtype, axis, ndim_in):
    """The new axis (first so far) moved to `axis`; cast to dtype (integers floor first)."""
    if axis != 0:
        y = moveaxis(y, 0, axis if axis >= 0 else axis + ndim_in + 1)
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind in "iu" and dt.kind == "f":
            y = lax.floor(y)
        y = lax.convert_element_type(y, dtype)
    return y


def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: DTypeLike = None,
             axis: int = 0) -> Array | tuple[Array, Array]:
    """numpy.linspace, differentiable in start and stop (arrays broadcast; the samples run
    along the new `axis`): start + i * step, with the last sample exactly stop when endpoint.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fnp.linspace(0.0, 1.0, 5)
    Array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float64)
    >>> fg.grad(lambda s: fnp.linspace(0.0, s, 5).sum())(2.0)  # (0 + .25 + ... + 1)
    Array(2.5, dtype=float64)
    """
    num = _sample_count(num, "linspace")
    dtype = user_dtype(dtype, "linspace")
    (start, stop), dt, shape = _spaced_inputs("linspace", start, stop)
    div = (num - 1) if endpoint else num
    nd = len(shape)
    t = Array(np.arange(num, dtype=dt).reshape((num,) + (1,) * nd))
    delta = stop - start
    if div > 0:
        step = delta / div
        if avals.JAX_LATTICE:
            # JAX's points: start * (1 - t) + stop * t with t = i * (1 / div) in the result's
            # precision (XLA divides by the constant as a multiplication by its reciprocal)
            real = np.finfo(dt).dtype
            t = Array((np.arange(num, dtype=real) * (real.type(1) / real.type(div)))
                      .astype(dt).reshape((num,) + (1,) * nd))
            y = start * (1 - t) + stop * t
        else:
            y = start + t * step
        if endpoint and num > 1:
            y = concatenate([lax.slice(y, (0,) * (nd + 1), (num - 1,) + shape),
                             reshape(stop, (1,) + shape)], axis=0)
    else:
        step = delta * np.nan
        y = start + t * delta
    y = _finish(y, np.dtype(dt), dtype, axis, nd)
    return (y, step) if retstep else y


def logspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             base: ArrayLike = 10.0, dtype: DTypeLike = None, axis: int = 0) -> Array:
    """numpy.logspace: base ** linspace(start, stop), differentiable in start, stop and base
    (arrays broadcast).

    >>> import funcgrad.numpy as fnp
    >>> fnp.logspace(0, 2, 3)
    Array([  1.,  10., 100.], dtype=float64)
    """
    num = _sample_count(num, "logspace")
    dtype = user_dtype(dtype, "logspace")
    (start, stop, base), dt, shape = _spaced_inputs("logspace", start, stop, base)
    y = linspace(start, stop, num, endpoint=endpoint)
    y = lax.pow(reshape(base, (1,) + shape), y)
    return _finish(y, np.dtype(dt), dtype, axis, len(shape))


def geomspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
              dtype: DTypeLike = None, axis: int = 0) -> Array:
    """numpy.geomspace: a geometric progression from start to stop (same sign, nonzero; the
    ends exact), differentiable in start and stop.

    >>> import funcgrad.numpy as fnp
    >>> fnp.geomspace(1.0, 1000.0, 4)
    Array([   1.,   10.,  100., 1000.], dtype=float64)
    """
    num = _sample_count(num, "geomspace")
    dtype = user_dtype(dtype, "geomspace")
    (start, stop), dt, shape = _spaced_inputs("geomspace", start, stop)
    for name, v in (("start", start), ("stop", stop)):
        if not isinstance(v, Tracer) and np.any(np.asarray(v) == 0):
            raise ValueError(f"Geometric sequence cannot include zero (`{name}`)")
    sign = lax.sign(start)
    log_start, log_stop = lax.log(start / sign), lax.log(stop / sign)
    y = lax.exp(linspace(log_start, log_stop, num, endpoint=endpoint))
    nd = len(shape)
    if num > 0:
        parts = [reshape(start / sign, (1,) + shape)]
        if endpoint and num > 1:
            mid = lax.slice(y, (1,) + (0,) * nd, (num - 1,) + shape)
            parts += [mid, reshape(stop / sign, (1,) + shape)]
        else:
            parts.append(lax.slice(y, (1,) + (0,) * nd, (num,) + shape))
        y = concatenate(parts, axis=0)
    y = y * reshape(sign, (1,) + shape)
    return _finish(y, np.dtype(dt), dtype, axis, nd)


def meshgrid(*xi: ArrayLike, copy: bool = True, sparse: bool = False,
             indexing: str = "xy") -> tuple[Array, ...]:
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


def eye(N: int, M: int | None = None, k: int = 0, dtype: DTypeLike = None) -> Array:
    """numpy.eye."""
    n = as_shape(N, "eye")[0]
    m = n if M is None else as_shape(M, "eye")[0]
    dtype = _dtype(dtype, "eye")
    check_size((n, m), dtype, "eye")
    return wrap_value(create("eye", n, m, as_index(k, "eye", "k"), dtype=dtype))


def identity(n: int, dtype: DTypeLike = None) -> Array:
    """numpy.identity."""
    return eye(n, dtype=dtype)


def _scalar(x, who):
    if type(x) is Array:
        return x.item()
    if hasattr(x, "aval"):  # a traced bound must be concrete (JAX's ConcretizationTypeError)
        return x._concrete(f"{who}'s bound").item()
    return x


# ---- building matrices --------------------------------------------------------------------------

def diag(v: ArrayLike, k: int = 0) -> Array:
    """numpy.diag, differentiable."""
    v = operand(v)
    nd = get_aval(v).ndim
    if nd == 1:
        return make_diagonal(v, k)
    if nd == 2:
        return diagonal(v, k)
    raise ValueError("Input must be 1- or 2-d.")


def make_diagonal(v: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    """The matrix (or stack) whose diagonal is v's last axis (HIPS autograd's make_diagonal)."""
    v = operand(v)
    if not get_aval(v).ndim:
        raise ShapeError(f"make_diagonal needs v with at least one axis (its diagonal), got a "
                         f"0-d {get_aval(v).str_short()}; pass fnp.atleast_1d(v). "
                         + doc_link("shapeerror"))
    n = get_aval(v).shape[-1] + abs(offset)
    z = lax.full(get_aval(v).shape[:-1] + (n, n), 0, get_aval(v).dtype)
    r = np.arange(get_aval(v).shape[-1]) + max(0, -offset)
    return z.at[(Ellipsis, r, r + offset)].set(v)


def _tri_mask(shape, k, lower):
    n, m = shape[-2:]
    return np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, k - 1, dtype=bool)


def tri(N: int, M: int | None = None, k: int = 0, dtype: DTypeLike = None) -> Array:
    """numpy.tri."""
    return asarray(np.tri(N, M, k, dtype=_dtype(dtype, "tri")))


def tril(m: ArrayLike, k: int = 0) -> Array:
    """numpy.tril, differentiable."""
    m = operand(m)
    return lax.select(_tri_mask(get_aval(m).shape, k, True), m, 0)


def triu(m: ArrayLike, k: int = 0) -> Array:
    """numpy.triu, differentiable."""
    m = operand(m)
    return lax.select(_tri_mask(get_aval(m).shape, k, False), m, 0)
