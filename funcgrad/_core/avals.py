"""Abstract values (shape, dtype, weak type) and numpy's type promotion.

A Python scalar is *weakly typed*: it takes the dtype of the array it meets (`x32 * 2.0` stays
float32), exactly as numpy 2 (NEP 50) does. Every other value is strongly typed. Promotion is
delegated to numpy's own ufunc type resolution so that funcgrad's dtypes are numpy's dtypes.
"""
from __future__ import annotations

import math

import numpy as np

from .typing import DTypeLike, Shape

PY_SCALARS = (bool, int, float, complex)

_SHORT = {
    "float16": "f16", "float32": "f32", "float64": "f64",
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64",
    "bool": "bool", "complex64": "c64", "complex128": "c128",
}

# JAX's dtype of the cotangent of an integer input: a zero-size struct that carries no value.
float0 = np.dtype([("float0", np.void, 0)])


class ShapedArray:
    """The abstract value of an array: what tracing knows when values are not known."""

    __slots__ = ("shape", "dtype", "weak_type")
    shape: tuple[int, ...]
    dtype: np.dtype
    weak_type: bool

    def __init__(self, shape: Shape, dtype: DTypeLike, weak_type: bool = False):
        # Shapes come from backend arrays or from the primitives' functions, which make them
        # tuples of Python ints.
        self.shape = shape if type(shape) is tuple else tuple(int(d) for d in shape)
        self.dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
        self.weak_type = weak_type

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def str_short(self) -> str:
        return f"{short_dtype(self.dtype)}[{','.join(map(str, self.shape))}]"

    def strip_weak_type(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype) if self.weak_type else self

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ShapedArray) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self) -> str:
        return f"ShapedArray({self.str_short()}{', weak_type=True' if self.weak_type else ''})"


def short_dtype(dtype):
    return _SHORT.get(np.dtype(dtype).name, np.dtype(dtype).name)


def scalar_aval(x):
    """The aval of a Python scalar: shape (), numpy's default dtype for its kind, weak (bool is
    strong in numpy's promotion, so it stays strong here)."""
    return ShapedArray((), np.asarray(x).dtype, weak_type=type(x) is not bool)


def is_float_dtype(dtype):
    return np.issubdtype(dtype, np.inexact)


def dtype_key(aval):
    """What numpy's type resolution needs to know of an operand: its dtype, or for a weakly typed
    value the Python type it came from."""
    if aval.weak_type:
        return _WEAK_KIND.get(aval.dtype.kind, aval.dtype)
    return aval.dtype


_WEAK_KIND = {"i": int, "f": float, "c": complex}
_DEFAULT = {int: np.dtype(np.int64), float: np.dtype(np.float64), complex: np.dtype(np.complex128)}


_ufunc_cache: dict = {}


def ufunc_result_dtype(ufunc, keys):
    """numpy's result dtype of `ufunc` applied to operands described by `keys` (see dtype_key).

    Raises TypeError for combinations numpy has no loop for (e.g. `&` on floats)."""
    ck = (ufunc, keys)
    r = _ufunc_cache.get(ck)
    if r is None:
        if all(k in _DEFAULT for k in keys):
            # Only Python scalars: numpy gives them its default dtypes (np.add(2, 3.0) is float64).
            keys = tuple(_DEFAULT[k] for k in keys)
        r = ufunc.resolve_dtypes(tuple(keys) + (None,) * ufunc.nout)[-1]
        _ufunc_cache[ck] = r = np.dtype(r)
    return r
