"""funcgrad across processes: a job of N processes on MPI (mpi4py over MPICH), whose processes
form a named axis that funcgrad's collectives reduce over.

    # train.py, run as: python -m funcgrad.distributed.run -n 2 train.py
    import funcgrad as fg, funcgrad.distributed as dist
    dist.initialize()
    step = fg.jit(lambda p, b: fg.lax.pmean(fg.grad(loss)(p, b), "processes"))

`initialize`, `process_index`, `process_count`, `shutdown` and `is_initialized` manage the job;
`broadcast_one_to_all`, `sync_global_devices` and `process_allgather` are JAX's multi-host
utilities; `world()` is the job's `Communicator`, MPI's operations on numpy buffers. A rank that
raises or dies stops the whole job; see docs/distributed.md.
"""
from ._axis import MPIProcessAxis
from ._comm import REDUCE_OPS, Communicator, Request
from ._errors import CollectiveMismatchError, DistributedError, DistributedTimeoutError
from ._launch import launch, mpiexec_command, mpiexec_path
from ._multihost import broadcast_one_to_all, process_allgather, sync_global_devices
from ._runtime import (fail_job, initialize, is_initialized, process_count, process_index,
                       run_as_rank, shutdown, world)

__all__ = [
    "initialize", "shutdown", "is_initialized", "process_index", "process_count", "world",
    "broadcast_one_to_all", "sync_global_devices", "process_allgather",
    "Communicator", "Request", "REDUCE_OPS", "MPIProcessAxis",
    "DistributedError", "CollectiveMismatchError", "DistributedTimeoutError",
    "launch", "mpiexec_command", "mpiexec_path", "run_as_rank", "fail_job",
]
