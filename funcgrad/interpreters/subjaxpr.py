"""Transforms of whole jaxprs, for primitives that carry jaxprs as parameters (cond, scan,
while_loop): trace a function to a jaxpr, and build the jaxprs of its JVP, VJP and batched form.

A sub-jaxpr is a ClosedJaxpr whose constants are concrete. Values a traced function closes over
that belong to an enclosing transform (tracers) are hoisted out as leading inputs instead, so they
reach the primitive as ordinary operands that the enclosing transform sees."""
from __future__ import annotations

import numpy as np

from .. import tree
from .._core import structural as S
from .._core.array import Array
from .._core import backend
from .._core.avals import ShapedArray
from .._core.backend import xp_of
from .._core.ir import ClosedJaxpr, Jaxpr, eval_jaxpr
from .._core.trace import Tracer, as_leaf, get_aval, new_trace
from .ad import JVPTrace, JVPTracer, ReverseTrace, backward
from .batching import BatchTrace, BatchTracer
from .codegen import compile_jaxpr
from .partial_eval import JaxprTrace
from .passes import optimize


def trace_closed(fun, avals, name="body"):
    """Trace fun(*flat inputs) -> pytree abstractly. Returns (closed jaxpr whose inputs are the
    hoisted values followed by `avals`, hoisted values, out_tree)."""
    with new_trace(JaxprTrace, name) as jt:
        ins = [jt.new_arg(a) for a in avals]
        out = fun(*ins)
        leaves, out_tree = tree.tree_flatten(out)
        closed = jt.build([as_leaf(x) for x in leaves])
    j = closed.jaxpr
    hoisted_vars = [v for v, c in zip(j.constvars, closed.consts) if isinstance(c, Tracer)]
    hoisted = [c for c in closed.consts if isinstance(c, Tracer)]
    kept = [(v, c) for v, c in zip(j.constvars, closed.consts) if not isinstance(c, Tracer)]
    jaxpr = Jaxpr([v for v, _ in kept], hoisted_vars + list(j.invars), j.eqns, j.outvars)
    return ClosedJaxpr(jaxpr, [c for _, c in kept]), hoisted, out_tree


def call(closed, *args):
    """Evaluate a sub-jaxpr through bind (so enclosing transforms see its operations)."""
    return eval_jaxpr(closed.jaxpr, closed.consts, *args)


def in_avals(closed):
    return [v.aval for v in closed.jaxpr.invars]


def out_avals(closed):
    return [v.aval for v in closed.jaxpr.outvars]


def retrace(fun, avals):
    """The closed jaxpr of fun, a function of its own inputs (and concrete constants) only."""
    closed, hoisted, _ = trace_closed(fun, avals)
    assert not hoisted  # a function of its own inputs and concrete constants only
    return closed


def jvp_jaxpr(closed, nonzero):
    """The jaxpr of (*primals, *tangents of the `nonzero` inputs) -> (*outs, *out tangents); every
    output tangent is materialized (zeros where the derivative is zero)."""
    avals = in_avals(closed)
    t_avals = [a for a, nz in zip(avals, nonzero) if nz]
    n = len(avals)

    def f(*args):
        primals, tangents = args[:n], iter(args[n:])
        with new_trace(JVPTrace, "jvp") as trace:
            ins = [JVPTracer(trace, p, next(tangents)) if nz else p
                   for p, nz in zip(primals, nonzero)]
            outs = call(closed, *ins)
            ps = [o.primal if isinstance(o, JVPTracer) and o._trace is trace else o for o in outs]
            ts = [o.tangent if isinstance(o, JVPTracer) and o._trace is trace
                  else S.zeros_like_aval(get_aval(o)) for o in outs]
        return ps + ts
    return retrace(f, avals + t_avals)


def vjp_jaxpr(closed, wanted):
    """The jaxpr of (*primals, *output cotangents) -> (cotangents of the `wanted` inputs), zeros
    materialized. The forward computation is redone inside (rematerialized)."""
    avals = in_avals(closed)
    o_avals = out_avals(closed)
    n = len(avals)

    def f(*args):
        primals, cts = args[:n], args[n:]
        with new_trace(ReverseTrace, "vjp") as trace:
            ins = [trace.new_input(p) if w else p for p, w in zip(primals, wanted)]
            outs = call(closed, *ins)
        roots = [(o.node, o.index, c) for o, c in zip(outs, cts)
                 if getattr(o, "_trace", None) is trace and o.dtype.kind in "fc"]
        leaf_cts = backward(roots)
        return [_or_zeros(leaf_cts.get(i.node), p) for i, p, w in zip(ins, primals, wanted) if w]
    return retrace(f, avals + o_avals)


def _or_zeros(ct, like):
    return S.zeros_like_aval(get_aval(like)) if ct is None else ct


def batch_jaxpr(closed, dims, size):
    """The jaxpr over batched inputs (batch axis at dims[i], or None) whose outputs all carry the
    batch axis first."""
    avals = [a if d is None else _insert(a, d, size) for a, d in zip(in_avals(closed), dims)]

    def f(*args):
        with new_trace(BatchTrace, "vmap", axis_size=size) as trace:
            ins = [a if d is None else BatchTracer(trace, a, d) for a, d in zip(args, dims)]
            outs = call(closed, *ins)
            res = []
            for o in outs:
                batched = isinstance(o, BatchTracer) and o._trace is trace
                res.append(S.to_front(o.val if batched else o, o.bdim if batched else None, size))
        return res
    return retrace(f, avals)


def _insert(aval, d, size):
    return ShapedArray(aval.shape[:d] + (size,) + aval.shape[d:], aval.dtype)


def run(closed, *raw_args):
    """Evaluate a sub-jaxpr on backend values, through code generated once per jaxpr and array
    namespace."""
    xp = xp_of(*raw_args) if backend.active else np
    fn = closed.compiled.get(xp)
    if fn is None:
        jaxpr, consts = optimize(closed.jaxpr, closed.consts)
        code, _ = compile_jaxpr(jaxpr, "sub", xp)
        # constants made on the host go where the arguments are
        consts = [xp.asarray(c) if type(c) is np.ndarray else c for c in map(_raw, consts)]
        fn = closed.compiled[xp] = lambda *a: code(*consts, *a)
    return fn(*raw_args)


def _raw(x):
    return x._value if type(x) is Array else x
