"""fg.Array: an immutable n-dimensional array on one device.

It wraps a backend array (numpy's ndarray, or CuPy's) that is never written after creation. The
operators and numpy-style methods are attached in funcgrad/numpy/_methods.py, shared with tracers.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import avals, backend
from .avals import ShapedArray, float0
from .config import config
from .errors import TransferGuardError, doc_link, user_frame
from .backend import Device
from .typing import ArrayMethods, DTypeLike


class _ArrayType(type):
    """Array's type: `isinstance(x, fg.Array)` holds for traced values too, as JAX's does for
    its tracers (trace.py registers Tracer). An exact Array never reaches __instancecheck__:
    Python answers `type(x) is cls` first."""

    virtual: tuple = ()

    def __instancecheck__(cls, x: Any) -> bool:
        return type.__instancecheck__(cls, x) or isinstance(x, _ArrayType.virtual)


class Array(ArrayMethods, metaclass=_ArrayType):
    # `_weak`: weakly typed (JAX's mode only: a Python scalar made an array, or a result of
    # weakly typed values alone); always False in numpy's mode. Code that makes an Array
    # without __init__ (the eager fast paths, wrap_value, jit's call) sets both slots.
    __slots__ = ("_value", "_weak")
    __array_priority__ = 100

    def __init__(self, value: Any):
        # A copy: the caller may still hold and write `value`. Host data goes to the default
        # device; a GPU array stays on its GPU.
        if type(value) is Array:
            self._value, self._weak = backend.from_data(value._value), value._weak
        else:
            # JAX's mode: an array made of a Python scalar is weakly typed, as in JAX
            self._value = backend.from_data(value)
            self._weak = (avals.JAX_LATTICE and value.__class__ in _WEAK_SCALARS)

    @property
    def aval(self) -> ShapedArray:
        return ShapedArray(self._value.shape, self._value.dtype, self._weak)

    @property
    def weak_type(self) -> bool:
        """Whether the array is weakly typed (JAX's mode: see fg.config)."""
        return self._weak

    def block_until_ready(self) -> Array:
        """The array itself, once computed (numpy computes eagerly; a GPU stream is synced)."""
        backend.synchronize(self._value)
        return self

    def copy_to_host_async(self) -> None:
        """Start copying to the host (a no-op: numpy arrays are on the host; np.asarray copies a
        GPU array when asked)."""

    def devices(self) -> set[Device]:
        """The set of devices the array is on: one."""
        return {self.device}

    @property
    def sharding(self) -> SingleDeviceSharding:
        """How the array is laid out over devices: all of it on one (JAX's SingleDeviceSharding)."""
        return SingleDeviceSharding(self.device)

    is_fully_addressable = True
    is_fully_replicated = True

    def addressable_data(self, index: int) -> Array:
        """The data on the index-th addressable device: the array itself (there is one)."""
        if index != 0:
            raise IndexError(f"addressable_data: index {index} is out of range: the array is "
                             "on one device, index 0")
        return self

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
    def itemsize(self) -> int:
        """Bytes per element."""
        return self._value.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of the whole array."""
        return int(self._value.nbytes)

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
        # As JAX prints an array: numpy's shortest round-trip digits, `shape=` for an empty one,
        # the dtype (and weak_type=True) after the data, on a line of its own when it would
        # overflow numpy's line width.
        v = backend.to_host(self._value)
        if v.dtype == float0:  # zero-size structs: show them as the zeros they stand for
            v = np.zeros(v.shape, np.int8)
            dtype = "dtype=float0"
        else:
            dtype = f"dtype={v.dtype.name}" + (", weak_type=True" if self._weak else "")
        width = np.get_printoptions()["linewidth"]
        if v.size == 0:
            body = f"[], shape={v.shape}"
        else:
            body = np.array2string(v, prefix="Array(", suffix=",", separator=", ",
                                   max_line_width=width)
        last = len(body) - body.rfind("\n") + 1
        sep = " " * len("Array(") if last + len(dtype) + 2 > width else " "
        return f"Array({body},{sep}{dtype})"

    def __str__(self) -> str:
        return str(backend.to_host(self._value))

    def __format__(self, spec: str) -> str:
        # a 0-d array formats as its numpy scalar (np.float32's shortest digits), as in JAX
        v = backend.to_host(self._value)
        return format(v[()] if v.ndim == 0 else v, spec)

    def __reduce__(self) -> tuple[type[Array], tuple[np.ndarray]]:
        # Pickles hold host data; unpickling places it on the default device.
        return (Array, (backend.to_host(self._value),))


def wrap_value(v):
    """Wrap a freshly computed backend value (nobody else holds it) without copying."""
    if v.__class__ is not _ndarray and v.__class__ not in backend._XP_BY_TYPE:
        v = _asarray(v)
    a = _new(Array)
    a._value = v
    a._weak = False
    if _x32 and v.dtype in _NARROW:  # JAX's x64-off mode: no 64-bit values
        a._value = v.astype(_NARROW[v.dtype])
    return a


def wrap_typed(v, aval):
    """Wrap a freshly computed backend value as `aval` says it is typed (JAX's mode: the
    operation's rule gives JAX's dtype and weak type; numpy computed it in its own)."""
    a = wrap_value(v)
    if a._value.dtype != aval.dtype:
        a._value = a._value.astype(aval.dtype)
    a._weak = aval.weak_type
    return a


def with_weak_type(x, weak):
    """`x` weakly typed as `weak` says (JAX's mode: a gradient has the type of its input, weak
    for a Python scalar): a new Array over the same data where the flag differs."""
    if x.__class__ is not Array or x._weak == weak:
        return x
    a = _new(Array)
    a._value, a._weak = x._value, weak
    return a


class SingleDeviceSharding:
    """The layout of an array that lives on one device (as JAX's of the same name)."""
    __slots__ = ("device",)

    def __init__(self, device: Device):
        self.device = device

    @property
    def device_set(self) -> set[Device]:
        return {self.device}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SingleDeviceSharding) and other.device == self.device

    def __hash__(self) -> int:
        return hash(self.device)

    def __repr__(self) -> str:
        return f"SingleDeviceSharding(device={self.device!r}, memory_kind=device)"


_ndarray, _asarray, _new = np.ndarray, np.asarray, object.__new__
_WEAK_SCALARS = frozenset((int, float, complex))
_NARROW = avals._NARROW
_x32 = False


def _follow_mode():
    global _x32
    _x32 = not avals.X64


avals.MODE_HOOKS.append(_follow_mode)
