"""Transformations that constrain the updates: keep parameters non-negative, replace NaNs by
zeros, centralize gradients (subtract their mean per output unit)."""
from __future__ import annotations

from typing import Any, NamedTuple

from .. import numpy as fnp
from .. import tree
from ._base import (EmptyState, GradientTransformation, init_empty_state, map_updates_params,
                    require_params)

NonNegativeParamsState = EmptyState


def keep_params_nonnegative() -> GradientTransformation:
    """Change the updates that would make a parameter negative into ones that make it zero:
    put it last in a chain, after the learning rate.

    >>> import funcgrad.numpy as fnp
    >>> t = keep_params_nonnegative()
    >>> t.update({"w": fnp.array([-3.0, 1.0])}, t.init(None), {"w": fnp.array([2.0, 2.0])})[0]
    {'w': Array([-2.,  1.], dtype=float64)}
    """
    def update(updates, state, params=None):
        require_params(params, "keep_params_nonnegative")
        return map_updates_params(lambda u, p: fnp.where(p + u < 0.0, -p, u), updates, params,
                                  "keep_params_nonnegative"), state

    return GradientTransformation(init_empty_state, update)


class ZeroNansState(NamedTuple):
    """The state of `zero_nans`: per leaf, whether the last updates held a NaN."""
    found_nan: Any


def zero_nans() -> GradientTransformation:
    """Replace NaNs in the updates by zeros, recording per leaf whether there were any.

    >>> import funcgrad.numpy as fnp
    >>> t = zero_nans()
    >>> u, state = t.update({"w": fnp.array([fnp.nan, 1.0])}, t.init({"w": fnp.zeros(2)}))
    >>> u["w"], bool(state.found_nan["w"])
    (Array([0., 1.], dtype=float64), True)
    """
    def init(params):
        return ZeroNansState(tree.tree_map(lambda p: fnp.asarray(False), params))

    def update(updates, state, params=None):
        del params, state
        found = tree.tree_map(lambda u: fnp.any(fnp.isnan(u)), updates)
        clean = tree.tree_map(lambda u: fnp.where(fnp.isnan(u), fnp.zeros_like(u), u), updates)
        return clean, ZeroNansState(found)

    return GradientTransformation(init, update)


def _subtract_mean(g):
    if g.ndim > 1:
        return g - g.mean(tuple(range(1, g.ndim)), keepdims=True)
    return g


def centralize() -> GradientTransformation:
    """Gradient centralization: subtract from each leaf of rank > 1 its mean over all axes but
    the first (vectors and scalars pass unchanged).

    >>> import funcgrad.numpy as fnp
    >>> centralize().update(fnp.array([[1.0, 3.0], [0.0, 0.0]]), EmptyState())[0]
    Array([[-1.,  1.],
           [ 0.,  0.]], dtype=float64)
    """
    def update(updates, state, params=None):
        del params
        return tree.tree_map(_subtract_mean, updates), state

    return GradientTransformation(init_empty_state, update)
