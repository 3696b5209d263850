"""Optimizers, each a chain of the transformations it is made of, with optax's names,
hyperparameters and defaults. Every example shows the first update for the gradient [1, -2]."""
from __future__ import annotations

from ._accumulation import ema, trace
from ._adaptive import (scale_by_adadelta, scale_by_adam, scale_by_adamax, scale_by_amsgrad,
                        scale_by_lion, scale_by_radam, scale_by_rms, scale_by_rss,
                        scale_by_stddev)
from ._adding import add_decayed_weights
from .._core.typing import DTypeLike
from ._base import GradientTransformation, Mask, ScalarOrSchedule, chain, identity
from ._clipping import clip_by_block_rms
from ._factorized import scale_by_factored_rms
from ._scale import (scale, scale_by_learning_rate, scale_by_param_block_rms,
                     scale_by_trust_ratio)
from ._wrappers import masked


def sgd(learning_rate: ScalarOrSchedule, momentum: float | None = None, nesterov: bool = False,
        accumulator_dtype: DTypeLike = None) -> GradientTransformation:
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


def adam(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
         eps_root: float = 0.0, *, nesterov: bool = False) -> GradientTransformation:
    """Adam (Kingma and Ba 2014), as torch.optim.Adam; see scale_by_adam.

    >>> import funcgrad.numpy as fnp
    >>> opt = adam(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    return chain(scale_by_adam(b1, b2, eps, eps_root, nesterov=nesterov),
                 scale_by_learning_rate(learning_rate))


def adamw(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999,
          eps: float = 1e-8, eps_root: float = 0.0, weight_decay: float = 1e-4,
          mask: Mask | None = None, *, nesterov: bool = False) -> GradientTransformation:
    """Adam with decoupled weight decay (Loshchilov and Hutter 2019): the decay is added after
    Adam's rescaling, then both are scaled by the learning rate, as in torch.optim.AdamW.
    `mask` limits the decay to some parameters (see add_decayed_weights).

    >>> import funcgrad.numpy as fnp
    >>> opt = adamw(0.1, weight_decay=0.5)
    >>> p = fnp.array([1.0, 1.0])
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(p), p)[0]
    Array([-0.15,  0.05], dtype=float64)
    """
    return chain(scale_by_adam(b1, b2, eps, eps_root, nesterov=nesterov),
                 add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate))


def nadam(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999,
          eps: float = 1e-8, eps_root: float = 0.0) -> GradientTransformation:
    """Adam with Nesterov momentum (Dozat 2016), in optax's formulation; torch.optim.NAdam
    matches it when its momentum_decay is so large that its mu_t is b1 throughout.

    >>> import funcgrad.numpy as fnp
    >>> opt = nadam(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.14736842,  0.14736842], dtype=float64)
    """
    return adam(learning_rate, b1, b2, eps, eps_root, nesterov=True)


def radam(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999,
          eps: float = 1e-8, eps_root: float = 0.0, threshold: float = 5.0, *,
          nesterov: bool = False) -> GradientTransformation:
    """Rectified Adam (Liu et al. 2020); see scale_by_radam.

    >>> import funcgrad.numpy as fnp
    >>> opt = radam(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.2], dtype=float64)
    """
    return chain(scale_by_radam(b1, b2, eps, eps_root, threshold, nesterov=nesterov),
                 scale_by_learning_rate(learning_rate))


def adamax(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999,
           eps: float = 1e-8) -> GradientTransformation:
    """Adamax, Adam with the infinity norm, as torch.optim.Adamax; see scale_by_adamax.

    >>> import funcgrad.numpy as fnp
    >>> opt = adamax(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    return chain(scale_by_adamax(b1, b2, eps), scale_by_learning_rate(learning_rate))


def amsgrad(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999,
            eps: float = 1e-8, eps_root: float = 0.0) -> GradientTransformation:
    """AMSGrad (Reddi et al. 2018); see scale_by_amsgrad. (torch's Adam(amsgrad=True) keeps the
    maximum of the raw second moment instead of the bias-corrected one.)

    >>> import funcgrad.numpy as fnp
    >>> opt = amsgrad(0.1)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    return chain(scale_by_amsgrad(b1, b2, eps, eps_root), scale_by_learning_rate(learning_rate))


def rmsprop(learning_rate: ScalarOrSchedule, decay: float = 0.9, eps: float = 1e-8,
            initial_scale: float = 0.0, eps_in_sqrt: bool = True, centered: bool = False,
            momentum: float | None = None, nesterov: bool = False,
            bias_correction: bool = False) -> GradientTransformation:
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


def adagrad(learning_rate: ScalarOrSchedule, initial_accumulator_value: float = 0.1,
            eps: float = 1e-7) -> GradientTransformation:
    """Adagrad (Duchi et al. 2011); see scale_by_rss. torch.optim.Adagrad adds its eps outside
    the square root: with eps=0 here and initial_accumulator_value=0 both agree up to torch's eps.

    >>> import funcgrad.numpy as fnp
    >>> opt = adagrad(0.1, initial_accumulator_value=0.0, eps=0.0)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)))[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    return chain(scale_by_rss(initial_accumulator_value, eps),
                 scale_by_learning_rate(learning_rate))


def adadelta(learning_rate: ScalarOrSchedule | None = None, rho: float = 0.9,
             eps: float = 1e-6, weight_decay: float = 0.0,
             weight_decay_mask: Mask | None = None) -> GradientTransformation:
    """Adadelta (Zeiler 2012), as torch.optim.Adadelta; see scale_by_adadelta. Without a
    learning rate the step is Adadelta's own (a rate of 1, torch's default).

    >>> import funcgrad.numpy as fnp
    >>> opt = adadelta()
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(fnp.zeros(2)), fnp.zeros(2))[0]
    Array([-0.00316226,  0.00316227], dtype=float64)
    """
    return chain(add_decayed_weights(weight_decay, weight_decay_mask),
                 scale_by_adadelta(rho, eps),
                 scale_by_learning_rate(1.0 if learning_rate is None else learning_rate))


def lamb(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-6,
         eps_root: float = 0.0, weight_decay: float = 0.0,
         mask: Mask | None = None) -> GradientTransformation:
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


def lars(learning_rate: ScalarOrSchedule, weight_decay: float = 0.0,
         weight_decay_mask: Mask = True, trust_coefficient: float = 0.001, eps: float = 0.0,
         trust_ratio_mask: Mask = True, momentum: float = 0.9,
         nesterov: bool = False) -> GradientTransformation:
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


def lion(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.99,
         weight_decay: float = 1e-3, mask: Mask | None = None) -> GradientTransformation:
    """Lion (Chen et al. 2023): the sign of an interpolated momentum, plus decoupled weight
    decay; it wants a learning rate 3-10x smaller than AdamW's.

    >>> import funcgrad.numpy as fnp
    >>> opt = lion(0.1)
    >>> p = fnp.zeros(2)
    >>> opt.update(fnp.array([1.0, -2.0]), opt.init(p), p)[0]
    Array([-0.1,  0.1], dtype=float64)
    """
    return chain(scale_by_lion(b1, b2),
                 add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate))


def adafactor(learning_rate: ScalarOrSchedule | None = None, min_dim_size_to_factor: int = 128,
              decay_rate: float = 0.8, decay_offset: int = 0,
              multiply_by_parameter_scale: bool = True,
              clipping_threshold: float | None = 1.0, momentum: float | None = None,
              dtype_momentum: DTypeLike = None, weight_decay_rate: float | None = None,
              eps: float = 1e-30, factored: bool = True,
              weight_decay_mask: Mask | None = None) -> GradientTransformation:
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
