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
# ---- the protocol: types, combinators, applying updates (optax's base) ----
from ._base import (EmptyState, GradientTransformation, GradientTransformationExtraArgs, Mask,
                    MaskOrFn, OptState, Params, ScalarOrSchedule, Schedule, ScheduleState,
                    StatefulSchedule, TransformInitFn, TransformUpdateExtraArgsFn,
                    TransformUpdateFn, Updates, apply_updates, chain, identity,
                    incremental_update, init_empty_state, named_chain, periodic_update,
                    set_to_zero, stateless, stateless_with_tree_map, tree_map_params,
                    with_extra_args_support)
# ---- optimizers (optax's alias) ----
from ._alias import (adabelief, adadelta, adafactor, adagrad, adam, adamax, adamaxw, adamw, adan,
                     amsgrad, fromage, lamb, lars, lion, nadam, nadamw, noisy_sgd, novograd,
                     optimistic_adam, optimistic_adam_v2, optimistic_gradient_descent,
                     polyak_sgd, radam, rmsprop, rprop, sgd, sign_sgd, signum, sm3, yogi)
from ._lbfgs import ScaleByLBFGSState, lbfgs, scale_by_lbfgs
from ._lookahead import LookaheadParams, LookaheadState, lookahead
# ---- scale_by_* transformations and their states ----
from ._adaptive import (ScaleByAdaDeltaState, ScaleByAdamState, ScaleByAdanState,
                        ScaleByAmsgradState, ScaleByBeliefState, ScaleByLionState,
                        ScaleByNovogradState, ScaleByRmsState, ScaleByRmsWithCountState,
                        ScaleByRssState, ScaleByRStdDevState, ScaleByRStdDevWithCountState,
                        scale_by_adadelta, scale_by_adam, scale_by_adamax, scale_by_adan,
                        scale_by_amsgrad, scale_by_belief, scale_by_lion, scale_by_novograd,
                        scale_by_radam, scale_by_rms, scale_by_rss, scale_by_stddev,
                        scale_by_yogi)
from ._factorized import FactoredState, ScaleBySM3State, scale_by_factored_rms, scale_by_sm3
from ._scale import (ScaleByRpropState, ScaleByScheduleState, ScaleByTrustRatioState,
                     ScaleState, normalize_by_update_norm, scale, scale_by_distance_over_gradients,
                     scale_by_learning_rate, scale_by_optimistic_gradient,
                     scale_by_param_block_norm, scale_by_param_block_rms, scale_by_polyak,
                     scale_by_rprop, scale_by_schedule, scale_by_sign, scale_by_trust_ratio)
# ---- line searches (L-BFGS's) ----
from ._linesearch import (BacktrackingLinesearchInfo, ScaleByBacktrackingLinesearchState,
                          ScaleByZoomLinesearchState, ZoomLinesearchInfo,
                          scale_by_backtracking_linesearch, scale_by_zoom_linesearch,
                          value_and_grad_from_state)
# ---- other transformations: accumulation, noise, decay, clipping, constraints ----
from ._accumulation import (ApplyEvery, EmaState, MultiSteps, MultiStepsState,
                            ShouldSkipUpdateFunction, TraceState, apply_every, ema,
                            skip_large_updates, skip_not_finite, trace)
from ._adding import AddDecayedWeightsState, WeightDecaySchedule, add_decayed_weights
from ._clipping import (AdaptiveGradClipState, ClipByGlobalNormState, ClipState,
                        adaptive_grad_clip, clip, clip_by_block_rms, clip_by_global_norm,
                        per_example_global_norm_clip, per_example_layer_norm_clip)
from ._constraining import (NonNegativeParamsState, ZeroNansState, centralize,
                            keep_params_nonnegative, zero_nans)
from ._monitoring import MonitorState, SnapshotState, measure_with_ema, monitor, snapshot
from ._noise import (AddNoiseState, MultiNormalDiagFromLogScale, add_noise, multi_normal,
                     scale_gradient)
# ---- wrappers: masking, partitioning, skipping, injected hyperparameters ----
from ._inject import (InjectHyperparamsState, InjectStatefulHyperparamsState, WrappedSchedule,
                      WrappedScheduleState, inject_hyperparams, inject_stateful_hyperparams)
from ._wrappers import (ApplyIfFiniteState, ConditionallyMaskState, ConditionallyTransformState,
                        ConditionFn, MaskedNode, MaskedState, MultiTransformState,
                        PartitionState, apply_if_finite, conditionally_mask,
                        conditionally_transform, flatten, freeze, masked, multi_transform,
                        partition, selective_transform)
# ---- schedules (the top-level aliases of optax.schedules) ----
from ._schedules import (constant_schedule, cosine_decay_schedule, cosine_onecycle_schedule,
                         exponential_decay, join_schedules, linear_onecycle_schedule,
                         linear_schedule, piecewise_constant_schedule,
                         piecewise_interpolate_schedule, polynomial_schedule, sgdr_schedule,
                         warmup_constant_schedule, warmup_cosine_decay_schedule,
                         warmup_exponential_decay_schedule)
# ---- numerics: moments, safe norms and counts, linear algebra ----
from ._linear_algebra import matrix_inverse_pth_root, power_iteration
from ._moments import (bias_correction, update_infinity_moment, update_moment,
                       update_moment_per_elem_norm)
from ._numerics import safe_increment, safe_int32_increment, safe_norm, safe_root_mean_squares
from ._tree_math import global_norm
# ---- namespaces (optax.losses, .schedules, .transforms, .tree, .tree_utils, .projections,
# .second_order; contrib last: it imports the optimizers above) ----
from . import losses, projections, schedules, second_order, transforms, tree, tree_utils
from .losses import (convex_kl_divergence, cosine_distance, cosine_similarity, ctc_loss,
                     ctc_loss_with_forward_probs, generalized_kl_divergence, hinge_loss,
                     huber_loss, kl_divergence, l2_loss, log_cosh, ntxent,
                     safe_softmax_cross_entropy, sigmoid_binary_cross_entropy,
                     sigmoid_focal_loss, smooth_labels, softmax_cross_entropy,
                     softmax_cross_entropy_with_integer_labels, squared_error)
from . import contrib

__all__ = [
    # namespaces
    "contrib", "losses", "projections", "schedules", "second_order", "transforms", "tree",
    "tree_utils",
    # the protocol: types, combinators, applying updates
    "GradientTransformation", "GradientTransformationExtraArgs", "EmptyState", "Params",
    "Updates", "OptState", "Schedule", "ScalarOrSchedule", "MaskOrFn", "TransformInitFn",
    "TransformUpdateFn", "TransformUpdateExtraArgsFn", "chain", "named_chain", "identity",
    "set_to_zero", "stateless", "stateless_with_tree_map", "with_extra_args_support",
    "init_empty_state", "apply_updates", "incremental_update", "periodic_update",
    "tree_map_params",
    # optimizers
    "adabelief", "adadelta", "adafactor", "adagrad", "adam", "adamax", "adamaxw", "adamw",
    "adan", "amsgrad", "fromage", "lamb", "lars", "lbfgs", "lion", "lookahead", "nadam",
    "nadamw", "noisy_sgd", "novograd", "optimistic_adam", "optimistic_adam_v2",
    "optimistic_gradient_descent", "polyak_sgd", "radam", "rmsprop", "rprop", "sgd",
    "sign_sgd", "signum", "sm3", "yogi",
    # scale_by_* transformations
    "scale", "scale_by_adadelta", "scale_by_adam", "scale_by_adamax", "scale_by_adan",
    "scale_by_amsgrad", "scale_by_belief", "scale_by_distance_over_gradients",
    "scale_by_factored_rms", "scale_by_lbfgs", "scale_by_learning_rate", "scale_by_lion",
    "scale_by_novograd", "scale_by_optimistic_gradient", "scale_by_param_block_norm",
    "scale_by_param_block_rms", "scale_by_polyak", "scale_by_radam", "scale_by_rms",
    "scale_by_rprop", "scale_by_rss", "scale_by_schedule", "scale_by_sign", "scale_by_sm3",
    "scale_by_stddev", "scale_by_trust_ratio", "scale_by_yogi", "normalize_by_update_norm",
    # line searches
    "scale_by_backtracking_linesearch", "scale_by_zoom_linesearch",
    "value_and_grad_from_state",
    # other transformations
    "add_decayed_weights", "add_noise", "adaptive_grad_clip", "apply_every", "centralize",
    "clip", "clip_by_block_rms", "clip_by_global_norm", "ema", "keep_params_nonnegative",
    "measure_with_ema", "monitor", "per_example_global_norm_clip",
    "per_example_layer_norm_clip", "scale_gradient", "snapshot", "trace", "zero_nans",
    # wrappers
    "ApplyEvery", "MultiSteps", "ShouldSkipUpdateFunction", "apply_if_finite",
    "conditionally_mask", "conditionally_transform", "flatten", "freeze", "inject_hyperparams",
    "inject_stateful_hyperparams", "masked", "multi_transform", "partition",
    "selective_transform", "skip_large_updates", "skip_not_finite", "MaskedNode",
    "WrappedSchedule",
    # schedules
    "constant_schedule", "cosine_decay_schedule", "cosine_onecycle_schedule",
    "exponential_decay", "join_schedules", "linear_onecycle_schedule", "linear_schedule",
    "piecewise_constant_schedule", "piecewise_interpolate_schedule", "polynomial_schedule",
    "sgdr_schedule", "warmup_constant_schedule", "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
    # losses (the top-level aliases optax keeps)
    "convex_kl_divergence", "cosine_distance", "cosine_similarity", "ctc_loss",
    "ctc_loss_with_forward_probs", "generalized_kl_divergence", "hinge_loss", "huber_loss",
    "kl_divergence", "l2_loss", "log_cosh", "ntxent", "safe_softmax_cross_entropy",
    "sigmoid_binary_cross_entropy", "sigmoid_focal_loss", "smooth_labels",
    "softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels", "squared_error",
    # numerics
    "bias_correction", "global_norm", "matrix_inverse_pth_root", "multi_normal",
    "power_iteration", "safe_increment", "safe_int32_increment", "safe_norm",
    "safe_root_mean_squares", "update_infinity_moment", "update_moment",
    "update_moment_per_elem_norm",
    # states
    "AddDecayedWeightsState", "AddNoiseState", "AdaptiveGradClipState", "ApplyIfFiniteState",
    "ClipByGlobalNormState", "ClipState", "ConditionallyMaskState",
    "ConditionallyTransformState", "EmaState", "FactoredState", "InjectHyperparamsState",
    "InjectStatefulHyperparamsState", "LookaheadParams", "LookaheadState", "MaskedState",
    "MonitorState", "MultiStepsState", "MultiTransformState", "NonNegativeParamsState",
    "PartitionState", "ScaleByAdaDeltaState", "ScaleByAdamState", "ScaleByAdanState",
    "ScaleByAmsgradState", "ScaleByBacktrackingLinesearchState", "ScaleByBeliefState",
    "ScaleByLBFGSState", "ScaleByLionState", "ScaleByNovogradState", "ScaleByRmsState",
    "ScaleByRpropState", "ScaleByRssState", "ScaleByRStdDevState", "ScaleByScheduleState",
    "ScaleBySM3State", "ScaleByTrustRatioState", "ScaleByZoomLinesearchState", "ScaleState",
    "SnapshotState", "TraceState", "ZeroNansState", "ZoomLinesearchInfo",
    # funcgrad's own: names optax keeps in its submodules only (or not at all), public here too
    "BacktrackingLinesearchInfo", "ConditionFn", "Mask", "MultiNormalDiagFromLogScale",
    "ScaleByRmsWithCountState", "ScaleByRStdDevWithCountState", "ScheduleState",
    "StatefulSchedule", "WeightDecaySchedule", "WrappedScheduleState",
]
