"""Just-in-time compilation: jit, static_argnums and static_argnames, jit as a decorator with
functools.partial, and what can't be traced (value-dependent shapes and Python branches)."""
from functools import partial

import jax
import jax.numpy as jnp


def selu(x, alpha=1.67, lmbda=1.05):
    return lmbda * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)


selu_jit = jax.jit(selu)
x = jnp.arange(5.0)
print(selu(x))
print(selu_jit(x))


def f(x, neg):
    return -x if neg else x


try:
    jax.jit(f)(10, True)
except jax.errors.TracerBoolConversionError as e:
    print(type(e).__name__)
print(jax.jit(f, static_argnums=1)(10, True))
print(jax.jit(f, static_argnames="neg")(10, neg=False))


@partial(jax.jit, static_argnames=["n"])
def g(x, n):
    i = 0
    while i < n:
        i += 1
    return x + i


print(g(10, 20))


def get_negatives(x):
    return x[x < 0]


x = jnp.array([-1.0, 2.0, -3.0])
print(get_negatives(x))
try:
    jax.jit(get_negatives)(x)
except jax.errors.NonConcreteBooleanIndexError as e:
    print(type(e).__name__)
print(jax.jit(lambda x: jnp.where(x < 0, x, 0.0))(x))
print(jax.jit(lambda x: jnp.sum(x, where=x < 0))(x))


@jax.jit
def reshape_ok(x):
    return x.reshape(jnp.array(x.shape).prod())


try:
    reshape_ok(jnp.ones((2, 3)))
except TypeError:
    print("a traced shape: TypeError")


@jax.jit
def reshape_fixed(x):
    return x.reshape((x.size,))


print(reshape_fixed(jnp.ones((2, 3))))
print(jax.jit(lambda x, n: jnp.zeros(n) + x, static_argnums=1)(1.0, 3))
