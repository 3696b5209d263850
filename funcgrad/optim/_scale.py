"""Transformations that multiply updates by a step size or a per-leaf factor: fixed, scheduled,
relative to the parameters' norm (trust ratios), to the distance travelled (DoG), to the loss
(Polyak), or to the sign of the gradient (signSGD, Rprop, optimistic gradients)."""
from __future__ import annotations

from typing import NamedTuple

from .. import numpy as fnp
from .. import tree
from .._core.array import Array
from .._core.typing import ArrayLike, DTypeLike, PyTree
from ._base import (STATE_VS_UPDATES, EmptyState, GradientTransformation,
                    GradientTransformationExtraArgs, ScalarOrSchedule, Schedule, StepCount,
                    check_same_structure, check_scalar_hyperparameter, identity, init_empty_state,
                    require_params)
from ._numerics import (safe_increment, safe_norm, safe_root_mean_squares, scalar_dtype,
                        zero_count)
from ._tree_ops import norm as tree_norm
from ._tree_math import tree_cast, tree_full_like, tree_scale, tree_zeros_like


def scale(step_size: ArrayLike) -> GradientTransformation:
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
    """The state of scale_by_schedule: the step count, the schedule's argument."""
    count: StepCount


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
        step_size = check_scalar_hyperparameter(step_size_fn(state.count), "scale_by_schedule",
                                                "step_size_fn")
        updates = tree.tree_map(lambda g: fnp.asarray(step_size, g.dtype) * g, updates)
        return updates, ScaleByScheduleState(safe_increment(state.count))

    return GradientTransformation(init, update)


def scale_by_learning_rate(learning_rate: ScalarOrSchedule | None = None, *,
                           flip_sign: bool = True) -> GradientTransformation:
    """Multiply updates by -learning_rate (descent; +learning_rate with flip_sign=False), a
    float or a schedule of the step count; None leaves updates unchanged.

    >>> import funcgrad.numpy as fnp
    >>> scale_by_learning_rate(0.1).update(fnp.array([1.0]), None)[0]
    Array([-0.1], dtype=float64)
    """
    if learning_rate is None:
        return identity()
    m = -1 if flip_sign else 1
    if callable(learning_rate):
        schedule = learning_rate
        return scale_by_schedule(lambda count: m * schedule(count))
    return scale(m * learning_rate)


def scale_by_trust_ratio(min_norm: ArrayLike = 0.0, trust_coefficient: ArrayLike = 1.0,
                         eps: ArrayLike = 0.0) -> GradientTransformation:
    """Scale each leaf's update by trust_coefficient * |param| / (|update| + eps) (LARS and LAMB),
    the norms floored at min_norm; by 1 where either norm is zero.

    >>> import funcgrad.numpy as fnp
    >>> p = fnp.array([3.0, 4.0])
    >>> scale_by_trust_ratio().update(fnp.array([0.0, 0.5]), None, p)[0]
    Array([0., 5.], dtype=float64)
    """
    def scale_leaf(u, p):
        p_norm = safe_norm(p, min_norm)
        u_norm = safe_norm(u, min_norm)
        zero = (p_norm == 0) | (u_norm == 0)
        # the denominator is made safe where the ratio is not used, so no 0/0 is ever computed
        ratio = trust_coefficient * p_norm / fnp.where(zero, 1.0, u_norm + eps)
        return u * fnp.where(zero, fnp.asarray(1.0, fnp.asarray(p).dtype), ratio)

    def update(updates, state, params=None):
        require_params(params, "scale_by_trust_ratio")
        check_same_structure(updates, params, "scale_by_trust_ratio")
        return tree.tree_map(scale_leaf, updates, params), state

    return GradientTransformation(init_empty_state, update)


def scale_by_param_block_norm(min_scale: ArrayLike = 1e-3) -> GradientTransformation:
    """Scale each leaf's update by the L2 norm of its parameter, at least min_scale.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_param_block_norm()
    >>> t.update(fnp.array([1.0, 1.0]), None, fnp.array([3.0, 4.0]))[0]
    Array([5., 5.], dtype=float64)
    """
    def update(updates, state, params=None):
        require_params(params, "scale_by_param_block_norm")
        check_same_structure(updates, params, "scale_by_param_block_norm")
        return tree.tree_map(lambda u, p: u * safe_norm(p, min_scale), updates, params), state

    return GradientTransformation(init_empty_state, update)


def scale_by_param_block_rms(min_scale: ArrayLike = 1e-3) -> GradientTransformation:
    """Scale each leaf's update by the root mean square of its parameter, at least min_scale
    (Adafactor's relative step size).

    >>> import funcgrad.numpy as fnp
    >>> scale_by_param_block_rms().update(fnp.array([1.0, 1.0]), None, fnp.array([3.0, 4.0]))[0]
    Array([3.53553391, 3.53553391], dtype=float64)
    """
    def update(updates, state, params=None):
        require_params(params, "scale_by_param_block_rms")
        check_same_structure(updates, params, "scale_by_param_block_rms")
        return tree.tree_map(lambda u, p: u * safe_root_mean_squares(p, min_scale),
                             updates, params), state

    return GradientTransformation(init_empty_state, update)


def scale_by_sign() -> GradientTransformation:
    """Replace each update by its sign (signSGD).

    >>> import funcgrad.numpy as fnp
    >>> scale_by_sign().update(fnp.array([0.3, -2.0, 0.0]), None)[0]
    Array([ 1., -1.,  0.], dtype=float64)
    """
    def update(updates, state, params=None):
        del params
        return tree.tree_map(fnp.sign, updates), state

    return GradientTransformation(init_empty_state, update)


def normalize_by_update_norm(scale_factor: ArrayLike = 1.0,
                             eps: ArrayLike = 1e-6) -> GradientTransformation:
    """Divide updates by their global norm (plus eps) and multiply by scale_factor: steps of a
    fixed length.

    >>> import funcgrad.numpy as fnp
    >>> t = normalize_by_update_norm(scale_factor=-1.0, eps=0.0)
    >>> t.update(fnp.array([3.0, 4.0]), None)[0]
    Array([-0.6, -0.8], dtype=float64)
    """
    def update(updates, state, params=None):
        del params
        g_norm = (tree_norm(updates) + eps) / scale_factor
        return tree.tree_map(lambda g: g / g_norm, updates), state

    return GradientTransformation(init_empty_state, update)


class ScaleByDistanceOverGradientsState(NamedTuple):
    """The state of DoG: per leaf, the largest distance from the initial parameters so far, the
    sum of squared gradient norms, and the initial parameters."""
    max_dist: PyTree
    grad_sum_of_squares: PyTree
    init_params: PyTree


def _l2(x, y=0.0):
    return fnp.sqrt(fnp.sum(fnp.square(x - y)))


def scale_by_distance_over_gradients(reps_rel: ArrayLike = 1e-6, eps: ArrayLike = 1e-8,
                                     param_dtype: DTypeLike = fnp.float32,
                                     global_scale: ArrayLike = 1.0) -> GradientTransformation:
    """Distance over Gradients (Ivgi et al. 2023), layer-wise: each leaf's step is
    global_scale * max_dist / sqrt(sum of squared gradient norms + eps), max_dist being the
    farthest the leaf has moved from its initial value (at least reps_rel * (1 + |x0|)). The
    initial parameters are kept in param_dtype.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_distance_over_gradients(reps_rel=0.1, eps=0.0)
    >>> p = fnp.array([0.0, 0.0])
    >>> t.update(fnp.array([3.0, 4.0]), t.init(p), p)[0]
    Array([0.06, 0.08], dtype=float64)
    """
    def init(params):
        return ScaleByDistanceOverGradientsState(
            tree.tree_map(lambda x: reps_rel * (1 + _l2(x)), params),
            tree.tree_map(lambda x: fnp.zeros(1, scalar_dtype(x)), params),
            tree_cast(params, param_dtype))

    def update(updates, state, params=None):
        require_params(params, "scale_by_distance_over_gradients")
        check_same_structure(updates, params, "scale_by_distance_over_gradients")
        max_dist = tree.tree_map(lambda d, x, y: fnp.maximum(d, _l2(x, y)),
                                 state.max_dist, params, state.init_params)
        g_sos = tree.tree_map(lambda s, g: s + fnp.sum(fnp.square(g)),
                              state.grad_sum_of_squares, updates)
        updates = tree.tree_map(lambda g, d, s: global_scale * (d / fnp.sqrt(s + eps)) * g,
                                updates, max_dist, g_sos)
        return updates, ScaleByDistanceOverGradientsState(max_dist, g_sos, state.init_params)

    return GradientTransformation(init, update)


def scale_by_polyak(f_min: ArrayLike = 0.0, max_learning_rate: ArrayLike = 1.0,
                    eps: ArrayLike = 0.0,
                    variant: str = "sps") -> GradientTransformationExtraArgs:
    """Polyak's step size: updates times min((f(x) - f_min) / (|g|**2 + eps), max_learning_rate),
    0 where |g|**2 + eps is below float64's machine epsilon. `update` takes the loss as the
    keyword `value`; variant="sps+" clips a negative gap f(x) - f_min to 0.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_polyak()
    >>> t.update(fnp.array([1.0, 1.0]), t.init(None), value=fnp.asarray(1.0))[0]
    Array([0.5, 0.5], dtype=float64)
    """
    if variant not in ("sps", "sps+"):
        raise ValueError(f"scale_by_polyak: invalid variant={variant!r}; use 'sps' or 'sps+'")

    def update(updates, state, params=None, *, value=None, **extra_args):
        del params, extra_args
        if value is None:
            raise TypeError("scale_by_polyak: update needs the loss as a keyword, "
                            "update(grads, state, params, value=loss)")
        grad_sq_norm = tree_norm(updates, squared=True)
        gap = fnp.asarray(fnp.asarray(value) - f_min, grad_sq_norm.dtype)
        if variant == "sps+":
            gap = fnp.maximum(gap, 0)
        # the denominator is made safe where the step is 0, so no 0/0 is evaluated
        tiny = grad_sq_norm + eps <= fnp.finfo(float).eps
        step = fnp.where(tiny, 0.0, fnp.minimum(
            gap / fnp.where(tiny, 1.0, grad_sq_norm + eps), max_learning_rate))
        return tree_scale(step, updates), state

    return GradientTransformationExtraArgs(init_empty_state, update)


class ScaleByOptimisticGradientState(NamedTuple):
    """The state of the optimistic gradient: whether no step was taken yet, and the last
    gradient."""
    is_initial_step: Array
    previous_gradient: PyTree


def scale_by_optimistic_gradient(alpha: ArrayLike = 1.0,
                                 beta: ArrayLike = 1.0) -> GradientTransformation:
    """The optimistic gradient (Daskalakis et al. 2018): (alpha + beta) * g - beta * g_prev,
    the previous gradient being g itself at the first step. Used for min-max games.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_optimistic_gradient()
    >>> state = t.init(fnp.zeros(1))
    >>> _, state = t.update(fnp.array([1.0]), state)
    >>> t.update(fnp.array([3.0]), state)[0]
    Array([5.], dtype=float64)
    """
    def init(params):
        return ScaleByOptimisticGradientState(fnp.asarray(True), tree_zeros_like(params))

    def update(updates, state, params=None):
        del params
        check_same_structure(state.previous_gradient, updates, "scale_by_optimistic_gradient",
                             STATE_VS_UPDATES)

        def step(g, prev):
            prev = fnp.where(state.is_initial_step, g, prev)
            return (alpha + beta) * g - beta * prev

        new = tree.tree_map(step, updates, state.previous_gradient)
        return new, ScaleByOptimisticGradientState(fnp.asarray(False), updates)

    return GradientTransformation(init, update)


class ScaleByRpropState(NamedTuple):
    """The state of Rprop: the per-element step sizes and the last (sign) updates."""
    step_sizes: PyTree
    prev_updates: PyTree


def scale_by_rprop(learning_rate: ArrayLike, eta_minus: ArrayLike = 0.5,
                   eta_plus: ArrayLike = 1.2, min_step_size: ArrayLike = 1e-6,
                   max_step_size: ArrayLike = 50.0) -> GradientTransformation:
    """Rprop (Riedmiller and Braun 1993): per element, a step size that grows by eta_plus while
    the gradient keeps its sign and shrinks by eta_minus when it flips (then no step is taken),
    clipped to [min_step_size, max_step_size]. As in optax, the update a step returns is the
    previous step's step_size * sign(g) (zero where the sign flipped), so the first is zero.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_rprop(0.1)
    >>> state = t.init(fnp.zeros(2))
    >>> for g in ([1.0, -1.0], [1.0, 1.0], [1.0, 1.0]):
    ...     u, state = t.update(fnp.array(g), state)
    >>> u  # the second step's: 0.1 * 1.2 where the sign was kept, 0 where it flipped
    Array([0.12, 0.  ], dtype=float64)
    """
    def init(params):
        return ScaleByRpropState(tree_full_like(params, learning_rate), tree_zeros_like(params))

    def update(updates, state, params=None):
        del params
        check_same_structure(state.prev_updates, updates, "scale_by_rprop", STATE_VS_UPDATES)
        sign = tree.tree_map(lambda g, prev: g * prev, updates, state.prev_updates)
        step_sizes = tree.tree_map(
            lambda s, size: fnp.where(
                s == 0, size,
                fnp.clip(size * fnp.where(s > 0, fnp.asarray(eta_plus, size.dtype),
                                          fnp.asarray(eta_minus, size.dtype)),
                         min_step_size, max_step_size)),
            sign, state.step_sizes)
        prev_updates = tree.tree_map(
            lambda s, g, size: fnp.where(s < 0, fnp.zeros_like(g), size * fnp.sign(g)),
            sign, updates, step_sizes)
        # as optax: the update taken is the previous step's (zeroed where the sign flipped)
        updates = tree.tree_map(lambda s, prev: fnp.where(s < 0, fnp.zeros_like(prev), prev),
                                sign, state.prev_updates)
        return updates, ScaleByRpropState(step_sizes, prev_updates)

    return GradientTransformation(init, update)


ScaleState = EmptyState
"""The state of `scale` (optax's name for it)."""

ScaleByTrustRatioState = EmptyState
"""The state of `scale_by_trust_ratio` (optax's name for it)."""
