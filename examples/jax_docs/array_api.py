"""jax.Array: attributes (shape, dtype, ndim, size, nbytes, weak_type), devices and
block_until_ready, repr and str of arrays of each dtype and rank, and conversions."""
import jax
import jax.numpy as jnp
import numpy as np

x = jnp.arange(6, dtype=jnp.float32).reshape(2, 3)
print(x.shape, x.dtype, x.ndim, x.size, x.nbytes, x.itemsize)
print(isinstance(x, jax.Array), x.weak_type, jnp.asarray(1.0).weak_type)
print(x.block_until_ready() is x)
print(len(x.devices()), x.devices() == {jax.devices()[0]}, x.is_fully_addressable)
print(x.device == jax.devices()[0], len(jax.devices()))
print(repr(x))
print(x)
print(repr(jnp.array([True, False])))
print(repr(jnp.array(3)))
print(repr(jnp.array([1.5, -2.25], dtype=jnp.bfloat16)))
print(repr(jnp.array([1 + 2j, 3 - 4j], dtype=jnp.complex64)))
print(repr(jnp.zeros((2, 0))))
print(repr(jnp.arange(12).reshape(2, 2, 3)))
print(jnp.array([0.1, 0.2, 0.3]) * 3)
print(jnp.array([1e-8, 1.0, 1e8]))
print(jnp.linspace(0, 1, 7))
print(np.asarray(x).dtype, x.tolist(), x[1, 2].item(), float(x[0, 1]), int(x[1, 0]))
print(x.T.shape, x.reshape(-1).shape, x.astype(jnp.int8).dtype)
print(jnp.asarray(np.arange(3)).dtype, jnp.array(np.float64(2.0)).dtype)
print(x.sum(axis=0), x.mean(), x.max(axis=1), x.argmax())
print(x[::-1, 1:], x[None].shape, x[..., 0])
print(jnp.sort(jnp.array([3, 1, 2])), jnp.argsort(jnp.array([3.0, 1.0, 2.0])))
print(jnp.unique(jnp.array([3, 1, 3, 2, 1])))
print(str(jnp.float32(0.1)), jnp.float32(0.1).dtype, jnp.int32(5) // 2)
