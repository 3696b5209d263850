"""funcgrad.numpy.fft: numpy.fft's transforms (names, n/s/axes/norm arguments, errors) over one
primitive, `fft` (funcgrad/lax/fft.py), which carries the derivative and batching rules: every
transform is linear, its vjp is its transpose as JAX defines it, so gradients of real-valued
losses of the complex outputs are those of JAX and PyTorch for real inputs.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> fnp.fft.fft(fnp.array([1.0, 2.0, 3.0, 4.0]))
Array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j], dtype=complex128)
>>> fg.grad(lambda x: fnp.sum(fnp.abs(fnp.fft.rfft(x)) ** 2))(fnp.array([1.0, 0.0, 0.0, 0.0]))
Array([6., 0., 2., 0.], dtype=float64)

Input sizes follow numpy: `n` (or `s`) crops or zero-pads the transformed axes first.
"""
from __future__ import annotations

import operator
import warnings
from typing import Any, Sequence

import numpy as np

from .. import lax
from .._core.array import Array, wrap_value
from .._core.trace import get_aval
from .._core.typing import ArrayLike, Axis
from ..lax import fft as _F
from ._core import asarray, check_no_out, operand
from ._manipulation import roll
from ._ufuncs import conj

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_SWAP = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in ("backward", "ortho", "forward"):
        raise ValueError(f'Invalid norm value {norm}; should be "backward","ortho" or "forward".')
    return norm


def _no_out(out):
    check_no_out(out, "numpy.fft")


def _prep(a, real=False, name="fft"):
    """a as an inexact array: integers and booleans become float64, float16 float32 (numpy's
    result types); rfft refuses complex input, as numpy does."""
    a = asarray(operand(a))
    dt = get_aval(a).dtype
    if dt.kind in "biu":
        a = lax.convert_element_type(a, np.float64)
    elif dt == np.float16:
        a = lax.convert_element_type(a, np.float32)
    elif dt.kind == "c" and real:
        raise TypeError(f"{name} needs real input, got {dt.name}: use fft for complex input, or "
                        "fnp.real(a) first.")
    elif dt.kind not in "fc" or dt.itemsize > 16 or (dt.kind == "f" and dt.itemsize > 8):
        raise TypeError(f"{name}: arrays of type {dt.name} are not supported")
    return a


def _axis(axis, nd):
    a = operator.index(axis)
    if not -nd <= a < nd:
        raise np.exceptions.AxisError(a, nd)
    return a % nd


def _check_n(n):
    n = operator.index(n)
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    return n


def _fit(a, axis, n):
    """Crop or zero-pad `a` along `axis` to size n."""
    shape = get_aval(a).shape
    size = shape[axis]
    if n == size:
        return a
    cfg = [(0, 0, 0)] * len(shape)
    cfg[axis] = (0, n - size, 0)  # a negative high padding crops
    return lax.pad(a, 0, cfg)


def _transform(a, kind, axes, lengths, norm):
    """One primitive call: fit the input to the sizes `lengths` needs, then transform."""
    for ax, size in zip(axes, _F.input_sizes(kind, lengths)):
        a = _fit(a, ax, size)
    return _F.fft(a, kind, axes, lengths, norm)


# ---- one axis ------------------------------------------------------------------------------------

def _one(kind, a, n, axis, norm, real=False):
    a = _prep(a, real=real, name=kind)
    ax = _axis(axis, get_aval(a).ndim)
    if n is None:
        m = get_aval(a).shape[ax]
        n = 2 * (m - 1) if kind == "irfft" else m
    n = _check_n(n)
    return _transform(a, kind, (ax,), (n,), _norm(norm))


def fft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None,
        out: None = None) -> Array:
    """numpy.fft.fft: the 1-D discrete Fourier transform along `axis` (n: crop or zero-pad)."""
    _no_out(out)
    return _one("fft", a, n, axis, norm)


def ifft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None,
         out: None = None) -> Array:
    """numpy.fft.ifft: the inverse of fft."""
    _no_out(out)
    return _one("ifft", a, n, axis, norm)


def rfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None,
         out: None = None) -> Array:
    """numpy.fft.rfft: fft of real input, the n // 2 + 1 non-negative frequencies."""
    _no_out(out)
    return _one("rfft", a, n, axis, norm, real=True)


def irfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None,
          out: None = None) -> Array:
    """numpy.fft.irfft: the real inverse of rfft (n output points, default 2 (m - 1))."""
    _no_out(out)
    return _one("irfft", a, n, axis, norm)


def hfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None,
         out: None = None) -> Array:
    """numpy.fft.hfft: the FFT of a Hermitian-symmetric signal (a real spectrum)."""
    _no_out(out)
    a = _prep(a, name="hfft")
    if n is None:
        n = (get_aval(a).shape[_axis(axis, get_aval(a).ndim)] - 1) * 2
    return irfft(conj(a), n, axis, norm=_SWAP[_norm_or_none(norm)])


def ihfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None,
          out: None = None) -> Array:
    """numpy.fft.ihfft: the inverse of hfft."""
    _no_out(out)
    return conj(rfft(a, n, axis, norm=_SWAP[_norm_or_none(norm)]))


def _norm_or_none(norm):
    return None if norm is None else _norm(norm)


# ---- several axes --------------------------------------------------------------------------------

def _cook_nd_args(a, s, axes, invreal=False):
    """numpy's _cook_nd_args: the sizes and axes of an n-dimensional transform."""
    shape = get_aval(a).shape
    if axes is not None:  # numpy's AxisError for an axis out of range, not an IndexError
        axes = [_axis(ax, len(shape)) for ax in axes]
    if s is None:
        shapeless = True
        s = list(shape) if axes is None else [shape[ax] for ax in axes]
    else:
        shapeless = False
    s = list(s)
    if axes is None:
        if not shapeless:
            warnings.warn(
                "`axes` should not be `None` if `s` is not `None` (Deprecated in NumPy 2.0). In "
                "a future version of NumPy, this will raise an error and `s[i]` will correspond "
                "to the size along the transformed axis specified by `axes[i]`. To retain current "
                "behaviour, pass a sequence [0, ..., k-1] to `axes` for an array of dimension k.",
                DeprecationWarning, stacklevel=4)
        axes = list(range(-len(s), 0))
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if invreal and shapeless:
        s[-1] = (shape[axes[-1]] - 1) * 2
    if None in s:
        warnings.warn(
            "Passing an array containing `None` values to `s` is deprecated in NumPy 2.0 and "
            "will raise an error in a future version of NumPy. To use the default behaviour of "
            "the corresponding 1-D transform, pass the value matching the default for its `n` "
            "parameter. To use the default behaviour for every axis, the `s` argument can be "
            "omitted.", DeprecationWarning, stacklevel=4)
    s = [shape[ax] if n == -1 else n for n, ax in zip(s, axes)]
    return s, list(axes)


def _nd(kind, a, s, axes, norm):
    a = _prep(a, real=kind == "rfft", name=kind + "n")
    s, axes = _cook_nd_args(a, s, axes, invreal=kind == "irfft")
    if not axes:
        return a
    nd = get_aval(a).ndim
    axes_n = [_axis(ax, nd) for ax in axes]
    if len(set(axes_n)) == len(axes_n) and all(n is not None for n in s):
        lengths = tuple(_check_n(n) for n in s)
        return _transform(a, kind, tuple(axes_n), lengths, _norm(norm))
    # Repeated axes (or None sizes): numpy's sequence of one-axis transforms, in numpy's order.
    one = {"fft": fft, "ifft": ifft, "rfft": fft, "irfft": ifft}[kind]
    if kind == "rfft":
        a = rfft(a, s[-1], axes[-1], norm)
        for i in range(len(axes) - 2, -1, -1):
            a = fft(a, s[i], axes[i], norm)
        return a
    if kind == "irfft":
        for i in range(len(axes) - 1):
            a = ifft(a, s[i], axes[i], norm)
        return irfft(a, s[-1], axes[-1], norm)
    for i in reversed(range(len(axes))):
        a = one(a, s[i], axes[i], norm)
    return a


def fftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None, out: None = None) -> Array:
    """numpy.fft.fftn: the n-dimensional discrete Fourier transform over `axes` (all by
    default), each cropped or zero-padded to `s`."""
    _no_out(out)
    return _nd("fft", a, s, axes, norm)


def ifftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None, out: None = None) -> Array:
    """numpy.fft.ifftn: the inverse of fftn."""
    _no_out(out)
    return _nd("ifft", a, s, axes, norm)


def rfftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None, out: None = None) -> Array:
    """numpy.fft.rfftn: fftn of real input, half of the last axis' frequencies."""
    _no_out(out)
    return _nd("rfft", a, s, axes, norm)


def irfftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: str | None = None, out: None = None) -> Array:
    """numpy.fft.irfftn: the real inverse of rfftn."""
    _no_out(out)
    return _nd("irfft", a, s, axes, norm)


def fft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = (-2, -1),
         norm: str | None = None, out: None = None) -> Array:
    """numpy.fft.fft2: fftn over the last two axes."""
    return fftn(a, s, axes, norm, out)


def ifft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = (-2, -1),
          norm: str | None = None, out: None = None) -> Array:
    """numpy.fft.ifft2: ifftn over the last two axes."""
    return ifftn(a, s, axes, norm, out)


def rfft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = (-2, -1),
          norm: str | None = None, out: None = None) -> Array:
    """numpy.fft.rfft2: rfftn over the last two axes."""
    return rfftn(a, s, axes, norm, out)


def irfft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = (-2, -1),
           norm: str | None = None, out: None = None) -> Array:
    """numpy.fft.irfft2: irfftn over the last two axes."""
    return irfftn(a, s, axes, norm, out)


# ---- helpers -------------------------------------------------------------------------------------

def _freqs(which, n, d):
    """numpy's frequencies, with JAX's answers where numpy divides by zero: n=0 gives no
    frequencies, d=0 infinities (numpy raises ZeroDivisionError from its own Python)."""
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"{which.__name__}: n must be >= 0, got {n}")
    with np.errstate(divide="ignore", invalid="ignore"):
        if n == 0:  # numpy divides by n * d: JAX's [] (fftfreq) and [nan] (rfftfreq, 0/0)
            return wrap_value(np.arange(1 if which is np.fft.rfftfreq else 0) / np.float64(0))
        return wrap_value(which(n) / np.float64(d))


def fftfreq(n: int, d: float = 1.0, device: Any = None) -> Array:
    """numpy.fft.fftfreq: the sample frequencies (a constant).

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.fftfreq(4, 0.5)
    Array([ 0. ,  0.5, -1. , -0.5], dtype=float64)
    """
    return _freqs(np.fft.fftfreq, n, d)


def rfftfreq(n: int, d: float = 1.0, device: Any = None) -> Array:
    """numpy.fft.rfftfreq: the non-negative sample frequencies (a constant)."""
    return _freqs(np.fft.rfftfreq, n, d)


def fftshift(x: ArrayLike, axes: Axis = None) -> Array:
    """numpy.fft.fftshift: the zero frequency moved to the center."""
    return _shift(x, axes, 1)


def ifftshift(x: ArrayLike, axes: Axis = None) -> Array:
    """numpy.fft.ifftshift: the inverse of fftshift."""
    return _shift(x, axes, -1)


def _shift(x, axes, sign):
    x = asarray(operand(x))
    shape = get_aval(x).shape
    if axes is None:
        axes = tuple(range(len(shape)))
        shift = [sign * (d // 2) for d in shape]
    elif isinstance(axes, (int, np.integer)):
        shift = sign * (shape[axes] // 2)
    else:
        shift = [sign * (shape[ax] // 2) for ax in axes]
    return roll(x, shift, axes)
