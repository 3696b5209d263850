"""fft: the discrete Fourier transforms as one primitive (JAX's lax.fft, with numpy's norms).

Params: fft_type ("fft", "ifft", "rfft", "irfft"), axes (the transformed axes, distinct), lengths
(the transform sizes: for fft, ifft and rfft the input's sizes along `axes`; for irfft the real
output's, the input's last transformed axis holding lengths[-1] // 2 + 1 entries) and norm
("backward", "ortho", "forward", as numpy). funcgrad.numpy.fft crops or zero-pads the input to
these sizes first, as numpy does.

Every kind is linear (real-linear for rfft and irfft), so the jvp applies the same transform to
the tangent. The vjp is the linear transpose as JAX defines it, under the real pairing
<u, v> = Re(sum(u * v)) (no conjugation):
- fft, ifft: the DFT matrix is symmetric, so each is its own transpose (same norm);
- rfft = the first n // 2 + 1 outputs of fft of the real input: its transpose zero-pads the
  cotangent back to n, applies fft and keeps the real part;
- irfft(X) = Re(sum_k c m_k X_k w^{kt}) with m = (1, 2, ..., 2, 1) counting each stored frequency
  with its dropped conjugate: its transpose is conj(m * rfft(ct)) with rfft's scale c (the
  norm that swaps "backward" and "forward").
A real input of fft or ifft (or irfft) gets the real part of the cotangent.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._core.array import Array, wrap_value
from .._core.avals import ShapedArray
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.primitive import NO_ALGEBRA, PURE, RULE_FIRST, Primitive, defvjp
from .._core.trace import get_aval
from .._core.typing import ArrayLike
from ._batching import shift_axes
from .elementwise import conj, real
from .shape import pad

fft_p = Primitive("fft")

FFT_TYPES = ("fft", "ifft", "rfft", "irfft")
NORMS = ("backward", "ortho", "forward")
_SWAP = {"backward": "forward", "ortho": "ortho", "forward": "backward"}
_NUMPY = {"fft": np.fft.fftn, "ifft": np.fft.ifftn, "rfft": np.fft.rfftn, "irfft": np.fft.irfftn}


def _fft_impl(x, *, fft_type, axes, lengths, norm):
    return _NUMPY[fft_type](x, s=lengths, axes=axes, norm=norm)


def _complex_dtype(dtype):
    return np.result_type(dtype, np.complex64)


def _real_dtype(dtype):
    return np.empty(0, dtype).real.dtype


def input_sizes(fft_type, lengths):
    """The sizes the input needs along the transformed axes."""
    if fft_type == "irfft":
        return tuple(lengths[:-1]) + (lengths[-1] // 2 + 1,)
    return tuple(lengths)


def _error(msg):
    return ShapeError(f"{msg}\n  at {user_frame()}\n{doc_link('shapeerror')}")


def _fft_abstract_eval(x, *, fft_type, axes, lengths, norm):
    if fft_type not in FFT_TYPES:
        raise ValueError(f"fft: fft_type must be one of {FFT_TYPES}, got {fft_type!r}")
    if norm not in NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".')
    if x.dtype.kind not in "fc" or x.dtype.itemsize < 4:
        raise TypeError(f"{fft_type} needs a float32, float64, complex64 or complex128 array, got "
                        f"{x.str_short()}; convert first: x.astype(fnp.float64).")
    if fft_type == "rfft" and x.dtype.kind == "c":
        raise TypeError(f"rfft needs a real array, got {x.str_short()}: use fft for complex "
                        "input, or take fnp.real(x) first.")
    if len(axes) != len(lengths) or not axes:
        raise _error(f"{fft_type}: axes {axes} and lengths {lengths} need one length per axis.")
    if any(not 0 <= a < x.ndim for a in axes) or len(set(axes)) != len(axes):
        raise _error(f"{fft_type}: axes {axes} must be distinct axes of an array of shape "
                     f"{x.shape}.")
    if any(n < 1 for n in lengths):
        raise ValueError(f"Invalid number of FFT data points ({min(lengths)}) specified.")
    want = input_sizes(fft_type, lengths)
    have = tuple(x.shape[a] for a in axes)
    if have != want:
        raise _error(f"{fft_type}: an input of shape {x.shape} has sizes {have} along axes {axes}, "
                     f"but lengths {lengths} need {want}. Crop or zero-pad first (funcgrad.numpy"
                     ".fft does, given n= or s=).")
    shape = list(x.shape)
    if fft_type == "rfft":
        shape[axes[-1]] = lengths[-1] // 2 + 1
    elif fft_type == "irfft":
        for a, n in zip(axes, lengths):
            shape[a] = n
    dtype = _real_dtype(x.dtype) if fft_type == "irfft" else _complex_dtype(x.dtype)
    return ShapedArray(tuple(shape), dtype)


fft_p.impl = _fft_impl
fft_p.abstract_eval = _fft_abstract_eval
fft_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)


def fft(x: ArrayLike, fft_type: str, axes: Sequence[int], lengths: Sequence[int],
        norm: str = "backward") -> Array:
    """The `fft_type` transform of x over `axes` with sizes `lengths` (see the module doc)."""
    return fft_p.bind(x, fft_type=str(fft_type), axes=tuple(int(a) for a in axes),
                      lengths=tuple(int(n) for n in lengths), norm=str(norm))


def _fft_jvp(primals, tangents, **params):
    (x,), (t,) = primals, tangents
    return fft_p.bind(x, **params), (None if t is None else fft_p.bind(t, **params))


def _irfft_mask(n_out, length, ndim, axis, dtype):
    """(1, 2, ..., 2, 1): each stored frequency counted with its conjugate twin (the last 1 only
    for even lengths), shaped to broadcast along `axis`."""
    m = np.full(n_out, 2.0)
    m[0] = 1.0
    if length % 2 == 0:
        m[-1] = 1.0
    shape = [1] * ndim
    shape[axis] = n_out
    return wrap_value(m.reshape(shape).astype(dtype))


def _fft_vjp(ct, ans, x, *, fft_type, axes, lengths, norm):
    x_complex = get_aval(x).dtype.kind == "c"
    if fft_type in ("fft", "ifft"):
        g = fft(ct, fft_type, axes, lengths, norm)
        return g if x_complex else real(g)
    ax, n = axes[-1], lengths[-1]
    if fft_type == "rfft":
        nd = get_aval(ct).ndim
        cfg = [(0, 0, 0)] * nd
        cfg[ax] = (0, n - (n // 2 + 1), 0)
        return real(fft(pad(ct, 0, cfg), "fft", axes, lengths, norm))
    # irfft
    g = fft(ct, "rfft", axes, lengths, _SWAP[norm])
    ga = get_aval(g)
    g = conj(g * _irfft_mask(ga.shape[ax], n, ga.ndim, ax, _real_dtype(ga.dtype)))
    return g if x_complex else real(g)


def _fft_batch(args, dims, *, fft_type, axes, lengths, norm):
    (x,), (bd,) = args, dims
    return fft_p.bind(x, fft_type=fft_type, axes=shift_axes(axes, bd), lengths=lengths,
                      norm=norm), bd


fft_p.jvp = _fft_jvp
defvjp(fft_p, _fft_vjp)
fft_p.batch = _fft_batch
