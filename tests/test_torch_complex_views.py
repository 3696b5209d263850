"""torch.view_as_real / view_as_complex / angle and Tensor.is_pinned / pin_memory against
PyTorch: values, dtypes, shared storage, grad_fn names and errors (findings from torchfunc and
torchdata)."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft
from _torch_outcome import outcome

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed: pip install "
                            "'funcgrad[oracle]'")


def _outcome(L, fn):
    return outcome(L, fn, _describe)


def _describe(L, r):
    if isinstance(r, L.Tensor):
        return (str(r.dtype).rsplit(".")[-1], tuple(r.shape),
                np.round(np.array(r.detach().tolist()), 5).tolist(),
                type(r.grad_fn).__name__ if r.grad_fn is not None else None)
    return r


def _z(L, dtype="complex64"):
    return L.tensor([1 + 1j, -2 + 0.5j, 0j], dtype=getattr(L, dtype))


CASES = {
    "angle_complex": lambda L: L.angle(_z(L)),
    "angle_complex128": lambda L: L.angle(_z(L, "complex128")),
    "angle_real": lambda L: L.angle(L.tensor([-1.0, 2.0, 0.0])),
    "angle_int": lambda L: L.angle(L.tensor([-1, 2])),
    "angle_bool": lambda L: L.angle(L.tensor([True, False])),
    "angle_method": lambda L: _z(L).angle(),
    "angle_grad_fn": lambda L: L.angle(L.tensor([1.0, -2.0], requires_grad=True)),
    "view_as_real": lambda L: L.view_as_real(_z(L)),
    "view_as_real_2d": lambda L: L.view_as_real(_z(L, "complex128").reshape(3, 1)),
    "view_as_real_grad_fn": lambda L: L.view_as_real(_z(L).requires_grad_()),
    "view_as_real_of_real": lambda L: L.view_as_real(L.ones(2)),
    "view_as_complex": lambda L: L.view_as_complex(L.tensor([[1.0, 2.0], [3.0, 4.0]])),
    "view_as_complex_double": lambda L: L.view_as_complex(L.ones(2, 2, dtype=L.float64)),
    "view_as_complex_bad_size": lambda L: L.view_as_complex(L.ones(3)),
    "view_as_complex_int": lambda L: L.view_as_complex(L.ones(2, 2, dtype=L.int64)),
    "round_trip": lambda L: L.view_as_complex(L.view_as_real(_z(L))),
    "is_pinned": lambda L: L.ones(2).is_pinned(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_complex_views_match_torch(name):
    assert _outcome(ft, CASES[name]) == _outcome(torch, CASES[name])


@pytest.mark.parametrize("fn", ["view_as_real", "view_as_complex"])
def test_views_share_storage_as_torch(fn):
    def run(L):
        src = _z(L) if fn == "view_as_real" else L.arange(6.0).reshape(3, 2)
        v = getattr(L, fn)(src)
        v[0] = 9 if fn == "view_as_complex" else v[0] * 0 + 9
        return src.tolist(), v._base is src
    assert run(ft) == run(torch)


def test_angle_gradient_of_real_input_as_torch():
    def run(L):
        x = L.tensor([1.0, -2.0, 3.0], requires_grad=True)
        L.angle(x).sum().backward()
        return x.grad.tolist()
    assert run(ft) == run(torch)


def test_pin_memory_without_accelerator_as_torch():
    if torch.cuda.is_available():
        pytest.skip("PyTorch has an accelerator here: pin_memory succeeds")
    for L in (ft, torch):
        with pytest.raises(RuntimeError, match="Cannot access accelerator device"):
            L.ones(2).pin_memory()
