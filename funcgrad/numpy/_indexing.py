"""numpy's indexing routines: index arrays (indices, r_, c_) and indexing-like operations (take,
take_along_axis, diagonal, select). nonzero and where, which numpy lists under searching, are in
_sorting_searching."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import lax
from .._api import stop_gradient
from .._core.array import Array
from .._core.avals import PY_SCALARS
from .._core.trace import Tracer, get_aval, host_value, is_concrete
from .._core.typing import ArrayLike, DTypeLike, Shape
from ..lax._checks import normalize_axis
from ..lax.indexing import normalize_index
from ._core import asarray, dtype_of, operand
from . import _ufuncs as U
from ._manipulation import axis_or_flat, concatenate, moveaxis, reshape


# ---- generating index arrays --------------------------------------------------------------------

def indices(dimensions: Shape, dtype: DTypeLike = int,
            sparse: bool = False) -> Array | tuple[Array, ...]:
    """numpy.indices: the index grids of an array of shape `dimensions`.

    >>> import funcgrad.numpy as fnp
    >>> fnp.indices((2, 2))[0]
    Array([[0, 0],
           [1, 1]], dtype=int64)
    """
    # numpy's stubs overload on a literal `sparse`
    out = np.indices(tuple(int(d) for d in dimensions), dtype=dtype,
                     sparse=sparse)  # type: ignore[call-overload]
    return tuple(Array(o) for o in out) if sparse else Array(out)


class _Concatenator:
    """numpy's r_ and c_: slicing syntax that concatenates (r_ along the first axis, c_ along
    the last, turning 1-D pieces into columns)."""

    def __init__(self, columns):
        self.columns = columns

    def __getitem__(self, key):
        items = key if isinstance(key, tuple) else (key,)
        parts = []
        for k in items:
            if isinstance(k, slice):
                step = k.step
                if isinstance(step, complex):
                    parts.append(asarray(np.linspace(k.start or 0, k.stop, int(abs(step)))))
                else:
                    parts.append(asarray(np.arange(k.start or 0, k.stop, step or 1)))
            else:
                p = operand(k)
                parts.append(reshape(p, (1,)) if get_aval(p).ndim == 0 else p)
        if self.columns:
            parts = [reshape(p, (-1, 1)) if get_aval(p).ndim == 1 else p for p in parts]
            return concatenate(parts, axis=-1)
        return concatenate(parts, axis=0)


r_ = _Concatenator(columns=False)


c_ = _Concatenator(columns=True)


# ---- indexing-like operations -------------------------------------------------------------------

def take(a: ArrayLike, indices: ArrayLike, axis: int | None = None,
         mode: str | None = None) -> Array:
    """numpy.take: elements of `a` at `indices` along `axis` (None: of the flattened array);
    differentiable in `a`. mode: 'raise' (default; checked when the indices are concrete),
    'wrap' or 'clip'.

    >>> import funcgrad.numpy as fnp
    >>> fnp.take(fnp.array([[1., 2.], [3., 4.]]), [1, 0], axis=1)
    Array([[2., 1.],
           [4., 3.]], dtype=float64)
    """
    a, ax = axis_or_flat(a, axis, "take")
    n = get_aval(a).shape[ax]
    idx = operand(indices)
    if dtype_of(idx).kind not in "iu":
        raise TypeError(f"take: indices must be integers, got {dtype_of(idx)}")
    mode = mode or "raise"
    if mode == "wrap":
        idx = U.remainder(idx, n)  # numpy's: a negative index wraps to n - k
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
    # numpy's indexing itself, with no clamping: under jit, an index out of bounds that only
    # the run shows is numpy's IndexError then, as eagerly
    indexer, arrays = normalize_index(get_aval(a).shape, (slice(None),) * ax + (idx,))
    return lax.gather(a, arrays, indexer)


def take_along_axis(arr: ArrayLike, indices: ArrayLike, axis: int) -> Array:
    """numpy.take_along_axis, differentiable."""
    arr, indices = operand(arr), operand(indices)
    nd = get_aval(arr).ndim
    ax = normalize_axis("take_along_axis", axis, nd)
    shape = get_aval(indices).shape
    grids = np.ix_(*[np.arange(n) for n in shape])
    idx = tuple(indices if k == ax else np.broadcast_to(grids[k], shape) for k in range(nd))
    return lax.index(arr, idx)


def diagonal(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    """numpy.diagonal, differentiable."""
    a = operand(a)
    nd = get_aval(a).ndim
    i, j = normalize_axis("diagonal", axis1, nd), normalize_axis("diagonal", axis2, nd)
    a = moveaxis(a, (i, j), (-2, -1))
    n, m = get_aval(a).shape[-2:]
    rows = np.arange(max(0, -offset), min(n, m - offset)) if min(n, m - offset) > max(
        0, -offset) else np.arange(0)
    return lax.index(a, (Ellipsis, rows, rows + offset))


def select(condlist: Sequence[ArrayLike], choicelist: Sequence[ArrayLike],
           default: ArrayLike = 0) -> Array:
    """numpy.select: the first condition that holds picks its choice, elementwise."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    out = operand(default)
    for c, v in reversed(list(zip(condlist, choicelist))):
        out = lax.select(lax.ne(operand(c), False), operand(v), out)
    return out


def getitem(x: ArrayLike, idx: Any) -> Array:
    """x[idx] as JAX has it: numpy's indexing, with indices out of bounds clamped (and constant
    for derivatives) instead of an IndexError.

    >>> import funcgrad.numpy as fnp
    >>> fnp.arange(3)[fnp.array([0, 7, -1])]
    Array([0, 2, 2], dtype=int64)
    """
    return lax.index(x, idx, None, None, stop_gradient)


# ---- x.at[idx]: functional updates, JAX's --------------------------------------------------------

class _IndexUpdateHelper:
    """x.at[idx] -> a reference with get/set/add/subtract/multiply/divide/power/min/max/apply,
    each returning a new array (JAX's functional replacement for `x[idx] = v`). Every method
    takes JAX's `mode`: indices out of bounds are clamped on reads and dropped on updates by
    default; 'clip' clamps both, 'fill'/'drop' read `fill_value` and drop updates."""
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, idx):
        return _IndexUpdateRef(self.array, idx)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


def _val(v):
    return v if isinstance(v, (Array, Tracer)) or type(v) in PY_SCALARS else asarray(v)


class _IndexUpdateRef:
    """x.at[idx]: the methods below. `indices_are_sorted` and `unique_indices` are promises
    that let XLA pick a faster kernel in JAX; funcgrad accepts and needs neither."""
    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array, self.index = array, index

    def __repr__(self):
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(self, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None, fill_value: ArrayLike | None = None,
            out_sharding: Any = None) -> Array:
        """x[idx]; out of bounds, clamped (mode None, 'clip', 'promise_in_bounds') or
        `fill_value` (mode 'fill' or 'drop'; default NaN, or the integer minimum).

        >>> import funcgrad.numpy as fnp
        >>> fnp.arange(3.).at[fnp.array([0, 5])].get(mode="fill", fill_value=-1.)
        Array([ 0., -1.], dtype=float64)
        """
        return lax.index(self.array, self.index, mode, fill_value, stop_gradient)

    def _update(self, values, op, mode):
        return lax.index_update(self.array, self.index, _val(values), op, mode)

    def set(self, values: ArrayLike, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: str | None = None) -> Array:
        """x with x[idx] = values (out-of-bounds updates dropped unless mode='clip').

        >>> import funcgrad.numpy as fnp
        >>> fnp.zeros(3).at[fnp.array([1, 9])].set(2.)
        Array([0., 2., 0.], dtype=float64)
        """
        return self._update(values, "set", mode)

    def add(self, values: ArrayLike, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: str | None = None) -> Array:
        """x with x[idx] += values, repeated indices accumulating.

        >>> import funcgrad.numpy as fnp
        >>> fnp.zeros(3).at[fnp.array([1, 1])].add(2.)
        Array([0., 4., 0.], dtype=float64)
        """
        return self._update(values, "add", mode)

    def subtract(self, values: ArrayLike, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: str | None = None) -> Array:
        """x with x[idx] -= values, repeated indices accumulating.

        >>> import funcgrad.numpy as fnp
        >>> fnp.zeros(3).at[1].subtract(2.)
        Array([ 0., -2.,  0.], dtype=float64)
        """
        return self._update(U.negative(_val(values)), "add", mode)

    def multiply(self, values: ArrayLike, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: str | None = None) -> Array:
        """x with x[idx] *= values, repeated indices accumulating.

        >>> import funcgrad.numpy as fnp
        >>> fnp.ones(3).at[fnp.array([1, 1])].multiply(3.)
        Array([1., 9., 1.], dtype=float64)
        """
        return self._update(values, "multiply", mode)

    mul = multiply

    def _factor(self, values, mode):
        """ones with the values multiplied in at idx (each repeated index once more)."""
        aval = get_aval(self.array)
        ones = lax.full(aval.shape, 1, aval.dtype)
        return lax.index_update(ones, self.index, _val(values), "multiply", mode)

    def divide(self, values: ArrayLike, *, indices_are_sorted: bool = False,
               unique_indices: bool = False, mode: str | None = None) -> Array:
        """x with x[idx] /= values.

        >>> import funcgrad.numpy as fnp
        >>> fnp.ones(3).at[1].divide(4.)
        Array([1.  , 0.25, 1.  ], dtype=float64)
        """
        dt = get_aval(self.array).dtype
        if dt.kind not in "fc":
            raise TypeError(f"x.at[...].divide on an array of dtype {dt.name}: use a float array, "
                            "e.g. x.astype(fnp.float32).at[...].divide(v)")
        # x / (the divisors scattered into ones): exact division, as numpy's x[idx] /= v, where
        # multiplying by 1/v would be off by an ulp (-7 * (1/2.5) != -7 / 2.5).
        return U.divide(self.array, self._factor(values, mode))

    def power(self, values: ArrayLike, *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode: str | None = None) -> Array:
        """x with x[idx] **= values; a repeated index raises to each power in turn.

        >>> import funcgrad.numpy as fnp
        >>> fnp.full(3, 2.).at[fnp.array([1, 1])].power(2.)
        Array([ 2., 16.,  2.], dtype=float64)
        """
        return lax.convert_element_type(U.power(self.array, self._factor(values, mode)),
                                        get_aval(self.array).dtype)

    def min(self, values: ArrayLike, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: str | None = None) -> Array:
        """x with x[idx] = minimum(x[idx], values).

        >>> import funcgrad.numpy as fnp
        >>> fnp.ones(2).at[0].min(-1.)
        Array([-1.,  1.], dtype=float64)
        """
        return self._update(values, "min", mode)

    def max(self, values: ArrayLike, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: str | None = None) -> Array:
        """x with x[idx] = maximum(x[idx], values).

        >>> import funcgrad.numpy as fnp
        >>> fnp.ones(2).at[0].max(3.)
        Array([3., 1.], dtype=float64)
        """
        return self._update(values, "max", mode)

    def apply(self, func: Callable[[Any], Any], *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode: str | None = None) -> Array:
        """x with func applied (elementwise) at idx, once per occurrence of an index.

        >>> import funcgrad.numpy as fnp
        >>> fnp.ones(3).at[fnp.array([0, 0, 2])].apply(lambda v: v * 3)
        Array([9., 1., 3.], dtype=float64)
        """
        x = self.array
        aval = get_aval(x)
        counts = lax.index_update(lax.full(aval.shape, 0, np.int64), self.index, 1, "add", mode)

        def once(j, x):
            return lax.select(lax.gt(counts, j), lax.convert_element_type(func(x), aval.dtype),
                              x)
        if not isinstance(counts, Tracer) or is_concrete(counts):
            for j in range(int(np.max(host_value(counts), initial=0))):
                x = once(j, x)
            return x
        top = lax.reduce_max(counts, tuple(range(aval.ndim)))
        return lax.while_loop(lambda c: lax.lt(c[0], top),
                              lambda c: (c[0] + 1, once(c[0], c[1])), (0, x))[1]
