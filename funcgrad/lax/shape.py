"""Structural primitives: reshape, transpose, broadcast, squeeze/expand, concatenate, pad, slices.
All are linear, so their derivatives move cotangents back through the inverse structure."""
from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

from .._core.array import Array
from .._core.backend import asarray, xp_of
from .._core.avals import ShapedArray
from .._core.primitive import (NO_ALGEBRA, PURE, RULE_FIRST, Primitive, defjvp, defvjp, defvjp_all,
                               identity_when_same_type)
from .._core.trace import Tracer, get_aval
from .._core.typing import ArrayLike, DTypeLike, Shape
from .._core.validate import as_index, shape_tuple
# modules, not names: elementwise, shape and reduce call one another's functions (read at call
# time), so that any of them may be imported first
from . import elementwise as _elementwise, reduce as _reduce
from ._batching import batch_size, move_axis, shift_axes, to_front
from ._checks import check_axes, shape_error as _shape_error


def _linear(prim, fwd, back):
    """A primitive linear in its first operand: the tangent goes through `fwd`, the cotangent
    through `back(ct, x, **params)`."""
    defjvp(prim, lambda t, ans, x, **p: fwd(t, **p))
    defvjp(prim, lambda ct, ans, x, **p: back(ct, x, **p))


def full(shape: Shape, fill_value: ArrayLike, dtype: DTypeLike) -> Array:
    """An array of `shape` filled with `fill_value` (a zero-stride broadcast, no copies).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.full((2,), 7, fnp.int32)
    Array([7, 7], dtype=int32)
    """
    fill = _elementwise.convert_element_type(fill_value, dtype)
    return broadcast_in_dim(fill, tuple(shape), ())


def zeros_like_aval(x):
    return full(x.shape, 0, x.dtype)


_VALUES = (Array, Tracer)  # values a no-op reshape or transpose can hand back as they are

# ---- reshape ------------------------------------------------------------------------------------

reshape_p = Primitive("reshape")
reshape_p.impl = lambda x, *, new_sizes: np.reshape(x, new_sizes)


def _reshape_abstract_eval(x, *, new_sizes):
    if math.prod(new_sizes) != x.size or any(d < 0 for d in new_sizes):
        raise _shape_error(f"cannot reshape an array of shape {x.shape} ({x.size} elements) into "
                           f"shape {new_sizes} ({math.prod(new_sizes)} elements).")
    return ShapedArray(new_sizes, x.dtype)


reshape_p.abstract_eval = _reshape_abstract_eval
# A view. To jit's passes: a reshape to the same shape passes its input through, and a reshape
# of a reshape is one reshape.
reshape_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, unit=None,
                  identity=identity_when_same_type, compose=lambda first, then: then)
# JAX's carries a transpose before the reshape (none) and the result's sharding (none)
reshape_p.printed_params = lambda params, eqn: {**params, "dimensions": None, "sharding": None}


def reshape(x: ArrayLike, new_sizes: Shape) -> Array:
    """x with its elements (row-major) in the shape `new_sizes`, of the same size.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.reshape(fnp.arange(6), (2, 3))
    Array([[0, 1, 2],
           [3, 4, 5]], dtype=int64)
    """
    new_sizes = shape_tuple(new_sizes, "reshape", "new_sizes")
    if isinstance(x, _VALUES) and x.shape == new_sizes:  # as in JAX: no equation for a no-op
        return x  # type: ignore[return-value]  # a Tracer stands for the Array it will be
    return reshape_p.bind(x, new_sizes=new_sizes)


_linear(reshape_p, lambda t, new_sizes: reshape(t, new_sizes),
        lambda ct, x, new_sizes: reshape(ct, x.shape))
reshape_p.batch = lambda args, dims, *, new_sizes: (
    reshape(move_axis(args[0], dims[0], 0), (batch_size(args, dims),) + new_sizes), 0)

# ---- transpose ------------------------------------------------------------------------------

transpose_p = Primitive("transpose")
transpose_p.impl = lambda x, *, permutation: np.transpose(x, permutation)


def _transpose_abstract_eval(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise _shape_error(f"transpose: axes {permutation} are not a permutation of the "
                           f"{x.ndim} axes of an array of shape {x.shape}.")
    return ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype)


transpose_p.abstract_eval = _transpose_abstract_eval
# A view. To jit's passes: the identity permutation passes its input through, and a transpose
# of a transpose is one transpose.
transpose_p.declare(
    fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, unit=None,
    identity=lambda params, out: tuple(params["permutation"]) == tuple(range(out.ndim)),
    compose=lambda first, then: {"permutation": tuple(first["permutation"][i]
                                                      for i in then["permutation"])})


def transpose(x: ArrayLike, permutation: Sequence[int]) -> Array:
    """x with its axes permuted: axis i of the result is axis permutation[i] of x.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.transpose(fnp.ones((2, 3)), (1, 0)).shape
    (3, 2)
    """
    permutation = tuple(as_index(p, "transpose", "permutation") for p in permutation)
    if isinstance(x, _VALUES) and permutation == tuple(range(x.ndim)):  # the identity
        return x  # type: ignore[return-value]  # a Tracer stands for the Array it will be
    return transpose_p.bind(x, permutation=permutation)


_linear(transpose_p, lambda t, permutation: transpose(t, permutation),
        lambda ct, x, permutation: transpose(ct, tuple(np.argsort(permutation))))


def _transpose_batch(args, dims, *, permutation):
    bd = dims[0]
    # Keep the batch axis where it is: map the permutation around it.
    rest = [p + (p >= bd) for p in permutation]
    return transpose(args[0], rest[:bd] + [bd] + rest[bd:]), bd


transpose_p.batch = _transpose_batch

# ---- broadcast_in_dim ---------------------------------------------------------------------------

broadcast_in_dim_p = Primitive("broadcast_in_dim")


def _broadcast_in_dim_impl(x, *, shape, broadcast_dimensions):
    x = asarray(x)
    if x.shape == shape:
        return x
    if type(x) is np.ndarray and x.flags.c_contiguous:
        # A zero-stride view built directly: np.broadcast_to costs ~8x more, which shows in
        # every reverse pass (each reduction's cotangent is broadcast back).
        strides = [0] * len(shape)
        for i, d in enumerate(broadcast_dimensions):
            if x.shape[i] != 1:
                strides[d] = x.strides[i]
        out = np.ndarray(shape, x.dtype, x, 0, strides)
        out.flags.writeable = False
        return out
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = x.shape[i]
    return np.broadcast_to(x.reshape(expanded), shape)


def _broadcast_in_dim_abstract_eval(x, *, shape, broadcast_dimensions):
    bd = broadcast_dimensions
    ok = (len(bd) == x.ndim and all(0 <= d < len(shape) for d in bd)
          and all(a < b for a, b in zip(bd, bd[1:]))
          and all(x.shape[i] in (1, shape[d]) for i, d in enumerate(bd)))
    if not ok:
        raise _shape_error(f"cannot broadcast an array of shape {x.shape} to shape {shape} "
                           f"placing its axes at {bd}.")
    return ShapedArray(shape, x.dtype)


broadcast_in_dim_p.impl = _broadcast_in_dim_impl
broadcast_in_dim_p.abstract_eval = _broadcast_in_dim_abstract_eval
# a view; to jit's passes, a broadcast to the same shape passes its input through
broadcast_in_dim_p.declare(
    fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, unit=None, compose=None,
    identity=lambda params, out: params["broadcast_dimensions"] == tuple(range(out.ndim)))


# JAX's printer leaves out the shape (the result's type says it) and broadcast_dimensions=()
broadcast_in_dim_p.printed_params = lambda params, eqn: (
    {"broadcast_dimensions": params["broadcast_dimensions"]}
    if params["broadcast_dimensions"] else {})


def broadcast_in_dim(x: ArrayLike, shape: Shape, broadcast_dimensions: Sequence[int]) -> Array:
    """x broadcast to `shape`, its axis i becoming axis broadcast_dimensions[i] (size 1
    or equal); the other axes are new.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.broadcast_in_dim(fnp.array([1., 2.]), (3, 2), (1,))
    Array([[1., 2.],
           [1., 2.],
           [1., 2.]], dtype=float64)
    """
    return broadcast_in_dim_p.bind(x, shape=shape_tuple(shape, "broadcast_in_dim"),
                                   broadcast_dimensions=tuple(broadcast_dimensions))


def _broadcast_in_dim_back(ct, x, *, shape, broadcast_dimensions):
    bd = broadcast_dimensions
    summed = tuple(i for i in range(len(shape)) if i not in bd
                   or (x.shape[bd.index(i)] == 1 and shape[i] != 1))
    return reshape(_reduce.reduce_sum(ct, summed), x.shape) if summed else reshape(ct, x.shape)


_linear(broadcast_in_dim_p, lambda t, **p: broadcast_in_dim(t, **p), _broadcast_in_dim_back)
broadcast_in_dim_p.batch = lambda args, dims, *, shape, broadcast_dimensions: (
    broadcast_in_dim(move_axis(args[0], dims[0], 0), (batch_size(args, dims),) + shape,
                     (0,) + tuple(d + 1 for d in broadcast_dimensions)), 0)

# ---- squeeze / expand_dims ----------------------------------------------------------------------

squeeze_p = Primitive("squeeze")
squeeze_p.impl = lambda x, *, dimensions: np.squeeze(x, axis=dimensions)


def _squeeze_abstract_eval(x, *, dimensions):
    check_axes("squeeze", x.ndim, dimensions)
    if any(x.shape[d] != 1 for d in dimensions):
        raise _shape_error(f"squeeze: axes {dimensions} of an array of shape {x.shape} are not all "
                           "of size 1.")
    return ShapedArray(tuple(d for i, d in enumerate(x.shape) if i not in dimensions), x.dtype)


squeeze_p.abstract_eval = _squeeze_abstract_eval
squeeze_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)


def squeeze(x: ArrayLike, dimensions: Sequence[int]) -> Array:
    """x without its size-1 axes `dimensions`.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.squeeze(fnp.ones((1, 3, 1)), (0, 2)).shape
    (3,)
    """
    return squeeze_p.bind(x, dimensions=tuple(dimensions))


def _size_one_axes_rules(prim, fn):
    """squeeze's and expand_dims's rules: dropping or adding size-1 axes, they take tangents
    along, give cotangents back by a reshape, and batch with the batch axis first."""
    _linear(prim, lambda t, dimensions: fn(t, dimensions),
            lambda ct, x, dimensions: reshape(ct, x.shape))
    prim.batch = lambda args, dims, *, dimensions: (
        fn(move_axis(args[0], dims[0], 0), tuple(d + 1 for d in dimensions)), 0)


_size_one_axes_rules(squeeze_p, squeeze)

expand_dims_p = Primitive("expand_dims")
expand_dims_p.impl = lambda x, *, dimensions: np.expand_dims(x, dimensions)


def _expand_dims_abstract_eval(x, *, dimensions):
    nd = x.ndim + len(dimensions)
    check_axes("expand_dims", nd, dimensions)
    shape, it = [], iter(x.shape)
    for i in range(nd):
        shape.append(1 if i in dimensions else next(it))
    return ShapedArray(shape, x.dtype)


expand_dims_p.abstract_eval = _expand_dims_abstract_eval
expand_dims_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                      **NO_ALGEBRA)


def expand_dims(x: ArrayLike, dimensions: Sequence[int]) -> Array:
    """x with new size-1 axes at `dimensions` (positions in the result).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.expand_dims(fnp.ones(3), (0, 2)).shape
    (1, 3, 1)
    """
    return expand_dims_p.bind(x, dimensions=tuple(dimensions))


_size_one_axes_rules(expand_dims_p, expand_dims)

# ---- concatenate ----------------------------------------------------------------------------

concatenate_p = Primitive("concatenate")
concatenate_p.impl = lambda *xs, dimension: np.concatenate(xs, axis=dimension)


def _concatenate_abstract_eval(*xs, dimension):
    nd = xs[0].ndim
    if nd == 0:
        raise _shape_error("concatenate needs arrays of at least one dimension; got 0-d "
                           "operands (use fnp.stack to join scalars).")
    check_axes("concatenate", nd, (dimension,))
    for x in xs:
        if x.ndim != nd or any(a != b for i, (a, b) in enumerate(zip(x.shape, xs[0].shape))
                               if i != dimension):
            shapes = ", ".join(str(y.shape) for y in xs)
            raise _shape_error(f"concatenate along axis {dimension}: shapes {shapes} must agree "
                               "on every other axis.")
    shape = list(xs[0].shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return ShapedArray(shape, np.result_type(*[x.dtype for x in xs]))


concatenate_p.abstract_eval = _concatenate_abstract_eval
concatenate_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                      **NO_ALGEBRA)


def concatenate(xs: Sequence[ArrayLike], dimension: int) -> Array:
    """The arrays `xs` joined along axis `dimension` (they agree on every other axis).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.concatenate([fnp.array([1., 2.]), fnp.array([3.])], 0)
    Array([1., 2., 3.], dtype=float64)
    """
    return concatenate_p.bind(*xs, dimension=int(dimension))


def _concatenate_jvp(primals, tangents, *, dimension):
    ans = concatenate(primals, dimension)
    if all(t is None for t in tangents):
        return ans, None
    ts = [zeros_like_aval(p) if t is None else t for p, t in zip(primals, tangents)]
    return ans, concatenate(ts, dimension)


def _concatenate_vjp(ct, ans, xs, positions, residuals, *, dimension):
    """Each operand's cotangent is its slice of ct, however many operands there are."""
    ends = np.cumsum([0] + [x.shape[dimension] for x in xs])
    got = []
    for i in positions:
        lo = [0] * ct.ndim
        hi = list(ct.shape)
        lo[dimension], hi[dimension] = int(ends[i]), int(ends[i + 1])
        got.append(slice(ct, lo, hi))
    return got


concatenate_p.jvp = _concatenate_jvp


defvjp_all(concatenate_p, _concatenate_vjp)
concatenate_p.batch = lambda args, dims, *, dimension: (
    concatenate([to_front(a, d, batch_size(args, dims)) for a, d in zip(args, dims)],
                dimension + 1), 0)

# ---- pad ----------------------------------------------------------------------------------------

pad_p = Primitive("pad")


@functools.lru_cache(maxsize=256)
def _pad_plan(shape, padding_config):
    """(the shape before any cut, where x goes in it, the cut or None) for pad's impl: worked
    out once per shape and configuration (jit's code calls pad with the same ones each time)."""
    lo_p = [max(lo, 0) for lo, _, _ in padding_config]
    hi_p = [max(hi, 0) for _, hi, _ in padding_config]
    inner = [n + max(n - 1, 0) * i for n, (_, _, i) in zip(shape, padding_config)]
    full = tuple(a + n + b for a, n, b in zip(lo_p, inner, hi_p))
    place = tuple(np.s_[a:a + n:i + 1] for a, n, (_, _, i) in zip(lo_p, inner, padding_config))
    cut = tuple(np.s_[-min(lo, 0):full[k] + min(hi, 0)]
                for k, (lo, hi, _) in enumerate(padding_config))
    return full, place, cut if any(lo < 0 or hi < 0 for lo, hi, _ in padding_config) else None


def _pad_impl(x, padding_value, *, padding_config):
    x = asarray(x)
    full, place, cut = _pad_plan(x.shape, padding_config)
    out = xp_of(x).empty(full, x.dtype)
    out[...] = padding_value
    out[place] = x
    return out if cut is None else out[cut]


def _pad_abstract_eval(x, padding_value, *, padding_config):
    if padding_value.ndim != 0:
        raise _shape_error(f"pad: the padding value must be a scalar, got shape "
                           f"{padding_value.shape}.")
    if len(padding_config) != x.ndim or any(i < 0 for _, _, i in padding_config):
        raise _shape_error(f"pad: padding_config {padding_config} needs one (low, high, interior) "
                           f"triple per axis of shape {x.shape}, with interior >= 0.")
    shape = [lo + hi + n + max(n - 1, 0) * i for n, (lo, hi, i) in zip(x.shape, padding_config)]
    if any(d < 0 for d in shape):
        raise _shape_error(f"pad: padding_config {padding_config} removes more than the whole "
                           f"of an array of shape {x.shape}.")
    return ShapedArray(shape, x.dtype)


pad_p.impl = _pad_impl
pad_p.abstract_eval = _pad_abstract_eval
pad_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)


def pad(x: ArrayLike, padding_value: ArrayLike,
        padding_config: Sequence[tuple[int, int, int]]) -> Array:
    """x padded with the scalar `padding_value`: per axis (low, high, interior) elements
    before, after and between its elements (negative low/high cut instead).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.pad(fnp.array([1., 2.]), 0., [(1, 2, 1)])
    Array([0., 1., 0., 2., 0., 0.], dtype=float64)
    """
    cfg = tuple((int(lo), int(hi), int(i)) for lo, hi, i in padding_config)
    return pad_p.bind(x, padding_value, padding_config=cfg)


def _unpad(ct, x, padding_config):
    unpadded = pad(ct, 0, [(-lo, -hi, 0) for lo, hi, _ in padding_config])
    return slice(unpadded, [0] * ct.ndim, unpadded.shape, [i + 1 for _, _, i in padding_config])


def _pad_jvp(primals, tangents, *, padding_config):
    x, pv = primals
    tx, tpv = tangents
    ans = pad(x, pv, padding_config)
    if tx is None and tpv is None:
        return ans, None
    if tx is None:
        tx = zeros_like_aval(x)
    return ans, pad(tx, 0 if tpv is None else tpv, padding_config)


def _pad_value_rule(ct, ans, x, pv, *, padding_config):
    everything = tuple(range(ct.ndim))
    return (_reduce.reduce_sum(ct, everything)
            - _reduce.reduce_sum(_unpad(ct, x, padding_config), everything))


pad_p.jvp = _pad_jvp
defvjp(pad_p, lambda ct, ans, x, pv, *, padding_config: _unpad(ct, x, padding_config),
       _pad_value_rule)


def _pad_batch(args, dims, *, padding_config):
    (x, pv), (xd, pd) = args, dims
    size = batch_size(args, dims)
    cfg = ((0, 0, 0),) + padding_config
    x = to_front(x, xd, size)
    if pd is None:
        return pad(x, pv, cfg), 0
    # A per-example padding value: pad with zeros, then fill the padding from a mask.
    mask = pad(full(x.shape, True, np.bool_), False, cfg)
    pv = reshape(move_axis(pv, pd, 0), (size,) + (1,) * (len(x.shape) - 1))
    # pad's result has x's dtype, whatever the padding value's (select would promote)
    pv = _elementwise.convert_element_type(pv, get_aval(x).dtype)
    return _elementwise.select(mask, pad(x, 0, cfg), pv), 0


pad_p.batch = _pad_batch

# ---- rev: reverse along dimensions --------------------------------------------------------------

rev_p = Primitive("rev")
rev_p.impl = lambda x, *, dimensions: np.flip(x, dimensions)


def _rev_abstract_eval(x, *, dimensions):
    check_axes("rev", x.ndim, dimensions)
    return ShapedArray(x.shape, x.dtype)


rev_p.abstract_eval = _rev_abstract_eval
rev_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)


def rev(x: ArrayLike, dimensions: Sequence[int]) -> Array:
    """x reversed along the axes `dimensions`.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.rev(fnp.arange(3), (0,))
    Array([2, 1, 0], dtype=int64)
    """
    return rev_p.bind(x, dimensions=tuple(dimensions))


_linear(rev_p, lambda t, dimensions: rev(t, dimensions),
        lambda ct, x, dimensions: rev(ct, dimensions))
rev_p.batch = lambda args, dims, *, dimensions: (rev(args[0], shift_axes(dimensions, dims[0])),
                                                 dims[0])

# ---- slice --------------------------------------------------------------------------------------

slice_p = Primitive("slice")
slice_p.impl = lambda x, *, start_indices, limit_indices, strides: x[tuple(
    np.s_[a:b:s] for a, b, s in zip(start_indices, limit_indices, strides))]


def _slice_count(a, b, s):
    return max(0, -(-(b - a) // s))


def _slice_abstract_eval(x, *, start_indices, limit_indices, strides):
    if not (len(start_indices) == len(limit_indices) == len(strides) == x.ndim) or any(
            not (0 <= a <= b <= n) or s < 1
            for a, b, s, n in zip(start_indices, limit_indices, strides, x.shape)):
        raise _shape_error(f"slice: start {start_indices}, limit {limit_indices}, strides "
                           f"{strides} do not fit an array of shape {x.shape} (need 0 <= start "
                           "<= limit <= size and stride >= 1 on every axis).")
    return ShapedArray([_slice_count(a, b, s) for a, b, s in
                        zip(start_indices, limit_indices, strides)], x.dtype)


slice_p.abstract_eval = _slice_abstract_eval
slice_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)


def slice(x: ArrayLike, start_indices: Sequence[int], limit_indices: Sequence[int],
          strides: Sequence[int] | None = None) -> Array:
    """x[start:limit:stride] on every axis, with static bounds inside the array.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.slice(fnp.arange(10), (1,), (8,), (3,))
    Array([1, 4, 7], dtype=int64)
    """
    strides = (1,) * len(start_indices) if strides is None else tuple(
        as_index(s, "slice", "strides") for s in strides)
    return slice_p.bind(x, start_indices=tuple(as_index(a, "slice", "start_indices")
                                               for a in start_indices),
                        limit_indices=tuple(as_index(b, "slice", "limit_indices")
                                            for b in limit_indices), strides=strides)


def _slice_back(ct, x, *, start_indices, limit_indices, strides):
    cfg = []
    for a, b, s, n in zip(start_indices, limit_indices, strides, x.shape):
        k = _slice_count(a, b, s)
        cfg.append((0, n, 0) if k == 0 else (a, n - (a + (k - 1) * s + 1), s - 1))
    return pad(ct, 0, cfg)


_linear(slice_p, lambda t, **p: slice_p.bind(t, **p), _slice_back)
slice_p.batch = lambda args, dims, *, start_indices, limit_indices, strides: (
    slice(move_axis(args[0], dims[0], 0), (0,) + start_indices,
          (batch_size(args, dims),) + limit_indices, (1,) + strides), 0)
