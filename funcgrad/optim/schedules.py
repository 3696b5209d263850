"""funcgrad.optim.schedules: optax's `schedules` namespace, functions of the step count that give
a hyperparameter's value (typically the learning rate), and the wrapper that feeds them to an
optimizer's state (inject_hyperparams).

>>> from funcgrad.optim import schedules
>>> f = schedules.linear_schedule(1.0, 0.0, transition_steps=4)
>>> float(f(1))
0.75
"""
from ._base import Schedule, StatefulSchedule
from ._inject import (InjectHyperparamsState, InjectStatefulHyperparamsState, WrappedSchedule,
                      inject_hyperparams, inject_stateful_hyperparams)
from ._schedules import (constant_schedule, cosine_decay_schedule, cosine_onecycle_schedule,
                         exponential_decay, join_schedules, linear_onecycle_schedule,
                         linear_schedule, piecewise_constant_schedule,
                         piecewise_interpolate_schedule, polynomial_schedule, sgdr_schedule,
                         warmup_constant_schedule, warmup_cosine_decay_schedule,
                         warmup_exponential_decay_schedule)

__all__ = ["Schedule", "StatefulSchedule", "InjectHyperparamsState",
           "InjectStatefulHyperparamsState", "WrappedSchedule", "inject_hyperparams",
           "inject_stateful_hyperparams", "constant_schedule",
           "cosine_decay_schedule", "cosine_onecycle_schedule", "exponential_decay",
           "join_schedules", "linear_onecycle_schedule", "linear_schedule",
           "piecewise_constant_schedule", "piecewise_interpolate_schedule",
           "polynomial_schedule", "sgdr_schedule", "warmup_constant_schedule",
           "warmup_cosine_decay_schedule", "warmup_exponential_decay_schedule"]
