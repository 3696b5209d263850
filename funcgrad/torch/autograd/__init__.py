"""torch.autograd: backward, grad, grad modes, custom Functions."""
from __future__ import annotations

import numpy as np

from .._engine import run_backward
from ._function import Function
from .._grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                         set_grad_enabled)


def _as_list(x):
    return list(x) if isinstance(x, (tuple, list)) else [x]


def _default_grads(outputs, grads):
    from .._tensor import Tensor
    out = []
    for o, g in zip(outputs, grads):
        if g is None:
            if o.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = Tensor._make(np.ones(o._data.shape, o.dtype.np))
        elif not isinstance(g, Tensor):
            from .._factories import tensor
            g = tensor(g, dtype=o.dtype)
        if tuple(g.shape) != tuple(o.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of "
                               f"torch.Size({list(g.shape)}) and output[0] has a shape of "
                               f"torch.Size({list(o.shape)}).")
        out.append(g)
    return out


def _check_requires_grad(outputs):
    for i, o in enumerate(outputs):
        if not o.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into each leaf's .grad, weighting by grad_tensors."""
    outputs = _as_list(tensors)
    grads = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(outputs)
    _check_requires_grad(outputs)
    grads = _default_grads(outputs, grads)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(outputs, grads, retain_graph, create_graph,
                 inputs=None if inputs is None else _as_list(inputs))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of outputs with respect to inputs, returned instead of accumulated."""
    from .._dispatch import grad_edge
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    grads = (_as_list(grad_outputs) if grad_outputs is not None else [None] * len(outputs))
    _check_requires_grad(outputs)
    grads = _default_grads(outputs, grads)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors does not require grad")
    edges = [grad_edge(t) for t in inputs]
    capture = {e: None for e in edges}
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(outputs, grads, retain_graph, create_graph, capture=capture)
    result = []
    for t, e in zip(inputs, edges):
        g = capture[e]
        if g is None:
            if not (allow_unused or materialize_grads):
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            if materialize_grads:
                from .._factories import zeros_like
                g = zeros_like(t)
        result.append(g)
    return tuple(result)


from . import functional  # noqa: E402,F401  (torch.autograd.functional)
