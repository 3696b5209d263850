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
from ._size import Size, as_device, check_size, storage_on
from ._storage import host_values
from ._tensor import Tensor, _with_grad


def _infer_dtype(data):
    """PyTorch's dtype for `data`: numpy arrays and scalars keep theirs; Python bools -> bool,
    ints -> int64, floats -> the default dtype, complex -> its complex partner; a list takes the
    highest category among its elements."""
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, (np.ndarray, np.generic)):
        return D.from_numpy_dtype(data.dtype)
    if isinstance(data, (list, tuple)):
        best = None
        for d in data:
            if isinstance(d, str):
                raise ValueError("too many dimensions 'str'")
            dt = _infer_dtype(d)
            if dt is None:
                continue
            best = dt if best is None else _higher(best, dt)
        return best
    if isinstance(data, bool):
        return D.bool
    if isinstance(data, int):
        return D.int64
    if isinstance(data, float):
        return D.get_default_dtype()
    if isinstance(data, complex):
        return D.get_default_dtype().to_complex()
    raise TypeError(f"new(): invalid data type '{type(data).__name__}'")


def _higher(a, b):
    if D._category(a) != D._category(b):
        return a if D._category(a) > D._category(b) else b
    return D.promote_types(a, b)


def _check_ragged(data, depth=0):
    """PyTorch's ValueError for nested lists of unequal lengths."""
    if not isinstance(data, (list, tuple)):
        return None
    lengths = []
    for d in data:
        if isinstance(d, (list, tuple)):
            lengths.append(len(d))
            _check_ragged(d, depth + 1)
        elif isinstance(d, Tensor) or isinstance(d, np.ndarray):
            lengths.append(tuple(d.shape))
        else:
            lengths.append(None)
    if lengths and any(l != lengths[0] for l in lengths):
        first = lengths[0]
        bad = next(l for l in lengths if l != first)
        if isinstance(first, int) and bad is None:
            raise TypeError("not a sequence")
        if first is None:
            d = next(d for d in data if isinstance(d, (list, tuple)))
            raise TypeError(f"must be real number, not {type(d).__name__}")
        raise ValueError(f"expected sequence of length {first} at dim {depth + 1} (got {bad})")
    return None


def _to_numpy(data):
    if isinstance(data, Tensor):
        return host_values(data)
    if isinstance(data, (list, tuple)):
        return np.array([_to_numpy(d) if isinstance(d, (Tensor, list, tuple)) else d
                         for d in data])
    return data


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
    _check_ragged(data)
    dtype = dtype or _infer_dtype(data) or D.get_default_dtype()
    t = Tensor._make(storage_on(np.array(_to_numpy(data), dtype=dtype.np), device))
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
    _check_ragged(data)
    dtype = dtype or _infer_dtype(data) or D.get_default_dtype()
    return Tensor._make(storage_on(np.array(_to_numpy(data), dtype=dtype.np), device))


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
    return _made(np_fn(_size(size, kw_size), dtype=(dtype or D.get_default_dtype()).np),
                 as_device(device), requires_grad)


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
            _check_ragged(data)
            return Tensor._make(np.array(_to_numpy(data), dtype=dtype.np))
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
