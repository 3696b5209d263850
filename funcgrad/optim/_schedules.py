"""Schedules: functions from the step count (a Python int or an int array, traced or not) to a
value, typically the learning rate. Pass one wherever a learning rate is expected.

Their arithmetic is branch-free (fnp.where, fnp.clip), so the count may be traced under jit.

The dtype a schedule computes in is the one optax computes in, which follows JAX's promotion
rules: with JAX's x64 on (funcgrad's float64 default) and Python-number hyperparameters, a count
divided by a number of steps is float32 for an int32 count and float64 for a Python int (an int64),
while a count mixed with a Python float (cosine_decay_schedule, piecewise_constant_schedule) is
float64; a float count keeps its dtype. float32 hyperparameters (`np.float32(0.1)`, or float32
arrays) stand for JAX with x64 off: the schedule computes in float32, and gives optax's float32
values; a float64 one (`np.float64(0.1)`) computes in float64 throughout, whatever the count.
Integer arithmetic on the count (minus `transition_begin`, clipped) stays integer, as in optax.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .. import numpy as fnp
from .._core.array import Array
from ._base import Schedule

_log = logging.getLogger(__name__)

Scalar = Any
"""A hyperparameter: a Python number, a numpy scalar or a 0-d array (its float dtype, if it has
one, sets the dtype the schedule computes in)."""


def _is_float(dtype: Any) -> bool:
    return np.dtype(dtype).kind in "fc"


def _ratio_dtype(count: Array) -> np.dtype:
    """JAX's dtype for `count / n`: an integer count of at most 32 bits gives float32, a wider one
    float64; a float count keeps its dtype."""
    dt = np.dtype(count.dtype)
    if _is_float(dt):
        return dt
    return np.dtype(np.float32 if dt.itemsize <= 4 else np.float64)


def _mixed_dtype(count: Array) -> np.dtype:
    """JAX's (x64) dtype for an integer count combined with a Python float: float64."""
    return np.dtype(count.dtype) if _is_float(count.dtype) else np.dtype(np.float64)


def _compute_dtype(natural: np.dtype, count: Array, *hyperparameters: Any) -> np.dtype:
    """The dtype to compute the count's share of a schedule in: `natural` (from the count, as JAX
    with x64 on has it) when the hyperparameters are Python numbers (weakly typed); else the
    promotion of the hyperparameters' float dtypes and a float count's: float32 hyperparameters
    compute in float32, as JAX with x64 off does, and a float64 one in float64 throughout."""
    strong = [np.dtype(v.dtype) for v in hyperparameters
              if hasattr(v, "dtype") and _is_float(v.dtype)]
    if not strong:
        return natural
    if _is_float(count.dtype):
        strong.append(np.dtype(count.dtype))
    return np.result_type(*strong)


def _as_float(x: Array, dtype: np.dtype) -> Array:
    return x if np.dtype(x.dtype) == dtype else fnp.astype(x, dtype)


_WEAK = "_weak_for_integer_counts"


def _weak_for_integer_counts(schedule: Schedule) -> Schedule:
    """Marks a schedule whose value, for an integer count, JAX types weakly (an integer count
    meeting a Python float): joined with a strongly typed float32 value, it becomes float32."""
    setattr(schedule, _WEAK, True)
    return schedule


def _is_weak(schedule: Schedule, value: Any, integer_count: bool) -> bool:
    if isinstance(value, (int, float)):
        return True
    return integer_count and getattr(schedule, _WEAK, False)


def _cast_float(value: Any, like: Any) -> Any:
    dtype = np.dtype(fnp.asarray(like).dtype)
    if isinstance(value, (int, float)) or not _is_float(dtype):
        return value
    return _as_float(fnp.asarray(value), dtype)


def constant_schedule(value: Scalar) -> Schedule:
    """The same value at every step, returned as given.

    >>> constant_schedule(0.1)(100)
    0.1
    """
    def schedule(count):
        return value

    return _weak_for_integer_counts(schedule) if isinstance(value, (int, float)) else schedule


def polynomial_schedule(init_value: Scalar, end_value: Scalar, power: Scalar,
                        transition_steps: int, transition_begin: int = 0) -> Schedule:
    """From init_value to end_value as (init - end) * (1 - t/T)**power + end over
    `transition_steps` steps T, starting after `transition_begin` steps; end_value after.
    transition_steps <= 0 gives the constant init_value, a negative transition_begin counts as 0
    (both logged, as optax does).

    >>> f = polynomial_schedule(1.0, 0.0, power=2, transition_steps=10)
    >>> [float(f(t)) for t in (0, 5, 10, 20)]
    [1.0, 0.25, 0.0, 0.0]
    """
    if transition_steps <= 0:
        _log.info("polynomial_schedule: transition_steps=%s <= 0 gives the constant "
                  "init_value=%s", transition_steps, init_value)
        return constant_schedule(init_value)
    if transition_begin < 0:
        _log.info("polynomial_schedule: transition_begin=%s < 0 counts as 0", transition_begin)
        transition_begin = 0

    def schedule(count):
        count = fnp.asarray(count)
        dtype = _compute_dtype(_ratio_dtype(count), count, init_value, end_value, power)
        steps = _as_float(fnp.clip(count - transition_begin, 0, transition_steps), dtype)
        frac = 1 - steps / transition_steps
        return (init_value - end_value) * frac ** power + end_value

    return schedule


def linear_schedule(init_value: Scalar, end_value: Scalar, transition_steps: int,
                    transition_begin: int = 0) -> Schedule:
    """Linear from init_value to end_value over `transition_steps` steps (torch's LinearLR
    times the base rate): polynomial_schedule with power 1.

    >>> f = linear_schedule(1.0, 0.5, transition_steps=4)
    >>> [float(f(t)) for t in range(6)]
    [1.0, 0.875, 0.75, 0.625, 0.5, 0.5]
    """
    return polynomial_schedule(init_value, end_value, 1, transition_steps, transition_begin)


def _nonzero_factors(name: str, **factors: float) -> None:
    """The one-cycle schedules divide peak_value by these."""
    for k, v in factors.items():
        if v == 0:
            raise ValueError(f"{name}: {k} must be nonzero (the schedule divides by it)")


def _nonnegative_scales(name: str, boundaries_and_scales: dict[int, float] | None
                        ) -> list[tuple[int, float]]:
    if boundaries_and_scales is not None and not isinstance(boundaries_and_scales, Mapping):
        raise TypeError(f"{name}: boundaries_and_scales must be a dict of step -> scale, got "
                        f"{type(boundaries_and_scales).__name__}")
    items = sorted((boundaries_and_scales or {}).items())
    negative = {b: s for b, s in items if not s >= 0}
    if negative:
        raise ValueError(f"{name} expects non-negative scale factors in boundaries_and_scales; "
                         f"got {negative}. A scale multiplies the value from its boundary on: "
                         f"use 0 <= scale (e.g. 0.1 to divide by 10)")
    return items


def piecewise_constant_schedule(init_value: Scalar,
                                boundaries_and_scales: dict[int, float] | None = None
                                ) -> Schedule:
    """init_value times the product of the scales of every boundary b with count >= b.

    >>> f = piecewise_constant_schedule(1.0, {3: 0.5, 6: 0.1})
    >>> [round(float(f(t)), 3) for t in (0, 2, 3, 5, 6, 9)]
    [1.0, 1.0, 0.5, 0.5, 0.05, 0.05]
    """
    items = _nonnegative_scales("piecewise_constant_schedule", boundaries_and_scales)
    if not items:
        return constant_schedule(init_value)

    def schedule(count):
        count = fnp.asarray(count)
        value = init_value * fnp.ones((), _compute_dtype(_mixed_dtype(count), count, init_value))
        for boundary, s in items:
            value = fnp.where(count < boundary, value, value * s)
        return value

    return _weak_for_integer_counts(schedule)


def exponential_decay(init_value: Scalar, transition_steps: int, decay_rate: Scalar,
                      transition_begin: int = 0, staircase: bool = False,
                      end_value: Scalar | None = None) -> Schedule:
    """init_value * decay_rate ** ((count - transition_begin) / transition_steps), the exponent
    floored when `staircase` (torch's StepLR; ExponentialLR is transition_steps=1). `end_value`
    bounds the decay (a floor when decay_rate < 1, a ceiling otherwise). transition_steps <= 0
    or decay_rate == 0 give the constant init_value, a negative transition_begin counts as 0
    (all logged, as optax does).

    >>> f = exponential_decay(1.0, transition_steps=2, decay_rate=0.5, staircase=True)
    >>> [float(f(t)) for t in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    if transition_steps <= 0 or decay_rate == 0:
        _log.info("exponential_decay: transition_steps=%s, decay_rate=%s give the constant "
                  "init_value=%s", transition_steps, decay_rate, init_value)
        return constant_schedule(init_value)
    if transition_begin < 0:
        _log.info("exponential_decay: transition_begin=%s < 0 counts as 0", transition_begin)
        transition_begin = 0
    bound = fnp.maximum if decay_rate < 1.0 else fnp.minimum

    def schedule(count):
        count = fnp.asarray(count)
        dtype = _compute_dtype(_ratio_dtype(count), count, init_value, decay_rate, end_value)
        elapsed = count - transition_begin
        p = _as_float(elapsed, dtype) / transition_steps
        if staircase:
            p = fnp.floor(p)
        value = fnp.where(elapsed <= 0, init_value, init_value * fnp.power(decay_rate, p))
        return value if end_value is None else bound(value, end_value)

    return schedule


def cosine_decay_schedule(init_value: Scalar, decay_steps: int, alpha: Scalar = 0.0,
                          exponent: Scalar = 1.0) -> Schedule:
    """init_value * ((1 - alpha) * c**exponent + alpha) with c = (1 + cos(pi t/T)) / 2, t the count
    up to T = decay_steps, constant after: half a cosine from init_value down to
    alpha * init_value (torch's CosineAnnealingLR with eta_min = alpha * init_value).

    >>> f = cosine_decay_schedule(1.0, decay_steps=4)
    >>> [round(float(f(t)), 4) for t in range(6)]
    [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """
    if not decay_steps > 0:
        raise ValueError(f"cosine_decay_schedule needs a positive decay_steps, got "
                         f"decay_steps={decay_steps!r}: give the number of steps the decay lasts")

    def schedule(count):
        count = fnp.asarray(count)
        dtype = _compute_dtype(_mixed_dtype(count), count, init_value, alpha, exponent)
        t = fnp.minimum(_as_float(count, dtype), decay_steps)
        cosine = 0.5 * (1 + fnp.cos(np.pi * t / decay_steps))
        return init_value * ((1 - alpha) * cosine ** exponent + alpha)

    return _weak_for_integer_counts(schedule)


def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """schedules[0] until boundaries[0], then schedules[1] counted from that boundary, etc.

    >>> f = join_schedules([constant_schedule(1.0), linear_schedule(1.0, 0.0, 2)], [3])
    >>> [float(f(t)) for t in range(6)]
    [1.0, 1.0, 1.0, 1.0, 0.5, 0.0]
    """
    schedules, boundaries = list(schedules), list(boundaries)
    if len(schedules) != len(boundaries) + 1:
        raise ValueError(f"join_schedules needs one schedule more than boundaries (schedule i+1 "
                         f"starts at boundaries[i]); got {len(schedules)} schedules and "
                         f"{len(boundaries)} boundaries {boundaries}")

    def schedule(count):
        integer = not _is_float(fnp.asarray(count).dtype)
        out = schedules[0](count)
        out_weak = _is_weak(schedules[0], out, integer)
        for boundary, s in zip(boundaries, schedules[1:]):
            new = s(count - boundary)
            new_weak = _is_weak(s, new, integer)
            # JAX's where: a weakly typed side takes the other side's dtype
            if out_weak and not new_weak:
                out = _cast_float(out, new)
            elif new_weak and not out_weak:
                new = _cast_float(new, out)
            out = fnp.where(fnp.asarray(count) < boundary, out, new)
            out_weak = out_weak and new_weak
        return out

    if all(getattr(s, _WEAK, False) for s in schedules):
        _weak_for_integer_counts(schedule)
    return schedule


def warmup_constant_schedule(init_value: Scalar, peak_value: Scalar,
                             warmup_steps: int) -> Schedule:
    """Linear warmup from init_value to peak_value, then peak_value.

    >>> f = warmup_constant_schedule(0.0, 1.0, warmup_steps=2)
    >>> [float(f(t)) for t in range(4)]
    [0.0, 0.5, 1.0, 1.0]
    """
    return linear_schedule(init_value, peak_value, warmup_steps)


def warmup_cosine_decay_schedule(init_value: Scalar, peak_value: Scalar, warmup_steps: int,
                                 decay_steps: int, end_value: Scalar = 0.0,
                                 exponent: Scalar = 1.0) -> Schedule:
    """Linear warmup to peak_value over `warmup_steps`, then cosine decay to end_value; the
    whole schedule lasts `decay_steps` steps (warmup included).

    >>> f = warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=2, decay_steps=4)
    >>> [round(float(f(t)), 3) for t in range(6)]
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    if not decay_steps - warmup_steps > 0:
        raise ValueError(f"warmup_cosine_decay_schedule needs decay_steps > warmup_steps "
                         f"(decay_steps counts the warmup too), got decay_steps={decay_steps!r} "
                         f"and warmup_steps={warmup_steps!r}")
    alpha = 0.0 if peak_value == 0.0 else end_value / peak_value
    return join_schedules(
        [linear_schedule(init_value, peak_value, warmup_steps),
         cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent)],
        [warmup_steps])


def warmup_exponential_decay_schedule(init_value: Scalar, peak_value: Scalar,
                                      warmup_steps: int, transition_steps: int,
                                      decay_rate: Scalar, transition_begin: int = 0,
                                      staircase: bool = False,
                                      end_value: Scalar | None = None) -> Schedule:
    """Linear warmup to peak_value over `warmup_steps`, then exponential_decay from peak_value
    (its transition_begin counted from the end of the warmup).

    >>> f = warmup_exponential_decay_schedule(0.0, 1.0, warmup_steps=2, transition_steps=1,
    ...                                       decay_rate=0.5)
    >>> [float(f(t)) for t in range(5)]
    [0.0, 0.5, 1.0, 0.5, 0.25]
    """
    return join_schedules(
        [linear_schedule(init_value, peak_value, warmup_steps),
         exponential_decay(peak_value, transition_steps, decay_rate, transition_begin,
                           staircase, end_value)],
        [warmup_steps])


def sgdr_schedule(cosine_kwargs: Iterable[dict[str, Any]]) -> Schedule:
    """Warm restarts: one warmup_cosine_decay_schedule per dict of keyword arguments, each
    lasting its `decay_steps` (torch's CosineAnnealingWarmRestarts with warmup_steps=0).

    >>> cycle = dict(init_value=1.0, peak_value=1.0, warmup_steps=0, decay_steps=2)
    >>> f = sgdr_schedule([cycle, cycle])
    >>> [float(f(t)) for t in range(5)]
    [1.0, 0.5, 1.0, 0.5, 0.0]
    """
    schedules, boundaries, step = [], [], 0
    for i, kwargs in enumerate(cosine_kwargs):
        if "decay_steps" not in kwargs:
            raise TypeError(f"sgdr_schedule: cosine_kwargs[{i}] = {kwargs} has no "
                            f"'decay_steps', the length of that cycle")
        schedules.append(warmup_cosine_decay_schedule(**kwargs))
        step += kwargs["decay_steps"]
        boundaries.append(step)
    if not schedules:
        raise ValueError("sgdr_schedule needs at least one cycle in cosine_kwargs")
    return join_schedules(schedules, boundaries[:-1])


def _linear(start, end, pct):
    return (end - start) * pct + start


def _cosine(start, end, pct):
    return end + (start - end) / 2.0 * (fnp.cos(np.pi * pct) + 1)


_INTERPOLATIONS = {"linear": _linear, "cosine": _cosine}


def piecewise_interpolate_schedule(interpolate_type: str, init_value: Scalar,
                                   boundaries_and_scales: dict[int, float] | None = None
                                   ) -> Schedule:
    """Interpolates ('linear' or 'cosine') between init_value and its running products with the
    scales: from count 0 to the first boundary, from there to the next, and so on; constant after
    the last boundary.

    >>> f = piecewise_interpolate_schedule("linear", 1.0, {4: 0.1, 8: 0.01})
    >>> [round(float(f(t)), 6) for t in range(0, 11, 2)]
    [1.0, 0.55, 0.1, 0.0505, 0.001, 0.001]
    """
    if interpolate_type not in _INTERPOLATIONS:
        raise ValueError(f"piecewise_interpolate_schedule: interpolate_type must be 'linear' or "
                         f"'cosine', got {interpolate_type!r}")
    interpolate = _INTERPOLATIONS[interpolate_type]
    items = _nonnegative_scales("piecewise_interpolate_schedule", boundaries_and_scales)
    bounds = [0] + [b for b, _ in items]
    scales = [s for _, s in items]

    def schedule(count):
        count = fnp.asarray(count)
        # the values are float64 as with JAX's x64 on, unless float32 hyperparameters ask for
        # float32; the fractions of an interval take the count's ratio dtype
        dtype = _compute_dtype(np.dtype(np.float64), count, init_value, *scales)
        pct_dtype = _compute_dtype(_ratio_dtype(count), count, init_value, *scales)
        values = fnp.cumprod(fnp.stack([fnp.asarray(v, dtype) for v in [init_value] + scales]))
        out = fnp.where(bounds[-1] <= count, values[-1], fnp.zeros((), dtype))
        for k in range(len(items)):
            inside = (bounds[k] <= count) & (count < bounds[k + 1])
            pct = _as_float(count - bounds[k], pct_dtype) / max(bounds[k + 1] - bounds[k], 1)
            out = out + fnp.where(inside, interpolate(values[k], values[k + 1], pct), 0)
        return out

    return schedule


def _positive_steps(name: str, transition_steps: int) -> None:
    if transition_steps <= 0:
        raise ValueError(f"{name} needs a positive transition_steps (the length of the cycle), "
                         f"got transition_steps={transition_steps!r}")


def linear_onecycle_schedule(transition_steps: int, peak_value: Scalar, pct_start: float = 0.3,
                             pct_final: float = 0.85, div_factor: float = 25.0,
                             final_div_factor: float = 1e4) -> Schedule:
    """One cycle in three linear phases: peak_value / div_factor up to peak_value (until
    pct_start of the steps), back down (until pct_final), then to init / final_div_factor.

    >>> f = linear_onecycle_schedule(10, peak_value=1.0, pct_start=0.2, pct_final=0.6,
    ...                              div_factor=2.0, final_div_factor=10.0)
    >>> [round(float(f(t)), 3) for t in (0, 1, 2, 4, 6, 8, 10)]
    [0.5, 0.75, 1.0, 0.75, 0.5, 0.275, 0.05]
    """
    _positive_steps("linear_onecycle_schedule", transition_steps)
    _nonzero_factors("linear_onecycle_schedule", div_factor=div_factor,
                     final_div_factor=final_div_factor)
    return piecewise_interpolate_schedule(
        "linear", peak_value / div_factor,
        {int(pct_start * transition_steps): div_factor,
         int(pct_final * transition_steps): 1.0 / div_factor,
         transition_steps: 1.0 / final_div_factor})


def cosine_onecycle_schedule(transition_steps: int, peak_value: Scalar, pct_start: float = 0.3,
                             div_factor: float = 25.0,
                             final_div_factor: float = 1e4) -> Schedule:
    """One cycle of cosine annealing: from peak_value / div_factor up to peak_value over
    pct_start of the steps, then down to peak_value / (div_factor * final_div_factor)
    (torch's OneCycleLR, whose phases end one step earlier: see tests/test_optim_torch.py).

    >>> f = cosine_onecycle_schedule(10, peak_value=1.0, pct_start=0.2, div_factor=4.0,
    ...                              final_div_factor=100.0)
    >>> [round(float(f(t)), 4) for t in (0, 1, 2, 6, 10)]
    [0.25, 0.625, 1.0, 0.5012, 0.0025]
    """
    _positive_steps("cosine_onecycle_schedule", transition_steps)
    _nonzero_factors("cosine_onecycle_schedule", div_factor=div_factor,
                     final_div_factor=final_div_factor)
    return piecewise_interpolate_schedule(
        "cosine", peak_value / div_factor,
        {int(pct_start * transition_steps): div_factor,
         int(transition_steps): 1.0 / (div_factor * final_div_factor)})
