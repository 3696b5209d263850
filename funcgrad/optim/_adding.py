"""Transformations that add a term to the updates."""
from __future__ import annotations

from typing import Any, NamedTuple

from .._core.typing import PyTree
from ._base import (EmptyState, GradientTransformation, MaskOrFn, ScalarOrSchedule, StepCount,
                    check_scalar_hyperparameter, map_updates_params, require_params)
from ._tree_math import cast_like, safe_increment, zero_count
from ._wrappers import masked


AddDecayedWeightsState = EmptyState  # optax's name for its state without a schedule


class WeightDecaySchedule(NamedTuple):
    """The state of `add_decayed_weights` given a schedule: the step count."""
    count: StepCount


def add_decayed_weights(weight_decay: ScalarOrSchedule = 0.0,
                        mask: MaskOrFn | None = None) -> GradientTransformation:
    """updates + weight_decay * params: weight decay. Placed before the learning rate scaling of
    plain SGD it is L2 regularization (torch's `weight_decay`); after Adam's rescaling it is
    decoupled weight decay (AdamW). `weight_decay` may be a schedule of the step count. `mask`
    (a tree of bools, or a function of the parameters) limits it to some parameters, e.g. not
    to biases.

    >>> import funcgrad.numpy as fnp
    >>> p = {"w": fnp.array([2.0]), "b": fnp.array([2.0])}
    >>> g = {"w": fnp.array([1.0]), "b": fnp.array([1.0])}
    >>> t = add_decayed_weights(0.5, mask={"w": True, "b": False})
    >>> t.update(g, t.init(p), p)[0]
    {'b': Array([1.], dtype=float64), 'w': Array([2.], dtype=float64)}
    """
    scheduled = callable(weight_decay)

    def init(params: PyTree) -> Any:
        del params
        return WeightDecaySchedule(zero_count()) if scheduled else EmptyState()

    def update(updates, state, params=None):
        require_params(params, "add_decayed_weights")
        new_state = WeightDecaySchedule(safe_increment(state.count)) if scheduled else state
        if isinstance(weight_decay, (int, float)) and weight_decay == 0.0:
            return updates, new_state
        s = (check_scalar_hyperparameter(weight_decay(state.count), "add_decayed_weights",
                                         "weight_decay") if scheduled else weight_decay)
        # a schedule's array value is cast to each leaf's dtype, as JAX's weakly typed value is
        return map_updates_params(lambda g, p: g + cast_like(s, g) * p, updates, params,
                                  "add_decayed_weights"), new_state

    t = GradientTransformation(init, update)
    return t if mask is None else masked(t, mask)
