"""numpy's indexing routines: index arrays (indices, r_, c_) and indexing-like operations (take,
take_along_axis, diagonal, select). nonzero and where, which numpy lists under searching, are in
_sorting_searching."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .. import lax
from .._core.array import Array
from .._core.trace import Tracer, get_aval, host_value, is_concrete
from .._core.typing import ArrayLike, DTypeLike, Shape
from ..lax._checks import normalize_axis
from ._core import asarray, dtype_of, operand
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
