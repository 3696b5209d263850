"""How every torch operation runs: on funcgrad values, recording one graph node when a tensor
input requires grad. The node's backward is funcgrad's reverse pass over the primitives that
computed the operation (recorded by a ReverseTrace), so the torch layer carries no derivative
formulas of its own."""
from __future__ import annotations

import numpy as np

from .._core.array import Array, wrap_value
from .._core.trace import Tracer, new_trace
from ..interpreters.ad import ReverseTrace, ReverseTracer
from ._grad_mode import is_grad_enabled
from ._graph import AccumulateGrad, node_class


def value_of(x):
    """A tensor's data as a funcgrad value (no copy); other values unchanged."""
    from ._tensor import Tensor
    if isinstance(x, Tensor):
        d = x._data
        return wrap_value(d) if type(d) is np.ndarray else d
    return x


def raw(v):
    """A funcgrad result as tensor storage: the backend array (or a tracer, under funcgrad)."""
    if type(v) is Array:
        return v._value
    if isinstance(v, Tracer):
        return v
    return np.asarray(v)


def grad_edge(t):
    """The (node, output index) through which gradient reaches tensor t, as in next_functions."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    if t.requires_grad:
        acc = t._accumulator
        if acc is None:
            acc = t._accumulator = AccumulateGrad(t)
        return (acc, 0)
    return (None, 0)


def apply_op(name, fn, args, *, saves=True, dtype=None):
    """Run fn(*values) for a torch operation named `name` (its grad_fn class, e.g.
    'MulBackward0'). `args` mixes tensors and plain values; fn returns one funcgrad value or a
    tuple. `saves`: whether the backward reads the inputs (then modifying one in place before
    backward is an error, as in PyTorch). Returns a Tensor or a tuple of Tensors."""
    from ._tensor import Tensor, _from_value
    tensors = [a for a in args if isinstance(a, Tensor)]
    if not (is_grad_enabled() and any(t.requires_grad for t in tensors)):
        out = fn(*[value_of(a) for a in args])
        if isinstance(out, tuple):
            return tuple(_from_value(o, dtype) for o in out)
        return _from_value(out, dtype)
    with new_trace(ReverseTrace, "torch") as trace:
        ins = []
        for a in args:
            v = value_of(a)
            if isinstance(a, Tensor) and a.requires_grad:
                v = trace.new_input(v)
            ins.append(v)
        out = fn(*ins)
    multi = isinstance(out, tuple)
    outs = out if multi else (out,)
    out_nodes = [(o.node, o.index) if isinstance(o, ReverseTracer) and o._trace is trace
                 else (None, None) for o in outs]
    in_nodes = [i.node if isinstance(i, ReverseTracer) and i._trace is trace else None
                for a, i in zip(args, ins) if isinstance(a, Tensor)]
    node = node_class(name)([grad_edge(t) for t in tensors], fn, (out_nodes, in_nodes), args,
                            [(t, t._version[0]) for t in tensors] if saves else [], len(outs))
    results = []
    for k, (o, (n, _)) in enumerate(zip(outs, out_nodes)):
        primal = o.primal if isinstance(o, ReverseTracer) and o._trace is trace else o
        t = _from_value(primal, dtype)
        if n is not None:
            t._requires_grad = True
            t.grad_fn, t._output_nr = node, k
        results.append(t)
    return tuple(results) if multi else results[0]


def apply_backward_tracked(node, cts):
    """create_graph=True: the node's backward as a recorded operation of its inputs and the
    output gradients, so that the gradients it returns can be differentiated again."""
    from ._tensor import Tensor
    inputs = node._inputs
    fn = node._fn
    n_args = len(inputs)
    tensor_pos = [i for i, a in enumerate(inputs) if isinstance(a, Tensor)]

    def backward_fn(*vals):
        args, ct_vals = vals[:n_args], vals[n_args:]
        from ..interpreters.ad import backward
        with new_trace(ReverseTrace, "torch") as trace:
            ins = [trace.new_input(v) if i in tensor_pos and getattr(v, "dtype", None) is not None
                   and v.dtype.kind in "fc" else v for i, v in enumerate(args)]
            out = fn(*ins)
        outs = out if isinstance(out, tuple) else (out,)
        roots = [(o.node, o.index, c) for o, c in zip(outs, ct_vals)
                 if isinstance(o, ReverseTracer) and o._trace is trace and c is not None]
        leaf = backward(roots)
        from ..lax.shape import zeros_like_aval
        res = []
        for i in tensor_pos:
            v = ins[i]
            c = leaf.get(v.node) if isinstance(v, ReverseTracer) else None
            res.append(zeros_like_aval(v) if c is None else c)
        return tuple(res)
    ct_args = [c if c is not None else None for c in cts]
    return apply_op(node.name(), backward_fn, list(inputs) + ct_args)
