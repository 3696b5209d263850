"""Optimistic gradient methods on a bilinear min-max game.

After optax's optimistic-gradient example: min_x max_y x^T A y has its saddle point at 0. Plain
simultaneous gradient descent-ascent spirals away from it; optimistic gradient descent (and
optimistic adam) converge. The min player descends on grad_x, the max player on -grad_y.
"""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax

rng = np.random.default_rng(4)
A = jnp.asarray(rng.standard_normal((3, 3)) + 2.0 * np.eye(3), dtype=jnp.float32)
x0 = jnp.asarray(rng.standard_normal(3), dtype=jnp.float32)
y0 = jnp.asarray(rng.standard_normal(3), dtype=jnp.float32)


def f(params):
    return params["x"] @ A @ params["y"]


def game_gradient(params):
    g = jax.grad(f)(params)
    return {"x": g["x"], "y": -g["y"]}  # descend in x, ascend in y


def play(optimizer, steps=200):
    params = {"x": x0, "y": y0}
    state = optimizer.init(params)

    @jax.jit
    def step(params, state):
        updates, state = optimizer.update(game_gradient(params), state, params)
        return optax.apply_updates(params, updates), state

    norms = []
    for i in range(steps):
        params, state = step(params, state)
        if i % 50 == 49:
            norms.append(float(optax.tree.norm(params)))
    return norms


with warnings.catch_warnings():  # optax 0.2.8 deprecates optimistic_adam for a _v2
    warnings.simplefilter("ignore", DeprecationWarning)
    optimistic_adam = optax.optimistic_adam(0.02, optimism=1.0, b2=0.99)
for name, opt in [
    ("sgd (descent-ascent)", optax.sgd(0.05)),
    ("optimistic_gd", optax.optimistic_gradient_descent(0.05, alpha=1.0, beta=1.0)),
    ("optimistic_adam", optimistic_adam),
]:
    norms = play(opt)
    trend = "converges" if norms[-1] < norms[0] else "diverges"
    print(f"{name:21s}", " ".join(f"{n:.4f}" for n in norms), trend)
