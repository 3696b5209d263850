"""Schedules: functions from the step count (a Python int or an int array, traced or not) to a
value, typically the learning rate. Pass one wherever a learning rate is expected.

Their arithmetic is branch-free (fnp.where, fnp.clip), so the count may be traced under jit.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .. import numpy as fnp
from ._base import Schedule


def constant_schedule(value: float) -> Schedule:
    """
    >>> constant_schedule(0.1)(100)
    0.1
    """
    return lambda count: value


def polynomial_schedule(init_value: float, end_value: float, power: float,
                        transition_steps: int, transition_begin: int = 0) -> Schedule:
    """From init_value to end_value as (1 - t/T)**power over `transition_steps` steps, starting
    after `transition_begin` steps. transition_steps <= 0 gives a constant init_value.

    >>> f = polynomial_schedule(1.0, 0.0, power=2, transition_steps=10)
    >>> [float(f(t)) for t in (0, 5, 10, 20)]
    [1.0, 0.25, 0.0, 0.0]
    """
    if transition_steps <= 0:
        return constant_schedule(init_value)
    transition_begin = max(transition_begin, 0)

    def schedule(count):
        count = fnp.clip(fnp.asarray(count) - transition_begin, 0, transition_steps)
        frac = 1 - count / transition_steps
        return (init_value - end_value) * frac ** power + end_value

    return schedule


def linear_schedule(init_value: float, end_value: float, transition_steps: int,
                    transition_begin: int = 0) -> Schedule:
    """Linear from init_value to end_value over `transition_steps` steps (torch's LinearLR
    times the base rate).

    >>> f = linear_schedule(1.0, 0.5, transition_steps=4)
    >>> [float(f(t)) for t in range(6)]
    [1.0, 0.875, 0.75, 0.625, 0.5, 0.5]
    """
    return polynomial_schedule(init_value, end_value, 1, transition_steps, transition_begin)


def piecewise_constant_schedule(init_value: float,
                                boundaries_and_scales: dict[int, float] | None = None
                                ) -> Schedule:
    """init_value times the product of the scales of every boundary b with count >= b.

    >>> f = piecewise_constant_schedule(1.0, {3: 0.5, 6: 0.1})
    >>> [round(float(f(t)), 3) for t in (0, 2, 3, 5, 6, 9)]
    [1.0, 1.0, 0.5, 0.5, 0.05, 0.05]
    """
    items = sorted((boundaries_and_scales or {}).items())
    if any(s < 0 for _, s in items):
        raise ValueError("piecewise_constant_schedule expects non-negative scale factors, got "
                         f"{dict(items)}")

    def schedule(count):
        v = init_value
        for boundary, s in items:
            v = fnp.where(fnp.asarray(count) < boundary, v, v * s)
        return v

    return schedule


def exponential_decay(init_value: float, transition_steps: int, decay_rate: float,
                      transition_begin: int = 0, staircase: bool = False,
                      end_value: float | None = None) -> Schedule:
    """init_value * decay_rate ** ((count - transition_begin) / transition_steps), the exponent
    floored when `staircase` (torch's StepLR; ExponentialLR is transition_steps=1). `end_value`
    bounds the decay (a floor when decay_rate < 1, a ceiling otherwise).

    >>> f = exponential_decay(1.0, transition_steps=2, decay_rate=0.5, staircase=True)
    >>> [float(f(t)) for t in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    if transition_steps <= 0 or decay_rate == 0:
        return constant_schedule(init_value)
    transition_begin = max(transition_begin, 0)

    def schedule(count):
        elapsed = fnp.asarray(count) - transition_begin
        p = elapsed / transition_steps
        if staircase:
            p = fnp.floor(p)
        value = fnp.where(elapsed <= 0, init_value, init_value * fnp.power(decay_rate, p))
        if end_value is not None:
            value = (fnp.maximum if decay_rate < 1 else fnp.minimum)(value, end_value)
        return value

    return schedule


def cosine_decay_schedule(init_value: float, decay_steps: int, alpha: float = 0.0,
                          exponent: float = 1.0) -> Schedule:
    """Half a cosine from init_value down to alpha * init_value over `decay_steps` steps, then
    constant (torch's CosineAnnealingLR with eta_min = alpha * init_value, up to T_max).

    >>> f = cosine_decay_schedule(1.0, decay_steps=4)
    >>> [round(float(f(t)), 4) for t in range(6)]
    [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """
    if not decay_steps > 0:
        raise ValueError(f"cosine_decay_schedule needs decay_steps > 0, got {decay_steps}")

    def schedule(count):
        count = fnp.minimum(fnp.asarray(count), decay_steps)
        cosine = 0.5 * (1 + fnp.cos(np.pi * count / decay_steps))
        return init_value * ((1 - alpha) * cosine ** exponent + alpha)

    return schedule


def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """schedules[0] until boundaries[0], then schedules[1] counted from that boundary, etc.

    >>> f = join_schedules([constant_schedule(1.0), linear_schedule(1.0, 0.0, 2)], [3])
    >>> [float(f(t)) for t in range(6)]
    [1.0, 1.0, 1.0, 1.0, 0.5, 0.0]
    """
    if len(schedules) != len(boundaries) + 1:
        raise ValueError(f"join_schedules needs one more schedule than boundaries, got "
                         f"{len(schedules)} schedules and {len(boundaries)} boundaries")

    def schedule(count):
        count = fnp.asarray(count)
        out = schedules[0](count)
        for boundary, s in zip(boundaries, schedules[1:]):
            out = fnp.where(count < boundary, out, s(count - boundary))
        return out

    return schedule


def warmup_constant_schedule(init_value: float, peak_value: float,
                             warmup_steps: int) -> Schedule:
    """Linear warmup from init_value to peak_value, then peak_value.

    >>> f = warmup_constant_schedule(0.0, 1.0, warmup_steps=2)
    >>> [float(f(t)) for t in range(4)]
    [0.0, 0.5, 1.0, 1.0]
    """
    return linear_schedule(init_value, peak_value, warmup_steps)


def warmup_cosine_decay_schedule(init_value: float, peak_value: float, warmup_steps: int,
                                 decay_steps: int, end_value: float = 0.0,
                                 exponent: float = 1.0) -> Schedule:
    """Linear warmup to peak_value over `warmup_steps`, then cosine decay to end_value; the
    whole schedule lasts `decay_steps` steps (warmup included).

    >>> f = warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=2, decay_steps=4)
    >>> [round(float(f(t)), 3) for t in range(6)]
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    alpha = 0.0 if peak_value == 0.0 else end_value / peak_value
    return join_schedules(
        [linear_schedule(init_value, peak_value, warmup_steps),
         cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent)],
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
    for kwargs in cosine_kwargs:
        schedules.append(warmup_cosine_decay_schedule(**kwargs))
        step += kwargs["decay_steps"]
        boundaries.append(step)
    return join_schedules(schedules, boundaries[:-1])


def _piecewise_interpolate(interpolate, init_value, boundaries_and_scales):
    """Interpolates between init_value and its running products with the scales, from count 0
    to the first boundary, from there to the next, and so on; constant after the last."""
    boundaries, scales = zip(*sorted(boundaries_and_scales.items()))
    bounds = np.array((0,) + boundaries, dtype=np.float64)
    values = np.cumprod((init_value,) + scales)
    sizes = np.maximum(bounds[1:] - bounds[:-1], 1)

    def schedule(count):
        count = fnp.asarray(count)
        out = values[-1]
        for k in reversed(range(len(boundaries))):
            pct = (count - bounds[k]) / sizes[k]
            out = fnp.where(count < bounds[k + 1], interpolate(values[k], values[k + 1], pct),
                            out)
        return out

    return schedule


def _linear(start, end, pct):
    return start + (end - start) * pct


def _cosine(start, end, pct):
    return end + (start - end) / 2 * (fnp.cos(np.pi * pct) + 1)


def linear_onecycle_schedule(transition_steps: int, peak_value: float, pct_start: float = 0.3,
                             pct_final: float = 0.85, div_factor: float = 25.0,
                             final_div_factor: float = 1e4) -> Schedule:
    """One cycle in three linear phases: peak_value / div_factor up to peak_value (until
    pct_start of the steps), back down (until pct_final), then to init / final_div_factor.

    >>> f = linear_onecycle_schedule(10, peak_value=1.0, pct_start=0.2, pct_final=0.6,
    ...                              div_factor=2.0, final_div_factor=10.0)
    >>> [round(float(f(t)), 3) for t in (0, 1, 2, 4, 6, 8, 10)]
    [0.5, 0.75, 1.0, 0.75, 0.5, 0.275, 0.05]
    """
    if transition_steps <= 0:
        raise ValueError(f"linear_onecycle_schedule needs transition_steps > 0, got "
                         f"{transition_steps}")
    return _piecewise_interpolate(_linear, peak_value / div_factor,
                                  {int(pct_start * transition_steps): div_factor,
                                   int(pct_final * transition_steps): 1.0 / div_factor,
                                   transition_steps: 1.0 / final_div_factor})


def cosine_onecycle_schedule(transition_steps: int, peak_value: float, pct_start: float = 0.3,
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
    if transition_steps <= 0:
        raise ValueError(f"cosine_onecycle_schedule needs transition_steps > 0, got "
                         f"{transition_steps}")
    return _piecewise_interpolate(_cosine, peak_value / div_factor,
                                  {int(pct_start * transition_steps): div_factor,
                                   int(transition_steps): 1.0 / (div_factor * final_div_factor)})
