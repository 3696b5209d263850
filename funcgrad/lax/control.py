"""Control flow: cond, switch, scan, fori_loop, while_loop, map.

On concrete values (eagerly, or under grad, jvp and vjp of Python code) they simply run as Python,
so the recorded operations differentiate like any others. Under abstract tracing (jit,
make_jaxpr) or vmap they become primitives carrying jaxprs, with jvp, vjp, batching and codegen
rules: reverse mode through a loop is one backward loop, not an unrolled chain."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import tree
from .._core.array import Array, with_weak_type
from .._core.avals import ShapedArray
from .._core.backend import asarray, xp_of
from .._core.errors import doc_link, user_frame
from .._core.ir import ClosedJaxpr, Jaxpr, Var
from .._core.primitive import (ALL_ARGS, NO_ALGEBRA, PURE, RULE_FIRST, Primitive, def_nondiff,
                               defvjp_all)
from .._core.trace import Tracer, as_leaf, concrete_value, get_aval, is_concrete
from .._core.typing import ArrayLike
from .._core.validate import check_bool, check_callable, count
from ..interpreters.ad import ReverseTracer
from ..interpreters.subjaxpr import (batch_jaxpr, call, in_avals, jvp_jaxpr, out_avals, retrace,
                                     run, trace_closed, vjp_jaxpr)
from ._batching import batch_size, move_axis, to_front
from .device import on_device_of
from .elementwise import bitwise_and, convert_element_type, eq, maximum, minimum, select
from .indexing import index
from .reduce import reduce_max
from .shape import concatenate, expand_dims, full, reshape, zeros_like_aval


def _as_array(x):
    return Array(x) if type(x) in (bool, int, float, complex) else as_leaf(x)


def _avals_str(avals):
    return "[" + ", ".join(a.str_short() for a in avals) + "]"


def _same_types(a, b):
    return [(x.shape, x.dtype) for x in a] == [(x.shape, x.dtype) for x in b]


def _with_unused_inputs(closed, before, after_n_hoisted, total_avals_after):
    """A copy of closed taking extra unused inputs: `before` avals first, then its hoisted inputs,
    then `total_avals_after` (avals inserted after its hoisted inputs), then its own inputs."""
    j = closed.jaxpr
    h = list(j.invars[:after_n_hoisted])
    rest = list(j.invars[after_n_hoisted:])
    invars = [Var(a) for a in before] + h + [Var(a) for a in total_avals_after] + rest
    return ClosedJaxpr(Jaxpr(j.constvars, invars, j.eqns, j.outvars), closed.consts)


# ---- cond / switch ------------------------------------------------------------------------------

cond_p = Primitive("cond", multiple_results=True)


def _clamp_index(i, n):
    return min(max(int(i), 0), n - 1)


cond_p.impl = lambda index, *args, branches: run(branches[_clamp_index(index, len(branches))],
                                                 *args)


def _cond_abstract_eval(index, *args, branches):
    outs = [out_avals(b) for b in branches]
    for k, got in enumerate(outs[1:], start=1):
        if not _same_types(got, outs[0]):
            raise _branches_error(k, f"types {_avals_str(outs[0])}", f"types {_avals_str(got)}")
    return outs[0]


cond_p.abstract_eval = _cond_abstract_eval


def _cond_jvp(primals, tangents, *, branches):
    index, *ops = primals
    ts = tangents[1:]
    nonzero = [t is not None for t in ts]
    if not any(nonzero):
        return cond_p.bind(*primals, branches=branches), None
    jb = tuple(jvp_jaxpr(b, nonzero) for b in branches)
    outs = cond_p.bind(index, *ops, *[t for t in ts if t is not None], branches=jb)
    n = len(out_avals(branches[0]))
    return outs[:n], outs[n:]


def _cond_vjp(ct, ans, args, positions, residuals, *, branches):
    index, *ops = args
    wanted = [i + 1 in positions for i in range(len(ops))]
    vb = tuple(vjp_jaxpr(b, wanted) for b in branches)
    got = iter(cond_p.bind(index, *ops, *ct, branches=vb))
    by_pos = {i + 1: next(got) for i, w in enumerate(wanted) if w}
    return [by_pos.get(p) for p in positions]


def _cond_batch(args, dims, *, branches):
    index, *ops = args
    id_d, *od = dims
    size = batch_size(args, dims)
    n_out = len(out_avals(branches[0]))
    if id_d is None:
        bb = tuple(batch_jaxpr(b, od, size) for b in branches)
        return cond_p.bind(index, *ops, branches=bb), [0] * n_out
    # A different branch per example: run every branch on the whole batch, then pick per example.
    idx = to_front(index, id_d, size)
    idx = maximum(minimum(idx, len(branches) - 1), 0)
    results = [call(batch_jaxpr(b, od, size), *ops) for b in branches]
    out = list(results[0])
    for k, res in enumerate(results[1:], start=1):
        for j, r in enumerate(res):
            nd = get_aval(r).ndim
            pick = reshape(eq(idx, k), (size,) + (1,) * (nd - 1))
            out[j] = select(pick, r, out[j])
    return out, [0] * n_out


cond_p.jvp = _cond_jvp
defvjp_all(cond_p, _cond_vjp, ALL_ARGS[1:])  # every operand but the branch index
cond_p.batch = _cond_batch
# not fresh: a branch may return its operand as it is
cond_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)


def switch(index: ArrayLike, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """`branches[index](*operands)`, with index clamped to the valid range. Every branch must
    return the same structure and types.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.switch(1, [lambda x: x + 1, lambda x: x * 10], fnp.array(2.0))
    Array(20., dtype=float64)
    """
    if callable(branches):
        raise TypeError("switch: `branches` must be a sequence of functions, got one function; "
                        "wrap it in a list: lax.switch(i, [f, g], x)")
    branches = list(branches)
    if not branches:
        raise ValueError("switch needs at least one branch")
    for k, br in enumerate(branches):
        check_callable(br, "switch", f"branches[{k}]")
    index = as_leaf(index)
    ia = get_aval(index)
    if ia.shape != () or ia.dtype.kind not in "biu":
        raise TypeError(f"switch/cond: the index (predicate) must be a scalar integer or boolean, "
                        f"got {ia.str_short()}. For an elementwise choice use "
                        "fnp.where(pred, x, y).")
    if is_concrete(index):
        return branches[_clamp_index(concrete_value(index), len(branches))](*operands)
    leaves, in_tree = tree.tree_flatten(operands)
    leaves = [as_leaf(x) for x in leaves]
    avals = [get_aval(x) for x in leaves]
    traced = [trace_closed(lambda *xs, br=br: br(*tree.tree_unflatten(in_tree, xs)), avals,
                           "cond") for br in branches]
    _check_branches(traced)
    hoisted_avals = [[get_aval(h) for h in hs] for _, hs, _ in traced]
    closed = []
    for k, (c, hs, _) in enumerate(traced):
        before = [a for j in range(k) for a in hoisted_avals[j]]
        after = [a for j in range(k + 1, len(traced)) for a in hoisted_avals[j]]
        closed.append(_with_unused_inputs(c, before, len(hs), after))
    all_hoisted = [h for _, hs, _ in traced for h in hs]
    idx = convert_element_type(index, np.int32)
    outs = cond_p.bind(idx, *all_hoisted, *leaves, branches=tuple(closed))
    return tree.tree_unflatten(traced[0][2], outs)


def _check_branches(traced):
    """The branches' output structures and types agree (as the cond primitive's rule checks
    the types alone), or the error says how they differ."""
    t0, a0 = traced[0][2], out_avals(traced[0][0])
    for k, (c, _, t) in enumerate(traced[1:], start=1):
        if t != t0 or not _same_types(out_avals(c), a0):
            raise _branches_error(k, f"{t0} with types {_avals_str(a0)}",
                                  f"{t} with types {_avals_str(out_avals(c))}")


def _branches_error(k, first, other):
    return TypeError(
        f"cond/switch branches must return the same structure and types, but branch 0 returns "
        f"{first} and branch {k} returns {other}.\n  at {user_frame()}\nMake them agree, e.g. "
        "cast with .astype(...) or return zeros of the other branch's shape. "
        + doc_link("branchmismatcherror"))


def cond(pred: ArrayLike, true_fun: Callable[..., Any], false_fun: Callable[..., Any],
         *operands: Any) -> Any:
    """`true_fun(*operands) if pred else false_fun(*operands)`, also when pred is traced (under jit
    or make_jaxpr), where a Python `if` cannot branch.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> f = fg.jit(lambda x: lax.cond(x > 0, lambda x: x * 2, lambda x: -x, x))
    >>> f(fnp.array(3.0)), f(fnp.array(-3.0))
    (Array(6., dtype=float64), Array(3., dtype=float64))
    """
    check_callable(true_fun, "cond", "true_fun")
    check_callable(false_fun, "cond", "false_fun")
    pred = as_leaf(pred)
    pa = get_aval(pred)
    if pa.shape != ():
        raise TypeError(f"cond needs a scalar predicate, got {pa.str_short()}; for an "
                        "elementwise choice use fnp.where(pred, x, y)")
    return switch(convert_element_type(pred, np.bool_), [false_fun, true_fun], *operands)


# ---- scan ---------------------------------------------------------------------------------------
# Operands: (*consts, *init carry, *xs). The body jaxpr maps (consts, carry, x) -> (carry, y).

scan_p = Primitive("scan", multiple_results=True)


def _with_device(xp, vals, jaxpr, start=0):
    """A loop body's operands `vals` (its inputs from `start`) with host values among them (a
    Python step counter, a constant carry) made arrays of `xp` when the loop runs on a GPU:
    the body's impls take one kind of array."""
    if xp is np:
        return list(vals)
    avals = [v.aval for v in jaxpr.jaxpr.invars[start:start + len(vals)]]
    return [xp.asarray(v, dtype=a.dtype) for v, a in zip(vals, avals)]


def _scan_impl(*args, jaxpr, length, reverse, num_consts, num_carry):
    xp = xp_of(*args)  # (a y may be a constant of the body, on the host)
    consts = _with_device(xp, args[:num_consts], jaxpr)
    carry = _with_device(xp, args[num_consts:num_consts + num_carry], jaxpr, num_consts)
    xs = [asarray(x) for x in args[num_consts + num_carry:]]
    ys = []
    for i in (range(length - 1, -1, -1) if reverse else range(length)):
        outs = run(jaxpr, *consts, *carry, *[x[i] for x in xs])
        carry = list(outs[:num_carry])
        ys.append(outs[num_carry:])
    if reverse:
        ys.reverse()
    y_avals = out_avals(jaxpr)[num_carry:]
    stacked = [xp.stack([xp.asarray(y[k]) for y in ys]) if length else
               xp.zeros((0,) + a.shape, a.dtype) for k, a in enumerate(y_avals)]
    return carry + stacked


def _scan_abstract_eval(*args, jaxpr, length, reverse, num_consts, num_carry):
    outs = out_avals(jaxpr)
    return outs[:num_carry] + [ShapedArray((length,) + a.shape, a.dtype, a.weak_type)
                               for a in outs[num_carry:]]


scan_p.impl = _scan_impl
scan_p.abstract_eval = _scan_abstract_eval


def _split3(seq, nk, nc):
    return list(seq[:nk]), list(seq[nk:nk + nc]), list(seq[nk + nc:])


def _scan_jvp(primals, tangents, *, jaxpr, length, reverse, num_consts, num_carry):
    params = dict(length=length, reverse=reverse)
    consts, init, xs = _split3(primals, num_consts, num_carry)
    tk, tc, tx = _split3(tangents, num_consts, num_carry)
    if all(t is None for t in tangents):
        return scan_p.bind(*primals, jaxpr=jaxpr, num_consts=num_consts, num_carry=num_carry,
                           **params), None
    nz_k = [t is not None for t in tk]
    nz_x = [t is not None for t in tx]
    # Every floating carry gets a tangent: a zero one may become nonzero after one iteration.
    nz_c = [get_aval(c).dtype.kind in "fc" for c in init]
    tc = [(t if t is not None else zeros_like_aval(get_aval(c))) for t, c, nz in
          zip(tc, init, nz_c) if nz]
    jj = jvp_jaxpr(jaxpr, nz_k + nz_c + nz_x)
    nk, nc, nx = num_consts, num_carry, len(xs)
    nkt, nct = sum(nz_k), sum(nz_c)
    n_y = len(out_avals(jaxpr)) - nc
    avals = in_avals(jaxpr)
    t_avals = [a for a, nz in zip(avals, nz_k + nz_c + nz_x) if nz]
    # Reorder to the scan layout: consts (+ their tangents), carry (+), xs (+).
    new_avals = (avals[:nk] + t_avals[:nkt] + avals[nk:nk + nc] + t_avals[nkt:nkt + nct]
                 + avals[nk + nc:] + t_avals[nkt + nct:])
    carry_float = [i for i, nz in enumerate(nz_c) if nz]

    def body(*a):
        k, kt = a[:nk], a[nk:nk + nkt]
        c, ct = a[nk + nkt:nk + nkt + nc], a[nk + nkt + nc:nk + nkt + nc + nct]
        x, xt = a[nk + nkt + nc + nct:nk + nkt + nc + nct + nx], a[nk + nkt + nc + nct + nx:]
        outs = call(jj, *k, *c, *x, *kt, *ct, *xt)
        c_out, y_out = outs[:nc], outs[nc:nc + n_y]
        ct_out, yt_out = outs[nc + n_y:nc + n_y + nc], outs[nc + n_y + nc:]
        return (list(c_out) + [ct_out[i] for i in carry_float] + list(y_out) + list(yt_out))
    body_closed = retrace(body, new_avals)
    outs = scan_p.bind(*consts, *[t for t in tk if t is not None], *init, *tc, *xs,
                       *[t for t in tx if t is not None], jaxpr=body_closed,
                       num_consts=nk + nkt, num_carry=nc + nct, **params)
    c_out, ct_out = outs[:nc], outs[nc:nc + nct]
    y_out, yt_out = outs[nc + nct:nc + nct + n_y], outs[nc + nct + n_y:]
    it = iter(ct_out)
    carry_t = [next(it) if nz else None for nz in nz_c]
    return list(c_out) + list(y_out), carry_t + list(yt_out)


def _scan_vjp(ct, ans, args, positions, residuals, *, jaxpr, length, reverse, num_consts,
              num_carry):
    nk, nc = num_consts, num_carry
    consts, init, xs = _split3(args, nk, nc)
    nx = len(xs)
    n_y = len(out_avals(jaxpr)) - nc
    avals = in_avals(jaxpr)
    # Forward again, keeping each iteration's input carry as an extra output (the residuals).
    res_body = retrace(lambda *a: list(call(jaxpr, *a)) + list(a[nk:nk + nc]), avals)
    fwd = scan_p.bind(*args, jaxpr=res_body, length=length, reverse=reverse, num_consts=nk,
                      num_carry=nc)
    carries = fwd[nc + n_y:]
    want_k = [i in positions for i in range(nk)]
    want_x = [nk + nc + i in positions for i in range(nx)]
    nkw = sum(want_k)
    vj = vjp_jaxpr(jaxpr, want_k + [True] * nc + want_x)
    ct_carry, ct_ys = list(ct[:nc]), list(ct[nc:])
    k_avals = [a for a, w in zip(avals[:nk], want_k) if w]

    def back(*a):
        k = a[:nk]
        g_carry, acc = a[nk:nk + nc], a[nk + nc:nk + nc + nkw]
        rest = a[nk + nc + nkw:]
        x, c, g_y = rest[:nx], rest[nx:nx + nc], rest[nx + nc:]
        r = call(vj, *k, *c, *x, *g_carry, *g_y)
        g_k, g_c, g_x = r[:nkw], r[nkw:nkw + nc], r[nkw + nc:]
        return list(g_c) + [s + t for s, t in zip(acc, g_k)] + list(g_x)
    # consts, the carry's cotangent, the accumulated consts' cotangents; then per iteration:
    # x, the input carry (a residual), the cotangent of y.
    back_avals = (avals[:nk] + avals[nk:nk + nc] + k_avals + avals[nk + nc:] + avals[nk:nk + nc]
                  + [ShapedArray(get_aval(c).shape[1:], get_aval(c).dtype) for c in ct_ys])
    back_closed = retrace(back, back_avals)
    zeros_acc = [zeros_like_aval(a) for a in k_avals]
    bwd = scan_p.bind(*consts, *ct_carry, *zeros_acc, *xs, *carries, *ct_ys, jaxpr=back_closed,
                      length=length, reverse=not reverse, num_consts=nk, num_carry=nc + nkw)
    g_init, g_consts, g_xs = bwd[:nc], bwd[nc:nc + nkw], bwd[nc + nkw:]
    by_pos = {}
    it = iter(g_consts)
    for i, w in enumerate(want_k):
        if w:
            by_pos[i] = next(it)
    for i in range(nc):
        by_pos[nk + i] = g_init[i]
    it = iter(g_xs)
    for i, w in enumerate(want_x):
        if w:
            by_pos[nk + nc + i] = next(it)
    return [by_pos.get(p) for p in positions]


def _scan_batch(args, dims, *, jaxpr, length, reverse, num_consts, num_carry):
    nk, nc = num_consts, num_carry
    size = batch_size(args, dims)
    consts, init, xs = _split3(args, nk, nc)
    dk, _, dx = _split3(dims, nk, nc)
    consts = [c if d is None else move_axis(c, d, 0) for c, d in zip(consts, dk)]
    init = [to_front(c, d, size) for c, d in zip(init, dims[nk:nk + nc])]
    # Each x keeps the scanned axis first; its batch axis goes second (first of every slice).
    xs = [x if d is None else move_axis(x, d, 1) for x, d in zip(xs, dx)]
    body_dims = [None if d is None else 0 for d in dk] + [0] * nc + [
        None if d is None else 0 for d in dx]
    bj = batch_jaxpr(jaxpr, body_dims, size)
    outs = scan_p.bind(*consts, *init, *xs, jaxpr=bj, length=length, reverse=reverse,
                       num_consts=nk, num_carry=nc)
    return outs, [0] * nc + [1] * (len(outs) - nc)


# JAX's scan carries an unroll factor (funcgrad's loops are not unrolled: 1)
scan_p.printed_params = lambda params, eqn: {**params, "unroll": 1}
scan_p.jvp = _scan_jvp
defvjp_all(scan_p, _scan_vjp)
scan_p.batch = _scan_batch
scan_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)


def scan(f: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any = None,
         length: int | None = None, reverse: bool = False) -> tuple[Any, Any]:
    """Loop f(carry, x) -> (carry, y) over the leading axis of xs; returns (carry, stacked ys).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.scan(lambda c, x: (c + x, c * x), 0.0, fnp.array([1., 2., 3.]))
    (Array(6., dtype=float64), Array([0., 2., 9.], dtype=float64))
    """
    check_callable(f, "scan", "f")
    reverse = check_bool(reverse, "scan", "reverse")
    init_leaves, carry_tree = tree.tree_flatten(init)
    init_leaves = [as_leaf(x) for x in init_leaves]
    xs_leaves, xs_tree = tree.tree_flatten(xs)
    xs_leaves = [as_leaf(x) for x in xs_leaves]
    lengths: set[Any] = {get_aval(x).shape[0] if get_aval(x).ndim else None for x in xs_leaves}
    if None in lengths:
        raise ValueError("scan: every leaf of xs needs a leading axis to scan over; got a scalar")
    if length is not None:
        lengths.add(count(length, "scan", "length"))
    if len(lengths) != 1:
        raise ValueError(f"scan: the leading axes of xs (and length=) disagree: {sorted(lengths)}"
                         if lengths else "scan: with no xs, give length=")
    n = lengths.pop()

    def body(carry_leaves, x_leaves):
        return f(tree.tree_unflatten(carry_tree, carry_leaves),
                 tree.tree_unflatten(xs_tree, x_leaves))

    if all(is_concrete(x) for x in init_leaves + xs_leaves):
        carry, ys, check = init, [], _EagerCarry("scan", init)
        for i in (range(n - 1, -1, -1) if reverse else range(n)):
            carry, y = _pair(f(carry, tree.tree_unflatten(xs_tree,
                                                          [index(x, i) for x in xs_leaves])))
            check(carry)
            if not all(is_concrete(v) for v in tree.tree_leaves((carry, y))):
                break  # f closes over traced values: a scan primitive, not an unrolled loop
            ys.append(y)
        else:
            if reverse:
                ys.reverse()
            return (tree.tree_map(_as_array, carry),
                    _stack_trees(ys, n, lambda: _y_avals(body, init_leaves, xs_leaves),
                                 (xs_leaves + init_leaves + [None])[0], -1 if reverse else 0))
    nc = len(init_leaves)
    x_avals = [ShapedArray(get_aval(x).shape[1:], get_aval(x).dtype) for x in xs_leaves]
    for _ in range(2):
        c_avals = [get_aval(x) for x in init_leaves]
        closed, hoisted, out_tree = trace_closed(
            lambda *a: _pair(body(list(a[:nc]), list(a[nc:]))), c_avals + x_avals, "scan")
        c_out = out_avals(closed)[:nc]
        if _same_types(c_out, c_avals):
            break
        # A Python-scalar initial carry takes the type the body gives it, once.
        init_leaves = [convert_element_type(x, o.dtype) if type(x) in (int, float) else x
                       for x, o in zip(init_leaves, c_out)]
    _check_carry("scan", carry_tree, c_avals, out_tree, closed, nc)
    outs = scan_p.bind(*hoisted, *init_leaves, *xs_leaves, jaxpr=closed, length=n,
                       reverse=bool(reverse), num_consts=len(hoisted), num_carry=nc)
    carry = tree.tree_unflatten(carry_tree, outs[:nc])
    ys = tree.tree_unflatten(_children(out_tree)[1], outs[nc:])
    return carry, ys


def _pair(out):
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        what = (f"an array of type {get_aval(out).str_short()}"  # not the internal Tracer class
                if isinstance(out, (Array, Tracer)) else type(out).__name__)
        raise TypeError(f"the scan body must return a pair (carry, y); it returned "
                        f"{what}{f' of length {len(out)}' if isinstance(out, (tuple, list)) else ''}")
    return tuple(out)


def _children(treedef):
    return treedef.children()


def _check_carry(who, carry_tree, c_avals, out_tree, closed, nc):
    got_tree = _children(out_tree)[0] if who == "scan" else out_tree
    _check_carry_types(who, carry_tree, c_avals, got_tree, out_avals(closed)[:got_tree.num_leaves])


class _EagerCarry:
    """What the traced loops check once, on the traced body, the eager loops (concrete values,
    run step by step in Python) check after every step, with the same error: the carry keeps the
    initial carry's structure and types. A Python-scalar initial leaf takes the type the first
    step gives it, as the traced loop's second trace does."""

    def __init__(self, who, carry):
        leaves, self.tree = tree.tree_flatten(carry)
        self.who = who
        self.avals = [get_aval(as_leaf(x)) for x in leaves]
        self.weak = [type(x) in (int, float) for x in leaves]
        self.types = None  # (shape, dtype) per leaf, once the first step has fixed them

    def __call__(self, carry):
        types = self.types
        if carry.__class__ is Array and types is not None and len(types) == 1:
            v = carry._value  # a one-array carry (the usual loop): not even a flatten
            if v.shape == types[0][0] and v.dtype == types[0][1] and self.tree.num_nodes == 1:
                return
        leaves, got_tree = tree.tree_flatten(carry)
        if types is not None and got_tree == self.tree:
            for x, t in zip(leaves, types):  # the common case, once per step: no avals made
                v = x._value if x.__class__ is Array else x
                if getattr(v, "shape", None) != t[0] or getattr(v, "dtype", None) != t[1]:
                    break
            else:
                return
        got = [get_aval(as_leaf(x)) for x in leaves]
        if self.weak is not None:
            if got_tree == self.tree:
                self.avals = [ShapedArray(a.shape, g.dtype) if w else a
                              for a, g, w in zip(self.avals, got, self.weak)]
            self.weak = None
            self.types = [(a.shape, a.dtype) for a in self.avals]
        _check_carry_types(self.who, self.tree, self.avals, got_tree, got)


def _check_carry_types(who, carry_tree, c_avals, got_tree, got):
    if got_tree != carry_tree or not _same_types(got, c_avals):
        raise TypeError(
            f"{who}: the body must return a carry of the same structure and types as the initial "
            f"carry, but the initial carry is {carry_tree} with types {_avals_str(c_avals)} and "
            f"the body returns {got_tree} with types {_avals_str(got)}.\n  at {user_frame()}\n"
            "Make them agree, e.g. start from a float (0.0, not 0), or cast the new carry with "
            ".astype(init.dtype). " + doc_link("carrymismatcherror"))


def _y_avals(body, init_leaves, xs_leaves):
    nc = len(init_leaves)
    avals = [get_aval(x) for x in init_leaves] + [
        ShapedArray(get_aval(x).shape[1:], get_aval(x).dtype) for x in xs_leaves]
    closed, _, out_tree = trace_closed(lambda *a: _pair(body(list(a[:nc]), list(a[nc:]))),
                                       avals, "scan")
    return out_avals(closed)[nc:], _children(out_tree)[1]


def _stack_trees(ys, n, y_avals, like, first=0):
    """The stacked ys of an unrolled scan (ys[first] computed first); with none, empty arrays on
    the device of `like`."""
    if n == 0:
        avals, y_tree = y_avals()
        return tree.tree_unflatten(y_tree, [on_device_of(full((0,) + a.shape, 0, a.dtype), like)
                                            for a in avals])
    leaves = [tree.tree_leaves(y) for y in ys]
    y_tree = tree.tree_structure(ys[0])
    # each stacked y is typed as the traced body types it, from the initial carry: weakly typed
    # where the first step's is (JAX's mode), even if the carry turned strong after it
    return tree.tree_unflatten(y_tree, [
        with_weak_type(concatenate([expand_dims(as_leaf(l[k]), (0,)) for l in leaves], 0),
                       get_aval(leaves[first][k]).weak_type)
        for k in range(len(leaves[0]))])


def map(f: Callable[[Any], Any], xs: Any) -> Any:
    """[f(x) for x in xs] over the leading axis, stacked; a scan without a carry.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.map(lambda x: x ** 2, fnp.arange(3.0))
    Array([0., 1., 4.], dtype=float64)
    """
    check_callable(f, "map", "f")
    return scan(lambda _, x: (None, f(x)), None, xs)[1]


def fori_loop(lower: ArrayLike, upper: ArrayLike, body_fun: Callable[[Any, Any], Any],
              init_val: Any) -> Any:
    """for i in range(lower, upper): val = body_fun(i, val). With concrete bounds it is a scan,
    so reverse-mode differentiation works under jit too.

    >>> from funcgrad import lax
    >>> lax.fori_loop(0, 4, lambda i, v: v + i, 0)
    Array(6, dtype=int64)
    """
    check_callable(body_fun, "fori_loop", "body_fun")
    lower, upper = _loop_bound(lower, "lower"), _loop_bound(upper, "upper")
    if is_concrete(lower) and is_concrete(upper):
        lo, hi = int(concrete_value(lower)), int(concrete_value(upper))
        leaves = tree.tree_leaves(init_val)
        if all(is_concrete(x) for x in leaves):
            val, check = init_val, _EagerCarry("scan", init_val)  # scan's, as under jit
            for i in range(lo, hi):
                val = body_fun(Array(np.int64(i)), val)
                check(val)
                if not all(is_concrete(x) for x in tree.tree_leaves(val)):
                    break  # body_fun closes over traced values: use the scan primitive
            else:
                return tree.tree_map(_as_array, val)
        # as JAX lowers it: a scan whose carry counts the steps, over no xs
        (_, val), _ = scan(_fori_step(body_fun), (lower if type(lower) is int else Array(lo),
                                                  init_val), None, length=max(hi - lo, 0))
        return val
    _, _, val = while_loop(lambda c: c[0] < c[1], _fori_step(body_fun), (lower, upper, init_val))
    return val


def _fori_step(body_fun):
    """fori_loop's step on the carry (i, val) or (i, upper, val): i + 1 and body_fun(i, val)
    (a scan step when the carry has two leaves, with no x and no y)."""
    def step(c, *_):
        new = (c[0] + 1, *c[1:-1], body_fun(c[0], c[-1]))
        return (new, None) if len(c) == 2 else new
    return step


def _loop_bound(bound, argname):
    """A fori_loop bound: an integer scalar (a float would silently truncate: 2.5 steps)."""
    try:
        bound = as_leaf(bound)
    except TypeError:  # not numeric at all (a str): say which bound
        got = type(bound).__name__
    else:
        aval = get_aval(bound)
        if aval.shape == () and aval.dtype.kind in "iu":
            return bound
        got = aval.str_short()
    raise TypeError(f"fori_loop: `{argname}` must be an integer scalar, got {got}; loop bounds "
                    f"count steps: pass an int, e.g. int({argname}) or x.astype(fnp.int32).")


# ---- while_loop -----------------------------------------------------------------------------
# Operands: (*cond consts, *body consts, *carry).

while_p = Primitive("while", multiple_results=True)


def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, max_steps):
    xp = xp_of(*args)
    ck = _with_device(xp, args[:cond_nconsts], cond_jaxpr)
    bk = _with_device(xp, args[cond_nconsts:cond_nconsts + body_nconsts], body_jaxpr)
    carry = _with_device(xp, args[cond_nconsts + body_nconsts:], body_jaxpr, body_nconsts)
    while bool(run(cond_jaxpr, *ck, *carry)[0]):
        carry = list(run(body_jaxpr, *bk, *carry))
    return carry


while_p.impl = _while_impl
while_p.abstract_eval = lambda *args, body_jaxpr, **_: out_avals(body_jaxpr)


def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts,
               max_steps):
    nck, nbk = cond_nconsts, body_nconsts
    ck, bk, carry = primals[:nck], primals[nck:nck + nbk], primals[nck + nbk:]
    tbk, tc = tangents[nck:nck + nbk], tangents[nck + nbk:]
    params = dict(cond_nconsts=nck, max_steps=max_steps)
    if all(t is None for t in tangents[nck:]):
        return while_p.bind(*primals, cond_jaxpr=cond_jaxpr, body_jaxpr=body_jaxpr,
                            body_nconsts=nbk, **params), None
    nz_k = [t is not None for t in tbk]
    nz_c = [get_aval(c).dtype.kind in "fc" for c in carry]
    tc = [t if t is not None else zeros_like_aval(get_aval(c))
          for t, c, nz in zip(tc, carry, nz_c) if nz]
    jj = jvp_jaxpr(body_jaxpr, nz_k + nz_c)
    avals = in_avals(body_jaxpr)
    nc, nkt = len(carry), sum(nz_k)
    k_t_avals = [a for a, nz in zip(avals[:nbk], nz_k) if nz]
    c_avals = avals[nbk:]
    c_t_avals = [a for a, nz in zip(c_avals, nz_c) if nz]
    floats = [i for i, nz in enumerate(nz_c) if nz]

    def body(*a):
        k, kt = a[:nbk], a[nbk:nbk + nkt]
        c, ct = a[nbk + nkt:nbk + nkt + nc], a[nbk + nkt + nc:]
        outs = call(jj, *k, *c, *kt, *ct)
        return list(outs[:nc]) + [outs[nc + i] for i in floats]
    body_closed = retrace(body, avals[:nbk] + k_t_avals + c_avals + c_t_avals)
    cond_closed = _with_unused_inputs(cond_jaxpr, [], len(cond_jaxpr.jaxpr.invars), c_t_avals)
    outs = while_p.bind(*ck, *bk, *[t for t in tbk if t is not None], *carry, *tc,
                        cond_jaxpr=cond_closed, body_jaxpr=body_closed, body_nconsts=nbk + nkt,
                        **params)
    it = iter(outs[nc:])
    return outs[:nc], [next(it) if nz else None for nz in nz_c]


def _while_vjp(ct, ans, args, positions, residuals, *, cond_jaxpr, body_jaxpr, cond_nconsts,
               body_nconsts, max_steps):
    if max_steps is None:
        raise ValueError(
            "reverse-mode differentiation of a while_loop whose trip count is only known at run "
            f"time needs a bound.\n  at {user_frame()}\nPass max_steps=N to lax.while_loop (the "
            "loop then runs as a masked scan of N steps when differentiated), or use "
            "lax.fori_loop / lax.scan with a fixed trip count. " + doc_link("whileloopvjp"))
    # Differentiate the equivalent bounded, masked scan.
    avals = [get_aval(a) for a in args]
    masked = retrace(lambda *a: _masked_while(cond_jaxpr, body_jaxpr, cond_nconsts,
                                               body_nconsts, max_steps, a), avals)
    wanted = [i in positions for i in range(len(args))]
    got = iter(call(vjp_jaxpr(masked, wanted), *args, *ct))
    by_pos = {i: next(got) for i, w in enumerate(wanted) if w}
    return [by_pos[p] for p in positions]


def _masked_while(cond_jaxpr, body_jaxpr, nck, nbk, max_steps, a):
    ck, bk, carry = a[:nck], a[nck:nck + nbk], list(a[nck + nbk:])

    def step(state, _):
        active, c = state
        active = bitwise_and(active, call(cond_jaxpr, *ck, *c)[0])
        new = call(body_jaxpr, *bk, *c)
        return (active, [select(active, n, o) for n, o in zip(new, c)]), None
    (_, out), _ = scan(step, (Array(np.bool_(True)), carry), None, length=max_steps)
    # The bound is part of the answer: a loop that had not finished would give a wrong one.
    check(call(cond_jaxpr, *ck, *out)[0],
          f"while_loop ran max_steps={max_steps} iterations and its condition still holds, so "
          "the result (and its derivative) would be wrong: raise max_steps to a bound on the "
          "trip count.")
    return out


# ---- check: a run-time assertion that survives jit -------------------------------------------

check_p = Primitive("check", multiple_results=True)


def _check_impl(failed, *, message):
    if bool(np.any(failed)):
        raise ValueError(message)
    return []


check_p.impl = _check_impl
check_p.abstract_eval = lambda failed, *, message: []
check_p.batch = lambda args, dims, *, message: (check_p.bind(reduce_max(
    args[0], (dims[0],)), message=message), [])
def_nondiff(check_p)
check_p.declare(effectful=True, impl_checks_input=False, fresh=False, transfers=False,
                structured_batch=None, jit=None,
                **NO_ALGEBRA)


def check(failed, message):
    """Raise ValueError(message) at run time when `failed` (a traced boolean) is true."""
    check_p.bind(failed, message=message)


def _while_batch(args, dims, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, max_steps):
    nck, nbk = cond_nconsts, body_nconsts
    size = batch_size(args, dims)
    ck, bk, carry = args[:nck], args[nck:nck + nbk], args[nck + nbk:]
    dck, dbk = dims[:nck], dims[nck:nck + nbk]
    ck = [c if d is None else move_axis(c, d, 0) for c, d in zip(ck, dck)]
    bk = [c if d is None else move_axis(c, d, 0) for c, d in zip(bk, dbk)]
    carry = [to_front(c, d, size) for c, d in zip(carry, dims[nck + nbk:])]
    kd = [None if d is None else 0 for d in dck]
    bd = [None if d is None else 0 for d in dbk]
    nc = len(carry)
    cb = batch_jaxpr(cond_jaxpr, kd + [0] * nc, size)
    bb = batch_jaxpr(body_jaxpr, bd + [0] * nc, size)
    c_avals = [get_aval(c) for c in carry]
    # Loop while any example's predicate holds; examples already done keep their carry.
    any_cond = retrace(lambda *a: [reduce_max(call(cb, *a)[0], (0,))],
                        in_avals(cb))

    def body(*a):
        k_c, k_b, c = a[:nck], a[nck:nck + nbk], a[nck + nbk:]
        pred = call(cb, *k_c, *c)[0]
        new = call(bb, *k_b, *c)
        return [select(reshape(pred, (size,) + (1,) * (get_aval(n).ndim - 1)), n, o)
                for n, o in zip(new, c)]
    body_closed = retrace(body, in_avals(cb)[:nck] + in_avals(bb)[:nbk] + c_avals)
    outs = while_p.bind(*ck, *ck, *bk, *carry,
                        cond_jaxpr=any_cond, body_jaxpr=body_closed, cond_nconsts=nck,
                        body_nconsts=nck + nbk, max_steps=max_steps)
    return outs, [0] * nc


# JAX's while has no step bound (funcgrad's max_steps, set where reverse mode bounds a loop)
while_p.printed_params = lambda params, eqn: {
    k: v for k, v in params.items() if k != "max_steps" or v is not None}
while_p.jvp = _while_jvp
defvjp_all(while_p, _while_vjp)
while_p.batch = _while_batch
while_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)


def _has_reverse_tracer(leaves):
    return any(isinstance(x, ReverseTracer) for x in leaves)


def while_loop(cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], init_val: Any,
               max_steps: int | None = None) -> Any:
    """while cond_fun(val): val = body_fun(val); also when the values are traced (under jit,
    make_jaxpr or vmap). Forward mode works always; reverse mode on traced values needs
    `max_steps`, a bound on the trip count (JAX refuses reverse mode here).

    >>> from funcgrad import lax
    >>> lax.while_loop(lambda v: v < 10, lambda v: v * 2, 1)
    Array(16, dtype=int64)
    """
    check_callable(cond_fun, "while_loop", "cond_fun")
    check_callable(body_fun, "while_loop", "body_fun")
    if max_steps is not None:
        max_steps = count(max_steps, "while_loop", "max_steps")
    leaves, in_tree = tree.tree_flatten(init_val)
    leaves = [as_leaf(x) for x in leaves]
    if all(is_concrete(x) for x in leaves):
        val = tree.tree_unflatten(in_tree, leaves)
        check = _EagerCarry("while_loop", val)
        while True:
            pred = cond_fun(val)
            if not is_concrete(pred):
                # The functions close over traced values: continue from here as a primitive.
                leaves = [as_leaf(x) for x in tree.tree_leaves(val)]
                break
            if not _truth(pred):
                return tree.tree_map(_as_array, val)
            val = body_fun(val)
            check(val)
    for _ in range(2):
        avals = [get_aval(x) for x in leaves]
        body_c, body_h, body_tree = trace_closed(
            lambda *a: body_fun(tree.tree_unflatten(in_tree, a)), avals, "while_body")
        got = out_avals(body_c)
        if _same_types(got, avals):
            break
        leaves = [convert_element_type(x, o.dtype) if type(x) in (int, float) else x
                  for x, o in zip(leaves, got)]
    _check_carry("while_loop", in_tree, avals, body_tree, body_c, len(leaves))
    cond_c, cond_h, _ = trace_closed(lambda *a: cond_fun(tree.tree_unflatten(in_tree, a)),
                                     avals, "while_cond")
    pa = out_avals(cond_c)
    if len(pa) != 1 or pa[0].shape != () or pa[0].dtype != np.bool_:
        raise _predicate_error(pa)
    args = [*cond_h, *body_h, *leaves]
    params = dict(cond_jaxpr=cond_c, body_jaxpr=body_c, cond_nconsts=len(cond_h),
                  body_nconsts=len(body_h), max_steps=max_steps)
    if _has_reverse_tracer(leaves + cond_h + body_h) and max_steps is not None:
        out = _masked_while(cond_c, body_c, len(cond_h), len(body_h), max_steps, args)
    else:
        out = while_p.bind(*args, **params)
    return tree.tree_unflatten(in_tree, out)


def _truth(pred):
    pa = get_aval(as_leaf(pred))
    if pa.shape != () or pa.dtype != np.bool_:  # the traced loop's check, and its error
        raise _predicate_error([pa])
    return bool(pred)


def _predicate_error(avals):
    got = avals[0].str_short() if len(avals) == 1 else _avals_str(avals)
    return TypeError(f"while_loop: cond_fun must return a scalar boolean, got {got}")
