"""``python -m benchmarks.docs [results.json]``: regenerate the docs' benchmark page from a run.

Rewrites the generated parts of ``docs/benchmarks.md`` from the results JSON (default: the last
run's ``benchmarks/results/latest.json``): the ratio table (between the ``table`` markers) when
the run has ratio workloads, the PyTorch training steps' own table (``torch_train``) when it has
that workload, and the scaling tables (between the ``scaling`` markers) when it has sweeps; and
draws the charts into ``docs/img/`` (``benchmarks.png``, ``torch-train.png``, ``scaling-*.png``).
``--parts`` limits it to some parts: after ``python -m benchmarks torch_train``,
``python -m benchmarks.docs --parts torch_train`` refreshes that part alone. A
part the run does not cover is left as it was, so a ``python -m benchmarks scaling`` run
refreshes only the scaling part.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from . import chart, scaling_chart
from .table import LATEST, add_results_argument, load, markdown, sweep_markdown

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "benchmarks.md"
IMG = ROOT / "docs" / "img"


def marker(name, end=False):
    if end:
        return f"<!-- end generated: {name} -->"
    return f"<!-- generated: {name} (python -m benchmarks.docs rewrites this part) -->"


def replace_block(text, name, body):
    """`text` with the part between `name`'s markers replaced by `body`."""
    pattern = re.compile(re.escape(marker(name)) + r"\n.*?" + re.escape(marker(name, end=True)),
                         re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{PAGE}: no {marker(name)!r} ... {marker(name, end=True)!r} markers")
    return pattern.sub(lambda _: f"{marker(name)}\n{body}\n{marker(name, end=True)}", text)


# workloads that also get a part (and a chart, docs/img/<name with '-'>.png) of their own
OWN_PARTS = ("torch_train",)


def regenerate(results=LATEST, page=PAGE, img=IMG, charts=True, parts=None):
    """Rewrite the parts the run covers (`parts`: only those of these names)."""
    payload = load(results)
    text = Path(page).read_text()
    done = []
    wanted = (lambda name: parts is None or name in parts)
    if payload.get("workloads") and wanted("table"):
        text = replace_block(text, "table", markdown(payload))
        done.append("table")
        if charts:
            chart.draw(payload, Path(img) / "benchmarks.png")
    for name in OWN_PARTS:
        own = dict(payload, workloads=[w for w in payload.get("workloads", [])
                                       if w["name"] == name])
        if own["workloads"] and wanted(name):
            text = replace_block(text, name, markdown(own))
            done.append(name)
            if charts:
                chart.draw(own, Path(img) / f"{name.replace('_', '-')}.png")
    if payload.get("sweeps") and wanted("scaling"):
        text = replace_block(text, "scaling", sweep_markdown(payload))
        done.append("scaling")
        if charts:
            scaling_chart.write_all(payload, img)
    Path(page).write_text(text)
    return done


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.docs",
                                description="Regenerate docs/benchmarks.md's tables and the "
                                            "charts in docs/img/ from a results JSON.")
    add_results_argument(p)
    p.add_argument("--no-charts", action="store_true", help="only the tables")
    p.add_argument("--parts", nargs="+", metavar="PART",
                   help="rewrite only these parts ('table', 'scaling', " + ", ".join(
                       f"'{n}'" for n in OWN_PARTS) + "), e.g. after a run of one workload")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    charts = not args.no_charts
    if charts and not chart.available():
        print("matplotlib is not installed (pip install -e '.[bench]'): tables only",
              file=sys.stderr)
        charts = False
    done = regenerate(args.results, charts=charts, parts=args.parts)
    print(f"{PAGE.relative_to(ROOT)}: regenerated {', '.join(done) or 'nothing'}"
          + (" (and the charts in docs/img/)" if charts and done else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
