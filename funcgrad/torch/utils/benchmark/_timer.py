"""Timer: runs a statement (after its setup) in timed blocks, as torch.utils.benchmark.Timer:
timeit(number), blocked_autorange (blocks sized so the clock's cost is negligible, repeated for
min_run_time) and adaptive_autorange (repeated until the spread is small)."""
from __future__ import annotations

import enum
import textwrap
import timeit as _timeit
from collections.abc import Callable
from typing import Any

import numpy as np

from .... import torch as _torch  # (partly initialized here: Timer reads it when called)
from ._measurement import Measurement, TaskSpec


class Language(enum.Enum):
    PYTHON = 0
    CPP = 1


class Timer:
    """Times `stmt` (a string of Python) after `setup`, with `globals` as its namespace (the
    torch module is there as `torch` unless given), reporting under label/sub_label/description.

    >>> t = Timer("x + 1", globals={"x": 1}, label="add")
    >>> m = t.timeit(100)
    >>> m.number_per_run, len(m.times), m.title
    (100, 1, 'add')
    """

    def __init__(self, stmt: str = "pass", setup: str = "pass", global_setup: str = "",
                 timer: Callable[[], float] = _timeit.default_timer,
                 globals: dict[str, Any] | None = None, label: str | None = None,  # noqa: A002
                 sub_label: str | None = None, description: str | None = None,
                 env: str | None = None, num_threads: int = 1,
                 language: Language | str = Language.PYTHON) -> None:
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")
        if language not in (Language.PYTHON, "py", "python"):
            raise ValueError("funcgrad.torch's Timer times Python statements only "
                             "(language=Language.PYTHON).")
        if global_setup:
            raise ValueError("global_setup is C++ only")
        namespace = dict(globals or {})
        namespace.setdefault("torch", _torch)
        stmt, setup = textwrap.dedent(stmt), textwrap.dedent(setup)
        self._timer = _timeit.Timer(stmt=stmt, setup=setup, timer=timer, globals=namespace)
        self._task_spec = TaskSpec(stmt=stmt, setup=setup, global_setup=global_setup,
                                   label=label, sub_label=sub_label, description=description,
                                   env=env, num_threads=num_threads)

    def _timeit(self, number: int) -> float:
        return max(self._timer.timeit(number), 1e-9)  # no statement takes under a nanosecond

    def timeit(self, number: int = 1000000) -> Measurement:
        """`stmt` run `number` times in one timed block (after a warmup of number/100 runs)."""
        self._timeit(max(number // 100, 2))
        return Measurement(number, [self._timeit(number)], self._task_spec)

    def repeat(self, repeat: int = -1, number: int = -1) -> None:
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback: Callable[[int, float], Any] | None = None) -> None:
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def _block_size(self, min_run_time: float) -> int:
        """Runs per block: grown tenfold until the clock's own cost is under 1e-4 of a block
        that takes at least min_run_time/1000 (or the block alone exceeds min_run_time)."""
        overhead = float(np.median([self._timeit(0) for _ in range(5)]))
        number = 1
        while True:
            took = self._timeit(number)
            if (overhead / took <= 1e-4 and took >= min_run_time / 1000) or took > min_run_time \
                    or number * 10 > 2147483647:
                return number
            number *= 10

    def _blocks(self, number, done, min_run_time, max_run_time, callback):
        total, times = 0.0, []
        while True:
            took = self._timeit(number)
            times.append(took)
            total += took
            if callback:
                callback(number, took)
            stop = done(times)
            if (total >= min_run_time and stop) or (max_run_time and total > max_run_time):
                return times

    def blocked_autorange(self, callback: Callable[[int, float], Any] | None = None,
                          min_run_time: float = 0.2) -> Measurement:
        """Blocks of a size the clock's overhead cannot bias, repeated for `min_run_time`
        seconds; `callback(number, seconds)` after each."""
        number = self._block_size(min_run_time)
        times = self._blocks(number, lambda t: True, min_run_time, None, callback)
        return Measurement(number, times, self._task_spec)

    def adaptive_autorange(self, threshold: float = 0.1, *, min_run_time: float = 0.01,
                           max_run_time: float = 10.0,
                           callback: Callable[[int, float], Any] | None = None) -> Measurement:
        """Blocks repeated until there are more than 3, `min_run_time` has passed and
        IQR/median is under `threshold` — or `max_run_time` has passed."""
        number = self._block_size(0.05)

        def done(times):
            return len(times) > 3 and Measurement(number, list(times), self._task_spec) \
                .meets_confidence(threshold)
        times = self._blocks(number, done, min_run_time, max_run_time, callback)
        return Measurement(number, times, self._task_spec)
