"""Per-example gradients with vmap(grad(...)), for a small linear model.

A batch gradient averages away how each example pulls on the parameters; some methods need each
example's own gradient (per-example clipping in differentially private SGD, gradient-variance
estimates, influence functions). Written as a loop, that is one backward pass per example.
`fg.vmap(fg.grad(loss))` computes them all in one batched pass, from a loss written for one
example.
"""
import time

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp

rng = np.random.default_rng(0)
n, d = 256, 8
X = fnp.asarray(rng.normal(size=(n, d)))
true_w = fnp.asarray(rng.normal(size=d))
Y = X @ true_w + 0.1 * fnp.asarray(rng.normal(size=n))
params = {"w": fnp.zeros(d), "b": 0.0}


def example_loss(params, x, y):
    """The squared error of ONE example: x has shape (d,), y is a scalar."""
    pred = fnp.dot(x, params["w"]) + params["b"]
    return (pred - y) ** 2


# params are shared by every example (None), x and y are mapped over their first axis (0).
per_example_grads = fg.jit(fg.vmap(fg.grad(example_loss), in_axes=(None, 0, 0)))

g = per_example_grads(params, X, Y)
print("per-example gradients: w", g["w"].shape, " b", g["b"].shape)

# The same, one example at a time.
t0 = time.perf_counter()
looped = [fg.grad(example_loss)(params, X[i], Y[i]) for i in range(n)]
t_loop = time.perf_counter() - t0
print("matches a Python loop:",
      np.allclose(g["w"], fnp.stack([l["w"] for l in looped])) and
      np.allclose(g["b"], fnp.stack([l["b"] for l in looped])))

# Their mean is the gradient of the mean loss.
batch_grad = fg.grad(lambda p: fnp.mean(fg.vmap(example_loss, in_axes=(None, 0, 0))(p, X, Y)))(params)
print("mean of per-example gradients == batch gradient:",
      np.allclose(fnp.mean(g["w"], axis=0), batch_grad["w"]))

t0 = time.perf_counter()
for _ in range(10):
    per_example_grads(params, X, Y)
t_vmap = (time.perf_counter() - t0) / 10
print(f"{n} examples: loop {t_loop * 1e3:.1f} ms, jit(vmap(grad)) {t_vmap * 1e3:.2f} ms")

# What it is for: clip each example's gradient to norm <= 1 before averaging (as in DP-SGD).
norms = fnp.sqrt(fnp.sum(g["w"] ** 2, axis=1) + g["b"] ** 2)
factor = fnp.minimum(1.0, 1.0 / norms)
clipped_w = fnp.mean(g["w"] * factor[:, None], axis=0)
print(f"gradient norms: median {float(np.median(np.asarray(norms))):.2f}, "
      f"max {float(fnp.max(norms)):.2f}; clipped mean gradient norm "
      f"{float(fnp.sqrt(fnp.sum(clipped_w ** 2))):.3f}")
