"""``python -m benchmarks.chart [results.json] [-o chart.png] [--docs]``: a PNG of a run's ratios.

One panel per workload, one bar per variant: its ratio to its baseline (log scale; 1x is the
baseline, left of it is faster), coloured by framework, with the interquartile range of the
repeats as whiskers. A variant with a target has the target
drawn as a red tick on its row, and a missed target is labelled MISS. ``python -m benchmarks``
calls this after every run that writes ``results/latest.json`` (when matplotlib, from the
``bench`` extra, is installed), writing ``results/latest.png``. ``--docs`` also copies the chart to
``docs/img/benchmarks.png``, the picture README.md and docs/benchmarks.md show.
"""
from __future__ import annotations

import argparse
import math
import shutil
import sys
from pathlib import Path

from .table import LATEST, add_results_argument, describe_run, load

HERE = Path(__file__).resolve().parent
LATEST_PNG = HERE / "results" / "latest.png"
DOCS_PNG = HERE.parent / "docs" / "img" / "benchmarks.png"

COLORS = {"funcgrad": "#3b75af", "torch": "#ee8636", "numpy": "#8c8c8c", "jax": "#55a868"}
OTHER = "#b39ddb"


def available():
    """Whether matplotlib can be imported (the chart is skipped, with a note, otherwise)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _short(s, n=58):
    return s if len(s) <= n else s[:n - 1] + "…"


def _rows(payload):
    """Per workload: a list of ('group', baseline name) and ('bar', row) entries, top to bottom."""
    panels = []
    for w in payload.get("workloads", []):
        entries, several = [], len(w.get("baselines", [])) > 1
        for base in w.get("baselines", []):
            bars = [r for r in w["rows"] if not r["baseline"] and r["vs"] == base]
            if not bars:
                continue
            if several:
                entries.append(("group", base))
            entries += [("bar", r) for r in bars]
        title = w["name"]
        if not several and w.get("baselines"):
            title += f"  (vs {_short(w['baselines'][0], 70)})"
        panels.append((title, entries))
    return [p for p in panels if any(k == "bar" for k, _ in p[1])]


def draw(payload, path):
    """Write the chart of a results payload (the JSON `python -m benchmarks` writes) to `path`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    panels = _rows(payload)
    if not panels:
        raise ValueError("these results have no variants to chart")
    ratios = [r["ratio"] for _, es in panels for k, r in es if k == "bar"]
    targets = [r["target"] for _, es in panels for k, r in es if k == "bar" and r["target"]]
    lo = min(ratios + targets + [1.0])
    hi = max(ratios + targets + [1.0])
    # room on the left for the labels of faster-than-baseline bars, on the right for the others
    lo, hi = 10 ** math.floor(math.log10(lo) - 0.7), 10 ** math.ceil(math.log10(hi) + 1.0)

    heights = [len(es) + 1.2 for _, es in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 0.32 * sum(heights) + 1.6),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, (name, entries) in zip(axes[:, 0], panels):
        n = len(entries)
        labels = []
        for i, (kind, item) in enumerate(entries):
            y = n - 1 - i
            if kind == "group":
                labels.append((y, f"vs {_short(item, 52)}", True))
                continue
            r = item
            labels.append((y, _short(r["variant"]), False))
            color = COLORS.get(r["framework"], OTHER)
            miss = r["status"] == "MISS"
            # a bar from the baseline (1x) to the ratio: leftwards is faster than the baseline
            base_s = r["median_s"] / r["ratio"] if r["ratio"] else 0.0
            err = None
            if base_s:
                err = [[max(r["ratio"] - r["p25_s"] / base_s, 0.0)],
                       [max(r["p75_s"] / base_s - r["ratio"], 0.0)]]
            ax.barh(y, r["ratio"] - 1.0, left=1.0, height=0.62, color=color,
                    edgecolor="#c62828" if miss else "none", linewidth=1.6 if miss else 0,
                    hatch="//" if miss else None)
            if err is not None:
                ax.errorbar(r["ratio"], y, xerr=err, fmt="none", ecolor="#333333",
                            elinewidth=0.8, capsize=2, zorder=4)
            text = f"{r['ratio']:.3g}x"
            if r["target"] is not None:
                ax.plot([r["target"]] * 2, [y - 0.42, y + 0.42], color="#c62828", linewidth=2.2,
                        solid_capstyle="butt", zorder=3)
                text += f"  (target ≤ {r['target']:g}x: {'MISS' if miss else 'ok'})"
            style = dict(va="center", fontsize=8, color="#c62828" if miss else "#222222",
                         fontweight="bold" if miss else None)
            right = r["ratio"] + (err[1][0] if err else 0.0)
            left = r["ratio"] - (err[0][0] if err else 0.0)
            if r["ratio"] >= 1.0:
                ax.text(max(right, r["target"] or 0) * 1.12, y, text, ha="left", **style)
            else:
                ax.text(min(left, r["target"] or math.inf) / 1.12, y, text, ha="right", **style)
        ax.axvline(1.0, color="#444444", linestyle="--", linewidth=1, zorder=0)
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_yticks([y for y, _, _ in labels])
        ax.set_yticklabels([t for _, t, _ in labels], fontsize=8)
        for tick, (_, _, group) in zip(ax.get_yticklabels(), labels):
            if group:
                tick.set_fontstyle("italic")
                tick.set_fontweight("bold")
        ax.set_title(name, loc="left", fontsize=10, fontweight="bold")
        ax.grid(axis="x", which="major", color="#dddddd", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
        ax.tick_params(axis="x", labelsize=8)
    axes[-1, 0].set_xlabel("time / baseline time (log scale; < 1x: faster than the baseline; "
                           "whiskers: interquartile range of the repeats)", fontsize=9)
    handles = [Patch(color=c, label=k) for k, c in COLORS.items()]
    handles.append(plt.Line2D([], [], color="#c62828", linewidth=2.2, label="target"))
    handles.append(plt.Line2D([], [], color="#444444", linestyle="--", linewidth=1,
                              label="baseline (1x)"))
    fig.legend(handles=handles, loc="upper right", ncol=len(handles), fontsize=8, frameon=False)
    fig.suptitle("funcgrad benchmarks: ratios to baselines timed in the same run", x=0.01,
                 ha="left", fontsize=11, fontweight="bold")
    fig.text(0.01, 0.005, describe_run(payload), fontsize=7, color="#555555", ha="left",
             va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_latest(results=LATEST, out=LATEST_PNG, docs=False):
    """Chart `results` into `out` (and into docs/img/benchmarks.png with docs=True); print where."""
    path = draw(load(results), out)
    root = HERE.parent
    print(f"chart: {path.relative_to(root) if path.is_relative_to(root) else path}")
    if docs:
        DOCS_PNG.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_PNG)
        print(f"chart: {DOCS_PNG.relative_to(root)}")
    return path


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.chart",
                                description="Draw a benchmark run's ratios as a PNG chart.")
    add_results_argument(p)
    p.add_argument("-o", "--output", default=str(LATEST_PNG),
                   help="the PNG to write (default: benchmarks/results/latest.png)")
    p.add_argument("--docs", action="store_true",
                   help="also copy it to docs/img/benchmarks.png (the chart README.md and the "
                        "docs show)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    if not available():
        print("matplotlib is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 1
    write_latest(args.results, args.output, docs=args.docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
