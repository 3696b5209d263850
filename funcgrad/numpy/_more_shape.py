"""More of numpy's array manipulation, composed from the shape primitives."""
from __future__ import annotations

import numpy as np

from .. import lax
from .._core.trace import get_aval
from ..lax._checks import normalize_axis
from ._core import operand
from ._manipulation import concatenate, moveaxis, ravel, reshape, split, swapaxes


def astype(x, dtype, copy=True):
    return lax.convert_element_type(operand(x), dtype)


def atleast_1d(*arys):
    res = [reshape(a, (1,)) if get_aval(operand(a)).ndim == 0 else operand(a) for a in arys]
    return res[0] if len(res) == 1 else res


def atleast_2d(*arys):
    res = []
    for a in arys:
        a = operand(a)
        nd = get_aval(a).ndim
        res.append(reshape(a, (1, 1)) if nd == 0 else reshape(a, (1, -1)) if nd == 1 else a)
    return res[0] if len(res) == 1 else res


def atleast_3d(*arys):
    res = []
    for a in arys:
        a = operand(a)
        shape = get_aval(a).shape
        res.append(reshape(a, (1, 1, 1)) if len(shape) == 0 else
                   reshape(a, (1,) + shape + (1,)) if len(shape) == 1 else
                   reshape(a, shape + (1,)) if len(shape) == 2 else a)
    return res[0] if len(res) == 1 else res


def hstack(tup):
    arrs = [atleast_1d(a) for a in tup]
    return concatenate(arrs, axis=0 if get_aval(arrs[0]).ndim == 1 else 1)


def vstack(tup):
    return concatenate([atleast_2d(a) for a in tup], axis=0)


row_stack = vstack


def dstack(tup):
    return concatenate([atleast_3d(a) for a in tup], axis=2)


def column_stack(tup):
    arrs = []
    for a in tup:
        a = operand(a)
        arrs.append(reshape(a, (-1, 1)) if get_aval(a).ndim < 2 else a)
    return concatenate(arrs, axis=1)


def append(arr, values, axis=None):
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], axis=0)
    return concatenate([arr, values], axis=axis)


def array_split(ary, indices_or_sections, axis=0):
    a = operand(ary)
    n = get_aval(a).shape[normalize_axis("array_split", axis, get_aval(a).ndim)]
    if np.ndim(indices_or_sections) == 0:
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extra = divmod(n, k)
        sizes = [each + 1] * extra + [each] * (k - extra)
        cuts = list(np.cumsum(sizes)[:-1])
        return split(a, cuts, axis)
    return split(a, indices_or_sections, axis)


def hsplit(ary, indices_or_sections):
    a = operand(ary)
    return split(a, indices_or_sections, axis=1 if get_aval(a).ndim > 1 else 0)


def vsplit(ary, indices_or_sections):
    return split(ary, indices_or_sections, axis=0)


def dsplit(ary, indices_or_sections):
    return split(ary, indices_or_sections, axis=2)


def flip(m, axis=None):
    m = operand(m)
    nd = get_aval(m).ndim
    axes = tuple(range(nd)) if axis is None else tuple(
        normalize_axis("flip", a, nd) for a in np.atleast_1d(axis))
    return lax.rev(m, axes) if axes else m


def fliplr(m):
    return flip(m, 1)


def flipud(m):
    return flip(m, 0)


def roll(a, shift, axis=None):
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


def rollaxis(a, axis, start=0):
    a = operand(a)
    nd = get_aval(a).ndim
    axis = normalize_axis("rollaxis", axis, nd)
    start = start % (nd + 1) if start < 0 else start
    if axis < start:
        start -= 1
    return moveaxis(a, axis, start)


def rot90(m, k=1, axes=(0, 1)):
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


def repeat(a, repeats, axis=None):
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    nd = get_aval(a).ndim
    axis = normalize_axis("repeat", axis, nd)
    n = get_aval(a).shape[axis]
    idx = np.repeat(np.arange(n), repeats)
    return lax.index(a, (slice(None),) * axis + (idx,))


def tile(A, reps):
    A = operand(A)
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    shape = get_aval(A).shape
    nd = max(len(shape), len(reps))
    A = reshape(A, (1,) * (nd - len(shape)) + shape)
    reps = (1,) * (nd - len(reps)) + reps
    for ax, r in enumerate(reps):
        if r != 1:
            A = concatenate([A] * r, axis=ax) if r else lax.slice(
                A, [0] * nd, [0 if i == ax else d for i, d in enumerate(get_aval(A).shape)])
    return A


def pad(array, pad_width, mode="constant", constant_values=0):
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
