"""The optax corpus (examples/optax_docs/*.py): programs written for JAX + optax print, under
`python -m funcgrad`, exactly what they printed under real JAX + optax (recorded in
examples/optax_docs/expected/<name>.out).

Every program runs on funcgrad in the default suite. Real JAX takes several seconds a program
(its compilations), so the default suite re-runs only one under JAX, to keep the recordings
honest; all of them run with `FUNCGRAD_CORPUS_ORACLE=1` (marked slow). Re-record after changing a
program: `python tests/test_optax_corpus.py --record` (needs JAX and optax).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "examples" / "optax_docs"
EXPECTED = CORPUS / "expected"
PROGRAMS = sorted(p.stem for p in CORPUS.glob("*.py"))
ORACLE_EVERY_PROGRAM = os.environ.get("FUNCGRAD_CORPUS_ORACLE") == "1"
CHEAP_UNDER_JAX = "schedules"  # re-run under real JAX in the default suite


def run(name: str, under_funcgrad: bool) -> str:
    """The program's stdout, run from the repository root with this checkout importable;
    a failing run fails the test with its stderr."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    prefix = ["-m", "funcgrad"] if under_funcgrad else []
    proc = subprocess.run([sys.executable, *prefix, str(CORPUS / f"{name}.py")], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    where = "python -m funcgrad" if under_funcgrad else "real JAX + optax"
    assert proc.returncode == 0, f"{name}.py under {where} failed:\n{proc.stderr[-3000:]}"
    return proc.stdout


def expected(name: str) -> str:
    return (EXPECTED / f"{name}.out").read_text()


def assert_same_output(name: str, printed: str, where: str) -> None:
    want = expected(name).splitlines()
    got = printed.splitlines()
    diff = [f"line {i + 1}:\n  optax:    {w}\n  {where}: {g}"
            for i, (w, g) in enumerate(zip(want, got)) if w != g]
    if len(want) != len(got):
        diff.append(f"{len(got)} lines printed, {len(want)} expected")
    assert not diff, f"{name}.py prints differently:\n" + "\n".join(diff)


def test_corpus_is_complete():
    assert len(PROGRAMS) >= 8, PROGRAMS
    missing = [n for n in PROGRAMS if not (EXPECTED / f"{n}.out").is_file()]
    assert not missing, f"no recorded output for {missing}: run {__file__} --record"


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_prints_what_optax_printed(name):
    assert_same_output(name, run(name, under_funcgrad=True), "funcgrad")


def _needs_oracle():
    pytest.importorskip("optax", reason="optax oracle not installed: pip install -e '.[optax]'")


def test_recording_is_current_for_one_program():
    _needs_oracle()
    assert_same_output(CHEAP_UNDER_JAX, run(CHEAP_UNDER_JAX, under_funcgrad=False), "JAX now")


@pytest.mark.slow
@pytest.mark.skipif(not ORACLE_EVERY_PROGRAM, reason="every program under real JAX takes ~1 min:"
                    " set FUNCGRAD_CORPUS_ORACLE=1 to run them")
@pytest.mark.parametrize("name", PROGRAMS)
def test_recording_is_current(name):
    _needs_oracle()
    assert_same_output(name, run(name, under_funcgrad=False), "JAX now")


def record(names: list[str]) -> None:
    """Write each program's output under real JAX + optax to expected/<name>.out."""
    EXPECTED.mkdir(exist_ok=True)
    for name in names:
        out = run(name, under_funcgrad=False)
        (EXPECTED / f"{name}.out").write_text(out)
        print(f"recorded {name}: {len(out.splitlines())} lines")


if __name__ == "__main__":
    if sys.argv[1:2] != ["--record"]:
        sys.exit(f"usage: python {sys.argv[0]} --record [program names]")
    record(sys.argv[2:] or PROGRAMS)
