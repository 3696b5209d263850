"""torch.nn.Parameter and torch.nn.Buffer: tensors a Module registers as its state."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, copy_storage


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter when assigned as its attribute. It shares
    storage with `data` and requires grad unless told otherwise."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = Tensor._make(np.zeros((0,), np.float32))
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not "
                            f"{type(data).__name__}")
        if requires_grad and not (data.dtype.is_floating_point or data.dtype.is_complex):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t = cls._make(data._data, getattr(data, "_vc", None), None)  # shared version counter
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (Tensor._make(copy_storage(self._data)), self.requires_grad))

    def __repr__(self, *, tensor_contents: Any = None) -> str:
        return "Parameter containing:\n" + super().__repr__(tensor_contents=tensor_contents)

    __str__ = __repr__


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marks a tensor as a buffer when assigned to a Module attribute (`persistent` decides
    whether it goes into state_dict). What gets registered is a plain Tensor."""

    _persistent: bool

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Buffer:
        if data is None:
            data = Tensor._make(np.zeros((0,), np.float32))
        t = cls._make(data._data, getattr(data, "_vc", None), None)  # shared version counter
        if data.requires_grad:
            t.requires_grad_(True)
        t._persistent = persistent
        return t

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        pass

    @property
    def persistent(self) -> bool:
        return self._persistent


def is_lazy(param: Tensor) -> bool:
    return False
