"""Transformations that add a term to the updates."""
from __future__ import annotations

from .. import tree
from .._core.array import Array
from ._base import GradientTransformation, Mask, init_empty_state, require_params
from ._tree_math import cast_like
from ._wrappers import masked


def add_decayed_weights(weight_decay: float = 0.0,
                        mask: Mask | None = None) -> GradientTransformation:
    """updates + weight_decay * params: weight decay. Placed before the learning rate scaling of
    plain SGD it is L2 regularization (torch's `weight_decay`); after Adam's rescaling it is
    decoupled weight decay (AdamW). `mask` (a tree of bools, or a function of the parameters)
    limits it to some parameters, e.g. not to biases.

    >>> import funcgrad.numpy as fnp
    >>> p = {"w": fnp.array([2.0]), "b": fnp.array([2.0])}
    >>> g = {"w": fnp.array([1.0]), "b": fnp.array([1.0])}
    >>> t = add_decayed_weights(0.5, mask={"w": True, "b": False})
    >>> t.update(g, t.init(p), p)[0]
    {'w': Array([2.], dtype=float64), 'b': Array([1.], dtype=float64)}
    """
    def update(updates, state, params=None):
        require_params(params, "add_decayed_weights")
        return tree.tree_map(lambda g, p: g + cast_like(weight_decay, g) * p,
                             updates, params), state

    t = GradientTransformation(init_empty_state, update)
    return t if mask is None else masked(t, mask)
