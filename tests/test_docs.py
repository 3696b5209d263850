"""The documentation runs: every ```python block of README.md and docs/*.md, and every examples/*.py.

Conventions for code blocks in the Markdown files:

- The ```python blocks of one file run in order, in one namespace (a later block sees the names an
  earlier one defined), as if they were one script. ```sh, ```text and other blocks do not run.
- A block whose first line is `# doctest: skip` is not run (use it sparingly).
- A block whose first line is `# raises: ClassName` must raise an exception of that class (checked
  by class name, along the exception's MRO), and its last statement should be the one that raises.
- A ```text block that directly follows a ```python block (nothing but blank lines between) is
  what that block shows, and is checked:
  * after an ordinary block, it must equal the block's printed output (trailing whitespace
    ignored);
  * after a `# raises:` block, it is the error message as the user sees it, possibly trimmed: the
    first line may start with the class name (`pkg.mod.ClassName: `), a line `...` stands for
    lines left out, and every other line must be a line of the real message, in order. The block
    itself is called `example.py` there: funcgrad's messages quote the user's line as
    `example.py:LINE: source`, LINE counted from the block's first line.
"""
from __future__ import annotations

import contextlib
import io
import linecache
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))

FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
SKIP = "# doctest: skip"
RAISES = re.compile(r"^#\s*raises:\s*(?P<name>[A-Za-z_][A-Za-z0-9_.]*)\s*$")
SHOWN_FILENAME = "example.py"   # what the docs call the block in the messages they show


@dataclass
class Block:
    lang: str
    code: str
    line: int          # 1-based line of the first line of code in the Markdown file
    end: int           # 1-based line of the closing fence
    expected: "Block | None" = None   # the ```text block that shows its output, if any


def parse_blocks(text):
    """The fenced code blocks of a Markdown text, in order, with ```text blocks that directly
    follow a ```python block attached to it as `expected`."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m["fence"], m["info"].split()
        lang = info[0].lower() if info else ""
        start, body = i + 1, []
        i += 1
        while i < len(lines):
            close = FENCE.match(lines[i])
            if close and close["fence"][0] == fence[0] and len(close["fence"]) >= len(fence) \
                    and not close["info"].strip():
                break
            body.append(lines[i])
            i += 1
        else:
            raise ValueError(f"unclosed code fence opened at line {start}")
        blocks.append(Block(lang, "\n".join(body) + "\n", start + 1, i + 1))
        i += 1
    for prev, nxt in zip(blocks, blocks[1:]):
        if prev.lang == "python" and nxt.lang == "text" and \
                not any(s.strip() for s in lines[prev.end:nxt.line - 2]):
            prev.expected = nxt
    return blocks


def _python_blocks(path):
    return [b for b in parse_blocks(path.read_text(encoding="utf-8")) if b.lang == "python"]


def _register_source(filename, code):
    """Make the block's source visible to linecache, so tracebacks and funcgrad's messages (which
    quote the user's line) show it."""
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)


def _strip_class_prefix(line, exc):
    names = {c.__name__ for c in type(exc).__mro__}
    m = re.match(r"^(?P<qual>[A-Za-z_][\w.]*): ", line)
    if m and m["qual"].split(".")[-1] in names:
        return line[m.end():]
    return line


def check_message(shown, exc, where, filename=None):
    """The ```text block `shown` is a (possibly trimmed) copy of str(exc), with the block's
    `filename` written as example.py; see the module doc."""
    actual = str(exc)
    if filename:
        actual = actual.replace(filename, SHOWN_FILENAME)
    actual = actual.splitlines()
    want = shown.rstrip("\n").splitlines()
    if want:
        want[0] = _strip_class_prefix(want[0], exc)
    pos = 0
    for w in want:
        if w.strip() == "...":
            continue
        for k in range(pos, len(actual)):
            if actual[k].rstrip() == w.rstrip():
                pos = k + 1
                break
        else:
            pytest.fail(f"{where}: the message shown in the docs has the line\n    {w!r}\n"
                        f"which is not (in this order) in the real message:\n" + "\n".join(actual))


def _doc_id(path):
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", DOC_FILES, ids=_doc_id)
def test_markdown_code_blocks(path):
    if not path.exists():
        pytest.skip(f"{_doc_id(path)} does not exist")
    blocks = _python_blocks(path)
    namespace = {"__name__": "__docs__"}
    ran = 0
    for n, block in enumerate(blocks, 1):
        first = block.code.lstrip("\n").split("\n", 1)[0].strip()
        if first == SKIP:
            continue
        where = f"{_doc_id(path)}:{block.line} (python block {n})"
        filename = f"<{_doc_id(path)} block {n}>"
        _register_source(filename, block.code)
        code = compile(block.code, filename, "exec")
        raises = RAISES.match(first)
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(code, namespace)
        except Exception as e:  # noqa: BLE001 - judged below
            if raises is None:
                raise AssertionError(f"{where} raised {type(e).__name__}: {e}") from e
            expected_name = raises["name"].split(".")[-1]
            if expected_name not in {c.__name__ for c in type(e).__mro__}:
                raise AssertionError(f"{where} should raise {raises['name']} but raised "
                                     f"{type(e).__name__}: {e}") from e
            if block.expected is not None:
                check_message(block.expected.code, e, where, filename)
        else:
            if raises is not None:
                pytest.fail(f"{where} is marked `# raises: {raises['name']}` but raised nothing")
            if block.expected is not None:
                got = [s.rstrip() for s in out.getvalue().rstrip("\n").splitlines()]
                want = [s.rstrip() for s in block.expected.code.rstrip("\n").splitlines()]
                assert got == want, (f"{where}: the output shown in the docs (```text at line "
                                     f"{block.expected.line - 1}) differs from the real output:\n"
                                     + "\n".join(got))
        ran += 1
    assert ran or not blocks, f"{_doc_id(path)}: every python block is skipped"


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script):
    env = dict(os.environ, PYTHONWARNINGS="error")
    proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, (f"{script.name} exited with {proc.returncode}\n"
                                  f"--- stdout ---\n{proc.stdout[-4000:]}\n"
                                  f"--- stderr ---\n{proc.stderr[-4000:]}")


def test_there_is_something_to_run():
    assert (ROOT / "README.md").exists()
    assert EXAMPLES, "no examples/*.py found"


# ---- the harness's own conventions --------------------------------------------------------------


def test_parse_blocks_attaches_output_only_when_adjacent():
    text = ("```python\nprint(1)\n```\n\n```text\n1\n```\n"
            "```python\nx = 2\n```\nprose\n```text\nnot output\n```\n"
            "````python\n```\n````\n")
    blocks = parse_blocks(text)
    assert [b.lang for b in blocks] == ["python", "text", "python", "text", "python"]
    assert blocks[0].expected is blocks[1] and blocks[0].line == 2
    assert blocks[2].expected is None
    assert blocks[4].code == "```\n"


def test_check_message_trimmed_and_located():
    exc = ValueError("first line\n  at <README.md block 2>:3: y = f(x)\nmiddle\nlast (see docs)")
    check_message("builtins.ValueError: first line\n  at example.py:3: y = f(x)\n...\n"
                  "last (see docs)\n", exc, "here", "<README.md block 2>")
    with pytest.raises(pytest.fail.Exception):
        check_message("first line\n  at example.py:4: y = f(x)\n", exc, "here",
                      "<README.md block 2>")
    with pytest.raises(pytest.fail.Exception):
        check_message("last (see docs)\nfirst line\n", exc, "here")
