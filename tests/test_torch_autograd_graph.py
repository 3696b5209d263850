"""The autograd graph as PyTorch 2.13 shows it: grad_fn class names and next_functions for the
common operations, the _saved_* attributes of their nodes, the nodes a create_graph=True backward
records, and anomaly mode (its warnings, the forward stack each node keeps, PyTorch's nan error).
Each scenario runs on both libraries and compares. Skipped without torch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import funcgrad.torch as ft

X = np.array([[1.0, 2.0], [3.0, 4.0]])
Y = np.array([[0.5, -1.0], [2.0, 1.0]])


def _divide(x):
    return x / x


def _anomaly_run(lib):
    """What a user sees of anomaly mode: the warnings (the forward stack without PyTorch's
    "(Triggered internally at <C++ file>)" suffix), the node's metadata and the error."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's 0/0, computed as PyTorch does
        with lib.autograd.detect_anomaly():
            x = lib.tensor([0.0, 1.0], requires_grad=True)
            y = _divide(x)
            stack = y.grad_fn.metadata["traceback_"]
            enabled = lib.is_anomaly_enabled()
            with pytest.raises(RuntimeError) as err:
                y.sum().backward()
    return ([str(w.message).split(" (Triggered internally")[0] for w in seen],
            [w.category for w in seen], stack, str(err.value), enabled, lib.is_anomaly_enabled())


def test_anomaly_mode_matches_torch(torch):
    got, want = _anomaly_run(ft), _anomaly_run(torch)
    assert got == want
    assert got[3] == "Function 'DivBackward0' returned nan values in its 1th output."
    assert got[2][-1].endswith("return x / x\n")  # the stack ends at the user's operation


def test_anomaly_check_nan_off_and_set_detect_anomaly(torch):
    def run(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly(check_nan=False):
                x = lib.tensor([0.0, 1.0], requires_grad=True)
                (x / x).sum().backward()
                flags = (lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled())
            with lib.autograd.set_detect_anomaly(True):
                inside = lib.is_anomaly_enabled()
            lib.autograd.set_detect_anomaly(True)
            on = lib.is_anomaly_enabled()
            lib.autograd.set_detect_anomaly(False)
        return flags, inside, on, lib.is_anomaly_enabled(), np.isnan(x.grad.numpy()).tolist()
    assert run(ft) == run(torch)


def test_no_stack_kept_outside_anomaly_mode(torch):
    for lib in (ft, torch):
        y = lib.tensor([1.0], requires_grad=True) * 2
        assert y.grad_fn.metadata == {}


def test_anomaly_mode_warns_for_errors_in_custom_backward(torch):
    def run(lib):
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                raise ValueError("bad backward")
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always", UserWarning)
            with lib.autograd.detect_anomaly():
                y = Bad.apply(lib.ones(2, requires_grad=True))
                with pytest.raises(ValueError, match="bad backward"):
                    y.sum().backward()
        return [str(w.message).split("\n")[0] for w in seen]
    assert run(ft) == run(torch)
