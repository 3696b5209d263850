"""Rescalings by running statistics of the gradients: the cores of Adam, RMSProp and their kin.
Each is the part of an optimizer before the learning rate; `_alias.py` chains them with it."""
from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np

from .. import numpy as fnp
from .. import tree
from .._core.typing import ArrayLike, DTypeLike, PyTree
from ._base import (STATE_VS_UPDATES, GradientTransformation, StepCount, check_same_structure,
                    require_params)
# imported as `debias` because scale_by_rms and scale_by_stddev take a bool `bias_correction`
from ._moments import bias_correction as debias
from ._moments import update_infinity_moment, update_moment, update_moment_per_elem_norm
from ._numerics import (abs_sq, cast_like, decay_power, safe_increment, scalar_dtype,
                        zero_count)
from ._tree_math import (tree_cast, tree_cast_like, tree_div, tree_full_like, tree_mul,
                         tree_zeros_like)


def canonical_dtype(dtype: DTypeLike) -> np.dtype | None:
    """A `mu_dtype`-like argument as a numpy dtype (None stays None: the parameters' dtype)."""
    return None if dtype is None else np.dtype(dtype)


class ScaleByAdamState(NamedTuple):
    """The state of Adam (and of Adamax, RAdam, Yogi): the step count and the two moments."""
    count: StepCount
    mu: PyTree  # first moment (EMA of gradients)
    nu: PyTree  # second moment (EMA of squared gradients), or Adamax's running maximum


def _moments_init(mu_dtype=None, fill=0.0):
    def init(params):
        return ScaleByAdamState(zero_count(), tree_full_like(params, fill, mu_dtype),
                                tree_full_like(params, fill))
    return init


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


def scale_by_adam(b1: ArrayLike = 0.9, b2: ArrayLike = 0.999, eps: ArrayLike = 1e-8,
                  eps_root: ArrayLike = 0.0, mu_dtype: DTypeLike = None, *,
                  nesterov: bool = False) -> GradientTransformation:
    """Adam: m_hat / (sqrt(v_hat + eps_root) + eps), with bias-corrected moving averages
    m_hat and v_hat of the gradients and of their squares (eps outside the root, as in the paper
    and in torch.optim.Adam). The first moment is kept in `mu_dtype` when given.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_adam()
    >>> t.update(fnp.array([0.5, -2.0]), t.init(fnp.zeros(2)))[0]  # the first step is ~sign(g)
    Array([ 0.99999998, -1.        ], dtype=float64)
    """
    mu_dtype = canonical_dtype(mu_dtype)

    def update(updates, state, params=None):
        del params
        check_same_structure(state.nu, updates, "scale_by_adam", STATE_VS_UPDATES)
        mu = update_moment(updates, state.mu, b1, 1)
        nu = update_moment_per_elem_norm(updates, state.nu, b2, 2)
        count = safe_increment(state.count)
        mu_hat = _debiased_mu(updates, mu, b1, count, nesterov)
        updates = _adam_ratio(mu_hat, debias(nu, b2, count), eps, eps_root)
        return updates, ScaleByAdamState(count, tree_cast(mu, mu_dtype),
                                         tree_cast_like(nu, state.nu))

    return GradientTransformation(_moments_init(mu_dtype), update)


class ScaleByAmsgradState(NamedTuple):
    """The state of AMSGrad: Adam's, plus the running maximum of the second moment."""
    count: StepCount
    mu: PyTree
    nu: PyTree
    nu_max: PyTree  # running maximum of the (bias-corrected) second moment


def scale_by_amsgrad(b1: ArrayLike = 0.9, b2: ArrayLike = 0.999, eps: ArrayLike = 1e-8,
                     eps_root: ArrayLike = 0.0, mu_dtype: DTypeLike = None,
                     bias_correction_mu: bool = True,
                     bias_correction_nu: bool = True) -> GradientTransformation:
    """AMSGrad: Adam dividing by the running maximum of v_hat, so the step size never grows.
    bias_correction_mu=bias_correction_nu=False is the original paper's (and torch's
    Adam(amsgrad=True) keeps the maximum of the raw second moment too).

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_amsgrad()
    >>> t.update(fnp.array([0.5, -2.0]), t.init(fnp.zeros(2)))[0]
    Array([ 0.99999998, -1.        ], dtype=float64)
    """
    mu_dtype = canonical_dtype(mu_dtype)

    def init(params):
        zeros = tree_zeros_like(params)
        return ScaleByAmsgradState(zero_count(), tree_zeros_like(params, mu_dtype), zeros, zeros)

    def update(updates, state, params=None):
        del params
        check_same_structure(state.nu, updates, "scale_by_amsgrad", STATE_VS_UPDATES)
        mu = update_moment(updates, state.mu, b1, 1)
        nu = update_moment_per_elem_norm(updates, state.nu, b2, 2)
        count = safe_increment(state.count)
        mu_hat = debias(mu, b1, count) if bias_correction_mu else mu
        nu_eff = debias(nu, b2, count) if bias_correction_nu else nu
        nu_max = tree.tree_map(fnp.maximum, state.nu_max, nu_eff)
        updates = _adam_ratio(mu_hat, nu_max, eps, eps_root)
        return updates, ScaleByAmsgradState(count, tree_cast(mu, mu_dtype), nu, nu_max)

    return GradientTransformation(init, update)


def scale_by_adamax(b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
                    eps: ArrayLike = 1e-8) -> GradientTransformation:
    """Adamax: the bias-corrected mean divided by a decaying running maximum of |g| + eps.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_adamax()
    >>> t.update(fnp.array([0.5, -2.0]), t.init(fnp.zeros(2)))[0]
    Array([ 0.99999998, -1.        ], dtype=float64)
    """
    def update(updates, state, params=None):
        del params
        check_same_structure(state.nu, updates, "scale_by_adamax", STATE_VS_UPDATES)
        count = safe_increment(state.count)
        mu = update_moment(updates, state.mu, b1, 1)
        nu = update_infinity_moment(updates, state.nu, b2, eps)
        updates = tree_div(debias(mu, b1, count), nu)
        return updates, ScaleByAdamState(count, mu, nu)

    return GradientTransformation(_moments_init(), update)


def scale_by_radam(b1: ArrayLike = 0.9, b2: ArrayLike = 0.999, eps: ArrayLike = 1e-8,
                   eps_root: ArrayLike = 0.0, threshold: ArrayLike = 5.0, *,
                   nesterov: bool = False) -> GradientTransformation:
    """Rectified Adam: plain momentum (the bias-corrected mean) while the variance estimate is
    unreliable, i.e. while the approximated SMA length rho_t < threshold; rectified Adam after.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_radam()
    >>> t.update(fnp.array([0.5, -2.0]), t.init(fnp.zeros(2)))[0]  # momentum SGD at first
    Array([ 0.5, -2. ], dtype=float64)
    """
    rho_inf: Any = 2.0 / (1.0 - b2) - 1.0  # type: ignore[operator]  # b2 is a number here

    def rectified(count, dtype):
        """(rho_t >= threshold, the rectification factor r_t), in JAX's default float."""
        b2t = decay_power(b2, count, dtype)
        rho = rho_inf - 2 * fnp.asarray(count, dtype) * b2t / (1 - b2t)
        use = rho >= threshold
        # the root's argument is negative for small rho; it is replaced where unused (no NaN)
        r = fnp.sqrt(fnp.where(use, (rho - 4.0) * (rho - 2.0) * rho_inf
                               / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho), 1.0))
        return use, r

    def update(updates, state, params=None):
        del params
        check_same_structure(state.nu, updates, "scale_by_radam", STATE_VS_UPDATES)
        mu = update_moment(updates, state.mu, b1, 1)
        nu = update_moment_per_elem_norm(updates, state.nu, b2, 2)
        count = safe_increment(state.count)
        mu_hat = _debiased_mu(updates, mu, b1, count, nesterov)
        nu_hat = debias(nu, b2, count)

        def step(m, v):
            use, r = rectified(count, scalar_dtype(m))
            adam = fnp.asarray(r, m.dtype) * m / (fnp.sqrt(v + cast_like(eps_root, v))
                                                  + cast_like(eps, v))
            return fnp.where(use, adam, m)

        return tree.tree_map(step, mu_hat, nu_hat), ScaleByAdamState(count, mu, nu)

    return GradientTransformation(_moments_init(), update)


def scale_by_yogi(b1: ArrayLike = 0.9, b2: ArrayLike = 0.999, eps: ArrayLike = 1e-3,
                  eps_root: ArrayLike = 0.0,
                  initial_accumulator_value: ArrayLike = 1e-6) -> GradientTransformation:
    """Yogi (Zaheer et al. 2018): Adam whose second moment moves additively,
    v <- v - (1 - b2) * sign(v - g**2) * g**2, so it cannot jump up on one large gradient.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_yogi(initial_accumulator_value=0.0, eps=0.0)
    >>> t.update(fnp.array([0.5, -2.0]), t.init(fnp.zeros(2)))[0]
    Array([ 1., -1.], dtype=float64)
    """
    def update(updates, state, params=None):
        del params
        check_same_structure(state.nu, updates, "scale_by_yogi", STATE_VS_UPDATES)
        mu = update_moment(updates, state.mu, b1, 1)
        nu = tree.tree_map(
            lambda g, v: v - (1 - cast_like(b2, v)) * fnp.sign(v - abs_sq(g)) * abs_sq(g),
            updates, state.nu)
        count = safe_increment(state.count)
        updates = _adam_ratio(debias(mu, b1, count), debias(nu, b2, count), eps, eps_root)
        return updates, ScaleByAdamState(count, mu, nu)

    return GradientTransformation(_moments_init(fill=initial_accumulator_value), update)


class ScaleByBeliefState(NamedTuple):
    """The state of AdaBelief: the step count, the mean and the variance of the gradients
    around their mean."""
    count: StepCount
    mu: PyTree
    nu: PyTree


def scale_by_belief(b1: ArrayLike = 0.9, b2: ArrayLike = 0.999, eps: ArrayLike = 1e-16,
                    eps_root: ArrayLike = 1e-16, *,
                    nesterov: bool = False) -> GradientTransformation:
    """AdaBelief (Zhuang et al. 2020): Adam whose second moment is the EMA of (g - mu)**2, the
    "belief" in the current gradient, so steps are large where gradients agree with their mean.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_belief()
    >>> t.update(fnp.array([0.5, -2.0]), t.init(fnp.zeros(2)))[0]
    Array([ 1.11111111, -1.11111111], dtype=float64)
    """
    def init(params):
        return ScaleByBeliefState(zero_count(), tree_zeros_like(params), tree_zeros_like(params))

    def update(updates, state, params=None):
        del params
        check_same_structure(state.nu, updates, "scale_by_belief", STATE_VS_UPDATES)
        mu = update_moment(updates, state.mu, b1, 1)
        error = tree.tree_map(lambda g, m: g - m, updates, mu)
        nu = update_moment_per_elem_norm(error, state.nu, b2, 2)
        nu = tree.tree_map(lambda v: v + cast_like(eps_root, v), nu)
        count = safe_increment(state.count)
        mu_hat = _debiased_mu(updates, mu, b1, count, nesterov)
        updates = _adam_ratio(mu_hat, debias(nu, b2, count), eps, 0.0)
        return updates, ScaleByBeliefState(count, mu, nu)

    return GradientTransformation(init, update)


class ScaleByAdanState(NamedTuple):
    """The state of Adan: the moments of the gradients (m), of their differences (v) and of
    the squared corrected gradients (n), the last gradient (g) and the step count (t)."""
    m: PyTree
    v: PyTree
    n: PyTree
    g: PyTree
    t: StepCount


def scale_by_adan(b1: ArrayLike = 0.98, b2: ArrayLike = 0.92, b3: ArrayLike = 0.99,
                  eps: ArrayLike = 1e-8, eps_root: ArrayLike = 0.0) -> GradientTransformation:
    """Adan (Xie et al. 2022), Nesterov momentum estimated from gradient differences:
    (m_hat + (1 - b2) * v_hat) / (sqrt(n_hat + eps_root) + eps), with m, v, n the EMAs of g,
    of g - g_prev, and of (g + (1 - b2) * (g - g_prev))**2.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_adan()
    >>> t.update(fnp.array([0.5, -2.0]), t.init(fnp.zeros(2)))[0]
    Array([ 0.99999998, -1.        ], dtype=float64)
    """
    def init(params):
        z = tree_zeros_like(params)
        return ScaleByAdanState(z, z, z, z, zero_count())

    def update(updates, state, params=None):
        del params
        check_same_structure(state.g, updates, "scale_by_adan", STATE_VS_UPDATES)
        first = state.t == 0
        diff = tree.tree_map(lambda g, p: fnp.where(first, fnp.zeros_like(g), g - p),
                             updates, state.g)
        m = update_moment(updates, state.m, b1, 1)
        v = update_moment(diff, state.v, b2, 1)
        sq = tree.tree_map(lambda g, d: g + (1 - cast_like(b2, d)) * d, updates, diff)
        n = update_moment_per_elem_norm(sq, state.n, b3, 2)
        t = safe_increment(state.t)
        m_hat, v_hat, n_hat = debias(m, b1, t), debias(v, b2, t), debias(n, b3, t)
        u = tree.tree_map(
            lambda a, b, c: (a + (1 - cast_like(b2, b)) * b)
            / (fnp.sqrt(c + cast_like(eps_root, c)) + cast_like(eps, c)), m_hat, v_hat, n_hat)
        return u, ScaleByAdanState(m, v, n, updates, t)

    return GradientTransformation(init, update)


class ScaleByNovogradState(NamedTuple):
    """The state of NovoGrad: the step count, the first moment, and one second moment per
    leaf (a scalar: the EMA of the leaf's squared gradient norm)."""
    count: StepCount
    mu: PyTree
    nu: PyTree


def scale_by_novograd(b1: ArrayLike = 0.9, b2: ArrayLike = 0.25, eps: ArrayLike = 1e-8,
                      eps_root: ArrayLike = 0.0, weight_decay: ArrayLike = 0.0,
                      mu_dtype: DTypeLike = None) -> GradientTransformation:
    """NovoGrad (Ginsburg et al. 2019): layer-wise second moments, the EMA of each leaf's
    |g|**2; mu <- b1 * mu + g / (sqrt(nu + eps_root) + eps) + weight_decay * params (at the first
    step nu = |g|**2 and mu is that sum without the decay of the old mu).

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_novograd()
    >>> p = fnp.zeros(2)
    >>> t.update(fnp.array([3.0, -4.0]), t.init(p), p)[0]
    Array([ 0.6, -0.8], dtype=float64)
    """
    mu_dtype = canonical_dtype(mu_dtype)

    def init(params):
        nu = tree.tree_map(lambda p: fnp.zeros((), fnp.asarray(p).dtype), params)
        return ScaleByNovogradState(zero_count(), tree_zeros_like(params, mu_dtype), nu)

    def update(updates, state, params=None):
        require_params(params, "scale_by_novograd")
        check_same_structure(state.nu, updates, "scale_by_novograd", STATE_VS_UPDATES)
        count = safe_increment(state.count)
        first = count == 1
        nu = tree.tree_map(
            lambda g, n: fnp.where(first, fnp.asarray(fnp.linalg.norm(g) ** 2, n.dtype),
                                   update_moment(fnp.linalg.norm(g) ** 2, n, b2, 1)),
            updates, state.nu)

        def mu_step(g, p, m, n):
            add = g / (fnp.sqrt(n + cast_like(eps_root, n)) + cast_like(eps, n)) \
                + cast_like(weight_decay, g) * p
            return fnp.where(first, add, cast_like(b1, m) * m + add)

        mu = tree_cast(tree.tree_map(mu_step, updates, params, state.mu, nu), mu_dtype)
        return mu, ScaleByNovogradState(count, mu, nu)

    return GradientTransformation(init, update)


class ScaleByRmsState(NamedTuple):
    nu: PyTree  # EMA of squared gradients


class ScaleByRmsWithCountState(NamedTuple):
    count: StepCount
    nu: PyTree


def _rms_scaling(nu_hat, eps, eps_in_sqrt):
    if eps_in_sqrt:
        return tree.tree_map(lambda n: 1 / fnp.sqrt(n + cast_like(eps, n)), nu_hat)
    return tree.tree_map(lambda n: 1 / (fnp.sqrt(n) + cast_like(eps, n)), nu_hat)


def scale_by_rms(decay: ArrayLike = 0.9, eps: ArrayLike = 1e-8, initial_scale: ArrayLike = 0.0,
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
        check_same_structure(state.nu, updates, "scale_by_rms", STATE_VS_UPDATES)
        nu = update_moment_per_elem_norm(updates, state.nu, decay, 2)
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


def scale_by_stddev(decay: ArrayLike = 0.9, eps: ArrayLike = 1e-8,
                    initial_scale: ArrayLike = 0.0,
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
        check_same_structure(state.nu, updates, "scale_by_stddev", STATE_VS_UPDATES)
        mu = update_moment(updates, state.mu, decay, 1)
        nu = update_moment_per_elem_norm(updates, state.nu, decay, 2)
        if bias_correction:
            count = safe_increment(state.count)
            mu_hat, nu_hat = debias(mu, decay, count), debias(nu, decay, count)
            new_state = ScaleByRStdDevWithCountState(count, mu, nu)
        else:
            mu_hat, nu_hat, new_state = mu, nu, ScaleByRStdDevState(mu, nu)
        var = tree.tree_map(lambda m, n: n - abs_sq(m), mu_hat, nu_hat)
        return tree_mul(_rms_scaling(var, eps, eps_in_sqrt), updates), new_state

    return GradientTransformation(init, update)


class ScaleByRssState(NamedTuple):
    sum_of_squares: PyTree


def scale_by_rss(initial_accumulator_value: ArrayLike = 0.1,
                 eps: ArrayLike = 1e-7) -> GradientTransformation:
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
        check_same_structure(state.sum_of_squares, updates, "scale_by_rss", STATE_VS_UPDATES)
        sums = tree.tree_map(lambda g, s: abs_sq(g) + s, updates, state.sum_of_squares)
        return tree.tree_map(lambda g, s: inv_sqrt(s) * g, updates, sums), ScaleByRssState(sums)

    return GradientTransformation(init, update)


class ScaleByAdaDeltaState(NamedTuple):
    e_g: PyTree  # EMA of squared gradients
    e_x: PyTree  # EMA of squared updates


def scale_by_adadelta(rho: ArrayLike = 0.9, eps: ArrayLike = 1e-6) -> GradientTransformation:
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
        check_same_structure(state.e_g, updates, "scale_by_adadelta", STATE_VS_UPDATES)
        e_g = update_moment(updates, state.e_g, rho, 2)
        updates = tree.tree_map(
            lambda g, eg, ex: fnp.sqrt(ex + cast_like(eps, ex))
            / fnp.sqrt(eg + cast_like(eps, eg)) * g, updates, e_g, state.e_x)
        e_x = update_moment(updates, state.e_x, rho, 2)
        return updates, ScaleByAdaDeltaState(e_g, e_x)

    return GradientTransformation(init, update)


class ScaleByLionState(NamedTuple):
    """The state of Lion: the step count and the momentum."""
    count: StepCount
    mu: PyTree  # EMA of gradients, with rate b2


def scale_by_lion(b1: ArrayLike = 0.9, b2: ArrayLike = 0.99, mu_dtype: DTypeLike = None, *,
                  mode: Literal["hard", "smooth", "refined"] = "hard",
                  smooth_beta: float = 1.0) -> GradientTransformation:
    """Lion: sign((1 - b1) * g + b1 * mu), then mu <- EMA of g with rate b2. mode="smooth"
    takes tanh(smooth_beta * x) instead of the sign, mode="refined" keeps x where |x| < 1.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_lion()
    >>> t.update(fnp.array([0.5, -2.0, 0.0]), t.init(fnp.zeros(3)))[0]
    Array([ 1., -1.,  0.], dtype=float64)
    """
    if mode not in ("hard", "smooth", "refined"):
        raise ValueError(f"scale_by_lion: unknown mode={mode!r}; "
                         "use one of 'hard', 'smooth', 'refined'")
    mu_dtype = canonical_dtype(mu_dtype)

    def direction(g, m):
        x = (1.0 - cast_like(b1, g)) * g + cast_like(b1, g) * m
        if mode == "hard":
            return fnp.sign(x)
        if mode == "smooth":
            return fnp.tanh(smooth_beta * x)
        return fnp.where(fnp.abs(x) < 1.0, x, fnp.sign(x))

    def init(params):
        return ScaleByLionState(zero_count(), tree_zeros_like(params, mu_dtype))

    def update(updates, state, params=None):
        del params
        check_same_structure(state.mu, updates, "scale_by_lion", STATE_VS_UPDATES)
        directions = tree.tree_map(direction, updates, state.mu)
        mu = tree_cast(update_moment(updates, state.mu, b2, 1), mu_dtype)
        return directions, ScaleByLionState(safe_increment(state.count), mu)

    return GradientTransformation(init, update)
