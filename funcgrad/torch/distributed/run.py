"""`python -m funcgrad.torch.distributed.run --nproc-per-node N script.py args...`: torchrun's twin.

It starts N processes of `script.py` as one MPI job (MPICH's `mpiexec`, through
funcgrad.distributed's launcher), each running the script as `python -m funcgrad.torch` does
(`import torch` gives funcgrad.torch) with torchrun's variables set: RANK, LOCAL_RANK,
WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, ROLE_RANK, MASTER_ADDR, MASTER_PORT. A process that
fails stops the job: its traceback is shown once and the exit status is its own.

torchrun's flags that matter on one machine are accepted, with `-` or `_`: `--nproc-per-node`,
`--nnodes`, `--node-rank`, `--master-addr`, `--master-port`, `--standalone`, `-m/--module`,
`--no-python`. Several machines: MPI starts every process from one command, so give the
machines in an MPICH host file (`--hostfile FILE`, one `host[:slots]` a line) with
`--nnodes M`, and run the command once, on one of them (see docs/distributed.md).
"""
from __future__ import annotations

import argparse
import os
import sys
import uuid
from typing import Sequence

from ...distributed import launch

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m funcgrad.torch.distributed.run",
        description="torchrun's twin: run a PyTorch script as N processes of one MPI job, "
                    "with funcgrad.torch as torch.")
    p.add_argument("--nproc-per-node", "--nproc_per_node", default="1", dest="nproc_per_node",
                   help="processes per machine: a number, or 'cpu'/'auto' (default 1)")
    p.add_argument("--nnodes", default="1", help="machines: N or MIN:MAX (default 1)")
    p.add_argument("--node-rank", "--node_rank", type=int, default=0, dest="node_rank")
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1", dest="master_addr")
    p.add_argument("--master-port", "--master_port", type=int, default=29500, dest="master_port")
    p.add_argument("--standalone", action="store_true",
                   help="one machine, on a free local port")
    p.add_argument("--hostfile", default=None,
                   help="MPICH host file of the machines (with --nnodes > 1)")
    p.add_argument("--timeout", type=float, default=None,
                   help="stop the whole job after this many seconds (exit status 124)")
    p.add_argument("--max-restarts", "--max_restarts", type=int, default=0, dest="max_restarts",
                   help="accepted for torchrun's command lines; a failed job is not restarted")
    p.add_argument("-m", "--module", action="store_true",
                   help="the program is a module, run as `python -m`")
    p.add_argument("--no-python", "--no_python", action="store_true", dest="no_python",
                   help="run the program as an executable, not with python")
    p.add_argument("program", help="the script (or module, or executable) to run")
    p.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    return p


def _count(value: str, what: str) -> int:
    if value in ("cpu", "auto"):
        return os.cpu_count() or 1
    try:
        n = int(value)
    except ValueError:
        raise SystemExit(f"{what}={value!r}: give a number of processes") from None
    if n < 1:
        raise SystemExit(f"{what}={n}: give at least 1")
    return n


def _nodes(value: str) -> int:
    lo, _, hi = value.partition(":")
    if hi and lo != hi:
        raise SystemExit(f"--nnodes={value}: an elastic range of machines is not supported; "
                         f"give one number")
    return _count(lo, "--nnodes")


def _free_port() -> int:
    import socket  # reason: only --standalone asks for a free port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: Sequence[str] | None = None) -> int:
    """Parse torchrun's command line, run the job, return its exit status.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    ...     _ = f.write("import sys, torch; sys.exit(3 if torch.__name__ == 'funcgrad.torch' "
    ...                 "else 1)")
    >>> main(["--nproc-per-node", "1", f.name])    # the job's exit status is the script's
    3
    >>> os.unlink(f.name)
    """
    args = _parser().parse_args(argv)
    nproc = _count(args.nproc_per_node, "--nproc-per-node")
    nnodes = _nodes(args.nnodes)
    if nnodes > 1 and args.hostfile is None:
        raise SystemExit(f"--nnodes={nnodes}: MPI starts the processes of every machine from "
                         f"one command; list the machines in --hostfile FILE (one host:"
                         f"{nproc} a line) and run this command once, on one of them")
    if args.node_rank != 0:
        raise SystemExit(f"--node-rank={args.node_rank}: with MPI the job is started once, from "
                         f"the machine of node rank 0, for every machine of --hostfile")
    addr, port = args.master_addr, args.master_port
    if args.standalone:
        addr, port = "localhost", _free_port()
    world = nproc * nnodes
    env = dict(os.environ)
    env.update(WORLD_SIZE=str(world), LOCAL_WORLD_SIZE=str(nproc), ROLE_WORLD_SIZE=str(world),
               GROUP_WORLD_SIZE=str(nnodes), MASTER_ADDR=addr, MASTER_PORT=str(port),
               ROLE_NAME="default", TORCHELASTIC_RESTART_COUNT="0",
               TORCHELASTIC_RUN_ID=uuid.uuid4().hex if args.standalone else "none")
    env.setdefault("OMP_NUM_THREADS", "1")
    program = [args.program, *args.args]
    if args.module:
        program = ["-m", *program]
    if args.no_python:
        program = ["--no-python", *program]
    extra = ["-ppn", str(nproc)] if nnodes > 1 else []
    return launch(world, [sys.executable, "-m", "funcgrad.torch.distributed._rank", *program],
                  env=env, hostfile=args.hostfile, timeout=args.timeout, extra=extra)


if __name__ == "__main__":
    sys.exit(main())
