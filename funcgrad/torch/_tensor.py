"""torch.Tensor: a mutable handle on storage, as in PyTorch.

`_data` is a numpy array that may be a view of another tensor's (view, slicing, t(), numpy(),
from_numpy share memory exactly as PyTorch's do); in-place operations write into it and bump the
version counter that a storage's views share. Under a funcgrad transform (torch.func) `_data` is
a funcgrad tracer instead. Operations run through funcgrad (see _dispatch.apply_op)."""
from __future__ import annotations

import numpy as np

from .._core.trace import Tracer
from . import _dtypes as D
from ._dispatch import apply_op, raw
from ._size import Size, device as _device
from ._grad_mode import is_grad_enabled

_CPU = _device("cpu")


def _from_value(v, dtype=None):
    """A new tensor owning the storage of a funcgrad result."""
    data = raw(v)
    if dtype is not None and data.dtype != dtype.np:
        data = data.astype(dtype.np) if type(data) is np.ndarray else data.astype(dtype.np)
    return Tensor._make(data)


class Tensor:
    __slots__ = ("_data", "_dtype", "_requires_grad", "grad", "grad_fn", "_output_nr",
                 "_version", "_accumulator", "_base", "__weakref__")
    __array_priority__ = 1000

    def __new__(cls, *args, **kwargs):
        # Legacy constructor: torch.Tensor([1, 2]) (float32 data) or torch.Tensor(2, 3) (shape).
        if cls is Tensor and (args or kwargs):
            from ._factories import _legacy_tensor
            return _legacy_tensor(D.get_default_dtype(), *args, **kwargs)
        return super().__new__(cls)

    @classmethod
    def _make(cls, data, version=None, base=None):
        t = object.__new__(cls)
        t._data = data
        t._dtype = D.from_numpy_dtype(data.dtype)
        t._requires_grad = False
        t.grad = t.grad_fn = t._accumulator = None
        t._output_nr = 0
        t._version = [0] if version is None else version
        t._base = base
        return t

    # ---- metadata ---------------------------------------------------------------------------

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_dim(dim, self.ndim)]

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return _CPU

    @property
    def is_cuda(self):
        return False

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return int(np.prod(self._data.shape, dtype=np.int64))

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_complex(self):
        return self._dtype.is_complex

    def type(self, dtype=None):
        if dtype is None:
            return D.type_string(self)
        return self.to(dtype)

    def __len__(self):
        if not self._data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __hash__(self):
        return id(self)

    # ---- autograd ---------------------------------------------------------------------------

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If "
                               "you want to use a computed variable in a subgraph that doesn't "
                               "require differentiation use var_no_grad = var.detach().")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def data(self):
        return self.detach()

    @data.setter
    def data(self, other):
        self._data, self._dtype = other._data, other._dtype

    def detach(self):
        return Tensor._make(self._data, self._version, self)

    def detach_(self):
        self.grad_fn, self._requires_grad = None, False
        return self

    def retain_grad(self):
        if self.grad_fn is None:
            return
        self.grad_fn._retained[self._output_nr] = self

    @property
    def retains_grad(self):
        return self.grad_fn is not None and self.grad_fn._retained.get(self._output_nr) is self

    def register_hook(self, hook):
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self.grad_fn if self.grad_fn is not None else self._accumulator_node()
        k = self._output_nr if self.grad_fn is not None else 0
        hooks = node._tensor_hooks.setdefault(k, [])
        hooks.append(hook)
        from ._graph import _Handle
        return _Handle(hooks, hook)

    def _accumulator_node(self):
        from ._dispatch import grad_edge
        return grad_edge(self)[0]

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ---- conversion -------------------------------------------------------------------------

    def numpy(self, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to "
                               "Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(str(self), spec)

    def __repr__(self, *, tensor_contents=None):
        from ._printing import format_tensor
        grad_fn = self.grad_fn.name() if self.grad_fn is not None else None
        values = self._data if type(self._data) is np.ndarray else None
        if values is None:
            return f"Tensor(traced {self._data!r})"
        return format_tensor(values, repr(self._dtype), requires_grad=self._requires_grad,
                             grad_fn=grad_fn, device=str(self.device),
                             is_default_dtype=self._dtype in (D.get_default_dtype(), D.int64,
                                                             D.bool))

    __str__ = __repr__

    def to(self, *args, **kwargs):
        """to(dtype), to(device), to(device, dtype), to(other); copy=False shares when nothing
        changes."""
        dtype = kwargs.get("dtype")
        dev = kwargs.get("device")
        for a in args:
            if isinstance(a, D.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            elif a is not None:
                dev = a
        if dev is not None:
            from ._size import as_device
            as_device(dev)
        if dtype is None or dtype is self._dtype:
            return self
        return _cast(self, dtype)

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        from .cuda import _lazy_init
        _lazy_init()

    def float(self):
        return self.to(D.float32)

    def double(self):
        return self.to(D.float64)

    def half(self):
        return self.to(D.float16)

    def int(self):
        return self.to(D.int32)

    def long(self):
        return self.to(D.int64)

    def bool(self):
        return self.to(D.bool)

    def byte(self):
        return self.to(D.uint8)

    def char(self):
        return self.to(D.int8)

    def short(self):
        return self.to(D.int16)

    def clone(self, memory_format=None):
        return apply_op("CloneBackward0", lambda x: _copy_value(x), [self], saves=False)

    def contiguous(self, memory_format=None):
        if type(self._data) is not np.ndarray or self._data.flags.c_contiguous:
            return self
        return self.clone()

    def is_contiguous(self, memory_format=None):
        return type(self._data) is not np.ndarray or bool(self._data.flags.c_contiguous)

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def untyped_storage(self):
        base = self._data
        while isinstance(base.base, np.ndarray):
            base = base.base
        return base

    def __reduce__(self):
        from ._factories import tensor
        return (tensor, (self._data.copy(),))

    # ---- in place ---------------------------------------------------------------------------

    def _bump(self):
        self._version[0] += 1

    def _check_inplace(self):
        if is_grad_enabled() and self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")

    def _write(self, new):
        """Set this tensor's value (same shape) to `new`, a tensor, as an in-place op does."""
        res = D.promote_types(self._dtype, new.dtype) if new.dtype is not self._dtype else None
        if res is not None and res is not self._dtype and not _can_cast(res, self._dtype):
            raise RuntimeError(f"result type {_type_name(res)} can't be cast to the desired "
                               f"output type {_type_name(self._dtype)}")
        src = new._data
        if type(self._data) is np.ndarray:
            np.copyto(self._data, np.broadcast_to(src, self._data.shape), casting="unsafe")
        else:
            self._data = src.astype(self._dtype.np) if src.dtype != self._dtype.np else src
        if new.grad_fn is not None:
            self.grad_fn, self._output_nr, self._requires_grad = new.grad_fn, new._output_nr, True
        self._bump()
        return self

    def _inplace(self, name, fn, *others):
        """self = fn(self, *others), recorded as PyTorch records an in-place operation."""
        self._check_inplace()
        tracking = is_grad_enabled() and (self._requires_grad or any(
            isinstance(o, Tensor) and o._requires_grad for o in others))
        # The backward must see the value from before the write: give it a snapshot.
        src = self._snapshot() if tracking else self
        return self._write(apply_op(name, fn, [src, *others]))

    def _snapshot(self):
        t = Tensor._make(np.array(self._data) if type(self._data) is np.ndarray else self._data)
        t._requires_grad, t.grad_fn, t._output_nr = self._requires_grad, self.grad_fn, \
            self._output_nr
        t._accumulator = self._accumulator_node() if self._requires_grad and \
            self.grad_fn is None else None
        return t

    def _inplace_add(self, other):
        """Gradient accumulation (.grad += g) without recording."""
        if type(self._data) is np.ndarray and type(other._data) is np.ndarray:
            np.add(self._data, other._data, out=self._data, casting="unsafe")
            self._bump()
        else:
            self._data = self._data + other._data
        return self

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        self._check_inplace()
        if isinstance(value, Tensor):
            value = value.item()
        if is_grad_enabled() and self._requires_grad:
            from . import _ops
            return self._write(_ops.full_like_tracked(self, value))
        self._data[...] = value
        self._bump()
        return self

    def copy_(self, src, non_blocking=False):
        self._check_inplace()
        src = src if isinstance(src, Tensor) else Tensor._make(np.asarray(src))
        if is_grad_enabled() and (self._requires_grad or src._requires_grad):
            new = apply_op("CopyBackwards", lambda s, x: _cast_value(
                _broadcast_value(x, s.shape), s.dtype), [self._snapshot(), src], saves=False)
            return self._write(new)
        np.copyto(self._data, np.broadcast_to(src._data, self._data.shape), casting="unsafe")
        self._bump()
        return self

    # ---- indexing ---------------------------------------------------------------------------

    def __getitem__(self, idx):
        from . import _indexing
        return _indexing.getitem(self, idx)

    def __setitem__(self, idx, value):
        from . import _indexing
        _indexing.setitem(self, idx, value)

    def __iter__(self):
        if not self._data.ndim:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))


def _dim(d, ndim):
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {d})")
    return d % n


def _type_name(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "complex64": "ComplexFloat", "complex128": "ComplexDouble"}[d.name]


def _can_cast(src, dst):
    return D._category(src) <= D._category(dst)


def _copy_value(x):
    from ..numpy import array
    return array(x) if not isinstance(x, Tracer) else x * 1


def _cast_value(x, np_dtype):
    from ..lax import convert_element_type
    return convert_element_type(x, np_dtype)


def _broadcast_value(x, shape):
    from ..numpy import broadcast_to
    return broadcast_to(x, shape)


def _cast(t, dtype):
    return apply_op("ToCopyBackward0", lambda x: _cast_value(x, dtype.np), [t], saves=False,
                    dtype=dtype)

