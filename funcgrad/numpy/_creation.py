"""Array creation: numpy's names and signatures; float64 is the default floating dtype."""
from __future__ import annotations

import numpy as np

from .._core.array import Array, wrap_value
from .._core.backend import create
from ..lax.shape import full as _lax_full
from ._core import dtype_of, shape_of


def _shape(shape):
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)


def zeros(shape, dtype=None):
    """>>> import funcgrad.numpy as fnp
    >>> fnp.zeros(2)
    Array([0., 0.], dtype=float64)
    """
    return wrap_value(create("zeros", _shape(shape), dtype or np.float64))


def ones(shape, dtype=None):
    return wrap_value(create("ones", _shape(shape), dtype or np.float64))


def full(shape, fill_value, dtype=None):
    """An array of `shape` filled with `fill_value` (which may be traced)."""
    if dtype is None:
        dtype = np.result_type(fill_value) if not hasattr(fill_value, "aval") else dtype_of(
            fill_value)
    return _lax_full(_shape(shape), fill_value, dtype)


def empty(shape, dtype=None):
    """Immutable arrays are never written after creation, so `empty` is `zeros`."""
    return zeros(shape, dtype)


def zeros_like(a, dtype=None, shape=None):
    return zeros(shape_of(a) if shape is None else shape, dtype or dtype_of(a))


def ones_like(a, dtype=None, shape=None):
    return ones(shape_of(a) if shape is None else shape, dtype or dtype_of(a))


def full_like(a, fill_value, dtype=None, shape=None):
    return full(shape_of(a) if shape is None else shape, fill_value, dtype or dtype_of(a))


def empty_like(a, dtype=None, shape=None):
    return zeros_like(a, dtype, shape)


def arange(start, stop=None, step=None, dtype=None):
    """>>> import funcgrad.numpy as fnp
    >>> fnp.arange(3)
    Array([0, 1, 2], dtype=int64)
    """
    args = [a for a in (start, stop, step) if a is not None]
    return Array(np.arange(*[_static(a, "arange") for a in args], dtype=dtype))


def linspace(start, stop, num=50, endpoint=True, dtype=None):
    return Array(np.linspace(_static(start, "linspace"), _static(stop, "linspace"), int(num),
                             endpoint=endpoint, dtype=dtype))


def eye(N, M=None, k=0, dtype=None):
    return wrap_value(create("eye", int(N), None if M is None else int(M), int(k),
                             dtype=dtype or np.float64))


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def _static(x, who):
    if isinstance(x, Array):
        return x.item()
    if hasattr(x, "aval"):
        return x.__index__() if x.aval.dtype.kind in "iu" else float(x)
    return x
