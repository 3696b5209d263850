"""The autodiff cookbook on complex numbers: grad of a real-valued function of complex inputs
(the conjugate convention), holomorphic=True, and jvp/vjp of complex functions."""
import jax
import jax.numpy as jnp


def f(z):
    x, y = jnp.real(z), jnp.imag(z)
    return x ** 2 + y ** 2


z = 3. + 4j
print(jax.grad(f)(z))


def g(z):
    return jnp.abs(z) ** 2


print(jax.grad(g)(1.0 + 2.0j))

h = lambda z: z ** 3 + 2 * z
print(jax.grad(h, holomorphic=True)(1.0 + 1.0j))
print(jax.grad(jnp.sin, holomorphic=True)(2.0 + 0.5j))
print(jnp.cos(2.0 + 0.5j))

try:
    jax.grad(h)(1.0 + 1.0j)
except TypeError:
    print("grad of a complex output: TypeError")

try:
    jax.grad(jnp.sin, holomorphic=True)(2.0)
except TypeError:
    print("holomorphic with a real input: TypeError")

print(jax.jvp(h, (1.0 + 1.0j,), (1.0 + 0.0j,)))
out, pullback = jax.vjp(h, 1.0 + 1.0j)
print(pullback(1.0 + 0.0j))
zs = jnp.array([1.0 + 1.0j, 2.0 - 1.0j])
print(jax.vmap(jax.grad(h, holomorphic=True))(zs))
print(jax.jacfwd(lambda z: z ** 2, holomorphic=True)(zs))
