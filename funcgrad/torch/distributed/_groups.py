"""Process groups: init_process_group and its default group, new_group, ranks and sizes, ReduceOp
and Backend, as torch.distributed names them.

A process group is a funcgrad.distributed Communicator (MPI) and the global ranks it holds. The
job's processes, their number and their ranks come from MPI (the launcher,
`python -m funcgrad.torch.distributed.run`, starts them as one MPI job); what
init_process_group is told (world_size, rank, env:// variables, a tcp:// address) is checked
against that. Backend "mpi" is MPI itself; "gloo" is accepted on the CPU and served by MPI;
"nccl" is NCCL among the processes' GPUs, through CuPy.""" 
from __future__ import annotations

import datetime
import enum
import importlib.util
import os
from typing import Any, Sequence
from urllib.parse import urlparse

from ... import distributed as _fdist
from .. import cuda as _cuda
from .._size import device as _torch_device
from ._nccl import NcclCommunicator

__all__ = ["Backend", "GroupMember", "ProcessGroup", "ReduceOp", "default_pg_timeout",
           "destroy_process_group", "get_backend", "get_default_backend_for_device",
           "get_global_rank", "get_group_rank", "get_node_local_rank",
           "get_process_group_ranks", "get_rank", "get_world_size", "group",
           "init_process_group", "is_available", "is_gloo_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "is_torchelastic_launched", "new_group"]

default_pg_timeout = datetime.timedelta(minutes=30)

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                    "init_process_group.")


class Backend(str):
    """A backend's name, lower case, as PyTorch's Backend: Backend("GLOO") == "gloo".

    >>> from funcgrad.torch.distributed import Backend
    >>> Backend("MPI"), Backend.GLOO
    ('mpi', 'gloo')
    """

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name: str) -> str:  # type: ignore[misc]
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: "
                             f"{type(name)}")
        value = name.lower()
        for part in value.split(","):    # "cpu:gloo,cuda:nccl"
            backend = part.split(":")[-1]
            if backend not in ("gloo", "nccl", "mpi", "undefined"):
                raise ValueError(f"Backend {name!r}: funcgrad.torch.distributed serves 'mpi', "
                                 f"'gloo' (on MPI) and 'nccl' (GPUs); use one of these")
        return str(value)


class ReduceOp:
    """The reductions of all_reduce, reduce and reduce_scatter: ReduceOp.SUM, ... as PyTorch's
    (ReduceOp.SUM is ReduceOp.RedOpType.SUM).

    >>> from funcgrad.torch.distributed import ReduceOp
    >>> ReduceOp.MAX
    <RedOpType.MAX: 4>
    """

    class RedOpType(enum.Enum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7
        PREMUL_SUM = 8

    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM


# ReduceOp -> the Communicator's name of the reduction
_OPS = {ReduceOp.SUM: "sum", ReduceOp.AVG: "avg", ReduceOp.PRODUCT: "prod",
        ReduceOp.MIN: "min", ReduceOp.MAX: "max", ReduceOp.BAND: "band", ReduceOp.BOR: "bor",
        ReduceOp.BXOR: "bxor"}


def reduction(op: Any) -> str:
    """The Communicator's name for ReduceOp `op`, or PyTorch's error for what is not one."""
    name = _OPS.get(op)
    if name is None:
        if op is ReduceOp.PREMUL_SUM:
            raise RuntimeError("ReduceOp.PREMUL_SUM is not supported by funcgrad's MPI process "
                               "group; scale the tensor first, then all_reduce with ReduceOp.SUM")
        raise TypeError(f"op must be a torch.distributed.ReduceOp (ReduceOp.SUM, ...), got "
                        f"{op!r}")
    return name


class ProcessGroup:
    """A group of the job's processes: its communicator and the global ranks it holds, in
    group-rank order.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.ProcessGroup.__name__
    'ProcessGroup'
    """

    def __init__(self, comm: Any, ranks: Sequence[int], backend: str, timeout: float | None):
        self._comm = comm
        self._ranks = list(ranks)
        self._backend = backend
        self._timeout = timeout
        self._device = False     # its collectives run on GPU buffers (NCCL)

    def rank(self) -> int:
        """This process's rank in the group."""
        return int(self._comm.rank)

    def size(self) -> int:
        """The number of processes in the group."""
        return len(self._ranks)

    def name(self) -> str:
        return self._backend.upper()


class _NonGroupMember:
    """What new_group returns on the processes outside the group (PyTorch's
    GroupMember.NON_GROUP_MEMBER)."""

    def __repr__(self) -> str:
        return "-100"


class _State:
    default: ProcessGroup | None = None
    groups: list[ProcessGroup] = []
    owns_runtime = False      # init_process_group started funcgrad.distributed itself


_STATE = _State()


class _WorldAttr:
    """A class attribute that reads the default group at the time of use (group.WORLD)."""

    def __get__(self, obj: Any, owner: Any) -> ProcessGroup | None:
        return _STATE.default


class GroupMember:
    """GroupMember.WORLD: the default group (None before init); NON_GROUP_MEMBER: what new_group
    gives the processes outside the new group.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.GroupMember.WORLD is None
    True
    """

    WORLD = _WorldAttr()
    NON_GROUP_MEMBER = _NonGroupMember()


class group:  # noqa: N801  (torch.distributed.group)
    """group.WORLD: the default process group."""

    WORLD = _WorldAttr()


def is_available() -> bool:
    """Whether torch.distributed can run: mpi4py and an MPI library are installed.

    >>> import funcgrad.torch.distributed as dist
    >>> isinstance(dist.is_available(), bool)
    True
    """
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    """Whether the MPI backend is available (mpi4py and an MPI library are installed).

    >>> import funcgrad.torch.distributed as dist
    >>> dist.is_mpi_available() == dist.is_available()
    True
    """
    return is_available()


def is_gloo_available() -> bool:
    """Backend "gloo" is served by MPI: available where MPI is.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.is_gloo_available() == dist.is_available()
    True
    """
    return is_available()


def is_nccl_available() -> bool:
    """Whether backend "nccl" can run: MPI, a GPU and CuPy's NCCL.

    >>> import funcgrad.torch.distributed as dist
    >>> isinstance(dist.is_nccl_available(), bool)
    True
    """
    return is_available() and _cuda.is_available() and _nccl_module() is not None


def _nccl_module() -> Any:
    try:
        from cupy.cuda import nccl  # reason: optional dependency, on GPU machines only
    except ImportError:
        return None
    return nccl if nccl.available else None


def is_torchelastic_launched() -> bool:
    """Whether this process was started by the launcher (torchrun's twin), which sets
    TORCHELASTIC_RUN_ID.

    >>> import funcgrad.torch.distributed as dist
    >>> isinstance(dist.is_torchelastic_launched(), bool)
    True
    """
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def get_default_backend_for_device(device: Any) -> str:
    """The backend PyTorch picks for tensors on `device`: "gloo" for the CPU, "nccl" for CUDA.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.get_default_backend_for_device("cpu")
    'gloo'
    """
    kind = device.type if isinstance(device, _torch_device) else _torch_device(device).type
    backend = {"cpu": "gloo", "cuda": "nccl"}.get(kind)
    if backend is None:
        raise ValueError(f"Default backend not registered for device : {device}")
    return backend


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """This process's rank on its machine (LOCAL_RANK, which the launcher sets), else
    `fallback_rank`.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.get_node_local_rank(fallback_rank=0)
    0
    """
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank to "
                       "allow `get_node_local_rank` to work, assuming you are not running in a "
                       "multi-device context and want the code to run locally instead.")


def is_initialized() -> bool:
    """Whether init_process_group was called (and destroy_process_group not since).

    >>> import funcgrad.torch.distributed as dist
    >>> dist.is_initialized()
    False
    """
    return _STATE.default is not None


def _default() -> ProcessGroup:
    if _STATE.default is None:
        raise ValueError(_NOT_INITIALIZED)
    return _STATE.default


def resolve(group: Any) -> ProcessGroup | None:
    """The process group `group` names (None: the default); None on a non-member."""
    if group is None or group is GroupMember.WORLD:
        return _default()
    if group is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup (from new_group) or None, got "
                        f"{type(group).__name__}")
    if group not in _STATE.groups:
        raise ValueError("Invalid process group specified: it was destroyed "
                         "(destroy_process_group) or belongs to an earlier init_process_group")
    return group


def _seconds(timeout: Any) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got "
                    f"{type(timeout).__name__}")


def _rendezvous(init_method: str | None, world_size: int, rank: int,
                store: Any) -> tuple[int, int]:
    """The (world_size, rank) init_process_group was told, -1 where it was not: from the
    arguments, and from env:// variables or a tcp:// address (MPI does the rendezvous)."""
    if store is not None:
        if init_method is not None:
            raise ValueError("Cannot specify both init_method and store.")
        if world_size <= 0:
            raise ValueError("world_size must be positive if using store")
        if rank < 0:
            raise ValueError("rank must be non-negative if using store")
        return world_size, rank
    method = init_method if init_method is not None else "env://"
    url = urlparse(method)
    if url.scheme == "env":
        if world_size < 0 and "WORLD_SIZE" in os.environ:
            world_size = int(os.environ["WORLD_SIZE"])
        if rank < 0 and "RANK" in os.environ:
            rank = int(os.environ["RANK"])
    elif url.scheme == "tcp":
        if not url.hostname or url.port is None:
            raise ValueError(f"init_method={method!r}: a tcp:// address needs a host and a port, "
                             f"as tcp://10.1.1.20:23456")
    elif url.scheme == "file":
        pass    # a shared file would carry the rendezvous; MPI's launcher already did it
    else:
        raise RuntimeError(f"No rendezvous handler for {url.scheme}://")
    return world_size, rank


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: datetime.timedelta | None = None, world_size: int = -1,
                       rank: int = -1, store: Any = None, group_name: str = "",
                       pg_options: Any = None, device_id: Any = None) -> None:
    """Join the job's default process group (every process of the MPI job started by
    `python -m funcgrad.torch.distributed.run`, or a job of one process when run alone).

    `world_size` and `rank` (or the RANK and WORLD_SIZE variables of env://) are checked against
    MPI's; `timeout` (a timedelta; default 30 minutes, as PyTorch's) bounds every collective of
    the group. A process that waits for the others yields the CPU between polls of MPI, and
    after 20 ms sleeps between them, so that it leaves the CPU to them (MPI's blocking calls
    would spin).

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo", world_size=1, rank=0)
    >>> dist.get_rank(), dist.get_world_size(), dist.get_backend()
    (0, 1, 'gloo')
    >>> dist.destroy_process_group()
    """
    if _STATE.default is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = Backend(backend if backend is not None else
                   ("nccl" if device_id is not None and _cuda.is_available() else "gloo"))
    name = Backend(name.split(",")[0].split(":")[-1])
    if name == "nccl" and not is_nccl_available():
        raise RuntimeError("Backend 'nccl' needs a GPU and CuPy's NCCL "
                           f"(GPU present: {_cuda.is_available()}, NCCL found: "
                           f"{_nccl_module() is not None}); on the CPU use backend='gloo' or "
                           f"'mpi' (both served by MPI)")
    if name == "undefined":
        name = Backend("gloo")
    seconds = _seconds(default_pg_timeout if timeout is None else timeout)
    told_size, told_rank = _rendezvous(init_method, world_size, rank, store)
    owns = not _fdist.is_initialized()
    if owns:
        _fdist.initialize(timeout=seconds)
    comm = _fdist.world()
    for what, told, actual in (("world_size", told_size, comm.size), ("rank", told_rank,
                                                                      comm.rank)):
        if told >= 0 and told != actual:
            if owns:
                _fdist.shutdown()
            raise ValueError(
                f"init_process_group: {what}={told}, but this process is rank {comm.rank} of "
                f"an MPI job of {comm.size}. Start the processes as one job with "
                f"`python -m funcgrad.torch.distributed.run --nproc-per-node N script.py`")
    pg = ProcessGroup(comm, range(comm.size), name, seconds)
    if name == "nccl":
        pg._comm, pg._device = _nccl_communicator(comm), True
    _STATE.default, _STATE.groups, _STATE.owns_runtime = pg, [pg], owns


def _nccl_communicator(comm: Any) -> NcclCommunicator:
    import cupy  # reason: optional dependency, on GPU machines only
    return NcclCommunicator(comm, _nccl_module(), cupy)


def destroy_process_group(group: ProcessGroup | _NonGroupMember | None = None) -> None:
    """Leave `group` (None: every group, and the default one, after which init_process_group
    may be called again).

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.destroy_process_group(); dist.is_initialized()
    False
    """
    if group is None or group is _STATE.default:
        if _STATE.default is None:
            raise ValueError(_NOT_INITIALIZED)
        for pg in _STATE.groups[1:]:
            pg._comm.free()
        if _STATE.default._device:
            _STATE.default._comm.close()     # the job's MPI communicator is funcgrad.distributed's
        owns = _STATE.owns_runtime
        _STATE.default, _STATE.groups, _STATE.owns_runtime = None, [], False
        if owns:
            _fdist.shutdown()
        return
    pg = resolve(group)
    if pg is None:          # GroupMember.NON_GROUP_MEMBER: nothing to leave
        return
    _STATE.groups.remove(pg)
    pg._comm.free()


def new_group(ranks: Sequence[int] | None = None, timeout: datetime.timedelta | None = None,
              backend: str | None = None, pg_options: Any = None,
              use_local_synchronization: bool = False, group_desc: str | None = None,
              device_id: Any = None, sort_ranks: bool = True) -> Any:
    """A process group of the global `ranks` (None: all). Every process of the default group
    calls it; the processes outside `ranks` get GroupMember.NON_GROUP_MEMBER.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> g = dist.new_group([0]); g.size(), dist.get_rank(g)
    (1, 0)
    >>> dist.destroy_process_group()
    """
    world = _default()
    size = world.size()
    members = list(range(size)) if ranks is None else [int(r) for r in ranks]
    if sort_ranks:
        members.sort()
    if len(members) > size:
        raise ValueError("the new group's world size should be less or equal to the world size "
                         "set by init_process_group")
    for r in members:
        if not 0 <= r < size:
            raise ValueError(f"The new group's rank should be within the world_size set by "
                             f"init_process_group, got rank {r} (world size {size})")
    comm = world._comm.split(members)
    if comm is None:
        return GroupMember.NON_GROUP_MEMBER
    seconds = _seconds(timeout) if timeout is not None else world._timeout
    pg = ProcessGroup(comm, members, Backend(backend) if backend else world._backend, seconds)
    pg._device = world._device
    _STATE.groups.append(pg)
    return pg


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in `group` (None: the default group); -1 outside it.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.get_rank()
    Traceback (most recent call last):
    ValueError: Default process group has not been initialized, please make sure to call init_process_group.
    """
    pg = resolve(group)
    return -1 if pg is None else pg.rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of processes in `group` (None: the default group); -1 outside it.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("mpi"); dist.get_world_size(); dist.destroy_process_group()
    1
    """
    pg = resolve(group)
    return -1 if pg is None else pg.size()


def get_backend(group: ProcessGroup | None = None) -> str:
    """The backend's name of `group` (None: the default group).

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("mpi"); dist.get_backend(); dist.destroy_process_group()
    'mpi'
    """
    pg = resolve(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return Backend(pg._backend)


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    """The global ranks of `group`'s processes, in group-rank order.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo"); dist.get_process_group_ranks(None)
    [0]
    >>> dist.destroy_process_group()
    """
    pg = resolve(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return list(pg._ranks)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    """The global rank of `group`'s rank `group_rank`.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo"); dist.get_global_rank(dist.group.WORLD, 0)
    0
    >>> dist.destroy_process_group()
    """
    ranks = get_process_group_ranks(group)
    if not 0 <= group_rank < len(ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {group}")
    return ranks[group_rank]


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    """`group`'s rank of the process of global rank `global_rank`.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo"); dist.get_group_rank(dist.group.WORLD, 0)
    0
    >>> dist.destroy_process_group()
    """
    ranks = get_process_group_ranks(group)
    if global_rank not in ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {group}")
    return ranks.index(global_rank)
