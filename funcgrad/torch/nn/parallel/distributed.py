"""DistributedDataParallel: one model replica per process, gradients averaged over the processes
during backward, as PyTorch's.

At construction, process 0's parameters and buffers are broadcast to every process (one MPI
call per dtype). The parameters that require grad are split into buckets (in reverse order of
module.parameters(), the order backward produces their gradients: a first bucket of 1 MiB,
then bucket_cap_mb each). A hook on each parameter (register_post_accumulate_grad_hook) marks
it ready once its .grad holds this backward's gradient; when a bucket's parameters are all
ready, its gradients start averaging over the processes (a nonblocking all-reduce of the
bucket, packed into the bucket's own flat buffer, reused from step to step and reduced in place)
while backward goes on with the rest of the graph. The processes' parameters were checked to
agree in shape and dtype at construction, so these all-reduces skip the Communicator's per-call
check (`agreed=True`); on one process there is nothing to average and none is made. Buckets
start in bucket order on every process, so that the processes' MPI calls match. A callback at
the end of the backward pass (the engine's queue_callback) waits for them and writes the
averages into .grad.

no_sync() skips the averaging (gradients accumulate locally) until a forward outside it.
find_unused_parameters=True lets backward leave some parameters without a gradient: their
bucket entries count as zeros, and a parameter no process used keeps its .grad as it was."""
from __future__ import annotations

import contextlib
from typing import Any, Iterator, Sequence

import numpy as np

from ...._core import backend
from ... import _engine
from ..._factories import zeros_like
from ..._tensor import Tensor
from ...distributed import _groups
from ...distributed._collectives import _buffer, _store
from ..modules.module import Module
from ..parameter import Parameter

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024

_UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. "
    "This error indicates that your module has parameters that were not used in producing "
    "loss. You can enable unused parameter detection by passing the keyword argument "
    "`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, and by \n"
    "making sure all `forward` function outputs participate in calculating loss. \n"
    "Parameter indices which did not receive grad for rank {rank}: {missing}")


class _Bucket:
    """Parameters (indices into the DDP's list) whose gradients are averaged in one all-reduce."""

    __slots__ = ("indices", "waiting", "request", "flat")

    def __init__(self, indices: list[int]):
        self.indices = indices
        self.waiting = len(indices)     # parameters not ready yet in this backward
        self.request: Any = None        # the all-reduce in flight
        self.flat: Any = None           # the gradients, packed; reduced in place, reused

    def pack(self, grads: list[Any]) -> Any:
        """The gradients `grads` copied into the bucket's flat buffer (made on first use, on
        the host or the GPU as the gradients are)."""
        if self.flat is None:
            self.flat = backend.xp_of(grads[0]).concatenate([g.reshape(-1) for g in grads])
            return self.flat
        off = 0
        for g in grads:
            self.flat[off:off + g.size] = g.reshape(-1)
            off += g.size
        return self.flat


def _buckets(params: Sequence[Parameter], cap_bytes: int) -> list[_Bucket]:
    """Parameters in reverse order, grouped by dtype, cut into buckets of at most 1 MiB (the
    first; cap_bytes where that is smaller), then cap_bytes each (a parameter larger than that
    is a bucket alone)."""
    out: list[_Bucket] = []
    open_: dict[Any, tuple[list[int], int]] = {}
    for i in reversed(range(len(params))):
        p = params[i]
        key = p.dtype
        members, size = open_.get(key, ([], 0))
        limit = min(_FIRST_BUCKET_BYTES, cap_bytes) if not out else cap_bytes
        nbytes = p.numel() * p.element_size()
        if members and size + nbytes > limit:
            out.append(_Bucket(members))
            members, size = [], 0
        members.append(i)
        open_[key] = (members, size + nbytes)
    out.extend(_Bucket(members) for members, _ in open_.values() if members)
    return out


class DistributedDataParallel(Module):
    """Data parallelism over the processes of a process group, as PyTorch's
    torch.nn.parallel.DistributedDataParallel. Each process runs `module` on its share of the
    batch; after backward every process's .grad holds the gradient averaged over the processes.

    >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
    >>> from funcgrad.torch.nn.parallel import DistributedDataParallel as DDP
    >>> dist.init_process_group("gloo")
    >>> model = DDP(torch.nn.Linear(2, 1))
    >>> model(torch.ones(3, 2)).sum().backward()
    >>> model.module.bias.grad
    tensor([3.])
    >>> list(model.state_dict())
    ['module.weight', 'module.bias']
    >>> dist.destroy_process_group()
    """

    # the reducer's state, set past Module's __setattr__ (none of it is a submodule or a
    # parameter of this module)
    _params: list[Parameter]
    _buckets: list[_Bucket]
    _bucket_of: dict[int, _Bucket]
    _ready: list[bool]
    _armed: bool              # this backward averages gradients
    _queued: bool             # the end-of-backward callback is queued
    _next: int                # the next bucket to start
    _missing: list[int] | None    # parameters the last backward left out
    _module_buffers: list[Tensor]

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None,
                 output_device: Any = None, dim: int = 0, broadcast_buffers: bool | None = None,
                 init_sync: bool = True, process_group: Any = None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False, **kwargs: Any) -> None:
        super().__init__()
        pg = _groups.resolve(process_group)
        if pg is None:
            raise ValueError("DistributedDataParallel: this process is not a member of "
                             "process_group")
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.process_group = pg
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb)
                                    * 1024 * 1024)
        object.__setattr__(self, "_params", params)
        object.__setattr__(self, "_buckets", _buckets(params, self.bucket_bytes_cap))
        object.__setattr__(self, "_bucket_of", {i: b for b in self._buckets for i in b.indices})
        object.__setattr__(self, "_ready", [False] * len(params))
        object.__setattr__(self, "_armed", False)
        object.__setattr__(self, "_queued", False)
        object.__setattr__(self, "_next", 0)
        object.__setattr__(self, "_missing", None)
        # the buffers broadcast before each forward: listed once, as PyTorch's modules_buffers
        object.__setattr__(self, "_module_buffers", list(module.buffers()))
        if init_sync:
            self._broadcast([*module.parameters(), *module.buffers()])
        elif pg.size() > 1:
            # the bucket all-reduces go without a per-call check (`agreed`): check here, once,
            # that every process holds parameters of the same shapes and dtypes
            getattr(pg._comm, "host", pg._comm).barrier(name=", ".join(
                f"{p.dtype}{list(p.shape)}" for p in params))
        object.__setattr__(self, "_handles", [
            p.register_post_accumulate_grad_hook(self._hook(i)) for i, p in enumerate(params)])

    # ---- construction and buffers -----------------------------------------------------------

    def _broadcast(self, tensors: Sequence[Tensor]) -> None:
        """Process 0's values of `tensors`, written into them on every process (one MPI call
        per dtype)."""
        if not tensors or self.process_group.size() == 1:
            return
        pg = self.process_group
        got = pg._comm.broadcast_list([_buffer(pg, t) for t in tensors], root=0)
        for t, values in zip(tensors, got):
            _store(t, values)

    # ---- forward ------------------------------------------------------------------------------

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self._missing is not None:
            missing, self._missing = self._missing, None
            raise RuntimeError(_UNFINISHED.format(rank=self.process_group.rank(),
                                                  missing=", ".join(map(str, missing))))
        if self.require_backward_grad_sync:
            self._arm()
        else:
            self._armed = False
        if self.broadcast_buffers and self.require_forward_param_sync:
            self._broadcast(self._module_buffers)
        return self.module(*inputs, **kwargs)

    def _arm(self) -> None:
        """Make the next backward average the gradients."""
        self._armed = True
        self._queued = False
        self._next = 0
        self._ready = [False] * len(self._params)
        for b in self._buckets:
            if b.request is not None:
                # a backward that did not finish left this all-reduce in flight: it keeps its
                # buffer, and the bucket takes a new one
                b.flat = None
            b.waiting, b.request = len(b.indices), None

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside it, forward-backward passes accumulate gradients locally, without averaging;
        the first backward after a forward outside it averages the accumulated gradients.

        >>> import funcgrad.torch as torch, funcgrad.torch.distributed as dist
        >>> from funcgrad.torch.nn.parallel import DistributedDataParallel as DDP
        >>> dist.init_process_group("gloo")
        >>> model = DDP(torch.nn.Linear(1, 1, bias=False))
        >>> with model.no_sync():
        ...     model(torch.ones(1, 1)).sum().backward()
        >>> model(torch.ones(1, 1)).sum().backward()    # averages both passes' gradients
        >>> model.module.weight.grad
        tensor([[2.]])
        >>> dist.destroy_process_group()
        """
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    # ---- backward -----------------------------------------------------------------------------

    def _hook(self, i: int) -> Any:
        def hook(param: Tensor) -> None:
            if not self._armed or self._ready[i]:
                return
            if not self._queued:
                _engine.queue_callback(self._finish)
                self._queued = True
            self._ready[i] = True
            bucket = self._bucket_of[i]
            bucket.waiting -= 1
            if bucket.waiting == 0:
                self._start_ready()
            elif self._next and self._buckets[self._next - 1].request is not None:
                # advance the all-reduces in flight while backward goes on (MPI progresses
                # only inside MPI calls)
                self._buckets[self._next - 1].request.test()
        return hook

    def _start_ready(self) -> None:
        """Start the all-reduces of the buckets whose parameters are all ready, in bucket order
        (each process starts them in the same order)."""
        comm = self.process_group._comm
        alone = comm.size == 1      # the average over one process is its own gradient
        while self._next < len(self._buckets) and self._buckets[self._next].waiting == 0:
            b = self._buckets[self._next]
            if not alone:
                # the processes' parameters agree (checked at construction): no per-call check
                flat = b.pack([self._grad_values(i) for i in b.indices])
                b.request = comm.iallreduce([flat], "avg", agreed=True, in_place=True)
            self._next += 1

    def _grad_values(self, i: int) -> Any:
        p = self._params[i]
        if p.grad is None:   # a parameter this backward did not reach (find_unused_parameters)
            return _buffer(self.process_group, zeros_like(p))
        return _buffer(self.process_group, p.grad)

    def _finish(self) -> None:
        """At the end of backward: wait for the all-reduces and write the averages into .grad."""
        self._armed = False
        unused = [i for i, ready in enumerate(self._ready) if not ready]
        if unused and self.find_unused_parameters:
            for i in unused:
                self._bucket_of[i].waiting -= 1
            self._start_ready()
        used_anywhere = None
        if self.find_unused_parameters:
            # which parameters some process used: a small reduction over MPI (a NCCL group's
            # communicator hands it to its MPI one)
            comm = self.process_group._comm
            local = np.array(self._ready, np.int32)
            used_anywhere = getattr(comm, "host", comm).allreduce([local], "max")[0]
        for b in self._buckets[:self._next]:
            if b.request is None:       # one process: .grad holds the average already
                continue
            averaged = b.request.wait()[0]
            b.request = None
            off = 0
            for i in b.indices:
                p = self._params[i]
                n, off = p.numel(), off + p.numel()
                if used_anywhere is not None and not used_anywhere[i]:
                    continue
                if p.grad is None:
                    p.grad = zeros_like(p)
                _store(p.grad, averaged[off - n:off])
        if self._next < len(self._buckets):
            self._missing = unused
