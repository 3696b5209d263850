"""The JAX corpus (examples/jax_docs/*.py): programs written for JAX after the topics of JAX's
documentation print, under `python -m funcgrad`, exactly what they printed under real JAX 0.10.2
with its default settings (x64 off, float32), recorded in examples/jax_docs/expected/<name>.txt.

Each program runs under funcgrad (one subprocess per program) and its stdout is compared with the
recording line for line. Where real JAX is installed, `test_recording_is_what_jax_prints` runs it
again under JAX and compares it with the same recording, so a recording can never go stale (three
programs on every run; all of them, slow, with FUNCGRAD_SLOW=1). Re-record after
changing a program: `python tests/test_jax_corpus.py --record [names]` (needs JAX).

PENDING lists the programs that do not yet print what JAX prints in this checkout, each with the
gap that stops it and the helper whose branch closes it (issue #17); they run as non-strict
xfails, so a program that starts passing shows as XPASS and its line can be deleted.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "examples" / "jax_docs"
EXPECTED = CORPUS / "expected"
PROGRAMS = sorted(p.stem for p in CORPUS.glob("*.py"))

# program -> why it does not print what JAX prints yet (owner: the gap)
PENDING: dict[str, str] = {}


def run(name: str, under_funcgrad: bool) -> str:
    """The program's stdout, run from the repository root with this checkout importable; a
    failing run fails the test with the end of its stderr."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    prefix = ["-m", "funcgrad"] if under_funcgrad else []
    proc = subprocess.run([sys.executable, *prefix, str(CORPUS / f"{name}.py")], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    where = "python -m funcgrad" if under_funcgrad else "real JAX"
    assert proc.returncode == 0, f"{name}.py under {where} failed:\n{proc.stderr[-3000:]}"
    return proc.stdout


def expected(name: str) -> str:
    return (EXPECTED / f"{name}.txt").read_text()


def assert_same_output(name: str, printed: str, where: str) -> None:
    want = expected(name).splitlines()
    got = printed.splitlines()
    diff = [f"line {i + 1}:\n  JAX:      {w}\n  {where}: {g}"
            for i, (w, g) in enumerate(zip(want, got)) if w != g]
    if len(want) != len(got):
        diff.append(f"{len(got)} lines printed, {len(want)} expected")
    assert not diff, f"{name}.py prints differently:\n" + "\n".join(diff)


def test_corpus_is_complete():
    assert len(PROGRAMS) >= 30, PROGRAMS
    missing = [n for n in PROGRAMS if not (EXPECTED / f"{n}.txt").is_file()]
    assert not missing, f"no recorded output for {missing}: run {__file__} --record"
    stale = sorted(set(PENDING) - set(PROGRAMS))
    assert not stale, f"PENDING names programs that do not exist: {stale}"


def _pending(name: str):
    reason = PENDING.get(name)
    marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
    return pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", [_pending(n) for n in PROGRAMS])
def test_program_prints_what_jax_printed(name):
    assert_same_output(name, run(name, under_funcgrad=True), "funcgrad")


# Each program under real JAX takes seconds (JAX's start-up and compilation): a sample of three
# checks the recordings on every run, all of them with FUNCGRAD_SLOW=1.
LIVE_SAMPLE = ("pytrees_basics", "random_keys", "sharp_bits_dtypes")
SLOW = [pytest.mark.slow, pytest.mark.skipif(os.environ.get("FUNCGRAD_SLOW") != "1",
                                             reason="slow: FUNCGRAD_SLOW=1 runs it")]


@pytest.mark.parametrize("name", [n if n in LIVE_SAMPLE else pytest.param(n, marks=SLOW)
                                  for n in PROGRAMS])
def test_recording_is_what_jax_prints(name):
    pytest.importorskip("jax", reason="JAX oracle not installed: pip install -e '.[jax]'")
    assert_same_output(name, run(name, under_funcgrad=False), "JAX now")


def record(names: list[str]) -> None:
    """Write each program's output under real JAX to expected/<name>.txt."""
    EXPECTED.mkdir(exist_ok=True)
    for name in names:
        out = run(name, under_funcgrad=False)
        (EXPECTED / f"{name}.txt").write_text(out)
        print(f"recorded {name}: {len(out.splitlines())} lines")


if __name__ == "__main__":
    if sys.argv[1:2] != ["--record"]:
        sys.exit(f"usage: python {sys.argv[0]} --record [program names]")
    record(sys.argv[2:] or PROGRAMS)
