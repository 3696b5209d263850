"""The torch layer's fast paths against PyTorch: cross_entropy of (N, C) logits with class
indices (eight primitives), BCE with logits of a constant target, relu by the select kernel,
SGD's and Adam's in-place steps, and the recorded order a multi-primitive operation's backward
walks. Each is checked where it applies and at its edges (ignored targets, -0 and NaN, weight
decay, maximize, a reload mid-run, size 0)."""
from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad.torch as ftorch

torch = pytest.importorskip("torch", reason="PyTorch is the oracle of these tests")

DTYPES = [np.float32, np.float64]


@settings(deadline=None)
@given(n=st.integers(1, 9), c=st.integers(1, 6), seed=st.integers(0, 2**31 - 1),
       reduction=st.sampled_from(["mean", "sum"]), dtype=st.sampled_from(DTYPES),
       ignore=st.booleans())
def test_cross_entropy_class_indices(n, c, seed, reduction, dtype, ignore):
    rng = np.random.RandomState(seed)
    x = (rng.randn(n, c) * 3).astype(dtype)
    y = rng.randint(0, c, n)
    if ignore:
        y[rng.rand(n) < 0.3] = -100
    ours_x = ftorch.from_numpy(x.copy()).requires_grad_()
    theirs_x = torch.from_numpy(x.copy()).requires_grad_()
    ours = ftorch.nn.functional.cross_entropy(ours_x, ftorch.from_numpy(y), reduction=reduction)
    theirs = torch.nn.functional.cross_entropy(theirs_x, torch.from_numpy(y),
                                               reduction=reduction)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=tol, atol=tol, equal_nan=True)
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__
    if np.isfinite(theirs.item()):
        ours.backward()
        theirs.backward()
        np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=tol,
                                   atol=tol)
        assert ours_x.grad.dtype == ftorch.from_numpy(x).dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_fast_path_double_backward(dtype):
    """create_graph through the fast path's tape: the Hessian-vector product as PyTorch's."""
    x = np.random.RandomState(0).randn(4, 3).astype(dtype)
    y = np.array([0, 2, 1, 2])
    grads = []
    for lib in (ftorch, torch):
        t = lib.from_numpy(x.copy()).requires_grad_()
        loss = lib.nn.functional.cross_entropy(t, lib.from_numpy(y))
        (g,) = lib.autograd.grad(loss, t, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), t)
        grads.append(h.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES + [np.float16])
@pytest.mark.parametrize("size", [0, 1, 7, 5000])
def test_relu_values_and_gradient(dtype, size):
    """-0 stays -0 and NaN stays NaN (PyTorch's clamp), the gradient is zero at 0, on both
    sides of the select kernel's size threshold."""
    base = np.array([-1.5, -0.0, 0.0, 2.0, np.nan, -np.inf, np.inf], np.float64)
    x = np.resize(base, size).astype(dtype)
    ours_x = ftorch.from_numpy(x.copy()).requires_grad_(dtype != np.float16)
    theirs_x = torch.from_numpy(x.copy()).requires_grad_(dtype != np.float16)
    ours, theirs = ftorch.relu(ours_x), torch.relu(theirs_x)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    np.testing.assert_array_equal(np.signbit(ours.detach().numpy()),
                                  np.signbit(theirs.detach().numpy()))
    if dtype != np.float16:
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_array_equal(ours_x.grad.numpy(), theirs_x.grad.numpy())
        assert type(ours.grad_fn).__name__ == "ReluBackward0"


OPT_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", {}),
    ("Adam", dict(weight_decay=0.1)),
    ("Adam", dict(maximize=True, lr=0.01)),
    ("AdamW", dict(weight_decay=0.3, lr=0.05)),
    ("Adam", dict(amsgrad=True)),           # (not in place: the transform path)
]


def _opt_run(lib, name, kw, dtype, reload_at, steps=12):
    rng = np.random.RandomState(0)
    w = lib.nn.Parameter(lib.from_numpy(rng.randn(5, 3).astype(dtype)))
    b = lib.nn.Parameter(lib.from_numpy(rng.randn(3).astype(dtype)))
    x = lib.from_numpy(rng.randn(7, 5).astype(dtype))
    opt = getattr(lib.optim, name)([w, b], **kw)
    for i in range(steps):
        opt.zero_grad()
        ((x @ w + b).tanh() ** 2).sum().backward()
        opt.step()
        if i == reload_at:  # a fresh optimizer from a copied state_dict continues the run
            saved = copy.deepcopy(opt.state_dict())
            opt = getattr(lib.optim, name)([w, b], **kw)
            opt.load_state_dict(saved)
    sd = opt.state_dict()["state"]
    return w.detach().numpy().copy(), {k: {n: v.numpy().copy() for n, v in s.items()}
                                       for k, s in sd.items()}


@pytest.mark.parametrize("name,kw", OPT_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reload_at", [None, 4])
def test_in_place_optimizer_step(name, kw, dtype, reload_at):
    """SGD's and Adam's in-place steps: PyTorch's trajectory and state_dict, also when a fresh
    optimizer continues from a copied state_dict."""
    ours, ours_state = _opt_run(ftorch, name, kw, dtype, reload_at)
    theirs, theirs_state = _opt_run(torch, name, kw, dtype, reload_at)
    # float32: the gradients' own rounding (a product and tanh) differs from PyTorch's, and
    # the momentum buffers sum it over the steps
    rtol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol)
    assert {k: list(v) for k, v in ours_state.items()} == \
        {k: list(v) for k, v in theirs_state.items()}
    for k in theirs_state:
        for n in theirs_state[k]:
            np.testing.assert_allclose(ours_state[k][n], theirs_state[k][n], rtol=rtol,
                                       atol=rtol, err_msg=n)


@pytest.mark.parametrize("name,kw", [("Adam", {}), ("SGD", dict(momentum=0.9))])
def test_in_place_step_leaves_a_loaded_checkpoint_alone(name, kw):
    """The buffers a load_state_dict gave are copied before the first in-place step."""
    w = ftorch.nn.Parameter(ftorch.ones(3))
    opt = getattr(ftorch.optim, name)([w], lr=0.1, **kw)
    w.grad = ftorch.ones(3)
    opt.step()
    saved = opt.state_dict()
    kept = {n: v.clone() for n, v in saved["state"][0].items()}
    opt2 = getattr(ftorch.optim, name)([w], lr=0.1, **kw)
    opt2.load_state_dict(saved)
    w.grad = ftorch.full((3,), 2.0)
    opt2.step()
    for n, v in saved["state"][0].items():
        np.testing.assert_array_equal(v.numpy(), kept[n].numpy(), err_msg=n)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_primitive_operation_backward(dtype):
    """A recorded operation of several primitives (linear with bias; BCE with logits) walks
    its tape backward in the recorded order: gradients as PyTorch's, retain_graph twice."""
    rng = np.random.RandomState(1)
    x, w, b = rng.randn(6, 4), rng.randn(2, 4), rng.randn(2)
    y = rng.randint(0, 2, (6, 2))
    got = []
    for lib in (ftorch, torch):
        ts = [lib.from_numpy(a.astype(dtype)).requires_grad_() for a in (x, w, b)]
        out = lib.nn.functional.linear(*ts)
        loss = lib.nn.functional.binary_cross_entropy_with_logits(
            out, lib.from_numpy(y.astype(dtype)))
        loss.backward(retain_graph=True)
        loss.backward()
        got.append([t.grad.numpy() for t in ts])
    for a, b_ in zip(*got):
        np.testing.assert_allclose(a, b_, rtol=1e-5, atol=1e-6)


@settings(deadline=None)
@given(shape=st.sampled_from([(0,), (1,), (8, 1), (3, 4, 2)]), seed=st.integers(0, 2**31 - 1),
       reduction=st.sampled_from(["mean", "sum", "none"]), dtype=st.sampled_from(DTYPES))
def test_bce_with_logits_constant_target(shape, seed, reduction, dtype):
    """The target as a constant (1 - t) of the value (it takes no gradient): PyTorch's value,
    printed form, gradient and graph."""
    rng = np.random.RandomState(seed)
    x = (rng.randn(*shape) * 3).astype(dtype)
    t = rng.rand(*shape).astype(dtype)
    got = []
    for lib in (ftorch, torch):
        xt = lib.from_numpy(x.copy()).requires_grad_()
        loss = lib.nn.functional.binary_cross_entropy_with_logits(xt, lib.from_numpy(t),
                                                                  reduction=reduction)
        loss.sum().backward()
        got.append((loss.detach().numpy(), xt.grad.numpy(), type(loss.grad_fn).__name__,
                    [type(n).__name__ for n, _ in loss.grad_fn.next_functions]))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=tol, atol=tol)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=tol, atol=tol)
    assert got[0][2:] == got[1][2:]
