"""Helpers for the primitives' batching (vmap) rules.

A rule has the signature rule(args, dims, **params) -> (out, out_dim): `dims[i]` is the axis of
args[i] that is being mapped over, or None when args[i] is the same for every batch element. The
batch axis moves only when a rule needs it somewhere else; unbatched operands stay unbatched.

Only the helpers that read avals live here, below every primitive: moving a batch axis is a
transpose (`shape.move_axis`, `shape.to_front`), and elementwise primitives' rule is written with
them (`elementwise.elementwise_rule`)."""
from __future__ import annotations

from .._core.trace import get_aval


def batch_size(args, dims):
    for a, d in zip(args, dims):
        if d is not None:
            return get_aval(a).shape[d]
    raise ValueError("a batching rule was called with no batched operand")


def shift_axes(axes, bd):
    """Axes of an unbatched array, renumbered for the batched array whose batch axis is bd."""
    return tuple(a + (a >= bd) for a in axes)
