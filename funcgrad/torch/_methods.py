"""Tensor methods and operators: the torch functions of the same names, bound to Tensor, and
the in-place variants (add_, mul_, clamp_, index_add_, ...).

An in-place operation computes what the out-of-place one computes and writes it into the
tensor's storage (Tensor._inplace records it as PyTorch does). Where nothing is recorded it runs
as the primitive's ufunc writing straight into the storage (`w -= lr * g` under no_grad)."""
from __future__ import annotations

import numpy as np

from . import _dtypes as D
from ._dispatch import check_output_shape, size_mismatch
from . import _complex_views as CV
from . import _indexing as I
from . import _ops as O
from . import _products as P
from . import _random as R
from . import _reductions as Rd
from . import _shape_ops as S
from . import _sorting as So
from . import linalg
from .. import lax
from .._core import backend
from ._dispatch import apply_op, tensors_device
from ._factories import new_empty, new_full, new_ones, new_tensor, new_zeros, tensor
from ._grad_mode import _state as _grad_state
from ._graph import node_class
from ._storage import host_values
from ._tensor import Tensor

_NUMBER = (bool, int, float, complex)
_ndarray = np.ndarray
_new = object.__new__


def _binop(fn, reflected=False):
    def op(self, other):
        if not isinstance(other, (Tensor,) + _NUMBER):
            if isinstance(other, (np.ndarray, np.generic)):
                other = tensor(other)
            else:
                return NotImplemented
        return fn(other, self) if reflected else fn(self, other)
    return op


def _add_op(self, other):
    """self + other with the shortest path for the common case (two plain float tensors of one
    dtype, nothing to record): numpy's add on the storage."""
    if type(other) is Tensor and self._dtype is other._dtype and not (
            (self._requires_grad or other._requires_grad) and _grad_state.enabled):
        x, y = self._data, other._data
        if type(x) is _ndarray and type(y) is _ndarray:
            try:
                r = x + y
            except ValueError:
                raise RuntimeError(size_mismatch(x.shape, y.shape)) from None
            t = _new(Tensor)
            t._data = r if type(r) is _ndarray else np.asarray(r)
            t._dtype, t._vc, t._requires_grad = self._dtype, [0], False
            t._grad_fn = t._grad = None
            return t
    if not isinstance(other, (Tensor,) + _NUMBER):
        if isinstance(other, (np.ndarray, np.generic)):
            other = tensor(other)
        else:
            return NotImplemented
    return O.add_(self, other)


def _rtruediv(self, other):
    if isinstance(other, _NUMBER):
        return O._rtruediv(self, other)
    return _binop(O.true_divide, True)(self, other)


def _rsub(self, other):
    if isinstance(other, _NUMBER):
        return O.rsub(self, other)
    return _binop(O.sub, True)(self, other)


def _rpow(self, other):
    if isinstance(other, _NUMBER):
        return O.pow(other, self)
    return _binop(O.pow, True)(self, other)


_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


def _inplace_binary(torch_fn, name, ufunc=None):
    """self op= other: the ufunc into self's storage when nothing is recorded, else recorded."""
    true_div = ufunc is np.true_divide

    def op(self, other, *, alpha=1):
        if alpha != 1:
            other = O.mul(other, alpha)
        d = self._data
        if ufunc is not None and type(d) is _ndarray and not self._tracking(other) and \
                d.flags.writeable:
            y = other._data if isinstance(other, Tensor) else other
            if type(y) is _ndarray or type(y) in _NUMBER:
                dt = D.result_type2(self, other)
                if true_div and not (dt.is_floating_point or dt.is_complex):
                    dt = D.get_default_dtype()
                if type(y) is _ndarray and y.shape != d.shape:
                    check_output_shape(d.shape, y.shape)
                if dt is not self._dtype:
                    D.check_cast(dt, self._dtype)
                try:
                    if dt is self._dtype:
                        ufunc(d, y if type(y) is _ndarray else O._scalar(y, dt), out=d)
                    else:
                        ufunc(d, y, out=d, dtype=dt.np, casting="unsafe")
                except ValueError:
                    check_output_shape(d.shape, np.shape(y))
                    raise
                self._vc[0] += 1
                return self
        return self._inplace(torch_fn, other)
    op.__name__ = name
    return op


def _inplace(torch_fn, name):
    def op(self, *args, **kwargs):
        return self._inplace(torch_fn, *args, **kwargs)
    op.__name__ = name
    return op


def _inplace_shape(shape_fn, name, node_name):
    """unsqueeze_, squeeze_, t_, transpose_: self becomes the view shape_fn(self) of itself
    (recorded as PyTorch names the in-place variant, node_name)."""
    def op(self, *args, **kwargs):
        new = shape_fn(self, *args, **kwargs)
        self._data = new._data
        if new._grad_fn is not None:
            new._grad_fn.__class__ = node_class(node_name)
            self._grad_fn, self._requires_grad = new._grad_fn, True
        self._bump()
        return self
    op.__name__ = name
    return op


def _is_pinned(self, device=None):
    """CPU memory is never pinned here (no CUDA host allocator)."""
    return False


def _pin_memory(self, device=None):
    """PyTorch's error without an accelerator; with a GPU, a copy (pinning is a transfer-speed
    hint that numpy memory does not take)."""
    if backend.cuda_device_count() <= 0:
        raise RuntimeError("Cannot access accelerator device when none is available.")
    return self.clone()


def _resize_(self, *sizes):
    shape = S._shape_arg(sizes)
    n = int(np.prod(shape, dtype=np.int64))
    xp = backend.xp_of(self._data)
    flat = xp.asarray(self._data).reshape(-1)
    data = xp.zeros(n, self._dtype.np)
    data[:min(n, flat.size)] = flat[:min(n, flat.size)]
    self._data = data.reshape(shape)
    self._bump()
    return self


def _sum_method(self, dim=None, keepdim=False, *, dtype=None):
    return Rd.sum(self, dim, keepdim, dtype=dtype)


def _view(self, *shape):
    return S.view(self, *shape)


def _expand_as(self, other):
    return S.expand(self, tuple(other.shape))


def _where(self, condition, other):
    return O.where(condition, self, other)


def _softmax(self, dim, dtype=None):
    return O.softmax(self, dim, dtype)


def _log_softmax(self, dim, dtype=None):
    return O.log_softmax(self, dim, dtype)


def _conj(self):
    if not self._dtype.is_complex:
        return self
    return apply_op("ConjBackward0", lax.conj, [self], saves=False)


def _real(self):
    if not self._dtype.is_complex:
        return self
    return apply_op("RealBackward0", lax.real, [self], saves=False)


def _imag(self):
    if not self._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply_op("ImagBackward0", lax.imag, [self], saves=False)


def _apply_(self, fn):
    if self.is_cuda:
        raise TypeError("apply_ is only implemented on CPU tensors")
    flat = np.asarray(self._data).reshape(-1)
    for i, v in enumerate(flat.tolist()):
        flat[i] = fn(v)
    self._bump()
    return self


def _map_(self, other, fn):
    if self.is_cuda or other.is_cuda:
        raise TypeError("map_ is only implemented on CPU tensors")
    a = np.asarray(self._data).reshape(-1)
    b = np.broadcast_to(np.asarray(other._data), self._data.shape).reshape(-1)
    for i, (u, v) in enumerate(zip(a.tolist(), b.tolist())):
        a[i] = fn(u, v)
    self._bump()
    return self


_METHODS = {
    # operators
    "__add__": _add_op, "__radd__": _binop(O.add_),
    "__sub__": _binop(O.sub_), "__rsub__": _rsub,
    "__mul__": _binop(O.mul), "__rmul__": _binop(O.mul),
    "__truediv__": _binop(O.true_divide), "__rtruediv__": _rtruediv,
    "__floordiv__": _binop(O.floor_divide), "__rfloordiv__": _binop(O.floor_divide, True),
    "__mod__": _binop(O.remainder), "__rmod__": _binop(O.remainder, True),
    "__pow__": _binop(O.pow), "__rpow__": _rpow,
    "__matmul__": _binop(P.matmul), "__rmatmul__": _binop(P.matmul, True),
    "__and__": _binop(O.bitwise_and), "__rand__": _binop(O.bitwise_and, True),
    "__or__": _binop(O.bitwise_or), "__ror__": _binop(O.bitwise_or, True),
    "__xor__": _binop(O.bitwise_xor), "__rxor__": _binop(O.bitwise_xor, True),
    "__eq__": _binop(O.eq), "__ne__": _binop(O.ne), "__lt__": _binop(O.lt),
    "__le__": _binop(O.le), "__gt__": _binop(O.gt), "__ge__": _binop(O.ge),
    "__neg__": O.neg, "__pos__": lambda self: self, "__abs__": O.abs,
    "__invert__": lambda self: O.logical_not(self) if self.dtype is D.bool else
    O.bitwise_not(self),
    "__iadd__": _inplace_binary(O.add_, "__iadd__", np.add),
    "__isub__": _inplace_binary(O.sub_, "__isub__", np.subtract),
    "__imul__": _inplace_binary(O.mul, "__imul__", np.multiply),
    "__itruediv__": _inplace_binary(O.true_divide, "__itruediv__", np.true_divide),
    "__ipow__": _inplace_binary(O.pow, "__ipow__"),
    "__imod__": _inplace_binary(O.remainder, "__imod__"),
    "__ifloordiv__": _inplace_binary(O.floor_divide, "__ifloordiv__"),
    "__iand__": _inplace_binary(O.bitwise_and, "__iand__"),
    "__ior__": _inplace_binary(O.bitwise_or, "__ior__"),
    "__ixor__": _inplace_binary(O.bitwise_xor, "__ixor__"),
    # arithmetic
    "add": O.add, "sub": O.sub, "mul": O.mul, "div": O.div, "true_divide": O.true_divide,
    "subtract": O.sub, "multiply": O.mul, "divide": O.div, "pow": O.pow,
    "float_power": O.float_power, "floor_divide": O.floor_divide, "remainder": O.remainder,
    "fmod": O.fmod, "rsub": O.rsub, "lerp": O.lerp, "hypot": O.hypot,
    "logaddexp": O.logaddexp, "addcmul": O.addcmul, "addcdiv": O.addcdiv, "xlogy": O.xlogy,
    "atan2": O.atan2, "arctan2": O.atan2,
    "bitwise_and": O.bitwise_and, "bitwise_or": O.bitwise_or, "bitwise_xor": O.bitwise_xor,
    "bitwise_not": O.bitwise_not, "logical_and": O.logical_and, "logical_or": O.logical_or,
    "logical_xor": O.logical_xor, "logical_not": O.logical_not,
    "add_": _inplace_binary(O.add_, "add_", np.add),
    "sub_": _inplace_binary(O.sub_, "sub_", np.subtract),
    "subtract_": _inplace_binary(O.sub_, "subtract_", np.subtract),
    "mul_": _inplace_binary(O.mul, "mul_", np.multiply),
    "multiply_": _inplace_binary(O.mul, "multiply_", np.multiply),
    "div_": _inplace(O.div, "div_"), "divide_": _inplace(O.div, "divide_"),
    "true_divide_": _inplace_binary(O.true_divide, "true_divide_", np.true_divide),
    "pow_": _inplace(O.pow, "pow_"), "remainder_": _inplace(O.remainder, "remainder_"),
    "fmod_": _inplace(O.fmod, "fmod_"), "floor_divide_": _inplace(O.floor_divide,
                                                                 "floor_divide_"),
    "lerp_": _inplace(O.lerp, "lerp_"), "addcmul_": _inplace(O.addcmul, "addcmul_"),
    "addcdiv_": _inplace(O.addcdiv, "addcdiv_"), "atan2_": _inplace(O.atan2, "atan2_"),
    "logical_not_": _inplace(O.logical_not, "logical_not_"),
    # comparisons
    "eq": O.eq, "ne": O.ne, "lt": O.lt, "le": O.le, "gt": O.gt, "ge": O.ge,
    "not_equal": O.ne, "less": O.lt, "less_equal": O.le, "greater": O.gt,
    "greater_equal": O.ge, "maximum": O.maximum, "minimum": O.minimum, "fmax": O.fmax,
    "fmin": O.fmin, "isnan": O.isnan, "isinf": O.isinf, "isfinite": O.isfinite,
    "eq_": _inplace(O.eq, "eq_"), "ne_": _inplace(O.ne, "ne_"), "lt_": _inplace(O.lt, "lt_"),
    "le_": _inplace(O.le, "le_"), "gt_": _inplace(O.gt, "gt_"), "ge_": _inplace(O.ge, "ge_"),
    "equal": lambda self, other: equal(self, other),
    "allclose": lambda self, other, rtol=1e-05, atol=1e-08, equal_nan=False: allclose(
        self, other, rtol, atol, equal_nan),
    "isclose": lambda self, other, rtol=1e-05, atol=1e-08, equal_nan=False: isclose(
        self, other, rtol, atol, equal_nan),
    # unary
    "exp": O.exp, "exp2": O.exp2, "log": O.log, "log2": O.log2, "log10": O.log10,
    "log1p": O.log1p, "expm1": O.expm1, "sqrt": O.sqrt, "rsqrt": O.rsqrt, "sin": O.sin,
    "cos": O.cos, "tan": O.tan, "tanh": O.tanh, "sigmoid": O.sigmoid, "asin": O.asin,
    "acos": O.acos, "atan": O.atan, "arcsin": O.asin, "arccos": O.acos, "arctan": O.atan,
    "sinh": O.sinh, "cosh": O.cosh, "asinh": O.asinh, "acosh": O.acosh, "atanh": O.atanh,
    "arcsinh": O.asinh, "arccosh": O.acosh, "arctanh": O.atanh, "erf": O.erf,
    "abs": O.abs, "absolute": O.abs, "neg": O.neg, "negative": O.neg, "sign": O.sign,
    "sgn": O.sign, "floor": O.floor, "ceil": O.ceil, "round": O.round, "trunc": O.trunc,
    "fix": O.trunc, "frac": O.frac, "relu": O.relu, "square": O.square,
    "reciprocal": O.reciprocal, "nan_to_num": O.nan_to_num,
    "clamp": O.clamp, "clip": O.clamp, "clamp_min": O.clamp_min, "clamp_max": O.clamp_max,
    "masked_fill": O.masked_fill, "where": _where,
    "conj": _conj, "resolve_conj": lambda self: self, "resolve_neg": lambda self: self,
    "real": property(_real), "imag": property(_imag),
    # unary in place
    **{f"{n}_": _inplace(getattr(O, n), f"{n}_") for n in (
        "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos",
        "tan", "tanh", "sigmoid", "asin", "acos", "atan", "sinh", "cosh", "erf", "abs", "neg",
        "sign", "floor", "ceil", "round", "trunc", "frac", "relu", "square", "reciprocal",
        "clamp", "clamp_min", "clamp_max", "masked_fill", "nan_to_num")},
    "clip_": _inplace(O.clamp, "clip_"), "negative_": _inplace(O.neg, "negative_"),
    "absolute_": _inplace(O.abs, "absolute_"), "arcsin_": _inplace(O.asin, "arcsin_"),
    "arccos_": _inplace(O.acos, "arccos_"), "arctan_": _inplace(O.atan, "arctan_"),
    "fix_": _inplace(O.trunc, "fix_"),
    # reductions
    "sum": _sum_method, "nansum": Rd.nansum, "mean": Rd.mean, "prod": Rd.prod, "std": Rd.std,
    "var": Rd.var, "max": Rd.max, "min": Rd.min, "amax": Rd.amax, "amin": Rd.amin,
    "aminmax": Rd.aminmax, "argmax": Rd.argmax, "argmin": Rd.argmin, "all": Rd.all,
    "any": Rd.any, "logsumexp": Rd.logsumexp, "norm": Rd.norm, "cumsum": Rd.cumsum,
    "cumprod": Rd.cumprod, "count_nonzero": Rd.count_nonzero,
    "cumsum_": _inplace(Rd.cumsum, "cumsum_"),
    # sorting
    "sort": So.sort, "argsort": So.argsort, "msort": So.msort, "topk": So.topk,
    "kthvalue": So.kthvalue, "median": So.median, "mode": So.mode,
    "unique": So.unique, "unique_consecutive": So.unique_consecutive,
    # products
    "mm": P.mm, "mv": P.mv, "dot": P.dot, "vdot": P.vdot, "inner": P.inner, "bmm": P.bmm,
    "matmul": P.matmul, "outer": P.outer, "ger": P.outer, "addmm": P.addmm,
    "addmv": P.addmv, "baddbmm": P.baddbmm, "kron": P.kron,
    "addmm_": _inplace(P.addmm, "addmm_"),
    # shapes and views
    "view": _view, "view_as": lambda self, other: S.view(self, tuple(other.shape)),
    "reshape": S.reshape, "reshape_as": lambda self, other: S.reshape(self, tuple(other.shape)),
    "flatten": S.flatten, "ravel": S.ravel, "unflatten": S.unflatten, "squeeze": S.squeeze,
    "unsqueeze": S.unsqueeze, "permute": S.permute, "transpose": S.transpose,
    "swapaxes": S.transpose, "swapdims": S.transpose, "t": S.t_, "movedim": S.movedim,
    "moveaxis": S.movedim, "expand": S.expand, "expand_as": _expand_as, "narrow": S.narrow,
    "repeat": S.repeat, "tile": S.tile, "repeat_interleave": S.repeat_interleave,
    "split": S.split, "chunk": S.chunk, "tensor_split": S.tensor_split, "unbind": S.unbind,
    "select": S.select, "unfold": S.unfold, "as_strided": S.as_strided,
    "diagonal": S.diagonal, "diag": S.diag, "tril": S.tril, "triu": S.triu, "flip": S.flip,
    "fliplr": S.fliplr, "flipud": S.flipud, "roll": S.roll, "rot90": S.rot90,
    "sum_to_size": S.sum_to_size,
    "T": property(S.T), "mT": property(S.mT), "H": property(S.H), "mH": property(S.mT),
    "adjoint": S.mT,
    "unsqueeze_": _inplace_shape(S.unsqueeze, "unsqueeze_", "UnsqueezeBackward1"),
    "squeeze_": _inplace_shape(S.squeeze, "squeeze_", "SqueezeBackward3"),
    "t_": _inplace_shape(S.t_, "t_", "TBackward1"),
    "transpose_": _inplace_shape(S.transpose, "transpose_", "TransposeBackward1"),
    "resize_": _resize_, "tril_": _inplace(S.tril, "tril_"), "triu_": _inplace(S.triu, "triu_"),
    # indexing
    "gather": I.gather, "scatter": I.scatter, "scatter_add": I.scatter_add,
    "scatter_reduce": I.scatter_reduce, "index_select": I.index_select,
    "index_add": I.index_add, "index_copy": I.index_copy, "index_fill": I.index_fill,
    "index_put": I.index_put, "masked_select": I.masked_select,
    "masked_scatter": I.masked_scatter, "take": I.take, "nonzero": I.nonzero,
    "argwhere": I.argwhere, "bincount": I.bincount, "angle": CV.angle,
    "is_pinned": _is_pinned, "pin_memory": _pin_memory,
    "scatter_": _inplace(I.scatter, "scatter_"),
    "scatter_add_": _inplace(I.scatter_add, "scatter_add_"),
    "scatter_reduce_": _inplace(I.scatter_reduce, "scatter_reduce_"),
    "index_add_": _inplace(I.index_add, "index_add_"),
    "index_copy_": _inplace(I.index_copy, "index_copy_"),
    "index_fill_": _inplace(I.index_fill, "index_fill_"),
    "index_put_": _inplace(I.index_put, "index_put_"),
    "masked_scatter_": _inplace(I.masked_scatter, "masked_scatter_"),
    # randomness in place
    "uniform_": R.uniform_, "normal_": R.normal_, "random_": R.random_,
    "bernoulli_": R.bernoulli_, "exponential_": R.exponential_, "geometric_": R.geometric_,
    "cauchy_": R.cauchy_, "log_normal_": R.log_normal_,
    "bernoulli": lambda self, p=None, *, generator=None: R.bernoulli(self, p,
                                                                      generator=generator),
    "multinomial": R.multinomial,
    # new tensors
    "new_tensor": new_tensor, "new_zeros": new_zeros, "new_ones": new_ones,
    "new_empty": new_empty, "new_full": new_full,
    # nn-style
    "softmax": _softmax, "log_softmax": _log_softmax,
    "apply_": _apply_, "map_": _map_,
    "type_as": lambda self, other: self.to(other.dtype),
    "broadcast_to": S.broadcast_to, "diag_embed": S.diag_embed, "trace": S.trace,
    "take_along_dim": S.take_along_dim, "dist": Rd.dist, "lgamma": O.lgamma,
    "inverse": lambda self: linalg.inv(self), "det": lambda self: linalg.det(self),
    "pinverse": lambda self, rcond=1e-15: linalg.pinv(self),
    "cross": lambda self, other, dim=None: linalg.cross(self, other, dim=-1 if dim is None
                                                           else dim),
}


# ---- comparisons of whole tensors (Python values, nothing recorded) ------------------------------

def equal(input, other):
    """Same shape and same values (True/False)."""
    if backend.active:
        tensors_device([input, other])
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(np.array_equal(host_values(input), host_values(other)))


def _close_args(input, other):
    """The values (on the host) of isclose's and allclose's arguments."""
    if isinstance(other, Tensor) and input._dtype is not other._dtype:
        raise RuntimeError(f"{D._LEGACY[input._dtype.name]} did not match "
                           f"{D._LEGACY[other._dtype.name]}")
    if backend.active:
        tensors_device([input, other])
    return host_values(input), host_values(other) if isinstance(other, Tensor) else \
        np.asarray(other)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _close_args(input, other)
    return O._host_result(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), input)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _close_args(input, other)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
