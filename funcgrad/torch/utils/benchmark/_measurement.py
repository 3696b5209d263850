"""What a Timer measured (Measurement, with the statement's TaskSpec), and the unit and
significant-figure helpers its printing and Compare's share."""
from __future__ import annotations

import collections
import dataclasses
import math
import textwrap
from collections.abc import Iterable
from typing import Any

import numpy as np

_MAX_SIGNIFICANT_FIGURES = 4
_MIN_CONFIDENCE_INTERVAL = 25e-9  # seconds: no measurement is trusted below 25 ns
_IQR_WARN_THRESHOLD = 0.1
_IQR_GROSS_WARN_THRESHOLD = 0.25
_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """The statement a Timer runs and the labels it reports under (all but its globals)."""
    stmt: str
    setup: str
    global_setup: str = ""
    label: str | None = None
    sub_label: str | None = None
    description: str | None = None
    env: str | None = None
    num_threads: int = 1

    @property
    def title(self) -> str:
        """The label (or the statement) and the sub-label, as the first line of a report."""
        sub = self.sub_label
        if self.label is not None:
            return self.label + (f": {sub}" if sub else "")
        if "\n" not in self.stmt:
            return self.stmt + (f": {sub}" if sub else "")
        return f"stmt:{f' ({sub})' if sub else ''}\n{textwrap.indent(self.stmt, '  ')}"

    def setup_str(self) -> str:
        if not self.setup or self.setup == "pass":
            return ""
        if "\n" in self.setup:
            return f"setup:\n{textwrap.indent(self.setup, '  ')}"
        return f"setup: {self.setup}"

    def summarize(self) -> str:
        """The title, description and setup lines of a Measurement's report."""
        parts = [p for p in (self.title, self.description or "", self.setup_str()) if p]
        return "\n".join(p + "\n" if "\n" in p else p for p in parts)


_TASK_FIELDS = tuple(f.name for f in dataclasses.fields(TaskSpec))


def select_unit(t: float) -> tuple[str, float]:
    """The unit (ns, us, ms, s) that shows t seconds with 1 to 3 leading digits, and its scale.

    >>> select_unit(3.2e-6)
    ('us', 1e-06)
    """
    unit = {-3: "ns", -2: "us", -1: "ms"}.get(math.floor(math.log10(t)) // 3 if t > 0 else -4,
                                              "s")
    return unit, _UNITS[unit]


def unit_to_english(u: str) -> str:
    """>>> unit_to_english("us")
    'microsecond'
    """
    return {"ns": "nanosecond", "us": "microsecond", "ms": "millisecond", "s": "second"}[u]


def trim_sigfig(x: float, n: int) -> float:
    """x rounded to n significant figures.

    >>> round(trim_sigfig(3.14159, 2), 6)  # computed in float32, as PyTorch's
    3.1
    """
    if n != int(n):
        raise AssertionError("Number of significant figures must be an integer")
    scale = 10.0 ** (math.ceil(math.log10(abs(x))) - n)
    return float(np.round(np.float32(x / scale)) * scale)


def ordered_unique(elements: Iterable[Any]) -> list[Any]:
    """>>> ordered_unique([3, 1, 3, 2])
    [3, 1, 2]
    """
    return list(dict.fromkeys(elements))


@dataclasses.dataclass(repr=False)
class Measurement:
    """One or more timings of a statement: `raw_times` are seconds for `number_per_run` runs
    each. `times` are per run; median, mean, iqr and significant_figures summarize them; its
    repr is PyTorch's report. The TaskSpec's fields (label, stmt, ...) read through.

    >>> m = Measurement(100, [2e-4, 3e-4, 2.5e-4, 2.2e-4], TaskSpec("x + 1", "pass"))
    >>> round(m.median * 1e6, 6)
    2.35
    """
    number_per_run: int
    raw_times: list[float]
    task_spec: TaskSpec
    metadata: dict[Any, Any] | None = None

    def __post_init__(self) -> None:
        self._sorted: tuple[float, ...] = ()
        self._warnings: tuple[str, ...] = ()
        self._median = self._mean = self._p25 = self._p75 = -1.0

    def __getattr__(self, name: str) -> Any:
        if name in _TASK_FIELDS:
            return getattr(self.task_spec, name)
        raise AttributeError(f"'Measurement' object has no attribute '{name}'")

    @property
    def times(self) -> list[float]:
        return [t / self.number_per_run for t in self.raw_times]

    def _summarize(self) -> None:
        if not self.raw_times or self._sorted:
            return
        self._sorted = tuple(sorted(self.times))
        s = np.array(self._sorted, dtype=np.float64)
        self._median, self._mean = float(np.quantile(s, 0.5)), float(s.mean())
        self._p25, self._p75 = float(np.quantile(s, 0.25)), float(np.quantile(s, 0.75))
        for threshold, why in ((_IQR_GROSS_WARN_THRESHOLD,
                                "This suggests significant environmental influence."),
                               (_IQR_WARN_THRESHOLD, "This could indicate system fluctuation.")):
            if not self.meets_confidence(threshold):
                self._warnings += (f"  WARNING: Interquartile range is "
                                   f"{self.iqr / self.median * 100:.1f}% of the median "
                                   f"measurement.\n           {why}",)
                break

    @property
    def median(self) -> float:
        self._summarize()
        return self._median

    @property
    def mean(self) -> float:
        self._summarize()
        return self._mean

    @property
    def iqr(self) -> float:
        self._summarize()
        return self._p75 - self._p25

    @property
    def significant_figures(self) -> int:
        """How many figures of the median the spread of the middle half of the times supports
        (a 90% interval of their mean, at least 25 ns), between 1 and 4."""
        self._summarize()
        n = len(self._sorted)
        # in float32, as PyTorch computes it, so the figures agree at the boundaries
        middle = np.array(self._sorted[n // 4:math.ceil(np.float32(3 * n / 4))], np.float32)
        interval = max(1.645 * float(middle.std()) / float(np.sqrt(np.float32(len(middle)))),
                       _MIN_CONFIDENCE_INTERVAL)
        figures = math.floor(math.log10(self._median / interval))
        return min(max(figures, 1), _MAX_SIGNIFICANT_FIGURES)

    @property
    def has_warnings(self) -> bool:
        self._summarize()
        return bool(self._warnings)

    def meets_confidence(self, threshold: float = _IQR_WARN_THRESHOLD) -> bool:
        return self.iqr / self.median < threshold

    @property
    def title(self) -> str:
        return self.task_spec.title

    @property
    def env(self) -> str | None:
        """The TaskSpec's env (None where not given; PyTorch's reads through the same way)."""
        return self.task_spec.env

    @property
    def as_row_name(self) -> str:
        return self.sub_label or self.stmt or "[Unknown]"

    def __repr__(self) -> str:
        self._summarize()
        n = len(self._sorted)
        unit, scale = select_unit(self._median)
        threads = self.num_threads
        lines = [object.__repr__(self).replace(
                     f"{type(self).__module__}.", "torch.utils.benchmark.utils.common."),
                 self.task_spec.summarize(),
                 f"  {'Median: ' if n > 1 else ''}{self._median / scale:.2f} {unit}"]
        if n >= 4:
            lines.append(f"  IQR:    {self.iqr / scale:.2f} {unit} ({self._p25 / scale:.2f} to "
                         f"{self._p75 / scale:.2f})")
        lines.append(f"  {n} measurement{'s' if n > 1 else ''}, {self.number_per_run} runs "
                     f"{'per measurement,' if n > 1 else ','} {threads} "
                     f"thread{'s' if threads > 1 else ''}")
        lines.extend(self._warnings)
        return "\n".join("\n".join(lines).strip().splitlines())

    @staticmethod
    def merge(measurements: Iterable[Measurement]) -> list[Measurement]:
        """Replicates of the same TaskSpec as one Measurement of per-run times (no metadata)."""
        groups: dict[TaskSpec, list[float]] = collections.defaultdict(list)
        for m in measurements:
            groups[m.task_spec].extend(m.times)
        return [Measurement(1, times, spec) for spec, times in groups.items()]
