"""Extending torch.autograd: custom Functions with ctx.save_for_backward, non-tensor arguments,
needs_input_grad, mark_non_differentiable outputs, once_differentiable backward passes, a
setup_context split, and double backward through a differentiable backward (after PyTorch's
"Extending PyTorch" and "Double Backward with Custom Functions" pages)."""
import torch
from torch.autograd import Function
from torch.autograd.function import once_differentiable

torch.manual_seed(0)


class LinearFunction(Function):
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
w = torch.randn(2, 3, dtype=torch.double, requires_grad=True)
b = torch.randn(2, dtype=torch.double, requires_grad=True)
out = LinearFunction.apply(x, w, b)
out.sum().backward()
print(out)
print(x.grad, w.grad, b.grad)
ref = torch.nn.functional.linear(x, w, b)
print(torch.allclose(out, ref))


class MulConstant(Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None


t = torch.arange(3.0, requires_grad=True)
MulConstant.apply(t, 5.5).sum().backward()
print(t.grad)


class SortWithIndices(Function):
    @staticmethod
    def forward(ctx, x):
        values, idx = x.sort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return values, idx

    @staticmethod
    @once_differentiable
    def backward(ctx, g_values, g_idx):
        idx, = ctx.saved_tensors
        grad = torch.zeros_like(g_values)
        grad.index_add_(0, idx, g_values)
        return grad


v = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
values, idx = SortWithIndices.apply(v)
print(values, idx, idx.requires_grad)
(values * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
print(v.grad)


class Exp(Function):
    @staticmethod
    def forward(x):
        return x.exp()

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, grad_out):
        result, = ctx.saved_tensors
        return grad_out * result


z = torch.tensor([0.0, 1.0], requires_grad=True)
y = Exp.apply(z)
g, = torch.autograd.grad(y.sum(), z, create_graph=True)
gg, = torch.autograd.grad(g.sum(), z)
print(y, g, gg)


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        return grad_out * 3 * x ** 2


c = torch.tensor(2.0, dtype=torch.double, requires_grad=True)
first, = torch.autograd.grad(Cube.apply(c), c, create_graph=True)
second, = torch.autograd.grad(first, c)
print(first.item(), second.item())
print(torch.autograd.gradcheck(Cube.apply, (torch.randn(3, dtype=torch.double,
                                                         requires_grad=True),)))
print(torch.autograd.gradgradcheck(Cube.apply, (torch.randn(3, dtype=torch.double,
                                                             requires_grad=True),)))

s = torch.tensor([1.0, 2.0], requires_grad=True)
vals, _ = SortWithIndices.apply(s * 2)
g, = torch.autograd.grad(vals.sum(), s, create_graph=True)
print(g, g.requires_grad)
