"""The harness: thread pinning, timing, the printed table, results/latest.json and --profile.

Timing method
-------------
Each variant is a ``timeit`` statement (inlined into timeit's loop, so a ~200 ns numpy call is not
swamped by a Python function call) or a zero-argument callable. Per variant the harness warms up,
then picks an inner loop count ``number`` so that one repeat lasts about ``min_time`` seconds (as
``timeit.autorange`` does). It then runs ``repeats`` rounds; in every round each variant of the
workload runs one repeat, in turn (interleaved, so that a slow patch of the machine hits the
baseline and the variants alike). The reported time is the median over rounds of the per-call time
(``time.perf_counter``); the ratio is ``median(variant) / median(baseline)``. The garbage collector
stays enabled while timing (its cost is part of what a user pays) and is run between repeats.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import importlib
import io
import json
import math
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
import timeit
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import WORKLOADS

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"

FULL = dict(repeats=15, min_time=0.15)
QUICK = dict(repeats=5, min_time=0.02)


class BenchmarkCheckError(RuntimeError):
    """A workload's correctness check failed: its numbers would be meaningless."""


def check_close(workload, what, got, want, rtol):
    """Raise BenchmarkCheckError unless funcgrad's `got` matches PyTorch's `want` in shape, dtype
    and value (rtol, and an atol of rtol times want's largest magnitude)."""
    import numpy as np
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape or got.dtype != want.dtype or not np.allclose(
            got, want, rtol=rtol, atol=rtol * float(np.max(np.abs(want), initial=0))):
        diff = np.max(np.abs(got - want)) if got.shape == want.shape else "-"
        raise BenchmarkCheckError(f"{workload}: {what}: funcgrad.torch gives {got.dtype}"
                                  f"{got.shape}, PyTorch {want.dtype}{want.shape}; max abs diff "
                                  f"{diff}")


@dataclass
class Variant:
    name: str
    stmt: str | Callable[[], Any]    # a timeit statement, or a zero-argument callable
    globals: dict = field(default_factory=dict)
    baseline: bool = False           # a baseline: other variants are timed as ratios of it
    vs: str | None = None            # the baseline's name (default: the workload's first one)
    target: float | None = None      # the ratio vs that baseline it must stay at or under
    framework: str = ""              # "numpy", "funcgrad", "torch", "jax"
    profile: bool = False            # profiled by --profile
    note: str = ""


@dataclass
class Context:
    quick: bool
    torch: Any = None                # the torch module, or None when it is not installed
    jax: Any = None                  # the jax module (float64 enabled, one thread), or None
    notes: list = field(default_factory=list)


# ---- environment ------------------------------------------------------------------------------


def _optional_import(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _git(*args):
    try:
        out = subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True,
                             timeout=5)
        return out.stdout.strip() if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _environment(torch, jax, pools):
    import numpy as np

    import funcgrad
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no", "--", "funcgrad")
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "funcgrad": getattr(funcgrad, "__version__", "?"),
        "git_commit": commit,
        "funcgrad_tree_dirty": bool(dirty) if dirty is not None else None,
        "torch": torch.__version__ if torch is not None else None,
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "jax": jax.__version__ if jax is not None else None,
        "threadpools": pools,
        "loadavg_start": _loadavg(),
    }


def _loadavg():
    """The 1-minute load average (None where the platform has none): how busy the machine was,
    which the ratios absorb and the absolute times do not."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _pin_torch(torch):
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only settable before any inter-op work has started
        pass


# ---- timing -----------------------------------------------------------------------------------


def _timer(v: Variant):
    ns = dict(v.globals)
    ns["__gc"] = gc
    # timeit switches the collector off; the setup switches it back on (see module docstring)
    return timeit.Timer(v.stmt, setup="__gc.enable()", timer=time.perf_counter, globals=ns)


def _calibrate(timer, min_time):
    """An inner loop count that makes one repeat last about min_time seconds."""
    timer.timeit(1)  # warm-up: first-call costs (imports, caches, lazily built tables)
    number = 1
    while True:
        for k in (1, 2, 5):
            n = number * k
            t = timer.timeit(n)
            if t >= min_time / 5:
                return max(1, math.ceil(n * min_time / t))
        number *= 10


def _quartiles(xs):
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def run_workload(variants, repeats, min_time, progress=None):
    timers = [_timer(v) for v in variants]
    numbers = []
    for v, t in zip(variants, timers):
        if progress:
            progress(f"calibrating {v.name}")
        numbers.append(_calibrate(t, min_time))
    times = [[] for _ in variants]
    for r in range(repeats):
        if progress:
            progress(f"round {r + 1}/{repeats}")
        for i, (t, n) in enumerate(zip(timers, numbers)):
            gc.collect()
            times[i].append(t.timeit(n) / n)
    return numbers, times


def _baseline_index(variants, v):
    names = [u.name for u in variants]
    if v.baseline:
        return names.index(v.name)
    if v.vs is None:
        return next(i for i, u in enumerate(variants) if u.baseline)
    if v.vs not in names or not variants[names.index(v.vs)].baseline:
        raise BenchmarkCheckError(f"variant {v.name!r} is compared to {v.vs!r}, "
                                  f"which is not a baseline of its workload")
    return names.index(v.vs)


def check_variants(workload, variants):
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise BenchmarkCheckError(f"workload {workload} has two variants with one name")
    if not any(v.baseline for v in variants):
        raise BenchmarkCheckError(f"workload {workload} has no baseline variant")
    for v in variants:
        _baseline_index(variants, v)


def summarize(variants, numbers, times):
    rows = []
    for i, (v, n, ts) in enumerate(zip(variants, numbers, times)):
        base = _baseline_index(variants, v)
        med = statistics.median(ts)
        p25, p75 = _quartiles(ts)
        ratio = med / statistics.median(times[base])
        paired = statistics.median(t / b for t, b in zip(ts, times[base]))
        if v.baseline:
            status = "baseline"
        elif v.target is None:
            status = "ref"
        else:
            status = "ok" if ratio <= v.target else "MISS"
        rows.append({
            "variant": v.name, "framework": v.framework, "baseline": v.baseline,
            "median_s": med, "p25_s": p25, "p75_s": p75, "min_s": min(ts), "max_s": max(ts),
            "spread": (p75 - p25) / 2 / med if med else 0.0,
            "number": n, "repeats": len(ts), "times_s": ts,
            "vs": variants[base].name, "ratio": ratio, "paired_ratio": paired,
            "target": v.target, "status": status,
            "note": v.note,
        })
    return rows


# ---- budgets ----------------------------------------------------------------------------------


def _timed(fn, *args):
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def budget(seconds):
    """The baseline of a variant whose target is an absolute time: a call that takes `seconds`
    of wall-clock time (a busy wait on perf_counter), so that the ratio is the share of the
    target used.

    (A fixed count of pure-Python loop iterations, calibrated at start-up, was used before: it
    followed the machine's load, but its calibration drifted by up to 2x with the CPU's clock
    and the interpreter's warm-up, and a target read against it was no longer the issue's
    absolute number. Timings on a loaded machine are not trusted either way.)"""
    clock = time.perf_counter

    def wait():
        end = clock() + seconds
        while clock() < end:
            pass
    return wait


# ---- output -----------------------------------------------------------------------------------


def fmt_time(s):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if s >= scale or unit == "ns":
            v = s / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{s} s"


def print_table(results, file=sys.stdout):
    header = ("workload", "variant", "median", "+/-", "ratio", "vs baseline", "target", "status")
    lines = []
    for w in results:
        for r in w["rows"]:
            lines.append((
                w["name"], r["variant"], fmt_time(r["median_s"]), f"{100 * r['spread']:.1f}%",
                f"{r['ratio']:.2f}x", "-" if r["baseline"] else r["vs"],
                f"<= {r['target']:g}x" if r["target"] is not None else "-", r["status"]))
        lines.append(None)
    widths = [max(len(h), *(len(l[i]) for l in lines if l)) for i, h in enumerate(header)]
    right = {2, 3, 4}

    def fmt(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    rule = "-" * len(fmt(header))
    print(rule, file=file)
    print(fmt(header), file=file)
    print(rule, file=file)
    for l in lines[:-1]:
        print(fmt(l) if l else "", file=file)
    print(rule, file=file)
    print("median: median per-call time over the repeats; +/-: half the interquartile range, "
          "as a share of the median;\nratio: median / median of the baseline named in "
          "'vs baseline', timed interleaved in the same run; ref: reported, no target.", file=file)


def write_json(path, payload):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(path)


# ---- profiling --------------------------------------------------------------------------------


def _short(filename):
    if filename == "~":
        return ""
    p = filename.replace("\\", "/")
    for marker in ("/site-packages/", "/lib/python"):
        if marker in p:
            return p.split(marker, 1)[1] if marker == "/site-packages/" else \
                "stdlib/" + p.split(marker, 1)[1].split("/", 1)[-1]
    root = str(HERE.parent).replace("\\", "/") + "/"
    return p[len(root):] if p.startswith(root) else p


def _label(func):
    filename, line, name = func
    if filename == "~":
        return name  # a builtin: '<built-in method numpy...>', "<method 'append' of ...>"
    return f"{_short(filename)}:{line}({name})"


def _group(func):
    filename, _, name = func
    if filename == "~":
        if "numpy" in name or "ndarray" in name:
            return "numpy (C)"
        return "builtins (C)"
    s = _short(filename)
    if s.startswith("funcgrad/"):
        return s
    if s.startswith("numpy/"):
        return "numpy (Python)"
    if s.startswith("optree/"):
        return "optree (Python)"
    if s.startswith("stdlib/"):
        return "stdlib (Python)"
    return s


def _harness_frame(func):
    """Frames of the timing loop itself (timeit, the clock, the gc switch), not of the workload."""
    filename, _, name = func
    if filename == "~":
        return "perf_counter" in name or "gc." in name or "disable" in name
    return "<timeit-src>" in filename or filename.endswith("timeit.py")


def profile_variant(workload, v, number, top=15, file=sys.stdout):
    timer = _timer(v)
    timer.timeit(max(1, number // 4))  # warm
    prof = cProfile.Profile()
    prof.enable()
    timer.timeit(number)
    prof.disable()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "_" for c in v.name)
    out = RESULTS_DIR / f"profile-{workload}-{slug}.prof"
    prof.dump_stats(str(out))
    st = {f: s for f, s in pstats.Stats(prof).stats.items() if not _harness_frame(f)}
    own = {f: s[2] for f, s in st.items()}
    cum = {f: s[3] for f, s in st.items()}
    total = sum(own.values()) or 1.0
    rel = out.relative_to(HERE.parent)
    print(f"\nprofile: {workload} / {v.name}: {number} calls, {fmt_time(total / number)} per call "
          f"under cProfile (which inflates Python-level costs)", file=file)
    print(f"  {'own time':>9}  {'share':>6}  {'calls':>6}  function (by own time)", file=file)
    by_own = sorted(own.items(), key=lambda kv: -kv[1])[:top]
    for f, tt in by_own:
        print(f"  {fmt_time(tt / number):>9}  {100 * tt / total:5.1f}%  {st[f][1] / number:6.1f}"
              f"  {_label(f)}", file=file)
    print(f"  {'incl.':>9}  {'share':>6}  {'calls':>6}  function (by inclusive time)", file=file)
    by_cum = sorted(cum.items(), key=lambda kv: -kv[1])[:top]
    for f, ct in by_cum:
        print(f"  {fmt_time(ct / number):>9}  {100 * ct / total:5.1f}%  {st[f][1] / number:6.1f}"
              f"  {_label(f)}", file=file)
    groups = {}
    for f, tt in own.items():
        groups[_group(f)] = groups.get(_group(f), 0.0) + tt
    print(f"  {'own time':>9}  {'share':>6}  {'':>6}  by file", file=file)
    for g, tt in sorted(groups.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  {fmt_time(tt / number):>9}  {100 * tt / total:5.1f}%  {'':>6}  {g}", file=file)
    print(f"  (calls: per call of the variant; full profile: python -m pstats {rel})", file=file)
    return {"file": str(rel), "calls": number, "total_s_per_call": total / number,
            "by_own_time": [{"function": _label(f), "share": tt / total,
                             "s_per_call": tt / number} for f, tt in by_own],
            "by_inclusive_time": [{"function": _label(f), "share": ct / total,
                                   "s_per_call": ct / number} for f, ct in by_cum],
            "by_file": {g: tt / total for g, tt in groups.items()}}


# ---- main -------------------------------------------------------------------------------------


def _load_workloads():
    mods = [importlib.import_module(f".{m}", __package__) for m in WORKLOADS]
    return {m.NAME: m for m in mods}


def _select(workloads, filters):
    if not filters:
        return list(workloads.values())
    chosen = [m for name, m in workloads.items()
              if any(f.lower() in name.lower() or f.lower() == m.__name__.rsplit(".", 1)[1]
                     for f in filters)]
    if not chosen:
        raise SystemExit(f"no workload matches {' '.join(filters)!r}; "
                         f"workloads: {', '.join(workloads)}")
    return chosen


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="funcgrad benchmarks: ratios against baselines measured in the same run, "
                    "every framework pinned to one thread.")
    p.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                   help="run only the workloads whose name contains one of these strings")
    p.add_argument("--quick", action="store_true",
                   help=f"smoke test: {QUICK['repeats']} repeats of ~{QUICK['min_time']} s "
                        f"(default {FULL['repeats']} of ~{FULL['min_time']} s)")
    p.add_argument("--repeats", type=int, help="override the number of repeats")
    p.add_argument("--min-time", type=float, help="override the seconds per repeat")
    p.add_argument("--profile", action="store_true",
                   help="also cProfile the funcgrad variants and print where their time goes")
    p.add_argument("--strict", action="store_true", help="exit with status 1 if a target is missed")
    p.add_argument("--no-json", action="store_true",
                   help="do not write benchmarks/results/latest.json")
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = dict(QUICK if args.quick else FULL)
    if args.repeats:
        settings["repeats"] = args.repeats
    if args.min_time:
        settings["min_time"] = args.min_time

    workloads = _load_workloads()
    if args.list:
        for name, m in workloads.items():
            print(f"{name:16s} {m.DESCRIPTION}")
        return 0
    selected = _select(workloads, args.workloads)

    notes = []
    # torch first, so that threadpoolctl also sees (and pins) the thread pools torch brings along
    torch = _optional_import("torch")
    if torch is not None:
        _pin_torch(torch)
    jax = _optional_import("jax")  # one thread through XLA_FLAGS, set by __main__
    if jax is not None:
        jax.config.update("jax_enable_x64", True)  # the workloads compare float64 results
    threadpoolctl = _optional_import("threadpoolctl")
    import numpy  # noqa: F401  (load BLAS before taking the thread-pool inventory)
    if threadpoolctl is None:
        limiter = None
        print("WARNING: threadpoolctl is not installed, so BLAS/OpenMP thread pools are pinned "
              "only through *_NUM_THREADS environment variables (set by `python -m benchmarks` "
              "if numpy was not yet loaded). pip install -e '.[bench]'", file=sys.stderr)
        notes.append("threadpoolctl missing: BLAS pinned only via environment variables.")
    else:
        limiter = threadpoolctl.threadpool_limits(limits=1)

    try:
        pools = None
        if threadpoolctl is not None:
            pools = [{"api": i.get("internal_api"), "library": os.path.basename(i.get("filepath", "")),
                      "num_threads": i.get("num_threads")} for i in threadpoolctl.threadpool_info()]
        env = _environment(torch, jax, pools)
        _print_header(env, settings, args)
        ctx = Context(quick=args.quick, torch=torch, jax=jax)
        results, sweeps, sweep_text, profiles, profile_text = [], [], [], [], io.StringIO()
        t_start = time.perf_counter()
        for m in selected:
            ctx.notes = []
            print(f"[{m.NAME}] {m.DESCRIPTION}", flush=True)
            if hasattr(m, "sweep"):  # a sweep (scaling.py): its own points, checks and summary
                sweeps.append(m.sweep(ctx, settings))
                sweep_text += [m.summary(st) for st in sweeps[-1]["studies"]]
                notes.extend(f"{m.NAME} / {st['id']}: {n}" for st in sweeps[-1]["studies"]
                             for n in st.get("notes", []))
                continue
            variants = m.build(ctx)  # runs the workload's correctness checks
            if variants is None:  # it cannot run here (its notes say why)
                print(f"  skipped: {'; '.join(ctx.notes)}", flush=True)
                notes.extend(f"{m.NAME}: {n}" for n in ctx.notes)
                continue
            check_variants(m.NAME, variants)
            numbers, times = run_workload(variants, settings["repeats"], settings["min_time"])
            rows = summarize(variants, numbers, times)
            results.append({"name": m.NAME, "description": m.DESCRIPTION,
                            "baselines": [v.name for v in variants if v.baseline],
                            "notes": list(ctx.notes), "rows": rows})
            notes.extend(f"{m.NAME}: {n}" for n in ctx.notes)
            if args.profile:
                for v, n in zip(variants, numbers):
                    if v.profile:
                        print(f"  profiling {v.name}", flush=True)
                        profiles.append({"workload": m.NAME, "variant": v.name,
                                         **profile_variant(m.NAME, v, max(n, 20),
                                                           file=profile_text)})
        elapsed = time.perf_counter() - t_start
        env["loadavg_end"] = _loadavg()
    except BenchmarkCheckError as e:
        print(f"\nBENCHMARK CHECK FAILED: {e}", file=sys.stderr)
        return 2
    finally:
        if limiter is not None:
            limiter.restore_original_limits()

    print()
    if results:
        print_table(results)
    for text in sweep_text:
        print(text)
    for n in notes:
        print(f"note: {n}")
    missed = [f"{w['name']} / {r['variant']}: {r['ratio']:.2f}x > {r['target']:g}x"
              for w in results for r in w["rows"] if r["status"] == "MISS"]
    missed += [m for sw in sweeps for m in sw.get("missed", [])]
    for m in missed:
        print(f"TARGET MISSED: {m}")
    if profiles:
        print(profile_text.getvalue())
    print(f"({elapsed:.1f} s, {'quick' if args.quick else 'full'} mode: "
          f"{settings['repeats']} repeats of ~{settings['min_time']} s each)")

    if not args.no_json and (results or sweeps):
        payload = {
            "schema": 1,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "argv": sys.argv[1:] if argv is None else list(argv),
            "mode": "quick" if args.quick else "full", "settings": settings,
            "environment": env, "notes": notes, "missed": missed,
            "workloads": results, "sweeps": sweeps, "profiles": profiles,
            "elapsed_s": elapsed,
        }
        out = RESULTS_DIR / "latest.json"
        write_json(out, payload)
        print(f"results: {out.relative_to(HERE.parent)}")
    return 1 if (args.strict and missed) else 0


def _print_header(env, settings, args):
    pools = env["threadpools"]
    pinned = ("none found" if pools == [] else "threadpoolctl unavailable" if pools is None else
              ", ".join(f"{p['api']}({p['library']})={p['num_threads']}" for p in pools))
    print(f"funcgrad {env['funcgrad']} (git {env['git_commit'] or '?'}"
          f"{', funcgrad/ modified' if env['funcgrad_tree_dirty'] else ''}) | "
          f"numpy {env['numpy']} | torch {env['torch'] or 'absent'} | "
          f"jax {env.get('jax') or 'absent'} | "
          f"Python {env['python']}")
    print(f"{env['cpu']} ({env['cpu_count']} CPUs) | threads: {pinned}"
          + (f", torch={env['torch_threads']}" if env["torch"] else ""))
    if env["torch"] is None:
        print("note: torch is not installed, so the torch reference variants are skipped "
              "(pip install -e '.[oracle]')")
    if env.get("jax") is None:
        print("note: jax is not installed, so the JAX reference variants are skipped "
              "(pip install jax)")
    print(f"{'quick' if args.quick else 'full'} mode: {settings['repeats']} interleaved repeats "
          f"of ~{settings['min_time']} s per variant\n", flush=True)
