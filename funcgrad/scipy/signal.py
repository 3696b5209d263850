"""funcgrad.scipy.signal: N-dimensional convolution and correlation, as jax.scipy.signal.

The direct method is one lax.conv_general_dilated (a cross-correlation, so the kernel is
flipped); the FFT method multiplies real (or complex) FFTs padded to the full size. Both are
differentiable in both inputs. Modes as scipy: 'full', 'same' (the size of in1, centered) and
'valid' (the size by which one input exceeds the other, which must be at least as large in every
dimension)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import lax
from .. import numpy as fnp
from .._core.array import Array
from .._core.typing import ArrayLike

_MODES = ("full", "same", "valid")
_METHODS = ("auto", "fft", "direct")


def _inputs(in1, in2, mode, who):
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {list(_MODES)}, got mode={mode!r}")
    in1, in2 = fnp.asarray(in1), fnp.asarray(in2)
    if in1.ndim != in2.ndim:
        raise ValueError(f"{who}: in1 and in2 must have the same number of dimensions; got "
                         f"in1.shape={in1.shape} and in2.shape={in2.shape}")
    if in1.size == 0 or in2.size == 0:
        raise ValueError(f"zero-size arrays not supported in convolutions, got shapes "
                         f"{in1.shape} and {in2.shape}.")
    dt = np.result_type(in1.dtype, in2.dtype)
    if dt.kind not in "fc":
        dt = np.dtype(np.float64)
    return in1.astype(dt), in2.astype(dt)


def _check_valid(s1, s2):
    if not (all(a >= b for a, b in zip(s1, s2)) or all(a <= b for a, b in zip(s1, s2))):
        raise ValueError("For 'valid' mode, one must be at least as large as the other in every "
                         f"dimension; got shapes {tuple(s1)} and {tuple(s2)}")


def _crop(full, s1, s2, mode, axes, mirrored=False):
    """The part of the full convolution (along `axes`) that `mode` keeps. scipy centers
    correlate2d's 'same' window the other way for an even kernel (mirrored)."""
    if mode == "full":
        return full
    if mode == "valid":
        _check_valid([s1[a] for a in axes], [s2[a] for a in axes])
    start, stop = [0] * full.ndim, list(full.shape)
    for a in axes:
        if mode == "same":
            start[a] = s2[a] // 2 if mirrored else (s2[a] - 1) // 2
            stop[a] = start[a] + s1[a]
        else:
            start[a] = min(s1[a], s2[a]) - 1
            stop[a] = start[a] + abs(s1[a] - s2[a]) + 1
    return lax.slice(full, tuple(start), tuple(stop))


def _direct_full(in1, in2):
    """The full N-d convolution as one cross-correlation with the flipped kernel."""
    if in1.ndim == 0:
        return lax.mul(in1, in2)
    nd = in1.ndim
    kernel = lax.rev(in2, tuple(range(nd)))
    out = lax.conv_general_dilated(fnp.reshape(in1, (1, 1) + in1.shape),
                                   fnp.reshape(kernel, (1, 1) + kernel.shape), (1,) * nd,
                                   [(k - 1, k - 1) for k in in2.shape])
    return fnp.reshape(out, out.shape[2:])


def _fft_full(in1, in2, axes):
    """The full convolution along `axes` by FFTs of the full length."""
    if not axes:
        return lax.mul(in1, in2)
    shape = [in1.shape[a] + in2.shape[a] - 1 for a in axes]
    if in1.dtype.kind == "c" or in2.dtype.kind == "c":
        prod = lax.mul(fnp.fft.fftn(in1, shape, axes), fnp.fft.fftn(in2, shape, axes))
        return fnp.fft.ifftn(prod, shape, axes)
    prod = lax.mul(fnp.fft.rfftn(in1, shape, axes), fnp.fft.rfftn(in2, shape, axes))
    return fnp.fft.irfftn(prod, shape, axes).astype(in1.dtype)


def convolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto",
             precision: None = None) -> Array:
    """The N-d convolution of in1 and in2 (same number of dimensions); method 'direct', 'fft'
    or 'auto' (direct: JAX's choice too). precision is accepted for JAX's signature.

    >>> import funcgrad.numpy as fnp
    >>> convolve(fnp.array([1.0, 2.0, 3.0]), fnp.array([0.0, 1.0, 0.5]))
    Array([0. , 1. , 2.5, 4. , 1.5], dtype=float64)
    >>> convolve(fnp.array([1.0, 2.0, 3.0]), fnp.array([0.0, 1.0, 0.5]), mode="same")
    Array([1. , 2.5, 4. ], dtype=float64)
    """
    if method not in _METHODS:
        raise ValueError(f"Got method={method!r}; expected 'auto', 'fft', or 'direct'.")
    in1, in2 = _inputs(in1, in2, mode, "convolve")
    axes = list(range(in1.ndim))
    full = _fft_full(in1, in2, axes) if method == "fft" else _direct_full(in1, in2)
    return _crop(full, in1.shape, in2.shape, mode, axes)


def correlate(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto",
              precision: None = None) -> Array:
    """The N-d cross-correlation: the convolution of in1 with in2 reversed and conjugated.

    >>> import funcgrad.numpy as fnp
    >>> correlate(fnp.array([1.0, 2.0, 3.0]), fnp.array([0.0, 1.0, 0.5]))
    Array([0.5, 2. , 3.5, 3. , 0. ], dtype=float64)
    """
    in1, in2 = _inputs(in1, in2, mode, "correlate")
    flipped = lax.rev(in2, tuple(range(in2.ndim))) if in2.ndim else in2
    if flipped.dtype.kind == "c":
        flipped = lax.conj(flipped)
    return convolve(in1, flipped, mode, method)


def _two_d(in1, in2, boundary, fillvalue, who):
    if np.ndim(in1) != 2 or np.ndim(in2) != 2:
        raise ValueError(f"{who}() only supports 2-dimensional inputs; got in1.shape="
                         f"{np.shape(in1)} and in2.shape={np.shape(in2)}")
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError(f"{who}() only supports boundary='fill', fillvalue=0")


def convolve2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
               fillvalue: float = 0, precision: None = None) -> Array:
    """The 2-d convolution (boundary='fill' with fillvalue=0 only, as JAX's).

    >>> import funcgrad.numpy as fnp
    >>> convolve2d(fnp.ones((3, 3)), fnp.ones((2, 2)), mode="valid")
    Array([[4., 4.],
           [4., 4.]], dtype=float64)
    """
    _two_d(in1, in2, boundary, fillvalue, "convolve2d")
    if mode == "valid":
        _check_valid(np.shape(in1), np.shape(in2))
    return convolve(in1, in2, mode)


def correlate2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
                fillvalue: float = 0, precision: None = None) -> Array:
    """The 2-d cross-correlation (boundary='fill' with fillvalue=0 only, as JAX's).

    >>> import funcgrad.numpy as fnp
    >>> correlate2d(fnp.eye(3), fnp.array([[1.0, 2.0]]), mode="same")
    Array([[1., 0., 0.],
           [2., 1., 0.],
           [0., 2., 1.]], dtype=float64)
    """
    _two_d(in1, in2, boundary, fillvalue, "correlate2d")
    if mode == "valid":
        _check_valid(np.shape(in1), np.shape(in2))
    full = correlate(in1, in2, "full")
    return _crop(full, np.shape(in1), np.shape(in2), mode, [0, 1], mirrored=True)


def fftconvolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full",
                axes: Sequence[int] | None = None) -> Array:
    """The convolution by FFTs, along `axes` (all by default); the other axes must have the
    same length in both inputs (as JAX's), and are mapped over.

    >>> import funcgrad.numpy as fnp
    >>> fftconvolve(fnp.array([1.0, 2.0, 3.0]), fnp.array([0.0, 1.0, 0.5])).round(12) + 0.0
    Array([0. , 1. , 2.5, 4. , 1.5], dtype=float64)
    """
    in1, in2 = _inputs(in1, in2, mode, "fftconvolve")
    nd = in1.ndim
    if axes is None:
        ax = list(range(nd))
    else:
        ax = sorted({int(a) + nd if int(a) < 0 else int(a) for a in axes})
        if any(a < 0 or a >= nd for a in ax):
            raise ValueError(f"fftconvolve: axes {tuple(axes)} out of range for {nd}-d inputs")
        mapped = [a for a in range(nd) if a not in ax]
        if any(in1.shape[a] != in2.shape[a] for a in mapped):
            raise ValueError(f"mapped axes must have same shape; got in1.shape={in1.shape} "
                             f"in2.shape={in2.shape} axes={tuple(axes)}")
    return _crop(_fft_full(in1, in2, ax), in1.shape, in2.shape, mode, ax)


def detrend(data: ArrayLike, axis: int = -1, type: str = "linear",
            bp: int | Sequence[int] | np.ndarray = 0, overwrite_data: None = None) -> Array:
    """data less its trend along `axis`: its mean (type='constant'), or its least-squares line
    fitted separately on each piece between the breakpoints `bp` (type='linear'; pieces start at
    0, at each bp and end at the axis length). Differentiable in data; integer data becomes
    float64.

    >>> detrend(fnp.array([1.0, 2.0, 4.0]))
    Array([ 0.16666667, -0.33333333,  0.16666667], dtype=float64)
    """
    if type not in ("linear", "l", "constant", "c"):
        raise ValueError(f"Trend type must be 'linear' or 'constant', got type={type!r}")
    if overwrite_data is not None:
        raise NotImplementedError("overwrite_data argument not implemented (arrays are "
                                  "immutable: leave it None)")
    x = fnp.asarray(data)
    if x.dtype.kind not in "fc":
        x = x.astype(np.float64)
    if type in ("constant", "c"):
        return x - fnp.mean(x, axis=axis, keepdims=True)
    x = fnp.moveaxis(x, axis, -1)
    n = x.shape[-1]
    cuts = np.unique(np.concatenate([[0], np.atleast_1d(np.asarray(bp, dtype=int)), [n]]))
    if cuts[0] < 0 or cuts[-1] > n:
        raise ValueError(f"Breakpoints must be non-negative and less than length of data along "
                         f"given axis, got bp={bp!r} for length {n}")
    pieces = []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        seg = x[..., lo:hi]
        t = np.arange(hi - lo, dtype=np.float64)
        tc = t - t.mean()
        denom = float(tc @ tc)
        centered = seg - fnp.mean(seg, axis=-1, keepdims=True)
        if denom == 0.0:  # one point: its mean is the fit
            pieces.append(centered)
            continue
        slope = fnp.sum(centered * tc.astype(x.dtype), axis=-1, keepdims=True) / denom
        pieces.append(centered - slope * tc.astype(x.dtype))
    out = fnp.concatenate(pieces, axis=-1) if pieces else x
    return fnp.moveaxis(out, -1, axis)


__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "detrend", "fftconvolve"]
