"""Automatic vectorization: vmap with in_axes and out_axes, a batched convolution, nested vmap,
and vmap over pytrees."""
import jax
import jax.numpy as jnp

x = jnp.arange(5)
w = jnp.array([2., 3., 4.])


def convolve(x, w):
    output = []
    for i in range(1, len(x) - 1):
        output.append(jnp.dot(x[i - 1:i + 2], w))
    return jnp.array(output)


print(convolve(x, w))
xs = jnp.stack([x, x])
ws = jnp.stack([w, w])
print(jax.vmap(convolve)(xs, ws))
print(jax.vmap(convolve, in_axes=1, out_axes=1)(xs.T, ws.T))
print(jax.vmap(convolve, in_axes=[0, None])(xs, w))
print(jax.jit(jax.vmap(convolve))(xs, ws))

mat = jnp.arange(6.0).reshape(2, 3)
vecs = jnp.arange(12.0).reshape(4, 3)
print(jax.vmap(jnp.dot, in_axes=(None, 0))(mat, vecs))
print(jax.vmap(jax.vmap(lambda a, b: a * b, (0, None)), (None, 0))(jnp.arange(3.), jnp.arange(2.)))

tree = {"a": jnp.arange(3.), "b": (jnp.ones((3, 2)), jnp.zeros(3))}
print(jax.vmap(lambda t: t["a"] + t["b"][0].sum() + t["b"][1])(tree))
print(jax.vmap(lambda x: {"double": 2 * x, "sq": x ** 2}, out_axes={"double": 0, "sq": 1})(
    jnp.ones((2, 2))))
print(jax.vmap(lambda x: x.sum(), in_axes=1)(mat))
print(jax.vmap(lambda x, y: x + y, in_axes=(0, None), axis_size=None)(jnp.arange(3), 10))

try:
    jax.vmap(lambda a, b: a + b)(jnp.ones(3), jnp.ones(4))
except ValueError:
    print("mismatched batch sizes: ValueError")
