"""Tensor factories: tensor, as_tensor, from_numpy, zeros/ones/full/empty (and _like, and the
Tensor.new_* methods), arange, linspace, logspace, eye, and the legacy constructors
(torch.FloatTensor([...]), torch.Tensor(2, 3)). The random factories are in _random.py."""
from __future__ import annotations

import math
import warnings

import numpy as np

from . import _dtypes as D
from ._random import (Generator, bernoulli, default_generator, get_rng_state,  # noqa: F401
                      initial_seed, manual_seed, multinomial, normal, poisson, rand, rand_like,
                      randint, randint_like, randn, randn_like, randperm, seed, set_rng_state,
                      _gen)
from ._meta import meta_array
from ._size import Size, as_device, check_size, get_default_device, storage_on
from ._storage import host_values
from ._tensor import Tensor, _with_grad


def _scalar_dtype(x):
    """PyTorch's dtype for one element of a tensor's data (infer_scalar_type): Python bools ->
    bool, ints -> int64, floats -> the default dtype, complex -> its complex partner; tensors,
    numpy arrays and numpy scalars keep theirs. None where x is a sequence."""
    t = type(x)
    if t is float:
        return D.get_default_dtype()
    if t is int:
        return D.int64
    if t is bool:
        return D.bool
    if t is complex:
        return D.get_default_dtype().to_complex()
    if isinstance(x, Tensor):
        return x._dtype
    if isinstance(x, (np.ndarray, np.generic)):
        return D.from_numpy_dtype(x.dtype)
    if t is str or t is bytes:
        raise TypeError(f"new(): invalid data type '{t.__name__}'")
    if isinstance(x, (list, tuple, range)):
        return None
    if isinstance(x, (bool, int, float, complex)):  # subclasses (np.float64 is caught above)
        return _scalar_dtype(t.__mro__[-2](x))
    raise RuntimeError(f"Could not infer dtype of {t.__name__}")


def _infer_dtype(data):
    """PyTorch's dtype for `data`: the promotion (torch.promote_types) of its elements' dtypes
    (_scalar_dtype); an empty sequence gives the default dtype."""
    dt = _scalar_dtype(data)
    if dt is not None:
        return dt
    if not len(data):
        return D.get_default_dtype()
    kinds = set(map(type, data))
    if len(kinds) == 1 and kinds <= {float, int, bool}:  # the common case: one Python type
        return _scalar_dtype(data[0])
    best = None
    for d in data:
        dt = _infer_dtype(d)
        best = dt if best is None else D.promote_types(best, dt)
    return best


def _sizes(data):
    """The shape PyTorch reads from nested sequences: each first element's length, down to a
    non-sequence (a tensor counts as a number there) or an empty sequence."""
    sizes = []
    while isinstance(data, (list, tuple, range)) or (type(data) is np.ndarray and sizes):
        n = len(data)
        sizes.append(n)
        if not n:
            break
        data = data[0]
    return sizes


def _not_number(x, dtype):
    """PyTorch's TypeError for a sequence where dtype's number belongs."""
    name = type(x).__name__
    if dtype.is_floating_point or dtype.is_complex:
        return TypeError(f"must be real number, not {name}")
    return TypeError(f"'{name}' object cannot be interpreted as an integer")


def _leaf(x, dtype, out):
    """Append element x (a number, a one-element tensor, a numpy scalar) to out."""
    t = type(x)
    if t is float or t is int or t is bool:
        out.append(x)
    elif isinstance(x, Tensor):
        if x._data.size != 1 or not (dtype.is_floating_point or dtype.is_complex
                                     or not (x._dtype.is_floating_point or x._dtype.is_complex)):
            raise (ValueError("only one element tensors can be converted to Python scalars")
                   if dtype.is_floating_point or dtype.is_complex else
                   TypeError("only integer tensors of a single element can be converted to an "
                             "index"))
        if x._requires_grad:
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to "
                          "unexpected behavior.\nConsider using tensor.detach() first.",
                          UserWarning, stacklevel=5)
        out.append(host_values(x).reshape(()).item())
    elif isinstance(x, np.ndarray):
        raise TypeError("len() of unsized object") if x.ndim == 0 else _not_number(x, dtype)
    elif isinstance(x, np.bool_) and not (dtype is D.bool or dtype.is_floating_point
                                          or dtype.is_complex):
        raise TypeError(f"'{t.__module__}.{t.__name__}' object cannot be interpreted as an "
                        f"integer")
    elif isinstance(x, (list, tuple, range)) or x is None:
        raise _not_number(x, dtype)
    elif t is complex and not (dtype.is_complex or dtype is D.bool):
        raise _not_number(x, dtype) if dtype.is_floating_point else TypeError(
            "'complex' object cannot be interpreted as an integer")
    else:
        out.append(x)


def _store(data, sizes, dim, dtype, out, explicit):
    """Append data's elements to out in order, checking each sequence's length against sizes
    (PyTorch's ValueError and TypeError for ragged data). With an `explicit` integer or bool
    dtype PyTorch reads a tensor element as one index, so it must have one element."""
    n = sizes[dim]
    if isinstance(data, Tensor) and data.ndim:
        if explicit and not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        data = list(data.unbind(0))
    elif not isinstance(data, (list, tuple, range, np.ndarray)) or (
            type(data) is np.ndarray and data.ndim == 0):
        if isinstance(data, Tensor):
            raise TypeError("len() of a 0-d tensor")
        raise TypeError("not a sequence")
    if len(data) != n:
        raise ValueError(f"expected sequence of length {n} at dim {dim} (got {len(data)})")
    if dim + 1 == len(sizes):
        if type(data) is range or type(data) is np.ndarray:
            out.extend(data.tolist() if type(data) is np.ndarray else data)
            return
        kinds = set(map(type, data))
        if kinds <= {float, int, bool}:
            out.extend(data)
            return
        for x in data:
            _leaf(x, dtype, out)
        return
    for x in data:
        _store(x, sizes, dim + 1, dtype, out, explicit)


def sequence_array(data, dtype=None):
    """Nested sequences (lists, tuples, ranges, numpy arrays, with numbers and one-element
    tensors as elements) as a numpy array of `dtype` (by default PyTorch's inferred dtype), with
    PyTorch's errors for ragged or non-numeric data. Shared by tensor(), as_tensor() and the
    index lists of x[idx].

    >>> sequence_array([range(2), (True, 3.5)]).tolist()
    [[0.0, 1.0], [1.0, 3.5]]
    """
    first = data
    while isinstance(first, (list, tuple)) and first:  # PyTorch reads the shape first
        first = first[0]
        if type(first) is str:
            raise ValueError("too many dimensions 'str'")
    explicit = dtype is not None
    if dtype is None:
        dtype = _infer_dtype(data)
    if isinstance(data, Tensor):
        return host_values(data).astype(dtype.np)
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data).astype(dtype.np)
    if isinstance(data, list) and data and isinstance(data[0], np.ndarray) and data[0].ndim:
        warnings.warn("Creating a tensor from a list of numpy.ndarrays is extremely slow. Please "
                      "consider converting the list to a single numpy.ndarray with numpy.array() "
                      "before converting to a tensor.", UserWarning, stacklevel=3)
    sizes = _sizes(data)
    out: list = []
    if not sizes:
        _leaf(data, dtype, out)
    elif all(sizes):
        _store(data, sizes, 0, dtype, out, explicit)
    try:
        with np.errstate(invalid="ignore", over="ignore"):
            return np.array(out, dtype=dtype.np).reshape(sizes)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor with a copy of `data` (nested lists, numbers, numpy arrays, tensors), on
    `device` (by default a tensor's own, else the CPU)."""
    device = as_device(device)
    if isinstance(data, Tensor):
        device = device or data.device
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    if dtype is not None and not isinstance(dtype, D.dtype):
        raise TypeError(f"tensor(): argument 'dtype' must be torch.dtype, not "
                        f"{type(dtype).__name__}")
    t = Tensor._make(storage_on(sequence_array(data, dtype), device))
    return _with_grad(t) if requires_grad else t


def _t(x):
    """A Python number or nested list as a tensor (for torch functions given non-tensors)."""
    if isinstance(x, Tensor):
        return x
    return tensor(x)


def as_tensor(data, dtype=None, device=None):
    """`data` as a tensor, sharing memory with it when it already is one (or a numpy array) of
    that dtype (and on the CPU)."""
    device = as_device(device)
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    if isinstance(data, np.ndarray) and (dtype is None or dtype.np == data.dtype) and (
            device is None or device.type == "cpu"):
        return from_numpy(data)
    return Tensor._make(storage_on(sequence_array(data, dtype), device))


asarray = as_tensor


def from_numpy(ndarray):
    """A tensor sharing memory with `ndarray`: writes to either show in the other."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_numpy_dtype(ndarray.dtype)
    if not ndarray.flags.writeable:
        warnings.warn("The given NumPy array is not writable, and PyTorch does not support "
                      "non-writable tensors. This means writing to this tensor will result in "
                      "undefined behavior. You may want to copy the array to protect its data or "
                      "make it writable before converting it to a tensor. This type of warning "
                      "will be suppressed for the rest of this program.", UserWarning,
                      stacklevel=2)
    return Tensor._make(ndarray)


_size = check_size


def _made(data, device, requires_grad):
    """A new tensor of numpy array `data`, on `device` (a torch.device, None: the CPU)."""
    t = Tensor._make(storage_on(data, device))
    return _with_grad(t) if requires_grad else t


def _new(np_fn, size, dtype, device, requires_grad, kw_size=None):
    dev, shape, dt = as_device(device), _size(size, kw_size), (dtype or D.get_default_dtype()).np
    if (dev or get_default_device()).type == "meta":  # no values to make
        return _made(meta_array(shape, dt), dev, requires_grad)
    return _made(np_fn(shape, dtype=dt), dev, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          pin_memory=False, **kwargs):
    return _new(np.zeros, size, dtype, device, requires_grad, kwargs.pop("size", None))


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False, **kwargs):
    return _new(np.ones, size, dtype, device, requires_grad, kwargs.pop("size", None))


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None, out=None,
          layout=None, pin_memory=False, **kwargs):
    return _new(np.zeros, size, dtype, device, requires_grad, kwargs.pop("size", None))


def _fill_dtype(fill_value):
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    return (D.bool if isinstance(fill_value, bool) else D.int64 if isinstance(fill_value, int)
            else D.get_default_dtype().to_complex() if isinstance(fill_value, complex)
            else D.get_default_dtype())


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None,
         layout=None, pin_memory=False):
    device = as_device(device)
    dtype = dtype or _fill_dtype(fill_value)
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _made(np.full(_size((size,)), value, dtype=dtype.np), device, requires_grad)


def _like(fn):
    def like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None,
             layout=None, pin_memory=False):
        return fn(*input.shape, dtype=dtype or input.dtype, device=device or input.device,
                  requires_grad=requires_grad)
    like.__name__ = fn.__name__ + "_like"
    return like


zeros_like, ones_like, empty_like = _like(zeros), _like(ones), _like(empty)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=None):
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype,
                device=device or input.device, requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None,
           layout=None, pin_memory=False):
    device = as_device(device)
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if not all(math.isfinite(v) for v in vals[:2]):
        raise RuntimeError(f"unsupported range: {vals[0]} -> {vals[1]}")
    if vals[2] == 0:
        raise RuntimeError("step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = D.int64 if all(isinstance(v, int) for v in vals) else D.get_default_dtype()
    elif dtype is D.bool:
        raise D.kernel_error("arange_cpu", dtype)
    n = max(int(np.ceil((vals[1] - vals[0]) / vals[2])), 0)
    data = vals[0] + np.arange(n, dtype=np.float64 if dtype.is_floating_point else np.int64) \
        * vals[2]
    return _made(np.asarray(data).astype(dtype.np), device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None,
             layout=None, pin_memory=False):
    dtype = dtype or D.get_default_dtype()
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _made(np.linspace(_item(start), _item(end), int(steps)).astype(dtype.np),
                 as_device(device), requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False,
             out=None, layout=None, pin_memory=False):
    dtype = dtype or D.get_default_dtype()
    return _made(np.logspace(_item(start), _item(end), int(steps), base=base).astype(dtype.np),
                 as_device(device), requires_grad)


def _item(v):
    return v.item() if isinstance(v, Tensor) else v


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None,
        pin_memory=False):
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    return _made(np.eye(n, m, dtype=(dtype or D.get_default_dtype()).np), as_device(device),
                 requires_grad)


def _check_indices_size(row, col):
    for name, v in (("row", row), ("col", col)):
        if v < 0:
            raise RuntimeError(f"{name} must be non-negative, got{v}")  # (PyTorch's spacing)


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    _check_indices_size(row, col)
    return _made(np.stack(np.tril_indices(row, offset, col)).astype((dtype or D.int64).np),
                 as_device(device), False)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    _check_indices_size(row, col)
    return _made(np.stack(np.triu_indices(row, offset, col)).astype((dtype or D.int64).np),
                 as_device(device), False)


# ---- Tensor.new_* (by default in self's dtype, on self's device) ----------------------------

def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A copy of data."""
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    return zeros(*size, dtype=dtype or self.dtype, device=device or self.device,
                 requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return ones(*size, dtype=dtype or self.dtype, device=device or self.device,
                requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    return empty(*size, dtype=dtype or self.dtype, device=device or self.device,
                 requires_grad=requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                requires_grad=requires_grad)


# ---- legacy constructors: torch.FloatTensor([...]), torch.Tensor(2, 3) ----------------------

def _legacy_tensor(dtype, *args, **kwargs):
    if kwargs.get("device") is not None:
        as_device(kwargs["device"])
    if len(args) == 1 and isinstance(args[0], Size):
        return zeros(*args[0], dtype=dtype)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        data = args[0]
        if isinstance(data, Tensor):
            if data.dtype is not dtype:
                raise TypeError(f"expected {D.type_string(dtype)} (got "
                                f"{D.type_string(data)})")
            return data
        if isinstance(data, (list, tuple)) or isinstance(data, np.ndarray):
            return Tensor._make(sequence_array(data, dtype))
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    return zeros(*args, dtype=dtype)


def _legacy(dtype):
    class _Legacy(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, Tensor) and obj.dtype is dtype

        def __call__(cls, *args, **kwargs):
            return _legacy_tensor(dtype, *args, **kwargs)

        def __repr__(cls):
            return f"<class '{D.type_string(dtype)}'>"
    return _Legacy(f"{D._LEGACY[dtype.name]}Tensor", (), {"dtype": dtype})


FloatTensor = _legacy(D.float32)
DoubleTensor = _legacy(D.float64)
HalfTensor = _legacy(D.float16)
LongTensor = _legacy(D.int64)
IntTensor = _legacy(D.int32)
ShortTensor = _legacy(D.int16)
CharTensor = _legacy(D.int8)
ByteTensor = _legacy(D.uint8)
BoolTensor = _legacy(D.bool)
