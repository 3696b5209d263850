"""torch.distributed's tensor collectives and point-to-point operations, on a process group's MPI
Communicator.

Each operation reads its tensors' values as contiguous host buffers, runs one MPI operation on
them, and writes the result into the output tensors in place, as PyTorch does (no autograd
recording). `async_op=True` returns a Work: all_reduce, isend and irecv then run as MPI's
nonblocking operations, finished by Work.wait(); the others complete before the Work is
returned."""
from __future__ import annotations

import datetime
from typing import Any, Callable, Sequence

import numpy as np

from ..._core import backend
from .._dispatch import is_storage
from .._factories import from_numpy
from .._grad_mode import no_grad
from .._storage import host_values
from .._tensor import Tensor
from ._groups import ProcessGroup, ReduceOp, reduction, resolve

__all__ = ["P2POp", "Work", "all_gather", "all_gather_into_tensor", "all_reduce", "all_to_all",
           "all_to_all_single", "barrier", "batch_isend_irecv", "broadcast", "gather", "irecv",
           "isend", "monitored_barrier", "recv", "reduce", "reduce_scatter",
           "reduce_scatter_tensor", "scatter", "send"]

# the tag of the point-to-point messages all_to_all with unequal blocks exchanges (apart from
# users' tags, which are small numbers)
_EXCHANGE_TAG = 32000


class Work:
    """An operation started with async_op=True (or isend/irecv): wait() finishes it and returns
    True; is_completed() says whether it has finished, without blocking.

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> t = torch.ones(2)
    >>> work = dist.all_reduce(t, async_op=True)
    >>> work.wait(), work.is_completed(), t
    (True, True, tensor([1., 1.]))
    >>> dist.destroy_process_group()
    """

    def __init__(self, request: Any = None, finish: Callable[[Any], Any] | None = None,
                 outputs: Sequence[Tensor] = ()):
        self._request = request
        self._finish = finish
        self._outputs = list(outputs)
        self._done = request is None
        self._source: int = -1

    def _complete(self, timeout: Any) -> None:
        if timeout is None:
            result = self._request.wait()
        else:
            seconds = timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else \
                float(timeout)
            result = self._request.wait(seconds)
        self._done = True
        if self._finish is not None:
            self._finish(result)

    def wait(self, timeout: Any = None) -> bool:
        """Finish the operation (its results are in the output tensors afterwards)."""
        if not self._done:
            self._complete(timeout)
        return True

    def is_completed(self) -> bool:
        """Whether the operation has finished (a finished one has written its outputs)."""
        if not self._done and self._request.test():
            self._complete(None)
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def exception(self) -> None:
        return None

    def result(self) -> list[Tensor]:
        """The output tensors of the operation."""
        self.wait()
        return list(self._outputs)

    def source_rank(self) -> int:
        """irecv's sender (its rank in the group)."""
        self.wait()
        return self._source

    def synchronize(self) -> None:
        self.wait()


def _done(outputs: Sequence[Tensor], async_op: bool) -> Work | None:
    return Work(outputs=outputs) if async_op else None


def _check_tensor(t: Any, name: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"torch.Tensor\n             but got {type(t)} instead.")


def _check_list(ts: Any, name: str) -> None:
    if not isinstance(ts, (list, tuple)) or not all(isinstance(t, Tensor) for t in ts):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[torch.Tensor]\n             but got {type(ts)} instead.")


def _members(group: ProcessGroup | None, **tensors: Tensor) -> ProcessGroup | None:
    """The process group `group` names (None on a process outside it), after checking that
    each named argument is a tensor."""
    for name, t in tensors.items():
        _check_tensor(t, name)
    return resolve(group)


def _world_times(pg: ProcessGroup, big: Tensor, small: Tensor, what: str, big_name: str,
                 small_name: str) -> None:
    if big.numel() != pg.size() * small.numel():
        raise RuntimeError(f"{what}: {big_name} has {big.numel()} elements; it must have "
                           f"world_size ({pg.size()}) times {small_name}'s ({small.numel()})")


def _host(t: Tensor) -> np.ndarray:
    """Tensor t's values as a contiguous numpy array (a view where they already are one)."""
    return np.ascontiguousarray(host_values(t))


def _buffer(pg: ProcessGroup, t: Tensor) -> Any:
    """What the group's communicator reduces or moves for tensor t: its values on the host (MPI),
    or on its GPU (NCCL)."""
    if not pg._device:
        return _host(t)
    if t.device.type != "cuda":
        raise RuntimeError(f"backend 'nccl' works on CUDA tensors; this one is on {t.device}: "
                           f"move it with .cuda(), or use backend 'gloo' for CPU tensors")
    return backend.xp_of(t._data).ascontiguousarray(t._data)


def _store(t: Tensor, values: Any) -> None:
    """Write `values` (t's number of elements; a numpy array, or an array on t's GPU) into
    tensor t, in place."""
    d = t._data
    if type(d) is type(values) and is_storage(d):
        backend.xp_of(d).copyto(d, values.reshape(d.shape), casting="unsafe")
        t._bump()
        return
    with no_grad():
        t.copy_(from_numpy(np.ascontiguousarray(values).reshape(tuple(t.shape))))


def _reduction(op: Any, t: Tensor) -> str:
    name = reduction(op)
    if name in ("band", "bor", "bxor") and (t.is_floating_point() or t.is_complex()):
        raise RuntimeError(f"Cannot use {op} with non-integral dtype")
    if name == "avg" and not (t.is_floating_point() or t.is_complex()):
        raise RuntimeError(f"Cannot use {op} with integral dtype {t.dtype}: all_reduce with "
                           f"ReduceOp.SUM, then divide")
    return name


def _peer(pg: ProcessGroup, rank: int | None, group_rank: int | None, what: str) -> int | None:
    """The group rank that global rank `rank` or group rank `group_rank` names (None: none)."""
    if rank is not None and group_rank is not None:
        raise ValueError("Can't specify both group_rank and global_rank")
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"Group rank {group_rank} is not part of group (its size is "
                             f"{pg.size()})")
        return int(group_rank)
    if rank is None:
        return None
    if rank not in pg._ranks:
        raise ValueError(f"Global rank {rank} is not part of group {pg}")
    return pg._ranks.index(rank)


def _root(pg: ProcessGroup, rank: int | None, group_rank: int | None, what: str) -> int:
    root = _peer(pg, rank, group_rank, what)
    if root is None:
        arg = "src" if what in ("broadcast", "scatter") else "dst"
        raise ValueError(f"{what}: give the root's rank ({arg}= a global rank, or group_{arg}=)")
    return root


def _same_numel(out: Tensor, n: int, what: str) -> None:
    if out.numel() != n:
        raise RuntimeError(f"{what}: the output tensor has {out.numel()} elements, expected {n} "
                           f"(shape {tuple(out.shape)})")


def _one_per_process(pg: ProcessGroup, tensors: Sequence[Tensor], numel: int, what: str,
                     name: str) -> None:
    """Check that `tensors` holds one tensor of `numel` elements per process of the group."""
    if len(tensors) != pg.size():
        raise RuntimeError(f"{what}: {name} has {len(tensors)} tensors; the group has "
                           f"{pg.size()} processes (expected length {pg.size()}, got "
                           f"{len(tensors)})")
    for t in tensors:
        _same_numel(t, numel, what)


# ---- reductions ------------------------------------------------------------------------------

def all_reduce(tensor: Tensor, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce `tensor` over the group's processes, in place on every one of them.

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> t = torch.arange(3.)
    >>> dist.all_reduce(t, op=dist.ReduceOp.MAX); t
    tensor([0., 1., 2.])
    >>> dist.destroy_process_group()
    """
    pg = _members(group, tensor=tensor)
    if pg is None:
        return None
    name = _reduction(op, tensor)
    buf = _buffer(pg, tensor)
    if async_op:
        request = pg._comm.iallreduce([buf], name)
        return Work(request, lambda res: _store(tensor, res[0]), [tensor])
    _store(tensor, pg._comm.allreduce([buf], name)[0])
    return None


def reduce(tensor: Tensor, dst: int | None = None, op: Any = ReduceOp.SUM,
           group: ProcessGroup | None = None, async_op: bool = False,
           group_dst: int | None = None) -> Work | None:
    """Reduce `tensor` over the group's processes into the tensor of rank `dst` (a global rank;
    or `group_dst`, a rank of the group).

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> t = torch.ones(2); dist.reduce(t, dst=0); t
    tensor([1., 1.])
    >>> dist.destroy_process_group()
    """
    pg = _members(group, tensor=tensor)
    if pg is None:
        return None
    root = _root(pg, dst, group_dst, "reduce")
    out = pg._comm.reduce(_buffer(pg, tensor), _reduction(op, tensor), root)
    if out is not None:
        _store(tensor, out)
    return _done([tensor], async_op)


def reduce_scatter(output: Tensor, input_list: Sequence[Tensor], op: Any = ReduceOp.SUM,
                   group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """output = the reduction over processes of input_list[rank] (one input per process).

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> out = torch.zeros(2); dist.reduce_scatter(out, [torch.ones(2)]); out
    tensor([1., 1.])
    >>> dist.destroy_process_group()
    """
    _check_tensor(output, "output")
    _check_list(input_list, "input_list")
    pg = resolve(group)
    if pg is None:
        return None
    _one_per_process(pg, input_list, output.numel(), "reduce_scatter", "input_list")
    stacked = np.stack([_buffer(pg, t).reshape(-1) for t in input_list])
    _store(output, pg._comm.reduce_scatter(stacked, _reduction(op, output)))
    return _done([output], async_op)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: Any = ReduceOp.SUM,
                          group: ProcessGroup | None = None,
                          async_op: bool = False) -> Work | None:
    """output = block `rank` of the reduction of `input` (world_size blocks along dim 0, each
    of output's size) over the processes.

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> out = torch.zeros(2); dist.reduce_scatter_tensor(out, torch.arange(2.)); out
    tensor([0., 1.])
    >>> dist.destroy_process_group()
    """
    pg = _members(group, output=output, input=input)
    if pg is None:
        return None
    _world_times(pg, input, output, "reduce_scatter_tensor", "input", "output")
    buf = _buffer(pg, input).reshape(pg.size(), -1)
    _store(output, pg._comm.reduce_scatter(buf, _reduction(op, input)))
    return _done([output], async_op)


# ---- data movement ---------------------------------------------------------------------------

def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None,
              async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Copy rank `src`'s `tensor` into `tensor` on every process of the group.

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> t = torch.arange(3); dist.broadcast(t, src=0); t
    tensor([0, 1, 2])
    >>> dist.destroy_process_group()
    """
    pg = _members(group, tensor=tensor)
    if pg is None:
        return None
    root = _root(pg, src, group_src, "broadcast")
    out = pg._comm.broadcast(_buffer(pg, tensor), root)
    if pg.rank() != root:
        _store(tensor, out)
    return _done([tensor], async_op)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """tensor_list[r] = process r's `tensor`, on every process.

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> out = [torch.zeros(2)]; dist.all_gather(out, torch.ones(2)); out
    [tensor([1., 1.])]
    >>> dist.destroy_process_group()
    """
    _check_list(tensor_list, "tensor_list")
    pg = _members(group, tensor=tensor)
    if pg is None:
        return None
    _one_per_process(pg, tensor_list, tensor.numel(), "all_gather", "tensor_list")
    gathered = pg._comm.allgather(_buffer(pg, tensor))
    for out, values in zip(tensor_list, gathered):
        _store(out, values)
    return _done(tensor_list, async_op)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor,
                           group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Every process's input_tensor, concatenated along dim 0 (or stacked: output of shape
    (world_size, *input.shape)) into output_tensor.

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> out = torch.zeros(1, 2); dist.all_gather_into_tensor(out, torch.ones(2)); out
    tensor([[1., 1.]])
    >>> dist.destroy_process_group()
    """
    pg = _members(group, output_tensor=output_tensor, input_tensor=input_tensor)
    if pg is None:
        return None
    _world_times(pg, output_tensor, input_tensor, "all_gather_into_tensor", "output_tensor",
                 "input_tensor")
    _store(output_tensor, pg._comm.allgather(_buffer(pg, input_tensor)))
    return _done([output_tensor], async_op)


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int | None = None,
           group: ProcessGroup | None = None, async_op: bool = False,
           group_dst: int | None = None) -> Work | None:
    """gather_list[r] = process r's `tensor`, on process `dst` (only `dst` passes gather_list).

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> out = [torch.zeros(2)]; dist.gather(torch.ones(2), out, dst=0); out
    [tensor([1., 1.])]
    >>> dist.destroy_process_group()
    """
    pg = _members(group, tensor=tensor)
    if pg is None:
        return None
    root = _root(pg, dst, group_dst, "gather")
    if pg.rank() == root:
        if not gather_list:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
        _check_list(gather_list, "gather_list")
        _one_per_process(pg, gather_list, tensor.numel(), "gather", "gather_list")
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination "
                         "ranks.")
    gathered = pg._comm.gather(_buffer(pg, tensor), root)
    if gathered is not None:
        for out, values in zip(gather_list or (), gathered):
            _store(out, values)
    return _done(gather_list or [], async_op)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False,
            group_src: int | None = None) -> Work | None:
    """tensor = scatter_list[rank] of process `src` (only `src` passes scatter_list).

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> t = torch.zeros(2); dist.scatter(t, [torch.ones(2)], src=0); t
    tensor([1., 1.])
    >>> dist.destroy_process_group()
    """
    pg = _members(group, tensor=tensor)
    if pg is None:
        return None
    root = _root(pg, src, group_src, "scatter")
    stacked = None
    if pg.rank() == root:
        if not scatter_list:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
        _check_list(scatter_list, "scatter_list")
        _one_per_process(pg, scatter_list, tensor.numel(), "scatter", "scatter_list")
        stacked = np.stack([_buffer(pg, t).reshape(-1) for t in scatter_list])
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    _store(tensor, pg._comm.scatter(stacked, root))
    return _done([tensor], async_op)


def _exchange(pg: ProcessGroup, sends: Sequence[np.ndarray],
              recvs: Sequence[tuple[tuple[int, ...], Any]]) -> list[np.ndarray]:
    """sends[j] goes to group rank j; the result's [j] is what rank j sent here, of shape and
    dtype recvs[j]. Blocks of different sizes travel as MPI's point-to-point messages, from
    host memory."""
    comm, me = pg._comm, pg.rank()
    sends = [np.ascontiguousarray(backend.to_host(buf)) for buf in sends]   # over MPI
    incoming = {j: comm.irecv(shape, dtype, source=j, tag=_EXCHANGE_TAG)
                for j, (shape, dtype) in enumerate(recvs) if j != me}
    outgoing = [comm.isend(buf, dest=j, tag=_EXCHANGE_TAG)
                for j, buf in enumerate(sends) if j != me]
    out = [sends[me].reshape(recvs[me][0]).copy() if j == me else incoming[j].wait()
           for j in range(len(recvs))]
    for request in outgoing:
        request.wait()
    return out


def all_to_all(output_tensor_list: list[Tensor], input_tensor_list: list[Tensor],
               group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """output_tensor_list[j] = process j's input_tensor_list[rank], on every process.

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> out = [torch.zeros(2)]; dist.all_to_all(out, [torch.ones(2)]); out
    [tensor([1., 1.])]
    >>> dist.destroy_process_group()
    """
    _check_list(output_tensor_list, "output_tensor_list")
    _check_list(input_tensor_list, "input_tensor_list")
    pg = resolve(group)
    if pg is None:
        return None
    n = pg.size()
    if len(output_tensor_list) != n or len(input_tensor_list) != n:
        raise RuntimeError(f"all_to_all: output_tensor_list and input_tensor_list must hold one "
                           f"tensor per process ({n}), got {len(output_tensor_list)} and "
                           f"{len(input_tensor_list)}")
    ins = [_buffer(pg, t) for t in input_tensor_list]
    if len({(a.shape, a.dtype) for a in ins}) == 1 and \
            len({t.numel() for t in output_tensor_list}) == 1:
        got = list(pg._comm.alltoall(np.stack(ins)))
    else:
        got = _exchange(pg, ins, [(tuple(t.shape), ins[0].dtype) for t in output_tensor_list])
    for out, values in zip(output_tensor_list, got):
        _same_numel(out, values.size, "all_to_all")
        _store(out, values)
    return _done(output_tensor_list, async_op)


def _splits(sizes: Sequence[int] | None, t: Tensor, n: int, what: str) -> list[int]:
    rows = t.shape[0] if t.dim() else 1
    if not sizes:
        if rows % n:
            raise RuntimeError(f"all_to_all_single: {what}'s dim 0 ({rows}) must divide by the "
                               f"number of processes ({n}), or give {what}_split_sizes")
        return [rows // n] * n
    sizes = [int(s) for s in sizes]
    if len(sizes) != n or sum(sizes) != rows:
        raise RuntimeError(f"all_to_all_single: {what}_split_sizes={sizes} must have one entry "
                           f"per process ({n}) summing to {what}'s dim 0 ({rows})")
    return sizes


def all_to_all_single(output: Tensor, input: Tensor,
                      output_split_sizes: Sequence[int] | None = None,
                      input_split_sizes: Sequence[int] | None = None,
                      group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Split `input` along dim 0 into one block per process (input_split_sizes, or equal), send
    block j to process j, and concatenate the blocks received, by sender, into `output`.

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> out = torch.zeros(3); dist.all_to_all_single(out, torch.arange(3.)); out
    tensor([0., 1., 2.])
    >>> dist.destroy_process_group()
    """
    pg = _members(group, output=output, input=input)
    if pg is None:
        return None
    n = pg.size()
    ins, outs = _splits(input_split_sizes, input, n, "input"), \
        _splits(output_split_sizes, output, n, "output")
    buf = _buffer(pg, input)
    rest = tuple(buf.shape[1:])
    if len(set(ins)) == 1 and ins == outs:
        got = pg._comm.alltoall(buf.reshape((n, -1)))
    else:
        bounds = np.cumsum([0] + ins)
        blocks = [buf[bounds[j]:bounds[j + 1]] for j in range(n)]
        got = np.concatenate([b.reshape(-1) for b in _exchange(
            pg, blocks, [((k,) + rest, buf.dtype) for k in outs])])
    _same_numel(output, got.size, "all_to_all_single")
    _store(output, got)
    return _done([output], async_op)


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None,
            timeout: datetime.timedelta | None = None) -> Work | None:
    """Return once every process of the group has called barrier.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo"); dist.barrier(); dist.destroy_process_group()
    """
    pg = resolve(group)
    if pg is None:
        return None
    if timeout is None:
        pg._comm.barrier()
    else:
        pg._comm.barrier(timeout=timeout.total_seconds())
    return _done([], async_op)


def monitored_barrier(group: ProcessGroup | None = None,
                      timeout: datetime.timedelta | None = None,
                      wait_all_ranks: bool = False) -> None:
    """A barrier that raises (on every process that sees it) when a process does not arrive
    within `timeout`.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo"); dist.monitored_barrier(); dist.destroy_process_group()
    """
    barrier(group, timeout=timeout)


# ---- point to point ----------------------------------------------------------------------------
# A message is bytes: "rank|dtype|shape|" and the values. The header names the sender (recv from
# any process returns it) and lets the receiver check the message fits its tensor.

def _message(pg: ProcessGroup, t: Tensor) -> bytes:
    buf = _host(t)
    head = f"{pg.rank()}|{buf.dtype.str}|{','.join(map(str, buf.shape))}|".encode()
    return head + buf.tobytes()


def _unpack(data: bytes, t: Tensor, what: str) -> tuple[int, np.ndarray]:
    sender, dtype, dims, body = data.split(b"|", 3)
    values = np.frombuffer(body, np.dtype(dtype.decode()))
    if values.size != t.numel():
        shape = dims.decode()
        raise RuntimeError(f"{what}: process {int(sender)} sent a tensor of shape ({shape}) and "
                           f"dtype {values.dtype}, but the receiving tensor has shape "
                           f"{tuple(t.shape)}; send and recv must agree on the size")
    return int(sender), values


def _destination(pg: ProcessGroup, dst: int | None, group_dst: int | None) -> int:
    peer = _peer(pg, dst, group_dst, "send")
    if peer is None:
        raise ValueError("send: give the destination (dst=)")
    if peer == pg.rank():
        raise ValueError("Invalid destination rank: destination rank should not be the same as "
                         "the rank of the current process.")
    return peer


def _source(pg: ProcessGroup, src: int | None, group_src: int | None) -> int | None:
    peer = _peer(pg, src, group_src, "recv")
    if peer is not None and peer == pg.rank():
        raise ValueError("Invalid source rank: source rank should not be the same as the rank of "
                         "the current process.")
    return peer


def isend(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None,
          tag: int = 0, group_dst: int | None = None) -> Work | None:
    """Start sending `tensor` to process `dst`; the Work's wait() returns once it is sent.

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> dist.isend(torch.ones(2), dst=0)   # a process does not send to itself
    Traceback (most recent call last):
    ValueError: Invalid destination rank: destination rank should not be the same as the rank of the current process.
    >>> dist.destroy_process_group()
    """
    pg = _members(group, tensor=tensor)
    if pg is None:
        return None
    peer = _destination(pg, dst, group_dst)
    return Work(pg._comm.isend_bytes(_message(pg, tensor), peer, tag), None, [tensor])


def send(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None,
         tag: int = 0, group_dst: int | None = None) -> None:
    """Send `tensor` to process `dst` (a global rank, or `group_dst` in the group).

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> dist.send(torch.ones(2), dst=0)   # a process does not send to itself
    Traceback (most recent call last):
    ValueError: Invalid destination rank: destination rank should not be the same as the rank of the current process.
    >>> dist.destroy_process_group()
    """
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def irecv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None,
          tag: int = 0, group_src: int | None = None) -> Work | None:
    """Start receiving into `tensor` from process `src` (None: any process); the Work's wait()
    returns once it arrived, and source_rank() names the sender.

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> dist.irecv(torch.ones(2), src=0)   # a process does not send to itself
    Traceback (most recent call last):
    ValueError: Invalid source rank: source rank should not be the same as the rank of the current process.
    >>> dist.destroy_process_group()
    """
    pg = _members(group, tensor=tensor)
    if pg is None:
        return None
    peer = _source(pg, src, group_src)
    request = pg._comm.irecv_bytes(peer, tag)   # from one process, or any (peer None)
    work = Work(request, None, [tensor])

    def finish(data: bytes) -> None:
        sender, values = _unpack(data, tensor, "recv")
        _store(tensor, values)
        work._source = sender

    work._finish = finish
    return work


def recv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None,
         tag: int = 0, group_src: int | None = None) -> int:
    """Receive into `tensor` from process `src` (None: any process); returns the sender's rank.

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> dist.recv(torch.ones(2), src=0)   # a process does not send to itself
    Traceback (most recent call last):
    ValueError: Invalid source rank: source rank should not be the same as the rank of the current process.
    >>> dist.destroy_process_group()
    """
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    pg = resolve(group)
    assert pg is not None     # irecv returned a Work: this process is in the group
    return pg._ranks[work._source] if group_src is None else work._source


class P2POp:
    """One send or receive of batch_isend_irecv: P2POp(dist.isend, tensor, peer)."""

    def __init__(self, op: Callable[..., Any], tensor: Tensor, peer: int | None = None,
                 group: ProcessGroup | None = None, tag: int = 0,
                 group_peer: int | None = None):
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type ``torch.distributed."
                             "isend`` or ``torch.distributed.irecv``.")
        self.op, self.tensor, self.peer, self.group, self.tag = op, tensor, peer, group, tag
        self.group_peer = group_peer


def batch_isend_irecv(p2p_op_list: list[P2POp]) -> list[Work]:
    """Start every send and receive of the list; returns their Works.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.batch_isend_irecv([])
    []
    """
    works = []
    for p in p2p_op_list:
        work = p.op(p.tensor, p.peer, p.group, p.tag, p.group_peer)
        if work is not None:
            works.append(work)
    return works
