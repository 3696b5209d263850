"""The communicator: MPI's collectives and point-to-point operations on contiguous numpy buffers.

`Communicator` wraps an mpi4py communicator. Arrays travel as raw buffers (never pickled); a list
of buffers is packed into one flat buffer per dtype, so a pytree of many leaves costs one MPI call
per dtype. Before each collective the ranks exchange a small header (which operation, reduction,
root, and a checksum of the operands' shapes and dtypes); when the ranks disagree, every rank
raises `CollectiveMismatchError` naming each rank's operands, instead of hanging or reading
garbage. Point-to-point messages carry their shape and dtype the same way.

A `timeout` (seconds, per call, or the communicator's default) turns an operation into MPI's
nonblocking form polled until the deadline; past it the rank raises `DistributedTimeoutError` and
the whole job is aborted `abort_grace` seconds later (a collective in flight cannot be cancelled,
so the communicator is unusable afterwards).

MPI itself (mpi4py, which initializes MPI when imported) is loaded on first use, so importing
funcgrad.distributed stays cheap and works without the `distributed` extra.
"""
from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import weakref
import zlib
from collections import deque
from typing import Any, Callable, Sequence

import numpy as np

from ._errors import CollectiveMismatchError, DistributedError, DistributedTimeoutError, link

_MPI: Any = None


def mpi() -> Any:
    """mpi4py's `MPI` module (importing it initializes MPI), or a `DistributedError` saying how
    to install it.

    >>> mpi().COMM_WORLD.Get_size() >= 1
    True
    """
    global _MPI
    if _MPI is None:
        try:
            from mpi4py import MPI  # reason: optional dependency; importing it initializes MPI
        except ImportError as e:
            raise DistributedError(
                f"funcgrad.distributed needs mpi4py and an MPI library ({e}); install them with "
                f"`pip install 'funcgrad[distributed]'` (mpi4py + MPICH wheels) "
                f"{link(DistributedError)}") from None
        _MPI = MPI
        atexit.register(_free_all)   # registered after mpi4py's own exit hook: runs before it
    return _MPI


REDUCE_OPS = ("sum", "prod", "min", "max", "band", "bor", "bxor", "avg")
_OP_CODE = {op: i for i, op in enumerate(REDUCE_OPS)}
_KINDS = ("allreduce", "broadcast", "allgather", "reduce_scatter", "alltoall", "reduce", "gather",
          "scatter", "barrier", "broadcast_bytes", "allgather_bytes", "split", "sendrecv")
_KIND_CODE = {k: i for i, k in enumerate(_KINDS)}
_UNSET: Any = object()
_HEADER = 256          # bytes of a point-to-point header (dtype and shape of the message)


def _desc(buf: np.ndarray) -> str:
    return f"{buf.dtype.name}{list(buf.shape)}"


def _mpi_op(op: str, dtype: np.dtype) -> Any:
    """MPI's reduction for `op` on `dtype`, or a clear error where the pair has no meaning."""
    MPI = mpi()
    if op not in _OP_CODE:
        raise ValueError(f"op={op!r}: unknown reduction; use one of {', '.join(REDUCE_OPS)}")
    kind = dtype.kind
    if kind == "b":      # booleans: sum/max/bor are `or`, prod/min/band `and`, bxor `xor`
        if op == "avg":
            raise TypeError(f"op='avg' of a bool buffer has no meaning; cast to a float dtype")
        return {"sum": MPI.LOR, "max": MPI.LOR, "bor": MPI.LOR, "prod": MPI.LAND,
                "min": MPI.LAND, "band": MPI.LAND, "bxor": MPI.LXOR}[op]
    if op in ("band", "bor", "bxor") and kind not in "iu":
        raise TypeError(f"op={op!r} needs integer or bool buffers, got {dtype.name}")
    if op in ("min", "max") and kind == "c":
        raise TypeError(f"op={op!r} of complex buffers ({dtype.name}) is not ordered; reduce the "
                        "real and imaginary parts, or their magnitude, separately")
    if op == "avg" and kind not in "fc":
        raise TypeError(f"op='avg' needs float or complex buffers, got {dtype.name}; sum, then "
                        "divide in the dtype you want")
    if kind not in "iufc":
        raise TypeError(f"cannot reduce buffers of dtype {dtype.name}")
    return {"sum": MPI.SUM, "avg": MPI.SUM, "prod": MPI.PROD, "min": MPI.MIN, "max": MPI.MAX,
            "band": MPI.BAND, "bor": MPI.BOR, "bxor": MPI.BXOR}[op]


def _contiguous(buf: Any, what: str) -> np.ndarray:
    if not isinstance(buf, np.ndarray):
        buf = np.asarray(buf)
    if buf.dtype.hasobject:
        raise TypeError(f"{what}: object arrays cannot travel as raw buffers; send numbers, or "
                        "serialize the objects to bytes and use the *_bytes operations")
    return buf if buf.flags.c_contiguous else np.array(buf, order="C")   # 0-d stays 0-d


def _stacked(buf: np.ndarray, size: int, what: str) -> None:
    if buf.ndim == 0 or buf.shape[0] != size:
        raise ValueError(f"{what}: the operand's leading axis must have one block per rank "
                         f"(size {size}), got shape {buf.shape}")


class _Packed:
    """Buffers grouped by dtype, each group copied into one flat buffer (reduced in place), and
    handed back as views of it in the original order."""

    def __init__(self, bufs: Sequence[Any], op: str | None):
        self.arrays = [_contiguous(b, "allreduce") for b in bufs]
        self.op = op
        self.groups: list[tuple[np.ndarray, Any, list[int]]] = []
        by_dtype: dict = {}
        for i, a in enumerate(self.arrays):
            by_dtype.setdefault(a.dtype, []).append(i)
        for dtype, idx in by_dtype.items():
            mpi_op = _mpi_op(op, dtype) if op is not None else None
            flat = np.empty(sum(self.arrays[i].size for i in idx), dtype)
            off = 0
            for i in idx:
                n = self.arrays[i].size
                np.copyto(flat[off:off + n].reshape(self.arrays[i].shape), self.arrays[i])
                off += n
            self.groups.append((flat, mpi_op, idx))
        self.sig = ", ".join(_desc(a) for a in self.arrays)

    def results(self, size: int) -> list[np.ndarray]:
        out: list = [None] * len(self.arrays)
        for flat, _, idx in self.groups:
            if self.op == "avg":
                np.divide(flat, size, out=flat)
            off = 0
            for i in idx:
                n = self.arrays[i].size
                out[i] = flat[off:off + n].reshape(self.arrays[i].shape)
                off += n
        return out


def _abort_later(grace: float, reason: str) -> None:
    """Abort the whole job in `grace` seconds unless the process exits first (a daemon thread)."""
    def run():
        time.sleep(grace)
        sys.stderr.write(f"funcgrad.distributed: stopping the job: {reason}\n")
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(1)     # an exit without MPI's finalize: MPI's launcher kills every other rank
    threading.Thread(target=run, name="funcgrad-distributed-abort", daemon=True).start()


class Request:
    """A nonblocking operation in flight. `test()` says whether it finished (and advances it);
    `wait(timeout=None)` finishes it and returns its result.

    >>> import numpy as np
    >>> req = Communicator(mpi().COMM_SELF).iallreduce([np.arange(3.0)])
    >>> req.wait()
    [array([0., 1., 2.])]
    """

    def __init__(self, comm: "Communicator", what: str, finish: Callable[[], Any],
                 start: Callable[[], list] | None = None, agree: Any = None):
        self._comm = comm
        self._what = what
        self._finish = finish
        self._start = start          # posts the data requests once the header agrees
        self._agree = agree          # (header request, check) of a collective not yet started
        self._reqs: list = []
        self._queued = False         # in the communicator's queue of collectives to post
        self._done = False
        self._result: Any = None

    def _begin(self, block: bool, deadline: float | None) -> bool:
        """Check the header and post the data operation; False when the header is not in yet."""
        if self._agree is not None:
            req, check = self._agree
            if block:
                self._comm._poll(req.Test, req.Wait, deadline, self._what)
            elif not req.Test():
                return False
            if self._agree is not None:     # (a poll above may have begun it already)
                self._agree = None
                check()
        if self._start is not None:
            start, self._start = self._start, None
            self._reqs = start()
        return True

    def test(self) -> bool:
        """Whether the operation finished; advances it without blocking."""
        if self._done:
            return True
        if self._queued:
            self._comm._advance(block=False, deadline=None)
        else:
            self._begin(False, None)
        if self._agree is not None or self._start is not None:
            return False
        if mpi().Request.Testall(self._reqs):
            self._result, self._done = self._finish(), True
        return self._done

    def wait(self, timeout: float | None = _UNSET) -> Any:
        """Finish the operation (at most `timeout` seconds; default: the communicator's) and
        return its result."""
        if not self._done:
            deadline = self._comm._deadline(timeout)
            if self._queued:
                self._comm._advance(block=True, deadline=deadline, upto=self)
            else:
                self._begin(True, deadline)
            self._comm._complete(self._reqs, deadline, self._what)
            self._result, self._done = self._finish(), True
        return self._result


class Communicator:
    """A group of processes and MPI's operations among them, on contiguous numpy buffers.

    `rank` is this process's position, `size` the number of processes. Every collective takes
    `timeout=` (seconds; default the communicator's `timeout`, None: wait for ever).

    >>> import numpy as np
    >>> w = Communicator(mpi().COMM_SELF)
    >>> w.allreduce([np.ones(3, np.float32), np.arange(2)], op="sum")   # one process here
    [array([1., 1., 1.], dtype=float32), array([0, 1])]
    >>> w.allgather(np.arange(3)).shape
    (1, 3)
    """

    def __init__(self, comm: Any, timeout: float | None = None, abort_grace: float = 5.0,
                 setup_timeout: float | None = None):
        MPI = mpi()
        self._MPI = MPI
        self._comm = comm
        self.rank: int = comm.Get_rank()
        self.size: int = comm.Get_size()
        self.timeout = timeout
        self.abort_grace = abort_grace
        self._pending: deque = deque()   # nonblocking collectives whose data is not posted yet
        self._failed: str | None = None
        self._receiving: list[Request] = []   # receives whose data is not posted yet
        # headers travel apart from the data, so they never match each other; duplicating a
        # communicator waits for every rank: at most `setup_timeout` seconds
        self._ctl, req = comm.Idup()
        _LIVE.add(self)
        self._complete([req], None if setup_timeout is None
                       else time.monotonic() + setup_timeout, "creating a communicator")

    def __repr__(self) -> str:
        return f"Communicator(rank={self.rank}, size={self.size})"

    # -- the machinery ------------------------------------------------------------------------

    def _deadline(self, timeout: float | None) -> float | None:
        if self._failed is not None:
            raise DistributedError(f"this communicator is unusable after an earlier failure "
                                   f"({self._failed}); the job is being aborted "
                                   f"{link(DistributedError)}")
        if timeout is _UNSET:
            timeout = self.timeout
        return None if timeout is None else time.monotonic() + float(timeout)

    def _complete(self, reqs: list, deadline: float | None, what: str) -> None:
        """Wait for MPI requests `reqs`: blocking without a deadline, else polling until it."""
        if reqs:
            Req = self._MPI.Request
            self._poll(lambda: Req.Testall(reqs), lambda: Req.Waitall(reqs), deadline, what)

    def _poll(self, test: Callable[[], bool], wait: Callable[[], Any], deadline: float | None,
              what: str) -> None:
        if deadline is None and not self._receiving:
            wait()
            return
        spins = 0
        while not test():
            # a receive posted earlier takes its message's data once the header is in: a send
            # waiting here (to this very process, say) may need it
            self._receiving = [r for r in self._receiving if not r._begin(False, None)]
            spins += 1
            if spins > 50 and deadline is not None and time.monotonic() > deadline:
                self._timed_out(what)
            if spins > 50:
                time.sleep(min(1e-3, 2e-6 * spins))

    def _timed_out(self, what: str) -> None:
        self._failed = f"{what} timed out"
        _abort_later(self.abort_grace, f"rank {self.rank}: {what} timed out")
        raise DistributedTimeoutError(
            f"{what} on rank {self.rank} of {self.size} did not complete in time: another rank is "
            f"missing, stuck, or called a different operation. The job aborts in "
            f"{self.abort_grace:g} s (an operation in flight cannot be cancelled). Raise the "
            f"`timeout=` if the other ranks are merely slow {link(DistributedTimeoutError)}")

    def _header(self, kind: str, op: str | None, root: int, sig: str) -> np.ndarray:
        return np.array([_KIND_CODE[kind], _OP_CODE.get(op, -1) if op else -1, root,
                         zlib.crc32(sig.encode())], np.int64)

    def _check(self, kind: str, desc: str, mine: np.ndarray, everyone: np.ndarray,
               deadline: float | None) -> None:
        if (everyone == mine).all():
            return
        descs = self._allgather_bytes(desc.encode(), deadline, "the mismatch report")
        by_desc: dict = {}
        for r, d in enumerate(descs):
            by_desc.setdefault(d.decode(), []).append(r)
        parts = "; ".join(f"rank{'s' if len(rs) > 1 else ''} {', '.join(map(str, rs))}: {d}"
                          for d, rs in by_desc.items())
        err = CollectiveMismatchError(
            f"{kind}: the ranks called different collectives or passed different operands: "
            f"{parts}. Every rank must make the same collective calls in the same order, with the "
            f"same shapes, dtypes, reduction and root {link(CollectiveMismatchError)}")
        # every rank raises this same error: one of them (this communicator's rank 0) reports it
        world_group = self._MPI.COMM_WORLD.Get_group()
        err.reporter = self._MPI.Group.Translate_ranks(self._comm.Get_group(), [0],
                                                       world_group)[0]
        raise err

    def _agree(self, kind: str, desc: str, deadline: float | None, op: str | None = None,
               root: int = -1, sig: str = "") -> None:
        """Check, with one small allgather, that every rank makes the same call."""
        if self.size == 1:
            return
        mine = self._header(kind, op, root, sig)
        everyone = np.empty((self.size, mine.size), np.int64)
        if deadline is None:
            self._ctl.Allgather(mine, everyone)
        else:
            self._complete([self._ctl.Iallgather(mine, everyone)], deadline,
                           desc.split(" of ")[0])
        self._check(kind, desc, mine, everyone, deadline)

    def _advance(self, block: bool, deadline: float | None, upto: Request | None = None) -> None:
        """Post the data of pending nonblocking collectives in the order they were called (the
        order every rank calls them in); with `block`, all of them up to `upto` (or all)."""
        while self._pending:
            req = self._pending[0]
            if not req._begin(block, deadline):
                return
            self._pending.popleft()
            req._queued = False
            if req is upto:
                return

    def _collective(self, deadline: float | None) -> None:
        """Before a new collective: the nonblocking ones called earlier must be posted first."""
        if self._pending:
            self._advance(block=True, deadline=deadline)

    def _run(self, deadline: float | None, what: str, blocking: Callable[[], None],
             nonblocking: Callable[[], Any]) -> None:
        if deadline is None:
            blocking()
        else:
            self._complete([nonblocking()], deadline, what)

    def _bytes(self, buf: np.ndarray) -> list:
        return [buf, buf.nbytes, self._MPI.BYTE]

    def _allgather_bytes(self, data: bytes, deadline: float | None, what: str) -> list[bytes]:
        n = np.array([len(data)], np.int64)
        counts = np.empty(self.size, np.int64)
        self._run(deadline, what, lambda: self._ctl.Allgather(n, counts),
                  lambda: self._ctl.Iallgather(n, counts))
        out = np.empty(int(counts.sum()), np.uint8)
        displs = np.concatenate([[0], np.cumsum(counts)[:-1]])
        send = np.frombuffer(data, np.uint8)
        spec = [out, (counts, displs), self._MPI.BYTE]
        self._run(deadline, what, lambda: self._ctl.Allgatherv([send, self._MPI.BYTE], spec),
                  lambda: self._ctl.Iallgatherv([send, self._MPI.BYTE], spec))
        return [out[d:d + c].tobytes() for d, c in zip(displs, counts)]

    def _enter(self, kind: str, buf: Any, timeout: float | None, op: str | None = None,
               root: int | None = None, stacked: bool = False) -> tuple:
        """The start of a one-buffer collective: the deadline, the buffer made contiguous, the
        arguments checked, earlier nonblocking collectives posted, and every rank's call
        checked to agree. Returns (deadline, buffer, MPI's reduction or None)."""
        deadline = self._deadline(timeout)
        buf = _contiguous(buf, kind)
        if root is not None:
            self._root(root, kind)
        if stacked:
            _stacked(buf, self.size, kind)
        mpi_op = _mpi_op(op, buf.dtype) if op is not None else None
        self._collective(deadline)
        args = [f"op={op!r}"] * (op is not None) + [f"root={root}"] * (root is not None)
        self._agree(kind, f"{kind}({', '.join(args)}) of {_desc(buf)}", deadline, op,
                    -1 if root is None else root, _desc(buf))
        return deadline, buf, mpi_op

    # -- reductions ---------------------------------------------------------------------------

    def allreduce(self, bufs: Sequence[np.ndarray], op: str = "sum",
                  timeout: float | None = _UNSET) -> list[np.ndarray]:
        """The elementwise reduction (`op`: sum prod min max band bor bxor avg) of each buffer
        over all ranks, on every rank. Buffers of one dtype travel in one MPI call.

        >>> import numpy as np
        >>> Communicator(mpi().COMM_SELF).allreduce([np.array([1, 5]), np.array([2.0])], op="max")
        [array([1, 5]), array([2.])]
        """
        deadline = self._deadline(timeout)
        packed = _Packed(bufs, op)
        if self.size > 1:
            self._collective(deadline)
            self._agree("allreduce", f"allreduce(op={op!r}) of [{packed.sig}]", deadline, op,
                        -1, packed.sig)
            if deadline is None:
                for flat, mpi_op, _ in packed.groups:
                    self._comm.Allreduce(self._MPI.IN_PLACE, flat, op=mpi_op)
            else:
                self._complete([self._comm.Iallreduce(self._MPI.IN_PLACE, flat, op=mpi_op)
                                for flat, mpi_op, _ in packed.groups], deadline, "allreduce")
        return packed.results(self.size)

    def iallreduce(self, bufs: Sequence[np.ndarray], op: str = "sum",
                   timeout: float | None = _UNSET) -> Request:
        """`allreduce` started without waiting: returns a `Request` whose `wait()` gives the
        reduced buffers. The header goes out at once; the data as soon as every rank's header
        is in (in the order the ranks called their collectives), advanced by `test()`, `wait()`
        and later calls.

        >>> import numpy as np
        >>> Communicator(mpi().COMM_SELF).iallreduce([np.ones(2)], op="avg").wait()
        [array([1., 1.])]
        """
        self._deadline(timeout)
        packed = _Packed(bufs, op)
        desc = f"allreduce(op={op!r}) of [{packed.sig}]"
        what = f"allreduce(op={op!r})"
        finish = lambda: packed.results(self.size)  # noqa: E731
        if self.size == 1:
            return Request(self, what, finish)

        def start():
            return [self._comm.Iallreduce(self._MPI.IN_PLACE, flat, op=mpi_op)
                    for flat, mpi_op, _ in packed.groups]

        mine = self._header("allreduce", op, -1, packed.sig)
        everyone = np.empty((self.size, mine.size), np.int64)
        hreq = self._ctl.Iallgather(mine, everyone)
        check = lambda: self._check("allreduce", desc, mine, everyone, None)  # noqa: E731
        req = Request(self, what, finish, start=start, agree=(hreq, check))
        req._queued = True
        self._pending.append(req)
        self._advance(block=False, deadline=None)
        return req

    def reduce(self, buf: np.ndarray, op: str = "sum", root: int = 0,
               timeout: float | None = _UNSET) -> np.ndarray | None:
        """The reduction of `buf` over all ranks, at `root` (None elsewhere).

        >>> import numpy as np
        >>> Communicator(mpi().COMM_SELF).reduce(np.arange(3), "sum", root=0)
        array([0, 1, 2])
        """
        deadline, buf, mpi_op = self._enter("reduce", buf, timeout, op=op, root=root)
        out: Any = np.empty_like(buf) if self.rank == root else None
        if self.size == 1:
            out[...] = buf
        else:
            self._run(deadline, "reduce", lambda: self._comm.Reduce(buf, out, mpi_op, root),
                      lambda: self._comm.Ireduce(buf, out, mpi_op, root))
        if out is not None and op == "avg":
            np.divide(out, self.size, out=out)
        return out

    def reduce_scatter(self, buf: np.ndarray, op: str = "sum",
                       timeout: float | None = _UNSET) -> np.ndarray:
        """`buf` of shape (size, *rest): the reduction over ranks of block `rank`, on each rank.

        >>> import numpy as np
        >>> Communicator(mpi().COMM_SELF).reduce_scatter(np.array([[1.0, 2.0]]))
        array([1., 2.])
        """
        deadline, buf, mpi_op = self._enter("reduce_scatter", buf, timeout, op=op, stacked=True)
        out = np.empty(buf.shape[1:], buf.dtype)
        if self.size == 1:
            out[...] = buf[0]
        else:
            self._run(deadline, "reduce_scatter",
                      lambda: self._comm.Reduce_scatter_block(buf, out, mpi_op),
                      lambda: self._comm.Ireduce_scatter_block(buf, out, mpi_op))
        if op == "avg":
            np.divide(out, self.size, out=out)
        return out

    # -- data movement (any dtype: raw bytes) -------------------------------------------------

    def _root(self, root: int, what: str) -> None:
        if not 0 <= root < self.size:
            raise ValueError(f"{what}: root={root} is not a rank of this communicator "
                             f"(size {self.size})")

    def broadcast(self, buf: np.ndarray, root: int = 0,
                  timeout: float | None = _UNSET) -> np.ndarray:
        """Rank `root`'s `buf`, on every rank (each passes a buffer of the same shape and dtype).

        >>> import numpy as np
        >>> Communicator(mpi().COMM_SELF).broadcast(np.arange(3), root=0)
        array([0, 1, 2])
        """
        deadline, buf, _ = self._enter("broadcast", buf, timeout, root=root)
        out = buf.copy()
        if self.size > 1:
            spec = self._bytes(out)
            self._run(deadline, "broadcast", lambda: self._comm.Bcast(spec, root),
                      lambda: self._comm.Ibcast(spec, root))
        return out

    def broadcast_list(self, bufs: Sequence[np.ndarray], root: int = 0,
                       timeout: float | None = _UNSET) -> list[np.ndarray]:
        """Rank `root`'s buffers, on every rank; buffers of one dtype travel packed in one MPI
        call (each rank passes buffers of the same shapes and dtypes).

        >>> import numpy as np
        >>> Communicator(mpi().COMM_SELF).broadcast_list([np.arange(2), np.ones(1)], root=0)
        [array([0, 1]), array([1.])]
        """
        deadline = self._deadline(timeout)
        self._root(root, "broadcast")
        packed = _Packed(bufs, None)
        self._collective(deadline)
        self._agree("broadcast", f"broadcast(root={root}) of [{packed.sig}]", deadline, None,
                    root, packed.sig)
        if self.size > 1:
            reqs = []
            for flat, _, _ in packed.groups:
                spec = self._bytes(flat)
                if deadline is None:
                    self._comm.Bcast(spec, root)
                else:
                    reqs.append(self._comm.Ibcast(spec, root))
            self._complete(reqs, deadline, "broadcast")
        return packed.results(self.size)

    def allgather(self, buf: np.ndarray, timeout: float | None = _UNSET) -> np.ndarray:
        """Every rank's `buf`, stacked by rank: shape (size, *buf.shape), on every rank.

        >>> import numpy as np
        >>> Communicator(mpi().COMM_SELF).allgather(np.arange(2))
        array([[0, 1]])
        """
        deadline, buf, _ = self._enter("allgather", buf, timeout)
        out = np.empty((self.size,) + buf.shape, buf.dtype)
        if self.size == 1:
            out[0] = buf
        else:
            send, recv = [buf, buf.nbytes, self._MPI.BYTE], [out, buf.nbytes, self._MPI.BYTE]
            self._run(deadline, "allgather", lambda: self._comm.Allgather(send, recv),
                      lambda: self._comm.Iallgather(send, recv))
        return out

    def alltoall(self, buf: np.ndarray, timeout: float | None = _UNSET) -> np.ndarray:
        """`buf` of shape (size, *rest): block j goes to rank j; the result stacks the blocks
        received, by source rank.

        >>> import numpy as np
        >>> Communicator(mpi().COMM_SELF).alltoall(np.array([[1, 2]]))
        array([[1, 2]])
        """
        deadline, buf, _ = self._enter("alltoall", buf, timeout, stacked=True)
        out = np.empty_like(buf)
        if self.size == 1:
            out[...] = buf
        else:
            n = buf.nbytes // self.size
            send, recv = [buf, n, self._MPI.BYTE], [out, n, self._MPI.BYTE]
            self._run(deadline, "alltoall", lambda: self._comm.Alltoall(send, recv),
                      lambda: self._comm.Ialltoall(send, recv))
        return out

    def gather(self, buf: np.ndarray, root: int = 0,
               timeout: float | None = _UNSET) -> np.ndarray | None:
        """Every rank's `buf` stacked by rank (size, *shape) at `root`; None elsewhere.

        >>> import numpy as np
        >>> Communicator(mpi().COMM_SELF).gather(np.arange(2), root=0)
        array([[0, 1]])
        """
        deadline, buf, _ = self._enter("gather", buf, timeout, root=root)
        out: Any = np.empty((self.size,) + buf.shape, buf.dtype) if self.rank == root else None
        if self.size == 1:
            out[0] = buf
        else:
            send = [buf, buf.nbytes, self._MPI.BYTE]
            recv = [out, buf.nbytes, self._MPI.BYTE] if out is not None else None
            self._run(deadline, "gather", lambda: self._comm.Gather(send, recv, root),
                      lambda: self._comm.Igather(send, recv, root))
        return out

    def scatter(self, buf: np.ndarray | None, root: int = 0,
                timeout: float | None = _UNSET) -> np.ndarray:
        """Rank `root`'s `buf` of shape (size, *rest): block j goes to rank j. Other ranks may
        pass None (the shape and dtype come from the root).

        >>> import numpy as np
        >>> Communicator(mpi().COMM_SELF).scatter(np.array([[1, 2]]), root=0)
        array([1, 2])
        """
        src: Any = buf
        deadline = self._deadline(timeout)
        self._root(root, "scatter")
        if self.rank == root:
            src = _contiguous(src, "scatter")
            _stacked(src, self.size, "scatter")
        self._collective(deadline)
        self._agree("scatter", f"scatter(root={root})", deadline, None, root)
        if self.size == 1:
            return src[0].copy()
        meta = self._broadcast_bytes(
            f"{src.dtype.str};{','.join(map(str, src.shape[1:]))}".encode()
            if self.rank == root else None, root, deadline, "scatter")
        dtype, dims = meta.decode().split(";")
        out = np.empty(tuple(int(d) for d in dims.split(",") if d), np.dtype(dtype))
        send = [src, out.nbytes, self._MPI.BYTE] if self.rank == root else None
        recv = [out, out.nbytes, self._MPI.BYTE]
        self._run(deadline, "scatter", lambda: self._comm.Scatter(send, recv, root),
                  lambda: self._comm.Iscatter(send, recv, root))
        return out

    def barrier(self, timeout: float | None = _UNSET, name: str = "") -> None:
        """Return once every rank has called it (with the same `name`: different names raise
        `CollectiveMismatchError`).

        >>> Communicator(mpi().COMM_SELF).barrier(timeout=10.0)
        """
        deadline = self._deadline(timeout)
        self._collective(deadline)
        # an allgather completes only once every rank has joined it
        self._agree("barrier", f"barrier({name!r})" if name else "barrier()", deadline, None,
                    -1, name)

    # -- bytes, for object collectives (the caller serializes) --------------------------------

    def _broadcast_bytes(self, data: bytes | None, root: int, deadline: float | None,
                         what: str) -> bytes:
        payload = data or b""
        n = np.array([len(payload) if self.rank == root else 0], np.int64)
        self._run(deadline, what, lambda: self._ctl.Bcast(n, root),
                  lambda: self._ctl.Ibcast(n, root))
        out = (np.frombuffer(payload, np.uint8).copy() if self.rank == root
               else np.empty(int(n[0]), np.uint8))
        self._run(deadline, what, lambda: self._ctl.Bcast(out, root),
                  lambda: self._ctl.Ibcast(out, root))
        return out.tobytes()

    def broadcast_bytes(self, data: bytes | None, root: int = 0,
                        timeout: float | None = _UNSET) -> bytes:
        """Rank `root`'s `data`, on every rank (others pass None).

        >>> Communicator(mpi().COMM_SELF).broadcast_bytes(b"hello", root=0)
        b'hello'
        """
        deadline = self._deadline(timeout)
        self._root(root, "broadcast_bytes")
        if self.rank == root and not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"broadcast_bytes: the root passes bytes, got {type(data).__name__}")
        self._collective(deadline)
        self._agree("broadcast_bytes", f"broadcast_bytes(root={root})", deadline, None, root)
        if self.size == 1:
            return bytes(data or b"")
        return self._broadcast_bytes(bytes(data or b"") if self.rank == root else None, root,
                                     deadline,
                                     "broadcast_bytes")

    def allgather_bytes(self, data: bytes, timeout: float | None = _UNSET) -> list[bytes]:
        """Every rank's `data` (any lengths), as a list by rank, on every rank.

        >>> Communicator(mpi().COMM_SELF).allgather_bytes(b"abc")
        [b'abc']
        """
        deadline = self._deadline(timeout)
        self._collective(deadline)
        self._agree("allgather_bytes", "allgather_bytes()", deadline)
        if self.size == 1:
            return [bytes(data)]
        return self._allgather_bytes(bytes(data), deadline, "allgather_bytes")

    # -- point to point -----------------------------------------------------------------------
    # A message is a header on the control communicator ("dtype;shape", or "bytes;n") and the
    # data on the data communicator, under the same tag: the receiver checks what it gets.

    def _peer(self, rank: int, what: str) -> None:
        if not 0 <= rank < self.size:
            raise ValueError(f"{what}: rank {rank} is not in this communicator (size {self.size})")

    def isend(self, buf: np.ndarray, dest: int, tag: int = 0) -> Request:
        """Start sending `buf` to rank `dest`; `wait()` returns None once it is sent.

        >>> import numpy as np
        >>> w = Communicator(mpi().COMM_SELF)
        >>> req = w.isend(np.arange(3.0), dest=w.rank)
        >>> w.recv((3,), np.float64, source=w.rank)
        array([0., 1., 2.])
        >>> req.wait()
        """
        self._deadline(None)
        buf = _contiguous(buf, "send")
        self._peer(dest, "send")
        head = f"{buf.dtype.str};{','.join(map(str, buf.shape))}".encode()
        return self._isend(head, buf, dest, tag, f"send to rank {dest}")

    def _isend(self, head: bytes, buf: np.ndarray, dest: int, tag: int, what: str) -> Request:
        head_buf = np.frombuffer(head, np.uint8)
        reqs = [self._ctl.Isend([head_buf, self._MPI.BYTE], dest, tag),
                self._comm.Isend(self._bytes(buf), dest, tag)]
        req = Request(self, what, lambda: (head_buf, buf) and None)
        req._reqs = reqs
        return req

    def send(self, buf: np.ndarray, dest: int, tag: int = 0,
             timeout: float | None = _UNSET) -> None:
        """Send `buf` to rank `dest` (returns once the buffer is handed over).

        >>> import numpy as np
        >>> w = Communicator(mpi().COMM_SELF)
        >>> req = w.irecv((2,), np.int64, source=w.rank)
        >>> w.send(np.array([4, 5]), dest=w.rank)
        >>> req.wait()
        array([4, 5])
        """
        self.isend(buf, dest, tag).wait(timeout)

    def irecv(self, shape: Sequence[int], dtype: Any, source: int | None = None,
              tag: int = 0) -> Request:
        """Start receiving an array of `shape` and `dtype` from rank `source` (None: any rank);
        `wait()` returns it. A message of another shape or dtype raises
        `CollectiveMismatchError` naming both.

        >>> import numpy as np
        >>> w = Communicator(mpi().COMM_SELF)
        >>> req = w.irecv((), np.float32, source=w.rank, tag=3)
        >>> w.send(np.float32(2.5), dest=w.rank, tag=3)
        >>> req.wait()
        array(2.5, dtype=float32)
        """
        self._deadline(None)
        out = np.empty(tuple(shape), np.dtype(dtype))
        expect = f"{out.dtype.str};{','.join(map(str, out.shape))}"
        return self._irecv(expect, out, source, tag, f"recv from rank {source}")

    def _irecv(self, expect: str | None, out: np.ndarray | None, source: int | None, tag: int,
               what: str) -> Request:
        MPI = self._MPI
        src = MPI.ANY_SOURCE if source is None else source
        if source is not None:
            self._peer(source, what)
        head = np.empty(_HEADER, np.uint8)
        status = MPI.Status()
        hreq = self._ctl.Irecv([head, MPI.BYTE], src, tag)
        box: dict = {}
        # from a known rank, the data's receive is posted at once (a sender may wait for it);
        # from any rank, only once the header says which rank's message to take
        early = (self._comm.Irecv(self._bytes(out), source, tag)
                 if source is not None and out is not None else None)

        def check():
            got = head[:status.Get_count(MPI.BYTE)].tobytes().decode()
            box["source"] = status.Get_source()
            dtype, dims = got.split(";")
            if dtype == "bytes":
                nbytes, shape = int(dims), (int(dims),)
                dtype = "|u1"
            else:
                shape = tuple(int(d) for d in dims.split(",") if d)
                nbytes = np.dtype(dtype).itemsize * int(np.prod(shape, dtype=np.int64))
            if expect is not None and got != expect:
                if early is not None:                   # take the message off the wire anyway
                    try:
                        early.Wait()
                    except MPI.Exception:               # truncated: it was larger than `out`
                        pass
                else:
                    self._comm.Recv([np.empty(nbytes, np.uint8), MPI.BYTE], box["source"], tag)
                raise CollectiveMismatchError(
                    f"{what} (tag {tag}) on rank {self.rank}: rank {box['source']} sent "
                    f"{_readable(got)} but this rank expects {_readable(expect)}; send and recv "
                    f"must agree on shape and dtype {link(CollectiveMismatchError)}")
            box["out"] = out if out is not None else np.empty(shape, np.dtype(dtype))

        def start():
            if early is not None:
                return [early]
            return [self._comm.Irecv(self._bytes(box["out"]), box["source"], tag)]

        def finish():
            return box["out"].tobytes() if expect is None else box["out"]

        req = Request(self, what, finish, start=start, agree=(_StatusRequest(hreq, status), check))
        if early is None:
            self._receiving.append(req)
        return req

    def recv(self, shape: Sequence[int], dtype: Any, source: int | None = None, tag: int = 0,
             timeout: float | None = _UNSET) -> np.ndarray:
        """Receive an array of `shape` and `dtype` from rank `source` (None: any rank).

        >>> import numpy as np
        >>> w = Communicator(mpi().COMM_SELF)
        >>> req = w.isend(np.eye(2), dest=w.rank)
        >>> w.recv((2, 2), np.float64, source=w.rank)
        array([[1., 0.],
               [0., 1.]])
        >>> req.wait()
        """
        return self.irecv(shape, dtype, source, tag).wait(timeout)

    def sendrecv(self, buf: np.ndarray, dest: int | None, source: int | None, tag: int = 0,
                 timeout: float | None = _UNSET) -> np.ndarray | None:
        """Send `buf` to `dest` and receive an array of the same shape and dtype from `source`
        at once (either may be None: nothing sent, or nothing received and None returned).

        >>> import numpy as np
        >>> w = Communicator(mpi().COMM_SELF)
        >>> w.sendrecv(np.arange(2), dest=w.rank, source=w.rank)
        array([0, 1])
        """
        deadline = self._deadline(timeout)
        buf = _contiguous(buf, "sendrecv")
        head = f"{buf.dtype.str};{','.join(map(str, buf.shape))}"
        recv = (self._irecv(head, np.empty_like(buf), source, tag, f"sendrecv from rank {source}")
                if source is not None else None)
        send = (self._isend(head.encode(), buf, dest, tag, f"sendrecv to rank {dest}")
                if dest is not None else None)
        if dest is not None:
            self._peer(dest, "sendrecv")
        out = recv.wait(timeout) if recv is not None else None
        if send is not None:
            self._complete(send._reqs, deadline, send._what)
        return out

    def send_bytes(self, data: bytes, dest: int, tag: int = 0,
                   timeout: float | None = _UNSET) -> None:
        """Send raw bytes to rank `dest`.

        >>> w = Communicator(mpi().COMM_SELF)
        >>> req = w.irecv_bytes(source=w.rank)
        >>> w.send_bytes(b"ping", dest=w.rank)
        >>> req.wait()
        b'ping'
        """
        self.isend_bytes(data, dest, tag).wait(timeout)

    def isend_bytes(self, data: bytes, dest: int, tag: int = 0) -> Request:
        """Start sending raw bytes to rank `dest`.

        >>> w = Communicator(mpi().COMM_SELF)
        >>> req = w.isend_bytes(b"", dest=w.rank)
        >>> w.recv_bytes(source=w.rank), req.wait()
        (b'', None)
        """
        self._deadline(None)
        self._peer(dest, "send_bytes")
        buf = np.frombuffer(bytes(data), np.uint8)
        return self._isend(f"bytes;{buf.size}".encode(), buf, dest, tag,
                           f"send_bytes to rank {dest}")

    def irecv_bytes(self, source: int | None = None, tag: int = 0) -> Request:
        """Start receiving raw bytes (any length) from rank `source` (None: any rank); `wait()`
        returns them.

        >>> w = Communicator(mpi().COMM_SELF)
        >>> sent = w.isend_bytes(b"abc", dest=w.rank, tag=2)
        >>> w.irecv_bytes(source=w.rank, tag=2).wait(), sent.wait()
        (b'abc', None)
        """
        self._deadline(None)
        return self._irecv(None, None, source, tag, f"recv_bytes from rank {source}")

    def recv_bytes(self, source: int | None = None, tag: int = 0,
                   timeout: float | None = _UNSET) -> bytes:
        """Receive raw bytes (any length) from rank `source` (None: any rank).

        >>> w = Communicator(mpi().COMM_SELF)
        >>> req = w.isend_bytes(b"pong", dest=w.rank)
        >>> w.recv_bytes(source=w.rank), req.wait()
        (b'pong', None)
        """
        return self.irecv_bytes(source, tag).wait(timeout)

    # -- groups -------------------------------------------------------------------------------

    def split(self, ranks: Sequence[int], timeout: float | None = _UNSET) -> Communicator | None:
        """A communicator of `ranks` (in that order: rank `ranks[i]` is its rank i); every rank
        of this communicator calls it, and those outside `ranks` get None.

        >>> Communicator(mpi().COMM_SELF).split([0])
        Communicator(rank=0, size=1)
        """
        deadline = self._deadline(timeout)
        ranks = [int(r) for r in ranks]
        for r in ranks:
            self._peer(r, "split")
        if len(set(ranks)) != len(ranks):
            raise ValueError(f"split: ranks {ranks} repeat a rank")
        self._collective(deadline)
        self._agree("split", f"split({ranks})", deadline, None, -1, str(ranks))
        group = self._comm.Get_group().Incl(ranks)
        new = self._comm.Create(group)
        group.Free()
        if new == self._MPI.COMM_NULL:
            return None
        return Communicator(new, timeout=self.timeout, abort_grace=self.abort_grace)

    def free(self) -> None:
        """Release the MPI communicators this object made (not COMM_WORLD nor COMM_SELF)."""
        MPI = self._MPI
        if MPI.Is_finalized():
            return
        for c in (self._ctl, self._comm):
            if c not in (MPI.COMM_WORLD, MPI.COMM_SELF, MPI.COMM_NULL):
                c.Free()
        _LIVE.discard(self)

    def __del__(self) -> None:
        if getattr(self, "_ctl", None) is not None and self._failed is None and self in _LIVE:
            self.free()


_LIVE: "weakref.WeakSet[Communicator]" = weakref.WeakSet()


def _free_all() -> None:
    """Free the communicators still alive at exit, before MPI is finalized (MPI warns about
    communicators left over)."""
    for comm in list(_LIVE):
        if comm._failed is None:
            comm.free()


class _StatusRequest:
    """An MPI request whose completion fills `status` (MPI reports a receive's source and size
    there)."""

    def __init__(self, req: Any, status: Any):
        self.req = req
        self.status = status

    def Test(self) -> bool:
        return self.req.Test(self.status)

    def Wait(self) -> None:
        self.req.Wait(self.status)


def _readable(head: str) -> str:
    dtype, dims = head.split(";")
    if dtype == "bytes":
        return f"{dims} raw bytes"
    return f"{np.dtype(dtype).name}[{dims.replace(',', ', ')}]"
