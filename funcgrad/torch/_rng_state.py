"""The byte layout of a random generator's state (torch.get_rng_state, Generator.get_state,
torch.cuda.get_rng_state): a plain uint8 tensor, read back with length, magic, version, engine
and range checks, so that restoring a state from a file or a peer can never run code (the
state was once a pickle: a crafted "state" ran arbitrary code on set_rng_state).

Layout version 1 (all integers little-endian, offsets in bytes)::

    0   4  magic        b"FGRS"
    4   2  version      uint16, 1
    6   2  engine       uint16, 1 = numpy's PCG64
    8   4  payload size uint32, bytes after the 16-byte header (48 for PCG64)
   12   4  reserved     zero
   -- engine 1 (PCG64) payload, 48 bytes --
   16   8  seed         uint64, what initial_seed() returns
   24  16  state        uint128, PCG64's state
   40  16  inc          uint128, PCG64's increment (odd, as PCG64 requires)
   56   1  has_uint32   0 or 1: a buffered 32-bit half of the last 64-bit draw
   57   3  reserved     zero
   60   4  uinteger     uint32, that buffered half

A state is 64 bytes. Each (version, engine) pair is one `Layout` in `LAYOUTS`; a second engine
(PyTorch's own mt19937 with its 5056-byte CPUGeneratorImplState, which has no header and is
recognised by its size) or a new version adds an entry there, and readers keep accepting the
old ones. Any other bytes raise PyTorch's RuntimeError for a bad state, a non-uint8 tensor its
TypeError, before anything is changed.

>>> blob = pack_pcg64(seed=7, state=1, inc=3, has_uint32=0, uinteger=0)
>>> len(blob), blob[:4]
(64, b'FGRS')
>>> unpack(blob)["inc"]
3
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["HEADER", "LAYOUTS", "MAGIC", "Layout", "check_bytes", "pack_pcg64", "unpack"]

MAGIC = b"FGRS"
VERSION = 1
ENGINE_PCG64 = 1
HEADER = struct.Struct("<4sHHII")          # magic, version, engine, payload size, reserved
_PCG64 = struct.Struct("<Q16s16sB3sI")     # seed, state, inc, has_uint32, reserved, uinteger
_U128 = 1 << 128
TORCH_CPU_STATE_SIZE = 5056               # PyTorch's CPUGeneratorImplState (no header)


@dataclass(frozen=True)
class Layout:
    """One (version, engine) state layout: its engine's name, total size, and decoder."""
    engine: str
    size: int
    decode: Callable[[bytes], dict[str, Any]]


def _bad(msg: str) -> RuntimeError:
    return RuntimeError(f"Invalid RNG state: {msg}. Restore only a state made by "
                        "get_rng_state()/Generator.get_state() (see SECURITY.md)")


def _decode_pcg64(payload: bytes) -> dict[str, Any]:
    seed, state, inc, has_uint32, reserved, uinteger = _PCG64.unpack(payload)
    inc_i = int.from_bytes(inc, "little")
    if has_uint32 not in (0, 1):
        raise _bad(f"has_uint32 is {has_uint32}, not 0 or 1")
    if reserved != b"\0\0\0":
        raise _bad("its reserved bytes are not zero")
    if inc_i % 2 == 0:
        raise _bad("the PCG64 increment is even (PCG64 needs an odd one)")
    return {"engine": "PCG64", "seed": seed, "state": int.from_bytes(state, "little"),
            "inc": inc_i, "has_uint32": has_uint32, "uinteger": uinteger}


LAYOUTS: dict[tuple[int, int], Layout] = {
    (1, ENGINE_PCG64): Layout("PCG64", HEADER.size + _PCG64.size, _decode_pcg64),
}
_DEFAULT = LAYOUTS[(VERSION, ENGINE_PCG64)]


def pack_pcg64(*, seed: int, state: int, inc: int, has_uint32: int, uinteger: int) -> bytes:
    """The version-1 bytes of a PCG64 state (the fields of numpy's PCG64 `.state` and the
    generator's initial seed).

    >>> unpack(pack_pcg64(seed=1, state=2, inc=5, has_uint32=1, uinteger=9))["uinteger"]
    9
    """
    if not (0 <= state < _U128 and 0 <= inc < _U128 and inc % 2 == 1):
        raise ValueError("pack_pcg64: state and inc are uint128, inc odd")
    payload = _PCG64.pack(seed, state.to_bytes(16, "little"), inc.to_bytes(16, "little"),
                          int(has_uint32), b"\0\0\0", uinteger)
    return HEADER.pack(MAGIC, VERSION, ENGINE_PCG64, len(payload), 0) + payload


def unpack(blob: bytes) -> dict[str, Any]:
    """The fields of a state blob, checked: its length, magic, version, engine, declared payload
    size, and each field's range. Raises RuntimeError (PyTorch's class for a bad state) saying
    what is wrong; reads nothing beyond the blob and builds nothing but integers.

    >>> try:
    ...     unpack(bytes(3))
    ... except RuntimeError as e:
    ...     print(str(e)[:42])
    Expected a funcgrad RNG state (layout 1, P
    """
    if len(blob) < HEADER.size:
        raise _size_error(_DEFAULT, len(blob))
    magic, version, engine, payload_size, reserved = HEADER.unpack_from(blob)
    if magic != MAGIC and len(blob) == TORCH_CPU_STATE_SIZE:
        raise _bad("it is PyTorch's own CPU generator state (mt19937, 5056 bytes); this "
                   "funcgrad draws from PCG64 and cannot continue PyTorch's stream: seed it "
                   "with manual_seed instead")
    if magic != MAGIC:
        raise _bad(f"it does not start with the magic bytes {MAGIC!r} (found {magic!r})")
    layout = LAYOUTS.get((version, engine))
    if layout is None:
        known = ", ".join(f"version {v} engine {e}" for v, e in LAYOUTS)
        raise _bad(f"layout version {version} engine {engine} is unknown (this funcgrad reads "
                   f"{known})")
    if len(blob) != layout.size:
        raise _size_error(layout, len(blob), version)
    if payload_size != layout.size - HEADER.size or reserved != 0:
        raise _bad(f"its header declares a payload of {payload_size} bytes (reserved "
                   f"{reserved}); layout {version} {layout.engine} has "
                   f"{layout.size - HEADER.size}")
    return layout.decode(blob[HEADER.size:])


def _size_error(layout: Layout, found: int, version: int = VERSION) -> RuntimeError:
    return RuntimeError(f"Expected a funcgrad RNG state (layout {version}, {layout.engine}) of "
                        f"size {layout.size} but found the input RNG state size to be {found}")


def check_bytes(data: np.ndarray) -> bytes:
    """The bytes of a state tensor's values `data` (any shape: PyTorch reads the elements), or
    PyTorch's TypeError when they are not uint8."""
    if data.dtype != np.uint8:
        raise TypeError("RNG state must be a torch.ByteTensor")
    if data.size > 1 << 20:  # no layout is near this size: refuse before copying it
        raise _size_error(_DEFAULT, int(data.size))
    return np.ascontiguousarray(data).tobytes()
