"""Operators and numpy-style methods, attached to both fg.Array and Tracer, so that code cannot
tell a traced value from a concrete one."""
from __future__ import annotations

import numpy as np

from .. import lax
from .._core.array import Array
from .._core.avals import PY_SCALARS
from .._core.errors import InPlaceUpdateError, doc_link, user_frame
from .._core.trace import Tracer, eager_binary, get_aval
from . import _manipulation as M
from . import _products as P
from . import _reductions as R
from . import _ufuncs as U
from ._core import asarray
from ._dtypes import astype as _astype_fn
from ._indexing import _IndexUpdateHelper, getitem

_OPERAND_TYPES = (Array, Tracer, np.ndarray, np.generic, list, tuple) + PY_SCALARS


def _binop(fn, reflected=False):
    """The operator (its reflected form: y op x) of `fn`, a funcgrad function of two operands;
    NotImplemented for an operand funcgrad does not take. Where `fn` is one primitive (numpy's
    ufuncs), Arrays and Python numbers take the eager routine's fast path (trace.eager_binary).
    Past it, `fn` itself is called without its own fast path (which would only fail again)."""
    prim = getattr(fn, "primitive", None)
    fn = getattr(fn, "general", fn)
    if reflected:
        def op(self, other):
            if isinstance(other, _OPERAND_TYPES):
                return fn(other, self)
            return NotImplemented
    else:
        def op(self, other):
            if isinstance(other, _OPERAND_TYPES):
                return fn(self, other)
            return NotImplemented
    return op if prim is None else eager_binary(prim, op, swap=reflected)


def _pow(x, y):
    return U.power(x, y)


def _index_code(idx):
    """An index as the user would have written it, for messages: (0, slice(1, 3)) -> '0, 1:3'."""
    def one(k):
        if isinstance(k, slice):
            s = f"{'' if k.start is None else k.start}:{'' if k.stop is None else k.stop}"
            return s + (f":{k.step}" if k.step is not None else "")
        if k is Ellipsis:
            return "..."
        if isinstance(k, (Array, Tracer, np.ndarray)):
            return "idx"
        return repr(k)
    return ", ".join(one(k) for k in idx) if isinstance(idx, tuple) else one(idx)


def _setitem(self, idx, value):
    code = _index_code(idx)
    raise InPlaceUpdateError(
        f"funcgrad arrays are immutable: `x[{code}] = ...` cannot write into an array of shape "
        f"{self.shape}.\n  at {user_frame()}\nBuild a new array instead:\n"
        f"    x = x.at[{code}].set(value)\n"
        f"(also .add, .multiply, .divide, .min, .max). " + doc_link("inplaceupdateerror"))


def _hash(self):
    raise TypeError(f"unhashable type: funcgrad arrays are not hashable (an array of shape "
                    f"{self.shape}). For a dict key or a static argument, use a tuple: "
                    "tuple(x.tolist()), or x.item() for a scalar.")


def _len(self):
    if not self.shape:
        raise TypeError("len() of unsized object (a 0-d array)")
    return self.shape[0]


def _iter(self):
    if not self.shape:
        raise TypeError("iteration over a 0-d array")
    return (lax.index(self, i) for i in range(self.shape[0]))


def _reshape_method(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    return M.reshape(self, shape, order)


def _transpose_method(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = axes[0]
    return M.transpose(self, axes or None)


def _astype(self, dtype, copy=True):
    return _astype_fn(self, dtype)


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """numpy ufuncs called on funcgrad arrays (np.sin(x), or np_array + x) use funcgrad's own."""
    fn = _UFUNCS.get(ufunc.__name__)
    if method != "__call__" or kwargs or fn is None:
        if isinstance(self, Tracer):
            return NotImplemented
        raw = [np.asarray(x) if type(x) is Array else x for x in inputs]
        return getattr(ufunc, method)(*raw, **kwargs)
    return fn(*inputs)


# numpy's ufuncs that funcgrad.numpy has under the same name
_UFUNCS = {name: getattr(U, name) for name in (
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "remainder", "power",
    "negative", "positive", "exp", "log", "log1p", "expm1", "sin", "cos", "tan", "arcsin",
    "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "sqrt", "absolute", "sign", "floor",
    "ceil", "rint", "maximum", "minimum", "equal", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "isfinite", "square", "bitwise_and", "bitwise_or", "bitwise_xor", "invert",
    "logical_and", "logical_or", "logical_not", "isnan", "isinf")}
_UFUNCS["matmul"] = P.matmul

# each arithmetic operator with its reflected form (x + y and y + x: __add__, __radd__)
_METHODS = {f"__{r}{name}__": _binop(fn, reflected=bool(r)) for name, fn in (
    ("add", U.add), ("sub", U.subtract), ("mul", U.multiply), ("truediv", U.divide),
    ("floordiv", U.floor_divide), ("mod", U.remainder), ("pow", _pow), ("matmul", P.matmul),
    ("and", U.bitwise_and), ("or", U.bitwise_or), ("xor", U.bitwise_xor),
    ("lshift", U.left_shift), ("rshift", U.right_shift)) for r in ("", "r")}
_METHODS.update({
    "__eq__": _binop(U.equal), "__ne__": _binop(U.not_equal),
    "__lt__": _binop(U.less), "__le__": _binop(U.less_equal),
    "__gt__": _binop(U.greater), "__ge__": _binop(U.greater_equal),
    "__neg__": U.negative, "__pos__": U.positive, "__abs__": U.absolute, "__invert__": U.invert,
    "__getitem__": getitem, "__setitem__": _setitem, "__hash__": _hash, "__len__": _len,
    "__iter__": _iter, "__array_ufunc__": _array_ufunc,
    "sum": R.sum, "mean": R.mean, "var": R.var, "std": R.std, "max": R.max, "min": R.min,
    "prod": R.prod, "argmax": R.argmax, "argmin": R.argmin, "any": R.any, "all": R.all,
    "reshape": _reshape_method, "transpose": _transpose_method, "swapaxes": M.swapaxes,
    "squeeze": M.squeeze, "ravel": M.ravel, "flatten": M.ravel, "astype": _astype,
    "clip": lambda self, min=None, max=None: U.clip(self, min, max),
    "round": U.round, "dot": P.dot, "copy": lambda self: self,
    "T": property(lambda self: M.transpose(self)),
    "mT": property(lambda self: M.swapaxes(self, -1, -2)),
    "at": property(_IndexUpdateHelper),
})


def _no_out(fn):
    """numpy's own functions call these methods with out=None (np.sum(x) is x.sum(axis=None,
    dtype=None, out=None)); funcgrad arrays are immutable, so only out=None is accepted."""
    def method(self, *args, out=None, **kwargs):
        if out is not None:
            raise TypeError("out= is not supported: funcgrad arrays are immutable; use the "
                            "returned array instead")
        return fn(self, *args, **kwargs)
    method.__name__, method.__doc__ = getattr(fn, "__name__", "method"), fn.__doc__
    return method


for _name in ("sum", "mean", "var", "std", "max", "min", "prod", "argmax", "argmin", "any",
              "all", "clip", "round"):
    _METHODS[_name] = _no_out(_METHODS[_name])

for _name, _fn in _METHODS.items():
    setattr(Array, _name, _fn)
    # a tracer's operator never takes the eager fast path: it gets the general form at once
    setattr(Tracer, _name, getattr(_fn, "general", _fn))
