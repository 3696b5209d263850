"""All-reduce across processes: funcgrad against raw mpi4py, and the scaling of a data-parallel
step from 1 to 2 processes.

(a) The sum over 2 processes of a float32 pytree shaped like an MLP's parameters (3 weight
matrices and 3 biases) of 1 MB and of 64 MB in all. One timed call runs the all-reduce K times
in both processes of a job already running (benchmarks/jobs.py), so start-up is never timed.

- baseline: raw mpi4py, `comm.Allreduce(leaf, out)` on each leaf's numpy buffer (what one writes
  with mpi4py by hand);
- `lax.psum(tree, "processes")` eagerly on funcgrad Arrays, and the same under `fg.jit` (the
  process axis: one MPI call for the tree, leaves packed) (target: at most 1.11x the baseline's
  time, i.e. at least 0.9x its bandwidth);
- `dist.world().allreduce(leaves)` (the Communicator, on numpy buffers);
- raw mpi4py on the leaves already packed in one buffer (reference: one MPI call, no packing).

(b) One data-parallel SGD step of an MLP (256-512-512-10, float32, 64 examples per process):
`fg.jit` of the gradient, `lax.pmean` over the processes, the update. Baseline: the same step in
a job of 1 process; the 2-process job's time over it is 1 / the scaling efficiency (each process
keeps its 64 examples: ideally the same time per step).

Before timing, each variant's sums are checked against numpy's sum of every process's tree.
"""
import sys
from pathlib import Path

from .harness import BenchmarkCheckError, Variant
from .jobs import Job

NAME = "allreduce"
DESCRIPTION = ("all-reduce of 1 MB and 64 MB float32 pytrees over 2 processes (MPI): funcgrad vs "
               "raw mpi4py; a data-parallel MLP step, 1 -> 2 processes")

SIZES = {"1 MB": (1 << 20, 20), "64 MB": (64 << 20, 1)}    # bytes, all-reduces per timed call
TARGET = 1 / 0.9
STEPS = 4
WORKER = Path(__file__).resolve().parent / "allreduce_worker.py"


def build(ctx):
    try:
        import mpi4py  # noqa: F401  (the jobs run on MPI)
    except ImportError:
        ctx.notes.append("mpi4py not installed (pip install -e '.[mpi]'): skipped")
        return None
    launcher = [sys.executable, "-m", "funcgrad.distributed.run", "-n"]
    two = Job("allreduce", launcher + ["2"], 2, WORKER)
    one = Job("allreduce", launcher + ["1"], 1, WORKER)
    for label, (size, _) in SIZES.items():
        answers = two.ask(f"check {size}")
        if answers != ["ok", "ok"]:
            raise BenchmarkCheckError(f"allreduce {label}: {answers}")
    l1, l2 = one.ask(f"step {STEPS}")[0], two.ask(f"step {STEPS}")
    if len(set(l2)) != 1:
        raise BenchmarkCheckError(f"allreduce: the processes disagree on the loss: {l2}")

    variants = []
    for label, (size, k) in SIZES.items():
        def call(name, size=size, k=k):
            return lambda: two.ask(f"run {name} {size} {k}")
        base = f"mpi4py Allreduce per leaf, {label}"
        note = f"{k} all-reduces per call"
        variants += [
            Variant(base, call("raw"), baseline=True, framework="numpy", note=note),
            Variant(f"lax.psum(tree, 'processes'), {label}", call("psum"), vs=base,
                    target=TARGET, framework="funcgrad", profile=False),
            Variant(f"jit(lax.psum), {label}", call("psum_jit"), vs=base, target=TARGET,
                    framework="funcgrad"),
            Variant(f"Communicator.allreduce(leaves), {label}", call("comm"), vs=base,
                    framework="funcgrad"),
            Variant(f"mpi4py Allreduce of one packed buffer, {label}", call("raw_packed"),
                    vs=base, framework="numpy", note="reference: no packing"),
        ]
    base = "data-parallel step, 1 process"
    variants += [
        Variant(base, lambda: one.ask(f"step {STEPS}"), baseline=True, framework="funcgrad",
                note=f"{STEPS} steps per call; loss {float(l1):.4f}"),
        Variant("data-parallel step, 2 processes", lambda: two.ask(f"step {STEPS}"), vs=base,
                framework="funcgrad", note="ratio = 1 / scaling efficiency"),
    ]
    return variants
