"""Module backward hooks: register_full_backward_hook on a module with two tensor inputs (one
needing no grad) and two outputs, a pre-hook that replaces grad_output and a hook that replaces
grad_input, the warning when no input requires grad, removing a hook, hooks on each layer of a
Sequential, and what no_grad does (after the hook sections of PyTorch's nn.Module
documentation)."""
import warnings

import torch
import torch.nn as nn

torch.manual_seed(0)


def report(tag):
    def hook(module, grad_input, grad_output):
        def sums(gs):
            return [None if g is None else round(g.sum().item(), 4) for g in gs]
        print(tag, type(module).__name__, sums(grad_input), sums(grad_output))
    return hook


class Two(nn.Module):
    def forward(self, a, b, k=2):
        return a * b * k, a - b


two = Two()
two.register_full_backward_hook(report("two"))
a = torch.randn(3, requires_grad=True)
b = torch.randn(3)
x, y = two(a, b)
print(x.grad_fn.name(), y.grad_fn.name())
(x.sum() + 2 * y.sum()).backward()
print(a.grad)

lin = nn.Linear(3, 2)
lin.register_full_backward_pre_hook(lambda module, grad_output: (torch.ones_like(grad_output[0]),))
lin.register_full_backward_hook(lambda module, grad_input, grad_output: (grad_input[0] * 10,))
inp = torch.randn(4, 3, requires_grad=True)
(lin(inp) * 5).sum().backward()
print(inp.grad.sum(), lin.weight.grad.sum())

first = nn.Linear(3, 2)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    handle = first.register_full_backward_hook(report("first layer"))
    first(torch.ones(2, 3)).sum().backward()
print([type(w.message).__name__ for w in caught])
handle.remove()
first(torch.ones(2, 3)).sum().backward()
print(first._backward_hooks)

seq = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1))
for layer in seq:
    layer.register_full_backward_hook(report("seq"))
seq(torch.randn(2, 3, requires_grad=True)).sum().backward()
with torch.no_grad():
    print(seq(torch.ones(1, 3)).requires_grad)
try:
    lin.register_backward_hook(lambda *args: None)
except RuntimeError as e:
    print(type(e).__name__, str(e).split(".")[0])
