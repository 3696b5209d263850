"""funcgrad.optim.transforms: optax.transforms' names, the building blocks optimizers are chained
from (clipping, accumulation, masking, conditions, monitoring...).

>>> import funcgrad.numpy as fnp
>>> from funcgrad.optim import transforms
>>> t = transforms.chain(transforms.clip_by_global_norm(1.0), transforms.trace(0.9))
>>> t.update({"w": fnp.array([3.0, 4.0])}, t.init({"w": fnp.zeros(2)}))[0]
{'w': Array([0.6, 0.8], dtype=float64)}
"""
from ._accumulation import (EmaState, MultiSteps, MultiStepsState, ShouldSkipUpdateFunction,
                            TraceState, ema, skip_large_updates, skip_not_finite, trace)
from ._adding import add_decayed_weights
from ._base import chain, named_chain
from ._clipping import (adaptive_grad_clip, clip, clip_by_block_rms, clip_by_global_norm,
                        per_example_global_norm_clip, per_example_layer_norm_clip,
                        unitwise_clip, unitwise_norm)
from ._constraining import (NonNegativeParamsState, ZeroNansState, keep_params_nonnegative,
                            zero_nans)
from ._monitoring import MonitorState, SnapshotState, measure_with_ema, monitor, snapshot
from ._wrappers import (ApplyIfFiniteState, ConditionallyMaskState, ConditionallyTransformState,
                        ConditionFn, MaskedNode, MaskedState, PartitionState, apply_if_finite,
                        conditionally_mask, conditionally_transform, flatten, freeze, masked,
                        partition, selective_transform)

from ._noise import AddNoiseState, add_noise

__all__ = [
    "add_noise", "AddNoiseState",
    "adaptive_grad_clip", "add_decayed_weights", "apply_if_finite", "ApplyIfFiniteState",
    "chain", "clip_by_block_rms", "clip_by_global_norm", "clip", "conditionally_mask",
    "ConditionallyMaskState", "conditionally_transform", "ConditionallyTransformState",
    "ConditionFn", "ema", "EmaState", "flatten", "freeze", "keep_params_nonnegative", "masked",
    "MaskedNode", "MaskedState", "measure_with_ema", "monitor", "MonitorState", "MultiSteps",
    "MultiStepsState", "named_chain", "NonNegativeParamsState", "partition", "PartitionState",
    "per_example_global_norm_clip", "per_example_layer_norm_clip", "selective_transform",
    "ShouldSkipUpdateFunction", "skip_large_updates", "skip_not_finite", "snapshot",
    "SnapshotState", "trace", "TraceState", "unitwise_clip", "unitwise_norm", "zero_nans",
    "ZeroNansState",
]
