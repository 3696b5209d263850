"""Ranking losses (optax.losses.ranking_softmax_loss): a list of items per query, scored."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import numpy as fnp
from .._core.array import Array
from .._core.typing import ArrayLike
from ._losses_base import as_array, check_float, log_softmax, masked_mean, masked_sum

_MASKED_REDUCTIONS: dict[Any, Callable[..., Array]] = {fnp.mean: masked_mean,
                                                       fnp.sum: masked_sum}


def _reduce(loss: Array, where: Array | None, reduce_fn: Callable[..., Any] | None) -> Array:
    """reduce_fn(loss, where=where), with a mean over no item 0 rather than NaN (unless the
    losses themselves hold a NaN); without reduce_fn, the masked-out losses are 0."""
    if reduce_fn is None:
        return loss if where is None else fnp.where(where, loss, 0.0)
    masked = _MASKED_REDUCTIONS.get(reduce_fn)
    out = masked(loss, where=where) if masked is not None else reduce_fn(loss, where=where)
    if reduce_fn is fnp.mean:
        valid_input = fnp.logical_not(fnp.any(fnp.isnan(loss)))
        out = fnp.where(fnp.isnan(out) & valid_input, 0.0, out)
    return out


def ranking_softmax_loss(logits: ArrayLike, labels: ArrayLike, *,
                         where: ArrayLike | None = None, weights: ArrayLike | None = None,
                         reduce_fn: Callable[..., Any] | None = fnp.mean) -> Array:
    """-sum(labels * log_softmax(logits)) over each list (the last axis), items `where` keeps
    only, labels scaled by `weights`; then `reduce_fn` over the lists (fnp.mean, fnp.sum, any
    function taking `where=`, or None for one loss per list).

    >>> import funcgrad.numpy as fnp
    >>> logits = fnp.array([[0.0, 0.0, 0.0], [2.0, 1.0, 0.0]])
    >>> labels = fnp.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    >>> fnp.round(ranking_softmax_loss(logits, labels, reduce_fn=None), 4)
    Array([1.0986, 2.4076], dtype=float64)
    """
    logits = as_array(logits)
    check_float("ranking_softmax_loss", "logits", logits)
    labels = fnp.astype(as_array(labels), logits.dtype)
    if where is not None:
        where = fnp.asarray(where)
        labels = fnp.where(where, labels, fnp.zeros_like(labels))
        logits = fnp.where(where, logits, -np.inf)
    if weights is not None:
        labels = labels * weights
    log_probs = log_softmax(logits, -1, where)
    if where is not None:  # the masked-out -inf would make 0 * -inf: NaN, and a warning
        log_probs = fnp.where(where, log_probs, 0.0)
    loss = -masked_sum(labels * log_probs, axis=-1, where=where)
    if where is not None:
        where = fnp.any(where, axis=-1)
    return _reduce(loss, where, reduce_fn)
