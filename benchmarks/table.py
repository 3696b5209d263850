"""``python -m benchmarks.table [results.json]``: the results of a run as a Markdown table.

Reads ``benchmarks/results/latest.json`` (what ``python -m benchmarks`` writes) unless given another
file, and prints one row per variant: its baseline, the median time, the ratio to the baseline, the
target and whether it was met. README.md and docs/benchmarks.md show its output.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LATEST = HERE / "results" / "latest.json"


def load(path=LATEST):
    path = Path(path)
    if not path.exists():
        raise SystemExit(f"{path} does not exist: run `python -m benchmarks` first")
    return json.loads(path.read_text())


def _fmt_time(s):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale or unit == "ns":
            v = s / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{s} s"


def _fmt_ratio(r):
    return f"{r:.3f}x" if r < 0.1 else f"{r:.2f}x"


def _cell(s):
    return str(s).replace("|", "\\|")


STATUS = {"ok": "ok", "MISS": "**MISS**", "ref": "reference", "baseline": "baseline"}


def describe_run(payload):
    """One line: when, how and on what the numbers were measured."""
    env = payload.get("environment", {})
    commit = env.get("git_commit") or "?"
    if env.get("funcgrad_tree_dirty"):
        commit += " + local changes"
    mode = payload.get("mode", "?")
    s = payload.get("settings", {})
    torch = env.get("torch")
    return (f"{mode} run ({s.get('repeats', '?')} interleaved repeats of "
            f"~{s.get('min_time', '?')} s), "
            f"{payload.get('created', '?')[:10]}, funcgrad {env.get('funcgrad', '?')} "
            f"(git {commit}), numpy {env.get('numpy', '?')}"
            + (f", torch {torch}" if torch else ", torch absent")
            + (f", jax {env['jax']}" if env.get("jax") else ", jax absent")
            + f", Python {env.get('python', '?')}, {env.get('cpu', '?')}"
            + (f" ({env['cpu_count']} CPUs)" if env.get("cpu_count") else "")
            + ", one thread"
            + (f", load average {env['loadavg_start']:g} at the start and "
               f"{env.get('loadavg_end', '?')} at the end" if env.get("loadavg_start") is not None
               else ""))


def markdown(payload, describe=True, targets_only=False):
    """The Markdown table (and, with describe, a line on the run above it) of a results payload;
    with targets_only, only the variants that have a target."""
    lines = []
    if describe:
        lines += [f"Measured by `python -m benchmarks`: {describe_run(payload)}.", ""]
    lines += ["| workload | variant | vs baseline | median | ratio | target | status |",
              "|---|---|---|---:|---:|---:|---|"]
    for w in payload.get("workloads", []):
        first = True
        for r in w["rows"]:
            if r["baseline"] or (targets_only and r["target"] is None):
                continue
            target = f"≤ {r['target']:g}x" if r["target"] is not None else ""
            lines.append(f"| {'`' + w['name'] + '`' if first else ''} | {_cell(r['variant'])} | "
                         f"{_cell(r['vs'])} | {_fmt_time(r['median_s'])} | "
                         f"{_fmt_ratio(r['ratio'])} | {target} | "
                         f"{STATUS.get(r['status'], r['status'])} |")
            first = False
    notes = payload.get("notes") or []
    if notes:
        lines.append("")
        lines += [f"- note: {_cell(n)}" for n in notes]
    return "\n".join(lines)


def _fmt_value(v, unit):
    if v is None:
        return "–"
    return f"{v / 2**20:.1f} MB" if unit == "B" else _fmt_time(v)


def sweep_markdown(payload, describe=True):
    """The scaling sweeps of a results payload as Markdown: per study, one row per series, one
    column per size (the value, and its ratio to the study's floor at that size), and the
    least-squares slope on log-log axes; with describe, a line on the run above them."""
    out = [f"Measured by `python -m benchmarks`: {describe_run(payload)}.", ""] if describe \
        else []
    for sweep in payload.get("sweeps", []):
        for st in sweep["studies"]:
            xs = sorted({p["x"] for s in st["series"] for p in s["points"]})
            out += [f"**{st['title']}** (`{st['id']}`; x: {st['x_label']}; in each cell the "
                    f"{'peak memory' if st['unit'] == 'B' else 'median time'} and its ratio to "
                    f"*{_cell(st['floor'])}* at that size)", ""]
            out.append("| series | " + " | ".join(f"{x:,}" for x in xs) + " | slope |")
            out.append("|---|" + "---:|" * len(xs) + "---:|")
            for s in st["series"]:
                at = {p["x"]: p for p in s["points"]}
                cells = []
                for x in xs:
                    p = at.get(x)
                    if p is None:
                        cells.append("–")
                    elif s["baseline"]:
                        cells.append(_fmt_value(p[st["value"]], st["unit"]))
                    else:
                        cells.append(f"{_fmt_value(p[st['value']], st['unit'])} "
                                     f"({_fmt_ratio(p['ratio'])})")
                sl = "–" if s.get("slope") is None else f"{s['slope']:.2f}"
                if s.get("status"):
                    sl += f" (target ≤ {s['slope_target']:g}: {STATUS.get(s['status'])})"
                out.append(f"| {_cell(s['name'])} | " + " | ".join(cells) + f" | {sl} |")
            out += [""] + [f"- note: {_cell(n)}" for n in st.get("notes", [])]
            if st.get("method"):
                out.append(f"- peak memory: {st['method']}, in a fresh process per cell "
                           f"(benchmarks/memory_worker.py)")
            out.append("")
    return "\n".join(out).rstrip()


def add_results_argument(parser):
    """The optional positional results JSON every `python -m benchmarks.*` report tool reads."""
    parser.add_argument("results", nargs="?", default=str(LATEST),
                        help="the results JSON (default: benchmarks/results/latest.json)")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.table",
                                description="Print a benchmark run's results as a Markdown table.")
    add_results_argument(p)
    p.add_argument("--no-describe", action="store_true",
                   help="leave out the line that says when and where the run was made")
    p.add_argument("--sweeps", action="store_true",
                   help="print the scaling sweeps' tables instead of the ratio table")
    p.add_argument("--targets", action="store_true",
                   help="only the variants that have a target (leave out the reference rows)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    payload = load(args.results)
    if args.sweeps:
        print(sweep_markdown(payload))
    else:
        print(markdown(payload, describe=not args.no_describe, targets_only=args.targets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
