"""Segmentation losses (optax.losses): the soft Dice (Tversky) loss per class, its binary form,
and the generalized Dice loss with classes weighted by inverse squared frequency."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from .. import numpy as fnp
from .._api import stop_gradient
from .._core.array import Array
from .._core.typing import ArrayLike
from .._core.trace import is_concrete
from ._losses_base import as_array, check_rank, check_same_shape, float_like

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Array, reduction: str) -> Array:
    if reduction == "mean":
        return fnp.mean(loss, axis=-1)
    if reduction == "sum":
        return fnp.sum(loss, axis=-1)
    return loss


def dice_loss(predictions: ArrayLike, targets: ArrayLike, *,
              class_weights: ArrayLike | None = None, smooth: ArrayLike = 1.0,
              alpha: ArrayLike = 0.5, beta: ArrayLike = 0.5, apply_softmax: bool = True,
              reduction: str = "mean", ignore_background: bool = False,
              axis: Any = None) -> Array:
    """The soft Dice loss per class, 1 - (I + smooth) / (I + alpha FP + beta FN + smooth), with
    I = sum(p * t), FP = sum(p) - I, FN = sum(t) - I over `axis` (default: every axis but the
    first, the batch, and the last, the classes); alpha = beta = 0.5 is Dice, others Tversky.
    predictions are logits (softmax over classes, or sigmoid for one class) unless
    apply_softmax=False; then reduced over classes ('mean', 'sum' or 'none').

    >>> import funcgrad.numpy as fnp
    >>> logits = fnp.array([[1.0, -1.0], [0.5, 0.5]])
    >>> targets = fnp.array([[1.0, 0.0], [1.0, 0.0]])
    >>> dice_loss(logits[..., None], targets[..., None]).shape
    (2,)
    """
    predictions = as_array(predictions)
    targets = float_like(targets, predictions)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"dice_loss: reduction must be one of {_REDUCTIONS}, got "
                         f"{reduction!r}")
    if predictions.ndim == targets.ndim - 1:
        predictions = predictions[..., None]
    if targets.ndim == predictions.ndim - 1:
        targets = targets[..., None]
    check_same_shape("dice_loss", ("predictions", "targets"), predictions, targets)
    if apply_softmax:
        probs = (nn.sigmoid(predictions) if predictions.shape[-1] == 1
                 else nn.softmax(predictions, axis=-1))
    else:
        sums = fnp.sum(predictions, axis=-1)
        if is_concrete(sums) and not np.allclose(np.asarray(stop_gradient(sums)), 1.0,
                                                 rtol=1e-5):
            raise ValueError(f"dice_loss: with apply_softmax=False, predictions must be "
                             f"probability distributions summing to 1 along the class axis; "
                             f"their sums range over [{float(fnp.min(sums)):.6f}, "
                             f"{float(fnp.max(sums)):.6f}]. Pass logits with "
                             f"apply_softmax=True")
        probs = predictions
    if axis is None:
        axis = tuple(range(1, probs.ndim - 1))
    intersection = fnp.sum(probs * targets, axis=axis)
    pred_sum = fnp.sum(probs, axis=axis)
    target_sum = fnp.sum(targets, axis=axis)
    denominator = (intersection + alpha * (pred_sum - intersection)
                   + beta * (target_sum - intersection) + smooth)
    loss = 1.0 - (intersection + smooth) / denominator
    if class_weights is not None:
        check_rank("dice_loss", "class_weights", class_weights, 1, "(classes,)")
        loss = loss * class_weights
    if ignore_background and probs.shape[-1] > 1:
        loss = loss[..., 1:]
    return _reduce(loss, reduction)


def multiclass_generalized_dice_loss(predictions: ArrayLike, targets: ArrayLike, *,
                                     smooth: ArrayLike = 1.0, apply_softmax: bool = True,
                                     ignore_background: bool = False) -> Array:
    """The mean Dice loss with each class weighted by 1 / (its frequency ** 2 + 1e-7) in the
    targets (normalized to sum to the number of classes): rare classes count as much.

    >>> import funcgrad.numpy as fnp
    >>> logits = fnp.array([[[4.0, -4.0], [-4.0, 4.0]]])
    >>> targets = fnp.array([[[1.0, 0.0], [0.0, 1.0]]])
    >>> fnp.round(multiclass_generalized_dice_loss(logits, targets), 4)
    Array(0.0002, dtype=float64)
    """
    predictions = as_array(predictions)
    targets = float_like(targets, predictions)
    check_same_shape("multiclass_generalized_dice_loss", ("predictions", "targets"),
                     predictions, targets)
    frequencies = fnp.sum(targets, axis=tuple(range(targets.ndim - 1)))
    weights = 1.0 / (frequencies ** 2 + 1e-7)
    weights = weights / fnp.sum(weights) * weights.shape[0]
    return fnp.mean(dice_loss(predictions, targets, class_weights=weights, smooth=smooth,
                              apply_softmax=apply_softmax, reduction="none",
                              ignore_background=ignore_background))


def binary_dice_loss(predictions: ArrayLike, targets: ArrayLike, *, smooth: ArrayLike = 1.0,
                     apply_sigmoid: bool = True) -> Array:
    """dice_loss for one class: predictions and targets of shape (batch, ...) or
    (batch, ..., 1); predictions are logits unless apply_sigmoid=False.

    >>> import funcgrad.numpy as fnp
    >>> fnp.round(binary_dice_loss(fnp.array([[8.0, -8.0]]), fnp.array([[1.0, 0.0]])), 4)
    Array([0.0002], dtype=float64)
    """
    predictions = as_array(predictions)
    targets = float_like(targets, predictions)
    if predictions.ndim == targets.ndim and predictions.shape[-1] != 1:
        predictions, targets = predictions[..., None], targets[..., None]
    return dice_loss(predictions, targets, smooth=smooth, apply_softmax=apply_sigmoid,
                     reduction="mean")
