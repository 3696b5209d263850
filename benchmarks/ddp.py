"""DistributedDataParallel: one training step of an MLP on 2 processes, funcgrad.torch's DDP (on
MPI, through `python -m funcgrad.torch.distributed.run`) against PyTorch's DDP with gloo (through
`torchrun`), on the same machine.

The model is `benchmarks/ddp_worker.py`'s: Linear(256, 512), ReLU, Linear(512, 512), ReLU,
Linear(512, 10) (0.4 M float32 parameters, 1.6 MB of gradients: one bucket of 1 MiB and one of
the rest), cross-entropy loss on 64 examples per process, `torch.optim.SGD`; one step is
`zero_grad`, forward, `loss.backward()` (with DDP's all-reduces) and `step()`. The worker is the
same unchanged PyTorch script under both launchers. One timed call runs STEPS steps in every
process of a job already running (the controller writes a command to each process's FIFO and
waits for both answers), so start-up is never timed; between calls the processes sleep in a read.

- baseline: PyTorch's DDP, gloo, 2 processes;
- funcgrad.torch's DDP, 2 processes (target: at most 1.0x PyTorch's time);
- the same two on 1 process (reference: the step without communication, for the scaling from 1
  to 2 processes: each process keeps its 64 examples, so the ideal is the same time per step).

Before timing, the jobs' losses after STEPS steps are checked to agree (the weights and data are
deterministic, so both libraries compute the same numbers).
"""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .harness import BenchmarkCheckError, Variant

NAME = "ddp"
DESCRIPTION = ("DistributedDataParallel MLP step (256-512-512-10, batch 64 per process, SGD) on "
               "2 processes: funcgrad.torch on MPI vs PyTorch with gloo")

STEPS = 4
TARGET = 1.0
START_TIMEOUT = 120.0
HERE = Path(__file__).resolve().parent
WORKER = HERE / "ddp_worker.py"


class _Job:
    """A running job of the worker, on `nproc` processes, driven through FIFOs."""

    def __init__(self, launcher, nproc):
        self.dir = tempfile.mkdtemp(prefix="funcgrad-ddp-bench-")
        for r in range(nproc):
            os.mkfifo(os.path.join(self.dir, f"cmd{r}"))
            os.mkfifo(os.path.join(self.dir, f"ack{r}"))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")])
        env["OMP_NUM_THREADS"] = "1"
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.proc = subprocess.Popen([*launcher, "--nproc-per-node", str(nproc), str(WORKER),
                                      self.dir], cwd=HERE.parent, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        self.cmd, self.ack = [], []
        for r in range(nproc):
            self.cmd.append(self._open(f"cmd{r}", os.O_WRONLY, deadline))
            self.ack.append(self._open(f"ack{r}", os.O_RDONLY, deadline))
        atexit.register(self.close)

    def _open(self, name, mode, deadline):
        """Open one end of a FIFO once the worker has opened the other (polling, so that a job
        that failed to start is reported instead of waited for)."""
        path = os.path.join(self.dir, name)
        while True:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise BenchmarkCheckError(f"ddp: the job {self.proc.args[:4]} exited with "
                                          f"status {self.proc.returncode}:\n{self.log.read()}")
            try:
                fd = os.open(path, mode | os.O_NONBLOCK)
            except OSError:        # ENXIO: no reader yet
                fd = None
            if fd is not None and mode == os.O_RDONLY:
                os.set_blocking(fd, True)
                return os.fdopen(fd, "r")
            if fd is not None:
                os.set_blocking(fd, True)
                return os.fdopen(fd, "w")
            if time.monotonic() > deadline:
                raise BenchmarkCheckError(f"ddp: the job did not start in {START_TIMEOUT:g} s")
            time.sleep(0.05)

    def steps(self, k=STEPS):
        for c in self.cmd:
            c.write(f"{k}\n")
            c.flush()
        losses = [a.readline() for a in self.ack]
        if not all(losses):
            raise BenchmarkCheckError("ddp: a process of the job stopped answering")
        return float(losses[0])

    def close(self):
        if self.proc.poll() is None:
            try:
                for c in self.cmd:
                    c.write("0\n")
                    c.flush()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        for f in (*self.cmd, *self.ack, self.log):
            try:
                f.close()
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


def build(ctx):
    if ctx.torch is None:
        ctx.notes.append("ddp: torch not installed: PyTorch's DDP baseline cannot run")
        return None
    try:
        import mpi4py  # noqa: F401  (funcgrad's DDP runs on MPI)
    except ImportError:
        ctx.notes.append("ddp: mpi4py not installed (pip install -e '.[mpi]'): skipped")
        return None
    torchrun = [str(Path(sys.executable).parent / "torchrun")]
    twin = [sys.executable, "-m", "funcgrad.torch.distributed.run"]
    jobs = {
        "torch DDP gloo, 2 processes": _Job(torchrun, 2),
        "funcgrad.torch DDP, 2 processes": _Job(twin, 2),
        "torch DDP gloo, 1 process": _Job(torchrun, 1),
        "funcgrad.torch DDP, 1 process": _Job(twin, 1),
    }
    losses = {name: job.steps() for name, job in jobs.items()}
    for one, two in (("torch DDP gloo, 2 processes", "funcgrad.torch DDP, 2 processes"),
                     ("torch DDP gloo, 1 process", "funcgrad.torch DDP, 1 process")):
        if abs(losses[one] - losses[two]) > 1e-4 * max(1.0, abs(losses[one])):
            raise BenchmarkCheckError(f"ddp: after {STEPS} steps the loss is {losses[two]!r} "
                                      f"under funcgrad.torch, {losses[one]!r} under PyTorch")
    base = "torch DDP gloo, 2 processes"
    return [
        Variant(base, jobs[base].steps, baseline=True, framework="torch",
                note=f"{STEPS} steps per call"),
        Variant("funcgrad.torch DDP, 2 processes", jobs["funcgrad.torch DDP, 2 processes"].steps,
                vs=base, target=TARGET, framework="funcgrad"),
        Variant("torch DDP gloo, 1 process", jobs["torch DDP gloo, 1 process"].steps, vs=base,
                framework="torch", note="no communication: the 1 -> 2 scaling reference"),
        Variant("funcgrad.torch DDP, 1 process", jobs["funcgrad.torch DDP, 1 process"].steps,
                vs=base, framework="funcgrad",
                note="no communication: the 1 -> 2 scaling reference"),
    ]
