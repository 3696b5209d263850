"""torch.Tensor: a mutable handle on storage, as in PyTorch.

`_data` is a numpy array (a CuPy array for a tensor on a GPU) that may be a view of another
tensor's (view, slicing, t(), numpy(), from_numpy share memory exactly as PyTorch's do); in-place
operations write into it and bump the version counter that a storage's views share. Under a
funcgrad transform (torch.func, torch.autograd.functional) `_data` is a funcgrad tracer instead.
Operations run through funcgrad (see _dispatch.apply_op); the operations and methods themselves
are bound in _methods.py.

The modules above this one (views, operations, factories, indexing, autograd) import Tensor from
here, and the class's methods call some of them: those are imported at the end of this module,
once Tensor exists (the package imports this module first)."""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, Union, overload

import numpy as np

from .. import lax
from .._core import backend
from .._core.array import wrap_value
from .._core.array import Array as _Array
from .._core.trace import concrete_value
from ..lax import convert_element_type
from ..lax.device import device_put
from ..numpy import broadcast_to
from . import _dtypes as D
from ._dispatch import apply_op, check_output_shape, grad_edge, is_storage, raw
from ._grad_mode import is_grad_enabled
from ._graph import Node, _Handle
from ._meta import MetaArray, meta_array, meta_repr, no_data
from ._printing import format_tensor
from ._size import Size, as_device, device as _device, fg_device, same_device, storage_on
from ._storage import address, copy_storage, root, wrap_dim

# the builtins, for annotations in the class (Tensor has methods named int, float and bool)
_int = int
_float = float
_bool = bool

# what a binary operator takes besides a tensor: a Python number or a numpy array or scalar
_Operand = Union["Tensor", _bool, _int, _float, complex, np.ndarray, np.generic]

_CPU = _device("cpu")
_META = _device("meta")
_tuple_new = tuple.__new__
_ndarray = np.ndarray
_FROM_NP = D._FROM_NP


def _dtype_converter(name, dtype):
    """Tensor's method `name`: self.to(dtype)."""
    def convert(self: Tensor, memory_format: object = None) -> Tensor:
        return self.to(dtype)
    convert.__name__, convert.__qualname__ = name, f"Tensor.{name}"
    convert.__doc__ = f"self.to({dtype!r})"
    return convert


def _from_value(v, dtype=None):
    """A new tensor owning the storage of a funcgrad result (cast to torch dtype `dtype`)."""
    data = raw(v)
    if dtype is not None and data.dtype != dtype.np:
        data = data.astype(dtype.np)
    return Tensor._make(data)


class Tensor:
    # Hot attributes live in slots; rarely set ones are class-level defaults that an instance
    # overrides in its __dict__ (a tensor, as PyTorch's, takes arbitrary attributes).
    # _vc: the version counter, a one-element list shared by a storage's views (_version reads
    # it): every in-place write bumps it, so a backward that needs an overwritten value can tell.
    __slots__ = ("_data", "_dtype", "_vc", "_requires_grad", "_grad_fn", "_grad",
                 "__dict__", "__weakref__")
    _data: Any  # a numpy or CuPy array (a funcgrad tracer under a transform)
    _dtype: D.dtype
    _vc: list[_int]
    _requires_grad: _bool
    _grad_fn: Node | None
    _grad: Tensor | None
    _output_nr = 0       # which output of grad_fn this tensor is
    _accumulator = None  # a leaf's AccumulateGrad node, made on first use
    _base = None         # the tensor whose storage this one views
    __array_priority__ = 1000

    if TYPE_CHECKING:
        # What _methods.py binds from its table at import time, declared for type checkers.
        # The operators, a type checker looks up on the class only (never through __getattr__):
        def __add__(self, other: _Operand) -> Tensor: ...
        def __radd__(self, other: _Operand) -> Tensor: ...
        def __sub__(self, other: _Operand) -> Tensor: ...
        def __rsub__(self, other: _Operand) -> Tensor: ...
        def __mul__(self, other: _Operand) -> Tensor: ...
        def __rmul__(self, other: _Operand) -> Tensor: ...
        def __truediv__(self, other: _Operand) -> Tensor: ...
        def __rtruediv__(self, other: _Operand) -> Tensor: ...
        def __floordiv__(self, other: _Operand) -> Tensor: ...
        def __rfloordiv__(self, other: _Operand) -> Tensor: ...
        def __mod__(self, other: _Operand) -> Tensor: ...
        def __rmod__(self, other: _Operand) -> Tensor: ...
        def __pow__(self, other: _Operand) -> Tensor: ...
        def __rpow__(self, other: _Operand) -> Tensor: ...
        def __matmul__(self, other: Tensor) -> Tensor: ...
        def __rmatmul__(self, other: Tensor) -> Tensor: ...
        def __and__(self, other: _Operand) -> Tensor: ...
        def __rand__(self, other: _Operand) -> Tensor: ...
        def __or__(self, other: _Operand) -> Tensor: ...
        def __ror__(self, other: _Operand) -> Tensor: ...
        def __xor__(self, other: _Operand) -> Tensor: ...
        def __rxor__(self, other: _Operand) -> Tensor: ...
        # elementwise comparisons give tensors, not bools (as PyTorch's do)
        def __eq__(self, other: object) -> Tensor: ...  # type: ignore[override]
        def __ne__(self, other: object) -> Tensor: ...  # type: ignore[override]
        def __lt__(self, other: _Operand) -> Tensor: ...
        def __le__(self, other: _Operand) -> Tensor: ...
        def __gt__(self, other: _Operand) -> Tensor: ...
        def __ge__(self, other: _Operand) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def __pos__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __invert__(self) -> Tensor: ...
        def __iadd__(self, other: _Operand) -> Tensor: ...
        def __isub__(self, other: _Operand) -> Tensor: ...
        def __imul__(self, other: _Operand) -> Tensor: ...
        def __itruediv__(self, other: _Operand) -> Tensor: ...
        # The shape methods torch.nn's typed modules call:
        def flatten(self, start_dim: _int = 0, end_dim: _int = -1) -> Tensor: ...
        def unflatten(self, dim: _int, sizes: Sequence[_int]) -> Tensor: ...
        def unsqueeze(self, dim: _int) -> Tensor: ...
        def squeeze(self, dim: _int | Sequence[_int] | None = None) -> Tensor: ...
        def reshape(self, *shape: Any) -> Tensor: ...
        def view(self, *shape: Any) -> Tensor: ...

        # The table's other methods (about 300: add_, exp, sum, gather, T, ...) take the
        # signatures of the torch functions they are, which are not annotated yet.
        def __getattr__(self, name: str) -> Any: ...

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        # Legacy constructor: torch.Tensor([1, 2]) (float32 data) or torch.Tensor(2, 3) (shape).
        if cls is Tensor and (args or kwargs):
            return _factories._legacy_tensor(D.get_default_dtype(), *args, **kwargs)
        return super().__new__(cls)

    @classmethod
    def _make(cls, data, version=None, base=None):
        t = object.__new__(cls)
        t._data = data
        t._dtype = _FROM_NP.get(data.dtype) or D.from_numpy_dtype(data.dtype)
        t._vc = version if type(version) is list else [0]
        t._requires_grad = False
        t._grad_fn = t._grad = None
        if base is not None:
            t._base = base
        return t

    # ---- metadata ---------------------------------------------------------------------------

    @property
    def shape(self) -> Size:
        return _tuple_new(Size, self._data.shape)

    @overload
    def size(self, dim: None = None) -> Size: ...
    @overload
    def size(self, dim: _int) -> _int: ...
    def size(self, dim: _int | None = None) -> Size | _int:
        if dim is None:
            return _tuple_new(Size, self._data.shape)
        return self._data.shape[wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> D.dtype:
        return self._dtype

    @property
    def device(self) -> _device:
        d = self._data
        if type(d) is _ndarray or not is_storage(d):  # a traced value: taken as the CPU's
            return _CPU
        if type(d) is MetaArray:
            return _META
        return _device("cuda", d.device.id)

    @property
    def is_meta(self) -> _bool:
        return type(self._data) is MetaArray

    @property
    def is_cuda(self) -> _bool:
        return self.device.type == "cuda"

    @property
    def is_mps(self) -> _bool:
        return False

    is_quantized = is_sparse = is_mps

    @property
    def layout(self) -> D.layout:
        return D.strided

    @property
    def ndim(self) -> _int:
        return self._data.ndim

    def dim(self) -> _int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> _int:
        n = 1
        for s in self._data.shape:
            n *= s
        return n

    nelement = numel

    def element_size(self) -> _int:
        return self._dtype.itemsize

    @property
    def itemsize(self) -> _int:
        return self._dtype.itemsize

    @property
    def nbytes(self) -> _int:
        return self.numel() * self._dtype.itemsize

    def is_floating_point(self) -> _bool:
        return self._dtype.is_floating_point

    def is_complex(self) -> _bool:
        return self._dtype.is_complex

    def is_signed(self) -> _bool:
        return self._dtype.is_signed

    def get_device(self) -> _int:
        d = self.device
        return -1 if d.index is None else d.index  # (a CPU device has none)

    def stride(self, dim: _int | None = None) -> tuple[_int, ...] | _int:
        d = self._data
        strides = tuple(s // d.itemsize for s in d.strides) if is_storage(d) else \
            tuple(int(np.prod(d.shape[i + 1:])) for i in range(d.ndim))
        return strides if dim is None else strides[wrap_dim(dim, d.ndim)]

    def storage_offset(self) -> _int:
        d = self._data
        if not is_storage(d):
            return 0
        return (address(d) - address(root(d))) // d.itemsize

    def is_contiguous(self, memory_format: object = None) -> _bool:
        return not is_storage(self._data) or bool(self._data.flags.c_contiguous)

    def data_ptr(self) -> _int:
        return address(self._data)

    def untyped_storage(self) -> Any:
        return root(self._data)

    def type(self, dtype: D.dtype | str | type | None = None,
             non_blocking: _bool = False) -> str | Tensor:
        if dtype is None:
            return D.type_string(self)
        if isinstance(dtype, str):  # 'torch.cuda.FloatTensor' names the device too
            return self.to("cuda" if dtype.startswith("torch.cuda.") else "cpu",
                           D.from_type_string(dtype.removeprefix("torch.cuda.")))
        if not isinstance(dtype, D.dtype):  # a legacy class: torch.DoubleTensor
            dtype = D.from_type_string("torch." + dtype.__name__)
        return self.to(dtype)

    def __len__(self) -> _int:
        if not self._data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __hash__(self) -> _int:
        return id(self)

    # ---- autograd ---------------------------------------------------------------------------

    @property
    def requires_grad(self) -> _bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: _bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: _bool = True) -> Tensor:
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if self._grad_fn is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If "
                               "you want to use a computed variable in a subgraph that doesn't "
                               "require differentiation use var_no_grad = var.detach().")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad_fn(self) -> Node | None:
        """The node that computed this tensor (None for a leaf). A view of a base modified in
        place since is re-derived from the base first, as in PyTorch."""
        if self._base is not None and self._requires_grad:
            _views.refresh(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node: Node | None) -> None:
        self._grad_fn = node

    @property
    def is_leaf(self) -> _bool:
        return self._grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        if self._grad_fn is not None and self._grad is None and not self.retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you indeed "
                "want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() "
                "on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
                "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
                "for more informations.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, g: Tensor | None) -> None:
        if g is not None:
            if not isinstance(g, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(g).__name__}")
            if g._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size "
                                   f"'{list(g.shape)}' to a tensor of size '{list(self.shape)}'"
                                   ". Please ensure that the gradient and the tensor are the same "
                                   "size")
            if g._dtype is not self._dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{D.c_name(g._dtype)}' to a "
                    f"tensor with grad_dtype '{D.type_name(self._dtype)}'. The gradient must "
                    "match the tensor's grad_dtype (defaults to the tensor's dtype). You can set "
                    "the tensor's grad_dtype attribute with a specific dtype, or None to allow "
                    "any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and "
                    "its gradient may break downstream systems that assume they match.")
        self._grad = g

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def data(self) -> Tensor:
        """The values without autograd: shares storage, but not the version counter (writes
        through .data are invisible to autograd's checks, as in PyTorch)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, other: Tensor) -> None:
        self._data, self._dtype = other._data, other._dtype

    @property
    def _version(self) -> _int:
        return self._vc[0]

    @property
    def output_nr(self) -> _int:
        return self._output_nr

    def detach(self) -> Tensor:
        return Tensor._make(self._data, self._vc)

    def detach_(self) -> Tensor:
        self._grad_fn, self._requires_grad = None, False
        return self

    def retain_grad(self) -> None:
        if self._grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        self._grad_fn._retain(self._output_nr, self)

    @property
    def retains_grad(self) -> _bool:
        node = self._grad_fn
        return node is not None and node._retained is not None and \
            node._retained.get(self._output_nr) is self

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _Handle:
        """hook(grad) -> None or a replacement grad, called when this tensor's gradient has been
        computed (before it is accumulated into .grad, for a leaf)."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return self._grad_fn._add_tensor_hook(self._output_nr, hook)
        return self._accumulator_node()._add_tensor_hook(0, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> _Handle:
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        hooks = self.__dict__.setdefault("_post_accumulate_hooks", [])
        hooks.append(hook)
        return _Handle(hooks, hook)

    def _accumulator_node(self):
        return grad_edge(self)[0]

    def backward(self, gradient: Tensor | None = None, retain_graph: _bool | None = None,
                 create_graph: _bool = False, inputs: Sequence[Tensor] | None = None) -> None:
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ---- conversion -------------------------------------------------------------------------

    def numpy(self, *, force: _bool = False) -> np.ndarray:
        d = self._data
        if type(d) is not _ndarray and is_storage(d):
            if not force:
                raise TypeError(_HOST_ONLY.format(self.device))
            return backend.to_host(d)
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if type(d) is not _ndarray:
            return np.asarray(d)  # a traced value: funcgrad explains why it can't
        return d

    def __array__(self, dtype: Any = None, copy: _bool | None = None) -> np.ndarray:
        if type(self._data) is not _ndarray and is_storage(self._data):
            raise TypeError(_HOST_ONLY.format(self.device))
        d = np.asarray(self._data)
        return d if dtype is None else d.astype(dtype)

    def __array_wrap__(self, array: np.ndarray, context: Any = None,
                       return_scalar: _bool = False) -> Tensor | np.ndarray:
        # numpy's ufuncs on a tensor (np.sin(t)) give a tensor, as PyTorch's do
        array = np.asarray(array)
        if array.dtype in _FROM_NP:
            return Tensor._make(array)
        return array

    def item(self) -> Any:
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to "
                               "Scalar")
        if type(self._data) is MetaArray:
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        if type(self._data) is MetaArray:
            raise no_data()
        return self._data.tolist()

    def __bool__(self) -> _bool:
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self) -> _float:
        return float(self.item())

    def __int__(self) -> _int:
        return int(self.item())

    def __index__(self) -> _int:
        if self._dtype.is_floating_point or self._dtype.is_complex or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(str(self), spec)

    def __repr__(self, *, tensor_contents: Any = None) -> str:
        grad_fn = self._grad_fn.name() if self._grad_fn is not None else None
        if not is_storage(self._data):
            show = getattr(getattr(self._data, "_trace", None), "show_tensor", None)
            if show is not None:  # a dual tensor of forward_ad prints its tangent too
                return show(self)
            return f"tensor(traced {self._data!r})"
        prefix = "tensor(" if type(self).__name__ in ("Tensor", "Parameter") else \
            f"{type(self).__name__}("
        if type(self._data) is MetaArray:
            return meta_repr(self, prefix, grad_fn)
        return format_tensor(backend.to_host(self._data), repr(self._dtype),
                             requires_grad=self._requires_grad, grad_fn=grad_fn,
                             device=str(self.device),
                             default_dtype=repr(D.get_default_dtype()), prefix=prefix)

    __str__ = __repr__

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """to(dtype), to(device), to(device, dtype), to(other); a copy only when something
        changes (or copy=True)."""
        dtype = kwargs.get("dtype")
        dev = kwargs.get("device")
        for a in args:
            if isinstance(a, D.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype, dev = a.dtype, a.device
            elif a is not None and not isinstance(a, bool):  # a bool: non_blocking
                dev = a
        if dtype is not None and not isinstance(dtype, D.dtype):
            raise TypeError(f"to() received an invalid combination of arguments - got "
                            f"(dtype={type(dtype).__name__}, ): dtype must be a torch.dtype")
        dev = as_device(dev)
        if dev is not None and not same_device(dev, self.device):
            if dev.type == "meta" or type(self._data) is MetaArray:
                if dev.type != "meta":
                    raise no_data()
                return Tensor._make(meta_array(self._data.shape, (dtype or self._dtype).np))
            return _to_device(self, dev, dtype or self._dtype)
        if dtype is None or dtype is self._dtype:
            return self.clone() if kwargs.get("copy") else self
        return _cast(self, dtype)

    def cpu(self, memory_format: object = None) -> Tensor:
        return self.to(_CPU)

    def cuda(self, device: _device | str | _int | None = None, non_blocking: _bool = False,
             memory_format: object = None) -> Tensor:
        return self.to("cuda" if device is None else device)

    # float(), double(), ...: self.to(that dtype)
    float = _dtype_converter("float", D.float32)
    double = _dtype_converter("double", D.float64)
    half = _dtype_converter("half", D.float16)
    int = _dtype_converter("int", D.int32)
    long = _dtype_converter("long", D.int64)
    bool = _dtype_converter("bool", D.bool)
    byte = _dtype_converter("byte", D.uint8)
    char = _dtype_converter("char", D.int8)
    short = _dtype_converter("short", D.int16)
    cfloat = _dtype_converter("cfloat", D.complex64)
    cdouble = _dtype_converter("cdouble", D.complex128)

    def clone(self, *, memory_format: object = None) -> Tensor:
        return apply_op("CloneBackward0", _copy_value, [self], saves=False)

    def contiguous(self, memory_format: object = None) -> Tensor:
        if not is_storage(self._data) or self._data.flags.c_contiguous:
            return self
        return apply_op("CloneBackward0", _contiguous_copy, [self], saves=False)

    def __reduce_ex__(self, protocol: Any) -> tuple:
        # host data; a GPU tensor is rebuilt on its GPU, as PyTorch's are
        data = np.array(backend.to_host(self._data))
        if type(self._data) is _ndarray:
            return (_rebuild, (data, self._requires_grad))
        return (_rebuild, (data, self._requires_grad, str(self.device)))

    def __deepcopy__(self, memo: dict) -> Tensor:
        if id(self) in memo:
            return memo[id(self)]
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        new = type(self)._make(copy_storage(self._data))
        new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    # ---- in place ---------------------------------------------------------------------------

    def _bump(self):
        self._vc[0] += 1

    def _check_inplace(self):
        d = self._data
        if is_storage(d) and 0 in d.strides and d.size > 1 and type(d) is not MetaArray and any(
                st == 0 and n > 1 for st, n in zip(d.strides, d.shape)):
            raise RuntimeError("unsupported operation: more than one element of the written-to "
                               "tensor refers to a single memory location. Please clone() the "
                               "tensor before performing the operation.")
        if not self._requires_grad or not is_grad_enabled():
            return
        base = self._base
        if base is None:
            if self._grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
        elif base._requires_grad and base._grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")

    def _tracking(self, *others):
        """Whether an in-place operation on self with `others` is recorded for backward."""
        if not is_grad_enabled():
            return False
        if self._requires_grad:
            return True
        for o in others:
            if isinstance(o, Tensor) and o._requires_grad:
                return True
        return False

    def _write(self, new):
        """Set this tensor's value to `new` (a tensor that broadcasts to its shape), as an in-place
        operation does: in its storage, cast to its dtype, with new's grad_fn."""
        src, d = new._data, self._data
        if src.shape != d.shape:
            check_output_shape(d.shape, src.shape)
        if new._dtype is not self._dtype:
            D.check_cast(D.promote_types(self._dtype, new._dtype), self._dtype)
        if type(src) is type(d) and is_storage(d):  # numpy's, or CuPy's on the tensor's GPU
            xp = backend.xp_of(d)
            xp.copyto(d, src if src.shape == d.shape else xp.broadcast_to(src, d.shape),
                      casting="unsafe")
        else:
            v = broadcast_to(_cast_value(src, self._dtype.np), self._data.shape)
            self._data = raw(v)
        self._bump()
        node = new._grad_fn
        if node is not None:
            self._grad_fn, self._requires_grad = node, True
            if new._output_nr:
                self._output_nr = new._output_nr
            saved = getattr(node, "_saved", None)
            if saved:  # a backward that reads the result reads this tensor, at this version
                node._saved = [(self._vc, self._vc[0], None, out) if c is new._vc
                               else (c, v, t, out) for c, v, t, out in saved]
        return self

    def _inplace(self, fn, *args, **kwargs):
        """self = fn(self, *args, **kwargs) for fn a torch operation, recorded as PyTorch records
        an in-place operation (the node of fn, reading self's value from before the write)."""
        self._check_inplace()
        if not self._tracking(*args, *kwargs.values()):
            return self._write(fn(self, *args, **kwargs))
        if self._base is not None:
            return _views.inplace_on_view(self, fn, args, kwargs)
        return self._write(fn(self._snapshot(), *args, **kwargs))

    def _snapshot(self):
        """A tensor standing for this one's current value in a recorded operation: a copy of the
        storage (about to be overwritten) that feeds gradient to this tensor's graph edge."""
        data = self._data
        t = Tensor._make(copy_storage(data) if is_storage(data) else data)
        if self._requires_grad:
            t._requires_grad = True
            t._grad_fn, t._output_nr = self._grad_fn, self._output_nr
            if self._grad_fn is None:
                t._accumulator = grad_edge(self)[0]
        return t

    def _inplace_add(self, other):
        """Gradient accumulation (.grad += g) without recording."""
        d, g = self._data, other._data
        if type(g) is type(d) and is_storage(d):
            backend.xp_of(d).add(d, g, out=d, casting="unsafe")
            self._bump()
        else:
            self._data = raw(value_sum(self._data, other._data))
        return self

    def zero_(self) -> Tensor:
        if is_storage(self._data) and not self._tracking():
            self._check_inplace()
            self._data.fill(0)
            self._bump()
            return self
        return self._inplace(_ops.zero)

    def fill_(self, value: Tensor | _int | _float | _bool | complex) -> Tensor:
        if isinstance(value, Tensor) and value.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.ndim} dimensions.")
        if is_storage(self._data) and not self._tracking(value):
            self._check_inplace()
            self._data.fill(value.item() if isinstance(value, Tensor) else value)
            self._bump()
            return self
        return self._inplace(_ops.fill, value)

    def copy_(self, src: Any, non_blocking: _bool = False) -> Tensor:
        if not isinstance(src, Tensor):
            src = Tensor._make(np.asarray(src))
        if is_storage(src._data) and not same_device(src.device, self.device):
            src = src.to(self.device)  # copy_ is the one operation that crosses devices
        d = self._data
        if type(src._data) is type(d) and is_storage(d) and not self._tracking(src):
            self._check_inplace()
            xp = backend.xp_of(d)
            try:
                xp.copyto(d, xp.broadcast_to(src._data, d.shape), casting="unsafe")
            except ValueError:
                raise RuntimeError(_broadcast_error(src.shape, self.shape)) from None
            self._bump()
            return self
        return self._inplace(_copy_op, src)

    # ---- indexing ---------------------------------------------------------------------------

    def __getitem__(self, idx: Any) -> Tensor:
        return _indexing.getitem(self, idx)

    def __setitem__(self, idx: Any, value: Any) -> None:
        _indexing.setitem(self, idx, value)

    def __iter__(self) -> Iterator[Tensor]:
        if not self._data.ndim:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __contains__(self, element: object) -> _bool:
        if isinstance(element, (Tensor, bool, int, float, complex)):
            return bool(_ops.eq(self, element).any())
        raise RuntimeError("Tensor.__contains__ only supports Tensor or scalar, but you passed "
                           f"in a {type(element)}.")


def concrete(x: Any) -> np.ndarray:
    """The numpy values of a tensor (a copy on the host for a GPU tensor's); for one holding a
    traced value, the values its trace knows (grad and jvp know them; jit and vmap raise
    funcgrad's ConcretizationError)."""
    d = x._data if isinstance(x, Tensor) else x
    if type(d) is _ndarray:
        return d
    return np.asarray(backend.to_host(concrete_value(d)))


def _rebuild(data, requires_grad, device="cpu"):  # not the default device: where it was
    t = Tensor._make(storage_on(data, as_device(device)))
    t._requires_grad = requires_grad
    return t


def _with_grad(t):
    """requires_grad=True of a factory (PyTorch's message differs from requires_grad_'s)."""
    if not (t.dtype.is_floating_point or t.dtype.is_complex):
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    t._requires_grad = True
    return t


def _host_result(r, like):
    """A result computed on the host (a numpy array or scalar) as a new tensor on the device of
    tensor `like`."""
    return Tensor._make(storage_on(np.asarray(r), like.device))


_HOST_ONLY = ("can't convert {} device type tensor to numpy. Use Tensor.cpu() to copy the "
              "tensor to host memory first.")


def _broadcast_error(src, dst):
    return (f"output with shape {list(dst)} doesn't match the broadcast shape "
            f"{list(np.broadcast_shapes(tuple(src), tuple(dst)))}" if _broadcastable(src, dst)
            else f"The size of tensor a ({dst[-1] if dst else 1}) must match the size of tensor "
                 f"b ({src[-1] if src else 1}) at non-singleton dimension {max(len(dst) - 1, 0)}")


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(tuple(a), tuple(b))
        return True
    except ValueError:
        return False


def _copy_value(x):
    # a fresh buffer: convert_element_type to the same dtype is an identity, so copy by hand
    if type(x) is _Array:
        return wrap_value(copy_storage(x._value))
    return convert_element_type(x * 1 if x.dtype != np.bool_ else x, x.dtype)


def _contiguous_copy(x):
    if type(x) is _Array:
        return wrap_value(backend.xp_of(x._value).ascontiguousarray(x._value))
    return _copy_value(x)


def _cast_value(x, np_dtype):
    return convert_element_type(x, np_dtype)


_PY = (bool, int, float, complex)


def _scalar(v, dtype):
    """A Python number as a numpy scalar of torch dtype `dtype` (integers out of its range wrap
    around, as in PyTorch)."""
    try:
        return dtype.np.type(v)
    except OverflowError:
        return np.array(v).astype(dtype.np)[()]


def _as(v, dtype):
    """A funcgrad value (or Python number) in torch dtype `dtype`."""
    if type(v) in _PY:
        return _scalar(v, dtype)
    return lax.convert_element_type(v, dtype.np)


def _copy_into(dst, src):
    return broadcast_to(_cast_value(src, dst.dtype), dst.shape)


def _copy_op(dst, src):
    """dst's new value in dst.copy_(src): src, broadcast and cast to dst's shape and dtype."""
    if not _broadcastable(src.shape, dst.shape) or \
            np.broadcast_shapes(tuple(src.shape), tuple(dst.shape)) != tuple(dst.shape):
        raise RuntimeError(_broadcast_error(src.shape, dst.shape))
    return apply_op("CopyBackwards", _copy_into, [dst, src], saves=False, dtype=dst._dtype)


def value_sum(a, b):
    a = wrap_value(a) if type(a) is _ndarray else a
    b = wrap_value(b) if type(b) is _ndarray else b
    return a + b


def _cast(t, dtype):
    return apply_op("ToCopyBackward0", lambda x: _cast_value(x, dtype.np), [t], saves=False,
                    dtype=dtype)


def _to_device(t, dev, dtype):
    """t on torch.device `dev`, in `dtype`: a copy whose gradient returns to t's device."""
    to = fg_device(dev)
    return apply_op("ToCopyBackward0", lambda x: device_put(_cast_value(x, dtype.np), to), [t],
                    saves=False, dtype=dtype)


from . import _dispatch as _dispatch_module  # noqa: E402

# The modules that Tensor's methods call and that import Tensor from here (see the docstring)
from . import _views  # noqa: E402

_dispatch_module.register(Tensor, _from_value, _views)

from . import _factories, _indexing, _ops  # noqa: E402
from . import autograd as _autograd  # noqa: E402
