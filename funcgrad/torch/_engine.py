"""The backward pass over recorded nodes: torch.Tensor.backward and torch.autograd.grad.

Nodes run in topological order (each after every node it receives gradient from). Without
create_graph the gradients travel between nodes as funcgrad values, and become tensors only where
the user sees them (hooks, retain_grad, .grad, autograd.grad's results); with create_graph they are
tensors all along, and every node's backward is itself a recorded operation."""
from __future__ import annotations

import sys

import numpy as np

from . import _dispatch
from ._grad_mode import _state as _grad_state
from ._graph import AccumulateGrad

_ndarray = np.ndarray


def _toposort(roots):
    """Nodes reachable from roots, each before the nodes it feeds gradient to."""
    order, visited = [], set()
    for root in roots:
        if root is None or root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, nexts = stack[-1]
            for nxt, _ in nexts:
                if nxt is not None and nxt not in visited:
                    visited.add(nxt)
                    stack.append((nxt, iter(nxt.next_functions)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def _needed(order, targets):
    """The nodes of `order` from which one of the target nodes can be reached."""
    needed = set(targets)
    for node in reversed(order):
        if node not in needed and any(n in needed for n, _ in node.next_functions):
            needed.add(node)
    return needed


def _identity(x):
    return x


def run_backward(outputs, grad_outputs, retain_graph=False, create_graph=False, inputs=None,
                 capture=None):
    """Propagate grad_outputs (tensors) from outputs through the graph, accumulating into the
    leaves' .grad. inputs: only these tensors receive .grad. capture (torch.autograd.grad): a dict
    {(node, output index): None} filled with the gradients there, and nothing accumulated."""
    if create_graph:
        to_tensor = to_value = _identity
    else:
        to_tensor, to_value = _dispatch._from_value, _dispatch.value_of
    buffers = {}
    for out, g in zip(outputs, grad_outputs):
        node, k = (out.grad_fn, out._output_nr) if out.grad_fn is not None else (
            out._accumulator_node(), 0)
        slot = buffers.get(node)
        if slot is None:
            slot = buffers[node] = {}
        old = slot.get(k)
        g = to_value(g)
        slot[k] = g if old is None else old + g
    order = _toposort(list(buffers))
    targets = None
    if capture is not None:
        targets = {n for n, _ in capture}
    elif inputs is not None:
        targets = {}
        for t in inputs:
            if t.grad_fn is not None:          # a non-leaf: its .grad is filled, as retain_grad
                capture = capture if capture is not None else {}
                capture[(t.grad_fn, t._output_nr)] = None
                targets[t.grad_fn] = None
            else:
                targets[t._accumulator_node()] = None
    needed = None if targets is None else _needed(order, targets)
    prev = _grad_state.enabled
    _grad_state.enabled = bool(create_graph)
    try:
        for node in order:
            slot = buffers.pop(node, None)
            if slot is None or (needed is not None and node not in needed):
                continue
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
                    g = slot.get(0)
                    if g is not None:
                        _accumulate(node.variable, to_tensor(g), create_graph)
                continue
            node.check_saved()
            cts = [slot.get(k) for k in range(node._n_outputs)]
            if node._pre_hooks:
                cts = _run_pre_hooks(node, cts, to_tensor, to_value)
            got = node.backward_values(cts, create_graph)
            if node._hooks:
                got = _run_hooks(node, got, cts, to_tensor, to_value)
            for (nxt, k), g in zip(node.next_functions, got):
                if nxt is None or g is None:
                    continue
                s = buffers.get(nxt)
                if s is None:
                    buffers[nxt] = {k: g}
                else:
                    old = s.get(k)
                    s[k] = g if old is None else old + g
            if not retain_graph:
                node.free()
    finally:
        _grad_state.enabled = prev
    if inputs is not None and capture:
        for t in inputs:
            if t.grad_fn is not None:
                g = capture.get((t.grad_fn, t._output_nr))
                if g is not None:
                    t._grad = g if t._grad is None else t._grad + g


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
    """Add gradient g into leaf t's .grad, as PyTorch's AccumulateGrad does."""
    if g._data.shape != t._data.shape:
        g = g.sum_to_size(t.shape)
    grad = t._grad
    if grad is None:
        t._grad = g if create_graph else _owned(g)
    elif create_graph or grad._requires_grad or type(grad._data) is not _ndarray:
        t._grad = grad + g
    else:
        grad._inplace_add(g)
    hooks = t.__dict__.get("_post_accumulate_hooks")
    if hooks:
        for hook in hooks:
            hook(t)


def _owned(g):
    """A gradient that .grad may keep and later accumulate into in place (PyTorch steals a new
    gradient nobody else holds, and clones one that is shared)."""
    if g._requires_grad or g.grad_fn is not None:
        g = g.detach()
    d = g._data
    if type(d) is _ndarray and (d.base is not None or sys.getrefcount(d) > _UNSHARED):
        return g.clone()
    return g


_UNSHARED = 3  # references to an array held only by one tensor: its _data, `d`, the call's arg
