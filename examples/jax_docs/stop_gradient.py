"""Stopping gradients: lax.stop_gradient in a TD(0) update, a straight-through estimator, and
the gradient of a detached term."""
import jax
import jax.numpy as jnp
from jax import lax


def value_fn(theta, state):
    return theta.dot(state)


s_tm1 = jnp.array([1., 2., -1.])
r_t = jnp.array(1.)
s_t = jnp.array([2., 1., 0.])
theta = jnp.array([0.1, -0.1, 0.])


def td_loss(theta, s_tm1, r_t, s_t):
    v_tm1 = value_fn(theta, s_tm1)
    target = r_t + value_fn(theta, s_t)
    return -0.5 * ((lax.stop_gradient(target) - v_tm1) ** 2)


print(jax.grad(td_loss)(theta, s_tm1, r_t, s_t))


def td_loss_no_stop(theta, s_tm1, r_t, s_t):
    v_tm1 = value_fn(theta, s_tm1)
    target = r_t + value_fn(theta, s_t)
    return -0.5 * ((target - v_tm1) ** 2)


print(jax.grad(td_loss_no_stop)(theta, s_tm1, r_t, s_t))


def f(x):
    zero = x - lax.stop_gradient(x)
    return zero + lax.stop_gradient(jnp.round(x))


x = jnp.array([0.2, 1.7, -0.6])
print(f(x))
print(jax.jacfwd(f)(x))
print(jax.grad(lambda x: jnp.sum(lax.stop_gradient(x) * x))(x))
print(jax.grad(lambda x: jax.lax.stop_gradient(x ** 2) + x)(3.0))
print(jax.jit(jax.grad(lambda x: jnp.sum(jax.lax.stop_gradient(x) ** 2 * x)))(x))
print(jax.vmap(jax.grad(lambda x: lax.stop_gradient(x) * x))(x))
