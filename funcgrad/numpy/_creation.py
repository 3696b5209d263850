"""Array creation: numpy's names and signatures; float64 is the default floating dtype."""
from __future__ import annotations

import numpy as np

from .. import lax
from .._core.array import Array, wrap_value
from .._core.backend import create
from .._core.trace import get_aval
from ._core import asarray, concrete, dtype_of, operand, shape_of
from ._indexing import diagonal
from ._manipulation import broadcast_arrays, ravel, reshape


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
    return lax.full(_shape(shape), fill_value, dtype)


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
    return Array(np.arange(*[_scalar(a, "arange") for a in args], dtype=dtype))


def linspace(start, stop, num=50, endpoint=True, dtype=None):
    return Array(np.linspace(_scalar(start, "linspace"), _scalar(stop, "linspace"), int(num),
                             endpoint=endpoint, dtype=dtype))


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """numpy.logspace: `num` points from base**start to base**stop.

    >>> import funcgrad.numpy as fnp
    >>> fnp.logspace(0, 2, 3)
    Array([  1.,  10., 100.], dtype=float64)
    """
    return Array(np.logspace(concrete(start), concrete(stop), int(num),
                             endpoint=endpoint, base=concrete(base), dtype=dtype,
                             axis=axis))


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """numpy.meshgrid: coordinate grids from 1-D coordinate vectors (differentiable).

    >>> import funcgrad.numpy as fnp
    >>> X, Y = fnp.meshgrid(fnp.arange(3), fnp.arange(2))
    >>> X
    Array([[0, 1, 2],
           [0, 1, 2]], dtype=int64)
    """
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    xs = [ravel(operand(x)) for x in xi]
    nd = len(xs)
    out = []
    for i, x in enumerate(xs):
        shape = [1] * nd
        shape[i] = -1
        if indexing == "xy" and nd > 1 and i < 2:
            shape[i], shape[1 - i] = 1, 1
            shape[1 - i] = -1
        out.append(reshape(x, tuple(shape)))
    if not sparse:
        out = list(broadcast_arrays(*out))
    return tuple(out)


def eye(N, M=None, k=0, dtype=None):
    return wrap_value(create("eye", int(N), None if M is None else int(M), int(k),
                             dtype=dtype or np.float64))


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def _scalar(x, who):
    if isinstance(x, Array):
        return x.item()
    if hasattr(x, "aval"):
        return x.__index__() if x.aval.dtype.kind in "iu" else float(x)
    return x


# ---- building matrices --------------------------------------------------------------------------

def diag(v, k=0):
    v = operand(v)
    nd = get_aval(v).ndim
    if nd == 1:
        return make_diagonal(v, k)
    if nd == 2:
        return diagonal(v, k)
    raise ValueError("Input must be 1- or 2-d.")


def make_diagonal(v, offset=0, axis1=0, axis2=1):
    """The matrix (or stack) whose diagonal is v's last axis (HIPS autograd's make_diagonal)."""
    v = operand(v)
    n = get_aval(v).shape[-1] + abs(offset)
    z = lax.full(get_aval(v).shape[:-1] + (n, n), 0, get_aval(v).dtype)
    r = np.arange(get_aval(v).shape[-1]) + max(0, -offset)
    return z.at[(Ellipsis, r, r + offset)].set(v)


def _tri_mask(shape, k, lower):
    n, m = shape[-2:]
    return np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, k - 1, dtype=bool)


def tri(N, M=None, k=0, dtype=None):
    return asarray(np.tri(N, M, k, dtype=dtype or np.float64))


def tril(m, k=0):
    m = operand(m)
    return lax.select(_tri_mask(get_aval(m).shape, k, True), m, 0)


def triu(m, k=0):
    m = operand(m)
    return lax.select(_tri_mask(get_aval(m).shape, k, False), m, 0)
