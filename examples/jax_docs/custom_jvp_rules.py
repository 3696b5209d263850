"""Custom derivative rules: custom_jvp for numerical stability (log1pexp), defjvps with one rule
per argument, and a rule that handles a 0/0 at the origin."""
import jax
import jax.numpy as jnp
from jax import custom_jvp


def log1pexp_naive(x):
    return jnp.log(1. + jnp.exp(x))


print(jax.grad(log1pexp_naive)(100.))


@custom_jvp
def log1pexp(x):
    return jnp.log(1. + jnp.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    ans = log1pexp(x)
    ans_dot = (1 - 1 / (1 + jnp.exp(x))) * x_dot
    return ans, ans_dot


print(log1pexp(3.))
print(jax.grad(log1pexp)(3.))
print(jax.grad(log1pexp)(100.))
print(jax.jit(jax.grad(log1pexp))(100.))
print(jax.vmap(jax.jit(jax.grad(log1pexp)))(jnp.arange(3.)))


@custom_jvp
def f(x, y):
    return jnp.sin(x) * y


f.defjvps(lambda x_dot, primal_out, x, y: jnp.cos(x) * x_dot * y,
          lambda y_dot, primal_out, x, y: jnp.sin(x) * y_dot)

print(f(2., 3.))
print(jax.grad(f)(2., 3.))
print(jax.grad(f, 1)(2., 3.))
print(jax.jvp(f, (2., 3.), (1., 1.)))


@custom_jvp
def xlogx(x):
    return jnp.where(x > 0, x * jnp.log(jnp.where(x > 0, x, 1.0)), 0.0)


@xlogx.defjvp
def xlogx_jvp(primals, tangents):
    x, = primals
    t, = tangents
    return xlogx(x), jnp.where(x > 0, jnp.log(jnp.where(x > 0, x, 1.0)) + 1.0, -jnp.inf) * t


print(jax.vmap(jax.grad(xlogx))(jnp.array([0.0, 1.0, jnp.e])))
print(jax.grad(jax.grad(log1pexp))(0.5))
