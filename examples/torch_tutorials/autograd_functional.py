"""The higher-level autograd API, torch.autograd.functional: jacobian of functions of one and
several inputs (reverse mode, vectorize=True, strategy="forward-mode"), hessian, vjp, jvp, hvp
and vhp with their outputs, create_graph=True to differentiate a Jacobian again, and
strict=True on an output independent of the input (after PyTorch's autograd.functional
documentation and its "Jacobians, Hessians, hvp, vhp" tutorial)."""
import torch
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp

torch.manual_seed(0)


def exp_reducer(x):
    return x.exp().sum(dim=1)


x = torch.rand(2, 2)
print(jacobian(exp_reducer, x))
print(jacobian(exp_reducer, x, vectorize=True).shape)
print(torch.allclose(jacobian(exp_reducer, x, vectorize=True, strategy="forward-mode"),
                     jacobian(exp_reducer, x)))


def exp_adder(x, y):
    return 2 * x.exp() + 3 * y


inputs = (torch.rand(2), torch.rand(2))
jx, jy = jacobian(exp_adder, inputs)
print(jx, jy)


def pow_reducer(x):
    return x.pow(3).sum()


h = hessian(pow_reducer, torch.rand(2, 2))
print(h.shape, h[0, 0])
print(hessian(lambda a, b: (a * b).sum() + a.pow(2).sum(), (torch.rand(2), torch.rand(2))))

v = torch.ones(2)
out, vjp_value = vjp(exp_reducer, torch.rand(2, 2), v)
print(out, vjp_value)
out, jvp_value = jvp(exp_reducer, torch.rand(4, 4), torch.ones(4, 4))
print(out, jvp_value)

w = torch.ones(2, 2)
y = torch.rand(2, 2)
print(hvp(pow_reducer, y, w))
print(vhp(pow_reducer, y, w))

z = torch.rand(3, requires_grad=True)
jac = jacobian(lambda t: t ** 3, z, create_graph=True)
print(jac.requires_grad, jac.grad_fn is not None)
jac.trace().backward()
print(z.grad, 6 * z.detach())

try:
    jacobian(lambda t: torch.ones(2), torch.rand(2), strict=True)
except RuntimeError as e:
    print(type(e).__name__, str(e)[:60])
print(jacobian(lambda t: torch.ones(2), torch.rand(2)))
