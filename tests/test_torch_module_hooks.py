"""nn.Module full backward hooks and pre-hooks against PyTorch: what the hooks see (grad_input,
grad_output: None or values), what replacing them does to the gradients, for modules with one and
two tensor inputs (one needing no grad), tuple outputs and a Sequential, float32 and float64,
batches of 0, 1 and 3 rows."""
from __future__ import annotations

import zlib

import numpy as np
import pytest

import funcgrad.torch as ftorch


def _arrays(gs):
    return [None if g is None else np.asarray(g.detach().numpy(), np.float64) for g in gs]


def _run(lib, case, dtype, n, replace):
    """The hooks' calls (module class name, grad_input, grad_output as arrays) and the gradients
    of the inputs and parameters, for one forward and backward through `case`'s module."""
    dt = getattr(lib, dtype)
    rng = np.random.default_rng(zlib_seed(case, dtype, n))
    a_np = rng.standard_normal((n, 3))
    b_np = rng.standard_normal((n, 3))
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append((type(module).__name__, _arrays(grad_input), _arrays(grad_output)))
        if replace:
            return tuple(None if g is None else g * 3 for g in grad_input)
        return None

    def pre_hook(module, grad_output):
        return tuple(g * 2 for g in grad_output) if replace else None

    class Two(lib.nn.Module):
        def forward(self, a, b):
            return a * b + a, a - b

    if case == "linear":
        lib.manual_seed(0)
        module = lib.nn.Linear(3, 2).to(dt)
        modules = [module]
    elif case == "two_inputs":
        module = Two()
        modules = [module]
    else:
        lib.manual_seed(0)
        module = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.Tanh(), lib.nn.Linear(3, 1)).to(dt)
        modules = list(module)
    for m in modules:
        m.register_full_backward_hook(hook)
        m.register_full_backward_pre_hook(pre_hook)
    a = lib.tensor(a_np, dtype=dt, requires_grad=True)
    b = lib.tensor(b_np, dtype=dt)
    out = module(a, b) if case == "two_inputs" else module(a)
    outs = out if isinstance(out, tuple) else (out,)
    total = sum(((k + 1) * o).sum() for k, o in enumerate(outs))
    total.backward()
    params = [p.grad for p in module.parameters()]
    return seen, _arrays([a.grad]), _arrays(params)


def zlib_seed(*parts) -> int:
    return zlib.crc32(repr(parts).encode())


def _same(want, got):
    if isinstance(want, list):
        assert isinstance(got, list) and len(want) == len(got)
        for w, g in zip(want, got):
            _same(w, g)
    elif isinstance(want, tuple):
        assert isinstance(got, tuple) and len(want) == len(got)
        for w, g in zip(want, got):
            _same(w, g)
    elif want is None or isinstance(want, str):
        assert got == want
    else:
        assert got is not None and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize("n", [0, 1, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", ["linear", "two_inputs", "sequential"])
def test_backward_hooks_see_and_change_what_pytorch_s_do(case, dtype, n, replace, torch):
    want = _run(torch, case, dtype, n, replace)
    got = _run(ftorch, case, dtype, n, replace)
    _same(want, got)


def test_hooks_without_an_input_that_requires_grad_warn_and_fire_at_the_output(torch):
    for lib in (torch, ftorch):
        lin = lib.nn.Linear(3, 2)
        calls = []
        lin.register_full_backward_hook(lambda m, gi, go: calls.append((gi, len(go))))
        with pytest.warns(UserWarning, match="no inputs require gradients"):
            lin(lib.ones(2, 3)).sum().backward()
        assert calls == [((None,), 1)]
        lin.register_full_backward_hook(lambda m, gi, go: (lib.ones(2, 3),))
        with pytest.raises(RuntimeError, match="should always return None"), \
                pytest.warns(UserWarning):
            lin(lib.ones(2, 3)).sum().backward()


def test_a_hook_returning_the_wrong_number_of_gradients_raises(torch):
    for lib in (torch, ftorch):
        lin = lib.nn.Linear(3, 2)
        lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but "
                                               "expected 1"):
            lin(lib.ones(2, 3, requires_grad=True)).sum().backward()
        lin2 = lib.nn.Linear(3, 2)
        lin2.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_output, got 2, but "
                                               "expected 1"):
            lin2(lib.ones(2, 3, requires_grad=True)).sum().backward()


def test_removed_hooks_and_no_grad_calls_run_nothing(torch):
    for lib in (torch, ftorch):
        lin = lib.nn.Linear(3, 2)
        calls = []
        handle = lin.register_full_backward_hook(lambda m, gi, go: calls.append(1))
        with lib.no_grad():
            assert not lin(lib.ones(1, 3, requires_grad=True)).requires_grad
        handle.remove()
        lin(lib.ones(1, 3, requires_grad=True)).sum().backward()
        assert calls == [] and len(lin._backward_hooks) == 0
