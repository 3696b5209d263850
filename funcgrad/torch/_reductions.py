"""Reductions: sum, mean, prod, std, var, max, min, amax, amin, argmax, argmin, logsumexp, norm,
cumsum, cumprod, any, all, with PyTorch's dims, keepdim, dtypes and return types."""
from __future__ import annotations

import warnings

import numpy as np

from .. import lax
from .._api import stop_gradient
from .. import numpy as fnp
from .._core import backend
from . import _dtypes as D
from ..lax.reduce import reduce_sum_p as _REDUCE_SUM
from ._dispatch import apply_op, needs_record, quiet, record_primitive, value_of
from ._factories import _t
from ._ops import _eager, _storage, _wrap, maximum, minimum
from ._storage import wrap_dim, wrap_dims
from ._tensor import Tensor, _as, _host_result, concrete


def _dims(dim, ndim):
    """The reduced dimensions (None: all), wrapped; [] and () mean all, as in PyTorch."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return None
    return wrap_dims(dims, ndim)


def _sum_dtype(dt):
    return D.int64 if not (dt.is_floating_point or dt.is_complex) else dt


def _is_float(dt):
    return dt.is_floating_point or dt.is_complex


# ---- sums and means --------------------------------------------------------------------------

def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001 (torch.sum)
    input = _t(input)
    dt = dtype or _sum_dtype(input._dtype)
    dims = _dims(dim, input.ndim)
    x = _storage(input)
    if dt is D.float16:  # PyTorch accumulates half precision in float32
        return _half_reduce("SumBackward0" if dim is None else "SumBackward1", fnp.sum, input,
                            dims, keepdim)
    if x is not None:
        try:
            r = np.sum(x, axis=dims, dtype=dt.np, keepdims=keepdim)
        except RuntimeWarning:  # numpy's (inf - inf), raised as an error: see _dispatch.quiet
            r = quiet(np.sum, x, dims, dt.np, None, keepdim)
        if not needs_record((input,)):
            return _wrap(r)
        if not keepdim and x.ndim and dt is input._dtype:
            return record_primitive("SumBackward0" if dim is None else "SumBackward1",
                                    _REDUCE_SUM, {"axes": dims or tuple(range(x.ndim))},
                                    [input], np.asarray(r), saves=False)
    return apply_op("SumBackward0" if dim is None else "SumBackward1",
                    lambda v: fnp.sum(_as(v, dt), axis=dims, keepdims=keepdim), [input],
                    saves=False, dtype=dt)


def _half_reduce(name, reduce, input, dims, keepdim):
    """A sum or mean of a float16 tensor as PyTorch computes it: accumulated in float32, the
    result rounded to float16 (inf where it overflows, silently)."""
    def fn(v):
        r = reduce(lax.convert_element_type(v, np.float32), axis=dims, keepdims=keepdim)
        with np.errstate(over="ignore"):  # the rounding to float16 may overflow to inf
            return lax.convert_element_type(r, np.float16)
    with np.errstate(over="ignore"):
        return apply_op(name, fn, [input], saves=False, dtype=D.float16)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    dims = _dims(dim, input.ndim)
    dt = dtype or _sum_dtype(input._dtype)
    return apply_op("NansumBackward0", lambda v: fnp.sum(lax.select(
        lax.ne(v, v), fnp.zeros_like(v), v), axis=dims, keepdims=keepdim), [input], dtype=dt)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    input = _t(input)
    dt = dtype or input._dtype
    if not _is_float(dt):
        which = "Optional" if dtype is not None else "Input"
        raise RuntimeError("mean(): could not infer output dtype. "
                           f"{which} dtype must be either a floating point or complex dtype. "
                           f"Got: {D.type_name(dt)}")
    dims = _dims(dim, input.ndim)
    if dt is D.float16:  # accumulated in float32, as PyTorch's
        return _half_reduce("MeanBackward0" if dim is None else "MeanBackward1", fnp.mean,
                            input if input._dtype is dt else input.to(dt), dims, keepdim)
    x = _eager(input)
    if x is not None:
        try:
            r = np.mean(x, axis=dims, dtype=dt.np, keepdims=keepdim)
        except RuntimeWarning:  # numpy's (inf - inf, or nothing to average): see quiet
            r = quiet(np.mean, x, dims, dt.np, None, keepdim)
        return _wrap(np.asarray(r, dt.np))
    return apply_op("MeanBackward0" if dim is None else "MeanBackward1",
                    lambda v: fnp.mean(_as(v, dt), axis=dims, keepdims=keepdim), [input],
                    saves=False, dtype=dt)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased in (None, True) else 0


def _moment_args(dim, unbiased):
    # std(x, True) / std(x, 0): a bool second argument is `unbiased`, anything else is `dim`
    if isinstance(dim, bool):
        return None, dim
    return dim, unbiased


def _check_float_moments(input):
    if not _is_float(input._dtype):
        raise RuntimeError("std and var only support floating point and complex dtypes")


def _moment(name, input, dims, ddof, fn):
    """std/var: PyTorch's warning, and nan or inf (a divisor of 0), where the degrees of
    freedom are not positive. fn(ddof) computes the moment."""
    shape = input._data.shape
    count = int(np.prod([shape[d] for d in (dims if dims is not None else range(len(shape)))]))
    if count - ddof <= 0:
        ddof = count  # the divisor max(count - correction, 0), as PyTorch's
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    with np.errstate(divide="ignore", invalid="ignore"):
        return fn(ddof)


def _moment_dims(input, dim, unbiased, correction):
    """(ddof, dims) for var/std and var_mean/std_mean, after PyTorch's argument checks."""
    dim, unbiased = _moment_args(dim, unbiased)
    _check_float_moments(input)
    return _correction(unbiased, correction), _dims(dim, input.ndim)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    ddof, dims = _moment_dims(input, dim, unbiased, correction)
    return _moment("var", input, dims, ddof, lambda ddof: apply_op(
        "VarBackward0", lambda x: fnp.var(x, axis=dims, ddof=ddof, keepdims=keepdim), [input]))


def _safe_sqrt(v):
    """sqrt(v) whose gradient is 0 where v is 0 (PyTorch's std and norms; d sqrt is inf there)."""
    zero = lax.eq(v, fnp.zeros_like(v))  # (nan stays nan)
    return lax.select(zero, fnp.zeros_like(v), lax.sqrt(lax.select(zero, fnp.ones_like(v), v)))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    ddof, dims = _moment_dims(input, dim, unbiased, correction)
    return _moment("std", input, dims, ddof, lambda ddof: apply_op(
        "StdBackward0", lambda x: _safe_sqrt(fnp.var(x, axis=dims, ddof=ddof, keepdims=keepdim)),
        [input], saves_out=True))


def _with_mean(name, stat, input, dim, unbiased, keepdim, correction):
    ddof, dims = _moment_dims(input, dim, unbiased, correction)
    return apply_op(name, lambda x: (stat(x, axis=dims, ddof=ddof, keepdims=keepdim),
                                     fnp.mean(x, axis=dims, keepdims=keepdim)), [input])


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _with_mean("VarMeanBackward0", fnp.var, input, dim, unbiased, keepdim, correction)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _with_mean("StdMeanBackward0", fnp.std, input, dim, unbiased, keepdim, correction)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    dt = dtype or _sum_dtype(input._dtype)
    dims = _dims(dim, input.ndim)
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError("prod(): argument 'dim' must be int, not "
                        f"{type(dim).__name__}")
    return apply_op("ProdBackward0" if dim is None else "ProdBackward1",
                    lambda x: fnp.prod(_as(x, dt), axis=dims, keepdims=keepdim), [input],
                    saves_out=True, dtype=dt)


def logsumexp(input, dim, keepdim=False):
    input = _t(input)
    dt = input._dtype if _is_float(input._dtype) else D.get_default_dtype()
    dims = _dims(dim, input.ndim) or tuple(range(input.ndim))

    def fn(x):
        x = _as(x, dt)
        m = stop_gradient(fnp.max(x, axis=dims, keepdims=True)) if fnp.size(x) else 0.0
        m = lax.select(lax.is_finite(m), m, fnp.zeros_like(m)) if fnp.size(x) else m
        s = fnp.log(fnp.sum(fnp.exp(x - m), axis=dims, keepdims=True)) + m
        return s if keepdim else fnp.squeeze(s, dims)
    return apply_op("LogsumexpBackward0", fn, [input], saves_out=True, dtype=dt)


def p_norm(x, p, axis=None, keepdims=False):
    """The p-norm of funcgrad value x over axis, with PyTorch's derivative conventions: where
    the norm is 0 its (sub)gradient is 0 (not the nan of d sqrt(s) at s = 0), for every p."""
    a = fnp.abs(x)
    if p == np.inf:
        return fnp.max(a, axis=axis, keepdims=keepdims)
    if p == -np.inf:
        return fnp.min(a, axis=axis, keepdims=keepdims)
    if p == 0:
        return fnp.sum(lax.convert_element_type(lax.ne(a, 0), a.dtype), axis=axis,
                       keepdims=keepdims)
    if p == 1:
        return fnp.sum(a, axis=axis, keepdims=keepdims)
    s = fnp.sum(a * a if p == 2 else a ** p, axis=axis, keepdims=keepdims)
    if p == 2:
        return _safe_sqrt(s)
    pos = lax.gt(s, fnp.zeros_like(s))
    safe = lax.select(pos, s, fnp.ones_like(s))
    return lax.select(pos, safe ** (1.0 / p), fnp.zeros_like(s))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if not _is_float(input._dtype):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {D.type_name(input._dtype)}")
    if p == "fro" or p is None:
        p = 2
    dims = _dims(dim, input.ndim)
    if isinstance(p, str):
        if p != "nuc":
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if input.ndim < 2:
            raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                               "dimensions.")
        shown = dims if dims is not None else tuple(range(input.ndim))
        if len(shown) != 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                               f"{' '.join(str(d) for d in shown)}")
        return apply_op("LinalgMatrixNormBackward0", lambda x: fnp.linalg.norm(
            x, "nuc", axis=shown, keepdims=keepdim), [input])
    return apply_op("LinalgVectorNormBackward0", lambda x: p_norm(x, p, dims, keepdim), [input],
                    saves_out=True)


def dist(input, other, p=2):
    """The p-norm of input - other."""
    return apply_op("DistBackward0", lambda a, b: p_norm(a - b, p), [input, other])


# ---- extrema ---------------------------------------------------------------------------------

class _ReturnType(tuple):
    """torch.return_types.X: a named tuple (values, indices) that prints as PyTorch prints it."""
    _name = "max"
    _fields = ("values", "indices")

    def __new__(cls, *items):
        if len(items) == 1:  # return_types.max((values, indices))
            items = tuple(items[0])
        return super().__new__(cls, items)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{self._name}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _return_type(name, fields=("values", "indices")):
    cls = type(name, (_ReturnType,), {"_name": name, "_fields": fields,
                                      "__module__": "torch.return_types"})
    for i, f in enumerate(fields):
        setattr(cls, f, property(lambda self, i=i: self[i]))
    return cls


class return_types:
    max = _return_type("max")
    min = _return_type("min")
    sort = _return_type("sort")
    topk = _return_type("topk")
    mode = _return_type("mode")
    median = _return_type("median")
    kthvalue = _return_type("kthvalue")
    aminmax = _return_type("aminmax", ("min", "max"))


def _no_empty(input, name, dim=None):
    """PyTorch's errors for a reduction with no identity (max, argmax, amax, median, mode,
    kthvalue, ...) over nothing: over all of an empty tensor (RuntimeError; argmax and argmin
    raise IndexError), or along a size-0 dim (IndexError); dim: an int (wrapped) or a tuple."""
    shape = input._data.shape
    if dim is None or dim == ():
        if 0 in shape:
            if name in ("argmax", "argmin"):
                raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                                 "input.numel() == 0.")
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return
    for d in (dim if isinstance(dim, tuple) else (dim,)):
        if shape and shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _take_along(x, idx, d, keepdim):
    out = fnp.take_along_axis(x, fnp.expand_dims(idx, d), d)
    return out if keepdim else fnp.squeeze(out, d)


def _extremum(name, arg, rt):
    reduce_all = fnp.max if name == "max" else fnp.min
    pair = maximum if name == "max" else minimum

    def op(input, dim=None, keepdim=False, *, out=None):
        input = _t(input)
        if isinstance(dim, Tensor):
            return pair(input, dim)
        if dim is None:
            _no_empty(input, name)
            x = _eager(input)
            if x is not None:
                return _wrap(np.max(x) if name == "max" else np.min(x))
            return apply_op(f"{name.capitalize()}Backward1", reduce_all, [input], saves_out=True)
        d = wrap_dim(dim, input.ndim)
        _no_empty(input, name, d)
        if input.ndim == 0:
            return rt(input.clone(), _host_result(np.zeros((), np.int64), input))
        idx = _arg_indices(input, arg, d)
        at = value_of(idx)
        values = apply_op(f"{name.capitalize()}Backward0",
                          lambda x: _take_along(x, at, d, keepdim), [input])
        return rt(values, idx.unsqueeze(d) if keepdim else idx)
    op.__name__ = name
    return op


def _arg_indices(input, which, d):
    """The positions of the extrema along d (first occurrence; NaN counts as the extremum)."""
    x = concrete(input)
    if x.dtype == np.bool_:
        x = x.astype(np.int8)
    nan = np.isnan(x) if x.dtype.kind in "fc" else None
    if nan is not None and nan.any():
        return _host_result(np.asarray(np.argmax(nan, axis=d), np.int64), input)
    f = np.argmax if which == "max" else np.argmin
    return _host_result(np.asarray(f(x, axis=d), np.int64), input)


max = _extremum("max", "max", return_types.max)  # noqa: A001
min = _extremum("min", "min", return_types.min)  # noqa: A001


def amax(input, dim=(), keepdim=False):
    dims = _dims(dim, input.ndim)
    _no_empty(input, "amax", dims)
    return apply_op("AmaxBackward0", lambda x: fnp.max(x, axis=dims, keepdims=keepdim), [input],
                    saves_out=True)


def amin(input, dim=(), keepdim=False):
    dims = _dims(dim, input.ndim)
    _no_empty(input, "amin", dims)
    return apply_op("AminBackward0", lambda x: fnp.min(x, axis=dims, keepdims=keepdim), [input],
                    saves_out=True)


def aminmax(input, *, dim=None, keepdim=False):
    dims = None if dim is None else _dims(dim, input.ndim)
    if 0 in input._data.shape:
        if dims is None:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        if input.ndim and input.shape[dims[0]] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    return return_types.aminmax(*apply_op("AminmaxBackward0", lambda x: (
        fnp.min(x, axis=dims, keepdims=keepdim), fnp.max(x, axis=dims, keepdims=keepdim)),
        [input]))


def _argext(name):
    def op(input, dim=None, keepdim=False):
        input = _t(input)
        if dim is None:
            _no_empty(input, name)
            idx = _arg_indices(input.detach().reshape(-1), name[3:], 0)
            return idx.reshape((1,) * input.ndim) if keepdim else idx
        d = wrap_dim(dim, input.ndim)
        if input.ndim == 0:
            return _host_result(np.zeros((), np.int64), input)
        _no_empty(input, name, d)
        idx = _arg_indices(input, name[3:], d)
        return idx.unsqueeze(d) if keepdim else idx
    op.__name__ = name
    return op


argmax = _argext("argmax")
argmin = _argext("argmin")


def _bool_reduction(name, np_fn):
    def op(input, dim=None, keepdim=False):
        input = _t(input)
        dims = _dims(dim, input.ndim)
        out_dt = D.uint8 if input._dtype is D.uint8 else D.bool
        return apply_op("", lambda x: lax.convert_element_type(
            getattr(fnp, name)(x, axis=dims, keepdims=keepdim), out_dt.np), [input.detach()],
            saves=False, dtype=out_dt)
    op.__name__ = name
    return op


all = _bool_reduction("all", np.all)  # noqa: A001
any = _bool_reduction("any", np.any)  # noqa: A001


def count_nonzero(input, dim=None):
    dims = _dims(dim, input.ndim)
    xp = backend.xp_of(input._data)
    return Tensor._make(xp.asarray(xp.count_nonzero(input._data, axis=dims), np.int64))


# ---- scans -----------------------------------------------------------------------------------

def cumsum(input, dim, *, dtype=None):
    input = _t(input)
    dt = dtype or _sum_dtype(input._dtype)
    if input.ndim == 0:
        return apply_op("CumsumBackward0", lambda x: _as(x, dt) * 1, [input], saves=False,
                        dtype=dt)
    d = wrap_dim(dim, input.ndim)
    if dt is D.float16:  # accumulated in float32, as PyTorch's
        def half(x):
            r = lax.cumsum(lax.convert_element_type(x, np.float32), d)
            with np.errstate(over="ignore"):
                return lax.convert_element_type(r, np.float16)
        with np.errstate(over="ignore"):
            return apply_op("CumsumBackward0", half, [input], saves=False, dtype=dt)
    return apply_op("CumsumBackward0", lambda x: lax.cumsum(_as(x, dt), d), [input], saves=False,
                    dtype=dt)


def cumprod(input, dim, *, dtype=None):
    input = _t(input)
    dt = dtype or _sum_dtype(input._dtype)
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1

    def fn(x):
        x = _as(x, dt)
        if not fnp.ndim(x):
            return x * 1
        # running products as products of prefixes (a lower-triangular mask of ones)
        xs = fnp.moveaxis(x, d, -1)
        tri = np.tril(np.ones((n, n), bool))
        grid = fnp.where(tri, fnp.expand_dims(xs, -2), fnp.ones_like(fnp.expand_dims(xs, -2)))
        return fnp.moveaxis(fnp.prod(grid, axis=-1), -1, d)
    return apply_op("CumprodBackward0", fn, [input], saves_out=True, dtype=dt)

