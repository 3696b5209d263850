"""optax.tree: arithmetic on parameter trees and lookups inside optimizer states.

After optax's tree-utilities API page: the helpers optimizers are written with (add_scale, vdot,
norm, ...), a hand-written momentum SGD built from them, and `optax.tree.get` / `optax.tree.set`
reaching into a chained optimizer's state by field name.
"""
import jax
import jax.numpy as jnp
import numpy as np
import optax

rng = np.random.default_rng(9)
params = {"dense": {"w": jnp.asarray(rng.standard_normal((3, 2)), dtype=jnp.float32),
                    "b": jnp.zeros((2,), dtype=jnp.float32)},
          "scale": jnp.asarray(1.5, dtype=jnp.float32)}
grads = jax.tree.map(lambda p: jnp.asarray(rng.standard_normal(p.shape), dtype=p.dtype), params)

print("size", optax.tree.size(params), "dtype", optax.tree.dtype(params))
print("norm", f"{float(optax.tree.norm(grads)):.5f}",
      "l1", f"{float(optax.tree.norm(grads, ord=1)):.5f}",
      "inf", f"{float(optax.tree.norm(grads, ord='inf')):.5f}")
print("vdot", f"{float(optax.tree.vdot(params, grads)):.5f}",
      "sum", f"{float(optax.tree.sum(grads)):.5f}",
      "max", f"{float(optax.tree.max(grads)):.5f}", "min", f"{float(optax.tree.min(grads)):.5f}")
print("allclose self", bool(optax.tree.allclose(params, params)),
      "allclose grads", bool(optax.tree.allclose(params, grads)))
clipped = optax.tree.clip(grads, -0.5, 0.5)
print("clipped max", f"{float(optax.tree.max(clipped)):.2f}")
print("batch_shape", jax.tree.map(jnp.shape, optax.tree.batch_shape(params, (4,)))["dense"]["w"])


def loss_fn(p):
    return jnp.sum((p["dense"]["w"] * p["scale"] - 1.0) ** 2) + jnp.sum(p["dense"]["b"] ** 2)


# momentum SGD written with optax.tree: v = 0.9 v + g; p = p - 0.05 v
velocity = optax.tree.zeros_like(params)
p = params
for i in range(40):
    g = jax.grad(loss_fn)(p)
    velocity = optax.tree.add_scale(g, 0.9, velocity)
    p = optax.tree.add_scale(p, -0.05, velocity)
    if i % 10 == 9:
        print(f"iter {i:2d} loss {float(loss_fn(p)):.6f}")

opt = optax.chain(optax.clip_by_global_norm(1.0), optax.scale_by_adam(), optax.scale(-0.01))
state = opt.init(params)
_, state = opt.update(grads, state, params)
found = optax.tree.get_all_with_path(state, "count")
print("counts", [(jax.tree_util.keystr(path), int(v)) for path, v in found])
mu = optax.tree.get(state, "mu")
print("mu['scale']", f"{float(mu['scale']):.5f}")
state = optax.tree.set(state, count=jnp.asarray(10, dtype=jnp.int32))
print("count after set", int(optax.tree.get(state, "count")))
try:
    optax.tree.get({"a": {"lr": 1.0}, "b": {"lr": 2.0}}, "lr")
except KeyError:
    print("two values for 'lr': KeyError")
