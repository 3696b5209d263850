"""torch.fft: each transform is one recorded operation computed by funcgrad.numpy.fft (complex64
for float32 input, as PyTorch; numpy's own FFT works in double precision)."""
from __future__ import annotations

import numpy as np

from .. import lax
from ..numpy import fft as _fft
from . import _dtypes as D
from ._dispatch import apply_op
from ._size import as_device, storage_on
from ._storage import wrap_dim
from ._tensor import Tensor

__all__ = ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "fftn", "ifftn", "rfft2", "irfft2",
           "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _complex_of(t):
    return (t.dtype if t.dtype.is_complex else
            D.complex128 if t.dtype is D.float64 else D.complex64)


def _real_of(t):
    return D.float64 if t.dtype in (D.float64, D.complex128) else D.get_default_dtype()


def _transform(np_name, out):
    """torch.fft.<np_name>: funcgrad.numpy.fft's, in PyTorch's dtype (out: "complex" or "real")
    and with its grad_fn name."""
    fn = getattr(_fft, np_name)

    one_d = np_name in ("fft", "ifft", "rfft", "irfft")

    def op(input, *args, norm=None, **kwargs):
        # PyTorch's names: dim (an int for the 1-d transforms, a sequence for the others)
        if "dim" in kwargs:
            dim = kwargs.pop("dim")
            if one_d:
                kwargs["axis"] = wrap_dim(dim, input.ndim)
            elif dim is not None:
                kwargs["axes"] = tuple(wrap_dim(d, input.ndim) for d in
                                       ((dim,) if isinstance(dim, int) else dim))
        n = kwargs.get("n", args[0] if one_d and args else None)
        if n is not None and n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
        dt = _complex_of(input) if out == "complex" else _real_of(input)
        real_in = not input.dtype.is_complex
        grad_name = ("FftC2RBackward0" if out == "real" else
                     "FftR2CBackward0" if real_in and np_name in ("fft", "rfft", "rfft2", "rfftn")
                     else "ConjBackward0" if real_in and np_name == "ifft" else
                     "FftC2CBackward0")
        return apply_op(grad_name, lambda x: lax.convert_element_type(
            fn(x, *args, norm=norm, **kwargs), dt.np), [input], saves=False, dtype=dt)
    op.__name__ = np_name
    return op


fft, ifft, rfft, fft2, ifft2, fftn, ifftn, rfft2, rfftn = (_transform(name, "complex") for name in (
    "fft", "ifft", "rfft", "fft2", "ifft2", "fftn", "ifftn", "rfft2", "rfftn"))
irfft, irfft2, irfftn = (_transform(name, "real") for name in ("irfft", "irfft2", "irfftn"))


def _frequencies(np_fn, n, d, dtype, device):
    return Tensor._make(storage_on(np_fn(n, d).astype((dtype or D.get_default_dtype()).np),
                                   as_device(device)))


def fftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False):
    return _frequencies(np.fft.fftfreq, n, d, dtype, device)


def rfftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False):
    return _frequencies(np.fft.rfftfreq, n, d, dtype, device)


def _shift(input, dim, direction):
    """input rolled by half its length (times direction) along dim (every dimension: None)."""
    dims = tuple(range(input.ndim)) if dim is None else (
        (dim,) if isinstance(dim, int) else tuple(dim))
    return input.roll([direction * (input.shape[d] // 2) for d in dims], dims)


def fftshift(input, dim=None):
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    return _shift(input, dim, -1)
