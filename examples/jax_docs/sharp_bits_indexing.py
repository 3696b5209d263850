"""The sharp bits: out-of-bounds indexing clamps reads and drops updates, or fills them when asked;
in-place updates become .at expressions."""
import jax
import jax.numpy as jnp
import numpy as np

x = jnp.arange(10)
print(x[11])
print(x.at[11].get(mode="fill", fill_value=-1))
print(x.at[11].add(100))
print(jnp.arange(10.0).at[11].get())
print(jnp.arange(10.0).at[11].get(mode="fill", fill_value=jnp.nan))

print(np.sum([1, 2, 3]))
print(jnp.sum(jnp.array([1, 2, 3])))

jax_array = jnp.zeros((3, 3), dtype=jnp.float32)
updated = jax_array.at[1, :].set(1.0)
print(jax_array)
print(updated)
new = jax_array.at[::2, 1:].add(7.)
print(new)
