"""The byte layout of a random generator's state (torch.get_rng_state, Generator.get_state,
torch.cuda.get_rng_state): a plain uint8 tensor holding PyTorch's own CPUGeneratorImplState, read
back with length and field-by-field range checks, so that restoring a state from a file or a peer
can never run code (the state was once a pickle: a crafted "state" ran arbitrary code on
set_rng_state), and so that a state saved by PyTorch continues in funcgrad and back.

PyTorch's CPU layout (5056 bytes, no header: recognised by its size; integers little-endian,
offsets in bytes)::

     0     8  the_initial_seed   uint64, what initial_seed() returns
     8     4  left               int32, words left in the block + 1 (1..624; 1: new block next)
    12     4  seeded             int32, nonzero (PyTorch writes 1)
    16     8  next               uint64, index of the next word of the block (0..624)
    24  4992  state              624 x uint64, the mt19937 block (32-bit words)
  5016     8  normal_x           float64, unused (0)
  5024     8  normal_y           float64, the cached second normal sample
  5032     8  normal_rho         float64, unused (0)
  5040     4  normal_is_valid    int32, nonzero when normal_y is cached
  5044     4  padding
  5048     4  next_float_normal  float32, the float cache (unused by the CPU samplers)
  5052     1  float_is_valid     bool
  5053     3  padding

Each layout is one `Layout` in `LAYOUTS`, keyed by its size; any other bytes raise PyTorch's
RuntimeError for a bad state, a non-uint8 tensor its TypeError, before anything is changed.
(funcgrad's first layout, a 64-byte "FGRS" header and numpy PCG64 payload, is retired: the
generator is PyTorch's mt19937 now, and those streams cannot be continued.)

>>> from funcgrad.torch._mt19937 import seed_key
>>> blob = pack_torch_cpu(seed=7, left=1, next=0, key=seed_key(7), normal=None, float_normal=None)
>>> len(blob), unpack(blob)["seed"]
(5056, 7)
"""
from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LAYOUTS", "TORCH_CPU_STATE_SIZE", "Layout", "check_bytes", "pack_torch_cpu",
           "unpack"]

_N = 624
_HEAD = struct.Struct("<QiiQ")              # the_initial_seed, left, seeded, next
_TAIL = struct.Struct("<dddi4xf?3x")       # normal_x, normal_y, normal_rho, normal_is_valid,
#                                            next_float_normal_sample, its valid flag
TORCH_CPU_STATE_SIZE = _HEAD.size + 8 * _N + _TAIL.size   # 5056, PyTorch's CPUGeneratorImplState


@dataclass(frozen=True)
class Layout:
    """One state layout: its engine's name, total size, and decoder."""
    engine: str
    size: int
    decode: Callable[[bytes], dict[str, Any]]


def _invalid() -> RuntimeError:
    return RuntimeError("Invalid mt19937 state (restore only a state made by get_rng_state() / "
                        "Generator.get_state(), in PyTorch or funcgrad; see SECURITY.md)")


def _decode_torch_cpu(blob: bytes) -> dict[str, Any]:
    seed, left, seeded, nxt = _HEAD.unpack_from(blob)
    words = np.frombuffer(blob, "<u8", _N, _HEAD.size)
    _x, y, _rho, y_valid, f, f_valid = _TAIL.unpack_from(blob, _HEAD.size + 8 * _N)
    # PyTorch's own checks (seeded, 1 <= left <= 624, next <= 624), and one more: the counters
    # agree (left + next == 625, or left == 1: a new block next), as every state PyTorch makes
    # has them; other pairs would make PyTorch read past its block.
    if not seeded or not 1 <= left <= _N or nxt > _N or (left != 1 and left + nxt != _N + 1):
        raise _invalid()
    return {"engine": "mt19937", "seed": seed, "left": left, "next": nxt,
            "key": (words & 0xffff_ffff).astype(np.uint32),
            "normal": y if y_valid else None, "float_normal": f if f_valid else None}


LAYOUTS: dict[int, Layout] = {
    TORCH_CPU_STATE_SIZE: Layout("mt19937 (PyTorch CPUGeneratorImplState)", TORCH_CPU_STATE_SIZE,
                                 _decode_torch_cpu),
}


def pack_torch_cpu(*, seed: int, left: int, next: int, key: np.ndarray, normal: float | None,
                   float_normal: float | None) -> bytes:
    """PyTorch's 5056 bytes for an mt19937 state: its initial `seed`, the `left`/`next`
    counters, the 624-word block `key`, and the cached normal samples (None: none cached).

    >>> from funcgrad.torch._mt19937 import seed_key
    >>> raw = pack_torch_cpu(seed=1, left=1, next=0, key=seed_key(1), normal=0.5,
    ...                      float_normal=None)
    >>> unpack(raw)["normal"]
    0.5
    """
    head = _HEAD.pack(seed, left, 1, next)
    tail = _TAIL.pack(0.0, 0.0 if normal is None else normal, 0.0, int(normal is not None),
                      0.0 if float_normal is None else float_normal, float_normal is not None)
    return head + np.asarray(key, np.uint32).astype("<u8").tobytes() + tail


def unpack(blob: bytes) -> dict[str, Any]:
    """The fields of a state blob, checked: its length picks the layout, then each field's range.
    Raises RuntimeError (PyTorch's class and message for a bad state); reads nothing beyond the
    blob and builds nothing but numbers.

    >>> try:
    ...     unpack(bytes(3))
    ... except RuntimeError as e:
    ...     print(str(e)[:48])
    Expected a CPUGeneratorImplState of size 5056 bu
    """
    layout = LAYOUTS.get(len(blob))
    if layout is None:
        raise _size_error(len(blob))
    return layout.decode(blob)


def _size_error(found: int) -> RuntimeError:
    return RuntimeError(f"Expected a CPUGeneratorImplState of size {TORCH_CPU_STATE_SIZE} but "
                        f"found the input RNG state size to be {found}")


def check_bytes(data: np.ndarray) -> bytes:
    """The bytes of a state tensor's values `data` (any shape: PyTorch reads the elements), or
    PyTorch's TypeError when they are not uint8."""
    if data.dtype != np.uint8:
        raise TypeError("RNG state must be a torch.ByteTensor")
    if data.size > 1 << 20:  # no layout is near this size: refuse before copying it
        raise _size_error(int(data.size))
    return np.ascontiguousarray(data).tobytes()
