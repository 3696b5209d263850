"""funcgrad.scipy.linalg: scipy.linalg's (and jax.scipy.linalg's) functions, differentiable.

Every function composes funcgrad's primitives (funcgrad/lax/linalg_ops.py: solve,
triangular_solve, cholesky, lu, qr, svd, eigh, eig, expm, ...), so each works under grad, jvp,
vmap and jit, to any order the primitives' rules reach. Signatures follow jax.scipy.linalg's
(scipy's where JAX has none); the arguments that only steer LAPACK's memory use (overwrite_a,
overwrite_b, check_finite, lwork, debug) are accepted and ignored, as in JAX.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> from funcgrad.scipy import linalg
>>> a = fnp.array([[4.0, 1.0], [1.0, 3.0]])
>>> linalg.solve(a, fnp.array([1.0, 2.0]), assume_a="pos")
Array([0.09090909, 0.63636364], dtype=float64)
>>> fg.grad(lambda a: linalg.det(a))(a)  # det(a) inv(a).T
Array([[ 3., -1.],
       [-1.,  4.]], dtype=float64)

Results of a matrix function of real input that may be complex (sqrtm, logm, funm, schur with
output='complex') are complex, as JAX's are.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from .._core.array import Array, wrap_value
from .._core.trace import get_aval
from .._core.typing import ArrayLike
from ..lax import linalg_general as G
from ..lax import linalg_ops as L
from ..numpy import linalg as nla
from ..numpy._core import operand
from ._linalg_common import _mH, _prep, _shape, _square
from ._linalg_special import (  # noqa: F401 (re-exported)
    convolution_matrix, dft, fiedler, fiedler_companion, hadamard, helmert, hilbert, invhilbert,
    invpascal, leslie, pascal)
from ._linalg_schur import funm, logm, rsf2csf, schur, sqrtm  # noqa: F401 (re-exported)

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "circulant",
           "companion", "convolution_matrix", "det", "dft", "eigh", "eigh_tridiagonal",
           "expm", "expm_frechet", "fiedler", "fiedler_companion", "funm", "hadamard",
           "hankel", "helmert", "hessenberg", "hilbert", "inv", "invhilbert",
           "invpascal", "leslie", "logm", "lu", "lu_factor", "lu_solve", "pascal",
           "pinv", "polar", "qr", "qr_multiply", "rsf2csf", "schur", "solve",
           "solve_sylvester", "solve_triangular", "sqrtm", "svd", "toeplitz"]

LinAlgError = nla.LinAlgError


# ---- helpers --------------------------------------------------------------------------------------

def _as_matrix_rhs(name: str, a: Any, b: Any) -> tuple[Any, Any, bool]:
    """b as (..., n, k) broadcast against a (..., n, n); whether b was a vector (JAX's rule: b
    with one axis fewer than a is a stack of vectors)."""
    sa, sb = _shape(a), _shape(b)
    vec = len(sb) == len(sa) - 1
    if vec:
        b = fnp.expand_dims(b, -1)
        sb = _shape(b)
    if len(sb) < 2 or sb[-2] != sa[-1]:
        raise ValueError(f"{name}: `b` of shape {_shape(b) if not vec else sb[:-1]} does not "
                         f"match `a` of shape {sa}: b needs {sa[-1]} rows, (n,) or (n, k) (with "
                         "any leading axes that broadcast).")
    try:
        lead = tuple(np.broadcast_shapes(sa[:-2], sb[:-2]))
    except ValueError:
        raise ValueError(f"{name}: the leading axes of `a` {sa} and `b` {sb} do not "
                         "broadcast.") from None
    return fnp.broadcast_to(a, lead + sa[-2:]), fnp.broadcast_to(b, lead + sb[-2:]), vec


def _tri(x: Any, lower: bool, k: int = 0) -> Array:
    return fnp.tril(x, k) if lower else fnp.triu(x, -k)


def _hermitian_from(a: Any, lower: bool, conj: bool) -> Array:
    """The symmetric (conj: Hermitian) matrix whose lower (upper) triangle is a's."""
    strict = _tri(a, lower, -1)
    d = fnp.real(nla.diagonal(a)) if conj and nla._is_complex(a) else nla.diagonal(a)
    diag = fnp.eye(_shape(a)[-1], dtype=get_aval(a).dtype) * fnp.expand_dims(
        d.astype(get_aval(a).dtype), -2)
    return strict + diag + (_mH(strict) if conj else nla._mT(strict))


_ASSUME = {"gen": "gen", "general": "gen", "sym": "sym", "symmetric": "sym", "her": "her",
           "hermitian": "her", "pos": "pos", "positive definite": "pos", "diagonal": "diagonal",
           "tridiagonal": "tridiagonal", "banded": "gen", "upper triangular": "upper",
           "lower triangular": "lower"}


# ---- solves -----------------------------------------------------------------------------------

def solve(a: ArrayLike, b: ArrayLike, lower: bool = False, overwrite_a: bool = False,
          overwrite_b: bool = False, debug: bool = False, check_finite: bool = True,
          assume_a: str = "gen") -> Array:
    """scipy.linalg.solve: x with a @ x = b. assume_a 'gen' (LU), 'sym'/'her' (only the `lower`
    or upper triangle of a is read), 'pos' (Cholesky of that triangle), 'diagonal',
    'tridiagonal', 'lower triangular'/'upper triangular' (only that part of a is read).
    b is (n,) or (n, k), with leading axes broadcasting against a's.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import solve
    >>> solve(fnp.array([[2.0, 0.0], [0.0, 4.0]]), fnp.array([2.0, 2.0]))
    Array([1. , 0.5], dtype=float64)
    """
    kind = _ASSUME.get(assume_a) if isinstance(assume_a, str) else None
    if kind is None:
        raise ValueError(f"solve: `assume_a` = {assume_a!r} is not one of {sorted(_ASSUME)}.")
    a, b = _prep(a, b)
    _square("solve", "a", a)
    a, b, vec = _as_matrix_rhs("solve", a, b)
    if kind == "gen":
        x = L.solve(a, b)
    elif kind in ("sym", "her"):
        x = L.solve(_hermitian_from(a, lower, kind == "her"), b)
    elif kind == "pos":
        c = cholesky(a, lower=lower)
        x = cho_solve((c, lower), b)
    elif kind == "diagonal":
        x = b / fnp.expand_dims(nla.diagonal(a), -1)
    elif kind == "tridiagonal":
        n = _shape(a)[-1]
        band = np.abs(np.subtract.outer(np.arange(n), np.arange(n))) <= 1
        x = L.solve(fnp.where(band, a, 0).astype(get_aval(a).dtype), b)
    else:
        x = L.triangular_solve(a, b, lower=kind == "lower")
    return x[..., 0] if vec else x


_TRANS = {0: 0, "N": 0, 1: 1, "T": 1, 2: 2, "C": 2}


def solve_triangular(a: ArrayLike, b: ArrayLike, trans: int | str = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False, debug: Any = None,
                     check_finite: bool = True) -> Array:
    """scipy.linalg.solve_triangular: x with op(T) x = b, T the lower (or upper) triangle of a
    (the rest is not read; unit_diagonal: its diagonal is taken as ones), op = identity
    (trans 0 / 'N'), transpose (1 / 'T') or conjugate transpose (2 / 'C').

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import solve_triangular
    >>> solve_triangular(fnp.array([[2.0, 0.0], [1.0, 1.0]]), fnp.array([2.0, 3.0]), lower=True)
    Array([1., 2.], dtype=float64)
    """
    t = _TRANS.get(trans) if isinstance(trans, (int, str)) else None
    if t is None:
        raise ValueError(f"solve_triangular: `trans` = {trans!r} must be 0/'N', 1/'T' or 2/'C'.")
    a, b = _prep(a, b)
    _square("solve_triangular", "a", a)
    a, b, vec = _as_matrix_rhs("solve_triangular", a, b)
    if unit_diagonal:
        n = _shape(a)[-1]
        a = _tri(a, lower, -1) + fnp.eye(n, dtype=get_aval(a).dtype)
    if t == 2 and nla._is_complex(a):
        a = fnp.conj(a)
    x = L.triangular_solve(a, b, lower=bool(lower), transpose_a=t != 0)
    return x[..., 0] if vec else x


def cholesky(a: ArrayLike, lower: bool = False, overwrite_a: bool = False,
             check_finite: bool = True) -> Array:
    """scipy.linalg.cholesky: the upper factor U (a = U^H U, from a's upper triangle) or, with
    lower=True, the lower one (a = L L^H, from the lower triangle).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import cholesky
    >>> cholesky(fnp.array([[4.0, 2.0], [2.0, 5.0]]))
    Array([[2., 1.],
           [0., 2.]], dtype=float64)
    """
    a = _prep(a)
    _square("cholesky", "a", a)
    return nla.cholesky(a, upper=not lower)


def cho_factor(a: ArrayLike, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple[Array, bool]:
    """scipy.linalg.cho_factor: (c, lower), c the Cholesky factor with zeros in the other
    triangle (as JAX; scipy leaves a's entries there), for cho_solve.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import cho_factor
    >>> cho_factor(fnp.array([[4.0, 2.0], [2.0, 5.0]]), lower=True)[0]
    Array([[2., 0.],
           [1., 2.]], dtype=float64)
    """
    return cholesky(a, lower=lower), bool(lower)


def cho_solve(c_and_lower: tuple[ArrayLike, bool], b: ArrayLike, overwrite_b: bool = False,
              check_finite: bool = True) -> Array:
    """scipy.linalg.cho_solve: x with a @ x = b from cho_factor(a).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import cho_factor, cho_solve
    >>> cho_solve(cho_factor(fnp.array([[4.0, 2.0], [2.0, 5.0]])), fnp.array([6.0, 7.0]))
    Array([1., 1.], dtype=float64)
    """
    if not isinstance(c_and_lower, (tuple, list)) or len(c_and_lower) != 2:
        raise TypeError("cho_solve: `c_and_lower` must be the pair (c, lower) that cho_factor "
                        "returns.")
    c, lower = c_and_lower
    if lower:
        y = solve_triangular(c, b, lower=True)
        return solve_triangular(c, y, trans=2, lower=True)
    y = solve_triangular(c, b, trans=2, lower=False)
    return solve_triangular(c, y, lower=False)


# ---- LU ---------------------------------------------------------------------------------------

def _lu_parts(packed: Any) -> tuple[Array, Array]:
    m, n = _shape(packed)[-2:]
    k = min(m, n)
    dt = get_aval(packed).dtype
    low = fnp.tril(packed[..., :, :k], -1) + fnp.eye(m, k, dtype=dt)
    up = fnp.triu(packed[..., :k, :])
    return low, up


def lu(a: ArrayLike, permute_l: bool = False, overwrite_a: bool = False,
       check_finite: bool = True, p_indices: bool = False) -> tuple[Array, ...]:
    """scipy.linalg.lu: (p, l, u) with a = p @ l @ u by partial pivoting (p a permutation
    matrix; p_indices=True: row indices p with a = l[p] @ u); permute_l=True
    gives (p @ l, u). Derivatives for square a.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import lu
    >>> p, l, u = lu(fnp.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> p
    Array([[0., 1.],
           [1., 0.]], dtype=float64)
    >>> u
    Array([[3.        , 4.        ],
           [0.        , 0.66666667]], dtype=float64)
    """
    a = _prep(a)
    nla._assert_stacked_2d("lu", a)
    packed, _, perm = L.lu(a)
    low, up = _lu_parts(packed)
    if permute_l:
        return _apply_perm(perm, low, inverse=True), up
    if p_indices:
        return _inverse_perm(perm), low, up
    return L._perm_matrix(perm, get_aval(a).dtype), low, up


def _inverse_perm(perm: Any) -> Array:
    return fnp.argsort(perm, axis=-1).astype(np.int32)


def _apply_perm(perm: Any, x: Any, inverse: bool = False) -> Array:
    """x[perm] (rows), or with inverse=True the rows put back: y with y[perm] = x."""
    idx = _inverse_perm(perm) if inverse else perm
    idx = fnp.broadcast_to(fnp.expand_dims(idx, -1), _shape(idx) + _shape(x)[-1:])
    return fnp.take_along_axis(x, idx, axis=-2)


def lu_factor(a: ArrayLike, overwrite_a: bool = False,
              check_finite: bool = True) -> tuple[Array, Array]:
    """scipy.linalg.lu_factor: (lu, piv): L below the unit diagonal and U in one matrix, and
    LAPACK's 0-based row interchanges, for lu_solve.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import lu_factor
    >>> lu_factor(fnp.array([[1.0, 2.0], [3.0, 4.0]]))[1]
    Array([1, 1], dtype=int32)
    """
    a = _prep(a)
    nla._assert_stacked_2d("lu_factor", a)
    packed, piv, _ = L.lu(a)
    return packed, piv


def lu_solve(lu_and_piv: tuple[ArrayLike, ArrayLike], b: ArrayLike, trans: int = 0,
             overwrite_b: bool = False, check_finite: bool = True) -> Array:
    """scipy.linalg.lu_solve: x with op(a) x = b from lu_factor(a); trans 0: a, 1: a^T,
    2: a^H.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import lu_factor, lu_solve
    >>> lu_solve(lu_factor(fnp.array([[1.0, 2.0], [3.0, 4.0]])), fnp.array([5.0, 11.0]))
    Array([1., 2.], dtype=float64)
    """
    t = _TRANS.get(trans) if isinstance(trans, (int, str)) else None
    if t is None:
        raise ValueError(f"lu_solve: `trans` = {trans!r} must be 0, 1 or 2.")
    packed, piv = lu_and_piv
    packed, b = _prep(packed, b)
    _square("lu_solve", "lu", packed)
    n = _shape(packed)[-1]
    perm = G.lu_pivots_to_permutation(operand(piv), n)
    packed, b, vec = _as_matrix_rhs("lu_solve", packed, b)
    perm = fnp.broadcast_to(perm, _shape(packed)[:-1])
    if t == 0:
        unit = _tri(packed, True, -1) + fnp.eye(n, dtype=get_aval(packed).dtype)
        y = L.triangular_solve(unit, _apply_perm(perm, b), lower=True)
        x = L.triangular_solve(packed, y, lower=False)
    else:
        f = fnp.conj(packed) if t == 2 and nla._is_complex(packed) else packed
        unit = _tri(f, True, -1) + fnp.eye(n, dtype=get_aval(f).dtype)
        y = L.triangular_solve(f, b, lower=False, transpose_a=True)
        y = L.triangular_solve(unit, y, lower=True, transpose_a=True)
        x = _apply_perm(perm, y, inverse=True)
    return x[..., 0] if vec else x


# ---- decompositions -----------------------------------------------------------------------------

def qr(a: ArrayLike, overwrite_a: bool = False, lwork: Any = None, mode: str = "full",
       pivoting: bool = False, check_finite: bool = True) -> tuple[Array, ...]:
    """scipy.linalg.qr: (q, r) with a = q @ r; mode 'full' (q square), 'economic' (q with
    min(m, n) columns), 'r' ((r,) alone). pivoting=True: (q, r, p) with a[:, p] = q @ r, p
    chosen as LAPACK geqp3 does (the factors differentiate; p is integer).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import qr
    >>> q, r = qr(fnp.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> r
    Array([[-5. , -2.2],
           [ 0. ,  0.4]], dtype=float64)
    """
    if mode not in ("full", "economic", "r", "raw"):
        raise ValueError(f"qr: `mode` = {mode!r} must be 'full', 'r' or 'economic'.")
    if mode == "raw":
        raise NotImplementedError("qr: mode='raw' (LAPACK's Householder reflectors) is not "
                                  "supported, as in JAX; use 'full', 'economic' or 'r'.")
    a = _prep(a)
    nla._assert_stacked_2d("qr", a)
    p = None
    if pivoting:
        p = G.qr_pivots(a)
        a = fnp.take_along_axis(a, fnp.broadcast_to(fnp.expand_dims(p, -2), _shape(a)), axis=-1)
    q, r = L.qr(a, full_matrices=mode == "full")
    if mode == "r":
        m, n = _shape(a)[-2:]
        if m > n:  # scipy's 'r' is the full-mode R: (m, n)
            r = fnp.concatenate([r, fnp.zeros(_shape(r)[:-2] + (m - n, n), r.dtype)], axis=-2)
        return (r,) if p is None else (r, p)
    return (q, r) if p is None else (q, r, p)


def qr_multiply(a: ArrayLike, c: ArrayLike, mode: str = "right", pivoting: bool = False,
                conjugate: bool = False, overwrite_a: bool = False,
                overwrite_c: bool = False) -> tuple[Array, ...]:
    """scipy.linalg.qr_multiply: (q @ c (mode='left') or c @ q (mode='right'), r[, p]) with q,
    r the economic QR factors of a (q conjugated with conjugate=True); c is (k,) or (k, j)
    with k = min(a.shape) (left), or (m,) or (j, m) with m = a.shape[0] (right).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import qr_multiply
    >>> cq, r = qr_multiply(fnp.array([[3.0, 1.0], [4.0, 2.0]]), fnp.array([1.0, 0.0]))
    >>> cq
    Array([-0.6, -0.8], dtype=float64)
    """
    if mode not in ("left", "right"):
        raise ValueError(f"qr_multiply: `mode` = {mode!r} must be 'left' or 'right'.")
    a, c = _prep(a, c)
    sa, sc = _shape(a), _shape(c)
    if len(sa) != 2:
        raise ValueError(f"qr_multiply: `a` must be a matrix (m, n), got shape {sa}.")
    if len(sc) not in (1, 2):
        raise ValueError(f"qr_multiply: `c` must be a vector or a matrix, got shape {sc}.")
    k = min(sa)
    need, axis = (k, 0) if mode == "left" else (sa[0], len(sc) - 1)
    if sc[axis] != need:
        raise ValueError(f"qr_multiply: `c` of shape {sc} does not fit mode={mode!r}: its "
                         f"{'first' if axis == 0 else 'last'} axis must be {need} "
                         f"({'min(a.shape)' if mode == 'left' else 'a.shape[0]'}).")
    out = qr(a, mode="economic", pivoting=pivoting)
    q = fnp.conj(out[0]) if conjugate else out[0]
    prod = nla.matmul(q, c) if mode == "left" else nla.matmul(c, q)
    return (prod,) + tuple(out[1:])


def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True,
        overwrite_a: bool = False, check_finite: bool = True,
        lapack_driver: str = "gesdd") -> Array | tuple[Array, Array, Array]:
    """scipy.linalg.svd: (u, s, vh) with a = u @ diag(s) @ vh (s alone with compute_uv=False).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import svd
    >>> svd(fnp.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False)
    Array([4., 3.], dtype=float64)
    """
    if lapack_driver not in ("gesdd", "gesvd"):
        raise ValueError(f"svd: `lapack_driver` = {lapack_driver!r} must be 'gesdd' or 'gesvd'.")
    a = _prep(a)
    if not compute_uv:
        return nla.svd(a, compute_uv=False)
    return tuple(nla.svd(a, full_matrices=full_matrices))


def eigh(a: ArrayLike, b: ArrayLike | None = None, lower: bool = True,
         eigvals_only: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
         turbo: bool = True, eigvals: None = None, type: int = 1, check_finite: bool = True,
         subset_by_index: tuple[int, int] | None = None,
         driver: str | None = None) -> Array | tuple[Array, Array]:
    """scipy.linalg.eigh: (w, v), eigenvalues ascending and eigenvectors (columns), of the
    Hermitian matrix whose lower (upper) triangle is a's; with b, of a v = w b v (type=1),
    a b v = w v (type=2) or b a v = w v (type=3).
    subset_by_index=(lo, hi): only eigenvalues lo..hi (inclusive).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import eigh
    >>> eigh(fnp.array([[2.0, 1.0], [1.0, 2.0]]), eigvals_only=True)
    Array([1., 3.], dtype=float64)
    """
    if eigvals is not None:
        raise TypeError("eigh: `eigvals` was removed from scipy; use subset_by_index=(lo, hi).")
    if type not in (1, 2, 3):
        raise ValueError(f"eigh: `type` = {type!r} must be 1 (a v = w b v), 2 (a b v = w v) "
                         "or 3 (b a v = w v).")
    a = _prep(a)
    _square("eigh", "a", a)
    if b is not None:
        b = _prep(b)
        _square("eigh", "b", b)
        # b = C C^H (LAPACK sygst's reduction): type 1 solves C^-1 a C^-H y = w y with
        # v = C^-H y; types 2 and 3 solve C^H a C y = w y with v = C^-H y (2) or C y (3).
        c = cholesky(b, lower=True)
        ah = _hermitian_from(a, lower, True)
        if type == 1:
            y = solve_triangular(c, ah, lower=True)
            m = _mH(solve_triangular(c, _mH(y), lower=True))      # C^-1 a C^-H
        else:
            m = nla.matmul(_mH(c), nla.matmul(ah, c))
        w, v = nla.eigh(m, "L")
        v = nla.matmul(c, v) if type == 3 else solve_triangular(c, v, trans=2, lower=True)
    else:
        w, v = nla.eigh(a, "L" if lower else "U")
    if subset_by_index is not None:
        n = _shape(a)[-1]
        lo, hi = (int(i) for i in subset_by_index)
        if not 0 <= lo <= hi < n:
            raise ValueError(f"eigh: `subset_by_index` = {subset_by_index!r} must be (lo, hi) "
                             f"with 0 <= lo <= hi < {n}.")
        w, v = w[..., lo:hi + 1], v[..., lo:hi + 1]
    return w if eigvals_only else (w, v)


def eigh_tridiagonal(d: ArrayLike, e: ArrayLike, *, eigvals_only: bool = False,
                     select: str = "a", select_range: tuple[float, float] | None = None,
                     tol: float | None = None) -> Array | tuple[Array, Array]:
    """scipy.linalg.eigh_tridiagonal: eigenvalues (and eigenvectors) of the symmetric
    tridiagonal matrix with diagonal d and off-diagonal e; select 'a' (all) or 'i' (indices
    select_range=(lo, hi)).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import eigh_tridiagonal
    >>> eigh_tridiagonal(fnp.array([2.0, 2.0]), fnp.array([1.0]), eigvals_only=True)
    Array([1., 3.], dtype=float64)
    """
    d, e = _prep(d, e)
    n = _shape(d)[-1]
    if _shape(e)[-1] != max(n - 1, 0):
        raise ValueError(f"eigh_tridiagonal: `e` needs {max(n - 1, 0)} entries for `d` of "
                         f"{n}, got shape {_shape(e)}.")
    if select not in ("a", "i"):
        raise NotImplementedError(f"eigh_tridiagonal: `select` = {select!r}: only 'a' and 'i' "
                                  "are supported.")
    m = fnp.zeros(_shape(d) + (n,), get_aval(d).dtype)
    m = m + fnp.expand_dims(d, -1) * fnp.eye(n, dtype=m.dtype)
    if n > 1:
        sub = fnp.eye(n, k=-1, dtype=m.dtype)
        ee = fnp.concatenate([e, fnp.zeros(_shape(e)[:-1] + (1,), e.dtype)], axis=-1)
        m = m + fnp.expand_dims(ee, -2) * sub + fnp.expand_dims(fnp.conj(ee), -1) * sub.T
    idx = None if select == "a" or select_range is None else (
        int(select_range[0]), int(select_range[1]))
    return eigh(m, eigvals_only=eigvals_only, subset_by_index=idx)


def det(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    """scipy.linalg.det.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import det
    >>> det(fnp.array([[1.0, 2.0], [3.0, 4.0]]))
    Array(-2., dtype=float64)
    """
    a = _prep(a)
    _square("det", "a", a)
    return nla.det(a)


def inv(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    """scipy.linalg.inv.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import inv
    >>> inv(fnp.array([[2.0, 0.0], [0.0, 4.0]]))
    Array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float64)
    """
    a = _prep(a)
    _square("inv", "a", a)
    return nla.inv(a)


def pinv(a: ArrayLike, *, atol: float | None = None, rtol: float | None = None,
         return_rank: bool = False, check_finite: bool = True) -> Array | tuple[Array, Any]:
    """scipy.linalg.pinv through the SVD: singular values at most atol + rtol * max(s) count as
    zero (rtol defaults to max(m, n) * eps when atol is not given, else 0). return_rank needs
    concrete values.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import pinv
    >>> pinv(fnp.array([[2.0, 0.0], [0.0, 0.0]]))
    Array([[0.5, 0. ],
           [0. , 0. ]], dtype=float64)
    """
    a = _prep(a)
    nla._assert_stacked_2d("pinv", a)
    m, n = _shape(a)[-2:]
    eps = np.finfo(get_aval(a).dtype).eps
    atol_v = 0.0 if atol is None else atol
    rtol_v = (max(m, n) * eps if atol is None else 0.0) if rtol is None else rtol
    if atol_v < 0 or rtol_v < 0:
        raise ValueError("pinv: `atol` and `rtol` must be nonnegative.")
    if m * n == 0:
        out = fnp.zeros(_shape(a)[:-2] + (n, m), get_aval(a).dtype)
        return (out, 0) if return_rank else out
    u, s, vh = nla.svd(a, full_matrices=False)
    cut = atol_v + rtol_v * fnp.max(s, axis=-1, keepdims=True)
    big = s > cut
    s_inv = fnp.where(big, 1 / fnp.where(big, s, 1), 0).astype(s.dtype)
    out = nla.matmul(_mH(vh) * fnp.expand_dims(s_inv, -2), _mH(u))
    if return_rank:
        return out, nla._concrete(fnp.sum(big, axis=-1), "pinv's return_rank (an integer)")
    return out


def polar(a: ArrayLike, side: str = "right", *, method: str = "qdwh", eps: float | None = None,
          max_iterations: int | None = None) -> tuple[Array, Array]:
    """scipy.linalg.polar through the SVD: (u, p) with a = u @ p (side='right') or a = p @ u
    (side='left'), u with orthonormal columns (rows) and p Hermitian positive semidefinite.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import polar
    >>> polar(fnp.array([[2.0, 0.0], [0.0, -3.0]]))[1]
    Array([[2., 0.],
           [0., 3.]], dtype=float64)
    """
    if side not in ("right", "left"):
        raise ValueError(f"polar: `side` = {side!r} must be 'right' or 'left'.")
    if method not in ("qdwh", "svd"):
        raise ValueError(f"polar: `method` = {method!r} must be 'qdwh' or 'svd'.")
    a = _prep(a)
    nla._assert_stacked_2d("polar", a)
    w, s, vh = nla.svd(a, full_matrices=False)
    u = nla.matmul(w, vh)
    ds = fnp.expand_dims(s, -2).astype(get_aval(a).dtype)
    p = nla.matmul(_mH(vh) * ds, vh) if side == "right" else nla.matmul(w * ds, _mH(w))
    return u, p


def hessenberg(a: ArrayLike, *, calc_q: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> Array | tuple[Array, Array]:
    """scipy.linalg.hessenberg: h = q^H a q upper Hessenberg (zero below the first
    subdiagonal), by Householder reflections (LAPACK gehrd's, for real a); with calc_q, (h, q).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import hessenberg
    >>> h = hessenberg(fnp.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]))
    >>> float(h[2, 0])
    0.0
    """
    a = _prep(a)
    _square("hessenberg", "a", a)
    n = _shape(a)[-1]
    dt = get_aval(a).dtype
    h = a
    q = fnp.broadcast_to(fnp.eye(n, dtype=dt), _shape(a))
    for k in range(n - 2):
        x = h[..., k + 1:, k]
        x0 = x[..., 0]
        alpha = fnp.sqrt(fnp.sum(fnp.real(fnp.conj(x) * x), axis=-1))
        zero = alpha == 0
        phase = fnp.where(fnp.abs(x0) == 0, 1, x0 / fnp.where(fnp.abs(x0) == 0, 1, fnp.abs(x0)))
        v = x + fnp.expand_dims(phase * alpha, -1) * fnp.eye(n - k - 1, dtype=dt)[0]
        vn = fnp.sqrt(fnp.sum(fnp.real(fnp.conj(v) * v), axis=-1, keepdims=True))
        v = fnp.where(fnp.expand_dims(zero, -1), 0, v / fnp.where(vn == 0, 1, vn)).astype(dt)
        full = fnp.concatenate([fnp.zeros(_shape(v)[:-1] + (k + 1,), dt), v], axis=-1)
        hh = fnp.eye(n, dtype=dt) - 2 * fnp.expand_dims(full, -1) * fnp.expand_dims(
            fnp.conj(full), -2)
        h = nla.matmul(hh, nla.matmul(h, hh))
        q = nla.matmul(q, hh)
        if n - k - 2 > 0:   # exact zeros below the subdiagonal in column k
            keep = np.ones((n, n), bool)
            keep[k + 2:, k] = False
            h = fnp.where(keep, h, 0).astype(dt)
    return (h, q) if calc_q else h


# ---- matrix functions ---------------------------------------------------------------------------

def expm(A: ArrayLike, *, upper_triangular: bool = False, max_squarings: int = 16) -> Array:
    """scipy.linalg.expm: the matrix exponential (Pade-13 scaling and squaring), of a matrix or
    a stack of them; its derivative is the Frechet derivative (expm_frechet).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import expm
    >>> expm(fnp.array([[0.0, 1.0], [0.0, 0.0]]))
    Array([[1., 1.],
           [0., 1.]], dtype=float64)
    """
    a = _prep(A)
    _square("expm", "A", a)
    return G.expm(a)


def expm_frechet(A: ArrayLike, E: ArrayLike, *, method: str | None = None,
                 compute_expm: bool = True) -> Array | tuple[Array, Array]:
    """scipy.linalg.expm_frechet: (expm(A), L(A, E)), the Frechet derivative of expm at A in
    direction E (L alone with compute_expm=False).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import expm_frechet
    >>> expm_frechet(fnp.zeros((2, 2)), fnp.eye(2), compute_expm=False)
    Array([[1., 0.],
           [0., 1.]], dtype=float64)
    """
    if method not in (None, "SPS", "blockEnlarge"):
        raise ValueError(f"expm_frechet: `method` = {method!r} must be None, 'SPS' or "
                         "'blockEnlarge'.")
    a, e = _prep(A, E)
    _square("expm_frechet", "A", a)
    if _shape(a) != _shape(e):
        raise ValueError(f"expm_frechet: `A` {_shape(a)} and `E` {_shape(e)} must have the same "
                         "shape.")
    ea, lae = G.expm_frechet(a, e)
    return (ea, lae) if compute_expm else lae


def solve_sylvester(A: ArrayLike, B: ArrayLike, C: ArrayLike, *, method: str = "schur",
                    tol: float = 1e-8) -> Array:
    """scipy.linalg.solve_sylvester: X with A X + X B = C, as the linear system
    (I (x) A + B^T (x) I) vec(X) = vec(C) (column-major vec; sizes up to a few dozen).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import solve_sylvester
    >>> solve_sylvester(fnp.eye(2), fnp.eye(2), fnp.eye(2) * 4)
    Array([[2., 0.],
           [0., 2.]], dtype=float64)
    """
    if method not in ("schur", "eigen"):
        raise ValueError(f"solve_sylvester: `method` = {method!r} must be 'schur' or 'eigen'.")
    a, b, c = _prep(A, B, C)
    _square("solve_sylvester", "A", a)
    _square("solve_sylvester", "B", b)
    m, n = _shape(a)[-1], _shape(b)[-1]
    if _shape(c)[-2:] != (m, n):
        raise ValueError(f"solve_sylvester: `C` must have shape ({m}, {n}) for `A` {_shape(a)} "
                         f"and `B` {_shape(b)}, got {_shape(c)}.")
    dt = get_aval(a).dtype
    k = fnp.kron(fnp.eye(n, dtype=dt), a) + fnp.kron(nla._mT(b), fnp.eye(m, dtype=dt))
    rhs = fnp.reshape(nla._mT(c), (m * n,))
    return nla._mT(fnp.reshape(nla.solve(k, rhs), (n, m)))


# ---- structured matrices ------------------------------------------------------------------------

def block_diag(*arrs: ArrayLike) -> Array:
    """scipy.linalg.block_diag: the arrays (0-d as 1x1, 1-D as a row) along the diagonal.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import block_diag
    >>> block_diag(fnp.array([[1.0]]), fnp.array([2.0, 3.0]))
    Array([[1., 0., 0.],
           [0., 2., 3.]], dtype=float64)
    """
    if not arrs:
        return wrap_value(np.zeros((1, 0)))
    mats = []
    for i, x in enumerate(arrs):
        x = operand(x)
        if get_aval(x).ndim > 2:
            raise ValueError(f"block_diag: argument {i} has {get_aval(x).ndim} dimensions; each "
                             "must be 0-, 1- or 2-dimensional.")
        mats.append(fnp.reshape(x, (1,) * (2 - get_aval(x).ndim) + _shape(x)))
    dt = np.result_type(*[get_aval(x).dtype for x in mats])
    cols = sum(_shape(x)[1] for x in mats)
    rows, left = [], 0
    for x in mats:
        c = _shape(x)[1]
        rows.append(fnp.pad(x.astype(dt), ((0, 0), (left, cols - left - c))))
        left += c
    return fnp.concatenate(rows, axis=0)


def _first_axis_values(name: str, x: ArrayLike) -> Array:
    x = operand(x)
    if get_aval(x).ndim == 0:
        x = fnp.reshape(x, (1,))
    return x


def toeplitz(c: ArrayLike, r: ArrayLike | None = None) -> Array:
    """scipy.linalg.toeplitz: T[i, j] = c[i - j] (i >= j), r[j - i] (j > i); r defaults to
    conj(c). Leading axes of c and r are batch axes (as JAX).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import toeplitz
    >>> toeplitz(fnp.array([1.0, 2.0, 3.0]), fnp.array([1.0, 4.0]))
    Array([[1., 4.],
           [2., 1.],
           [3., 2.]], dtype=float64)
    """
    c = _first_axis_values("toeplitz", c)
    r = fnp.conj(c) if r is None else _first_axis_values("toeplitz", r)
    m, n = _shape(c)[-1], _shape(r)[-1]
    dt = np.result_type(get_aval(c).dtype, get_aval(r).dtype)
    lead = tuple(np.broadcast_shapes(_shape(c)[:-1], _shape(r)[:-1]))
    c = fnp.broadcast_to(c.astype(dt), lead + (m,))
    r = fnp.broadcast_to(r.astype(dt), lead + (n,))
    vals = fnp.concatenate([fnp.flip(r[..., 1:], axis=-1), c], axis=-1)   # index n-1 is c[0]
    idx = np.subtract.outer(np.arange(m), np.arange(n)) + n - 1
    return vals[..., idx]


def hankel(c: ArrayLike, r: ArrayLike | None = None) -> Array:
    """scipy.linalg.hankel: H[i, j] = c[i + j] (i + j < m), else r[i + j - m + 1]; r defaults to
    zeros (its first entry is ignored).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import hankel
    >>> hankel(fnp.array([1.0, 2.0, 3.0]))
    Array([[1., 2., 3.],
           [2., 3., 0.],
           [3., 0., 0.]], dtype=float64)
    """
    c = _first_axis_values("hankel", c)
    r = fnp.zeros_like(c) if r is None else _first_axis_values("hankel", r)
    m, n = _shape(c)[-1], _shape(r)[-1]
    dt = np.result_type(get_aval(c).dtype, get_aval(r).dtype)
    vals = fnp.concatenate([c.astype(dt), r[..., 1:].astype(dt)], axis=-1)
    return vals[..., np.add.outer(np.arange(m), np.arange(n))]


def circulant(c: ArrayLike) -> Array:
    """scipy.linalg.circulant: C[i, j] = c[(i - j) % n].

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import circulant
    >>> circulant(fnp.array([1.0, 2.0, 3.0]))
    Array([[1., 3., 2.],
           [2., 1., 3.],
           [3., 2., 1.]], dtype=float64)
    """
    c = _first_axis_values("circulant", c)
    n = _shape(c)[-1]
    return c[..., np.subtract.outer(np.arange(n), np.arange(n)) % max(n, 1)]


def companion(a: ArrayLike) -> Array:
    """scipy.linalg.companion: the companion matrix of the polynomial with coefficients a
    (highest degree first): first row -a[1:] / a[0], ones below the diagonal.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import companion
    >>> companion(fnp.array([1.0, -3.0, 2.0]))
    Array([[ 3., -2.],
           [ 1.,  0.]], dtype=float64)
    """
    a = operand(a)
    if get_aval(a).ndim < 1 or _shape(a)[-1] < 2:
        raise ValueError(f"companion: `a` needs at least two coefficients, got shape {_shape(a)}.")
    a = a if get_aval(a).dtype.kind in "fc" else a.astype(np.float64)
    n = _shape(a)[-1] - 1
    first = -a[..., 1:] / a[..., :1]
    rest = fnp.broadcast_to(fnp.eye(n - 1, n, dtype=a.dtype), _shape(a)[:-1] + (n - 1, n))
    return fnp.concatenate([fnp.expand_dims(first, -2), rest], axis=-2)
