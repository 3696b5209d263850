"""Schedule-Free optimization (Defazio et al. 2024) as optax.contrib defines it: the base
optimizer's iterates z are averaged into x with weights growing with the learning rate, and the
gradient is taken at y, an interpolation of x and z, so no decaying schedule is needed."""
from __future__ import annotations

from typing import Any, NamedTuple

from ... import numpy as fnp
from ... import tree
from ..._core.array import Array
from ..._core.typing import DTypeLike, PyTree
from .._adaptive import scale_by_rms
from .._adding import add_decayed_weights
from .._alias import sgd
from .._base import (GradientTransformation, GradientTransformationExtraArgs, ScalarOrSchedule,
                     chain, with_extra_args_support)
from .. import _tree_ops as otree
from .._linesearch import ieee_divide
from .._scale import scale_by_learning_rate
from .._schedules import warmup_constant_schedule
from .._tree_math import safe_increment


class ScheduleFreeState(NamedTuple):
    """The state of `schedule_free`: b1, the sum of averaging weights, the step count (from 1),
    the largest learning rate seen, the base optimizer's state, and the base iterates z."""
    b1: Array
    weight_sum: Array
    step_count: Array
    max_lr: Array
    base_optimizer_state: PyTree
    z: PyTree


def _find_state(state: Any) -> ScheduleFreeState | None:
    if isinstance(state, ScheduleFreeState):
        return state
    if isinstance(state, (tuple, list)):
        for s in state:
            found = _find_state(s)
            if found is not None:
                return found
    if isinstance(state, dict):
        return _find_state(list(state.values()))
    return None


def schedule_free_eval_params(state: PyTree, params: PyTree) -> PyTree:
    """The parameters to evaluate (test or validation loss) at: the average x, recovered from
    the gradient point y (the training parameters) and z as (y - (1 - b1) z) / b1.

    >>> import funcgrad.numpy as fnp
    >>> opt = schedule_free_sgd(1.0)
    >>> w = fnp.array([1.0, 2.0])
    >>> state = opt.init(w)
    >>> schedule_free_eval_params(state, w)
    Array([1., 2.], dtype=float64)
    """
    found = _find_state(state)
    if found is None:
        raise ValueError("schedule_free_eval_params requires a ScheduleFreeState as input: "
                         f"pass the state of a schedule_free optimizer, got {type(state).__name__}")
    b1 = found.b1
    return tree.tree_map(lambda y, z: (y - (1.0 - b1) * z) / b1, params, found.z)


def schedule_free(base_optimizer: GradientTransformation, learning_rate: ScalarOrSchedule,
                  b1: float = 0.9, weight_lr_power: float = 2.0,
                  state_dtype: DTypeLike = None) -> GradientTransformationExtraArgs:
    """Wrap `base_optimizer` (whose momentum should be off) in Schedule-Free averaging: with z
    its iterates and c_t = lr_max^p / sum of lr_max^p so far (p = weight_lr_power),
    x_{t+1} = (1 - c_t) x_t + c_t z_{t+1} and the parameters returned are
    y = b1 x + (1 - b1) z. Evaluate at `schedule_free_eval_params(state, params)`. `learning_rate`
    must be the base optimizer's (a warmup schedule is fine); state_dtype is z's dtype.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = schedule_free(optim.sgd(0.1), learning_rate=0.1)
    >>> loss = lambda w: fnp.sum(w ** 2)
    >>> w = fnp.array([1.0, 2.0])
    >>> state = opt.init(w)
    >>> for _ in range(20):
    ...     updates, state = opt.update(fg.grad(loss)(w), state, w)
    ...     w = optim.apply_updates(w, updates)
    >>> fnp.round(schedule_free_eval_params(state, w), 3)
    Array([0.004, 0.008], dtype=float64)
    """
    base = with_extra_args_support(base_optimizer)

    def init(params):
        dtype = otree.dtype(params, "lowest")
        z = otree.cast(params, state_dtype)
        return ScheduleFreeState(
            b1=fnp.asarray(b1, dtype), weight_sum=fnp.zeros((), dtype),
            step_count=fnp.ones((), fnp.int32), max_lr=fnp.zeros((), dtype),
            base_optimizer_state=base.init(params),
            z=tree.tree_map(lambda x: fnp.array(x, copy=True), z))

    def update(updates, state, params=None, **extra_args):
        lr = learning_rate
        if callable(lr):
            lr = fnp.asarray(lr(state.step_count), state.max_lr.dtype)
        max_lr = fnp.maximum(state.max_lr, lr)
        weight = max_lr ** weight_lr_power
        total = state.weight_sum + weight
        # c_t: 0 while no learning rate has been seen (0/0), nan if either is nan
        ratio = fnp.nan_to_num(ieee_divide(weight, total), nan=0.0, posinf=fnp.inf)
        c = fnp.where(fnp.isnan(weight) | fnp.isnan(total), fnp.nan, ratio)
        base_updates, base_state = base.update(updates, state.base_optimizer_state, params,
                                               **extra_args)
        z = tree.tree_map(lambda zi, u: fnp.asarray(zi + u).astype(fnp.asarray(zi).dtype),
                          state.z, base_updates)
        x = tree.tree_map(lambda y, zo, zn: (1.0 - c) * ((y - (1.0 - b1) * zo) / b1) + c * zn,
                          params, state.z, z)
        updates = tree.tree_map(lambda xi, zi, y: (b1 * xi + (1.0 - b1) * zi) - y, x, z, params)
        return updates, ScheduleFreeState(
            b1=state.b1, weight_sum=total, step_count=safe_increment(state.step_count),
            max_lr=max_lr, base_optimizer_state=base_state, z=z)

    return GradientTransformationExtraArgs(init, update)


def _with_warmup(learning_rate: float, warmup_steps: int | None) -> ScalarOrSchedule:
    if warmup_steps is None:
        return learning_rate
    return warmup_constant_schedule(init_value=0.0, peak_value=learning_rate,
                                    warmup_steps=warmup_steps)


def schedule_free_sgd(learning_rate: float = 1.0, warmup_steps: int | None = None,
                      b1: float = 0.9, weight_decay: float | None = None,
                      weight_lr_power: float = 2.0,
                      state_dtype: DTypeLike = None) -> GradientTransformationExtraArgs:
    """Schedule-Free SGD: `schedule_free` around plain SGD (weight decay, when given, added to
    the gradient before the learning rate), with an optional linear warmup of warmup_steps.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> opt = schedule_free_sgd(0.5)
    >>> loss = lambda w: fnp.sum(w ** 2)
    >>> w = fnp.array([1.0, 2.0])
    >>> state = opt.init(w)
    >>> updates, state = opt.update(fg.grad(loss)(w), state, w)
    >>> int(state.step_count)
    2
    """
    lr = _with_warmup(learning_rate, warmup_steps)
    optimizer: GradientTransformation = sgd(lr)
    if weight_decay is not None:
        optimizer = chain(add_decayed_weights(weight_decay), optimizer)
    return schedule_free(optimizer, learning_rate=lr, b1=b1, weight_lr_power=weight_lr_power,
                         state_dtype=state_dtype)


def schedule_free_adamw(learning_rate: float = 0.0025, warmup_steps: int | None = None,
                        b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                        weight_decay: float = 0.0, weight_lr_power: float = 2.0,
                        state_dtype: DTypeLike = None) -> GradientTransformationExtraArgs:
    """Schedule-Free AdamW: `schedule_free` around Adam without momentum (an RMS scaling with
    bias correction, eps outside the square root) and decoupled weight decay.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = schedule_free_adamw(1.0)
    >>> loss = lambda w: fnp.sum(w ** 2)
    >>> w = fnp.array([1.0, 2.0, 3.0])
    >>> state = opt.init(w)
    >>> for _ in range(5):
    ...     updates, state = opt.update(fg.grad(loss)(w), state, w)
    ...     w = optim.apply_updates(w, updates)
    >>> print(f"{loss(schedule_free_eval_params(state, w)):.2E}")
    4.13E-01
    """
    lr = _with_warmup(learning_rate, warmup_steps)
    optimizer = chain(scale_by_rms(decay=b2, eps=eps, eps_in_sqrt=False, bias_correction=True),
                      add_decayed_weights(weight_decay), scale_by_learning_rate(lr))
    return schedule_free(optimizer, learning_rate=lr, b1=b1, weight_lr_power=weight_lr_power,
                         state_dtype=state_dtype)
