"""Learning-rate schedules: print a few of optax's schedules, then train with one.

After optax's "Optimizer schedules" guide: a schedule is a function of the step count; it can be
joined with others and passed to an optimizer wherever a learning rate goes.
"""
import jax
import jax.numpy as jnp
import numpy as np
import optax

schedules = {
    "constant": optax.constant_schedule(0.1),
    "linear": optax.linear_schedule(init_value=1.0, end_value=0.1, transition_steps=8),
    "cosine": optax.cosine_decay_schedule(init_value=1.0, decay_steps=10, alpha=0.1),
    "exponential": optax.exponential_decay(init_value=1.0, transition_steps=2, decay_rate=0.5),
    "piecewise": optax.piecewise_constant_schedule(1.0, {3: 0.5, 6: 0.1}),
    "warmup_cosine": optax.warmup_cosine_decay_schedule(
        init_value=0.0, peak_value=1.0, warmup_steps=3, decay_steps=12, end_value=0.05),
    "polynomial": optax.polynomial_schedule(init_value=1.0, end_value=0.0, power=2,
                                            transition_steps=10),
    "joined": optax.join_schedules([optax.constant_schedule(1.0),
                                    optax.linear_schedule(1.0, 0.0, 4)], boundaries=[5]),
}
for name, schedule in schedules.items():
    values = " ".join(f"{float(schedule(jnp.asarray(i, dtype=jnp.int32))):.4f}"
                      for i in range(0, 13, 2))
    print(f"{name:13s} {values}")

# a least-squares fit with sgd + momentum under a warmup-cosine schedule
rng = np.random.default_rng(1)
a = jnp.asarray(rng.standard_normal((32, 4)), dtype=jnp.float32)
b = jnp.asarray(rng.standard_normal(32), dtype=jnp.float32)
schedule = optax.warmup_cosine_decay_schedule(0.0, 0.1, warmup_steps=10, decay_steps=60)
optimizer = optax.sgd(learning_rate=schedule, momentum=0.9)
w = jnp.zeros((4,), dtype=jnp.float32)
state = optimizer.init(w)


@jax.jit
def step(w, state):
    loss, g = jax.value_and_grad(lambda w: jnp.mean((a @ w - b) ** 2))(w)
    updates, state = optimizer.update(g, state, w)
    return optax.apply_updates(w, updates), state, loss


for i in range(60):
    w, state, loss = step(w, state)
    if i % 10 == 0:
        print(f"step {i:2d} lr {float(schedule(i)):.5f} loss {float(loss):.5f}")
print("w", " ".join(f"{v:.4f}" for v in np.asarray(w)))
