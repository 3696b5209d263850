"""Tensor methods and operators: the torch functions of the same name, bound to Tensor."""
from __future__ import annotations

from . import _ops as O
from . import _shape_ops as S
from ._tensor import Tensor

_NUMBER = (bool, int, float, complex)


def _binop(fn, reflected=False):
    def op(self, other):
        if not isinstance(other, (Tensor,) + _NUMBER):
            import numpy as np
            if isinstance(other, np.ndarray):
                from ._factories import tensor
                other = tensor(other)
            else:
                return NotImplemented
        return fn(other, self) if reflected else fn(self, other)
    return op


def _inplace_binary(torch_fn, name):
    def op(self, other, *, alpha=1):
        if alpha != 1:
            other = O.mul(other, alpha)
        new = torch_fn(self if not self._requires_grad else self._snapshot(), other)
        self._check_inplace()
        return self._write(new)
    op.__name__ = name
    return op


def _inplace_unary(torch_fn):
    def op(self, *args, **kwargs):
        self._check_inplace()
        src = self._snapshot() if self._requires_grad else self
        return self._write(torch_fn(src, *args, **kwargs))
    return op


def _pow(a, b):
    return O.pow(a, b)


def _sum_method(self, dim=None, keepdim=False, *, dtype=None):
    return O.sum(self, dim, keepdim, dtype=dtype)


def _view(self, *shape):
    return S.view(self, *shape)


_METHODS = {
    "__add__": _binop(O.add), "__radd__": _binop(O.add, True),
    "__sub__": _binop(O.sub), "__rsub__": _binop(O.sub, True),
    "__mul__": _binop(O.mul), "__rmul__": _binop(O.mul, True),
    "__truediv__": _binop(O.true_divide), "__rtruediv__": _binop(O.true_divide, True),
    "__floordiv__": _binop(O.floor_divide), "__rfloordiv__": _binop(O.floor_divide, True),
    "__mod__": _binop(O.remainder), "__rmod__": _binop(O.remainder, True),
    "__pow__": _binop(_pow), "__rpow__": _binop(_pow, True),
    "__matmul__": _binop(O.matmul), "__rmatmul__": _binop(O.matmul, True),
    "__and__": _binop(O.bitwise_and), "__rand__": _binop(O.bitwise_and, True),
    "__or__": _binop(O.bitwise_or), "__ror__": _binop(O.bitwise_or, True),
    "__xor__": _binop(O.bitwise_xor), "__rxor__": _binop(O.bitwise_xor, True),
    "__eq__": _binop(O.eq), "__ne__": _binop(O.ne), "__lt__": _binop(O.lt),
    "__le__": _binop(O.le), "__gt__": _binop(O.gt), "__ge__": _binop(O.ge),
    "__neg__": O.neg, "__pos__": lambda self: self, "__abs__": O.abs,
    "__invert__": lambda self: O.logical_not(self) if self.dtype.name == "bool" else
    O.bitwise_not(self),
    "__iadd__": _inplace_binary(O.add, "__iadd__"), "__isub__": _inplace_binary(O.sub, "__isub__"),
    "__imul__": _inplace_binary(O.mul, "__imul__"),
    "__itruediv__": _inplace_binary(O.true_divide, "__itruediv__"),
    "add": O.add, "sub": O.sub, "mul": O.mul, "div": O.div, "true_divide": O.true_divide,
    "subtract": O.sub, "multiply": O.mul, "divide": O.div, "pow": O.pow,
    "floor_divide": O.floor_divide, "remainder": O.remainder, "fmod": O.remainder,
    "add_": _inplace_binary(O.add, "add_"), "sub_": _inplace_binary(O.sub, "sub_"),
    "mul_": _inplace_binary(O.mul, "mul_"), "div_": _inplace_binary(O.true_divide, "div_"),
    "pow_": _inplace_binary(O.pow, "pow_"),
    "clamp_": _inplace_unary(O.clamp), "clip_": _inplace_unary(O.clamp),
    "masked_fill_": _inplace_unary(O.masked_fill), "exp_": _inplace_unary(O.exp),
    "neg_": _inplace_unary(O.neg), "abs_": _inplace_unary(O.abs),
    "sqrt_": _inplace_unary(O.sqrt), "relu_": _inplace_unary(O.relu),
    "sigmoid_": _inplace_unary(O.sigmoid), "tanh_": _inplace_unary(O.tanh),
    "eq": O.eq, "ne": O.ne, "lt": O.lt, "le": O.le, "gt": O.gt, "ge": O.ge,
    "maximum": O.maximum, "minimum": O.minimum,
    "exp": O.exp, "log": O.log, "log1p": O.log1p, "expm1": O.expm1, "sqrt": O.sqrt,
    "rsqrt": O.rsqrt, "sin": O.sin, "cos": O.cos, "tan": O.tan, "tanh": O.tanh,
    "sigmoid": O.sigmoid, "abs": O.abs, "neg": O.neg, "negative": O.neg, "sign": O.sign,
    "floor": O.floor, "ceil": O.ceil, "round": O.round, "trunc": O.trunc, "relu": O.relu,
    "square": O.square, "reciprocal": O.reciprocal, "asin": O.asin, "acos": O.acos,
    "atan": O.atan, "sinh": O.sinh, "cosh": O.cosh, "logical_not": O.logical_not,
    "clamp": O.clamp, "clip": O.clamp, "masked_fill": O.masked_fill,
    "where": lambda self, condition, other: O.where(condition, self, other),
    "sum": _sum_method, "mean": O.mean, "prod": O.prod, "std": O.std, "var": O.var,
    "max": O.max, "min": O.min, "amax": O.amax, "amin": O.amin, "argmax": O.argmax,
    "argmin": O.argmin, "all": O.all, "any": O.any, "logsumexp": O.logsumexp,
    "mm": O.mm, "mv": O.mv, "dot": O.dot, "bmm": O.bmm, "matmul": O.matmul, "outer": O.outer,
    "addmm": O.addmm,
    "view": _view, "view_as": lambda self, other: S.view(self, tuple(other.shape)),
    "reshape": S.reshape, "reshape_as": lambda self, other: S.reshape(self, tuple(other.shape)),
    "flatten": S.flatten, "unflatten": S.unflatten, "squeeze": S.squeeze,
    "unsqueeze": S.unsqueeze, "permute": S.permute, "transpose": S.transpose,
    "swapaxes": S.transpose, "t": S.t_, "expand": S.expand,
    "expand_as": lambda self, other: S.expand(self, tuple(other.shape)),
    "narrow": S.narrow, "repeat": S.repeat, "tile": S.tile, "split": S.split, "chunk": S.chunk,
    "unbind": S.unbind, "select": S.select, "flip": S.flip, "roll": S.roll, "gather": S.gather,
    "scatter": S.scatter, "scatter_add": S.scatter_add, "index_select": S.index_select,
    "masked_select": S.masked_select, "cumsum": S.cumsum, "sort": S.sort, "argsort": S.argsort,
    "topk": S.topk, "sum_to_size": S.sum_to_size,
    "nonzero": O.nonzero,
    "T": property(lambda self: S.permute(self, tuple(range(self.ndim))[::-1])),
    "mT": property(lambda self: S.transpose(self, -2, -1)),
    "H": property(lambda self: S.permute(self, tuple(range(self.ndim))[::-1])),
    "softmax": lambda self, dim, dtype=None: _F().softmax(self, dim, dtype=dtype),
    "log_softmax": lambda self, dim, dtype=None: _F().log_softmax(self, dim, dtype=dtype),
    "equal": O.equal, "allclose": O.allclose, "isclose": O.isclose,
}


def _F():
    from .nn import functional
    return functional


for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
