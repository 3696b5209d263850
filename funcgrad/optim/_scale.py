"""Transformations that multiply updates by a step size or a per-leaf factor."""
from __future__ import annotations

from typing import NamedTuple

from .. import numpy as fnp
from .. import tree
from .._core.array import Array
from ._base import (GradientTransformation, ScalarOrSchedule, Schedule, StepCount,
                    init_empty_state, require_params)
from ._tree_math import cast_like, safe_increment, tree_scale, zero_count


def scale(step_size: float | Array) -> GradientTransformation:
    """Multiply updates by a fixed scalar.

    >>> import funcgrad.numpy as fnp
    >>> scale(-2.0).update(fnp.array([1.0, 3.0]), None)[0]
    Array([-2., -6.], dtype=float64)
    """
    def update(updates, state, params=None):
        del params
        return tree_scale(step_size, updates), state

    return GradientTransformation(init_empty_state, update)


class ScaleByScheduleState(NamedTuple):
    count: StepCount  # the schedule's argument


def scale_by_schedule(step_size_fn: Schedule) -> GradientTransformation:
    """Multiply updates by step_size_fn(count), count being the number of updates so far.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_schedule(lambda count: 1.0 / (count + 1))
    >>> state = t.init(None)
    >>> for _ in range(2):
    ...     u, state = t.update(fnp.array([1.0]), state)
    >>> u, state.count
    (Array([0.5], dtype=float64), Array(2, dtype=int32))
    """
    def init(params):
        del params
        return ScaleByScheduleState(zero_count())

    def update(updates, state, params=None):
        del params
        step_size = step_size_fn(state.count)
        updates = tree.tree_map(lambda g: fnp.asarray(cast_like(step_size, g), g.dtype) * g,
                                updates)
        return updates, ScaleByScheduleState(safe_increment(state.count))

    return GradientTransformation(init, update)


def scale_by_learning_rate(learning_rate: ScalarOrSchedule, *,
                           flip_sign: bool = True) -> GradientTransformation:
    """Multiply updates by -learning_rate (descent), a float or a schedule of the step count.

    >>> import funcgrad.numpy as fnp
    >>> scale_by_learning_rate(0.1).update(fnp.array([1.0]), None)[0]
    Array([-0.1], dtype=float64)
    """
    m = -1 if flip_sign else 1
    if callable(learning_rate):
        return scale_by_schedule(lambda count: m * learning_rate(count))
    return scale(m * learning_rate)


def scale_by_trust_ratio(min_norm: float = 0.0, trust_coefficient: float = 1.0,
                         eps: float = 0.0) -> GradientTransformation:
    """Scale each leaf's update by trust_coefficient * |param| / (|update| + eps) (LARS and LAMB),
    the norms floored at min_norm; by 1 where either norm is zero.

    >>> import funcgrad.numpy as fnp
    >>> p = fnp.array([3.0, 4.0])
    >>> scale_by_trust_ratio().update(fnp.array([0.0, 0.5]), None, p)[0]
    Array([0., 5.], dtype=float64)
    """
    def scale_leaf(u, p):
        p_norm = fnp.maximum(fnp.sqrt(fnp.sum(fnp.square(p))), min_norm)
        u_norm = fnp.maximum(fnp.sqrt(fnp.sum(fnp.square(u))), min_norm)
        zero = (p_norm == 0) | (u_norm == 0)
        # the denominator is made safe where the ratio is not used, so no 0/0 is ever computed
        ratio = trust_coefficient * p_norm / fnp.where(zero, 1.0, u_norm + eps)
        return u * cast_like(fnp.where(zero, 1.0, ratio), u)

    def update(updates, state, params=None):
        require_params(params, "scale_by_trust_ratio")
        return tree.tree_map(scale_leaf, updates, params), state

    return GradientTransformation(init_empty_state, update)


def scale_by_param_block_rms(min_scale: float = 1e-3) -> GradientTransformation:
    """Scale each leaf's update by the root mean square of its parameter, at least min_scale
    (Adafactor's relative step size).

    >>> import funcgrad.numpy as fnp
    >>> scale_by_param_block_rms().update(fnp.array([1.0, 1.0]), None, fnp.array([3.0, 4.0]))[0]
    Array([3.53553391, 3.53553391], dtype=float64)
    """
    def update(updates, state, params=None):
        require_params(params, "scale_by_param_block_rms")
        rms = lambda p: fnp.maximum(fnp.sqrt(fnp.mean(fnp.square(p))), min_scale)
        return tree.tree_map(lambda u, p: u * cast_like(rms(p), u), updates, params), state

    return GradientTransformation(init_empty_state, update)
