"""Learning-rate-free optimizers from optax.contrib: DoG and DoWG (distance over gradients) and
Prodigy (an Adam whose step size estimates the distance to the solution)."""
from __future__ import annotations

from typing import Any, NamedTuple

from ... import numpy as fnp
from ... import tree
from ..._core.array import Array
from ..._core.typing import PyTree
from .._adding import add_decayed_weights
from .._base import (GradientTransformation, GradientTransformationExtraArgs, Mask,
                     ScalarOrSchedule, chain, identity)
from .. import _tree_ops as otree
from .._linesearch import ieee_divide
from .._scale import scale_by_learning_rate
from .._tree_math import safe_increment


class DoGState(NamedTuple):
    """The state of DoG: whether the next step is the first, the initial parameters, the
    largest distance from them so far, and the sum of squared gradient norms."""
    is_init_step: Array
    init_params: PyTree
    max_dist: Array
    sum_sq_norm_grads: Array


def scale_by_dog(init_step: tuple[str, Any], eps: float = 1e-8) -> GradientTransformation:
    """DoG's step size max distance / sqrt(sum of squared gradient norms + eps). The first
    distance comes from `init_step`: ("distance", r), ("heuristic", c) for c (1 + |params|),
    or ("learning_rate", lr) for a first step of lr.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_dog(("distance", 1.0))
    >>> w = fnp.array([3.0, 4.0])
    >>> t.update(fnp.array([0.6, 0.8]), t.init(w), w)[0]
    Array([0.6, 0.8], dtype=float64)
    """
    kind, value = init_step
    if kind not in ("distance", "heuristic", "learning_rate"):
        raise ValueError(f"Invalid init_step specification for scale_by_dog: "
                         f"init_step_type={kind!r}; use 'distance', 'learning_rate' or "
                         "'heuristic'")

    def init(params):
        dtype = otree.dtype(params, "lowest")
        r = {"distance": lambda: value,
             "heuristic": lambda: value * (1 + otree.norm(params)),
             "learning_rate": lambda: 0.0}[kind]()
        return DoGState(is_init_step=fnp.asarray(True), init_params=params,
                        max_dist=fnp.asarray(r, dtype), sum_sq_norm_grads=fnp.zeros((), dtype))

    def update(updates, state, params=None):
        max_dist = fnp.maximum(state.max_dist, otree.norm(otree.sub(state.init_params, params)))
        sum_sq = state.sum_sq_norm_grads + otree.norm(updates, squared=True)
        lr = max_dist / fnp.sqrt(sum_sq + eps)
        if kind == "learning_rate":
            lr = fnp.where(state.is_init_step, value, lr)
        return otree.scale(lr, updates), DoGState(fnp.asarray(False), state.init_params,
                                                 max_dist, sum_sq)

    return GradientTransformation(init, update)


def dog(learning_rate: ScalarOrSchedule = 1.0,
        init_step: tuple[str, Any] = ("heuristic", 1e-6), eps: float = 1e-8,
        weight_decay: float | None = None,
        mask: Mask | None = None) -> GradientTransformationExtraArgs:
    """DoG (Ivgi et al. 2023): SGD with the learning-rate-free step size of `scale_by_dog`,
    times learning_rate (1 by default), after optional weight decay.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = dog()
    >>> loss = lambda w: fnp.sum(w ** 2)
    >>> w = fnp.array([1.0, 2.0])
    >>> state = opt.init(w)
    >>> for _ in range(30):
    ...     updates, state = opt.update(fg.grad(loss)(w), state, w)
    ...     w = optim.apply_updates(w, updates)
    >>> print(f"{loss(w):.1e}")
    5.0e+00
    """
    return chain(identity() if weight_decay is None else add_decayed_weights(weight_decay, mask),
                 scale_by_dog(init_step, eps), scale_by_learning_rate(learning_rate))


class DoWGState(NamedTuple):
    """The state of DoWG: the initial parameters, the distance-weighted sum of squared gradient
    norms, and the estimate of the squared distance to the solution."""
    init_params: PyTree
    weighted_sq_norm_grads: Array
    estim_sq_dist: Array


def scale_by_dowg(init_estim_sq_dist: float | None = None,
                  eps: float = 1e-4) -> GradientTransformation:
    """DoWG's step size: the squared distance estimate over the root of the distance-weighted
    sum of squared gradient norms (plus eps).

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_dowg(eps=0.0, init_estim_sq_dist=1.0)
    >>> w = fnp.array([3.0, 4.0])
    >>> t.update(fnp.array([0.6, 0.8]), t.init(w), w)[0]
    Array([0.6, 0.8], dtype=float64)
    """
    def init(params):
        dtype = otree.dtype(params, "lowest")
        return DoWGState(init_params=params, weighted_sq_norm_grads=fnp.zeros((), dtype),
                         estim_sq_dist=fnp.asarray(
                             eps if init_estim_sq_dist is None else init_estim_sq_dist, dtype))

    def update(updates, state, params=None):
        estim = fnp.maximum(state.estim_sq_dist,
                            otree.norm(otree.sub(state.init_params, params), squared=True))
        weighted = estim * otree.norm(updates, squared=True) + state.weighted_sq_norm_grads
        lr = estim / (fnp.sqrt(weighted) + eps)
        return otree.scale(lr, updates), state._replace(weighted_sq_norm_grads=weighted,
                                                       estim_sq_dist=estim)

    return GradientTransformation(init, update)


def dowg(learning_rate: ScalarOrSchedule = 1.0, init_estim_sq_dist: float | None = None,
         eps: float = 1e-4, weight_decay: float | None = None,
         mask: Mask | None = None) -> GradientTransformationExtraArgs:
    """DoWG (Khaled et al. 2023): SGD with the step size of `scale_by_dowg`, times
    learning_rate, after optional weight decay.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = dowg()
    >>> loss = lambda w: fnp.sum(w ** 2)
    >>> w = fnp.array([1.0, 2.0])
    >>> state = opt.init(w)
    >>> for _ in range(30):
    ...     updates, state = opt.update(fg.grad(loss)(w), state, w)
    ...     w = optim.apply_updates(w, updates)
    >>> print(f"{loss(w):.1e}")
    1.3e-10
    """
    return chain(identity() if weight_decay is None else add_decayed_weights(weight_decay, mask),
                 scale_by_dowg(init_estim_sq_dist, eps), scale_by_learning_rate(learning_rate))


class ProdigyState(NamedTuple):
    """The state of Prodigy: Adam's moments of the scaled gradients, their decayed sum, the
    initial parameters, the step size estimate, its weighted numerator, and the step count."""
    exp_avg: PyTree
    exp_avg_sq: PyTree
    grad_sum: PyTree
    params0: PyTree
    estim_lr: Array
    numerator_weighted: Array
    count: Any  # a NamedTuple field named count is typed Any (see _base.StepCount)


def prodigy(learning_rate: ScalarOrSchedule = 1.0, betas: tuple[float, float] = (0.9, 0.999),
            beta3: float | None = None, eps: float = 1e-8, estim_lr0: float = 1e-6,
            estim_lr_coef: float = 1.0, weight_decay: float = 0.0,
            safeguard_warmup: bool = False) -> GradientTransformationExtraArgs:
    """Prodigy (Mishchenko & Defazio 2023): Adam on gradients scaled by an estimate d of the
    distance to the solution, d growing from estim_lr0 as
    max(d, estim_lr_coef * sum of decayed <g, x0 - x> d lr / sum |decayed d g|). beta3 (the
    decay of those sums) defaults to sqrt(beta2); weight decay is decoupled.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = prodigy()
    >>> loss = lambda w: fnp.sum(w ** 2)
    >>> w = fnp.array([1.0, 2.0])
    >>> state = opt.init(w)
    >>> for _ in range(30):
    ...     updates, state = opt.update(fg.grad(loss)(w), state, w)
    ...     w = optim.apply_updates(w, updates)
    >>> print(f"{float(state.estim_lr):.2e}")
    5.90e-02
    """
    beta1, beta2 = betas
    beta3_ = beta2 ** 0.5 if beta3 is None else beta3

    def init(params):
        dtype = otree.dtype(params, "lowest")
        return ProdigyState(
            exp_avg=otree.zeros_like(params), exp_avg_sq=otree.zeros_like(params),
            grad_sum=otree.zeros_like(params), params0=params,
            estim_lr=fnp.asarray(estim_lr0, dtype), numerator_weighted=fnp.zeros((), dtype),
            count=fnp.zeros((), fnp.int32))

    def update(updates, state, params=None, **extra_args):
        del extra_args
        if params is None:
            raise ValueError("prodigy needs the parameters: call update(updates, state, params)")
        count = safe_increment(state.count)
        lr = learning_rate(state.count) if callable(learning_rate) else learning_rate
        d = state.estim_lr
        t = count.astype(d.dtype)  # the bias correction in the parameters' precision
        bias = (1 - beta2 ** t) ** 0.5 / (1 - beta1 ** t)
        dlr = fnp.asarray(d * lr * bias, d.dtype)
        dg = tree.tree_map(lambda g: d * g, updates)
        numerator = otree.vdot(updates, otree.sub(state.params0, params))
        exp_avg = tree.tree_map(lambda m, x: beta1 * m + (1 - beta1) * x, state.exp_avg, dg)
        exp_avg_sq = tree.tree_map(lambda v, x: beta2 * v + (1 - beta2) * x * x,
                                   state.exp_avg_sq, dg)
        step = d if safeguard_warmup else dlr
        grad_sum = tree.tree_map(lambda s, x: beta3_ * s + step * x / estim_lr0,
                                 state.grad_sum, dg)
        numerator_weighted = beta3_ * state.numerator_weighted
        numerator_weighted = numerator_weighted + d / estim_lr0 * dlr * numerator
        denominator = otree.sum(tree.tree_map(fnp.abs, grad_sum))
        estim = fnp.maximum(d, ieee_divide(estim_lr_coef * numerator_weighted, denominator))
        new_updates = tree.tree_map(
            lambda m, v, p: -weight_decay * dlr * p - dlr * m / (fnp.sqrt(v) + estim * eps),
            exp_avg, exp_avg_sq, params)
        return new_updates, ProdigyState(exp_avg, exp_avg_sq, grad_sum, state.params0,
                                         estim.astype(d.dtype),
                                         numerator_weighted.astype(d.dtype), count)

    return GradientTransformationExtraArgs(init, update)



class COCOBState(NamedTuple):
    """The state of COCOB: the initial parameters and, per coordinate, the negated sum of
    gradients, the largest gradient magnitude (from eps), the sum of magnitudes and the
    reward."""
    init_particles: PyTree
    cumulative_gradients: PyTree
    scale: PyTree
    subgradients: PyTree
    reward: PyTree


def scale_by_cocob(alpha: float = 100.0, eps: float = 1e-8) -> GradientTransformation:
    """COCOB-Backprop's coin-betting step (Orabona & Tommasi 2017, algorithm 2): each coordinate
    bets a fraction of its wealth (the reward plus its largest gradient seen) on the sign of the
    sum of past negative gradients; no learning rate.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_cocob()
    >>> w = fnp.array([1.0])
    >>> t.update(fnp.array([2.0]), t.init(w), w)[0]
    Array([-0.01], dtype=float64)
    """
    def init(params):
        zeros = otree.zeros_like(params)
        return COCOBState(init_particles=params, cumulative_gradients=zeros,
                          scale=otree.scale(eps, otree.ones_like(params)), subgradients=zeros,
                          reward=zeros)

    def update(updates, state, params=None):
        scale = tree.tree_map(lambda s, g: fnp.maximum(s, fnp.abs(g)), state.scale, updates)
        subgradients = tree.tree_map(lambda s, g: s + fnp.abs(g), state.subgradients, updates)
        reward = tree.tree_map(lambda r, g, p, p0: fnp.maximum(r - g * (p - p0), 0),
                               state.reward, updates, params, state.init_particles)
        cumulative = tree.tree_map(lambda c, g: c - g, state.cumulative_gradients, updates)
        new_updates = tree.tree_map(
            lambda p, p0, c, s, sub, r: -p + (p0 + c / (s * fnp.maximum(sub + s, alpha * s))
                                              * (s + r)),
            params, state.init_particles, cumulative, scale, subgradients, reward)
        return new_updates, COCOBState(state.init_particles, cumulative, scale, subgradients,
                                       reward)

    return GradientTransformation(init, update)


def cocob(learning_rate: ScalarOrSchedule = 1.0, alpha: float = 100.0, eps: float = 1e-8,
          weight_decay: float = 0.0, mask: Mask | None = None) -> GradientTransformationExtraArgs:
    """COCOB-Backprop: weight decay, the gradient scaled by learning_rate (1: none), then
    `scale_by_cocob`'s coin-betting step.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = cocob()
    >>> loss = lambda w: fnp.sum((w - 1.0) ** 2)
    >>> w = fnp.zeros(2)
    >>> state = opt.init(w)
    >>> for _ in range(50):
    ...     updates, state = opt.update(fg.grad(loss)(w), state, w)
    ...     w = optim.apply_updates(w, updates)
    >>> fnp.round(w, 3)
    Array([1., 1.], dtype=float64)
    """
    return chain(add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate, flip_sign=False),
                 scale_by_cocob(alpha, eps))
