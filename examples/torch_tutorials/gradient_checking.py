"""Checking gradients numerically: torch.autograd.gradcheck and gradgradcheck on double
precision functions and modules, what a wrong backward looks like (raise_exception=False and
the GradcheckError), complex inputs, and fast_mode (after PyTorch's "Gradcheck mechanics"
notes)."""
import warnings

import torch
from torch.autograd import gradcheck, gradgradcheck
from torch.autograd.gradcheck import GradcheckError

torch.manual_seed(0)
x = torch.randn(4, dtype=torch.double, requires_grad=True)
y = torch.randn(4, dtype=torch.double, requires_grad=True)

print(gradcheck(lambda a, b: (a * b).sin(), (x, y)))
print(gradcheck(torch.nn.functional.softplus, (x,), eps=1e-6, atol=1e-4))
print(gradgradcheck(lambda a: a.pow(3).sum(), (x,)))
print(gradcheck(lambda a: torch.linalg.norm(a), (x,), fast_mode=True))

lin = torch.nn.Linear(4, 3).double()
print(gradcheck(lin, (torch.randn(2, 4, dtype=torch.double, requires_grad=True),)))
print(gradcheck(lambda m: torch.linalg.inv(m), (torch.randn(3, 3, dtype=torch.double) +
                                                 3 * torch.eye(3, dtype=torch.double)).requires_grad_()))


class WrongSquare(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return grad * a


print(gradcheck(WrongSquare.apply, (x,), raise_exception=False))
try:
    gradcheck(WrongSquare.apply, (x,))
except GradcheckError as e:
    print(type(e).__name__, str(e).splitlines()[0])

z = torch.randn(3, dtype=torch.cdouble, requires_grad=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(gradcheck(lambda c: (c * c.conj()).real, (z,)))
    print(gradcheck(lambda c: c * c, (z,)))
print("warnings for complex128 inputs:", [type(w.message).__name__ for w in caught])


class WrongComplexSquare(torch.autograd.Function):
    @staticmethod
    def forward(ctx, c):
        ctx.save_for_backward(c)
        return c * c

    @staticmethod
    def backward(ctx, grad):
        c, = ctx.saved_tensors
        return grad * 2 * c.conj() + 1j        # the imaginary part is wrong


print(gradcheck(WrongComplexSquare.apply, (z,), raise_exception=False))

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        gradcheck(lambda a: a * 2, (torch.randn(3, requires_grad=True),))
    except Exception as e:
        print("float32:", type(e).__name__)
print("warnings for float32 inputs:", [type(w.message).__name__ for w in caught])

nondiff = torch.randint(0, 3, (4,))
print(gradcheck(lambda a, idx: a[idx], (x, nondiff)))
print(torch.autograd.gradcheck(torch.cumsum, (x, 0)))
