"""Generalized convolutions: jnp.convolve, lax.conv_general_dilated with dimension numbers,
strides, padding, dilation and feature groups, and lax.conv."""
import jax
import jax.numpy as jnp
from jax import lax

x = jnp.linspace(0, 1, 8)
k = jnp.array([1.0, 2.0, 1.0]) / 4
print(jnp.convolve(x, k, mode="same"))
print(jnp.convolve(x, k, mode="valid"))
print(jnp.correlate(x, jnp.array([1.0, -1.0])))

img = jnp.arange(2 * 1 * 5 * 5, dtype=jnp.float32).reshape(2, 1, 5, 5)
kernel = jnp.array([[[[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]]], dtype=jnp.float32)
print(lax.conv(img, kernel, (1, 1), "SAME")[0, 0])
print(lax.conv_general_dilated(img, kernel, (2, 2), "VALID").shape)
print(lax.conv_general_dilated(img, kernel, (1, 1), ((1, 1), (0, 0)), rhs_dilation=(2, 1)).shape)
print(lax.conv_general_dilated(img, kernel, (1, 1), ((1, 1), (1, 1)),
                               lhs_dilation=(2, 2)).shape)

nhwc = jnp.transpose(img, (0, 2, 3, 1))
hwio = jnp.transpose(kernel, (2, 3, 1, 0))
dn = lax.conv_dimension_numbers(nhwc.shape, hwio.shape, ("NHWC", "HWIO", "NHWC"))
print(dn)
out = lax.conv_general_dilated(nhwc, hwio, (1, 1), "SAME", dimension_numbers=dn)
print(out.shape, jnp.allclose(out[..., 0], lax.conv(img, kernel, (1, 1), "SAME")[:, 0]))

x2 = jnp.ones((1, 4, 6), dtype=jnp.float32)
w2 = jnp.ones((4, 2, 3), dtype=jnp.float32)       # 2 groups of 2 input features
print(lax.conv_general_dilated(x2, w2, (1,), "VALID", feature_group_count=2))
print(lax.conv_with_general_padding(x2[:, :2], jnp.ones((1, 2, 3)), (1,), [(1, 1)], (1,), (1,)))
g = jax.grad(lambda k: lax.conv(img, k, (1, 1), "VALID").sum())(kernel)
print(g)
