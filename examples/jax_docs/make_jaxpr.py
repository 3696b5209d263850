"""Understanding jaxprs: make_jaxpr of simple functions, constants captured from the enclosing
scope, weak types, static arguments, and the nested jaxprs of cond, while, scan and jit."""
from functools import partial

import jax
import jax.numpy as jnp
from jax import lax


def examine_jaxpr(x):
    y = jnp.sum(x ** 2) / 3.0
    return jnp.log(y + 1.0)


print(jax.make_jaxpr(examine_jaxpr)(jnp.ones(3)))
print(jax.make_jaxpr(lambda x: x * 2.0)(3.0))
print(jax.make_jaxpr(lambda x, y: x + y)(jnp.int32(1), 2))

c = jnp.array([1.0, 2.0, 3.0])
print(jax.make_jaxpr(lambda x: x + c)(jnp.zeros(3)))
print(jax.make_jaxpr(lambda x: lax.cond(x > 0, lambda v: v + 1.0, lambda v: v - 1.0, x))(1.0))
print(jax.make_jaxpr(lambda x: lax.fori_loop(0, 3, lambda i, v: v * 2.0, x))(1.0))
print(jax.make_jaxpr(lambda xs: lax.scan(lambda c, x: (c + x, c * x), 0.0, xs))(jnp.ones(4)))
print(jax.make_jaxpr(lambda x: jax.jit(jnp.cos)(x) + 1.0)(1.0))
print(jax.make_jaxpr(partial(lambda n, x: x ** n, 3))(2.0))
print(jax.make_jaxpr(lambda x, n: jnp.zeros(n) + x, static_argnums=1)(1.0, 2))
jaxpr = jax.make_jaxpr(examine_jaxpr)(jnp.ones(3))
print(len(jaxpr.jaxpr.eqns), [v.aval for v in jaxpr.jaxpr.invars], jaxpr.out_avals)
print(jaxpr.jaxpr.eqns[0].primitive)
