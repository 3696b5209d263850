"""The JAX corpus (examples/jax_docs/*.py): programs written for JAX after the topics of JAX's
documentation print, under `python -m funcgrad`, exactly what they printed under real JAX 0.10.2
with its default settings (x64 off, float32), recorded in examples/jax_docs/expected/<name>.txt.

Each program runs under funcgrad (one subprocess per program) and its stdout is compared with the
recording: the same text, or the same tokens with floating-point numbers allowed to differ by a few
float32 ulps (RTOL below; FUNCGRAD_CORPUS_EXACT=1 asks for identical text, line for line).
Where real JAX is installed, `test_recording_is_what_jax_prints` runs it
again under JAX and compares it with the same recording, so a recording can never go stale (three
programs on every run; all of them, slow, with FUNCGRAD_SLOW=1). Re-record after
changing a program: `python tests/test_jax_corpus.py --record [names]` (needs JAX).

PENDING lists the programs that do not yet print what JAX prints, each with the gap that stops
it (issue #17); they run as non-strict xfails, so a program that starts passing shows as XPASS
and its line can be deleted.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "examples" / "jax_docs"
EXPECTED = CORPUS / "expected"
PROGRAMS = sorted(p.stem for p in CORPUS.glob("*.py"))

# program -> why it does not print what JAX prints yet (all other programs do).
PENDING: dict[str, str] = {
}


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


# A token of printed output: a number (sign included, so -0. and 0. compare as numbers), a word,
# or one other character; whitespace separates tokens and is not compared.
TOKEN = re.compile(r"-?(?:\d+\.\d*|\.\d+|\d+)(?:e[-+]?\d+)?|[A-Za-z_]\w*|\S")
FLOAT = re.compile(r"-?(?:\d+\.\d*|\.\d+|\d+)(?:e[-+]?\d+)?$")
# Floating-point numbers may differ by a few float32 ulps, relative to the largest magnitude
# printed on the same line: XLA computes transcendental functions with its own approximations and
# sums in its own order, funcgrad with numpy's kernels (docs/jax.md, "Floating-point results").
RTOL = 2e-6


def _tokens(text: str) -> list[tuple[str, int, float]]:
    """(token, line number, largest magnitude of a number on that line) for each token."""
    out = []
    for i, line in enumerate(text.splitlines()):
        toks = TOKEN.findall(line)
        scale = max((abs(float(t)) for t in toks if FLOAT.match(t)), default=0.0)
        out += [(t, i + 1, scale) for t in toks]
    return out


def _same_token(w: str, g: str, scale: float) -> bool:
    if w == g:
        return True
    is_float = FLOAT.match(w) and FLOAT.match(g) and not (w.lstrip("-").isdigit()
                                                         and g.lstrip("-").isdigit())
    return bool(is_float) and abs(float(w) - float(g)) <= RTOL * max(scale, abs(float(g)))


def output_differences(want: str, got: str, exact: bool) -> list[str]:
    """Where `got` differs from JAX's `want`. Identical text passes. Unless `exact`, the two may
    also have the same tokens with integers equal and floats equal within RTOL (numpy's layout of
    an array, its column widths and line wrapping, follows the last digits, so whitespace is not
    compared then)."""
    if want == got:
        return []
    w_lines, g_lines = want.splitlines(), got.splitlines()
    if exact:
        return [f"line {i + 1}:\n  JAX:      {a}\n  funcgrad: {b}"
                for i, (a, b) in enumerate(zip(w_lines, g_lines)) if a != b][:10] or [
            f"{len(g_lines)} lines printed, {len(w_lines)} expected"]
    wt, gt = _tokens(want), _tokens(got)
    for (w, wi, scale), (g, gi, _) in zip(wt, gt):
        if not _same_token(w, g, scale):
            return [f"JAX's line {wi}:  {w_lines[wi - 1]}",
                    f"printed line {gi}: {g_lines[gi - 1]}",
                    f"first difference: {w!r} != {g!r}"]
    if len(wt) != len(gt):
        longer, (tok, line, _) = ("JAX", wt[len(gt)]) if len(wt) > len(gt) else (
            "funcgrad", gt[len(wt)])
        text = (w_lines if longer == "JAX" else g_lines)[line - 1]
        return [f"{longer} printed more, from line {line}: {text}"]
    return []


def assert_same_output(name: str, printed: str, where: str, exact: bool) -> None:
    diff = output_differences(expected(name), printed, exact)
    assert not diff, f"{name}.py prints differently under {where}:\n" + "\n".join(diff)


def test_corpus_is_complete():
    assert len(PROGRAMS) >= 30, PROGRAMS
    missing = [n for n in PROGRAMS if not (EXPECTED / f"{n}.txt").is_file()]
    assert not missing, f"no recorded output for {missing}: run {__file__} --record"
    stale = sorted(set(PENDING) - set(PROGRAMS))
    assert not stale, f"PENDING names programs that do not exist: {stale}"


@pytest.mark.parametrize("want, got, same", [
    ("[1. 2.]\n", "[1. 2.]\n", True),
    ("0.1460071\n", "0.14600718\n", True),                         # one float32 ulp
    ("[0.67843044 0.67843044 0.67843044 0.67843044 0.67843044 0.67843044\n 0.67843044]\n",
     "[0.6784305 0.6784305 0.6784305 0.6784305 0.6784305 0.6784305 0.6784305]\n", True),  # wrap
    ("[ 0.46211717 -0.        ]\n", "[0.4621172 0.       ]\n", True),  # -0. is 0.
    ("[7.3484693 1.0000004]\n", "[7.3484693 1.       ]\n", True),    # scale of the line
    ("0.1460071\n", "0.1460091\n", False),                          # 14 ulps
    ("[28 85 69]\n", "[28 86 69]\n", False),                        # integers are exact
    ("Array(2., dtype=float32, weak_type=True)\n", "Array(2., dtype=float32)\n", False),
    ("x -> TypeError\n", "x -> GradOutputError\n", False),
    ("1.0\n2.0\n", "1.0\n", False),
    ("1.0\n", "1.0\n2.0\n", False),
])
def test_output_comparison(want, got, same):
    assert (output_differences(want, got, exact=False) == []) is same
    assert (output_differences(want, got, exact=True) == []) is (want == got)


def _pending(name: str):
    reason = PENDING.get(name)
    marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
    return pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", [_pending(n) for n in PROGRAMS])
def test_program_prints_what_jax_printed(name):
    exact = os.environ.get("FUNCGRAD_CORPUS_EXACT") == "1"   # to see every last-digit difference
    assert_same_output(name, run(name, under_funcgrad=True), "funcgrad", exact)


# Each program under real JAX takes seconds (JAX's start-up and compilation): a sample of three
# checks the recordings on every run, all of them with FUNCGRAD_SLOW=1.
LIVE_SAMPLE = ("pytrees_basics", "random_keys", "sharp_bits_dtypes")
SLOW = [pytest.mark.slow, pytest.mark.skipif(os.environ.get("FUNCGRAD_SLOW") != "1",
                                             reason="slow: FUNCGRAD_SLOW=1 runs it")]


@pytest.mark.parametrize("name", [n if n in LIVE_SAMPLE else pytest.param(n, marks=SLOW)
                                  for n in PROGRAMS])
def test_recording_is_what_jax_prints(name):
    pytest.importorskip("jax", reason="JAX oracle not installed: pip install -e '.[jax]'")
    assert_same_output(name, run(name, under_funcgrad=False), "JAX now", exact=True)


# Two functions the corpus needed and funcgrad lacked (jnp.piecewise, jax.nn.hard_tanh), against
# JAX: shapes of size 0, 1 and more, float32 and float64 inputs (JAX computes them in float32).
PIECEWISE_CASES = [
    (lambda x: [x < 0, x >= 0], [lambda v: -v, lambda v: v ** 2]),
    (lambda x: [x < 1], [lambda v: 10 * v, -1.0]),                        # a default
    (lambda x: [x < 1, x > -1], [lambda v: v + 1, 7.0]),                  # the last true wins
    (lambda x: [x > 0, x < 0], [3.0, lambda v: v * v, lambda v: v - 1]),  # default elsewhere
]


@pytest.mark.parametrize("n", [0, 1, 5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", range(len(PIECEWISE_CASES)))
def test_piecewise_and_hard_tanh_match_jax(case, dtype, n):
    jnp = pytest.importorskip("jax.numpy", reason="JAX oracle not installed: pip install '.[jax]'")
    jax_nn = pytest.importorskip("jax.nn", reason="JAX oracle not installed")
    x = np.linspace(-2.0, 2.0, n).astype(dtype)
    conds, funcs = PIECEWISE_CASES[case]
    got = fnp.piecewise(fnp.asarray(x), conds(fnp.asarray(x)), funcs)
    want = jnp.piecewise(jnp.asarray(x), conds(jnp.asarray(x)), funcs)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(fg.nn.hard_tanh(fnp.asarray(x))),
                               np.asarray(jax_nn.hard_tanh(jnp.asarray(x))))
    grad = fg.vmap(fg.grad(lambda v: fnp.piecewise(v, conds(v), funcs)))(fnp.asarray(x))
    assert np.asarray(grad).shape == (n,)


@pytest.mark.parametrize("n", [0, 1, 4])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["sum", "prod"])
@pytest.mark.parametrize("kw", [dict(where="neg"), dict(initial=2.0), dict(where="neg", initial=3),
                                dict(axis=0, where="row", keepdims=True)])
def test_sum_and_prod_take_where_and_initial_as_numpy(name, dtype, n, kw):
    x = np.linspace(-2.0, 1.5, 3 * n).astype(dtype).reshape(n, 3)
    masks = {"neg": x < 0, "row": np.array([True, False, True])}
    np_kw = {k: masks[v] if k == "where" else v for k, v in kw.items()}
    want = getattr(np, name)(x, **np_kw)
    got = getattr(fnp, name)(fnp.asarray(x), **np_kw)
    assert np.asarray(got).dtype == want.dtype and np.asarray(got).shape == want.shape
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)
    jitted = fg.jit(lambda v: getattr(fnp, name)(v, **np_kw))(fnp.asarray(x))
    np.testing.assert_allclose(np.asarray(jitted), want, rtol=1e-6)


def _callback_calls(lib, debug, vmap, grad, jit, x):
    """What a debug callback sees eagerly, under jit, vmap, grad and fori_loop."""
    seen = []

    def note(*vals, **kw):
        seen.append(([np.asarray(v).tolist() for v in vals],
                     {k: np.asarray(v).tolist() for k, v in kw.items()}))

    def f(v):
        debug.callback(note, v, twice=2 * v)
        return (v * v).sum()

    f(x)
    jit(f)(x)
    vmap(f)(x)
    grad(f)(x)
    lib.lax.fori_loop(0, 2, lambda i, c: (debug.callback(note, i, c), c + 1.0)[1], 0.0)
    return seen


@pytest.mark.parametrize("n", [0, 1, 3])
def test_debug_callback_sees_what_jax_s_sees(n):
    jax = pytest.importorskip("jax", reason="JAX oracle not installed: pip install '.[jax]'")
    x = np.linspace(-1.0, 1.0, n).astype(np.float32)
    want = _callback_calls(jax, jax.debug, jax.vmap, jax.grad, jax.jit, jax.numpy.asarray(x))
    got = _callback_calls(fg, fg.debug, fg.vmap, fg.grad, fg.jit, fnp.asarray(x))
    assert got == want
    with pytest.raises(TypeError, match="must be callable"):
        fg.debug.callback(3, x)


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
