"""Gradient accumulation with optax.MultiSteps: four micro-batches of 8 make one step of 32.

After optax's "Gradient accumulation" guide: wrapping an optimizer in MultiSteps(every_k_schedule=k)
averages k gradients before the inner optimizer moves, so the trajectory matches training on the
whole batch (up to float rounding), while the parameters only change every k calls.
"""
import jax
import jax.numpy as jnp
import numpy as np
import optax

rng = np.random.default_rng(2)
x_np = rng.standard_normal((32, 3)).astype(np.float32)
y_np = (x_np @ np.array([1.5, -2.0, 0.5], dtype=np.float32)
        + 0.1 * rng.standard_normal(32)).astype(np.float32)
x, y = jnp.asarray(x_np), jnp.asarray(y_np)
micro_batches = [(jnp.asarray(x_np[8 * k:8 * k + 8]), jnp.asarray(y_np[8 * k:8 * k + 8]))
                 for k in range(4)]


def loss_fn(w, x, y):
    return jnp.mean((x @ w - y) ** 2)


grad_fn = jax.jit(jax.grad(loss_fn))

# the whole batch, one step per epoch
big = optax.adam(0.1)
w_big = jnp.zeros((3,), dtype=jnp.float32)
s_big = big.init(w_big)
# four micro-batches per epoch, accumulated
small = optax.MultiSteps(optax.adam(0.1), every_k_schedule=4)
w_acc = jnp.zeros((3,), dtype=jnp.float32)
s_acc = small.init(w_acc)
big_update, small_update = jax.jit(big.update), jax.jit(small.update)
loss_jit = jax.jit(loss_fn)

for epoch in range(20):
    u, s_big = big_update(grad_fn(w_big, x, y), s_big, w_big)
    w_big = optax.apply_updates(w_big, u)
    for k, (xb, yb) in enumerate(micro_batches):
        u, s_acc = small_update(grad_fn(w_acc, xb, yb), s_acc, w_acc)
        w_acc = optax.apply_updates(w_acc, u)
        if epoch == 0:
            print(f"micro {k} mini_step {int(s_acc.mini_step)} gradient_step "
                  f"{int(s_acc.gradient_step)} w {np.asarray(w_acc)[0]:.5f}")
    if epoch % 5 == 4:
        print(f"epoch {epoch:2d} big {float(loss_jit(w_big, x, y)):.5f} "
              f"accumulated {float(loss_jit(w_acc, x, y)):.5f}")
print("same trajectory:", bool(jnp.allclose(w_big, w_acc, atol=1e-4)))
print("has_updated", bool(small.has_updated(s_acc)))
print("w", " ".join(f"{v:.3f}" for v in np.asarray(w_acc)))
