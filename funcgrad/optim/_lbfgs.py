"""L-BFGS: the limited-memory quasi-Newton direction (`scale_by_lbfgs`) and the solver that
chains it with a line search (`lbfgs`), as optax defines them.

The inverse Hessian approximation is kept as `memory_size` past differences of parameters and of
gradients, stacked along a leading axis of each leaf (a ring buffer indexed by the step count),
so the state has a fixed shape and a whole solver step jits and runs inside `lax.while_loop`.
"""
from __future__ import annotations

from typing import NamedTuple

from .. import numpy as fnp
from .. import tree
from .._api import stop_gradient
from .._core.array import Array
from .._core.typing import PyTree
from ..lax import scan
from ._base import (GradientTransformation, GradientTransformationExtraArgs, ScalarOrSchedule,
                    StepCount, chain, identity)
from . import _tree_ops as otree
from ._linesearch import real_vdot, safe_divide, scale_by_zoom_linesearch, value_dtype
from ._scale import scale, scale_by_learning_rate
from ._tree_math import safe_increment


class ScaleByLBFGSState(NamedTuple):
    """The state of `scale_by_lbfgs`: the step count, the last parameters and updates, and the
    ring buffers of past parameter and update differences with their weights
    1 / <delta updates, delta params>."""
    count: StepCount
    params: PyTree
    updates: PyTree
    diff_params_memory: PyTree
    diff_updates_memory: PyTree
    weights_memory: Array


def _precondition(updates, diff_params, diff_updates, weights, identity_scale, memory_idx):
    """P u for the L-BFGS inverse Hessian approximation P (Nocedal & Wright's two-loop
    recursion, algorithm 7.4), the oldest stored pair at memory_idx."""
    size = weights.shape[0]
    order = (memory_idx + fnp.arange(size, dtype=fnp.asarray(memory_idx).dtype)) % size

    def pair(i):
        return tree.tree_map(lambda m: m[i], diff_params), tree.tree_map(lambda m: m[i],
                                                                          diff_updates)

    def newest_first(vec, i):
        dw, du = pair(i)
        alpha = weights[i] * real_vdot(dw, vec)
        return otree.cast_like(otree.add_scale(vec, -alpha, du), vec), alpha

    vec, alphas = scan(newest_first, updates, order, reverse=True)
    vec = otree.scale(identity_scale, vec)

    def oldest_first(vec, i_alpha):
        i, alpha = i_alpha
        dw, du = pair(i)
        beta = weights[i] * real_vdot(du, vec)
        return otree.cast_like(otree.add_scale(vec, alpha - beta, dw), vec), beta

    vec, _ = scan(oldest_first, vec, (order, alphas))
    return vec


def scale_by_lbfgs(memory_size: int = 10,
                   scale_init_precond: bool = True) -> GradientTransformation:
    """Multiply the updates (gradients) by the L-BFGS approximation of the inverse Hessian, built
    from the last `memory_size` differences of parameters and of updates. The memory is updated
    with the parameters and updates it is given before the direction is computed, so chained
    before a line search it learns from the step the search accepted. With
    scale_init_precond=True the initial approximation is the identity scaled by
    <dw, du> / <du, du> of the last pair, and at the first step by min(1, 1 / |u|): a first
    step no longer than 1 (optax's heuristic). Outputs the direction P u; the sign flip and the
    step size come from what is chained after it (see `lbfgs`).

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_lbfgs(memory_size=3)
    >>> w = fnp.array([1.0, 2.0])
    >>> direction, state = t.update(fnp.array([0.3, 0.4]), t.init(w), w)
    >>> direction, int(state.count)
    (Array([0.3, 0.4], dtype=float64), 1)
    """
    if memory_size < 1:
        raise ValueError(f"memory_size must be >= 1, got {memory_size}")

    def init(params):
        dtype = value_dtype(params)
        stacked = tree.tree_map(
            lambda x: fnp.zeros((memory_size,) + tuple(fnp.shape(x)), fnp.asarray(x).dtype),
            params)
        return ScaleByLBFGSState(
            count=fnp.asarray(0, fnp.int32), params=otree.zeros_like(params),
            updates=otree.zeros_like(params), diff_params_memory=stacked,
            diff_updates_memory=stacked, weights_memory=fnp.zeros(memory_size, dtype))

    def update(updates, state, params=None):
        if params is None:
            raise ValueError("scale_by_lbfgs needs the parameters: call "
                             "update(updates, state, params)")
        started = state.count > 0
        memory_idx = state.count % memory_size
        prev_idx = (state.count - 1) % memory_size
        # 1. the newest pair of differences (zero at the first step, where there is none)
        diff_params = otree.sub(params, state.params)
        diff_updates = otree.sub(updates, state.updates)
        curvature = real_vdot(diff_updates, diff_params)
        weight = safe_divide(1.0, curvature, 0.0)
        diff_params, diff_updates, weight = tree.tree_map(
            lambda x: fnp.where(started, x, fnp.zeros_like(x)),
            (diff_params, diff_updates, weight))
        diff_params_memory, diff_updates_memory, weights_memory = tree.tree_map(
            lambda m, x: m.at[prev_idx].set(x),
            (state.diff_params_memory, state.diff_updates_memory, state.weights_memory),
            (diff_params, diff_updates, weight))
        # 2. the scale of the initial (identity) approximation
        identity_scale = 1.0  # a weak Python scalar: keeps float32 updates float32
        if scale_init_precond:
            identity_scale = safe_divide(real_vdot(diff_updates, diff_params),
                                         otree.norm(diff_updates, squared=True), 1.0)
            first = fnp.minimum(1.0, safe_divide(1.0, otree.norm(stop_gradient(updates)),
                                                 fnp.inf))
            identity_scale = fnp.where(started, identity_scale, first)
        # 3. the direction
        direction = _precondition(updates, diff_params_memory, diff_updates_memory,
                                  weights_memory, identity_scale, memory_idx)
        return direction, ScaleByLBFGSState(
            count=safe_increment(state.count), params=params, updates=updates,
            diff_params_memory=diff_params_memory, diff_updates_memory=diff_updates_memory,
            weights_memory=weights_memory)

    return GradientTransformation(init, update)


_DEFAULT_LINESEARCH = scale_by_zoom_linesearch(max_linesearch_steps=20,
                                               initial_guess_strategy="one")


def lbfgs(learning_rate: ScalarOrSchedule | None = None, memory_size: int = 10,
          scale_init_precond: bool = True,
          linesearch: GradientTransformation | None = _DEFAULT_LINESEARCH
          ) -> GradientTransformationExtraArgs:
    """The L-BFGS solver: `scale_by_lbfgs`, then the descent sign (or -learning_rate, a number
    or a schedule), then a line search (by default a zoom line search meeting the strong Wolfe
    conditions from a first guess of 1; None for no line search). Its update takes the
    objective's `value`, `grad` and `value_fn` as keyword arguments; with
    `value_and_grad_from_state` each step evaluates the objective only inside the search.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> fn = lambda w: fnp.sum((w - fnp.arange(3.0)) ** 2) + fnp.sum(w ** 4)
    >>> solver = lbfgs()
    >>> w = fnp.zeros(3)
    >>> state = solver.init(w)
    >>> value_and_grad_fn = optim.value_and_grad_from_state(fn)
    >>> for _ in range(10):
    ...     value, grad = value_and_grad_fn(w, state=state)
    ...     updates, state = solver.update(grad, state, w, value=value, grad=grad, value_fn=fn)
    ...     w = optim.apply_updates(w, updates)
    >>> fnp.round(w, 4)
    Array([0.    , 0.5898, 0.8351], dtype=float64)
    """
    step = scale(-1.0) if learning_rate is None else scale_by_learning_rate(learning_rate)
    return chain(scale_by_lbfgs(memory_size, scale_init_precond), step,
                 identity() if linesearch is None else linesearch)
