"""Shape manipulation with numpy's names and semantics."""
from __future__ import annotations

import math

import numpy as np

from .. import lax
from .._core.array import Array
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.trace import get_aval, host_value
from ..lax._checks import normalize_axes, normalize_axis
from ._core import operand


def _resolve_shape(newshape, size, old):
    shape = [int(d) for d in ((newshape,) if np.ndim(newshape) == 0 else newshape)]
    unknown = [i for i, d in enumerate(shape) if d == -1]
    if len(unknown) > 1:
        raise ShapeError(f"reshape: can only infer one axis (-1) in {tuple(shape)}")
    if unknown:
        known = math.prod(d for d in shape if d != -1)
        if known == 0 or size % known:
            raise ShapeError(
                f"cannot reshape an array of shape {old} ({size} elements) into shape "
                f"{tuple(shape)}: {size} is not a multiple of {known}.\n  at {user_frame()}\n"
                + doc_link("shapeerror"))
        shape[unknown[0]] = size // known
    return tuple(shape)


def reshape(a, newshape, order="C"):
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


def ravel(a):
    return reshape(a, (-1,))


def transpose(a, axes=None):
    a = operand(a)
    nd = get_aval(a).ndim
    perm = tuple(range(nd))[::-1] if axes is None else tuple(
        normalize_axis("transpose", ax, nd) for ax in axes)
    return a if perm == tuple(range(nd)) else lax.transpose(a, perm)


def swapaxes(a, axis1, axis2):
    a = operand(a)
    nd = get_aval(a).ndim
    perm = list(range(nd))
    i, j = normalize_axis("swapaxes", axis1, nd), normalize_axis("swapaxes", axis2, nd)
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def moveaxis(a, source, destination):
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


def squeeze(a, axis=None):
    a = operand(a)
    aval = get_aval(a)
    if axis is None:
        dims = tuple(i for i, d in enumerate(aval.shape) if d == 1)
    else:
        dims = normalize_axes("squeeze", axis, aval.ndim)
    return lax.squeeze(a, dims) if dims else a


def expand_dims(a, axis):
    a = operand(a)
    nd = get_aval(a).ndim
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    dims = normalize_axes("expand_dims", axes, nd + len(axes))
    return lax.expand_dims(a, dims)


def broadcast_to(a, shape):
    a = operand(a)
    aval = get_aval(a)
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)
    if aval.shape == shape:
        return a
    lead = len(shape) - aval.ndim
    if lead < 0 or any(d not in (1, s) for d, s in zip(aval.shape, shape[lead:])):
        raise ShapeError(f"cannot broadcast an array of shape {aval.shape} to shape {shape}.\n"
                         f"  at {user_frame()}\n" + doc_link("shapeerror"))
    return lax.broadcast_in_dim(a, shape, tuple(range(lead, len(shape))))


def concatenate(arrays, axis=0):
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


def stack(arrays, axis=0):
    """numpy.stack: join arrays of one shape along a new axis."""
    arrays = [operand(x) for x in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = {get_aval(x).shape for x in arrays}
    if len(shapes) > 1:
        raise ShapeError(f"stack needs arrays of one shape, got {sorted(shapes)}.\n  at "
                         f"{user_frame()}\n" + doc_link("shapeerror"))
    nd = get_aval(arrays[0]).ndim + 1
    ax = normalize_axis("stack", axis, nd)
    return lax.concatenate([lax.expand_dims(x, (ax,)) for x in arrays], ax)


def split(ary, indices_or_sections, axis=0):
    """numpy.split: equal sections (an int) or cuts at the given indices."""
    a = operand(ary)
    aval = get_aval(a)
    ax = normalize_axis("split", axis, aval.ndim)
    n = aval.shape[ax]
    if np.ndim(indices_or_sections) == 0:
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(f"array split does not result in an equal division: axis {ax} of "
                             f"size {n} into {k} sections")
        cuts = [i * (n // k) for i in range(1, k)]
    else:
        cuts = [int(c) for c in indices_or_sections]
    # numpy cuts as a[lo:hi] slices do: a negative index counts from the end
    bounds = [0] + [min(max(c + n if c < 0 else c, 0), n) for c in cuts] + [n]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        start = [0] * aval.ndim
        limit = list(aval.shape)
        start[ax], limit[ax] = lo, max(lo, hi)
        out.append(lax.slice(a, start, limit))
    return out


def nonzero(a):
    """numpy.nonzero, for concrete values only: the result's size depends on the values."""
    return tuple(Array(i) for i in np.nonzero(host_value(operand(a))))


def shape(a):
    return get_aval(operand(a)).shape


def ndim(a):
    return get_aval(operand(a)).ndim


def size(a):
    return get_aval(operand(a)).size
