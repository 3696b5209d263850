"""Matrix decompositions and solves: cholesky, triangular_solve, lu (with lu_solve), solve, inv,
det, slogdet, eigh, svd and qr (eig, expm and the pivots' permutation are in
linalg_general.py). Every primitive works on a matrix or a stack of them (the last two axes,
with any leading axes: (..., m, n)), evaluates with numpy.linalg, and carries all its rules:
shape rule, jvp, vjp, batching. The derivative rules are written with funcgrad operations (including these
primitives), so higher derivatives come free.

Conventions. `mT(x)` is the transpose of the last two axes, `<A, B> = sum(A * B)`, `sym(X) =
(X + mT(X)) / 2`, `diag` the diagonal, and each vjp is the exact transpose of its jvp (the tests
check <u, J v> == <J^T u, v>). Complex inputs follow JAX's convention: a vjp is the transpose
for the pairing <a, b> = Re(sum(a * b)) (no conjugation), so linear rules (triangular_solve,
solve, inv, det) use the plain transpose and the R-linear ones (cholesky, eigh, svd, qr,
slogdet) take conjugates where the derivation puts them. cholesky and eigh read one triangle
of their input (hermitian_from_triangle), as numpy and LAPACK do.

Sources of the formulas:
- cholesky: I. Murray, "Differentiation of the Cholesky decomposition" (2016), eqs. (8)-(10).
  With A = L L^T and Phi(X) = the lower triangle of X with its diagonal halved,
  dL = L Phi(L^-1 dA L^-T) and  A_bar = sym(L^-T Phi(L^T L_bar) L^-1).
  The primitive's rules take the tangent's Hermitian part; the public cholesky feeds it the
  Hermitian matrix built from x's lower triangle, so (as numpy's values) only that triangle
  of x has a derivative.
- eigh: the standard perturbation result (e.g. M. Giles, "An extended collection of matrix
  derivative results for forward and reverse mode AD", 2008, sec. 3.1): with S = V^T sym(dA) V
  and F_ij = 1 / (w_j - w_i) (i != j), F_ii = 0,  dw = diag(S),  dV = V (F o S), and
  A_bar = sym(V (diag(w_bar) + F o (V^T V_bar)) V^T). Needs distinct eigenvalues for dV.
- svd (reduced): Giles 2008 sec. 3.2 and J. Townsend, "Differentiating the singular value
  decomposition" (2016). With dP = U^T dA V, S = diag(s), F_ij = 1 / (s_j^2 - s_i^2) (i != j):
  ds = diag(dP), dU = U (F o (dP S + S dP^T)) + (I - U U^T) dA V S^-1,
  dV = V (F o (S dP + dP^T S)) + (I - V V^T) dA^T U S^-1; the vjp is its transpose:
  A_bar = U [diag(s_bar) + (J + J^T) S + S (K + K^T)] V^T + (I - U U^T) U_bar S^-1 V^T
          + U S^-1 V_bar^T (I - V V^T),  J = F o (U^T U_bar), K = F o (V^T V_bar).
  U and V need distinct nonzero singular values; s alone (compute_uv=False) needs nothing.
- qr (m >= n): M. Walter and L. Lehmann, "Algorithmic differentiation of linear algebra
  functions with application in optimum experimental design" (2018), and the terse derivation
  of J. Townsend/JAX: with C = Q^T dA R^-1 and Omega = tril(C, -1) - tril(C, -1)^T,
  dQ = Q (Omega - C) + dA R^-1 and dR = (C - Omega) R; transposed,
  A_bar = (Q_bar + Q copyutl(R_bar R^T - Q^T Q_bar)) R^-T, copyutl(M) being the symmetric
  matrix with M's upper triangle. For m < n, A = [A1 | A2] gives Q R1 = qr(A1), R2 = Q^T A2.
- solve, triangular_solve, inv, det, slogdet: d(A^-1) = -A^-1 dA A^-1 and
  d log|det A| = tr(A^-1 dA) (Giles 2008 sec. 2.2), transposed.
"""
from __future__ import annotations

import numpy as np

from .._core.array import Array, wrap_value
from .._core.avals import ShapedArray
from .._core.backend import asarray, on_host
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.primitive import (
    NO_ALGEBRA,
    PURE,
    RULE_FIRST,
    Primitive,
    defvjp,
    defvjp_all,
)
from .._core.trace import get_aval
from .._core.typing import ArrayLike
from ._batching import batch_size, move_axis, to_front
from .elementwise import conj, convert_element_type, eq, real
from .linalg import dot_general
from .reduce import reduce_sum
from .shape import concatenate, reshape, transpose
from .shape import slice as _slice

try:  # optional (the oracle extra): LAPACK's getrf and trtrs, so that a factorization is kept
    # and a triangular solve costs O(n^2); without scipy, numpy.linalg does both in O(n^3)
    from scipy.linalg import get_lapack_funcs as _lapack_funcs
except ImportError:
    _lapack_funcs = None


class LinAlgError(ShapeError, np.linalg.LinAlgError):
    """A matrix operand of the wrong shape: both funcgrad's ShapeError and numpy's LinAlgError, so
    code that catches numpy's error catches it too."""


# ---- helpers: funcgrad operations on the last two axes -------------------------------------------

def _shape(x):
    return get_aval(x).shape


def _ndim(x):
    return get_aval(x).ndim


def mT(x: ArrayLike) -> Array:
    """x with its last two axes swapped."""
    nd = _ndim(x)
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def mm(x: ArrayLike, y: ArrayLike) -> Array:
    """(..., m, k) @ (..., k, n) for operands with the same leading axes."""
    nd = _ndim(x)
    b = tuple(range(nd - 2))
    return dot_general(x, y, (((nd - 1,), (nd - 2,)), (b, b)))


def _real_dtype(dtype):
    return np.empty(0, dtype).real.dtype


def _const(value, dtype):
    return wrap_value(np.asarray(value, dtype=dtype))


def _eye(n, dtype):
    return _const(np.eye(n), dtype)


def _tri(x, k=0, lower=True):
    """tril(x, k) (lower) or triu(x, k) of the last two axes, by a constant mask."""
    m, n = _shape(x)[-2:]
    mask = np.tri(m, n, k) if lower else 1.0 - np.tri(m, n, k - 1)
    return x * _const(mask, get_aval(x).dtype)


def _row(v):
    """(..., n) -> (..., 1, n): multiplies the columns of a matrix."""
    s = _shape(v)
    return reshape(v, s[:-1] + (1, s[-1]))


def _col(v):
    """(..., n) -> (..., n, 1): multiplies the rows of a matrix."""
    s = _shape(v)
    return reshape(v, s + (1,))


def _diag(x):
    """The diagonal of square matrices: (..., n, n) -> (..., n)."""
    n = _shape(x)[-1]
    return reduce_sum(x * _eye(n, get_aval(x).dtype), (_ndim(x) - 1,))


def _diag_embed(v, dtype):
    """(..., n) -> (..., n, n) with v on the diagonal."""
    return _row(v) * _eye(_shape(v)[-1], dtype)


def _trace(x):
    return reduce_sum(_diag(x), (_ndim(x) - 2,))


def _gap_matrix(d):
    """F_ij = 1 / (d_j - d_i) off the diagonal, 0 on it (d: (..., n))."""
    eye = _eye(_shape(d)[-1], get_aval(d).dtype)
    return 1.0 / (_row(d) - _col(d) + eye) - eye


def _last_cols(x, start, stop):
    s = _shape(x)
    return _slice(x, (0,) * (len(s) - 1) + (start,), s[:-1] + (stop,))


def _is_complex(x):
    return get_aval(x).dtype.kind == "c"


def mH(x: ArrayLike) -> Array:
    """The conjugate transpose of the last two axes (mT for real x)."""
    return conj(mT(x)) if _is_complex(x) else mT(x)


def _conj(x):
    return conj(x) if _is_complex(x) else x


def _symh(x):
    """The Hermitian part (x + x^H) / 2 (sym for real x)."""
    return (x + mH(x)) * 0.5


def _i_imag(x):
    """i Im(x) for complex x: x - Re(x)."""
    return x - convert_element_type(real(x), get_aval(x).dtype)


def _safe_inverse(s):
    """1 / s, with 0 where s == 0."""
    z = convert_element_type(eq(s, _const(0, get_aval(s).dtype)), get_aval(s).dtype)
    return 1.0 / (s + z) - z


def hermitian_from_triangle(x: ArrayLike, lower: bool = True) -> Array:
    """The Hermitian (real: symmetric) matrix whose lower (upper) triangle is x's: what numpy's
    and LAPACK's cholesky and eigh read (the other triangle and the imaginary part of the
    diagonal are not read, so they get zero derivative)."""
    strict = _tri(x, -1) if lower else _tri(x, 1, lower=False)
    d = x * _eye(_shape(x)[-1], get_aval(x).dtype)
    if _is_complex(x):
        d = convert_element_type(real(d), get_aval(x).dtype)
    return strict + d + mH(strict)


# ---- shape rules ---------------------------------------------------------------------------------

def _linalg_error(msg):
    return LinAlgError(f"{msg}\n  at {user_frame()}\n{doc_link('shapeerror')}")


def _check_float(name, *avals):
    for a in avals:
        if a.dtype.kind not in "fc" or a.dtype.itemsize < 4:
            raise TypeError(
                f"{name} needs float32, float64, complex64 or complex128 matrices, got "
                f"{a.str_short()}. Convert first: x.astype(fnp.float64) (funcgrad.numpy.linalg "
                "does this for integer input, as numpy.linalg does).")


def _check_matrix(name, a, square=True):
    _check_float(name, a)
    if a.ndim < 2:
        raise _linalg_error(
            f"{name}: {a.ndim}-dimensional array given (shape {a.shape}). Array must be at least "
            "two-dimensional: a matrix (m, n) or a stack of them (..., m, n). For one vector x, "
            "use x[None, :] or x[:, None].")
    if square and a.shape[-1] != a.shape[-2]:
        raise _linalg_error(
            f"{name}: last 2 dimensions of the array must be square, got shape {a.shape}. "
            f"{name} works on (..., n, n) matrices; for a rectangular matrix use "
            "fnp.linalg.lstsq or fnp.linalg.pinv.")


def _check_rhs(name, a, b):
    _check_float(name, b)
    n = a.shape[-1]
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2] or b.shape[-2] != n:
        raise _linalg_error(
            f"{name}: a of shape {a.shape} needs b of shape {a.shape[:-2] + (n, 'k')} (the same "
            f"leading axes, {n} rows), got {b.shape}. funcgrad.numpy.linalg.solve broadcasts "
            "the leading axes and accepts a vector b.")


def _matrix_batch(prim):
    """Batching for primitives on the last two axes: a leading batch axis stays where it is."""
    def rule(args, dims, **params):
        (x,), (bd,) = args, dims
        if bd >= _ndim(x) - 2:
            x, bd = move_axis(x, bd, 0), 0
        out = prim.bind(x, **params)
        return out, ([bd] * len(out) if prim.multiple_results else bd)
    prim.batch = rule


def _solve_batch(prim):
    """Batching for (a, b) -> x solves. Only b batched: the batch becomes more columns of b (one
    factorization of a, not one per example)."""
    def rule(args, dims, **params):
        (a, b), (ad, bd) = args, dims
        if ad is None:
            nd = _ndim(b)
            b = move_axis(b, bd, nd - 1)  # (..., n, k, B)
            s = _shape(b)
            x = prim.bind(a, reshape(b, s[:-2] + (s[-2] * s[-1],)), **params)
            return reshape(x, s), nd - 1
        size = batch_size(args, dims)
        return prim.bind(to_front(a, ad, size), to_front(b, bd, size), **params), 0
    prim.batch = rule


def _matrix_prim(name, impl, out_avals, *, fresh, square=True, multiple_results=False):
    """A primitive on the last two axes of its one operand (batched over the leading axes): the
    operand is checked to be a (square) float matrix, then out_avals(x, **params) is the shape
    rule; batched by _matrix_batch; no effects, no algebra for jit's passes. `fresh`: whether
    its results are always new memory."""
    p = Primitive(name, multiple_results=multiple_results)
    p.impl = impl

    def abstract_eval(x, **params):
        _check_matrix(name, x, square=square)
        return out_avals(x, **params)
    p.abstract_eval = abstract_eval
    _matrix_batch(p)
    p.declare(fresh=fresh, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)
    return p


# ---- cholesky -----------------------------------------------------------------------------------

cholesky_p = _matrix_prim("cholesky", lambda x: np.linalg.cholesky(x),
                          lambda x: ShapedArray(x.shape, x.dtype), fresh=True)


def cholesky(x: ArrayLike) -> Array:
    """The lower Cholesky factor L of the Hermitian positive-definite matrix whose lower triangle
    is x's (x = L L^H); only that triangle is read, so only it has a derivative."""
    return cholesky_p.bind(hermitian_from_triangle(x, True))


def _phi(x):
    """The lower triangle with the diagonal halved (Murray 2016's Phi)."""
    n = _shape(x)[-1]
    return x * _const(np.tri(n) - 0.5 * np.eye(n), get_aval(x).dtype)


def _cholesky_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    L = cholesky_p.bind(x)
    if t is None:
        return L, None
    # X = L^-1 symh(t) L^-H;  dL = L Phi(X)
    y = triangular_solve(L, _symh(t), lower=True)
    X = mH(triangular_solve(L, mH(y), lower=True))
    return L, mm(L, _phi(X))


def _cholesky_vjp(ct, L, x):
    # transposed for the pairing Re(sum(a * b)): A_bar = symh(L^-T Phi(L^T L_bar) conj(L)^-1)
    P = _phi(mm(mT(L), ct))
    W = triangular_solve(L, P, lower=True, transpose_a=True)                     # L^-T P
    Z = mT(triangular_solve(_conj(L), mT(W), lower=True, transpose_a=True))     # W conj(L)^-1
    return _symh(Z)


cholesky_p.jvp = _cholesky_jvp
defvjp(cholesky_p, _cholesky_vjp)

# ---- triangular_solve ---------------------------------------------------------------------------

triangular_solve_p = Primitive("triangular_solve")


def _triangular_solve_impl(a, b, *, lower, transpose_a):
    a, b = asarray(a), asarray(b)
    if _lapack_funcs is not None and type(a) is np.ndarray and a.size and b.size:
        # LAPACK trtrs: O(n^2) per right-hand side, reading only the triangle
        dt = np.result_type(a.dtype, b.dtype)
        a, b = a.astype(dt, copy=False), b.astype(dt, copy=False)
        trtrs, = _lapack_funcs(("trtrs",), (a, b))
        lead = a.shape[:-2]
        fa = a.reshape((-1,) + a.shape[-2:])
        fb = b.reshape((-1,) + b.shape[-2:])
        out = np.empty(fb.shape, dt)
        for i in range(fa.shape[0]):
            out[i], info = trtrs(fa[i], fb[i], lower=int(lower), trans=int(transpose_a))
            if info > 0:
                raise np.linalg.LinAlgError("Singular matrix")
        return out.reshape(lead + b.shape[-2:])
    t = np.tril(a) if lower else np.triu(a)
    if transpose_a:
        t = np.swapaxes(t, -1, -2)
    return np.linalg.solve(t, b)


def _triangular_solve_abstract_eval(a, b, *, lower, transpose_a):
    _check_matrix("triangular_solve", a)
    _check_rhs("triangular_solve", a, b)
    return ShapedArray(b.shape, np.result_type(a.dtype, b.dtype))


triangular_solve_p.impl = _triangular_solve_impl
triangular_solve_p.abstract_eval = _triangular_solve_abstract_eval


def triangular_solve(a: ArrayLike, b: ArrayLike, *, lower: bool = True,
                     transpose_a: bool = False) -> Array:
    """x with op(T) x = b, T the lower (or upper) triangle of a (the rest of a is not read),
    op(T) = T or T^T (transpose_a); a: (..., n, n), b: (..., n, k)."""
    return triangular_solve_p.bind(a, b, lower=bool(lower), transpose_a=bool(transpose_a))


def _triangular_solve_jvp(primals, tangents, *, lower, transpose_a):
    (a, b), (ta, tb) = primals, tangents
    x = triangular_solve(a, b, lower=lower, transpose_a=transpose_a)
    rhs = tb
    if ta is not None:
        op_ta = _tri(ta, lower=lower)
        op_ta = mT(op_ta) if transpose_a else op_ta
        rhs = -mm(op_ta, x) if rhs is None else rhs - mm(op_ta, x)
    if rhs is None:
        return x, None
    return x, triangular_solve(a, rhs, lower=lower, transpose_a=transpose_a)


def _triangular_solve_vjp(ct, x, args, positions, residuals, *, lower, transpose_a):
    a, _ = args
    b_bar = triangular_solve(a, ct, lower=lower, transpose_a=not transpose_a)
    out = []
    for i in positions:
        if i == 1:
            out.append(b_bar)
        else:
            g = mm(b_bar, mT(x)) if not transpose_a else mm(x, mT(b_bar))
            out.append(-_tri(g, lower=lower))
    return out


triangular_solve_p.jvp = _triangular_solve_jvp
defvjp_all(triangular_solve_p, _triangular_solve_vjp, frozenset((0, 1)))
_solve_batch(triangular_solve_p)
triangular_solve_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                           **NO_ALGEBRA)

# ---- lu -----------------------------------------------------------------------------------------
# Partial pivoting (LAPACK getrf's choice: the first row of largest |re| + |im| in the column).
# Outputs: the packed factors (L below the unit diagonal, U on and above), LAPACK's 0-based row
# interchanges (row i was swapped with row pivots[i]) and the permutation they make (row i of
# P^T a is row perm[i] of a). Derivative (square a; JAX's rule written out): with
# X = L^-1 P^T dA U^-1,  dL = L tril(X, -1),  dU = triu(X) U; transposed,
# A_bar = P L^-T (tril(L^T G, -1) + triu(G U^T)) U^-T for the packed factors' cotangent G.

def _lu_one(a):
    a = a.copy()
    m, n = a.shape
    k = min(m, n)
    piv = np.zeros(k, np.int32)
    perm = np.arange(m, dtype=np.int32)
    for j in range(k):
        col = a[j:, j]
        size = np.abs(col.real) + np.abs(col.imag) if a.dtype.kind == "c" else np.abs(col)
        p = j + int(np.argmax(size))
        piv[j] = p
        if p != j:
            a[[j, p]] = a[[p, j]]
            perm[[j, p]] = perm[[p, j]]
        if a[j, j] != 0:
            a[j + 1:, j] /= a[j, j]
        a[j + 1:, j + 1:] -= np.outer(a[j + 1:, j], a[j, j + 1:])
    return a, piv, perm


def _lu_one_lapack(a):
    getrf, = _lapack_funcs(("getrf",), (a,))
    packed, piv, _ = getrf(a)   # info > 0 (an exact zero pivot) is not an error for lu
    perm = _pivots_to_perm_impl(piv.astype(np.int32), size=a.shape[0])
    return packed, piv.astype(np.int32), perm


@on_host
def _lu_impl(x):
    x = asarray(x)
    *lead, m, n = x.shape
    flat = x.reshape((int(np.prod(lead, dtype=np.int64)), m, n))
    one = _lu_one if _lapack_funcs is None or m * n == 0 else _lu_one_lapack
    if not lead and m * n:
        packed, piv, perm = one(x)
        return [packed, piv, perm]
    outs = [one(flat[i]) for i in range(flat.shape[0])]
    k = min(m, n)
    lu = np.stack([o[0] for o in outs]) if outs else np.empty((0, m, n), x.dtype)
    piv = np.stack([o[1] for o in outs]) if outs else np.empty((0, k), np.int32)
    perm = np.stack([o[2] for o in outs]) if outs else np.empty((0, m), np.int32)
    lead = tuple(lead)
    return [lu.reshape(lead + (m, n)), piv.reshape(lead + (k,)), perm.reshape(lead + (m,))]


lu_p = _matrix_prim(
    "lu", _lu_impl,
    lambda x: [ShapedArray(x.shape, x.dtype), ShapedArray(x.shape[:-2] + (min(x.shape[-2:]),),
                                                          np.int32),
               ShapedArray(x.shape[:-1], np.int32)],
    fresh=False, square=False, multiple_results=True)


def lu(x: ArrayLike) -> tuple[Array, Array, Array]:
    """(lu, pivots, permutation) of x = P L U by partial pivoting (see the section's note)."""
    return tuple(lu_p.bind(x))


def _perm_matrix(perm, dtype):
    """P with P^T a = a[perm]: P[i, j] = (perm[j] == i), from integer perm (..., m)."""
    m = _shape(perm)[-1]
    rows = _const(np.arange(m).reshape(m, 1), np.int32)
    return convert_element_type(eq(_row(perm), rows), dtype)


def _lu_square_check(x):
    m, n = _shape(x)[-2:]
    if m != n:
        raise NotImplementedError(
            f"lu: derivatives of the LU factors of a non-square ({m}, {n}) matrix are not "
            "implemented (square ones are).")


def _lu_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    packed, piv, perm = lu_p.bind(x)
    if t is None:
        return [packed, piv, perm], None
    _lu_square_check(x)
    dtype = get_aval(x).dtype
    n = _shape(x)[-1]
    low = _tri(packed, -1) + _eye(n, dtype)
    P = _perm_matrix(perm, dtype)
    y = triangular_solve(low, mm(mT(P), t), lower=True)               # L^-1 P^T dA
    X = mT(triangular_solve(packed, mT(y), lower=False, transpose_a=True))  # ... U^-1
    d = mm(low, _tri(X, -1)) + mm(_tri(X, 0, lower=False), _tri(packed, 0, lower=False))
    return [packed, piv, perm], [d, None, None]


def _lu_vjp(ct, ans, x):
    _lu_square_check(x)
    G = ct[0]
    packed, _, perm = ans
    dtype = get_aval(x).dtype
    n = _shape(x)[-1]
    low = _tri(packed, -1) + _eye(n, dtype)
    up = _tri(packed, 0, lower=False)
    M = _tri(mm(mT(low), G), -1) + _tri(mm(G, mT(up)), 0, lower=False)
    z = triangular_solve(low, M, lower=True, transpose_a=True)                # L^-T M
    z = mT(triangular_solve(packed, mT(z), lower=False))                      # ... U^-T
    return mm(_perm_matrix(perm, dtype), z)


lu_p.jvp = _lu_jvp
defvjp(lu_p, _lu_vjp)

def _pivots_to_perm_impl(piv, *, size):
    piv = asarray(piv)
    lead, k = piv.shape[:-1], piv.shape[-1]
    flat = piv.reshape((int(np.prod(lead, dtype=np.int64)), k))
    out = np.empty((flat.shape[0], size), np.int32)
    for r, row in enumerate(flat.tolist()):
        perm = list(range(size))
        for j, p in enumerate(row):
            perm[j], perm[p] = perm[p], perm[j]
        out[r] = perm
    return out.reshape(lead + (size,))


# ---- solve --------------------------------------------------------------------------------------

solve_p = Primitive("solve")
solve_p.impl = lambda a, b: np.linalg.solve(a, b)


def _solve_abstract_eval(a, b):
    _check_matrix("solve", a)
    _check_rhs("solve", a, b)
    return ShapedArray(b.shape, np.result_type(a.dtype, b.dtype))


solve_p.abstract_eval = _solve_abstract_eval


def solve(a: ArrayLike, b: ArrayLike) -> Array:
    """x with a x = b; a: (..., n, n), b: (..., n, k) with the same leading axes."""
    return solve_p.bind(a, b)


def _solve_jvp(primals, tangents):
    (a, b), (ta, tb) = primals, tangents
    x = solve(a, b)
    rhs = tb
    if ta is not None:
        rhs = -mm(ta, x) if rhs is None else rhs - mm(ta, x)
    return x, (None if rhs is None else solve(a, rhs))


# lu_solve: x with a x = b (transpose: a^T x = b) from lu(a)'s packed factors and permutation,
# a = P L U; O(n^2) per column with LAPACK's trtrs (scipy). As a function of (packed, b) it is
# x = A^-1 b with A = P (tril(packed, -1) + I) triu(packed), so dx = A^-1 (db - dA x) with
# dA = P (tril(d, -1) U + L triu(d)), and the cotangents: b_bar = A^-T ct, A_bar = -b_bar x^T,
# packed_bar = tril(M U^T, -1) + triu(L^T M) with M = P^T A_bar (transposed forms likewise).

def _trtrs(t, b, lower, trans, unit):
    """op(T) x = b with LAPACK; a C-ordered T is read through its transpose (a Fortran-ordered
    view, not a copy)."""
    trtrs, = _lapack_funcs(("trtrs",), (t, b))
    if t.flags.f_contiguous:
        x, info = trtrs(t, b, lower=int(lower), trans=int(trans), unitdiag=int(unit))
    else:
        x, info = trtrs(np.ascontiguousarray(t).T, b, lower=int(not lower),
                        trans=0 if trans else 1, unitdiag=int(unit))
    if info > 0:
        raise np.linalg.LinAlgError("Singular matrix")
    return x


def _lu_solve_one(packed, perm, b, transpose):
    if _lapack_funcs is None:
        n = packed.shape[-1]
        low, up = np.tril(packed, -1) + np.eye(n, dtype=packed.dtype), np.triu(packed)
        if not transpose:
            return np.linalg.solve(up, np.linalg.solve(low, b[perm]))
        out = np.empty_like(b)
        out[perm] = np.linalg.solve(low.T, np.linalg.solve(up.T, b))
        return out
    if not transpose:
        y = _trtrs(packed, b[perm], lower=True, trans=False, unit=True)
        return _trtrs(packed, y, lower=False, trans=False, unit=False)
    y = _trtrs(packed, b, lower=False, trans=True, unit=False)
    out = np.empty_like(y)
    out[perm] = _trtrs(packed, y, lower=True, trans=True, unit=True)
    return out


@on_host
def _lu_solve_impl(packed, perm, b, *, transpose):
    packed, perm, b = asarray(packed), asarray(perm), asarray(b)
    dt = np.result_type(packed.dtype, b.dtype)
    packed, b = packed.astype(dt, copy=False), b.astype(dt, copy=False)
    if b.size == 0:
        return np.zeros(b.shape, dt)
    lead = b.shape[:-2]
    if not lead:
        return _lu_solve_one(packed, perm, b, transpose)
    fp = packed.reshape((-1,) + packed.shape[-2:])
    fperm = perm.reshape((-1, perm.shape[-1]))
    fb = b.reshape((-1,) + b.shape[-2:])
    out = np.stack([_lu_solve_one(fp[i], fperm[i], fb[i], transpose)
                    for i in range(fb.shape[0])])
    return out.reshape(lead + b.shape[-2:])


lu_solve_p = Primitive("lu_solve")
lu_solve_p.impl = _lu_solve_impl


def _lu_solve_abstract_eval(packed, perm, b, *, transpose):
    _check_matrix("lu_solve", packed)
    _check_rhs("lu_solve", packed, b)
    if perm.shape != packed.shape[:-1] or perm.dtype.kind not in "iu":
        raise _linalg_error(f"lu_solve: the permutation must be integers of shape "
                            f"{packed.shape[:-1]}, got {perm.str_short()}.")
    return ShapedArray(b.shape, np.result_type(packed.dtype, b.dtype))


lu_solve_p.abstract_eval = _lu_solve_abstract_eval


def lu_solve(packed: ArrayLike, perm: ArrayLike, b: ArrayLike, *,
             transpose: bool = False) -> Array:
    """x with a x = b (transpose: a^T x = b), from lu(a)'s packed factors and permutation;
    b: (..., n, k)."""
    return lu_solve_p.bind(packed, perm, b, transpose=bool(transpose))


def _lu_factors(packed):
    dtype = get_aval(packed).dtype
    return _tri(packed, -1) + _eye(_shape(packed)[-1], dtype), _tri(packed, 0, lower=False)


def _lu_solve_jvp(primals, tangents, *, transpose):
    (packed, perm, b), (tp, _, tb) = primals, tangents
    x = lu_solve(packed, perm, b, transpose=transpose)
    rhs = tb
    if tp is not None:
        low, up = _lu_factors(packed)
        P = _perm_matrix(perm, get_aval(packed).dtype)
        dA = mm(P, mm(_tri(tp, -1), up) + mm(low, _tri(tp, 0, lower=False)))
        dA_x = mm(mT(dA) if transpose else dA, x)
        rhs = -dA_x if rhs is None else rhs - dA_x
    if rhs is None:
        return x, None
    return x, lu_solve(packed, perm, rhs, transpose=transpose)


def _lu_solve_vjp(ct, x, args, positions, residuals, *, transpose):
    packed, perm, _ = args
    b_bar = lu_solve(packed, perm, ct, transpose=not transpose)
    out = []
    for i in positions:
        if i == 2:
            out.append(b_bar)
            continue
        a_bar = -mm(x, mT(b_bar)) if transpose else -mm(b_bar, mT(x))
        low, up = _lu_factors(packed)
        M = mm(mT(_perm_matrix(perm, get_aval(packed).dtype)), a_bar)
        out.append(_tri(mm(M, mT(up)), -1) + _tri(mm(mT(low), M), 0, lower=False))
    return out


def _lu_solve_batch(args, dims, *, transpose):
    size = batch_size(args, dims)
    return lu_solve_p.bind(*[to_front(x, d, size) for x, d in zip(args, dims)],
                           transpose=transpose), 0


lu_solve_p.jvp = _lu_solve_jvp
defvjp_all(lu_solve_p, _lu_solve_vjp, frozenset((0, 2)))
lu_solve_p.batch = _lu_solve_batch
lu_solve_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                   **NO_ALGEBRA)


def _solve_vjp_fwd(a, b):
    """Under reverse mode (with LAPACK's getrf/trtrs from scipy): factor a once, keep the
    factors for the backward solve with a^T (JAX's custom_linear_solve does the same)."""
    _solve_abstract_eval(get_aval(a), get_aval(b))
    packed, _, perm = lu_p.bind(a)
    return lu_solve(packed, perm, b), (packed, perm)


def _solve_vjp(ct, x, args, positions, residuals):
    a, _ = args
    if residuals is not None:
        b_bar = lu_solve(residuals[0], residuals[1], ct, transpose=True)
    else:
        b_bar = solve(mT(a), ct)
    return [b_bar if i == 1 else -mm(b_bar, mT(x)) for i in positions]


solve_p.jvp = _solve_jvp
defvjp_all(solve_p, _solve_vjp, frozenset((0, 1)),
           vjp_fwd=_solve_vjp_fwd if _lapack_funcs is not None else None)
_solve_batch(solve_p)
solve_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)

# ---- inv ----------------------------------------------------------------------------------------

inv_p = _matrix_prim("inv", lambda x: np.linalg.inv(x), lambda x: ShapedArray(x.shape, x.dtype),
                     fresh=True)


def inv(x: ArrayLike) -> Array:
    return inv_p.bind(x)


def _inv_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    X = inv(x)
    return X, (None if t is None else -mm(mm(X, t), X))


inv_p.jvp = _inv_jvp
defvjp(inv_p, lambda ct, X, x: -mm(mm(mT(X), ct), mT(X)))

# ---- det ----------------------------------------------------------------------------------------

det_p = _matrix_prim("det", lambda x: np.linalg.det(x),
                     lambda x: ShapedArray(x.shape[:-2], x.dtype), fresh=True)


def det(x: ArrayLike) -> Array:
    """The determinant. Its derivative, det(x) tr(x^-1 dx), needs x invertible."""
    return det_p.bind(x)


def _det_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    d = det(x)
    return d, (None if t is None else d * _trace(solve(x, t)))


def _det_vjp(ct, d, x):
    return reshape(ct * d, _shape(d) + (1, 1)) * mT(inv(x))


det_p.jvp = _det_jvp
defvjp(det_p, _det_vjp)

# ---- slogdet ------------------------------------------------------------------------------------

slogdet_p = _matrix_prim(
    "slogdet", lambda x: tuple(np.linalg.slogdet(x)),
    lambda x: [ShapedArray(x.shape[:-2], x.dtype), ShapedArray(x.shape[:-2], _real_dtype(x.dtype))],
    fresh=False, multiple_results=True)


def slogdet(x: ArrayLike) -> tuple[Array, Array]:
    """(sign, log|det x|). A real sign is piecewise constant (zero derivative); a complex one,
    det / |det|, turns with the phase: d sign = sign i Im(tr(x^-1 dx))."""
    return tuple(slogdet_p.bind(x))


def _slogdet_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    sign, logabs = slogdet_p.bind(x)
    if t is None:
        return [sign, logabs], None
    tr = _trace(solve(x, t))
    if not _is_complex(x):
        return [sign, logabs], [None, tr]
    return [sign, logabs], [sign * _i_imag(tr), real(tr)]


def _slogdet_vjp(ct, ans, x):
    ct_sign, ct_log = ct
    coeff = ct_log
    if _is_complex(x):
        coeff = convert_element_type(ct_log, get_aval(x).dtype) + _i_imag(ct_sign * ans[0])
    return reshape(coeff, _shape(coeff) + (1, 1)) * mT(inv(x))


slogdet_p.jvp = _slogdet_jvp
defvjp(slogdet_p, _slogdet_vjp)

# ---- eigh ---------------------------------------------------------------------------------------

eigh_p = _matrix_prim(
    "eigh", lambda x, *, lower: tuple(np.linalg.eigh(x, UPLO="L" if lower else "U")),
    lambda x, *, lower: [ShapedArray(x.shape[:-1], _real_dtype(x.dtype)),
                         ShapedArray(x.shape, x.dtype)],
    fresh=False, multiple_results=True)


def eigh(x: ArrayLike, *, lower: bool = True) -> tuple[Array, Array]:
    """(w, v): the eigenvalues (ascending) and eigenvectors (columns) of the Hermitian matrix
    whose lower (or upper) triangle is that of x (only that triangle is read, as numpy's UPLO,
    and only it has a derivative)."""
    return tuple(eigh_p.bind(hermitian_from_triangle(x, bool(lower)), lower=bool(lower)))


def _eigh_jvp(primals, tangents, *, lower):
    (x,), (t,) = primals, tangents
    w, v = eigh_p.bind(x, lower=lower)
    if t is None:
        return [w, v], None
    S = mm(mH(v), mm(_symh(t), v))
    dw = real(_diag(S)) if _is_complex(S) else _diag(S)
    return [w, v], [dw, mm(v, _gap_matrix(w) * S)]


def _eigh_vjp(ct, ans, x, *, lower):
    # transposed for Re(sum(a * b)): A_bar = symh(conj(V) (diag(w_bar) + F o (V^T V_bar)) V^T)
    (w_bar, v_bar), (w, v) = ct, ans
    inner = _gap_matrix(w) * mm(mT(v), v_bar) + _diag_embed(w_bar, get_aval(v).dtype)
    return _symh(mm(_conj(v), mm(inner, mT(v))))


eigh_p.jvp = _eigh_jvp
defvjp(eigh_p, _eigh_vjp)

# ---- svd ----------------------------------------------------------------------------------------

def _svd_impl(x, *, full_matrices, compute_uv):
    if compute_uv:
        return tuple(np.linalg.svd(x, full_matrices=full_matrices, compute_uv=True))
    return (np.linalg.svd(x, compute_uv=False),)


def _svd_abstract_eval(x, *, full_matrices, compute_uv):
    *lead, m, n = x.shape
    lead, k = tuple(lead), min(m, n)
    s = ShapedArray(lead + (k,), _real_dtype(x.dtype))
    if not compute_uv:
        return [s]
    ku, kv = (m, n) if full_matrices else (k, k)
    return [ShapedArray(lead + (m, ku), x.dtype), s, ShapedArray(lead + (kv, n), x.dtype)]


svd_p = _matrix_prim("svd", _svd_impl, _svd_abstract_eval, fresh=False, square=False,
                     multiple_results=True)


def svd(x: ArrayLike, *, full_matrices: bool = False,
        compute_uv: bool = True) -> Array | tuple[Array, Array, Array]:
    """(u, s, vh) with x = u diag(s) vh, s descending; with compute_uv=False, s alone."""
    out = svd_p.bind(x, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))
    return tuple(out) if compute_uv else out[0]


def _svd_check(x, full_matrices, compute_uv):
    m, n = _shape(x)[-2:]
    if full_matrices and compute_uv and m != n:
        raise NotImplementedError(
            f"svd: the derivative of u and vh with full_matrices=True of a non-square "
            f"({m}, {n}) matrix is not unique (the extra columns are arbitrary). Use "
            "full_matrices=False.")


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv):
    (x,), (t,) = primals, tangents
    if t is None:
        return svd_p.bind(x, full_matrices=full_matrices, compute_uv=compute_uv), None
    _svd_check(x, full_matrices, compute_uv)
    u, s, vh = svd_p.bind(x, full_matrices=False, compute_uv=True)
    v = mH(vh)
    dP = mm(mH(u), mm(t, v))
    ds = real(_diag(dP)) if _is_complex(dP) else _diag(dP)
    if not compute_uv:
        return [s], [ds]
    m, n = _shape(x)[-2:]
    s_row, s_col = _row(s), _col(s)
    F = _gap_matrix(s * s)
    dPS = dP * s_row
    SdP = s_col * dP
    du = mm(u, F * (dPS + mH(dPS)))
    if _is_complex(dP):   # the phase: i Im(diag(dP)) / s on the diagonal
        du = du + u * _row(_i_imag(_diag(dP)) * _safe_inverse(s))
    dv = mm(v, F * (SdP + mH(SdP)))
    if m > n:
        du = du + (mm(t, v) - mm(u, dP)) / s_row
    if n > m:
        dv = dv + (mm(mH(t), u) - mm(v, mH(dP))) / s_row
    return [u, s, vh], [du, ds, mH(dv)]


def _svd_vjp(ct, ans, x, *, full_matrices, compute_uv):
    # transposed for Re(sum(a * b)): A_bar = conj(U) P_bar conj(Vh) (+ the m != n terms)
    _svd_check(x, full_matrices, compute_uv)
    dtype = get_aval(x).dtype
    if not compute_uv:
        (s_bar,) = ct
        u, _, vh = svd_p.bind(x, full_matrices=False, compute_uv=True)
        return _conj(mm(u * _row(s_bar), vh))
    (u_bar, s_bar, vh_bar), (u, s, vh) = ct, ans
    m, n = _shape(x)[-2:]
    v, v_bar = mH(vh), mH(vh_bar)
    s_row, s_col = _row(s), _col(s)
    F = _gap_matrix(s * s)
    UtUb = mm(mT(u), u_bar)
    J = F * UtUb
    K = F * mm(mT(v), v_bar)
    G = _diag_embed(s_bar, dtype) + (J + mH(J)) * s_row + s_col * (K + mH(K))
    if _is_complex(x):
        G = G + _diag_embed(_i_imag(_diag(UtUb)) * _safe_inverse(s), dtype)
    a_bar = mm(mm(_conj(u), G), _conj(vh))
    if m > n:
        a_bar = a_bar + mm((u_bar - mm(_conj(u), UtUb)) / s_row, _conj(vh))
    if n > m:
        vbt = mT(v_bar)
        a_bar = a_bar + _conj(mm(u / s_row, vbt - mm(mm(vbt, v), vh)))
    return a_bar


svd_p.jvp = _svd_jvp
defvjp(svd_p, _svd_vjp)

# ---- qr -----------------------------------------------------------------------------------------

def _qr_abstract_eval(x, *, full_matrices):
    *lead, m, n = x.shape
    lead, k = tuple(lead), (m if full_matrices else min(m, n))
    return [ShapedArray(lead + (m, k), x.dtype), ShapedArray(lead + (k, n), x.dtype)]


qr_p = _matrix_prim("qr", lambda x, *, full_matrices: tuple(
    np.linalg.qr(x, mode="complete" if full_matrices else "reduced")), _qr_abstract_eval,
    fresh=False, square=False, multiple_results=True)


def qr(x: ArrayLike, *, full_matrices: bool = False) -> tuple[Array, Array]:
    """(q, r): q with orthonormal columns, r upper triangular, x = q r (numpy's Householder
    signs)."""
    return tuple(qr_p.bind(x, full_matrices=bool(full_matrices)))


def _qr_check(x, full_matrices):
    m, n = _shape(x)[-2:]
    if full_matrices and m > n:
        raise NotImplementedError(
            f"qr: the derivative of the complete Q of a tall ({m}, {n}) matrix is not unique "
            "(its last columns are arbitrary). Use mode='reduced'.")


def _right_solve_upper(x, r):
    """x R^-1 for upper-triangular R: (R^-T x^T)^T."""
    return mT(triangular_solve(r, mT(x), lower=False, transpose_a=True))


def _qr_jvp_tall(q, r, t):
    D = _right_solve_upper(t, r)
    C = mm(mH(q), D)
    L = _tri(C, -1)
    omega = L - mH(L)
    if _is_complex(C):   # R's diagonal stays real: its phase goes to Q
        omega = omega + _i_imag(C) * _eye(_shape(C)[-1], get_aval(C).dtype)
    return mm(q, omega - C) + D, mm(C - omega, r)


def _qr_jvp(primals, tangents, *, full_matrices):
    (x,), (t,) = primals, tangents
    q, r = qr_p.bind(x, full_matrices=full_matrices)
    if t is None:
        return [q, r], None
    _qr_check(x, full_matrices)
    m, n = _shape(x)[-2:]
    if m >= n:
        return [q, r], list(_qr_jvp_tall(q, r, t))
    dq, dr1 = _qr_jvp_tall(q, _last_cols(r, 0, m), _last_cols(t, 0, m))
    dr2 = mm(mH(dq), _last_cols(x, m, n)) + mm(mH(q), _last_cols(t, m, n))
    return [q, r], [dq, concatenate([dr1, dr2], _ndim(x) - 1)]


def _qr_vjp_tall(q, r, q_bar, r_bar):
    # transposed for Re(sum(a * b)): N = the Hermitian matrix with M's upper triangle and
    # Re(diag(M)), A_bar = (Q_bar + conj(Q) N) R^-T
    M = mm(r_bar, mT(r)) - mm(mT(q), q_bar)
    N = _tri(M, 1, lower=False) + _tri(mH(M), -1)
    diag = M * _eye(_shape(M)[-1], get_aval(M).dtype)
    N = N + (diag - _i_imag(diag) if _is_complex(M) else diag)
    d_bar = q_bar + mm(_conj(q), N)
    return mT(triangular_solve(r, mT(d_bar), lower=False))   # d_bar R^-T


def _qr_vjp(ct, ans, x, *, full_matrices):
    _qr_check(x, full_matrices)
    (q_bar, r_bar), (q, r) = ct, ans
    m, n = _shape(x)[-2:]
    if m >= n:
        return _qr_vjp_tall(q, r, q_bar, r_bar)
    x2, r2_bar = _last_cols(x, m, n), _last_cols(r_bar, m, n)
    x1_bar = _qr_vjp_tall(q, _last_cols(r, 0, m), q_bar + mm(_conj(x2), mH(r2_bar)),
                          _last_cols(r_bar, 0, m))
    return concatenate([x1_bar, mm(_conj(q), r2_bar)], _ndim(x) - 1)


qr_p.jvp = _qr_jvp
defvjp(qr_p, _qr_vjp)
