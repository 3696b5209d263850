"""scipy.linalg's special matrices that linalg.py does not already build (toeplitz, hankel,
circulant, companion and block_diag are there): hilbert, invhilbert, pascal, invpascal, leslie,
fiedler, fiedler_companion, helmert, hadamard, dft and convolution_matrix. The ones built from
an array (leslie, fiedler, fiedler_companion, convolution_matrix) are differentiable in it;
the others depend on sizes only. Integer results are exact (Python integers, then the dtype
scipy gives)."""
from __future__ import annotations

from math import comb, sqrt
from typing import Any

import numpy as np

from .. import numpy as fnp
from .._core.array import Array
from .._core.typing import ArrayLike
from ._linalg_common import _prep, _shape

__all__ = ["convolution_matrix", "dft", "fiedler", "fiedler_companion", "hadamard", "helmert",
           "hilbert", "invhilbert", "invpascal", "leslie", "pascal"]


def _size(name: str, n: Any, low: int = 0) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < low:
        raise ValueError(f"{name}: `n` = {n!r} must be an integer >= {low}.")
    return int(n)


def _exact(name: str, rows: list[list[int]], dtype: Any, n: int, limit: int) -> Array:
    if n > limit:
        raise ValueError(f"{name}: exact=True with n = {n} > {limit} overflows {np.dtype(dtype)} "
                         "(scipy returns Python integers in an object array, which funcgrad "
                         "arrays cannot hold); pass exact=False for floats.")
    return fnp.asarray(np.array(rows, dtype=dtype).reshape(n, n))


def hilbert(n: int) -> Array:
    """scipy.linalg.hilbert: h[i, j] = 1 / (i + j + 1).

    >>> from funcgrad.scipy.linalg import hilbert
    >>> hilbert(2)
    Array([[1.        , 0.5       ],
           [0.5       , 0.33333333]], dtype=float64)
    """
    n = _size("hilbert", n)
    i = np.arange(n)
    return fnp.asarray(1.0 / (i[:, None] + i[None, :] + 1.0))


def invhilbert(n: int, exact: bool = False) -> Array:
    """scipy.linalg.invhilbert: the exact inverse of hilbert(n), entry (i, j) = (-1)^(i+j)
    (i + j + 1) C(n + i, n - j - 1) C(n + j, n - i - 1) C(i + j, i)^2; float64, or int64 with
    exact=True (n <= 14).

    >>> from funcgrad.scipy.linalg import invhilbert
    >>> invhilbert(2, exact=True)
    Array([[ 4, -6],
           [-6, 12]], dtype=int64)
    """
    n = _size("invhilbert", n)
    rows = [[(-1) ** (i + j) * (i + j + 1) * comb(n + i, n - j - 1) * comb(n + j, n - i - 1)
             * comb(i + j, i) ** 2 for j in range(n)] for i in range(n)]
    if exact:
        return _exact("invhilbert", rows, np.int64, n, 14)
    return fnp.asarray(np.array(rows, dtype=np.float64).reshape(n, n))


_KINDS = ("symmetric", "lower", "upper")


def _pascal_rows(name: str, n: int, kind: str, inverse: bool) -> list[list[int]]:
    if kind not in _KINDS:
        raise ValueError(f"{name}: `kind` = {kind!r} must be 'symmetric', 'lower' or 'upper'.")
    sign = (lambda i, j: (-1) ** (i + j)) if inverse else (lambda i, j: 1)
    low = [[sign(i, j) * comb(i, j) for j in range(n)] for i in range(n)]
    if kind == "lower":
        return low
    if kind == "upper":
        return [list(r) for r in zip(*low)]
    if not inverse:   # P = L L^T: P[i, j] = C(i + j, i)
        return [[comb(i + j, i) for j in range(n)] for i in range(n)]
    # P^-1 = L^-T L^-1
    return [[sum(low[k][i] * low[k][j] for k in range(n)) for j in range(n)] for i in range(n)]


def pascal(n: int, kind: str = "symmetric", exact: bool = True) -> Array:
    """scipy.linalg.pascal: binomial coefficients C(i + j, i) ('symmetric'), C(i, j) ('lower')
    or its transpose ('upper'); uint64 with exact=True (n <= 35), else float64.

    >>> from funcgrad.scipy.linalg import pascal
    >>> pascal(3)
    Array([[1, 1, 1],
           [1, 2, 3],
           [1, 3, 6]], dtype=uint64)
    """
    n = _size("pascal", n)
    rows = _pascal_rows("pascal", n, kind, False)
    if exact:
        return _exact("pascal", rows, np.uint64, n, 35)
    return fnp.asarray(np.array(rows, dtype=np.float64).reshape(n, n))


def invpascal(n: int, kind: str = "symmetric", exact: bool = True) -> Array:
    """scipy.linalg.invpascal: the inverse of pascal(n, kind); int64 with exact=True
    (n <= 34), else float64.

    >>> from funcgrad.scipy.linalg import invpascal
    >>> invpascal(3)
    Array([[ 3, -3,  1],
           [-3,  5, -2],
           [ 1, -2,  1]], dtype=int64)
    """
    n = _size("invpascal", n)
    rows = _pascal_rows("invpascal", n, kind, True)
    if exact:
        return _exact("invpascal", rows, np.int64, n, 34)
    return fnp.asarray(np.array(rows, dtype=np.float64).reshape(n, n))


def leslie(f: ArrayLike, s: ArrayLike) -> Array:
    """scipy.linalg.leslie: the Leslie matrix with fecundity f (..., n) in its first row and
    survival s (..., n - 1) on its subdiagonal.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import leslie
    >>> leslie(fnp.array([0.1, 2.0, 1.0]), fnp.array([0.2, 0.8]))
    Array([[0.1, 2. , 1. ],
           [0.2, 0. , 0. ],
           [0. , 0.8, 0. ]], dtype=float64)
    """
    f, s = _prep(f, s)
    sf, ss = _shape(f), _shape(s)
    if len(sf) < 1 or len(ss) < 1 or ss[-1] < 1 or ss[-1] != sf[-1] - 1:
        raise ValueError(f"leslie: `f` {sf} and `s` {ss} must be (..., n) and (..., n - 1) "
                         "with n >= 2.")
    n = sf[-1]
    lead = tuple(np.broadcast_shapes(sf[:-1], ss[:-1]))
    dt = np.result_type(f.dtype, s.dtype)
    top = fnp.expand_dims(fnp.broadcast_to(f, lead + (n,)), -2).astype(dt)
    sub = fnp.broadcast_to(s, lead + (n - 1,)).astype(dt)
    below = fnp.expand_dims(sub, -1) * np.eye(n - 1, n, dtype=dt)
    return fnp.concatenate([top, below], axis=-2)


def fiedler(a: ArrayLike) -> Array:
    """scipy.linalg.fiedler: f[i, j] = |a[i] - a[j]| for a (..., n).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import fiedler
    >>> fiedler(fnp.array([1.0, 4.0, 2.0]))
    Array([[0., 3., 1.],
           [3., 0., 2.],
           [1., 2., 0.]], dtype=float64)
    """
    a = _prep(a)
    if len(_shape(a)) < 1:   # scipy's atleast_1d: a scalar is one point
        a = fnp.reshape(a, (1,))
    if _shape(a) == (0,):
        return fnp.zeros((0,), a.dtype)   # scipy's result for an empty a
    if _shape(a) == (1,):
        return fnp.zeros((1, 1))          # scipy's for one point: float64 whatever a's dtype
    return fnp.abs(fnp.expand_dims(a, -1) - fnp.expand_dims(a, -2))


def fiedler_companion(a: ArrayLike) -> Array:
    """scipy.linalg.fiedler_companion: the pentadiagonal companion matrix (M. Fiedler, "A note
    on companion matrices", 2003) of the polynomial with coefficients a (..., n + 1), highest
    power first, a[0] != 0: its eigenvalues are the roots. With c = a[1:] / a[0]: the first
    column starts (-c[0], 1); -c[k] joins rows/columns k - 1 and k, above the diagonal when
    k - 1 is even, below when odd; ones two places off the diagonal, above at even rows and
    below at odd ones.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import fiedler_companion
    >>> fiedler_companion(fnp.array([1.0, -6.0, 11.0, -6.0]))
    Array([[  6., -11.,   1.],
           [  1.,   0.,   0.],
           [  0.,   6.,   0.]], dtype=float64)
    """
    a = _prep(a)
    if len(_shape(a)) < 1:   # scipy's atleast_1d
        a = fnp.reshape(a, (1,))
    lead, size = _shape(a)[:-1], _shape(a)[-1]
    dt = a.dtype if a.dtype.kind in "fc" else np.dtype(np.float64)
    if size <= 1:   # a constant: scipy's empty result
        return fnp.zeros(lead + (0,), dt)
    try:
        zero_lead = bool(fnp.any(a[..., 0] == 0))
    except TypeError:   # a traced value (under jit): not checked
        zero_lead = False
    if zero_lead:
        raise ValueError("fiedler_companion: the leading coefficient `a[0]` is zero; drop the "
                         "leading zeros (numpy.trim_zeros(a, 'f')).")
    c = (a[..., 1:] / a[..., :1]).astype(dt)
    n = size - 1
    places: list[tuple[int, int, Any]] = [(0, 0, -c[..., 0])]
    if n > 1:
        places.append((1, 0, 1.0))
    for k in range(1, n):
        i, j = (k - 1, k) if (k - 1) % 2 == 0 else (k, k - 1)
        places.append((i, j, -c[..., k]))
    for k in range(2, n):
        i, j = (k - 2, k) if (k - 2) % 2 == 0 else (k, k - 2)
        places.append((i, j, 1.0))
    out = fnp.zeros(lead + (n, n), dt)
    for i, j, v in places:
        out = out.at[..., i, j].set(v)
    return out


def helmert(n: int, full: bool = False) -> Array:
    """scipy.linalg.helmert: the Helmert matrix; row 0 is 1 / sqrt(n) (kept with full=True),
    row i >= 1 is 1 / sqrt(i (i + 1)) in its first i entries and -i / sqrt(i (i + 1)) next.

    >>> from funcgrad.scipy.linalg import helmert
    >>> helmert(2, full=True)
    Array([[ 0.70710678,  0.70710678],
           [ 0.70710678, -0.70710678]], dtype=float64)
    """
    n = _size("helmert", n, 1)
    h = np.zeros((n, n))
    h[0] = 1 / sqrt(n)
    for i in range(1, n):
        h[i, :i] = 1 / sqrt(i * (i + 1))
        h[i, i] = -i / sqrt(i * (i + 1))
    return fnp.asarray(h if full else h[1:])


def hadamard(n: int, dtype: Any = int) -> Array:
    """scipy.linalg.hadamard: Sylvester's Hadamard matrix of order n (a power of 2):
    [[H, H], [H, -H]] from H = [[1]].

    >>> from funcgrad.scipy.linalg import hadamard
    >>> hadamard(2)
    Array([[ 1,  1],
           [ 1, -1]], dtype=int64)
    """
    n = _size("hadamard", n, 1)
    if n & (n - 1):
        raise ValueError(f"hadamard: `n` = {n} must be a positive integer and a power of 2.")
    h = np.ones((1, 1), dtype=dtype)
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return fnp.asarray(h)


def dft(n: int, scale: str | None = None) -> Array:
    """scipy.linalg.dft: the DFT matrix m[j, k] = exp(-2 pi i j k / n), divided by sqrt(n)
    (scale='sqrtn') or n (scale='n').

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import dft
    >>> fnp.round(fnp.real(dft(2)), 6)
    Array([[ 1.,  1.],
           [ 1., -1.]], dtype=float64)
    """
    if scale not in (None, "sqrtn", "n"):
        raise ValueError(f"dft: `scale` = {scale!r} must be None, 'sqrtn' or 'n'.")
    n = _size("dft", n)
    jk = np.outer(np.arange(n), np.arange(n)) % max(n, 1)
    m = np.exp(-2j * np.pi * jk / max(n, 1))
    if scale == "sqrtn":
        m = m / sqrt(n)
    elif scale == "n":
        m = m / n
    return fnp.asarray(m)


def convolution_matrix(a: ArrayLike, n: int, mode: str = "full") -> Array:
    """scipy.linalg.convolution_matrix: the Toeplitz matrix A with A @ v = numpy.convolve(a, v,
    mode) for every v of length n; a (m,) or (..., m).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import convolution_matrix
    >>> convolution_matrix(fnp.array([1.0, 2.0]), 2)
    Array([[1., 0.],
           [2., 1.],
           [0., 2.]], dtype=float64)
    """
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"convolution_matrix: `mode` = {mode!r} must be 'full', 'same' or "
                         "'valid'.")
    n = _size("convolution_matrix", n, 1)
    a = _prep(a)
    sa = _shape(a)
    if len(sa) < 1 or sa[-1] == 0:
        raise ValueError(f"convolution_matrix: `a` must be (..., m) with m >= 1, got shape {sa}.")
    m = sa[-1]
    rows = np.arange(m + n - 1)[:, None] - np.arange(n)[None, :]   # row i, column j: a[i - j]
    inside = (rows >= 0) & (rows < m)
    full = fnp.where(inside, fnp.take(a, np.clip(rows, 0, m - 1), axis=-1), 0).astype(a.dtype)
    if mode == "full":
        return full
    length = max(m, n) if mode == "same" else max(m, n) - min(m, n) + 1
    start = (min(m, n) - 1) // 2 if mode == "same" else min(m, n) - 1
    return full[..., start:start + length, :]
