"""Transformations that remember past updates: momentum traces, moving averages, gradient
accumulation over several mini-steps (MultiSteps, apply_every) and the tests that skip a
mini-step (skip_not_finite, skip_large_updates)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import numpy as np

from .. import numpy as fnp
from .. import tree
from .._core.typing import ArrayLike, DTypeLike, PyTree
from ..lax import cond
from ._base import (STATE_VS_UPDATES, GradientTransformation, GradientTransformationExtraArgs,
                    Params, StepCount, Updates, check_same_structure, count_dtype,
                    with_extra_args_support)
from ._tree_math import (bias_correction, safe_increment, tree_cast, tree_zeros_like,
                         update_moment, zero_count)


def _none_or(f: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, *rest: None if g is None else f(g, *rest)


class TraceState(NamedTuple):
    """The state of `trace`: the momentum buffer."""
    trace: Params


def trace(decay: ArrayLike, nesterov: bool = False,
          accumulator_dtype: DTypeLike = None) -> GradientTransformation:
    """Momentum: t <- g + decay * t, the update being t (or g + decay * t with nesterov), as
    torch.optim.SGD's momentum buffer with dampening 0. The buffer is kept in
    accumulator_dtype when given.

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
        check_same_structure(state.trace, updates, "trace", STATE_VS_UPDATES)
        step = lambda g, t: g + decay * t
        new_trace = tree.tree_map(_none_or(step), updates, state.trace,
                                  is_leaf=lambda g: g is None)
        updates = tree.tree_map(step, updates, new_trace) if nesterov else new_trace
        return updates, TraceState(tree_cast(new_trace, accumulator_dtype))

    return GradientTransformation(init, update)


class EmaState(NamedTuple):
    """The state of `ema`: the step count and the (not debiased) moving average."""
    count: StepCount
    ema: Params


def ema(decay: ArrayLike, debias: bool = True,
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
        check_same_structure(state.ema, updates, "ema", STATE_VS_UPDATES)
        updates = new_ema = update_moment(updates, state.ema, decay, 1)
        count = safe_increment(state.count)
        if debias:
            updates = bias_correction(new_ema, decay, count)
        return updates, EmaState(count, tree_cast(new_ema, accumulator_dtype))

    return GradientTransformation(init, update)


class ShouldSkipUpdateFunction(Protocol):
    """MultiSteps' `should_skip_update_fn`: (updates, gradient_step, params) to (a scalar
    boolean, whether to skip this mini-step; a pytree kept in the state as `skip_state`)."""

    def __call__(self, updates: Updates, gradient_step: ArrayLike,
                 params: Params | None) -> tuple[ArrayLike, PyTree]:
        ...


def skip_not_finite(updates: Updates, gradient_step: ArrayLike,
                    params: Params | None) -> tuple[Any, dict[str, Any]]:
    """A `should_skip_update_fn` for MultiSteps: skip a mini-step whose gradients hold an inf or
    a NaN, reporting how many.

    >>> import funcgrad.numpy as fnp
    >>> skip, info = skip_not_finite([fnp.array([1.0, fnp.inf])], 0, None)
    >>> bool(skip), int(info["num_not_finite"])
    (True, 1)
    """
    del gradient_step, params
    dtype = count_dtype(updates)
    counts = [fnp.sum(~fnp.isfinite(g)).astype(dtype) for g in tree.tree_leaves(updates)]
    num = fnp.sum(fnp.stack(counts)).astype(dtype) if counts else fnp.zeros([], dtype)
    return num > 0, {"should_skip": num > 0, "num_not_finite": num}


def skip_large_updates(updates: Updates, gradient_step: ArrayLike, params: Params | None,
                       max_squared_norm: ArrayLike) -> tuple[Any, dict[str, Any]]:
    """A `should_skip_update_fn` for MultiSteps (bind max_squared_norm with functools.partial):
    skip a mini-step whose gradients' squared global norm is not below max_squared_norm (a NaN
    norm is skipped too).

    >>> import functools
    >>> import funcgrad.numpy as fnp
    >>> skip, info = skip_large_updates([fnp.array([3.0, 4.0])], 0, None, 10.0)
    >>> bool(skip), float(info["norm_squared"])
    (True, 25.0)
    """
    del gradient_step, params
    squares = [fnp.sum(g ** 2) for g in tree.tree_leaves(updates)]
    norm_sq = fnp.sum(fnp.stack(squares)) if squares else fnp.zeros([])
    should_skip = ~(norm_sq < max_squared_norm)
    return should_skip, {"should_skip": should_skip, "norm_squared": norm_sq}


class MultiStepsState(NamedTuple):
    """The state of MultiSteps."""
    mini_step: Any           # mini-steps accumulated since the last real update
    gradient_step: Any       # real updates done so far
    inner_opt_state: Any
    acc_grads: Any           # the mean (or sum) of the gradients accumulated so far
    skip_state: Any = ()     # what should_skip_update_fn reported last


def _never_skip(updates: Updates, gradient_step: ArrayLike,
                params: Params | None) -> tuple[Any, PyTree]:
    del updates, gradient_step, params
    return fnp.asarray(False), ()


class MultiSteps:
    """Gradient accumulation: average the gradients of `every_k_schedule` mini-steps (an int, or
    a function of the gradient step), then apply `opt` once; zero updates in between. The
    average is kept in accumulator_dtype (float32 by default, as optax; None: the parameters'
    dtype). `should_skip_update_fn` (skip_not_finite, say) may drop a mini-step. Use
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
                 should_skip_update_fn: ShouldSkipUpdateFunction | None = None,
                 accumulator_dtype: DTypeLike = np.float32) -> None:
        self._opt = with_extra_args_support(opt)
        self._every_k = (every_k_schedule if callable(every_k_schedule)
                         else lambda step: every_k_schedule)
        self._use_grad_mean = use_grad_mean
        self._accumulator_dtype = accumulator_dtype
        self._should_skip = should_skip_update_fn or _never_skip

    @property
    def inner_opt(self) -> GradientTransformationExtraArgs:
        """The wrapped optimizer (as a GradientTransformationExtraArgs)."""
        return self._opt

    def init(self, params: Params) -> MultiStepsState:
        """The state: the inner optimizer's, zero accumulated gradients and zero counts."""
        gradient_step = zero_count()
        _, skip_state = self._should_skip(tree_zeros_like(params), gradient_step, params)
        return MultiStepsState(zero_count(), gradient_step, self._opt.init(params),
                               tree_zeros_like(params, self._accumulator_dtype), skip_state)

    def _accumulate(self, g, acc, n):
        if not self._use_grad_mean:
            return g + acc
        diff = g - acc  # Welford's running mean: no sum that grows with k
        return acc + diff / fnp.asarray(n + 1, diff.dtype)

    def update(self, updates: Updates, state: MultiStepsState, params: Params | None = None,
               **extra_args: Any) -> tuple[Updates, MultiStepsState]:
        """Accumulate `updates`; every k-th mini-step, the inner optimizer's updates, zero
        updates otherwise (the choice is traced, so it jits)."""
        k = self._every_k(state.gradient_step)
        should_skip, skip_state = self._should_skip(updates, state.gradient_step, params)
        should_skip = fnp.asarray(should_skip)
        if (np.dtype(should_skip.dtype), tuple(should_skip.shape)) != (np.dtype(bool), ()):
            raise ValueError(
                "The `should_skip_update_fn` function should return a boolean scalar array, "
                f"but it returned an array of dtype {should_skip.dtype} and shape "
                f"{tuple(should_skip.shape)}")
        check_same_structure(state.acc_grads, updates, "MultiSteps", STATE_VS_UPDATES)
        n = state.mini_step
        acc = tree.tree_map(lambda g, a: self._accumulate(g, a, n), updates, state.acc_grads)
        cast_acc = tree.tree_map(lambda a, g: a.astype(g.dtype), acc, updates)
        final, inner_state = self._opt.update(cast_acc, state.inner_opt_state, params,
                                              **extra_args)
        emit = n == k - 1
        keep_dtype = self._accumulator_dtype
        new_state = MultiStepsState(
            (safe_increment(n) % k).astype(n.dtype),
            fnp.where(emit, safe_increment(state.gradient_step), state.gradient_step),
            tree.tree_map(lambda old, new: fnp.where(emit, new, old).astype(fnp.asarray(old).dtype),
                          state.inner_opt_state, inner_state),
            tree.tree_map(lambda a, old: fnp.where(emit, fnp.zeros_like(a), a).astype(
                keep_dtype or old.dtype), acc, state.acc_grads),
            skip_state)
        final = tree.tree_map(lambda u: fnp.where(emit, u, fnp.zeros_like(u)), final)
        skipped = (tree_zeros_like(final), state._replace(skip_state=skip_state))
        return cond(should_skip, lambda: skipped, lambda: (final, new_state))

    def has_updated(self, state: MultiStepsState | PyTree) -> Any:
        """Whether the last update applied the inner optimizer (a traced boolean)."""
        return (state.mini_step == 0) & (state.gradient_step > 0)

    def gradient_transformation(self) -> GradientTransformation:
        """This accumulator as an (init, update) pair, to chain or wrap like any other. It is a
        plain GradientTransformation, as optax's: `chain` gives it no extra arguments."""
        return GradientTransformation(self.init, self.update)


class ApplyEvery(NamedTuple):
    """The state of `apply_every`: the mini-step count and the summed gradients."""
    count: StepCount
    grad_acc: Updates


def apply_every(k: int = 1) -> GradientTransformation:
    """Sum the updates of k steps and emit the sum every k-th step, zeros in between (an older
    form of MultiSteps that also runs the transformations before it on every step).

    >>> import funcgrad.numpy as fnp
    >>> t = apply_every(2)
    >>> s = t.init(fnp.zeros(1))
    >>> u1, s = t.update(fnp.array([1.0]), s)
    >>> u2, s = t.update(fnp.array([2.0]), s)
    >>> u1, u2
    (Array([0.], dtype=float64), Array([3.], dtype=float64))
    """
    def init(params):
        return ApplyEvery(zero_count(), tree_zeros_like(params))

    def update(updates, state, params=None):
        del params
        check_same_structure(state.grad_acc, updates, "apply_every", STATE_VS_UPDATES)
        c = state.count % k
        keep = c != 0
        grad_acc = tree.tree_map(lambda g, ga: fnp.where(keep, ga, fnp.zeros_like(ga)) + g,
                                 updates, state.grad_acc)
        emit = c == k - 1
        updates = tree.tree_map(lambda ga: fnp.where(emit, ga, fnp.zeros_like(ga)), grad_acc)
        return updates, ApplyEvery((safe_increment(state.count) % k).astype(state.count.dtype),
                                   grad_acc)

    return GradientTransformation(init, update)
