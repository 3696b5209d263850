"""Gradient transformations (funcgrad.optim's protocol) for the torch.optim algorithms that no
funcgrad.optim transform reproduces step for step. Each docstring says where torch differs from
the nearest funcgrad.optim (optax) transform; everything else in torch.optim is a chain of
funcgrad.optim's own transforms (see __init__.py).

Each transform returns the update *direction*: torch.optim's step applies -lr * direction."""
from __future__ import annotations

from typing import Any, NamedTuple

from ... import numpy as fnp
from ... import tree
from ...optim import GradientTransformation
from ...optim._tree_math import (
    cast_like,
    safe_increment,
    tree_full_like,
    tree_zeros_like,
    update_moment,
    zero_count,
)


def _factor(decay, count):
    """1 - decay**count, computed in float64 (as torch computes its Python-float corrections)."""
    return 1 - fnp.asarray(decay, fnp.float64) ** count


class SgdMomentumState(NamedTuple):
    count: Any  # an int32 array; Any for the reason in funcgrad/optim/_base.py
    momentum_buffer: object


def sgd_momentum(momentum, dampening=0.0, nesterov=False):
    """torch.optim.SGD's momentum buffer: b = g on the first step, then b = momentum * b +
    (1 - dampening) * g; the direction is b, or g + momentum * b with nesterov. funcgrad.optim's
    trace() has no dampening (and, with one, torch's first step is still undampened). With
    momentum == 0 the direction is g, as in torch (the state is kept so the chain's structure does
    not depend on the hyperparameter's value)."""
    def init(params):
        return SgdMomentumState(zero_count(), tree_zeros_like(params))

    def update(updates, state, params=None):
        del params
        count = safe_increment(state.count)
        if not momentum:
            return updates, SgdMomentumState(count, state.momentum_buffer)
        # b = g on the first step as 0 * b + g (b is zeros then): the choice is between two
        # scalars, not two arrays, so a step is one product and a sum per parameter
        first = state.count == 0
        keep = fnp.where(first, 0.0, momentum)
        added = updates
        if dampening:
            take = fnp.where(first, 1.0, 1.0 - dampening)
            added = tree.tree_map(lambda g: cast_like(take, g) * g, updates)
        buf = tree.tree_map(lambda g, b: cast_like(keep, b) * b + g, added,
                            state.momentum_buffer)
        if nesterov:
            out = tree.tree_map(lambda g, b: g + cast_like(momentum, b) * b, updates, buf)
        else:
            out = buf
        return out, SgdMomentumState(count, buf)

    return GradientTransformation(init, update)


class AmsgradState(NamedTuple):
    count: Any  # an int32 array; Any for the reason in funcgrad/optim/_base.py
    exp_avg: object
    exp_avg_sq: object
    max_exp_avg_sq: object


def scale_by_amsgrad_torch(b1=0.9, b2=0.999, eps=1e-8):
    """torch.optim.Adam(amsgrad=True): the running maximum of the *raw* second moment v, then the
    bias correction with the current step: m / (1 - b1**t) / (sqrt(max_v) / sqrt(1 - b2**t) +
    eps). funcgrad.optim.scale_by_amsgrad (optax's) keeps the maximum of the bias-corrected
    v_hat instead, a different trajectory."""
    def init(params):
        z = tree_zeros_like(params)
        return AmsgradState(zero_count(), z, z, z)

    def update(updates, state, params=None):
        del params
        count = safe_increment(state.count)
        m = update_moment(updates, state.exp_avg, b1, 1)
        v = update_moment(updates, state.exp_avg_sq, b2, 2)
        vmax = tree.tree_map(fnp.maximum, state.max_exp_avg_sq, v)
        bc1, bc2 = _factor(b1, count), fnp.sqrt(_factor(b2, count))
        out = tree.tree_map(
            lambda m_, v_: m_ / cast_like(bc1, m_)
            / (fnp.sqrt(v_) / cast_like(bc2, v_) + cast_like(eps, v_)), m, vmax)
        return out, AmsgradState(count, m, v, vmax)

    return GradientTransformation(init, update)


class NadamState(NamedTuple):
    count: Any  # an int32 array; Any for the reason in funcgrad/optim/_base.py
    mu_product: object  # the momentum schedule's product so far, 0-d of scalar_dtype
    exp_avg: object
    exp_avg_sq: object


def scale_by_nadam_torch(b1=0.9, b2=0.999, eps=1e-8, momentum_decay=4e-3,
                         scalar_dtype=fnp.float64):
    """torch.optim.NAdam: a momentum schedule mu_t = b1 * (1 - 0.5 * 0.96**(t * momentum_decay))
    whose running product corrects the first moment's bias, and the direction
    (1 - mu_t) / (1 - prod mu) * g / d + mu_{t+1} / (1 - prod mu * mu_{t+1}) * m / d with
    d = sqrt(v / (1 - b2**t)) + eps. funcgrad.optim's nadam (optax's) is Dozat's formula with a
    constant mu = b1 (torch's only in the limit momentum_decay -> infinity). The product is
    kept in scalar_dtype (PyTorch's default dtype, which rounds it) and multiplied in it."""
    def init(params):
        z = tree_zeros_like(params)
        return NadamState(zero_count(), fnp.ones([], scalar_dtype), z, z)

    def update(updates, state, params=None):
        del params
        count = safe_increment(state.count)
        t = fnp.asarray(count, fnp.float64)
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        # PyTorch multiplies its state tensor in place: in its dtype, mu rounded to it
        stored = state.mu_product * fnp.asarray(mu, state.mu_product.dtype)
        mu_product = fnp.asarray(stored, fnp.float64)
        m = update_moment(updates, state.exp_avg, b1, 1)
        v = update_moment(updates, state.exp_avg_sq, b2, 2)
        bc2 = _factor(b2, count)
        c_g = (1.0 - mu) / (1.0 - mu_product)
        c_m = mu_next / (1.0 - mu_product * mu_next)

        def leaf(g, m_, v_):
            d = fnp.sqrt(v_ / cast_like(bc2, v_)) + cast_like(eps, v_)
            return cast_like(c_g, g) * g / d + cast_like(c_m, m_) * m_ / d

        out = tree.tree_map(leaf, updates, m, v)
        return out, NadamState(count, stored, m, v)

    return GradientTransformation(init, update)


class RadamState(NamedTuple):
    count: Any  # an int32 array; Any for the reason in funcgrad/optim/_base.py
    exp_avg: object
    exp_avg_sq: object


def scale_by_radam_torch(b1=0.9, b2=0.999, eps=1e-8):
    """torch.optim.RAdam: the bias-corrected mean m_hat while rho_t <= 5, else m_hat * r_t *
    sqrt(1 - b2**t) / (sqrt(v) + eps). funcgrad.optim.scale_by_radam (optax's) adds eps to
    sqrt(v_hat), after the bias correction, and rectifies from rho_t >= 5."""
    rho_inf = 2.0 / (1.0 - b2) - 1.0

    def init(params):
        z = tree_zeros_like(params)
        return RadamState(zero_count(), z, z)

    def update(updates, state, params=None):
        del params
        count = safe_increment(state.count)
        t = fnp.asarray(count, fnp.float64)
        m = update_moment(updates, state.exp_avg, b1, 1)
        v = update_moment(updates, state.exp_avg_sq, b2, 2)
        bc1, bc2 = _factor(b1, count), _factor(b2, count)
        rho = rho_inf - 2 * t * b2 ** t / bc2
        rectify = rho > 5.0
        safe_rho = fnp.where(rectify, rho, 5.0)
        r = fnp.sqrt((safe_rho - 4) * (safe_rho - 2) * rho_inf
                     / ((rho_inf - 4) * (rho_inf - 2) * safe_rho))

        def leaf(m_, v_):
            m_hat = m_ / cast_like(bc1, m_)
            adaptive = cast_like(fnp.sqrt(bc2), v_) / (fnp.sqrt(v_) + cast_like(eps, v_))
            return fnp.where(rectify, m_hat * cast_like(r, m_) * adaptive, m_hat)

        return tree.tree_map(leaf, m, v), RadamState(count, m, v)

    return GradientTransformation(init, update)


class AdagradState(NamedTuple):
    sum: object


def scale_by_rss_torch(initial_accumulator_value=0.0, eps=1e-10):
    """torch.optim.Adagrad's core: g / (sqrt(sum of g**2 so far) + eps). funcgrad.optim's
    scale_by_rss (optax's) puts eps inside the root and gives 0 where the sum is 0, which no
    setting reproduces for torch's eps > 0."""
    def init(params):
        return AdagradState(tree_full_like(params, initial_accumulator_value))

    def update(updates, state, params=None):
        del params
        s = tree.tree_map(lambda g, a: a + g * g, updates, state.sum)
        out = tree.tree_map(lambda g, a: g / (fnp.sqrt(a) + cast_like(eps, a)), updates, s)
        return out, AdagradState(s)

    return GradientTransformation(init, update)


class CountState(NamedTuple):
    count: Any  # an int32 array; Any for the reason in funcgrad/optim/_base.py


def count_steps():
    """The identity, counting its updates: the step count PyTorch keeps ('step') for algorithms
    whose funcgrad.optim transforms need none (RMSprop, Adadelta)."""
    def init(params):
        del params
        return CountState(zero_count())

    def update(updates, state, params=None):
        del params
        return updates, CountState(safe_increment(state.count))

    return GradientTransformation(init, update)


class RpropState(NamedTuple):
    count: Any  # an int32 array; Any for the reason in funcgrad/optim/_base.py
    prev: object
    step_size: object


def rprop_torch(lr, etas=(0.5, 1.2), step_sizes=(1e-6, 50)):
    """torch.optim.Rprop: per-element step sizes (lr at first) times eta_plus where the gradient
    kept its sign, eta_minus where it flipped (clipped to step_sizes), the gradient then zeroed
    where it flipped; the update is sign(g) * step_size, *not* to be scaled by lr (the
    optimizer applies it as it is). funcgrad.optim's scale_by_rprop (optax's) keeps the flipped
    gradient and starts from its own initial step."""
    eta_minus, eta_plus = etas
    lo, hi = step_sizes

    def init(params):
        return RpropState(zero_count(), tree_zeros_like(params), tree_full_like(params, lr))

    def update(updates, state, params=None):
        del params

        def leaf(g, prev, size):
            s = fnp.sign(g * prev)
            factor = fnp.where(s > 0, eta_plus, fnp.where(s < 0, eta_minus, 1.0))
            size = fnp.clip(size * factor.astype(size.dtype), lo, hi).astype(size.dtype)
            g = fnp.where(s < 0, fnp.zeros_like(g), g)
            return fnp.sign(g) * size, g, size

        out = tree.tree_map(leaf, updates, state.prev, state.step_size)
        pick = lambda i: tree.tree_map(lambda g, o: o[i], updates, out)
        return pick(0), RpropState(safe_increment(state.count), pick(1), pick(2))

    return GradientTransformation(init, update)


class AsgdState(NamedTuple):
    count: Any  # an int32 array; Any for the reason in funcgrad/optim/_base.py
    eta: object  # the step size of the coming step, 0-d of scalar_dtype
    mu: object  # the averaging weight of the coming step, 0-d of scalar_dtype
    ax: object


def asgd_torch(lr, lambd=1e-4, alpha=0.75, t0=1e6, scalar_dtype=fnp.float64):
    """torch.optim.ASGD: p <- p * (1 - lambd * eta) - eta * g, the average ax <- ax + mu * (p -
    ax) (ax = p while mu is 1), then eta = lr / (1 + lambd * lr * t)**alpha and mu = 1 /
    max(1, t - t0), computed in float64 and kept in scalar_dtype (PyTorch's default dtype, in
    which its state tensors round them). The update (p's change, negated) is *not* to be scaled
    by lr. funcgrad.optim has no averaged SGD."""
    def init(params):
        return AsgdState(zero_count(), fnp.asarray(lr, scalar_dtype),
                         fnp.ones([], scalar_dtype), tree_zeros_like(params))

    def update(updates, state, params=None):
        count = safe_increment(state.count)
        t = fnp.asarray(count, fnp.float64)
        eta, mu = fnp.asarray(state.eta, fnp.float64), fnp.asarray(state.mu, fnp.float64)

        def leaf(g, p, ax):
            new = p * cast_like(1 - lambd * eta, p) - cast_like(eta, g) * g
            ax = fnp.where(mu == 1, new, ax + (new - ax) * cast_like(mu, ax))
            return p - new, ax

        out = tree.tree_map(leaf, updates, params, state.ax)
        pick = lambda i: tree.tree_map(lambda g, o: o[i], updates, out)
        new_eta = (lr / (1 + lambd * lr * t) ** alpha).astype(state.eta.dtype)
        new_mu = (1 / fnp.maximum(1.0, t - t0)).astype(state.mu.dtype)
        return pick(0), AsgdState(count, new_eta, new_mu, pick(1))

    return GradientTransformation(init, update)


def lr_decay_factor(lr_decay):
    """Adagrad's lr_decay as a schedule of the step count: 1 / (1 + count * lr_decay)."""
    return lambda count: 1.0 / (1.0 + fnp.asarray(count, fnp.float64) * lr_decay)


__all__ = [
    "asgd_torch",
    "rprop_torch",
    "count_steps",
    "lr_decay_factor",
    "scale_by_amsgrad_torch",
    "scale_by_nadam_torch",
    "scale_by_radam_torch",
    "scale_by_rss_torch",
    "sgd_momentum",
]
