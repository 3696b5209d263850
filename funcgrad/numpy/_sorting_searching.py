"""numpy's sorting, searching and counting routines (as numpy's reference groups them). nonzero,
argwhere, flatnonzero and one-argument where need concrete values: their result's size depends on
them."""
from __future__ import annotations

from typing import overload

import numpy as np

from .. import lax
from .._core.array import Array
from .._core.trace import get_aval, host_value
from .._core.typing import ArrayLike, Axis
from ._core import dtype_of, operand, shape_of
from ._indexing import take_along_axis
from ._manipulation import axis_or_flat, reshape
from ._reductions import sum as _sum
from ._ufuncs import isnan


# ---- sorting ------------------------------------------------------------------------------------

def sort(a: ArrayLike, axis: int | None = -1, kind: str | None = None,
         order: str | None = None) -> Array:
    """numpy.sort, differentiable: the values are gathered with the (stable) sorting permutation."""
    _check_sort_options("sort", kind, order)
    a, ax = axis_or_flat(a, axis, "sort")
    return take_along_axis(a, lax.argsort(a, ax), ax)


def argsort(a: ArrayLike, axis: int | None = -1, kind: str | None = None,
            order: str | None = None) -> Array:
    """numpy.argsort."""
    _check_sort_options("argsort", kind, order)
    a, ax = axis_or_flat(a, axis, "argsort")
    return lax.argsort(a, ax)


_SORT_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable", "quick", "merge", "heap")


def _check_sort_options(who, kind, order):
    """Every sort is stable here, so any of numpy's kinds gives numpy's stable answer; `order`
    names fields of structured arrays, which funcgrad has none of (numpy's errors for both)."""
    if order is not None:
        raise ValueError(f"{who}: cannot specify order when the array has no fields "
                         f"(got order={order!r}); pass order=None")
    if not isinstance(kind, str | None) or kind not in _SORT_KINDS:
        raise ValueError(f"{who}: kind must be one of 'quicksort', 'mergesort', 'heapsort' or "
                         f"'stable', got {kind!r}")


def msort(a: ArrayLike) -> Array:
    """numpy.msort, differentiable."""
    return sort(a, axis=0)


def partition(a: ArrayLike, kth: ArrayLike, axis: int | None = -1) -> Array:
    """A valid numpy.partition: the fully sorted array has every element in its partition."""
    return sort(a, axis)


# ---- searching ----------------------------------------------------------------------------------

def _nan_less(x, y):
    """x < y in numpy's sort order (NaN after every number)."""
    if dtype_of(x).kind not in "fc" and dtype_of(y).kind not in "fc":
        return lax.lt(x, y)
    return lax.bitwise_or(lax.lt(x, y), lax.bitwise_and(isnan(y), lax.bitwise_not(isnan(x))))


def searchsorted(a: ArrayLike, v: ArrayLike, side: str = "left",
                 sorter: ArrayLike | None = None) -> Array:
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


def nonzero(a: ArrayLike) -> tuple[Array, ...]:
    """numpy.nonzero, for concrete values only: the result's size depends on the values."""
    return tuple(Array(i) for i in np.nonzero(host_value(operand(a))))


@overload
def where(condition: ArrayLike) -> tuple[Array, ...]: ...
@overload
def where(condition: ArrayLike, x: ArrayLike, y: ArrayLike) -> Array: ...
def where(condition: ArrayLike, x: ArrayLike | None = None,
          y: ArrayLike | None = None) -> Array | tuple[Array, ...]:
    """numpy.where(condition, x, y): elementwise choice, differentiable in x and y.

    >>> import funcgrad.numpy as fnp
    >>> fnp.where(fnp.array([True, False]), 1.0, 2.0)
    Array([1., 2.], dtype=float64)
    """
    if x is None and y is None:
        return nonzero(condition)
    if x is None or y is None:
        raise ValueError("where takes either one argument (condition) or three (condition, x, y)")
    c = operand(condition)
    if dtype_of(c) != np.bool_:
        c = lax.ne(c, 0)
    return lax.select(c, operand(x), operand(y))


def argwhere(a: ArrayLike) -> Array:
    """numpy.argwhere, for concrete values.

    >>> import funcgrad.numpy as fnp
    >>> fnp.argwhere(fnp.array([[0, 1], [1, 0]]))
    Array([[0, 1],
           [1, 0]], dtype=int64)
    """
    return Array(np.argwhere(host_value(operand(a))))


def flatnonzero(a: ArrayLike) -> Array:
    """numpy.flatnonzero, for concrete values.

    >>> import funcgrad.numpy as fnp
    >>> fnp.flatnonzero(fnp.array([0, 3, 0, 4]))
    Array([1, 3], dtype=int64)
    """
    return Array(np.flatnonzero(host_value(operand(a))))


# ---- counting -----------------------------------------------------------------------------------

def count_nonzero(a: ArrayLike, axis: Axis = None, *, keepdims: bool = False) -> Array:
    """numpy.count_nonzero, as an int64 array.

    >>> import funcgrad.numpy as fnp
    >>> fnp.count_nonzero(fnp.array([[0, 1], [2, 3]]), axis=0)
    Array([1, 2], dtype=int64)
    """
    return _sum(lax.ne(operand(a), 0), axis=axis, dtype=np.intp, keepdims=keepdims)
