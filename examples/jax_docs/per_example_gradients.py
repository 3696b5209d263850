"""Automatic vectorization: per-example gradients with vmap(grad), jit-compiled, against a loop,
and per-example gradient clipping."""
import jax
import jax.numpy as jnp


def predict(params, x):
    w, b = params
    return jnp.tanh(x @ w + b)


def loss(params, x, y):
    return jnp.sum((predict(params, x) - y) ** 2)


key_w, key_x, key_y = jax.random.split(jax.random.PRNGKey(1), 3)
params = (jax.random.normal(key_w, (3,)), jnp.float32(0.1))
xs = jax.random.normal(key_x, (4, 3))
ys = jax.random.normal(key_y, (4,))

per_example = jax.jit(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)))(params, xs, ys)
print(per_example[0])
print(per_example[1])
looped = [jax.grad(loss)(params, xs[i], ys[i]) for i in range(4)]
print(jnp.allclose(jnp.stack([g[0] for g in looped]), per_example[0], atol=1e-6))
batch_grad = jax.grad(lambda p: jnp.sum(jax.vmap(loss, (None, 0, 0))(p, xs, ys)))(params)
print(jnp.allclose(batch_grad[0], per_example[0].sum(0), atol=1e-5))


def clipped_mean_grad(params, xs, ys, max_norm=1.0):
    grads = jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(params, xs, ys)
    norms = jnp.sqrt(sum(jnp.sum(jnp.reshape(g, (g.shape[0], -1)) ** 2, axis=1)
                         for g in jax.tree.leaves(grads)))
    factor = jnp.minimum(1.0, max_norm / norms)
    return jax.tree.map(lambda g: jnp.mean(g * factor.reshape((-1,) + (1,) * (g.ndim - 1)), 0),
                        grads), norms


mean_grad, norms = jax.jit(clipped_mean_grad)(params, xs, ys)
print(norms)
print(mean_grad)
