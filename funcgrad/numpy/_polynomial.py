"""numpy's polynomial functions (numpy.polyval and friends, coefficients highest power first)."""
from __future__ import annotations

from .. import lax
from .._core.array import Array
from .._core.typing import ArrayLike
from ._core import dtype_of, operand, shape_of
from ._manipulation import concatenate, ravel
from ._math import convolve


def polyval(p: ArrayLike, x: ArrayLike) -> Array:
    """numpy.polyval: the polynomial with coefficients `p` (highest power first) at x, by
    Horner's rule.

    >>> import funcgrad.numpy as fnp
    >>> fnp.polyval(fnp.array([1., 0., -1.]), fnp.array([2., 3.]))
    Array([3., 8.], dtype=float64)
    """
    p, x = operand(p), operand(x)
    _one_d("polyval", p=p)
    y = lax.full(shape_of(x), 0, dtype_of(x))
    for i in range(shape_of(p)[0] if shape_of(p) else 0):
        y = lax.add(lax.mul(y, x), lax.index(p, (i,)))
    return y


def polyadd(a1: ArrayLike, a2: ArrayLike) -> Array:
    """numpy.polyadd for coefficient arrays (highest power first).

    >>> import funcgrad.numpy as fnp
    >>> fnp.polyadd(fnp.array([1., 2.]), fnp.array([1., 1., 1.]))
    Array([1., 2., 3.], dtype=float64)
    """
    a1, a2 = operand(a1), operand(a2)
    _one_d("polyadd", a1=a1, a2=a2)
    a1, a2 = ravel(a1), ravel(a2)
    n1, n2 = shape_of(a1)[0], shape_of(a2)[0]
    if n1 < n2:
        a1 = concatenate([lax.full((n2 - n1,), 0, dtype_of(a1)), a1])
    elif n2 < n1:
        a2 = concatenate([lax.full((n1 - n2,), 0, dtype_of(a2)), a2])
    return lax.add(a1, a2)


def polymul(a1: ArrayLike, a2: ArrayLike) -> Array:
    """numpy.polymul: the product polynomial (a full convolution of the coefficients)."""
    a1, a2 = operand(a1), operand(a2)
    _one_d("polymul", a1=a1, a2=a2)
    return convolve(ravel(a1), ravel(a2))


def _one_d(who, **coefficients):
    """Coefficients are a 1-D array (numpy refuses more dimensions; a scalar is a constant
    polynomial, except for polyval's p, as numpy's)."""
    for name, c in coefficients.items():
        nd = len(shape_of(c))
        if nd > 1 or (nd == 0 and who == "polyval"):
            raise ValueError(f"{who}: {name} must be a 1-D array of coefficients (highest power "
                             f"first), got shape {shape_of(c)}")
