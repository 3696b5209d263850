"""Backend "nccl": a process group's collectives on GPU buffers with NCCL, through CuPy's binding
(cupy.cuda.nccl).

NcclCommunicator offers the methods of funcgrad.distributed's Communicator that the collectives
call, on CuPy arrays, each enqueued on the current CUDA stream. The job's MPI communicator
bootstraps it (process 0's NCCL id is broadcast over MPI) and still carries what NCCL does not:
barriers, the byte messages of object collectives and point-to-point messages, and the bitwise
reductions NCCL lacks (through host memory)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["NcclCommunicator"]

_REDUCTIONS = ("sum", "prod", "min", "max", "avg")


class _DeviceRequest:
    """NCCL operations enqueued on a stream: wait() synchronizes it and returns the results."""

    def __init__(self, stream: Any, result: Any):
        self._stream, self._result = stream, result

    def test(self) -> bool:
        return bool(self._stream.done)

    def wait(self, timeout: float | None = None) -> Any:
        self._stream.synchronize()
        return self._result


class NcclCommunicator:
    """NCCL among the processes of the MPI communicator `host`, one GPU each (the current
    device of each process: call torch.cuda.set_device(local_rank) first where there are
    several)."""

    def __init__(self, host: Any, nccl: Any, cupy: Any):
        self.host = host
        self.rank, self.size = host.rank, host.size
        self._nccl, self._cp = nccl, cupy
        uid = (np.array(nccl.get_unique_id(), np.int64).tobytes() if host.rank == 0 else None)
        uid = tuple(np.frombuffer(host.broadcast_bytes(uid, root=0), np.int64).tolist())
        self._comm = nccl.NcclCommunicator(self.size, uid, self.rank)
        self._types = {np.dtype(name): getattr(nccl, code) for name, code in (
            ("float16", "NCCL_FLOAT16"), ("float32", "NCCL_FLOAT32"),
            ("float64", "NCCL_FLOAT64"), ("int8", "NCCL_INT8"), ("uint8", "NCCL_UINT8"),
            ("int32", "NCCL_INT32"), ("uint32", "NCCL_UINT32"), ("int64", "NCCL_INT64"),
            ("uint64", "NCCL_UINT64"))}
        self._ops = {"sum": nccl.NCCL_SUM, "prod": nccl.NCCL_PROD, "min": nccl.NCCL_MIN,
                     "max": nccl.NCCL_MAX, "avg": nccl.NCCL_SUM}

    @property
    def timeout(self) -> float | None:
        return self.host.timeout

    def __getattr__(self, name: str) -> Any:
        # barriers, bytes and point-to-point messages travel over MPI
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.host, name)

    def _stream(self) -> Any:
        return self._cp.cuda.get_current_stream()

    def _typed(self, buf: Any, op: str) -> tuple[Any, int]:
        """The buffer as NCCL reduces it (bool as uint8, complex as pairs of floats) and its
        NCCL dtype."""
        if buf.dtype == np.bool_:
            buf = buf.view(np.uint8)
        elif buf.dtype.kind == "c":
            if op not in ("sum", "avg"):
                raise RuntimeError(f"backend 'nccl': op {op!r} of complex tensors is not "
                                   f"ordered; reduce the real and imaginary parts separately")
            buf = buf.view(np.dtype(f"f{buf.dtype.itemsize // 2}"))
        if buf.dtype not in self._types:
            raise RuntimeError(f"backend 'nccl' cannot reduce tensors of dtype {buf.dtype}")
        return buf, self._types[buf.dtype]

    def _op(self, buf: Any, op: str) -> int:
        if buf.dtype == np.bool_:      # or / and, as MPI's logical reductions
            return self._ops["max" if op in ("sum", "max") else "min"]
        return self._ops[op]

    def _bytes(self, buf: Any) -> Any:
        return buf.reshape(-1).view(np.uint8)

    # ---- reductions ---------------------------------------------------------------------------

    def iallreduce(self, bufs: Sequence[Any], op: str = "sum", timeout: Any = None,
                   agreed: bool = False, in_place: bool = False) -> Any:
        if op not in _REDUCTIONS:          # bitwise: through host memory over MPI
            got = self.host.allreduce([b.get() for b in bufs], op)
            return _DeviceRequest(self._stream(), [self._cp.asarray(g) for g in got])
        stream = self._stream()
        outs = list(bufs) if in_place else [self._cp.array(b, copy=True) for b in bufs]
        self._nccl.groupStart()
        for out in outs:
            flat, dtype = self._typed(out, op)
            self._comm.allReduce(flat.data.ptr, flat.data.ptr, flat.size, dtype,
                                 self._op(out, op), stream.ptr)
        self._nccl.groupEnd()
        if op == "avg":
            for out in outs:
                out /= self.size
        return _DeviceRequest(stream, outs)

    def allreduce(self, bufs: Sequence[Any], op: str = "sum", timeout: Any = None) -> list:
        return list(self.iallreduce(bufs, op).wait())

    def reduce(self, buf: Any, op: str = "sum", root: int = 0, timeout: Any = None) -> Any:
        if op not in _REDUCTIONS:
            got = self.host.reduce(buf.get(), op, root)
            return None if got is None else self._cp.asarray(got)
        out = self._cp.array(buf, copy=True)
        flat, dtype = self._typed(out, op)
        self._comm.reduce(flat.data.ptr, flat.data.ptr, flat.size, dtype, self._op(out, op), root,
                          self._stream().ptr)
        self._stream().synchronize()
        if op == "avg":
            out /= self.size
        return out if self.rank == root else None

    def reduce_scatter(self, buf: Any, op: str = "sum", timeout: Any = None) -> Any:
        if op not in _REDUCTIONS:
            return self._cp.asarray(self.host.reduce_scatter(buf.get(), op))
        send = self._cp.ascontiguousarray(buf)
        out = self._cp.empty(send.shape[1:], send.dtype)
        flat_in, dtype = self._typed(send, op)
        flat_out, _ = self._typed(out, op)
        self._comm.reduceScatter(flat_in.data.ptr, flat_out.data.ptr, flat_out.size, dtype,
                                 self._op(send, op), self._stream().ptr)
        self._stream().synchronize()
        if op == "avg":
            out /= self.size
        return out

    # ---- data movement (as bytes: any dtype) --------------------------------------------------

    def broadcast_list(self, bufs: Sequence[Any], root: int = 0, timeout: Any = None) -> list:
        outs = [self._cp.array(b, copy=True) for b in bufs]
        stream = self._stream()
        self._nccl.groupStart()
        for out in outs:
            raw = self._bytes(out)
            self._comm.broadcast(raw.data.ptr, raw.data.ptr, raw.size, self._nccl.NCCL_UINT8,
                                 root, stream.ptr)
        self._nccl.groupEnd()
        stream.synchronize()
        return outs

    def broadcast(self, buf: Any, root: int = 0, timeout: Any = None) -> Any:
        return self.broadcast_list([buf], root)[0]

    def allgather(self, buf: Any, timeout: Any = None) -> Any:
        send = self._cp.ascontiguousarray(buf)
        out = self._cp.empty((self.size,) + tuple(send.shape), send.dtype)
        raw_in, raw_out = self._bytes(send), self._bytes(out)
        self._comm.allGather(raw_in.data.ptr, raw_out.data.ptr, raw_in.size,
                             self._nccl.NCCL_UINT8, self._stream().ptr)
        self._stream().synchronize()
        return out

    def _exchange(self, sends: dict, recvs: dict) -> None:
        """Point-to-point copies among the GPUs in one NCCL group: sends {peer: buffer},
        recvs {peer: buffer}."""
        stream = self._stream()
        self._nccl.groupStart()
        for peer, buf in sends.items():
            raw = self._bytes(buf)
            self._comm.send(raw.data.ptr, raw.size, self._nccl.NCCL_UINT8, peer, stream.ptr)
        for peer, buf in recvs.items():
            raw = self._bytes(buf)
            self._comm.recv(raw.data.ptr, raw.size, self._nccl.NCCL_UINT8, peer, stream.ptr)
        self._nccl.groupEnd()
        stream.synchronize()

    def alltoall(self, buf: Any, timeout: Any = None) -> Any:
        send = self._cp.ascontiguousarray(buf)
        out = self._cp.empty_like(send)
        self._exchange({j: send[j] for j in range(self.size)},
                       {j: out[j] for j in range(self.size)})
        return out

    def gather(self, buf: Any, root: int = 0, timeout: Any = None) -> Any:
        send = self._cp.ascontiguousarray(buf)
        if self.rank != root:
            self._exchange({root: send}, {})
            return None
        out = self._cp.empty((self.size,) + tuple(send.shape), send.dtype)
        self._exchange({root: send}, {j: out[j] for j in range(self.size)})
        return out

    def scatter(self, buf: Any, root: int = 0, timeout: Any = None) -> Any:
        meta = (f"{buf.dtype.str}|{','.join(map(str, buf.shape[1:]))}".encode()
                if self.rank == root else None)
        dtype, dims = self.host.broadcast_bytes(meta, root=root).decode().split("|")
        out = self._cp.empty(tuple(int(d) for d in dims.split(",") if d), np.dtype(dtype))
        sends = ({j: self._cp.ascontiguousarray(buf[j]) for j in range(self.size)}
                 if self.rank == root else {})
        self._exchange(sends, {root: out})
        return out

    # ---- groups -------------------------------------------------------------------------------

    def split(self, ranks: Sequence[int], timeout: Any = None) -> NcclCommunicator | None:
        host = self.host.split(ranks)
        return None if host is None else NcclCommunicator(host, self._nccl, self._cp)

    def close(self) -> None:
        """Release NCCL's resources (the MPI communicator stays)."""
        self._comm.destroy()

    def free(self) -> None:
        """Release NCCL's resources and the MPI communicator's."""
        self.close()
        self.host.free()
