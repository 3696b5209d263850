"""The meta device against PyTorch's: tensors with a shape and a dtype only, made by factories,
`with torch.device('meta')` and `.to('meta')`; operations on them (shapes, dtypes, grad_fn);
PyTorch's errors for reading values or mixing devices; printing; and a model built on meta,
given storage by to_empty or load_state_dict(assign=True)."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import funcgrad.torch as ft
from _torch_outcome import outcome

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed: pip install "
                            "'funcgrad[oracle]'")


def _describe(L, r):
    if isinstance(r, L.Tensor):
        return repr(r), str(r.device), tuple(r.shape), str(r.dtype).rsplit(".")[-1], r.is_meta
    return r


def _outcome(L, fn):
    return outcome(L, fn, _describe)


def _m(L, *shape, dtype=None):
    return L.empty(*shape, device="meta", dtype=dtype)


CASES = {
    "empty": lambda L: _m(L, 3, 4),
    "zeros_int": lambda L: L.zeros(3, dtype=L.int64, device="meta"),
    "ones_scalar": lambda L: L.ones((), device="meta"),
    "size_zero": lambda L: _m(L, 0, 2),
    "randn": lambda L: L.randn(2, 5, device="meta"),
    "tensor": lambda L: L.tensor([1.0, 2.0], device="meta"),
    "requires_grad": lambda L: L.empty(3, device="meta", requires_grad=True),
    "float64": lambda L: _m(L, 2, dtype=L.float64),
    "to_meta": lambda L: L.arange(6.0).reshape(2, 3).to("meta"),
    "to_meta_dtype": lambda L: L.arange(6.0).to("meta", L.float64),
    "with_device": lambda L: (lambda: (L.device("meta").__enter__(), L.ones(2),
                                       L.device("meta").__exit__(None, None, None))[1])(),
    "add_scalar": lambda L: _m(L, 3) + 1,
    "mul_meta": lambda L: _m(L, 3, 1) * _m(L, 4),
    "matmul": lambda L: _m(L, 3, 4) @ _m(L, 4, 2),
    "sum": lambda L: _m(L, 3, 4).sum(0),
    "relu": lambda L: L.relu(_m(L, 5)),
    "cast": lambda L: _m(L, 5).to(L.int32),
    "view": lambda L: _m(L, 2, 6).view(3, 4),
    "grad_fn": lambda L: L.empty(3, device="meta", requires_grad=True) * 2,
    "linear": lambda L: L.nn.functional.linear(_m(L, 5, 4), _m(L, 3, 4), _m(L, 3)),
    "with_cpu_scalar": lambda L: _m(L, 3) * L.tensor(2.0),
    # errors
    "with_cpu_tensor": lambda L: _m(L, 3) + L.ones(3),
    "cpu": lambda L: _m(L, 3).cpu(),
    "tolist": lambda L: _m(L, 3).tolist(),
    "item": lambda L: _m(L, 1).item(),
    "item_many": lambda L: _m(L, 3).item(),
    "numpy": lambda L: _m(L, 3).numpy(),
    "device_attr": lambda L: (str(_m(L, 2).device), _m(L, 2).device.type, _m(L, 2).is_meta),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_meta_tensors_as_torch(name):
    assert _outcome(ft, CASES[name]) == _outcome(torch, CASES[name])


def test_meta_storage_costs_nothing():
    t = ft.empty(10_000, 10_000, device="meta")
    assert t.shape == (10_000, 10_000) and t._data.strides == (0, 0)


def _net(L):
    return L.nn.Sequential(L.nn.Linear(4, 8), L.nn.ReLU(), L.nn.Linear(8, 2))


def test_model_on_meta_then_load_state_dict_assign():
    def run(L):
        L.manual_seed(0)
        real = _net(L)
        with L.device("meta"):
            model = _net(L)
        shown = [repr(p) for p in model.parameters()]
        out_meta = repr(model(L.empty(5, 4, device="meta")))
        result = model.load_state_dict(real.state_dict(), assign=True)
        x = L.arange(8.0).reshape(2, 4) / 8
        return (shown, out_meta, str(result), [str(p.device) for p in model.parameters()],
                np.round(model(x).detach().numpy(), 5).tolist(),
                [p.requires_grad for p in model.parameters()])
    assert run(ft) == run(torch)


def test_to_empty_gives_storage_of_the_shapes():
    def run(L):
        model = _net(L).to("meta")
        model.to_empty(device="cpu")
        model.load_state_dict({k: L.ones_like(v, device="cpu") for k, v in
                               model.state_dict().items()})
        return ([(str(p.device), tuple(p.shape)) for p in model.parameters()],
                model(L.ones(1, 4)).tolist())
    assert run(ft) == run(torch)


def test_module_to_meta_and_functional_call_as_torch():
    """The model-ensembling recipe: a deep copy moved to meta is a skeleton that
    functional_call runs with real parameters."""
    def run(L):
        L.manual_seed(0)
        real = _net(L)
        base = copy.deepcopy(real).to("meta")
        params = dict(real.named_parameters())
        y = L.func.functional_call(base, params, (L.ones(3, 4),))
        return (str(base[0].weight.device), tuple(base[0].weight.shape),
                np.round(y.detach().numpy(), 5).tolist())
    assert run(ft) == run(torch)


def test_module_to_cpu_from_meta_refuses_as_torch():
    for L in (ft, torch):
        with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor"):
            _net(L).to("meta").to("cpu")


def test_meta_initialization_leaves_the_generator_alone():
    """Layers built on meta draw no numbers (PyTorch's generators are untouched), so what
    follows prints PyTorch's random values."""
    def run(L):
        L.manual_seed(0)
        with L.device("meta"):
            L.nn.Linear(3, 3)
            L.nn.Embedding(4, 2)
            L.randn(3)
        L.empty(5, device="meta").uniform_()
        return L.rand(3).tolist()
    assert run(ft) == run(torch)
