"""Getting started with optax: fit a small MLP to a 1-D regression with adam.

After optax's "Getting started" guide: parameters in a dict, a loss, `optax.adam`, an `init`, and a
jitted step that calls `update` and `optax.apply_updates`. Data come from numpy's default_rng.
"""
import jax
import jax.numpy as jnp
import numpy as np
import optax

rng = np.random.default_rng(0)
x = np.linspace(-2.0, 2.0, 64, dtype=np.float32)[:, None]
y = (np.sin(2.0 * x) + 0.05 * rng.standard_normal(x.shape)).astype(np.float32)
params = {
    "hidden": {"w": jnp.asarray(0.5 * rng.standard_normal((1, 16)), dtype=jnp.float32),
               "b": jnp.zeros((16,), dtype=jnp.float32)},
    "out": {"w": jnp.asarray(0.5 * rng.standard_normal((16, 1)), dtype=jnp.float32),
            "b": jnp.zeros((1,), dtype=jnp.float32)},
}


def predict(params, x):
    h = jnp.tanh(x @ params["hidden"]["w"] + params["hidden"]["b"])
    return h @ params["out"]["w"] + params["out"]["b"]


def loss_fn(params, x, y):
    return jnp.mean(optax.l2_loss(predict(params, x), y))


optimizer = optax.adam(learning_rate=0.02)
opt_state = optimizer.init(params)


@jax.jit
def step(params, opt_state, x, y):
    loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss


xs, ys = jnp.asarray(x), jnp.asarray(y)
for i in range(301):
    params, opt_state, loss = step(params, opt_state, xs, ys)
    if i % 50 == 0:
        print(f"step {i:3d}  loss {float(loss):.5f}")
print("count", int(opt_state[0].count), opt_state[0].mu["out"]["w"].dtype)
print("final loss", f"{float(loss_fn(params, xs, ys)):.4f}")
