"""The launchers' common core: start N ranks with MPI's `mpiexec` (the one installed beside this
Python), forward signals to them, and make sure nothing outlives the job.

MPICH's launcher already ends every rank when one exits abnormally; each rank runs through
`run_as_rank` (funcgrad/distributed/_runtime.py), which prints its traceback and exits that way.
This side adds a wall-clock `timeout` for the whole job, signal forwarding, and a final sweep of
the job's process group, so that no process survives the launcher."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from typing import Mapping, Sequence

from ._errors import DistributedError, link

KILL_GRACE = 5.0
"""Seconds between forwarding SIGINT/SIGTERM (or the job's timeout) and killing what is left."""


def mpiexec_path() -> str:
    """The `mpiexec` of this Python's environment (the MPICH wheel installs it in bin/), else
    the one on PATH.

    >>> os.path.basename(mpiexec_path())
    'mpiexec'
    """
    candidates = [os.path.join(os.path.dirname(sys.executable), "mpiexec"),
                  os.path.join(sysconfig.get_path("scripts"), "mpiexec")]
    for c in candidates:
        if os.access(c, os.X_OK):
            return c
    found = shutil.which("mpiexec")
    if found is None:
        raise DistributedError(f"no `mpiexec` beside {sys.executable} nor on PATH; install MPICH "
                               f"with `pip install 'funcgrad[distributed]'` "
                               f"{link(DistributedError)}")
    return found


def mpiexec_command(n: int, argv: Sequence[str], hostfile: str | None = None,
                    hosts: str | None = None, extra: Sequence[str] = ()) -> list[str]:
    """The `mpiexec` command line that runs `argv` as `n` ranks (on the hosts of `hostfile`, or
    the comma-separated `hosts`, else this machine).

    >>> mpiexec_command(2, ["python", "x.py"])[1:]
    ['-n', '2', 'python', 'x.py']
    """
    if n < 1:
        raise ValueError(f"the number of processes must be >= 1, got {n}")
    cmd = [mpiexec_path(), "-n", str(n)]
    if hostfile is not None:
        cmd += ["-f", hostfile]
    if hosts is not None:
        cmd += ["-hosts", hosts]
    return cmd + list(extra) + list(argv)


def launch(n: int, argv: Sequence[str], env: Mapping[str, str] | None = None,
           hostfile: str | None = None, hosts: str | None = None,
           timeout: float | None = None, extra: Sequence[str] = ()) -> int:
    """Run `argv` as `n` ranks of one MPI job and return the job's exit status: 0, or the
    first failing rank's. SIGINT and SIGTERM are passed on to the ranks; past `timeout`
    seconds the job is stopped (status 124). No process of the job outlives this call.

    A rank that fails in Python (an exception, sys.exit) is reported with its own status. One
    that dies outside Python (os._exit, a crash) may be reported as 9 instead: MPICH's mpiexec
    ORs the wait statuses of all ranks, and on a loaded machine its proxy can record the
    SIGKILL it stops the surviving ranks with.

    >>> launch(1, [sys.executable, "-c", "raise SystemExit(3)"])
    3
    """
    cmd = mpiexec_command(n, argv, hostfile, hosts, extra)
    sys.stdout.flush()
    sys.stderr.flush()
    proc = subprocess.Popen(cmd, env=None if env is None else dict(env),
                            start_new_session=True)   # its own process group: swept at the end
    forwarded: list[int] = []

    def forward(signum, frame):
        forwarded.append(signum)
        if proc.poll() is None:
            proc.send_signal(signum)

    restore = {}
    if _main_thread():
        for s in (signal.SIGINT, signal.SIGTERM):
            restore[s] = signal.signal(s, forward)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        code = _wait(proc, deadline, forwarded)
    finally:
        for s, h in restore.items():
            signal.signal(s, h)
        _sweep(proc)
    if code is None:
        sys.stderr.write(f"funcgrad.distributed: the job ran past its timeout of {timeout:g} s "
                         f"and was stopped\n")
        return 124
    if forwarded and code == 0:
        return 128 + forwarded[0]
    return code


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _wait(proc: subprocess.Popen, deadline: float | None, forwarded: list[int]) -> int | None:
    """mpiexec's status; None when the deadline passed (the job is then stopped)."""
    signalled_at = None
    while True:
        try:
            step = 0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))
            code = proc.wait(timeout=step)
            return code if code >= 0 else 128 - code
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if forwarded and signalled_at is None:
            signalled_at = now
        if signalled_at is not None and now - signalled_at > KILL_GRACE:
            _kill_group(proc, signal.SIGKILL)
        if deadline is not None and now >= deadline:
            _kill_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=KILL_GRACE)
            except subprocess.TimeoutExpired:
                _kill_group(proc, signal.SIGKILL)
                proc.wait()
            return None


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _sweep(proc: subprocess.Popen) -> None:
    """Kill whatever is left in the job's process group (MPI's proxies and ranks)."""
    if proc.poll() is None:
        _kill_group(proc, signal.SIGKILL)
        proc.wait()
    _kill_group(proc, signal.SIGKILL)
