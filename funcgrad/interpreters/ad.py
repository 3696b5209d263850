"""Automatic differentiation: forward mode (JVPTrace) and reverse mode (ReverseTrace + backward).

Forward mode carries a tangent with every value. Reverse mode records, for each operation on a
traced value, a node holding the primitive, its inputs and output (the residuals), and then walks
the nodes from the output back (_core/graph.walk, the walk the torch layer's backward() runs too),
applying each primitive's vjp through apply_vjp, the one place a vjp rule is called. Both
work on concrete values, so Python control flow on traced values works as in PyTorch. The rules are funcgrad operations:
under an enclosing transform they are traced too, which gives every higher-order derivative.

A tangent or cotangent of None is a symbolic zero: it is never materialized, and rules for
arguments whose (co)tangent is zero are never run.
"""
from __future__ import annotations

from operator import itemgetter

import numpy as np

from .._core import structural as S
from .._core.array import Array, wrap_value
from .._core.avals import float0
from .._core.graph import toposort, walk
from .._core.trace import Trace, Tracer, bind, eval_primitive, get_aval


def _differentiable(x):
    return x.dtype.kind in "fc"


def fit_tangent(t, like):
    """Give a tangent the shape and dtype of the primal it belongs to (rules may return a
    broadcastable or differently promoted value)."""
    if t.shape != like.shape:
        t = S.broadcast_in_dim(t, like.shape, tuple(range(like.ndim - t.ndim, like.ndim)))
    if t.dtype != like.dtype:
        if t.dtype.kind == "c" and like.dtype.kind != "c":
            t = S.real(t)  # a real value's tangent is real (a cast would warn and drop it anyway)
        t = S.convert_element_type(t, like.dtype)
    return t


def fit_cotangent(ct, like):
    """Sum a cotangent over the axes its argument was broadcast along, and cast it back to the
    argument's dtype; None (a zero) for integer or boolean arguments."""
    if ct.__class__ is Array and like.__class__ is Array:
        # (the eager backward pass: one attribute read each, no aval built)
        c, v = ct._value, like._value
        if c.shape == v.shape and c.dtype == v.dtype:
            return ct if v.dtype.kind in "fc" else None
    if not _differentiable(like):
        return None
    a = get_aval(ct)
    if a.shape != like.shape:
        lead = a.ndim - like.ndim
        axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(like.shape)
                                          if d == 1 and a.shape[lead + i] != 1)
        ct = S.reshape(S.reduce_sum(ct, axes), like.shape)
    if a.dtype != like.dtype:
        if ct.dtype.kind == "c" and like.dtype.kind != "c":
            ct = S.real(ct)  # JAX's convention: a real argument's cotangent is the real part
        ct = S.convert_element_type(ct, like.dtype)
    return ct


# ---- forward mode ------------------------------------------------------------------------------

class JVPTracer(Tracer):
    __slots__ = ("primal", "tangent")

    def __init__(self, trace, primal, tangent):
        self._trace, self.primal, self.tangent = trace, primal, tangent

    @property
    def aval(self):
        return get_aval(self.primal)

    # Straight from the primal (an Array or an inner tracer): rules ask for these constantly.
    shape = property(lambda self: self.primal.shape)
    dtype = property(lambda self: self.primal.dtype)


class JVPTrace(Trace):
    name = "jvp"
    has_concrete_values = True

    def process_primitive(self, prim, args, params):
        primals, tangents = unwrap(self, JVPTracer, args, "primal", "tangent")
        if prim.nondiff:
            return prim.bind(*primals, **params)
        if prim.jvp is None:
            raise NotImplementedError(f"{prim.name} has no forward-mode (jvp) rule")
        ans, t = prim.jvp(primals, tangents, **params)
        if prim.multiple_results:
            t = t if t is not None else [None] * len(ans)
            return [self.wrap(a, ti) for a, ti in zip(ans, t)]
        return self.wrap(ans, t)

    def wrap(self, ans, t):
        if t is None or not _differentiable(ans):
            return ans
        return JVPTracer(self, ans, fit_tangent(t, ans))

    def concrete(self, tracer, why):
        return tracer.primal


# ---- reverse mode ------------------------------------------------------------------------------

class Node:
    """One recorded operation. `parents` lists (argument position, parent node, parent output
    index) for the arguments that carry a derivative."""
    __slots__ = ("prim", "params", "args", "ans", "parents", "residuals")

    def __init__(self, prim, params, args, ans, parents, residuals=None):
        self.prim, self.params, self.args, self.ans, self.parents = prim, params, args, ans, parents
        self.residuals = residuals  # what a primitive's vjp_fwd kept for its backward rule

    def inputs(self):
        """The nodes this one reads (an iterator)."""
        return map(_node_of, self.parents)


_node_of = itemgetter(1)  # (argument position, node, output index) -> node
_new = object.__new__


class ReverseTracer(Tracer):
    __slots__ = ("primal", "node", "index")

    def __init__(self, trace, primal, node, index=None):
        self._trace, self.primal, self.node, self.index = trace, primal, node, index

    @property
    def aval(self):
        return get_aval(self.primal)

    shape = property(lambda self: self.primal.shape)
    dtype = property(lambda self: self.primal.dtype)


class ReverseTrace(Trace):
    name = "grad"
    has_concrete_values = True
    tape = None  # the nodes recorded since start_tape(), in order; None: not kept

    def new_input(self, x):
        node = Node(None, None, (x,), x, ())
        if self.tape is not None:
            self.tape.append(node)
        return ReverseTracer(self, x, node)

    def _unwrap(self, args):
        """The primal values of args, (position, node, output index) of our tracers, and
        whether the primals may hold another trace's tracer (anything but an Array)."""
        primals, parents = [], []
        other = False
        i = 0
        for a in args:
            if isinstance(a, Tracer):
                if a._trace is self:
                    p = a.primal
                    primals.append(p)
                    parents.append((i, a.node, a.index))
                    if p.__class__ is not Array:
                        other = True
                else:
                    primals.append(a)
                    other = True
            else:
                primals.append(a)
            i += 1
        return primals, parents, other

    def process_primitive(self, prim, args, params):
        primals, parents, other = self._unwrap(args)
        if prim.nondiff:  # (comparisons and the like: nothing to record)
            return bind(prim, *primals, **params) if other else \
                eval_primitive(prim, primals, params)
        if prim.vjp_fwd is not None:
            ans, residuals = prim.vjp_fwd(*primals, **params)
        elif other:  # an enclosing transform's value: it handles the operation next
            ans, residuals = bind(prim, *primals, **params), None
        else:
            ans, residuals = eval_primitive(prim, primals, params), None
        return self._record(prim, params, primals, parents, ans, residuals)

    def record(self, prim, args, params, ans):
        """Record an operation whose result is already known (checkpoint replays saved
        values this way) without computing it."""
        primals, parents, _ = self._unwrap(args)
        return self._record(prim, params, primals, parents, ans, None)

    def _record(self, prim, params, primals, parents, ans, residuals):
        if prim.nondiff:
            return ans
        if prim.vjp is None:
            raise NotImplementedError(f"{prim.name} has no reverse-mode (vjp) rule")
        diff = prim.diff_args
        for p in parents:
            if p[0] not in diff:  # (rare: most primitives differentiate every operand)
                parents = [p for p in parents if p[0] in diff]
                break
        if not parents:
            return ans
        node = _new(Node)  # (Node(...) written out: this runs for every recorded operation)
        node.prim, node.params, node.args, node.ans = prim, params, primals, ans
        node.parents, node.residuals = parents, residuals
        if self.tape is not None:
            self.tape.append(node)
        if prim.multiple_results:
            return [ReverseTracer(self, a, node, k) if _differentiable(a) else a
                    for k, a in enumerate(ans)]
        if (ans._value if ans.__class__ is Array else ans).dtype.kind in "fc":
            t = _new(ReverseTracer)
            t._trace, t.primal, t.node, t.index = self, ans, node, None
            return t
        return ans

    def start_tape(self):
        """Keep, from now on, every node this trace records in a list, in the order recorded:
        a topological order read backwards (a node is recorded after every node it reads), so
        that `backward_tape` walks it without sorting. For a backward pass taken once, right
        after the forward pass (value_and_grad): the list keeps every node alive, those the
        output does not read too, until `backward_tape` drops it."""
        self.tape = []

    def concrete(self, tracer, why):
        return tracer.primal


def apply_vjp(prim, params, args, ans, parents, ct, residuals=None):
    """The one place a primitive's vjp rule is applied (reverse mode, and the torch layer's
    nodes): `parents` lists (argument position, input node, output index) for the arguments to
    differentiate; returns ((input node, output index), cotangent) for each, the cotangent
    (None: a zero) fitted to its argument's shape and dtype, from the output cotangent `ct` (for
    several results, a list with None for zeros)."""
    if prim.multiple_results:
        ct = [S.zeros_like_aval(a) if c is None else c for c, a in zip(ct, ans)]
    positions = []
    for p in parents:
        positions.append(p[0])
    got = prim.vjp(ct, ans, args, positions, residuals, **params)
    sent = []  # (loops, not comprehensions: this runs once per node of every backward pass)
    for (i, node, k), c in zip(parents, got):
        if c is not None:
            a = args[i]
            if c.__class__ is Array and a.__class__ is Array:
                # (fit_cotangent's first test written out: the usual cotangent, an Array of
                # its argument's shape and floating dtype, is sent on as it is)
                cv, av = c._value, a._value
                if cv.shape != av.shape or cv.dtype != av.dtype or av.dtype.kind not in "fc":
                    c = fit_cotangent(c, a)
            else:
                c = fit_cotangent(c, a)
        sent.append(((node, k), c))
    return sent


def backward(outputs, order=None):
    """outputs: (node, output index, cotangent) triples. Returns {leaf node: cotangent}.
    `order`: the nodes to visit, consumers first (default: the topological order of those the
    outputs read)."""
    leaves = {}

    def visit(node, cts):
        prim = node.prim
        if prim is None:
            leaves[node] = cts[None]
            return None
        ct = [cts.get(k) for k in range(len(node.ans))] if prim.multiple_results else cts[None]
        return apply_vjp(prim, node.params, node.args, node.ans, node.parents, ct,
                         node.residuals)
    roots, starts = [], []  # (loops, not comprehensions: this runs on every backward pass)
    for node, index, ct in outputs:
        roots.append(((node, index), ct))
        starts.append(node)
    walk(roots, Node.inputs, visit, toposort(starts, Node.inputs) if order is None else order)
    return leaves


def backward_tape(trace, outputs):
    """`backward(outputs)` over the nodes `trace` kept since start_tape(), newest first (no
    topological sort: the recording order is one; nodes the outputs do not read receive no
    cotangent and are skipped), or over the topological order where it kept none. The trace
    keeps no list afterwards."""
    tape, trace.tape = trace.tape, None
    if tape is not None:
        tape.reverse()
    return backward(outputs, tape)


def zeros_like(x):
    """A materialized zero, for derivatives handed back to the user."""
    aval = get_aval(x)
    if not _differentiable(aval):
        return wrap_value(np.zeros(aval.shape, float0))
    return S.zeros_like_aval(aval)


def unwrap(trace, tracer_type, args, value, extra):
    """Split args into two lists: for `trace`'s own tracers their attributes `value` and
    `extra`, for anything else the argument itself and None (every trace's first step in
    process_primitive: JVP's primal/tangent, vmap's value/batch axis)."""
    values, extras = [], []
    for a in args:
        if isinstance(a, tracer_type) and a._trace is trace:
            values.append(getattr(a, value))
            extras.append(getattr(a, extra))
        else:
            values.append(a)
            extras.append(None)
    return values, extras
