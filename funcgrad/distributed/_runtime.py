"""The job: `initialize()` from the MPI environment, the world communicator, the process axis it
registers, and how a failing rank stops the whole job (its traceback shown once, then the other
ranks killed by MPI's launcher, never left waiting)."""
from __future__ import annotations

import os
import runpy
import sys
import time
import traceback
from types import TracebackType
from typing import Any, Callable

from .._core.axes import register_process_axis, unregister_process_axis
from ._axis import MPIProcessAxis
from ._comm import Communicator, mpi
from ._errors import DistributedError, DistributedTimeoutError, link


class _State:
    world: Communicator | None = None
    axis_name: str | None = None
    hook: Any = None
    grace: float = 5.0       # abort_grace of the last initialize()


_STATE = _State()


def initialize(num_processes: int | None = None, process_id: int | None = None, *,
               axis_name: str = "processes", timeout: float | None = None,
               initialization_timeout: float = 300.0, abort_grace: float = 5.0) -> None:
    """Join the job this process was started in (by `python -m funcgrad.distributed.run`,
    `mpiexec`, or the torch layer's launcher), or form a job of one process when started alone.

    The rank and size come from MPI. torchrun-style `RANK` and `WORLD_SIZE` variables, and
    `num_processes`/`process_id` when given, are checked against them. Registers the process
    axis `axis_name`, so `lax.psum(x, "processes")` sums over the processes; `timeout` is the
    default of every collective (None: wait for ever); `initialization_timeout` bounds the wait
    for every rank to arrive here. A rank that then raises, or times out, stops the whole job:
    its traceback is printed once and every process exits within `abort_grace` seconds.

    >>> import funcgrad.distributed as dist
    >>> dist.initialize()
    >>> dist.process_index(), dist.process_count()
    (0, 1)
    >>> dist.shutdown()
    """
    if _STATE.world is not None:
        raise DistributedError(f"initialize() was already called in this process; call "
                               f"shutdown() first to initialize again {link(DistributedError)}")
    MPI = mpi()
    world = MPI.COMM_WORLD
    rank, size = world.Get_rank(), world.Get_size()
    _check_launch(rank, size, num_processes, process_id)
    _STATE.grace = abort_grace
    _install_excepthook()
    try:
        comm = Communicator(world, timeout=timeout, abort_grace=abort_grace,
                            setup_timeout=initialization_timeout)
        comm.barrier(timeout=initialization_timeout)
    except DistributedTimeoutError:
        raise DistributedTimeoutError(
            f"initialize() on rank {rank} of {size}: not every process of the job called "
            f"initialize() within initialization_timeout={initialization_timeout:g} s (one is "
            f"missing, stuck before it, or failed to start). The job is stopped; raise "
            f"initialization_timeout if start-up is merely slow "
            f"{link(DistributedTimeoutError)}") from None
    register_process_axis(axis_name, MPIProcessAxis(comm))
    _STATE.world, _STATE.axis_name = comm, axis_name


def _check_launch(rank: int, size: int, num_processes: int | None,
                  process_id: int | None) -> None:
    checks = [("WORLD_SIZE", os.environ.get("WORLD_SIZE"), size),
              ("RANK", os.environ.get("RANK"), rank),
              ("num_processes", num_processes, size), ("process_id", process_id, rank)]
    for name, given, actual in checks:
        if given is None or int(given) == actual:
            continue
        raise DistributedError(
            f"{name}={given} but MPI says this process is rank {rank} of {size}: the processes "
            f"were not started as one MPI job (each was started alone, as plain `torchrun` or "
            f"`python` does). Start them with `python -m funcgrad.distributed.run -n N script.py` "
            f"or `python -m funcgrad.torch.distributed.run --nproc-per-node N script.py` "
            f"{link(DistributedError)}")


def is_initialized() -> bool:
    """Whether `initialize()` was called (and `shutdown()` not since).

    >>> import funcgrad.distributed as dist
    >>> dist.is_initialized()
    False
    """
    return _STATE.world is not None


def world() -> Communicator:
    """The communicator of every process of the job (after `initialize()`).

    >>> import funcgrad.distributed as dist
    >>> dist.initialize(); dist.world().size; dist.shutdown()
    1
    """
    if _STATE.world is None:
        raise DistributedError(f"funcgrad.distributed is not initialized; call "
                               f"funcgrad.distributed.initialize() first {link(DistributedError)}")
    return _STATE.world


def process_index() -> int:
    """This process's rank in the job (0 when run alone).

    >>> import funcgrad.distributed as dist
    >>> dist.initialize(); dist.process_index(); dist.shutdown()
    0
    """
    return world().rank


def process_count() -> int:
    """The number of processes in the job.

    >>> import funcgrad.distributed as dist
    >>> dist.initialize(); dist.process_count(); dist.shutdown()
    1
    """
    return world().size


def shutdown() -> None:
    """Leave the job: wait for every process (a barrier), unregister the process axis. MPI itself
    is finalized when the process exits. No-op when not initialized.

    >>> import funcgrad.distributed as dist
    >>> dist.shutdown()
    """
    comm = _STATE.world
    if comm is None:
        return
    comm.barrier()
    if _STATE.axis_name is not None:
        unregister_process_axis(_STATE.axis_name)
    comm.free()
    _STATE.world = _STATE.axis_name = None


# -- failures ---------------------------------------------------------------------------------

def _exit_code(exc: BaseException) -> int:
    if isinstance(exc, SystemExit):
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    if isinstance(exc, KeyboardInterrupt):
        return 130
    return 1


def fail_job(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None,
             grace: float = 5.0) -> None:
    """Print this rank's traceback (once per job: an error every rank raised alike is reported
    by one of them) and end the process without MPI's orderly exit, which makes MPI's launcher
    kill every other rank at once. Returns only for a clean SystemExit."""
    code = _exit_code(exc)
    if code == 0:
        return
    MPI: Any = mpi() if "mpi4py.MPI" in sys.modules else None
    rank = MPI.COMM_WORLD.Get_rank() if MPI is not None and MPI.Is_initialized() else None
    size = MPI.COMM_WORLD.Get_size() if rank is not None else 1
    reporter = getattr(exc, "reporter", None)
    reporter = rank if reporter is None else reporter
    if rank is not None and size > 1 and reporter != rank:
        # the same error is being reported by rank `reporter`, whose exit stops this process;
        # exit anyway if that has not happened after the grace period
        _flush()
        time.sleep(grace)
        os._exit(code)
    where = f"rank {rank} of {size}" if rank is not None else "a process"
    if isinstance(exc, KeyboardInterrupt):        # every rank got the signal: no traceback
        sys.stderr.write(f"funcgrad.distributed: {where} interrupted\n")
    elif not isinstance(exc, SystemExit):
        sys.stderr.write(f"funcgrad.distributed: {where} failed; stopping the job\n")
        traceback.print_exception(exc_type, exc, tb)
    _flush()
    os._exit(code)


def _flush() -> None:
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except (OSError, ValueError):
            pass


def _install_excepthook() -> None:
    """An uncaught exception in a job of several processes stops the job (`fail_job`)."""
    if _STATE.hook is not None:
        return
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        if mpi().COMM_WORLD.Get_size() > 1:       # (also while initialize() itself fails)
            fail_job(exc_type, exc, tb, _STATE.grace)
        previous(exc_type, exc, tb)

    _STATE.hook = hook
    sys.excepthook = hook


def run_as_rank(main: Callable[[], Any]) -> None:
    """Run `main` as one rank of a job: any exception (or a non-zero `sys.exit`) ends the job
    with this rank's traceback and exit status (the launchers start each rank through it).

    >>> run_as_rank(lambda: None)
    """
    try:
        main()
    except BaseException as exc:   # noqa: B036 - every way out of a rank must stop the job
        fail_job(type(exc), exc, _user_frames(exc.__traceback__), _STATE.grace)
        raise


_MACHINERY = (__file__, os.path.join(os.path.dirname(__file__), "_rank.py"), runpy.__file__,
              "<frozen runpy>")


def _user_frames(tb: TracebackType | None) -> TracebackType | None:
    """The traceback from the first frame outside the launcher's machinery (this package's
    rank runner and runpy), as Python shows a script's own traceback."""
    while tb is not None and tb.tb_frame.f_code.co_filename in _MACHINERY:
        tb = tb.tb_next
    return tb

