"""The PyTorch tutorial corpus (examples/torch_tutorials/*.py): programs written for PyTorch after
the topics of PyTorch's tutorials print, under `python -m funcgrad.torch`, what they printed under
real PyTorch 2.13 (CPU, float32, seeded), recorded in examples/torch_tutorials/expected/<name>.txt.

Each program's stdout is compared with its recording line by line: the same text, or the same
text with each number written the same way (the same digits count, point, sign and exponent)
and within RTOL of the recorded one (float round-off in the last printed digit; the notion of
equality of ../shared/tools/compare_output.py, with which the seed programs are held).
FUNCGRAD_CORPUS_EXACT=1 asks for identical text.

Speed: importing torch or funcgrad.torch costs seconds, the programs themselves little, so one
driver process imports it once (and makes the first calls that import more lazily, drawing no
random numbers) and runs each program in a fork of itself: a process of its own per program,
started as `python -m funcgrad.torch program.py` starts it (the runner's own `main` runs it).
`test_the_runner_is_python_m_funcgrad_torch` checks one program in a real separate process.
Both libraries run with one thread (OMP_NUM_THREADS=1): forked children of a multi-threaded
PyTorch on a loaded machine run several times slower, and the tensors here are far too small for
PyTorch to split an operation across threads, so what they print is the same.
Where real PyTorch is installed, `test_recording_is_what_pytorch_prints` runs every program under
it again (in one such driver) and compares with the same recording, so a recording cannot go
stale. Re-record after changing a program: `python tests/test_torch_corpus.py --record [names]`.

PENDING lists the programs that do not yet print what PyTorch prints, each with the gaps that
stop it (issue #21; every gap found, running the program past each one) and, in brackets, the
helper that owns them; they run as strict xfails, so a program that starts passing fails the run
until its line is deleted. Run with FUNCGRAD_CORPUS_EXACT=1 to see last-digit differences too.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "examples" / "torch_tutorials"
EXPECTED = CORPUS / "expected"
PROGRAMS = sorted(p.stem for p in CORPUS.glob("*.py"))

# program -> the gap that stops it printing what PyTorch prints [owner] (all others do).
PENDING: dict[str, str] = {}

# A number as printed: sign, digits, point, exponent.
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
RTOL = 2e-3


def _layout(line: str) -> str:
    return NUMBER.sub(lambda m: re.sub(r"\d", "0", m.group()), line)


def lines_match(want: str, got: str, rtol: float = RTOL) -> bool:
    """The same text, or the same layout with every number within `rtol` of PyTorch's."""
    if want == got:
        return True
    if _layout(want) != _layout(got):
        return False
    return all(abs(float(a) - float(b)) <= rtol * max(abs(float(a)), abs(float(b))) + 1e-12
               for a, b in zip(NUMBER.findall(want), NUMBER.findall(got)))


def output_differences(want: str, got: str, exact: bool = False) -> list[str]:
    """The lines where `got` differs from PyTorch's `want` (at most 8 of them)."""
    w_lines, g_lines = want.splitlines(), got.splitlines()
    bad = []
    for i in range(max(len(w_lines), len(g_lines))):
        w = w_lines[i] if i < len(w_lines) else "<no line>"
        g = g_lines[i] if i < len(g_lines) else "<no line>"
        if not (w == g if exact else lines_match(w, g)):
            bad.append(f"line {i + 1}:\n  torch:    {w}\n  funcgrad: {g}")
    return bad[:8]


@pytest.mark.parametrize("want, got, same", [
    ("tensor([1., 2.])", "tensor([1., 2.])", True),
    ("99 24804.932", "99 24804.926", True),                     # float32 round-off
    ("tensor([0.1454, 0.4185])", "tensor([0.1455, 0.4185])", True),
    ("tensor([0.1454, 0.4185])", "tensor([0.1554, 0.4185])", False),
    ("tensor(27., grad_fn=<MulBackward0>)", "tensor(27., grad_fn=<PowBackward0>)", False),
    ("tensor([1., 2.])", "tensor([1.0, 2.0])", False),          # written differently
    ("[0, 1, 2]", "[0, 1, 3]", False),
    ("True True", "True False", False),
])
def test_line_comparison(want, got, same):
    assert lines_match(want, got) is same
    assert (output_differences(want + "\n", got + "\n") == []) is same


# One process imports the library once, then forks a child per program; the child sends its
# stdout and stderr to files and runs the program as the command line would.
DRIVER = r"""
import json, os, sys, time, traceback
under, outdir, *paths = sys.argv[1:]
if under == "funcgrad":
    from funcgrad.torch.__main__ import main, install
    install()
    import torch
    def run(path):
        return main([path])
else:
    import runpy
    import torch
    def run(path):
        sys.argv = [path]
        sys.path.insert(0, os.path.dirname(path))
        runpy.run_path(path, run_name="__main__")
        return 0
import torch.func, torch.nn, torch.optim, torch.utils.data
# First calls import lazily (PyTorch's functorch and dynamo take seconds): once, here, with no
# random numbers drawn.
w = torch.ones(2, requires_grad=True)
torch.func.vmap(torch.func.grad(lambda v: (v * w).sum()))(torch.ones(3, 2))
for opt in (torch.optim.SGD([w], lr=0.1, momentum=0.9), torch.optim.Adam([w])):
    (w * w).sum().backward()
    opt.step()
list(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.ones(4, 2)), batch_size=2))
del w, opt
for path in paths:
    name = os.path.splitext(os.path.basename(path))[0]
    sys.stdout.flush(); sys.stderr.flush()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        for fd, ext in ((1, "out"), (2, "err")):
            os.dup2(os.open(os.path.join(outdir, f"{name}.{ext}"),
                            os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
        try:
            rc = run(path) or 0
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 1
        except BaseException:
            traceback.print_exc()
            rc = 1
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(rc)
    _, status = os.waitpid(pid, 0)
    print(json.dumps([name, os.waitstatus_to_exitcode(status), time.perf_counter() - start]))
"""


def run_programs(names: list[str], under: str) -> dict[str, tuple[int, str, str, float]]:
    """name -> (exit code, stdout, stderr, seconds) of each program run under "funcgrad"
    (`python -m funcgrad.torch`'s main) or "torch" (plain `python`), from the repository root
    with this checkout importable."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    paths = [str(CORPUS / f"{n}.py") for n in names]
    with tempfile.TemporaryDirectory() as tmp:
        if hasattr(os, "fork"):
            proc = subprocess.run([sys.executable, "-c", DRIVER, under, tmp, *paths], cwd=ROOT,
                                  env=env, capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, proc.stderr[-3000:]
            rows = [json.loads(line) for line in proc.stdout.splitlines()]
            return {n: (rc, Path(tmp, f"{n}.out").read_text(), Path(tmp, f"{n}.err").read_text(),
                        t) for n, rc, t in rows}
    out = {}                     # no fork (Windows): one process per program
    for name, path in zip(names, paths):
        prefix = ["-m", "funcgrad.torch"] if under == "funcgrad" else []
        proc = subprocess.run([sys.executable, *prefix, path], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        out[name] = (proc.returncode, proc.stdout, proc.stderr, 0.0)
    return out


def expected(name: str) -> str:
    return (EXPECTED / f"{name}.txt").read_text()


def assert_prints_what_pytorch_printed(name: str, result, where: str) -> None:
    rc, out, err, _ = result
    exact = os.environ.get("FUNCGRAD_CORPUS_EXACT") == "1"
    assert rc == 0, f"{name}.py under {where} failed:\n{err[-3000:]}"
    diff = output_differences(expected(name), out, exact)
    assert not diff, f"{name}.py prints differently under {where}:\n" + "\n".join(diff)


@pytest.fixture(scope="module")
def funcgrad_runs():
    return run_programs(PROGRAMS, "funcgrad")


def test_corpus_is_complete():
    assert len(PROGRAMS) >= 20, PROGRAMS
    missing = [n for n in PROGRAMS if not (EXPECTED / f"{n}.txt").is_file()]
    assert not missing, f"no recorded output for {missing}: run {__file__} --record"
    stale = sorted(set(PENDING) - set(PROGRAMS))
    assert not stale, f"PENDING names programs that do not exist: {stale}"
    docs = (ROOT / "docs" / "pytorch.md").read_text()
    unlisted = [n for n in PROGRAMS if f"| `{n}.py` |" not in docs]
    assert not unlisted, f"docs/pytorch.md's corpus table lacks {unlisted}"


def _pending(name: str):
    reason = PENDING.get(name)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", [_pending(n) for n in PROGRAMS])
def test_program_prints_what_pytorch_printed(name, funcgrad_runs):
    result = funcgrad_runs[name]
    assert_prints_what_pytorch_printed(name, result, "python -m funcgrad.torch")


def test_the_runner_is_python_m_funcgrad_torch(funcgrad_runs):
    """The forked driver prints what a separate `python -m funcgrad.torch program.py` prints."""
    name = "tensors_basics"
    proc = subprocess.run([sys.executable, "-m", "funcgrad.torch", str(CORPUS / f"{name}.py")],
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout == funcgrad_runs[name][1]


RECORDED_WITH = "2.13."   # the PyTorch release whose output expected/ holds


def test_recording_is_what_pytorch_prints(torch):
    if not torch.__version__.startswith(RECORDED_WITH):
        pytest.skip(f"the recordings are PyTorch {RECORDED_WITH}x's output (state_dict keys and "
                    f"messages change between releases); this is PyTorch {torch.__version__}")
    runs = run_programs(PROGRAMS, "torch")
    failed = []
    for name in PROGRAMS:
        try:
            assert_prints_what_pytorch_printed(name, runs[name], "PyTorch now")
        except AssertionError as e:
            failed.append(str(e))
    assert not failed, "\n".join(failed)


def record(names: list[str]) -> None:
    """Write each program's output under real PyTorch (a plain `python program.py`) to
    expected/<name>.txt."""
    EXPECTED.mkdir(exist_ok=True)
    for name in names:
        proc = subprocess.run([sys.executable, str(CORPUS / f"{name}.py")], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            sys.exit(f"{name}.py failed under PyTorch:\n{proc.stderr[-3000:]}")
        (EXPECTED / f"{name}.txt").write_text(proc.stdout)
        print(f"recorded {name}: {len(proc.stdout.splitlines())} lines")


if __name__ == "__main__":
    if sys.argv[1:2] != ["--record"]:
        sys.exit(f"usage: python {sys.argv[0]} --record [program names]")
    record(sys.argv[2:] or PROGRAMS)
