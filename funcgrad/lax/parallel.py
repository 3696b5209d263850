"""Named-axis collectives, with JAX's semantics: `psum`, `pmean`, `pmax`, `pmin`, `all_gather`,
`psum_scatter`, `all_to_all`, `ppermute`, `pshuffle`, `axis_index`, `axis_size`.

A collective names an axis: one bound by an enclosing `fg.vmap(f, axis_name=...)` (its members
are the batch elements), or, when no vmap binds the name, a process axis registered in
`funcgrad/_core/axes.py` (its members are processes: `funcgrad.distributed`). Running `f` on the
N members of an axis computes what `vmap(f, axis_name=name)` computes over the stacked inputs,
derivatives included, with JAX's conventions: psum's transpose is psum, all_gather's is
psum_scatter, all_to_all's is all_to_all back, ppermute's is the inverse permutation.

Each primitive works over one name. Its parameters are `axis_name`, `axis_size` (the size, known
when it is bound: shapes depend on it) and `vmapped`: whether the last operand is the vmap's
axis token (interpreters/batching.py), which routes the operation to that vmap; without it the
impl calls the registered process axis (eagerly, and in the code jit generates). A tuple of
names is the product of the axes (row-major: the last name varies fastest), built here from the
one-name primitives.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> from funcgrad import lax
>>> fg.vmap(lambda x: x - lax.pmean(x, "i"), axis_name="i")(fnp.array([1.0, 2.0, 6.0]))
Array([-2., -1.,  3.], dtype=float64)
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Hashable

import numpy as np

from .. import tree
from .._core import backend
from .._core.array import Array
from .._core.axes import process_axis
from .._core.avals import ShapedArray
from .._core.primitive import (ALL_ARGS, NO_ALGEBRA, PURE, RULE_FIRST, Primitive, def_nondiff,
                               defvjp_all)
from .._core.trace import get_aval
from ..interpreters.batching import bound_axis, bound_axis_names
from ._batching import move_axis, to_front
from ._checks import shape_error
from .elementwise import convert_element_type, div, eq, mul, select
from .indexing import index
from .reduce import reduce_max, reduce_min, reduce_sum
from .shape import broadcast_in_dim, reshape, transpose

AxisName = Any  # a hashable name, or a tuple of names


# ---- naming an axis ------------------------------------------------------------------------------

def _names(axis_name: AxisName) -> tuple:
    return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _unbound(name: Hashable, who: str) -> NameError:
    bound = bound_axis_names()
    return NameError(
        f"unbound axis name: {name}. {who} names an axis that no enclosing fg.vmap(..., "
        f"axis_name=...) binds (bound here: {bound or 'none'}) and that is not a registered "
        f"process axis. Map the function with fg.vmap(f, axis_name={name!r}), or, across "
        "processes, call funcgrad.distributed.initialize() first (it registers the process "
        "axis).")


def _axis(name: Hashable, who: str) -> tuple[dict, list]:
    """The parameters of a one-name collective over `name`, and its extra operands (the vmap's
    token, or none for a process axis). NameError when nothing binds the name."""
    frame = bound_axis(name)
    if frame is not None:
        return dict(axis_name=name, axis_size=frame.size, vmapped=True), [frame.token()]
    member = process_axis(name) if isinstance(name, str) else None
    if member is not None:
        return dict(axis_name=name, axis_size=int(member.size), vmapped=False), []
    raise _unbound(name, who)


def axis_size(axis_name: AxisName) -> int:
    """The number of members of the named axis (the product of the sizes, for a tuple).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x: x * axis_size("i"), axis_name="i")(fnp.ones(3))
    Array([3., 3., 3.], dtype=float64)
    """
    return math.prod(_axis(n, "axis_size")[0]["axis_size"] for n in _names(axis_name))


def _each_leaf(fn, x):
    """fn applied to each leaf of the pytree x (a loop here, so that an error's `at` line is the
    user's call, not a frame of optree's)."""
    leaves, treedef = tree.tree_flatten(x)
    return tree.tree_unflatten(treedef, [fn(leaf) for leaf in leaves])


def _member(axis_name, axis_size, who):
    """The registered process axis a collective's impl runs on."""
    member = process_axis(axis_name) if isinstance(axis_name, str) else None
    if member is None:
        raise _unbound(axis_name, who)
    if int(member.size) != axis_size:
        raise ValueError(f"{who}: the process axis {axis_name!r} has {member.size} members now, "
                         f"but this computation was traced for {axis_size}; trace it again "
                         "(a new fg.jit) after changing the process axis")
    return member


def _host(v):
    return np.asarray(backend.to_host(backend.asarray(v)), order="C")   # 0-d stays 0-d


def _like(out, v):
    """A result of the process axis (host numpy) where the operand `v` was, in its dtype."""
    v = backend.asarray(v)
    out = np.asarray(out).astype(v.dtype, copy=False)
    xp = backend.xp_of(v)
    return out if xp is np else xp.asarray(out)


def _split(args, vmapped):
    """(the operands, the token operand as a list: [] without one)."""
    return (args[:-1], args[-1:]) if vmapped else (args, args[:0])


def _mine(dims, vmapped):
    """Whether the vmap running a collective's batching rule is the axis it names: the token is
    batched there and nowhere else."""
    return vmapped and dims[-1] is not None


def _times(x, n):
    """x * n in x's dtype: a sum over n members that all hold x."""
    if not isinstance(x, Array) and type(x) in (bool, int, float, complex):
        return x * n
    return mul(x, np.asarray(n, dtype=get_aval(x).dtype))


def _no_token_impl(who):
    raise RuntimeError(f"{who}: a vmap's axis token reached an impl; the vmap that bound it "
                       "has finished (was a traced value kept past it?)")


_COMMON = dict(structured_batch=None, jit=None, fresh=False, **PURE, **RULE_FIRST, **NO_ALGEBRA)
"""What every collective declares alike: no symbolic one-hot batching; jit's code calls the
impl (it calls the process axis); not fresh (a process axis may hand back its operand);
no effect beyond the outputs (every member runs the same program, so the jit passes treat each
member's copy alike); the shape rule first."""


# ---- psum, pmax, pmin: reductions over the members ---------------------------------------------

def _reduce_impl(prim_name, op):
    def impl(*args, axis_name, axis_size, vmapped):
        if vmapped:
            _no_token_impl(prim_name)
        member = _member(axis_name, axis_size, prim_name)
        outs = member.allreduce([_host(x) for x in args], op)
        return [_like(o, x) for o, x in zip(outs, args)]
    return impl


def _reduce_abstract_eval(*avals, axis_name, axis_size, vmapped):
    xs, _ = _split(avals, vmapped)
    return list(xs)


def _reduce_batch(prim, reduce, unbatched):
    """The vmap rule: over the named axis, reduce the batch axis (a value the same for every
    member: `unbatched(x, n)`); over any other vmap, the same collective, batch axes kept."""
    def rule(args, dims, *, axis_name, axis_size, vmapped):
        params = dict(axis_name=axis_name, axis_size=axis_size, vmapped=vmapped)
        xs, _ = _split(args, vmapped)
        if _mine(dims, vmapped):
            # (over no members the result is never seen: a sum, which needs no identity)
            red = reduce if axis_size else reduce_sum
            return ([unbatched(x, axis_size) if d is None else red(x, (d,))
                     for x, d in zip(xs, dims)], [None] * len(xs))
        return prim.bind(*args, **params), list(dims[:len(xs)])
    return rule


def _linear_reduce_rules(prim):
    """jvp and vjp of psum, linear in each operand: its tangents summed (one bind for all), its
    cotangents summed too (JAX's convention: psum's transpose is psum)."""
    def jvp(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        xs, tok = _split(primals, params["vmapped"])
        nz = [i for i in range(len(xs)) if tangents[i] is not None]
        if not nz:
            return ans, None
        ts = prim.bind(*[tangents[i] for i in nz], *tok, **params)
        out: list = [None] * len(xs)
        for i, t in zip(nz, ts):
            out[i] = t
        return ans, out

    def vjp(ct, ans, args, positions, residuals, **params):
        xs, tok = _split(args, params["vmapped"])
        pos = [i for i in positions if i < len(xs)]
        got = dict(zip(pos, prim.bind(*[ct[i] for i in pos], *tok, **params))) if pos else {}
        return [got.get(i) for i in positions]
    prim.jvp = jvp
    defvjp_all(prim, vjp, ALL_ARGS)


def _chooser_rules(prim):
    """jvp and vjp of pmax / pmin: the derivative goes to the members holding the extremum,
    shared evenly among ties (as lax.reduce_max's). JAX has no derivative rule for these."""
    def masks(xs, ans, idx):
        """Where each member holds the extremum (bool), and the same as 0/1 to count them."""
        ws = [eq(xs[i], ans[i]) for i in idx]
        return ws, [convert_element_type(w, get_aval(xs[i]).dtype) for w, i in zip(ws, idx)]

    def jvp(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        xs, tok = _split(primals, params["vmapped"])
        nz = [i for i in range(len(xs)) if tangents[i] is not None]
        if not nz:
            return ans, None
        ws, ms = masks(xs, ans, nz)
        sums = psum_p.bind(*[select(w, tangents[i], 0) for w, i in zip(ws, nz)], *ms, *tok,
                           **params)
        out: list = [None] * len(xs)
        for k, i in enumerate(nz):
            out[i] = div(sums[k], sums[len(nz) + k])
        return ans, out

    def vjp(ct, ans, args, positions, residuals, **params):
        xs, tok = _split(args, params["vmapped"])
        pos = [i for i in positions if i < len(xs)]
        if not pos:
            return [None] * len(positions)
        ws, ms = masks(xs, ans, pos)
        sums = psum_p.bind(*[ct[i] for i in pos], *ms, *tok, **params)
        got = {i: select(w, div(sums[k], sums[len(pos) + k]), 0)
               for k, (i, w) in enumerate(zip(pos, ws))}
        return [got.get(i) for i in positions]
    prim.jvp = jvp
    defvjp_all(prim, vjp, ALL_ARGS)


def _reduction(name, op, reduce, unbatched):
    """A reduction over the members: its impl (the process axis's allreduce with `op`), shape
    rule and vmap rule (`reduce` over the batch axis; `unbatched(x, n)` for a value that every
    member holds)."""
    prim = Primitive(name, multiple_results=True)
    prim.impl = _reduce_impl(name, op)
    prim.abstract_eval = _reduce_abstract_eval
    prim.batch = _reduce_batch(prim, reduce, unbatched)
    return prim


def _reduce_over(prim, x, axis_name, who):
    leaves, treedef = tree.tree_flatten(x)
    for name in _names(axis_name):
        if not leaves:
            break
        params, tok = _axis(name, who)
        leaves = list(prim.bind(*leaves, *tok, **params))
    return tree.tree_unflatten(treedef, leaves)


psum_p = _reduction("psum", "sum", reduce_sum, _times)
_linear_reduce_rules(psum_p)
psum_p.declare(**_COMMON)


def psum(x: Any, axis_name: AxisName) -> Any:
    """The sum of `x` (a pytree of arrays: one collective for all leaves) over the members of
    the named axis (or tuple of axes). Booleans are summed as int32, as JAX does. A value that
    is the same on every member (not batched by the vmap) sums to x times the axis size, so
    `psum(1, name)` is the axis size.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x: (psum(x, "i"), psum(1, "i")), axis_name="i")(fnp.arange(3.0))
    (Array([3., 3., 3.], dtype=float64), Array([3, 3, 3], dtype=int64))
    """
    x = _each_leaf(lambda l: convert_element_type(l, np.int32)
                   if get_aval(l).dtype == np.bool_ else l, x)
    return _reduce_over(psum_p, x, axis_name, "psum")


pmax_p = _reduction("pmax", "max", reduce_max, lambda x, n: x)
_chooser_rules(pmax_p)
pmax_p.declare(**_COMMON)


def pmax(x: Any, axis_name: AxisName) -> Any:
    """The elementwise maximum of `x` (a pytree) over the members of the named axis.

    Differentiable (unlike JAX's, which has no rule): the derivative goes to the members that
    hold the maximum, shared evenly among ties.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x: pmax(x, "i"), axis_name="i")(fnp.array([1.0, 5.0, 2.0]))
    Array([5., 5., 5.], dtype=float64)
    """
    return _reduce_over(pmax_p, x, axis_name, "pmax")


pmin_p = _reduction("pmin", "min", reduce_min, lambda x, n: x)
_chooser_rules(pmin_p)
pmin_p.declare(**_COMMON)


def pmin(x: Any, axis_name: AxisName) -> Any:
    """The elementwise minimum of `x` (a pytree) over the members of the named axis (derivative
    as pmax's).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x: pmin(x, "i"), axis_name="i")(fnp.array([1.0, 5.0, 2.0]))
    Array([1., 1., 1.], dtype=float64)
    """
    return _reduce_over(pmin_p, x, axis_name, "pmin")


def pmean(x: Any, axis_name: AxisName) -> Any:
    """The mean of `x` (a pytree) over the members of the named axis: psum(x) / axis size
    (numpy's true division: integers give float64).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x: pmean(x, "i"), axis_name="i")(fnp.array([1.0, 2.0, 6.0]))
    Array([3., 3., 3.], dtype=float64)
    """
    # (over no members the mean is never seen: divided by 1, without 0/0's warning)
    n = max(axis_size(axis_name), 1)
    return _each_leaf(lambda s: div(s, n), psum(x, axis_name))


def _linear_in_operand(prim, transpose):
    """jvp and vjp of a collective linear in its one operand (followed by the token, if any):
    the tangent goes through the collective itself, the cotangent through
    `transpose(ct, token operands, **params)`."""
    def jvp(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        t = tangents[0]
        return ans, None if t is None else prim.bind(t, *primals[1:], **params)

    def vjp(ct, ans, args, positions, residuals, **params):
        return [transpose(ct, args[1:], **params) if i == 0 else None for i in positions]
    prim.jvp = jvp
    defvjp_all(prim, vjp, frozenset({0}))


# ---- all_gather ----------------------------------------------------------------------------------

def _check_axis(who, what, axis, ndim, shape, given=None):
    """`axis` (non-negative; the user gave `given`) must be in range for `ndim` axes."""
    if not 0 <= axis < ndim:
        raise shape_error(f"{who}: {what}={axis if given is None else given} is out of bounds "
                          f"for an operand of shape {shape} (valid: {-ndim}..{ndim - 1}).")


def _normalized(who, what, axis, ndim, shape):
    a = int(axis)
    _check_axis(who, what, a + ndim if a < 0 else a, ndim, shape, given=a)
    return a % ndim


all_gather_p = Primitive("all_gather")


def _all_gather_impl(*args, axis_name, axis_size, vmapped, axis):
    if vmapped:
        _no_token_impl("all_gather")
    (x,) = args
    got = _member(axis_name, axis_size, "all_gather").allgather(_host(x))
    return _like(np.moveaxis(np.asarray(got), 0, axis), x)


def _all_gather_abstract_eval(*avals, axis_name, axis_size, vmapped, axis):
    x = avals[0]
    _check_axis("all_gather", "axis", axis, x.ndim + 1, x.shape)
    return ShapedArray(x.shape[:axis] + (axis_size,) + x.shape[axis:], x.dtype)


def _all_gather_batch(args, dims, *, axis_name, axis_size, vmapped, axis):
    x, d = args[0], dims[0]
    if _mine(dims, vmapped):  # every member receives the whole stack
        if d is None:
            s = get_aval(x).shape
            return broadcast_in_dim(x, s[:axis] + (axis_size,) + s[axis:],
                                    tuple(i + (i >= axis) for i in range(len(s)))), None
        return move_axis(x, d, axis), None
    return all_gather_p.bind(move_axis(x, d, 0), *args[1:], axis_name=axis_name,
                             axis_size=axis_size, vmapped=vmapped, axis=axis + 1), 0


all_gather_p.impl = _all_gather_impl
all_gather_p.abstract_eval = _all_gather_abstract_eval
all_gather_p.batch = _all_gather_batch


def _all_gather_transpose(ct, tok, *, axis, **params):
    """all_gather's transpose: psum_scatter (the block each member gathered, summed back)."""
    return psum_scatter_p.bind(ct, *tok, scatter_dimension=axis, **params)


_linear_in_operand(all_gather_p, _all_gather_transpose)
all_gather_p.declare(**_COMMON)


def _merge(x, start, count):
    """x with its axes start..start+count-1 merged into one (row-major)."""
    s = get_aval(x).shape
    if count == 1:
        return x
    return reshape(x, s[:start] + (math.prod(s[start:start + count]),) + s[start + count:])


def all_gather(x: Any, axis_name: AxisName, *, axis: int = 0, tiled: bool = False) -> Any:
    """Every member's `x` (each leaf of a pytree), stacked along a new axis `axis` of the
    axis's size, on every member; `tiled=True` concatenates along the existing axis `axis`
    instead.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x: all_gather(x, "i"), axis_name="i")(fnp.arange(2.0))
    Array([[0., 1.],
           [0., 1.]], dtype=float64)
    """
    names = _names(axis_name)

    def one(leaf):
        shape = get_aval(leaf).shape
        nd = len(shape)
        a = _normalized("all_gather", "axis", axis, nd if tiled else nd + 1, shape)
        for name in reversed(names):  # the last name ends innermost: row-major members
            params, tok = _axis(name, "all_gather")
            leaf = all_gather_p.bind(leaf, *tok, axis=a, **params)
        return _merge(leaf, a, len(names) + bool(tiled))
    return _each_leaf(one, x)


# ---- psum_scatter --------------------------------------------------------------------------------

psum_scatter_p = Primitive("psum_scatter")


def _psum_scatter_impl(*args, axis_name, axis_size, vmapped, scatter_dimension):
    if vmapped:
        _no_token_impl("psum_scatter")
    (x,) = args
    member = _member(axis_name, axis_size, "psum_scatter")
    return _like(member.reduce_scatter(
        np.ascontiguousarray(np.moveaxis(_host(x), scatter_dimension, 0)), "sum"), x)


def _psum_scatter_abstract_eval(*avals, axis_name, axis_size, vmapped, scatter_dimension):
    x = avals[0]
    sd = scatter_dimension
    _check_axis("psum_scatter", "scatter_dimension", sd, x.ndim, x.shape)
    if x.shape[sd] != axis_size:
        raise shape_error(f"psum_scatter: the operand's scatter_dimension={sd} has size "
                          f"{x.shape[sd]} (shape {x.shape}), but the axis {axis_name!r} has "
                          f"{axis_size} members: with tiled=False they must be equal (with "
                          "tiled=True, a multiple of it).")
    return ShapedArray(x.shape[:sd] + x.shape[sd + 1:], x.dtype)


def _psum_scatter_batch(args, dims, *, axis_name, axis_size, vmapped, scatter_dimension):
    x, d = args[0], dims[0]
    if _mine(dims, vmapped):  # the sum, of which member j holds block j
        return (_times(x, axis_size) if d is None else reduce_sum(x, (d,))), scatter_dimension
    return psum_scatter_p.bind(move_axis(x, d, 0), *args[1:], axis_name=axis_name,
                               axis_size=axis_size, vmapped=vmapped,
                               scatter_dimension=scatter_dimension + 1), 0


psum_scatter_p.impl = _psum_scatter_impl
psum_scatter_p.abstract_eval = _psum_scatter_abstract_eval
psum_scatter_p.batch = _psum_scatter_batch
_linear_in_operand(psum_scatter_p, lambda ct, tok, *, scatter_dimension, **params:
                   all_gather_p.bind(ct, *tok, axis=scatter_dimension, **params))
psum_scatter_p.declare(**_COMMON)


def _split_sizes(who, what, leaf, axis, names, tiled):
    """The axis's member sizes and the block each member gets along `axis`; checks that the
    operand's size there is the axis size (a multiple of it, tiled)."""
    shape = get_aval(leaf).shape
    resolved = [_axis(n, who) for n in names]
    sizes = [p["axis_size"] for p, _ in resolved]
    n, d = math.prod(sizes), shape[axis]
    if (d % n != 0) if tiled and n else d != n:
        label = "/".join(map(str, names))
        raise ValueError(
            f"{who}: the operand's {what}={axis} has size {d} (shape {shape}), but the axis "
            f"{label!r} has {n} members: with tiled={bool(tiled)} it must be "
            f"{'a multiple of' if tiled else 'equal to'} {n}. Pad or reshape the operand.")
    return resolved, sizes, (d // n if n else 0)


def psum_scatter(x: Any, axis_name: AxisName, *, scatter_dimension: int = 0,
                 tiled: bool = False) -> Any:
    """The sum over the members (psum), of which member j keeps only block j along
    `scatter_dimension`: that axis must have the axis's size (the block is one entry, the axis
    removed) or, with `tiled=True`, a multiple of it (the block is a slice).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x: psum_scatter(x, "i"), axis_name="i")(fnp.ones((2, 2)))
    Array([2., 2.], dtype=float64)
    """
    names = _names(axis_name)

    def one(leaf):
        shape = get_aval(leaf).shape
        sd = _normalized("psum_scatter", "scatter_dimension", scatter_dimension, len(shape),
                         shape)
        resolved, sizes, m = _split_sizes("psum_scatter", "scatter_dimension", leaf, sd, names,
                                          tiled)
        leaf = reshape(leaf, shape[:sd] + tuple(sizes) + (m,) + shape[sd + 1:])
        for params, tok in resolved:  # the first name is the outermost block index
            leaf = psum_scatter_p.bind(leaf, *tok, scatter_dimension=sd, **params)
        s = get_aval(leaf).shape
        return leaf if tiled else reshape(leaf, s[:sd] + s[sd + 1:])
    return _each_leaf(one, x)


# ---- all_to_all ----------------------------------------------------------------------------------

all_to_all_p = Primitive("all_to_all")


def _all_to_all_impl(*args, axis_name, axis_size, vmapped, split_axis, concat_axis):
    if vmapped:
        _no_token_impl("all_to_all")
    (x,) = args
    member = _member(axis_name, axis_size, "all_to_all")
    got = member.alltoall(np.ascontiguousarray(np.moveaxis(_host(x), split_axis, 0)))
    return _like(np.moveaxis(np.asarray(got), 0, concat_axis), x)


def _all_to_all_abstract_eval(*avals, axis_name, axis_size, vmapped, split_axis, concat_axis):
    x = avals[0]
    _check_axis("all_to_all", "split_axis", split_axis, x.ndim, x.shape)
    _check_axis("all_to_all", "concat_axis", concat_axis, x.ndim, x.shape)
    if x.shape[split_axis] != axis_size:
        raise shape_error(f"all_to_all: the operand's split_axis={split_axis} has size "
                          f"{x.shape[split_axis]} (shape {x.shape}), but the axis "
                          f"{axis_name!r} has {axis_size} members: they must be equal.")
    rest = x.shape[:split_axis] + x.shape[split_axis + 1:]
    return ShapedArray(rest[:concat_axis] + (axis_size,) + rest[concat_axis:], x.dtype)


def _all_to_all_batch(args, dims, *, axis_name, axis_size, vmapped, split_axis, concat_axis):
    x, d = args[0], dims[0]
    if _mine(dims, vmapped):
        # batch axis = the source member; member k receives every source's block k
        x = to_front(x, d, axis_size)                 # (source, ...)
        x = move_axis(x, split_axis + 1, 0)           # (destination, source, rest)
        return move_axis(x, 1, concat_axis + 1), 0    # the sources at concat_axis
    return all_to_all_p.bind(move_axis(x, d, 0), *args[1:], axis_name=axis_name,
                             axis_size=axis_size, vmapped=vmapped, split_axis=split_axis + 1,
                             concat_axis=concat_axis + 1), 0


all_to_all_p.impl = _all_to_all_impl
all_to_all_p.abstract_eval = _all_to_all_abstract_eval
all_to_all_p.batch = _all_to_all_batch
_linear_in_operand(all_to_all_p, lambda ct, tok, *, split_axis, concat_axis, **params:
                   all_to_all_p.bind(ct, *tok, split_axis=concat_axis, concat_axis=split_axis,
                                     **params))  # sent back where it came from
all_to_all_p.declare(**_COMMON)


def all_to_all(x: Any, axis_name: AxisName, split_axis: int, concat_axis: int, *,
               tiled: bool = False) -> Any:
    """Member j's `x` is cut into as many blocks along `split_axis` as the axis has members;
    block k goes to member k, which stacks what it receives by source along a new axis at
    `concat_axis` (the split axis is removed: it must have the axis's size). With `tiled=True`
    the split axis must be a multiple of the axis size and the received blocks are
    concatenated along the existing `concat_axis`.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x: all_to_all(x, "i", 0, 0), axis_name="i")(fnp.arange(4.0).reshape(2, 2))
    Array([[0., 2.],
           [1., 3.]], dtype=float64)
    """
    names = _names(axis_name)

    def one(leaf):
        shape = get_aval(leaf).shape
        nd = len(shape)
        sa = _normalized("all_to_all", "split_axis", split_axis, nd, shape)
        ca = _normalized("all_to_all", "concat_axis", concat_axis, nd, shape)
        resolved, sizes, m = _split_sizes("all_to_all", "split_axis", leaf, sa, names, tiled)
        k = len(names)
        if k == 1 and not tiled:
            params, tok = resolved[0]
            return all_to_all_p.bind(leaf, *tok, split_axis=sa, concat_axis=ca, **params)
        # the split axis as one axis per name (and the block), each exchanged over its name;
        # the sources gather at the front, last name first
        w = reshape(leaf, shape[:sa] + tuple(sizes) + ((m,) if tiled else ()) + shape[sa + 1:])
        for j, (params, tok) in enumerate(resolved):
            w = all_to_all_p.bind(w, *tok, split_axis=sa + j, concat_axis=0, **params)
        w = _merge(transpose(w, tuple(reversed(range(k))) + tuple(range(k, k + nd
                                                                         - (not tiled)))), 0, k)
        w = move_axis(w, 0, ca)
        return _merge(w, ca, 2) if tiled else w
    return _each_leaf(one, x)


# ---- ppermute, pshuffle --------------------------------------------------------------------------

ppermute_p = Primitive("ppermute")


def _checked_perm(perm, size, who="ppermute"):
    """`perm` as a tuple of (source, destination) int pairs in range, each source and each
    destination at most once; a ValueError naming the fault otherwise."""
    try:
        pairs = tuple((int(s), int(t)) for s, t in perm)
    except (TypeError, ValueError):
        raise ValueError(f"{who}: perm must be a sequence of (source, destination) pairs of "
                         f"ints, got {perm!r}") from None
    for s, t in pairs:
        if not (0 <= s < size and 0 <= t < size):
            raise ValueError(f"{who}: perm pair ({s}, {t}) is out of range for an axis of "
                             f"{size} members (indices 0..{size - 1})")
    for k, what in ((0, "sources"), (1, "destinations")):
        seen = [p[k] for p in pairs]
        dup = sorted({v for v in seen if seen.count(v) > 1})
        if dup:
            raise ValueError(f"{who}: perm has duplicate {what} {dup} in {list(pairs)}: each "
                             "member sends at most once and receives at most once")
    return pairs


def _ppermute_impl(*args, axis_name, axis_size, vmapped, perm):
    if vmapped:
        _no_token_impl("ppermute")
    (x,) = args
    return _like(_member(axis_name, axis_size, "ppermute").permute(_host(x), perm), x)


def _ppermute_abstract_eval(*avals, axis_name, axis_size, vmapped, perm):
    _checked_perm(perm, axis_size)
    return avals[0]


def _ppermute_batch(args, dims, *, axis_name, axis_size, vmapped, perm):
    x, d = args[0], dims[0]
    if _mine(dims, vmapped):
        if d is None:
            x, d = to_front(x, None, axis_size), 0
        src = np.zeros(axis_size, np.int64)
        got = np.zeros(axis_size, bool)
        for s, t in perm:
            src[t], got[t] = s, True
        out = index(x, (slice(None),) * d + (src,))
        if not got.all():  # a member that receives nothing gets zeros
            shape = get_aval(out).shape
            out = select(broadcast_in_dim(got, shape, (d,)), out, 0)
        return out, d
    return ppermute_p.bind(x, *args[1:], axis_name=axis_name, axis_size=axis_size,
                           vmapped=vmapped, perm=perm), d


ppermute_p.impl = _ppermute_impl
ppermute_p.abstract_eval = _ppermute_abstract_eval
ppermute_p.batch = _ppermute_batch
_linear_in_operand(ppermute_p, lambda ct, tok, *, perm, **params: ppermute_p.bind(
    ct, *tok, perm=tuple((t, s) for s, t in perm), **params))  # the inverse permutation
ppermute_p.declare(**_COMMON)


def ppermute(x: Any, axis_name: AxisName, perm: Sequence[tuple[int, int]]) -> Any:
    """Send `x` (each leaf of a pytree) along the named axis: for each (source, destination)
    pair of `perm`, member `destination` receives member `source`'s `x`; a member that
    receives nothing gets zeros. Each member sends at most once and receives at most once.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x: ppermute(x, "i", [(0, 1), (1, 2)]), axis_name="i")(fnp.arange(1.0, 4.0))
    Array([0., 1., 2.], dtype=float64)
    """
    names = _names(axis_name)
    pairs = _checked_perm(perm, axis_size(names))
    if len(names) == 1:
        params, tok = _axis(names[0], "ppermute")
        return _each_leaf(lambda l: ppermute_p.bind(l, *tok, perm=pairs, **params), x)
    # over several names, a member's position is row-major in them: gather, then pick
    n = axis_size(names)
    src = np.zeros(n, np.int64)
    got = np.zeros(n, bool)
    for s, t in pairs:
        src[t], got[t] = s, True
    me = axis_index(names)

    def one(leaf):
        picked = index(all_gather(leaf, names), index(src, me))
        return select(index(got, me), picked, 0)
    return _each_leaf(one, x)


def pshuffle(x: Any, axis_name: AxisName, perm: Sequence[int]) -> Any:
    """Member i receives member perm[i]'s `x`: ppermute with a full permutation.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x: pshuffle(x, "i", [2, 0, 1]), axis_name="i")(fnp.arange(3.0))
    Array([2., 0., 1.], dtype=float64)
    """
    perm = [int(p) for p in perm]
    if sorted(perm) != list(range(len(perm))):
        raise ValueError(f"pshuffle: `perm` does not represent a permutation: {perm}")
    n = axis_size(axis_name)
    if len(perm) != n:
        raise ValueError(f"pshuffle: `perm` has {len(perm)} entries but the axis "
                         f"{axis_name!r} has {n} members: give one source per member")
    return ppermute(x, axis_name, [(s, d) for d, s in enumerate(perm)])


# ---- axis_index ----------------------------------------------------------------------------------

axis_index_p = Primitive("axis_index")


def _axis_index_impl(*args, axis_name, axis_size, vmapped):
    if vmapped:
        _no_token_impl("axis_index")
    return np.asarray(_member(axis_name, axis_size, "axis_index").index, np.int32)


def _axis_index_batch(args, dims, *, axis_name, axis_size, vmapped):
    if _mine(dims, vmapped):  # the token is the members' indices
        return args[-1], dims[-1]
    return axis_index_p.bind(*args, axis_name=axis_name, axis_size=axis_size,
                             vmapped=vmapped), None


axis_index_p.impl = _axis_index_impl
axis_index_p.abstract_eval = lambda *avals, **params: ShapedArray((), np.dtype(np.int32))
axis_index_p.batch = _axis_index_batch
def_nondiff(axis_index_p)
axis_index_p.declare(**_COMMON)


def axis_index(axis_name: AxisName) -> Any:
    """This member's position on the named axis (int32; row-major over a tuple of names).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x: axis_index("i"), axis_name="i")(fnp.zeros(3))
    Array([0, 1, 2], dtype=int32)
    """
    out: Any = None
    for name in _names(axis_name):
        params, tok = _axis(name, "axis_index")
        i = axis_index_p.bind(*tok, **params)
        out = i if out is None else out * params["axis_size"] + i
    return out


__all__ = ["all_gather", "all_to_all", "axis_index", "axis_size", "pmax", "pmean", "pmin",
           "ppermute", "psum", "psum_scatter", "pshuffle"]
