"""An Elman RNN over a sequence with lax.scan, trained by gradient descent under
fg.jit(fg.value_and_grad(...)).

The RNN reads a noisy sine wave one value at a time and predicts the next value:
    h_t = tanh(W_x x_t + W_h h_{t-1} + b),   y_t = w_o . h_t + b_o.
lax.scan runs the recurrence as one loop primitive in the jaxpr (the body traced once, however long
the sequence); reverse mode differentiates it as a scan running backwards through time.
"""
import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax

rng = np.random.default_rng(0)
T, H = 40, 16
t = np.arange(T + 1)
wave = np.sin(0.3 * t) + 0.05 * rng.normal(size=T + 1)
xs, targets = fnp.asarray(wave[:-1]), fnp.asarray(wave[1:])   # predict the next value

params = {
    "W_x": fnp.asarray(rng.normal(size=H) * 0.5),
    "W_h": fnp.asarray(rng.normal(size=(H, H)) * 0.3 / np.sqrt(H)),
    "b": fnp.zeros(H),
    "w_o": fnp.asarray(rng.normal(size=H) * 0.1),
    "b_o": 0.0,
}


def rnn(params, xs):
    def step(h, x):                                   # carry: the hidden state
        h = fnp.tanh(params["W_x"] * x + params["W_h"] @ h + params["b"])
        y = fnp.dot(params["w_o"], h) + params["b_o"]
        return h, y                                   # (new carry, this step's output)
    h_last, ys = lax.scan(step, fnp.zeros(H), xs)
    return ys


def loss(params, xs, targets):
    return fnp.mean((rnn(params, xs) - targets) ** 2)


loss_and_grads = fg.jit(fg.value_and_grad(loss))

print("the jaxpr holds one scan, whatever T is:",
      [e.prim.name for e in fg.make_jaxpr(rnn)(params, xs).jaxpr.eqns])

lr, first = 0.1, None
for step in range(301):
    value, grads = loss_and_grads(params, xs, targets)
    params = fg.tree.tree_map(lambda p, g: p - lr * g, params, grads)
    first = float(value) if first is None else first
    if step % 50 == 0:
        print(f"step {step:3d}  loss {float(value):.5f}")

assert float(value) < 0.5 * first, "the loss should go down"
print("predicted vs actual, last 4 steps:")
print(" ", np.round(np.asarray(rnn(params, xs))[-4:], 3))
print(" ", np.round(np.asarray(targets)[-4:], 3))
