"""Weight decay on the weights only, with optax.masked.

After optax's "masked" guide: decoupled weight decay should skip biases and norm scales. A mask
(a tree of booleans, or a function of the parameters giving one) picks where a transformation
applies; elsewhere updates pass through unchanged.
"""
import jax
import jax.numpy as jnp
import numpy as np
import optax

rng = np.random.default_rng(5)
params = {
    "dense": {"kernel": jnp.asarray(rng.standard_normal((3, 2)), dtype=jnp.float32),
              "bias": jnp.asarray(rng.standard_normal(2), dtype=jnp.float32)},
    "norm": {"scale": jnp.ones((2,), dtype=jnp.float32)},
}


def decay_mask(params):
    return jax.tree_util.tree_map_with_path(
        lambda path, _: jax.tree_util.keystr(path).endswith("['kernel']"), params)


print("mask", jax.tree.leaves(decay_mask(params)))

zero_grads = jax.tree.map(jnp.zeros_like, params)
before = {jax.tree_util.keystr(path): leaf
          for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]}
for name, opt in [
    ("masked decay", optax.chain(optax.masked(optax.add_decayed_weights(0.5), decay_mask),
                                 optax.sgd(0.1))),
    ("adamw mask", optax.adamw(0.1, weight_decay=0.5, mask=decay_mask)),
    ("adamw all", optax.adamw(0.1, weight_decay=0.5)),
]:
    p = params
    state = opt.init(p)
    for _ in range(3):
        updates, state = opt.update(zero_grads, state, p)
        p = optax.apply_updates(p, updates)
    after, _ = jax.tree_util.tree_flatten_with_path(p)
    changed = [jax.tree_util.keystr(path) for path, leaf in after
               if not bool(jnp.allclose(leaf, before[jax.tree_util.keystr(path)]))]
    print(f"{name:13s} changed: {changed}")
    print(f"{'':13s} kernel[0] {np.asarray(p['dense']['kernel'])[0, 0]:.5f} "
          f"bias[0] {np.asarray(p['dense']['bias'])[0]:.5f}")
