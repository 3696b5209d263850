"""A multi-process job kept running while the harness times it: the controller (the benchmark
process) writes a command line to each process's FIFO and waits for every answer, so one timed
call is one round of work in every process, and start-up is never timed. Between calls the
processes sleep in a blocking read.

A worker runs `serve(handle)` (see `serve`): it reads commands from `<dir>/cmd<rank>` and writes
`handle(command)`'s answer to `<dir>/ack<rank>`; the command "quit" ends it."""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .harness import BenchmarkCheckError

ROOT = Path(__file__).resolve().parent.parent


class Job:
    """`launcher + [worker, dir]` run as `nproc` processes, each driven through its FIFOs."""

    def __init__(self, name, launcher, nproc, worker, start_timeout=120.0):
        self.name, self.nproc = name, nproc
        self.dir = tempfile.mkdtemp(prefix="funcgrad-bench-job-")
        for r in range(nproc):
            for kind in ("cmd", "ack"):
                os.mkfifo(os.path.join(self.dir, f"{kind}{r}"))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        env["OMP_NUM_THREADS"] = "1"
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.proc = subprocess.Popen([*launcher, str(worker), self.dir], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + start_timeout
        self.cmd = [self._open(f"cmd{r}", os.O_WRONLY, deadline) for r in range(nproc)]
        self.ack = [self._open(f"ack{r}", os.O_RDONLY, deadline) for r in range(nproc)]
        atexit.register(self.close)

    def _failed(self, why):
        self.log.seek(0)
        return BenchmarkCheckError(f"{self.name}: {why}:\n{self.log.read()[-4000:]}")

    def _open(self, name, mode, deadline):
        """One end of a FIFO, once the worker has opened the other (polled, so that a job that
        failed to start is reported rather than waited for)."""
        path = os.path.join(self.dir, name)
        while True:
            if self.proc.poll() is not None:
                raise self._failed(f"the job exited with status {self.proc.returncode}")
            try:
                fd = os.open(path, mode | os.O_NONBLOCK)
            except OSError:              # ENXIO: the worker has not opened its end yet
                fd = None
            if fd is not None and mode == os.O_RDONLY:
                return self._ready(fd, deadline)
            if fd is not None:
                os.set_blocking(fd, True)
                return os.fdopen(fd, "w")
            if time.monotonic() > deadline:
                raise self._failed("the job did not start in time")
            time.sleep(0.05)

    def _ready(self, fd, deadline):
        """The answer FIFO, once the worker has said "ready" on it (until it has opened its end,
        a read finds end-of-file rather than waiting)."""
        got = b""
        while not got.endswith(b"\n"):
            try:
                chunk = os.read(fd, 64)
            except BlockingIOError:      # the worker's end is open, nothing written yet
                chunk = None
            if chunk:
                got += chunk
                continue
            if self.proc.poll() is not None:
                raise self._failed(f"the job exited with status {self.proc.returncode}")
            if time.monotonic() > deadline:
                raise self._failed("the job did not start in time")
            time.sleep(0.05)
        if got != b"ready\n":
            raise self._failed(f"the worker said {got!r} instead of 'ready'")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "r")

    def ask(self, command):
        """Send `command` to every process; their answers, by rank."""
        for c in self.cmd:
            c.write(command + "\n")
            c.flush()
        answers = [a.readline() for a in self.ack]
        if not all(answers):
            raise self._failed(f"a process stopped answering ({command!r})")
        return [a.strip() for a in answers]

    def close(self):
        if self.proc.poll() is None:
            try:
                for c in self.cmd:
                    c.write("quit\n")
                    c.flush()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        for f in (*getattr(self, "cmd", ()), *getattr(self, "ack", ()), self.log):
            try:
                f.close()
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


def serve(directory, rank, handle):
    """The worker's side: answer each command of `<directory>/cmd<rank>` with `handle(command)`
    (a str) on `<directory>/ack<rank>`, until "quit"."""
    with open(os.path.join(directory, f"cmd{rank}")) as cmd, \
            open(os.path.join(directory, f"ack{rank}"), "w") as ack:
        ack.write("ready\n")
        ack.flush()
        for line in cmd:
            command = line.strip()
            if command == "quit":
                return
            ack.write(f"{handle(command)}\n")
            ack.flush()
