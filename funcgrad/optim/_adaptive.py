"""Rescalings by running statistics of the gradients: the cores of Adam, RMSProp and their kin.
Each is the part of an optimizer before the learning rate; `_alias.py` chains them with it."""
from __future__ import annotations

from typing import NamedTuple

from .. import numpy as fnp
from .. import tree
from .._core.typing import PyTree
from ._base import GradientTransformation, StepCount
# imported as `debias` because scale_by_rms and scale_by_stddev take a bool `bias_correction`
from ._tree_math import bias_correction as debias
from ._tree_math import (cast_like, safe_increment, tree_div, tree_full_like, tree_mul,
                         tree_scale, tree_where, tree_zeros_like, update_infinity_moment,
                         update_moment, zero_count)


class ScaleByAdamState(NamedTuple):
    count: StepCount
    mu: PyTree  # first moment (EMA of gradients)
    nu: PyTree  # second moment (EMA of squared gradients), or Adamax's running maximum


def _adam_init(params):
    return ScaleByAdamState(zero_count(), tree_zeros_like(params), tree_zeros_like(params))


def _debiased_mu(updates, mu, b1, count, nesterov):
    """Adam's bias-corrected first moment; with nesterov, Dozat's look-ahead
    b1 * mu / (1 - b1**(t+1)) + (1 - b1) * g / (1 - b1**t) (NAdam as optax has it)."""
    if not nesterov:
        return debias(mu, b1, count)
    ahead = debias(mu, b1, safe_increment(count))
    now = debias(updates, b1, count)
    return tree.tree_map(lambda m, g: cast_like(b1, m) * m + (1 - cast_like(b1, g)) * g,
                         ahead, now)


def _adam_ratio(mu_hat, nu_hat, eps, eps_root):
    return tree.tree_map(
        lambda m, v: m / (fnp.sqrt(v + cast_like(eps_root, v)) + cast_like(eps, v)),
        mu_hat, nu_hat)


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, eps_root: float = 0.0,
                  *, nesterov: bool = False) -> GradientTransformation:
    """Adam: m_hat / (sqrt(v_hat + eps_root) + eps), with bias-corrected moving averages
    m_hat and v_hat of the gradients and of their squares (eps outside the root, as in the paper
    and in torch.optim.Adam).

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_adam()
    >>> t.update(fnp.array([0.5, -2.0]), t.init(fnp.zeros(2)))[0]  # the first step is ~sign(g)
    Array([ 0.99999998, -1.        ], dtype=float64)
    """
    def update(updates, state, params=None):
        del params
        mu = update_moment(updates, state.mu, b1, 1)
        nu = update_moment(updates, state.nu, b2, 2)
        count = safe_increment(state.count)
        mu_hat = _debiased_mu(updates, mu, b1, count, nesterov)
        nu_hat = debias(nu, b2, count)
        return _adam_ratio(mu_hat, nu_hat, eps, eps_root), ScaleByAdamState(count, mu, nu)

    return GradientTransformation(_adam_init, update)


class ScaleByAmsgradState(NamedTuple):
    count: StepCount
    mu: PyTree
    nu: PyTree
    nu_max: PyTree  # running maximum of the bias-corrected second moment


def scale_by_amsgrad(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                     eps_root: float = 0.0) -> GradientTransformation:
    """AMSGrad: Adam dividing by the running maximum of v_hat, so the step size never grows.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_amsgrad()
    >>> t.update(fnp.array([0.5, -2.0]), t.init(fnp.zeros(2)))[0]
    Array([ 0.99999998, -1.        ], dtype=float64)
    """
    def init(params):
        zeros = tree_zeros_like(params)
        return ScaleByAmsgradState(zero_count(), zeros, zeros, zeros)

    def update(updates, state, params=None):
        del params
        mu = update_moment(updates, state.mu, b1, 1)
        nu = update_moment(updates, state.nu, b2, 2)
        count = safe_increment(state.count)
        nu_max = tree.tree_map(fnp.maximum, state.nu_max, debias(nu, b2, count))
        updates = _adam_ratio(debias(mu, b1, count), nu_max, eps, eps_root)
        return updates, ScaleByAmsgradState(count, mu, nu, nu_max)

    return GradientTransformation(init, update)


def scale_by_adamax(b1: float = 0.9, b2: float = 0.999,
                    eps: float = 1e-8) -> GradientTransformation:
    """Adamax: the bias-corrected mean divided by a decaying running maximum of |g| + eps.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_adamax()
    >>> t.update(fnp.array([0.5, -2.0]), t.init(fnp.zeros(2)))[0]
    Array([ 0.99999998, -1.        ], dtype=float64)
    """
    def update(updates, state, params=None):
        del params
        count = safe_increment(state.count)
        mu = update_moment(updates, state.mu, b1, 1)
        nu = update_infinity_moment(updates, state.nu, b2, eps)
        updates = tree_div(debias(mu, b1, count), nu)
        return updates, ScaleByAdamState(count, mu, nu)

    return GradientTransformation(_adam_init, update)


def scale_by_radam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                   eps_root: float = 0.0, threshold: float = 5.0, *,
                   nesterov: bool = False) -> GradientTransformation:
    """Rectified Adam: plain momentum (the bias-corrected mean) while the variance estimate is
    unreliable, i.e. while the approximated SMA length rho_t < threshold; rectified Adam after.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_radam()
    >>> t.update(fnp.array([0.5, -2.0]), t.init(fnp.zeros(2)))[0]  # momentum SGD at first
    Array([ 0.5, -2. ], dtype=float64)
    """
    rho_inf = 2.0 / (1.0 - b2) - 1.0

    def update(updates, state, params=None):
        del params
        mu = update_moment(updates, state.mu, b1, 1)
        nu = update_moment(updates, state.nu, b2, 2)
        count = safe_increment(state.count)
        b2t = fnp.asarray(b2, fnp.float64) ** count
        rho = rho_inf - 2 * count * b2t / (1 - b2t)
        mu_hat = _debiased_mu(updates, mu, b1, count, nesterov)
        adam = _adam_ratio(mu_hat, debias(nu, b2, count), eps, eps_root)
        rectify = rho >= threshold
        # the root's argument is negative for small rho; it is replaced where unused (no NaN)
        r = fnp.sqrt(fnp.where(rectify, (rho - 4) * (rho - 2) * rho_inf
                               / ((rho_inf - 4) * (rho_inf - 2) * rho), 1.0))
        updates = tree_where(rectify, tree_scale(r, adam), mu_hat)
        return updates, ScaleByAdamState(count, mu, nu)

    return GradientTransformation(_adam_init, update)


class ScaleByRmsState(NamedTuple):
    nu: PyTree  # EMA of squared gradients


class ScaleByRmsWithCountState(NamedTuple):
    count: StepCount
    nu: PyTree


def _rms_scaling(nu_hat, eps, eps_in_sqrt):
    if eps_in_sqrt:
        return tree.tree_map(lambda n: 1 / fnp.sqrt(n + cast_like(eps, n)), nu_hat)
    return tree.tree_map(lambda n: 1 / (fnp.sqrt(n) + cast_like(eps, n)), nu_hat)


def scale_by_rms(decay: float = 0.9, eps: float = 1e-8, initial_scale: float = 0.0,
                 eps_in_sqrt: bool = True,
                 bias_correction: bool = False) -> GradientTransformation:
    """RMSProp: g / sqrt(EMA(g**2) + eps), or g / (sqrt(EMA(g**2)) + eps) with
    eps_in_sqrt=False (torch.optim.RMSprop's placement).

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_rms(decay=0.75, eps=0.0)
    >>> t.update(fnp.array([1.0, -4.0]), t.init(fnp.zeros(2)))[0]
    Array([ 2., -2.], dtype=float64)
    """
    def init(params):
        nu = tree_full_like(params, initial_scale)
        if bias_correction:
            return ScaleByRmsWithCountState(zero_count(), nu)
        return ScaleByRmsState(nu)

    def update(updates, state, params=None):
        del params
        nu = update_moment(updates, state.nu, decay, 2)
        if bias_correction:
            count = safe_increment(state.count)
            nu_hat, new_state = debias(nu, decay, count), ScaleByRmsWithCountState(count, nu)
        else:
            nu_hat, new_state = nu, ScaleByRmsState(nu)
        return tree_mul(_rms_scaling(nu_hat, eps, eps_in_sqrt), updates), new_state

    return GradientTransformation(init, update)


class ScaleByRStdDevState(NamedTuple):
    mu: PyTree  # EMA of gradients
    nu: PyTree  # EMA of squared gradients


class ScaleByRStdDevWithCountState(NamedTuple):
    count: StepCount
    mu: PyTree
    nu: PyTree


def scale_by_stddev(decay: float = 0.9, eps: float = 1e-8, initial_scale: float = 0.0,
                    eps_in_sqrt: bool = True,
                    bias_correction: bool = False) -> GradientTransformation:
    """Centered RMSProp: g divided by the running standard deviation sqrt(EMA(g**2) - EMA(g)**2)
    (eps placed as in scale_by_rms).

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_stddev(decay=0.75, eps=0.0)
    >>> t.update(fnp.array([1.0, -4.0]), t.init(fnp.zeros(2)))[0]
    Array([ 2.30940108, -2.30940108], dtype=float64)
    """
    def init(params):
        mu, nu = tree_zeros_like(params), tree_full_like(params, initial_scale)
        if bias_correction:
            return ScaleByRStdDevWithCountState(zero_count(), mu, nu)
        return ScaleByRStdDevState(mu, nu)

    def update(updates, state, params=None):
        del params
        mu = update_moment(updates, state.mu, decay, 1)
        nu = update_moment(updates, state.nu, decay, 2)
        if bias_correction:
            count = safe_increment(state.count)
            mu_hat, nu_hat = debias(mu, decay, count), debias(nu, decay, count)
            new_state = ScaleByRStdDevWithCountState(count, mu, nu)
        else:
            mu_hat, nu_hat, new_state = mu, nu, ScaleByRStdDevState(mu, nu)
        var = tree.tree_map(lambda m, n: n - fnp.square(m), mu_hat, nu_hat)
        return tree_mul(_rms_scaling(var, eps, eps_in_sqrt), updates), new_state

    return GradientTransformation(init, update)


class ScaleByRssState(NamedTuple):
    sum_of_squares: PyTree


def scale_by_rss(initial_accumulator_value: float = 0.1,
                 eps: float = 1e-7) -> GradientTransformation:
    """Adagrad: g / sqrt(sum of all g**2 so far + eps); 0 where that sum is still 0.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_rss(initial_accumulator_value=0.0, eps=0.0)
    >>> t.update(fnp.array([3.0, 0.0]), t.init(fnp.zeros(2)))[0]
    Array([1., 0.], dtype=float64)
    """
    def init(params):
        return ScaleByRssState(tree_full_like(params, initial_accumulator_value))

    def inv_sqrt(s):
        positive = s > 0
        # the root is taken of 1 where the sum is 0, so no division by zero is evaluated
        return fnp.where(positive, 1 / fnp.sqrt(fnp.where(positive, s + cast_like(eps, s), 1)), 0)

    def update(updates, state, params=None):
        del params
        sums = tree.tree_map(lambda g, s: fnp.square(g) + s, updates, state.sum_of_squares)
        return tree.tree_map(lambda g, s: inv_sqrt(s) * g, updates, sums), ScaleByRssState(sums)

    return GradientTransformation(init, update)


class ScaleByAdaDeltaState(NamedTuple):
    e_g: PyTree  # EMA of squared gradients
    e_x: PyTree  # EMA of squared updates


def scale_by_adadelta(rho: float = 0.9, eps: float = 1e-6) -> GradientTransformation:
    """Adadelta: g * sqrt(EMA(dx**2) + eps) / sqrt(EMA(g**2) + eps), dx being past updates.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_adadelta(rho=0.0, eps=1.0)
    >>> t.update(fnp.array([0.0, 3.0]), t.init(fnp.zeros(2)))[0]
    Array([0.       , 0.9486833], dtype=float64)
    """
    def init(params):
        return ScaleByAdaDeltaState(tree_zeros_like(params), tree_zeros_like(params))

    def update(updates, state, params=None):
        del params
        e_g = update_moment(updates, state.e_g, rho, 2)
        updates = tree.tree_map(
            lambda g, eg, ex: fnp.sqrt(ex + cast_like(eps, ex))
            / fnp.sqrt(eg + cast_like(eps, eg)) * g, updates, e_g, state.e_x)
        e_x = update_moment(updates, state.e_x, rho, 2)
        return updates, ScaleByAdaDeltaState(e_g, e_x)

    return GradientTransformation(init, update)


class ScaleByLionState(NamedTuple):
    count: StepCount
    mu: PyTree  # EMA of gradients, with rate b2


def scale_by_lion(b1: float = 0.9, b2: float = 0.99) -> GradientTransformation:
    """Lion: sign((1 - b1) * g + b1 * mu), then mu <- EMA of g with rate b2.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_lion()
    >>> t.update(fnp.array([0.5, -2.0, 0.0]), t.init(fnp.zeros(3)))[0]
    Array([ 1., -1.,  0.], dtype=float64)
    """
    def init(params):
        return ScaleByLionState(zero_count(), tree_zeros_like(params))

    def update(updates, state, params=None):
        del params
        signs = tree.tree_map(
            lambda g, m: fnp.sign((1 - cast_like(b1, m)) * g + cast_like(b1, m) * m),
            updates, state.mu)
        mu = update_moment(updates, state.mu, b2, 1)
        return signs, ScaleByLionState(safe_increment(state.count), mu)

    return GradientTransformation(init, update)
