"""Clipping: bound the size of updates, elementwise, per leaf or over the whole tree."""
from __future__ import annotations

from .. import numpy as fnp
from .. import tree
from .._core.array import Array
from ._base import GradientTransformation, init_empty_state
from ._tree_math import cast_like, global_norm


def clip(max_delta: float) -> GradientTransformation:
    """Clip every element of the updates to [-max_delta, max_delta].

    >>> import funcgrad.numpy as fnp
    >>> clip(1.0).update(fnp.array([-3.0, 0.5, 2.0]), None)[0]
    Array([-1. ,  0.5,  1. ], dtype=float64)
    """
    def update(updates, state, params=None):
        del params
        return tree.tree_map(lambda g: fnp.clip(g, -max_delta, max_delta), updates), state

    return GradientTransformation(init_empty_state, update)


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    """Rescale the updates so that their global norm (see `global_norm`) is at most max_norm;
    leave them unchanged when it already is.

    >>> import funcgrad.numpy as fnp
    >>> clip_by_global_norm(1.0).update({"a": fnp.array([3.0]), "b": fnp.array([4.0])}, None)[0]
    {'a': Array([0.6], dtype=float64), 'b': Array([0.8], dtype=float64)}
    """
    def update(updates, state, params=None):
        del params
        norm = global_norm(updates)
        keep = norm < max_norm
        # the divisor is 1 where the updates are kept, so a zero norm never divides
        divisor = fnp.where(keep, 1.0, norm)
        return tree.tree_map(
            lambda g: fnp.where(keep, g, g / cast_like(divisor, g) * max_norm), updates), state

    return GradientTransformation(init_empty_state, update)


def clip_by_block_rms(threshold: float) -> GradientTransformation:
    """Rescale each leaf so that its root mean square is at most threshold (Adafactor).

    >>> import funcgrad.numpy as fnp
    >>> clip_by_block_rms(1.0).update(fnp.array([3.0, -3.0]), None)[0]
    Array([ 1., -1.], dtype=float64)
    """
    def clip_leaf(u):
        return u / cast_like(fnp.maximum(1.0, fnp.sqrt(fnp.mean(fnp.square(u))) / threshold), u)

    def update(updates, state, params=None):
        del params
        return tree.tree_map(clip_leaf, updates), state

    return GradientTransformation(init_empty_state, update)
