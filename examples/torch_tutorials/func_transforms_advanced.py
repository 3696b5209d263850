"""torch.func beyond the basics: vmap with chunk_size and randomness="different"/"same" (the
random numbers each gives after manual_seed), linearize, jvp and vjp with has_aux, jacrev with
chunk_size, functional_call with a tuple of dicts, strict=True and tied weights, hessian of a
module's loss in its parameters, and torch.func results that keep their autograd graph so
backward() runs through them (after PyTorch's torch.func API reference and its "UX
limitations" notes)."""
import torch
import torch.nn as nn
from torch.func import (functional_call, grad, grad_and_value, hessian, jacrev, jvp, linearize,
                        vjp, vmap)

torch.manual_seed(0)
x = torch.randn(6, 3)
print(vmap(torch.sum, chunk_size=2)(x))
print(vmap(lambda r: r.dot(r), chunk_size=4)(x))

torch.manual_seed(0)
print(vmap(lambda r: r + torch.rand(3), randomness="different")(torch.zeros(2, 3)))
torch.manual_seed(0)
print(vmap(lambda r: r + torch.rand(3), randomness="same")(torch.zeros(2, 3)))
try:
    vmap(lambda r: r + torch.rand(3))(torch.zeros(2, 3))
except RuntimeError as e:
    print(type(e).__name__, str(e)[:70])

out, jvp_fn = linearize(torch.sin, torch.tensor([0.0, 1.0, 2.0]))
print(out, jvp_fn(torch.ones(3)))
value, tangent, aux = jvp(lambda t: (t.exp(), t.sum()), (torch.zeros(2),), (torch.ones(2),),
                          has_aux=True)
print(value, tangent, aux)
value, pullback, aux = vjp(lambda t: (t ** 2, {"norm": t.norm()}), torch.tensor([3.0, 4.0]),
                           has_aux=True)
print(value, pullback(torch.ones(2)), aux)
g, (loss, aux) = grad_and_value(lambda t: ((t ** 2).sum(), t.mean()), has_aux=True)(x[0])
print(g, loss, aux)
print(jacrev(lambda t: t.sin() * t, chunk_size=1)(x[0]))

torch.manual_seed(0)
model = nn.Linear(3, 2)
params = dict(model.named_parameters())
half = {"weight": params["weight"] * 0.5}
rest = {"bias": torch.zeros(2)}
print(functional_call(model, (half, rest), (x[:2],)))
try:
    functional_call(model, {"weight": params["weight"]}, (x[:2],), strict=True)
except RuntimeError as e:
    print(type(e).__name__, str(e).splitlines()[0][:70])


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(2, 2, bias=False)
        self.dec = nn.Linear(2, 2, bias=False)
        self.dec.weight = self.enc.weight

    def forward(self, t):
        return self.dec(self.enc(t))


tied = Tied()
new_w = {"enc.weight": torch.eye(2) * 2}
print(functional_call(tied, new_w, (torch.ones(1, 2),)))
print(functional_call(tied, new_w, (torch.ones(1, 2),), tie_weights=False))


def loss(p, inp, target):
    return nn.functional.mse_loss(functional_call(model, p, (inp,)), target)


detached = {k: v.detach() for k, v in params.items()}
h = hessian(loss)(detached, x[:4], torch.zeros(4, 2))
print(h["bias"]["bias"], h["weight"]["weight"].shape)

w = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
gx = grad(lambda t: (t * w).pow(2).sum())(x[0])
gx.sum().backward()
print(gx, w.grad)
per_row = vmap(lambda r: (r * w).sum())(x)
per_row.sum().backward()
print(per_row.requires_grad, w.grad)
