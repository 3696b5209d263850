"""Point-to-point messages of a `Communicator`: send, receive and sendrecv of numpy arrays and of
raw bytes. A message is a header on the control communicator ("dtype;shape", or "bytes;n") and
the data on the data communicator, under the same tag: the receiver checks what it gets, and a
message of another shape or dtype than the receiver expects raises `CollectiveMismatchError`
naming both."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ._errors import CollectiveMismatchError, link
from ._mpi import _UNSET, _contiguous
from ._requests import Request, _StatusRequest

_HEADER = 256          # bytes of a point-to-point header (dtype and shape of the message)


class PointToPoint:
    """The point-to-point operations of `Communicator` (which holds the MPI communicators:
    `_comm` for data, `_ctl` for headers)."""

    _MPI: Any
    _comm: Any
    _ctl: Any
    rank: int
    size: int
    _receiving: list
    _deadline: Callable[[float | None], float | None]
    _bytes: Callable[[np.ndarray], list]
    _complete: Callable[[list, float | None, str], None]

    def _peer(self, rank: int, what: str) -> None:
        if not 0 <= rank < self.size:
            raise ValueError(f"{what}: rank {rank} is not in this communicator (size {self.size})")

    def isend(self, buf: np.ndarray, dest: int, tag: int = 0) -> Request:
        """Start sending `buf` to rank `dest`; `wait()` returns None once it is sent.

        >>> import numpy as np
        >>> from funcgrad.distributed._comm import Communicator, mpi
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
        >>> from funcgrad.distributed._comm import Communicator, mpi
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
        >>> from funcgrad.distributed._comm import Communicator, mpi
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
        >>> from funcgrad.distributed._comm import Communicator, mpi
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
        >>> from funcgrad.distributed._comm import Communicator, mpi
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

        >>> from funcgrad.distributed._comm import Communicator, mpi
        >>> w = Communicator(mpi().COMM_SELF)
        >>> req = w.irecv_bytes(source=w.rank)
        >>> w.send_bytes(b"ping", dest=w.rank)
        >>> req.wait()
        b'ping'
        """
        self.isend_bytes(data, dest, tag).wait(timeout)

    def isend_bytes(self, data: bytes, dest: int, tag: int = 0) -> Request:
        """Start sending raw bytes to rank `dest`.

        >>> from funcgrad.distributed._comm import Communicator, mpi
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

        >>> from funcgrad.distributed._comm import Communicator, mpi
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

        >>> from funcgrad.distributed._comm import Communicator, mpi
        >>> w = Communicator(mpi().COMM_SELF)
        >>> req = w.isend_bytes(b"pong", dest=w.rank)
        >>> w.recv_bytes(source=w.rank), req.wait()
        (b'pong', None)
        """
        return self.irecv_bytes(source, tag).wait(timeout)


def _readable(head: str) -> str:
    dtype, dims = head.split(";")
    if dtype == "bytes":
        return f"{dims} raw bytes"
    return f"{np.dtype(dtype).name}[{dims.replace(',', ', ')}]"
