"""Hooks: register_hook on tensors (inspecting and replacing a gradient, retain_grad), module
forward pre-hooks and forward hooks that record activations, full backward hooks, removing a
hook by its handle, and a state-dict hook (after PyTorch's autograd and nn.Module hook
documentation)."""
import torch
from torch import nn

torch.manual_seed(0)

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
seen = []
h = y.register_hook(lambda g: seen.append(g.clone()))
y.register_hook(lambda g: g * 10)
y.retain_grad()
y.sum().backward()
print(seen, x.grad, y.grad)
h.remove()

x.grad = None
z = x.pow(2)
z.register_hook(lambda g: print("grad of z", g))
z.sum().backward()
print(x.grad)

leaf_calls = []
x.register_hook(lambda g: leaf_calls.append(g.tolist()))
(x * 3).sum().backward()
print(leaf_calls, x.grad)

model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
activations = {}


def save_activation(name):
    def hook(module, inputs, output):
        activations[name] = output.detach()
    return hook


handles = [m.register_forward_hook(save_activation(name))
           for name, m in model.named_children()]


def pre_hook(module, inputs):
    print("pre-hook got", tuple(inputs[0].shape))
    return (inputs[0] * 0.5,)


pre = model[0].register_forward_pre_hook(pre_hook)
out = model(torch.ones(2, 3))
print(sorted(activations), activations["1"])
print(out)
pre.remove()
for handle in handles:
    handle.remove()
activations.clear()
model(torch.ones(1, 3))
print(activations)


def backward_hook(module, grad_input, grad_output):
    print(type(module).__name__, [None if g is None else tuple(g.shape) for g in grad_input],
          [tuple(g.shape) for g in grad_output])


bh = model[2].register_full_backward_hook(backward_hook)
model(torch.randn(5, 3)).sum().backward()
bh.remove()
print(model[2].weight.grad)


def scale_output(module, inputs, output):
    return output * 0


model[2].register_forward_hook(scale_output)
print(model(torch.ones(1, 3)))

w = torch.randn(3, requires_grad=True)
grads = []
w.register_post_accumulate_grad_hook(lambda p: grads.append(p.grad.clone()))
(w * w).sum().backward()
print(grads[0], w.grad)
