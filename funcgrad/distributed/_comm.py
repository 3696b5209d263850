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

MPI itself is loaded on first use (`_mpi`); point-to-point messages are in `_p2p`, requests in
flight in `_requests`.
"""
from __future__ import annotations

import os
import time
import zlib
from collections import deque
from typing import Any, Callable, Sequence

import numpy as np

from ._errors import CollectiveMismatchError, DistributedError, DistributedTimeoutError, link
from ._mpi import (_LIVE, BufferPool, _OP_CODE, _UNSET, REDUCE_OPS, _contiguous, _desc, _mpi_op, _Packed,
                   _stacked, mpi)
from ._p2p import PointToPoint
from ._requests import Request, _abort_later

__all__ = ["Communicator", "Request", "REDUCE_OPS", "mpi"]

_KINDS = ("allreduce", "broadcast", "allgather", "reduce_scatter", "alltoall", "reduce", "gather",
          "scatter", "barrier", "broadcast_bytes", "allgather_bytes", "split", "sendrecv")
_KIND_CODE = {k: i for i, k in enumerate(_KINDS)}
_SPINS = 64            # polls of a request before the clock is read
_YIELD_FOR = 0.02      # seconds of a wait spent polling with yields before sleeping


class Communicator(PointToPoint):
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
        self._pool = BufferPool()   # the flat buffers of blocking all-reduces
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
        spins, since = 0, 0.0
        while not test():
            if self._receiving:
                # a receive posted earlier takes its message's data once the header is in: a
                # send waiting here (to this very process, say) may need it
                self._receiving = [r for r in self._receiving if not r._begin(False, None)]
            spins += 1
            if spins < _SPINS:
                continue
            now = time.monotonic()
            if deadline is not None and now > deadline:
                self._timed_out(what)
            if spins == _SPINS:
                since = now
            # a short wait yields the CPU between polls (woken at once when the data is in);
            # a long one sleeps, growing to 1 ms, so that an idle rank leaves the CPU to others
            if now - since < _YIELD_FOR:
                os.sched_yield()
            else:
                time.sleep(min(1e-3, (now - since) / 50))

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

    def _sends(self, packed: _Packed) -> list:
        """The send buffers of `packed`'s reductions (MPI's IN_PLACE where it is none)."""
        return [self._MPI.IN_PLACE if s is None else s for s in packed.sends]

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
        packed = _Packed(bufs, op, borrow=True, pool=self._pool if self.size > 1 else None)
        if self.size > 1:
            self._collective(deadline)
            self._agree("allreduce", f"allreduce(op={op!r}) of [{packed.sig}]", deadline, op,
                        -1, packed.sig)
            if deadline is None:
                for send, (flat, mpi_op, _) in zip(self._sends(packed), packed.groups):
                    self._comm.Allreduce(send, flat, op=mpi_op)
            else:
                self._complete([self._comm.Iallreduce(send, flat, op=mpi_op)
                                for send, (flat, mpi_op, _) in zip(self._sends(packed),
                                                                   packed.groups)],
                               deadline, "allreduce")
        return packed.results(self.size)

    def iallreduce(self, bufs: Sequence[np.ndarray], op: str = "sum",
                   timeout: float | None = _UNSET, agreed: bool = False,
                   in_place: bool = False) -> Request:
        """`allreduce` started without waiting: returns a `Request` whose `wait()` gives the
        reduced buffers. The header goes out at once; the data as soon as every rank's header
        is in (in the order the ranks called their collectives), advanced by `test()`, `wait()`
        and later calls.

        `agreed=True` says the caller has already established that every rank passes buffers of
        these shapes and dtypes here (DistributedDataParallel checks its parameters across the
        ranks at construction): the data goes out at once, with no header. A mismatch is then
        not detected (it waits until the timeout), so pass it only for such calls.
        `in_place=True` lets a buffer that is alone of its dtype be reduced where it is (no
        copy; the result is then that buffer): the caller must not read or write it meanwhile.

        >>> import numpy as np
        >>> Communicator(mpi().COMM_SELF).iallreduce([np.ones(2)], op="avg").wait()
        [array([1., 1.])]
        >>> Communicator(mpi().COMM_SELF).iallreduce([np.ones(2)], agreed=True).wait()
        [array([1., 1.])]
        """
        self._deadline(timeout)
        packed = _Packed(bufs, op, in_place)
        what = f"allreduce(op={op!r})"
        finish = lambda: packed.results(self.size)  # noqa: E731
        if self.size == 1:
            return Request(self, what, finish)

        def start():
            return [self._comm.Iallreduce(send, flat, op=mpi_op)
                    for send, (flat, mpi_op, _) in zip(self._sends(packed), packed.groups)]

        if agreed:
            req = Request(self, what, finish, start=start)
            if not self._pending:       # nothing called earlier waits to be posted: post it now
                req._begin(False, None)
                return req
        else:
            desc = f"allreduce(op={op!r}) of [{packed.sig}]"
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
