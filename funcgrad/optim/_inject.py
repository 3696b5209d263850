"""inject_hyperparams: an optimizer's numeric hyperparameters moved into its state, where they can
be read, scheduled, or changed between steps without rebuilding (or retracing) the optimizer."""
from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np

from .. import numpy as fnp
from .. import tree
from .._core.typing import ArrayLike, ArrayMethods, DTypeLike, PyTree
from ._base import (GradientTransformation, GradientTransformationExtraArgs, OptState, Params,
                    Schedule, ScheduleState, StatefulSchedule, StepCount,
                    check_scalar_hyperparameter, with_extra_args_support)
from ._numerics import default_int
from ._tree_math import safe_increment, zero_count


class InjectHyperparamsState(NamedTuple):
    """optax's older state of inject_hyperparams (it now returns InjectStatefulHyperparamsState):
    the step count, the hyperparameters by name, the inner optimizer's state."""
    count: StepCount
    hyperparams: dict[str, Any]
    inner_state: OptState


class InjectStatefulHyperparamsState(NamedTuple):
    """The state of `inject_hyperparams`: the step count, the current hyperparameters by name
    (0-d arrays: read them, or replace them between steps), the states of their schedules, and
    the inner optimizer's state."""
    count: StepCount
    hyperparams: dict[str, Any]
    hyperparams_states: dict[str, ScheduleState]
    inner_state: OptState


class WrappedScheduleState(NamedTuple):
    """The state of a WrappedSchedule: the step count its schedule is evaluated at."""
    count: StepCount


class WrappedSchedule:
    """A plain schedule (a function of the step count) as a StatefulSchedule whose state is the
    count: how `inject_hyperparams` stores a schedule given for a hyperparameter.

    >>> s = WrappedSchedule(lambda count: 0.5 ** count)
    >>> state = s.update(s.init())
    >>> s(state)
    Array(0.5, dtype=float64)
    """

    def __init__(self, schedule_fn: Schedule) -> None:
        self.schedule_fn = schedule_fn

    def init(self) -> WrappedScheduleState:
        """A zero count."""
        return WrappedScheduleState(zero_count())

    def update(self, state: WrappedScheduleState, **extra_args: Any) -> WrappedScheduleState:
        """The count incremented; extra arguments are ignored."""
        del extra_args
        return WrappedScheduleState(safe_increment(state.count))

    def __call__(self, state: WrappedScheduleState, **extra_args: Any) -> ArrayLike:
        """The schedule at the state's count."""
        del extra_args
        return self.schedule_fn(state.count)


def _highest_dtype(params: PyTree) -> np.dtype:
    """The dtype hyperparameters take by default: the widest float dtype among the parameters
    (or their common dtype when none is a float; funcgrad's default float for no leaves).
    optax takes optax.tree.dtype(params, "highest") along JAX's promotion lattice, where an
    integer meets any float; `tree.dtype` follows numpy's promotion, which refuses float32 beside
    int64, so the float leaves are picked here first."""
    dtypes = [np.dtype(x.dtype) if hasattr(x, "dtype") else np.asarray(x).dtype
              for x in tree.tree_leaves(params)]
    floats = [d for d in dtypes if d.kind in "fc"]
    if floats:
        return max(floats, key=lambda d: (d.kind == "c", d.itemsize))
    return np.result_type(*dtypes) if dtypes else np.dtype(np.float64)


def _convert_floats(x: Any, dtype: np.dtype) -> Any:
    # As optax: a Python or numpy float takes `dtype`; integers and the rest stay as they are.
    # optax keeps a JAX array's dtype unless it is weakly typed (a float computed from the
    # count and Python numbers: float32 without x64, taking `dtype`). funcgrad computes those
    # in float64, with no weak type kept on arrays: a float array wider than `dtype` is
    # narrowed to it, a narrower one (a float32 schedule in a float64 model) kept.
    if isinstance(x, ArrayMethods):
        x_dtype = np.dtype(getattr(x, "dtype"))  # an Array or a Tracer
        if x_dtype.kind == "f" and dtype.kind == "f" and x_dtype.itemsize > dtype.itemsize:
            return x.astype(dtype)
        return x
    kind = np.dtype(x.dtype).kind if hasattr(x, "dtype") else np.asarray(x).dtype.kind
    if kind == "f" and not isinstance(x, bool):
        return fnp.asarray(x, dtype)
    if isinstance(x, int) and not isinstance(x, bool):  # JAX's int: 64-bit with float64 only
        return fnp.asarray(x, default_int(dtype))
    return x


def _is_numeric(value: Any) -> bool:
    return isinstance(value, (int, float, np.ndarray, ArrayMethods)) and not isinstance(value,
                                                                                        bool)


def inject_hyperparams(inner_factory: Callable[..., GradientTransformation],
                       static_args: str | Iterable[str] = (),
                       hyperparam_dtype: DTypeLike = None
                       ) -> Callable[..., GradientTransformationExtraArgs]:
    """Wrap an optimizer factory so that its numeric hyperparameters live in the state as arrays:
    readable, and changeable between steps without retracing a jitted update. A schedule given
    for a hyperparameter (a function of the step count, or a StatefulSchedule) is evaluated at
    each step and its value stored. Booleans, the names in `static_args` and non-numeric values
    stay Python values. Floats take `hyperparam_dtype`, by default the parameters' widest float
    dtype (so a float32 model stays float32); a float array wider than that is narrowed to it,
    a narrower one kept (as optax treats JAX's weakly and strongly typed values).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = inject_hyperparams(optim.sgd)(learning_rate=0.1)
    >>> state = opt.init(fnp.zeros(1))
    >>> state.hyperparams["learning_rate"]
    Array(0.1, dtype=float64)
    >>> state.hyperparams["learning_rate"] = fnp.asarray(0.5)
    >>> opt.update(fnp.array([1.0]), state)[0]
    Array([-0.5], dtype=float64)
    """
    static_args = {static_args} if isinstance(static_args, str) else set(static_args)
    signature = inspect.signature(inner_factory)
    if not static_args.issubset(signature.parameters):
        raise ValueError(
            "`static_args` must specify a subset of `inner_factory`'s parameters. Given "
            f"`static_args`: {sorted(static_args)}. `inner_factory` parameters: "
            f"{sorted(signature.parameters)}")
    who = f"inject_hyperparams({getattr(inner_factory, '__name__', 'inner_factory')})"

    @functools.wraps(inner_factory)
    def wrapped(*args: Any, **kwargs: Any) -> GradientTransformationExtraArgs:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        schedules: dict[str, Any] = {}
        numeric: dict[str, Any] = {}
        other: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            if name in static_args or isinstance(value, bool):
                other[name] = value
            elif isinstance(value, StatefulSchedule):
                schedules[name] = value
            elif callable(value):
                schedules[name] = WrappedSchedule(value)
            elif _is_numeric(value):
                numeric[name] = value
            else:
                other[name] = value

        def scheduled(name, state, dtype, extra_args):
            value = schedules[name](state, **extra_args)
            return _convert_floats(check_scalar_hyperparameter(value, who, name), dtype)

        def init(params):
            dtype = np.dtype(hyperparam_dtype or _highest_dtype(params))
            hparams = {k: fnp.asarray(_convert_floats(v, dtype)) for k, v in numeric.items()}
            sched_states = {k: f.init() for k, f in schedules.items()}
            hparams.update({k: scheduled(k, sched_states[k], dtype, {}) for k in schedules})
            return InjectStatefulHyperparamsState(
                zero_count(), hparams, sched_states,
                inner_factory(**other, **hparams).init(params))

        def update(updates, state, params=None, **extra_args):
            # without the parameters, the updates' dtype (optax: JAX's default float dtype)
            dtype = np.dtype(hyperparam_dtype or _highest_dtype(
                updates if params is None else params))
            hparams = {k: _convert_floats(v, dtype) for k, v in state.hyperparams.items()}
            hparams.update({k: scheduled(k, state.hyperparams_states[k], dtype, extra_args)
                            for k in schedules})
            sched_states = {k: f.update(state.hyperparams_states[k], **extra_args)
                            for k, f in schedules.items()}
            inner = with_extra_args_support(inner_factory(**other, **hparams))
            updates, inner_state = inner.update(updates, state.inner_state, params, **extra_args)
            return updates, InjectStatefulHyperparamsState(
                safe_increment(state.count), hparams, sched_states, inner_state)

        return GradientTransformationExtraArgs(init, update)

    return wrapped


def inject_stateful_hyperparams(inner_factory: Callable[..., GradientTransformation],
                                static_args: str | Iterable[str] = (),
                                hyperparam_dtype: DTypeLike = None
                                ) -> Callable[..., GradientTransformationExtraArgs]:
    """Deprecated as in optax (a DeprecationWarning): `inject_hyperparams` takes stateful
    schedules itself.

    >>> import warnings
    >>> from funcgrad import optim
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     opt = inject_stateful_hyperparams(optim.sgd)(learning_rate=0.1)
    >>> sorted(opt.init(None).hyperparams)
    ['learning_rate']
    """
    warnings.warn("inject_stateful_hyperparams is deprecated, use inject_hyperparams instead",
                  DeprecationWarning, stacklevel=2)
    return inject_hyperparams(inner_factory, static_args, hyperparam_dtype)
