"""funcgrad.torch.nn against PyTorch (the `torch` fixture; skipped without it): every layer and
loss, with the weights copied from PyTorch's module, gives PyTorch's outputs, input and parameter
gradients, grad_fn names, buffers (running statistics), repr and state_dict keys; Module's
registration, traversal, state_dict/load_state_dict (and their error texts), modes, hooks and
conversions; the containers; nn.init's distributions; nn.utils."""
from __future__ import annotations

import copy
import math
import pickle
import re
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import funcgrad.torch as ft
import funcgrad.torch.nn as fnn
import funcgrad.torch.nn.functional as fF


# ---- helpers ------------------------------------------------------------------------------------

def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def _pair_inputs(torch, arrays, grad):
    """The same inputs for both libraries: float arrays require grad (if `grad`)."""
    t_in, f_in = [], []
    for a in arrays:
        if isinstance(a, np.ndarray):
            g = grad and a.dtype.kind == "f"
            t_in.append(torch.tensor(a, requires_grad=g))
            f_in.append(ft.tensor(a, requires_grad=g))
        else:
            t_in.append(a)
            f_in.append(a)
    return t_in, f_in


def _close(a, b, rtol, atol, what):
    a, b = _np(a), _np(b)
    if a.dtype == np.float32:  # float32 results agree to float32 round-off, not better
        rtol, atol = max(rtol, 2e-6), max(atol, 1e-7)
    assert a.shape == b.shape, f"{what}: shapes {a.shape} vs {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtypes {a.dtype} vs {b.dtype}"
    np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=what)


def _copy_state(tm, fm):
    """Load PyTorch's module state into ours (through load_state_dict, which is also tested)."""
    sd = OrderedDict((k, ft.tensor(_np(v))) for k, v in tm.state_dict().items())
    res = fm.load_state_dict(sd)
    assert repr(res) == "<All keys matched successfully>"


def check_module(torch, make, arrays, *, double=True, rtol=1e-9, atol=1e-10, grad=True,
                 train=True, call=None, names=True, rng_free=True):
    """Build the module in both libraries, copy PyTorch's state into ours, run forward and
    backward with one upstream gradient, and compare everything observable."""
    tm, fm = make(torch.nn), make(fnn)
    if double:
        tm, fm = tm.double(), fm.double()
    tm.train(train)
    fm.train(train)
    assert repr(fm) == repr(tm)
    assert list(fm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in fm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    _copy_state(tm, fm)
    t_in, f_in = _pair_inputs(torch, arrays, grad)
    call = call or (lambda m, xs: m(*xs))
    t_out, f_out = _flat(call(tm, t_in)), _flat(call(fm, f_in))
    assert len(t_out) == len(f_out)
    for k, (a, b) in enumerate(zip(t_out, f_out)):
        _close(a, b, rtol, atol, f"output {k}")
        if names:
            assert _name(b) == _name(a), f"output {k} grad_fn"
    for (n, a), (_, b) in zip(tm.named_buffers(), fm.named_buffers()):
        _close(a, b, rtol, atol, f"buffer {n}")
    diff = [(a, b) for a, b in zip(t_out, f_out) if a.requires_grad]
    if not diff:
        return tm, fm
    rng = np.random.default_rng(7)
    gs = [rng.standard_normal(tuple(a.shape)).astype(_np(a).dtype) for a, _ in diff]
    torch.autograd.backward([a for a, _ in diff], [torch.tensor(g) for g in gs])
    ft.autograd.backward([b for _, b in diff], [ft.tensor(g) for g in gs])
    for k, (a, b) in enumerate(zip(t_in, f_in)):
        if getattr(a, "requires_grad", False):
            _close(a.grad, b.grad, rtol, atol, f"input {k} grad")
    for (n, a), (_, b) in zip(tm.named_parameters(), fm.named_parameters()):
        if a.grad is None:
            assert b.grad is None, n
        else:
            _close(a.grad, b.grad, rtol, atol, f"grad of {n}")
    return tm, fm


def check_fn(torch, fn, arrays, *, rtol=1e-9, atol=1e-10, grad=True, names=True):
    """fn(F, *inputs) with F torch.nn.functional or ours: outputs, names and input gradients."""
    t_in, f_in = _pair_inputs(torch, arrays, grad)
    t_out = _flat(fn(torch.nn.functional, torch, *t_in))
    f_out = _flat(fn(fF, ft, *f_in))
    for k, (a, b) in enumerate(zip(t_out, f_out)):
        _close(a, b, rtol, atol, f"output {k}")
        if names:
            assert _name(b) == _name(a), f"output {k} grad_fn"
    diff = [(a, b) for a, b in zip(t_out, f_out) if a.requires_grad]
    if diff:
        rng = np.random.default_rng(3)
        gs = [rng.standard_normal(tuple(a.shape)).astype(_np(a).dtype) for a, _ in diff]
        torch.autograd.backward([a for a, _ in diff], [torch.tensor(g) for g in gs])
        ft.autograd.backward([b for _, b in diff], [ft.tensor(g) for g in gs])
        for k, (a, b) in enumerate(zip(t_in, f_in)):
            if getattr(a, "requires_grad", False):
                if a.grad is None:
                    assert b.grad is None
                else:
                    _close(a.grad, b.grad, rtol, atol, f"input {k} grad")


def R(*shape, seed=0, dtype=np.float64, lo=None, hi=None):
    rng = np.random.default_rng(seed)
    if lo is not None:
        return rng.uniform(lo, hi, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def I(high, *shape, seed=0):
    return np.random.default_rng(seed).integers(0, high, shape).astype(np.int64)


def same_error(torch, fn, exc=Exception):
    """fn(torch-like module) raises the same exception type and message in both libraries."""
    with pytest.raises(exc) as a:
        fn(torch)
    with pytest.raises(type(a.value)) as b:
        fn(ft)
    assert str(b.value) == str(a.value)


# ---- layers ---------------------------------------------------------------------------------

LAYERS = [
    ("linear", lambda nn: nn.Linear(5, 3), [R(4, 5)]),
    ("linear_nobias", lambda nn: nn.Linear(5, 3, bias=False), [R(4, 5)]),
    ("linear_3d", lambda nn: nn.Linear(5, 3), [R(2, 4, 5)]),
    ("linear_1d", lambda nn: nn.Linear(5, 3), [R(5)]),
    ("linear_3d_nobias", lambda nn: nn.Linear(5, 3, bias=False), [R(2, 4, 5)]),
    ("bilinear", lambda nn: nn.Bilinear(4, 5, 3), [R(6, 4), R(6, 5, seed=1)]),
    ("bilinear_nobias", lambda nn: nn.Bilinear(4, 5, 3, bias=False), [R(6, 4), R(6, 5, seed=1)]),
    ("conv1d", lambda nn: nn.Conv1d(3, 4, 3), [R(2, 3, 10)]),
    ("conv1d_unbatched", lambda nn: nn.Conv1d(3, 4, 3, padding=1), [R(3, 10)]),
    ("conv1d_stride_dil", lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2,
                                               groups=2), [R(2, 4, 11)]),
    ("conv2d", lambda nn: nn.Conv2d(3, 4, 3), [R(2, 3, 8, 9)]),
    ("conv2d_lenet", lambda nn: nn.Conv2d(1, 6, 5), [R(2, 1, 32, 32)]),
    ("conv2d_unbatched", lambda nn: nn.Conv2d(3, 4, 3), [R(3, 7, 7)]),
    ("conv2d_stride_pad", lambda nn: nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 2)),
     [R(2, 3, 9, 8)]),
    ("conv2d_dilation", lambda nn: nn.Conv2d(2, 3, 3, dilation=(2, 3), padding=1),
     [R(2, 2, 10, 11)]),
    ("conv2d_groups", lambda nn: nn.Conv2d(4, 6, 3, groups=2, bias=False), [R(2, 4, 7, 7)]),
    ("conv2d_depthwise", lambda nn: nn.Conv2d(3, 6, 3, groups=3), [R(2, 3, 6, 6)]),
    ("conv2d_same", lambda nn: nn.Conv2d(2, 3, 4, padding="same"), [R(2, 2, 7, 6)]),
    ("conv2d_same_dil", lambda nn: nn.Conv2d(2, 3, 3, padding="same", dilation=2),
     [R(1, 2, 7, 6)]),
    ("conv2d_valid", lambda nn: nn.Conv2d(2, 3, 3, padding="valid"), [R(1, 2, 7, 6)]),
    ("conv2d_reflect", lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
     [R(1, 2, 6, 6)]),
    ("conv2d_circular", lambda nn: nn.Conv2d(2, 3, 3, padding=2, padding_mode="circular"),
     [R(1, 2, 6, 6)]),
    ("conv2d_replicate", lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="replicate"),
     [R(1, 2, 6, 6)]),
    ("conv3d", lambda nn: nn.Conv3d(2, 3, 2, padding=1), [R(1, 2, 4, 4, 3)]),
    ("convT1d", lambda nn: nn.ConvTranspose1d(3, 2, 3, stride=2), [R(2, 3, 5)]),
    ("convT2d", lambda nn: nn.ConvTranspose2d(3, 4, 3), [R(2, 3, 5, 5)]),
    ("convT2d_stride", lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1,
                                                     output_padding=1), [R(2, 3, 5, 4)]),
    ("convT2d_groups_dil", lambda nn: nn.ConvTranspose2d(4, 6, (2, 3), stride=(1, 2),
                                                         padding=(0, 1), groups=2, dilation=2,
                                                         bias=False), [R(2, 4, 5, 4)]),
    ("convT2d_unbatched", lambda nn: nn.ConvTranspose2d(2, 3, 3, stride=2), [R(2, 4, 4)]),
    ("maxpool1d", lambda nn: nn.MaxPool1d(2), [R(2, 3, 9)]),
    ("maxpool2d", lambda nn: nn.MaxPool2d(2), [R(2, 3, 8, 8)]),
    ("maxpool2d_odd", lambda nn: nn.MaxPool2d(3, stride=2, padding=1), [R(2, 3, 9, 8)]),
    ("maxpool2d_ceil", lambda nn: nn.MaxPool2d(3, stride=2, ceil_mode=True), [R(2, 3, 8, 8)]),
    ("maxpool2d_dil", lambda nn: nn.MaxPool2d((2, 3), stride=(1, 2), dilation=2, padding=1),
     [R(1, 2, 9, 10)]),
    ("maxpool2d_unbatched", lambda nn: nn.MaxPool2d(2), [R(3, 6, 6)]),
    ("maxpool2d_indices", lambda nn: nn.MaxPool2d(2, return_indices=True), [R(2, 2, 6, 7)]),
    ("maxpool3d", lambda nn: nn.MaxPool3d(2), [R(1, 2, 4, 4, 4)]),
    ("avgpool1d", lambda nn: nn.AvgPool1d(3, stride=2, padding=1), [R(2, 3, 9)]),
    ("avgpool2d", lambda nn: nn.AvgPool2d(2), [R(2, 3, 8, 8)]),
    ("avgpool2d_pad", lambda nn: nn.AvgPool2d(3, stride=2, padding=1), [R(2, 3, 9, 8)]),
    ("avgpool2d_nopadcount", lambda nn: nn.AvgPool2d(3, stride=2, padding=1,
                                                     count_include_pad=False), [R(2, 3, 9, 8)]),
    ("avgpool2d_ceil", lambda nn: nn.AvgPool2d(3, stride=2, ceil_mode=True), [R(2, 3, 8, 8)]),
    ("avgpool2d_ceil_pad", lambda nn: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                                                   count_include_pad=False), [R(1, 2, 8, 9)]),
    ("avgpool2d_divisor", lambda nn: nn.AvgPool2d(2, divisor_override=3), [R(1, 2, 6, 6)]),
    ("adaptiveavg2d", lambda nn: nn.AdaptiveAvgPool2d((3, 4)), [R(2, 3, 8, 10)]),
    ("adaptiveavg2d_1", lambda nn: nn.AdaptiveAvgPool2d(1), [R(2, 3, 5, 7)]),
    ("adaptiveavg2d_uneven", lambda nn: nn.AdaptiveAvgPool2d((4, None)), [R(2, 3, 7, 5)]),
    ("adaptiveavg1d", lambda nn: nn.AdaptiveAvgPool1d(4), [R(2, 3, 10)]),
    ("adaptivemax2d", lambda nn: nn.AdaptiveMaxPool2d((3, 2)), [R(2, 3, 7, 5)]),
    ("adaptivemax2d_indices", lambda nn: nn.AdaptiveMaxPool2d(3, return_indices=True),
     [R(2, 3, 7, 8)]),
    ("adaptivemax1d", lambda nn: nn.AdaptiveMaxPool1d(3), [R(2, 3, 10)]),
    ("batchnorm1d", lambda nn: nn.BatchNorm1d(3), [R(5, 3)]),
    ("batchnorm1d_3d", lambda nn: nn.BatchNorm1d(3, momentum=0.3), [R(4, 3, 6)]),
    ("batchnorm2d", lambda nn: nn.BatchNorm2d(3), [R(4, 3, 5, 5)]),
    ("batchnorm2d_cma", lambda nn: nn.BatchNorm2d(3, momentum=None), [R(4, 3, 5, 5)]),
    ("batchnorm2d_noaffine", lambda nn: nn.BatchNorm2d(3, affine=False), [R(4, 3, 5, 5)]),
    ("batchnorm2d_notrack", lambda nn: nn.BatchNorm2d(3, track_running_stats=False),
     [R(4, 3, 5, 5)]),
    ("layernorm", lambda nn: nn.LayerNorm(6), [R(4, 6)]),
    ("layernorm_2d", lambda nn: nn.LayerNorm((3, 4), eps=1e-3), [R(2, 5, 3, 4)]),
    ("layernorm_noaffine", lambda nn: nn.LayerNorm(6, elementwise_affine=False), [R(4, 6)]),
    ("layernorm_nobias", lambda nn: nn.LayerNorm(6, bias=False), [R(4, 6)]),
    ("groupnorm", lambda nn: nn.GroupNorm(2, 4), [R(3, 4, 5, 5)]),
    ("groupnorm_1", lambda nn: nn.GroupNorm(1, 3, affine=False), [R(3, 3, 4)]),
    ("embedding", lambda nn: nn.Embedding(10, 4), [I(10, 3, 5)]),
    ("embedding_pad", lambda nn: nn.Embedding(10, 4, padding_idx=2),
     [np.array([[1, 2, 3], [2, 2, 9]])]),
    ("embedding_negpad", lambda nn: nn.Embedding(10, 4, padding_idx=-1),
     [np.array([[1, 9, 3], [2, 9, 9]])]),
    ("embedding_freq", lambda nn: nn.Embedding(10, 4, scale_grad_by_freq=True),
     [np.array([[1, 1, 3], [1, 2, 3]])]),
    ("flatten", lambda nn: nn.Flatten(), [R(2, 3, 4, 5)]),
    ("flatten_range", lambda nn: nn.Flatten(0, 2), [R(2, 3, 4, 5)]),
    ("unflatten", lambda nn: nn.Unflatten(1, (2, 5)), [R(3, 10)]),
    ("identity", lambda nn: nn.Identity(3, k=1), [R(3, 2)]),
    ("sequential", lambda nn: nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2)),
     [R(3, 4)]),
    ("dropout_eval", lambda nn: nn.Dropout(0.5), [R(3, 4)]),
    ("zeropad2d", lambda nn: nn.ZeroPad2d((1, 0, 2, 1)), [R(2, 3, 4, 4)]),
    ("constantpad1d", lambda nn: nn.ConstantPad1d(2, -1.5), [R(2, 3, 4)]),
    ("reflectionpad2d", lambda nn: nn.ReflectionPad2d(1), [R(2, 3, 4, 4)]),
    ("replicationpad1d", lambda nn: nn.ReplicationPad1d((2, 1)), [R(2, 3, 4)]),
    ("upsample_nearest", lambda nn: nn.Upsample(scale_factor=2), [R(1, 2, 3, 4)]),
    ("upsample_bilinear", lambda nn: nn.Upsample(size=(5, 7), mode="bilinear"),
     [R(1, 2, 3, 4)]),
    ("upsample_bilinear_ac", lambda nn: nn.UpsamplingBilinear2d(scale_factor=2),
     [R(1, 2, 3, 4)]),
    ("upsample_linear", lambda nn: nn.Upsample(scale_factor=1.5, mode="linear"), [R(2, 3, 7)]),
    ("pixelshuffle", lambda nn: nn.PixelShuffle(2), [R(1, 8, 3, 3)]),
    ("cosine_similarity", lambda nn: nn.CosineSimilarity(), [R(3, 4), R(3, 4, seed=1)]),
    ("pairwise_distance", lambda nn: nn.PairwiseDistance(), [R(3, 4), R(3, 4, seed=1)]),
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # PyTorch's
@pytest.mark.parametrize("name,make,arrays", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_matches_pytorch(torch, name, make, arrays):
    train = not name.startswith("dropout")
    check_module(torch, make, arrays, train=train,
                 names=name not in ("pixelshuffle", "upsample_nearest"))


ACTIVATIONS = [
    ("ReLU", lambda nn: nn.ReLU()), ("ReLU6", lambda nn: nn.ReLU6()),
    ("LeakyReLU", lambda nn: nn.LeakyReLU()), ("LeakyReLU2", lambda nn: nn.LeakyReLU(0.2)),
    ("ELU", lambda nn: nn.ELU()), ("ELU2", lambda nn: nn.ELU(alpha=0.5)),
    ("GELU", lambda nn: nn.GELU()), ("GELU_tanh", lambda nn: nn.GELU(approximate="tanh")),
    ("SiLU", lambda nn: nn.SiLU()), ("Sigmoid", lambda nn: nn.Sigmoid()),
    ("Tanh", lambda nn: nn.Tanh()), ("Softmax", lambda nn: nn.Softmax(dim=1)),
    ("Softmax0", lambda nn: nn.Softmax(dim=0)), ("LogSoftmax", lambda nn: nn.LogSoftmax(dim=1)),
    ("Softplus", lambda nn: nn.Softplus()), ("Softplus2", lambda nn: nn.Softplus(2, 3)),
    ("Hardtanh", lambda nn: nn.Hardtanh(-0.5, 0.7)), ("SELU", lambda nn: nn.SELU()),
    ("CELU", lambda nn: nn.CELU(0.7)), ("Mish", lambda nn: nn.Mish()),
    ("Hardswish", lambda nn: nn.Hardswish()), ("Hardsigmoid", lambda nn: nn.Hardsigmoid()),
    ("LogSigmoid", lambda nn: nn.LogSigmoid()), ("Softsign", lambda nn: nn.Softsign()),
    ("Tanhshrink", lambda nn: nn.Tanhshrink()), ("Softmin", lambda nn: nn.Softmin(1)),
    ("Threshold", lambda nn: nn.Threshold(0.1, 20)), ("GLU", lambda nn: nn.GLU(1)),
    ("PReLU", lambda nn: nn.PReLU()), ("PReLU3", lambda nn: nn.PReLU(4)),
    ("Softshrink", lambda nn: nn.Softshrink()), ("Hardshrink", lambda nn: nn.Hardshrink(0.3)),
]


@pytest.mark.parametrize("name,make", ACTIVATIONS, ids=[c[0] for c in ACTIVATIONS])
def test_activation_matches_pytorch(torch, name, make):
    x = R(3, 4, 5) * 3
    x[0, 0, :3] = [0.0, 6.0, -3.0]  # the kinks: PyTorch's one-sided derivatives there
    # PyTorch's hardsigmoid backward multiplies by the float32 constant 1/6, even in float64
    # (and its celu computes exp(x * (1 / alpha)) in its own way)
    tol = 1e-7 if name in ("Hardsigmoid", "CELU") else 1e-9
    check_module(torch, make, [x], names=name not in ("Softsign", "Tanhshrink"), rtol=tol)


def test_activation_float32_matches_pytorch(torch):
    for make in (lambda nn: nn.GELU(), lambda nn: nn.Softmax(-1), lambda nn: nn.ELU()):
        check_module(torch, make, [R(4, 6, dtype=np.float32)], double=False, rtol=1e-5,
                     atol=1e-6)


def test_inplace_activations(torch):
    for mk in (lambda nn: nn.ReLU(inplace=True), lambda nn: nn.LeakyReLU(0.1, inplace=True),
               lambda nn: nn.ELU(inplace=True), lambda nn: nn.Hardtanh(inplace=True)):
        tm, fm = mk(torch.nn), mk(fnn)
        assert repr(fm) == repr(tm)
        a, b = R(3, 4), R(3, 4)
        ta, fa = torch.tensor(a), ft.tensor(a)
        assert tm(ta) is ta and fm(fa) is fa
        _close(ta, fa, 1e-12, 0, "in place result")
        # the chain through an in-place activation differentiates as PyTorch's
        tx, fx = torch.tensor(b, requires_grad=True), ft.tensor(b, requires_grad=True)
        tm(tx * 2).sum().backward()
        fm(fx * 2).sum().backward()
        _close(tx.grad, fx.grad, 1e-12, 0, "grad through in-place")


def test_dropout_train_mode():
    ft.manual_seed(0)
    x = ft.ones(2000)
    y = fnn.Dropout(0.25)(x)
    vals = np.unique(_np(y))
    assert vals[0] == 0 and np.allclose(vals[1:], 1 / 0.75) and len(vals) == 2
    assert abs((_np(y) == 0).mean() - 0.25) < 0.05
    assert type(y.grad_fn).__name__ if y.grad_fn else None is None
    x = ft.ones(4, 3, 5, 5, requires_grad=True)
    y = fnn.Dropout2d(0.5)(x)
    assert type(y.grad_fn).__name__ == "MulBackward0"
    per_channel = _np(y).reshape(4, 3, -1)
    assert all(len(set(row)) == 1 for row in per_channel.reshape(12, -1))
    y.sum().backward()
    np.testing.assert_array_equal(_np(x.grad), _np(y.detach()))
    m = fnn.Dropout(0.9).eval()
    assert m(x) is x
    assert fF.dropout(x, 0.0) is x
    assert float(fF.dropout(x, 1.0).sum()) == 0.0


def test_dropout_errors(torch):
    same_error(torch, lambda t: t.nn.Dropout(1.5), ValueError)
    same_error(torch, lambda t: t.nn.functional.dropout(t.ones(3), -0.1), ValueError)
    with pytest.warns(UserWarning) as rec:
        fF.dropout2d(ft.ones(2, 3, 4), 0.5)
    with pytest.warns(UserWarning) as rec2:
        torch.nn.functional.dropout2d(torch.ones(2, 3, 4), 0.5)
    assert [str(w.message) for w in rec] == [str(w.message) for w in rec2]


# ---- recurrent -------------------------------------------------------------------------------

RNNS = [
    ("rnn", lambda nn: nn.RNN(3, 4), [R(5, 2, 3)]),
    ("rnn_relu_2layers", lambda nn: nn.RNN(3, 4, 2, "relu"), [R(5, 2, 3)]),
    ("rnn_bf_bidir", lambda nn: nn.RNN(3, 4, batch_first=True, bidirectional=True),
     [R(2, 5, 3)]),
    ("lstm", lambda nn: nn.LSTM(3, 4), [R(5, 2, 3)]),
    ("lstm_2layer_bidir", lambda nn: nn.LSTM(3, 4, num_layers=2, bidirectional=True),
     [R(5, 2, 3)]),
    ("lstm_bf", lambda nn: nn.LSTM(3, 4, batch_first=True), [R(2, 5, 3)]),
    ("lstm_nobias", lambda nn: nn.LSTM(3, 4, bias=False), [R(5, 2, 3)]),
    ("lstm_proj", lambda nn: nn.LSTM(3, 5, proj_size=2, num_layers=2), [R(4, 2, 3)]),
    ("lstm_unbatched", lambda nn: nn.LSTM(3, 4), [R(5, 3)]),
    ("gru", lambda nn: nn.GRU(3, 4), [R(5, 2, 3)]),
    ("gru_bf_3layer_bidir", lambda nn: nn.GRU(3, 4, 3, batch_first=True, bidirectional=True),
     [R(2, 5, 3)]),
    ("gru_unbatched", lambda nn: nn.GRU(3, 4, bidirectional=True), [R(5, 3)]),
]


@pytest.mark.parametrize("name,make,arrays", RNNS, ids=[c[0] for c in RNNS])
def test_rnn_matches_pytorch(torch, name, make, arrays):
    check_module(torch, make, arrays, rtol=1e-8, atol=1e-9)


def test_rnn_initial_state(torch):
    h0 = R(2, 2, 4, seed=3)
    c0 = R(2, 2, 4, seed=4)
    check_module(torch, lambda nn: nn.LSTM(3, 4, num_layers=2), [R(5, 2, 3), h0, c0],
                 call=lambda m, xs: m(xs[0], (xs[1], xs[2])), rtol=1e-8, atol=1e-9)
    check_module(torch, lambda nn: nn.GRU(3, 4, bidirectional=True), [R(5, 2, 3), R(2, 2, 4)],
                 rtol=1e-8, atol=1e-9)
    check_module(torch, lambda nn: nn.RNN(3, 4), [R(5, 3), R(1, 4)], rtol=1e-8, atol=1e-9)


def test_rnn_cells(torch):
    for mk, n in ((lambda nn: nn.RNNCell(3, 4), 1), (lambda nn: nn.GRUCell(3, 4), 1),
                  (lambda nn: nn.LSTMCell(3, 4), 2)):
        arrays = [R(2, 3)] + [R(2, 4, seed=k + 1) for k in range(n)]
        call = (lambda m, xs: m(xs[0], (xs[1], xs[2]))) if n == 2 else None
        check_module(torch, mk, arrays, call=call, names=False, rtol=1e-8, atol=1e-9)


def test_rnn_errors(torch):
    same_error(torch, lambda t: t.nn.LSTM(3, 4)(t.zeros(2, 3, 5)), RuntimeError)
    same_error(torch, lambda t: t.nn.GRU(3, 4)(t.zeros(5, 2, 3), t.zeros(2, 2, 4)),
               RuntimeError)
    same_error(torch, lambda t: t.nn.RNN(3, 4)(t.zeros(5, 2, 2, 3)), ValueError)
    same_error(torch, lambda t: t.nn.LSTM(3, 4, proj_size=4), ValueError)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        fnn.LSTM(3, 4, dropout=0.5)


def test_rnn_dropout_between_layers():
    ft.manual_seed(0)
    m = fnn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = ft.randn(6, 2, 3)
    a, b = m(x)[0], m(x)[0]
    assert not np.allclose(_np(a), _np(b))  # training: fresh masks each call
    m.eval()
    np.testing.assert_array_equal(_np(m(x)[0]), _np(m(x)[0]))


# ---- functional -----------------------------------------------------------------------------

FUNCTIONAL = [
    ("linear", lambda F, t, x, w, b: F.linear(x, w, b), [R(4, 5), R(3, 5, seed=1), R(3, seed=2)]),
    ("conv2d_fn", lambda F, t, x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
     [R(2, 3, 7, 7), R(4, 3, 3, 3, seed=1), R(4, seed=2)]),
    ("conv2d_weight_only", lambda F, t, x, w: F.conv2d(x, w, groups=3),
     [R(2, 6, 5, 5), R(6, 2, 2, 2, seed=1)]),
    ("conv_transpose1d", lambda F, t, x, w: F.conv_transpose1d(x, w, stride=3, padding=1),
     [R(2, 3, 5), R(3, 2, 4, seed=1)]),
    ("max_pool2d_indices", lambda F, t, x: F.max_pool2d(x, 3, 2, 1, return_indices=True),
     [R(2, 3, 9, 9)]),
    ("max_pool1d_indices", lambda F, t, x: F.max_pool1d(x, 3, 2, return_indices=True),
     [R(2, 3, 9)]),
    ("avg_pool2d", lambda F, t, x: F.avg_pool2d(x, (2, 3), (1, 2)), [R(2, 3, 6, 8)]),
    ("adaptive_max_pool2d_idx", lambda F, t, x: F.adaptive_max_pool2d(x, (2, 3), True),
     [R(2, 3, 7, 8)]),
    ("pad_constant", lambda F, t, x: F.pad(x, (1, 2, 0, 3), value=0.5), [R(2, 3, 4)]),
    ("pad_reflect", lambda F, t, x: F.pad(x, (1, 2, 2, 1), mode="reflect"), [R(2, 3, 4, 5)]),
    ("pad_replicate", lambda F, t, x: F.pad(x, (1, 2, 2, 1), mode="replicate"), [R(2, 3, 4, 5)]),
    ("pad_circular", lambda F, t, x: F.pad(x, (1, 2, 2, 1), mode="circular"), [R(2, 3, 4, 5)]),
    ("batch_norm_eval", lambda F, t, x, m, v, w, b: F.batch_norm(x, m.detach(), v.detach(), w,
                                                                 b),
     [R(4, 3, 2), R(3, seed=1), R(3, seed=2, lo=0.5, hi=2), R(3, seed=3), R(3, seed=4)]),
    ("layer_norm", lambda F, t, x, w, b: F.layer_norm(x, (4,), w, b),
     [R(3, 4), R(4, seed=1), R(4, seed=2)]),
    ("group_norm", lambda F, t, x, w, b: F.group_norm(x, 3, w, b),
     [R(2, 6, 3), R(6, seed=1), R(6, seed=2)]),
    ("embedding_fn", lambda F, t, w: F.embedding(t.tensor([[0, 2], [4, 2]]), w, padding_idx=0),
     [R(5, 3)]),
    ("softmax_dtype", lambda F, t, x: F.softmax(x, -1, dtype=t.float32), [R(3, 4)]),
    ("log_softmax", lambda F, t, x: F.log_softmax(x, 0), [R(3, 4)]),
    ("normalize", lambda F, t, x: F.normalize(x, dim=1), [R(3, 4)]),
    ("cosine_similarity", lambda F, t, a, b: F.cosine_similarity(a, b), [R(3, 4), R(3, 4, seed=1)]),
    ("one_hot", lambda F, t: F.one_hot(t.tensor([0, 3, 1]), 5), []),
    ("relu_fn", lambda F, t, x: F.relu(x), [R(3, 4)]),
    ("leaky_relu_fn", lambda F, t, x: F.leaky_relu(x, 0.3), [R(3, 4)]),
    ("gelu_fn", lambda F, t, x: F.gelu(x), [R(3, 4)]),
    ("interpolate_nearest", lambda F, t, x: F.interpolate(x, scale_factor=2), [R(1, 2, 3, 4)]),
    ("interpolate_size", lambda F, t, x: F.interpolate(x, size=(5, 7)), [R(1, 2, 3, 4)]),
    ("pixel_shuffle", lambda F, t, x: F.pixel_shuffle(x, 2), [R(1, 8, 3, 3)]),
    ("sdpa", lambda F, t, q, k, v: F.scaled_dot_product_attention(q, k, v),
     [R(2, 3, 4, 8), R(2, 3, 5, 8, seed=1), R(2, 3, 5, 6, seed=2)]),
    ("sdpa_causal_scale", lambda F, t, q, k, v: F.scaled_dot_product_attention(
        q, k, v, is_causal=True, scale=0.3), [R(2, 4, 8), R(2, 4, 8, seed=1), R(2, 4, 6, seed=2)]),
    ("sdpa_bool_mask", lambda F, t, q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=t.tensor([[True, False, True], [True, True, False]])),
     [R(3, 2, 4), R(3, 3, 4, seed=1), R(3, 3, 5, seed=2)]),
    ("sdpa_gqa", lambda F, t, q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
     [R(2, 4, 3, 8), R(2, 2, 5, 8, seed=1), R(2, 2, 5, 6, seed=2)]),
    ("sdpa_float_mask", lambda F, t, q, k, v, m: F.scaled_dot_product_attention(
        q, k, v, attn_mask=m.detach()), [R(3, 2, 4), R(3, 3, 4, seed=1), R(3, 3, 5, seed=2),
                                         R(2, 3, seed=3)]),
]


@pytest.mark.parametrize("name,fn,arrays", FUNCTIONAL, ids=[c[0] for c in FUNCTIONAL])
def test_functional_matches_pytorch(torch, name, fn, arrays):
    rtol = 1e-6 if name == "softmax_dtype" else 1e-9  # through float32
    check_fn(torch, fn, arrays, rtol=rtol, names=name not in ("pad_circular", "pixel_shuffle",
                                                   "interpolate_size", "interpolate_nearest"))


def test_max_pool_ties_take_the_first_maximum(torch):
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = 1.0
    check_fn(torch, lambda F, t, x: F.max_pool2d(x, 2, return_indices=True), [x])
    check_fn(torch, lambda F, t, x: F.relu(x), [x - 1])


def test_batch_norm_training_running_stats(torch):
    tm, fm = check_module(torch, lambda nn: nn.BatchNorm2d(3, momentum=0.2), [R(4, 3, 2, 2)])
    for k in range(3):
        x = R(4, 3, 2, 2, seed=10 + k)
        tm(torch.tensor(x))
        fm(ft.tensor(x))
    for (n, a), (_, b) in zip(tm.named_buffers(), fm.named_buffers()):
        _close(a, b, 1e-12, 1e-14, n)
    tm.eval()
    fm.eval()
    x = R(4, 3, 2, 2, seed=20)
    _close(tm(torch.tensor(x)), fm(ft.tensor(x)), 1e-12, 1e-14, "eval output")
    assert int(fm.num_batches_tracked) == 4


def test_batch_norm_errors(torch):
    same_error(torch, lambda t: t.nn.BatchNorm1d(3)(t.zeros(1, 3)), ValueError)
    same_error(torch, lambda t: t.nn.BatchNorm2d(3)(t.zeros(2, 3, 4)), ValueError)
    same_error(torch, lambda t: t.nn.BatchNorm1d(3)(t.zeros(4, 3, 2, 2)), ValueError)


def test_layer_errors(torch):
    same_error(torch, lambda t: t.nn.Linear(4, 3)(t.zeros(2, 5)), RuntimeError)
    same_error(torch, lambda t: t.nn.Linear(4, 3)(t.zeros(2, 4, dtype=t.float64)), RuntimeError)
    same_error(torch, lambda t: t.nn.Conv2d(3, 4, 3)(t.zeros(1, 2, 5, 5)), RuntimeError)
    same_error(torch, lambda t: t.nn.Conv2d(3, 4, 3)(t.zeros(5, 5)), RuntimeError)
    same_error(torch, lambda t: t.nn.Conv2d(3, 4, 7)(t.zeros(1, 3, 5, 5)), RuntimeError)
    same_error(torch, lambda t: t.nn.Conv2d(3, 4, 3, stride=2, padding="same"), ValueError)
    same_error(torch, lambda t: t.nn.Conv2d(3, 4, 3, groups=2), ValueError)
    same_error(torch, lambda t: t.nn.Conv2d(4, 3, 3, groups=2), ValueError)
    with pytest.raises(ValueError, match="padding_mode must be one of"):  # (a set: any order)
        fnn.Conv2d(4, 4, 3, padding_mode="zero")
    same_error(torch, lambda t: t.nn.LayerNorm(4)(t.zeros(2, 5)), RuntimeError)
    same_error(torch, lambda t: t.nn.GroupNorm(2, 3), ValueError)
    same_error(torch, lambda t: t.nn.Embedding(5, 2, padding_idx=5), AssertionError)
    same_error(torch, lambda t: t.nn.MaxPool2d(2, padding=2)(t.zeros(1, 1, 8, 8)),
               RuntimeError)
    same_error(torch, lambda t: t.nn.functional.hardtanh(t.zeros(2), 1.0, 0.0), ValueError)


# ---- losses ---------------------------------------------------------------------------------

REDUCTIONS = ["mean", "sum", "none"]


def _loss_cases():
    x, y = R(4, 5), R(4, 5, seed=1)
    p = R(4, 5, lo=0.05, hi=0.95, seed=2)
    t01 = R(4, 5, lo=0.0, hi=1.0, seed=3)
    cls = np.array([1, 0, 4, 2])
    w = R(5, lo=0.2, hi=2.0, seed=4)
    probs = np.exp(R(4, 5, seed=5))
    probs /= probs.sum(1, keepdims=True)
    cases = []
    for red in REDUCTIONS:
        cases += [
            (f"mse_{red}", lambda nn, r=red: nn.MSELoss(reduction=r), [x, y]),
            (f"l1_{red}", lambda nn, r=red: nn.L1Loss(reduction=r), [x, y]),
            (f"smoothl1_{red}", lambda nn, r=red: nn.SmoothL1Loss(reduction=r, beta=0.5), [x, y]),
            (f"huber_{red}", lambda nn, r=red: nn.HuberLoss(reduction=r, delta=0.7), [x, y]),
            (f"ce_{red}", lambda nn, r=red: nn.CrossEntropyLoss(reduction=r), [x, cls]),
            (f"ce_weight_ignore_{red}", lambda nn, r=red: nn.CrossEntropyLoss(
                weight=_T(nn, w), ignore_index=4, reduction=r), [x, cls]),
            (f"ce_smooth_{red}", lambda nn, r=red: nn.CrossEntropyLoss(
                label_smoothing=0.2, reduction=r), [x, cls]),
            (f"ce_smooth_weight_{red}", lambda nn, r=red: nn.CrossEntropyLoss(
                weight=_T(nn, w), label_smoothing=0.1, ignore_index=0, reduction=r), [x, cls]),
            (f"ce_probs_{red}", lambda nn, r=red: nn.CrossEntropyLoss(reduction=r), [x, probs]),
            (f"ce_probs_smooth_weight_{red}", lambda nn, r=red: nn.CrossEntropyLoss(
                weight=_T(nn, w), label_smoothing=0.3, reduction=r), [x, probs]),
            (f"ce_nd_{red}", lambda nn, r=red: nn.CrossEntropyLoss(reduction=r),
             [R(2, 5, 3, 2), I(5, 2, 3, 2)]),
            (f"nll_{red}", lambda nn, r=red: nn.NLLLoss(reduction=r), [x, cls]),
            (f"nll_weight_{red}", lambda nn, r=red: nn.NLLLoss(weight=_T(nn, w), reduction=r,
                                                                ignore_index=1), [x, cls]),
            (f"nll_nd_{red}", lambda nn, r=red: nn.NLLLoss(reduction=r),
             [R(2, 5, 3), I(5, 2, 3)]),
            (f"bce_{red}", lambda nn, r=red: nn.BCELoss(reduction=r), [p, t01]),
            (f"bce_weight_{red}", lambda nn, r=red: nn.BCELoss(weight=_T(nn, w), reduction=r),
             [p, t01]),
            (f"bcelogits_{red}", lambda nn, r=red: nn.BCEWithLogitsLoss(reduction=r), [x, t01]),
            (f"bcelogits_posw_{red}", lambda nn, r=red: nn.BCEWithLogitsLoss(
                pos_weight=_T(nn, w), weight=_T(nn, w[::-1].copy()), reduction=r), [x * 5, t01]),
            (f"kldiv_{red}", lambda nn, r=red: nn.KLDivLoss(reduction=r),
             [np.log(probs), probs[::-1].copy()]),
            (f"kldiv_logt_{red}", lambda nn, r=red: nn.KLDivLoss(reduction=r, log_target=True),
             [np.log(probs), np.log(probs[::-1].copy())]),
            (f"cosemb_{red}", lambda nn, r=red: nn.CosineEmbeddingLoss(margin=0.1, reduction=r),
             [x, y, np.array([1, -1, -1, 1])]),
        ]
    cases += [
        ("ce_unbatched", lambda nn: nn.CrossEntropyLoss(), [R(5), np.array(3)]),
        ("ce_all_ignored", lambda nn: nn.CrossEntropyLoss(ignore_index=1), [R(2, 3),
                                                                             np.array([1, 1])]),
        ("kldiv_batchmean", lambda nn: nn.KLDivLoss(reduction="batchmean"),
         [np.log(probs), probs[::-1].copy()]),
        ("margin_ranking", lambda nn: nn.MarginRankingLoss(0.2), [R(4), R(4, seed=1),
                                                                  np.array([1., -1., 1., -1.])]),
        ("soft_margin", lambda nn: nn.SoftMarginLoss(), [x, np.sign(y)]),
        ("poisson_nll", lambda nn: nn.PoissonNLLLoss(), [x, np.abs(y)]),
        ("gaussian_nll", lambda nn: nn.GaussianNLLLoss(), [x, y, np.abs(R(4, 5, seed=9)) + .1]),
        ("triplet", lambda nn: nn.TripletMarginLoss(), [x, y, R(4, 5, seed=8)]),
        ("multilabel_soft_margin", lambda nn: nn.MultiLabelSoftMarginLoss(),
         [x, (t01 > 0.5).astype(np.float64)]),
        ("multi_margin", lambda nn: nn.MultiMarginLoss(), [x, cls]),
        ("hinge_embedding", lambda nn: nn.HingeEmbeddingLoss(), [x, np.sign(y)]),
    ]
    return cases


def _T(nn, a):
    mod = ft if nn is fnn else __import__("torch")
    return mod.tensor(a)


LOSSES = _loss_cases()
_LOSS_NAME_EXEMPT = ("margin_ranking", "soft_margin", "poisson", "gaussian", "triplet",
                     "multilabel", "multi_margin", "hinge")


@pytest.mark.parametrize("name,make,arrays", LOSSES, ids=[c[0] for c in LOSSES])
def test_loss_matches_pytorch(torch, name, make, arrays):
    warnings.filterwarnings("ignore", "reduction: 'mean' divides")  # kl_div's, in both
    t_in, f_in = _pair_inputs(torch, arrays, False)
    t_in[0].requires_grad_(True)
    f_in[0].requires_grad_(True)
    tm, fm = make(torch.nn), make(fnn)
    assert repr(fm) == repr(tm)
    assert list(fm.state_dict()) == list(tm.state_dict())
    a, b = tm(*t_in), fm(*f_in)
    _close(a, b, 1e-9, 1e-12, name)
    if not name.startswith(_LOSS_NAME_EXEMPT):
        assert _name(b) == _name(a)
    g = R(*a.shape, seed=11)
    a.backward(torch.tensor(g))
    b.backward(ft.tensor(g))
    _close(t_in[0].grad, f_in[0].grad, 1e-8, 1e-11, name + " grad")


def test_losses_float32_and_functional_forms(torch):
    x, y = R(6, 4, dtype=np.float32), R(6, 4, seed=1, dtype=np.float32)
    cls = np.array([0, 3, 1, 1, 2, 0])
    check_fn(torch, lambda F, t, x, y: F.mse_loss(x, y), [x, y], rtol=1e-5, atol=1e-6)
    check_fn(torch, lambda F, t, x: F.cross_entropy(x, t.tensor(cls)), [x], rtol=1e-5,
             atol=1e-6)
    check_fn(torch, lambda F, t, x: F.nll_loss(F.log_softmax(x, 1), t.tensor(cls)), [x],
             rtol=1e-5, atol=1e-6)
    check_fn(torch, lambda F, t, x, y: F.binary_cross_entropy_with_logits(x, y.sigmoid()),
             [x, y], rtol=1e-5, atol=1e-6)
    check_fn(torch, lambda F, t, x, y: F.l1_loss(x, y, weight=y.abs()), [x, y], rtol=1e-5,
             atol=1e-6, names=False)


def test_loss_legacy_and_invalid_reduction(torch):
    x, y = R(3, 2), R(3, 2, seed=1)
    with pytest.warns(UserWarning) as a:
        ta = torch.nn.MSELoss(size_average=False)(torch.tensor(x), torch.tensor(y))
    with pytest.warns(UserWarning) as b:
        fa = fnn.MSELoss(size_average=False)(ft.tensor(x), ft.tensor(y))
    assert str(a[0].message) == str(b[0].message)
    _close(ta, fa, 1e-12, 0, "legacy sum")
    same_error(torch, lambda t: t.nn.functional.mse_loss(t.zeros(2), t.zeros(2), reduction="x"),
               ValueError)
    with pytest.warns(UserWarning) as a:
        torch.nn.functional.mse_loss(torch.zeros(3, 1), torch.zeros(3))
    with pytest.warns(UserWarning) as b:
        fF.mse_loss(ft.zeros(3, 1), ft.zeros(3))
    assert str(a[0].message) == str(b[0].message)


def test_loss_errors(torch):
    same_error(torch, lambda t: t.nn.functional.cross_entropy(t.zeros(4, 3),
                                                              t.tensor([0, 1, 5, 0])), IndexError)
    same_error(torch, lambda t: t.nn.functional.cross_entropy(t.zeros(4, 3),
                                                              t.tensor([0, 1, 2])), ValueError)
    same_error(torch, lambda t: t.nn.functional.nll_loss(t.zeros(4, 3), t.tensor([0, -2, 1, 0])),
               IndexError)
    same_error(torch, lambda t: t.nn.functional.binary_cross_entropy(t.zeros(4), t.zeros(4, 1)),
               ValueError)
    same_error(torch, lambda t: t.nn.functional.binary_cross_entropy_with_logits(
        t.zeros(4), t.zeros(4, 1)), ValueError)
    same_error(torch, lambda t: t.nn.functional.binary_cross_entropy(t.full((2,), 2.0),
                                                                     t.zeros(2)), RuntimeError)


# ---- Module ---------------------------------------------------------------------------------

def _net(nn):
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)
            self.register_buffer("steps", _zeros(nn)(1))
            self.register_buffer("scratch", _zeros(nn)(2), persistent=False)

        def forward(self, x):
            return self.lin(x)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Block()
            self.shared = nn.Linear(3, 2)
            self.b = nn.Sequential(Block(), nn.ReLU(), self.shared)
            self.scale = nn.Parameter(_ones(nn)(2))
            self.none_param = None
            self.register_parameter("gone", None)
            self.alias = self.a  # the same module twice

        def forward(self, x):
            return self.shared(self.b[0](self.a(x))) * self.scale

    return Net()


def _zeros(nn):
    return (ft if nn is fnn else __import__("torch")).zeros


def _ones(nn):
    return (ft if nn is fnn else __import__("torch")).ones


def test_module_traversal_matches_pytorch(torch):
    tm, fm = _net(torch.nn), _net(fnn)
    assert repr(fm) == repr(tm)
    for f in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(fm, f)()] == [n for n, _ in getattr(tm, f)()], f
    assert [n for n, _ in fm.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in tm.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in fm.named_modules(remove_duplicate=False)] == \
        [n for n, _ in tm.named_modules(remove_duplicate=False)]
    assert [n for n, _ in fm.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in tm.named_parameters(prefix="m", recurse=False)]
    assert [n for n, _ in fm.named_modules(prefix="root")] == \
        [n for n, _ in tm.named_modules(prefix="root")]
    assert len(list(fm.parameters())) == len(list(tm.parameters()))
    assert len(list(fm.buffers())) == len(list(tm.buffers()))
    assert len(list(fm.children())) == len(list(tm.children()))
    assert len(list(fm.modules())) == len(list(tm.modules()))
    assert list(fm.state_dict()) == list(tm.state_dict())
    assert list(fm.state_dict(prefix="p.")) == list(tm.state_dict(prefix="p."))
    assert fm.state_dict()._metadata.keys() == tm.state_dict()._metadata.keys()
    assert dict(fm.state_dict()._metadata) == dict(tm.state_dict()._metadata)
    assert fm.get_submodule("b.0.lin") is fm.b[0].lin
    assert fm.get_parameter("b.2.weight") is fm.shared.weight
    assert fm.get_buffer("a.steps") is fm.a.steps
    assert sorted(n for n in dir(fm) if not n.startswith("_")) == \
        sorted(n for n in dir(tm) if not n.startswith("_") and n in dir(fm))


def test_state_dict_roundtrip_and_errors(torch):
    tm, fm = _net(torch.nn), _net(fnn)
    _copy_state(tm, fm)
    x = R(2, 3, dtype=np.float32)
    _close(tm(torch.tensor(x)), fm(ft.tensor(x)), 1e-6, 1e-7, "after load")
    sd = fm.state_dict()
    assert all(not v.requires_grad for v in sd.values())
    assert fm.state_dict(keep_vars=True)["scale"] is fm.scale
    assert sd["scale"].data_ptr() == fm.scale.data_ptr()  # shares storage, as PyTorch's

    def broken(t):
        nn = t.nn
        m = _net(nn)
        d = OrderedDict((k, v.clone()) for k, v in m.state_dict().items())
        del d["a.lin.bias"]
        d["extra.weight"] = t.zeros(1)
        d["a.unknown"] = t.zeros(1)
        d["shared.weight"] = t.zeros(3, 3)
        return m, d

    for strict in (True, False):
        (tm2, td), (fm2, fd) = broken(torch), broken(ft)
        if strict:
            with pytest.raises(RuntimeError) as a:
                tm2.load_state_dict(td)
            with pytest.raises(RuntimeError) as b:
                fm2.load_state_dict(fd)
            assert str(b.value) == str(a.value)
        else:
            with pytest.raises(RuntimeError) as a:
                tm2.load_state_dict(td, strict=False)
            with pytest.raises(RuntimeError) as b:
                fm2.load_state_dict(fd, strict=False)
            assert str(b.value) == str(a.value)
            del td["shared.weight"], fd["shared.weight"]
            ra, rb = tm2.load_state_dict(td, strict=False), fm2.load_state_dict(fd, strict=False)
            assert repr(rb) == repr(ra)
            assert rb.missing_keys == ra.missing_keys and rb.unexpected_keys == \
                ra.unexpected_keys
    same_error(torch, lambda t: t.nn.Linear(2, 2).load_state_dict([1]), TypeError)
    same_error(torch, lambda t: t.nn.Linear(2, 2).load_state_dict({"weight": 1, "bias":
                                                                   t.zeros(2)}), RuntimeError)
    # assign=True puts the given tensors in place
    m = fnn.Linear(2, 2)
    w = ft.ones(2, 2)
    m.load_state_dict({"weight": w, "bias": ft.zeros(2)}, assign=True)
    assert isinstance(m.weight, fnn.Parameter) and m.weight.data_ptr() == w.data_ptr()


def test_batchnorm_state_dict_without_num_batches_tracked(torch):
    for lib, nn in ((torch, torch.nn), (ft, fnn)):
        m = nn.BatchNorm1d(3)
        sd = {k: v for k, v in m.state_dict().items() if k != "num_batches_tracked"}
        assert repr(m.load_state_dict(sd)) == "<All keys matched successfully>"


def test_setattr_registration_and_errors(torch):
    def scenario(t):
        m = t.nn.Module()
        m.w = t.nn.Parameter(t.zeros(2))
        m.sub = t.nn.Linear(1, 1)
        m.register_buffer("buf", t.zeros(1))
        m.plain = 3
        out = [sorted(m._parameters), sorted(m._modules), sorted(m._buffers)]
        m.buf = t.ones(1)  # a tensor assigned to a buffer name stays a buffer
        m.w = None
        out.append((m.w, sorted(m._parameters)))
        m.sub = None
        out.append(sorted(m._modules.items()))
        del m.buf
        out.append(sorted(m._buffers))
        return out
    assert repr(scenario(ft)) == repr(scenario(torch))

    def assign(fn):
        return lambda t: fn(t, t.nn.Linear(2, 2))
    same_error(torch, assign(lambda t, m: setattr(m, "weight", t.zeros(2, 2))), TypeError)
    same_error(torch, assign(lambda t, m: setattr(m, "weight", 3)), TypeError)
    same_error(torch, assign(lambda t, m: m.register_buffer("weight", t.zeros(1))), KeyError)
    same_error(torch, assign(lambda t, m: m.register_buffer("a.b", t.zeros(1))), KeyError)
    same_error(torch, assign(lambda t, m: m.register_buffer("", t.zeros(1))), KeyError)
    same_error(torch, assign(lambda t, m: m.register_buffer("x", 3)), TypeError)
    same_error(torch, assign(lambda t, m: m.register_parameter("x", t.zeros(1))), TypeError)
    same_error(torch, assign(lambda t, m: m.register_parameter(
        "x", t.nn.Parameter(t.zeros(1)) * 2)), TypeError)
    same_error(torch, assign(lambda t, m: m.add_module("x", 3)), TypeError)
    same_error(torch, assign(lambda t, m: m.add_module("a.b", t.nn.ReLU())), KeyError)
    same_error(torch, assign(lambda t, m: m.nonexistent), AttributeError)
    same_error(torch, assign(lambda t, m: m.register_module("bias", t.nn.ReLU())), KeyError)

    class Early:
        def __init__(self, t):
            class M(t.nn.Module):
                def __init__(self):
                    self.p = t.nn.Parameter(t.zeros(1))
            M()
    same_error(torch, Early, AttributeError)
    same_error(torch, lambda t: t.nn.Module()(1), NotImplementedError)


def test_train_eval_zero_grad_apply_requires_grad(torch):
    for nn in (torch.nn, fnn):
        m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
        assert m.training and all(c.training for c in m.modules())
        assert m.eval() is m and not any(c.training for c in m.modules())
        m.train()
        assert all(c.training for c in m.modules())
        with pytest.raises(ValueError, match="training mode is expected to be boolean"):
            m.train("yes")
        seen = []
        assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
        assert seen == ["Linear", "Dropout", "BatchNorm1d", "Sequential", "Sequential"]
        x = (ft if nn is fnn else torch).ones(3, 2)
        m(x).sum().backward()
        assert all(p.grad is not None for p in m.parameters())
        m.zero_grad(set_to_none=False)
        assert all(float(p.grad.abs().sum()) == 0 for p in m.parameters())
        m.zero_grad()
        assert all(p.grad is None for p in m.parameters())
        m.requires_grad_(False)
        assert not any(p.requires_grad for p in m.parameters())


def test_to_float_double_half(torch):
    m = fnn.Sequential(fnn.Linear(2, 3), fnn.BatchNorm1d(3))
    w = m[0].weight
    m(ft.ones(4, 2)).sum().backward()
    assert m.double() is m
    assert m[0].weight is w and w.dtype is ft.float64 and w.grad.dtype is ft.float64
    assert m[1].running_mean.dtype is ft.float64
    assert m[1].num_batches_tracked.dtype is ft.int64
    m.to(ft.float32)
    assert w.dtype is ft.float32
    m.to("cpu")
    m.to(ft.device("cpu"), ft.float64)
    assert w.dtype is ft.float64
    m.half()
    assert w.dtype is ft.float16
    m.float()
    assert m.cpu() is m and w.dtype is ft.float32
    same_error(torch, lambda t: t.nn.Linear(2, 2).to(t.int32), TypeError)
    same_error(torch, lambda t: t.nn.Linear(2, 2).cuda(), (AssertionError, RuntimeError))


def test_forward_hooks(torch):
    def run(t):
        log = []
        m = t.nn.Linear(2, 2)
        h1 = m.register_forward_pre_hook(lambda mod, args: log.append(("pre", len(args))))
        h2 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
        h3 = m.register_forward_hook(lambda mod, args, out: log.append(("post", tuple(
            out.shape))))
        h4 = m.register_forward_hook(lambda mod, args, out: out + 1, prepend=True)
        h5 = m.register_forward_pre_hook(
            lambda mod, args, kwargs: (args, kwargs), with_kwargs=True)
        out = m(t.ones(3, 2))
        log.append(bool((out == m.bias + 1).all()))
        for h in (h1, h2, h3, h4, h5):
            h.remove()
        with m.register_forward_hook(lambda mod, a, o: log.append("ctx")):
            m(t.ones(1, 2))
        m(t.ones(1, 2))
        return log
    assert run(ft) == run(torch)
    same_error(torch, _bad_pre_hook, RuntimeError)


def _bad_pre_hook(t):
    m = t.nn.Linear(1, 1)
    m.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
    m(t.ones(1))


def test_global_forward_hooks():
    calls = []
    h = fnn.modules.module.register_module_forward_hook(lambda m, a, o: calls.append(
        type(m).__name__))
    try:
        fnn.Sequential(fnn.ReLU())(ft.ones(1))
    finally:
        h.remove()
    fnn.ReLU()(ft.ones(1))
    assert calls == ["ReLU", "Sequential"]


def test_parameter(torch):
    for lib in (torch, ft):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        assert p.requires_grad and p.is_leaf and isinstance(p, lib.Tensor)
        assert type(p).__name__ == "Parameter"
        assert type(p * 2).__name__ == "Tensor"
        assert type(p.data).__name__ == "Tensor"
        q = lib.nn.Parameter(lib.zeros(2), requires_grad=False)
        assert not q.requires_grad
    assert repr(ft.nn.Parameter(ft.tensor([1.0, 2.0]))) == \
        repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert str(ft.nn.Parameter(ft.zeros(2, 2, dtype=ft.float64))) == \
        str(torch.nn.Parameter(torch.zeros(2, 2, dtype=torch.float64)))
    assert repr(ft.nn.Parameter()) == repr(torch.nn.Parameter())
    base = ft.zeros(3)
    p = fnn.Parameter(base)
    base[0] = 5.0
    assert float(p[0]) == 5.0  # shares storage
    c = copy.deepcopy(p)
    assert type(c) is fnn.Parameter and c.requires_grad and c.data_ptr() != p.data_ptr()
    r = pickle.loads(pickle.dumps(p))
    assert type(r) is fnn.Parameter and float(r[0]) == 5.0
    same_error(torch, lambda t: t.nn.Parameter(t.tensor([1, 2])), RuntimeError)


def test_deepcopy_and_pickle_module():
    m = fnn.Sequential(fnn.Linear(2, 3), fnn.BatchNorm1d(3))
    m2 = copy.deepcopy(m)
    assert repr(m2) == repr(m)
    assert all(a.data_ptr() != b.data_ptr() for a, b in zip(m.parameters(), m2.parameters()))
    for a, b in zip(m.state_dict().values(), m2.state_dict().values()):
        np.testing.assert_array_equal(_np(a), _np(b))
    m3 = pickle.loads(pickle.dumps(m))
    x = ft.randn(4, 2)
    np.testing.assert_array_equal(_np(m3(x)), _np(m(x)))


# ---- containers -----------------------------------------------------------------------------

def test_sequential(torch):
    def build(nn):
        return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))

    for f in (lambda s, nn: s[1], lambda s, nn: s[-1], lambda s, nn: s[1:],
              lambda s, nn: s[::2], lambda s, nn: len(s),
              lambda s, nn: s.append(nn.Tanh()), lambda s, nn: s.insert(1, nn.Sigmoid()),
              lambda s, nn: s.insert(-1, nn.Sigmoid()),
              lambda s, nn: s.extend([nn.Tanh(), nn.ReLU()]),
              lambda s, nn: (s.pop(0), s), lambda s, nn: (s.__delitem__(slice(0, 2)), s),
              lambda s, nn: s + build(nn), lambda s, nn: s * 2,
              lambda s, nn: (s.__setitem__(1, nn.GELU()), s)):
        assert repr(f(build(fnn), fnn)) == repr(f(build(torch.nn), torch.nn))
    od = lambda nn: nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert repr(od(fnn)) == repr(od(torch.nn))
    assert repr(od(fnn)[1:]) == repr(od(torch.nn)[1:])
    same_error(torch, lambda t: build(t.nn)[3], IndexError)
    same_error(torch, lambda t: build(t.nn) + 3, ValueError)
    same_error(torch, lambda t: build(t.nn) * 0, ValueError)
    check_module(torch, build, [R(5, 2)])


def test_module_list_and_dict(torch):
    def ml(nn):
        return nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU()])
    assert repr(ml(fnn)) == repr(ml(torch.nn))
    for f in (lambda m, nn: m[1:3], lambda m, nn: m.append(nn.Tanh()),
              lambda m, nn: m.extend([nn.ReLU()]), lambda m, nn: (m.insert(0, nn.ReLU()), m),
              lambda m, nn: (m.pop(1), m), lambda m, nn: m + ml(nn),
              lambda m, nn: (m.__delitem__(0), m), lambda m, nn: [type(x).__name__ for x in m]):
        assert repr(f(ml(fnn), fnn)) == repr(f(ml(torch.nn), torch.nn))
    assert repr(fnn.ModuleList()) == repr(torch.nn.ModuleList())
    same_error(torch, lambda t: ml(t.nn)[7], IndexError)
    same_error(torch, lambda t: t.nn.ModuleList(3), TypeError)

    def md(nn):
        return nn.ModuleDict({"b": nn.Linear(2, 2), "a": nn.ReLU()})
    for f in (lambda m, nn: m, lambda m, nn: list(m), lambda m, nn: list(m.keys()),
              lambda m, nn: "a" in m, lambda m, nn: (m.update([("c", nn.Tanh())]), m),
              lambda m, nn: (m.pop("b"), m), lambda m, nn: len(m),
              lambda m, nn: [n for n, _ in m.named_parameters()]):
        assert repr(f(md(fnn), fnn)) == repr(f(md(torch.nn), torch.nn))
    same_error(torch, lambda t: md(t.nn).update([("x",)]), ValueError)


def test_parameter_list_and_dict(torch):
    def pl(t):
        return t.nn.ParameterList([t.nn.Parameter(t.zeros(2, 3)), t.ones(4)])
    assert repr(pl(ft)) == repr(pl(torch))
    assert [type(p).__name__ for p in pl(ft)] == ["Parameter", "Parameter"]
    for f in (lambda m, t: len(m), lambda m, t: m.append(t.zeros(1)),
              lambda m, t: m[1:], lambda m, t: [n for n, _ in m.named_parameters()],
              lambda m, t: m.extend([t.zeros(2, dtype=t.float64)])):
        assert repr(f(pl(ft), ft)) == repr(f(pl(torch), torch))
    same_error(torch, lambda t: pl(t)(), RuntimeError)

    def pd(t):
        return t.nn.ParameterDict({"b": t.nn.Parameter(t.zeros(2)), "a": t.ones(1, 2)})
    for f in (lambda m, t: m, lambda m, t: list(m), lambda m, t: list(m.keys()),
              lambda m, t: [n for n, _ in m.named_parameters()], lambda m, t: "a" in m,
              lambda m, t: (m.update({"c": t.zeros(3)}), m), lambda m, t: len(m),
              lambda m, t: (m.pop("b"), m), lambda m, t: m.get("zz", 1)):
        assert repr(f(pd(ft), ft)) == repr(f(pd(torch), torch))
    same_error(torch, lambda t: pd(t)[3], TypeError)


# ---- reprs ----------------------------------------------------------------------------------

REPRS = [
    lambda nn: nn.Conv2d(3, 8, 3, stride=2, padding=1, dilation=2, groups=1, bias=False),
    lambda nn: nn.Conv2d(4, 8, (3, 5), padding="same", groups=2, padding_mode="reflect"),
    lambda nn: nn.Conv1d(4, 8, 3, padding="valid"),
    lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1),
    lambda nn: nn.MaxPool2d(2), lambda nn: nn.MaxPool2d((2, 3), stride=1, ceil_mode=True),
    lambda nn: nn.MaxPool1d(3), lambda nn: nn.AvgPool2d(3, 2, 1), lambda nn: nn.AvgPool1d(3),
    lambda nn: nn.AdaptiveAvgPool2d((5, None)), lambda nn: nn.AdaptiveMaxPool2d(3),
    lambda nn: nn.BatchNorm2d(4), lambda nn: nn.BatchNorm1d(4, momentum=None, affine=False),
    lambda nn: nn.LayerNorm((2, 3)), lambda nn: nn.GroupNorm(2, 4),
    lambda nn: nn.Dropout(), lambda nn: nn.Dropout2d(0.3, inplace=True),
    lambda nn: nn.Embedding(10, 3, padding_idx=0, max_norm=1.0),
    lambda nn: nn.RNN(3, 4, 2, "relu", dropout=0.1), lambda nn: nn.GRU(3, 4, bias=False),
    lambda nn: nn.LSTM(3, 4, batch_first=True, bidirectional=True, proj_size=2),
    lambda nn: nn.LSTMCell(2, 3), lambda nn: nn.RNNCell(2, 3, nonlinearity="relu"),
    lambda nn: nn.Flatten(), lambda nn: nn.Unflatten(1, (2, 3)), lambda nn: nn.Identity(),
    lambda nn: nn.Softmax(dim=-1), lambda nn: nn.LogSoftmax(1), lambda nn: nn.Softmax(),
    lambda nn: nn.ReLU(inplace=True), lambda nn: nn.LeakyReLU(0.2), lambda nn: nn.GELU(),
    lambda nn: nn.ELU(), lambda nn: nn.Softplus(), lambda nn: nn.ReLU6(), lambda nn: nn.SiLU(),
    lambda nn: nn.Bilinear(2, 3, 4), lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1),
    lambda nn: nn.MSELoss(), lambda nn: nn.BCEWithLogitsLoss(),
    lambda nn: nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1))),
    lambda nn: nn.ModuleList([nn.Linear(1, 1)] * 3 + [nn.ReLU()] * 2),
]


@pytest.mark.parametrize("make", REPRS, ids=[f"repr{i}" for i in range(len(REPRS))])
def test_repr_matches_pytorch(torch, make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        a, b = make(torch.nn), make(fnn)
    assert repr(b) == repr(a)
    assert list(b.state_dict()) == list(a.state_dict())
    assert [tuple(p.shape) for p in b.parameters()] == [tuple(p.shape) for p in a.parameters()]


def test_custom_module_repr(torch):
    def build(nn):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 6, 5)
                self.fc = nn.Linear(16, 4)
                self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])

            def extra_repr(self):
                return "custom=1\nsecond line"
        return Net()
    assert repr(build(fnn)) == repr(build(torch.nn))


# ---- init ----------------------------------------------------------------------------------

def test_default_init_distributions():
    ft.manual_seed(0)
    lin = fnn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = _np(lin.weight), _np(lin.bias)
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    conv = fnn.Conv2d(6, 16, 5)
    cb = 1 / math.sqrt(6 * 25)
    assert np.abs(_np(conv.weight)).max() <= cb and np.abs(_np(conv.bias)).max() <= cb
    emb = _np(fnn.Embedding(1000, 50).weight)
    assert abs(emb.std() - 1) < 0.02 and abs(emb.mean()) < 0.02
    lstm = fnn.LSTM(10, 20)
    assert all(np.abs(_np(p)).max() <= 1 / math.sqrt(20) for p in lstm.parameters())
    bn = fnn.BatchNorm2d(3)
    assert _np(bn.weight).tolist() == [1, 1, 1] and _np(bn.bias).tolist() == [0, 0, 0]
    ft.manual_seed(0)
    a = _np(fnn.Linear(3, 3).weight)
    ft.manual_seed(0)
    np.testing.assert_array_equal(a, _np(fnn.Linear(3, 3).weight))


def test_init_functions(torch):
    ft.manual_seed(1)
    t = ft.empty(300, 200)
    for name, args in (("calculate_gain", ("relu",)), ("calculate_gain", ("leaky_relu", 0.2)),
                       ("calculate_gain", ("tanh",)), ("calculate_gain", ("selu",)),
                       ("calculate_gain", ("conv2d",))):
        assert getattr(fnn.init, name)(*args) == getattr(torch.nn.init, name)(*args)
    same_error(torch, lambda l: l.nn.init.calculate_gain("foo"), ValueError)
    same_error(torch, lambda l: l.nn.init.calculate_gain("leaky_relu", "x"), ValueError)
    same_error(torch, lambda l: l.nn.init.xavier_uniform_(l.empty(3)), ValueError)
    same_error(torch, lambda l: l.nn.init.kaiming_uniform_(l.empty(3, 3), mode="fan"), ValueError)
    same_error(torch, lambda l: l.nn.init.orthogonal_(l.empty(3)), ValueError)
    assert fnn.init.uniform_(t, -2, 3) is t
    v = _np(t)
    assert v.min() >= -2 and v.max() <= 3 and abs(v.mean() - 0.5) < 0.05
    fnn.init.normal_(t, 1.0, 0.5)
    assert abs(_np(t).mean() - 1) < 0.01 and abs(_np(t).std() - 0.5) < 0.01
    fnn.init.constant_(t, 0.25)
    assert (_np(t) == 0.25).all()
    fnn.init.zeros_(t)
    assert (_np(t) == 0).all()
    fnn.init.ones_(t)
    assert (_np(t) == 1).all()
    fnn.init.xavier_uniform_(t, gain=2.0)
    a = 2.0 * math.sqrt(6 / 500)
    assert np.abs(_np(t)).max() <= a and abs(_np(t).std() - a / math.sqrt(3)) < 0.02 * a
    fnn.init.xavier_normal_(t)
    assert abs(_np(t).std() - math.sqrt(2 / 500)) < 0.02 * math.sqrt(2 / 500)
    fnn.init.kaiming_uniform_(t, nonlinearity="relu")
    kb = math.sqrt(2) * math.sqrt(3 / 200)
    assert np.abs(_np(t)).max() <= kb
    fnn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    assert abs(_np(t).std() - math.sqrt(2 / 300)) < 0.02 * math.sqrt(2 / 300)
    fnn.init.trunc_normal_(t, mean=0.5, std=1.0, a=-1.0, b=1.5)
    assert _np(t).min() >= -1.0 and _np(t).max() <= 1.5
    q = ft.empty(4, 6)
    fnn.init.orthogonal_(q, gain=2.0)
    np.testing.assert_allclose(_np(q) @ _np(q).T, 4 * np.eye(4), atol=1e-5)
    q = ft.empty(6, 2, 2)
    fnn.init.orthogonal_(q)
    flat = _np(q).reshape(6, 4)
    np.testing.assert_allclose(flat.T @ flat, np.eye(4), atol=1e-5)
    e = ft.empty(3, 4)
    fnn.init.eye_(e)
    assert _np(e).tolist() == _np(torch.nn.init.eye_(torch.empty(3, 4))).tolist()
    d = ft.empty(4, 2, 3, 3)
    fnn.init.dirac_(d, groups=2)
    assert _np(d).tolist() == _np(torch.nn.init.dirac_(torch.empty(4, 2, 3, 3), 2)).tolist()
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        fnn.init.kaiming_uniform_(ft.empty(0, 3))
    p = fnn.Parameter(ft.zeros(3, 3))
    fnn.init.normal_(p)
    assert p.requires_grad and p.grad_fn is None and float(p.abs().sum()) > 0


# ---- utils ---------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["torch.relu", "F.relu", "F.relu inplace", "F.threshold"])
def test_relu_and_threshold_on_special_values_match_pytorch(torch, which):
    """x <= threshold ? value : x, as PyTorch: NaN stays NaN and passes its gradient; the
    derivative at the threshold is 0."""
    def run(lib):
        x = lib.tensor([float("nan"), 0.0, -1.0, 2.0, float("-inf"), float("inf"), -0.0, 0.5],
                       requires_grad=True)
        f = {"torch.relu": lambda v: lib.relu(v),
             "F.relu": lambda v: lib.nn.functional.relu(v),
             "F.relu inplace": lambda v: lib.nn.functional.relu(v * 1, inplace=True),
             "F.threshold": lambda v: lib.nn.functional.threshold(v, 0.5, -3.0)}[which]
        y = f(x)
        y.backward(lib.ones(8))
        return y.detach().numpy(), x.grad.numpy(), type(y.grad_fn).__name__
    for got, want in zip(run(ft), run(torch)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", range(4))
def test_max_pool_picks_what_pytorch_picks(torch, seed):
    """Random geometry (padding, dilation, strides, ceil_mode) over values with ties, NaN and
    -inf: the same values, indices and input gradients as PyTorch. A window of padding only
    (possible with dilation) gives the fill and PyTorch's index past the input; PyTorch's own
    backward writes out of bounds there, so only the forward is compared for it."""
    from funcgrad.torch.nn.functional import _first_valid
    rng = np.random.RandomState(seed)
    compared = 0
    for _ in range(40):
        nd = rng.randint(1, 3)
        k = tuple(rng.randint(1, 4) for _ in range(nd))
        s = tuple(rng.randint(1, 4) for _ in range(nd))
        d = tuple(rng.randint(1, 3) for _ in range(nd))
        p = tuple(rng.randint(0, kk // 2 + 1) for kk in k)  # PyTorch: at most half the kernel
        ceil = bool(rng.randint(2))
        sp = tuple(rng.randint(max(1, dd * (kk - 1) + 1 - 2 * pp), 8)
                   for kk, dd, pp in zip(k, d, p))
        x = rng.randint(-3, 3, size=(2, 3) + sp).astype(np.float32)  # ties
        r = rng.rand(*x.shape)
        x[r < 0.05] = np.nan
        x[(r > 0.05) & (r < 0.15)] = -np.inf
        if rng.rand() < 0.2:
            x[:] = -np.inf
        name = f"max_pool{nd}d"
        tx = torch.tensor(x, requires_grad=True)
        tv, ti = getattr(torch.nn.functional, name)(tx, k, s, p, d, ceil, True)
        fx = ft.tensor(x, requires_grad=True)
        fv, fi = getattr(ft.nn.functional, name)(fx, k, s, p, d, ceil, True)
        np.testing.assert_array_equal(fv.detach().numpy(), tv.detach().numpy())
        np.testing.assert_array_equal(fi.numpy(), ti.numpy())
        if _first_valid(k, s, p, d, tuple(tv.shape[2:]), sp)[1] is not None:
            continue
        g = rng.randn(*tv.shape).astype(np.float32)
        tv.backward(torch.tensor(g))
        fv.backward(ft.tensor(g))
        np.testing.assert_array_equal(fx.grad.numpy(), tx.grad.numpy())
        compared += 1
    assert compared > 20


def test_clip_grad(torch):
    def setup(t, nn):
        m = nn.Linear(3, 2).double()
        g = [R(2, 3), R(2, seed=1)]
        for p, gv in zip(m.parameters(), g):
            p.grad = t.tensor(gv * 10)
        return m
    for norm_type in (2.0, 1, float("inf"), 3.0):
        a, b = setup(torch, torch.nn), setup(ft, fnn)
        ta = torch.nn.utils.clip_grad_norm_(a.parameters(), 1.5, norm_type)
        fa = fnn.utils.clip_grad_norm_(b.parameters(), 1.5, norm_type)
        _close(ta, fa, 1e-12, 0, "total norm")
        for p, q in zip(a.parameters(), b.parameters()):
            _close(p.grad, q.grad, 1e-12, 1e-14, "clipped grad")
    a, b = setup(torch, torch.nn), setup(ft, fnn)
    torch.nn.utils.clip_grad_value_(a.parameters(), 2.0)
    fnn.utils.clip_grad_value_(b.parameters(), 2.0)
    for p, q in zip(a.parameters(), b.parameters()):
        _close(p.grad, q.grad, 0, 0, "clipped value")
    a, b = setup(torch, torch.nn), setup(ft, fnn)
    a.weight.grad[0, 0] = float("nan")
    b.weight.grad[0, 0] = float("nan")
    same_error(torch, lambda t: (t.nn.utils.clip_grad_norm_(
        (a if t is torch else b).parameters(), 1.0, error_if_nonfinite=True)), RuntimeError)


def test_parameters_to_vector(torch):
    for t, nn in ((torch, torch.nn), (ft, fnn)):
        m = nn.Linear(3, 2)
        v = nn.utils.parameters_to_vector(m.parameters())
        assert tuple(v.shape) == (8,) and type(v.grad_fn).__name__ == "CatBackward0"
        nn.utils.vector_to_parameters(t.arange(8.0), m.parameters())
        assert m.weight.tolist() == [[0, 1, 2], [3, 4, 5]] and m.bias.tolist() == [6, 7]


# ---- a whole network ----------------------------------------------------------------------

def _lenet(nn, F):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.flatten(1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)
    return Net()


def test_lenet_float32_matches_pytorch(torch):
    # (its speed is benchmarks/lenet.py's ratio against PyTorch, measured, never asserted)
    tm, fm = _lenet(torch.nn, torch.nn.functional), _lenet(fnn, fF)
    _copy_state(tm, fm)
    x, y = R(64, 1, 32, 32, dtype=np.float32), I(10, 64)
    crit_t, crit_f = torch.nn.CrossEntropyLoss(), fnn.CrossEntropyLoss()
    lt = crit_t(tm(torch.tensor(x)), torch.tensor(y))
    lt.backward()
    fm.zero_grad()
    lf = crit_f(fm(ft.tensor(x)), ft.tensor(y))
    lf.backward()
    _close(lt, lf, 1e-5, 1e-6, "loss")
    for (n, a), (_, b) in zip(tm.named_parameters(), fm.named_parameters()):
        _close(a.grad, b.grad, 1e-3, 1e-5, n)


def test_lenet_trains_with_manual_sgd():
    ft.manual_seed(0)
    net = _lenet(fnn, fF)
    x = ft.randn(8, 1, 32, 32)
    y = ft.randint(0, 10, (8,))
    losses = []
    for _ in range(30):   # from PyTorch's own initial numbers (seed 0): 2.309 -> 1.644
        net.zero_grad()
        loss = fF.cross_entropy(net(x), y)
        loss.backward()
        with ft.no_grad():
            for p in net.parameters():
                p -= 0.05 * p.grad
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.75


def test_linear_graph_edges():
    """AddmmBackward0's first edge is the bias's AccumulateGrad, as in PyTorch (seed 002)."""
    m = fnn.Linear(3, 2)
    x = ft.randn(4, 3)
    out = m(x)
    assert re.match(r"AddmmBackward0", type(out.grad_fn).__name__)
    assert out.grad_fn.next_functions[0][0].variable is m.bias


# ---- the seed programs, before torch.optim exists ------------------------------------------

# ---- torch.func ----------------------------------------------------------------------------

def test_functional_call_per_example_grads_match_pytorch(torch):
    from funcgrad.torch import func as ffunc

    def build(nn):
        return nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(18, 3))
    tm, fm = build(torch.nn).double(), build(fnn).double()
    _copy_state(tm, fm)
    x, y = R(4, 1, 5, 5), I(3, 4)

    def loss(func, lib, m):
        def f(params, xb, yb):
            out = func.functional_call(m, params, (xb.unsqueeze(0),))
            return lib.nn.functional.cross_entropy(out, yb.unsqueeze(0))
        return f
    tp = {k: v.detach() for k, v in tm.named_parameters()}
    fp = {k: v.detach() for k, v in fm.named_parameters()}
    tg = torch.func.vmap(torch.func.grad(loss(torch.func, torch, tm)), in_dims=(None, 0, 0))(
        tp, torch.tensor(x), torch.tensor(y))
    fg = ffunc.vmap(ffunc.grad(loss(ffunc, ft, fm)), in_dims=(None, 0, 0))(
        fp, ft.tensor(x), ft.tensor(y))
    assert list(fg) == list(tg)
    for k in tg:
        _close(tg[k], fg[k], 1e-9, 1e-12, k)
    # the module's own parameters are back in place afterwards
    assert all(type(p).__name__ == "Parameter" for p in fm.parameters())
    out = ffunc.functional_call(fm, {"3.bias": ft.zeros(3, dtype=ft.float64)}, ft.tensor(x))
    ref = tm[:3](torch.tensor(x)) @ tm[3].weight.T
    _close(ref, out, 1e-9, 1e-12, "partial dict")


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")  # inside torch.func
def test_func_transforms_match_pytorch(torch):
    from funcgrad.torch import func as ffunc
    a = R(3)
    for name, f in (("grad", lambda F, t: F.grad(lambda v: (v.sin() * v).sum())),
                    ("jacrev", lambda F, t: F.jacrev(lambda v: v.exp() * v[0])),
                    ("jacfwd", lambda F, t: F.jacfwd(lambda v: v.tanh())),
                    ("hessian", lambda F, t: F.hessian(lambda v: (v ** 3).sum() * v[1]))):
        _close(f(torch.func, torch)(torch.tensor(a)), f(ffunc, ft)(ft.tensor(a)), 1e-12, 1e-12,
               name)
    (to, tj), (fo, fj) = (torch.func.jvp(lambda v: v * v.cos(), (torch.tensor(a),),
                                         (torch.ones(3, dtype=torch.float64),)),
                          ffunc.jvp(lambda v: v * v.cos(), (ft.tensor(a),),
                                    (ft.ones(3, dtype=ft.float64),)))
    _close(to, fo, 1e-12, 0, "jvp out")
    _close(tj, fj, 1e-12, 0, "jvp tangent")
    to, tfn = torch.func.vjp(lambda v: v.exp(), torch.tensor(a))
    fo, ffn = ffunc.vjp(lambda v: v.exp(), ft.tensor(a))
    _close(tfn(torch.ones(3, dtype=torch.float64))[0], ffn(ft.ones(3, dtype=ft.float64))[0],
           1e-12, 0, "vjp")
    g, (v, aux) = ffunc.grad_and_value(lambda v: ((v * v).sum(), v.mean()), has_aux=True)(
        ft.tensor(a))
    tg, (tv, taux) = torch.func.grad_and_value(lambda v: ((v * v).sum(), v.mean()),
                                               has_aux=True)(torch.tensor(a))
    _close(tg, g, 1e-12, 0, "grad_and_value")
    _close(taux, aux, 1e-12, 0, "aux")


def test_functional_call_errors(torch):
    from funcgrad.torch import func as ffunc
    for lib, F in ((torch, torch.func), (ft, ffunc)):
        m = lib.nn.Linear(2, 2)
        with pytest.raises(RuntimeError) as e:
            F.functional_call(m, {"weight": lib.zeros(2, 2), "extra": lib.zeros(1)},
                              lib.zeros(2), strict=True)
        assert str(e.value) == ("Error(s) in reparametrizing for Linear:\n\tUnexpected "
                                "key(s): 'extra'.\n\tMissing key(s): 'bias'.")
        with pytest.raises(ValueError, match=r"\['weight'\] appeared in multiple dictionaries"):
            F.functional_call(m, ({"weight": lib.zeros(2, 2)}, {"weight": lib.zeros(2, 2)}),
                              lib.zeros(2))
