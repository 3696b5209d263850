"""Helpers for the primitives' batching (vmap) rules.

A rule has the signature rule(args, dims, **params) -> (out, out_dim): `dims[i]` is the axis of
args[i] that is being mapped over, or None when args[i] is the same for every batch element. The
batch axis moves only when a rule needs it somewhere else; unbatched operands stay unbatched."""
from __future__ import annotations

from .._core.trace import get_aval
from ..interpreters.batching import OneHot


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


# ---- structured batches (Primitive.structured_batch) -------------------------------------------
# Rules for operands that are a symbolic one-hot basis (interpreters/batching.OneHot: jacrev and
# jacfwd map over the rows of an identity matrix). Each gives (out, out_dim), or None when the
# basis has to become dense first. The shapes shared by several primitives are here; a
# primitive's own (reduce_sum's, dot_general's) is in its block.

def onehot_scaling(op, one_hot_first=(True,)):
    """The rule of op(OneHot, unbatched value) (and of op(value, OneHot) with False among
    one_hot_first) when broadcasting does not change the shape: still a OneHot."""
    def rule(vals, dims):
        for first in one_hot_first:
            oh, other = (vals[0], vals[1]) if first else (vals[1], vals[0])
            if not isinstance(oh, OneHot) or dims[1 if first else 0] is not None:
                continue
            shape, o = get_aval(oh.diag).shape, get_aval(other).shape
            if len(o) > len(shape) or any(d not in (1, s) for d, s in zip(o[::-1], shape[::-1])):
                continue  # broadcasting would change the shape
            return oh.with_diag(op(oh.diag, other) if first else op(other, oh.diag)), 0
        return None
    return rule


def onehot_sum(op):
    """The rule of op(OneHot, OneHot) over the same basis positions (add, sub)."""
    def rule(vals, dims):
        a, b = vals
        if (isinstance(a, OneHot) and isinstance(b, OneHot) and (a.offset, a.total)
                == (b.offset, b.total) and get_aval(a.diag).shape == get_aval(b.diag).shape):
            return a.with_diag(op(a.diag, b.diag)), 0
        return None
    return rule


def onehot_unary(op):
    """The rule of a unary elementwise op(OneHot) with op(0) == 0 (neg, a cast)."""
    def rule(vals, dims, **params):
        return vals[0].with_diag(op(vals[0].diag, **params)), 0
    return rule


# Last, as a module read at call time: shape's primitives batch with the helpers above, and the
# helpers move axes with shape's primitives; imported here, either module may be imported first.
from . import shape as _shape  # noqa: E402
