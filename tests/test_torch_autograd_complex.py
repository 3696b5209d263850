"""Complex autograd and gradcheck against PyTorch 2.13: a complex gradient is PyTorch's
convention (the conjugate of funcgrad's cotangent, JAX's), gradcheck sees a complex input or
output as two real ones (and catches a backward that is wrong only in its imaginary part), checks
forward-mode AD with check_forward_ad=True, and words its mismatch messages as PyTorch does.
Skipped without torch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import funcgrad.torch as ft

# PyTorch's forward AD loads its decompositions through torch.jit.script, which warns that
# torch.jit.script is deprecated (PyTorch's own warning, not the code under test)
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")

Z = np.array([0.5 + 1j, -1.0 + 0.25j, 2.0 - 0.5j])
R = np.array([0.5, -1.0, 2.0])

LOSSES = {
    "abs2": lambda L, z, r: (z * z.conj()).real.sum(),
    "abs": lambda L, z, r: (z.abs() ** 2).sum(),
    "square_real": lambda L, z, r: (z * z).real.sum(),
    "real": lambda L, z, r: z.real.sum(), "imag": lambda L, z, r: z.imag.sum(),
    "conj_real": lambda L, z, r: z.conj().real.sum(),
    "mixed": lambda L, z, r: ((z * r).exp().imag * r).sum(),
    "unit": lambda L, z, r: (z / z.abs() * r).imag.sum(),
}


@pytest.mark.parametrize("case", sorted(LOSSES))
def test_complex_gradients_are_pytorchs(torch, case):
    def run(L):
        z = L.tensor(Z, dtype=L.complex128, requires_grad=True)
        r = L.tensor(R, dtype=L.float64, requires_grad=True)
        LOSSES[case](L, z, r).backward()
        return z.grad, r.grad
    got, want = run(ft), run(torch)
    for g, w in zip(got, want):
        if w is None:
            assert g is None or not g.numpy().any()
            continue
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12, atol=1e-12)
    assert repr(got[0]) == repr(want[0])  # printed as PyTorch prints it (+0 imaginary parts)


def test_complex_backward_with_a_complex_gradient_and_create_graph(torch):
    def run(L):
        z = L.tensor(Z, dtype=L.complex128, requires_grad=True)
        w = z * z.exp()
        g, = L.autograd.grad(w, z, L.tensor(Z[::-1].copy(), dtype=L.complex128),
                             create_graph=True)
        (g.abs() ** 2).sum().backward()
        return g.detach(), z.grad
    for a, b in zip(run(ft), run(torch)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


class _Fns:
    """Custom Functions, right and wrong, on both libraries."""

    def __init__(self, L):
        class Square(L.autograd.Function):
            @staticmethod
            def forward(ctx, c):
                ctx.save_for_backward(c)
                return c * c

            @staticmethod
            def backward(ctx, g):
                c, = ctx.saved_tensors
                return g * 2 * c.conj()

        class WrongImag(Square):
            @staticmethod
            def backward(ctx, g):
                c, = ctx.saved_tensors
                return g * 2 * c.conj() + 1j

        class WrongJvp(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.sin()

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * x.cos()

            @staticmethod
            def jvp(ctx, t):
                return t

        class WrongSecondInput(L.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                return a * b, a + b

            @staticmethod
            def backward(ctx, g1, g2):
                a, b = ctx.saved_tensors
                return g1 * b + g2, g1 * a + 2 * g2
        self.square, self.wrong_imag, self.wrong_jvp = Square, WrongImag, WrongJvp
        self.wrong_second = WrongSecondInput


FORWARD_ONLY = dict(check_forward_ad=True, check_backward_ad=False, check_undefined_grad=False,
                    check_batched_grad=False)
CHECKS = {
    "abs2": lambda L, F, z, x: ((lambda c: (c * c.conj()).real), (z,), {}),
    "square": lambda L, F, z, x: ((lambda c: c * c), (z,), {}),
    "exp": lambda L, F, z, x: ((lambda c: c.exp() * 2), (z,), {}),
    "complex_times_real": lambda L, F, z, x: ((lambda c, r: (c * r).abs()), (z, x), {}),
    "forward_complex": lambda L, F, z, x: ((lambda c: c * c.sin()), (z,),
                                           {"check_forward_ad": True}),
    "forward_real": lambda L, F, z, x: ((lambda v: (v * v).sum()), (x,),
                                        {"check_forward_ad": True}),
    "custom_square": lambda L, F, z, x: (F.square.apply, (z,), {}),
    "custom_wrong_imag": lambda L, F, z, x: (F.wrong_imag.apply, (z,), {}),
    "custom_wrong_jvp": lambda L, F, z, x: (F.wrong_jvp.apply, (x,), FORWARD_ONLY),
    "custom_wrong_jvp_backward_only": lambda L, F, z, x: (F.wrong_jvp.apply, (x,), {}),
    "custom_wrong_second": lambda L, F, z, x: (F.wrong_second.apply,
                                               (x, x.detach().clone().requires_grad_()), {}),
}


def _gradcheck(L, case):
    z = L.tensor(Z, dtype=L.complex128, requires_grad=True)
    x = L.tensor(R, dtype=L.float64, requires_grad=True)
    fn, args, kw = CHECKS[case](L, _Fns(L), z, x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no dtype warning for complex128
        try:
            return L.autograd.gradcheck(fn, args, **kw)
        except Exception as e:  # noqa: BLE001 - compared with PyTorch's below
            return type(e).__name__, str(e)


@pytest.mark.parametrize("case", sorted(CHECKS))
def test_gradcheck_matches_torch(torch, case):
    assert _gradcheck(ft, case) == _gradcheck(torch, case)


def test_gradgradcheck_complex(torch):
    for L in (ft, torch):
        z = L.tensor(Z, dtype=L.complex128, requires_grad=True)
        assert L.autograd.gradgradcheck(lambda c: c * c.exp(), (z,))

