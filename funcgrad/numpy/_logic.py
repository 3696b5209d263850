"""numpy's logic functions beyond the elementwise ones: comparing arrays (isclose, allclose,
array_equal, array_equiv) and testing for complex or real values."""
from __future__ import annotations

import numpy as np

from .. import lax
from .._core.array import Array
from .._core.typing import ArrayLike
from ._core import asarray, cast, dtype_of, float_dtype, operand, shape_of
from ._reductions import all as _all
from ._ufuncs import isnan


# ---- comparison ---------------------------------------------------------------------------------

def isclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Array:
    """numpy.isclose: |a - b| <= atol + rtol * |b| elementwise; infinities are close only to
    themselves.

    >>> import funcgrad.numpy as fnp
    >>> fnp.isclose(fnp.array([1.0, 1.1]), 1.0)
    Array([ True, False], dtype=bool)
    """
    x, y = operand(a), operand(b)
    dt = np.result_type(float_dtype(dtype_of(x)), float_dtype(dtype_of(y)))
    x, y = cast(x, dt), cast(y, dt)
    finite = lax.bitwise_and(lax.is_finite(x), lax.is_finite(y))
    xs, ys = lax.select(finite, x, 0.0), lax.select(finite, y, 0.0)
    close = lax.le(lax.abs(lax.sub(xs, ys)), lax.add(atol, lax.mul(rtol, lax.abs(ys))))
    out = lax.bitwise_or(lax.bitwise_and(close, finite), lax.eq(x, y))
    if equal_nan:
        out = lax.bitwise_or(out, lax.bitwise_and(isnan(x), isnan(y)))
    return out


def allclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> Array:
    """numpy.allclose: whether isclose holds everywhere (a boolean scalar array).

    >>> import funcgrad.numpy as fnp
    >>> bool(fnp.allclose(fnp.array([1.0, 2.0]), [1.0, 2.0 + 1e-9]))
    True
    """
    return _all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1: ArrayLike, a2: ArrayLike, equal_nan: bool = False) -> Array:
    """numpy.array_equal: same shape and the same elements.

    >>> import funcgrad.numpy as fnp
    >>> bool(fnp.array_equal(fnp.array([1, 2]), [1, 2]))
    True
    """
    a1, a2 = operand(a1), operand(a2)
    if shape_of(a1) != shape_of(a2):
        return asarray(False)
    eq = lax.eq(a1, a2)
    if equal_nan and (dtype_of(a1).kind in "fc" or dtype_of(a2).kind in "fc"):
        eq = lax.bitwise_or(eq, lax.bitwise_and(isnan(a1), isnan(a2)))
    return _all(eq)


def array_equiv(a1: ArrayLike, a2: ArrayLike) -> Array:
    """numpy.array_equiv: shapes broadcast together and the elements are equal.

    >>> import funcgrad.numpy as fnp
    >>> bool(fnp.array_equiv(fnp.array([1, 2]), [[1, 2], [1, 2]]))
    True
    """
    a1, a2 = operand(a1), operand(a2)
    try:
        np.broadcast_shapes(shape_of(a1), shape_of(a2))
    except ValueError:
        return asarray(False)
    return _all(lax.eq(a1, a2))


# ---- array type testing -------------------------------------------------------------------------

def iscomplexobj(x: ArrayLike) -> bool:
    """numpy.iscomplexobj."""
    return dtype_of(x).kind == "c"


def isrealobj(x: ArrayLike) -> bool:
    """numpy.isrealobj."""
    return not iscomplexobj(x)


def isreal(x: ArrayLike) -> Array:
    """numpy.isreal: elementwise, whether the imaginary part is zero.

    >>> import funcgrad.numpy as fnp
    >>> fnp.isreal(fnp.array([1 + 0j, 1 + 1j]))
    Array([ True, False], dtype=bool)
    """
    x = operand(x)
    if dtype_of(x).kind == "c":
        return lax.eq(lax.imag(x), 0)
    return lax.full(shape_of(x), True, np.bool_)


def iscomplex(x: ArrayLike) -> Array:
    """numpy.iscomplex: elementwise, whether the imaginary part is nonzero."""
    x = operand(x)
    if dtype_of(x).kind == "c":
        return lax.ne(lax.imag(x), 0)
    return lax.full(shape_of(x), False, np.bool_)
