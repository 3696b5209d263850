"""How cost grows (issue 23): four sweeps, each point timed like every other workload.

1. **Trace + compile against the number of equations** (10^2 to 10^5): the first call of a fresh
   ``fg.jit(f)``, f a chain of elementwise operations on f64[16] (rounds of sin, mul, add, tanh,
   sub: 5 equations a round, as in ``jit`` (b)); ``fg.make_jaxpr(f)`` (the tracing alone); f run
   eagerly; JAX's ``jax.jit`` first call (trace, lower, XLA compile, one run) up to the size
   where one call passes ``JAX_COMPILE_MAX_S``. The baseline at each size is the same chain in
   numpy (the floor: running the operations once). A least-squares slope of log(time) against
   log(equations) says how the cost grows (1: linear); the target is ``COMPILE_SLOPE_TARGET``
   for ``fg.jit``'s first call.
2. **Jacobians against n** (64 to 2,048): the full Jacobian of tanh(W x) (``jacobian``'s
   function and data) by ``fg.jacrev`` / ``fg.jacfwd``, with and without ``fg.jit``, JAX's
   (with and without ``jax.jit``) and ``torch.func.jacrev``, against the analytic numpy Jacobian
   at each n.
3. **Memory of grad through a deep chain** (100 to 1,000 layers of x <- x + 0.01 tanh(x) on
   f64[8192]): the peak resident memory of one gradient, with and without ``fg.checkpoint``
   (every layer, or blocks of sqrt(L) layers), beside the hand-written numpy backprop (which
   keeps each layer's tanh: the floor), JAX (jit, with and without ``jax.checkpoint``) and
   PyTorch. Each figure comes from a fresh process (``benchmarks/memory_worker.py``, which says
   how the peak is read); the ratio is to the numpy backprop's.
4. **Per-example gradients against batch size** (1 to 4,096): the gradient of a one-hidden-layer
   net's squared error (32 -> 64 -> 1, tanh) per example, by ``fg.vmap(fg.grad(loss))`` with and
   without jit, by a Python loop of ``fg.grad`` (and of ``fg.jit(fg.grad)``) over the examples,
   JAX's ``jax.vmap`` (with and without ``jax.jit``) and ``torch.func.vmap(torch.func.grad)``,
   against the per-example gradients written by hand in batched numpy.

Every point is checked against its floor before it is timed. Times come from the harness's
interleaved rounds (``harness.run_workload``): at each point every series runs one repeat per
round, and the number of rounds shrinks for slow points so that a point stays within
``POINT_BUDGET_S`` (3 rounds at least). ``--quick`` runs fewer, smaller points.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from . import memory_worker as mw
from .harness import BenchmarkCheckError, Variant, fmt_time, run_workload, summarize
from .jacobian import floor_jacobian
from .jacobian import make_data as jacobian_data

NAME = "scaling"
DESCRIPTION = ("how cost grows: trace+compile vs equations, jacrev/jacfwd vs n, grad memory "
               "through deep chains (checkpoint), per-example grads vs batch size")

# per mode: "full", "quick" (--quick) and "smoke" (tests/test_benchmarks.py: checks, tiny sizes)
COMPILE_ROUNDS = {"full": (20, 60, 200, 600, 2000, 6000, 20000), "quick": (20, 200, 2000),
                  "smoke": (2, 4)}
EQNS_PER_ROUND = 5
COMPILE_SLOPE_TARGET = 1.15   # trace + compile grows linearly (a slope of 1 on log-log), not worse
JAX_COMPILE_MAX_S = 10.0      # leave out JAX's larger sizes once one first call would take longer
JACOBIAN_SIZES = {"full": (64, 128, 256, 512, 1024, 2048), "quick": (64, 256, 1024),
                  "smoke": (8, 16)}
MEMORY_LAYERS = {"full": (100, 300, 1000), "quick": (1000,), "smoke": (10,)}
MEMORY_WIDTH = {"full": 8192, "quick": 8192, "smoke": 64}
VMAP_BATCHES = {"full": (1, 4, 16, 64, 256, 1024, 4096), "quick": (1, 64, 4096),
                "smoke": (1, 3)}
VMAP_LOOP_MAX = {"full": 4096, "quick": 256, "smoke": 2}   # no Python loop above this batch
VMAP_D, VMAP_H = 32, 64
POINT_BUDGET_S = {"full": 20.0, "quick": 4.0, "smoke": 0.0}  # a point's rounds stay within this
HERE = Path(__file__).resolve().parent


# ---- timing of one point ----------------------------------------------------------------------


def _seconds(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _time_point(variants, one_call_s, mode, settings):
    """Harness rows (median, quartiles, ratio to the point's baseline) for one point's variants,
    interleaved; fewer rounds where one round would take long."""
    round_s = sum(max(t, settings["min_time"]) for t in one_call_s)
    least = 1 if mode == "smoke" else 3
    repeats = max(least, min(settings["repeats"], int(POINT_BUDGET_S[mode] / max(round_s, 1e-9))))
    numbers, times = run_workload(variants, repeats, settings["min_time"])
    return summarize(variants, numbers, times)


def _measure_point(variants, x, series, mode, settings, label, calls=None):
    """Time one point's variants (one untimed call each first, unless `calls` has their times)
    and append their rows to `series`."""
    if calls is None:
        calls = [_seconds(v.stmt) for v in variants]
    _progress(label)
    _series(_rows_with_series(variants, _time_point(variants, calls, mode, settings)), x, series)


def _series(rows, x, series):
    """Append a point's rows to their series (dicts keyed by the variant's series name)."""
    for r in rows:
        s = series.setdefault(r["series"], {"name": r["series"], "framework": r["framework"],
                                            "baseline": r["baseline"], "points": []})
        s["points"].append({k: r[k] for k in ("median_s", "p25_s", "p75_s", "ratio",
                                              "paired_ratio", "repeats", "number")} | {"x": x})


def slope(points, key="median_s"):
    """The least-squares slope of log(value) against log(x): 1 is linear growth, 2 quadratic;
    None with fewer than two points or a non-positive value."""
    xs = [p["x"] for p in points]
    ys = [p[key] for p in points]
    if len(xs) < 2 or min(xs) <= 0 or min(ys) <= 0:
        return None
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def _finish(study, series):
    for s in series.values():
        s["slope"] = slope(s["points"], study["value"])
        tail = s["points"][-2:]
        s["top_slope"] = slope(tail, study["value"]) if len(tail) == 2 else None
    study["series"] = list(series.values())
    return study


def _tag(variant, series):
    variant.series = series  # the harness's rows carry the variant name; keep the series name
    return variant


def _rows_with_series(variants, rows):
    for v, r in zip(variants, rows):
        r["series"] = v.series
    return rows


# ---- 1. trace + compile -----------------------------------------------------------------------


def chain_in(m, rounds):
    """f(x, y) of exactly EQNS_PER_ROUND * rounds equations over the numpy namespace `m`."""
    def f(x, y):
        for i in range(rounds):
            x = m.sin(x) * y + (i + 0.5)
            x = m.tanh(x) - y
        return x
    return f


def compile_study(ctx, mode, settings):
    import funcgrad as fg
    import funcgrad.numpy as fnp

    x, y = np.linspace(-1.0, 1.0, 16), np.linspace(0.5, 1.0, 16)
    X, Y = fnp.asarray(x), fnp.asarray(y)
    jax = ctx.jax
    study = {"id": "compile", "title": "trace + compile time against the number of equations",
             "x_label": "equations in f", "value": "median_s", "unit": "s", "notes": [],
             "floor": "numpy: f once (the floor)"}
    series, jax_on, calls_prev = {}, jax is not None, None
    for rounds in COMPILE_ROUNDS[mode]:
        n = EQNS_PER_ROUND * rounds
        f, fn_np = chain_in(fnp, rounds), chain_in(np, rounds)
        want = fn_np(x, y)
        got = len(fg.make_jaxpr(f)(X, Y).jaxpr.eqns)
        if got != n:
            raise BenchmarkCheckError(f"scaling: the chain of {rounds} rounds has {got} "
                                      f"equations, not {n}")
        _close(f"fg.jit(f), {n} equations", fg.jit(f)(X, Y), want, 1e-12)
        variants = [
            _tag(Variant(f"{n} eqns numpy f", lambda f=fn_np: f(x, y), baseline=True,
                         framework="numpy"), study["floor"]),
            _tag(Variant(f"{n} eqns fg.jit(f) first call", lambda f=f: fg.jit(f)(X, Y),
                         framework="funcgrad",
                         note="a fresh jit: trace, passes, codegen, compile(), one run"),
                 "funcgrad: jit(f) first call (trace + compile + run)"),
            _tag(Variant(f"{n} eqns fg.make_jaxpr(f)", lambda f=f: fg.make_jaxpr(f)(X, Y),
                         framework="funcgrad"), "funcgrad: make_jaxpr(f) (trace only)"),
            _tag(Variant(f"{n} eqns funcgrad f eagerly", lambda f=f: f(X, Y),
                         framework="funcgrad"), "funcgrad: f eagerly"),
        ]
        calls = [_seconds(v.stmt) for v in variants]
        if jax_on:
            jf = chain_in(jax.numpy, rounds)
            jx, jy = jax.numpy.asarray(x), jax.numpy.asarray(y)

            def jax_first(jf=jf, jx=jx, jy=jy):
                # a new function object each call: jax.jit's caches are keyed on it
                return jax.jit(lambda a, b: jf(a, b))(jx, jy).block_until_ready()
            if calls_prev is not None and calls_prev[1] * n / calls_prev[0] > JAX_COMPILE_MAX_S:
                jax_on = False
                study["notes"].append(f"jax.jit's first call took {calls_prev[1]:.1f} s at "
                                      f"{calls_prev[0]} equations: sizes from {n} left out "
                                      f"(a call would pass {JAX_COMPILE_MAX_S:g} s)")
        if jax_on:
            t = time.perf_counter()
            _close(f"jax.jit(f), {n} equations", jax_first(), want, 1e-12)
            t = time.perf_counter() - t
            calls_prev = (n, t)
            variants.append(_tag(Variant(f"{n} eqns jax.jit(f) first call", jax_first,
                                         framework="jax"),
                                 "jax: jit(f) first call (trace + XLA compile + run)"))
            calls.append(t)
        _measure_point(variants, n, series, mode, settings, f"compile: {n} equations", calls)
    study = _finish(study, series)
    target = "funcgrad: jit(f) first call (trace + compile + run)"
    for s in study["series"]:
        if s["name"] == target and s["slope"] is not None:
            s["slope_target"] = COMPILE_SLOPE_TARGET
            s["status"] = "ok" if s["slope"] <= COMPILE_SLOPE_TARGET else "MISS"
    return study


# ---- 2. Jacobians -----------------------------------------------------------------------------


def jacobian_study(ctx, mode, settings):
    import funcgrad as fg
    import funcgrad.numpy as fnp

    jax, torch = ctx.jax, ctx.torch
    study = {"id": "jacobian", "title": "full Jacobian of tanh(W x) against n",
             "x_label": "n (W is n x n)", "value": "median_s", "unit": "s", "notes": [],
             "floor": "numpy: analytic Jacobian (the floor)"}
    series = {}
    for n in JACOBIAN_SIZES[mode]:
        W, x = jacobian_data(n)
        want = floor_jacobian(W, x)
        Wf, xf = fnp.asarray(W), fnp.asarray(x)

        def f(x, Wf=Wf):
            return fnp.tanh(Wf @ x)
        fns = [("funcgrad: jacrev", fg.jacrev(f)), ("funcgrad: jacfwd", fg.jacfwd(f)),
               ("funcgrad: jit(jacrev)", fg.jit(fg.jacrev(f))),
               ("funcgrad: jit(jacfwd)", fg.jit(fg.jacfwd(f)))]
        variants = [_tag(Variant(f"n={n} numpy analytic", lambda W=W, x=x: floor_jacobian(W, x),
                                 baseline=True, framework="numpy"), study["floor"])]
        for name, j in fns:
            _close(f"{name} n={n}", j(xf), want, 1e-10)
            variants.append(_tag(Variant(f"n={n} {name}", lambda j=j, x=xf: j(x),
                                         framework="funcgrad"), name))
        if jax is not None:
            jW, jx = jax.numpy.asarray(W), jax.numpy.asarray(x)

            def jf(x, jW=jW):
                return jax.numpy.tanh(jW @ x)
            for name, j in (("jax: jacrev", jax.jacrev(jf)), ("jax: jacfwd", jax.jacfwd(jf)),
                            ("jax: jit(jacrev)", jax.jit(jax.jacrev(jf))),
                            ("jax: jit(jacfwd)", jax.jit(jax.jacfwd(jf)))):
                _close(f"{name} n={n}", j(jx), want, 1e-10)
                variants.append(_tag(Variant(f"n={n} {name}",
                                             lambda j=j, x=jx: j(x).block_until_ready(),
                                             framework="jax"), name))
        if torch is not None:
            tW, tx = torch.tensor(W), torch.tensor(x)
            tj = torch.func.jacrev(lambda x, tW=tW: torch.tanh(tW @ x))
            _close(f"torch.func.jacrev n={n}", tj(tx).numpy(), want, 1e-10)
            variants.append(_tag(Variant(f"n={n} torch.func.jacrev", lambda j=tj, x=tx: j(x),
                                         framework="torch"), "torch: func.jacrev"))
        _measure_point(variants, n, series, mode, settings, f"jacobian: n={n}")
    return _finish(study, series)


# ---- 3. memory --------------------------------------------------------------------------------


def _worker(variant, layers, width):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent)]
                                        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["JAX_ENABLE_X64"] = "1"
    out = subprocess.run([sys.executable, "-m", "benchmarks.memory_worker", variant, str(layers),
                          str(width)], cwd=HERE.parent, env=env, capture_output=True, text=True,
                         timeout=600, check=False)
    if out.returncode != 0:
        raise BenchmarkCheckError(f"scaling: the memory worker for {variant!r} ({layers} layers) "
                                  f"failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def memory_study(ctx, mode, settings, variants=None):
    study = {"id": "memory", "title": "peak memory of one grad through a deep chain",
             "x_label": "layers", "value": "peak_rss_bytes", "unit": "B", "notes": [],
             "floor": "numpy manual backprop"}
    wanted = [v for v in (variants or mw.VARIANTS)
              if not (v.startswith("jax") and ctx.jax is None)
              and not (v.startswith("torch") and ctx.torch is None)]
    if ctx.jax is None:
        study["notes"].append("jax not installed: its memory rows skipped")
    if ctx.torch is None:
        study["notes"].append("torch not installed: its memory row skipped")
    series = {}
    for layers in MEMORY_LAYERS[mode]:
        want = mw.numpy_backprop(mw.data(MEMORY_WIDTH[mode]), layers)
        got = {}
        for v in wanted:
            _progress(f"memory: {v}, {layers} layers")
            r = _worker(v, layers, MEMORY_WIDTH[mode])
            if v != "numpy forward" and not np.isclose(r["result_sum"], want.sum(), rtol=1e-10):
                raise BenchmarkCheckError(f"scaling: {v} ({layers} layers): gradient sum "
                                          f"{r['result_sum']!r}, numpy backprop {want.sum()!r}")
            got[v] = r
        floor = got[study["floor"]]["peak_rss_bytes"] if study["floor"] in got else 0
        floor = floor or 1
        for v, r in got.items():
            framework = v.split(" ", 1)[0]
            s = series.setdefault(v, {"name": v, "framework": framework,
                                      "baseline": v == study["floor"], "points": []})
            s["points"].append({"x": layers, "peak_rss_bytes": r["peak_rss_bytes"],
                                "tracemalloc_peak_bytes": r["tracemalloc_peak_bytes"],
                                "ratio": r["peak_rss_bytes"] / floor})
        study["method"] = r["method"]
    study["width"] = MEMORY_WIDTH[mode]
    study["block"] = "blocks of round(sqrt(L)) layers"
    return _finish(study, series)


# ---- 4. per-example gradients -----------------------------------------------------------------


def vmap_data(batch):
    rng = np.random.RandomState(0)
    W1 = rng.randn(VMAP_D, VMAP_H) / np.sqrt(VMAP_D)
    w2 = rng.randn(VMAP_H) / np.sqrt(VMAP_H)
    rng = np.random.RandomState(batch)
    return (W1, w2), rng.randn(batch, VMAP_D), rng.randn(batch)


def loss_in(m):
    """The squared error of one example, ((tanh(x W1) w2) - y)^2, over the namespace `m`."""
    def loss(params, x, y):
        W1, w2 = params
        return (m.tanh(x @ W1) @ w2 - y) ** 2
    return loss


def floor_per_example(params, X, Y):
    """Every example's gradient with respect to (W1, w2), written by hand in batched numpy."""
    W1, w2 = params
    h = np.tanh(X @ W1)
    r = 2.0 * (h @ w2 - Y)
    dh = (r[:, None] * w2) * (1.0 - h * h)
    return X[:, :, None] * dh[:, None, :], r[:, None] * h


def vmap_study(ctx, mode, settings):
    import funcgrad as fg
    import funcgrad.numpy as fnp

    jax, torch = ctx.jax, ctx.torch
    study = {"id": "vmap", "title": "per-example gradients against batch size",
             "x_label": "batch size", "value": "median_s", "unit": "s", "notes": [],
             "floor": "numpy: per-example gradients by hand (the floor)"}
    loss = loss_in(fnp)
    per_ex = fg.vmap(fg.grad(loss), in_axes=(None, 0, 0))
    jit_per_ex = fg.jit(per_ex)
    g1, jit_g1 = fg.grad(loss), fg.jit(fg.grad(loss))
    loop_max = VMAP_LOOP_MAX[mode]
    if max(VMAP_BATCHES[mode]) > loop_max:
        study["notes"].append(f"the Python loops run up to a batch of {loop_max} "
                              f"({'--quick' if mode == 'quick' else 'full run'})")
    series = {}
    for b in VMAP_BATCHES[mode]:
        params, X, Y = vmap_data(b)
        want = floor_per_example(params, X, Y)
        P, Xf, Yf = tuple(fnp.asarray(p) for p in params), fnp.asarray(X), fnp.asarray(Y)

        def loop(g, P=P, Xf=Xf, Yf=Yf, b=b):
            return [g(P, Xf[i], Yf[i]) for i in range(b)]
        args = (P, Xf, Yf)
        fns = [("funcgrad: vmap(grad)", lambda a=args: per_ex(*a)),
               ("funcgrad: jit(vmap(grad))", lambda a=args: jit_per_ex(*a))]
        if b <= loop_max:
            fns += [("funcgrad: Python loop of grad", lambda loop=loop: _stack(loop(g1))),
                    ("funcgrad: Python loop of jit(grad)",
                     lambda loop=loop: _stack(loop(jit_g1)))]
        variants = [_tag(Variant(f"batch {b} numpy by hand",
                                 lambda a=(params, X, Y): floor_per_example(*a), baseline=True,
                                 framework="numpy"), study["floor"])]
        for name, fn in fns:
            _close_tree(f"{name}, batch {b}", fn(), want)
            variants.append(_tag(Variant(f"batch {b} {name}", fn, framework="funcgrad"), name))
        if jax is not None:
            jl = loss_in(jax.numpy)
            jv = jax.vmap(jax.grad(jl), in_axes=(None, 0, 0))
            jP = tuple(jax.numpy.asarray(p) for p in params)
            jX, jY = jax.numpy.asarray(X), jax.numpy.asarray(Y)
            for name, fn in (("jax: vmap(grad)", jv), ("jax: jit(vmap(grad))", jax.jit(jv))):
                _close_tree(f"{name}, batch {b}", fn(jP, jX, jY), want)
                variants.append(_tag(Variant(
                    f"batch {b} {name}",
                    lambda fn=fn, jP=jP, jX=jX, jY=jY: jax.block_until_ready(fn(jP, jX, jY)),
                    framework="jax"), name))
        if torch is not None:
            tl = loss_in(torch)
            tv = torch.func.vmap(torch.func.grad(tl), in_dims=(None, 0, 0))
            tP = tuple(torch.tensor(p) for p in params)
            tX, tY = torch.tensor(X), torch.tensor(Y)
            _close_tree(f"torch.func.vmap(grad), batch {b}",
                        [t.numpy() for t in tv(tP, tX, tY)], want)
            variants.append(_tag(Variant(f"batch {b} torch.func.vmap(grad)",
                                         lambda a=(tP, tX, tY), tv=tv: tv(*a),
                                         framework="torch"), "torch: func.vmap(func.grad)"))
        _measure_point(variants, b, series, mode, settings, f"vmap: batch {b}")
    return _finish(study, series)


def _stack(grads):
    """A Python loop's per-example gradients, stacked like vmap's."""
    return tuple(np.stack([np.asarray(g[k]) for g in grads]) for k in range(len(grads[0])))


# ---- checks and the sweep ---------------------------------------------------------------------


def _close(what, got, want, rtol):
    got = np.asarray(got)
    if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=rtol):
        diff = np.max(np.abs(got - want)) if got.shape == want.shape else "shape mismatch"
        raise BenchmarkCheckError(f"scaling: {what}: got {got.dtype}{got.shape}, want "
                                  f"{want.dtype}{want.shape}, max abs diff {diff}")


def _close_tree(what, got, want):
    if len(got) != len(want):
        raise BenchmarkCheckError(f"scaling: {what}: {len(got)} gradients, want {len(want)}")
    for k, (g, w) in enumerate(zip(got, want)):
        _close(f"{what} (gradient {k})", g, w, 1e-10)


def _progress(msg):
    print(f"  {msg}", flush=True)


STUDIES = {"compile": compile_study, "jacobian": jacobian_study, "memory": memory_study,
           "vmap": vmap_study}


def sweep(ctx, settings, studies=tuple(STUDIES)):
    """Run the studies; return the results the harness stores under "sweeps" in its JSON."""
    mode = "quick" if ctx.quick else "full"
    out = []
    for sid in studies:
        t = time.perf_counter()
        study = STUDIES[sid](ctx, mode, settings)
        study["elapsed_s"] = time.perf_counter() - t
        out.append(study)
        print(summary(study), flush=True)
    missed = [f"{NAME} / {st['id']} / {s['name']}: slope {s['slope']:.2f} > "
              f"{s['slope_target']:g}"
              for st in out for s in st["series"] if s.get("status") == "MISS"]
    return {"name": NAME, "description": DESCRIPTION, "mode": mode, "studies": out,
            "missed": missed}


def _fmt_value(v, unit):
    if v is None:
        return "-"
    if unit == "B":
        return f"{v / 2**20:.1f} MB"
    return fmt_time(v)


def summary(study):
    """The study as a plain-text table: one row per series, one column per point, then the
    log-log slope (and, for time, the ratio to the floor at the largest point)."""
    xs = sorted({p["x"] for s in study["series"] for p in s["points"]})
    head = ["series"] + [f"{x:,}" for x in xs] + ["slope", "ratio@max"]
    lines = []
    for s in study["series"]:
        at = {p["x"]: p for p in s["points"]}
        cells = [s["name"]] + [_fmt_value(at[x][study["value"]], study["unit"]) if x in at
                               else "-" for x in xs]
        cells.append("-" if s["slope"] is None else f"{s['slope']:.2f}"
                     + (f" ({s['status']}, <= {s['slope_target']:g})" if "status" in s else ""))
        last = s["points"][-1]
        cells.append("floor" if s["baseline"] else f"{last['ratio']:.2f}x")
        lines.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(head)]
    fmt = lambda cs: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(cs, widths)))
    rule = "-" * len(fmt(head))
    text = [f"  [{study['id']}] {study['title']} (x: {study['x_label']})", rule, fmt(head), rule]
    text += [fmt(c) for c in lines] + [rule]
    text += [f"  note: {n}" for n in study.get("notes", [])]
    if math.isfinite(study.get("elapsed_s", math.nan)):
        text.append(f"  ({study['elapsed_s']:.1f} s)")
    return "\n".join(text)

