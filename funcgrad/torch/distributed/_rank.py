"""One process of a job started by `python -m funcgrad.torch.distributed.run`: set torchrun's
per-process variables from the MPI rank, then run the program as `python -m funcgrad.torch` does,
so that any failure stops the whole job with this process's traceback.

    python -m funcgrad.torch.distributed._rank script.py args...
    python -m funcgrad.torch.distributed._rank -m package.module args...
    python -m funcgrad.torch.distributed._rank --no-python executable args...
"""
from __future__ import annotations

import io
import os
import runpy
import sys
from typing import Mapping, MutableMapping, Sequence

from ...distributed import run_as_rank
from .. import __main__ as _torch_main

# where MPI launchers say which process this is (MPICH's hydra, Open MPI, PMIx)
_RANK_VARIABLES = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK")


def mpi_rank(environ: Mapping[str, str]) -> int:
    """This process's rank in the MPI job, from the launcher's variables (0 when there are none).

    >>> mpi_rank({"PMI_RANK": "3"}), mpi_rank({})
    (3, 0)
    """
    for name in _RANK_VARIABLES:
        if name in environ:
            return int(environ[name])
    return 0


def set_rank_variables(environ: MutableMapping[str, str]) -> None:
    """RANK, LOCAL_RANK, GROUP_RANK and ROLE_RANK of this process, as torchrun sets them.

    >>> env = {"PMI_RANK": "3", "LOCAL_WORLD_SIZE": "2"}
    >>> set_rank_variables(env); env["RANK"], env["LOCAL_RANK"], env["GROUP_RANK"]
    ('3', '1', '1')
    """
    rank = mpi_rank(environ)
    local = int(environ.get("LOCAL_WORLD_SIZE", "1"))
    environ.update(RANK=str(rank), ROLE_RANK=str(rank), LOCAL_RANK=str(rank % local),
                   GROUP_RANK=str(rank // local))


def whole_lines() -> None:
    """Make this process's stdout and stderr write whole lines (one write per line, even under
    PYTHONUNBUFFERED), so that the launcher never interleaves two processes' lines mid-way."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(line_buffering=True, write_through=False)


def run_program(argv: Sequence[str]) -> None:
    """Run `argv` (script.py args, -m module args, or --no-python executable args) with `torch`
    meaning funcgrad.torch.

    >>> run_program([])
    Traceback (most recent call last):
    SystemExit: usage: python -m funcgrad.torch.distributed._rank (script.py | -m module) [args...]
    """
    argv = list(argv)
    if not argv or argv[0] in ("-m", "--no-python") and len(argv) < 2:
        raise SystemExit("usage: python -m funcgrad.torch.distributed._rank (script.py | -m "
                         "module) [args...]")
    if argv[0] == "--no-python":
        os.execvp(argv[1], argv[1:])
    if argv[0] == "-m":
        _torch_main.install()
        sys.argv = argv[1:]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return
    sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
    code = _torch_main.main(argv)
    if code:
        raise SystemExit(code)


if __name__ == "__main__":
    set_rank_variables(os.environ)
    whole_lines()
    run_as_rank(lambda: run_program(sys.argv[1:]))
