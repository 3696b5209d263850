"""The backward pass over recorded nodes: torch.Tensor.backward and torch.autograd.grad."""
from __future__ import annotations

from ._graph import AccumulateGrad, FunctionNode


def _toposort(roots):
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


def _add(a, b):
    return b if a is None else a + b


def run_backward(outputs, grad_outputs, retain_graph=False, create_graph=False, inputs=None,
                 capture=None):
    """Propagate grad_outputs from outputs through the graph. With `capture` (a dict
    {(node, index): None}, torch.autograd.grad) fill it instead of accumulating into .grad."""
    from ._grad_mode import enable_grad, no_grad
    buffers = {}
    for out, g in zip(outputs, grad_outputs):
        edge = (out.grad_fn, out._output_nr) if out.grad_fn is not None else (
            out._accumulator_node(), 0)
        slot = buffers.setdefault(edge[0], {})
        slot[edge[1]] = _add(slot.get(edge[1]), g)
    only = None if inputs is None else {id(t) for t in inputs}
    mode = enable_grad() if create_graph else no_grad()
    with mode:
        for node in _toposort(list(buffers)):
            slot = buffers.pop(node, None)
            if slot is None:
                continue
            for k in list(slot):
                for hook in node._tensor_hooks.get(k, ()):
                    r = hook(slot[k])
                    if r is not None:
                        slot[k] = r
                kept = node._retained.get(k)
                if kept is not None:
                    kept.grad = slot[k] if create_graph else slot[k].detach()
                if capture is not None and (node, k) in capture:
                    capture[(node, k)] = _add(capture[(node, k)], slot[k])
            if isinstance(node, AccumulateGrad):
                if capture is None and (only is None or id(node.variable) in only):
                    _accumulate(node.variable, slot[0], create_graph)
                continue
            node.check_saved()
            cts = [slot.get(k) for k in range(node._n_outputs)]
            for hook in node._pre_hooks:
                r = hook(tuple(cts))
                if r is not None:
                    cts = list(r)
            got = node.backward_tensors(cts, create_graph)
            for hook in node._hooks:
                r = hook(tuple(got), tuple(cts))
                if r is not None:
                    got = list(r)
            for (nxt, k), g in zip(node.next_functions, got):
                if nxt is None or g is None:
                    continue
                s = buffers.setdefault(nxt, {})
                s[k] = _add(s.get(k), g)
            if not retain_graph:
                node.free()


def _accumulate(t, g, create_graph):
    if g.shape != t.shape:
        g = g.sum_to_size(t.shape)
    if t.grad is None:
        t.grad = g if create_graph else g.detach()
    elif create_graph:
        t.grad = t.grad + g
    else:
        t.grad._inplace_add(g)
