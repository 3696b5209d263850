"""funcgrad.numpy.linalg: numpy.linalg's functions, names, signatures and errors, differentiable.

Each function is a thin composition of funcgrad's primitives (funcgrad/lax/linalg_ops.py holds
the decompositions and their derivative rules), so all of them work under grad, jvp, vmap and
jit. Integer input is converted to float64, as numpy.linalg does; float16 is refused, as there.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> a = fnp.array([[2.0, 1.0], [1.0, 3.0]])
>>> fnp.linalg.det(a)
Array(5., dtype=float64)
>>> fg.grad(lambda a: fnp.linalg.slogdet(a).logabsdet)(a)  # inv(a).T
Array([[ 0.6, -0.2],
       [-0.2,  0.4]], dtype=float64)

Derivatives, real and complex (JAX's convention), follow numpy's values: cholesky, eigh and
eigvalsh read only the UPLO triangle, so only it has a derivative (JAX symmetrizes instead).
Eigenvectors need distinct eigenvalues, singular vectors distinct nonzero singular values;
eig's eigenvectors keep unit norm (their phase is LAPACK's choice). eig and eigvals return
complex arrays always (as JAX; numpy returns real ones when every eigenvalue is real).
lstsq's rank and matrix_rank need concrete values (not under jit).
"""
from __future__ import annotations

import operator
import warnings
from collections import namedtuple
from typing import Any, Literal, Sequence, overload

import numpy as np
from numpy.linalg import LinAlgError

from .. import lax
from .._core.array import Array, wrap_value
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.trace import Tracer, get_aval
from .._core.typing import ArrayLike, DTypeLike
from ..lax import linalg_general as G
from ..lax import linalg_ops as L
from ._core import asarray, operand
from ._indexing import diagonal as _diagonal
from ._indexing import take_along_axis
from ._manipulation import broadcast_to, flip, moveaxis, ravel, reshape, transpose
from ._products import cross as _cross
from ._products import dot, matmul
from ._products import outer as _outer
from ._products import tensordot as _tensordot
from ._reductions import max as _max, min as _min, sum as _sum
from ._sorting_searching import argsort, where
from ._ufuncs import abs as _abs, conj, isnan, real, sqrt

__all__ = ["LinAlgError", "EigResult", "EighResult", "QRResult", "SVDResult", "SlogdetResult",
           "cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh",
           "inv", "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank",
           "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve",
           "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot",
           "vector_norm"]

EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
QRResult = namedtuple("QRResult", ["Q", "R"])
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])


class _NoValue:
    """numpy's sentinel for an argument not given (pinv's rtol)."""


# ---- conversions and checks ------------------------------------------------------------------

_SUPPORTED = tuple(np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))


def _linalg_dtype(*dtypes):
    """numpy.linalg's result type: float32/complex64 only if every input is single precision."""
    out = []
    for d in dtypes:
        d = np.dtype(d)
        if d.kind in "fc":
            if d not in _SUPPORTED:
                raise TypeError(f"array type {d.name} is unsupported in linalg")
            out.append(d)
        else:
            out.append(np.dtype(np.float64))
    return np.result_type(*out)


def _prep(*arrays):
    """Arrays converted to numpy.linalg's common inexact dtype."""
    xs = [asarray(operand(a)) for a in arrays]
    dt = _linalg_dtype(*[get_aval(x).dtype for x in xs])
    out = [x if get_aval(x).dtype == dt else lax.convert_element_type(x, dt) for x in xs]
    return out if len(out) > 1 else out[0]


def _error(msg):
    return L.LinAlgError(f"{msg}\n  at {user_frame()}\n{doc_link('shapeerror')}")


def _assert_stacked_2d(name, *arrays):
    for a in arrays:
        nd = get_aval(a).ndim
        if nd < 2:
            raise _error(f"{name}: {nd}-dimensional array given. Array must be at least "
                         "two-dimensional: a matrix (m, n) or a stack of them (..., m, n).")


def _assert_stacked_square(name, *arrays):
    _assert_stacked_2d(name, *arrays)
    for a in arrays:
        s = get_aval(a).shape
        if s[-1] != s[-2]:
            raise _error(f"{name}: Last 2 dimensions of the array must be square (got shape {s}).")


def _assert_2d(name, *arrays):
    for a in arrays:
        nd = get_aval(a).ndim
        if nd != 2:
            raise _error(f"{name}: {nd}-dimensional array given. Array must be two-dimensional.")


def _is_complex(x):
    return get_aval(x).dtype.kind == "c"


def _real_dtype(dtype):
    return np.empty(0, dtype).real.dtype


def _concrete(x, why):
    """The numpy value of x, which must be known now (not under jit or vmap)."""
    while isinstance(x, Tracer):
        x = x._concrete(why)
    return np.asarray(x)


def _mT(x):
    nd = get_aval(x).ndim
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _mH(x):
    return conj(_mT(x)) if _is_complex(x) else _mT(x)


# ---- inverses and solves ---------------------------------------------------------------------

def inv(a: ArrayLike) -> Array:
    """numpy.linalg.inv: the inverse of a matrix or of each matrix in a stack (..., n, n)."""
    a = _prep(a)
    _assert_stacked_square("inv", a)
    return L.inv(a)


def solve(a: ArrayLike, b: ArrayLike) -> Array:
    """numpy.linalg.solve: x with a @ x = b. a: (..., M, M); b: (M,) or (..., M, K), the leading
    axes broadcasting. An unstacked a is factorized once for every right-hand side."""
    a, b = _prep(a, b)
    _assert_stacked_square("solve", a)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    n = sa[-1]
    if len(sb) == 1:
        if sb[0] != n:
            raise _solve_mismatch(sa, sb, "(m,m),(m)->(m)", sb[0], n)
        x = L.solve(a, broadcast_to(reshape(b, (n, 1)), sa[:-1] + (1,)))
        return reshape(x, sa[:-1])
    if len(sb) < 2 or sb[-2] != n:
        raise _solve_mismatch(sa, sb, "(m,m),(m,n)->(m,n)", sb[-2] if len(sb) >= 2 else sb, n)
    try:
        lead = tuple(np.broadcast_shapes(sa[:-2], sb[:-2]))
    except ValueError:
        raise ShapeError(f"solve: the leading (stack) axes of a {sa} and b {sb} do not "
                         f"broadcast.\n  at {user_frame()}\n{doc_link('shapeerror')}") from None
    k = sb[-1]
    if len(sa) == 2 and lead:
        # One matrix, many right-hand sides: stack them as more columns of one solve.
        nl = len(lead)
        bt = transpose(broadcast_to(b, lead + (n, k)), (nl,) + tuple(range(nl)) + (nl + 1,))
        x = L.solve(a, reshape(bt, (n, int(np.prod(lead)) * k)))
        x = reshape(x, (n,) + lead + (k,))
        return transpose(x, tuple(range(1, nl + 1)) + (0, nl + 1))
    return L.solve(broadcast_to(a, lead + (n, n)), broadcast_to(b, lead + (n, k)))


def _solve_mismatch(sa, sb, sig, got, n):
    return ShapeError(
        f"solve: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
        f"{sig} (size {got} is different from {n}): a has shape {sa}, b has shape {sb}.\n  at "
        f"{user_frame()}\nb needs as many rows as a: (M,) or (..., M, K) for a of shape "
        f"(..., M, M). {doc_link('shapeerror')}")


def det(a: ArrayLike) -> Array:
    """numpy.linalg.det. Its derivative, det(a) inv(a).T, needs an invertible a."""
    a = _prep(a)
    _assert_stacked_square("det", a)
    return L.det(a)


def slogdet(a: ArrayLike) -> SlogdetResult:
    """numpy.linalg.slogdet: SlogdetResult(sign, logabsdet); the sign's derivative is zero."""
    a = _prep(a)
    _assert_stacked_square("slogdet", a)
    return SlogdetResult(*L.slogdet(a))


def pinv(a: ArrayLike, rcond: Any = None, hermitian: bool = False, *,
         rtol: Any = _NoValue) -> Array:
    """numpy.linalg.pinv, through the SVD (or eigh, hermitian=True): singular values at most
    rcond * the largest count as zero."""
    a = _prep(a)
    _assert_stacked_2d("pinv", a)
    if rcond is None:
        if rtol is _NoValue:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(get_aval(a).shape[-2:]) * np.finfo(get_aval(a).dtype).eps
        else:
            rcond = rtol
    elif rtol is not _NoValue:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    shape = get_aval(a).shape
    m, n = shape[-2:]
    if m * n == 0:
        return wrap_value(np.empty(shape[:-2] + (n, m), dtype=get_aval(a).dtype))
    rcond = asarray(rcond)
    u, s, vt = svd(conj(a) if _is_complex(a) else a, full_matrices=False, hermitian=hermitian)
    cutoff = reshape(rcond, get_aval(rcond).shape + (1,)) * _max(s, axis=-1, keepdims=True)
    large = s > cutoff
    s_inv = where(large, 1 / where(large, s, 1), 0)
    s_inv = lax.convert_element_type(s_inv, get_aval(s).dtype)
    return matmul(_mT(vt), reshape(s_inv, get_aval(s_inv).shape + (1,)) * _mT(u))


def lstsq(a: ArrayLike, b: ArrayLike, rcond: Any = None) -> tuple[Array, Array, Any, Array]:
    """numpy.linalg.lstsq: (x, residuals, rank, s) for the least-squares solution of a @ x = b,
    through the SVD (singular values at most rcond * the largest count as zero). x, residuals and
    s are differentiable. On concrete values, rank is numpy's integer and residuals are empty
    unless rank == n < m (numpy's rule); traced (jit, vmap), rank is a traced integer and the
    residuals are computed whenever m > n (JAX's rule: their shape cannot depend on values).

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.lstsq(fnp.array([[1.0], [1.0]]), fnp.array([1.0, 3.0]))[0]
    Array([2.], dtype=float64)
    """
    a, b = _prep(a, b)
    is_1d = get_aval(b).ndim == 1
    if is_1d:
        b = reshape(b, get_aval(b).shape + (1,))
    _assert_2d("lstsq", a, b)
    (m, n), (m2, _) = get_aval(a).shape, get_aval(b).shape
    if m != m2:
        raise _error(f"lstsq: Incompatible dimensions: a has {m} rows, b has {m2}.")
    if rcond is None:
        rcond = np.finfo(np.float64).eps * max(n, m)
    u, s, vh = L.svd(a, full_matrices=False)
    traced = isinstance(s, Tracer)
    if traced:
        cut = rcond * (_max(s) if get_aval(s).size else 0.0)
        large = s > cut
        rank: Any = _sum(lax.convert_element_type(large, np.int32))
    else:
        s_np = np.asarray(s)
        large_np = s_np > rcond * (s_np.max() if s_np.size else 0.0)
        rank = np.int32(np.count_nonzero(large_np))
        large = wrap_value(large_np)
    s_inv = where(large, 1 / where(large, s, 1), 0)
    s_inv = lax.convert_element_type(s_inv, get_aval(s).dtype)
    x = matmul(_mH(vh), reshape(s_inv, get_aval(s_inv).shape + (1,)) * matmul(_mH(u), b))
    rdt = _real_dtype(get_aval(x).dtype)
    if m > n and (traced or rank == n):
        r = b - matmul(a, x)
        resids = _sum(real(conj(r) * r) if _is_complex(r) else r * r, axis=0)
    else:
        resids = wrap_value(np.array([], rdt))
    if is_1d:
        x = reshape(x, (n,))
    return x, resids, rank, s


def matrix_power(a: ArrayLike, n: int) -> Array:
    """numpy.linalg.matrix_power: a @ a @ ... (n times) by repeated squaring; n < 0 inverts."""
    a = asarray(operand(a))
    _assert_stacked_square("matrix_power", a)
    try:
        n = operator.index(n)
    except TypeError as e:
        raise TypeError("exponent must be an integer") from e
    if n == 0:
        shape = get_aval(a).shape
        return broadcast_to(wrap_value(np.eye(shape[-2], dtype=get_aval(a).dtype)), shape)
    if n < 0:
        a = inv(a)
        n = abs(n)
    if n == 1:
        return a
    if n == 2:
        return matmul(a, a)
    if n == 3:
        return matmul(matmul(a, a), a)
    z: Any = None
    result: Any = None
    while n > 0:
        z = a if z is None else matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


def multi_dot(arrays: Sequence[ArrayLike], *, out: None = None) -> Array:
    """numpy.linalg.multi_dot: a chain of dot products in the cheapest order (the first array
    may be 1-D, as a row; the last, as a column)."""
    if out is not None:
        raise TypeError("multi_dot: funcgrad arrays are immutable, so out= is not supported; use "
                        "the returned array.")
    n = len(arrays)
    if n < 2:
        raise ValueError("Expecting at least two arrays.")
    if n == 2:
        return dot(arrays[0], arrays[1])
    arrays = [asarray(operand(x)) for x in arrays]
    nd_first, nd_last = get_aval(arrays[0]).ndim, get_aval(arrays[-1]).ndim
    if nd_first == 1:
        arrays[0] = reshape(arrays[0], (1, -1))
    if nd_last == 1:
        arrays[-1] = reshape(arrays[-1], (-1, 1))
    _assert_2d("multi_dot", *arrays)
    if n == 3:
        result = _multi_dot_three(*arrays)
    else:
        order = _chain_order([get_aval(x).shape for x in arrays])
        result = _multi_dot(arrays, order, 0, n - 1)
    if nd_first == 1 and nd_last == 1:
        return reshape(result, ())
    if nd_first == 1 or nd_last == 1:
        return ravel(result)
    return result


def _multi_dot_three(A, B, C):
    (a0, a1b0), (b1c0, c1) = get_aval(A).shape, get_aval(C).shape
    cost1 = a0 * b1c0 * (a1b0 + c1)
    cost2 = a1b0 * c1 * (a0 + b1c0)
    return dot(dot(A, B), C) if cost1 < cost2 else dot(A, dot(B, C))


def _chain_order(shapes):
    """The optimal parenthesization (Cormen et al., sec. 15.2), as numpy computes it."""
    n = len(shapes)
    p = [s[0] for s in shapes] + [shapes[-1][1]]
    m = np.zeros((n, n))
    s = np.empty((n, n), dtype=np.intp)
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            m[i, j] = np.inf
            for k in range(i, j):
                q = m[i, k] + m[k + 1, j] + p[i] * p[k + 1] * p[j + 1]
                if q < m[i, j]:
                    m[i, j] = q
                    s[i, j] = k
    return s


def _multi_dot(arrays, order, i, j):
    if i == j:
        return arrays[i]
    return dot(_multi_dot(arrays, order, i, order[i, j]),
               _multi_dot(arrays, order, order[i, j] + 1, j))


# ---- decompositions -----------------------------------------------------------------------------

def cholesky(a: ArrayLike, /, *, upper: bool = False) -> Array:
    """numpy.linalg.cholesky: L with a = L @ L^H (upper=True: U with a = U^H @ U), reading the
    lower (upper) triangle of a only (the other has zero derivative).

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.cholesky(fnp.array([[4.0, 2.0], [99.0, 5.0]]), upper=True)  # 99: not read
    Array([[2., 1.],
           [0., 2.]], dtype=float64)
    """
    a = _prep(a)
    _assert_stacked_square("cholesky", a)
    if upper:
        return _mT(L.cholesky(_mT(a)))
    return L.cholesky(a)


def eigh(a: ArrayLike, UPLO: str = "L") -> EighResult:
    """numpy.linalg.eigh: EighResult(eigenvalues ascending, eigenvectors as columns) of the
    Hermitian matrix with a's lower (UPLO='L') or upper triangle; the other triangle is not
    read and has zero derivative. The eigenvectors' derivative needs distinct eigenvalues.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.eigh(fnp.array([[2.0, 99.0], [1.0, 2.0]])).eigenvalues  # 99 is not read
    Array([1., 3.], dtype=float64)
    """
    UPLO = UPLO.upper() if isinstance(UPLO, str) else UPLO
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    a = _prep(a)
    _assert_stacked_square("eigh", a)
    return EighResult(*L.eigh(a, lower=UPLO == "L"))


def eigvalsh(a: ArrayLike, UPLO: str = "L") -> Array:
    """numpy.linalg.eigvalsh: the eigenvalues (ascending) of a symmetric matrix."""
    return eigh(a, UPLO).eigenvalues


@overload
def svd(a: ArrayLike, full_matrices: bool = ..., compute_uv: Literal[True] = ...,
        hermitian: bool = ...) -> SVDResult: ...
@overload
def svd(a: ArrayLike, full_matrices: bool, compute_uv: Literal[False],
        hermitian: bool = ...) -> Array: ...
@overload
def svd(a: ArrayLike, full_matrices: bool = ..., *, compute_uv: Literal[False],
        hermitian: bool = ...) -> Array: ...
def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False) -> SVDResult | Array:
    """numpy.linalg.svd: SVDResult(U, S, Vh) with a = U @ diag(S) @ Vh, S descending (or S alone
    with compute_uv=False). Differentiating U and Vh needs full_matrices=False (or a square a)
    and distinct nonzero singular values; S alone always differentiates."""
    a = _prep(a)
    if hermitian:
        if compute_uv:
            w, u = eigh(a)
            sgn = lax.convert_element_type(1.0 - 2.0 * (w < 0), get_aval(w).dtype)
            s = _abs(w)
            sidx = flip(argsort(s, axis=-1), axis=-1)
            sgn = take_along_axis(sgn, sidx, axis=-1)
            s = take_along_axis(s, sidx, axis=-1)
            idx = reshape(sidx, get_aval(sidx).shape[:-1] + (1, get_aval(sidx).shape[-1]))
            u = take_along_axis(u, broadcast_to(idx, get_aval(u).shape), axis=-1)
            sg = reshape(sgn, get_aval(sgn).shape[:-1] + (1, get_aval(sgn).shape[-1]))
            return SVDResult(u, s, _mH(u * sg))
        s = _abs(eigvalsh(a))
        return flip(take_along_axis(s, argsort(s, axis=-1), axis=-1), axis=-1)
    _assert_stacked_2d("svd", a)
    if not compute_uv:
        # s alone: lax.svd's return type does not yet tell (it has no compute_uv overloads)
        return L.svd(a, compute_uv=False)  # type: ignore[return-value]
    return SVDResult(*L.svd(a, full_matrices=bool(full_matrices)))


def svdvals(x: ArrayLike, /) -> Array:
    """numpy.linalg.svdvals: the singular values, descending."""
    return svd(x, compute_uv=False)


def qr(a: ArrayLike, mode: str = "reduced") -> QRResult | Array | tuple[Array, Array]:
    """numpy.linalg.qr for mode 'reduced' (QRResult(Q, R)), 'complete' and 'r' (R alone).
    'raw' (LAPACK's Householder reflectors) is not supported."""
    if mode not in ("reduced", "complete", "r", "raw"):
        if mode in ("f", "full"):
            warnings.warn("The 'full' option is deprecated in favor of 'reduced'.\nFor backward "
                          "compatibility let mode default.", DeprecationWarning, stacklevel=2)
            mode = "reduced"
        elif mode in ("e", "economic"):
            mode = "raw"
        else:
            raise ValueError(f"Unrecognized mode '{mode}'")
    if mode == "raw":
        raise NotImplementedError(f"qr(mode={mode!r}): LAPACK's raw Householder form is not "
                                  "supported; use mode='reduced' (or 'r').")
    a = _prep(a)
    _assert_stacked_2d("qr", a)
    q, r = L.qr(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


# ---- norms --------------------------------------------------------------------------------------

def _abs2(x):
    return real(conj(x) * x) if _is_complex(x) else x * x


def _root(s, p):
    """s ** (1/p) for a sum of |x|**p: with derivative 0 where s == 0, the norm's subgradient at
    the zero vector (PyTorch's; JAX's is NaN there, 0 * inf)."""
    zero = s == 0
    safe = lax.select(zero, 1.0, s)
    return lax.select(zero, 0.0, sqrt(safe) if p == 2 else safe ** (1.0 / p))


def _empty_axis_max(y, axis):
    """max over `axis` with numpy's initial=0 (an empty axis gives 0)."""
    if get_aval(y).shape[axis] == 0:
        shape = tuple(d for i, d in enumerate(get_aval(y).shape) if i != axis)
        return wrap_value(np.zeros(shape, get_aval(y).dtype))
    return _max(y, axis=axis)


def norm(x: ArrayLike, ord: Any = None, axis: int | tuple[int, ...] | None = None,
         keepdims: bool = False) -> Array:
    """numpy.linalg.norm: vector norms (ord None/2, 1, inf, -inf, 0, any p) over one axis, matrix
    norms (None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf) over two; axis None: the whole array (a
    vector or a matrix for a given ord)."""
    x = asarray(operand(x))
    if get_aval(x).dtype.kind not in "fc":
        x = lax.convert_element_type(x, np.float64)
    nd = get_aval(x).ndim
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            flat = ravel(x)
            if _is_complex(flat):
                re, im = real(flat), lax.imag(flat)
                sq = dot(re, re) + dot(im, im)
            else:
                sq = dot(flat, flat)
            ret = _root(sq, 2)
            return reshape(ret, (1,) * nd) if keepdims else ret
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        try:
            axis = int(axis)
        except Exception as e:
            raise TypeError("'axis' must be None, an integer or a tuple of integers") from e
        axis = (axis,)
    if len(axis) == 1:
        ax = _norm_axis(axis[0], nd)
        ret = _vector_norm(x, ord, ax)
        if keepdims:
            ret = reshape(ret, tuple(1 if i == ax else d for i, d in enumerate(get_aval(x).shape)))
        return ret
    if len(axis) == 2:
        row, col = _norm_axis(axis[0], nd), _norm_axis(axis[1], nd)
        if row == col:
            raise ValueError("Duplicate axes given.")
        ret = _matrix_norm(x, ord, row, col)
        if keepdims:
            ret = reshape(ret, tuple(1 if i in (row, col) else d
                                     for i, d in enumerate(get_aval(x).shape)))
        return ret
    raise ValueError("Improper number of dimensions to norm.")


def _norm_axis(a, nd):
    a = operator.index(a)
    if not -nd <= a < nd:
        raise np.exceptions.AxisError(a, nd)
    return a % nd


def _vector_norm(x, ord, ax):
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord == np.inf:
        return _empty_axis_max(_abs(x), ax)
    if ord == -np.inf:
        return _min(_abs(x), axis=ax)
    if ord == 0:
        rdt = _real_dtype(get_aval(x).dtype)
        return _sum(lax.convert_element_type(x != 0, rdt), axis=ax)
    if ord == 1:
        return _sum(_abs(x), axis=ax)
    if ord is None or ord == 2:
        return _root(_sum(_abs2(x), axis=ax), 2)
    return _root(_sum(_abs(x) ** ord, axis=ax), ord)


def _matrix_norm(x, ord, row, col):
    if ord in (2, -2, "nuc"):
        y = moveaxis(x, (row, col), (-2, -1))
        s = svd(y, compute_uv=False)
        if ord == 2:
            return _empty_axis_max(s, -1 % get_aval(s).ndim)
        if ord == -2:
            return _min(s, axis=-1)
        return _sum(s, axis=-1)
    if ord in (1, -1):
        if col > row:
            col -= 1
        red = _sum(_abs(x), axis=row)
        return _empty_axis_max(red, col) if ord == 1 else _min(red, axis=col)
    if ord in (np.inf, -np.inf):
        if row > col:
            row -= 1
        red = _sum(_abs(x), axis=col)
        return _empty_axis_max(red, row) if ord == np.inf else _min(red, axis=row)
    if ord in (None, "fro", "f"):
        return _root(_sum(_abs2(x), axis=(row, col)), 2)
    raise ValueError("Invalid norm order for matrices.")


def vector_norm(x: ArrayLike, /, *, axis: int | tuple[int, ...] | None = None,
                keepdims: bool = False, ord: Any = 2) -> Array:
    """numpy.linalg.vector_norm: a vector norm over any axes (all of them by default)."""
    x = asarray(operand(x))
    shape = get_aval(x).shape
    if axis is None:
        y, ax = ravel(x), 0
    elif isinstance(axis, tuple):
        axes = tuple(_norm_axis(a, len(shape)) for a in axis)
        rest = tuple(i for i in range(len(shape)) if i not in axes)
        y = reshape(transpose(x, axes + rest),
                    (int(np.prod([shape[i] for i in axes], dtype=int)),) + tuple(
                        shape[i] for i in rest))
        ax = 0
    else:
        y, ax = x, axis
    res = norm(y, axis=ax, ord=ord)
    if keepdims:
        given = range(len(shape)) if axis is None else (
            axis if isinstance(axis, tuple) else (axis,))
        kept = {_norm_axis(a, len(shape)) for a in given}
        res = reshape(res, tuple(1 if i in kept else d for i, d in enumerate(shape)))
    return res


def matrix_norm(x: ArrayLike, /, *, keepdims: bool = False, ord: Any = "fro") -> Array:
    """numpy.linalg.matrix_norm: a matrix norm over the last two axes."""
    return norm(x, axis=(-2, -1), keepdims=keepdims, ord=ord)


def cond(x: ArrayLike, p: Any = None) -> Array:
    """numpy.linalg.cond: the condition number in norm p (None: 2, through the SVD)."""
    x = _prep(x)
    shape = get_aval(x).shape
    if len(shape) >= 2 and shape[-1] * shape[-2] == 0:
        raise _error("cond is not defined on empty arrays")
    if p is None or p in (2, -2):
        s = svd(x, compute_uv=False)
        k = get_aval(s).shape[-1]
        first = _take_last(s, 0)
        last = _take_last(s, k - 1)
        r = last / first if p == -2 else first / last
    else:
        _assert_stacked_square("cond", x)
        r = norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))
    bad = isnan(r)
    x_nan = _max(lax.convert_element_type(isnan(x), np.int8), axis=(-2, -1)) > 0
    return where(bad & ~x_nan, np.inf, r)


def _take_last(s, i):
    shape = get_aval(s).shape
    return reshape(lax.slice(s, (0,) * (len(shape) - 1) + (i,), shape[:-1] + (i + 1,)),
                   shape[:-1])


def matrix_rank(A: ArrayLike, tol: Any = None, hermitian: bool = False, *,
                rtol: Any = None) -> Array:
    """numpy.linalg.matrix_rank: the count of singular values above tol (default: rtol times
    the largest, rtol = max(m, n) * eps); traceable (jit, vmap) and integer-valued, so without
    a derivative.

    >>> import funcgrad.numpy as fnp
    >>> int(fnp.linalg.matrix_rank(fnp.array([[1.0, 2.0], [2.0, 4.0]])))
    1
    """
    a = _prep(A)
    shape = get_aval(a).shape
    if len(shape) < 2:
        return lax.convert_element_type(_max(lax.convert_element_type(a != 0, np.int8))
                                        if get_aval(a).size else wrap_value(np.int8(0)),
                                        np.int64)
    s = svd(a, compute_uv=False, hermitian=hermitian)
    if get_aval(s).shape[-1] == 0:
        return wrap_value(np.zeros(shape[:-2], np.int64))
    if tol is None:
        if rtol is None:
            rtol = max(shape[-2:]) * np.finfo(get_aval(s).dtype).eps
        rt = asarray(operand(rtol))
        tol_arr = _max(s, axis=-1, keepdims=True) * reshape(rt, get_aval(rt).shape + (1,))
    else:
        t = asarray(operand(tol))
        tol_arr = reshape(t, get_aval(t).shape + (1,))
    return _sum(lax.convert_element_type(s > tol_arr, np.int64), axis=-1)


# ---- numpy 2's array-API helpers -----------------------------------------------------------------

def matrix_transpose(x: ArrayLike, /) -> Array:
    """numpy.linalg.matrix_transpose: swap the last two axes."""
    x = asarray(operand(x))
    if get_aval(x).ndim < 2:
        raise ValueError("Input array must be at least 2-dimensional")
    return _mT(x)


def diagonal(x: ArrayLike, /, *, offset: int = 0) -> Array:
    """numpy.linalg.diagonal: the diagonals of the last two axes."""
    return _diagonal(x, offset=offset, axis1=-2, axis2=-1)


def trace(x: ArrayLike, /, *, offset: int = 0, dtype: DTypeLike = None) -> Array:
    """numpy.linalg.trace: the traces of the last two axes."""
    return _sum(diagonal(x, offset=offset), axis=-1, dtype=dtype)


# ---- general eigenproblems ------------------------------------------------------------------------

def eig(a: ArrayLike) -> EigResult:
    """numpy.linalg.eig: EigResult(eigenvalues, eigenvectors as unit-norm columns). The result
    is complex even when every eigenvalue is real (as JAX's; numpy returns a real array then),
    so its dtype does not depend on the values. Derivatives need distinct eigenvalues; the
    eigenvectors' keeps their norm (their phase is LAPACK's choice, not differentiable).

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.eig(fnp.array([[2.0, 0.0], [0.0, 3.0]])).eigenvalues
    Array([2.+0.j, 3.+0.j], dtype=complex128)
    """
    a = _prep(a)
    _assert_stacked_square("eig", a)
    return EigResult(*G.eig(a))


def eigvals(a: ArrayLike) -> Array:
    """numpy.linalg.eigvals: the (complex) eigenvalues, in LAPACK's order.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.eigvals(fnp.array([[0.0, -1.0], [1.0, 0.0]]))
    Array([0.+1.j, 0.-1.j], dtype=complex128)
    """
    return eig(a).eigenvalues


# ---- tensor equations ----------------------------------------------------------------------------

def tensorsolve(a: ArrayLike, b: ArrayLike, axes: Sequence[int] | None = None) -> Array:
    """numpy.linalg.tensorsolve: x with tensordot(a, x, x.ndim) = b; `axes` are moved to the
    end of a first.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.tensorsolve(fnp.eye(4).reshape(2, 2, 2, 2) * 2, fnp.ones((2, 2)))
    Array([[0.5, 0.5],
           [0.5, 0.5]], dtype=float64)
    """
    a, b = _prep(a, b)
    an = get_aval(a).ndim
    if axes is not None:
        allaxes = list(range(an))
        for k in axes:
            if not -an <= k < an:  # numpy's error, before the modulo of a 0-d a divides by 0
                raise np.exceptions.AxisError(k, an)
            allaxes.remove(k % an)
            allaxes.insert(an, k % an)
        a = transpose(a, tuple(allaxes))
    shape_a, shape_b = get_aval(a).shape, get_aval(b).shape
    oldshape = shape_a[-(an - get_aval(b).ndim):] if an > get_aval(b).ndim else ()
    prod = int(np.prod(oldshape, dtype=np.int64))
    if shape_a[:get_aval(b).ndim] != shape_b or int(np.prod(shape_b, dtype=np.int64)) != prod:
        raise _error(f"tensorsolve: a of shape {shape_a} and b of shape {shape_b}: a's leading "
                     "axes must be b's shape and its trailing axes (the unknown's shape) must "
                     "hold as many elements ('square' problem).")
    x = solve(reshape(a, (prod, prod)), ravel(b))
    return reshape(x, oldshape)


def tensorinv(a: ArrayLike, ind: int = 2) -> Array:
    """numpy.linalg.tensorinv: the inverse of a for tensordot over its first `ind` axes.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.tensorinv(fnp.eye(4).reshape(4, 2, 2) * 2, ind=1).shape
    (2, 2, 4)
    """
    a = _prep(a)
    if not isinstance(ind, (int, np.integer)) or ind <= 0:
        raise ValueError("Invalid ind argument.")
    shape = get_aval(a).shape
    inv_shape = shape[ind:] + shape[:ind]
    prod = int(np.prod(shape[ind:], dtype=np.int64))
    if int(np.prod(shape[:ind], dtype=np.int64)) != prod:
        raise _error(f"tensorinv: a of shape {shape} with ind={ind}: the first {ind} axes must "
                     f"hold as many elements as the rest ({prod}).")
    return reshape(inv(reshape(a, (-1, prod))), inv_shape)


# ---- numpy 2's array-API products -----------------------------------------------------------------

def outer(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """numpy.linalg.outer: the outer product of two vectors (1-D only, unlike numpy.outer).

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.outer(fnp.array([1.0, 2.0]), fnp.array([3.0, 4.0]))
    Array([[3., 4.],
           [6., 8.]], dtype=float64)
    """
    x1, x2 = asarray(operand(x1)), asarray(operand(x2))
    if get_aval(x1).ndim != 1 or get_aval(x2).ndim != 1:
        raise ValueError(f"Input arrays must be one-dimensional, but they are "
                         f"x1.ndim={get_aval(x1).ndim} and x2.ndim={get_aval(x2).ndim}.")
    return _outer(x1, x2)


def cross(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Array:
    """numpy.linalg.cross: the cross product of 3-element vectors along `axis`.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.cross(fnp.array([1.0, 0.0, 0.0]), fnp.array([0.0, 1.0, 0.0]))
    Array([0., 0., 1.], dtype=float64)
    """
    x1, x2 = asarray(operand(x1)), asarray(operand(x2))
    for name, x in (("x1", x1), ("x2", x2)):
        shape = get_aval(x).shape
        if not shape or shape[_norm_axis(axis, len(shape))] != 3:
            raise ValueError(f"Both input arrays must be (arrays of) 3-dimensional vectors, but "
                             f"they are {get_aval(x1).shape[axis] if get_aval(x1).ndim else 0} "
                             f"and {get_aval(x2).shape[axis] if get_aval(x2).ndim else 0} "
                             f"dimensional instead ({name} has shape {shape}).")
    return _cross(x1, x2, axis=axis)


def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Array:
    """numpy.linalg.vecdot: sum(conj(x1) * x2) along `axis`, the other axes broadcasting.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.vecdot(fnp.array([[1.0, 2.0], [3.0, 4.0]]), fnp.array([1.0, 1.0]))
    Array([3., 7.], dtype=float64)
    """
    x1, x2 = asarray(operand(x1)), asarray(operand(x2))
    n1, n2 = get_aval(x1).shape, get_aval(x2).shape
    if not n1 or not n2:
        raise ValueError("vecdot: x1 and x2 must be at least one-dimensional.")
    if -len(n1) <= axis < len(n1) and -len(n2) <= axis < len(n2) and n1[axis] != n2[axis]:
        raise ValueError(f"vecdot: axis {axis} has size {n1[axis]} in x1 and {n2[axis]} in x2; "
                         "they must match.")
    try:
        shape = tuple(np.broadcast_shapes(n1, n2))
    except ValueError:
        raise ValueError(f"vecdot: shapes {n1} and {n2} do not broadcast.") from None
    ax = _norm_axis(axis, len(shape))
    return _sum(conj(x1) * x2 if _is_complex(x1) else x1 * x2, axis=ax - len(shape))


def tensordot(x1: ArrayLike, x2: ArrayLike, /, *,
              axes: int | tuple[Sequence[int], Sequence[int]] = 2) -> Array:
    """numpy.linalg.tensordot: numpy.tensordot with axes keyword-only.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.tensordot(fnp.ones((2, 3)), fnp.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    return _tensordot(x1, x2, axes)
