"""Structural primitives: reshape, transpose, broadcast, squeeze/expand, concatenate, pad, slices.
All are linear, so their derivatives move cotangents back through the inverse structure."""
from __future__ import annotations

import math

import numpy as np

from .._core.backend import asarray, xp_of
from .._core.avals import ShapedArray
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.primitive import (NO_ALGEBRA, PURE, Primitive, defjvp, defvjp, defvjp_all,
                               identity_when_same_type)
from .._core.array import Array
from .._core.trace import Tracer, get_aval
from ._batching import batch_size, move_axis, shift_axes, to_front
from ._checks import check_axes
from .elementwise import convert_element_type


def _shape_error(msg):
    return ShapeError(f"{msg}\n  at {user_frame()}\n{doc_link('shapeerror')}")


def _linear(prim, fwd, back):
    """A primitive linear in its first operand: the tangent goes through `fwd`, the cotangent
    through `back(ct, x, **params)`."""
    defjvp(prim, lambda t, ans, x, **p: fwd(t, **p))
    defvjp(prim, lambda ct, ans, x, **p: back(ct, x, **p))


def full(shape, fill_value, dtype):
    """An array of `shape` filled with `fill_value` (a zero-stride broadcast, no copies)."""
    return broadcast_in_dim(convert_element_type(fill_value, dtype), tuple(shape), ())


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
reshape_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, unit=None,
                  identity=identity_when_same_type, compose=lambda first, then: then)


def reshape(x, new_sizes):
    new_sizes = tuple(int(d) for d in new_sizes)
    if isinstance(x, _VALUES) and x.shape == new_sizes:  # as in JAX: no equation for a no-op
        return x
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
    fresh=False, jit=None, structured_batch=None, **PURE, unit=None,
    identity=lambda params, out: tuple(params["permutation"]) == tuple(range(out.ndim)),
    compose=lambda first, then: {"permutation": tuple(first["permutation"][i]
                                                      for i in then["permutation"])})


def transpose(x, permutation):
    permutation = tuple(int(p) for p in permutation)
    if isinstance(x, _VALUES) and permutation == tuple(range(x.ndim)):  # the identity
        return x
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
    fresh=False, jit=None, structured_batch=None, **PURE, unit=None, compose=None,
    identity=lambda params, out: params["broadcast_dimensions"] == tuple(range(out.ndim)))


def broadcast_in_dim(x, shape, broadcast_dimensions):
    return broadcast_in_dim_p.bind(x, shape=tuple(int(d) for d in shape),
                                   broadcast_dimensions=tuple(broadcast_dimensions))


def _broadcast_in_dim_back(ct, x, *, shape, broadcast_dimensions):
    from .reduce import reduce_sum
    bd = broadcast_dimensions
    summed = tuple(i for i in range(len(shape)) if i not in bd
                   or (x.shape[bd.index(i)] == 1 and shape[i] != 1))
    return reshape(reduce_sum(ct, summed), x.shape) if summed else reshape(ct, x.shape)


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
squeeze_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **NO_ALGEBRA)


def squeeze(x, dimensions):
    return squeeze_p.bind(x, dimensions=tuple(dimensions))


_linear(squeeze_p, lambda t, dimensions: squeeze(t, dimensions),
        lambda ct, x, dimensions: reshape(ct, x.shape))
squeeze_p.batch = lambda args, dims, *, dimensions: (
    squeeze(move_axis(args[0], dims[0], 0), tuple(d + 1 for d in dimensions)), 0)

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
expand_dims_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **NO_ALGEBRA)


def expand_dims(x, dimensions):
    return expand_dims_p.bind(x, dimensions=tuple(dimensions))


_linear(expand_dims_p, lambda t, dimensions: expand_dims(t, dimensions),
        lambda ct, x, dimensions: reshape(ct, x.shape))
expand_dims_p.batch = lambda args, dims, *, dimensions: (
    expand_dims(move_axis(args[0], dims[0], 0), tuple(d + 1 for d in dimensions)), 0)

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
concatenate_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **NO_ALGEBRA)


def concatenate(xs, dimension):
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


def _pad_impl(x, padding_value, *, padding_config):
    x = asarray(x)
    lo_p = [max(lo, 0) for lo, _, _ in padding_config]
    hi_p = [max(hi, 0) for _, hi, _ in padding_config]
    inner = [n + max(n - 1, 0) * i for n, (_, _, i) in zip(x.shape, padding_config)]
    out = xp_of(x).empty([a + n + b for a, n, b in zip(lo_p, inner, hi_p)], x.dtype)
    out[...] = padding_value
    out[tuple(np.s_[a:a + n:i + 1] for a, n, (_, _, i) in zip(lo_p, inner, padding_config))] = x
    cut = tuple(np.s_[-min(lo, 0):out.shape[k] + min(hi, 0)]
                for k, (lo, hi, _) in enumerate(padding_config))
    return out[cut]


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
pad_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **NO_ALGEBRA)


def pad(x, padding_value, padding_config):
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
    from .reduce import reduce_sum
    everything = tuple(range(ct.ndim))
    return reduce_sum(ct, everything) - reduce_sum(_unpad(ct, x, padding_config), everything)


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
    from .elementwise import select
    mask = pad(full(x.shape, True, np.bool_), False, cfg)
    pv = reshape(move_axis(pv, pd, 0), (size,) + (1,) * (len(x.shape) - 1))
    # pad's result has x's dtype, whatever the padding value's (select would promote)
    pv = convert_element_type(pv, get_aval(x).dtype)
    return select(mask, pad(x, 0, cfg), pv), 0


pad_p.batch = _pad_batch

# ---- rev: reverse along dimensions --------------------------------------------------------------

rev_p = Primitive("rev")
rev_p.impl = lambda x, *, dimensions: np.flip(x, dimensions)


def _rev_abstract_eval(x, *, dimensions):
    check_axes("rev", x.ndim, dimensions)
    return ShapedArray(x.shape, x.dtype)


rev_p.abstract_eval = _rev_abstract_eval
rev_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **NO_ALGEBRA)


def rev(x, dimensions):
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
slice_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **NO_ALGEBRA)


def slice(x, start_indices, limit_indices, strides=None):
    strides = (1,) * len(start_indices) if strides is None else tuple(int(s) for s in strides)
    return slice_p.bind(x, start_indices=tuple(int(a) for a in start_indices),
                        limit_indices=tuple(int(b) for b in limit_indices), strides=strides)


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

# ---- dynamic_slice / dynamic_update_slice -------------------------------------------------------


def _clamped_starts(shape, sizes, starts):
    return tuple(min(max(int(s), 0), n - k) for s, n, k in zip(starts, shape, sizes))


def _check_starts(name, x, starts):
    if len(starts) != x.ndim or any(s.ndim != 0 or s.dtype.kind not in "iu" for s in starts):
        raise _shape_error(f"{name} needs one integer scalar start index per axis of shape "
                           f"{x.shape}; got {[s.str_short() for s in starts]}.")


dynamic_slice_p = Primitive("dynamic_slice")


def _dynamic_slice_impl(x, *starts, slice_sizes):
    st = _clamped_starts(x.shape, slice_sizes, starts)
    return x[tuple(np.s_[a:a + k] for a, k in zip(st, slice_sizes))]


def _dynamic_slice_abstract_eval(x, *starts, slice_sizes):
    _check_starts("dynamic_slice", x, starts)
    if len(slice_sizes) != x.ndim or any(not 0 <= k <= n for k, n in zip(slice_sizes, x.shape)):
        raise _shape_error(f"dynamic_slice: slice_sizes {slice_sizes} do not fit shape {x.shape}.")
    return ShapedArray(slice_sizes, x.dtype)


dynamic_slice_p.impl = _dynamic_slice_impl
dynamic_slice_p.abstract_eval = _dynamic_slice_abstract_eval
dynamic_slice_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **NO_ALGEBRA)


def dynamic_slice(x, start_indices, slice_sizes):
    """x[s0:s0+k0, s1:s1+k1, ...] with traced starts, clamped so the slice stays in bounds."""
    return dynamic_slice_p.bind(x, *start_indices, slice_sizes=tuple(int(k) for k in slice_sizes))


defjvp(dynamic_slice_p, lambda t, ans, x, *starts, slice_sizes: dynamic_slice(t, starts, slice_sizes))


def _batched_window(shape, starts, sdims, sizes, size):
    """Integer index arrays selecting, for each batch element b, the window of `sizes` at its own
    (clamped) starts: x[b, s0:s0+k0, ...] for all b at once, as one advanced index."""
    from .._core.array import Array
    from .elementwise import maximum, minimum
    nd = len(shape)
    idx = [reshape(Array(np.arange(size)), (size,) + (1,) * nd)]
    for i, (s, d, k, n) in enumerate(zip(starts, sdims, sizes, shape)):
        s = maximum(minimum(to_front(s, d, size), n - k), 0)
        window = reshape(Array(np.arange(k)), (1,) * (1 + i) + (k,) + (1,) * (nd - i - 1))
        idx.append(reshape(s, (size,) + (1,) * nd) + window)
    return idx, (("a",),) * (1 + nd)


def _dynamic_slice_batch(args, dims, *, slice_sizes):
    (x, *starts), (xd, *sdims) = args, dims
    size = batch_size(args, dims)
    if all(d is None for d in sdims):
        return dynamic_slice(move_axis(x, xd, 0), [0] + list(starts),
                             (size,) + slice_sizes), 0
    from .indexing import gather
    x = to_front(x, xd, size)  # the batch axis first, so that shape[1:] is one example's shape
    idx, indexer = _batched_window(get_aval(x).shape[1:], starts, sdims, slice_sizes, size)
    return gather(x, idx, indexer), 0


dynamic_slice_p.batch = _dynamic_slice_batch
defvjp(dynamic_slice_p, lambda ct, ans, x, *starts, slice_sizes: dynamic_update_slice(
    zeros_like_aval(x), ct, starts))

dynamic_update_slice_p = Primitive("dynamic_update_slice")


def _dynamic_update_slice_impl(x, update, *starts):
    out = asarray(x).copy()
    st = _clamped_starts(out.shape, np.shape(update), starts)
    out[tuple(np.s_[a:a + k] for a, k in zip(st, np.shape(update)))] = update
    return out


def _dynamic_update_slice_abstract_eval(x, update, *starts):
    _check_starts("dynamic_update_slice", x, starts)
    if update.ndim != x.ndim or any(k > n for k, n in zip(update.shape, x.shape)):
        raise _shape_error(f"dynamic_update_slice: an update of shape {update.shape} does not fit "
                           f"in an array of shape {x.shape}.")
    return ShapedArray(x.shape, x.dtype)


dynamic_update_slice_p.impl = _dynamic_update_slice_impl
dynamic_update_slice_p.abstract_eval = _dynamic_update_slice_abstract_eval
dynamic_update_slice_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **NO_ALGEBRA)


def dynamic_update_slice(x, update, start_indices):
    return dynamic_update_slice_p.bind(x, update, *start_indices)


def _dus_jvp(primals, tangents):
    x, u, *starts = primals
    tx, tu = tangents[0], tangents[1]
    ans = dynamic_update_slice(x, u, starts)
    if tx is None and tu is None:
        return ans, None
    tx = zeros_like_aval(x) if tx is None else tx
    tu = zeros_like_aval(u) if tu is None else tu
    return ans, dynamic_update_slice(tx, tu, starts)


dynamic_update_slice_p.jvp = _dus_jvp




def _dynamic_update_slice_batch(args, dims):
    (x, u, *starts), (xd, ud, *sdims) = args, dims
    size = batch_size(args, dims)
    x, u = to_front(x, xd, size), to_front(u, ud, size)
    if all(d is None for d in sdims):
        return dynamic_update_slice(x, u, [0] + list(starts)), 0
    from .indexing import scatter
    idx, indexer = _batched_window(get_aval(x).shape[1:], starts, sdims, get_aval(u).shape[1:],
                                   size)
    return scatter(x, u, idx, indexer), 0


dynamic_update_slice_p.batch = _dynamic_update_slice_batch
defvjp(dynamic_update_slice_p,
       lambda ct, ans, x, u, *starts: dynamic_update_slice(ct, zeros_like_aval(u), starts),
       lambda ct, ans, x, u, *starts: dynamic_slice(ct, starts, u.shape))
