"""out= on torch functions, held against PyTorch: the value written, out's identity, dtype and
shape, the resize warning for a non-empty out of another shape, and the errors for a dtype out
cannot hold and for arguments that require grad."""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import funcgrad.torch as ft
from funcgrad.torch._out import OUT_FUNCTIONS

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed: pip install "
                            "'funcgrad[oracle]'")


def _x(L):
    return L.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])


def _i(L):
    return L.tensor([[1, 0, 2], [0, 1, 1]])


# name: the call, given the library, with its first arguments (out= is added)
CALLS = {
    "abs": lambda L: (_x(L),), "add": lambda L: (_x(L), 1.5), "sub": lambda L: (_x(L), _x(L)),
    "mul": lambda L: (_x(L), 2), "div": lambda L: (_x(L), 3.0), "pow": lambda L: (_x(L), 2),
    "exp": lambda L: (_x(L),), "sin": lambda L: (_x(L),), "sqrt": lambda L: (_x(L).abs(),),
    "neg": lambda L: (_x(L),), "floor": lambda L: (_x(L),), "sigmoid": lambda L: (_x(L),),
    "clamp": lambda L: (_x(L), -0.5, 0.5), "maximum": lambda L: (_x(L), _x(L).flip(0)),
    "atan2": lambda L: (_x(L), _x(L).flip(1)), "where": lambda L: (_x(L) > 0, _x(L), _x(L) * 2),
    "eq": lambda L: (_x(L), 0.5), "lt": lambda L: (_x(L), 0.5),
    "logical_and": lambda L: (_x(L) > 0, _x(L) < 1),
    "matmul": lambda L: (_x(L), _x(L).t()), "mm": lambda L: (_x(L), _x(L).t()),
    "bmm": lambda L: (_x(L)[None], _x(L).t()[None]), "mv": lambda L: (_x(L), _x(L)[0]),
    "dot": lambda L: (_x(L)[0], _x(L)[1]), "outer": lambda L: (_x(L)[0], _x(L)[1]),
    "addmm": lambda L: (_x(L)[:, :2], _x(L), _x(L).t()),
    "cat": lambda L: ([_x(L), _x(L)],), "stack": lambda L: ([_x(L), _x(L)], 1),
    "hstack": lambda L: ([_x(L), _x(L)],), "vstack": lambda L: ([_x(L), _x(L)],),
    "sum": lambda L: (_x(L), 0), "mean": lambda L: (_x(L), 1), "prod": lambda L: (_x(L), 1),
    "amax": lambda L: (_x(L), 0), "logsumexp": lambda L: (_x(L), 1),
    "cumsum": lambda L: (_x(L), 1), "argmax": lambda L: (_x(L),),
    "softmax": lambda L: (_x(L), 1), "log_softmax": lambda L: (_x(L), 1),
    "gather": lambda L: (_x(L), 1, _i(L)), "index_select": lambda L: (_x(L), 1, L.tensor([2, 0])),
    "take": lambda L: (_x(L), L.tensor([0, 4])), "masked_select": lambda L: (_x(L), _x(L) > 0),
    "tril": lambda L: (_x(L),), "diag": lambda L: (_x(L)[0],), "round": lambda L: (_x(L),),
    "nonzero": lambda L: (_x(L) > 0,), "bitwise_and": lambda L: (_i(L), _i(L) * 3),
    "zeros": lambda L: (2, 3), "ones": lambda L: (4,), "arange": lambda L: (5,),
    "linspace": lambda L: (0, 1, 5), "eye": lambda L: (3,), "full": lambda L: ((2,), 7),
}


def _call(L, name, out, *, warn=False):
    args = CALLS[name](L)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            r = getattr(L, name)(*args, out=out)
        except Exception as e:  # noqa: BLE001  (the class and message are compared)
            return type(e).__name__, str(e).split("\n")[0]
    shown = [str(x.message).split(" (Triggered internally")[0] for x in w
             if issubclass(x.category, UserWarning)]
    values = np.array(out.tolist())
    return (r is out, str(out.dtype).rsplit(".")[-1], tuple(out.shape),
            np.round(values, 5).tolist() if out.is_floating_point() or out.is_complex()
            else out.tolist(),
            shown if warn else bool(shown))


@pytest.mark.parametrize("size", ["same", "empty", "other"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_out_writes_as_torch(name, size):
    def run(L):
        ref = getattr(L, name)(*CALLS[name](L))
        ref = ref if isinstance(ref, L.Tensor) else ref[0]
        shape = {"same": tuple(ref.shape), "empty": (0,), "other": (7,)}[size]
        return _call(L, name, L.zeros(shape, dtype=ref.dtype), warn=True)
    assert run(ft) == run(torch)


@pytest.mark.parametrize("dtype", ["int64", "bool", "float64", "complex64"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_out_dtype_rules_as_torch(name, dtype):
    """An out of another dtype: written, cast, where the result's kind fits; PyTorch's
    RuntimeError where it does not."""
    def run(L):
        return _call(L, name, L.empty(0, dtype=getattr(L, dtype)))
    want = run(torch)
    if want[0] == "NotImplementedError":
        pytest.skip(f"PyTorch has no {name} kernel for {dtype}: {want[1]}")
    assert run(ft) == want


@pytest.mark.parametrize("name", ["add", "sin", "matmul", "sum", "cat"])
def test_out_refuses_grad_as_torch(name):
    def run(L):
        args = tuple(a.requires_grad_() if isinstance(a, L.Tensor) and a.is_floating_point()
                     else a for a in CALLS[name](L))
        try:
            getattr(L, name)(*args, out=L.empty(0))
        except RuntimeError as e:
            return str(e)
        return "no error"
    assert run(ft) == run(torch)
    with ft.no_grad():  # without grad mode it writes
        args = tuple(a.requires_grad_() if isinstance(a, ft.Tensor) and a.is_floating_point()
                     else a for a in CALLS[name](ft))
        assert getattr(ft, name)(*args, out=ft.empty(0)).numel() > 0


def test_tuple_out_as_torch():
    def run(L):
        v, i = L.empty(0), L.empty(0, dtype=L.int64)
        r = L.max(_x(L), 1, out=(v, i))
        return r[0] is v, r[1] is i, v.tolist(), i.tolist()
    assert run(ft) == run(torch)


def test_every_out_function_takes_out_in_torch():
    """OUT_FUNCTIONS names only functions whose PyTorch signature has out (by its docstring or
    its argument parser's message)."""
    for name in OUT_FUNCTIONS:
        fn = getattr(torch, name)
        try:
            params = inspect.signature(fn).parameters
            assert "out" in params, name
            continue
        except (ValueError, TypeError):
            pass
        try:
            fn(out=object())
        except TypeError as e:
            assert "unexpected keyword argument 'out'" not in str(e), name
        assert hasattr(getattr(ft, name), "__wrapped_out__"), name
