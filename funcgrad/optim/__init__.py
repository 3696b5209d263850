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
from ._accumulation import (ApplyEvery, EmaState, MultiSteps, MultiStepsState,
                            ShouldSkipUpdateFunction, TraceState, apply_every, ema,
                            skip_large_updates, skip_not_finite, trace)
from ._adaptive import (ScaleByAdaDeltaState, ScaleByAdamState, ScaleByAmsgradState,
                        ScaleByLionState, ScaleByRmsState, ScaleByRmsWithCountState,
                        ScaleByRssState, ScaleByRStdDevState, ScaleByRStdDevWithCountState,
                        scale_by_adadelta, scale_by_adam, scale_by_adamax, scale_by_amsgrad,
                        scale_by_lion, scale_by_radam, scale_by_rms, scale_by_rss,
                        scale_by_stddev)
from ._adding import AddDecayedWeightsState, WeightDecaySchedule, add_decayed_weights
from ._alias import (adadelta, adafactor, adagrad, adam, adamax, adamw, amsgrad, lamb, lars,
                     lion, nadam, radam, rmsprop, sgd)
from ._base import (EmptyState, GradientTransformation, GradientTransformationExtraArgs, Mask,
                    MaskOrFn, OptState, Params, ScalarOrSchedule, Schedule, ScheduleState,
                    StatefulSchedule, TransformInitFn, TransformUpdateExtraArgsFn,
                    TransformUpdateFn, Updates, apply_updates, chain, identity,
                    incremental_update, init_empty_state, named_chain, periodic_update,
                    set_to_zero, stateless, stateless_with_tree_map, tree_map_params,
                    with_extra_args_support)
from ._clipping import (AdaptiveGradClipState, ClipByGlobalNormState, ClipState,
                        adaptive_grad_clip, clip, clip_by_block_rms, clip_by_global_norm,
                        per_example_global_norm_clip, per_example_layer_norm_clip)
from ._constraining import (NonNegativeParamsState, ZeroNansState, centralize,
                            keep_params_nonnegative, zero_nans)
from ._factorized import FactoredState, scale_by_factored_rms
from ._scale import (ScaleByScheduleState, scale, scale_by_learning_rate,
                     scale_by_param_block_rms, scale_by_schedule, scale_by_trust_ratio)
from ._schedules import (constant_schedule, cosine_decay_schedule, cosine_onecycle_schedule,
                         exponential_decay, join_schedules, linear_onecycle_schedule,
                         linear_schedule, piecewise_constant_schedule,
                         piecewise_interpolate_schedule, polynomial_schedule, sgdr_schedule,
                         warmup_constant_schedule, warmup_cosine_decay_schedule,
                         warmup_exponential_decay_schedule)
from . import schedules
from ._lbfgs import ScaleByLBFGSState, lbfgs, scale_by_lbfgs
from ._linesearch import (BacktrackingLinesearchInfo, ScaleByBacktrackingLinesearchState,
                          ScaleByZoomLinesearchState, ZoomLinesearchInfo,
                          scale_by_backtracking_linesearch, scale_by_zoom_linesearch,
                          value_and_grad_from_state)
from . import losses
from .losses import (convex_kl_divergence, cosine_distance, cosine_similarity, ctc_loss,
                     ctc_loss_with_forward_probs, generalized_kl_divergence, hinge_loss,
                     huber_loss, kl_divergence, l2_loss, log_cosh, ntxent,
                     safe_softmax_cross_entropy, sigmoid_binary_cross_entropy,
                     sigmoid_focal_loss, smooth_labels, softmax_cross_entropy,
                     softmax_cross_entropy_with_integer_labels, squared_error)
from ._tree_math import global_norm
from ._inject import (InjectHyperparamsState, InjectStatefulHyperparamsState, WrappedSchedule,
                      WrappedScheduleState, inject_hyperparams, inject_stateful_hyperparams)
from ._monitoring import MonitorState, SnapshotState, measure_with_ema, monitor, snapshot
from ._wrappers import (ApplyIfFiniteState, ConditionallyMaskState, ConditionallyTransformState,
                        ConditionFn, MaskedNode, MaskedState, MultiTransformState,
                        PartitionState, apply_if_finite, conditionally_mask,
                        conditionally_transform, flatten, freeze, masked, multi_transform,
                        partition, selective_transform)
from . import transforms
# optax's optimizers, scale_by_* transforms and numerics (opt-alias)
from . import projections, second_order
from ._adaptive import (ScaleByAdanState, ScaleByBeliefState, ScaleByNovogradState,
                        scale_by_adan, scale_by_belief, scale_by_novograd, scale_by_yogi)
from ._alias import (adabelief, adamaxw, adan, fromage, nadamw, noisy_sgd, novograd,
                     optimistic_adam, optimistic_adam_v2, optimistic_gradient_descent,
                     polyak_sgd, rprop, sign_sgd, signum, sm3, yogi)
from ._factorized import ScaleBySM3State, scale_by_sm3
from ._linear_algebra import matrix_inverse_pth_root, power_iteration
from ._lookahead import LookaheadParams, LookaheadState, lookahead
from ._moments import (bias_correction, update_infinity_moment, update_moment,
                       update_moment_per_elem_norm)
from ._noise import (AddNoiseState, MultiNormalDiagFromLogScale, add_noise, multi_normal,
                     scale_gradient)
from ._numerics import safe_increment, safe_int32_increment, safe_norm, safe_root_mean_squares
from ._scale import (ScaleByRpropState, ScaleByTrustRatioState, ScaleState,
                     normalize_by_update_norm, scale_by_distance_over_gradients,
                     scale_by_optimistic_gradient, scale_by_param_block_norm, scale_by_polyak,
                     scale_by_rprop, scale_by_sign)
from . import tree, tree_utils  # optax.tree and optax.tree_utils
from . import contrib  # optax.contrib (imports the optimizers above)

__all__ = [
    # namespaces
    "tree", "tree_utils", "contrib",
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
    "sgdr_schedule", "join_schedules", "piecewise_interpolate_schedule",
    "warmup_exponential_decay_schedule", "schedules",
    # losses (the namespace, and the top-level aliases optax keeps)
    "losses", "convex_kl_divergence", "cosine_distance", "cosine_similarity", "ctc_loss",
    "ctc_loss_with_forward_probs", "generalized_kl_divergence", "hinge_loss", "huber_loss",
    "kl_divergence", "l2_loss", "log_cosh", "ntxent", "safe_softmax_cross_entropy",
    "sigmoid_binary_cross_entropy", "sigmoid_focal_loss", "smooth_labels",
    "softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels", "squared_error",
    # states
    "TraceState", "EmaState", "MultiStepsState", "ScaleByAdamState", "ScaleByAmsgradState",
    "ScaleByRmsState", "ScaleByRmsWithCountState", "ScaleByRStdDevState",
    "ScaleByRStdDevWithCountState", "ScaleByRssState", "ScaleByAdaDeltaState",
    "ScaleByLionState", "ScaleByScheduleState", "FactoredState", "MaskedState", "MaskedNode",
    "PartitionState", "ApplyIfFiniteState", "InjectHyperparamsState",
    # the protocol, wrappers and transforms of optax's base and transforms (opt-wrap)
    "MaskOrFn", "ScheduleState", "StatefulSchedule", "set_to_zero", "stateless",
    "stateless_with_tree_map", "incremental_update", "periodic_update", "tree_map_params",
    "ApplyEvery", "apply_every", "ShouldSkipUpdateFunction", "skip_large_updates",
    "WeightDecaySchedule", "adaptive_grad_clip", "per_example_global_norm_clip",
    "per_example_layer_norm_clip", "NonNegativeParamsState",
    "ZeroNansState", "centralize", "keep_params_nonnegative", "zero_nans",
    "InjectStatefulHyperparamsState", "WrappedSchedule", "WrappedScheduleState",
    "inject_stateful_hyperparams", "MonitorState", "SnapshotState", "measure_with_ema",
    "monitor", "snapshot", "ConditionallyMaskState", "ConditionallyTransformState",
    "ConditionFn", "MultiTransformState", "conditionally_mask", "conditionally_transform",
    "flatten", "freeze", "multi_transform", "selective_transform", "transforms",
    "AddDecayedWeightsState", "AdaptiveGradClipState", "ClipByGlobalNormState", "ClipState",
    # optimizers, transformations, states and numerics of optax's alias and transform (opt-alias)
    "adabelief", "adamaxw", "adan", "fromage", "nadamw", "noisy_sgd", "novograd",
    "optimistic_adam", "optimistic_adam_v2", "optimistic_gradient_descent", "polyak_sgd",
    "rprop", "sign_sgd", "signum", "sm3", "yogi", "lookahead", "LookaheadParams",
    "LookaheadState", "scale_by_adan", "scale_by_belief", "scale_by_novograd", "scale_by_yogi",
    "scale_by_sm3", "scale_by_rprop", "scale_by_sign", "scale_by_polyak",
    "scale_by_optimistic_gradient", "scale_by_param_block_norm",
    "scale_by_distance_over_gradients", "normalize_by_update_norm", "add_noise",
    "scale_gradient", "multi_normal", "MultiNormalDiagFromLogScale", "ScaleByAdanState",
    "ScaleByBeliefState", "ScaleByNovogradState", "ScaleBySM3State", "ScaleByRpropState",
    "ScaleByTrustRatioState", "ScaleState", "AddNoiseState", "bias_correction",
    "update_moment", "update_moment_per_elem_norm", "update_infinity_moment", "safe_norm",
    "safe_root_mean_squares", "safe_increment", "safe_int32_increment", "power_iteration",
    "matrix_inverse_pth_root", "projections", "second_order",
]
