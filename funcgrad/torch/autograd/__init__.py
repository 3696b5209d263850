"""torch.autograd: backward, grad, grad modes, custom Functions, torch.autograd.functional."""
from __future__ import annotations

import contextlib
from typing import Any, Sequence
import warnings

import numpy as np

from .._dispatch import grad_edge
from .._anomaly import state as _anomaly
from .._engine import run_backward
from .._factories import tensor, zeros_like
from .._size import storage_on
from .._tensor import Tensor
from .._grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                          is_inference_mode_enabled, no_grad, set_grad_enabled)
from ._function import Function, FunctionCtx, once_differentiable


def _as_list(x):
    if x is None:
        return None
    return list(x) if isinstance(x, (tuple, list)) else [x]


def _default_grads(outputs, grads):
    out = []
    for i, (o, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if o.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not o.dtype.is_floating_point:
                raise RuntimeError("grad can be implicitly created only for real scalar outputs "
                                   f"but got {o.dtype!r}")
            g = Tensor._make(storage_on(np.ones(o._data.shape, o.dtype.np), o.device))
        elif not isinstance(g, Tensor):
            g = tensor(g, dtype=o.dtype)
        if tuple(g.shape) != tuple(o.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"torch.Size({list(g.shape)}) and output[{i}] has a shape of "
                               f"torch.Size({list(o.shape)}).")
        out.append(g)
    return out


def _check_requires_grad(outputs):
    for i, o in enumerate(outputs):
        if not o.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn")


def backward(tensors: Tensor | Sequence[Tensor],
             grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             grad_variables: Any = None, inputs: Tensor | Sequence[Tensor] | None = None) -> None:
    """Accumulate d(tensors)/d(leaf) into each leaf's .grad, weighting by grad_tensors."""
    if create_graph:
        warnings.warn("Using backward() with create_graph=True will create a reference cycle "
                      "between the parameter and its gradient which can cause a memory leak. We "
                      "recommend using autograd.grad when creating the graph to avoid this. If you "
                      "have to use this function, make sure to reset the .grad fields of your "
                      "parameters to None after use to break the cycle and avoid the leak.",
                      UserWarning, stacklevel=3)
    if type(tensors) is Tensor and inputs is None and grad_variables is None and \
            (grad_tensors is None or type(grad_tensors) is Tensor):
        # the common call, loss.backward(): one tensor, its gradient given or implied
        if not tensors._requires_grad:
            _check_requires_grad((tensors,))
        g = grad_tensors
        if g is None or g._data.shape != tensors._data.shape:
            g = _default_grads((tensors,), (g,))[0]
        run_backward((tensors,), (g,), create_graph if retain_graph is None else retain_graph,
                     create_graph)
        return
    outputs = _as_list(tensors)
    grads = _as_list(grad_tensors if grad_tensors is not None else grad_variables)
    grads = grads if grads is not None else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    _check_requires_grad(outputs)
    grads = _default_grads(outputs, grads)
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_list(inputs)
    if inputs is not None and not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
         retain_graph: bool | None = None, create_graph: bool = False, only_inputs: bool = True,
         allow_unused: bool | None = None, is_grads_batched: bool = False,
         materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of outputs with respect to inputs, returned instead of accumulated."""
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    grads = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    _check_requires_grad(outputs)
    grads = _default_grads(outputs, grads)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    edges = [grad_edge(t) for t in inputs]
    capture = {e: None for e in edges}
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(outputs, grads, retain_graph, create_graph, capture=capture)
    if allow_unused is None:
        allow_unused = materialize_grads
    result = []
    for i, (t, e) in enumerate(zip(inputs, edges)):
        g = capture[e]
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            if materialize_grads:
                g = zeros_like(t)
        elif not create_graph and g.requires_grad:
            g = g.detach()
        result.append(g)
    return tuple(result)


def Variable(data, requires_grad=False, volatile=False):  # noqa: N802 (torch's legacy name)
    """The legacy Variable wrapper: the tensor itself (requiring grad when asked)."""
    if requires_grad:
        data.requires_grad_(True)
    return data


class detect_anomaly(contextlib.ContextDecorator):  # noqa: N801 (PyTorch's name)
    """Anomaly mode for the block: nodes keep the stack of the forward call that recorded
    them, a node whose backward gives nan raises RuntimeError ("Function 'DivBackward0' returned
    nan values in its 1th output.") and a failing node's backward first warns with that stack.

    >>> import warnings
    >>> import funcgrad.torch as torch
    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     with torch.autograd.detect_anomaly():
    ...         (x / x).sum().backward()
    Traceback (most recent call last):
    ...
    RuntimeError: Function 'DivBackward0' returned nan values in its 1th output.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._prev = (_anomaly.enabled, _anomaly.check_nan)
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self) -> detect_anomaly:
        self._prev = (_anomaly.enabled, _anomaly.check_nan)
        _anomaly.enabled, _anomaly.check_nan = True, self.check_nan
        return self

    def __exit__(self, *exc: object) -> bool:
        _anomaly.enabled, _anomaly.check_nan = self._prev
        return False


class set_detect_anomaly:  # noqa: N801 (PyTorch's name)
    """Anomaly mode on or off from here (as a context manager: for the block, then as before).

    >>> import funcgrad.torch as torch
    >>> with torch.autograd.set_detect_anomaly(True):
    ...     torch.is_anomaly_enabled()
    True
    >>> torch.is_anomaly_enabled()
    False
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = (_anomaly.enabled, _anomaly.check_nan)
        _anomaly.enabled, _anomaly.check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        _anomaly.enabled, _anomaly.check_nan = self._prev
        return False


from . import functional  # noqa: E402,F401  (torch.autograd.functional)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402,F401
from . import graph  # noqa: E402,F401  (torch.autograd.graph)
from . import forward_ad  # noqa: E402,F401  (torch.autograd.forward_ad)
from . import function  # noqa: E402,F401  (torch.autograd.function)
