"""MPI loaded on first use (mpi4py initializes MPI when imported, so importing
funcgrad.distributed stays cheap and works without the `distributed` extra), MPI's reductions
by name, and numpy buffers made ready to travel: contiguous, and packed into one flat buffer per
dtype so that a list of buffers costs one MPI call per dtype."""
from __future__ import annotations

import atexit
import sys
import weakref
from typing import Any, Sequence

import numpy as np

from ._errors import DistributedError, link

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
_UNSET: Any = object()


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


class BufferPool:
    """Flat buffers for blocking all-reduces, handed out again once nothing views them. The
    results of an all-reduce are views of its buffer, and every view (a view of a view too)
    holds a reference to the buffer, so a buffer is free again exactly when its reference count
    is back to what an unviewed one has: measured once, the same way, so it holds whatever the
    interpreter's counting. Bounded: at most `limit` buffers are kept.

    >>> import numpy as np
    >>> pool = BufferPool()
    >>> a = pool.take(np.dtype(np.float32), 4)
    >>> view = a[1:]                       # a result still alive: the buffer is not free
    >>> pool.take(np.dtype(np.float32), 4) is a
    False
    >>> del view, a
    >>> len(pool.buffers), pool.take(np.dtype(np.float32), 4) is pool.buffers[0]
    (2, True)
    """

    def __init__(self, limit: int = 8):
        self.limit = limit
        self.buffers: list[np.ndarray] = [np.empty(0)]
        self._idle = self._refs(0)   # the count of a buffer only the pool holds
        self.buffers.clear()

    def _refs(self, i: int) -> int:
        return sys.getrefcount(self.buffers[i])

    def take(self, dtype: np.dtype, n: int) -> np.ndarray:
        """A flat buffer of `n` entries of `dtype` that no earlier result views."""
        for i in range(len(self.buffers)):
            if self._refs(i) <= self._idle and self.buffers[i].size == n \
                    and self.buffers[i].dtype == dtype:
                return self.buffers[i]
        if len(self.buffers) >= self.limit:
            self.buffers.pop(0)
        self.buffers.append(np.empty(n, dtype))
        return self.buffers[-1]


class _Packed:
    """Buffers grouped by dtype, each group copied into one flat buffer (reduced in place), and
    handed back as views of it in the original order. For a group of one buffer, no copy:
    with `in_place` that buffer itself is the flat one (the caller lets it be overwritten); with
    `borrow`, a reduction finished before the caller goes on reads it where it is into a new
    flat buffer. With a `pool` (a blocking reduction), a group's flat buffer is taken from the
    communicator's pool: MPI's reduction into freshly mapped memory costs several times the
    reduction itself (1 MB over 2 processes: ~800 us, against ~140 us in a buffer used before),
    and a loop of all-reduces whose results die before the next call gets the same buffer back
    each time."""

    def __init__(self, bufs: Sequence[Any], op: str | None, in_place: bool = False,
                 borrow: bool = False, pool: BufferPool | None = None):
        self.arrays = [_contiguous(b, "allreduce") for b in bufs]
        self.op = op
        self.groups: list[tuple[np.ndarray, Any, list[int]]] = []
        # each group's send buffer for a reduction: None where it reduces `flat` in place
        self.sends: list[np.ndarray | None] = []
        by_dtype: dict = {}
        for i, a in enumerate(self.arrays):
            by_dtype.setdefault(a.dtype, []).append(i)
        for dtype, idx in by_dtype.items():
            mpi_op = _mpi_op(op, dtype) if op is not None else None
            if pool is None and len(idx) == 1 and (in_place or (borrow and op is not None)):
                # one buffer of its dtype: reduced where it is (in_place), or, by a reduction
                # that is over before the caller goes on (borrow), read from where it is
                alone = self.arrays[idx[0]].reshape(-1)
                self.groups.append((alone if in_place else np.empty_like(alone), mpi_op, idx))
                self.sends.append(None if in_place else alone)
                continue
            self.sends.append(None)
            n = sum(self.arrays[i].size for i in idx)
            flat = np.empty(n, dtype) if pool is None else pool.take(dtype, n)
            off = 0
            for i in idx:
                n = self.arrays[i].size
                np.copyto(flat[off:off + n].reshape(self.arrays[i].shape), self.arrays[i])
                off += n
            self.groups.append((flat, mpi_op, idx))

    @property
    def sig(self) -> str:
        """The operands' dtypes and shapes, as the ranks compare them."""
        return ", ".join(_desc(a) for a in self.arrays)

    def results(self, size: int) -> list[np.ndarray]:
        out: list = [None] * len(self.arrays)
        for send, (flat, _, idx) in zip(self.sends, self.groups):
            if size == 1 and send is not None:     # no MPI call ran: the sum of one is itself
                np.copyto(flat, send)
            if self.op == "avg":
                np.divide(flat, size, out=flat)
            off = 0
            for i in idx:
                n = self.arrays[i].size
                out[i] = flat[off:off + n].reshape(self.arrays[i].shape)
                off += n
        return out


# the communicators alive (funcgrad.distributed.Communicator), freed at exit before MPI is
# finalized (MPI warns about communicators left over)
_LIVE: "weakref.WeakSet[Any]" = weakref.WeakSet()


def _free_all() -> None:
    """Free the communicators still alive at exit, before MPI is finalized."""
    for comm in list(_LIVE):
        if comm._failed is None:
            comm.free()
