"""Changing a learning rate mid-training with optax.inject_hyperparams.

After optax's inject_hyperparams guide: the wrapped optimizer keeps its hyperparameters in its
state (`opt_state.hyperparams`), where a training loop can read them, and change them, without
rebuilding the optimizer or recompiling the step.
"""
import jax
import jax.numpy as jnp
import numpy as np
import optax

rng = np.random.default_rng(6)
x = jnp.asarray(rng.standard_normal((40, 2)), dtype=jnp.float32)
y = jnp.asarray(x @ np.array([2.0, -1.0], dtype=np.float32) + 0.3, dtype=jnp.float32)
params = {"w": jnp.zeros((2,), dtype=jnp.float32), "b": jnp.zeros((), dtype=jnp.float32)}

optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=0.01, momentum=0.5)
state = optimizer.init(params)
print("hyperparams", sorted(state.hyperparams), state.hyperparams["learning_rate"].dtype)


def loss_fn(params):
    return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)


@jax.jit
def step(params, state):
    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, state = optimizer.update(grads, state, params)
    return optax.apply_updates(params, updates), state, loss


for i in range(30):
    if i == 10:  # warm up over: a larger step from here on
        state.hyperparams["learning_rate"] = jnp.asarray(0.1, dtype=jnp.float32)
    if i == 20:
        state.hyperparams["momentum"] = jnp.asarray(0.0, dtype=jnp.float32)
    params, state, loss = step(params, state)
    if i % 5 == 4:
        print(f"step {i:2d} lr {float(state.hyperparams['learning_rate']):.3f} "
              f"momentum {float(state.hyperparams['momentum']):.2f} loss {float(loss):.5f}")

# a schedule as a hyperparameter: its current value shows in the state
scheduled = optax.inject_hyperparams(optax.adam)(
    learning_rate=optax.linear_schedule(0.1, 0.01, transition_steps=4))
s = scheduled.init(params)
for i in range(6):
    _, s = scheduled.update(jax.tree.map(jnp.ones_like, params), s, params)
    print(f"update {i} learning_rate {float(s.hyperparams['learning_rate']):.4f}")
print("w", " ".join(f"{v:.4f}" for v in np.asarray(params["w"])), f"b {float(params['b']):.4f}")
