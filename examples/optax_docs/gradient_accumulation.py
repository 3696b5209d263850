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
x = jnp.asarray(rng.standard_normal((32, 3)), dtype=jnp.float32)
true_w = np.array([1.5, -2.0, 0.5], dtype=np.float32)
y = x @ jnp.asarray(true_w) + jnp.asarray(0.1 * rng.standard_normal(32), dtype=jnp.float32)


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

for epoch in range(20):
    u, s_big = big.update(grad_fn(w_big, x, y), s_big, w_big)
    w_big = optax.apply_updates(w_big, u)
    for k in range(4):
        g = grad_fn(w_acc, x[8 * k:8 * k + 8], y[8 * k:8 * k + 8])
        u, s_acc = small.update(g, s_acc, w_acc)
        w_acc = optax.apply_updates(w_acc, u)
        if epoch == 0:
            print(f"micro {k} mini_step {int(s_acc.mini_step)} gradient_step "
                  f"{int(s_acc.gradient_step)} w {np.asarray(w_acc)[0]:.5f}")
    if epoch % 5 == 4:
        print(f"epoch {epoch:2d} big {float(loss_fn(w_big, x, y)):.5f} "
              f"accumulated {float(loss_fn(w_acc, x, y)):.5f}")
print("same trajectory:", bool(jnp.allclose(w_big, w_acc, atol=1e-4)))
print("has_updated", bool(small.has_updated(s_acc)))
print("w", " ".join(f"{v:.3f}" for v in np.asarray(w_acc)))
