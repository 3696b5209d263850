"""The sharp bits: double precision is off by default, so values are float32/int32, Python
scalars are weakly typed, and integer overflow wraps."""
import jax
import jax.numpy as jnp
import numpy as np

x = jnp.arange(5)
print(x.dtype)
print(jnp.ones(3).dtype, jnp.zeros(3, dtype=jnp.float64).dtype)
print(jnp.array(1.5).dtype, jnp.array(np.float64(1.5)).dtype)
print(jnp.array(1.0 / 3.0))
print(jnp.float32(1) * 2, (jnp.float32(1) * 2).dtype)
print(jnp.array(3, dtype=jnp.int8) + 1000)
print((jnp.int16(1) + 1.5).dtype)
print(jnp.array([1, 2], dtype=jnp.uint8) + jnp.array([3, 4], dtype=jnp.int8))
print(jnp.promote_types(jnp.int32, jnp.float16))
print(jnp.result_type(jnp.bfloat16, jnp.float16))
print(jnp.iinfo(jnp.int32).max + jnp.array(1, dtype=jnp.int32))
print(jnp.array([1.0, 2.0]).astype(jnp.int32) // 2)
print(jnp.finfo(jnp.float32).eps)
print(repr(jnp.array(2.0)))
print(repr(jnp.array([1, 2, 3])))
print(repr(jnp.float32(2) * 3))
