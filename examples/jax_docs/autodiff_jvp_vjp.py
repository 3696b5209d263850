"""The autodiff cookbook: jvp pushes tangents forward, vjp pulls cotangents back, linearize keeps
the linear map; Jacobian-matrix products with vmap."""
import jax
import jax.numpy as jnp


def f(x):
    return jnp.stack([jnp.sin(x[0]) * x[1], x[0] * x[1] ** 2, jnp.exp(x[1])])


x = jnp.array([0.5, 1.5])
y, y_dot = jax.jvp(f, (x,), (jnp.array([1.0, 0.0]),))
print(y)
print(y_dot)

y2, vjp_fun = jax.vjp(f, x)
print(vjp_fun(jnp.array([1.0, 0.0, 0.0])))
print(vjp_fun(jnp.ones(3)))

y3, f_jvp = jax.linearize(f, x)
print(f_jvp(jnp.array([0.0, 1.0])))
print(jnp.allclose(f_jvp(jnp.array([1.0, 0.0])), y_dot))

# a Jacobian built column by column with vmap over jvp, row by row with vmap over vjp
cols = jax.vmap(lambda t: jax.jvp(f, (x,), (t,))[1], out_axes=1)(jnp.eye(2))
rows = jax.vmap(lambda c: vjp_fun(c)[0])(jnp.eye(3))
print(cols)
print(jnp.allclose(cols, rows), jnp.allclose(cols, jax.jacfwd(f)(x)))

# jvp and vjp of a function of two arguments
def g(a, b):
    return a * jnp.cos(b)

print(jax.jvp(g, (2.0, 0.0), (1.0, 1.0)))
out, pullback = jax.vjp(g, 2.0, 0.5)
print(out, pullback(1.0))
