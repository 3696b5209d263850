"""Helpers for the primitives' batching (vmap) rules.

A rule has the signature rule(args, dims, **params) -> (out, out_dim): `dims[i]` is the axis of
args[i] that is being mapped over, or None when args[i] is the same for every batch element. The
batch axis moves only when a rule needs it somewhere else; unbatched operands stay unbatched."""
from __future__ import annotations

from .._core.trace import get_aval


def batch_size(args, dims):
    for a, d in zip(args, dims):
        if d is not None:
            return get_aval(a).shape[d]
    raise ValueError("a batching rule was called with no batched operand")


def move_axis(x, src, dst):
    if src == dst:
        return x
    nd = get_aval(x).ndim
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return _shape.transpose(x, perm)


def to_front(x, d, size):
    """x with its batch axis first; an unbatched x is broadcast (a zero-stride view eagerly)."""
    if d is None:
        aval = get_aval(x)
        return _shape.broadcast_in_dim(x, (size,) + aval.shape, tuple(range(1, aval.ndim + 1)))
    return move_axis(x, d, 0)


def elementwise_rule(prim):
    """Batching for numpy-broadcasting elementwise primitives: batched operands get their batch
    axis first and are padded with size-1 axes to the common rank; unbatched ones broadcast."""
    def rule(args, dims, **params):
        ranks = [get_aval(a).ndim - (d is not None) for a, d in zip(args, dims)]
        r = max(ranks)
        batched = [(d, rk) for d, rk in zip(dims, ranks) if d is not None]
        d0 = batched[0][0]
        if all(d == d0 and rk == r for d, rk in batched) and (d0 == 0 or all(
                d is not None or rk == 0 for d, rk in zip(dims, ranks))):
            return prim.bind(*args, **params), d0  # aligned already: no data movement
        size = batch_size(args, dims)
        out = []
        for a, d, rk in zip(args, dims, ranks):
            if d is not None:
                a = move_axis(a, d, 0)
                if rk < r:
                    a = _shape.reshape(a, (size,) + (1,) * (r - rk) + get_aval(a).shape[1:])
            out.append(a)
        return prim.bind(*out, **params), 0
    prim.batch = rule
    return rule


def shift_axes(axes, bd):
    """Axes of an unbatched array, renumbered for the batched array whose batch axis is bd."""
    return tuple(a + (a >= bd) for a in axes)


# Last, as a module read at call time: shape's primitives batch with the helpers above, and the
# helpers move axes with shape's primitives; imported here, either module may be imported first.
from . import shape as _shape  # noqa: E402
