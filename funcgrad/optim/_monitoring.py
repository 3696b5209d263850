"""Transformations that measure the updates as they pass (norms, their moving averages) and keep
the measurements in the state, leaving the updates unchanged."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from .._core.typing import ArrayLike, DTypeLike, PyTree
from ._accumulation import ema
from ._base import (GradientTransformation, GradientTransformationExtraArgs, OptState, Params,
                    Updates, chain, stateless, with_extra_args_support)


class SnapshotState(NamedTuple):
    """The state of `snapshot`: {name: the measure of the last updates}."""
    measurement: dict[str, Any]


def snapshot(measure_name: str, measure: Callable[[Updates], PyTree]) -> GradientTransformation:
    """Keep `measure(updates)` of the last updates in the state under measure_name (at init, the
    measure of the parameters); the updates pass unchanged.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> t = snapshot("norm", optim.global_norm)
    >>> _, state = t.update(fnp.array([3.0, 4.0]), t.init(fnp.zeros(2)))
    >>> state.measurement["norm"]
    Array(5., dtype=float64)
    """
    def init(params: Params) -> SnapshotState:
        return SnapshotState({measure_name: measure(params)})

    def update(updates, state, params=None):
        del params, state
        return updates, SnapshotState({measure_name: measure(updates)})

    return GradientTransformation(init, update)


def _as_transformation(measure: GradientTransformation | Callable[[Updates], PyTree]
                       ) -> GradientTransformation:
    if isinstance(measure, GradientTransformation):
        return measure
    return stateless(lambda updates, params: measure(updates))


class MonitorState(NamedTuple):
    """The state of `monitor`: the measurements by name, and each measure's own state."""
    measurements: dict[str, PyTree]
    measure_states: tuple[OptState, ...]


def monitor(measures: dict[str, GradientTransformation | Callable[[Updates], PyTree]]
            ) -> GradientTransformationExtraArgs:
    """Take several measurements of the updates at each step, by name: a function of the updates,
    or a transformation whose output updates are the measurement (measure_with_ema, say). The
    updates pass unchanged; the state holds the last measurements (none before the first step).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> t = monitor({"norm": optim.global_norm})
    >>> _, state = t.update(fnp.array([3.0, 4.0]), t.init(fnp.zeros(2)))
    >>> state.measurements
    {'norm': Array(5., dtype=float64)}
    """
    if not isinstance(measures, Mapping):
        raise TypeError(f"monitor: measures must be a dict of name -> measure, got "
                        f"{type(measures).__name__}")
    members = {name: with_extra_args_support(_as_transformation(measure))
               for name, measure in measures.items()}
    names = tuple(members)

    def init(params):
        return MonitorState({}, tuple(members[n].init(params) for n in names))

    def update(updates, state, params=None, **extra_args):
        measurements, states = {}, []
        for i, n in enumerate(names):
            measurements[n], s = members[n].update(updates, state.measure_states[i], params,
                                                   **extra_args)
            states.append(s)
        return updates, MonitorState(measurements, tuple(states))

    return GradientTransformationExtraArgs(init, update)


def measure_with_ema(measure: Callable[[Updates], PyTree], decay: ArrayLike,
                     debias: bool = True, accumulator_dtype: DTypeLike = None
                     ) -> GradientTransformationExtraArgs:
    """A transformation whose output is the exponential moving average of `measure(updates)`
    (for `monitor`): a smoothed gradient norm, say.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> t = measure_with_ema(optim.global_norm, decay=0.5)
    >>> t.update(fnp.array([3.0, 4.0]), t.init(fnp.zeros(2)))[0]
    Array(5., dtype=float64)
    """
    averaged = ema(decay, debias, accumulator_dtype)
    measured = averaged._replace(init=lambda params: averaged.init(measure(params)))
    return chain(stateless(lambda updates, _: measure(updates)), measured)
