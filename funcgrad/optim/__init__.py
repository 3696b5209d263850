"""funcgrad.optim: functional optimizers over pytrees, in optax's shape.

An optimizer is a GradientTransformation, a pair of pure functions: `init(params) -> state` and
`update(grads, state, params) -> (updates, state)`; `apply_updates(params, updates)` takes the
step. States are NamedTuples of arrays, so a whole training step can be jitted or vmapped.
Optimizers are chains of small transformations (`chain`), which compose into new ones.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> from funcgrad import optim
>>> loss = lambda p: fnp.sum((p["w"] - 3.0) ** 2)
>>> opt = optim.adam(0.1)
>>> params = {"w": fnp.zeros(2)}
>>> state = opt.init(params)
>>> @fg.jit
... def step(params, state):
...     updates, state = opt.update(fg.grad(loss)(params), state, params)
...     return optim.apply_updates(params, updates), state
>>> for _ in range(200):
...     params, state = step(params, state)
>>> fnp.round(params["w"], 3)
Array([3., 3.], dtype=float64)
"""
from ._accumulation import (EmaState, MultiSteps, MultiStepsState, TraceState, ema,
                            skip_not_finite, trace)
from ._adaptive import (ScaleByAdaDeltaState, ScaleByAdamState, ScaleByAmsgradState,
                        ScaleByLionState, ScaleByRmsState, ScaleByRmsWithCountState,
                        ScaleByRssState, ScaleByRStdDevState, ScaleByRStdDevWithCountState,
                        scale_by_adadelta, scale_by_adam, scale_by_adamax, scale_by_amsgrad,
                        scale_by_lion, scale_by_radam, scale_by_rms, scale_by_rss,
                        scale_by_stddev)
from ._adding import add_decayed_weights
from ._alias import (adadelta, adafactor, adagrad, adam, adamax, adamw, amsgrad, lamb, lars,
                     lion, nadam, radam, rmsprop, sgd)
from ._base import (EmptyState, GradientTransformation, GradientTransformationExtraArgs, Mask,
                    OptState, Params, ScalarOrSchedule, Schedule, TransformInitFn,
                    TransformUpdateExtraArgsFn, TransformUpdateFn, Updates, apply_updates, chain,
                    identity, init_empty_state, named_chain, with_extra_args_support)
from ._clipping import clip, clip_by_block_rms, clip_by_global_norm
from ._factorized import FactoredState, scale_by_factored_rms
from ._scale import (ScaleByScheduleState, scale, scale_by_learning_rate,
                     scale_by_param_block_rms, scale_by_schedule, scale_by_trust_ratio)
from ._schedules import (constant_schedule, cosine_decay_schedule, cosine_onecycle_schedule,
                         exponential_decay, join_schedules, linear_onecycle_schedule,
                         linear_schedule, piecewise_constant_schedule, polynomial_schedule,
                         sgdr_schedule, warmup_constant_schedule, warmup_cosine_decay_schedule)
from ._lbfgs import ScaleByLBFGSState, lbfgs, scale_by_lbfgs
from ._linesearch import (BacktrackingLinesearchInfo, ScaleByBacktrackingLinesearchState,
                          ScaleByZoomLinesearchState, ZoomLinesearchInfo,
                          scale_by_backtracking_linesearch, scale_by_zoom_linesearch,
                          value_and_grad_from_state)
from ._tree_math import global_norm
from ._wrappers import (ApplyIfFiniteState, InjectHyperparamsState, MaskedNode, MaskedState,
                        PartitionState, apply_if_finite, inject_hyperparams, masked, partition)

__all__ = [
    # the protocol and combinators
    "GradientTransformation", "EmptyState", "chain", "identity", "apply_updates", "global_norm",
    "GradientTransformationExtraArgs", "named_chain", "with_extra_args_support",
    "init_empty_state", "Params", "Updates", "OptState", "TransformInitFn", "TransformUpdateFn",
    "TransformUpdateExtraArgsFn",
    # the types of hyperparameters
    "Schedule", "ScalarOrSchedule", "Mask",
    # optimizers
    "sgd", "adam", "adamw", "adamax", "nadam", "radam", "amsgrad", "rmsprop", "adagrad",
    "adadelta", "lamb", "lars", "lion", "adafactor",
    # transformations
    "scale", "scale_by_learning_rate", "scale_by_schedule", "scale_by_adam", "scale_by_adamax",
    "scale_by_amsgrad", "scale_by_radam", "scale_by_rms", "scale_by_stddev", "scale_by_rss",
    "scale_by_adadelta", "scale_by_lion", "scale_by_trust_ratio", "scale_by_param_block_rms",
    "scale_by_factored_rms", "trace", "ema", "add_decayed_weights", "clip",
    "clip_by_global_norm", "clip_by_block_rms",
    # L-BFGS and line searches
    "lbfgs", "scale_by_lbfgs", "scale_by_backtracking_linesearch", "scale_by_zoom_linesearch",
    "value_and_grad_from_state", "ScaleByLBFGSState", "ScaleByBacktrackingLinesearchState",
    "BacktrackingLinesearchInfo", "ScaleByZoomLinesearchState", "ZoomLinesearchInfo",
    # wrappers
    "masked", "partition", "inject_hyperparams", "MultiSteps", "apply_if_finite",
    "skip_not_finite",
    # schedules
    "constant_schedule", "linear_schedule", "polynomial_schedule", "exponential_decay",
    "cosine_decay_schedule", "warmup_cosine_decay_schedule", "warmup_constant_schedule",
    "piecewise_constant_schedule", "linear_onecycle_schedule", "cosine_onecycle_schedule",
    "sgdr_schedule", "join_schedules",
    # states
    "TraceState", "EmaState", "MultiStepsState", "ScaleByAdamState", "ScaleByAmsgradState",
    "ScaleByRmsState", "ScaleByRmsWithCountState", "ScaleByRStdDevState",
    "ScaleByRStdDevWithCountState", "ScaleByRssState", "ScaleByAdaDeltaState",
    "ScaleByLionState", "ScaleByScheduleState", "FactoredState", "MaskedState", "MaskedNode",
    "PartitionState", "ApplyIfFiniteState", "InjectHyperparamsState",
]
