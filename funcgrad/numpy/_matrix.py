"""Matrix structure (diagonals, triangles, trace), cumulative operations, sorting, products of
arrays (cross, kron), and numpy's index tricks (r_, c_) — compositions of primitives."""
from __future__ import annotations

import numpy as np

from .. import lax
from .._core.trace import get_aval
from ..lax._checks import normalize_axis
from ._core import asarray, operand
from ._manipulation import concatenate, moveaxis, reshape


def diagonal(a, offset=0, axis1=0, axis2=1):
    a = operand(a)
    nd = get_aval(a).ndim
    i, j = normalize_axis("diagonal", axis1, nd), normalize_axis("diagonal", axis2, nd)
    a = moveaxis(a, (i, j), (-2, -1))
    n, m = get_aval(a).shape[-2:]
    rows = np.arange(max(0, -offset), min(n, m - offset)) if min(n, m - offset) > max(
        0, -offset) else np.arange(0)
    return lax.index(a, (Ellipsis, rows, rows + offset))


def trace(a, offset=0, axis1=0, axis2=1):
    from ._reductions import sum as _sum
    return _sum(diagonal(a, offset, axis1, axis2), axis=-1)


def make_diagonal(v, offset=0, axis1=0, axis2=1):
    """The matrix (or stack) whose diagonal is v's last axis (HIPS autograd's make_diagonal)."""
    v = operand(v)
    n = get_aval(v).shape[-1] + abs(offset)
    z = lax.full(get_aval(v).shape[:-1] + (n, n), 0, get_aval(v).dtype)
    r = np.arange(get_aval(v).shape[-1]) + max(0, -offset)
    return z.at[(Ellipsis, r, r + offset)].set(v)


def diag(v, k=0):
    v = operand(v)
    nd = get_aval(v).ndim
    if nd == 1:
        return make_diagonal(v, k)
    if nd == 2:
        return diagonal(v, k)
    raise ValueError("Input must be 1- or 2-d.")


def _tri_mask(shape, k, lower):
    n, m = shape[-2:]
    return np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, k - 1, dtype=bool)


def tril(m, k=0):
    m = operand(m)
    return lax.select(_tri_mask(get_aval(m).shape, k, True), m, 0)


def triu(m, k=0):
    m = operand(m)
    return lax.select(_tri_mask(get_aval(m).shape, k, False), m, 0)


def tri(N, M=None, k=0, dtype=None):
    return asarray(np.tri(N, M, k, dtype=dtype or np.float64))


def cumsum(a, axis=None, dtype=None):
    a = operand(a)
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    if dtype is not None:
        a = lax.convert_element_type(a, dtype)
    elif get_aval(a).dtype.kind in "biu" and get_aval(a).dtype.itemsize < 8:
        a = lax.convert_element_type(a, np.int64)
    return lax.cumsum(a, normalize_axis("cumsum", axis, get_aval(a).ndim))


def cumprod(a, axis=None, dtype=None):
    """Running products: prod over a lower-triangular mask of the axis (exact with zeros)."""
    a = operand(a)
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    if dtype is not None:
        a = lax.convert_element_type(a, dtype)
    ax = normalize_axis("cumprod", axis, get_aval(a).ndim)
    a = moveaxis(a, ax, -1)
    n = get_aval(a).shape[-1]
    mask = np.tri(n, dtype=bool)  # [i, j]: j <= i
    x = lax.expand_dims(a, (get_aval(a).ndim - 1,))  # (..., 1, n)
    from ._reductions import prod
    out = prod(lax.select(mask, x, 1), axis=-1)
    return moveaxis(out, -1, ax)


def diff(a, n=1, axis=-1, prepend=None, append=None):
    a = operand(a)
    nd = get_aval(a).ndim
    ax = normalize_axis("diff", axis, nd)
    if prepend is not None or append is not None:
        parts = [operand(p) for p in (prepend,) if p is not None] + [a] + [
            operand(p) for p in (append,) if p is not None]
        parts = [p if get_aval(p).ndim == nd else lax.broadcast_in_dim(
            p, tuple(1 if i == ax else d for i, d in enumerate(get_aval(a).shape)), ())
            for p in parts]
        a = concatenate(parts, axis=ax)
    for _ in range(n):
        m = get_aval(a).shape[ax]
        hi = tuple(slice(1, None) if i == ax else slice(None) for i in range(nd))
        lo = tuple(slice(0, m - 1) if i == ax else slice(None) for i in range(nd))
        a = lax.sub(lax.index(a, hi), lax.index(a, lo))
    return a


def gradient(f, *varargs, axis=None, edge_order=1):
    """numpy.gradient with unit or scalar spacing: central differences inside, one-sided at the
    ends."""
    f = operand(f)
    nd = get_aval(f).ndim
    axes = list(range(nd)) if axis is None else [normalize_axis("gradient", a, nd)
                                                 for a in np.atleast_1d(axis)]
    spacing = list(varargs) if varargs else [1.0] * len(axes)
    if len(spacing) == 1:
        spacing = spacing * len(axes)
    out = []
    for ax, h in zip(axes, spacing):
        n = get_aval(f).shape[ax]
        if n < 2:
            raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                             "least (edge_order + 1) elements are required.")

        def sl(a, b):
            return tuple(slice(a, b) if i == ax else slice(None) for i in range(nd))
        inner = lax.div(lax.sub(lax.index(f, sl(2, None)), lax.index(f, sl(0, n - 2))), 2.0 * h)
        first = lax.div(lax.sub(lax.index(f, sl(1, 2)), lax.index(f, sl(0, 1))), h)
        last = lax.div(lax.sub(lax.index(f, sl(n - 1, n)), lax.index(f, sl(n - 2, n - 1))), h)
        out.append(concatenate([first, inner, last], axis=ax))
    return out[0] if len(out) == 1 else out


def sort(a, axis=-1, kind=None, order=None):
    """numpy.sort, differentiable: the values are gathered with the (stable) sorting permutation."""
    a = operand(a)
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    ax = normalize_axis("sort", axis, get_aval(a).ndim)
    return take_along_axis(a, lax.argsort(a, ax), ax)


def argsort(a, axis=-1, kind=None, order=None):
    a = operand(a)
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    return lax.argsort(a, normalize_axis("argsort", axis, get_aval(a).ndim))


def msort(a):
    return sort(a, axis=0)


def partition(a, kth, axis=-1):
    """A valid numpy.partition: the fully sorted array has every element in its partition."""
    return sort(a, axis)


def take_along_axis(arr, indices, axis):
    arr, indices = operand(arr), operand(indices)
    nd = get_aval(arr).ndim
    ax = normalize_axis("take_along_axis", axis, nd)
    shape = get_aval(indices).shape
    grids = np.ix_(*[np.arange(n) for n in shape])
    idx = tuple(indices if k == ax else np.broadcast_to(grids[k], shape) for k in range(nd))
    return lax.index(arr, idx)


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(operand(a), axisa, -1), moveaxis(operand(b), axisb, -1)
    if get_aval(a).shape[-1] != 3 or get_aval(b).shape[-1] != 3:
        raise ValueError("incompatible dimensions for cross product (dimension must be 3)")
    a0, a1, a2 = (lax.index(a, (Ellipsis, i)) for i in range(3))
    b0, b1, b2 = (lax.index(b, (Ellipsis, i)) for i in range(3))
    from ._manipulation import stack
    c = stack([lax.sub(lax.mul(a1, b2), lax.mul(a2, b1)),
               lax.sub(lax.mul(a2, b0), lax.mul(a0, b2)),
               lax.sub(lax.mul(a0, b1), lax.mul(a1, b0))], axis=-1)
    return moveaxis(c, -1, axisc)


def kron(a, b):
    a, b = operand(a), operand(b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    a, b = reshape(a, sa), reshape(b, sb)
    # a[i, None, j, None] * b[None, k, None, l] -> (i*k, j*l)
    ea = reshape(a, tuple(x for d in sa for x in (d, 1)))
    eb = reshape(b, tuple(x for d in sb for x in (1, d)))
    return reshape(lax.mul(ea, eb), tuple(x * y for x, y in zip(sa, sb)))


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
