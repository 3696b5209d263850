"""Array creation: numpy's names and signatures; float64 is the default floating dtype."""
from __future__ import annotations

import math

import numpy as np

from .. import lax
from .._core.array import Array, wrap_value
from .._core.backend import create
from .._core.trace import get_aval
from .._core.typing import ArrayLike, DTypeLike, Shape
from .._core.errors import ShapeError, doc_link
from .._core.validate import argument_error, as_index, check_size
from ._core import as_shape, asarray, concrete, dtype_of, operand, shape_of
from ._indexing import diagonal
from ._manipulation import broadcast_arrays, ravel, reshape


def zeros(shape: int | Shape, dtype: DTypeLike = None) -> Array:
    """>>> import funcgrad.numpy as fnp
    >>> fnp.zeros(2)
    Array([0., 0.], dtype=float64)
    """
    return wrap_value(create("zeros", _sized("zeros", shape, dtype), dtype or np.float64))


def ones(shape: int | Shape, dtype: DTypeLike = None) -> Array:
    """numpy.ones, differentiable."""
    return wrap_value(create("ones", _sized("ones", shape, dtype), dtype or np.float64))


def _sized(who, shape, dtype):
    """The shape of a new array, checked: integer sizes >= 0, and no more bytes than this
    machine has (refused before allocating anything)."""
    shape = as_shape(shape, who)
    check_size(shape, dtype or np.float64, who)
    return shape


def full(shape: int | Shape, fill_value: ArrayLike, dtype: DTypeLike = None) -> Array:
    """An array of `shape` filled with `fill_value` (which may be traced)."""
    if dtype is None:
        dtype = np.result_type(fill_value) if not hasattr(fill_value, "aval") else dtype_of(
            fill_value)
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
    check_size((n,), dtype or np.result_type(*args), "arange")
    return Array(np.arange(*args, dtype=dtype))


def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             dtype: DTypeLike = None) -> Array:
    """numpy.linspace."""
    return Array(np.linspace(_scalar(start, "linspace"), _scalar(stop, "linspace"), int(num),
                             endpoint=endpoint, dtype=dtype))


def logspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             base: ArrayLike = 10.0, dtype: DTypeLike = None, axis: int = 0) -> Array:
    """numpy.logspace: `num` points from base**start to base**stop.

    >>> import funcgrad.numpy as fnp
    >>> fnp.logspace(0, 2, 3)
    Array([  1.,  10., 100.], dtype=float64)
    """
    return Array(np.logspace(concrete(start), concrete(stop), int(num),
                             endpoint=endpoint, base=concrete(base), dtype=dtype,
                             axis=axis))


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
    check_size((n, m), dtype or np.float64, "eye")
    return wrap_value(create("eye", n, m, as_index(k, "eye", "k"), dtype=dtype or np.float64))


def identity(n: int, dtype: DTypeLike = None) -> Array:
    """numpy.identity."""
    return eye(n, dtype=dtype)


def _scalar(x, who):
    if isinstance(x, Array):
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
    return asarray(np.tri(N, M, k, dtype=dtype or np.float64))


def tril(m: ArrayLike, k: int = 0) -> Array:
    """numpy.tril, differentiable."""
    m = operand(m)
    return lax.select(_tri_mask(get_aval(m).shape, k, True), m, 0)


def triu(m: ArrayLike, k: int = 0) -> Array:
    """numpy.triu, differentiable."""
    m = operand(m)
    return lax.select(_tri_mask(get_aval(m).shape, k, False), m, 0)
