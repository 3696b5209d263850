"""torch operations (functions; the Tensor methods of the same names call these). Each computes
with funcgrad operations under PyTorch's dtype rules and records PyTorch's grad_fn name."""
from __future__ import annotations

import builtins

import numpy as np

from .. import lax
from .. import numpy as fnp
from . import _dtypes as D
from ._dispatch import apply_op
from ._tensor import Tensor, _dim
from ._grad_mode import is_grad_enabled

_PY = (bool, int, float, complex)


def _t(x):
    """A Python number or nested list as a tensor (for torch functions given non-tensors)."""
    if isinstance(x, Tensor):
        return x
    from ._factories import tensor
    return tensor(x)


def _as(v, dtype):
    """A funcgrad value (or Python number) in torch dtype `dtype`."""
    if type(v) in _PY:
        return dtype.np.type(v)
    return lax.convert_element_type(v, dtype.np)


def _needs_grad(*xs):
    return is_grad_enabled() and builtins.any(isinstance(x, Tensor) and x._requires_grad
                                              for x in xs)


def _fast(*xs):
    return builtins.all(type(x._data) is np.ndarray for x in xs if isinstance(x, Tensor))


# ---- elementwise ------------------------------------------------------------------------------

def _binary(name, ufunc, fg_fn, *, true_divide=False, out_bool=False):
    def op(a, b):
        dt = D.result_type(a, b)
        if true_divide and not (dt.is_floating_point or dt.is_complex):
            dt = D.get_default_dtype()
        out_dt = D.bool if out_bool else dt
        if not _needs_grad(a, b) and _fast(a, b):
            # Eager fast path: the primitive's ufunc on the storage, in torch's result dtype.
            x = a._data if isinstance(a, Tensor) else a
            y = b._data if isinstance(b, Tensor) else b
            if isinstance(a, Tensor) and a._dtype is not dt:
                x = x.astype(dt.np)
            if isinstance(b, Tensor) and b._dtype is not dt:
                y = y.astype(dt.np)
            if type(x) in _PY:
                x = dt.np.type(x)
            if type(y) in _PY:
                y = dt.np.type(y)
            r = ufunc(x, y)
            return Tensor._make(r if type(r) is np.ndarray else np.asarray(r))
        return apply_op(name, lambda x, y: fg_fn(_as(x, dt), _as(y, dt)), [a, b], dtype=out_dt)
    op.__name__ = name
    return op


add_ = _binary("AddBackward0", np.add, lax.add)
sub_ = _binary("SubBackward0", np.subtract, lax.sub)
mul = _binary("MulBackward0", np.multiply, lax.mul)
true_divide = div_ = _binary("DivBackward0", np.true_divide, lax.div, true_divide=True)
floor_divide = _binary("FloorDivideBackward0", np.floor_divide, lax.floor_divide)
remainder = _binary("RemainderBackward0", np.remainder, lax.rem)
maximum = _binary("MaximumBackward0", np.maximum, lax.maximum)
minimum = _binary("MinimumBackward0", np.minimum, lax.minimum)
atan2 = _binary("Atan2Backward0", np.arctan2, lax.atan2)
eq = _binary("EqBackward0", np.equal, lax.eq, out_bool=True)
ne = _binary("NeBackward0", np.not_equal, lax.ne, out_bool=True)
lt = _binary("LtBackward0", np.less, lax.lt, out_bool=True)
le = _binary("LeBackward0", np.less_equal, lax.le, out_bool=True)
gt = _binary("GtBackward0", np.greater, lax.gt, out_bool=True)
ge = _binary("GeBackward0", np.greater_equal, lax.ge, out_bool=True)
bitwise_and = _binary("BitwiseAndBackward0", np.bitwise_and, lax.bitwise_and)
bitwise_or = _binary("BitwiseOrBackward0", np.bitwise_or, lax.bitwise_or)
bitwise_xor = _binary("BitwiseXorBackward0", np.bitwise_xor, lax.bitwise_xor)
logical_and = lambda a, b: bitwise_and(_t(a).bool(), _t(b).bool())  # noqa: E731
logical_or = lambda a, b: bitwise_or(_t(a).bool(), _t(b).bool())  # noqa: E731


def add(input, other, *, alpha=1):
    return add_(input, other if alpha == 1 else mul(other, alpha))


def sub(input, other, *, alpha=1):
    return sub_(input, other if alpha == 1 else mul(other, alpha))


subtract, multiply, divide = sub, mul, true_divide


def div(input, other, *, rounding_mode=None):
    if rounding_mode is None:
        return div_(input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    q = div_(input, other)
    return q.trunc() if q.dtype.is_floating_point else q


def rsub(input, other, alpha=1):
    return apply_op("RsubBackward1", lambda x: _as(other, D.result_type(input, other))
                    - alpha * x, [input])


def _pow_name(a, b):
    return ("PowBackward0" if not isinstance(b, Tensor) else
            "PowBackward2" if not isinstance(a, Tensor) else "PowBackward1")


def pow(input, exponent):
    dt = D.result_type(input, exponent)

    def fn(x, y):
        if type(y) is int:
            return lax.integer_pow(_as(x, dt), y)
        return lax.pow(_as(x, dt), _as(y, dt))
    return apply_op(_pow_name(input, exponent), fn, [input, exponent], dtype=dt)


def _unary(name, fg_fn, *, float_only=True):
    def op(input):
        input = _t(input)
        dt = input.dtype
        if float_only and not (dt.is_floating_point or dt.is_complex):
            dt = D.get_default_dtype()
        return apply_op(name, lambda x: fg_fn(_as(x, dt)), [input], dtype=dt)
    op.__name__ = name
    return op


exp = _unary("ExpBackward0", lax.exp)
log = _unary("LogBackward0", lax.log)
log1p = _unary("Log1PBackward0", lax.log1p)
expm1 = _unary("Expm1Backward0", lax.expm1)
sqrt = _unary("SqrtBackward0", lax.sqrt)
rsqrt = _unary("RsqrtBackward0", lax.rsqrt)
sin = _unary("SinBackward0", lax.sin)
cos = _unary("CosBackward0", lax.cos)
tan = _unary("TanBackward0", lax.tan)
tanh = _unary("TanhBackward0", lax.tanh)
sigmoid = _unary("SigmoidBackward0", lax.logistic)
asin = arcsin = _unary("AsinBackward0", lax.asin)
acos = arccos = _unary("AcosBackward0", lax.acos)
atan = arctan = _unary("AtanBackward0", lax.atan)
sinh = _unary("SinhBackward0", lax.sinh)
cosh = _unary("CoshBackward0", lax.cosh)
abs = absolute = _unary("AbsBackward0", lax.abs, float_only=False)
neg = negative = _unary("NegBackward0", lax.neg, float_only=False)
sign = _unary("SignBackward0", lax.sign, float_only=False)
floor = _unary("FloorBackward0", lax.floor, float_only=False)
ceil = _unary("CeilBackward0", lax.ceil, float_only=False)
round = _unary("RoundBackward0", lax.round, float_only=False)
trunc = _unary("TruncBackward0", lambda x: lax.sign(x) * lax.floor(lax.abs(x)), float_only=False)
square = lambda input: pow(input, 2)  # noqa: E731
reciprocal = _unary("ReciprocalBackward0", lambda x: 1 / x)


def relu(input):
    input = _t(input)
    return apply_op("ReluBackward0", lambda x: lax.maximum(x, _as(0, input.dtype)), [input])


def logical_not(input):
    return apply_op("LogicalNotBackward0", lambda x: lax.eq(x, 0), [_t(input)], dtype=D.bool)


def bitwise_not(input):
    return apply_op("BitwiseNotBackward0", lambda x: lax.bitwise_not(x), [_t(input)])


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    name = ("ClampBackward1" if min is not None and max is not None else
            "ClampMinBackward0" if min is not None else "ClampMaxBackward0")
    dt = D.result_type(input, *[b for b in (min, max) if b is not None])

    def fn(x, lo, hi):
        x = _as(x, dt)
        if lo is not None:
            x = lax.maximum(x, _as(lo, dt))
        if hi is not None:
            x = lax.minimum(x, _as(hi, dt))
        return x
    return apply_op(name, fn, [input, min, max], dtype=dt)


clip = clamp


def where(condition, input=None, other=None):
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    dt = D.result_type(input, other)
    return apply_op("WhereBackward0", lambda c, x, y: lax.select(lax.ne(c, False), _as(x, dt),
                                                                 _as(y, dt)),
                    [_t(condition), input, other], dtype=dt)


def masked_fill(input, mask, value):
    dt = input.dtype
    return apply_op("MaskedFillBackward0", lambda x, m, v: lax.select(m, x, _as(v, dt)),
                    [input, mask, value], dtype=dt)


# ---- reductions -------------------------------------------------------------------------------

def _dims(dim, ndim):
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return tuple(_dim(d, ndim) for d in dims)


def _sum_dtype(dt):
    return D.int64 if (dt is D.bool or not (dt.is_floating_point or dt.is_complex)) else dt


def sum(input, dim=None, keepdim=False, *, dtype=None):
    dt = dtype or _sum_dtype(input.dtype)
    dims = _dims(dim, input.ndim)
    return apply_op("SumBackward0" if dim is None else "SumBackward1",
                    lambda x: fnp.sum(_as(x, dt), axis=dims, keepdims=keepdim), [input],
                    saves=False, dtype=dt)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    dt = dtype or input.dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_tname(input.dtype)}")
    dims = _dims(dim, input.ndim)
    return apply_op("MeanBackward0" if dim is None else "MeanBackward1",
                    lambda x: fnp.mean(_as(x, dt), axis=dims, keepdims=keepdim), [input],
                    saves=False, dtype=dt)


def _tname(d):
    from ._tensor import _type_name
    return _type_name(d)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    dt = dtype or _sum_dtype(input.dtype)
    dims = _dims(dim, input.ndim)
    return apply_op("ProdBackward0" if dim is None else "ProdBackward1",
                    lambda x: fnp.prod(_as(x, dt), axis=dims, keepdims=keepdim), [input], dtype=dt)


def var(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    ddof = (1 if unbiased else 0) if correction is None else correction
    dims = _dims(dim, input.ndim)
    return apply_op("VarBackward0", lambda x: fnp.var(x, axis=dims, ddof=ddof, keepdims=keepdim),
                    [input])


def std(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    ddof = (1 if unbiased else 0) if correction is None else correction
    dims = _dims(dim, input.ndim)
    return apply_op("StdBackward0", lambda x: fnp.std(x, axis=dims, ddof=ddof, keepdims=keepdim),
                    [input])


class _ReturnType(tuple):
    """torch.return_types.X: a named pair that prints as PyTorch prints it."""
    _fields = ("values", "indices")
    _name = "max"

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return f"torch.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


def _return_type(name):
    return type(name, (_ReturnType,), {"_name": name})


class return_types:
    max = _return_type("max")
    min = _return_type("min")
    sort = _return_type("sort")
    topk = _return_type("topk")
    mode = _return_type("mode")
    median = _return_type("median")


def _extremum(name, reducer, arg, rt):
    def op(input, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return (maximum if name == "max" else minimum)(input, dim)
        if dim is None:
            return apply_op(f"{name.capitalize()}Backward1", lambda x: reducer(x), [input])
        d = _dim(dim, input.ndim)
        values = apply_op(f"{name.capitalize()}Backward0",
                          lambda x: _take_along(x, arg(x, d), d, keepdim), [input])
        indices = _arg_tensor(input, arg, d, keepdim)
        return rt(values, indices)
    return op


def _take_along(x, idx, d, keepdim):
    out = fnp.take_along_axis(x, fnp.expand_dims(idx, d), d) if hasattr(fnp, "take_along_axis") \
        else _gather_along(x, fnp.expand_dims(idx, d), d)
    return out if keepdim else fnp.squeeze(out, d)


def _gather_along(x, idx, d):
    """x[..., idx, ...] along axis d with idx of x's rank (numpy's take_along_axis)."""
    shape = x.shape
    grids = np.ix_(*[np.arange(n) for n in idx.shape])
    index = tuple(idx if k == d else grids[k] for k in range(len(shape)))
    return x[index]


def _arg_tensor(input, arg, d, keepdim):
    with_grad_off = apply_op("", lambda x: arg(x, d), [input.detach()], dtype=D.int64)
    return with_grad_off.unsqueeze(d) if keepdim else with_grad_off


def _argmax_axis(x, d):
    return lax.argmax(x, d)


def _argmin_axis(x, d):
    return lax.argmin(x, d)


max = _extremum("max", lambda x: fnp.max(x), _argmax_axis, return_types.max)
min = _extremum("min", lambda x: fnp.min(x), _argmin_axis, return_types.min)
amax = lambda input, dim=(), keepdim=False: apply_op(  # noqa: E731
    "AmaxBackward0", lambda x: fnp.max(x, axis=_dims(dim, input.ndim) or None, keepdims=keepdim),
    [input])
amin = lambda input, dim=(), keepdim=False: apply_op(  # noqa: E731
    "AminBackward0", lambda x: fnp.min(x, axis=_dims(dim, input.ndim) or None, keepdims=keepdim),
    [input])


def argmax(input, dim=None, keepdim=False):
    input = _t(input)
    if dim is None:
        return apply_op("", lambda x: fnp.argmax(x), [input.detach()], dtype=D.int64)
    return _arg_tensor(input, _argmax_axis, _dim(dim, input.ndim), keepdim)


def argmin(input, dim=None, keepdim=False):
    input = _t(input)
    if dim is None:
        return apply_op("", lambda x: fnp.argmin(x), [input.detach()], dtype=D.int64)
    return _arg_tensor(input, _argmin_axis, _dim(dim, input.ndim), keepdim)


def all(input, dim=None, keepdim=False):
    return apply_op("", lambda x: fnp.all(x, axis=_dims(dim, input.ndim), keepdims=keepdim),
                    [input.detach()], dtype=D.bool)


def any(input, dim=None, keepdim=False):
    return apply_op("", lambda x: fnp.any(x, axis=_dims(dim, input.ndim), keepdims=keepdim),
                    [input.detach()], dtype=D.bool)


def logsumexp(input, dim, keepdim=False):
    dims = _dims(dim, input.ndim)

    def fn(x):
        from .._api import stop_gradient
        m = stop_gradient(fnp.max(x, axis=dims, keepdims=True))
        s = fnp.log(fnp.sum(fnp.exp(x - m), axis=dims, keepdims=True)) + m
        return s if keepdim else fnp.squeeze(s, dims)
    return apply_op("LogsumexpBackward0", fn, [input])


# ---- products ----------------------------------------------------------------------------------

def _same_float(a, b, name):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{a.dtype.name if False else _dtname(a.dtype)} != {_dtname(b.dtype)}")


def _dtname(d):
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "float16": "c10::Half", "bool": "bool", "uint8": "unsigned char"}.get(d.name, d.name)


def mm(input, mat2):
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x"
                           f"{input.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    _same_float(input, mat2, "mm")
    return apply_op("MmBackward0", lambda x, y: fnp.matmul(x, y), [input, mat2])


def mv(input, vec):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    return apply_op("MvBackward0", lambda x, y: fnp.matmul(x, y), [input, vec])


def dot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError("inconsistent tensor size, expected tensor [{}] and src [{}] to have "
                           "the same number of elements, but got {} and {} elements "
                           "respectively".format(input.shape[0], other.shape[0], input.shape[0],
                                                 other.shape[0]))
    return apply_op("DotBackward0", lambda x, y: fnp.dot(x, y), [input, other])


vdot = dot


def bmm(input, mat2):
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor")
    return apply_op("BmmBackward0", lambda x, y: fnp.matmul(x, y), [input, mat2])


def matmul(input, other):
    a, b = input.ndim, other.ndim
    if a == 0 or b == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a}D and {b}D")
    name = ("DotBackward0" if a == b == 1 else "MvBackward0" if a == 2 and b == 1 else
            "MmBackward0" if a == 2 and b == 2 else "SqueezeBackward4" if a == 1 and b == 2 else
            "UnsafeViewBackward0" if b == 1 or a > 2 and b == 2 else "BmmBackward0"
            if a == b == 3 else "UnsafeViewBackward0")
    inner_a = input.shape[-1]
    inner_b = other.shape[0] if b == 1 else other.shape[-2]
    if inner_a != inner_b:
        sa = "x".join(str(d) for d in (input.shape if a == 2 else (-1, inner_a)))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_mat_str(input)} and "
                           f"{_mat_str(other)})")
    return apply_op(name, lambda x, y: fnp.matmul(x, y), [input, other])


def _mat_str(t):
    s = t.shape
    if len(s) == 1:
        return f"1x{s[0]}"
    rows = 1
    for d in s[:-1]:
        rows *= d
    return f"{rows}x{s[-1]}"


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    def fn(c, x, y):
        p = fnp.matmul(x, y)
        p = p if alpha == 1 else p * alpha
        return p + (c if beta == 1 else c * beta)
    return apply_op("AddmmBackward0", fn, [input, mat1, mat2])


def outer(input, vec2):
    return apply_op("OuterBackward0", lambda x, y: fnp.outer(x, y), [input, vec2])


ger = outer


def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return apply_op("EinsumBackward0", lambda *xs: fnp.einsum(equation, *xs), list(operands))


# ---- creation-like helpers used by Tensor ----------------------------------------------------

def full_like_tracked(t, value):
    return apply_op("FillBackward0", lambda x: fnp.full_like(x, value), [t], saves=False)


def nonzero(input, *, as_tuple=False):
    idx = np.nonzero(input._data)
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in idx)
    return Tensor._make(np.stack(idx, axis=1).astype(np.int64) if idx else
                        np.zeros((0, 0), np.int64))


def equal(input, other):
    return tuple(input.shape) == tuple(other.shape) and bool(
        np.array_equal(input._data, other._data))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    from ._tensor import Tensor as _T
    return _T._make(np.isclose(input._data, other._data, rtol=rtol, atol=atol,
                               equal_nan=equal_nan))
