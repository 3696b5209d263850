"""numpy's elementwise functions over funcgrad's primitives (numpy broadcasting and promotion)."""
from __future__ import annotations

import numpy as np

from .. import lax
from .._core.array import Array, wrap_value
from .._core.config import config
from .._core.trace import bind
from ._core import dtype_of, operand

_FAST_SCALARS = (float, int)


def _unary(prim_fn, name):
    prim = prim_fn.primitive
    impl = prim.impl

    def f(x):
        if type(x) is Array and not config.debug_nans:  # eager fast path: straight to impl
            try:
                return wrap_value(impl(x._value))
            except Exception:
                pass  # the general path below raises the teaching error
        return bind(prim, operand(x))
    f.__name__ = name
    f.__doc__ = f"numpy.{name}, differentiable."
    return f


def _binary(prim_fn, name):
    prim = prim_fn.primitive
    impl = prim.impl

    def f(x, y):
        tx, ty = type(x), type(y)
        if ((tx is Array and (ty is Array or ty in _FAST_SCALARS)) or (
                ty is Array and tx in _FAST_SCALARS)) and not config.debug_nans:  # fast path
            try:
                return wrap_value(impl(x._value if tx is Array else x,
                                       y._value if ty is Array else y))
            except Exception:
                pass  # the general path below raises the teaching error
        return bind(prim, operand(x), operand(y))
    f.__name__ = name
    f.__doc__ = f"numpy.{name}, differentiable, with numpy's broadcasting and type promotion."
    return f


add = _binary(lax.add, "add")
subtract = _binary(lax.sub, "subtract")
multiply = _binary(lax.mul, "multiply")
divide = true_divide = _binary(lax.div, "divide")
floor_divide = _binary(lax.floor_divide, "floor_divide")
remainder = mod = _binary(lax.rem, "remainder")
arctan2 = _binary(lax.atan2, "arctan2")
maximum = _binary(lax.maximum, "maximum")
minimum = _binary(lax.minimum, "minimum")
equal = _binary(lax.eq, "equal")
not_equal = _binary(lax.ne, "not_equal")
less = _binary(lax.lt, "less")
less_equal = _binary(lax.le, "less_equal")
greater = _binary(lax.gt, "greater")
greater_equal = _binary(lax.ge, "greater_equal")
bitwise_and = _binary(lax.bitwise_and, "bitwise_and")
bitwise_or = _binary(lax.bitwise_or, "bitwise_or")
bitwise_xor = _binary(lax.bitwise_xor, "bitwise_xor")

negative = _unary(lax.neg, "negative")
exp = _unary(lax.exp, "exp")
log = _unary(lax.log, "log")
log1p = _unary(lax.log1p, "log1p")
expm1 = _unary(lax.expm1, "expm1")
sin = _unary(lax.sin, "sin")
cos = _unary(lax.cos, "cos")
tan = _unary(lax.tan, "tan")
arcsin = _unary(lax.asin, "arcsin")
arccos = _unary(lax.acos, "arccos")
arctan = _unary(lax.atan, "arctan")
sinh = _unary(lax.sinh, "sinh")
cosh = _unary(lax.cosh, "cosh")
tanh = _unary(lax.tanh, "tanh")
sqrt = _unary(lax.sqrt, "sqrt")
absolute = abs = _unary(lax.abs, "absolute")
sign = _unary(lax.sign, "sign")
floor = _unary(lax.floor, "floor")
ceil = _unary(lax.ceil, "ceil")
rint = _unary(lax.round, "rint")
isfinite = _unary(lax.is_finite, "isfinite")
bitwise_not = invert = _unary(lax.bitwise_not, "invert")


def positive(x):
    return operand(x)


def power(x, y):
    """x ** y; a Python integer exponent becomes `integer_pow` (exact, and defined at x = 0)."""
    x = operand(x)
    if type(y) is int:
        return lax.integer_pow(x, y)
    return lax.pow(x, operand(y))


def square(x):
    return lax.integer_pow(operand(x), 2)


def reciprocal(x):
    x = operand(x)
    return lax.div(1, x) if dtype_of(x).kind in "fc" else lax.floor_divide(1, x)


def round(a, decimals=0):
    """numpy.round: half to even, at `decimals` places."""
    a = operand(a)
    if decimals == 0:
        return lax.round(a)
    scale = 10.0 ** decimals
    return lax.div(lax.round(lax.mul(a, scale)), scale)


around = round


def _logical(fn, name):
    def f(x, y):
        return fn(lax.ne(operand(x), 0), lax.ne(operand(y), 0))
    f.__name__ = name
    return f


logical_and = _logical(lax.bitwise_and, "logical_and")
logical_or = _logical(lax.bitwise_or, "logical_or")
logical_xor = _logical(lax.bitwise_xor, "logical_xor")


def logical_not(x):
    return lax.eq(operand(x), 0)


def where(condition, x=None, y=None):
    """numpy.where(condition, x, y): elementwise choice, differentiable in x and y.

    >>> import funcgrad.numpy as fnp
    >>> fnp.where(fnp.array([True, False]), 1.0, 2.0)
    Array([1., 2.], dtype=float64)
    """
    if x is None and y is None:
        from ._manipulation import nonzero
        return nonzero(condition)
    if x is None or y is None:
        raise ValueError("where takes either one argument (condition) or three (condition, x, y)")
    c = operand(condition)
    if dtype_of(c) != np.bool_:
        c = lax.ne(c, 0)
    return lax.select(c, operand(x), operand(y))


def clip(a, a_min=None, a_max=None):
    """numpy.clip; at a bound the derivative is shared with the bound (as for maximum)."""
    a = operand(a)
    if a_min is None and a_max is None:
        raise ValueError("clip needs at least one of a_min and a_max")
    if a_min is not None:
        a = lax.maximum(a, operand(a_min))
    if a_max is not None:
        a = lax.minimum(a, operand(a_max))
    return a


def isnan(x):
    x = operand(x)
    return lax.ne(x, x)


def isinf(x):
    x = operand(x)
    return lax.bitwise_and(lax.bitwise_not(lax.is_finite(x)), lax.eq(x, x))


def exp2(x):
    return lax.pow(2.0, operand(x))


def log2(x):
    return lax.div(lax.log(operand(x)), float(np.log(2)))


def log10(x):
    return lax.div(lax.log(operand(x)), float(np.log(10)))


def rsqrt(x):
    return lax.rsqrt(operand(x))


