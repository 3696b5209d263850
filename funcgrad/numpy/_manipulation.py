"""numpy's array manipulation routines (shape, transposes, dimensions, joining, splitting,
tiling, padding and rearranging), composed from the shape primitives."""
from __future__ import annotations

import math
from typing import Any, Sequence, Union, cast

import numpy as np

from .. import lax
from .._core.array import Array
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.trace import get_aval
from .._core.typing import ArrayLike, Axis, Shape
from ..lax._checks import normalize_axes, normalize_axis
from ._core import as_shape, operand, shape_of, stack_operands


# ---- basic operations and changing shape --------------------------------------------------------

def _resolve_shape(newshape, size, old):
    shape = list(as_shape(newshape, "reshape", infer=True))
    unknown = [i for i, d in enumerate(shape) if d == -1]
    if unknown:
        known = math.prod(d for d in shape if d != -1)
        if known == 0 or size % known:
            raise ShapeError(
                f"cannot reshape an array of shape {old} ({size} elements) into shape "
                f"{tuple(shape)}: {size} is not a multiple of {known}.\n  at {user_frame()}\n"
                + doc_link("shapeerror"))
        shape[unknown[0]] = size // known
    return tuple(shape)


def shape(a: ArrayLike) -> tuple[int, ...]:
    """numpy.shape."""
    return get_aval(operand(a)).shape


def ndim(a: ArrayLike) -> int:
    """numpy.ndim."""
    return get_aval(operand(a)).ndim


def size(a: ArrayLike) -> int:
    """numpy.size."""
    return get_aval(operand(a)).size


def reshape(a: ArrayLike, newshape: int | Shape, order: str = "C") -> Array:
    """numpy.reshape (C order); one axis may be -1.

    >>> import funcgrad.numpy as fnp
    >>> fnp.reshape(fnp.arange(6), (2, -1)).shape
    (2, 3)
    """
    if order != "C":
        raise NotImplementedError("reshape supports order='C' only")
    a = operand(a)
    aval = get_aval(a)
    shape = _resolve_shape(newshape, aval.size, aval.shape)
    return a if shape == aval.shape else lax.reshape(a, shape)


def ravel(a: ArrayLike) -> Array:
    """numpy.ravel, differentiable."""
    return reshape(a, (-1,))


def axis_or_flat(a: ArrayLike, axis: int | None, who: str) -> tuple[Array, int]:
    """a and its `axis`, normalized; axis=None stands for the flattened array's axis 0 (numpy's
    convention for sort, take, repeat, cumsum, ...)."""
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    return a, normalize_axis(who, axis, get_aval(a).ndim)


# ---- transpose-like operations ------------------------------------------------------------------

def transpose(a: ArrayLike, axes: Sequence[int] | None = None) -> Array:
    """numpy.transpose, differentiable."""
    a = operand(a)
    nd = get_aval(a).ndim
    perm = tuple(range(nd))[::-1] if axes is None else tuple(
        normalize_axis("transpose", ax, nd) for ax in axes)
    return a if perm == tuple(range(nd)) else lax.transpose(a, perm)


def swapaxes(a: ArrayLike, axis1: int, axis2: int) -> Array:
    """numpy.swapaxes, differentiable."""
    a = operand(a)
    nd = get_aval(a).ndim
    perm = list(range(nd))
    i, j = normalize_axis("swapaxes", axis1, nd), normalize_axis("swapaxes", axis2, nd)
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def moveaxis(a: ArrayLike, source: int | Sequence[int], destination: int | Sequence[int]) -> Array:
    """numpy.moveaxis, differentiable."""
    a = operand(a)
    nd = get_aval(a).ndim
    src = [normalize_axis("moveaxis", s, nd) for s in np.atleast_1d(source)]
    dst = [normalize_axis("moveaxis", d, nd) for d in np.atleast_1d(destination)]
    if len(src) != len(dst):
        raise ValueError("moveaxis: `source` and `destination` need the same number of axes")
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)


# ---- changing the number of dimensions ----------------------------------------------------------

def _atleast(arys, new_shape):
    """Each array reshaped to new_shape(its shape) (None: as it is); one array alone, not in a
    list."""
    res = []
    for a in arys:
        a = operand(a)
        shape = new_shape(get_aval(a).shape)
        res.append(a if shape is None else reshape(a, shape))
    return res[0] if len(res) == 1 else res


def atleast_1d(*arys: ArrayLike) -> Array | list[Array]:
    """numpy.atleast_1d, differentiable."""
    return _atleast(arys, lambda s: (1,) if not s else None)


def atleast_2d(*arys: ArrayLike) -> Array | list[Array]:
    """numpy.atleast_2d, differentiable."""
    return _atleast(arys, lambda s: (1,) * (2 - len(s)) + s if len(s) < 2 else None)


def atleast_3d(*arys: ArrayLike) -> Array | list[Array]:
    """numpy.atleast_3d, differentiable."""
    return _atleast(arys, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}.get(len(s)))


def squeeze(a: ArrayLike, axis: Axis = None) -> Array:
    """numpy.squeeze, differentiable."""
    a = operand(a)
    aval = get_aval(a)
    if axis is None:
        dims = tuple(i for i, d in enumerate(aval.shape) if d == 1)
    else:
        dims = normalize_axes("squeeze", axis, aval.ndim)
    return lax.squeeze(a, dims) if dims else a


def expand_dims(a: ArrayLike, axis: int | Sequence[int]) -> Array:
    """numpy.expand_dims, differentiable."""
    a = operand(a)
    nd = get_aval(a).ndim
    axes = (axis,) if isinstance(axis, int) or np.ndim(axis) == 0 else tuple(axis)
    dims = normalize_axes("expand_dims", axes, nd + len(axes))
    return lax.expand_dims(a, dims)


def broadcast_to(a: ArrayLike, shape: int | Shape) -> Array:
    """numpy.broadcast_to, differentiable."""
    a = operand(a)
    aval = get_aval(a)
    shape = as_shape(shape, "broadcast_to")
    if aval.shape == shape:
        return a
    lead = len(shape) - aval.ndim
    if lead < 0 or any(d not in (1, s) for d, s in zip(aval.shape, shape[lead:])):
        raise ShapeError(f"cannot broadcast an array of shape {aval.shape} to shape {shape}.\n"
                         f"  at {user_frame()}\n" + doc_link("shapeerror"))
    return lax.broadcast_in_dim(a, shape, tuple(range(lead, len(shape))))


def broadcast_arrays(*args: ArrayLike) -> tuple[Array, ...]:
    """numpy.broadcast_arrays: the arguments broadcast against each other (differentiable).

    >>> import funcgrad.numpy as fnp
    >>> tuple(x.shape for x in fnp.broadcast_arrays(fnp.ones(3), fnp.ones((2, 1))))
    ((2, 3), (2, 3))
    """
    arrays = [operand(a) for a in args]
    try:
        shape = np.broadcast_shapes(*(shape_of(a) for a in arrays))
    except ValueError:
        raise ShapeError("broadcast_arrays: shapes " + ", ".join(
            str(shape_of(a)) for a in arrays) + " do not broadcast together") from None
    return tuple(broadcast_to(a, shape) for a in arrays)


# ---- joining and splitting ----------------------------------------------------------------------

def concatenate(arrays: Sequence[ArrayLike], axis: int | None = 0) -> Array:
    """numpy.concatenate; axis=None joins the flattened arrays."""
    arrays = [operand(x) for x in arrays]
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays, axis = [ravel(x) for x in arrays], 0
    nd = get_aval(arrays[0]).ndim
    if nd == 0:
        raise ShapeError("zero-dimensional arrays cannot be concatenated; use fnp.stack")
    return lax.concatenate(arrays, normalize_axis("concatenate", axis, nd))


def stack(arrays: Sequence[ArrayLike], axis: int = 0) -> Array:
    """numpy.stack: join arrays of one shape along a new axis."""
    return stack_operands(arrays, axis)


def hstack(tup: Sequence[ArrayLike]) -> Array:
    """numpy.hstack, differentiable."""
    arrs = [atleast_1d(a) for a in tup]
    if not arrs:
        raise ValueError("hstack: need at least one array to concatenate")
    return concatenate(arrs, axis=0 if get_aval(arrs[0]).ndim == 1 else 1)


def vstack(tup: Sequence[ArrayLike]) -> Array:
    """numpy.vstack, differentiable."""
    return concatenate([atleast_2d(a) for a in tup], axis=0)


row_stack = vstack


def dstack(tup: Sequence[ArrayLike]) -> Array:
    """numpy.dstack, differentiable."""
    return concatenate([atleast_3d(a) for a in tup], axis=2)


def column_stack(tup: Sequence[ArrayLike]) -> Array:
    """numpy.column_stack, differentiable."""
    arrs = []
    for a in tup:
        a = operand(a)
        arrs.append(reshape(a, (-1, 1)) if get_aval(a).ndim < 2 else a)
    return concatenate(arrs, axis=1)


# a number of equal sections, or the indices to cut at (an int, or a 1-D sequence or array)
_Sections = Union[int, Sequence[int], np.ndarray]


def split(ary: ArrayLike, indices_or_sections: _Sections, axis: int = 0) -> list[Array]:
    """numpy.split: equal sections (an int) or cuts at the given indices."""
    a = operand(ary)
    aval = get_aval(a)
    ax = normalize_axis("split", axis, aval.ndim)
    n = aval.shape[ax]
    if np.ndim(indices_or_sections) == 0:
        k = int(cast(int, indices_or_sections))
        if k <= 0 or n % k:
            raise ValueError(f"array split does not result in an equal division: axis {ax} of "
                             f"size {n} into {k} sections")
        cuts = [i * (n // k) for i in range(1, k)]
    else:
        cuts = [int(c) for c in cast(Sequence[int], indices_or_sections)]
    # numpy cuts as a[lo:hi] slices do: a negative index counts from the end
    bounds = [0] + [min(max(c + n if c < 0 else c, 0), n) for c in cuts] + [n]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        start = [0] * aval.ndim
        limit = list(aval.shape)
        start[ax], limit[ax] = lo, max(lo, hi)
        out.append(lax.slice(a, start, limit))
    return out


def array_split(ary: ArrayLike, indices_or_sections: _Sections,
                axis: int = 0) -> list[Array]:
    """numpy.array_split, differentiable."""
    a = operand(ary)
    n = get_aval(a).shape[normalize_axis("array_split", axis, get_aval(a).ndim)]
    if np.ndim(indices_or_sections) == 0:
        k = int(cast(int, indices_or_sections))
        if k <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extra = divmod(n, k)
        sizes = [each + 1] * extra + [each] * (k - extra)
        cuts = list(np.cumsum(sizes)[:-1])
        return split(a, cuts, axis)
    return split(a, indices_or_sections, axis)


def hsplit(ary: ArrayLike, indices_or_sections: _Sections) -> list[Array]:
    """numpy.hsplit, differentiable."""
    a = operand(ary)
    return split(a, indices_or_sections, axis=1 if get_aval(a).ndim > 1 else 0)


def vsplit(ary: ArrayLike, indices_or_sections: _Sections) -> list[Array]:
    """numpy.vsplit, differentiable."""
    return split(ary, indices_or_sections, axis=0)


def dsplit(ary: ArrayLike, indices_or_sections: _Sections) -> list[Array]:
    """numpy.dsplit, differentiable."""
    return split(ary, indices_or_sections, axis=2)


# ---- tiling, adding and rearranging elements ----------------------------------------------------

def repeat(a: ArrayLike, repeats: int | Sequence[int] | np.ndarray,
           axis: int | None = None) -> Array:
    """numpy.repeat, differentiable."""
    a, axis = axis_or_flat(a, axis, "repeat")
    n = get_aval(a).shape[axis]
    idx = np.repeat(np.arange(n), repeats)
    return lax.index(a, (slice(None),) * axis + (idx,))


def tile(A: ArrayLike, reps: int | Sequence[int]) -> Array:
    """numpy.tile, differentiable."""
    A = operand(A)
    reps = as_shape(reps, "tile", argname="reps")
    shape = get_aval(A).shape
    nd = max(len(shape), len(reps))
    A = reshape(A, (1,) * (nd - len(shape)) + shape)
    reps = (1,) * (nd - len(reps)) + reps
    for ax, r in enumerate(reps):
        if r != 1:
            A = concatenate([A] * r, axis=ax) if r else lax.slice(
                A, [0] * nd, [0 if i == ax else d for i, d in enumerate(get_aval(A).shape)])
    return A


def append(arr: ArrayLike, values: ArrayLike, axis: int | None = None) -> Array:
    """numpy.append, differentiable."""
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], axis=0)
    return concatenate([arr, values], axis=axis)


def pad(array: ArrayLike, pad_width: Any, mode: str = "constant",
        constant_values: ArrayLike = 0) -> Array:
    """numpy.pad for modes constant, edge, reflect, symmetric and wrap."""
    a = operand(array)
    shape = get_aval(a).shape
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64).reshape(-1, 2)
                             if np.ndim(pad_width) else np.full((1, 2), pad_width),
                             (len(shape), 2)) if len(shape) else np.zeros((0, 2), np.int64)
    if mode == "constant":
        return lax.pad(a, lax.convert_element_type(constant_values, get_aval(a).dtype),
                       [(int(lo), int(hi), 0) for lo, hi in widths])
    for ax, (lo, hi) in enumerate(widths):
        n = get_aval(a).shape[ax]
        parts = [_pad_side(a, ax, int(lo), n, mode, True), a,
                 _pad_side(a, ax, int(hi), n, mode, False)]
        a = concatenate([p for p in parts if p is not None], axis=ax)
    return a


def _pad_side(a, ax, width, n, mode, before):
    if width == 0:
        return None
    if mode == "edge":
        idx = np.full(width, 0 if before else n - 1)
    elif mode == "wrap":
        idx = (np.arange(-width, 0) if before else np.arange(n, n + width)) % n
    elif mode in ("reflect", "symmetric"):
        period = 2 * n - 2 if mode == "reflect" else 2 * n
        pos = np.arange(-width, 0) if before else np.arange(n, n + width)
        pos = np.mod(pos, period) if period else np.zeros_like(pos)
        if mode == "reflect":
            idx = np.where(pos >= n, period - pos, pos)
        else:
            idx = np.where(pos >= n, period - 1 - pos, pos)
    else:
        raise NotImplementedError(f"pad mode {mode!r} is not supported (constant, edge, reflect, "
                                  "symmetric, wrap are)")
    return lax.index(a, (slice(None),) * ax + (idx,))


def flip(m: ArrayLike, axis: Axis = None) -> Array:
    """numpy.flip, differentiable."""
    m = operand(m)
    nd = get_aval(m).ndim
    axes = tuple(range(nd)) if axis is None else tuple(
        normalize_axis("flip", a, nd) for a in np.atleast_1d(axis))
    return lax.rev(m, axes) if axes else m


def fliplr(m: ArrayLike) -> Array:
    """numpy.fliplr, differentiable."""
    return flip(m, 1)


def flipud(m: ArrayLike) -> Array:
    """numpy.flipud, differentiable."""
    return flip(m, 0)


def roll(a: ArrayLike, shift: ArrayLike,
         axis: int | Sequence[int] | None = None) -> Array:
    """numpy.roll, differentiable."""
    a = operand(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), get_aval(a).shape)
    shifts, axes = np.broadcast_arrays(np.atleast_1d(shift), np.atleast_1d(axis))
    nd = get_aval(a).ndim
    for s, ax in zip(shifts, axes):
        ax = normalize_axis("roll", int(ax), nd)
        n = get_aval(a).shape[ax]
        if n == 0:
            continue
        s = int(s) % n
        if s:
            left, right = split(a, [n - s], ax)
            a = concatenate([right, left], axis=ax)
    return a


def rollaxis(a: ArrayLike, axis: int, start: int = 0) -> Array:
    """numpy.rollaxis, differentiable."""
    a = operand(a)
    nd = get_aval(a).ndim
    axis = normalize_axis("rollaxis", axis, nd)
    start = start % (nd + 1) if start < 0 else start
    if axis < start:
        start -= 1
    return moveaxis(a, axis, start)


def rot90(m: ArrayLike, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Array:
    """numpy.rot90, differentiable."""
    m = operand(m)
    k %= 4
    a0, a1 = axes
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    if k == 1:
        return swapaxes(flip(m, a1), a0, a1)
    return flip(swapaxes(m, a0, a1), a1)
