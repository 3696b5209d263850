"""Looking at the autograd graph: the grad_fn of each result and its class name, walking
next_functions back to the AccumulateGrad nodes of the leaves, the tensors a node saved
(_saved_self, _saved_other, _saved_result), the graph a create_graph=True backward builds, and
anomaly detection naming the forward operation whose backward produced a NaN (after PyTorch's
"Autograd mechanics" notes and the autograd tutorial's "computational graph" section)."""
import torch

torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)
w = torch.randn(3, requires_grad=True)
y = (x * w).exp().sum()
print(type(y.grad_fn).__name__, y.grad_fn.name(), y.requires_grad, y.is_leaf)


def walk(fn, depth=0):
    if fn is None:
        return
    print("  " * depth + type(fn).__name__)
    for nxt, _ in fn.next_functions:
        walk(nxt, depth + 1)


walk(y.grad_fn)
leaf_node = y.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
print(type(leaf_node).__name__, leaf_node.variable is x)

m = x * w
print(torch.equal(m.grad_fn._saved_self, x), torch.equal(m.grad_fn._saved_other, w))
e = x.exp()
print(torch.equal(e.grad_fn._saved_result, e))
p = x.pow(2)
print(p.grad_fn._saved_exponent, torch.equal(p.grad_fn._saved_self, x))
s = x.sum()
print(s.grad_fn._saved_self_sym_sizes)

for out in (x + 1, x - w, x / w, x @ w, x.relu(), x.tanh(), x.sigmoid(), x[1:], x.view(3, 1),
            x.reshape(1, 3), x.mean(), torch.cat([x, w]), x.unsqueeze(0).t(), x.clone()):
    print(out.grad_fn.name(), end=" ")
print()

z = torch.tensor(2.0, requires_grad=True)
g, = torch.autograd.grad(z ** 3, z, create_graph=True)
print(g, g.grad_fn.name())
walk(g.grad_fn)

with torch.autograd.detect_anomaly(check_nan=True):
    a = torch.tensor([0.0, 1.0], requires_grad=True)
    b = a.sqrt() * 0
    try:
        torch.autograd.grad(b.sum(), a)
        print("no error")
    except RuntimeError as err:
        print(type(err).__name__, str(err))
print(torch.is_anomaly_enabled())
