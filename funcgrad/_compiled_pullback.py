"""The batched backward pass of jacrev, compiled once per tape signature.

jacrev runs the user's function eagerly under reverse mode (so Python control flow works, as
everywhere in funcgrad), then maps the tape's backward pass over the one-hot basis. That map
depends on the tape only through its signature: each node's primitive, parameters, argument
avals and wiring. Traced once per signature, optimized and compiled like jit's code, it runs
as one straight-line function of the tape's residuals: repeated Jacobians of the same function
skip the ~10 us of Python dispatch per backward rule (PyTorch calls this compiled autograd).

Only tapes made of built-in primitives compile: a parameter that is a function (custom rules,
control flow, callbacks) could have effects that tracing once would lose, and a value traced by
an enclosing transform has no concrete residual. Those tapes take the eager path."""
from __future__ import annotations

import numpy as np

from . import tree
from ._core import backend
from ._core.array import Array, wrap_value
from ._core.avals import PY_SCALARS
from ._core.config import config
from ._core.graph import toposort
from ._core.trace import get_aval, new_trace
from ._vmap import batch_flat
from .interpreters.ad import Node, ReverseTracer, backward, zeros_like
from .interpreters.codegen import compile_jaxpr
from .interpreters.partial_eval import JaxprTrace
from .interpreters.passes import optimize

CACHE_SIZE = 32  # signatures kept, the oldest dropped first
CONST_BYTES = 1 << 23  # 8 MB: a pass that would hold more constants stays eager
_cache: dict = {}
_MISSING = object()


def batched_pullback(tape, basis, total):
    """Per input of the tape, a tree of (total, *shape) cotangents: tape.pull mapped over the
    one-hot `basis` (one OneHot per output leaf); None when the tape cannot be compiled."""
    if config.debug_nans:  # eagerly, so that the NaN is found at its primitive
        return None
    sig = _signature(tape)
    if sig is None:
        return None
    key, nodes, residuals = sig
    values = [r._value if type(r) is Array else r for r in residuals]
    where = backend.placement("jacrev", values) if backend.active else None
    key = (key, tuple((b.offset, b.total) for b in basis), where)
    entry = _cache.get(key, _MISSING)
    if entry is _MISSING:
        try:
            entry = _compile(tape, nodes, residuals, basis, total, where)
        except Exception:  # noqa: BLE001 - e.g. a rule that needs concrete residuals: the
            entry = None   # eager path runs it (and raises any genuine error there)
        _cache[key] = entry
        if len(_cache) > CACHE_SIZE:
            _cache.pop(next(iter(_cache)), None)  # the oldest signature
    if entry is None:
        return None
    fn, consts, out_tree, device, placed = entry
    outs = (fn(*consts, *values) if device is None
            else backend.run_on(device, placed, fn, consts, values))
    return tree.tree_unflatten(out_tree, [wrap_value(o) for o in outs])


def _param_key(params):
    items = []
    for k, v in sorted(params.items()):
        if callable(v):
            raise TypeError  # a function: tracing it once could lose its effects
        hash(v)
        items.append((k, v))
    return tuple(items)


def _arg_key(a):
    if type(a) is Array:
        v = a._value
        return ("a", v.shape, v.dtype)
    if type(a) in PY_SCALARS:
        return ("s", type(a), a)
    if isinstance(a, (np.ndarray, np.generic)):
        av = get_aval(a)
        return ("a", av.shape, av.dtype)
    raise TypeError  # a traced value: no concrete residual to compile against


def _signature(tape):
    """(hashable key, nodes in backward order, residual arrays) of the tape, or None."""
    trace = tape.trace
    roots = [o.node if isinstance(o, ReverseTracer) and o._trace is trace else None
             for o in tape.out_leaves]
    nodes = toposort(roots, Node.inputs)
    index = {n: k for k, n in enumerate(nodes)}
    key, residuals = [], []
    try:
        for n in nodes:
            if n.prim is None:
                key.append(None)
                continue
            if n.residuals is not None:
                return None
            args = [_arg_key(a) for a in n.args]
            anss = n.ans if n.prim.multiple_results else [n.ans]
            key.append((n.prim, _param_key(n.params), tuple(args),
                        tuple(_arg_key(a) for a in anss),
                        tuple((i, index[p], j) for i, p, j in n.parents)))
            residuals += [a for a, k in zip(n.args, args) if k[0] == "a"] + list(anss)
    except TypeError:
        return None
    key.append(tuple(None if r is None else (index[r], o.index)
                     for r, o in zip(roots, tape.out_leaves)))
    key.append(tuple(tuple(index.get(n) for n in ns) for ns in tape.in_nodes))
    try:
        key.append(tuple(tuple(_arg_key(x) for x in xs) for xs in tape.in_leaves))
    except TypeError:  # an input traced by an enclosing transform (jacfwd over jacrev)
        return None
    key.append(tuple(tape.in_trees))
    return tuple(key), nodes, residuals


def _compile(tape, nodes, residuals, basis, total, where):
    """Trace the batched backward pass with the residuals as inputs, then optimize and compile
    it as jit does."""
    with new_trace(JaxprTrace, "jacrev") as jt:
        tracers = iter([jt.new_arg(get_aval(r)) for r in residuals])
        values = {}  # each node's traced args and ans, in the order _signature listed them
        for n in nodes:
            if n.prim is not None:
                args = tuple(a if type(a) in PY_SCALARS else next(tracers) for a in n.args)
                anss = [next(tracers) for _ in (n.ans if n.prim.multiple_results else [n.ans])]
                values[n] = args, tuple(anss) if n.prim.multiple_results else anss[0]
        rebuilt = {}
        for n in reversed(nodes):  # parents before children
            rebuilt[n] = n if n.prim is None else Node(  # an input's node holds no values
                n.prim, n.params, *values[n], [(i, rebuilt[p], j) for i, p, j in n.parents])
        trace = tape.trace

        def pull(*cts):
            roots = [(rebuilt[o.node], o.index, c) for o, c in zip(tape.out_leaves, cts)
                     if isinstance(o, ReverseTracer) and o._trace is trace]
            got = backward(roots)
            return tuple(tree.tree_unflatten(td, [got[rebuilt[n]] if rebuilt.get(n) in got
                                                  else zeros_like(x) for n, x in zip(ns, xs)])
                         for ns, xs, td in zip(tape.in_nodes, tape.in_leaves, tape.in_trees))
        out = batch_flat(pull, basis, [0] * len(basis), total)
        flat, out_tree = tree.tree_flatten(out)
        closed = jt.build(flat)
    jaxpr, consts = optimize(closed.jaxpr, closed.consts)
    consts = [c._value if type(c) is Array else c for c in consts]
    if sum(getattr(c, "nbytes", 0) for c in consts) > CONST_BYTES:
        return None  # e.g. a dense identity basis: not worth holding in the cache
    device = placed = None
    if where is not None:
        device, placed, consts = backend.settle_compiled("jacrev", where, consts)
    fn, _ = compile_jaxpr(jaxpr, "jacrev_pullback", np if device is None else device.xp)
    return fn, consts, out_tree, device, placed
