"""funcgrad.torch on a CUDA device, with PyTorch's semantics: tensors, modules and optimizers on
the GPU give the CPU's results and stay there; mixing devices is PyTorch's error.

The tests take the `gpu` fixture (tests/conftest.py): once on CuPy's CPU stand-in, so each
machine runs the CUDA code path, and once, marked `gpu`, on a real NVIDIA GPU. The operation
tables are test_torch_oracle's, run here on both devices of funcgrad.torch (no PyTorch needed)."""
from __future__ import annotations

import copy
import functools
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import funcgrad.torch as ft
from funcgrad._core import backend
from test_torch_oracle import (FLOATS, INPLACE, INT_OPS, MORE_CASES, OPS, SETITEMS, SHAPE_CASES,
                               VIEW_WRITES, _leaves, _shapes, tol, values)

_FACTORIES = ("tensor", "as_tensor", "zeros", "ones", "empty", "full", "arange", "linspace",
              "logspace", "eye", "rand", "randn", "randint", "randperm")


class _OnGpu:
    """funcgrad.torch whose factories make CUDA tensors, so that the tables' `L.tensor([0, 2])`
    index tensors are on the data's device, as PyTorch requires."""

    def __getattr__(self, name):
        f = getattr(ft, name)
        return functools.partial(f, device="cuda") if name in _FACTORIES else f


GPU = _OnGpu()


def _same(cpu, gpu_out, what, rtol=None, atol=None):
    """gpu_out is cpu's result computed on the GPU: tensors there, the same dtypes, shapes,
    values, requires_grad and grad_fn names."""
    c_leaves, g_leaves = _leaves(cpu), _leaves(gpu_out)
    assert len(c_leaves) == len(g_leaves), what
    for k, (c, g) in enumerate(zip(c_leaves, g_leaves)):
        if not isinstance(c, ft.Tensor):  # a number, or a gradient that is None
            assert not isinstance(g, ft.Tensor) and g == (c if c is None else pytest.approx(
                c, nan_ok=True)), what
            continue
        assert g.device == ft.device("cuda", 0) and g.is_cuda, f"{what} {k}: on {g.device}"
        assert g.dtype is c.dtype and g.shape == c.shape, (what, k, g.dtype, c.dtype)
        assert g.requires_grad == c.requires_grad, (what, k)
        assert type(g.grad_fn).__name__ == type(c.grad_fn).__name__, (what, k)
        gv, cv = g.detach().cpu().numpy(), c.detach().numpy()
        if cv.dtype.kind in "fc":
            r, a = tol(str(cv.dtype))
            np.testing.assert_allclose(gv, cv, rtol=rtol or r, atol=atol or a, equal_nan=True,
                                       err_msg=f"{what} {k}")
        else:
            np.testing.assert_array_equal(gv, cv, err_msg=f"{what} {k}")


def _check(fn, arrays, *, grad=True, rtol=None, atol=None, seed=0):
    """fn(lib, *tensors) on the CPU and on the GPU: the same results, and the same gradients of
    sum(out * w), on the inputs' devices."""
    def run(lib, device):
        xs = [ft.tensor(a, device=device, requires_grad=grad and a.dtype.kind == "f")
              for a in arrays]
        out = fn(lib, *xs)
        diff = [o for o in _leaves(out) if isinstance(o, ft.Tensor) and o.grad_fn is not None
                and o.dtype.is_floating_point]
        if diff:
            rng = np.random.default_rng(seed + 7)
            sum(((o * ft.tensor(rng.standard_normal(tuple(o.shape)).astype(
                str(o.dtype).split(".")[-1]), device=device)).sum() for o in diff)).backward()
        return out, [x.grad for x in xs if x.requires_grad]
    (c_out, c_grads), (g_out, g_grads) = run(ft, "cpu"), run(GPU, "cuda")
    _same(c_out, g_out, "result", rtol, atol)
    for k, (c, g) in enumerate(zip(c_grads, g_grads)):
        assert (c is None) == (g is None), f"grad {k}"
        if c is not None:
            _same(c, g, f"grad {k}", rtol, atol)


_OP_SETTINGS = settings(max_examples=3, deadline=None, database=None,
                        suppress_health_check=[HealthCheck.function_scoped_fixture,
                                               HealthCheck.too_slow])


# ---- the operation tables on the GPU ------------------------------------------------------------

@pytest.mark.parametrize("op", OPS, ids=repr)
def test_operation_gives_the_cpus_results(gpu, op):
    @_OP_SETTINGS
    @given(shapes=_shapes(op), dtype=st.sampled_from(op.dtypes), seed=st.integers(0, 2 ** 16))
    def run(shapes, dtype, seed):
        rng = np.random.default_rng(seed)
        arrays = [values(rng, s, dtype, d) for s, d in zip(shapes, op.domains)]
        _check(op.fn, arrays, grad=op.grad, rtol=op.rtol, atol=op.atol, seed=seed)
    run()


@pytest.mark.parametrize("name,fn", INT_OPS, ids=[n for n, _ in INT_OPS])
def test_integer_operation_gives_the_cpus_results(gpu, name, fn):
    rng = np.random.default_rng(sum(map(ord, name)))
    _check(fn, [values(rng, (3, 4), "int64"), values(rng, (4,), "int64", "nonzero")], grad=False)


@pytest.mark.parametrize("name,fn,shape", SHAPE_CASES + [(n, f, (3, 3)) for n, f in MORE_CASES],
                         ids=[c[0] for c in SHAPE_CASES] + [c[0] for c in MORE_CASES])
def test_shape_index_and_linalg_operations_give_the_cpus_results(gpu, name, fn, shape):
    rng = np.random.default_rng(sum(map(ord, name)))
    _check(fn, [values(rng, shape, "float64", "nonzero")], grad=not name.startswith("unique"),
           rtol=1e-7, atol=1e-9)


def _same_steps(steps):
    """steps(lib) on the CPU (funcgrad.torch) and on the GPU (its factories making CUDA
    tensors): the same tensors."""
    _same(steps(ft), steps(GPU), "steps")


@pytest.mark.parametrize("name", list(VIEW_WRITES))
def test_writes_through_views_reach_the_base(gpu, name):
    def steps(L):
        base = L.arange(12.0).view(3, 4)
        v = VIEW_WRITES[name](base)
        v.mul_(10)
        v.add_(1)
        w = VIEW_WRITES[name](base)
        base.sub_(0.5)
        return base, v, w, v._version, base._version
    _same_steps(steps)


@pytest.mark.parametrize("name,fn", SETITEMS, ids=[s[0] for s in SETITEMS])
def test_setitem(gpu, name, fn):
    def steps(L):
        x = L.arange(12.0).view(3, 4)
        v = x[1]
        fn(L, x)
        w = L.arange(12.0, requires_grad=True)
        y = w.view(3, 4) * 1.5
        fn(L, y)
        (y * L.arange(12.0).view(3, 4)).sum().backward()
        return x, v, y, w.grad
    _same_steps(steps)


@pytest.mark.parametrize("name,fn", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_operations(gpu, name, fn):
    rng = np.random.default_rng(3)
    xv, yv = rng.standard_normal((2, 3, 3)).astype(np.float32)

    def steps(L):
        out = []
        for requires_grad in (False, True):
            w = L.tensor(xv, requires_grad=requires_grad)
            x = w * 1.0 if requires_grad else w
            y = L.tensor(yv, requires_grad=requires_grad)
            before = x._version
            assert fn(L, x, y) is x
            out += [x, x._version - before]
            if requires_grad:
                (x * L.arange(x.numel(), dtype=L.float32).view(x.shape)).sum().backward()
                out += [w.grad, y.grad]
        return out
    _same_steps(steps)
