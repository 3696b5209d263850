"""Jacobians, Hessians, hvp and more with torch.func: jacrev and jacfwd of a small function with
argnums, batch Jacobians with vmap and by summing over the batch, hessian and jacfwd(jacrev),
and a Hessian-vector product as jvp of grad, checked against torch.autograd.functional (after
PyTorch's "Jacobians, Hessians, hvp, vhp, and more" tutorial)."""
import torch
import torch.nn.functional as F
from torch.func import hessian, jacfwd, jacrev, jvp, grad, vjp, vmap

torch.manual_seed(0)


def predict(weight, bias, x):
    return F.linear(x, weight, bias).tanh()


D = 4
weight = torch.randn(D, D)
bias = torch.randn(D)
x = torch.randn(D)

xp = x.clone().requires_grad_()
unit_vectors = torch.eye(D)


def compute_jac(xp):
    jacobian_rows = [torch.autograd.grad(predict(weight, bias, xp), xp, vec)[0]
                     for vec in unit_vectors]
    return torch.stack(jacobian_rows)


jacobian = compute_jac(xp)
print(jacobian.shape)
print(jacobian[0])

jacobian_rev = jacrev(predict, argnums=2)(weight, bias, x)
print(torch.allclose(jacobian_rev, jacobian))
jacobian_fwd = jacfwd(predict, argnums=2)(weight, bias, x)
print(torch.allclose(jacobian_fwd, jacobian_rev))

ft_jac_weight, ft_jac_bias = jacrev(predict, argnums=(0, 1))(weight, bias, x)
print(ft_jac_weight.shape, ft_jac_bias.shape)
print(ft_jac_bias)

batch_size = 3
weight = torch.randn(2, D)
bias = torch.randn(2)
x = torch.randn(batch_size, D)
compute_batch_jacobian = vmap(jacrev(predict, argnums=2), in_dims=(None, None, 0))
batch_jacobian0 = compute_batch_jacobian(weight, bias, x)
print(batch_jacobian0.shape)


def predict_with_output_summed(weight, bias, x):
    return predict(weight, bias, x).sum(0)


batch_jacobian1 = jacrev(predict_with_output_summed, argnums=2)(weight, bias, x).movedim(1, 0)
print(torch.allclose(batch_jacobian0, batch_jacobian1))

weight = torch.randn(D, D)
bias = torch.randn(D)
x = torch.randn(D)
hess_api = hessian(predict, argnums=2)(weight, bias, x)
hess_fwdfwd = jacfwd(jacfwd(predict, argnums=2), argnums=2)(weight, bias, x)
hess_revrev = jacrev(jacrev(predict, argnums=2), argnums=2)(weight, bias, x)
print(hess_api.shape, torch.allclose(hess_api, hess_fwdfwd, atol=1e-6),
      torch.allclose(hess_api, hess_revrev, atol=1e-6))


def hvp(f, primals, tangents):
    return jvp(grad(f), primals, tangents)[1]


def f(x):
    return x.sin().sum()


x = torch.randn(5)
tangent = torch.randn(5)
result = hvp(f, (x,), (tangent,))
print(torch.allclose(result, -x.sin() * tangent))
_, vjp_fn = vjp(grad(f), x)
print(torch.allclose(vjp_fn(tangent)[0], result))

from torch.autograd.functional import hessian as af_hessian, jacobian as af_jacobian

print(torch.allclose(af_jacobian(lambda v: predict(weight, bias, v), x[:4]),
                     jacrev(predict, argnums=2)(weight, bias, x[:4])))
H = af_hessian(f, x)
print(torch.allclose(H, torch.diag(-x.sin())))


def rosen(v):
    return (100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2).sum()


p = torch.tensor([1.5, -0.5, 0.25], dtype=torch.float64)
print(grad(rosen)(p))
print(hessian(rosen)(p))
