"""Tensor factories and the random number generator."""
from __future__ import annotations

import numpy as np

from . import _dtypes as D
from ._size import as_device
from ._tensor import Tensor


def _infer_dtype(data, arr):
    """PyTorch's dtype for `data` (converted to `arr`): a numpy array keeps its dtype; Python
    bools -> bool, ints -> int64, floats -> the default dtype, complex -> its complex partner."""
    if isinstance(data, (np.ndarray, np.generic)):
        return D.from_numpy_dtype(arr.dtype)
    if arr.dtype == np.bool_:
        return D.bool
    if arr.dtype.kind in "iu":
        return D.int64
    if arr.dtype.kind == "c":
        return D.get_default_dtype().to_complex()
    return D.get_default_dtype()


def _to_numpy(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return np.array([_to_numpy(d) if isinstance(d, (Tensor, list, tuple)) else d
                         for d in data])
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor with a copy of `data` (nested lists, numbers, numpy arrays, tensors)."""
    as_device(device)
    raw = _to_numpy(data)
    dtype = dtype or (data.dtype if isinstance(data, Tensor) else _infer_dtype(
        data, np.asarray(raw)))
    t = Tensor._make(np.array(raw, dtype=dtype.np))
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or dtype.np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def from_numpy(ndarray):
    """A tensor sharing memory with `ndarray`: writes to either show in the other."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray)


def _size(size, kw_size=None):
    if kw_size is not None:
        size = (kw_size,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(s) for s in size)


def _new(np_fn, size, dtype, requires_grad, **kw):
    t = Tensor._make(np_fn(_size(size), dtype=(dtype or D.get_default_dtype()).np, **kw))
    return t.requires_grad_(True) if requires_grad else t


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    as_device(device)
    return _new(np.zeros, size, dtype, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    as_device(device)
    return _new(np.ones, size, dtype, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None):
    as_device(device)
    return _new(np.zeros, size, dtype, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    as_device(device)
    if dtype is None:
        dtype = (D.bool if isinstance(fill_value, bool) else D.int64 if isinstance(
            fill_value, int) else D.get_default_dtype())
    t = Tensor._make(np.full(_size((size,)), fill_value, dtype=dtype.np))
    return t.requires_grad_(True) if requires_grad else t


def _like(fn):
    def like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
        return fn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)
    like.__name__ = fn.__name__ + "_like"
    return like


zeros_like, ones_like, empty_like = _like(zeros), _like(ones), _like(empty)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype,
                requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if dtype is None:
        dtype = D.int64 if all(isinstance(v, int) for v in vals) else D.get_default_dtype()
    t = Tensor._make(np.arange(*vals).astype(dtype.np))
    return t.requires_grad_(True) if requires_grad else t


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    t = Tensor._make(np.linspace(start, end, steps).astype(dtype.np))
    return t.requires_grad_(True) if requires_grad else t


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    return Tensor._make(np.logspace(start, end, steps, base=base).astype(dtype.np))


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    t = Tensor._make(np.eye(n, m, dtype=(dtype or D.get_default_dtype()).np))
    return t.requires_grad_(True) if requires_grad else t


# ---- randomness -------------------------------------------------------------------------------

class Generator:
    """A random stream (numpy's PCG64 here, so the numbers differ from PyTorch's, as its own
    generators differ across devices)."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        import time
        return self.manual_seed(time.time_ns() % (2 ** 63)) and self._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        from ._factories import tensor as _tensor
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed):
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def _gen(generator):
    return (generator or default_generator)._rng


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None,
         layout=None, pin_memory=False, **kwargs):
    dtype = dtype or D.get_default_dtype()
    t = Tensor._make(_gen(generator).random(_size(size, kwargs.pop("size", None))).astype(
        dtype.np))
    return t.requires_grad_(True) if requires_grad else t


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None,
         layout=None, pin_memory=False, **kwargs):
    dtype = dtype or D.get_default_dtype()
    t = Tensor._make(_gen(generator).standard_normal(_size(size, kwargs.pop("size", None))).astype(
        dtype.np))
    return t.requires_grad_(True) if requires_grad else t


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    if isinstance(high, (tuple, list)) and size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing 1 required positional argument: 'size'")
    dtype = dtype or D.int64
    return Tensor._make(_gen(generator).integers(low, high, _size((size,))).astype(dtype.np))


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    return Tensor._make(_gen(generator).permutation(n).astype((dtype or D.int64).np))


def rand_like(input, *, dtype=None, device=None, requires_grad=False):
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input, low, high=None, *, dtype=None):
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype)


def bernoulli(input, *, generator=None):
    return Tensor._make((_gen(generator).random(input.shape) < input._data).astype(
        input.dtype.np))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    p = input._data / input._data.sum(-1, keepdims=True)
    rng = _gen(generator)
    rows = p.reshape(-1, p.shape[-1])
    out = np.stack([rng.choice(p.shape[-1], num_samples, replace=replacement, p=r)
                    for r in rows]).astype(np.int64)
    return Tensor._make(out.reshape(p.shape[:-1] + (num_samples,)))


def normal(mean, std, size=None, *, generator=None):
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = _size((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    dt = mean.dtype if isinstance(mean, Tensor) else std.dtype if isinstance(
        std, Tensor) else D.get_default_dtype()
    return Tensor._make((m + s * _gen(generator).standard_normal(shape)).astype(dt.np))


# ---- legacy constructors: torch.FloatTensor([...]), torch.Tensor(2, 3) ----------------------

def _legacy_tensor(dtype, *args, **kwargs):
    if len(args) == 1 and not isinstance(args[0], int):
        data = args[0]
        if isinstance(data, Tensor):
            return data.to(dtype)
        return tensor(_to_numpy(data), dtype=dtype)
    return zeros(*args, dtype=dtype)


def _legacy(dtype):
    class _Legacy(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, Tensor) and obj.dtype is dtype

        def __call__(cls, *args, **kwargs):
            return _legacy_tensor(dtype, *args, **kwargs)
    return _Legacy(f"{D._LEGACY[dtype.name]}Tensor", (), {})


FloatTensor = _legacy(D.float32)
DoubleTensor = _legacy(D.float64)
HalfTensor = _legacy(D.float16)
LongTensor = _legacy(D.int64)
IntTensor = _legacy(D.int32)
ShortTensor = _legacy(D.int16)
CharTensor = _legacy(D.int8)
ByteTensor = _legacy(D.uint8)
BoolTensor = _legacy(D.bool)
