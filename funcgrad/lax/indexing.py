"""numpy indexing as two primitives: `gather` (x[idx]) and the `scatter` family (x.at[idx].op(v));
and `dynamic_slice` / `dynamic_update_slice`, slices at traced start indices (batched, they
become a gather and a scatter).

An index expression is normalized into a static `indexer` (a hashable tuple, one entry per index
position: ("s", start, stop, step) | ("i", k) | ("n",) for None | ("a",) for an integer array
operand) plus the integer-array operands. Evaluation is numpy's own indexing, so numpy's semantics
(advanced-index placement included) hold by construction; the shape rule mirrors them statically.
Boolean masks become integer arrays through their concrete nonzero positions.
"""
from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core.array import Array
from .._core.backend import asarray, to_host, xp_of
from .._core.avals import ShapedArray
from .._core import errors as _errors
from .._core.errors import ConcretizationError, IndexTypeError, doc_link, user_frame
from .._core.primitive import NO_ALGEBRA, PURE, RULE_FIRST, Primitive, defjvp, defvjp
from .._core.trace import Tracer, concrete_value, get_aval, host_value, is_concrete
from .._core.typing import ArrayLike, Shape
from .._core.validate import shape_tuple
from ._batching import batch_size, move_axis, to_front
from ._checks import broadcast_shapes, shape_error as _shape_error
from .elementwise import (add, bitwise_and, convert_element_type, eq, ge, lt, maximum, minimum,
                          select)
from .shape import (broadcast_in_dim, full, pad, reshape, slice as slice_, transpose,
                    zeros_like_aval)


# ---- index normalization ----------------------------------------------------------------------

def normalize_index(shape, idx, strict=True):
    """(indexer, integer-array operands) for `x[idx]` on an array of `shape`. An integer out of
    bounds is an IndexError if `strict`, else a 0-d index array (for JAX's modes to handle)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    items, masks = [], []
    for k in idx:
        if isinstance(k, (list, np.ndarray)) or (not isinstance(k, (int, np.integer, slice))
                                                 and k is not None and k is not Ellipsis
                                                 and hasattr(k, "dtype")):
            parts, mask_shape = _array_index(k)
            if mask_shape:
                masks.append((len(items), mask_shape))
            items.extend(parts)
        else:
            items.append(k)
    n_ellipsis = sum(k is Ellipsis for k in items)
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if masks:
        _check_masks(shape, items, masks)
    consumed = sum(1 for k in items if k is not None and k is not Ellipsis)
    if consumed > len(shape):
        raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional, but "
                         f"{consumed} were indexed")
    fill = [np.s_[:]] * (len(shape) - consumed)
    if n_ellipsis:
        # not items.index(Ellipsis): that compares index arrays with == (elementwise)
        i = next(j for j, k in enumerate(items) if k is Ellipsis)
        # An ellipsis standing for no axes stays, as ("e",): numpy still counts it as separating
        # advanced indices (x[:, arr, ..., 0] puts the advanced axes first).
        items = items[:i] + (fill or [Ellipsis]) + items[i + 1:]
    else:
        items = items + fill
    indexer, arrays, dim = [], [], 0
    empty_axis, converted = None, 0
    for k in items:
        if k is None or k is Ellipsis:
            indexer.append(("n",) if k is None else ("e",))
            continue
        n = shape[dim]
        dim += 1
        if isinstance(k, slice):
            indexer.append(("s",) + tuple(_static_slice_part(v) for v in (k.start, k.stop, k.step)))
        elif isinstance(k, (bool, np.bool_)):
            raise IndexError("a Python bool as an index is not supported; use x[None] to add an "
                             "axis or a boolean array as a mask")
        elif isinstance(k, (int, np.integer)):
            if -n <= int(k) < n:
                indexer.append(("i", int(k)))
            elif strict:
                raise IndexError(f"index {int(k)} is out of bounds for axis {dim - 1} with size {n}")
            else:  # as a 0-d index array: the same result shape wherever it stands
                if n == 0 and empty_axis is None:
                    empty_axis = (int(k), dim - 1)
                indexer.append(("a",))
                arrays.append(np.asarray(int(k), np.int64))
                converted += 1
        else:
            if not hasattr(k, "dtype"):  # a float, a string, ...: numpy's IndexError
                _check_int(np.asarray(k).dtype)
            indexer.append(("a",))
            arrays.append(k)
    if empty_axis is not None and converted == len(arrays):
        # an integer into an empty axis, with no index array to gather along: nothing to clamp
        # to or fill from, as in JAX
        raise IndexError(f"index {empty_axis[0]} is out of bounds for axis {empty_axis[1]} with "
                         "size 0")
    return tuple(indexer), arrays


def _check_masks(shape, items, masks):
    """numpy's IndexError for a boolean mask whose shape differs from the axes it stands for."""
    consumes = [k is not None and k is not Ellipsis for k in items]
    ell = next((j for j, k in enumerate(items) if k is Ellipsis), len(items))
    for j, mshape in masks:
        dim = sum(consumes[:j]) if j < ell else len(shape) - sum(consumes[j:])
        if tuple(shape[dim:dim + len(mshape)]) != mshape:
            raise IndexError(f"boolean index did not match indexed array along axis {dim}; "
                             f"the mask has shape {mshape} for the axes of size "
                             f"{tuple(shape[dim:dim + len(mshape)])}: a mask needs the shape "
                             "of the axes it selects from")


def _static_slice_part(v):
    if v is None or isinstance(v, (int, np.integer)):
        return None if v is None else int(v)
    if isinstance(v, Tracer):
        try:
            return int(concrete_value(v))
        except ConcretizationError:
            raise ConcretizationError(
                "a slice bound (x[i:j]) is a traced value, but a slice's size must be known when "
                f"tracing.\n  at {user_frame()}\nUse fg.lax.dynamic_slice(x, (i,), (size,)) for a "
                "slice of fixed size at a traced position. " + doc_link("concretizationerror")
            ) from None
    try:
        return operator.index(v)
    except TypeError:
        raise IndexTypeError(f"slice bounds must be integers or None, got {type(v).__name__} "
                             f"{v!r:.40} (in x[start:stop:step]); pass an int, e.g. "
                             f"int({v!r:.20}). " + doc_link("indextypeerror")) from None


def _array_index(k):
    """An array-like index as (index entries, the shape of a boolean mask or None): integer
    arrays pass through, boolean masks become positions."""
    if isinstance(k, Tracer):
        if k.dtype == np.bool_:
            try:
                k = concrete_value(k)
            except ConcretizationError:
                raise _errors.NonConcreteBooleanIndexError(
                    f"a boolean mask of type {k.aval.str_short()} is used as an index, but its "
                    "number of True values (the result's size) is not known when tracing.\n"
                    f"  at {user_frame()}\nKeep the shape instead: fnp.where(mask, x, 0), or "
                    "sum with fnp.sum(fnp.where(mask, x, 0)). " + doc_link("concretizationerror")) from None
        else:
            _check_int(k.dtype)
            return [k], None
    v = concrete_value(k) if not isinstance(k, list) else asarray(k)
    v = asarray(v)
    if v.dtype == np.bool_:
        if v.ndim:
            return [asarray(p) for p in np.nonzero(v)], v.shape
        return [np.s_[:] if v else None], None
    if v.size == 0 and v.dtype == np.float64:
        v = v.astype(np.intp)  # x[[]] is an empty integer index, as in numpy
    _check_int(v.dtype)
    return [int(v) if v.ndim == 0 else v], None


def _check_int(dtype):
    if dtype.kind not in "iu":
        raise IndexTypeError(
            f"arrays used as indices must be of integer or boolean type, got {dtype}; an index "
            "counts elements: convert it, e.g. x[int(i)] or x[idx.astype(fnp.int32)]. "
            + doc_link("indextypeerror"))


def _numpy_index(indexer, arrays):
    it = iter(arrays)
    out = []
    for e in indexer:
        kind = e[0]
        out.append(slice(*e[1:]) if kind == "s" else e[1] if kind == "i" else None
                   if kind == "n" else Ellipsis if kind == "e" else next(it))
    return tuple(out)


def indexed_shape(shape, indexer, array_shapes):
    """numpy's result shape for x[idx], statically (see numpy's advanced-indexing rules)."""
    has_arrays = any(e[0] == "a" for e in indexer)
    parts, adv_pos, adv_shapes = [], [], []
    arr_it, dim = iter(array_shapes), 0
    for e in indexer:
        if e[0] in "ne":
            parts.append((1,) if e[0] == "n" else ())
            continue
        n = shape[dim]
        dim += 1
        if e[0] == "s":
            parts.append((len(range(*slice(*e[1:]).indices(n))),))
        elif e[0] == "i":
            if has_arrays:  # numpy turns integers into 0-d index arrays here
                adv_pos.append(len(parts))
                adv_shapes.append(())
                parts.append(None)
        else:
            adv_pos.append(len(parts))
            adv_shapes.append(next(arr_it))
            parts.append(None)
    if not adv_pos:
        return tuple(d for p in parts for d in p)
    try:
        b = tuple(np.broadcast_shapes(*adv_shapes))
    except ValueError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together with "
                         f"shapes {' '.join(str(s) for s in adv_shapes if s != ())}") from None
    basic = [d for p in parts if p is not None for d in p]
    if adv_pos == list(range(adv_pos[0], adv_pos[-1] + 1)):
        before = [d for p in parts[:adv_pos[0]] for d in p]
        after = [d for p in parts[adv_pos[-1] + 1:] if p is not None for d in p]
        return tuple(before) + b + tuple(after)
    return b + tuple(basic)


def _has_arrays(indexer):
    return any(e[0] == "a" for e in indexer)


# ---- batching: one more index entry for the batch axis ------------------------------------------

def _advanced_layout(indexer):
    """(has advanced indices, are they adjacent, output axes before them) for an indexer. As in
    numpy, static integers count as advanced indices once any array index is present."""
    arrays = _has_arrays(indexer)
    pos = [i for i, e in enumerate(indexer) if e[0] == "a" or (arrays and e[0] == "i")]
    if not pos:
        return False, True, 0
    adjacent = pos == list(range(pos[0], pos[-1] + 1))
    pre = sum(1 for e in indexer[:pos[0]] if e[0] in "sn")
    return True, adjacent, pre


def _batch_index(x, xd, arrays, adims, indexer, size):
    """An indexing of the batched x (batch axis first) equivalent to indexing each batch element:
    returns (x, arrays, indexer, perm) where transposing the new indexing's result by `perm` puts
    the batch axis first and every other axis where a single example would have it."""
    x = to_front(x, xd, size)
    has_adv, adjacent, pre = _advanced_layout(indexer)
    if all(d is None for d in adims):
        # The batch axis is one more full slice in front.
        new_indexer = (("s", None, None, None),) + indexer
        if has_adv and not adjacent:
            r = len(np.broadcast_shapes(*[get_aval(a).shape for a in arrays]))
            out_nd = r + 1 + sum(1 for e in indexer if e[0] in "sn")
            perm = [r] + [i for i in range(out_nd) if i != r]
            return x, list(arrays), new_indexer, perm
        return x, list(arrays), new_indexer, None
    # Batched index arrays: index the batch axis with arange(size), broadcast against them.
    shapes = [get_aval(a).shape[:d] + get_aval(a).shape[d + 1:] if d is not None
              else get_aval(a).shape for a, d in zip(arrays, adims)]
    r = len(np.broadcast_shapes(*shapes))
    new_arrays = [reshape(Array(np.arange(size)), (size,) + (1,) * r)]
    for a, d, sh in zip(arrays, adims, shapes):
        if d is not None:
            a = reshape(move_axis(a, d, 0), (size,) + (1,) * (r - len(sh)) + sh)
        new_arrays.append(a)
    new_indexer = (("a",),) + indexer
    n_basic = sum(1 for e in indexer if e[0] in "sn")
    perm = None
    if adjacent and pre:
        # One example puts its `pre` sliced axes before the advanced ones; the batched indexing
        # puts every advanced axis first.
        perm = ([0] + [1 + r + i for i in range(pre)] + [1 + i for i in range(r)]
                + [1 + r + i for i in range(pre, n_basic)])
    return x, new_arrays, new_indexer, perm


def _inverse(perm):
    return [int(i) for i in np.argsort(perm)]


# ---- gather -------------------------------------------------------------------------------------

gather_p = Primitive("gather")
gather_p.impl = lambda x, *arrays, indexer: asarray(x)[_numpy_index(indexer, arrays)]


def _gather_abstract_eval(x, *arrays, indexer):
    for a in arrays:
        _check_int(a.dtype)
    return ShapedArray(indexed_shape(x.shape, indexer, [a.shape for a in arrays]), x.dtype)


gather_p.abstract_eval = _gather_abstract_eval
# not fresh: numpy's basic indexing gives a view
gather_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)


def gather(x: ArrayLike, arrays: Sequence[ArrayLike], indexer: tuple[Any, ...]) -> Array:
    """x indexed by a normalized `indexer` and its integer-array operands (see the
    module doc; `index` builds them from a numpy index).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.gather(fnp.arange(5) * 10, [fnp.array([4, 0])], (('a',),))
    Array([40,  0], dtype=int64)
    """
    return gather_p.bind(x, *arrays, indexer=indexer)


defjvp(gather_p, lambda t, ans, x, *arrays, indexer: gather(t, arrays, indexer))


def _gather_batch(args, dims, *, indexer):
    size = batch_size(args, dims)
    x, arrays, new_indexer, perm = _batch_index(args[0], dims[0], args[1:], dims[1:], indexer,
                                                size)
    out = gather(x, arrays, new_indexer)
    return (out if perm is None else transpose(out, perm)), 0


gather_p.batch = _gather_batch
defvjp(gather_p, lambda ct, ans, x, *arrays, indexer: scatter_add(
    zeros_like_aval(x), ct, arrays, indexer))

# ---- scatter family: operands (x, updates, *index_arrays) ---------------------------------------


def _ufunc_at(ufunc, out, idx, updates):
    """ufunc.at(out, idx, updates): repeated positions accumulate. On a GPU through CuPy's own
    ufunc (numpy's dispatch to it takes one index array, not a tuple); CuPy has no multiply.at,
    so a scatter_mul there runs on the host."""
    xp = xp_of(out)
    if xp is np:
        ufunc.at(out, idx, updates)
    elif ufunc is np.multiply:
        host = to_host(out)
        ufunc.at(host, tuple(to_host(i) for i in idx) if type(idx) is tuple else to_host(idx),
                 to_host(updates))
        out = xp.asarray(host)
    else:
        getattr(xp, ufunc.__name__).at(out, idx, updates)
    return out


def _scatter_prim(name, ufunc):
    p = Primitive(name)

    def impl(x, updates, *arrays, indexer):
        out = asarray(x).copy()
        idx = _numpy_index(indexer, arrays)
        if ufunc is None:
            out[idx] = updates
        elif not _has_arrays(indexer):
            out[idx] = ufunc(out[idx], updates)  # basic indexing: no repeated positions
        else:
            out = _ufunc_at(ufunc, out, idx, updates)
        return out

    def abstract_eval(x, updates, *arrays, indexer):
        for a in arrays:
            _check_int(a.dtype)
        want = indexed_shape(x.shape, indexer, [a.shape for a in arrays])
        if updates.shape != want:
            raise ValueError(f"{name}: updates of shape {updates.shape} for the indexed shape "
                             f"{want}; broadcast them first (x.at[idx] does)")
        return ShapedArray(x.shape, x.dtype)

    def batch(args, dims, *, indexer):
        size = batch_size(args, dims)
        x, arrays, new_indexer, perm = _batch_index(args[0], dims[0], args[2:], dims[2:],
                                                    indexer, size)
        u = to_front(args[1], dims[1], size)
        if perm is not None:
            u = transpose(u, _inverse(perm))
        return p.bind(x, u, *arrays, indexer=new_indexer), 0

    p.impl, p.abstract_eval, p.batch = impl, abstract_eval, batch
    # fresh: a copy of x
    p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)
    return p


def _bind_scatter(p: Primitive) -> Callable[..., Array]:
    def f(x: ArrayLike, updates: ArrayLike, arrays: Sequence[ArrayLike],
          indexer: tuple[Any, ...]) -> Array:
        return p.bind(x, updates, *arrays, indexer=indexer)
    return f


scatter_p = _scatter_prim("scatter", None)
scatter_add_p = _scatter_prim("scatter_add", np.add)
scatter_mul_p = _scatter_prim("scatter_mul", np.multiply)
scatter_min_p = _scatter_prim("scatter_min", np.minimum)
scatter_max_p = _scatter_prim("scatter_max", np.maximum)
scatter = _bind_scatter(scatter_p)
scatter_add: Callable[..., Array] = _bind_scatter(scatter_add_p)  # typed: gather's vjp uses it
scatter_mul = _bind_scatter(scatter_mul_p)
scatter_min = _bind_scatter(scatter_min_p)
scatter_max = _bind_scatter(scatter_max_p)


def _scatter_jvp(fn, tangent):
    """The jvp of the scatter `fn`: its answer and tangent(ans, x, u, arrays, indexer, tx, tu),
    the tangent missing on x or u taken as zeros (no tangent at all when both are missing)."""
    def jvp(primals, tangents, *, indexer):
        x, u, *arrays = primals
        ans = fn(x, u, arrays, indexer)
        if tangents[0] is None and tangents[1] is None:
            return ans, None
        tx, tu = [zeros_like_aval(p) if t is None else t for p, t in zip((x, u), tangents[:2])]
        return ans, tangent(ans, x, u, arrays, indexer, tx, tu)
    return jvp


def _linear_scatter_jvp(fn):
    return _scatter_jvp(fn, lambda ans, x, u, arrays, indexer, tx, tu: fn(tx, tu, arrays, indexer))


scatter_add_p.jvp = _linear_scatter_jvp(scatter_add)
defvjp(scatter_add_p, lambda ct, ans, x, u, *arrays, indexer: ct,
       lambda ct, ans, x, u, *arrays, indexer: gather(ct, arrays, indexer))

def _scatter_vjp_u(ct, ans, x, u, *arrays, indexer):
    g = gather(ct, arrays, indexer)
    if not _has_arrays(indexer):
        return g  # basic indexing never repeats a position
    # Where positions repeat, the update written last is the one kept (numpy's x[idx] = u, by
    # which impl and jvp also go): only it receives the cotangent.
    ids = Array(np.arange(u.size, dtype=np.int64).reshape(u.shape))
    kept = scatter(full(x.shape, -1, np.int64), ids, arrays, indexer)
    return select(eq(gather(kept, arrays, indexer), ids), g, 0)


scatter_p.jvp = _linear_scatter_jvp(scatter)
defvjp(scatter_p,
       lambda ct, ans, x, u, *arrays, indexer: scatter(ct, zeros_like_aval(u), arrays, indexer),
       _scatter_vjp_u)


# x.at[idx].multiply(u): out = x * F with F = 1.at[idx].multiply(u). Where indices repeat, each
# factor's derivative is out / u_k (so an update of exactly 0 at a repeated index has none).
def _mul_factor(x, u, arrays, indexer):
    return scatter_mul(full(x.shape, 1, x.dtype), u, arrays, indexer)


def _scatter_mul_jvp(primals, tangents, *, indexer):
    x, u, *arrays = primals
    tx, tu = tangents[:2]
    ans = scatter_mul(x, u, arrays, indexer)
    out = None
    if tx is not None:
        out = tx * _mul_factor(x, u, arrays, indexer)
    if tu is not None:
        c = ans * scatter_add(zeros_like_aval(ans), tu / u, arrays, indexer)
        out = c if out is None else out + c
    return ans, out


scatter_mul_p.jvp = _scatter_mul_jvp
defvjp(scatter_mul_p,
       lambda ct, ans, x, u, *arrays, indexer: ct * _mul_factor(x, u, arrays, indexer),
       lambda ct, ans, x, u, *arrays, indexer: gather(ct * ans, arrays, indexer) / u)


# min/max: the derivative goes to whichever values won, shared evenly among ties.
def _winners(ans, x, u, arrays, indexer):
    x_won = eq(x, ans)
    u_won = eq(u, gather(ans, arrays, indexer))
    counts = convert_element_type(x_won, ans.dtype) + scatter_add(
        zeros_like_aval(ans), convert_element_type(u_won, ans.dtype), arrays, indexer)
    return x_won, u_won, counts


def _chooser_scatter_rules(fn):
    def tangent(ans, x, u, arrays, indexer, tx, tu):
        x_won, u_won, counts = _winners(ans, x, u, arrays, indexer)
        t = select(x_won, tx, 0) + scatter_add(zeros_like_aval(ans), select(u_won, tu, 0),
                                               arrays, indexer)
        return t / counts

    def vjp_x(ct, ans, x, u, *arrays, indexer):
        x_won, _, counts = _winners(ans, x, u, arrays, indexer)
        return select(x_won, ct / counts, 0)

    def vjp_u(ct, ans, x, u, *arrays, indexer):
        _, u_won, counts = _winners(ans, x, u, arrays, indexer)
        return select(u_won, gather(ct / counts, arrays, indexer), 0)
    return _scatter_jvp(fn, tangent), vjp_x, vjp_u


for _p, _fn in ((scatter_min_p, scatter_min), (scatter_max_p, scatter_max)):
    _jvp, _vx, _vu = _chooser_scatter_rules(_fn)
    _p.jvp = _jvp
    defvjp(_p, _vx, _vu)


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
dynamic_slice_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                        **NO_ALGEBRA)


def dynamic_slice(x: ArrayLike, start_indices: Sequence[ArrayLike], slice_sizes: Shape) -> Array:
    """x[s0:s0+k0, s1:s1+k1, ...] with traced starts, clamped so the slice stays in bounds.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.dynamic_slice(fnp.arange(5), (fnp.array(3),), (3,))
    Array([2, 3, 4], dtype=int64)
    """
    sizes = shape_tuple(slice_sizes, "dynamic_slice", "slice_sizes")
    return dynamic_slice_p.bind(x, *start_indices, slice_sizes=sizes)


defjvp(dynamic_slice_p, lambda t, ans, x, *starts, slice_sizes: dynamic_slice(t, starts, slice_sizes))


def _batched_window(shape, starts, sdims, sizes, size):
    """Integer index arrays selecting, for each batch element b, the window of `sizes` at its own
    (clamped) starts: x[b, s0:s0+k0, ...] for all b at once, as one advanced index."""
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
dynamic_update_slice_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                               **NO_ALGEBRA)


def dynamic_update_slice(x: ArrayLike, update: ArrayLike,
                         start_indices: Sequence[ArrayLike]) -> Array:
    """x with `update` written at the traced `start_indices`, clamped so that it fits.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.dynamic_update_slice(fnp.zeros(4), fnp.ones(2), (fnp.array(1),))
    Array([0., 1., 1., 0.], dtype=float64)
    """
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
    idx, indexer = _batched_window(get_aval(x).shape[1:], starts, sdims, get_aval(u).shape[1:],
                                   size)
    return scatter(x, u, idx, indexer), 0


dynamic_update_slice_p.batch = _dynamic_update_slice_batch
defvjp(dynamic_update_slice_p,
       lambda ct, ans, x, u, *starts: dynamic_update_slice(ct, zeros_like_aval(u), starts),
       lambda ct, ans, x, u, *starts: dynamic_slice(ct, starts, u.shape))


# ---- out-of-bounds indices: JAX's gather/scatter modes ------------------------------------------

class GatherScatterMode(enum.Enum):
    """What an out-of-bounds index does (JAX's lax.GatherScatterMode): CLIP clamps it into the
    array; FILL_OR_DROP reads `fill_value` (gather) or drops the update (scatter);
    PROMISE_IN_BOUNDS promises there are none (funcgrad then clamps reads and drops updates, as
    JAX's CPU backend does).

    >>> from funcgrad import lax
    >>> lax.GatherScatterMode.from_any("drop")
    <GatherScatterMode.FILL_OR_DROP: 'fill'>
    """
    CLIP = "clip"
    FILL_OR_DROP = "fill"
    PROMISE_IN_BOUNDS = "promise_in_bounds"

    @staticmethod
    def from_any(s: "str | GatherScatterMode | None") -> "GatherScatterMode | None":
        """The mode for a string ('clip', 'fill', 'drop', 'promise_in_bounds'), a mode, or None
        (None stays None: each operation's default, clamping reads and dropping updates)."""
        if s is None or isinstance(s, GatherScatterMode):
            return s
        if s == "drop":
            return GatherScatterMode.FILL_OR_DROP
        if isinstance(s, str):
            for m in GatherScatterMode:
                if m.value == s:
                    return m
        raise ValueError(f"Unknown gather mode {s!r}: `mode` must be one of 'promise_in_bounds', "
                         "'clip', 'drop', 'fill' or None (JAX's default: reads clamp, updates "
                         "out of bounds are dropped)")


def _array_axes(indexer):
    """The axis of x that each ("a",) entry of `indexer` indexes."""
    axes, dim = [], 0
    for e in indexer:
        if e[0] in "ne":
            continue
        if e[0] == "a":
            axes.append(dim)
        dim += 1
    return axes


def _normalized(i, n):
    """(i with negative positions wrapped, a mask of the in-bounds positions), or (i, None)
    when every position is known to be in bounds: on the host for a concrete i, else traced."""
    if not isinstance(i, Tracer) or is_concrete(i):
        v = host_value(i) if isinstance(i, (Array, Tracer)) else np.asarray(to_host(i))
        if v.size == 0 or (v.min() >= -n and v.max() < n):
            return i, None
        v = np.where(v < 0, v + n, v)
        return v, (v >= 0) & (v < n)
    dt = get_aval(i).dtype
    big = n > np.iinfo(dt).max
    if dt.kind == "i" and not big:
        i = select(lt(i, np.array(0, dt)), add(i, np.array(n, dt)), i)
    low = ge(i, np.array(0, dt))
    return i, low if big else bitwise_and(low, lt(i, np.array(n, dt)))


def _clipped(i, n):
    if isinstance(i, np.ndarray):
        return np.clip(i, 0, max(n - 1, 0))
    dt = get_aval(i).dtype
    return maximum(minimum(i, np.array(min(max(n - 1, 0), np.iinfo(dt).max), dt)),
                   np.array(0, dt))


def _dropped(i, valid, n):
    """i with its out-of-bounds positions moved to n (one past the end: a padded slot)."""
    if isinstance(i, np.ndarray) and isinstance(valid, np.ndarray):
        return np.where(valid, i, n).astype(np.result_type(i.dtype, np.min_scalar_type(n)))
    i = convert_element_type(i, np.int64) if np.iinfo(get_aval(i).dtype).max < n else i
    return select(valid, i, np.array(n, get_aval(i).dtype))


def _all_valid(valids, shape):
    """The conjunction of the per-array masks, broadcast to the index arrays' common `shape`."""
    if all(isinstance(v, np.ndarray) for v in valids):
        return np.logical_and.reduce([np.broadcast_to(v, shape) for v in valids])
    out = None
    for v in valids:
        nd = get_aval(v).ndim
        v = broadcast_in_dim(v, shape, tuple(range(len(shape) - nd, len(shape))))
        out = v if out is None else bitwise_and(out, v)
    return out


def default_fill_value(dtype: np.dtype) -> Any:
    """JAX's fill for reads out of bounds in mode 'fill': NaN for inexact dtypes, the minimum of
    a signed integer, the maximum of an unsigned one, True for booleans."""
    dtype = np.dtype(dtype)
    if dtype.kind in "fc":
        return np.array(np.nan, dtype)
    if dtype.kind == "i":
        return np.array(np.iinfo(dtype).min, dtype)
    if dtype.kind == "u":
        return np.array(np.iinfo(dtype).max, dtype)
    return np.array(True, dtype)


def _eager(x, arrays):
    """Whether x and every index array are plain values (no transform sees them): numpy then
    runs the operation now and its own IndexError says an index is out of bounds."""
    return x.__class__ is Array and not any(isinstance(a, Tracer) for a in arrays)


def _bounded_gather(x, indexer, arrays, mode, fill_value, detach):
    shape = get_aval(x).shape
    out_shape = indexed_shape(shape, indexer, [get_aval(b).shape for b in arrays])
    if 0 in out_shape:  # nothing is read: no index is out of bounds
        return full(out_shape, 0, get_aval(x).dtype)
    fill = mode is GatherScatterMode.FILL_OR_DROP
    masked = fill or (mode is not GatherScatterMode.CLIP and detach is not None)
    new, valids = [], []
    for a, ax in zip(arrays, _array_axes(indexer)):
        n = shape[ax]
        if n == 0 and fill:  # nothing to read from: every position is filled
            dt = get_aval(x).dtype
            fv = default_fill_value(dt) if fill_value is None else fill_value
            return full(out_shape, fv, dt)
        i, valid = _normalized(a, n)
        if valid is None or n == 0:
            new.append(a)
            continue
        new.append(_clipped(i, n))
        if masked:
            valids.append(valid)
    out = gather(x, new, indexer)
    if not valids:
        return out
    b = tuple(np.broadcast_shapes(*[get_aval(a).shape for a in new]))
    valid = _all_valid(valids, b)
    _, adjacent, pre = _advanced_layout(indexer)
    start = pre if adjacent else 0
    out_shape = get_aval(out).shape
    mask = broadcast_in_dim(valid, out_shape, tuple(range(start, start + len(b))))
    if not fill:  # a clamped read, constant for derivatives (JAX's transpose drops it)
        return select(mask, out, detach(out))
    dt = get_aval(x).dtype
    fv = default_fill_value(dt) if fill_value is None else convert_element_type(fill_value, dt)
    return select(mask, out, fv)


def _bounded_scatter(fn, x, u, indexer, arrays, mode):
    aval = get_aval(x)
    if 0 in get_aval(u).shape:  # nothing is written: no index is out of bounds
        return x
    new, grow = [], [0] * aval.ndim
    for a, ax in zip(arrays, _array_axes(indexer)):
        n = aval.shape[ax]
        i, valid = _normalized(a, n)
        if valid is None:
            new.append(a)
        elif mode is GatherScatterMode.CLIP:
            new.append(_clipped(i, n) if n else a)
        else:  # dropped: written into one padded slot past the end, cut off after
            new.append(_dropped(i, valid, n))
            grow[ax] = 1
    if not any(grow):
        return fn(x, u, new, indexer)
    padded = pad(x, np.zeros((), aval.dtype), [(0, g, 0) for g in grow])
    return slice_(fn(padded, u, new, indexer), (0,) * aval.ndim, aval.shape)


# ---- user-facing entry points -------------------------------------------------------------------

def index(x: ArrayLike, idx: Any, mode: str | GatherScatterMode | None = None,
          fill_value: ArrayLike | None = None,
          detach: Callable[[Any], Any] | None = None) -> Array:
    """x[idx] with numpy's semantics for indices in bounds and JAX's for the others: by default
    (and with mode 'clip' or 'promise_in_bounds') they are clamped into the array; with 'fill'
    (or 'drop') they read `fill_value` (default: NaN, or the integer minimum). `detach`
    (stop_gradient, which lives above lax) makes the clamped reads of mode None and
    'promise_in_bounds' constants for derivatives, as in JAX, where only 'clip' differentiates
    into the clamped position.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.index(fnp.arange(6).reshape(2, 3), (1, slice(None, None, -1)))
    Array([5, 4, 3], dtype=int64)
    >>> lax.index(fnp.arange(3.), fnp.array([5, -1]), mode="fill", fill_value=-1.)
    Array([-1.,  2.], dtype=float64)
    """
    m = GatherScatterMode.from_any(mode)
    indexer, arrays = normalize_index(get_aval(x).shape, idx, strict=False)
    if not arrays:
        return gather(x, arrays, indexer)
    if _eager(x, arrays):
        try:  # numpy's indexing checks the bounds itself: only an index out of bounds costs more
            return gather(x, arrays, indexer)
        except IndexError:
            pass
    return _bounded_gather(x, indexer, arrays, m, fill_value, detach)


_SCATTERS = {"set": scatter, "add": scatter_add, "multiply": scatter_mul, "min": scatter_min,
             "max": scatter_max}


def index_update(x: ArrayLike, idx: Any, values: ArrayLike, op: str,
                 mode: str | GatherScatterMode | None = None) -> Array:
    """x.at[idx].<op>(values): a new array; `values` broadcast to x[idx]'s shape, cast to x's
    dtype (as numpy's assignment does). Updates at indices out of bounds are dropped (JAX's
    default, and modes 'drop', 'fill', 'promise_in_bounds'), or clamped with mode 'clip'.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.index_update(fnp.zeros(3), 1, 5., 'add')
    Array([0., 5., 0.], dtype=float64)
    >>> lax.index_update(fnp.zeros(3), fnp.array([1, 7]), 5., 'set', mode='clip')
    Array([0., 5., 5.], dtype=float64)
    """
    if op not in _SCATTERS:
        raise ValueError(f"index_update: `op` must be one of {sorted(_SCATTERS)}, got "
                         f"{op!r}")
    m = GatherScatterMode.from_any(mode)
    aval = get_aval(x)
    indexer, arrays = normalize_index(aval.shape, idx, strict=False)
    shape = indexed_shape(aval.shape, indexer, [get_aval(a).shape for a in arrays])
    u = convert_element_type(values, aval.dtype)
    u_aval = get_aval(u)
    if u_aval.shape != shape:
        if broadcast_shapes(f"x.at[...].{op}", u_aval, ShapedArray(shape, aval.dtype)) != shape:
            raise ValueError(f"x.at[...].{op}: values of shape {u_aval.shape} cannot be "
                             f"broadcast to the indexed shape {shape}")
        u = broadcast_in_dim(u, shape, tuple(range(len(shape) - u_aval.ndim, len(shape))))
    if not arrays:
        return _SCATTERS[op](x, u, arrays, indexer)
    if _eager(x, arrays) and u.__class__ is Array:
        try:  # as in index: numpy's scatter raises before anything is written
            return _SCATTERS[op](x, u, arrays, indexer)
        except IndexError:
            pass
    return _bounded_scatter(_SCATTERS[op], x, u, indexer, arrays, m)
