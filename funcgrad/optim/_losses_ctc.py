"""Connectionist temporal classification (optax.losses.ctc_loss): the negative log-likelihood of
a label sequence summed over all its alignments with the frames (blanks inserted, repeats
merged), by the forward recursion over time, a lax.scan."""
from __future__ import annotations

from .. import lax
from .. import numpy as fnp
from .._core.array import Array
from .._core.typing import ArrayLike
from ._losses_base import as_array, check_rank, check_same_shape, log_softmax, one_hot_like


def _add_to_phi(phi: Array, added: Array) -> Array:
    """Blank state n >= 1 also reachable from label state n - 1: logaddexp in its score."""
    return fnp.concatenate([phi[:, :1], fnp.logaddexp(phi[:, 1:], added)], axis=-1)


def ctc_loss_with_forward_probs(logits: ArrayLike, logit_paddings: ArrayLike, labels: ArrayLike,
                                label_paddings: ArrayLike, *, blank_id: int = 0,
                                log_epsilon: float = -1e5) -> tuple[Array, Array, Array]:
    """CTC loss per sequence and the forward log-probabilities.

    logits (B, T, K) with logit_paddings (B, T) (1.0 marks a padded frame); labels (B, N) with
    label_paddings (B, N) (1.0 marks padding, which must come after the labels); class
    `blank_id` is the blank; `log_epsilon` stands for log(0). Returns (loss (B,),
    log alpha of the blank states (T, B, N+1), log alpha of the label states (T, B, N)).

    >>> import funcgrad.numpy as fnp
    >>> logits = fnp.zeros((1, 2, 2))
    >>> loss, phi, emit = ctc_loss_with_forward_probs(logits, fnp.zeros((1, 2)),
    ...                                               fnp.array([[1]]), fnp.zeros((1, 1)))
    >>> float(fnp.round(loss[0], 4)), phi.shape, emit.shape
    (0.2877, (2, 1, 2), (2, 1, 1))
    """
    name = "ctc_loss"
    logits, logit_paddings = as_array(logits), as_array(logit_paddings)
    labels, label_paddings = as_array(labels), as_array(label_paddings)
    check_rank(name, "logits", logits, 3, "(batch, frames, classes)")
    check_rank(name, "labels", labels, 2, "(batch, label length)")
    check_same_shape(name, ("labels", "label_paddings"), labels, label_paddings)
    check_same_shape(name, ("logits[..., 0]", "logit_paddings"), logits[..., 0], logit_paddings)
    batch, _, num_classes = logits.shape
    if labels.shape[0] != batch:
        raise ValueError(f"{name}: labels must have the logits' batch size {batch}, got "
                         f"labels of shape {labels.shape}")
    max_label_len = labels.shape[1]
    dtype = logits.dtype

    logprobs = log_softmax(logits)
    label_lens = max_label_len - fnp.astype(fnp.sum(label_paddings, axis=1), fnp.int32)
    repeat = fnp.astype(labels[:, :-1] == labels[:, 1:], dtype)
    repeat = fnp.pad(repeat, ((0, 0), (0, 1)))
    logprobs_phi = fnp.transpose(logprobs[:, :, blank_id:blank_id + 1], (1, 0, 2))  # T, B, 1
    emit = fnp.einsum("btk,bnk->btn", logprobs, one_hot_like(labels, num_classes, logits))
    logprobs_emit = fnp.transpose(emit, (1, 0, 2))  # T, B, N

    phi_init = fnp.full((batch, max_label_len + 1), log_epsilon, dtype)
    phi_init = phi_init.at[:, 0].set(0.0)
    emit_init = fnp.full((batch, max_label_len), log_epsilon, dtype)

    def step(carry, x):
        prev_phi, prev_emit = carry
        logprob_emit, logprob_phi, pad = x
        phi = _add_to_phi(prev_phi, prev_emit + log_epsilon * repeat)
        next_emit = fnp.logaddexp(phi[:, :-1] + logprob_emit, prev_emit + logprob_emit)
        next_phi = _add_to_phi(phi + logprob_phi,
                               prev_emit + logprob_phi + log_epsilon * (1.0 - repeat))
        pad = fnp.reshape(pad, (batch, 1))
        next_emit = pad * prev_emit + (1.0 - pad) * next_emit
        next_phi = pad * prev_phi + (1.0 - pad) * next_phi
        return (next_phi, next_emit), (next_phi, next_emit)

    xs = (logprobs_emit, logprobs_phi, fnp.transpose(fnp.astype(logit_paddings, dtype)))
    _, (logalpha_phi, logalpha_emit) = lax.scan(step, (phi_init, emit_init), xs)
    phi_last = _add_to_phi(logalpha_phi[-1], logalpha_emit[-1])
    logalpha_phi = logalpha_phi.at[-1].set(phi_last)
    at_length = one_hot_like(label_lens, max_label_len + 1, logits)
    return -fnp.sum(phi_last * at_length, axis=-1), logalpha_phi, logalpha_emit


def ctc_loss(logits: ArrayLike, logit_paddings: ArrayLike, labels: ArrayLike,
             label_paddings: ArrayLike, *, blank_id: int = 0,
             log_epsilon: float = -1e5) -> Array:
    """The CTC loss of each sequence in the batch (see ctc_loss_with_forward_probs).

    >>> import funcgrad.numpy as fnp
    >>> loss = ctc_loss(fnp.zeros((1, 2, 2)), fnp.zeros((1, 2)), fnp.array([[1]]),
    ...                 fnp.zeros((1, 1)))
    >>> fnp.round(loss, 4)
    Array([0.2877], dtype=float64)
    """
    return ctc_loss_with_forward_probs(logits, logit_paddings, labels, label_paddings,
                                       blank_id=blank_id, log_epsilon=log_epsilon)[0]
