"""Control flow: lax.cond and lax.switch with traced predicates, jnp.where and lax.select for
elementwise choice, and Python control flow on static values under jit."""
from functools import partial

import jax
import jax.numpy as jnp
from jax import lax

operand = jnp.array([0.])
print(lax.cond(True, lambda x: x + 1, lambda x: x - 1, operand))
print(lax.cond(False, lambda x: x + 1, lambda x: x - 1, operand))


@jax.jit
def relu_or_square(x):
    return lax.cond(x > 0, lambda v: v ** 2, lambda v: jnp.zeros_like(v), x)


print(relu_or_square(3.0), relu_or_square(-3.0))
print(jax.grad(relu_or_square)(3.0))
print(jax.vmap(relu_or_square)(jnp.array([-1.0, 2.0])))

branches = [lambda x: x + 1.0, lambda x: x * 10.0, lambda x: -x]
for index in range(-1, 4):
    print(index, lax.switch(index, branches, 2.0))
print(jax.jit(lambda i, x: lax.switch(i, branches, x))(1, 5.0))

x = jnp.array([-2.0, 0.5, 3.0])
print(jnp.where(x > 0, x, 0.1 * x))
print(lax.select(x > 0, x, jnp.zeros_like(x)))
print(jnp.piecewise(x, [x < 0, x >= 0], [lambda v: -v, lambda v: v ** 2]))


@partial(jax.jit, static_argnums=(1,))
def f(x, n):
    y = 0.
    for i in range(n):
        y = y + x[i]
    return y


print(f(jnp.array([2., 3., 4.]), 2))


def g(x):
    if x < 3:
        return 3. * x ** 2
    return -4 * x


print(jax.grad(g)(2.), jax.grad(g)(4.))
try:
    jax.jit(g)(2.)
except jax.errors.TracerBoolConversionError as e:
    print("python if under jit:", type(e).__name__)
print(jax.jit(g, static_argnums=0)(2.))
