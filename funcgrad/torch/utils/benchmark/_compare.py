"""Compare: Measurements as PyTorch's tables, one per label: a row per (threads, env, sub_label
or stmt), a column per description, the medians in one unit, optionally trimmed to their
significant figures, colored against the best of their column or row, and flagged for spread."""
from __future__ import annotations

import collections
import enum
import math
from typing import Any

from ._measurement import Measurement, ordered_unique, select_unit, trim_sigfig, unit_to_english

BEST, GOOD, BAD, VERY_BAD = "\033[92m", "\033[34m", "\033[2m\033[91m", "\033[31m"
BOLD, TERMINATE = "\033[1m", "\033[0m"


class Colorize(enum.Enum):
    NONE = "none"
    COLUMNWISE = "columnwise"
    ROWWISE = "rowwise"


def _color(text, value, best):
    """text marked as PyTorch marks a time against the best one it is compared with."""
    if value <= best * 1.01 or value <= best + 100e-9:
        return BEST + BOLD + text + TERMINATE * 2
    if value <= best * 1.1:
        return GOOD + BOLD + text + TERMINATE * 2
    if value >= best * 5:
        return VERY_BAD + BOLD + text + TERMINATE * 2
    if value >= best * 2:
        return BAD + text + TERMINATE * 2
    return text


class _Format:
    """How one column writes its numbers: width and decimals shared by all of its cells."""

    def __init__(self, results: list[Measurement | None], scale: float, trim: bool,
                 highlight: bool) -> None:
        present = [r for r in results if r is not None]
        self.trim, self.scale = trim, scale
        self.highlight = highlight and any(r.has_warnings for r in present)
        leading = [math.ceil(math.log10(r.median / scale)) for r in present]
        decimals = min(max(r.significant_figures - d, 0) for r, d in zip(present, leading)) \
            if trim else 1
        width = max(leading) + decimals + (1 if decimals else 0)
        self.number = f"{{:>{width}.{decimals}f}}"
        self.flag = f"{{:>{7 if self.highlight else 0}}}"

    def cell(self, m: Measurement | None) -> str:
        if m is None:
            return " " * len(self._write(1.0, 1, None))
        return self._write(m.median / self.scale, m.significant_figures,
                           m.iqr / m.median if m.has_warnings else None)

    def _write(self, value, figures, spread):
        if self.trim:
            value = trim_sigfig(value, figures)
        flag = f" (! {spread * 100:.0f}%)" if self.highlight and spread is not None else ""
        return self.number.format(value) + self.flag.format(flag)


def _table(results: list[Measurement], colorize: Colorize, trim: bool, highlight: bool) -> str:
    unit, scale = select_unit(min(r.median for r in results))

    def row_key(m):
        return m.num_threads, m.env, m.as_row_name
    rows = ordered_unique(row_key(r) for r in results)
    rows.sort(key=lambda k: k[:2])  # stable: statements keep their order within a group
    columns = ordered_unique(r.description for r in results)
    grid: list[list[Measurement | None]] = [[None] * len(columns) for _ in rows]
    for r in results:
        grid[rows.index(row_key(r))][columns.index(r.description)] = r
    envs = {r.env for r in results}
    show_env = len(envs) > 1
    env_width = max(len(e) for e in envs) if show_env else 0

    group_of, groups = [], 0  # rows of equal thread counts form a group
    for k, key in enumerate(rows):
        groups += k == 0 or key[0] != rows[k - 1][0]
        group_of.append(groups - 1)
    formats = [_Format([grid[i][j] for i in range(len(rows))], scale, trim, highlight)
               for j in range(len(columns))]

    text_rows = [[""] + [c or "" for c in columns]]
    for i, (threads, env, name) in enumerate(rows):
        first_of_env = i == 0 or group_of[i] != group_of[i - 1] or rows[i - 1][1] != env
        shown_env = f"({env})" if show_env and first_of_env else ""
        text_rows.append(["  " + shown_env.ljust(env_width + 4) + name]
                         + [formats[j].cell(grid[i][j]) for j in range(len(columns))])
    widths = [max(len(r[j]) for r in text_rows) for j in range(len(text_rows[0]))]
    lines = ["  |  ".join(c.center(w) for c, w in zip(text_rows[0], widths))]
    total = len(lines[0])
    for i, cells in enumerate(text_rows[1:]):
        if i == 0 or group_of[i] != group_of[i - 1]:
            lines.append(f"{rows[i][0]} threads: ".ljust(total, "-"))
        out = [cells[0].ljust(widths[0])]
        for j, (c, w) in enumerate(zip(cells[1:], widths[1:])):
            c, m = c.center(w), grid[i][j]
            if colorize is not Colorize.NONE and m is not None:
                same = grid[i] if colorize is Colorize.ROWWISE else \
                    [grid[k][j] for k in range(len(rows)) if group_of[k] == group_of[i]]
                c = _color(c, m.median, min(r.median for r in same if r is not None))
            out.append(c)
        lines.append("  |  ".join(out))
    label = results[0].label
    flagged = highlight and any(r.has_warnings for r in results)
    return (f"[{(' ' + (label or '') + ' ').center(total - 2, '-')}]\n" + "\n".join(lines)
            + f"\n\nTimes are in {unit_to_english(unit)}s ({unit}).\n"
            + ("(! XX%) Measurement has high variance, where XX is the IQR / median * 100.\n"
               if flagged else ""))


class Compare:
    """Measurements printed as tables, one per label (replicates of a statement merged).

    >>> from funcgrad.torch.utils.benchmark import Measurement, TaskSpec
    >>> ms = [Measurement(1, [t * 1e-6 for t in (5.0, 5.1, 4.9, 5.0)],
    ...                   TaskSpec("x + 1", "pass", label="add", sub_label=s, description=d))
    ...       for s in ("small", "large") for d in ("plus", "times")]
    >>> print(Compare(ms))
    [----------- add ------------]
                 |  plus  |  times
    1 threads: -------------------
          small  |  5.0   |   5.0 
          large  |  5.0   |   5.0 
    <BLANKLINE>
    Times are in microseconds (us).
    <BLANKLINE>
    """

    def __init__(self, results: list[Measurement]) -> None:
        self._results: list[Measurement] = []
        self.extend_results(results)
        self._trim = False
        self._colorize = Colorize.NONE
        self._highlight = False

    def extend_results(self, results: list[Any]) -> None:
        for r in results:
            if not isinstance(r, Measurement):
                raise ValueError(f"Expected an instance of `Measurement`, got {type(r)} instead.")
        self._results.extend(results)

    def trim_significant_figures(self) -> None:
        self._trim = True

    def colorize(self, rowwise: bool = False) -> None:
        self._colorize = Colorize.ROWWISE if rowwise else Colorize.COLUMNWISE

    def highlight_warnings(self) -> None:
        self._highlight = True

    def __str__(self) -> str:
        by_label: dict[Any, list[Measurement]] = collections.defaultdict(list)
        for r in Measurement.merge(self._results):
            by_label[r.label].append(r)
        return "\n".join(_table(rs, self._colorize, self._trim, self._highlight)
                         for rs in by_label.values())

    def print(self) -> None:
        print(str(self))
