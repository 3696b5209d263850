"""Adafactor's second-moment estimate: for a matrix, one running mean of squared gradients per
row and one per column instead of one per element."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import numpy as fnp
from .. import tree
from .._core.typing import PyTree
from ._base import GradientTransformation, StepCount
from ._tree_math import cast_like, safe_increment, zero_count


class FactoredState(NamedTuple):
    count: StepCount
    v_row: PyTree  # per factored leaf: the row statistics (a (1,) placeholder otherwise)
    v_col: PyTree  # per factored leaf: the column statistics (a (1,) placeholder otherwise)
    v: PyTree      # per unfactored leaf: the full statistics (a (1,) placeholder otherwise)


def _factored_dims(shape, factored, min_dim_size_to_factor):
    """The two largest axes (second largest first) when both are at least
    min_dim_size_to_factor long; None when the leaf keeps full statistics."""
    if not factored or len(shape) < 2:
        return None
    order = np.argsort(shape)
    if shape[order[-2]] < min_dim_size_to_factor:
        return None
    return int(order[-2]), int(order[-1])


def scale_by_factored_rms(factored: bool = True, decay_rate: float = 0.8, step_offset: int = 0,
                          min_dim_size_to_factor: int = 128,
                          epsilon: float = 1e-30) -> GradientTransformation:
    """Divide by a (factored) root mean square of past gradients, with the step-dependent decay
    1 - (t + 1)**-decay_rate (Adafactor, Shazeer and Stern 2018).

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_factored_rms(min_dim_size_to_factor=2)
    >>> g = fnp.array([[1.0, 2.0], [3.0, 4.0]])
    >>> [s.shape for s in t.init(g)[1:]]
    [(2,), (2,), (1,)]
    >>> t.update(g, t.init(g), g)[0]
    Array([[0.77459667, 1.09544512],
           [1.03923048, 0.9797959 ]], dtype=float64)
    """
    def stat_shapes(shape):
        """(v_row, v_col, v) shapes of a leaf, a (1,) placeholder for those it does not use."""
        dims = _factored_dims(shape, factored, min_dim_size_to_factor)
        if dims is None:
            return (1,), (1,), shape
        d1, d0 = dims
        return shape[:d0] + shape[d0 + 1:], shape[:d1] + shape[d1 + 1:], (1,)

    def init(params):
        zeros = [tree.tree_map(lambda p, i=i: fnp.zeros(stat_shapes(p.shape)[i], p.dtype), params)
                 for i in range(3)]
        return FactoredState(zero_count(), *zeros)

    def update_leaf(g, v_row, v_col, v, decay):
        decay = cast_like(decay, g)
        g2 = fnp.square(g) + epsilon
        dims = _factored_dims(g.shape, factored, min_dim_size_to_factor)
        if dims is None:
            v = decay * v + (1 - decay) * g2
            return g / fnp.sqrt(v), v_row, v_col, v
        d1, d0 = dims
        v_row = decay * v_row + (1 - decay) * fnp.mean(g2, axis=d0)
        v_col = decay * v_col + (1 - decay) * fnp.mean(g2, axis=d1)
        row_mean = fnp.mean(v_row, axis=d1 - 1 if d1 > d0 else d1, keepdims=True)
        row_factor = fnp.expand_dims(1 / fnp.sqrt(v_row / row_mean), d0)
        col_factor = fnp.expand_dims(1 / fnp.sqrt(v_col), d1)
        return g * row_factor * col_factor, v_row, v_col, v

    def update(updates, state, params=None):
        del params
        t = fnp.asarray(state.count - step_offset, fnp.float64) + 1
        decay = 1 - t ** -decay_rate
        leaves, treedef = tree.tree_flatten(updates)
        stats = [tree.tree_leaves(s) for s in (state.v_row, state.v_col, state.v)]
        out = [update_leaf(g, *s, decay) for g, *s in zip(leaves, *stats)]
        new = [tree.tree_unflatten(treedef, [o[i] for o in out]) for i in range(4)]
        return new[0], FactoredState(safe_increment(state.count), *new[1:])

    return GradientTransformation(init, update)
