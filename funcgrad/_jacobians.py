"""Full Jacobians and Hessians: one batched VJP (jacrev) or JVP (jacfwd) through vmap, never a
Python loop over rows; `chunk_size` bounds memory by mapping over the basis in chunks."""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import lax, tree
from ._api import (_argnums_tuple, _as_array, _check_grad_inputs, _check_outputs_dtype,
                   checked_argnums, jvp, reverse_tape, value_and_grad, vjp)
from ._compiled_pullback import batched_pullback
from ._core.array import wrap_value
from ._core.trace import get_aval
from ._core.validate import argument_error, check_bool, check_callable, count
from ._vmap import batch_flat
from .interpreters.batching import OneHot


def _with_dynamic(fun, args, kwargs, positions):
    def partial(*dyn):
        a = list(args)
        for p, d in zip(positions, dyn):
            a[p] = d
        return fun(*a, **kwargs)
    return partial


def _basis(avals):
    """One-hot rows over the concatenation of leaves: for each leaf, a batch of `total` arrays of
    its shape, row r being 1 at flat position r - offset. Kept symbolic (a OneHot) so that the
    first operations on it cost what the Jacobian's size costs, not a matrix product more."""
    total = sum(a.size for a in avals)
    out, off = [], 0
    for a in avals:
        out.append(OneHot(wrap_value(np.ones(a.shape, a.dtype)), off, total))
        off += a.size
    return out, total


def _over_rows(fn, out_axes=0):
    """fn mapped over the rows of one-hot bases: vmap's core, since the bases need none of the
    checks that vmap makes of a user's arguments."""
    def mapped(*basis):
        return batch_flat(fn, basis, [0] * len(basis), basis[0].total, out_axes)
    return mapped


def _chunked(mapped, basis, total, chunk_size, axis=0):
    """mapped(*basis) over all rows at once, or chunk by chunk, the results joined along `axis`
    (where mapped puts the basis axis). chunk_size is None or >= 1 (_chunk_size checked it)."""
    if chunk_size is None or chunk_size >= total:
        return mapped(*basis)
    parts = [mapped(*[b.slice_rows(s, min(s + chunk_size, total)) for b in basis])
             for s in range(0, total, chunk_size)]
    return tree.tree_map(lambda *xs: lax.concatenate(xs, axis % get_aval(xs[0]).ndim), *parts)


def _split_rows(flat, avals, lead_shape, last=False):
    """Cut the basis axis of `flat` (first, or last if `last`) into one piece per leaf."""
    if len(avals) == 1:  # one leaf: nothing to cut (and mostly nothing to reshape)
        a = avals[0]
        return [lax.reshape(flat, lead_shape + a.shape if last else a.shape + lead_shape)]
    pieces, off = [], 0
    for a in avals:
        if last:
            piece = flat[..., off:off + a.size]
            pieces.append(lax.reshape(piece, lead_shape + a.shape))
        else:
            pieces.append(lax.reshape(flat[off:off + a.size], a.shape + lead_shape))
        off += a.size
    return pieces


def _chunk_size(chunk_size, who):
    if chunk_size is not None and count(chunk_size, who, "chunk_size") < 1:
        raise argument_error(f"{who}: chunk_size must be a positive integer, got {chunk_size} (or "
                            "None, for all rows at once).")
    return chunk_size


def jacrev(fun: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, allow_int: bool = False,
           chunk_size: int | None = None) -> Callable[..., Any]:
    """The Jacobian of `fun` by reverse mode: one vmapped VJP over the output's basis.

    For pytrees, the result has the output's structure outside and the input's inside. Outputs
    must be real, as in JAX, unless `holomorphic=True` (complex inputs and outputs).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.jacrev(lambda x: x ** 2)(fnp.array([1., 2.]))
    Array([[2., 0.],
           [0., 4.]], dtype=float64)
    >>> fg.jacrev(lambda z: z ** 2, holomorphic=True)(fnp.array([1j]))
    Array([[0.+2.j]], dtype=complex128)
    """
    check_callable(fun, "jacrev")
    nums = checked_argnums(argnums, "jacrev")
    has_aux = check_bool(has_aux, "jacrev", "has_aux")
    holomorphic = check_bool(holomorphic, "jacrev", "holomorphic")
    allow_int = check_bool(allow_int, "jacrev", "allow_int")
    chunk_size = _chunk_size(chunk_size, "jacrev")

    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        positions, many = _argnums_tuple(fun, nums, len(args), "jacrev")
        _check_grad_inputs(fun, args, positions, allow_int, who="jacrev", holomorphic=holomorphic)
        partial = _with_dynamic(fun, args, kwargs, positions)
        tape = reverse_tape(partial, [args[p] for p in positions], has_aux)
        out_tree = tape.out_tree
        out_avals = [get_aval(o) for o in tape.out_primals]
        _check_outputs_dtype(fun, "jacrev", out_avals, holomorphic)
        basis, total = _basis(out_avals)
        cts = None
        if chunk_size is None or chunk_size >= total:
            cts = batched_pullback(tape, basis, total)
        if cts is None:
            cts = _chunked(_over_rows(lambda *b: tape.pull(tree.tree_unflatten(out_tree, b))),
                           basis, total, chunk_size)
        # cts: per argnum, a tree of (total, *in_shape) arrays; regroup output-major.
        per_arg = []
        for ct_tree in cts:
            in_leaves, in_tree = tree.tree_flatten(ct_tree)
            rows = [_split_rows(leaf, out_avals, get_aval(leaf).shape[1:]) for leaf in in_leaves]
            per_arg.append((in_tree, rows))
        jac = []
        for k in range(len(out_avals)):
            inner = tuple(tree.tree_unflatten(t, [r[k] for r in rows]) for t, rows in per_arg)
            jac.append(inner if many else inner[0])
        jac = tree.tree_unflatten(out_tree, jac)
        return (jac, tape.aux) if has_aux else jac
    return jacfun


jacobian = jacrev


def jacfwd(fun: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, chunk_size: int | None = None) -> Callable[..., Any]:
    """The Jacobian of `fun` by forward mode: one vmapped JVP over the input's basis (cheaper
    than jacrev when there are fewer inputs than outputs). Inputs must be real, as in JAX,
    unless `holomorphic=True` (complex inputs and outputs).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.jacfwd(lambda x: fnp.sum(x ** 2))(fnp.array([1., 2.]))
    Array([2., 4.], dtype=float64)
    """
    check_callable(fun, "jacfwd")
    nums = checked_argnums(argnums, "jacfwd")
    has_aux = check_bool(has_aux, "jacfwd", "has_aux")
    holomorphic = check_bool(holomorphic, "jacfwd", "holomorphic")
    chunk_size = _chunk_size(chunk_size, "jacfwd")

    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        positions, many = _argnums_tuple(fun, nums, len(args), "jacfwd")
        _check_grad_inputs(fun, args, positions, False, who="jacfwd", holomorphic=holomorphic,
                           real_only=True)
        partial = _with_dynamic(fun, args, kwargs, positions)
        dyn = [tree.tree_map(_as_array, args[p]) for p in positions]
        in_leaves, in_tree = tree.tree_flatten(tuple(dyn))
        in_avals = [get_aval(x) for x in in_leaves]
        basis, total = _basis(in_avals)

        def push(*b):
            tangents = tree.tree_unflatten(in_tree, b)
            r = jvp(partial, tuple(dyn), tangents, has_aux=has_aux)
            return (r[1], r[2]) if has_aux else r[1]

        mapped = _over_rows(push, out_axes=(-1, None) if has_aux else -1)
        if has_aux:
            outs, aux = _jacfwd_chunks_with_aux(mapped, basis, total, chunk_size)
        else:
            outs = _chunked(mapped, basis, total, chunk_size, axis=-1)
        out_leaves, out_tree = tree.tree_flatten(outs)
        if holomorphic:
            _check_outputs_dtype(fun, "jacfwd", [get_aval(o) for o in out_leaves], True)
        jac = []
        for o in out_leaves:
            shape = get_aval(o).shape[:-1]
            pieces = _split_rows(o, in_avals, shape, last=True)
            per_arg = tree.tree_unflatten(in_tree, pieces)
            jac.append(per_arg if many else per_arg[0])
        jac = tree.tree_unflatten(out_tree, jac)
        return (jac, aux) if has_aux else jac
    return jacfun


def _jacfwd_chunks_with_aux(mapped, basis, total, chunk_size):
    aux = None

    def outs_only(*b):
        nonlocal aux
        o, aux = mapped(*b)
        return o
    outs = _chunked(outs_only, basis, total, chunk_size, axis=-1)
    return outs, aux


def hessian(fun: Callable[..., Any], argnums: int | Sequence[int] = 0,
            has_aux: bool = False, holomorphic: bool = False) -> Callable[..., Any]:
    """The Hessian, as jacfwd of jacrev (forward over reverse).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.hessian(lambda x: fnp.sum(x ** 3))(fnp.array([1., 2.]))
    Array([[ 6.,  0.],
           [ 0., 12.]], dtype=float64)
    """
    check_callable(fun, "hessian")
    return jacfwd(jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic), argnums,
                  has_aux=has_aux, holomorphic=holomorphic)


def hvp(fun: Callable[..., Any], primals: Sequence[Any],
        tangents: Sequence[Any]) -> tuple[Any, Any]:
    """(fun(*primals), H @ tangents): a Hessian-vector product by forward over reverse, without
    forming H.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.hvp(lambda x: fnp.sum(x ** 3), (fnp.array([1., 2.]),), (fnp.array([1., 0.]),))[1]
    (Array([6., 0.], dtype=float64),)
    """
    check_callable(fun, "hvp")
    argnums = tuple(range(len(primals)))
    (value, _), (_, hv) = jvp(value_and_grad(fun, argnums), tuple(primals), tuple(tangents))
    return value, hv


def vhp(fun: Callable[..., Any], primals: Sequence[Any], v: Any) -> tuple[Any, Any]:
    """(fun(*primals), v @ H): a vector-Hessian product by reverse over reverse."""
    check_callable(fun, "vhp")
    vg = value_and_grad(fun, tuple(range(len(primals))))
    _, vjp_fn, value = vjp(lambda *p: vg(*p)[::-1], *primals, has_aux=True)
    return value, vjp_fn(tuple(v))
