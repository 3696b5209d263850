"""torch.autograd.function: the public module of custom autograd Functions (Function,
FunctionCtx, once_differentiable, InplaceFunction, ...), as PyTorch's; they live in _function.

>>> from funcgrad.torch.autograd.function import Function, once_differentiable
>>> Function.__name__, once_differentiable.__name__
('Function', 'once_differentiable')
"""
from __future__ import annotations

from ._function import (BackwardCFunction, Function, FunctionCtx, InplaceFunction,
                        NestedIOFunction, once_differentiable)
from ._function import _FunctionMeta as FunctionMeta

__all__ = ["FunctionCtx", "BackwardCFunction", "FunctionMeta", "Function", "once_differentiable",
           "InplaceFunction", "NestedIOFunction"]
