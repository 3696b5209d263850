"""`python -m funcgrad.distributed.run -n N script.py args...`: run a funcgrad script as N
processes of one MPI job (the script calls `funcgrad.distributed.initialize()`).

Options: `-n/--nproc N`; `--hostfile FILE` or `--hosts a,b` for several machines (MPICH's
host file: one `host[:slots]` a line); `--timeout SECONDS` for the whole job; `-m module` in
place of a script. The exit status is the first failing rank's (124 on timeout; see
`launch` for a rank that dies outside Python).
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from ._launch import launch


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m funcgrad.distributed.run",
        description="Run a funcgrad script as N processes of one MPI job.")
    p.add_argument("-n", "-np", "--nproc", type=int, default=1, dest="n",
                   help="number of processes (default 1)")
    p.add_argument("--hostfile", default=None, help="MPICH host file (one host[:slots] a line)")
    p.add_argument("--hosts", default=None, help="comma-separated host names")
    p.add_argument("--timeout", type=float, default=None,
                   help="stop the whole job after this many seconds (exit status 124)")
    p.add_argument("-m", dest="module", default=None, help="run a module, as `python -m`")
    p.add_argument("program", nargs=argparse.REMAINDER, help="script.py and its arguments")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the job, return its exit status.

    >>> main(["-n", "1", "-m", "platform"])
    0
    """
    args = _parser().parse_args(argv)
    program = list(args.program)
    if args.module is not None:
        program = ["-m", args.module] + program
    if not program:
        _parser().error("give a script to run (or -m module)")
    return launch(args.n, [sys.executable, "-m", "funcgrad.distributed._rank"] + program,
                  hostfile=args.hostfile, hosts=args.hosts, timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
