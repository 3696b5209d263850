"""funcgrad.optim.contrib: the contributed optimizers of optax.contrib that users reach for,
with optax's names, signatures and state classes.

- `sam` (sharpness-aware minimization) with `normalize`;
- `schedule_free`, `schedule_free_sgd`, `schedule_free_adamw` and `schedule_free_eval_params`;
- `reduce_on_plateau` (its update takes the monitored `value=`);
- the learning-rate-free `dog`, `dowg`, `prodigy` and `cocob`.

docs/optimizers.md lists what of optax.contrib is left out.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> from funcgrad import optim
>>> from funcgrad.optim import contrib
>>> opt = optim.chain(optim.sgd(0.1), contrib.reduce_on_plateau(patience=2))
>>> loss = lambda w: fnp.sum(w ** 2)
>>> w = fnp.array([1.0])
>>> state = opt.init(w)
>>> for _ in range(3):
...     value, grad = fg.value_and_grad(loss)(w)
...     updates, state = opt.update(grad, state, w, value=value)
...     w = optim.apply_updates(w, updates)
>>> w
Array([0.512], dtype=float64)
"""
from ._parameter_free import (COCOBState, DoGState, DoWGState, ProdigyState, cocob, dog, dowg,
                              prodigy, scale_by_cocob, scale_by_dog, scale_by_dowg)
from ._reduce_on_plateau import ReduceLROnPlateauState, reduce_on_plateau
from ._sam import NormalizeState, SAMState, normalize, sam
from ._schedule_free import (ScheduleFreeState, schedule_free, schedule_free_adamw,
                             schedule_free_eval_params, schedule_free_sgd)

__all__ = [
    "sam", "SAMState", "normalize", "NormalizeState",
    "schedule_free", "schedule_free_sgd", "schedule_free_adamw", "schedule_free_eval_params",
    "ScheduleFreeState",
    "reduce_on_plateau", "ReduceLROnPlateauState",
    "dog", "DoGState", "dowg", "DoWGState", "scale_by_dog", "scale_by_dowg",
    "prodigy", "ProdigyState", "cocob", "COCOBState", "scale_by_cocob",
]
