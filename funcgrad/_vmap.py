"""vmap over pytrees: in_axes/out_axes as ints, None, or pytree prefixes of the arguments."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import optree

from . import tree
from ._api import _as_array, _leaf_names, _param_names
from ._core.errors import AxisError, ShapeError, doc_link, user_frame
from ._core.validate import check_callable, count, normalize_axis
from ._core.trace import get_aval, new_trace
from .interpreters.batching import BatchTrace, BatchTracer, OneHot, binding_axis
from .lax._batching import move_axis, to_front


def _axes_for_leaves(axes, value, what):
    """The axis of every leaf of `value`, from `axes`: an int, None, or a pytree prefix."""
    if axes is None or isinstance(axes, (int, np.integer)):
        return [None if axes is None else int(axes)] * len(tree.tree_leaves(value))
    spec = optree.tree_structure(axes, none_is_leaf=True, namespace=tree.NAMESPACE)
    try:
        subtrees = spec.flatten_up_to(value)
    except ValueError as e:
        raise ValueError(
            f"vmap {what} {axes!r} does not match the structure of the value it describes, "
            f"{tree.tree_structure(value)}: {e}. Give one axis for the whole value (0 or None), "
            "or a tree of axes with the value's structure (a prefix of it).") from None
    ax_leaves = optree.tree_leaves(axes, none_is_leaf=True, namespace=tree.NAMESPACE)
    out = []
    for ax, sub in zip(ax_leaves, subtrees):
        if ax is not None and not isinstance(ax, (int, np.integer)):
            raise TypeError(f"vmap {what} entries must be ints or None, got {ax!r}")
        out.extend([None if ax is None else int(ax)] * len(tree.tree_leaves(sub)))
    return out


def _aval(leaf):
    return leaf.aval if isinstance(leaf, OneHot) else get_aval(leaf)


def _normalize_axis(ax, ndim, name, what):
    if ax is None:
        return None
    try:
        return normalize_axis("vmap", ax, ndim, what)
    except AxisError:
        raise AxisError(f"vmap {what}={ax} is out of range for {name}, which has {ndim} "
                        f"dimension{'s' if ndim != 1 else ''} (valid: {-ndim}..{ndim - 1}, or "
                        f"None not to map it).\n  at {user_frame()}\n" + doc_link("axiserror")
                        ) from None


def _check_axes_spec(axes, what):
    """in_axes/out_axes hold ints and None only (checked once, when vmap is made)."""
    for ax in optree.tree_leaves(axes, none_is_leaf=True, namespace=tree.NAMESPACE):
        if ax is not None and (isinstance(ax, (bool, np.bool_))
                               or not isinstance(ax, (int, np.integer))):
            raise TypeError(f"vmap {what} entries must be ints or None, got {ax!r} in "
                            f"{what}={axes!r:.60}: write the axis to map as an int (0), or None "
                            "for an argument that is not mapped")


def vmap(fun: Callable[..., Any], in_axes: Any = 0, out_axes: Any = 0,
         axis_size: int | None = None, axis_name: Any = None) -> Callable[..., Any]:
    """Map `fun` over an axis of its arguments: vmap(f)(xs) stacks f(x) for every x in xs, in
    one batched computation (no Python loop).

    `axis_name` names the mapped axis for the collectives of `funcgrad.lax` (`psum`,
    `all_gather`, `axis_index`, ...) called inside `fun`, as JAX's vmap does.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x, y: fnp.dot(x, y), in_axes=(0, None))(fnp.ones((3, 2)), fnp.arange(2.0))
    Array([1., 1., 1.], dtype=float64)
    >>> fg.vmap(lambda x: x / fg.lax.psum(x, "i"), axis_name="i")(fnp.array([1.0, 3.0]))
    Array([0.25, 0.75], dtype=float64)
    """
    check_callable(fun, "vmap")
    _check_axes_spec(in_axes, "in_axes")
    _check_axes_spec(out_axes, "out_axes")
    if axis_size is not None:
        axis_size = count(axis_size, "vmap", "axis_size")
    if axis_name is not None:
        try:
            hash(axis_name)
        except TypeError:
            raise TypeError(f"vmap axis_name must be hashable (a str, usually), got "
                            f"{axis_name!r}") from None
    @functools.wraps(fun)
    def vmapped(*args, **kwargs):
        if isinstance(in_axes, (tuple, list)):
            if len(in_axes) != len(args):
                raise ValueError(f"vmap in_axes has {len(in_axes)} entries but the function was "
                                 f"called with {len(args)} positional argument"
                                 f"{'s' if len(args) != 1 else ''}; give one entry per argument "
                                 "(None for an argument that is not mapped)")
            arg_axes = list(in_axes)
        else:
            arg_axes = [in_axes] * len(args)
        flat_args = list(args) + list(kwargs.values())
        leaves, axes, trees = [], [], []
        for a, ax in zip(flat_args, arg_axes + [0] * len(kwargs)):
            ls, td = tree.tree_flatten(a)
            leaves.extend(ls)
            trees.append(td)
            axes.extend(_axes_for_leaves(ax, a, "in_axes"))

        def leaf_names():  # only for messages: inspect.signature is slow
            names = _param_names(fun, len(args)) + list(kwargs)
            return [n for a, name in zip(flat_args, names) for n in _leaf_names(name, a)]

        leaves = [l if ax is None or isinstance(l, OneHot) else _as_array(l)
                  for l, ax in zip(leaves, axes)]
        for k, (l, ax) in enumerate(zip(leaves, axes)):
            nd = _aval(l).ndim
            if ax is not None and not -nd <= ax < nd:
                _normalize_axis(ax, nd, f"argument `{leaf_names()[k]}`", "in_axes")
        axes = [None if ax is None else ax % _aval(l).ndim for l, ax in zip(leaves, axes)]
        sizes = [(k, _aval(l).shape[ax]) for k, (l, ax) in enumerate(zip(leaves, axes))
                 if ax is not None]
        if len({s for _, s in sizes}) > 1:
            names = leaf_names()
            listed = "\n".join(f"    {names[k]}: size {s}" for k, s in sizes)
            raise ShapeError(f"vmap got inconsistent sizes for the mapped axes:\n{listed}\n"
                             f"  at {user_frame()}\nEvery mapped argument needs the same size "
                             "along its mapped axis; use in_axes=None for an argument that is "
                             "shared by every example. " + doc_link("shapeerror"))
        if sizes:
            size = sizes[0][1]
            if axis_size is not None and axis_size != size:
                raise ShapeError(f"vmap axis_size={axis_size} but the mapped axes have size "
                                 f"{size}")
        elif axis_size is None:
            raise ValueError("vmap needs at least one mapped argument (an in_axes entry that is "
                             "not None), or axis_size= to say how many copies to make")
        else:
            size = axis_size

        def flat_fun(*ins):
            it = iter(ins)
            rebuilt = [tree.tree_unflatten(td, [next(it) for _ in range(td.num_leaves)])
                       for td in trees]
            return fun(*rebuilt[:len(args)], **dict(zip(kwargs, rebuilt[len(args):])))
        return batch_flat(flat_fun, leaves, axes, size, out_axes, axis_name)
    return vmapped


def batch_flat(fun, leaves, axes, size, out_axes=0, axis_name=None):
    """fun(*leaves) mapped over axis axes[i] of leaves[i] (None: not mapped), every mapped axis
    of size `size`, already checked: the core of vmap, which jacrev and jacfwd call directly.
    `axis_name`, when given, is bound to this axis for the collectives inside `fun`."""
    with new_trace(BatchTrace, "vmap", axis_size=size, axis_name=axis_name) as trace, \
            binding_axis(axis_name, trace, size):
        out = fun(*[l if ax is None else BatchTracer(trace, l, ax)
                    for l, ax in zip(leaves, axes)])
        out_leaves, out_tree = tree.tree_flatten(out)
        o_axes = _axes_for_leaves(out_axes, out, "out_axes")
        results = []
        for o, ax in zip(out_leaves, o_axes):
            batched = isinstance(o, BatchTracer) and o._trace is trace
            if ax is None:
                if batched:
                    raise ValueError("vmap out_axes=None for an output that differs across "
                                     "the batch; give it a mapped out_axes (e.g. 0)")
                results.append(o)
                continue
            val, bd = (o.val, o.bdim) if batched else (_as_array(o), None)
            if isinstance(val, OneHot):
                val = val.dense()
            nd = get_aval(val).ndim + (bd is None)
            ax = _normalize_axis(ax, nd, "an output", "out_axes")
            results.append(move_axis(to_front(val, bd, size), 0, ax))
    return tree.tree_unflatten(out_tree, results)
