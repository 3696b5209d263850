"""Reductions with numpy's axis/keepdims/dtype semantics over the reduce primitives."""
from __future__ import annotations

import math

import numpy as np

from .. import lax
from .._core.trace import get_aval
from ..lax._checks import normalize_axes, normalize_axis
from ..lax.device import on_device_of
from ._core import operand


def _accumulation_dtype(dtype):
    """numpy's default dtype for sum/prod: small integers and bools accumulate in the platform
    integer."""
    if dtype.kind == "b" or (dtype.kind == "i" and dtype.itemsize < np.dtype(np.int_).itemsize):
        return np.dtype(np.int_)
    if dtype.kind == "u" and dtype.itemsize < np.dtype(np.uint).itemsize:
        return np.dtype(np.uint)
    return dtype


def _keep(out, shape, axes, keepdims):
    if not keepdims:
        return out
    return lax.reshape(out, tuple(1 if i in axes else d for i, d in enumerate(shape)))


def _reduction(name, prim_fn, default_dtype):
    def f(a, axis=None, dtype=None, keepdims=False):
        a = operand(a)
        aval = get_aval(a)
        axes = normalize_axes(name, axis, aval.ndim)
        dt = np.dtype(dtype) if dtype is not None else default_dtype(aval.dtype)
        if dt != aval.dtype:
            a = lax.convert_element_type(a, dt)
        return _keep(prim_fn(a, axes), aval.shape, axes, keepdims)
    f.__name__ = name
    f.__doc__ = f"numpy.{name} over `axis` (None: all axes), differentiable."
    return f


sum = _reduction("sum", lax.reduce_sum, _accumulation_dtype)
prod = _reduction("prod", lax.reduce_prod, _accumulation_dtype)


def _extremum(name, prim_fn):
    def f(a, axis=None, keepdims=False):
        a = operand(a)
        aval = get_aval(a)
        axes = normalize_axes(name, axis, aval.ndim)
        return _keep(prim_fn(a, axes), aval.shape, axes, keepdims)
    f.__name__ = name
    f.__doc__ = (f"numpy.{name}; where several elements attain it, the derivative is shared "
                 "evenly among them.")
    return f


max = amax = _extremum("max", lax.reduce_max)
min = amin = _extremum("min", lax.reduce_min)


def _count(shape, axes):
    return math.prod(shape[i] for i in axes)


def _float_dtype(dtype):
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def mean(a, axis=None, dtype=None, keepdims=False):
    """numpy.mean: integers average in float64.

    >>> import funcgrad.numpy as fnp
    >>> fnp.mean(fnp.array([[1., 2.], [3., 4.]]), axis=0)
    Array([2., 3.], dtype=float64)
    """
    a = operand(a)
    aval = get_aval(a)
    axes = normalize_axes("mean", axis, aval.ndim)
    dt = np.dtype(dtype) if dtype is not None else _float_dtype(aval.dtype)
    s = sum(a, axis=axes, dtype=dt, keepdims=keepdims)
    return lax.div(s, float(_count(aval.shape, axes)))


def var(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """numpy.var with `ddof` (0: population variance; 1: the unbiased sample estimate)."""
    a = operand(a)
    aval = get_aval(a)
    axes = normalize_axes("var", axis, aval.ndim)
    dt = np.dtype(dtype) if dtype is not None else _float_dtype(aval.dtype)
    if dt != aval.dtype:
        a = lax.convert_element_type(a, dt)
    centered = lax.sub(a, mean(a, axis=axes, keepdims=True))
    ss = sum(lax.mul(centered, centered), axis=axes, keepdims=keepdims)
    return lax.div(ss, float(_count(aval.shape, axes) - ddof))


def std(a, axis=None, dtype=None, ddof=0, keepdims=False):
    return lax.sqrt(var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def _arg(name, prim_fn):
    def f(a, axis=None, keepdims=False):
        a = operand(a)
        aval = get_aval(a)
        if axis is None:
            out = prim_fn(lax.reshape(a, (aval.size,)), 0)
            return lax.reshape(out, (1,) * aval.ndim) if keepdims else out
        ax = normalize_axis(name, axis, aval.ndim)
        return _keep(prim_fn(a, ax), aval.shape, (ax,), keepdims)
    f.__name__ = name
    f.__doc__ = f"numpy.{name}: the index of the first extremum (along `axis`, or flattened)."
    return f


argmax = _arg("argmax", lax.argmax)
argmin = _arg("argmin", lax.argmin)


def _logical_reduction(name, extremum, identity):
    def f(a, axis=None, keepdims=False):
        truth = lax.ne(operand(a), 0)
        aval = get_aval(truth)
        if aval.size:
            return extremum(truth, axis=axis, keepdims=keepdims)
        axes = normalize_axes(name, axis, aval.ndim)  # empty: numpy's identity, as a constant
        shape = tuple(1 if i in axes else d for i, d in enumerate(aval.shape) if keepdims
                      or i not in axes)
        return on_device_of(lax.full(shape, identity, np.bool_), truth)
    f.__name__ = name
    f.__doc__ = f"numpy.{name}: whether {name} element(s) along `axis` are nonzero."
    return f


any = _logical_reduction("any", max, False)
all = _logical_reduction("all", min, True)
