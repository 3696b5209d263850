"""funcgrad.optim.losses: optax's `losses` namespace, loss functions of predictions and targets
(regression, classification, CTC, ranking, segmentation, embeddings), in their inputs' float
dtype, with optax's `axis`/`where` arguments; differentiate them with funcgrad.grad.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> from funcgrad.optim import losses
>>> fg.grad(lambda w: losses.l2_loss(w, fnp.array([1.0])).sum())(fnp.array([3.0]))
Array([2.], dtype=float64)
"""
from ._losses_classification import (convex_kl_divergence, generalized_kl_divergence,
                                     hinge_loss, kl_divergence, kl_divergence_with_log_targets,
                                     make_fenchel_young_loss, multiclass_hinge_loss,
                                     multiclass_perceptron_loss, multiclass_sparsemax_loss,
                                     perceptron_loss, poly_loss_cross_entropy,
                                     safe_softmax_cross_entropy, sigmoid_binary_cross_entropy,
                                     sigmoid_focal_loss, smooth_labels, softmax_cross_entropy,
                                     softmax_cross_entropy_with_integer_labels, sparsemax_loss)
from ._losses_ctc import ctc_loss, ctc_loss_with_forward_probs
from ._losses_embedding import ntxent, triplet_margin_loss
from ._losses_ranking import ranking_softmax_loss
from ._losses_regression import (cosine_distance, cosine_similarity, huber_loss, l2_loss,
                                 log_cosh, squared_error)
from ._losses_segmentation import binary_dice_loss, dice_loss, multiclass_generalized_dice_loss

__all__ = ["binary_dice_loss", "convex_kl_divergence", "cosine_distance", "cosine_similarity",
           "ctc_loss", "ctc_loss_with_forward_probs", "dice_loss", "generalized_kl_divergence",
           "hinge_loss", "huber_loss", "kl_divergence", "kl_divergence_with_log_targets",
           "l2_loss", "log_cosh", "make_fenchel_young_loss", "multiclass_generalized_dice_loss",
           "multiclass_hinge_loss", "multiclass_perceptron_loss", "multiclass_sparsemax_loss",
           "ntxent", "perceptron_loss", "poly_loss_cross_entropy", "ranking_softmax_loss",
           "safe_softmax_cross_entropy", "sigmoid_binary_cross_entropy", "sigmoid_focal_loss",
           "smooth_labels", "softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels",
           "sparsemax_loss", "squared_error", "triplet_margin_loss"]
