"""Numerically safe scalar pieces shared by the transformations: step counts that saturate
instead of wrapping, |x|**2 and norms whose gradient is finite at zero, the dtype a scalar
hyperparameter is computed in (and the default integer that goes with it), and decay powers
rounded as XLA rounds them (so bias corrections match optax's to the last bit in float32)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from .._core.array import Array
from .._core.typing import ArrayLike, DTypeLike


def cast_like(s: Any, x: Any) -> Any:
    """s in x's dtype when s is an array; Python scalars stay weakly typed as they are.

    >>> import funcgrad.numpy as fnp
    >>> cast_like(fnp.asarray(0.5), fnp.ones(2, fnp.float32)).dtype
    dtype('float32')
    >>> cast_like(0.5, fnp.ones(2, fnp.float32))
    0.5
    """
    if isinstance(s, (int, float)):
        return s
    return fnp.asarray(s, fnp.asarray(x).dtype)


def scalar_dtype(x: Any) -> np.dtype:
    """The real dtype in which optax computes a scalar (a bias correction, a decay) that meets
    leaves like `x`: JAX's default float, float32 for float32 (and narrower) leaves run without
    x64, float64 for float64 leaves. funcgrad has no global x64 switch, so the leaf decides.

    >>> import funcgrad.numpy as fnp
    >>> scalar_dtype(fnp.ones(2, fnp.float16)), scalar_dtype(fnp.ones(2, fnp.complex128))
    (dtype('float32'), dtype('float64'))
    """
    dt = np.dtype(fnp.asarray(x).dtype)
    if dt.kind == "c":
        dt = np.finfo(dt).dtype
    elif dt.kind != "f":
        dt = np.dtype(np.float64)
    return np.promote_types(dt, np.float32)


def default_int(dtype: DTypeLike) -> np.dtype:
    """JAX's default integer under the precision a float `dtype` implies: int64 with x64 (a
    64-bit float or complex64 and wider), int32 otherwise.

    >>> default_int(np.float32), default_int(np.float64)
    (dtype('int32'), dtype('int64'))
    """
    return np.dtype(np.int64 if np.dtype(dtype).itemsize >= 8 else np.int32)


def decay_power(base: ArrayLike, count: ArrayLike, dtype: DTypeLike) -> Array:
    """base ** count in `dtype`, as optax's jitted bias correction gets it from XLA: base taken
    in `dtype`, the power computed in float64 and rounded once. In float32 that matters:
    1 - 0.999**t loses three digits to cancellation, so a last-bit difference of 0.999**t
    becomes a 1e-5 relative error of the bias correction.

    >>> import funcgrad.numpy as fnp
    >>> decay_power(0.999, fnp.asarray(3, fnp.int32), fnp.float32)
    Array(0.997003, dtype=float32)
    """
    x = fnp.asarray(fnp.asarray(base, dtype), fnp.float64)
    return fnp.asarray(x ** fnp.asarray(count, fnp.float64), dtype)


def abs_sq(x: ArrayLike) -> Array:
    """|x|**2 elementwise, real for complex x (x.conj() * x without the zero imaginary part).

    >>> import funcgrad.numpy as fnp
    >>> abs_sq(fnp.array([3 + 4j, -2]))
    Array([25.,  4.], dtype=float64)
    """
    if not isinstance(x, (np.ndarray, Array)) and not hasattr(x, "aval"):
        raise ValueError(f"abs_sq accepts only arrays, got {x!r}; wrap it: fnp.asarray(x)")
    x = fnp.asarray(x)
    if np.dtype(x.dtype).kind == "c":
        return fnp.real(fnp.conj(x) * x)
    return x * x


def safe_norm(x: ArrayLike, min_norm: ArrayLike, ord: Any = None,  # noqa: A002 - numpy's name
              axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
    """max(norm(x), min_norm), with a finite gradient where norm(x) <= min_norm (there the
    norm is taken of ones instead, so the square root never sees 0).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> safe_norm(fnp.array([3.0, 4.0]), 1.0), safe_norm(fnp.zeros(2), 1.0)
    (Array(5., dtype=float64), Array(1., dtype=float64))
    >>> fg.grad(lambda x: safe_norm(x, 1e-3))(fnp.zeros(2))
    Array([0., 0.], dtype=float64)
    """
    x = fnp.asarray(x)
    norm = fnp.linalg.norm(x, ord=ord, axis=axis, keepdims=True)
    small = norm <= min_norm
    x = fnp.where(small, fnp.ones_like(x), x)
    if not keepdims:
        norm = fnp.squeeze(norm, axis=axis)
        small = norm <= min_norm
    masked = fnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    return fnp.where(small, min_norm, masked)


def safe_root_mean_squares(x: ArrayLike, min_rms: ArrayLike) -> Array:
    """max(sqrt(mean(|x|**2)), min_rms), with a finite gradient where the rms is below min_rms.

    >>> import funcgrad.numpy as fnp
    >>> safe_root_mean_squares(fnp.array([3.0, 4.0]), 1e-3)
    Array(3.53553391, dtype=float64)
    """
    x = fnp.asarray(x)
    if x.size == 0:  # the mean of nothing: NaN, as in optax, without numpy's 0/0 warning
        return fnp.full((), np.nan, scalar_dtype(x))
    rms = fnp.sqrt(fnp.mean(abs_sq(x)))
    small = rms <= min_rms
    x = fnp.where(small, fnp.ones_like(x), x)
    return fnp.where(small, min_rms, fnp.sqrt(fnp.mean(abs_sq(x))))


def safe_increment(count: ArrayLike) -> Array:
    """count + 1, saturating at the dtype's maximum instead of wrapping around (integer counts)
    or growing past it (float counts).

    >>> import funcgrad.numpy as fnp
    >>> safe_increment(fnp.asarray(2**31 - 1, fnp.int32)), safe_increment(fnp.asarray(2, fnp.int32))
    (Array(2147483647, dtype=int32), Array(3, dtype=int32))
    """
    count = fnp.asarray(count)
    dt = np.dtype(count.dtype)
    if dt.kind in "iu":
        top = np.iinfo(dt).max
    elif dt.kind == "f":
        top = np.finfo(dt).max
    else:
        raise ValueError(f"safe_increment: a count of dtype {dt} cannot be incremented; "
                         "counts are integer or floating arrays, e.g. fnp.zeros([], fnp.int32)")
    top = fnp.asarray(top, dt)
    return fnp.where(count < top, count + fnp.asarray(1, dt), top)


safe_int32_increment = safe_increment
"""The former name of safe_increment (optax keeps both)."""


def zero_count() -> Array:
    """A step count at zero: the int32 scalar every counting state starts from.

    >>> zero_count()
    Array(0, dtype=int32)
    """
    return fnp.zeros([], fnp.int32)
