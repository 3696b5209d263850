"""torch.func basics: grad (with argnums and has_aux), grad_and_value, vmap over batches (in_dims,
out_dims, nested), vjp and functional_call of an nn.Module with its parameters as a dict (after
PyTorch's torch.func "whirlwind tour")."""
import torch
from torch.func import functional_call, grad, grad_and_value, vjp, vmap

torch.manual_seed(0)

x = torch.randn([])
cos_x = grad(lambda x: torch.sin(x))(x)
print(torch.allclose(cos_x, x.cos()))
neg_sin_x = grad(grad(lambda x: torch.sin(x)))(x)
print(torch.allclose(neg_sin_x, -x.sin()))
print(x, cos_x, neg_sin_x)


def f(a, b):
    return (a * b).sum() + a.pow(2).sum()


a, b = torch.randn(3), torch.randn(3)
print(grad(f)(a, b))
print(grad(f, argnums=1)(a, b))
print(grad(f, argnums=(0, 1))(a, b))


def with_aux(a):
    loss = (a ** 3).sum()
    return loss, {"loss": loss, "mean": a.mean()}


g, aux = grad(with_aux, has_aux=True)(a)
print(g, aux)
g, value = grad_and_value(f)(a, b)
print(g, value)

batched_dot = vmap(torch.dot)
xs, ys = torch.randn(2, 5), torch.randn(2, 5)
print(batched_dot(xs, ys))
print(vmap(torch.mv, in_dims=(None, 0))(torch.randn(3, 5), torch.randn(4, 5)).shape)
print(vmap(lambda v: v * 2, in_dims=1, out_dims=1)(torch.arange(6.0).reshape(2, 3)))
print(vmap(vmap(torch.outer))(torch.ones(2, 3, 4), torch.ones(2, 3, 5)).shape)
print(vmap(lambda v, s: v * s, in_dims=(0, None))(torch.arange(3.0), 10.0))

out, vjp_fn = vjp(torch.sin, a)
print(out, vjp_fn(torch.ones(3)))

model = torch.nn.Linear(3, 2)
params = {k: v.detach() for k, v in model.named_parameters()}
inputs = torch.randn(4, 3)
print(torch.allclose(functional_call(model, params, (inputs,)), model(inputs)))


def loss_fn(params, inputs):
    return functional_call(model, params, (inputs,)).pow(2).mean()


grads = grad(loss_fn)(params, inputs)
print({k: v.shape for k, v in grads.items()})
model(inputs).pow(2).mean().backward()
print(all(torch.allclose(grads[k], p.grad) for k, p in model.named_parameters()))
print(grads["bias"])
