"""Indexed updates: x.at[idx] with set, add, multiply, divide, power, min, max, apply and get,
the out-of-bounds modes, repeated indices, and the same under jit and vmap."""
import jax
import jax.numpy as jnp

x = jnp.zeros((3, 4), dtype=jnp.float32)
print(x.at[1, 2].set(5.0))
print(x.at[:, 1].add(1.0))
print(jnp.ones(4).at[jnp.array([0, 0, 2])].add(1.0))        # repeated indices accumulate
print(jnp.arange(1.0, 5.0).at[1:].multiply(2.0))
print(jnp.arange(1.0, 5.0).at[0].divide(4.0))
print(jnp.arange(1.0, 5.0).at[2].power(2))
print(jnp.arange(5).at[jnp.array([1, 3])].min(jnp.array([0, 10])))
print(jnp.arange(5).at[jnp.array([1, 3])].max(jnp.array([0, 10])))
print(jnp.arange(5.0).at[2:].apply(jnp.negative))
print(jnp.arange(5).at[jnp.array([1, 4])].get())

y = jnp.arange(5)
print(y.at[7].set(100))                                   # dropped by default
print(y.at[7].set(100, mode="clip"))
print(y.at[jnp.array([1, 7])].add(10, mode="drop"))
print(y.at[jnp.array([1, 7])].get(mode="fill", fill_value=-1))
print(y.at[jnp.array([1, 7])].get(mode="clip"))
print(y.at[-1].set(9))
print(y.at[jnp.array([True, False, True, False, True])].set(0))

print(jax.jit(lambda v, i: v.at[i].add(1))(y, 3))
print(jax.jit(lambda v, i: v.at[i].set(0))(y, 9))
print(jax.vmap(lambda v, i: v.at[i].set(-1))(jnp.zeros((3, 3), dtype=jnp.int32),
                                             jnp.array([0, 1, 2])))
print(jax.grad(lambda v: jnp.sum(v.at[1].set(0.0) * v))(jnp.arange(3.0)))
print(jax.grad(lambda v: v.at[jnp.array([0, 0, 1])].get().sum())(jnp.arange(3.0)))
