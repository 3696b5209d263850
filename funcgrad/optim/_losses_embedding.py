"""Losses on embeddings (optax.losses): the contrastive NT-Xent loss over a batch of labelled
embeddings, and the triplet margin loss."""
from __future__ import annotations

import numpy as np

from .. import numpy as fnp
from .._api import stop_gradient
from .._core.array import Array
from .._core.typing import ArrayLike
from ._losses_base import as_array, check_float, integer_pow_or_pow
from ._losses_regression import cosine_similarity


def ntxent(embeddings: ArrayLike, labels: ArrayLike, temperature: ArrayLike = 0.07) -> Array:
    """The normalized temperature-scaled cross entropy (SimCLR's NT-Xent): for each pair of
    embeddings with the same label, the softmax cross entropy of their cosine similarity /
    temperature against those of the differently labelled ones; averaged over the pairs.
    embeddings (batch, features), labels (batch,).

    >>> import funcgrad.numpy as fnp
    >>> emb = fnp.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [0.1, 1.0]])
    >>> fnp.round(ntxent(emb, fnp.array([0, 0, 1, 1]), temperature=1.0), 4)
    Array(0.5978, dtype=float64)
    """
    embeddings, labels = as_array(embeddings), as_array(labels)
    check_float("ntxent", "embeddings", embeddings)
    if labels.shape[:1] != embeddings.shape[:1]:
        raise ValueError(f"ntxent: labels and embeddings must have the same leading dimension, "
                         f"got labels of shape {labels.shape} and embeddings of shape "
                         f"{embeddings.shape}")
    eps = float(np.finfo(embeddings.dtype).eps)
    sims = cosine_similarity(embeddings[None, :, :], embeddings[:, None, :],
                             epsilon=eps) / temperature
    same = labels[:, None] == labels[None, :]
    matches = same & ~fnp.eye(same.shape[0], dtype=bool)  # positive pairs, no self pairs
    diffs = ~same
    sims_diffs = fnp.where(diffs, sims, -np.inf)
    sims_matches = fnp.where(matches, sims, -np.inf)
    top = stop_gradient(fnp.max(fnp.concatenate([sims_diffs, sims_matches], axis=-1), axis=1,
                                keepdims=True))
    shift_diffs, shift_matches = sims_diffs - top, sims_matches - top
    denom = fnp.sum(fnp.exp(shift_diffs), axis=1, keepdims=True) + fnp.exp(shift_matches)
    log_softmax = shift_matches - fnp.log(denom)
    total = fnp.sum(fnp.where(matches, log_softmax, 0.0))
    return -total / fnp.astype(fnp.sum(matches), total.dtype)


def triplet_margin_loss(anchors: ArrayLike, positives: ArrayLike, negatives: ArrayLike,
                        axis: int = -1, norm_degree: ArrayLike = 2, margin: ArrayLike = 1.0,
                        eps: ArrayLike = 1e-6) -> Array:
    """max(d(anchor, positive) - d(anchor, negative) + margin, 0), with the distance
    d(x, y) = (sum((x - y) ** norm_degree) + eps) ** (1 / norm_degree) along `axis`.

    >>> import funcgrad.numpy as fnp
    >>> anchors = fnp.array([[0.0, 0.0], [1.0, 1.0]])
    >>> positives = fnp.array([[0.1, 0.1], [1.1, 1.1]])
    >>> negatives = fnp.array([[1.0, 0.0], [0.0, 1.0]])
    >>> fnp.round(triplet_margin_loss(anchors, positives, negatives), 4)
    Array([0.1414, 0.1414], dtype=float64)
    """
    anchors, positives, negatives = as_array(anchors), as_array(positives), as_array(negatives)
    for name, x in (("anchors", anchors), ("positives", positives), ("negatives", negatives)):
        check_float("triplet_margin_loss", name, x)

    def distance(x):
        powered = fnp.sum(integer_pow_or_pow(anchors - x, norm_degree), axis=axis)
        return fnp.power(powered + eps, 1 / norm_degree)

    return fnp.maximum(distance(positives) - distance(negatives) + margin, 0)
