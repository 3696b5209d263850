"""numpy's mathematical functions that are not elementwise: cumulative sums and products,
differences, gradients, the trapezoidal rule, convolution and interpolation."""
from __future__ import annotations

import numpy as np

from .. import lax
from .._core.array import Array
from .._core.errors import ShapeError
from .._core.trace import Tracer, get_aval
from .._core.typing import ArrayLike, Axis, DTypeLike
from ..lax._checks import normalize_axis
from ._core import cast, dtype_of, operand, shape_of
from ._manipulation import axis_or_flat, broadcast_to, concatenate, moveaxis, reshape
from ._reductions import prod
from ._reductions import sum as _sum
from ._sorting_searching import searchsorted
from ._ufuncs import isnan


# ---- sums, products, differences ----------------------------------------------------------------

def cumsum(a: ArrayLike, axis: int | None = None, dtype: DTypeLike = None) -> Array:
    """numpy.cumsum, differentiable."""
    a, ax = axis_or_flat(a, axis, "cumsum")
    if dtype is not None:
        a = lax.convert_element_type(a, dtype)
    elif get_aval(a).dtype.kind in "biu" and get_aval(a).dtype.itemsize < 8:
        a = lax.convert_element_type(a, np.int64)
    return lax.cumsum(a, ax)


def cumprod(a: ArrayLike, axis: int | None = None, dtype: DTypeLike = None) -> Array:
    """Running products: prod over a lower-triangular mask of the axis (exact with zeros)."""
    a, ax = axis_or_flat(a, axis, "cumprod")
    if dtype is not None:
        a = lax.convert_element_type(a, dtype)
    a = moveaxis(a, ax, -1)
    n = get_aval(a).shape[-1]
    mask = np.tri(n, dtype=bool)  # [i, j]: j <= i
    x = lax.expand_dims(a, (get_aval(a).ndim - 1,))  # (..., 1, n)
    out = prod(lax.select(mask, x, 1), axis=-1)
    return moveaxis(out, -1, ax)


def diff(a: ArrayLike, n: int = 1, axis: int = -1, prepend: ArrayLike | None = None,
         append: ArrayLike | None = None) -> Array:
    """numpy.diff, differentiable."""
    a = operand(a)
    nd = get_aval(a).ndim
    ax = normalize_axis("diff", axis, nd)
    if prepend is not None or append is not None:
        parts = [operand(p) for p in (prepend,) if p is not None] + [a] + [
            operand(p) for p in (append,) if p is not None]
        parts = [p if get_aval(p).ndim == nd else lax.broadcast_in_dim(
            p, tuple(1 if i == ax else d for i, d in enumerate(get_aval(a).shape)), ())
            for p in parts]
        a = concatenate(parts, axis=ax)
    for _ in range(n):
        m = get_aval(a).shape[ax]
        hi = tuple(slice(1, None) if i == ax else slice(None) for i in range(nd))
        lo = tuple(slice(0, m - 1) if i == ax else slice(None) for i in range(nd))
        a = lax.sub(lax.index(a, hi), lax.index(a, lo))
    return a


def gradient(f: ArrayLike, *varargs: float, axis: Axis = None,
             edge_order: int = 1) -> Array | list[Array]:
    """numpy.gradient with unit or scalar spacing: central differences inside, one-sided at the
    ends."""
    f = operand(f)
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order!r}")
    nd = get_aval(f).ndim
    axes = list(range(nd)) if axis is None else [normalize_axis("gradient", a, nd)
                                                 for a in np.atleast_1d(axis)]
    spacing = list(varargs) if varargs else [1.0] * len(axes)
    if len(spacing) == 1:
        spacing = spacing * len(axes)
    out = []
    for ax, h in zip(axes, spacing):
        n = get_aval(f).shape[ax]
        if n < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                             "least (edge_order + 1) elements are required.")

        def sl(a, b):
            return tuple(slice(a, b) if i == ax else slice(None) for i in range(nd))
        inner = lax.div(lax.sub(lax.index(f, sl(2, None)), lax.index(f, sl(0, n - 2))), 2.0 * h)
        if edge_order == 1:
            first = lax.div(lax.sub(lax.index(f, sl(1, 2)), lax.index(f, sl(0, 1))), h)
            last = lax.div(lax.sub(lax.index(f, sl(n - 1, n)), lax.index(f, sl(n - 2, n - 1))),
                           h)
        else:  # numpy's second-order one-sided differences at the ends
            f0, f1, f2 = (lax.index(f, sl(i, i + 1)) for i in range(3))
            g0, g1, g2 = (lax.index(f, sl(n - 1 - i, n - i)) for i in range(3))
            first = lax.div(lax.sub(lax.sub(lax.mul(f1, 4.0), lax.mul(f0, 3.0)), f2), 2.0 * h)
            last = lax.div(lax.add(lax.sub(lax.mul(g0, 3.0), lax.mul(g1, 4.0)), g2), 2.0 * h)
        out.append(concatenate([first, inner, last], axis=ax))
    return out[0] if len(out) == 1 else out


def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: ArrayLike = 1.0,
              axis: int = -1) -> Array:
    """numpy.trapezoid: the integral of y (samples at x, or spaced dx) by the trapezoidal rule.

    >>> import funcgrad.numpy as fnp
    >>> fnp.trapezoid(fnp.array([1., 2., 3.]), dx=0.5)
    Array(2., dtype=float64)
    """
    y = operand(y)
    nd = get_aval(y).ndim
    ax = normalize_axis("trapezoid", axis, nd)
    n = shape_of(y)[ax]
    if x is None:
        d = dx if not isinstance(dx, (list, tuple, np.ndarray)) else operand(dx)
    else:
        x = operand(x)
        if get_aval(x).ndim == 1:
            d = diff(x)
            d = reshape(d, tuple(-1 if i == ax else 1 for i in range(nd)))
        else:
            d = diff(x, axis=ax)

    def sl(lo, hi):
        return tuple(slice(lo, hi) if i == ax else slice(None) for i in range(nd))
    mid = lax.div(lax.add(lax.index(y, sl(1, None)), lax.index(y, sl(0, max(n - 1, 0)))), 2.0)
    return _sum(lax.mul(d, mid) if isinstance(d, (Array, Tracer)) else lax.mul(mid, d), axis=ax)


# ---- convolution and interpolation --------------------------------------------------------------

def _conv_full(a, v):
    """The full 1-D convolution sum_i a[i] v[k - i], as a masked gather and a sum (differentiable
    in both)."""
    n, m = shape_of(a)[0], shape_of(v)[0]
    k = np.arange(n + m - 1)[:, None]
    j = k - np.arange(n)[None, :]
    valid = (j >= 0) & (j < m)
    vk = lax.index(v, (np.clip(j, 0, m - 1),))
    dt = np.result_type(dtype_of(a), dtype_of(v))
    prod = lax.mul(cast(lax.broadcast_in_dim(a, (n + m - 1, n), (1,)), dt), cast(vk, dt))
    return _sum(lax.select(valid, prod, lax.full((), 0, dt)), axis=1)


def _conv_mode(full, n, m, mode, who):
    if mode == "full":
        return full
    if mode == "same":
        start, length = (min(n, m) - 1) // 2, max(n, m)
    elif mode == "valid":
        start, length = min(n, m) - 1, max(n, m) - min(n, m) + 1
    else:
        raise ValueError(f"{who}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    return lax.slice(full, (start,), (start + length,))


def _vectors(a, v, who):
    a, v = operand(a), operand(v)
    if get_aval(a).ndim != 1 or get_aval(v).ndim != 1:
        raise ShapeError(f"{who} needs 1-D arrays, got shapes {shape_of(a)} and {shape_of(v)}")
    if not shape_of(a)[0]:
        raise ValueError("a cannot be empty")
    if not shape_of(v)[0]:
        raise ValueError("v cannot be empty")
    return a, v


def convolve(a: ArrayLike, v: ArrayLike, mode: str = "full") -> Array:
    """numpy.convolve of two 1-D arrays; mode 'full', 'same' or 'valid'. Differentiable in both.

    >>> import funcgrad.numpy as fnp
    >>> fnp.convolve(fnp.array([1., 2., 3.]), fnp.array([0., 1., 0.5]))
    Array([0. , 1. , 2.5, 4. , 1.5], dtype=float64)
    """
    a, v = _vectors(a, v, "convolve")
    n, m = shape_of(a)[0], shape_of(v)[0]
    return _conv_mode(_conv_full(a, v), n, m, mode, "convolve")


def correlate(a: ArrayLike, v: ArrayLike, mode: str = "valid") -> Array:
    """numpy.correlate of two 1-D arrays: c[k] = sum_n a[n + k] conj(v[n]); mode 'valid'
    (default), 'same' or 'full'.

    >>> import funcgrad.numpy as fnp
    >>> fnp.correlate(fnp.array([1., 2., 3.]), fnp.array([0., 1., 0.5]))
    Array([3.5], dtype=float64)
    """
    a, v = _vectors(a, v, "correlate")
    n, m = shape_of(a)[0], shape_of(v)[0]
    if dtype_of(v).kind == "c":
        v = lax.conj(v)
    full = _conv_full(a, lax.rev(v, (0,)))
    if mode == "same" and n < m:  # numpy's window sits one further right here
        return lax.slice(full, (n // 2,), (n // 2 + m,))
    return _conv_mode(full, n, m, mode, "correlate")


def interp(x: ArrayLike, xp: ArrayLike, fp: ArrayLike, left: ArrayLike | None = None,
           right: ArrayLike | None = None, period: float | None = None) -> Array:
    """numpy.interp: 1-D piecewise-linear interpolation of (xp, fp) at x; differentiable in x, xp
    and fp. `xp` must be increasing (not checked, as numpy).

    >>> import funcgrad.numpy as fnp
    >>> fnp.interp(fnp.array([0.5, 3.0]), fnp.array([0., 1., 2.]), fnp.array([0., 10., 0.]))
    Array([5., 0.], dtype=float64)
    """
    if period is not None:
        raise NotImplementedError("interp: period= is not supported; reduce x and xp modulo "
                                  "the period and sort them first")
    x, xp, fp = operand(x), operand(xp), operand(fp)
    if get_aval(xp).ndim != 1 or get_aval(fp).ndim != 1:
        raise ValueError("interp: xp and fp must be 1-D sequences")
    n = shape_of(xp)[0]
    if shape_of(fp)[0] != n:
        raise ValueError("fp and xp are not of the same length.")
    if n == 0:
        raise ValueError("array of sample points is empty")
    dt = np.result_type(np.float64, dtype_of(x), dtype_of(xp), dtype_of(fp))
    if dt.kind == "c":
        raise NotImplementedError("interp: complex values are not supported")
    x, xp, fp = cast(x, dt), cast(xp, dt), cast(fp, dt)
    j = lax.sub(searchsorted(xp, x, side="right"), 1)
    jl = lax.maximum(lax.minimum(j, max(n - 2, 0)), 0)
    jh = lax.minimum(lax.add(jl, 1), n - 1)
    x0, x1 = lax.index(xp, (jl,)), lax.index(xp, (jh,))
    f0, f1 = lax.index(fp, (jl,)), lax.index(fp, (jh,))
    dx = lax.sub(x1, x0)
    flat = lax.eq(dx, 0)
    slope = lax.div(lax.sub(f1, f0), lax.select(flat, 1.0, dx))
    y = lax.add(lax.mul(slope, lax.sub(x, x0)), f0)
    y = lax.select(flat, f0, y)
    first, last = lax.index(fp, (0,)), lax.index(fp, (n - 1,))
    lo = first if left is None else cast(operand(left), dt)
    hi = last if right is None else cast(operand(right), dt)
    shape = shape_of(y)
    y = lax.select(lax.eq(x, lax.index(xp, (n - 1,))), broadcast_to(last, shape), y)
    y = lax.select(lax.gt(x, lax.index(xp, (n - 1,))), broadcast_to(hi, shape), y)
    y = lax.select(lax.lt(x, lax.index(xp, (0,))), broadcast_to(lo, shape), y)
    return y if n == 1 else lax.select(isnan(x), x, y)  # numpy: one sample point gives fp[0]
