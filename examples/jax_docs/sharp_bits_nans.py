"""The sharp bits: NaNs and infinities in gradients, the double-where trick, and division by zero
that numpy would warn about."""
import jax
import jax.numpy as jnp

x = jnp.array([0.0, 1.0, 4.0])
print(jnp.sqrt(x))
print(jax.grad(lambda x: jnp.sum(jnp.sqrt(x)))(x))
print(1.0 / jnp.array([0.0, -0.0, 2.0]))
print(jnp.log(jnp.array([0.0, 1.0])))


def safe_log_bad(x):
    return jnp.where(x > 0., jnp.log(x), 0.)


def safe_log(x):
    safe_x = jnp.where(x > 0., x, 1.)
    return jnp.where(x > 0., jnp.log(safe_x), 0.)


print(jax.grad(safe_log_bad)(0.0))
print(jax.grad(safe_log)(0.0))
print(jax.vmap(jax.grad(safe_log))(jnp.array([0.0, 0.5, 2.0])))
print(jnp.isnan(jnp.array([jnp.nan, 1.0, jnp.inf])))
print(jnp.nan_to_num(jnp.array([jnp.nan, jnp.inf, -jnp.inf, 1.0])))
