"""numpy's array manipulation routines (shape, transposes, dimensions, joining, splitting,
tiling, padding and rearranging), composed from the shape primitives."""
from __future__ import annotations

import math
from typing import Any, Sequence, Union, cast

import numpy as np

from .. import lax
from .._core.array import Array
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.trace import Tracer, get_aval
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


_PAD_MODES = ("constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum",
              "reflect", "symmetric", "wrap", "empty")
_PAD_KWARGS = {"constant": {"constant_values"}, "linear_ramp": {"end_values"},
               "maximum": {"stat_length"}, "mean": {"stat_length"}, "median": {"stat_length"},
               "minimum": {"stat_length"}, "reflect": {"reflect_type"},
               "symmetric": {"reflect_type"}}


def _index_pairs(x, ndim, name):
    """numpy.pad's reading of pad_width / stat_length: an int, (n,), (before, after) or one
    pair per axis, as ndim (before, after) Python ints (None stays None)."""
    if x is None:
        return [(None, None)] * ndim
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(arr == np.round(arr))):
        raise TypeError(f"pad: `{name}` must be integers, got {x!r}")
    arr = np.round(arr).astype(np.int64)
    if arr.ndim < 3 and arr.size == 1:
        arr = arr.ravel()
        arr = np.broadcast_to(np.array([arr[0], arr[0]]), (ndim, 2))
    elif arr.ndim < 3 and arr.size == 2 and arr.shape != (2, 1):
        arr = np.broadcast_to(arr.ravel(), (ndim, 2))
    else:
        try:
            arr = np.broadcast_to(arr, (ndim, 2))
        except ValueError:
            raise ValueError(f"pad: `{name}` of shape {np.shape(x)} does not fit an array of "
                             f"{ndim} dimensions: give an int, (before, after) or one pair per "
                             "axis ((before, after), ...).") from None
    if (arr < 0).any():
        raise ValueError(f"pad: `{name}` can't contain negative values, got {x!r}")
    return [(int(b), int(a)) for b, a in arr]


def _value_pairs(x, ndim, name):
    """constant_values / end_values: a value, (before, after) or one pair per axis; values may
    be traced (the padding differentiates with respect to them)."""
    v = operand(x)
    shape = get_aval(v).shape
    if len(shape) < 3 and int(np.prod(shape)) == 1:
        one = lax.reshape(v, ())
        return [(one, one)] * ndim
    if len(shape) < 3 and int(np.prod(shape)) == 2 and shape != (2, 1):
        flat = lax.reshape(v, (2,))
        pair = (lax.index(flat, (0,)), lax.index(flat, (1,)))
        return [pair] * ndim
    try:
        target = np.broadcast_shapes(shape, (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: `{name}` of shape {shape} does not fit an array of {ndim} "
                         "dimensions: give a value, (before, after) or one pair per axis.") from None
    if target != (ndim, 2):
        raise ValueError(f"pad: `{name}` of shape {shape} does not fit an array of {ndim} "
                         "dimensions.")
    full = broadcast_to(v, (ndim, 2))
    return [(lax.index(full, (i, 0)), lax.index(full, (i, 1))) for i in range(ndim)]


def _axis_slice(a, ax, start, stop):
    shape = get_aval(a).shape
    return lax.slice(a, (0,) * ax + (start,) + (0,) * (len(shape) - ax - 1),
                     shape[:ax] + (stop,) + shape[ax + 1:])


def _fill(a, ax, width, value):
    """A block of `width` along axis ax, the shape of a elsewhere, filled with value."""
    shape = list(get_aval(a).shape)
    shape[ax] = width
    value = lax.convert_element_type(value, get_aval(a).dtype)
    return broadcast_to(value, tuple(shape))


def _reflect_pad_axis(a, ax, before, after, symmetric, odd):
    """numpy's reflect/symmetric padding of one axis: chunks of at most n - 1 (reflect) or n
    (symmetric) values, each mirrored from the array padded so far, so a pad wider than the axis
    reflects the reflection; reflect_type='odd' takes 2 * edge - mirrored."""
    n = get_aval(a).shape[ax]
    period = n if symmetric else n - 1
    while before > 0 or after > 0:
        if before > 0:
            k = min(before, period)
            off = 0 if symmetric else 1
            chunk = lax.rev(_axis_slice(a, ax, off, off + k), (ax,))
            if odd:
                chunk = 2 * _axis_slice(a, ax, 0, 1) - chunk
            a = concatenate([chunk, a], axis=ax)
            before -= k
        if after > 0:
            k = min(after, period)
            m = get_aval(a).shape[ax]
            off = 0 if symmetric else 1
            chunk = lax.rev(_axis_slice(a, ax, m - off - k, m - off), (ax,))
            if odd:
                chunk = 2 * _axis_slice(a, ax, m - 1, m) - chunk
            a = concatenate([a, chunk], axis=ax)
            after -= k
    return a


def _stat(a, ax, lo, hi, mode):
    region = _axis_slice(a, ax, lo, hi)
    if mode == "maximum":
        return lax.reduce_max(region, (ax,))
    if mode == "minimum":
        return lax.reduce_min(region, (ax,))
    if mode == "mean":
        return lax.div(lax.reduce_sum(region, (ax,)),
                       lax.convert_element_type(hi - lo, get_aval(a).dtype))
    from ._statistics import median  # reason: _statistics imports this module
    return median(region, axis=ax)


def _callable_pad(a, widths, func, kwargs):
    """numpy's callable mode: func(vector, (before, after), axis, kwargs) edits each padded
    1-D slice in place, so it runs on numpy values (no derivative)."""
    if isinstance(a, Tracer):
        raise TypeError("pad: a callable `mode` edits numpy arrays in place, so it runs on "
                        "concrete values only (not under jit, grad or vmap); use a named mode "
                        "to differentiate.")
    return Array(np.pad(np.asarray(a), widths, func, **kwargs))


def pad(array: ArrayLike, pad_width: Any, mode: Any = "constant", **kwargs: Any) -> Array:
    """numpy.pad, every mode: 'constant' (constant_values), 'edge', 'linear_ramp'
    (end_values), 'maximum'/'minimum'/'mean'/'median' (stat_length), 'reflect'/'symmetric'
    (reflect_type 'even' or 'odd'), 'wrap', 'empty' (zeros here) and a callable (on concrete
    values). pad_width, stat_length, constant_values and end_values take numpy's forms: one
    value, (before, after), or one pair per axis. Differentiable in the array and in
    constant_values/end_values.

    >>> import funcgrad.numpy as fnp
    >>> fnp.pad(fnp.array([1.0, 2.0, 3.0]), (2, 1), mode="reflect", reflect_type="odd")
    Array([-1.,  0.,  1.,  2.,  3.,  4.], dtype=float64)
    >>> fnp.pad(fnp.array([1.0, 2.0]), 1, constant_values=(7.0, 9.0))
    Array([7., 1., 2., 9.], dtype=float64)
    """
    a = operand(array)
    shape = get_aval(a).shape
    nd = len(shape)
    widths = _index_pairs(pad_width, nd, "pad_width")
    if callable(mode):
        return _callable_pad(a, widths, mode, kwargs)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode {mode!r} is not supported; use one of {_PAD_MODES} or a "
                         "callable.")
    unknown = set(kwargs) - _PAD_KWARGS.get(mode, set())
    if unknown:
        raise ValueError(f"pad: unsupported keyword arguments for mode '{mode}': "
                         f"{sorted(unknown)}")
    if mode in ("constant", "empty"):
        values = kwargs.get("constant_values", 0)
        if mode == "constant" and np.ndim(values) == 0 and not isinstance(values, Array):
            return lax.pad(a, lax.convert_element_type(values, get_aval(a).dtype),
                           [(lo, hi, 0) for lo, hi in widths])
        pairs = _value_pairs(values if mode == "constant" else 0, nd, "constant_values")
        for ax, ((lo, hi), (vlo, vhi)) in enumerate(zip(widths, pairs)):
            parts = [_fill(a, ax, lo, vlo)] if lo else []
            parts += [a] + ([_fill(a, ax, hi, vhi)] if hi else [])
            a = concatenate(parts, axis=ax) if len(parts) > 1 else a
        return a
    for ax, (lo, hi) in enumerate(widths):
        if (lo or hi) and shape[ax] == 0:
            raise ValueError(f"pad: can't extend empty axis {ax} using modes other than "
                             "'constant' or 'empty'")
    if mode == "linear_ramp":
        pairs = _value_pairs(kwargs.get("end_values", 0), nd, "end_values")
        for ax, ((lo, hi), (vlo, vhi)) in enumerate(zip(widths, pairs)):
            a = _ramp_axis(a, ax, lo, hi, vlo, vhi)
        return a
    if mode in ("maximum", "minimum", "mean", "median"):
        stat = _index_pairs(kwargs.get("stat_length"), nd, "stat_length")
        for ax, ((lo, hi), (slo, shi)) in enumerate(zip(widths, stat)):
            n = get_aval(a).shape[ax]
            parts = []
            if lo:
                k = n if slo is None else max(1, min(slo, n))
                parts.append(broadcast_to(expand_dims(_stat(a, ax, 0, k, mode), ax),
                                          _with(get_aval(a).shape, ax, lo)))
            parts.append(a)
            if hi:
                k = n if shi is None else max(1, min(shi, n))
                parts.append(broadcast_to(expand_dims(_stat(a, ax, n - k, n, mode), ax),
                                          _with(get_aval(a).shape, ax, hi)))
            a = concatenate(parts, axis=ax) if len(parts) > 1 else a
        return a
    if mode in ("reflect", "symmetric"):
        rtype = kwargs.get("reflect_type", "even")
        if rtype not in ("even", "odd"):
            raise ValueError(f"pad: `reflect_type` = {rtype!r} must be 'even' or 'odd'")
        for ax, (lo, hi) in enumerate(widths):
            if get_aval(a).shape[ax] == 1:
                a = _edge_axis(a, ax, lo, hi)
            elif lo or hi:
                a = _reflect_pad_axis(a, ax, lo, hi, mode == "symmetric", rtype == "odd")
        return a
    for ax, (lo, hi) in enumerate(widths):
        if mode == "edge":
            a = _edge_axis(a, ax, lo, hi)
            continue
        n = get_aval(a).shape[ax]   # wrap: the periodic extension
        parts = []
        if lo:
            parts.append(lax.index(a, (slice(None),) * ax + (np.arange(-lo, 0) % n,)))
        parts.append(a)
        if hi:
            parts.append(lax.index(a, (slice(None),) * ax + (np.arange(n, n + hi) % n,)))
        a = concatenate(parts, axis=ax) if len(parts) > 1 else a
    return a


def _with(shape, ax, size):
    return tuple(size if i == ax else d for i, d in enumerate(shape))


def _edge_axis(a, ax, lo, hi):
    n = get_aval(a).shape[ax]
    parts = [broadcast_to(_axis_slice(a, ax, 0, 1), _with(get_aval(a).shape, ax, lo))] if lo else []
    parts.append(a)
    if hi:
        parts.append(broadcast_to(_axis_slice(a, ax, n - 1, n), _with(get_aval(a).shape, ax, hi)))
    return concatenate(parts, axis=ax) if len(parts) > 1 else a


def _ramp_axis(a, ax, lo, hi, vlo, vhi):
    """numpy's linear_ramp: linspace(end_value, edge, width, endpoint=False) before the
    array, its reverse after (computed in the array's dtype)."""
    n = get_aval(a).shape[ax]
    dt = get_aval(a).dtype
    nd = get_aval(a).ndim
    parts = []

    def ramp(edge, end, width, reverse):
        t = np.arange(width, dtype=np.float64) / width
        if reverse:
            t = t[::-1]
        t = lax.reshape(lax.convert_element_type(Array(np.ascontiguousarray(t)), dt),
                        tuple(width if i == ax else 1 for i in range(nd)))
        end = lax.convert_element_type(end, dt)
        return broadcast_to(end + (edge - end) * t, _with(get_aval(a).shape, ax, width))
    if lo:
        parts.append(ramp(_axis_slice(a, ax, 0, 1), vlo, lo, False))
    parts.append(a)
    if hi:
        parts.append(ramp(_axis_slice(a, ax, n - 1, n), vhi, hi, True))
    return concatenate(parts, axis=ax) if len(parts) > 1 else a


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
