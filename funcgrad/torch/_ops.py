"""Pointwise torch operations (functions; the Tensor methods of the same names call these). Each
computes with funcgrad's elementwise primitives under PyTorch's dtype rules and records PyTorch's
grad_fn name. Reductions are in _reductions.py, products in _products.py."""
from __future__ import annotations


import warnings

import numpy as np

from .. import lax
from .._core import backend
from .._core.trace import eval_values
from ..lax import elementwise as _elementwise
from .. import nn as fg_nn
from .. import numpy as fnp
from ..numpy._ufuncs import divisor_signed
from ..scipy.special import erf as _special_erf, gammaln
from .._api import stop_gradient
from .._custom import custom_vjp
from . import _dtypes as D
from ._dispatch import (apply_op, broadcast_shapes_checked, needs_record, quiet,
                        record_primitive, size_mismatch, tensors_device, value_of)
from ._factories import _t
from ._grad_mode import is_grad_enabled
from ._indexing import nonzero
from ._out import write_out
from ._storage import wrap_dim
from ._tensor import Tensor, _as, _host_result, _scalar, concrete

_PY = (bool, int, float, complex)
_result_type2 = D.result_type2
_ndarray = np.ndarray
_new = object.__new__
_FROM_NP = D._FROM_NP


def _wrap(r):
    """A numpy result (an array, or the scalar numpy gives for 0-d inputs) as a new tensor."""
    if type(r) is not _ndarray:
        r = np.asarray(r)
    t = _new(Tensor)
    t._data = r
    t._dtype = _FROM_NP[r.dtype]
    t._vc = [0]
    t._requires_grad = False
    t._grad_fn = t._grad = None
    return t


def _eager(x):
    """x's numpy value for an eager fast path, or None when x is a tensor that cannot take one
    (it requires grad under grad mode, or holds a traced value)."""
    if isinstance(x, Tensor):
        if x._requires_grad and is_grad_enabled():
            return None
        d = x._data
        return d if type(d) is _ndarray else None
    return x


def _storage(x):
    """x's numpy value (a Python number as is), or None when x holds a traced value."""
    if isinstance(x, Tensor):
        d = x._data
        return d if type(d) is _ndarray else None
    return x


# ---- binary arithmetic ------------------------------------------------------------------------

def _binary(name, fg_fn, *, true_divide=False, saves="cross", out_dtype=None, scalar_edges=True,
            int_kernel=None):
    """A binary pointwise operation in PyTorch's result dtype: the primitive evaluated on the
    storage by funcgrad's eager routine, cast as PyTorch casts; recorded as that primitive with
    its answer when an input requires grad (see _dispatch.record_primitive). int_kernel: the
    operation is for integers and booleans only, PyTorch's kernel of that name says so."""
    prim = fg_fn.primitive

    def op(input, other):
        dt = _result_type2(input, other)
        if int_kernel is not None and (dt.is_floating_point or dt.is_complex):
            raise D.kernel_error(int_kernel, dt)
        if true_divide and not (dt.is_floating_point or dt.is_complex):
            dt = D.get_default_dtype()
        x, y = _storage(input), _storage(other)
        if x is not None and y is not None:
            cast = False
            if x.__class__ is _ndarray:
                if input._dtype is not dt:
                    x, cast = x.astype(dt.np), True
            else:
                x = _scalar(x, dt)
            if y.__class__ is _ndarray:
                if other._dtype is not dt:
                    y, cast = y.astype(dt.np), True
            else:
                y = _scalar(y, dt)
            r = _broadcast_checked(prim, x, y)
            if not needs_record((input, other)):
                return _wrap(r)
            if not cast:
                return record_primitive(name, prim, _NO_PARAMS,
                                        [input if x.__class__ is _ndarray else x,
                                         other if y.__class__ is _ndarray else y],
                                        r if r.__class__ is _ndarray else np.asarray(r),
                                        saves=saves, scalar_edges=scalar_edges)
        try:
            return apply_op(name, _cast_args(fg_fn, dt, input, other), [input, other],
                            saves=saves, dtype=out_dtype or dt, scalar_edges=scalar_edges)
        except ValueError:
            raise RuntimeError(size_mismatch(_shape(input), _shape(other))) from None
    op.__name__ = name
    return op


_NO_PARAMS: dict = {}
_INTEGER_POW = _elementwise.integer_pow_p
_SELECT = _elementwise.select_p


def _shape(x):
    return x._data.shape if isinstance(x, Tensor) else ()


def _cast_args(fg_fn, dt, a, b):
    """fg_fn on funcgrad values, each first cast to dt when its tensor (or number) is not."""
    ca = not (isinstance(a, Tensor) and a._dtype is dt)
    cb = not (isinstance(b, Tensor) and b._dtype is dt)
    if not ca and not cb:
        return fg_fn
    if not cb:
        return lambda x, y: fg_fn(_as(x, dt), y)
    if not ca:
        return lambda x, y: fg_fn(x, _as(y, dt))
    return lambda x, y: fg_fn(_as(x, dt), _as(y, dt))


def _broadcast_checked(prim, x, y):
    """prim on storage values x and y, with PyTorch's error for shapes that do not broadcast."""
    try:
        try:
            return eval_values(prim, (x, y), _NO_PARAMS)
        except RuntimeWarning:  # numpy's, raised as an error (see _dispatch.quiet)
            return quiet(eval_values, prim, (x, y), _NO_PARAMS)
    except ValueError:
        sx, sy = np.shape(x), np.shape(y)
        raise RuntimeError(size_mismatch(sx, sy)) from None


def _compare(name, fg_fn):
    prim = fg_fn.primitive

    def op(input, other):
        dt = D.result_type2(input, other)
        x, y = _eager(input), _eager(other)
        if x is None or y is None:
            x, y = _storage(input), _storage(other)  # comparisons record nothing
        if x is not None and y is not None:
            if x.__class__ is _ndarray and input._dtype is not dt:
                x = x.astype(dt.np)
            elif type(x) in _PY:
                x = _scalar(x, dt)
            if y.__class__ is _ndarray and other._dtype is not dt:
                y = y.astype(dt.np)
            elif type(y) in _PY:
                y = _scalar(y, dt)
            return _wrap(_broadcast_checked(prim, x, y))
        return apply_op(name, lambda a, b: fg_fn(_as(a, dt), _as(b, dt)), [input, other],
                        saves=False, dtype=D.bool)
    op.__name__ = name
    return op


add_ = _binary("AddBackward0", lax.add, saves=False)
sub_ = _binary("SubBackward0", lax.sub, saves=False)
mul = _binary("MulBackward0", lax.mul)
true_divide = div_ = _binary("DivBackward0", lax.div, true_divide=True)
maximum = _binary("MaximumBackward0", lax.maximum, saves=True, scalar_edges=False)
minimum = _binary("MinimumBackward0", lax.minimum, saves=True, scalar_edges=False)
fmax, fmin = maximum, minimum
eq = _compare("EqBackward0", lax.eq)
ne = not_equal = _compare("NeBackward0", lax.ne)
lt = less = _compare("LtBackward0", lax.lt)
le = less_equal = _compare("LeBackward0", lax.le)
gt = greater = _compare("GtBackward0", lax.gt)
ge = greater_equal = _compare("GeBackward0", lax.ge)
bitwise_and = _binary("BitwiseAndBackward0", lax.bitwise_and, saves=False,
                      int_kernel="bitwise_and_cpu")
bitwise_or = _binary("BitwiseOrBackward0", lax.bitwise_or, saves=False,
                     int_kernel="bitwise_or_cpu")
bitwise_xor = _binary("BitwiseXorBackward0", lax.bitwise_xor, saves=False,
                      int_kernel="bitwise_xor_cpu")


_floor_divide = _binary("NotImplemented", lax.floor_divide, saves=False, scalar_edges=False)


def _check_int_division(input, other):
    """PyTorch raises for an integer division by zero (numpy would give 0 and a warning)."""
    dt = D.result_type2(input, other)
    if dt.is_floating_point or dt.is_complex:
        return
    y = other._data if isinstance(other, Tensor) else other
    if type(y) is not _ndarray and not isinstance(y, _PY):
        return  # a traced divisor: nothing to check now
    if not np.all(np.asarray(y) != 0):
        raise RuntimeError("ZeroDivisionError")


def floor_divide(input, other):
    _check_int_division(input, other)
    return _floor_divide(input, other)


def _remainder_value(x, y):
    # PyTorch's: fmod moved to the divisor's sign, a zero keeping fmod's sign (numpy gives it
    # the divisor's); an integer divisor of 0 is refused before (_check_int_division)
    return divisor_signed(lax.rem(x, y), y) if x.dtype.kind in "fc" else fnp.remainder(x, y)


def remainder(input, other):
    """Python's modulo (the sign of the divisor), as torch.remainder."""
    _check_int_division(input, other)
    dt = D.result_type2(input, other)
    name = "RemainderBackward1" if isinstance(other, Tensor) else "RemainderBackward0"
    return apply_op(name, lambda a, b: _remainder_value(_as(a, dt), _as(b, dt)),
                    [input, other], saves=isinstance(other, Tensor), dtype=dt)


def fmod(input, other):
    """C's fmod (the sign of the dividend)."""
    _check_int_division(input, other)
    dt = D.result_type2(input, other)
    name = "FmodBackward1" if isinstance(other, Tensor) else "FmodBackward0"

    return apply_op(name, lambda a, b: fnp.fmod(_as(a, dt), _as(b, dt)), [input, other],
                    saves=isinstance(other, Tensor), dtype=dt)


def logical_and(input, other):
    return bitwise_and(_t(input).bool(), _t(other).bool())


def logical_or(input, other):
    return bitwise_or(_t(input).bool(), _t(other).bool())


def logical_xor(input, other):
    return bitwise_xor(_t(input).bool(), _t(other).bool())


def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = mul(other, alpha)
    return _out(add_(input, other), out)


def sub(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = mul(other, alpha)
    return _out(sub_(input, other), out)


def multiply(input, other, *, out=None):
    return _out(mul(input, other), out)


subtract = sub


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        return _out(div_(input, other), out)
    dt = D.result_type2(input, other)
    _check_int_division(input, other)
    if rounding_mode not in ("floor", "trunc"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")

    def fn(a, b):
        a, b = _as(a, dt), _as(b, dt)
        if not dt.is_floating_point:
            q = lax.floor_divide(a, b)
            if rounding_mode == "trunc":
                q = q + lax.convert_element_type(
                    lax.bitwise_and(lax.ne(lax.rem(a, b), 0), lax.lt(a * b, 0)), dt.np)
            return q
        q = a / b
        return lax.floor(q) if rounding_mode == "floor" else lax.sign(q) * lax.floor(lax.abs(q))
    return _out(apply_op("DivBackward2" if isinstance(other, Tensor) else "DivBackward3", fn,
                         [input, other], saves=False, dtype=dt, scalar_edges=True), out)


divide = div


def _out(result, out):
    """An out= argument given to these functions directly (torch.add and the others take it
    through _out.with_out, which never passes it on): written by the one out= layer."""
    return result if out is None else write_out("out", result, out)


def rsub(input, other, alpha=1):
    """other - alpha * input."""
    dt = D.result_type2(input, other)
    return apply_op("RsubBackward1" if not isinstance(other, Tensor) else "RsubBackward0",
                    lambda x, y: _as(y, dt) - _as(x, dt) * alpha if alpha != 1 else
                    _as(y, dt) - _as(x, dt), [input, other], saves=False, dtype=dt)


def _rtruediv(input, other):
    """other / input for a Python number other: PyTorch computes reciprocal(input) * other."""
    return mul(reciprocal(input), other)


def pow(input, exponent, *, out=None):
    dt = D.result_type2(input, exponent)
    if not isinstance(input, Tensor):
        name, saves = "PowBackward2", (1,)
    elif isinstance(exponent, Tensor):
        name, saves = "PowBackward1", True
    else:
        name, saves = "PowBackward0", (0,)
        if type(exponent) is int and exponent < 0 and not (dt.is_floating_point or
                                                           dt.is_complex):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor) and out is None:
        x = _storage(input)
        if x is not None and type(exponent) in (int, float) and input._dtype is dt:
            if type(exponent) is int:
                prim, params = _INTEGER_POW, {"y": exponent}
                try:
                    r = eval_values(prim, (x,), params)
                except RuntimeWarning:  # see _dispatch.quiet
                    r = quiet(eval_values, prim, (x,), params)
                args = [input]
            else:
                prim, params = lax.pow.primitive, _NO_PARAMS
                e = _scalar(exponent, dt)
                try:
                    r = eval_values(prim, (x, e), params)
                except RuntimeWarning:  # see _dispatch.quiet
                    r = quiet(eval_values, prim, (x, e), params)
                args = [input, e]
            if not needs_record((input,)):
                return _wrap(r)
            return record_primitive("PowBackward0", prim, params, args, np.asarray(r),
                                    saves=(0,))

    def fn(x, y):
        if type(y) is int and type(x) is not int:
            return lax.integer_pow(_as(x, dt), y)
        if type(y) in _PY and y == 0.5:
            return lax.sqrt(_as(x, dt))
        return lax.pow(_as(x, dt), _as(y, dt))
    return _out(apply_op(name, fn, [input, exponent], saves=saves, saves_out=name != "PowBackward0",
                         dtype=dt), out)


def float_power(input, exponent):
    x = input.double() if isinstance(input, Tensor) else input
    e = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(x, e)


# ---- unary ------------------------------------------------------------------------------------

def _unary(name, fg_fn, *, float_only=True, saves=True, saves_out=False, bool_error=None):
    """A unary pointwise operation; integer inputs of float_only operations give the default
    float dtype, as in PyTorch. Where fg_fn is one primitive it is evaluated on the storage
    (recorded with its answer when the input requires grad). bool_error: PyTorch's message
    refusing a boolean input."""
    prim = getattr(fg_fn, "primitive", None)

    def op(input, *, out=None):
        if not isinstance(input, Tensor):
            input = _t(input)
        dt = input._dtype
        if float_only and not (dt.is_floating_point or dt.is_complex):
            dt = D.get_default_dtype()
        elif bool_error is not None and dt is D.bool:
            raise RuntimeError(bool_error)
        if prim is not None and out is None:
            x = _storage(input)
            if x is not None:
                if dt is not input._dtype:
                    if not needs_record((input,)):
                        try:
                            return _wrap(eval_values(prim, (x.astype(dt.np),), _NO_PARAMS))
                        except RuntimeWarning:  # see _dispatch.quiet
                            return _wrap(quiet(eval_values, prim, (x.astype(dt.np),),
                                               _NO_PARAMS))
                else:
                    try:
                        r = eval_values(prim, (x,), _NO_PARAMS)
                    except RuntimeWarning:  # see _dispatch.quiet
                        r = quiet(eval_values, prim, (x,), _NO_PARAMS)
                    if not needs_record((input,)):
                        return _wrap(r)
                    return record_primitive(name, prim, _NO_PARAMS, [input],
                                            r if r.__class__ is _ndarray else np.asarray(r),
                                            saves=saves, saves_out=saves_out)
        return _out(apply_op(name, lambda x: fg_fn(_as(x, dt)), [input], saves=saves,
                             saves_out=saves_out, dtype=dt), out)
    op.__name__ = name
    return op


def _exp2(x):
    return lax.pow(np.asarray(2, x.dtype), x)


def _log_base(base):
    def f(x):
        return lax.log(x) / np.asarray(np.log(base), x.dtype)
    return f


def _trunc(x):
    return lax.sign(x) * lax.floor(lax.abs(x))


def _frac(x):
    return x - _trunc(x)


exp = _unary("ExpBackward0", lax.exp, saves=False, saves_out=True)
exp2 = _unary("Exp2Backward0", _exp2, saves=False, saves_out=True)
log = _unary("LogBackward0", lax.log)
log2 = _unary("Log2Backward0", _log_base(2))
log10 = _unary("Log10Backward0", _log_base(10))
log1p = _unary("Log1PBackward0", lax.log1p)
expm1 = _unary("Expm1Backward0", lax.expm1, saves=False, saves_out=True)
sqrt = _unary("SqrtBackward0", lax.sqrt, saves=False, saves_out=True)
rsqrt = _unary("RsqrtBackward0", lax.rsqrt, saves=False, saves_out=True)
sin = _unary("SinBackward0", lax.sin)
cos = _unary("CosBackward0", lax.cos)
tan = _unary("TanBackward0", lax.tan, saves=False, saves_out=True)
tanh = _unary("TanhBackward0", lax.tanh, saves=False, saves_out=True)
sigmoid = _unary("SigmoidBackward0", lax.logistic, saves=False, saves_out=True)
asin = arcsin = _unary("AsinBackward0", lax.asin)
acos = arccos = _unary("AcosBackward0", lax.acos)
atan = arctan = _unary("AtanBackward0", lax.atan)
sinh = _unary("SinhBackward0", lax.sinh)
cosh = _unary("CoshBackward0", lax.cosh)
asinh = arcsinh = _unary("AsinhBackward0", lax.asinh)
acosh = arccosh = _unary("AcoshBackward0", lax.acosh)
atanh = arctanh = _unary("AtanhBackward0", lax.atanh)
erf = _unary("ErfBackward0", _special_erf)
abs = absolute = _unary("AbsBackward0", lax.abs, float_only=False)
neg = negative = _unary("NegBackward0", lax.neg, float_only=False, saves=False, bool_error=(
    "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert "
    "a mask, use the `~` or `logical_not()` operator instead."))
sign = _unary("SignBackward0", lax.sign, float_only=False, saves=False)
sgn = sign
floor = _unary("FloorBackward0", lax.floor, float_only=False, saves=False)
ceil = _unary("CeilBackward0", lax.ceil, float_only=False, saves=False)
trunc = fix = _unary("TruncBackward0", _trunc, float_only=False, saves=False)
frac = _unary("FracBackward0", _frac, float_only=False, saves=False)
reciprocal = _unary("ReciprocalBackward0", lambda x: 1 / x, saves=False, saves_out=True)


def _round_even(x):  # PyTorch's rounding: halves to even (lax.round's default is away from 0)
    return lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)


_round = _unary("RoundBackward0", _round_even, float_only=False, saves=False)


def round(input, *, decimals=0):  # noqa: A001 (torch.round)
    dt = input._dtype
    if not (dt.is_floating_point or dt.is_complex):  # integers are whole already
        return input.clone()
    if not decimals:
        return _round(input)
    scale = 10.0 ** decimals
    return apply_op("RoundBackward1", lambda x: _round_even(x * scale) / scale, [input],
                    saves=False)


def square(input):
    return pow(input, 2)


def relu(input):
    input = _t(input)
    x = _storage(input)
    if x is not None:
        zero = x.dtype.type(0)
        # PyTorch's value (-0 and NaN kept) by the select primitive's own kernel, a bitwise
        # and with the mask for large arrays: np.maximum, which branches on each element's
        # NaN test, runs several times slower on the random signs of activations
        r = _SELECT.impl(x < zero, zero, x)
        if not needs_record((input,)):
            return _wrap(r)
        # its gradient as fg.nn.relu's, select(x <= 0, 0, g): zero at 0
        return record_primitive("ReluBackward0", _SELECT, _NO_PARAMS, [x <= zero, zero, input],
                                r, saves=False, saves_out=True)
    return apply_op("ReluBackward0", fg_nn.relu, [input], saves=False, saves_out=True)


def logical_not(input):
    return apply_op("LogicalNotBackward0", lambda x: lax.eq(x, False if x.dtype == np.bool_
                                                            else 0), [_t(input)], dtype=D.bool,
                    saves=False)


def bitwise_not(input):
    input = _t(input)
    if input._dtype.is_floating_point or input._dtype.is_complex:
        raise D.kernel_error("bitwise_not_cpu", input._dtype)
    return apply_op("BitwiseNotBackward0", lax.bitwise_not, [_t(input)], saves=False)


def isnan(input):
    return ne(input, input)


def isinf(input):
    return apply_op("", lambda x: lax.eq(lax.abs(x), np.inf) if x.dtype.kind in "fc" else
                    lax.ne(x, x), [input.detach()], dtype=D.bool, saves=False)


def isfinite(input):
    return apply_op("", lambda x: lax.is_finite(x) if x.dtype.kind in "fc" else lax.eq(x, x),
                    [input.detach()], dtype=D.bool, saves=False)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    big = np.finfo(input.dtype.np)

    def fn(x):
        x = lax.select(lax.ne(x, x), fnp.full_like(x, nan), x)
        x = lax.select(lax.eq(x, np.inf), fnp.full_like(x, big.max if posinf is None else posinf),
                       x)
        return lax.select(lax.eq(x, -np.inf), fnp.full_like(x, big.min if neginf is None
                                                            else neginf), x)
    return apply_op("NanToNumBackward0", fn, [input], saves=True)


# ---- several inputs ---------------------------------------------------------------------------

def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if not (min is None or isinstance(min, Tensor)) or not (max is None or
                                                                isinstance(max, Tensor)):
            raise TypeError("clamp() received an invalid combination of arguments - got "
                            "(Tensor, float), but expected one of:\n * (Tensor min = None, "
                            "Tensor max = None)\n * (Number min = None, Number max = None)")
        dt = D.result_type(input, *[b for b in (min, max) if b is not None])

        has_lo, has_hi = min is not None, max is not None

        def fn(x, lo, hi):
            x = _as(x, dt)
            if has_lo:
                x = lax.maximum(x, _as(lo, dt))
            if has_hi:
                x = lax.minimum(x, _as(hi, dt))
            return x
        # a missing bound is still an input of ClampBackward0 (a (None, 0) next function)
        missing = Tensor._make(np.zeros((), dt.np))
        return _out(apply_op("ClampBackward0", fn, [input, min if has_lo else missing,
                                                    max if has_hi else missing], dtype=dt), out)
    dt = D.result_type2(input, min if max is None else max) if min is None or max is None \
        else D.result_type(input, min, max)
    x = _storage(input)
    if x is not None and out is None and dt is input._dtype:
        lo = None if min is None else _scalar(min, dt)
        hi = None if max is None else _scalar(max, dt)
        r = np.maximum(x, lo) if hi is None else np.minimum(x, hi) if lo is None else \
            np.minimum(np.maximum(x, lo), hi)
        if not needs_record((input,)):
            return _wrap(r)
        # as select(lo <= x <= hi, x, clamped): PyTorch's derivative is 1 on the bounds
        inside = (x >= lo) if hi is None else (x <= hi) if lo is None else (x >= lo) & (x <= hi)
        r = np.asarray(r)
        return record_primitive("ClampBackward1", _SELECT, _NO_PARAMS, [inside, input, r], r)

    def fn(x):
        x = _as(x, dt)
        if min is not None:
            x = lax.maximum(x, _as(min, dt))
        if max is not None:
            x = lax.minimum(x, _as(max, dt))
        return x
    return _out(apply_op("ClampBackward1", fn, [input], dtype=dt), out)


def clamp_min(input, min):
    if isinstance(min, Tensor):
        return clamp(input, min=min)
    return apply_op("ClampMinBackward0", lambda x: lax.maximum(x, _as(min, input._dtype)),
                    [input])


def clamp_max(input, max):
    if isinstance(max, Tensor):
        return clamp(input, max=max)
    return apply_op("ClampMaxBackward0", lambda x: lax.minimum(x, _as(max, input._dtype)),
                    [input])


clip = clamp


def where(condition, input=None, other=None):
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    cond = _t(condition)
    if cond._dtype is not D.bool:
        if cond._dtype is D.uint8:
            warnings.warn("where received a uint8 condition tensor. This behavior is deprecated "
                          "and will be removed in a future version of PyTorch. Use a boolean "
                          "condition instead.", UserWarning, stacklevel=2)
            cond = cond.bool()
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {D._LEGACY[cond._dtype.name]}")
    dt = D.result_type2(input, other)
    c = cond._data
    x, y = _eager(input), _eager(other)
    if x is not None and y is not None and type(c) is _ndarray:
        x = x.astype(dt.np, copy=False) if type(x) is _ndarray else _scalar(x, dt)
        y = y.astype(dt.np, copy=False) if type(y) is _ndarray else _scalar(y, dt)
        try:
            return _wrap(np.where(c, x, y))
        except ValueError:
            broadcast_shapes_checked(c.shape, np.shape(x), np.shape(y))
            raise
    if backend.active:
        tensors_device([cond, input, other])
    c = value_of(cond)
    return apply_op("WhereBackward0", lambda x, y: lax.select(
        fnp.broadcast_to(c, np.broadcast_shapes(np.shape(c), fnp.shape(x), fnp.shape(y))),
        *_bcast3(c, _as(x, dt), _as(y, dt))), [input, other], dtype=dt, saves=False,
        scalar_edges=True)


def _bcast3(c, x, y):
    shape = np.broadcast_shapes(np.shape(c), fnp.shape(x), fnp.shape(y))
    return fnp.broadcast_to(x, shape), fnp.broadcast_to(y, shape)


def masked_fill(input, mask, value):
    mask = _t(mask)
    if mask._dtype is not D.bool:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{D.c_name(mask._dtype)}")
    if backend.active:
        tensors_device([mask, input])
    if mask._data.shape != input._data.shape:  # the result has the broadcast shape
        shape = broadcast_shapes_checked(input._data.shape, mask._data.shape)
        if shape != input._data.shape:
            input = input.expand(shape)
    m = mask._data
    dt = input._dtype
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        m = value_of(mask)
        return apply_op("MaskedFillBackward1", lambda x, v: lax.select(
            fnp.broadcast_to(m, fnp.shape(x)), fnp.broadcast_to(_as(v, dt), fnp.shape(x)), x),
            [input, value], saves=False)
    D.check_cast(D.result_type(input, value) if D._category(D.result_type(input, value)) >
                D._category(dt) else dt, dt)
    x = _eager(input)
    if x is not None and type(m) is _ndarray:
        out = np.array(x)
        np.copyto(out, _scalar(value, dt), where=np.broadcast_to(m, out.shape))
        return _wrap(out)
    m = value_of(mask)
    return apply_op("MaskedFillBackward0", lambda x: lax.select(
        fnp.broadcast_to(m, fnp.shape(x)), fnp.full_like(x, value), x), [input], saves=False)


def lerp(input, end, weight):
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._dtype is not input._dtype:
            raise RuntimeError(f"expected dtype {D.c_name(input._dtype)} for `{name}` but got "
                               f"dtype {D.c_name(t._dtype)}")
    dt = D.result_type(input, end)
    return apply_op("LerpBackward0" if not isinstance(weight, Tensor) else "LerpBackward1",
                    lambda a, b, w: _as(a, dt) + _as(w, dt) * (_as(b, dt) - _as(a, dt)),
                    [input, end, weight])


def hypot(input, other):
    return apply_op("HypotBackward0", lambda a, b: lax.sqrt(a * a + b * b), [input, other],
                    saves_out=True)


def logaddexp(input, other):
    def fn(a, b):
        m = stop_gradient(lax.maximum(a, b))
        # where both are the same infinity, a - m is nan: PyTorch's answer is that infinity
        same_inf = lax.bitwise_and(lax.eq(a, b), lax.eq(lax.abs(a), fnp.full_like(a, np.inf)))
        safe = lax.select(same_inf, fnp.zeros_like(m), m)
        r = safe + lax.log(lax.exp(a - safe) + lax.exp(b - safe))
        return lax.select(same_inf, a, r)
    return apply_op("LogaddexpBackward0", fn, [input, other])


def addcmul(input, tensor1, tensor2, *, value=1):
    return apply_op("AddcmulBackward0", lambda a, b, c: a + value * (b * c),
                    [input, tensor1, tensor2])


def addcdiv(input, tensor1, tensor2, *, value=1):
    return apply_op("AddcdivBackward0", lambda a, b, c: a + value * (b / c),
                    [input, tensor1, tensor2])


def xlogy(input, other):
    dt = D.result_type2(input, other)
    if not dt.is_floating_point:
        dt = D.get_default_dtype()

    return apply_op("XlogyBackward0", lambda x, y: _xlogy(*_same_shape(_as(x, dt), _as(y, dt))),
                    [input, other], dtype=dt)


def _same_shape(a, b):
    """a and b broadcast to one shape (a custom vjp's cotangents have its arguments' shapes)."""
    shape = np.broadcast_shapes(fnp.shape(a), fnp.shape(b))
    return fnp.broadcast_to(a, shape), fnp.broadcast_to(b, shape)


@custom_vjp
def _xlogy(x, y):
    """x log y, 0 where x is 0, with PyTorch's gradients: log y (0 where x is 0) and x / y
    (nan at x = y = 0, as PyTorch's)."""
    safe = lax.select(lax.eq(x, fnp.zeros_like(x)), fnp.ones_like(y), y)
    return lax.select(lax.eq(x, fnp.zeros_like(x)), fnp.zeros_like(x), x * lax.log(safe))


def _xlogy_bwd(res, g):
    x, y = res
    nonzero = lax.convert_element_type(lax.ne(x, fnp.zeros_like(x)), x.dtype)
    return g * _xlogy(nonzero, y), g * x / y


_xlogy.defvjp(lambda x, y: (_xlogy(x, y), (x, y)), _xlogy_bwd)


@custom_vjp
def _atan2(y, x):
    """atan2(y, x) with PyTorch's gradients, 0 (not nan) at y = x = 0."""
    return lax.atan2(y, x)


def _atan2_bwd(res, g):
    y, x = res
    d = y * y + x * x
    zero = lax.eq(d, fnp.zeros_like(d))
    recip = lax.select(zero, fnp.zeros_like(d), 1 / lax.select(zero, fnp.ones_like(d), d))
    return g * x * recip, g * -y * recip


_atan2.defvjp(lambda y, x: (lax.atan2(y, x), (y, x)), _atan2_bwd)


def atan2(input, other):
    dt = D.result_type2(input, other)
    if not (dt.is_floating_point or dt.is_complex):
        dt = D.get_default_dtype()
    if isinstance(input, Tensor) and isinstance(other, Tensor) and \
            input._data.shape != other._data.shape:
        broadcast_shapes_checked(input._data.shape, other._data.shape)
    return apply_op("Atan2Backward0", lambda a, b: _atan2(*_same_shape(_as(a, dt), _as(b, dt))),
                    [input, other], dtype=dt)


arctan2 = atan2


# ---- in-place helpers (Tensor.fill_ and friends) -----------------------------------------------

def fill(t, value):
    """t's new value in t.fill_(value) (FillBackward2; FillBackward3 for a tensor value)."""
    if isinstance(value, Tensor):
        return apply_op("FillBackward3", lambda x, v: fnp.broadcast_to(_as(v, t._dtype),
                                                                      fnp.shape(x)), [t, value],
                        saves=False, dtype=t._dtype)
    return apply_op("FillBackward2", lambda x: fnp.full_like(x, value), [t], saves=False,
                    dtype=t._dtype)


def zero(t):
    return apply_op("ZeroBackward0", lambda x: fnp.zeros_like(x), [t], saves=False)


# ---- softmax (torch.softmax, Tensor.softmax and torch.nn.functional's) ----------------------

def _softmax(name, log):
    def op(input, dim, dtype=None):
        if dim is None:
            raise TypeError(f"{'log_softmax' if log else 'softmax'}(): argument 'dim' must be int,"
                            " not NoneType")
        if dtype is not None:
            input = input.to(dtype)
        if not (input._dtype.is_floating_point or input._dtype.is_complex):
            kernel = "log_softmax_lastdim_kernel_impl" if log else "softmax_lastdim_kernel_impl"
            raise D.kernel_error(kernel, input._dtype)
        d = wrap_dim(dim, input.ndim)
        value = fg_nn.log_softmax if log else fg_nn.softmax
        return apply_op(name, lambda x: value(x, d), [input], saves=False, saves_out=True)
    op.__name__ = name
    return op


softmax = _softmax("SoftmaxBackward0", False)
log_softmax = _softmax("LogSoftmaxBackward0", True)


# ---- a few more (torch.lgamma, torch.complex, torch.polar, torch.searchsorted) ----------------

def lgamma(input):
    input = _t(input)
    dt = input._dtype if input._dtype.is_floating_point else D.get_default_dtype()
    return apply_op("LgammaBackward0", lambda x: gammaln(_as(x, dt)), [input], dtype=dt)


def complex(real, imag):  # noqa: A001 (torch.complex)
    if real._dtype is not imag._dtype or not real._dtype.is_floating_point:
        raise RuntimeError(f"Expected object of scalar type {D._LEGACY[real._dtype.name]} but got "
                           f"scalar type {D._LEGACY[imag._dtype.name]} for second argument")
    return apply_op("ComplexBackward0", lambda r, i: r + i * 1j, [real, imag],
                    dtype=real._dtype.to_complex())


def polar(abs, angle):  # noqa: A002 (torch's names)
    return apply_op("PolarBackward0", lambda r, t: r * lax.cos(t) + (r * lax.sin(t)) * 1j,
                    [abs, angle], dtype=abs._dtype.to_complex())


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    seq, x = concrete(sorted_sequence), concrete(_t(input))
    if seq.ndim > 1 and seq.shape[:-1] != x.shape[:-1]:
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                           f"first N-1 dimensions of boundaries tensor and input value tensor "
                           f"must match, but we got boundaries tensor {list(seq.shape)} and input "
                           f"value tensor {list(x.shape)}")
    side = side or ("right" if right else "left")
    if seq.ndim == 1:
        r = np.searchsorted(seq, x, side=side)
    else:
        r = np.stack([np.searchsorted(s, v, side=side) for s, v in
                      zip(seq.reshape(-1, seq.shape[-1]), x.reshape(-1, x.shape[-1]))])
        r = r.reshape(x.shape)
    return _host_result(np.asarray(r, np.int32 if out_int32 else np.int64), _t(input))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
