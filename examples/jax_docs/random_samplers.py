"""Pseudorandom numbers: the samplers of jax.random, each from its own key, in JAX's default
float32."""
import jax
import jax.numpy as jnp
from jax import random

keys = random.split(random.PRNGKey(2024), 16)
print(random.uniform(keys[0], (3,), minval=-1.0, maxval=1.0))
print(random.normal(keys[1], (2, 2)))
print(random.randint(keys[2], (6,), 0, 10))
print(random.bernoulli(keys[3], 0.3, (8,)))
print(random.categorical(keys[4], jnp.log(jnp.array([0.1, 0.6, 0.3])), shape=(8,)))
print(random.choice(keys[5], 10, (4,), replace=False))
print(random.choice(keys[6], jnp.array([1.0, 2.0, 3.0]), (5,), p=jnp.array([0.2, 0.5, 0.3])))
print(random.permutation(keys[7], 8))
print(random.permutation(keys[8], jnp.arange(6).reshape(3, 2), axis=0))
print(random.truncated_normal(keys[9], -1.0, 1.0, (4,)))
print(random.exponential(keys[10], (3,)))
print(random.gumbel(keys[11], (3,)))
print(random.laplace(keys[12], (3,)))
print(random.logistic(keys[13], (3,)))
print(random.cauchy(keys[14], (3,)))
print(random.multivariate_normal(keys[15], jnp.zeros(2), jnp.array([[1.0, 0.5], [0.5, 1.0]]),
                                 (2,)))
more = random.split(random.PRNGKey(5), 6)
print(random.gamma(more[0], 2.0, (3,)))
print(random.beta(more[1], 2.0, 3.0, (3,)))
print(random.dirichlet(more[2], jnp.array([1.0, 2.0, 3.0])))
print(random.poisson(more[3], 3.0, (5,)))
print(random.t(more[4], 4.0, (3,)))
print(random.orthogonal(more[5], 3))
samples = random.normal(random.PRNGKey(0), (10000,))
print(jnp.round(samples.mean(), 2), jnp.round(samples.std(), 2))
