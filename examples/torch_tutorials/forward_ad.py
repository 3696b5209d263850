"""Forward-mode automatic differentiation: dual tensors in a dual_level, make_dual and
unpack_dual, tangents through nn layers, a custom Function with a jvp staticmethod, and
torch.func.jvp and jacfwd (after PyTorch's "Forward-mode Automatic Differentiation" tutorial)."""
import torch
import torch.autograd.forward_ad as fwAD
import torch.nn as nn
from torch.func import functional_call, jacfwd, jvp

torch.manual_seed(0)
primal = torch.randn(10, 10)
tangent = torch.randn(10, 10)


def fn(x, y):
    return x ** 2 + y ** 2


with fwAD.dual_level():
    dual_input = fwAD.make_dual(primal, tangent)
    print(fwAD.unpack_dual(dual_input).tangent is tangent)
    plain_tensor = torch.randn(10, 10)
    dual_output = fn(dual_input, plain_tensor)
    jvp_out = fwAD.unpack_dual(dual_output).tangent
    print(torch.allclose(jvp_out, 2 * primal * tangent))
    p, t = fwAD.unpack_dual(dual_output)
    print(p[0, :3], t[0, :3])
print(fwAD.unpack_dual(dual_output).tangent)

model = nn.Linear(5, 5)
input = torch.randn(16, 5)
params = {name: p for name, p in model.named_parameters()}
tangents = {name: torch.rand_like(p) for name, p in params.items()}
with fwAD.dual_level():
    for name, p in params.items():
        delattr(model, name)
        setattr(model, name, fwAD.make_dual(p, tangents[name]))
    out = model(input)
    jvp_result = fwAD.unpack_dual(out).tangent
print(jvp_result[:2])

model = nn.Linear(5, 5)
with fwAD.dual_level():
    dual_params = {name: fwAD.make_dual(p, tangents[name]) for name, p in params.items()}
    out = functional_call(model, dual_params, input)
    jvp_result2 = fwAD.unpack_dual(out).tangent
print(torch.allclose(jvp_result, jvp_result2))


class Fn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, foo):
        result = torch.exp(foo)
        ctx.result = result
        return result

    @staticmethod
    def jvp(ctx, gI):
        gO = gI * ctx.result
        del ctx.result
        return gO


fn = Fn.apply
primal = torch.randn(10, 10, dtype=torch.double, requires_grad=True)
tangent = torch.randn(10, 10)
with fwAD.dual_level():
    dual_input = fwAD.make_dual(primal, tangent)
    dual_output = fn(dual_input)
    jvp_output = fwAD.unpack_dual(dual_output).tangent
print(torch.allclose(jvp_output, tangent * primal.exp()))
print(torch.autograd.gradcheck(Fn.apply, (primal,), check_forward_ad=True,
                               check_backward_ad=False, check_undefined_grad=False,
                               check_batched_grad=False))

x = torch.randn(5)
t = torch.randn(5)
f = lambda x: x * torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
print(jvp(f, (x,), (t,)))
print(jvp(torch.sin, (x,), (torch.ones(5),)))
print(jacfwd(torch.sin)(x[:3]))


def g(a, b):
    return (a * b).sum(), a - b


(value, diff), (dvalue, ddiff) = jvp(g, (x, t), (torch.ones(5), torch.zeros(5)))
print(value, dvalue, ddiff)
