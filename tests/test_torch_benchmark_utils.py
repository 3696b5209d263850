"""torch.utils.benchmark: Measurement's report and Compare's tables printed as PyTorch prints
them for the same timings (PyTorch's own classes given the same raw times), and Timer measuring
for real (a statement of known duration)."""
from __future__ import annotations

import re
import time

import numpy as np
import pytest
from hypothesis import given, strategies as st

from funcgrad.torch.utils import benchmark as fb

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed: pip install "
                            "'funcgrad[oracle]'")
import torch.utils.benchmark as tb  # noqa: E402
from torch.utils.benchmark.utils.common import TaskSpec as TorchTaskSpec  # noqa: E402


def _pair(times, number=100, **spec):
    """The same measurement in both libraries."""
    spec = {"stmt": "x + 1", "setup": "pass", **spec}
    return (fb.Measurement(number, list(times), fb.TaskSpec(**spec)),
            tb.Measurement(number, list(times), TorchTaskSpec(**spec)))


def _report(m):
    return re.sub(r" object at 0x[0-9a-f]+>", ">", repr(m))


TIMES = {
    "one": [2.5e-4],
    "three": [2.5e-4, 2.6e-4, 2.4e-4],
    "steady": [1e-3 * (1 + 0.01 * k) for k in range(10)],
    "noisy": [1e-3, 1.5e-3, 0.9e-3, 2.2e-3, 1.1e-3],
    "very_noisy": [1e-5, 9e-5, 2e-5, 5e-5],
    "nanoseconds": [5e-6, 5.1e-6, 4.9e-6, 5e-6],
    "seconds": [250.0, 260.0, 240.0, 255.0],
}
SPECS = {
    "plain": {},
    "labels": dict(label="add", sub_label="ones(10)", description="plus"),
    "label_only": dict(label="add"),
    "sub_label_only": dict(sub_label="small"),
    "multiline": dict(stmt="y = x + 1\ny * 2", setup="x = 1\nz = 2"),
    "setup": dict(setup="x = torch.ones(3)"),
    "threads": dict(num_threads=4, env="numpy"),
}


@pytest.mark.parametrize("spec", sorted(SPECS))
@pytest.mark.parametrize("times", sorted(TIMES))
def test_measurement_report_as_torch(times, spec):
    ours, theirs = _pair(TIMES[times], **SPECS[spec])
    assert _report(ours) == _report(theirs)
    for field in ("median", "mean", "iqr", "significant_figures", "has_warnings", "title",
                  "as_row_name", "times", "env"):
        assert getattr(ours, field) == pytest.approx(getattr(theirs, field)), field


@given(st.lists(st.floats(1e-7, 1e-2), min_size=1, max_size=12), st.integers(1, 1000))
def test_measurement_statistics_as_torch(times, number):
    ours, theirs = _pair(times, number)
    assert _report(ours) == _report(theirs)
    assert ours.significant_figures == theirs.significant_figures


def _grid(L, rows=("small", "large"), cols=("plus", "times"), label="add", seed=0, env=None,
          threads=1, missing=()):
    rng = np.random.default_rng(seed)
    out = []
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            if (r, c) in missing:
                continue
            base = 10 ** rng.uniform(-6, -3)
            times = list(base * (1 + 0.02 * rng.standard_normal(6 if (i + j) % 2 else 3)))
            spec = dict(stmt=f"f_{c}(x)", setup="pass", label=label, sub_label=r, description=c,
                        env=env, num_threads=threads)
            Spec = fb.TaskSpec if L is fb else TorchTaskSpec
            out.append(L.Measurement(10, times, Spec(**spec)))
    return out


TABLES = {
    "grid": lambda L: _grid(L),
    "missing_cell": lambda L: _grid(L, missing={("small", "times")}),
    "three_columns": lambda L: _grid(L, cols=("a", "bb", "a_long_description")),
    "two_labels": lambda L: _grid(L) + _grid(L, label="mul", seed=1),
    "no_label": lambda L: _grid(L, label=None),
    "threads": lambda L: _grid(L) + _grid(L, threads=4, seed=2),
    "envs": lambda L: _grid(L, env="numpy") + _grid(L, env="blas", seed=3),
    "replicates": lambda L: _grid(L) + _grid(L, seed=4),
    "noisy": lambda L: [L.Measurement(1, [1e-4, 3e-4, 1e-4, 5e-4, 2e-4],
                                      (fb.TaskSpec if L is fb else TorchTaskSpec)(
                                          "f()", "pass", label="n", description="d"))]
                       + _grid(L, label="n", rows=("r",), cols=("d2",)),
}


@pytest.mark.parametrize("style", ["plain", "trim", "columnwise", "rowwise", "warnings", "all"])
@pytest.mark.parametrize("name", sorted(TABLES))
def test_compare_prints_as_torch(name, style):
    def render(L):
        c = L.Compare(TABLES[name](L))
        if style in ("trim", "all"):
            c.trim_significant_figures()
        if style in ("columnwise", "all"):
            c.colorize()
        if style == "rowwise":
            c.colorize(rowwise=True)
        if style in ("warnings", "all"):
            c.highlight_warnings()
        return str(c)
    assert render(fb) == render(tb)


def test_compare_refuses_other_objects_as_torch():
    for L in (fb, tb):
        with pytest.raises(ValueError, match="Expected an instance of `Measurement`"):
            L.Compare([1.0])


# ---- measuring for real -----------------------------------------------------------------------

def test_timeit_measures_a_known_duration():
    m = fb.Timer("time.sleep(0.002)", globals={"time": time}).timeit(5)
    assert m.number_per_run == 5 and len(m.raw_times) == 1
    assert 0.0019 <= m.median <= 0.05  # sleeps at least as asked; a loaded machine may add


def test_blocked_autorange_runs_for_min_run_time():
    calls = []
    m = fb.Timer("y = x * 2", setup="x = torch.ones(3)").blocked_autorange(
        callback=lambda n, t: calls.append((n, t)), min_run_time=0.05)
    assert sum(m.raw_times) >= 0.05 and len(calls) == len(m.raw_times)
    assert all(n == m.number_per_run for n, _ in calls) and m.number_per_run >= 10
    assert 1e-8 < m.median < 1e-3


def test_adaptive_autorange_stops_on_spread_or_time():
    m = fb.Timer("sum(range(50))").adaptive_autorange(threshold=0.5, max_run_time=1.0)
    assert len(m.raw_times) > 3 or sum(m.raw_times) > 1.0
    assert m.meets_confidence(0.5) or sum(m.raw_times) > 1.0


def test_timer_labels_and_threads_reach_the_measurement():
    m = fb.Timer("pass", label="L", sub_label="S", description="D", num_threads=2).timeit(10)
    assert (m.label, m.sub_label, m.description, m.num_threads) == ("L", "S", "D", 2)
    assert "2 threads" in repr(m)


def test_timer_refuses_what_torch_refuses():
    for L in (fb, tb):
        t = L.Timer("pass")
        with pytest.raises(NotImplementedError):
            t.repeat()
        with pytest.raises(NotImplementedError):
            t.autorange()
