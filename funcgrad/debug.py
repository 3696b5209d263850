"""Debugging inside transformed functions: fg.debug.print shows runtime values under jit, vmap and
grad, where Python's print would show tracers."""
from __future__ import annotations

import builtins
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


def _batch(args, dims, *, fmt, treedef):
    size = batch_size(args, dims)
    fronted = [a if d is None else move_axis(a, d, 0) for a, d in zip(args, dims)]
    for b in range(size):  # one line per example, in order
        debug_print_p.bind(*[a if d is None else index(a, b) for a, d in zip(fronted, dims)],
                           fmt=fmt, treedef=treedef)
    return [], []


debug_print_p.impl = _impl
debug_print_p.abstract_eval = lambda *avals, **params: []
debug_print_p.batch = _batch
def_nondiff(debug_print_p)
debug_print_p.declare(effectful=True, impl_checks_input=False, fresh=False, transfers=False,
                      structured_batch=None,
                      jit=None, **NO_ALGEBRA)


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


