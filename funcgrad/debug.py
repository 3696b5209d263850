"""Debugging inside transformed functions: fg.debug.print shows runtime values under jit, vmap and
grad, where Python's print would show tracers; fg.debug.callback hands them to a function."""
from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from . import tree
from ._core.array import Array, wrap_value
from ._core.primitive import NO_ALGEBRA, Primitive, def_nondiff
from ._core.trace import Tracer
from .lax._batching import batch_size, move_axis
from .lax.indexing import index

debug_print_p = Primitive("debug_print", multiple_results=True)


def _impl(*vals, fmt, treedef):
    args, kwargs = tree.tree_unflatten(treedef, [wrap_value(v) if type(v) is not Array
                                                 else v for v in vals])
    builtins.print(fmt.format(*args, **kwargs))
    return []


def _per_example(prim):
    """vmap's rule of an effect that returns nothing: the effect once per example, in order."""
    def batch(args, dims, **params):
        size = batch_size(args, dims)
        fronted = [a if d is None else move_axis(a, d, 0) for a, d in zip(args, dims)]
        for b in range(size):
            prim.bind(*[a if d is None else index(a, b) for a, d in zip(fronted, dims)],
                      **params)
        return [], []
    return batch


def _declare_effect(prim, impl):
    prim.impl = impl
    prim.abstract_eval = lambda *avals, **params: []
    prim.batch = _per_example(prim)
    def_nondiff(prim)
    prim.declare(effectful=True, impl_checks_input=False, fresh=False, transfers=False,
                 structured_batch=None, jit=None, **NO_ALGEBRA)


_declare_effect(debug_print_p, _impl)

debug_callback_p = Primitive("debug_callback", multiple_results=True)


def _callback_impl(*vals, callback, treedef):
    args, kwargs = tree.tree_unflatten(treedef, [v if isinstance(v, Array) else wrap_value(v)
                                                 for v in vals])
    callback(*args, **kwargs)
    return []


_declare_effect(debug_callback_p, _callback_impl)


def print(fmt: str, *args: Any, **kwargs: Any) -> None:  # noqa: A001 (as jax.debug.print)
    """Print `fmt.format(*args, **kwargs)` with the values at run time, also inside jit, vmap
    (one line per example) and grad (the primal values).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> f = fg.jit(lambda x: fg.debug.print("x = {}", x) or x * 2)
    >>> _ = f(fnp.array([1.0, 2.0]))
    x = [1. 2.]
    """
    leaves, treedef = tree.tree_flatten((args, kwargs))
    leaves = [x if isinstance(x, (Array, Tracer)) else Array(x) for x in leaves]
    debug_print_p.bind(*leaves, fmt=str(fmt), treedef=treedef)




def callback(callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call `callback(*args, **kwargs)` with the arrays' values at run time, also inside jit, vmap
    (once per example, in order) and grad (the primal values); its result is ignored, as
    jax.debug.callback's.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> seen = []
    >>> f = fg.jit(lambda x: fg.debug.callback(lambda v: seen.append(v.tolist()), x) or x * 2)
    >>> _ = f(fnp.array([1.0, 2.0])); _ = fg.vmap(f)(fnp.array([3.0, 4.0]))
    >>> seen
    [[1.0, 2.0], 3.0, 4.0]
    """
    if not callable(callback):
        raise TypeError(f"debug.callback: `callback` must be callable, got "
                        f"{type(callback).__name__}; pass the function first, then its arguments")
    leaves, treedef = tree.tree_flatten((args, kwargs))
    leaves = [x if isinstance(x, (Array, Tracer)) else Array(x) for x in leaves]
    debug_callback_p.bind(*leaves, callback=callback, treedef=treedef)
