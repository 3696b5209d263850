"""Reduce the learning rate on a plateau (optax.contrib.reduce_on_plateau): a scale on the
updates, cut by `factor` when the monitored value (the `value=` keyword of update) has not
improved for `patience` accumulations."""
from __future__ import annotations

from typing import Any, NamedTuple

from ... import numpy as fnp
from ... import tree
from ..._core.array import Array
from ..._core.typing import ArrayLike, PyTree
from ...lax import cond
from .._base import GradientTransformationExtraArgs
from .. import _tree_ops as otree
from .._tree_math import safe_increment


class ReduceLROnPlateauState(NamedTuple):
    """The state of `reduce_on_plateau`: the current scale, the best accumulated value, the
    accumulations without improvement, the cooldown left, and the running average of the
    values (over `count` of the current accumulation)."""
    scale: Array
    best_value: Array
    plateau_count: Array
    cooldown_count: Array
    count: Any  # a NamedTuple field named count is typed Any (see _base.StepCount)
    avg_value: Array


def reduce_on_plateau(factor: float = 0.1, patience: int = 10, rtol: float = 1e-4,
                      atol: float = 0.0, cooldown: int = 0, accumulation_size: int = 1,
                      min_scale: float = 0.0) -> GradientTransformationExtraArgs:
    """Scale the updates by a factor that starts at 1 and is multiplied by `factor` (not below
    min_scale) once the value, averaged over `accumulation_size` updates, has failed to fall
    below (1 - rtol) * best - atol for `patience` averages in a row; `cooldown` averages
    follow each cut during which no plateau is counted. Each update takes the monitored value
    as the keyword argument `value`.

    >>> import funcgrad.numpy as fnp
    >>> t = reduce_on_plateau(factor=0.5, patience=2)
    >>> g = fnp.array([1.0])
    >>> state = t.init(g)
    >>> for loss in [3.0, 2.0, 2.0, 2.0, 2.0]:
    ...     updates, state = t.update(g, state, value=fnp.asarray(loss))
    >>> updates, state.scale
    (Array([0.5], dtype=float64), Array(0.5, dtype=float64))
    """
    if factor <= 0.0 or factor >= 1.0:
        raise ValueError(f"Factor must be in the range (0, 1), got factor = {factor}.")
    if rtol < 0.0 or atol < 0.0:
        raise ValueError(f"Both rtol and atol must be non-negative, got rtol = {rtol} and "
                         f"atol = {atol}.")
    if rtol == 0.0 and atol == 0.0:
        raise ValueError(f"At least one of rtol or atol must be positive, got rtol = {rtol} "
                         f"and atol = {atol}.")
    if rtol > 1.0:
        raise ValueError(f"rtol must be less than or equal to 1.0, got rtol = {rtol}.")

    def init(params):
        high = otree.dtype(params, "highest")
        return ReduceLROnPlateauState(
            scale=fnp.asarray(1.0, otree.dtype(params, "lowest")),
            best_value=fnp.asarray(fnp.inf, high), plateau_count=fnp.asarray(0, fnp.int32),
            cooldown_count=fnp.asarray(0, fnp.int32), count=fnp.asarray(0, fnp.int32),
            avg_value=fnp.asarray(0.0, high))

    def end_of_accumulation(s: ReduceLROnPlateauState) -> ReduceLROnPlateauState:
        improved = s.avg_value < (1 - rtol) * s.best_value - atol
        best = fnp.where(improved, s.avg_value.astype(s.best_value.dtype), s.best_value)
        plateau = fnp.where(improved, 0, safe_increment(s.plateau_count))
        at_patience = plateau == patience
        cooling = s.cooldown_count > 0
        new_plateau = fnp.where(cooling | at_patience, 0, plateau).astype(fnp.int32)
        new_scale = fnp.where(cooling, s.scale, fnp.maximum(
            fnp.where(at_patience, s.scale * factor, s.scale), min_scale).astype(s.scale.dtype))
        new_cooldown = fnp.where(cooling, s.cooldown_count - 1,
                                 fnp.where(at_patience, cooldown, 0)).astype(fnp.int32)
        return ReduceLROnPlateauState(
            scale=new_scale, best_value=best, plateau_count=new_plateau,
            cooldown_count=new_cooldown, count=fnp.asarray(0, fnp.int32),
            avg_value=fnp.zeros_like(s.avg_value))

    def update(updates: PyTree, state: ReduceLROnPlateauState, params: PyTree = None, *,
               value: ArrayLike | None = None,
               **extra_args: Any) -> tuple[PyTree, ReduceLROnPlateauState]:
        del params, extra_args
        if value is None:
            raise TypeError("reduce_on_plateau.update() needs the monitored value as the keyword "
                            "argument `value`: opt.update(grads, state, params, value=loss)")
        dtype = state.avg_value.dtype
        count = safe_increment(state.count)
        avg = ((state.count.astype(dtype) * state.avg_value + fnp.asarray(value).astype(dtype))
               / count.astype(dtype))
        state = state._replace(avg_value=avg, count=count)
        state = cond(count == accumulation_size, end_of_accumulation, lambda s: s, state)
        return tree.tree_map(lambda g: state.scale * g, updates), state

    return GradientTransformationExtraArgs(init, update)
