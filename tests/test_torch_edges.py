"""funcgrad.torch's numerics at the edges against PyTorch 2.13 (the oracle), values and gradients:
zeros, infinities and huge magnitudes where PyTorch has a convention of its own (the norm's
subgradient 0 at 0, binary cross entropy's log clamped at -100 and its finite gradient at 0 and
1, overflow-safe softplus/sigmoid/logsigmoid/log1p/expm1, sqrt/abs/pow derivatives at 0), float16
reductions accumulating in float32, and integer overflow wrapping. PyTorch computes inf and nan
silently: no numpy warning may escape (pytest turns warnings into errors here).

Skipped when torch is not installed (the `oracle` extra)."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

INF = float("inf")
FLOATS = ("float32", "float64")


def _run(L, f, values, dtype):
    """f(L, x) for x the values as a tensor of library L; (its value, the gradient of its sum)."""
    x = L.tensor(np.array(values, dtype=dtype), requires_grad=True)
    y = f(L, x)
    out = y.detach().numpy().copy()
    y.sum().backward()
    return out, x.grad.numpy().copy()


def _target(L, x, values):
    return L.tensor(np.array(values, dtype=x.detach().numpy().dtype))


# name -> (f(L, x), the values of x): each at the edge of its domain or of floating point
EDGES = {
    "sigmoid": (lambda L, x: L.sigmoid(x), [-1000., -100., -20., 0., 20., 100., 1000.]),
    "logsigmoid": (lambda L, x: L.nn.functional.logsigmoid(x),
                   [-1000., -100., -20., 0., 20., 100., 1000.]),
    "softplus": (lambda L, x: L.nn.functional.softplus(x),
                 [-1000., -100., -20., 0., 19.9, 20., 20.1, 100., 1000.]),
    "softplus_beta_threshold": (lambda L, x: L.nn.functional.softplus(x, beta=2.0, threshold=5.),
                                [-1000., -3., 2.4, 2.5, 2.6, 1000.]),
    "log1p": (lambda L, x: L.log1p(x), [-1., -0.5, -1e-10, 0., 1e-10, 1e30]),
    "expm1": (lambda L, x: L.expm1(x), [-1000., -1e-10, 0., 1e-10, 80., 1000.]),
    "tanh": (lambda L, x: L.tanh(x), [-1000., 0., 1000.]),
    "sqrt_at_0": (lambda L, x: L.sqrt(x), [0., 1e-30, 4.]),
    "rsqrt_at_0": (lambda L, x: L.rsqrt(x), [0., 4.]),
    "abs_at_0": (lambda L, x: L.abs(x), [-1., 0., -0., 1.]),
    "cbrt_as_pow_at_0": (lambda L, x: L.pow(x, 1 / 3), [0., 8.]),
    "pow_half_at_0": (lambda L, x: L.pow(x, 0.5), [0., 4.]),
    "pow_0_at_0": (lambda L, x: L.pow(x, 0.), [0., 1.]),
    "norm_at_0": (lambda L, x: L.norm(x).reshape(1), [0., 0., 0.]),
    "norm": (lambda L, x: L.norm(x).reshape(1), [3., 4.]),
    "vector_norm_3_at_0": (lambda L, x: L.linalg.vector_norm(x, 3).reshape(1), [0., 0.]),
    "vector_norm_1_at_0": (lambda L, x: L.linalg.vector_norm(x, 1).reshape(1), [0., 0.]),
    "normalize_at_0": (lambda L, x: L.nn.functional.normalize(x.reshape(1, -1)), [0., 0., 0.]),
    "dist_at_0": (lambda L, x: L.dist(x, L.zeros_like(x)).reshape(1), [0., 0.]),
    "std_of_constant": (lambda L, x: L.std(x).reshape(1), [1., 1.]),
    "cosine_similarity_at_0": (lambda L, x: L.nn.functional.cosine_similarity(
        x.reshape(1, -1), x.reshape(1, -1)), [0., 0.]),
    "bce_at_0_and_1": (lambda L, x: L.nn.functional.binary_cross_entropy(
        x, _target(L, x, [0., 1., 1., 0.]), reduction="none"), [0., 0., 1., 1.]),
    "bce_mean": (lambda L, x: L.nn.functional.binary_cross_entropy(
        x, _target(L, x, [0., 1., 0.5])).reshape(1), [0., 1., 0.3]),
    "bce_with_logits_huge": (lambda L, x: L.nn.functional.binary_cross_entropy_with_logits(
        x, _target(L, x, [0., 1., 1., 0.]), reduction="none"), [-1000., -1000., 1000., 1000.]),
    "logsumexp_all_neg_inf": (lambda L, x: L.logsumexp(x, 0).reshape(1), [-INF, -INF]),
    "logsumexp_inf": (lambda L, x: L.logsumexp(x, 0).reshape(1), [INF, 1.]),
    "logaddexp_infinities": (lambda L, x: L.logaddexp(x, x), [-INF, INF, 0.]),
    "log_softmax_huge": (lambda L, x: L.log_softmax(x, 0), [-1000., 0., 1000.]),
    "softmax_neg_inf": (lambda L, x: L.softmax(x, 0), [-INF, 0., 1000.]),
    "cross_entropy_huge": (lambda L, x: L.nn.functional.cross_entropy(
        x.reshape(1, -1), L.tensor([0])).reshape(1), [-1000., 0., 1000.]),
    "elu_silu_gelu_mish_huge": (lambda L, x: L.stack([
        L.nn.functional.elu(x), L.nn.functional.silu(x), L.nn.functional.gelu(x),
        L.nn.functional.mish(x)]), [-1000., 0., 1000.]),
    "xlogy_at_0": (lambda L, x: L.xlogy(x, x), [0., 1.]),
    "atan2_at_0": (lambda L, x: L.atan2(x, x), [0., 1.]),
    "relu_at_0": (lambda L, x: L.relu(x), [0., -0.]),
    "clamp_at_bounds": (lambda L, x: L.clamp(x, 0., 1.), [0., 0.5, 1.]),
    "max_ties": (lambda L, x: L.max(x).reshape(1), [1., 1., 0.]),
    "amax_ties": (lambda L, x: L.amax(x, 0).reshape(1), [1., 1., 0.]),
    "reciprocal_at_0": (lambda L, x: L.reciprocal(x), [0., -0., 2.]),
    "div_by_0": (lambda L, x: x / L.zeros_like(x), [1., -1., 0.]),
    "log_at_0": (lambda L, x: L.log(x), [0., 1.]),
}


# subnormal results: a few units in the last place of the smallest floats
ATOL = {"float32": 1e-42, "float64": 1e-300}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(EDGES))
def test_edge_values_and_gradients_match_torch(torch, name, dtype):
    f, values = EDGES[name]
    t_val, t_grad = _run(torch, f, values, dtype)
    f_val, f_grad = _run(ft, f, values, dtype)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(f_val, t_val, rtol=rtol, atol=ATOL[dtype], equal_nan=True,
                               err_msg=f"{name}: values")
    np.testing.assert_allclose(f_grad, t_grad, rtol=rtol, atol=ATOL[dtype], equal_nan=True,
                               err_msg=f"{name}: gradients")


def test_no_numpy_warning_escapes_without_grad(torch):
    """The same edges, eagerly without autograd (the fast paths), give PyTorch's values."""
    for name, (f, values) in sorted(EDGES.items()):
        for dtype in FLOATS:
            with torch.no_grad():
                want = f(torch, torch.tensor(np.array(values, dtype=dtype))).numpy()
            with ft.no_grad():
                got = f(ft, ft.tensor(np.array(values, dtype=dtype))).numpy()
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=ATOL[dtype], equal_nan=True,
                                       err_msg=name)


# ---- float16: reductions accumulate in float32 ---------------------------------------------------

HALF_REDUCTIONS = {
    "sum": lambda x: x.sum(),
    "mean": lambda x: x.mean(),
    "sum_dim": lambda x: x.reshape(10, -1).sum(1),
    "mean_dim": lambda x: x.reshape(10, -1).mean(1),
    "cumsum_last": lambda x: x.cumsum(0)[-1],
}


@pytest.mark.parametrize("n,value", [(10000, 0.1), (70000, 1.0), (4000, 3.3), (0, 1.0),
                                     (10, 65504.0)])
@pytest.mark.parametrize("name", sorted(HALF_REDUCTIONS))
def test_float16_reductions_accumulate_in_float32(torch, name, n, value):
    if n == 0 and name.endswith("dim") or n == 0 and name.startswith("cumsum"):
        pytest.skip("no rows to reduce")
    f = HALF_REDUCTIONS[name]
    want = f(torch.full((n,), value, dtype=torch.float16))
    got = f(ft.full((n,), value, dtype=ft.float16))
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_float16_sum_gradient(torch):
    for L in (torch, ft):
        x = L.full((5000,), 0.1, dtype=L.float16, requires_grad=True)
        (x.sum() * 2).backward()
        assert str(x.grad.dtype) == "torch.float16"
        np.testing.assert_array_equal(x.grad.numpy(), np.full(5000, 2.0, np.float16))


# ---- integers wrap on overflow, silently -------------------------------------------------------

INT_OVERFLOW = {
    "uint8_add": lambda L: L.tensor([200], dtype=L.uint8) + L.tensor([100], dtype=L.uint8),
    "int8_mul": lambda L: L.tensor([127, -128], dtype=L.int8) * 2,
    "int16_sub": lambda L: L.tensor([-32768], dtype=L.int16) - 1,
    "int32_add": lambda L: L.tensor([2**31 - 1], dtype=L.int32) + 1,
    "int32_mul": lambda L: L.tensor([2**31 - 1], dtype=L.int32) * L.tensor([2], dtype=L.int32),
    "int64_add": lambda L: L.tensor([2**63 - 1]) + 1,
    "int64_mul": lambda L: L.tensor([2**62]) * 4,
    "int8_abs_min": lambda L: L.tensor([-128], dtype=L.int8).abs(),
    "int8_neg_min": lambda L: -L.tensor([-128], dtype=L.int8),
    "uint8_pow": lambda L: L.tensor([16], dtype=L.uint8).pow(2),
    "int32_sum_is_int64": lambda L: L.tensor([2**31 - 1, 1], dtype=L.int32).sum(),
    "uint8_sum_is_int64": lambda L: L.tensor([200, 100], dtype=L.uint8).sum(),
    "int64_sum_wraps": lambda L: L.tensor([2**62, 2**62]).sum(),
    "uint8_cumsum": lambda L: L.tensor([200, 100], dtype=L.uint8).cumsum(0),
    "int32_floor_divide": lambda L: L.tensor([5, -5], dtype=L.int32) // L.tensor([-2, 2],
                                                                              dtype=L.int32),
    "int64_min_floor_divide": lambda L: L.tensor([-2**63]) // L.tensor([-1]),
}


@pytest.mark.parametrize("name", sorted(INT_OVERFLOW))
def test_integer_overflow_wraps_as_torch(torch, name):
    want, got = INT_OVERFLOW[name](torch), INT_OVERFLOW[name](ft)
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
