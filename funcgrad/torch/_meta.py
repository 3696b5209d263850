"""The meta device: tensors that have a shape and a dtype and no values. Their storage is a
MetaArray, a numpy array of that shape whose strides are all zero (it holds one element, so a
meta tensor of any size costs nothing); operations on meta tensors give meta tensors (numpy
keeps the subclass through its functions), and reading values out is PyTorch's error."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._core import backend
from . import _dtypes as D


meta_used = [False]  # whether a meta tensor was ever made: only then do operations check for one


class MetaArray(np.ndarray):
    """The storage of a meta tensor: a zero-strided array whose writes are discarded."""

    def __setitem__(self, key: Any, value: Any) -> None:
        """Writes into a meta tensor have nothing to change."""

    def __array_finalize__(self, obj: Any) -> None:
        pass


def meta_array(shape: tuple[int, ...], dtype: Any) -> MetaArray:
    """A MetaArray of `shape` and numpy `dtype` (one element of memory whatever the shape).

    >>> a = meta_array((1000, 1000), np.float32)
    >>> a.shape, a.strides, a.dtype
    ((1000, 1000), (0, 0), dtype('float32'))
    """
    meta_used[0] = True
    return np.broadcast_to(np.zeros((), dtype), tuple(shape)).view(MetaArray)


def no_data() -> NotImplementedError:
    """PyTorch's error for reading the values of a meta tensor."""
    return NotImplementedError("Cannot copy out of meta tensor; no data!")


def meta_repr(t: Any, prefix: str, grad_fn: str | None) -> str:
    """PyTorch's repr of a meta tensor: `tensor(..., device='meta', size=(3, 4))`, then the
    dtype where it is not the default, and the grad_fn or requires_grad."""
    parts = [f"{prefix}...", "device='meta'", f"size={tuple(t.shape)!r}"]
    if t.dtype is not D.get_default_dtype():
        parts.append(f"dtype={t.dtype!r}")
    if grad_fn is not None:
        parts.append(f"grad_fn=<{grad_fn}>")
    elif t.requires_grad:
        parts.append("requires_grad=True")
    return ", ".join(parts) + ")"


backend._XP_BY_TYPE[MetaArray] = np  # meta storage is numpy's: every operation takes it
