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


# ---- grad_fn names, next_functions and _saved_* ------------------------------------------------

OPS = {
    "add": lambda L, x, y: x + y, "sub": lambda L, x, y: x - y, "mul": lambda L, x, y: x * y,
    "div": lambda L, x, y: x / y, "mm": lambda L, x, y: x @ y, "mv": lambda L, x, y: x @ y[0],
    "sum": lambda L, x, y: x.sum(), "sum_dim": lambda L, x, y: x.sum(1),
    "mean": lambda L, x, y: x.mean(), "pow": lambda L, x, y: x ** 2,
    "pow_tensor": lambda L, x, y: x ** y, "exp": lambda L, x, y: x.exp(),
    "log": lambda L, x, y: x.log(), "relu": lambda L, x, y: L.relu(x - 2),
    "sigmoid": lambda L, x, y: L.sigmoid(x), "tanh": lambda L, x, y: L.tanh(x),
    "view": lambda L, x, y: x.view(4), "reshape": lambda L, x, y: x.reshape(4),
    "flatten": lambda L, x, y: x.flatten(), "t": lambda L, x, y: x.t(),
    "transpose": lambda L, x, y: x.transpose(0, 1), "select": lambda L, x, y: x[:, 1],
    "index": lambda L, x, y: x[0], "slice": lambda L, x, y: x[1:], "neg": lambda L, x, y: -x,
    "add_number": lambda L, x, y: x + 1, "sin": lambda L, x, y: x.sin(),
    "cos": lambda L, x, y: x.cos(), "sqrt": lambda L, x, y: x.sqrt(),
    "abs": lambda L, x, y: x.abs(), "max": lambda L, x, y: x.max(),
    "max_dim": lambda L, x, y: x.max(1)[0], "cat": lambda L, x, y: L.cat([x, y]),
    "stack": lambda L, x, y: L.stack([x, y], 1), "unsqueeze": lambda L, x, y: x.unsqueeze(1),
    "squeeze": lambda L, x, y: x[None].squeeze(), "expand": lambda L, x, y: x[0:1].expand(3, 2),
    "softmax": lambda L, x, y: L.softmax(x, 1), "log_softmax": lambda L, x, y: L.log_softmax(x, 0),
    "linear": lambda L, x, y: L.nn.functional.linear(x, y, y[0]),
    "addmm": lambda L, x, y: L.addmm(y[0], x, y),
    "mse_loss": lambda L, x, y: L.nn.functional.mse_loss(x, y, reduction="sum"),
    "rsub": lambda L, x, y: 1 - x, "prod": lambda L, x, y: x.prod(),
    "norm": lambda L, x, y: x.norm(), "bmm": lambda L, x, y: L.bmm(x[None], y[None]),
    "where": lambda L, x, y: L.where(x > 2, x, y), "permute": lambda L, x, y: x.permute(1, 0),
    "dot": lambda L, x, y: x[0].dot(y[0]), "gelu": lambda L, x, y: L.nn.functional.gelu(x),
    "gelu_tanh": lambda L, x, y: L.nn.functional.gelu(x, approximate="tanh"),
    "mul_half_grad": lambda L, x, y: x * y.detach(), "div_half_grad": lambda L, x, y: x / y.detach(),
}


def _describe(L, v, named):
    """A saved value as comparable data: which of the scenario's tensors it is (by identity, as
    PyTorch hands back the tensor it saved), else its values."""
    if isinstance(v, L.Tensor):
        for k, t in named.items():
            if v is t:
                return k
        return ("tensor", tuple(v.shape), v.detach().double().numpy().round(5).tolist(),
                v.requires_grad, type(v.grad_fn).__name__)
    return v


def _graph_of(L, case, dtype):
    x = L.tensor(X, dtype=dtype, requires_grad=True)
    y = L.tensor(Y, dtype=dtype, requires_grad=True)
    out = OPS[case](L, x, y)
    fn = out.grad_fn
    saved = sorted(a for a in dir(fn) if a.startswith("_saved_"))
    return (type(fn).__name__,
            [(None if n is None else type(n).__name__, k) for n, k in fn.next_functions],
            saved, {a: _describe(L, getattr(fn, a), {"x": x, "y": y, "out": out})
                    for a in saved})


@pytest.mark.parametrize("case", sorted(OPS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grad_fn_names_next_functions_and_saved(torch, case, dtype):
    got = _graph_of(ft, case, getattr(ft, dtype))
    want = _graph_of(torch, case, getattr(torch, dtype))
    if case == "linear":
        # the one known difference: F.linear is one AddmmBackward0 node whose weight edge goes
        # to the weight itself, where PyTorch records weight.t() as a TBackward0 node first
        # (the saved mat2 is weight.t() in both)
        assert want[1][2] == ("TBackward0", 0) and got[1][2] == ("AccumulateGrad", 0)
        got, want = (got[0], got[2], got[3]), (want[0], want[2], want[3])
    assert got == want


def test_saved_number_operand_and_result(torch):
    """x * 2 saves the number as a 0-d tensor (PyTorch's wrapped number: its dtype may differ,
    the value not); a saved result is a tensor equal to the output whose grad_fn is the node."""
    for L in (ft, torch):
        x = L.tensor(X, requires_grad=True)
        fn = (x * 2).grad_fn
        assert fn._saved_self is None and float(fn._saved_other) == 2.0
        assert fn._saved_other.shape == ()
        e = x.exp()
        r = e.grad_fn._saved_result
        assert r.grad_fn is e.grad_fn and L.equal(r, e) and r is not e


def test_saved_tensors_freed_by_backward_and_unknown_names(torch):
    for L in (ft, torch):
        x = L.tensor(X, requires_grad=True)
        y = x * x
        y.sum().backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
            y.grad_fn._saved_self
        with pytest.raises(AttributeError, match="_saved_nothing"):
            (x + 1).grad_fn._saved_nothing


# ---- the graph a create_graph=True backward records --------------------------------------------

def _chain(fn, depth=0):
    """A node and what it leads to, as nested names (None for an input without gradient)."""
    if fn is None:
        return None
    if depth > 5:
        return "..."
    return (type(fn).__name__, tuple(_chain(n, depth + 1) for n, _ in fn.next_functions))


DOUBLE = {
    # the backward graph node by node as PyTorch's (its derivative formulas' operations)
    "mul": lambda L, x, w: (x * w).sum(), "sin": lambda L, x, w: x.sin().sum(),
    "cos": lambda L, x, w: x.cos().sum(), "exp": lambda L, x, w: x.exp().sum(),
    "log": lambda L, x, w: x.log().sum(), "div": lambda L, x, w: (x / w).sum(),
    "neg": lambda L, x, w: (-x * w).sum(), "sub": lambda L, x, w: ((x - w) * x).sum(),
    "mean": lambda L, x, w: (x * x).mean(), "square": lambda L, x, w: (x * x).sum(),
    "pow": lambda L, x, w: (x ** 3).sum(), "abs": lambda L, x, w: (x.abs() * x).sum(),
    "dot": lambda L, x, w: x.dot(w) * x.sum(), "exp_mul": lambda L, x, w: (x.exp() * w).sum(),
}
# where the graph differs: PyTorch has fused formulas (SigmoidBackwardBackward0) or other view
# operations (SqueezeBackward1 for a reshape); the values agree all the same
DOUBLE_VALUES_ONLY = {
    "sigmoid": lambda L, x, w: x.sigmoid().sum(), "tanh": lambda L, x, w: x.tanh().sum(),
    "sqrt": lambda L, x, w: x.sqrt().sum(), "add": lambda L, x, w: ((x + w) * x).sum(),
    "mm": lambda L, x, w: (x[None] @ w[:, None]).sum(),
    "softmax": lambda L, x, w: (L.softmax(x * w, 0) * x).sum(),
}


def _double(L, f, dtype):
    x = L.tensor([1.0, 2.0], dtype=dtype, requires_grad=True)
    w = L.tensor([0.5, -1.0], dtype=dtype, requires_grad=True)
    g, = L.autograd.grad(f(L, x, w), x, create_graph=True)
    h, = L.autograd.grad((g * g * x).sum(), x, create_graph=True)
    h.sum().backward()
    return g, h, x.grad, w.grad


@pytest.mark.parametrize("case", sorted(DOUBLE) + sorted(DOUBLE_VALUES_ONLY))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_create_graph_records_pytorchs_nodes(torch, case, dtype):
    f = DOUBLE.get(case) or DOUBLE_VALUES_ONLY[case]
    got, want = _double(ft, f, getattr(ft, dtype)), _double(torch, f, getattr(torch, dtype))
    for a, b in zip(got, want):
        if b is None:
            assert a is None or not a.numpy().any()
            continue
        assert repr(a.dtype) == repr(b.dtype) and a.requires_grad == b.requires_grad
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    if case in DOUBLE:
        assert _chain(got[0].grad_fn) == _chain(want[0].grad_fn)
