"""Functions of general matrices: eig, expm (with its Frechet derivative), the permutation of
LAPACK-style pivots and the column order of pivoted QR (lu and lu_solve, which solve's reverse
mode uses, are in linalg_ops.py). As in
linalg_ops.py (whose helpers these rules use), each primitive works on (..., m, n) stacks,
evaluates with numpy, and its derivative rules are funcgrad operations, so higher derivatives
come free. Complex rules follow JAX's convention: a vjp is the transpose for the pairing
Re(sum(a * b)) (no conjugation)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._core.array import Array
from .._core.avals import ShapedArray
from .._core.backend import asarray, on_host
from .._core.primitive import (
    NO_ALGEBRA,
    PURE,
    RULE_FIRST,
    Primitive,
    def_nondiff,
    defvjp,
)
from .._core.trace import get_aval
from .._core.typing import ArrayLike
from ._batching import move_axis
from .elementwise import conj, convert_element_type, real
from .linalg_ops import (
    _linalg_error,
    _pivots_to_perm_impl,
    _check_matrix,
    _const,
    _diag,
    _diag_embed,
    _gap_matrix,
    _matrix_prim,
    _ndim,
    _row,
    _shape,
    mm,
    mT,
    solve,
)
from .reduce import reduce_sum
from .shape import concatenate
from .shape import slice as _slice

# ---- lu_pivots_to_permutation: integers, no derivative ------------------------------------------

lu_pivots_to_permutation_p = Primitive("lu_pivots_to_permutation")
lu_pivots_to_permutation_p.impl = on_host(_pivots_to_perm_impl)


def _pivots_abstract_eval(piv, *, size):
    if piv.dtype.kind not in "iu" or piv.ndim < 1 or piv.shape[-1] > size:
        raise _linalg_error(f"lu_pivots_to_permutation: pivots must be integers (..., k) with "
                            f"k <= permutation_size {size}, got {piv.str_short()}.")
    return ShapedArray(piv.shape[:-1] + (size,), np.int32)


lu_pivots_to_permutation_p.abstract_eval = _pivots_abstract_eval
lu_pivots_to_permutation_p.batch = lambda args, dims, *, size: (
    lu_pivots_to_permutation_p.bind(move_axis(args[0], dims[0], 0), size=size), 0)
lu_pivots_to_permutation_p.declare(fresh=True, jit=None, structured_batch=None, **PURE,
                                   **RULE_FIRST, **NO_ALGEBRA)
def_nondiff(lu_pivots_to_permutation_p)


def lu_pivots_to_permutation(pivots: ArrayLike, permutation_size: int) -> Array:
    """The permutation that LAPACK-style row interchanges `pivots` (..., k) make of
    range(permutation_size)."""
    return lu_pivots_to_permutation_p.bind(pivots, size=int(permutation_size))

# ---- expm ---------------------------------------------------------------------------------------
# Scaling and squaring with the degree-13 Pade approximant (N. J. Higham, "The scaling and
# squaring method for the matrix exponential revisited", SIAM J. Matrix Anal. Appl. 26 (2005)):
# s = max(0, ceil(log2(|A|_1 / theta_13))), r_13(A / 2^s) squared s times, in float64.
# Derivative: the Frechet derivative L(A, E) is the upper-right block of
# expm([[A, E], [0, A]]) (Higham, "Functions of Matrices", 2008, thm. 3.6); it is linear in E
# and its transpose is L(A^T, G).

_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
           129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
           40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def _expm_one(a):
    n = a.shape[-1]
    if n == 0:
        return a.copy()
    norm = np.abs(a).sum(axis=0).max()
    s = 0 if not np.isfinite(norm) or norm <= _THETA13 else int(np.ceil(np.log2(norm / _THETA13)))
    a = a / 2.0 ** s
    b = _PADE13
    ident = np.eye(n, dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2)
             + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * ident)
    v = (a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2)
         + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * ident)
    r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


@on_host
def _expm_impl(x):
    x = asarray(x)
    work = np.complex128 if x.dtype.kind == "c" else np.float64
    flat = x.reshape((int(np.prod(x.shape[:-2], dtype=np.int64)),) + x.shape[-2:]).astype(work)
    out = np.stack([_expm_one(m) for m in flat]) if flat.shape[0] else flat.copy()
    return out.reshape(x.shape).astype(x.dtype)


expm_p = _matrix_prim("expm", _expm_impl, lambda x: ShapedArray(x.shape, x.dtype), fresh=True)


def expm(x: ArrayLike) -> Array:
    """The matrix exponential of x (..., n, n)."""
    return expm_p.bind(x)


def expm_frechet(a: ArrayLike, e: ArrayLike) -> tuple[Array, Array]:
    """(expm(a), L(a, e)): the exponential and its Frechet derivative in direction e, from the
    exponential of the block matrix [[a, e], [0, a]]."""
    return block_frechet(expm, a, e)


def block_frechet(f: Callable[[Array], Array], a: ArrayLike,
                  e: ArrayLike) -> tuple[Array, Array]:
    """(f(a), L_f(a, e)) for a primary matrix function f (expm, sqrtm, logm): f of the block
    matrix [[a, e], [0, a]] is [[f(a), L_f(a, e)], [0, f(a)]] (Higham 2008, thm. 3.6), and the
    transpose of e -> L_f(a, e) is g -> L_f(a^T, g)."""
    n = _shape(a)[-1]
    lead = _shape(a)[:-2]
    dtype = np.result_type(get_aval(a).dtype, get_aval(e).dtype)
    a = convert_element_type(a, dtype)
    e = convert_element_type(e, dtype)
    zero = _const(np.zeros(lead + (n, n)), dtype)
    nd = len(lead) + 2
    big = concatenate([concatenate([a, e], nd - 1), concatenate([zero, a], nd - 1)], nd - 2)
    out = f(big)
    s = lambda r, c: _slice(out, (0,) * len(lead) + (r, c), lead + (r + n, c + n))
    return s(0, 0), s(0, n)


def _expm_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    if t is None:
        return expm(x), None
    return expm_frechet(x, t)


expm_p.jvp = _expm_jvp
defvjp(expm_p, lambda ct, ans, x: expm_frechet(mT(x), ct)[1])

# ---- eig ----------------------------------------------------------------------------------------
# General eigendecomposition a V = V diag(w), complex w and V (columns of unit 2-norm, as LAPACK).
# Derivative (Giles 2008 sec. 3.1; needs distinct eigenvalues): with M = V^-1 dA V and
# F_ij = 1 / (w_j - w_i) (i != j), 0 on the diagonal: dw = diag(M), dV0 = V (F o M), and the
# part of dV0 along V that changes each column's norm is taken out (as JAX does):
# dV = dV0 - V diag(Re(diag(V^H dV0))). Transposed for the pairing Re(sum(a * b)) (JAX's):
# Vbar0 = Vbar - conj(V) Re(diag(V^T Vbar)),  A_bar = V^-T (diag(w_bar) + F o (V^T Vbar0)) V^T.

def _complex_dtype(dtype):
    return np.result_type(dtype, np.complex64)


def _eig_impl(x):
    x = asarray(x)
    ct = _complex_dtype(x.dtype)
    if x.shape[-1] == 0:
        return [np.zeros(x.shape[:-1], ct), np.zeros(x.shape, ct)]
    w, v = np.linalg.eig(x)
    return [w.astype(ct), v.astype(ct)]


eig_p = _matrix_prim(
    "eig", _eig_impl,
    lambda x: [ShapedArray(x.shape[:-1], _complex_dtype(x.dtype)),
               ShapedArray(x.shape, _complex_dtype(x.dtype))],
    fresh=True, multiple_results=True)


def eig(x: ArrayLike) -> tuple[Array, Array]:
    """(w, v): the (complex) eigenvalues and unit-norm eigenvectors (columns) of x."""
    return tuple(eig_p.bind(x))


def _col_real_overlap(v, y):
    """Re(sum over rows of v * y): (..., n) for (..., n, n) matrices."""
    return real(reduce_sum(v * y, (_ndim(v) - 2,)))


def _eig_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    w, v = eig_p.bind(x)
    if t is None:
        return [w, v], None
    ct = get_aval(v).dtype
    M = mm(solve(v, convert_element_type(t, ct)), v)
    dv0 = mm(v, _gap_matrix(w) * M)
    dv = dv0 - v * convert_element_type(_row(_col_real_overlap(conj(v), dv0)), ct)
    return [w, v], [_diag(M), dv]


def _eig_vjp(ct, ans, x):
    w_bar, v_bar = ct
    w, v = ans
    cdt = get_aval(v).dtype
    w_bar = convert_element_type(w_bar, cdt)
    v_bar = convert_element_type(v_bar, cdt)
    v_bar0 = v_bar - conj(v) * convert_element_type(_row(_col_real_overlap(v, v_bar)), cdt)
    inner = _diag_embed(w_bar, cdt) + _gap_matrix(w) * mm(mT(v), v_bar0)
    a_bar = solve(mT(v), mm(inner, mT(v)))    # V^-T inner V^T
    if get_aval(x).dtype.kind != "c":
        a_bar = real(a_bar)
    return a_bar


eig_p.jvp = _eig_jvp
defvjp(eig_p, _eig_vjp)

# ---- qr_pivots: the column order of QR with column pivoting (integers, no derivative) ----------
# LAPACK geqp3's choice: at step j, the remaining column of largest norm below row j. The
# factors themselves are the plain QR of the permuted columns (differentiable through qr).

def _qr_pivots_one(a):
    a = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    m, n = a.shape
    perm = np.arange(n, dtype=np.int32)
    for j in range(min(m, n)):
        norms = (np.abs(a[j:, j:]) ** 2).sum(axis=0)
        p = j + int(np.argmax(norms))
        if p != j:
            a[:, [j, p]] = a[:, [p, j]]
            perm[[j, p]] = perm[[p, j]]
        x = a[j:, j]
        alpha = np.linalg.norm(x)
        if alpha == 0:
            continue
        v = x.copy()
        v[0] += (x[0] / abs(x[0]) if x[0] != 0 else 1.0) * alpha
        v /= np.linalg.norm(v)
        a[j:, j:] -= 2.0 * np.outer(v, v.conj() @ a[j:, j:])
    return perm


@on_host
def _qr_pivots_impl(x):
    x = asarray(x)
    *lead, m, n = x.shape
    flat = x.reshape((int(np.prod(lead, dtype=np.int64)), m, n))
    out = (np.stack([_qr_pivots_one(f) for f in flat]) if flat.shape[0]
           else np.empty((0, n), np.int32))
    return out.reshape(tuple(lead) + (n,))


qr_pivots_p = Primitive("qr_pivots")
qr_pivots_p.impl = _qr_pivots_impl


def _qr_pivots_abstract_eval(x):
    _check_matrix("qr_pivots", x, square=False)
    return ShapedArray(x.shape[:-2] + (x.shape[-1],), np.int32)


qr_pivots_p.abstract_eval = _qr_pivots_abstract_eval
qr_pivots_p.batch = lambda args, dims: (qr_pivots_p.bind(move_axis(args[0], dims[0], 0)), 0)
qr_pivots_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                    **NO_ALGEBRA)
def_nondiff(qr_pivots_p)


def qr_pivots(x: ArrayLike) -> Array:
    """The column permutation of QR with column pivoting (LAPACK geqp3's order)."""
    return qr_pivots_p.bind(x)
