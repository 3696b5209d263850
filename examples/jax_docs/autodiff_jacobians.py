"""The autodiff cookbook: jacfwd, jacrev, hessian, and Jacobians of functions of pytrees."""
import jax
import jax.numpy as jnp


def f(x):
    return jnp.array([x[0] ** 2 * x[1], 5 * x[0] + jnp.sin(x[1]), x[1] ** 3])


x = jnp.array([1.0, 2.0])
print(jax.jacfwd(f)(x))
print(jax.jacrev(f)(x))
print(jnp.allclose(jax.jacfwd(f)(x), jax.jacrev(f)(x)))


def scalar(x):
    return jnp.sum(x ** 3) + x[0] * x[1]


print(jax.hessian(scalar)(x))
print(jax.jacfwd(jax.jacrev(scalar))(x))


def g(params):
    return params["a"] * jnp.tanh(params["b"])


params = {"a": jnp.array([1.0, 2.0]), "b": jnp.array([0.5, -0.5])}
J = jax.jacrev(g)(params)
print(sorted(J))
print(J["a"])
print(J["b"])
print(jax.jacrev(g)(params)["b"].shape)

# argnums and has_aux on Jacobians
def h(x, y):
    return x * y, x + y


print(jax.jacrev(h, argnums=1, has_aux=True)(x, jnp.array([3.0, 4.0])))
