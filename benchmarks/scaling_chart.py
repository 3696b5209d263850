"""``python -m benchmarks.scaling_chart [results.json] [-o DIR]``: log-log charts of a run's sweeps.

One PNG per study of ``scaling`` (``scaling-compile.png``, ``scaling-jacobian.png``,
``scaling-memory.png``, ``scaling-vmap.png``): time (or peak memory) against the size on log-log
axes, one line per series, coloured by framework (blue funcgrad, green JAX, orange PyTorch, grey
numpy: the floor, drawn dashed and thick), the log-log slope in each legend entry. The
whiskers are the interquartile range of the repeats. ``python -m benchmarks`` draws them into
``benchmarks/results/`` after a run that has sweeps; ``python -m benchmarks.docs`` into
``docs/img/``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .chart import COLORS, OTHER, available
from .table import add_results_argument, describe_run, load

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P")


def filename(study):
    return f"scaling-{study['id']}.png"


def draw(study, payload, path):
    """Write one study's chart to `path`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    value, memory = study["value"], study["unit"] == "B"
    if memory:
        fig, (bars, ax) = plt.subplots(1, 2, figsize=(13, 5.6),
                                       gridspec_kw={"width_ratios": [1.1, 1]})
        _memory_bars(bars, study)
    else:
        fig, ax = plt.subplots(figsize=(11, 5.6))
    seen = {}
    for s in study["series"]:
        pts = [p for p in s["points"] if p.get(value)]
        if not pts:
            continue
        k = seen.get(s["framework"], 0)
        seen[s["framework"]] = k + 1
        xs = [p["x"] for p in pts]
        scale = 2 ** 20 if memory else 1.0
        ys = [p[value] / scale for p in pts]
        label = s["name"] + (f"  (slope {s['slope']:.2f})" if s.get("slope") is not None else "")
        style = {"color": COLORS.get(s["framework"], OTHER),
                 "marker": MARKERS[k % len(MARKERS)], "markersize": 4,
                 "linewidth": 2.6 if s["baseline"] else 1.4,
                 "linestyle": "--" if s["baseline"] else STYLES[k % len(STYLES)]}
        if not memory and "p25_s" in pts[0]:
            lo = [max(p[value] - p["p25_s"], 0) for p in pts]
            hi = [max(p["p75_s"] - p[value], 0) for p in pts]
            ax.errorbar(xs, ys, yerr=[lo, hi], label=label, capsize=2, elinewidth=0.8, **style)
        else:
            ax.plot(xs, ys, label=label, **style)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(study["x_label"] + " (log scale)")
    ax.set_ylabel(("peak resident memory of one call, MB" if memory else
                   "time per call, seconds") + " (log scale)")
    ax.grid(True, which="major", color="#dddddd", linewidth=0.8)
    ax.grid(True, which="minor", color="#f0f0f0", linewidth=0.5)
    if memory:
        ax.legend(fontsize=7, loc="upper left", frameon=False)
        ax.set_title("  against the number of layers", loc="right", fontsize=10)
    else:
        ax.set_title(study["title"], loc="left", fontsize=11, fontweight="bold")
        ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.text(0.01, 0.005, describe_run(payload), fontsize=6.5, color="#555555", ha="left",
             va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _memory_bars(ax, study):
    """Horizontal bars: each series' peak memory at the deepest chain, with its ratio to the
    floor (log scale, like the other panel)."""
    depth = max(p["x"] for s in study["series"] for p in s["points"])
    rows = [(s, next(p for p in s["points"] if p["x"] == depth)) for s in study["series"]
            if any(p["x"] == depth for p in s["points"])]
    for i, (s, p) in enumerate(rows):
        y = len(rows) - 1 - i
        mb = max(p["peak_rss_bytes"], 1) / 2 ** 20
        ax.barh(y, mb, color=COLORS.get(s["framework"], OTHER), height=0.62,
                hatch="//" if s["baseline"] else None, edgecolor="#444444" if s["baseline"]
                else "none")
        ax.text(mb * 1.1, y, f"{mb:.1f} MB ({p['ratio']:.2f}x)", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([s["name"] for s, _ in reversed(rows)], fontsize=8)
    ax.set_xscale("log")
    lo = min(max(p["peak_rss_bytes"], 1) for _, p in rows) / 2 ** 20
    hi = max(p["peak_rss_bytes"] for _, p in rows) / 2 ** 20
    ax.set_xlim(lo / 2, hi * 8)
    ax.set_xlabel("peak resident memory of one call, MB (log scale; ratio to the floor)")
    ax.set_title(f"{study['title']}: {depth:,} layers", loc="left", fontsize=10,
                 fontweight="bold")
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)


def write_all(payload, out_dir=RESULTS):
    """Chart every study of the payload's sweeps into `out_dir`; return the paths written."""
    paths = []
    for sweep in payload.get("sweeps", []):
        for study in sweep["studies"]:
            paths.append(draw(study, payload, Path(out_dir) / filename(study)))
    return paths


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.scaling_chart",
                                description="Draw a run's scaling sweeps as log-log PNG charts.")
    add_results_argument(p)
    p.add_argument("-o", "--output-dir", default=str(RESULTS),
                   help="where to write the PNGs (default: benchmarks/results/)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    if not available():
        print("matplotlib is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 1
    for path in write_all(load(args.results), args.output_dir):
        print(f"chart: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
