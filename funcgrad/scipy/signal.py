"""funcgrad.scipy.signal: N-dimensional convolution and correlation, as jax.scipy.signal.

The direct method is one lax.conv_general_dilated (a cross-correlation, so the kernel is
flipped); the FFT method multiplies real (or complex) FFTs padded to the full size. Both are
differentiable in both inputs. Modes as scipy: 'full', 'same' (the size of in1, centered) and
'valid' (the size by which one input exceeds the other, which must be at least as large in every
dimension)."""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

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
    if n == 0:
        raise ValueError(f"detrend: data has no samples along axis {axis} (shape {x.shape}); "
                         "a linear trend needs at least one (type='constant' accepts none)")
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


# ---- spectral analysis: stft, csd, welch --------------------------------------------------------

_WINDOWS = {  # periodic (fftbins=True) cosine-sum windows, as scipy.signal.get_window's
    "hann": (0.5, 0.5), "hanning": (0.5, 0.5), "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.5, 0.08), "boxcar": (1.0,), "rectangular": (1.0,), "ones": (1.0,),
}


def _window(window, nperseg, input_length, dtype):
    """(window array, nperseg) as scipy's _triage_segments: a named window of nperseg (256 by
    default, cut to the input's length with scipy's warning) or an array giving both."""
    if isinstance(window, str) or isinstance(window, tuple):
        name = window if isinstance(window, str) else window[0]
        if name not in _WINDOWS:
            raise ValueError(f"window={window!r} is not supported: use one of "
                             f"{sorted(_WINDOWS)} or pass the window as an array")
        n = 256 if nperseg is None else int(nperseg)
        if n > input_length:
            warnings.warn(f"nperseg = {n} is greater than input length  = {input_length}, "
                          f"using nperseg = {input_length}", UserWarning, stacklevel=3)
            n = input_length
        k = 2 * np.pi * np.arange(n) / n
        coefs = _WINDOWS[name]
        # a window of one sample is [1.] whatever its shape (scipy's length guard), not the
        # cosine sum's value at 0 (0 for hann: a zero window, and NaN spectra)
        win = np.ones(n) if n <= 1 else sum(((-1) ** j) * c * np.cos(j * k)
                                            for j, c in enumerate(coefs))
        return fnp.asarray(np.asarray(win, dtype=np.float64).astype(dtype)), n
    win = fnp.asarray(window)
    if win.ndim != 1:
        raise ValueError("window must be 1-D")
    if input_length < win.shape[0]:
        raise ValueError("window is longer than input signal")
    if nperseg is not None and int(nperseg) != win.shape[0]:
        raise ValueError("value specified for nperseg is different from length of window")
    return win.astype(dtype), int(win.shape[0])


def _extend(x, n, boundary):
    """x extended by n samples at both ends of its last axis."""
    if boundary is None or n == 0:
        return x
    widths = [(0, 0)] * (x.ndim - 1) + [(n, n)]
    if boundary == "zeros":
        return fnp.pad(x, widths)
    if boundary == "constant":
        return fnp.pad(x, widths, mode="edge")
    if boundary == "even":
        return fnp.pad(x, widths, mode="reflect")
    # odd: 2 x[0] - x[n:0:-1] on the left, 2 x[-1] - x[-2:-n-2:-1] on the right
    even = fnp.pad(x, widths, mode="reflect")
    return fnp.concatenate([2 * x[..., :1] - even[..., :n], x,
                            2 * x[..., -1:] - even[..., -n:]], axis=-1)


def _spectral(x, y, fs, window, nperseg, noverlap, nfft, detrend_type, return_onesided,
              scaling, axis, mode, boundary, padded):
    """(freqs, times, result) with the frequency axis at `axis` and the segments last."""
    if boundary not in (None, "zeros", "constant", "even", "odd"):
        raise ValueError(f"Unknown boundary option '{boundary}', must be one of: "
                         f"['even', 'odd', 'constant', 'zeros', None]")
    x = fnp.asarray(x)
    if x.dtype.kind not in "fc":
        x = x.astype(np.float64)
    if y is not None:
        y = fnp.asarray(y)
        dt = fnp.result_type(x, y, 1.0)
        x, y = x.astype(dt), y.astype(dt)
        if x.ndim != y.ndim:
            raise ValueError(f"x and y must have the same rank ({x.ndim} vs {y.ndim})")
    complex_in = x.dtype.kind == "c"
    if complex_in and return_onesided:
        warnings.warn("Input data is complex, switching to return_onesided=False",
                      UserWarning, stacklevel=3)
        return_onesided = False
    real_dtype = np.float32 if x.dtype in (np.float32, np.complex64) else np.float64
    x = fnp.moveaxis(x, axis, -1)
    if y is not None:
        y = fnp.moveaxis(y, axis, -1)
        n = max(x.shape[-1], y.shape[-1])
        x = fnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, n - x.shape[-1])])
        y = fnp.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, n - y.shape[-1])])
    if nperseg is not None and int(nperseg) < 1:
        raise ValueError("nperseg must be a positive integer")
    win, nperseg = _window(window, nperseg, x.shape[-1], real_dtype)
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    nfft = nperseg if nfft is None else int(nfft)
    if nfft < nperseg:
        raise ValueError("nfft must be greater than or equal to nperseg.")
    if noverlap >= nperseg:
        raise ValueError("noverlap must be less than nperseg.")
    step = nperseg - noverlap
    signals = [x] if y is None else [x, y]
    signals = [_extend(v, nperseg // 2, boundary) for v in signals]
    if padded:
        extra = (-(signals[0].shape[-1] - nperseg) % step) % nperseg
        signals = [fnp.pad(v, [(0, 0)] * (v.ndim - 1) + [(0, extra)]) for v in signals]
    length = signals[0].shape[-1]
    starts = np.arange(0, length - nperseg + 1, step)
    index = starts[:, None] + np.arange(nperseg)
    spectra = []
    for v in signals:
        frames = v[..., index]  # (..., segments, nperseg)
        if detrend_type is not False:
            frames = detrend_type(frames) if callable(detrend_type) else \
                detrend(frames, axis=-1, type=detrend_type)
        frames = frames * win
        spectra.append(fnp.fft.rfft(frames, n=nfft) if return_onesided else
                       fnp.fft.fft(frames, n=nfft))
    if scaling == "density":
        scale = 1.0 / (fs * fnp.sum(win * win))
    elif scaling == "spectrum":
        scale = 1.0 / fnp.sum(win) ** 2
    elif scaling == "psd" and mode == "stft":
        scale = 1.0 / (fs * fnp.sum(win * win))
    else:
        raise ValueError(f"Unknown scaling: {scaling!r}")
    if mode == "stft":
        result = spectra[0] * fnp.sqrt(scale)
    else:
        other = spectra[0] if y is None else spectra[1]
        result = fnp.conj(spectra[0]) * other * scale
        if return_onesided:
            last = -1 if nfft % 2 == 0 else None
            doubled = fnp.concatenate([result[..., :1], 2 * result[..., 1:last],
                                       result[..., last:] if last else result[..., :0]], -1)
            result = doubled
        if y is None:
            result = fnp.real(result)
    freqs = (np.fft.rfftfreq(nfft, 1 / fs) if return_onesided else
             np.fft.fftfreq(nfft, 1 / fs)).astype(real_dtype)
    times = (np.arange(nperseg / 2, length - nperseg / 2 + 1, step) / fs).astype(real_dtype)
    if boundary is not None:
        times = times - (nperseg / 2) / fs
    # (..., segments, freqs) -> the frequencies at `axis`, the segments last
    result = fnp.moveaxis(result, -1, axis - 1 if axis < 0 else axis)
    return fnp.asarray(freqs), fnp.asarray(times.astype(real_dtype)), result


def _empty_spectrum(x, y):
    """scipy's answer for a signal with no samples (x or y of size 0): an empty float64 array
    of that signal's shape for each output (frequencies, times and spectrum alike); None for a
    nonempty signal."""
    for v in (x, y):
        if v is not None and fnp.asarray(v).size == 0:
            return fnp.zeros(fnp.shape(v), np.float64)
    return None


def stft(x: ArrayLike, fs: float = 1.0, window: str | ArrayLike = "hann", nperseg: int = 256,
         noverlap: int | None = None, nfft: int | None = None,
         detrend: bool | str | Callable[[Array], Array] = False, return_onesided: bool = True,
         boundary: str | None = "zeros", padded: bool = True, axis: int = -1,
         scaling: str = "spectrum") -> tuple[Array, Array, Array]:
    """The short-time Fourier transform (freqs, times, Zxx) as scipy.signal.stft: windowed
    segments of nperseg samples every nperseg - noverlap, extended at both ends by `boundary`
    and zero-padded to whole segments. Windows: 'hann', 'hamming', 'blackman', 'boxcar' or an
    array. Differentiable in x.

    >>> f, t, z = stft(fnp.arange(16.0), nperseg=8)
    >>> z.shape, float(f[1]), float(t[1])
    ((5, 5), 0.125, 4.0)
    """
    empty = _empty_spectrum(x, None)
    if empty is not None:
        return empty, empty, empty
    return _spectral(x, None, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                     scaling, axis, "stft", boundary, padded)


def csd(x: ArrayLike, y: ArrayLike | None, fs: float = 1.0, window: str | ArrayLike = "hann",
        nperseg: int | None = None, noverlap: int | None = None, nfft: int | None = None,
        detrend: bool | str | Callable[[Array], Array] = "constant",
        return_onesided: bool = True, scaling: str = "density", axis: int = -1,
        average: str = "mean") -> tuple[Array, Array]:
    """The cross power spectral density (freqs, Pxy) by Welch's method, as scipy.signal.csd
    (y=None: the auto spectrum of x, real). average: 'mean' or 'median' (bias-corrected).

    >>> f, p = csd(fnp.sin(fnp.arange(64.0)), fnp.cos(fnp.arange(64.0)), nperseg=16)
    >>> p.shape, p.dtype
    ((9,), dtype('complex128'))
    """
    if average not in ("mean", "median"):
        raise ValueError(f'average must be "median" or "mean", got {average}')
    empty = _empty_spectrum(x, y)
    if empty is not None:
        return empty, empty
    freqs, _, pxy = _spectral(x, y, fs, window, nperseg, noverlap, nfft, detrend,
                              return_onesided, scaling, axis, "psd", None, False)
    if y is not None and pxy.dtype.kind != "c":
        pxy = pxy.astype(np.complex64 if pxy.dtype == np.float32 else np.complex128)
    nseg = pxy.shape[-1]
    if nseg > 1:
        if average == "median":
            # the median of chi-squared(2) samples over their mean: 1 + sum_i 1/(2i+1) - 1/(2i)
            bias = 1.0 + sum(1 / (2 * i + 1) - 1 / (2 * i) for i in range(1, (nseg - 1) // 2 + 1))
            if pxy.dtype.kind == "c":
                pxy = (fnp.median(fnp.real(pxy), axis=-1) +
                       1j * fnp.median(fnp.imag(pxy), axis=-1)) / bias
            else:
                pxy = fnp.median(pxy, axis=-1) / bias
        else:
            pxy = fnp.mean(pxy, axis=-1)
    else:
        pxy = fnp.reshape(pxy, pxy.shape[:-1])
    return freqs, pxy


def welch(x: ArrayLike, fs: float = 1.0, window: str | ArrayLike = "hann",
          nperseg: int | None = None, noverlap: int | None = None, nfft: int | None = None,
          detrend: bool | str | Callable[[Array], Array] = "constant",
          return_onesided: bool = True, scaling: str = "density", axis: int = -1,
          average: str = "mean") -> tuple[Array, Array]:
    """The power spectral density (freqs, Pxx) by Welch's method, as scipy.signal.welch.

    >>> f, p = welch(fnp.sin(fnp.arange(64.0)), nperseg=16)
    >>> int(fnp.argmax(p)), round(float(f[int(fnp.argmax(p))]), 4)
    (3, 0.1875)
    """
    freqs, pxx = csd(x, None, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                     scaling, axis, average)
    return freqs, fnp.real(pxx)


def istft(Zxx: ArrayLike, fs: float = 1.0, window: str | ArrayLike = "hann",
          nperseg: int | None = None, noverlap: int | None = None, nfft: int | None = None,
          input_onesided: bool = True, boundary: bool = True, time_axis: int = -1,
          freq_axis: int = -2, scaling: str = "spectrum") -> tuple[Array, Array]:
    """The inverse short-time Fourier transform (times, x) as scipy.signal.istft: each segment's
    inverse FFT, windowed and overlap-added, divided by the overlap-added squared window (where
    that exceeds 1e-10); `boundary` drops the nperseg // 2 samples stft added at each end.

    >>> x = fnp.arange(16.0)
    >>> t, back = istft(stft(x, nperseg=8)[2], nperseg=8)
    >>> bool(fnp.allclose(back[:16], x))
    True
    """
    z = fnp.asarray(Zxx)
    if z.ndim < 2:
        raise ValueError("Input stft must be at least 2d!")
    nd = z.ndim
    freq_axis, time_axis = freq_axis % nd, time_axis % nd
    if freq_axis == time_axis:
        raise ValueError("Must specify differing time and frequency axes!")
    nseg = z.shape[time_axis]
    n_default = 2 * (z.shape[freq_axis] - 1) if input_onesided else z.shape[freq_axis]
    nperseg = n_default if nperseg is None else int(nperseg)
    if nperseg < 1:
        raise ValueError("nperseg must be a positive integer")
    if nfft is None:
        if input_onesided and nperseg == n_default + 1:
            nfft = nperseg  # an odd nperseg
        else:
            nfft = n_default
    elif nfft < nperseg:
        raise ValueError("nfft must be greater than or equal to nperseg.")
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    if noverlap >= nperseg:
        raise ValueError("noverlap must be less than nperseg.")
    step = nperseg - noverlap
    z = fnp.moveaxis(z, (freq_axis, time_axis), (-1, -2))  # (..., segments, freqs)
    real_dtype = np.float32 if z.dtype in (np.float32, np.complex64) else np.float64
    frames = (fnp.fft.irfft(z, n=nfft) if input_onesided else fnp.fft.ifft(z, n=nfft))
    frames = frames[..., :nperseg]
    win, _ = _window(window, nperseg, nperseg, real_dtype)
    if scaling == "spectrum":
        frames = frames * fnp.sum(win)
    elif scaling == "psd":
        frames = frames * fnp.sqrt(fs * fnp.sum(win * win))
    else:
        raise ValueError(f"Parameter scaling={scaling!r} not in ['spectrum', 'psd']!")
    length = nperseg + (nseg - 1) * step
    lead = [(0, 0)] * (frames.ndim - 2)
    x = None
    for i in range(nseg):
        part = fnp.pad(frames[..., i, :] * win, lead + [(i * step, length - nperseg - i * step)])
        x = part if x is None else x + part
    norm = np.zeros(length, dtype=np.float64)
    w_host = np.asarray(win, dtype=np.float64)
    for i in range(nseg):
        norm[i * step:i * step + nperseg] += w_host ** 2
    if x is None:
        x = fnp.zeros(z.shape[:-2] + (length,), dtype=frames.dtype)
    if boundary:
        x = x[..., nperseg // 2:length - nperseg // 2]
        norm = norm[nperseg // 2:length - nperseg // 2]
    if not np.all(norm > 1e-10):
        warnings.warn("NOLA condition failed, STFT may not be invertible. Possibly due to "
                      "missing boundary", UserWarning, stacklevel=2)
    x = x / np.where(norm > 1e-10, norm, 1.0).astype(real_dtype)
    if input_onesided:
        x = fnp.real(x)
    if x.ndim > 1 and time_axis != nd - 1:
        x = fnp.moveaxis(x, -1, time_axis - 1 if freq_axis < time_axis else time_axis)
    times = fnp.asarray((np.arange(x.shape[0]) / fs).astype(real_dtype))  # x.shape[0], as scipy
    return times, x


__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "csd", "detrend", "fftconvolve",
           "istft", "stft", "welch"]
