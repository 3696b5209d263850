"""torch dtypes over numpy dtypes, and PyTorch's type promotion (which is not numpy's)."""
from __future__ import annotations

import numpy as np


class dtype:
    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize")

    def __init__(self, name, np_dtype):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_complex = self.np.kind == "c"
        self.is_signed = self.np.kind in "ifc"
        self.itemsize = self.np.itemsize

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_complex(self):
        return complex128 if self is float64 else complex64

    def to_real(self):
        return float64 if self is complex128 else float32


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
complex64 = dtype("complex64", np.complex64)
complex128 = dtype("complex128", np.complex128)
int8 = dtype("int8", np.int8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
uint8 = dtype("uint8", np.uint8)
bool = dtype("bool", np.bool_)  # noqa: A001 (torch.bool)

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128

ALL = (float16, float32, float64, complex64, complex128, int8, int16, int32, int64, uint8, bool)
_FROM_NP = {d.np: d for d in ALL}


def _by_name(name):
    return next(d for d in ALL if d.name == name)


def from_numpy_dtype(d):
    try:
        return _FROM_NP[np.dtype(d)]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(d)}. The only supported "
                        "types are: float64, float32, float16, complex64, complex128, int64, "
                        "int32, int16, int8, uint8, and bool.") from None


_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def _category(d):
    return 0 if d is bool else 3 if d.is_complex else 2 if d.is_floating_point else 1


def promote_types(a, b):
    """torch.promote_types: a higher category (bool < integer < floating < complex) wins."""
    if a is b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if hi.is_complex and lo is float64:
            return complex128
        return hi
    return _FROM_NP[np.promote_types(a.np, b.np)]


def _default_for(category):
    d = get_default_dtype()
    return (bool, int64, d, d.to_complex())[category]


def result_type(*operands):
    """torch.result_type: tensors with dimensions first, then 0-dim tensors, then Python
    numbers; a lower priority operand only changes the category (int tensor * 2.5 -> default
    float dtype), never the size."""
    from ._tensor import Tensor
    dim, zero, scalar_cat = None, None, -1
    for o in operands:
        if isinstance(o, Tensor):
            if o._data.ndim:
                dim = o.dtype if dim is None else promote_types(dim, o.dtype)
            else:
                zero = o.dtype if zero is None else promote_types(zero, o.dtype)
        else:
            t = type(o)
            c = 0 if t is type(True) else 1 if t is type(1) else 3 if t is type(1j) else 2
            scalar_cat = max(scalar_cat, c)
    res = dim
    if zero is not None:
        if res is None:
            res = zero
        elif _category(zero) > _category(res):
            res = zero if _category(zero) > 1 else promote_types(res, zero)
    if scalar_cat >= 0:
        if res is None:
            res = _default_for(scalar_cat)
        elif scalar_cat > _category(res):
            res = float64.to_complex() if (scalar_cat == 3 and res is float64) else _default_for(
                scalar_cat)
    return res


_LEGACY = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
           "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
           "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def type_string(t):
    """PyTorch's legacy type name of a tensor, as t.type() gives and error messages show."""
    return f"torch.{_LEGACY[t.dtype.name]}Tensor"
