"""JAX's lax sorts - `sort` (several operands, several keys), `sort_key_val`, `top_k` - composed
of the `argsort` primitive (the stable sorting permutation) and a gather that applies it: values
differentiate through the gather, indices have no derivative.

>>> import funcgrad.numpy as fnp
>>> from funcgrad import lax
>>> lax.sort((fnp.array([2, 1, 2]), fnp.array([3., 4., 1.])), num_keys=2)
(Array([1, 2, 2], dtype=int64), Array([4., 1., 3.], dtype=float64))
"""
from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.array import Array
from .._core.trace import get_aval
from .._core.typing import ArrayLike
from . import elementwise as _el, shape as _shape
from .indexing import index
from .reduce import argsort

__all__ = ["sort", "sort_key_val", "top_k"]


def _take_along(x, perm, axis):
    """x's elements along `axis` in the order `perm` (of perm's shape)."""
    shape = get_aval(perm).shape
    grids = np.ix_(*[np.arange(n) for n in shape])
    return index(x, tuple(perm if k == axis else np.broadcast_to(grids[k], shape)
                          for k in range(len(shape))))


def _axis(dimension, nd, who):
    ax = dimension + nd if dimension < 0 else dimension
    if not 0 <= ax < nd:
        raise ValueError(f"{who}: axis {dimension} is out of bounds for array of dimension {nd}; "
                         f"pass -{nd} <= dimension < {nd}")
    return ax


def sort(operand: ArrayLike | Sequence[ArrayLike], dimension: int = -1, is_stable: bool = True,
         num_keys: int = 1) -> Array | tuple[Array, ...]:
    """Sort along `dimension`. A sequence of operands (of one shape) is sorted together by its
    first `num_keys` operands, lexicographically (NaNs last; ties keep their order, whether or
    not is_stable asks for it), and comes back as a tuple.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.sort(fnp.array([[3., 1.], [0., 2.]]), dimension=0)
    Array([[0., 1.],
           [3., 2.]], dtype=float64)
    """
    ops: list[Any]
    if isinstance(operand, (tuple, list)):
        single, ops = False, list(operand)
    else:
        single, ops = True, [operand]
    if single and num_keys != 1:
        raise ValueError(f"num_keys={num_keys} must equal 1 for a single operand.")
    if not 1 <= num_keys <= len(ops):
        raise ValueError(f"num_keys={num_keys} must be between 1 and len(operand)={len(ops)}")
    shapes = [get_aval(o).shape for o in ops]
    if any(s != shapes[0] for s in shapes):
        raise TypeError(f"Arguments to sort must have equal shapes, got: "
                        f"{' '.join(str(s) for s in shapes)}; sort arrays of one shape")
    ax = _axis(operator.index(dimension), len(shapes[0]), "sort")
    # stable sorts from the least significant key: the last one decides only among equals
    perm = argsort(ops[num_keys - 1], ax)
    for key in reversed(ops[:num_keys - 1]):
        perm = _take_along(perm, argsort(_take_along(key, perm, ax), ax), ax)
    out = tuple(_take_along(o, perm, ax) for o in ops)
    return out[0] if single else out


def sort_key_val(keys: ArrayLike, values: ArrayLike, dimension: int = -1,
                 is_stable: bool = True) -> tuple[Array, Array]:
    """keys sorted along `dimension`, and values in the same order.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.sort_key_val(fnp.array([2., 0., 1.]), fnp.array([10, 20, 30]))
    (Array([0., 1., 2.], dtype=float64), Array([20, 30, 10], dtype=int64))
    """
    k, v = sort((keys, values), dimension, is_stable, 1)
    return k, v


def top_k(operand: ArrayLike, k: int, *, axis: int = -1) -> list[Array]:
    """The k largest entries along `axis` (largest first; equal ones in index order) and their
    indices (int32), as JAX's list [values, indices].

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.top_k(fnp.array([1., 3., 2.]), 2)
    [Array([3., 2.], dtype=float64), Array([1, 2], dtype=int32)]
    """
    shape = get_aval(operand).shape
    ax = _axis(operator.index(axis), len(shape), "top_k")
    k = operator.index(k)
    if k < 0:
        raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
    if k > shape[ax]:
        raise ValueError(f"k argument to top_k must be no larger than size along axis; got "
                         f"k={k} with shape={list(shape)} and axis={ax}")
    perm = argsort(operand, ax, descending=True)
    limit = shape[:ax] + (k,) + shape[ax + 1:]
    perm = _shape.slice(perm, (0,) * len(shape), limit)
    return [_take_along(operand, perm, ax), _el.convert_element_type(perm, np.int32)]
