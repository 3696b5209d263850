"""The optax corpus (examples/optax_docs/*.py): programs written for JAX + optax print, under
`python -m funcgrad`, exactly what they printed under real JAX + optax (recorded in
examples/optax_docs/expected/<name>.out).

Every program runs twice: under funcgrad, and under real JAX + optax (the oracle; skipped, with
the reason, where it is not installed), and both must print the recorded output, so a recording
can never go stale. Re-record after changing a program: `python tests/test_optax_corpus.py
--record` (needs JAX and optax).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import funcgrad as fg

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "examples" / "optax_docs"
EXPECTED = CORPUS / "expected"
PROGRAMS = sorted(p.stem for p in CORPUS.glob("*.py"))


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


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_prints_the_same_under_real_jax_and_optax(name):
    _needs_oracle()
    assert_same_output(name, run(name, under_funcgrad=False), "JAX now")


PROBE = """
import sys
import jax, jax.numpy as jnp, jax.lax, jax.nn, jax.random, jax.scipy, jax.tree_util, optax
import optax.tree, optax.tree_utils
from jax import tree
import funcgrad, funcgrad.optim
assert jax is funcgrad and jnp is funcgrad.numpy and jax.lax is funcgrad.lax, jax
assert jax.tree_util is funcgrad.tree_util and tree is funcgrad.tree and jax.random is funcgrad.random
assert optax is funcgrad.optim and optax.tree is funcgrad.optim.tree
assert funcgrad.numpy.__spec__.name == "funcgrad.numpy"  # the module keeps its own spec
try:
    import jax.experimental.pallas  # funcgrad has none: a missing module, never the real JAX's
except ModuleNotFoundError:
    print("no jax.experimental.pallas")
jax.config.update("jax_enable_x64", True)
print(sys.argv[1:], jax.tree.map(lambda x: x * 2, {"a": 1}))
"""


def test_the_runner_aliases_jax_and_optax(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    proc = subprocess.run([sys.executable, "-m", "funcgrad", str(script), "x", "--y"], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["no jax.experimental.pallas", "['x', '--y'] {'a': 2}"]
    usage = subprocess.run([sys.executable, "-m", "funcgrad"], cwd=ROOT, capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True, timeout=120)
    assert usage.returncode == 2 and "usage: python -m funcgrad script.py" in usage.stderr


def test_jax_enable_x64_is_accepted_on_and_off():
    fg.config.update("jax_enable_x64", True)
    assert fg.config.jax_enable_x64 is True
    try:  # off is JAX's 32-bit mode (tests/test_jax_dtypes.py); restored for the other tests
        fg.config.update("jax_enable_x64", False)
        assert fg.config.jax_enable_x64 is False and fg.numpy.ones(1).dtype == "float32"
    finally:
        fg.config.update("jax_enable_x64", True)


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
