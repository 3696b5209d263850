"""The benchmarks' correctness checks, in smoke mode, so that they cannot rot.

`python -m benchmarks` checks every variant against its floor before it times anything; these
tests run those checks (and, for the scaling sweep, a few timed points at tiny sizes) for the
workloads of issue 23: the eager grad and cached jit(grad) budgets, the jitted Hessian, and
every study of `benchmarks/scaling.py`. The JSON they produce is fed through the Markdown table,
the docs generator and (with matplotlib) the charts. JAX and PyTorch reference rows run where
those libraries are installed (JAX under `jax.enable_x64`, so no global flag leaks into other
tests)."""
import contextlib
import json
import math

import numpy as np
import pytest

from benchmarks import (
    docs,
    eager_grad,
    harness,
    jacobian,
    jit,
    memory_worker,
    scaling,
    table,
)

SETTINGS = {"repeats": 1, "min_time": 1e-4}


def _optional(name):
    try:
        return __import__(name)
    except ImportError:
        return None


JAX, TORCH = _optional("jax"), _optional("torch")


@contextlib.contextmanager
def _ctx(frameworks):
    """A harness Context with the reference libraries `frameworks` names (where installed)."""
    jax = JAX if "jax" in frameworks else None
    torch = TORCH if "torch" in frameworks else None
    with (jax.enable_x64(True) if jax is not None else contextlib.nullcontext()):
        yield harness.Context(quick=True, torch=torch, jax=jax)


FRAMEWORKS = [(), ("jax", "torch")]


@pytest.mark.parametrize("frameworks", FRAMEWORKS, ids=["funcgrad", "with-references"])
def test_eager_grad_and_cached_jit_grad_rows_check_and_time(frameworks):
    with _ctx(frameworks) as ctx:
        rows = []
        for name, variants in (("eager_grad", eager_grad.build(ctx)),
                               ("jit (cached grad call)", jit._grad_call_variants(ctx))):
            harness.check_variants(name, variants)
            numbers, times = harness.run_workload(variants, 2, 1e-4)
            rows += harness.summarize(variants, numbers, times)
    targets = {r["variant"]: r["target"] for r in rows if r["target"] is not None}
    assert targets == {"funcgrad grad(sin(x) * x), f64[]": 1.0,
                       "cached fg.jit(grad(sin(x) * x)), f64[]": 1.0}
    assert all(r["median_s"] > 0 and math.isfinite(r["ratio"]) for r in rows)
    assert [r["status"] for r in rows if r["baseline"]] == ["baseline", "baseline"]
    refs = {r["framework"] for r in rows if r["status"] == "ref"}
    assert refs == {"numpy"} | {f for f in frameworks if {"jax": JAX, "torch": TORCH}[f]}


def test_the_budget_row_reads_as_a_share_of_its_time():
    fn = harness.budget(2e-3)
    t = min(harness._timed(fn) for _ in range(5))
    assert 2e-3 <= t < 20e-3   # a wait of 2 ms; a loaded machine may only lengthen it


def test_issue_23_targets_are_the_issues():
    from benchmarks import eager, two_layer
    assert eager.TARGET == 1.5 and two_layer.TARGET == 1.2 and jit.TARGET_STEP == 1.0
    assert jit.GRAD_CALL_BUDGET_S == 5e-6 and eager_grad.BUDGET_S == 20e-6
    assert jacobian.TARGET_JIT_HESSIAN == 2.0
    assert jacobian.TARGET_JIT_JACFWD == {256: 1.5} and jacobian.TARGET_JIT_JACREV == {1024: 2.0}


@pytest.mark.parametrize("study", ["compile", "jacobian", "vmap"])
@pytest.mark.parametrize("frameworks", FRAMEWORKS, ids=["funcgrad", "with-references"])
def test_scaling_studies_check_and_time_in_smoke_mode(study, frameworks):
    with _ctx(frameworks) as ctx:
        st = scaling.STUDIES[study](ctx, "smoke", SETTINGS)
    xs = {"compile": [scaling.EQNS_PER_ROUND * r for r in scaling.COMPILE_ROUNDS["smoke"]],
          "jacobian": list(scaling.JACOBIAN_SIZES["smoke"]),
          "vmap": list(scaling.VMAP_BATCHES["smoke"])}[study]
    floor = next(s for s in st["series"] if s["baseline"])
    assert floor["name"] == st["floor"] and [p["x"] for p in floor["points"]] == xs
    for s in st["series"]:
        assert s["points"], s["name"]
        assert all(p["median_s"] > 0 and p["ratio"] > 0 for p in s["points"])
        assert s["slope"] is None or math.isfinite(s["slope"])
    names = {s["framework"] for s in st["series"]}
    assert "funcgrad" in names and "numpy" in names
    if "jax" in frameworks and JAX is not None:
        assert "jax" in names
    if study == "compile":
        jit_series = next(s for s in st["series"] if s.get("slope_target"))
        assert jit_series["status"] in ("ok", "MISS")
    if study == "vmap":   # the Python loops stop at VMAP_LOOP_MAX
        loop = next(s for s in st["series"] if s["name"] == "funcgrad: Python loop of grad")
        assert [p["x"] for p in loop["points"]] == [1]


def test_the_slope_fit_reads_growth():
    pts = [{"x": x, "median_s": 3e-6 * x ** 2} for x in (10, 100, 1000)]
    assert scaling.slope(pts) == pytest.approx(2.0)
    assert scaling.slope(pts[:1]) is None


@pytest.mark.parametrize("variant", [v for v in memory_worker.VARIANTS
                                     if v.startswith(("numpy", "funcgrad"))])
@pytest.mark.parametrize("layers", [1, 7])
def test_memory_variants_compute_the_numpy_gradient(variant, layers):
    x = memory_worker.data(16)
    fn, convert = memory_worker.build(variant, layers)
    got = np.asarray(fn(convert(x)))
    if variant == "numpy forward":
        want = memory_worker.numpy_forward(x, layers)
    else:
        want = memory_worker.numpy_backprop(x, layers)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_memory_study_measures_in_fresh_processes():
    ctx = harness.Context(quick=True)
    st = scaling.memory_study(ctx, "smoke", SETTINGS,
                              variants=("numpy manual backprop", "funcgrad grad"))
    by = {s["name"]: s for s in st["series"]}
    assert set(by) == {"numpy manual backprop", "funcgrad grad"}
    for s in st["series"]:
        (p,) = s["points"]
        assert p["x"] == 10 and p["peak_rss_bytes"] >= 0 and p["tracemalloc_peak_bytes"] > 0
    assert st["method"]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A results JSON as `python -m benchmarks` writes it: one ratio workload, one sweep."""
    ctx = harness.Context(quick=True)
    st = scaling.STUDIES["jacobian"](ctx, "smoke", SETTINGS)
    variants = eager_grad.build(ctx)
    numbers, times = harness.run_workload(variants, 1, 1e-4)
    payload = {"mode": "quick", "settings": SETTINGS, "environment": {}, "created": "today",
               "workloads": [{"name": "eager_grad", "baselines": [variants[0].name],
                              "rows": harness.summarize(variants, numbers, times)}],
               "sweeps": [{"name": "scaling", "studies": [st], "missed": []}]}
    path = tmp_path_factory.mktemp("results") / "latest.json"
    path.write_text(json.dumps(payload))
    return path


def test_docs_regenerate_their_tables_from_the_json(results, tmp_path):
    page = tmp_path / "benchmarks.md"
    page.write_text("intro\n" + "\n".join(
        f"{docs.marker(n)}\nold {n}\n{docs.marker(n, end=True)}" for n in ("table", "scaling"))
        + "\noutro\n")
    assert docs.regenerate(results, page=page, img=tmp_path, charts=False) == ["table",
                                                                                "scaling"]
    text = page.read_text()
    assert "old table" not in text and "old scaling" not in text
    assert text.startswith("intro\n") and text.endswith("outro\n")
    assert "funcgrad grad(sin(x) * x), f64[]" in text
    assert "| numpy: analytic Jacobian (the floor) |" in text and "funcgrad: jit(jacrev)" in text
    # regenerating twice gives the same page
    docs.regenerate(results, page=page, img=tmp_path, charts=False)
    assert page.read_text() == text
    assert "| series | 8 | 16 | slope |" in table.sweep_markdown(json.loads(results.read_text()))


def test_docs_regenerate_the_torch_train_part_alone(results, tmp_path):
    """After a run of torch_train alone, `--parts torch_train` rewrites its part and chart and
    leaves the table of every workload as it was."""
    payload = json.loads(results.read_text())
    payload["workloads"][0]["name"] = "torch_train"
    run = tmp_path / "torch_train.json"
    run.write_text(json.dumps(payload))
    page = tmp_path / "benchmarks.md"
    page.write_text("\n".join(f"{docs.marker(n)}\nold {n}\n{docs.marker(n, end=True)}"
                               for n in ("table", "torch_train", "scaling")) + "\n")
    assert docs.regenerate(run, page=page, img=tmp_path, charts=False,
                           parts=["torch_train"]) == ["torch_train"]
    text = page.read_text()
    assert "old table" in text and "old scaling" in text and "old torch_train" not in text
    assert "| `torch_train` | funcgrad grad(sin(x) * x), f64[] |" in text


def test_scaling_charts_draw(results, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib (the bench extra) not installed")
    from benchmarks import scaling_chart
    payload = json.loads(results.read_text())
    (path,) = scaling_chart.write_all(payload, tmp_path)
    assert path.name == "scaling-jacobian.png" and path.stat().st_size > 1000



def test_torch_train_workloads_check_and_time_in_smoke_mode():
    """Issue 21's four PyTorch workloads: build() checks one step of each (loss, gradients,
    updated weights, a second step's loss) and the loader's epoch against real PyTorch, then
    every funcgrad.torch row is timed against its PyTorch baseline at target 1x."""
    pytest.importorskip("torch", reason="PyTorch (the oracle extra) is the baseline")
    from benchmarks import torch_train
    with _ctx(("torch",)) as ctx:
        variants = torch_train.build(ctx)
        harness.check_variants("torch_train", variants)
        numbers, times = harness.run_workload(variants, 1, 1e-4)
        rows = harness.summarize(variants, numbers, times)
    ours = {r["variant"]: r for r in rows if r["framework"] == "funcgrad"}
    assert sorted(ours) == sorted(f"funcgrad.torch {label}" for label in
                                  [*torch_train.LABELS.values(), "DataLoader epoch"])
    assert all(r["target"] == torch_train.TARGET == 1.0 for r in ours.values())
    assert all(r["median_s"] > 0 and math.isfinite(r["ratio"]) for r in rows)
    assert sum(r["baseline"] for r in rows) == 4


def test_torch_train_check_catches_a_wrong_step():
    """The step check is not vacuous: a funcgrad.torch step with another learning rate fails."""
    torch = pytest.importorskip("torch", reason="PyTorch (the oracle extra) is the baseline")
    import funcgrad.torch as ft
    from benchmarks import torch_train
    weights = torch_train._weights(torch_train.make_logreg(torch), 0)
    f_step, f_net = torch_train.make_step(ft, "logreg", weights)
    t_step, t_net = torch_train.make_step(torch, "logreg", weights)
    for g in f_step.__closure__ or ():
        if isinstance(g.cell_contents, ft.optim.SGD):
            g.cell_contents.param_groups[0]["lr"] = 0.2
    with pytest.raises(harness.BenchmarkCheckError):
        torch_train._check_step("logreg", f_step, f_net, t_step, t_net)
