"""Thinking in JAX: jax.numpy looks like numpy, but its arrays are immutable, jax.lax is the
stricter layer underneath, and JAX's default types are 32-bit."""
import jax
import jax.numpy as jnp
import numpy as np

x_np = np.linspace(0, 10, 5)
x_jnp = jnp.linspace(0, 10, 5)
print(x_np)
print(x_jnp)
print(isinstance(x_jnp, jax.Array), isinstance(x_np, jax.Array))
print(x_np.dtype, x_jnp.dtype)

# the same code works on both
def smooth(x):
    return jnp.sin(x) * jnp.exp(-x / 5)

print(smooth(x_np))
print(smooth(x_jnp))

# JAX arrays are immutable: use .at for a functional update
y = jnp.arange(10)
try:
    y[0] = 10
except TypeError:
    print("in-place update: TypeError")
z = y.at[0].set(10)
print(y)
print(z)

# jnp promotes mixed types, lax does not
print(jnp.add(1, 1.0))
try:
    jax.lax.add(1, 1.0)
except TypeError:
    print("lax.add(1, 1.0): TypeError")
print(jax.lax.add(jnp.float32(1), 1.0))

# a 1-D convolution both ways
x = jnp.array([1, 2, 1], dtype=jnp.float32)
k = jnp.array([1, 0, -1], dtype=jnp.float32)
print(jnp.convolve(x, k))
print(jnp.convolve(x, k, mode="same"))
