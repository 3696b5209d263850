"""torch.testing.assert_close and make_tensor held against PyTorch's: which calls pass, the
exception class and the full message of those that fail, and make_tensor's values, dtypes and
errors after the same seed."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed: pip install "
                            "'funcgrad[oracle]'")

nan, inf = math.nan, math.inf


def _outcome(L, fn):
    try:
        fn(L)
    except Exception as e:  # noqa: BLE001  (the class and message are what is compared)
        return type(e).__name__, str(e).replace(repr(L.Tensor), "<Tensor>")
    return "passes"


def _T(L, v, dtype=None):
    return L.tensor(v, dtype=None if dtype is None else getattr(L, dtype))


def _ac(a, b, **kw):
    return lambda L: L.testing.assert_close(a(L), b(L), **kw)


def _c(v, dtype=None):
    return lambda L: _T(L, v, dtype)


def _v(x):
    return lambda L: x


CLOSE = {
    "equal_float": _ac(_c([1.0, 2.0]), _c([1.0, 2.0])),
    "within_float32": _ac(_c([1.0, 2.0]), _c([1.0, 2.0 + 1e-6])),
    "not_close": _ac(_c([1.0, 2.0, 3.0]), _c([1.0, 2.5, 3.0])),
    "not_close_2d": _ac(_c([[1.0, 2.0], [3.0, 4.0]]), _c([[1.0, 2.0], [3.0, 5.0]])),
    "float64": _ac(_c([1.0, 2.0], "float64"), _c([1.0, 2.0 + 1e-6], "float64")),
    "float16": _ac(_c([1.0, 2.0], "float16"), _c([1.0, 2.1], "float16")),
    "complex": _ac(_c([1 + 1j]), _c([1 + 2j])),
    "ints": _ac(_c([1, 2, 3]), _c([1, 5, 3])),
    "int32": _ac(_c([1, 2, 3], "int32"), _c([1, 5, 3], "int32")),
    "bools": _ac(_c([True, False]), _c([True, True])),
    "dtype": _ac(_c([1.0, 2.0]), _c([1.0, 2.0], "float64")),
    "dtype_unchecked": _ac(_c([1.0]), _c([2.0], "float64"), check_dtype=False),
    "dtype_unchecked_ok": _ac(_c([1]), _c([1.0]), check_dtype=False),
    "shape": _ac(_c([1.0, 2.0, 3.0]), _c([1.0, 2.0])),
    "nan": _ac(_c([1.0, nan]), _c([1.0, nan])),
    "nan_equal": _ac(_c([1.0, nan]), _c([1.0, nan]), equal_nan=True),
    "nan_one_side": _ac(_c([1.0, nan]), _c([1.0, 2.0])),
    "inf": _ac(_c([1.0, inf]), _c([1.0, inf])),
    "inf_signs": _ac(_c([1.0, inf]), _c([1.0, -inf])),
    "zero_expected": _ac(_c([1.0, 1.0]), _c([0.0, 0.0])),
    "relative_elsewhere": _ac(_c([3.0, 0.0, 0.1]), _c([1.0, 0.0, 0.2])),
    "rtol_atol": _ac(_c([1.0, 2.0]), _c([1.0, 2.1]), rtol=0.1, atol=0),
    "atol_only_fails": _ac(_c([0.0, 2.0]), _c([1.0, 2.0]), atol=0.1, rtol=0),
    "rtol_without_atol": _ac(_c([1.0]), _c([1.0]), rtol=1e-3),
    "atol_without_rtol": _ac(_c([1.0]), _c([1.0]), atol=1.0),
    "zero_dim": _ac(_c(1.0), _c(2.0)),
    "zero_dim_int": _ac(_c(1), _c(3)),
    "empty": _ac(_c([]), _c([])),
    "msg": _ac(_c([1.0]), _c([2.0]), msg="custom"),
    "msg_callable": _ac(_c(1.0), _c(2.0), msg=lambda m: "X" + m),
    "python_floats": _ac(_v(1.0), _v(1.1)),
    "python_ints": _ac(_v(1), _v(2)),
    "int_and_float": _ac(_v(1), _v(1.0)),
    "int_and_float_unchecked": _ac(_v(1), _v(1.0), check_dtype=False),
    "complex_scalars": _ac(_v(1 + 1j), _v(1 + 1.1j)),
    "numpy_scalars": _ac(_v(np.float32(1.0)), _v(np.float32(1.1))),
    "nan_scalars_equal": _ac(_v(nan), _v(nan), equal_nan=True),
    "nan_scalar": _ac(_v(1.0), _v(nan), equal_nan=True),
    "bool_scalars": _ac(_v(True), _v(False)),
    "none": _ac(_v(None), _v(None)),
    "none_mismatch": _ac(_v(None), _v(1)),
    "list_scalars": _ac(_v([1.0]), _v([1.1])),
    "list_vs_tuple": _ac(_v((1, 2)), _v([1, 2])),
    "lengths": _ac(lambda L: [_T(L, 1.0)], lambda L: [_T(L, 1.0), _T(L, 2.0)]),
    "mapping": _ac(lambda L: {"a": _T(L, 1.0)}, lambda L: {"a": _T(L, 2.0)}),
    "nested": _ac(lambda L: {"a": [_T(L, [1.0, 2.0])]}, lambda L: {"a": [_T(L, [1.0, 3.0])]}),
    "keys": _ac(_v({"a": 1, "c": 2}), _v({"b": 1, "c": 2})),
    "tensor_vs_list": _ac(_c([1.0, 2.0]), _v([1.0, 2.0])),
    "tensor_vs_float": _ac(_c(1.0), _v(1.0)),
    "tensor_vs_numpy": _ac(_c([1.0]), _v(np.array([1.0], dtype=np.float32))),
    "numpy_arrays": _ac(_v(np.array([1.0])), _v(np.array([2.0]))),
    "strings": _ac(_v("a"), _v("b")),
    "stride": lambda L: L.testing.assert_close(L.zeros(2, 3).t(), L.zeros(3, 2),
                                               check_stride=True),
    "transposed_values": lambda L: L.testing.assert_close(
        _T(L, [[1, 2], [3, 4]]), _T(L, [[1, 2], [3, 4]]).t()),
    "requires_grad_ignored": lambda L: L.testing.assert_close(
        _T(L, [1.0, 2.0]).requires_grad_(), _T(L, [1.0, 2.0])),
}


@pytest.mark.parametrize("name", sorted(CLOSE))
def test_assert_close_matches_torch(name):
    want, got = _outcome(torch, CLOSE[name]), _outcome(ft, CLOSE[name])
    assert got == want


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(0,), (1,), (3, 4)])
def test_assert_close_tolerance_edges(dtype, shape):
    """Just inside and just outside the default tolerances, per dtype: the same verdict."""
    base = np.linspace(1, 2, math.prod(shape)).reshape(shape)
    rtol, atol = {"float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}[dtype]
    for scale in (0.5, 2.0):
        other = base + scale * (atol + rtol * np.abs(base))
        case = _ac(lambda L: _T(L, base, dtype), lambda L: _T(L, other, dtype))
        assert _outcome(ft, case) == _outcome(torch, case)


MAKE = {
    "float32": dict(dtype="float32"),
    "float64_bounds": dict(dtype="float64", low=-1, high=2),
    "int64": dict(dtype="int64"),
    "int8_bounds": dict(dtype="int8", low=-200, high=5),
    "uint8": dict(dtype="uint8"),
    "bool": dict(dtype="bool"),
    "complex64": dict(dtype="complex64"),
    "exclude_zero": dict(dtype="int64", low=-1, high=2, exclude_zero=True),
    "noncontiguous": dict(dtype="float32", noncontiguous=True),
    "requires_grad": dict(dtype="float32", requires_grad=True),
    "requires_grad_int": dict(dtype="int64", requires_grad=True),
    "low_ge_high": dict(dtype="float32", low=3, high=1),
    "nan_bound": dict(dtype="float32", low=nan),
    "outside": dict(dtype="uint8", low=-10, high=-1),
}


@pytest.mark.parametrize("shape", [(3, 4), (0,), (1,)])
@pytest.mark.parametrize("name", sorted(MAKE))
def test_make_tensor_matches_torch(name, shape):
    kw = dict(MAKE[name])

    def run(L):
        L.manual_seed(0)
        t = L.testing.make_tensor(*shape, device="cpu", **dict(kw, dtype=getattr(L, kw["dtype"])))
        return (str(t.dtype).rsplit(".")[-1], tuple(t.shape), t.is_contiguous(),
                t.requires_grad, t.detach().tolist())

    def outcome(L):
        try:
            return run(L)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).replace("funcgrad.", "")
    assert outcome(ft) == outcome(torch)


def test_make_tensor_low_equals_high_warns():
    for L in (torch, ft):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            L.testing.make_tensor(2, dtype=L.float32, device="cpu", low=1, high=1)
        assert [x.category for x in w] == [FutureWarning]
