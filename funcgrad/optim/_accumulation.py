"""Transformations that remember past updates: momentum traces, moving averages, and gradient
accumulation over several mini-steps (MultiSteps)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from .. import numpy as fnp
from .. import tree
from .._core.array import Array
from .._core.typing import ArrayLike, DTypeLike, PyTree
from ..lax import cond
from ._base import GradientTransformation, StepCount
from ._tree_math import (bias_correction, cast_like, safe_increment, tree_add, tree_cast,
                         tree_zeros_like, update_moment, zero_count)


class TraceState(NamedTuple):
    trace: PyTree


def trace(decay: float, nesterov: bool = False,
          accumulator_dtype: DTypeLike = None) -> GradientTransformation:
    """Momentum: t <- g + decay * t, the update being t (or g + decay * t with nesterov), as
    torch.optim.SGD's momentum buffer with dampening 0.

    >>> import funcgrad.numpy as fnp
    >>> t = trace(decay=0.5)
    >>> state = t.init(fnp.zeros(1))
    >>> for _ in range(3):
    ...     u, state = t.update(fnp.array([1.0]), state)
    >>> u
    Array([1.75], dtype=float64)
    """
    def init(params):
        return TraceState(tree_zeros_like(params, accumulator_dtype))

    def update(updates, state, params=None):
        del params
        step = lambda g, t: g + cast_like(decay, t) * t
        new_trace = tree.tree_map(step, updates, state.trace)
        updates = tree.tree_map(step, updates, new_trace) if nesterov else new_trace
        return updates, TraceState(tree_cast(new_trace, accumulator_dtype))

    return GradientTransformation(init, update)


class EmaState(NamedTuple):
    count: StepCount
    ema: PyTree


def ema(decay: float, debias: bool = True,
        accumulator_dtype: DTypeLike = None) -> GradientTransformation:
    """The exponential moving average (1 - decay) * g + decay * ema, debiased by
    1 / (1 - decay**count) unless debias=False (the state keeps the raw average).

    >>> import funcgrad.numpy as fnp
    >>> t = ema(decay=0.5)
    >>> t.update(fnp.array([4.0]), t.init(fnp.zeros(1)))[0]
    Array([4.], dtype=float64)
    """
    def init(params):
        return EmaState(zero_count(), tree_zeros_like(params, accumulator_dtype))

    def update(updates, state, params=None):
        del params
        updates = new_ema = update_moment(updates, state.ema, decay, 1)
        count = safe_increment(state.count)
        if debias:
            updates = bias_correction(new_ema, decay, count)
        return updates, EmaState(count, tree_cast(new_ema, accumulator_dtype))

    return GradientTransformation(init, update)


class MultiStepsState(NamedTuple):
    mini_step: Array         # mini-steps accumulated since the last real update
    gradient_step: Array     # real updates done so far
    inner_opt_state: PyTree
    acc_grads: PyTree        # the mean (or sum) of the gradients accumulated so far
    skip_state: PyTree       # what should_skip_update_fn reported last


def skip_not_finite(updates: PyTree, gradient_step: ArrayLike,
                    params: PyTree) -> tuple[Array, dict[str, Array]]:
    """A `should_skip_update_fn` for MultiSteps: skip a mini-step whose gradients hold an inf or
    a NaN, reporting how many.

    >>> import funcgrad.numpy as fnp
    >>> skip, info = skip_not_finite([fnp.array([1.0, fnp.inf])], 0, None)
    >>> bool(skip), int(info["num_not_finite"])
    (True, 1)
    """
    del gradient_step, params
    counts = [fnp.sum(~fnp.isfinite(g)) for g in tree.tree_leaves(updates)]
    num = sum(counts, start=fnp.zeros([], fnp.int32)).astype(fnp.int32)
    return num > 0, {"should_skip": num > 0, "num_not_finite": num}


class MultiSteps:
    """Gradient accumulation: average the gradients of `every_k_schedule` mini-steps (an int, or
    a function of the gradient step), then apply `opt` once; zero updates in between. Use
    `.gradient_transformation()` where a GradientTransformation is expected.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = optim.MultiSteps(optim.sgd(1.0), every_k_schedule=2)
    >>> state = opt.init(fnp.zeros(1))
    >>> u1, state = opt.update(fnp.array([1.0]), state)
    >>> u2, state = opt.update(fnp.array([3.0]), state)
    >>> u1, u2, bool(opt.has_updated(state))
    (Array([0.], dtype=float64), Array([-2.], dtype=float64), True)
    """

    def __init__(self, opt: GradientTransformation,
                 every_k_schedule: int | Callable[[Any], Any], use_grad_mean: bool = True,
                 should_skip_update_fn: Callable[[PyTree, Any, PyTree], tuple[Any, PyTree]]
                 | None = None) -> None:
        self.opt = opt
        self.every_k = (every_k_schedule if callable(every_k_schedule)
                        else lambda step: every_k_schedule)
        self.use_grad_mean = use_grad_mean
        self.should_skip_update_fn = should_skip_update_fn

    def init(self, params: PyTree) -> MultiStepsState:
        """The state: the inner optimizer's, zero accumulated gradients and zero counts."""
        zeros = tree_zeros_like(params)
        skip_state = ()
        if self.should_skip_update_fn is not None:
            _, skip_state = self.should_skip_update_fn(zeros, zero_count(), params)
            skip_state = tree_zeros_like(skip_state)
        return MultiStepsState(zero_count(), zero_count(), self.opt.init(params), zeros,
                               skip_state)

    def update(self, updates: PyTree, state: MultiStepsState,
               params: PyTree = None) -> tuple[PyTree, MultiStepsState]:
        """Accumulate `updates`; every k-th mini-step, the inner optimizer's updates, zero
        updates otherwise (a `cond`, so it jits)."""
        should_skip, skip_state = fnp.asarray(False), ()
        if self.should_skip_update_fn is not None:
            should_skip, skip_state = self.should_skip_update_fn(updates, state.gradient_step,
                                                                 params)
        n = state.mini_step
        if self.use_grad_mean:  # Welford's running mean: no sum that grows with k
            acc = tree.tree_map(lambda g, a: a + (g - a) / cast_like(n + 1, a),
                                updates, state.acc_grads)
        else:
            acc = tree_add(state.acc_grads, updates)

        def final_step():
            new_updates, inner = self.opt.update(acc, state.inner_opt_state, params)
            return new_updates, MultiStepsState(zero_count(), safe_increment(state.gradient_step),
                                                inner, tree_zeros_like(acc), skip_state)

        def mid_step():
            return tree_zeros_like(updates), MultiStepsState(
                safe_increment(n), state.gradient_step, state.inner_opt_state, acc, skip_state)

        def skip():  # as if the mini-step never happened, but for the new skip_state
            return tree_zeros_like(updates), state._replace(skip_state=skip_state)

        def accumulate():
            return cond(n < self.every_k(state.gradient_step) - 1, mid_step, final_step)

        return cond(should_skip, skip, accumulate)

    def has_updated(self, state: MultiStepsState) -> Array:
        """Whether the last update applied the inner optimizer (a traced boolean)."""
        return (state.mini_step == 0) & (state.gradient_step > 0)

    def gradient_transformation(self) -> GradientTransformation:
        """This accumulator as a (init, update) pair, to chain or wrap like any other."""
        return GradientTransformation(self.init, self.update)
