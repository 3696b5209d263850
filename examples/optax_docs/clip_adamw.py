"""Chaining transformations: clip_by_global_norm before adamw, as optax's guides train models.

`optax.chain` runs transformations in order on the updates; clipping the gradients' global norm to
1 first bounds each step however large the gradient. A loss with a steep wall shows the clip at
work: the unclipped gradient norms are printed beside the clipped step sizes.
"""
import jax
import jax.numpy as jnp
import numpy as np
import optax

rng = np.random.default_rng(7)
x = jnp.asarray(rng.standard_normal((64, 4)), dtype=jnp.float32)
w_true = jnp.asarray([3.0, -1.0, 0.0, 2.0], dtype=jnp.float32)
y = jnp.asarray(np.sign(np.asarray(x @ w_true)), dtype=jnp.float32)
params = {"w": jnp.asarray(5.0 * rng.standard_normal(4), dtype=jnp.float32),
          "b": jnp.zeros((), dtype=jnp.float32)}


def loss_fn(params):
    logits = x @ params["w"] + params["b"]
    # a logistic loss plus a steep penalty on large weights
    return jnp.mean(jax.nn.softplus(-y * logits)) + 0.5 * jnp.sum(params["w"] ** 4) / 100.0


optimizer = optax.chain(optax.clip_by_global_norm(1.0),
                        optax.adamw(learning_rate=0.05, weight_decay=1e-2))
state = optimizer.init(params)


@jax.jit
def step(params, state):
    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, state = optimizer.update(grads, state, params)
    return (optax.apply_updates(params, updates), state, loss, optax.tree.norm(grads),
            optax.tree.norm(updates))


for i in range(150):
    params, state, loss, gnorm, unorm = step(params, state)
    if i % 25 == 0 or i == 149:
        print(f"step {i:3d} loss {float(loss):8.4f} grad norm {float(gnorm):9.3f} "
              f"step norm {float(unorm):.4f}")
print("state:", type(state[0]).__name__, type(state[1][0]).__name__, int(state[1][0].count))
print("w", " ".join(f"{v:.3f}" for v in np.asarray(params["w"])))
