"""Stateful computations: linear regression trained by gradient descent, the parameters a pytree
passed in and returned by a jitted update, the data from jax.random."""
from typing import NamedTuple

import jax
import jax.numpy as jnp


class Params(NamedTuple):
    weight: jnp.ndarray
    bias: jnp.ndarray


def init(rng) -> Params:
    weights_key, bias_key = jax.random.split(rng)
    weight = jax.random.normal(weights_key, ())
    bias = jax.random.normal(bias_key, ())
    return Params(weight, bias)


def loss(params: Params, x: jnp.ndarray, y: jnp.ndarray) -> jnp.ndarray:
    pred = params.weight * x + params.bias
    return jnp.mean((pred - y) ** 2)


LEARNING_RATE = 0.005


@jax.jit
def update(params: Params, x: jnp.ndarray, y: jnp.ndarray) -> Params:
    grad = jax.grad(loss)(params, x, y)
    return jax.tree.map(lambda param, g: param - g * LEARNING_RATE, params, grad)


rng = jax.random.key(42)
x_rng, noise_rng = jax.random.split(rng)
xs = jax.random.normal(x_rng, (128, 1))
noise = jax.random.normal(noise_rng, (128, 1)) * 0.5
ys = xs * 3 - 1 + noise

params = init(rng)
print(params)
for i in range(1000):
    params = update(params, xs, ys)
    if i % 250 == 0:
        print(i, loss(params, xs, ys))
print(jnp.round(params.weight, 2), jnp.round(params.bias, 2))
