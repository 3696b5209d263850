"""torch dtypes over numpy dtypes, and PyTorch's type promotion (which is not numpy's)."""
from __future__ import annotations

from typing import Any

import numpy as np


class dtype:
    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize",
                 "category")

    def __init__(self, name: str, np_dtype: Any) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_complex = self.np.kind == "c"
        self.is_signed = self.np.kind in "ifc"
        self.itemsize = self.np.itemsize
        # bool < integer < floating < complex: PyTorch's promotion compares these first
        self.category = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}[self.np.kind]

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_complex(self) -> dtype:
        return complex128 if self is float64 else complex64

    def to_real(self) -> dtype:
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


def get_default_dtype() -> dtype:
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def _category(d):
    return d.category


def promote_types(a: dtype, b: dtype) -> dtype:
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


_PY_CATEGORY = {type(True): 0, type(1): 1, type(1.0): 2, type(1j): 3}


def result_type2(a, b):
    """result_type(a, b) with the common cases first (a tensor and a tensor of its dtype, or a
    tensor and a Python number of its category or lower)."""
    ca = _PY_CATEGORY.get(type(a))
    cb = _PY_CATEGORY.get(type(b))
    try:
        if ca is None and cb is None:
            if a._dtype is b._dtype:
                return a._dtype
        elif ca is None:
            if cb <= a._dtype.category:
                return a._dtype
        elif cb is None:
            if ca <= b._dtype.category:
                return b._dtype
    except AttributeError:  # not a tensor: the general rule says what it is
        pass
    return result_type(a, b)


def result_type(*operands: Any) -> dtype | None:
    """torch.result_type: tensors with dimensions first, then 0-dim tensors, then Python
    numbers; a lower priority operand only changes the category (int tensor * 2.5 -> default
    float dtype), never the size."""
    dim, zero, scalar_cat = None, None, -1
    for o in operands:
        dt = getattr(o, "_dtype", None)  # a tensor's (this module sits below the Tensor class)
        if dt is not None:
            if o._data.ndim:
                dim = dt if dim is None else promote_types(dim, dt)
            else:
                zero = dt if zero is None else promote_types(zero, dt)
        else:
            c = _PY_CATEGORY.get(type(o))
            if c is None:  # a numpy scalar
                kind = np.asarray(o).dtype.kind
                c = 0 if kind == "b" else 1 if kind in "iu" else 3 if kind == "c" else 2
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


def type_name(d):
    """PyTorch's scalar type name of a dtype (Float, Long, ...), as its error messages show it."""
    return _LEGACY[d.name]


def kernel_error(kernel, d):
    """PyTorch's error for an operation whose kernel has no version for dtype d (integer inputs
    to softmax, elu, gelu, ...): NotImplementedError naming the kernel and the dtype."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{type_name(d)}\'')


def check_float(kernel, d):
    """kernel_error where d is neither floating point nor complex (PyTorch's floating kernels)."""
    if not (d.is_floating_point or d.is_complex):
        raise kernel_error(kernel, d)


def check_cast(result, out):
    """PyTorch's error where an operation's result dtype cannot be cast to its output's."""
    if _category(result) > _category(out):
        raise RuntimeError(f"result type {type_name(result)} can't be cast to the desired output "
                           f"type {type_name(out)}")


def type_string(t):
    """PyTorch's legacy type name of a tensor (or dtype), as t.type() gives and error messages
    show."""
    if isinstance(t, dtype):
        return f"torch.{_LEGACY[t.name]}Tensor"
    return f"torch.{'cuda.' if t.is_cuda else ''}{_LEGACY[t.dtype.name]}Tensor"


def from_type_string(name):
    """The dtype of a legacy type name: 'torch.DoubleTensor' -> torch.float64."""
    for d in ALL:
        if name in (f"torch.{_LEGACY[d.name]}Tensor", f"{_LEGACY[d.name]}Tensor"):
            return d
    raise ValueError(f"invalid type: '{name}'")


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}


def c_name(d):
    """The C++ type name of a dtype, as some of PyTorch's messages show it ('float', 'double')."""
    return _C_NAMES[d.name]


class layout:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


strided = layout("strided")
sparse_coo = layout("sparse_coo")


class finfo:
    """torch.finfo(dtype): the limits of a floating dtype (numpy's finfo, PyTorch's names)."""

    def __init__(self, type=None):  # noqa: A002 (torch's signature)
        type = type or get_default_dtype()
        if not (type.is_floating_point or type.is_complex):
            raise TypeError(f"torch.finfo() requires a floating point input type. Use "
                            f"torch.iinfo to handle '{type!r}'")
        f = np.finfo(type.np)
        # .item(), not float(): this module's `float` is torch.float
        self.bits, self.eps, self.max, self.min = f.bits, f.eps.item(), f.max.item(), f.min.item()
        self.tiny = self.smallest_normal = f.smallest_normal.item()
        self.resolution = f.resolution.item()
        self.dtype = type.to_real().name if type.is_complex else type.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """torch.iinfo(dtype): the limits of an integer dtype."""

    def __init__(self, type):  # noqa: A002 (torch's signature)
        if type.is_floating_point or type.is_complex:
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo to "
                            f"handle '{type!r}'")
        i = np.iinfo(type.np) if type is not bool else None
        self.bits = type.itemsize * 8
        self.max, self.min = (1, 0) if i is None else (i.max, i.min)  # Python ints already
        self.dtype = type.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
