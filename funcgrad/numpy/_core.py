"""Conversions every funcgrad.numpy function starts with."""
from __future__ import annotations

import numpy as np

from .._core import backend
from .._core.array import Array, wrap_value
from .._core.avals import PY_SCALARS
from .._core.trace import Tracer, get_aval
from ..lax.elementwise import convert_element_type


def is_arraylike(x):
    return isinstance(x, (Array, Tracer))


def operand(x):
    """An operand for a primitive: arrays and Python scalars (weakly typed) pass through; numpy
    values and nested sequences become Arrays."""
    if isinstance(x, (Array, Tracer)) or type(x) in PY_SCALARS:
        return x
    if isinstance(x, (list, tuple)):
        return asarray(x)
    if isinstance(x, (np.ndarray, np.generic)):
        return Array(x)
    raise TypeError(f"funcgrad.numpy cannot use a {type(x).__name__} as an array: {x!r:.60}")


def asarray(a, dtype=None):
    """An Array (or traced value) from arrays, scalars, or nested lists of them.

    >>> import funcgrad.numpy as fnp
    >>> fnp.asarray([1, 2])
    Array([1, 2], dtype=int64)
    """
    if isinstance(a, (Array, Tracer)):
        out = a
    elif isinstance(a, (list, tuple)) and _has_traced(a):
        from ._manipulation import stack
        out = stack([asarray(x) for x in a])
    else:
        return wrap_value(backend.from_data(a, dtype))
    if dtype is not None and get_aval(out).dtype != np.dtype(dtype):
        out = convert_element_type(out, dtype)
    return out


def _has_traced(seq):
    for x in seq:
        if isinstance(x, (Array, Tracer)) or (isinstance(x, (list, tuple)) and _has_traced(x)):
            return True
    return False


def array(object, dtype=None, copy=True, ndmin=0):
    """Like numpy.array; funcgrad arrays are immutable, so `copy` changes nothing observable."""
    out = asarray(object, dtype)
    nd = get_aval(out).ndim
    if ndmin > nd:
        from ._manipulation import reshape
        out = reshape(out, (1,) * (ndmin - nd) + get_aval(out).shape)
    return out


def shape_of(x):
    return get_aval(operand(x)).shape


def dtype_of(x):
    return get_aval(operand(x)).dtype
