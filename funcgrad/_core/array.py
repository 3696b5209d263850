"""fg.Array: an immutable n-dimensional array on one device.

It wraps a backend array (numpy's ndarray, or CuPy's) that is never written after creation. The
operators and numpy-style methods are attached in funcgrad/numpy/_methods.py, shared with tracers.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import backend
from .avals import ShapedArray, float0
from .config import config
from .errors import TransferGuardError, doc_link, user_frame
from .backend import Device
from .typing import ArrayMethods, DTypeLike


class Array(ArrayMethods):
    __slots__ = ("_value",)
    __array_priority__ = 100

    def __init__(self, value: Any):
        # A copy: the caller may still hold and write `value`. Host data goes to the default
        # device; a GPU array stays on its GPU.
        self._value = backend.from_data(value._value if type(value) is Array else value)

    @property
    def aval(self) -> ShapedArray:
        return ShapedArray(self._value.shape, self._value.dtype)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._value.shape

    @property
    def dtype(self) -> np.dtype:
        return self._value.dtype

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def size(self) -> int:
        return int(self._value.size)

    @property
    def device(self) -> Device:
        return backend.device_of(self._value)

    def __array__(self, dtype: DTypeLike = None, copy: bool | None = None) -> np.ndarray:
        if type(self._value) is not np.ndarray:  # on a GPU: numpy gets a copy on the host
            if config.transfer_guard == "disallow":
                raise TransferGuardError(
                    f"a {self.dtype.name}{list(self.shape)} array on {self.device} was handed to "
                    f"numpy, which copies it to the host, while "
                    f"fg.config.transfer_guard is 'disallow'.\n  at {user_frame()}\nUse "
                    "funcgrad.numpy to compute on the GPU, or copy on purpose with "
                    "fg.device_get(x). " + doc_link("transferguarderror"))
            return backend.to_host(self._value).astype(dtype or self.dtype, copy=False)
        if copy:
            return np.array(self._value, dtype=dtype)
        v = self._value.view()
        v.flags.writeable = False  # the Array is immutable; so is what numpy sees of it
        return v if dtype is None else v.astype(dtype, copy=False)

    def item(self, *args: int) -> Any:
        return self._value.item(*args)

    def tolist(self) -> Any:
        return self._value.tolist()

    def __bool__(self) -> bool:
        return bool(self._value)

    def __float__(self) -> float:
        return float(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __complex__(self) -> complex:
        return complex(self._value)

    def __index__(self) -> int:
        return self._value.__index__()

    def __repr__(self) -> str:
        v = backend.to_host(self._value)
        if v.dtype == float0:  # zero-size structs: show them as the zeros they stand for
            body = np.array2string(np.zeros(v.shape, np.int8), separator=", ", prefix="Array(")
            return f"Array({body}, dtype=float0)"
        body = np.array2string(v, separator=", ", prefix="Array(")
        return f"Array({body}, dtype={v.dtype.name})"

    def __str__(self) -> str:
        return str(backend.to_host(self._value))

    def __format__(self, spec: str) -> str:
        v = self._value
        return format(v.item() if v.ndim == 0 else backend.to_host(v), spec)

    def __reduce__(self) -> tuple[type[Array], tuple[np.ndarray]]:
        # Pickles hold host data; unpickling places it on the default device.
        return (Array, (backend.to_host(self._value),))


def wrap_value(v):
    """Wrap a freshly computed backend value (nobody else holds it) without copying."""
    if v.__class__ is not _ndarray and v.__class__ not in backend._XP_BY_TYPE:
        v = _asarray(v)
    a = _new(Array)
    a._value = v
    return a


_ndarray, _asarray, _new = np.ndarray, np.asarray, object.__new__
