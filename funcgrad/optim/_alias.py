"""Optimizers, each a chain of the transformations it is made of, with optax's names,
hyperparameters, defaults and keyword names. Every example shows the first update for the
gradient [1, -2]."""
from __future__ import annotations

import warnings
from typing import Any

from .._core.typing import ArrayLike, DTypeLike
from ._accumulation import ema, trace
from ._adaptive import (scale_by_adadelta, scale_by_adam, scale_by_adamax, scale_by_adan,
                        scale_by_amsgrad, scale_by_belief, scale_by_lion, scale_by_novograd,
                        scale_by_radam, scale_by_rms, scale_by_rss, scale_by_stddev,
                        scale_by_yogi)
from ._adding import add_decayed_weights
from ._base import GradientTransformationExtraArgs, MaskOrFn, ScalarOrSchedule, chain, identity
from ._clipping import clip_by_block_rms
from ._factorized import scale_by_factored_rms, scale_by_sm3
from ._noise import add_noise
from ._scale import (scale, scale_by_learning_rate, scale_by_optimistic_gradient,
                     scale_by_param_block_rms, scale_by_polyak, scale_by_rprop, scale_by_sign,
                     scale_by_trust_ratio)
from ._wrappers import masked

Optimizer = GradientTransformationExtraArgs


def sgd(learning_rate: ScalarOrSchedule, momentum: ArrayLike | None = None,
        nesterov: bool = False, accumulator_dtype: DTypeLike = None) -> Optimizer:
    """Stochastic gradient descent, with optional (Nesterov) momentum as in torch.optim.SGD.
    For torch's `weight_decay` (L2), chain add_decayed_weights(wd) in front.

    >>> import funcgrad.numpy as fnp
    >>> opt = sgd(0.1, momentum=0.9)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.2], dtype=float64)
    """
    return chain(trace(momentum, nesterov, accumulator_dtype) if momentum is not None
                 else identity(),
                 scale_by_learning_rate(learning_rate))


def adam(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
         eps: ArrayLike = 1e-8, eps_root: ArrayLike = 0.0, mu_dtype: DTypeLike = None, *,
         nesterov: bool = False) -> Optimizer:
    """Adam (Kingma and Ba 2014), as torch.optim.Adam; see scale_by_adam.

    >>> import funcgrad.numpy as fnp
    >>> opt = adam(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    return chain(scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov),
                 scale_by_learning_rate(learning_rate))


def nadam(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
          eps: ArrayLike = 1e-8, eps_root: ArrayLike = 0.0, mu_dtype: DTypeLike = None, *,
          nesterov: bool = True) -> Optimizer:
    """Adam with Nesterov momentum (Dozat 2016), in optax's formulation: adam(nesterov=True).

    >>> import funcgrad.numpy as fnp
    >>> opt = nadam(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.14736842,  0.14736842], dtype=float64)
    """
    return adam(learning_rate, b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov)


def adamw(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
          eps: ArrayLike = 1e-8, eps_root: ArrayLike = 0.0, mu_dtype: DTypeLike = None,
          weight_decay: ScalarOrSchedule = 1e-4, mask: MaskOrFn = None, *,
          nesterov: bool = False) -> Optimizer:
    """Adam with decoupled weight decay (Loshchilov and Hutter 2019): the decay is added after
    Adam's rescaling, then both are scaled by the learning rate, as in torch.optim.AdamW.
    `mask` limits the decay to some parameters (see add_decayed_weights).

    >>> import funcgrad.numpy as fnp
    >>> opt = adamw(0.1, weight_decay=0.5)
    >>> p = fnp.array([1.0, 1.0])
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(p), p)[0]
    Array([-0.15,  0.05], dtype=float64)
    """
    return chain(scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov),
                 add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate))


def nadamw(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
           eps: ArrayLike = 1e-8, eps_root: ArrayLike = 0.0, mu_dtype: DTypeLike = None,
           weight_decay: ScalarOrSchedule = 1e-4, mask: MaskOrFn = None, *,
           nesterov: bool = True) -> Optimizer:
    """AdamW with Nesterov momentum: adamw(nesterov=True).

    >>> import funcgrad.numpy as fnp
    >>> opt = nadamw(0.1, weight_decay=0.0)
    >>> p = fnp.zeros(2)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(p), p)[0]
    Array([-0.14736842,  0.14736842], dtype=float64)
    """
    return adamw(learning_rate, b1, b2, eps, eps_root, mu_dtype, weight_decay, mask,
                 nesterov=nesterov)


def adan(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.98, b2: ArrayLike = 0.92,
         b3: ArrayLike = 0.99, eps: ArrayLike = 1e-8, eps_root: ArrayLike = 1e-8,
         weight_decay: ScalarOrSchedule = 0.0, mask: MaskOrFn = None) -> Optimizer:
    """Adan (Xie et al. 2022), adaptive Nesterov momentum; see scale_by_adan.

    >>> import funcgrad.numpy as fnp
    >>> opt = adan(0.1)
    >>> p = fnp.zeros(2)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(p), p)[0]
    Array([-0.09999999,  0.1       ], dtype=float64)
    """
    return chain(scale_by_adan(b1, b2, b3, eps, eps_root),
                 add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate))


def radam(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
          eps: ArrayLike = 1e-8, eps_root: ArrayLike = 0.0, threshold: ArrayLike = 5.0, *,
          nesterov: bool = False) -> Optimizer:
    """Rectified Adam (Liu et al. 2020); see scale_by_radam.

    >>> import funcgrad.numpy as fnp
    >>> opt = radam(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.2], dtype=float64)
    """
    return chain(scale_by_radam(b1, b2, eps, eps_root, threshold, nesterov=nesterov),
                 scale_by_learning_rate(learning_rate))


def adamax(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
           eps: ArrayLike = 1e-8) -> Optimizer:
    """Adamax, Adam with the infinity norm, as torch.optim.Adamax; see scale_by_adamax.

    >>> import funcgrad.numpy as fnp
    >>> opt = adamax(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    return chain(scale_by_adamax(b1, b2, eps), scale_by_learning_rate(learning_rate))


def adamaxw(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
            eps: ArrayLike = 1e-8, weight_decay: ScalarOrSchedule = 1e-4,
            mask: MaskOrFn = None) -> Optimizer:
    """Adamax with decoupled weight decay (added after the rescaling, as in adamw).

    >>> import funcgrad.numpy as fnp
    >>> opt = adamaxw(0.1, weight_decay=0.5)
    >>> p = fnp.array([1.0, 1.0])
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(p), p)[0]
    Array([-0.15,  0.05], dtype=float64)
    """
    return chain(scale_by_adamax(b1, b2, eps), add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate))


def amsgrad(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
            eps: ArrayLike = 1e-8, eps_root: ArrayLike = 0.0, mu_dtype: DTypeLike = None,
            bias_correction_mu: bool = True, bias_correction_nu: bool = True) -> Optimizer:
    """AMSGrad (Reddi et al. 2018); see scale_by_amsgrad.

    >>> import funcgrad.numpy as fnp
    >>> opt = amsgrad(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    return chain(scale_by_amsgrad(b1, b2, eps, eps_root, mu_dtype, bias_correction_mu,
                                  bias_correction_nu),
                 scale_by_learning_rate(learning_rate))


def adabelief(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
              eps: ArrayLike = 1e-16, eps_root: ArrayLike = 1e-16, *,
              nesterov: bool = False) -> Optimizer:
    """AdaBelief (Zhuang et al. 2020); see scale_by_belief.

    >>> import funcgrad.numpy as fnp
    >>> opt = adabelief(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.31622777,  0.31622777], dtype=float64)
    """
    return chain(scale_by_belief(b1, b2, eps, eps_root, nesterov=nesterov),
                 scale_by_learning_rate(learning_rate))


def yogi(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
         eps: ArrayLike = 1e-3) -> Optimizer:
    """Yogi (Zaheer et al. 2018); see scale_by_yogi.

    >>> import funcgrad.numpy as fnp
    >>> opt = yogi(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.0999001 ,  0.09995003], dtype=float64)
    """
    return chain(scale_by_yogi(b1, b2, eps), scale_by_learning_rate(learning_rate))


def rmsprop(learning_rate: ScalarOrSchedule, decay: ArrayLike = 0.9, eps: ArrayLike = 1e-8,
            initial_scale: ArrayLike = 0.0, eps_in_sqrt: bool = True, centered: bool = False,
            momentum: ArrayLike | None = None, nesterov: bool = False,
            bias_correction: bool = False) -> Optimizer:
    """RMSProp, optionally centered and with momentum. torch.optim.RMSprop(alpha=a, eps=e,
    momentum=m, centered=c) is rmsprop(decay=a, eps=e, eps_in_sqrt=False, momentum=m or None,
    centered=c).

    >>> import funcgrad.numpy as fnp
    >>> opt = rmsprop(0.1, decay=0.75, eps=0.0)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.2,  0.2], dtype=float64)
    """
    rescale = scale_by_stddev if centered else scale_by_rms
    return chain(rescale(decay, eps, initial_scale, eps_in_sqrt, bias_correction),
                 scale_by_learning_rate(learning_rate),
                 trace(momentum, nesterov) if momentum is not None else identity())


def adagrad(learning_rate: ScalarOrSchedule, initial_accumulator_value: ArrayLike = 0.1,
            eps: ArrayLike = 1e-7) -> Optimizer:
    """Adagrad (Duchi et al. 2011); see scale_by_rss. torch.optim.Adagrad adds its eps outside
    the square root: with eps=0 here and initial_accumulator_value=0 both agree up to torch's eps.

    >>> import funcgrad.numpy as fnp
    >>> opt = adagrad(0.1, initial_accumulator_value=0.0, eps=0.0)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    return chain(scale_by_rss(initial_accumulator_value, eps),
                 scale_by_learning_rate(learning_rate))


def adadelta(learning_rate: ScalarOrSchedule | None = None, rho: ArrayLike = 0.9,
             eps: ArrayLike = 1e-6, weight_decay: ScalarOrSchedule = 0.0,
             weight_decay_mask: MaskOrFn = None) -> Optimizer:
    """Adadelta (Zeiler 2012), as torch.optim.Adadelta; see scale_by_adadelta. Without a
    learning rate the update is Adadelta's own step, unscaled and unflipped (as optax).

    >>> import funcgrad.numpy as fnp
    >>> opt = adadelta(1.0)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)), fnp.zeros(2))[0]
    Array([-0.00316226,  0.00316227], dtype=float64)
    """
    return chain(add_decayed_weights(weight_decay, weight_decay_mask),
                 scale_by_adadelta(rho, eps),
                 scale_by_learning_rate(learning_rate))


def lamb(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
         eps: ArrayLike = 1e-6, eps_root: ArrayLike = 0.0, weight_decay: ScalarOrSchedule = 0.0,
         mask: MaskOrFn = None) -> Optimizer:
    """LAMB (You et al. 2020): AdamW's update rescaled per leaf by the trust ratio
    |param| / |update|.

    >>> import funcgrad.numpy as fnp
    >>> opt = lamb(0.1)
    >>> p = fnp.array([3.0, 4.0])
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(p), p)[0]
    Array([-0.3535533 ,  0.35355348], dtype=float64)
    """
    return chain(scale_by_adam(b1, b2, eps, eps_root),
                 add_decayed_weights(weight_decay, mask),
                 scale_by_trust_ratio(),
                 scale_by_learning_rate(learning_rate))


def lars(learning_rate: ScalarOrSchedule, weight_decay: ScalarOrSchedule = 0.0,
         weight_decay_mask: MaskOrFn = True, trust_coefficient: ArrayLike = 0.001,
         eps: ArrayLike = 0.0, trust_ratio_mask: MaskOrFn = True, momentum: ArrayLike = 0.9,
         nesterov: bool = False) -> Optimizer:
    """LARS (You et al. 2017): SGD with momentum whose per-leaf step is scaled by
    trust_coefficient * |param| / |gradient + weight_decay * param|.

    >>> import funcgrad.numpy as fnp
    >>> opt = lars(1.0)
    >>> p = fnp.array([3.0, 4.0])
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(p), p)[0]
    Array([-0.00223607,  0.00447214], dtype=float64)
    """
    return chain(add_decayed_weights(weight_decay, weight_decay_mask),
                 masked(scale_by_trust_ratio(trust_coefficient=trust_coefficient, eps=eps),
                        trust_ratio_mask),
                 scale_by_learning_rate(learning_rate),
                 trace(momentum, nesterov))


def fromage(learning_rate: ScalarOrSchedule, min_norm: ArrayLike = 1e-6) -> Optimizer:
    """Fromage (Bernstein et al. 2020): trust-ratio steps of relative size lr / sqrt(1 + lr**2),
    with the parameters shrunk by the same factor so their norm does not grow.

    >>> import funcgrad.numpy as fnp
    >>> opt = fromage(0.1)
    >>> p = fnp.array([3.0, 4.0])
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(p), p)[0]
    Array([-0.23740157,  0.41807195], dtype=float64)
    """
    if not callable(learning_rate):
        mult = 1 / (1 + learning_rate ** 2) ** 0.5
        return chain(scale_by_trust_ratio(min_norm),
                     scale_by_learning_rate(learning_rate * mult),
                     add_decayed_weights(mult - 1))
    schedule = learning_rate
    mult_lr = lambda count: 1 / (1 + schedule(count) ** 2) ** 0.5
    return chain(scale_by_trust_ratio(min_norm),
                 scale_by_learning_rate(lambda c: mult_lr(c) * schedule(c)),
                 add_decayed_weights(lambda c: mult_lr(c) - 1))


def lion(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.99,
         mu_dtype: DTypeLike = None, weight_decay: ScalarOrSchedule = 1e-3,
         mask: MaskOrFn = None) -> Optimizer:
    """Lion (Chen et al. 2023): the sign of an interpolated momentum, plus decoupled weight
    decay; it wants a learning rate 3-10x smaller than AdamW's.

    >>> import funcgrad.numpy as fnp
    >>> opt = lion(0.1)
    >>> p = fnp.zeros(2)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(p), p)[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    return chain(scale_by_lion(b1, b2, mu_dtype),
                 add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate))


def noisy_sgd(learning_rate: ScalarOrSchedule, eta: ArrayLike = 0.01, gamma: ArrayLike = 0.55,
              key: ArrayLike | int | None = None, *, seed: int | None = None) -> Optimizer:
    """SGD on gradients with annealed Gaussian noise added (see add_noise). funcgrad's PRNG
    draws other noise than JAX's for the same key.

    >>> import funcgrad.numpy as fnp
    >>> opt = noisy_sgd(0.1, eta=0.0, key=0)  # no noise: plain SGD
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.2], dtype=float64)
    """
    return chain(add_noise(eta, gamma, key, seed=seed), scale_by_learning_rate(learning_rate))


def sign_sgd(learning_rate: ScalarOrSchedule) -> Optimizer:
    """signSGD (Bernstein et al. 2018): steps of -learning_rate * sign(g).

    >>> import funcgrad.numpy as fnp
    >>> opt = sign_sgd(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    return chain(scale_by_sign(), scale_by_learning_rate(learning_rate))


def signum(learning_rate: ScalarOrSchedule, beta: ArrayLike = 0.9,
           accumulator_dtype: Any | None = None) -> Optimizer:
    """Signum (Bernstein et al. 2018): signSGD on a (not debiased) moving average of the
    gradients.

    >>> import funcgrad.numpy as fnp
    >>> opt = signum(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    return chain(ema(beta, debias=False, accumulator_dtype=accumulator_dtype), scale_by_sign(),
                 scale_by_learning_rate(learning_rate))


def novograd(learning_rate: ScalarOrSchedule, b1: ArrayLike = 0.9, b2: ArrayLike = 0.25,
             eps: ArrayLike = 1e-6, eps_root: ArrayLike = 0.0,
             weight_decay: ScalarOrSchedule = 0.0) -> Optimizer:
    """NovoGrad (Ginsburg et al. 2019); see scale_by_novograd.

    >>> import funcgrad.numpy as fnp
    >>> opt = novograd(0.1)
    >>> p = fnp.zeros(2)
    >>> opt.update(fnp.array([3.0, -4.0]), opt.init(p), p)[0]
    Array([-0.06,  0.08], dtype=float64)
    """
    return chain(scale_by_novograd(b1, b2, eps, eps_root, weight_decay),
                 scale_by_learning_rate(learning_rate))


def optimistic_gradient_descent(learning_rate: ScalarOrSchedule,
                                alpha: ScalarOrSchedule = 1.0,
                                beta: ScalarOrSchedule = 1.0) -> Optimizer:
    """Optimistic gradient descent (Mokhtari et al. 2019), for min-max games; see
    scale_by_optimistic_gradient.

    >>> import funcgrad.numpy as fnp
    >>> opt = optimistic_gradient_descent(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.2], dtype=float64)
    """
    return chain(scale_by_optimistic_gradient(alpha, beta),
                 scale_by_learning_rate(learning_rate))


def optimistic_adam(learning_rate: ArrayLike, optimism: ArrayLike | None = None,
                    b1: ArrayLike = 0.9, b2: ArrayLike = 0.999, eps: ArrayLike = 1e-08,
                    eps_root: ArrayLike = 0.0, mu_dtype: DTypeLike = None, *,
                    nesterov: bool = True) -> Optimizer:
    """Optimistic Adam (Daskalakis et al. 2018), optax's deprecated first form: the optimistic
    gradient of Adam's direction with alpha=learning_rate, beta=optimism (default the learning
    rate). Use optimistic_adam_v2, which also takes schedules.

    >>> import warnings, funcgrad.numpy as fnp
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     opt = optimistic_adam(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    warnings.warn("optimistic_adam is deprecated, use optimistic_adam_v2",
                  DeprecationWarning, stacklevel=2)
    if callable(learning_rate):
        raise ValueError("optimistic_adam does not take a learning rate schedule; "
                         "optimistic_adam_v2 does")
    if optimism is None:
        optimism = learning_rate
    return chain(scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov),
                 scale_by_optimistic_gradient(learning_rate, optimism),
                 scale_by_learning_rate(1.0))


def optimistic_adam_v2(learning_rate: ScalarOrSchedule, *, alpha: ArrayLike = 1.0,
                       beta: ArrayLike = 1.0, b1: ArrayLike = 0.9, b2: ArrayLike = 0.999,
                       eps: ArrayLike = 1e-08, eps_root: ArrayLike = 0.0,
                       mu_dtype: DTypeLike = None, nesterov: bool = True) -> Optimizer:
    """Optimistic Adam: the optimistic gradient (alpha, beta) of (Nesterov) Adam's direction,
    scaled by the learning rate.

    >>> import funcgrad.numpy as fnp
    >>> opt = optimistic_adam_v2(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.14736842,  0.14736842], dtype=float64)
    """
    return chain(scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov),
                 scale_by_optimistic_gradient(alpha, beta),
                 scale_by_learning_rate(learning_rate))


def polyak_sgd(max_learning_rate: ArrayLike = 1.0, scaling: ScalarOrSchedule = 1.0,
               f_min: ArrayLike = 0.0, eps: ArrayLike = 0.0,
               variant: str = "sps") -> Optimizer:
    """SGD with Polyak's step size (Loizou et al. 2021): update(..., value=loss) steps by
    -scaling * min((loss - f_min) / |g|**2, max_learning_rate) * g.

    >>> import funcgrad.numpy as fnp
    >>> opt = polyak_sgd()
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)), value=fnp.asarray(1.0))[0]
    Array([-0.2,  0.4], dtype=float64)
    """
    return chain(sgd(learning_rate=scaling),
                 scale_by_polyak(max_learning_rate=max_learning_rate, f_min=f_min, eps=eps,
                                 variant=variant))


def rprop(learning_rate: ArrayLike, eta_minus: ArrayLike = 0.5, eta_plus: ArrayLike = 1.2,
          min_step_size: ArrayLike = 1e-6, max_step_size: ArrayLike = 50.0) -> Optimizer:
    """Rprop (Riedmiller and Braun 1993); see scale_by_rprop (as in optax, a step applies the
    previous step's sign update, so the first update is zero).

    >>> import funcgrad.numpy as fnp
    >>> opt = rprop(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0., -0.], dtype=float64)
    """
    return chain(scale_by_rprop(learning_rate, eta_minus, eta_plus, min_step_size,
                                max_step_size),
                 scale(-1.0))


def sm3(learning_rate: ArrayLike, momentum: ArrayLike = 0.9) -> Optimizer:
    """SM3 (Anil et al. 2019), memory-efficient Adagrad; see scale_by_sm3.

    >>> import funcgrad.numpy as fnp
    >>> opt = sm3(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.01,  0.01], dtype=float64)
    """
    return chain(scale_by_sm3(momentum), scale(-learning_rate))


def adafactor(learning_rate: ScalarOrSchedule | None = None, min_dim_size_to_factor: int = 128,
              decay_rate: ArrayLike = 0.8, decay_offset: ArrayLike = 0,
              multiply_by_parameter_scale: bool = True,
              clipping_threshold: ArrayLike | None = 1.0, momentum: ArrayLike | None = None,
              dtype_momentum: DTypeLike = "float32",
              weight_decay_rate: ScalarOrSchedule | None = None, eps: ArrayLike = 1e-30,
              factored: bool = True, weight_decay_mask: MaskOrFn = None) -> Optimizer:
    """Adafactor (Shazeer and Stern 2018): factored second moments, update clipping, and steps
    relative to the parameters' scale. Without a learning rate the relative step is 1.

    >>> import funcgrad.numpy as fnp
    >>> opt = adafactor(0.1)
    >>> p = fnp.array([3.0, 4.0])
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(p), p)[0]
    Array([-0.35355339,  0.35355339], dtype=float64)
    """
    steps = [scale_by_factored_rms(factored, decay_rate, decay_offset, min_dim_size_to_factor,
                                   eps)]
    if clipping_threshold is not None:
        steps.append(clip_by_block_rms(clipping_threshold))
    if learning_rate is not None:
        steps.append(scale_by_learning_rate(learning_rate, flip_sign=False))
    if multiply_by_parameter_scale:
        steps.append(scale_by_param_block_rms())
    if momentum is not None:
        steps.append(ema(momentum, debias=False, accumulator_dtype=dtype_momentum))
    if weight_decay_rate is not None:
        steps.append(add_decayed_weights(weight_decay_rate, weight_decay_mask))
    steps.append(scale(-1))  # descent: follow the negative gradient
    return chain(*steps)
