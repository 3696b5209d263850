"""A loss zoo: optax's losses on fixed inputs, printed to 6 decimals.

After optax's losses API page: regression losses (l2, squared error, huber, log-cosh), similarity
(cosine), classification (softmax and sigmoid cross-entropies, integer labels, focal, hinge,
perceptron, poly-loss), divergences (KL) and a triplet margin loss, with their `axis`/`where` arguments where they have
them. All inputs are float32 numpy arrays made from default_rng.
"""
import jax.numpy as jnp
import numpy as np
import optax

rng = np.random.default_rng(8)
pred = jnp.asarray(rng.standard_normal((4, 5)), dtype=jnp.float32)
target = jnp.asarray(rng.standard_normal((4, 5)), dtype=jnp.float32)
logits = jnp.asarray(2.0 * rng.standard_normal((4, 5)), dtype=jnp.float32)
labels_int = jnp.asarray([0, 3, 1, 4], dtype=jnp.int32)
labels = jnp.asarray(np.eye(5, dtype=np.float32)[[0, 3, 1, 4]])
binary = jnp.asarray(rng.integers(0, 2, (4, 5)), dtype=jnp.float32)
signs = 2.0 * binary - 1.0
probs = jnp.asarray(np.exp(np.asarray(logits)) / np.exp(np.asarray(logits)).sum(-1, keepdims=True))
log_q = jnp.asarray(np.log(np.full((4, 5), 0.2, dtype=np.float32)))
where = jnp.asarray([[True, True, False, True, True]] * 4)


def show(name, value):
    v = np.asarray(value)
    print(f"{name:42s} {str(v.dtype):8s} {v.shape!s:8s} "
          + " ".join(f"{float(t):.6f}" for t in v.reshape(-1)[:4]))


show("l2_loss", optax.losses.l2_loss(pred, target))
show("squared_error", optax.losses.squared_error(pred, target))
show("huber_loss delta=0.5", optax.losses.huber_loss(pred, target, delta=0.5))
show("log_cosh", optax.losses.log_cosh(pred, target))
show("cosine_similarity", optax.losses.cosine_similarity(pred, target))
show("cosine_distance", optax.losses.cosine_distance(pred, target))
show("softmax_cross_entropy", optax.losses.softmax_cross_entropy(logits, labels))
show("softmax_cross_entropy axis=0", optax.losses.softmax_cross_entropy(
    logits.T, labels.T, axis=0))
show("softmax_cross_entropy where", optax.losses.softmax_cross_entropy(
    logits, labels, where=where))
show("softmax_cross_entropy_with_integer_labels",
     optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels_int))
show("safe_softmax_cross_entropy", optax.losses.safe_softmax_cross_entropy(logits, labels))
show("poly_loss_cross_entropy", optax.losses.poly_loss_cross_entropy(logits, labels, epsilon=2.0))
show("sigmoid_binary_cross_entropy", optax.losses.sigmoid_binary_cross_entropy(logits, binary))
show("sigmoid_focal_loss", optax.losses.sigmoid_focal_loss(logits, binary, alpha=0.25, gamma=2.0))
show("hinge_loss", optax.losses.hinge_loss(logits[:, 0], signs[:, 0]))
show("multiclass_hinge_loss", optax.losses.multiclass_hinge_loss(logits, labels_int))
show("perceptron_loss", optax.losses.perceptron_loss(logits[:, 0], signs[:, 0]))
show("kl_divergence", optax.losses.kl_divergence(log_q, probs))
show("kl_divergence_with_log_targets", optax.losses.kl_divergence_with_log_targets(
    log_q, jnp.log(probs)))
show("triplet_margin_loss", optax.losses.triplet_margin_loss(pred, target, logits, margin=1.0))
show("smooth_labels", optax.losses.smooth_labels(labels, 0.1))
show("top-level optax.l2_loss (alias)", optax.l2_loss(pred, target))
show("top-level optax.softmax_cross_entropy", optax.softmax_cross_entropy(logits, labels))
