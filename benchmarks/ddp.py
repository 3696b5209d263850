"""DistributedDataParallel: one training step of an MLP on 2 processes, funcgrad.torch's DDP (on
MPI, through `python -m funcgrad.torch.distributed.run`) against PyTorch's DDP with gloo (through
`torchrun`), on the same machine.

The model is `benchmarks/ddp_worker.py`'s: Linear(256, 512), ReLU, Linear(512, 512), ReLU,
Linear(512, 10) (0.4 M float32 parameters, 1.6 MB of gradients: one bucket of 1 MiB and one of
the rest), cross-entropy loss on 64 examples per process, `torch.optim.SGD`; one step is
`zero_grad`, forward, `loss.backward()` (with DDP's all-reduces) and `step()`. The worker is the
same unchanged PyTorch script under both launchers. One timed call runs STEPS steps in every
process of a job kept running (benchmarks/jobs.py), so start-up is never timed.

- baseline: PyTorch's DDP, gloo, 2 processes;
- funcgrad.torch's DDP, 2 processes (target: at most 1.0x PyTorch's time);
- the same two on 1 process (reference: the step without communication, for the scaling from 1
  to 2 processes: each process keeps its 64 examples, so the ideal is the same time per step).

Before timing, the jobs' losses after STEPS steps are checked to agree (the weights and data are
deterministic, so both libraries compute the same numbers).
"""
import sys
from pathlib import Path

from .harness import BenchmarkCheckError, Variant
from .jobs import Job

NAME = "ddp"
DESCRIPTION = ("DistributedDataParallel MLP step (256-512-512-10, batch 64 per process, SGD) on "
               "2 processes: funcgrad.torch on MPI vs PyTorch with gloo")

STEPS = 4
TARGET = 1.0
WORKER = Path(__file__).resolve().parent / "ddp_worker.py"


def _steps(job):
    def run():
        return float(job.ask(str(STEPS))[0])
    return run


def build(ctx):
    if ctx.torch is None:
        ctx.notes.append("ddp: torch not installed: PyTorch's DDP baseline cannot run")
        return None
    try:
        import mpi4py  # noqa: F401  (funcgrad's DDP runs on MPI)
    except ImportError:
        ctx.notes.append("ddp: mpi4py not installed (pip install -e '.[mpi]'): skipped")
        return None
    launchers = {"torch DDP gloo": [str(Path(sys.executable).parent / "torchrun")],
                 "funcgrad.torch DDP": [sys.executable, "-m", "funcgrad.torch.distributed.run"]}
    runs = {}
    for n in (2, 1):
        for lib, launcher in launchers.items():
            name = f"{lib}, {n} process{'es' if n > 1 else ''}"
            job = Job(name, [*launcher, "--nproc-per-node", str(n)], n, WORKER)
            runs[name] = _steps(job)
    losses = {name: run() for name, run in runs.items()}
    for n in ("2 processes", "1 process"):
        theirs, ours = losses[f"torch DDP gloo, {n}"], losses[f"funcgrad.torch DDP, {n}"]
        if abs(ours - theirs) > 1e-4 * max(1.0, abs(theirs)):
            raise BenchmarkCheckError(f"ddp ({n}): after {STEPS} steps the loss is {ours!r} "
                                      f"under funcgrad.torch, {theirs!r} under PyTorch")
    base = "torch DDP gloo, 2 processes"
    scaling = "no communication: the 1 -> 2 scaling reference"
    return [
        Variant(base, runs[base], baseline=True, framework="torch",
                note=f"{STEPS} steps per call"),
        Variant("funcgrad.torch DDP, 2 processes", runs["funcgrad.torch DDP, 2 processes"],
                vs=base, target=TARGET, framework="funcgrad"),
        Variant("torch DDP gloo, 1 process", runs["torch DDP gloo, 1 process"], vs=base,
                framework="torch", note=scaling),
        Variant("funcgrad.torch DDP, 1 process", runs["funcgrad.torch DDP, 1 process"], vs=base,
                framework="funcgrad", note=scaling),
    ]
