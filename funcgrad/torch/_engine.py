"""The backward pass over recorded nodes: torch.Tensor.backward and torch.autograd.grad.

Nodes run in topological order (each after every node it receives gradient from). Without
create_graph the gradients travel between nodes as funcgrad values, and become tensors only where
the user sees them (hooks, retain_grad, .grad, autograd.grad's results); with create_graph they are
tensors all along, and every node's backward is itself a recorded operation."""
from __future__ import annotations

import sys

from .._core.array import Array as _Array, wrap_value
from .._core.graph import toposort, walk
from ..interpreters.ad import JVPTracer
from . import _dispatch
from ._anomaly import checked_backward, state as _anomaly
from ._grad_mode import _state as _grad_state
from ._graph import AccumulateGrad
from ._storage import copy_storage


def _next_nodes(node):
    return [n for n, _ in node.next_functions]


def _needed(order, targets):
    """The nodes of `order` from which one of the target nodes can be reached."""
    needed = set(targets)
    for node in reversed(order):
        if node not in needed and any(n in needed for n, _ in node.next_functions):
            needed.add(node)
    return needed


def _identity(x):
    return x


def _node_backward(node, cts, create_graph):
    """node's gradients per entry of next_functions."""
    try:
        return node.backward_values(cts, create_graph)
    except RuntimeWarning:  # numpy's, raised as an error: computed again without (quiet)
        return _dispatch.quiet(node.backward_values, cts, create_graph)


def run_backward(outputs, grad_outputs, retain_graph=False, create_graph=False, inputs=None,
                 capture=None):
    """Propagate grad_outputs (tensors) from outputs through the graph, accumulating into the
    leaves' .grad. inputs: only these tensors receive .grad. capture (torch.autograd.grad): a dict
    {(node, output index): None} filled with the gradients there, and nothing accumulated.

    The walk is funcgrad's one backward walk (_core/graph.walk); what PyTorch adds to it (hooks,
    retain_grad, capture, AccumulateGrad leaves, freeing saved tensors) is this module's visit
    of one node."""
    if create_graph:
        to_tensor = to_value = _identity
    else:
        to_tensor, to_value = _dispatch._from_value, _dispatch.value_of
    roots, starts = [], []
    for out, g in zip(outputs, grad_outputs):
        node, k = (out._grad_fn, out._output_nr) if out._grad_fn is not None else (
            out._accumulator_node(), 0)
        roots.append(((node, k), to_value(g)))
        if node not in starts:
            starts.append(node)
    order = toposort(starts, _next_nodes)
    targets = None
    if capture is not None:
        targets = {n for n, _ in capture}
    elif inputs is not None:
        targets = {}
        for t in inputs:
            if t._grad_fn is not None:          # a non-leaf: its .grad is filled, as retain_grad
                capture = capture if capture is not None else {}
                capture[(t._grad_fn, t._output_nr)] = None
                targets[t._grad_fn] = None
            else:
                targets[t._accumulator_node()] = None
    needed = None if targets is None else _needed(order, targets)

    def visit(node, slot):
        if needed is not None and node not in needed:
            return None
        if node._tensor_hooks or node._retained:
            _tensor_hooks(node, slot, create_graph, to_tensor, to_value)
        if capture is not None:
            for k, g in slot.items():
                if (node, k) in capture:
                    old = capture[(node, k)]
                    g = to_tensor(g)
                    capture[(node, k)] = g if old is None else old + g
        if type(node) is AccumulateGrad:
            if targets is None or (inputs is not None and node in targets):
                g = slot.pop(0, None)
                if g is not None:
                    _accumulate(node.variable, g, create_graph)
            return None
        node.check_saved()
        cts = [slot.get(0)] if node._n_outputs == 1 else \
            [slot.get(k) for k in range(node._n_outputs)]
        if node._pre_hooks:
            cts = _run_pre_hooks(node, cts, to_tensor, to_value)
        if _anomaly.enabled:
            got = checked_backward(node, _node_backward, node, cts, create_graph)
        else:
            got = _node_backward(node, cts, create_graph)
        if node._hooks:
            got = _run_hooks(node, got, cts, to_tensor, to_value)
        if len(got) > 1 and not create_graph:
            got = _unaliased(got)
        if not retain_graph:
            node.free()
        return zip(node.next_functions, got)

    prev = _grad_state.enabled
    _grad_state.enabled = bool(create_graph)
    _final_callbacks.append([])
    try:
        walk(roots, _next_nodes, visit, order)
        _run_final_callbacks(_final_callbacks[-1])
    finally:
        _grad_state.enabled = prev
        _final_callbacks.pop()
    if inputs is not None and capture:
        for t in inputs:
            if t._grad_fn is not None:
                g = capture.get((t._grad_fn, t._output_nr))
                if g is not None:
                    t._grad = g if t._grad is None else t._grad + g


# the callbacks queued during each backward pass in progress (innermost last)
_final_callbacks: list[list] = []


def queue_callback(callback):
    """Run callback() once the backward pass in progress has finished (PyTorch's
    Variable._execution_engine.queue_callback): DistributedDataParallel waits there for its
    gradient all-reduces."""
    if not _final_callbacks:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _final_callbacks[-1].append(callback)


def _run_final_callbacks(callbacks):
    """Run the queued callbacks in order, those they queue included."""
    i = 0
    while i < len(callbacks):
        callbacks[i]()
        i += 1


def _copy(d):
    """A copy of backend array `d` on its own device (an Array(d) would go to funcgrad's default
    device)."""
    return wrap_value(copy_storage(d))


def _unaliased(got):
    """The gradients a node hands to its inputs, no two of them one array (a leaf may keep its
    gradient and add into it in place later)."""
    arrays = [g._value for g in got if type(g) is _Array]
    if len(arrays) < 2 or len({id(a) for a in arrays}) == len(arrays):
        return got
    seen = set()
    out = []
    for g in got:
        if type(g) is _Array:
            if id(g) in seen or id(g._value) in seen:
                g = _copy(g._value)
            seen.add(id(g))
            seen.add(id(g._value))
        out.append(g)
    return out


def _tensor_hooks(node, slot, create_graph, to_tensor, to_value):
    """Hooks registered on the tensors this node produced (register_hook), then retain_grad."""
    for k in list(slot):
        hooks = (node._tensor_hooks or {}).get(k, ())
        for hook in hooks:
            r = hook(to_tensor(slot[k]))
            if r is not None:
                slot[k] = to_value(r)
        kept = (node._retained or {}).get(k)
        if kept is not None:
            g = to_tensor(slot[k])
            g = g if create_graph else g.detach()
            kept._grad = g if kept._grad is None else kept._grad + g


def _run_pre_hooks(node, cts, to_tensor, to_value):
    ts = tuple(None if c is None else to_tensor(c) for c in cts)
    for hook in node._pre_hooks:
        r = hook(ts)
        if r is not None:
            ts = tuple(r)
    return [None if c is None else to_value(c) for c in ts]


def _run_hooks(node, got, cts, to_tensor, to_value):
    gs = tuple(None if g is None else to_tensor(g) for g in got)
    cs = tuple(None if c is None else to_tensor(c) for c in cts)
    for hook in node._hooks:
        r = hook(gs, cs)
        if r is not None:
            gs = tuple(r)
    return [None if g is None else to_value(g) for g in gs]


def _accumulate(t, g, create_graph):
    """Add gradient g (a tensor with create_graph, else a funcgrad value) into leaf t's .grad,
    as PyTorch's AccumulateGrad does: the first gradient is kept as it is when nothing else holds
    it (else a copy), later ones are added in place."""
    if not create_graph:
        while type(g) is JVPTracer and g._trace.name == "forward_ad":
            g = g.primal  # a gradient through dual tensors: .grad holds no tangent (PyTorch's)
        g = _owned(g) if t._grad is None else _dispatch._from_value(g)
    if g._data.shape != t._data.shape:
        g = g.sum_to_size(t.shape)
    grad = t._grad
    if grad is None:
        t._grad = g
    elif create_graph or grad._requires_grad or not _dispatch.is_storage(grad._data):
        t._grad = grad + g
    else:
        grad._inplace_add(g)
    hooks = t.__dict__.get("_post_accumulate_hooks")
    if hooks:
        for hook in hooks:
            hook(t)


def _owned(value):
    """A tensor for gradient `value` that .grad may keep and later add into in place: its array
    when only `value` holds it (nothing else can see the in-place additions), else a copy."""
    if type(value) is _Array:
        d = value._value
        if d.base is None and sys.getrefcount(d) <= _UNSHARED:
            return _dispatch._from_value(value)
        return _dispatch._from_value(_copy(d))
    return _dispatch._from_value(value)


# references to an array that only one funcgrad value holds, seen from _owned: the value's
# _value, the local `d` and getrefcount's argument
_UNSHARED = 3
