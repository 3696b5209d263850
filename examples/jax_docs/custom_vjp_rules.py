"""Custom derivative rules: custom_vjp for gradient clipping, a residual-saving forward pass, and
nondiff_argnums for a function-valued argument."""
from functools import partial

import jax
import jax.numpy as jnp
from jax import custom_vjp


@custom_vjp
def clip_gradient(lo, hi, x):
    return x


def clip_gradient_fwd(lo, hi, x):
    return x, (lo, hi)


def clip_gradient_bwd(res, g):
    lo, hi = res
    return (None, None, jnp.clip(g, lo, hi))


clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)

t = jnp.linspace(0, 10, 5)
print(jax.vmap(jnp.sin)(t))
print(jax.vmap(jax.grad(jnp.sin))(t))
print(jax.vmap(jax.grad(lambda x: clip_gradient(-0.75, 0.75, jnp.sin(x))))(t))


@custom_vjp
def f(x, y):
    return jnp.sin(x) * y


def f_fwd(x, y):
    return f(x, y), (jnp.cos(x), jnp.sin(x), y)


def f_bwd(res, g):
    cos_x, sin_x, y = res
    return (cos_x * g * y, sin_x * g)


f.defvjp(f_fwd, f_bwd)
print(f(3., 4.))
print(jax.grad(f)(3., 4.))
print(jax.grad(f, argnums=(0, 1))(3., 4.))
print(jax.jit(jax.grad(f))(3., 4.))


@partial(custom_vjp, nondiff_argnums=(0,))
def app(func, x):
    return func(x)


def app_fwd(func, x):
    return func(x), x


def app_bwd(func, x, g):
    return (g * func(x),)


app.defvjp(app_fwd, app_bwd)
print(app(lambda x: x ** 3, 3.))
print(jax.grad(app, argnums=1)(lambda x: x ** 3, 3.))

try:
    jax.jvp(f, (3., 4.), (1., 0.))
except TypeError:
    print("jvp of a custom_vjp function: TypeError")
