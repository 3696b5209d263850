"""Anomaly mode (torch.autograd.detect_anomaly / set_detect_anomaly): while it is on, every
recorded node keeps the Python stack of the forward call that made it (node.metadata
["traceback_"], as PyTorch keeps it), and the backward pass checks each node's gradients for nan
and, when a node's backward fails, warns with that stack before the error propagates.

>>> import funcgrad.torch as torch
>>> state.enabled, state.check_nan
(False, True)
"""
from __future__ import annotations

import os
import traceback
import warnings
from typing import Any, Callable, Sequence

import numpy as np


class _State:
    """Whether anomaly mode is on, and whether it checks gradients for nan."""
    __slots__ = ("enabled", "check_nan")

    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True


state = _State()

# frames in this package (its operations are Python here, C++ in PyTorch) end no forward stack
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def forward_stack() -> list[str]:
    """The stack of the forward call in progress as traceback.format_stack gives it, without the
    frames of funcgrad's own implementation at its end (PyTorch's stack ends where its operation
    is called from Python)."""
    frames = traceback.extract_stack()
    end = len(frames)
    while end and frames[end - 1].filename.startswith(_PACKAGE):
        end -= 1
    return traceback.format_list(frames[:end])


def is_anomaly_enabled() -> bool:
    """Whether anomaly mode is on.

    >>> import funcgrad.torch as torch
    >>> torch.is_anomaly_enabled()
    False
    """
    return state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly mode checks gradients for nan (detect_anomaly(check_nan=)).

    >>> import funcgrad.torch as torch
    >>> torch.is_anomaly_check_nan_enabled()
    True
    """
    return state.check_nan


def _is_nan(g: Any) -> bool:
    data = getattr(g, "_data", g)        # a tensor (create_graph) or a funcgrad value
    data = getattr(data, "_value", data)  # a funcgrad Array's backend array
    if not isinstance(data, np.ndarray) and not np.isscalar(data):
        data = getattr(data, "get", None)  # a CuPy array: its host copy
        if data is None:
            return False  # a traced value (inside a transform): nothing concrete to check
        data = data()
    return bool(np.isnan(data).any())


def checked_backward(node: Any, backward: Callable[..., Sequence[Any]], *args: Any
                     ) -> Sequence[Any]:
    """backward(*args), node's gradients, checked for nan; when it fails (or gives nan) a
    UserWarning first shows the forward call that recorded node, as PyTorch's anomaly mode."""
    try:
        got = backward(*args)
        if state.check_nan:
            for i, g in enumerate(got):
                if g is not None and _is_nan(g):
                    raise RuntimeError(f"Function '{node.name()}' returned nan values in its "
                                       f"{i}th output.")
    except Exception:
        stack = (node._metadata or {}).get("traceback_")
        if stack is not None:
            warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that "
                          "caused the error:\n" + "".join(stack), UserWarning, stacklevel=5)
        raise
    return got
