"""Pseudorandom numbers: explicit keys, split and fold_in, key data, new-style typed keys, and
reproducibility: the same key gives the same numbers, eagerly, under jit and under vmap."""
import jax
import jax.numpy as jnp
from jax import random

key = random.PRNGKey(42)
print(key)
print(random.normal(key))
print(random.normal(key))             # the same key, the same number

key, subkey = random.split(key)
print(key, subkey)
print(random.normal(subkey, (3,)))
key, *subkeys = random.split(key, num=4)
print(jnp.stack(subkeys))
print(random.split(random.PRNGKey(0), 3))

typed = random.key(0)
print(typed.dtype, typed.shape)
print(random.key_data(typed))
print(random.key_data(random.split(typed)))
print(random.uniform(typed, (2,)))
print(random.key_data(random.fold_in(typed, 7)))
print(random.key_data(random.wrap_key_data(jnp.array([0, 7], dtype=jnp.uint32))))
print(random.bits(random.PRNGKey(1), (4,)))

keys = random.split(random.PRNGKey(3), 3)
print(jax.vmap(lambda k: random.normal(k, (2,)))(keys))
print(jax.jit(lambda k: random.uniform(k, (2,)))(random.PRNGKey(3)))
print(random.uniform(random.PRNGKey(3), (2,)))

# a sequence of draws threaded through one key
def draw(key, n):
    out = []
    for _ in range(n):
        key, sub = random.split(key)
        out.append(random.randint(sub, (), 0, 100))
    return jnp.array(out)

print(draw(random.PRNGKey(7), 5))
