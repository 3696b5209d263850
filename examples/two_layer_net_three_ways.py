"""Seed 001's two-layer net, trained three ways, reaching the same loss.

A fully connected ReLU net (64 examples, 1000 -> 100 -> 10) fitted to random targets with plain
gradient descent, `loss = sum((relu(x @ w1) @ w2 - y) ** 2)`, learning rate 1e-6, all in float64 and
from the same starting weights (`np.random.RandomState(0)`):

1. numpy, with the backward pass written by hand (as in the tutorial);
2. funcgrad, functionally: the parameters are a dict, the gradient comes from
   `fg.jit(fg.value_and_grad(loss))`, and the SGD update is a `tree_map` over the dict;
3. funcgrad.torch, PyTorch's way: tensors with `requires_grad=True`, `loss.backward()`, then
   `w -= learning_rate * w.grad` under `torch.no_grad()`.

The three compute the same numbers, so their losses agree to within float64 rounding at every step.
"""
import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.torch as torch

N, D_in, H, D_out = 64, 1000, 100, 10
learning_rate = 1e-6
steps = 200

rng = np.random.RandomState(0)
x_np = rng.randn(N, D_in)
y_np = rng.randn(N, D_out)
w1_np = rng.randn(D_in, H)
w2_np = rng.randn(H, D_out)

# 1. numpy, hand-written backprop ------------------------------------------------------------------
x, y, w1, w2 = x_np.copy(), y_np.copy(), w1_np.copy(), w2_np.copy()
numpy_losses = []
for t in range(steps):
    h = x.dot(w1)
    h_relu = np.maximum(h, 0)
    y_pred = h_relu.dot(w2)
    numpy_losses.append(np.square(y_pred - y).sum())
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h = grad_y_pred.dot(w2.T)
    grad_h[h < 0] = 0
    grad_w1 = x.T.dot(grad_h)
    w1 -= learning_rate * grad_w1
    w2 -= learning_rate * grad_w2


# 2. funcgrad, functional: a dict of parameters, jit(value_and_grad), SGD as a tree_map --------------
def loss_fn(params, x, y):
    y_pred = fnp.maximum(x @ params["w1"], 0) @ params["w2"]
    return fnp.sum((y_pred - y) ** 2)


loss_and_grad = fg.jit(fg.value_and_grad(loss_fn))


@fg.jit
def sgd(params, grads):
    return fg.tree.tree_map(lambda p, g: p - learning_rate * g, params, grads)


params = {"w1": fnp.asarray(w1_np), "w2": fnp.asarray(w2_np)}
xf, yf = fnp.asarray(x_np), fnp.asarray(y_np)
funcgrad_losses = []
for t in range(steps):
    loss, grads = loss_and_grad(params, xf, yf)
    funcgrad_losses.append(float(loss))
    params = sgd(params, grads)

# 3. funcgrad.torch, PyTorch's way: requires_grad, loss.backward(), update under no_grad ------------
dtype = torch.float64
xt = torch.tensor(x_np, dtype=dtype)
yt = torch.tensor(y_np, dtype=dtype)
w1t = torch.tensor(w1_np, dtype=dtype, requires_grad=True)
w2t = torch.tensor(w2_np, dtype=dtype, requires_grad=True)
torch_losses = []
for t in range(steps):
    y_pred = xt.mm(w1t).clamp(min=0).mm(w2t)
    loss = (y_pred - yt).pow(2).sum()
    torch_losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w1t -= learning_rate * w1t.grad
        w2t -= learning_rate * w2t.grad
        w1t.grad.zero_()
        w2t.grad.zero_()

print(f"{'step':>4}  {'numpy':>14}  {'funcgrad':>14}  {'funcgrad.torch':>14}")
for t in (0, 1, 10, 50, 100, steps - 1):
    print(f"{t:4d}  {numpy_losses[t]:14.6e}  {funcgrad_losses[t]:14.6e}  {torch_losses[t]:14.6e}")

assert numpy_losses[-1] < 1e-2 * numpy_losses[0], "the loss should go down"
assert np.allclose(funcgrad_losses, numpy_losses, rtol=1e-9), "funcgrad differs from numpy"
assert np.allclose(torch_losses, numpy_losses, rtol=1e-9), "funcgrad.torch differs from numpy"
assert np.allclose(np.asarray(params["w2"]), w2, rtol=1e-9)
assert np.allclose(w2t.detach().numpy(), w2, rtol=1e-9)
rel = max(abs(a - b) / abs(b) for a, b in zip(funcgrad_losses + torch_losses, numpy_losses * 2))
print(f"final loss {numpy_losses[-1]:.6e}: the same three ways "
      f"(largest relative difference over all steps {rel:.1e})")
