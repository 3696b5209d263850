"""One rank of a job started by `python -m funcgrad.distributed.run`: run the user's script (or
`-m module`) as `python` would, through `run_as_rank`, so that any failure stops the whole job
with this rank's traceback.

    python -m funcgrad.distributed._rank script.py args...
    python -m funcgrad.distributed._rank -m package.module args...
"""
from __future__ import annotations

import os
import runpy
import sys
from typing import Sequence

from ._runtime import run_as_rank


def run_program(argv: Sequence[str]) -> None:
    """Run `argv` (`script.py args...` or `-m module args...`) as `__main__`, with `sys.argv`
    and `sys.path[0]` set as `python` sets them.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    ...     _ = f.write("import sys; print('args', sys.argv[1:])")
    >>> run_program([f.name, "a", "b"])
    args ['a', 'b']
    >>> os.unlink(f.name)
    """
    argv = list(argv)
    if not argv:
        raise SystemExit("usage: python -m funcgrad.distributed._rank (script.py | -m module) "
                         "[args...]")
    saved_argv, saved_path0 = sys.argv[:], sys.path[0] if sys.path else None
    try:
        if argv[0] == "-m":
            sys.argv = argv[1:]
            sys.path.insert(0, os.getcwd())
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        else:
            sys.argv = argv
            sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
            runpy.run_path(argv[0], run_name="__main__")
    finally:
        sys.argv = saved_argv
        if saved_path0 is not None and sys.path and sys.path[0] != saved_path0:
            del sys.path[0]


if __name__ == "__main__":
    run_as_rank(lambda: run_program(sys.argv[1:]))
