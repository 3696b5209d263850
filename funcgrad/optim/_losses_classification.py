"""Classification losses (optax.losses): cross entropies (sigmoid, softmax, integer labels, safe,
poly, focal), hinge and perceptron losses, KL divergences, sparsemax losses, label smoothing and
Fenchel-Young losses. Each works in its logits' float dtype; `axis`/`where` as in optax."""
from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import nn
from .. import numpy as fnp
from .._core.array import Array
from .._core.typing import ArrayLike, Axis
from .._custom import custom_jvp
from .._vmap import vmap
from ._losses_base import (as_array, canonical_axis, check_float, check_integer,
                           check_same_shape, expand_mask, float_like, log_softmax, logsumexp,
                           masked_sum, one_hot_like, softmax)
from ._simplex import projection_unit_simplex

# ---- binary -------------------------------------------------------------------------------------


def sigmoid_binary_cross_entropy(logits: ArrayLike, labels: ArrayLike) -> Array:
    """-labels * log(sigmoid(logits)) - (1 - labels) * log(1 - sigmoid(logits)), elementwise
    (labels in [0, 1], broadcast to the logits), computed from log_sigmoid without overflow.

    >>> import funcgrad.numpy as fnp
    >>> sigmoid_binary_cross_entropy(fnp.array([0.0, 100.0]), fnp.array([1.0, 1.0]))
    Array([6.93147181e-01, 3.72007598e-44], dtype=float64)
    """
    logits = as_array(logits)
    check_float("sigmoid_binary_cross_entropy", "logits", logits)
    labels = fnp.astype(as_array(labels), logits.dtype)
    return -labels * nn.log_sigmoid(logits) - (1.0 - labels) * nn.log_sigmoid(-logits)


def sigmoid_focal_loss(logits: ArrayLike, labels: ArrayLike, *, alpha: ArrayLike | None = None,
                       gamma: ArrayLike = 2.0) -> Array:
    """The sigmoid cross entropy scaled by (1 - p_t) ** gamma (p_t the probability given to the
    label), which focuses training on hard examples; `alpha` weighs positives (alpha) against
    negatives (1 - alpha). The focal weight is computed in log space, stable for any logits.

    >>> import funcgrad.numpy as fnp
    >>> sigmoid_focal_loss(fnp.array([0.0]), fnp.array([1.0]), gamma=1.0)
    Array([0.34657359], dtype=float64)
    """
    logits = as_array(logits)
    check_float("sigmoid_focal_loss", "logits", logits)
    labels = fnp.astype(as_array(labels), logits.dtype)
    ce = sigmoid_binary_cross_entropy(logits, labels)
    log_p, log_q = nn.log_sigmoid(logits), nn.log_sigmoid(-logits)
    # log(1 - p_t) = log((1 - y) * p + y * (1 - p))
    log_one_minus_pt = nn.logsumexp(fnp.stack(fnp.broadcast_arrays(log_p, log_q), axis=-1),
                                    axis=-1, b=fnp.stack([1 - labels, labels], axis=-1))
    loss = ce * fnp.exp(gamma * log_one_minus_pt)
    if alpha is None:
        return loss
    a: Any = alpha
    return (a * labels + (1.0 - a) * (1.0 - labels)) * loss


def hinge_loss(predictor_outputs: ArrayLike, targets: ArrayLike) -> Array:
    """max(0, 1 - outputs * targets), targets in {-1, 1}.

    >>> import funcgrad.numpy as fnp
    >>> hinge_loss(fnp.array([0.5, 2.0]), fnp.array([1.0, -1.0]))
    Array([0.5, 3. ], dtype=float64)
    """
    outputs = as_array(predictor_outputs)
    return fnp.maximum(0, 1 - outputs * float_like(targets, outputs))


def perceptron_loss(predictor_outputs: ArrayLike, targets: ArrayLike) -> Array:
    """max(0, -outputs * targets), targets in {-1, 1} (of the outputs' shape).

    >>> import funcgrad.numpy as fnp
    >>> perceptron_loss(fnp.array([0.5, 2.0]), fnp.array([1.0, -1.0]))
    Array([0., 2.], dtype=float64)
    """
    check_same_shape("perceptron_loss", ("predictor_outputs", "targets"), predictor_outputs,
                     targets)
    outputs = as_array(predictor_outputs)
    return fnp.maximum(0, -outputs * float_like(targets, outputs))


def _sparse_plus(x: Array) -> Array:
    """0 below -1, x above 1, (x + 1)**2 / 4 between (JAX's nn.sparse_plus)."""
    return fnp.where(x <= -1.0, 0.0, fnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


def sparsemax_loss(logits: ArrayLike, labels: ArrayLike) -> Array:
    """The binary sparsemax loss: zero exactly when sparse_sigmoid(logits) equals the labels
    (0 or 1).

    >>> import funcgrad.numpy as fnp
    >>> sparsemax_loss(fnp.array([2.0, 0.0]), fnp.array([1, 0]))
    Array([0.  , 0.25], dtype=float64)
    """
    logits = as_array(logits)
    return _sparse_plus(fnp.where(as_array(labels), -logits, logits))


# ---- softmax cross entropies ------------------------------------------------------------------


def softmax_cross_entropy(logits: ArrayLike, labels: ArrayLike, axis: Axis = -1,
                          where: ArrayLike | None = None) -> Array:
    """-sum(labels * log_softmax(logits)) along `axis` (labels a distribution, e.g. one-hot),
    over the classes `where` is True (a mask of the batch shape or of the logits').

    >>> import funcgrad.numpy as fnp
    >>> logits = fnp.array([[1.2, -0.8, -0.5], [0.9, -1.2, 1.1]])
    >>> labels = fnp.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    >>> fnp.round(softmax_cross_entropy(logits, labels), 4)
    Array([0.2761, 2.9518], dtype=float64)
    """
    logits = as_array(logits)
    check_float("softmax_cross_entropy", "logits", logits)
    where = expand_mask(where, logits.ndim, axis)
    log_probs = log_softmax(logits, axis, where)
    if where is not None:  # the masked-out -inf would make 0 * -inf: NaN, and a warning
        log_probs = fnp.where(where, log_probs, 0.0)
    return -masked_sum(float_like(labels, logits) * log_probs, axis, where)


def softmax_cross_entropy_with_integer_labels(logits: ArrayLike, labels: ArrayLike,
                                              axis: int | tuple[int, ...] = -1,
                                              where: ArrayLike | None = None) -> Array:
    """-log_softmax(logits)[label] along `axis`, labels the integer classes (of the batch shape).
    With a tuple of axes the classes are their flattened product, a label a flat index into it.
    Where `where` (the batch shape, or the logits') keeps no class, the loss is 0.

    >>> import funcgrad.numpy as fnp
    >>> logits = fnp.array([[1.2, -0.8, -0.5], [0.9, -1.2, 1.1]])
    >>> fnp.round(softmax_cross_entropy_with_integer_labels(logits, fnp.array([0, 1])), 4)
    Array([0.2761, 2.9518], dtype=float64)
    """
    name = "softmax_cross_entropy_with_integer_labels"
    logits, labels = as_array(logits), as_array(labels)
    check_float(name, "logits", logits)
    check_integer(name, "labels", labels)
    where = expand_mask(where, logits.ndim, axis)
    if isinstance(axis, tuple):
        class_axes = tuple(canonical_axis(name, a, logits.ndim) for a in axis)
        batch_axes = tuple(a for a in range(logits.ndim) if a not in class_axes)
        order = batch_axes + class_axes
        logits = fnp.transpose(logits, order)
        logits = fnp.reshape(logits, logits.shape[:len(batch_axes)] + (-1,))
        if where is not None:
            where = fnp.transpose(where, order)
            where = fnp.reshape(where, where.shape[:len(batch_axes)] + (-1,))
        axis = len(batch_axes)
    elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        axis = canonical_axis(name, axis, logits.ndim)
    else:
        raise ValueError(f"{name}: axis must be an int or a tuple of ints, got "
                         f"{type(axis).__name__} {axis!r}")
    label_logits = fnp.squeeze(
        fnp.take_along_axis(logits, fnp.expand_dims(labels, axis), axis=axis), axis)
    out = logsumexp(logits, axis, where) - label_logits
    if where is not None:
        out = fnp.where(fnp.any(where, axis=axis), out, 0.0)
    return out


@custom_jvp
def _weighted_log_softmax(x: Array, weights: Array) -> Array:
    """weights * log_softmax(x) along the last axis, 0 where a weight is 0 (0 log 0 = 0, so
    that a -inf logit with a 0 label costs nothing)."""
    lsm = nn.log_softmax(x, axis=-1)
    kept = weights != 0.0
    return fnp.where(kept, weights * fnp.where(kept, lsm, 0.0), fnp.zeros_like(lsm))


@_weighted_log_softmax.defjvp
def _weighted_log_softmax_jvp(primals, tangents):
    (x, weights), (x_dot, weights_dot) = primals, tangents
    out = _weighted_log_softmax(x, weights)
    lsm = nn.log_softmax(x, axis=-1)
    mean_dot = fnp.sum(x_dot * nn.softmax(x, axis=-1), axis=-1, keepdims=True)
    # weights_dot * lsm, but 0 (not NaN or -inf) where a zero weight meets a -inf logit
    lsm = fnp.where((weights != 0.0) | fnp.isfinite(lsm), lsm, 0.0)
    weight_term = weights_dot * lsm
    return out, weights * x_dot - weights * mean_dot + weight_term


def safe_softmax_cross_entropy(logits: ArrayLike, labels: ArrayLike) -> Array:
    """softmax_cross_entropy over the last axis, where a -inf logit with a 0 label counts 0
    (0 log 0 = 0) instead of NaN.

    >>> import funcgrad.numpy as fnp
    >>> safe_softmax_cross_entropy(fnp.array([1.0, 0.0, -fnp.inf]), fnp.array([0.5, 0.5, 0.0]))
    Array(0.81326169, dtype=float64)
    """
    logits = as_array(logits)
    check_float("safe_softmax_cross_entropy", "logits", logits)
    labels = fnp.broadcast_to(fnp.astype(as_array(labels), logits.dtype),
                              np.broadcast_shapes(logits.shape, np.shape(labels)))
    logits = fnp.broadcast_to(logits, labels.shape)
    return -fnp.sum(_weighted_log_softmax(logits, labels), axis=-1)


def poly_loss_cross_entropy(logits: ArrayLike, labels: ArrayLike, *, epsilon: ArrayLike = 2.0,
                            axis: Axis = -1, where: ArrayLike | None = None) -> Array:
    """PolyLoss-1: softmax_cross_entropy + epsilon * sum(labels * (1 - softmax(logits))), the
    first polynomial term of the cross entropy's expansion reweighted.

    >>> import funcgrad.numpy as fnp
    >>> fnp.round(poly_loss_cross_entropy(fnp.array([0.0, 0.0]), fnp.array([1.0, 0.0])), 4)
    Array(1.6931, dtype=float64)
    """
    logits, labels = as_array(logits), as_array(labels)
    check_float("poly_loss_cross_entropy", "logits", logits)
    check_float("poly_loss_cross_entropy", "labels", labels)
    p = softmax(logits, axis, where)
    one_minus_pt = masked_sum(labels * (1 - p), axis, where)
    return softmax_cross_entropy(logits, labels, axis, where) + epsilon * one_minus_pt


# ---- multiclass margins -----------------------------------------------------------------------


def multiclass_hinge_loss(scores: ArrayLike, labels: ArrayLike) -> Array:
    """max_k (scores_k + 1 - [k = label]) - scores_label, over the last axis.

    >>> import funcgrad.numpy as fnp
    >>> multiclass_hinge_loss(fnp.array([[1.0, 0.5, 2.0]]), fnp.array([2]))
    Array([0.], dtype=float64)
    """
    scores = as_array(scores)
    one_hot = one_hot_like(as_array(labels), scores.shape[-1], scores)
    return fnp.max(scores + 1.0 - one_hot, axis=-1) - fnp.sum(scores * one_hot, axis=-1)


def multiclass_perceptron_loss(scores: ArrayLike, labels: ArrayLike) -> Array:
    """max_k scores_k - scores_label, over the last axis.

    >>> import funcgrad.numpy as fnp
    >>> multiclass_perceptron_loss(fnp.array([[1.0, 0.5, 2.0]]), fnp.array([0]))
    Array([1.], dtype=float64)
    """
    scores = as_array(scores)
    one_hot = one_hot_like(as_array(labels), scores.shape[-1], scores)
    return fnp.max(scores, axis=-1) - fnp.sum(scores * one_hot, axis=-1)


def multiclass_sparsemax_loss(scores: ArrayLike, labels: ArrayLike) -> Array:
    """The multiclass sparsemax loss over the last axis: with p the projection of the scores
    onto the probability simplex, <p, s - s_label> + (1 - <p, p>) / 2 (Martins et al. 2016).

    >>> import funcgrad.numpy as fnp
    >>> multiclass_sparsemax_loss(fnp.array([[3.0, 0.0, 0.0]]), fnp.array([0]))
    Array([0.], dtype=float64)
    """
    scores, labels = as_array(scores), as_array(labels)
    proba = projection_unit_simplex(scores)
    label_scores = fnp.take_along_axis(scores, fnp.expand_dims(labels, -1), axis=-1)
    is_label = one_hot_like(labels, scores.shape[-1], scores) != 0
    relative = fnp.where(is_label, 0.0, scores - label_scores)
    return (fnp.sum(proba * fnp.where(proba != 0, relative, 0.0), axis=-1)
            + 0.5 * (1.0 - fnp.sum(proba * proba, axis=-1)))


# ---- divergences ------------------------------------------------------------------------------


def _check_divergence(loss: str, log_predictions: Array, targets: Array,
                      target_name: str) -> None:
    check_float(loss, "log_predictions", log_predictions)
    check_float(loss, target_name, targets)


def kl_divergence(log_predictions: ArrayLike, targets: ArrayLike, axis: Axis = -1,
                  where: ArrayLike | None = None) -> Array:
    """KL(targets || predictions) = sum(targets * (log(targets) - log_predictions)) along
    `axis` (0 log 0 = 0), predictions given as log-probabilities.

    >>> import funcgrad.numpy as fnp
    >>> kl_divergence(fnp.log(fnp.array([0.5, 0.5])), fnp.array([1.0, 0.0]))
    Array(0.69314718, dtype=float64)
    """
    log_predictions, targets = as_array(log_predictions), as_array(targets)
    _check_divergence("kl_divergence", log_predictions, targets, "targets")
    zero = targets == 0
    log_targets = fnp.where(zero, 0, fnp.log(fnp.where(zero, 1, targets)))
    return masked_sum(targets * (log_targets - log_predictions), axis, where)


def kl_divergence_with_log_targets(log_predictions: ArrayLike, log_targets: ArrayLike,
                                   axis: Axis = -1, where: ArrayLike | None = None) -> Array:
    """kl_divergence with the targets given as log-probabilities too.

    >>> import funcgrad.numpy as fnp
    >>> kl_divergence_with_log_targets(fnp.log(fnp.array([0.5, 0.5])), fnp.array([0.0, -50.0]))
    Array(0.69314718, dtype=float64)
    """
    log_predictions, log_targets = as_array(log_predictions), as_array(log_targets)
    _check_divergence("kl_divergence_with_log_targets", log_predictions, log_targets,
                      "log_targets")
    return masked_sum(fnp.exp(log_targets) * (log_targets - log_predictions), axis, where)


def generalized_kl_divergence(log_predictions: ArrayLike, targets: ArrayLike, axis: Axis = -1,
                              where: ArrayLike | None = None) -> Array:
    """The KL divergence of unnormalized distributions: kl_divergence + sum(predictions -
    targets) (the Bregman divergence of x log x - x).

    >>> import funcgrad.numpy as fnp
    >>> generalized_kl_divergence(fnp.log(fnp.array([2.0])), fnp.array([1.0]))
    Array(0.30685282, dtype=float64)
    """
    log_predictions, targets = as_array(log_predictions), as_array(targets)
    kl = kl_divergence(log_predictions, targets, axis=axis, where=where)
    return kl + masked_sum(fnp.exp(log_predictions) - targets, axis, where)


def convex_kl_divergence(log_predictions: ArrayLike, targets: ArrayLike, axis: Axis = -1,
                         where: ArrayLike | None = None) -> Array:
    """Deprecated (as in optax, with its DeprecationWarning): generalized_kl_divergence.

    >>> import warnings, funcgrad.numpy as fnp
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     convex_kl_divergence(fnp.log(fnp.array([2.0])), fnp.array([1.0]))
    Array(0.30685282, dtype=float64)
    """
    warnings.warn("The function convex_kl_divergence is deprecated. Please use "
                  "generalized_kl_divergence instead.", DeprecationWarning, stacklevel=2)
    return generalized_kl_divergence(log_predictions, targets, axis=axis, where=where)


# ---- label smoothing and Fenchel-Young losses ---------------------------------------------------


def smooth_labels(labels: ArrayLike, alpha: ArrayLike, *, axis: Axis = -1,
                  where: ArrayLike | None = None) -> Array:
    """(1 - alpha) * labels + alpha / K, K the number of classes along `axis` (those `where`
    keeps, if given).

    >>> import funcgrad.numpy as fnp
    >>> smooth_labels(fnp.array([1.0, 0.0, 0.0, 0.0]), 0.2)
    Array([0.85, 0.05, 0.05, 0.05], dtype=float64)
    """
    labels = as_array(labels)
    check_float("smooth_labels", "labels", labels)
    if where is None:
        axes = range(labels.ndim) if axis is None else (axis if isinstance(axis, tuple)
                                                          else (axis,))
        num_categories: Any = int(np.prod([labels.shape[a] for a in axes]))
    else:
        num_categories = fnp.astype(fnp.sum(fnp.asarray(where), axis=axis, keepdims=True),
                                    labels.dtype)
    a: Any = alpha
    return (1.0 - a) * labels + a / num_categories


def make_fenchel_young_loss(max_fun: Callable[..., Any]) -> Callable[..., Array]:
    """The Fenchel-Young loss of a max function (e.g. logsumexp, which gives the softmax cross
    entropy): loss(scores, targets) = max_fun(scores) - <targets, scores>, over the last axis
    (max_fun sees one vector at a time; leading axes are a batch).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.special import logsumexp
    >>> loss = make_fenchel_young_loss(logsumexp)
    >>> fnp.round(loss(fnp.array([[1.2, -0.8, -0.5]]), fnp.array([[1.0, 0.0, 0.0]])), 4)
    Array([0.2761], dtype=float64)
    """
    def fenchel_young_loss(scores: ArrayLike, targets: ArrayLike, *args: Any,
                           **kwargs: Any) -> Array:
        scores = as_array(scores)
        targets = float_like(targets, scores)
        batch = scores.shape[:-1]
        flat = fnp.reshape(scores, (-1, scores.shape[-1]))
        max_value = fnp.reshape(vmap(lambda row: max_fun(row, *args, **kwargs))(flat), batch)
        return max_value - fnp.sum(targets * scores, axis=-1)

    return fenchel_young_loss
