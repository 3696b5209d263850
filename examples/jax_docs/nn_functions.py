"""jax.nn and jax.scipy.special: activations, softmax and logsumexp (stable at large inputs),
one_hot, initializers' shapes, and their gradients."""
import jax
import jax.numpy as jnp
from jax.scipy.special import logsumexp

x = jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0])
print(jax.nn.relu(x))
print(jax.nn.sigmoid(x))
print(jax.nn.softplus(x))
print(jax.nn.gelu(x))
print(jax.nn.gelu(x, approximate=False))
print(jax.nn.silu(x))
print(jax.nn.elu(x))
print(jax.nn.leaky_relu(x, 0.1))
print(jax.nn.softmax(x))
print(jax.nn.log_softmax(x))
print(jax.nn.softmax(jnp.array([1000.0, 1000.0])))
print(logsumexp(jnp.array([1000.0, 1000.0])))
print(logsumexp(jnp.array([[1.0, 2.0], [3.0, 4.0]]), axis=1))
print(jax.nn.one_hot(jnp.array([0, 2, 1]), 3))
print(jax.nn.standardize(jnp.array([1.0, 2.0, 3.0])))
print(jax.grad(lambda x: jax.nn.relu(x).sum())(x))
print(jax.grad(lambda x: jax.nn.log_softmax(x)[1])(x))
print(jax.vmap(jax.grad(jax.nn.sigmoid))(x))
print(jax.nn.logsumexp(x))
print(jax.nn.relu6(jnp.array([-1.0, 3.0, 9.0])), jax.nn.hard_tanh(jnp.array([-2.0, 0.5, 2.0])))
