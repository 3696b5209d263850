"""funcgrad.scipy.linalg's Schur-based functions: schur, rsf2csf, funm, sqrtm and logm (the
kernels are funcgrad/lax/linalg_schur.py's primitives; this module adds scipy's signatures,
errors and the derivatives of schur and funm).

Derivatives.
- schur: with X = Z^H dA Z and dZ = Z Omega (Omega skew-Hermitian, zero diagonal), dT = X +
  T Omega - Omega T must keep T's structure: zero below the diagonal (below the 2x2 blocks of
  the real form) and, in each 2x2 block, equal diagonal entries (LAPACK's standardization).
  Those conditions on the strictly lower part of Omega (its only unknowns; in a 2x2 block the
  subdiagonal entry is the block's rotation) are one linear system, built from T with
  funcgrad operations and solved with funcgrad's solve, so higher derivatives come free. It
  has n (n - 1) / 2 unknowns (a dense solve: O(n^6), meant for small matrices), and needs
  distinct eigenvalues (and, in the real form, b + c != 0 in each 2x2 block: a normal
  matrix's blocks are rotations, whose standardized form is not differentiable).
- funm: the Frechet derivative from the eigendecomposition A = V diag(w) V^-1 (Higham 2008,
  thm. 3.11): dF = V (D o (V^-1 dA V)) V^-1, D_ij the divided difference (f(w_i) - f(w_j)) /
  (w_i - w_j), f'(w_i) where w_i = w_j (f' by funcgrad's jvp of func): a diagonalizable A.
- sqrtm, logm: the primitives' own rules (the Frechet derivative, any A where f is defined).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import numpy as fnp
from .._api import jvp as _jvp
from .._core.array import Array
from .._core.trace import get_aval
from .._core.typing import ArrayLike
from .._custom import custom_jvp
from ..lax import linalg_general as G
from ..lax import linalg_ops as L
from ..lax import linalg_schur as S
from ..numpy import linalg as nla
from ..numpy._core import operand
from ._linalg_common import _mH, _prep, _shape, _square

__all__ = ["funm", "logm", "rsf2csf", "schur", "sqrtm"]


def _complex(x: Any) -> Array:
    return x.astype(np.result_type(get_aval(x).dtype, np.complex64))


def _mm(x: Any, y: Any) -> Array:
    return nla.matmul(x, y)


# ---- schur --------------------------------------------------------------------------------------

def _lower_basis(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(rows i, cols j) of the strictly lower entries, in column order; their unit matrices
    e_i e_j^T; and the 2x2-block condition e_j e_j^T - e_i e_i^T of each entry."""
    ij = [(i, j) for j in range(n) for i in range(j + 1, n)]
    rows = np.array([i for i, _ in ij], dtype=np.intp)
    cols = np.array([j for _, j in ij], dtype=np.intp)
    unit = np.zeros((len(ij), n, n))
    unit[np.arange(len(ij)), rows, cols] = 1
    diag = np.zeros((len(ij), n, n))
    diag[np.arange(len(ij)), cols, cols] = 1
    diag[np.arange(len(ij)), rows, rows] = -1
    return rows, cols, unit, diag


def _schur_tangent(t: Any, z: Any, da: Any, real_form: bool) -> tuple[Array, Array]:
    """(dT, dZ) for a = z t z^H (see the module note)."""
    n = _shape(t)[-1]
    dt = get_aval(t).dtype
    x = _mm(_mH(z), _mm(da.astype(dt), z))
    if n < 2:
        return x, fnp.zeros_like(z)
    rows, cols, unit, diag = _lower_basis(n)
    skew = unit - np.swapaxes(unit, -1, -2) if real_form else unit
    # C[c] = T B_c - B_c T for each unknown's basis matrix B_c
    te = fnp.expand_dims(t, -3)
    c = _mm(te, skew.astype(dt)) - _mm(skew.astype(dt), te)
    if real_form:
        block = (fnp.abs(t[..., rows, cols]) > 0) & (rows == cols + 1)
        eqs = fnp.where(block[..., None, None], diag, unit).astype(dt)
        keep = (fnp.abs(t) > 0) | np.triu(np.ones((n, n), bool))
    else:
        eqs = unit.astype(dt)
        keep = np.triu(np.ones((n, n), bool))
    m = fnp.einsum("...rij,...cij->...rc", eqs, c)
    rhs = -fnp.einsum("...rij,...ij->...r", eqs, x)
    u = L.solve(m, fnp.expand_dims(rhs, -1))[..., 0]
    low = fnp.einsum("...c,cij->...ij", u, unit.astype(dt))
    omega = low - (nla._mT(low) if real_form else _mH(low))
    dt_ = x + _mm(t, omega) - _mm(omega, t)
    return fnp.where(keep, dt_, 0).astype(dt), _mm(z, omega)


def _schur_fn(real_form: bool) -> custom_jvp:
    @custom_jvp
    def f(a):
        return S.schur(a, complex_output=not real_form)

    @f.defjvp
    def f_jvp(primals, tangents):
        (a,), (da,) = primals, tangents
        t, z = f(a)
        return (t, z), _schur_tangent(t, z, da, real_form)
    return f


_SCHUR = {"real": _schur_fn(True), "complex": _schur_fn(False)}


def schur(a: ArrayLike, output: str = "real") -> tuple[Array, Array]:
    """scipy.linalg.schur: (t, z) with a = z @ t @ z^H, z unitary; t upper triangular
    (output='complex' or a complex a) or quasi-triangular with standardized 2x2 blocks for
    the complex-conjugate eigenvalue pairs (output='real'), computed as LAPACK's gees does
    (balancing, Hessenberg form, the Francis double-shift QR iteration), so the eigenvalues come
    in scipy's order. Differentiable for distinct eigenvalues (see the module note).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import schur
    >>> t, z = schur(fnp.array([[0.0, -2.0], [1.0, 0.0]]))
    >>> t
    Array([[ 0., -2.],
           [ 1.,  0.]], dtype=float64)
    >>> bool(fnp.allclose(z @ t @ z.T, fnp.array([[0.0, -2.0], [1.0, 0.0]])))
    True
    """
    if output not in ("real", "complex", "r", "c"):
        raise ValueError(f"schur: `output` = {output!r} must be 'real' or 'complex'.")
    a = _prep(a)
    _square("schur", "a", a)
    real_form = output in ("real", "r") and not nla._is_complex(a)
    return tuple(_SCHUR["real" if real_form else "complex"](a))


def rsf2csf(T: ArrayLike, Z: ArrayLike, check_finite: bool = True) -> tuple[Array, Array]:
    """scipy.linalg.rsf2csf: the complex Schur form (T, Z) from the real one, one Givens
    rotation per 2x2 block (scipy's, from the last block up); differentiable.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import rsf2csf, schur
    >>> t, z = rsf2csf(*schur(fnp.array([[0.0, -2.0], [1.0, 0.0]])))
    >>> fnp.round(fnp.diagonal(t), 6)
    Array([0.+1.414214j, 0.-1.414214j], dtype=complex128)
    """
    t, z = _prep(T, Z)
    for arg, x in (("T", t), ("Z", z)):
        s = _shape(x)
        if len(s) != 2 or s[0] != s[1]:
            raise ValueError(f"rsf2csf: `{arg}` must be a square matrix (n, n), got shape {s}.")
    if _shape(t) != _shape(z):
        raise ValueError(f"rsf2csf: `T` {_shape(t)} and `Z` {_shape(z)} must have the same "
                         "shape.")
    ct = np.result_type(get_aval(t).dtype, get_aval(z).dtype, np.complex64)
    t, z = t.astype(ct), z.astype(ct)
    n = _shape(t)[0]
    eps = np.finfo(np.float64).eps
    for m in range(n - 1, 0, -1):
        p, q, r, s = t[m - 1, m - 1], t[m - 1, m], t[m, m - 1], t[m, m]
        act = fnp.abs(r) > eps * (fnp.abs(p) + fnp.abs(s))
        # the first eigenvalue of the 2x2 block (the one with Im >= 0, LAPACK's order) - t[m, m]
        # (each where keeps the inactive positions' values away from sqrt's singularity at 0,
        # so that their derivatives are finite too)
        mu = (p - s) / 2 + fnp.sqrt(fnp.where(act, ((p - s) / 2) ** 2 + q * r, 1))
        nrm = fnp.sqrt(fnp.where(act, fnp.real(mu * fnp.conj(mu) + r * fnp.conj(r)), 1))
        c = fnp.where(act, mu / nrm, 1)
        sn = fnp.where(act, r / nrm, 0)
        g = fnp.eye(n, dtype=ct)
        g = g.at[m - 1, m - 1].set(fnp.conj(c)).at[m - 1, m].set(sn)
        g = g.at[m, m - 1].set(-sn).at[m, m].set(c)
        t = _mm(g, _mm(t, _mH(g)))
        t = t.at[m, m - 1].set(0)
        z = _mm(z, _mH(g))
    return t, z


# ---- matrix functions ---------------------------------------------------------------------------

def _funm_fn(func: Callable[[Array], Array]) -> custom_jvp:
    def on(x: Any) -> Array:
        w = operand(func(x))
        return w.astype(np.result_type(get_aval(w).dtype, get_aval(x).dtype))

    @custom_jvp
    def f(a):
        t, z = S.schur(a, complex_output=True)
        fd = on(nla.diagonal(t))
        return _mm(z, _mm(S.parlett(t, fd), _mH(z)))

    @f.defjvp
    def f_jvp(primals, tangents):
        (a,), (da,) = primals, tangents
        out = f(a)
        w, v = G.eig(a)
        fw = on(w)
        dfw = _jvp(on, (w,), (fnp.ones_like(w),))[1]
        gap = fnp.expand_dims(w, -1) - fnp.expand_dims(w, -2)
        same = gap == 0
        dd = (fnp.expand_dims(fw, -1) - fnp.expand_dims(fw, -2)) / fnp.where(same, 1, gap)
        dd = fnp.where(same, (fnp.expand_dims(dfw, -1) + fnp.expand_dims(dfw, -2)) / 2, dd)
        ct = get_aval(v).dtype
        inner = L.solve(v, _mm(da.astype(ct), v)) * dd
        return out, nla._mT(L.solve(nla._mT(v), nla._mT(_mm(v, inner)))).astype(
            get_aval(out).dtype)
    return f


def funm(A: ArrayLike, func: Callable[[Array], Array], disp: bool = True) -> Array | tuple:
    """scipy.linalg.funm: f(A) by the Schur-Parlett method (scipy's: the complex Schur form
    T, f on its diagonal by `func` (elementwise on an array), Parlett's recurrence above
    it). Complex result, as JAX's. Repeated eigenvalues make the recurrence inaccurate, as
    scipy's (whose error estimate says so): use expm, sqrtm or logm for those. disp=False:
    (f(A), scipy's error estimate). The derivative needs a diagonalizable A.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import funm
    >>> fnp.real(funm(fnp.array([[1.0, 2.0], [0.0, 4.0]]), fnp.sqrt))
    Array([[1.        , 0.66666667],
           [0.        , 2.        ]], dtype=float64)
    """
    a = _prep(A)
    _square("funm", "A", a)
    out = _funm_fn(func)(a)
    if disp:
        return out
    t, _ = S.schur(a, complex_output=True)
    n = _shape(a)[-1]
    tol = np.finfo(np.float32 if get_aval(out).dtype == np.complex64 else np.float64).eps
    d = nla.diagonal(t)
    dist = fnp.abs(fnp.expand_dims(d, -1) - fnp.expand_dims(d, -2)) + np.where(
        np.tri(n, dtype=bool), np.inf, 0.0)
    minden = fnp.minimum(fnp.abs(t[..., 0, 0]), fnp.min(dist, axis=(-2, -1))) if n else tol
    minden = fnp.where(minden == 0, tol, minden)
    upper = nla.norm(fnp.triu(t, 1), 1, axis=(-2, -1)) if n else 0.0
    err = fnp.minimum(1.0, fnp.maximum(tol, tol / minden * upper))
    err = fnp.where(fnp.all(fnp.isfinite(out), axis=(-2, -1)), err, np.inf)
    return out, err


def sqrtm(A: ArrayLike, blocksize: int = 1) -> Array:
    """scipy.linalg.sqrtm: the principal square root (complex, as JAX's), by the
    Bjorck-Hammarling recurrence on the complex Schur form: any A with a square root,
    defective or not. Its derivative is the Frechet derivative (any order).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import sqrtm
    >>> fnp.real(sqrtm(fnp.array([[4.0, 1.0], [0.0, 4.0]])))
    Array([[2.  , 0.25],
           [0.  , 2.  ]], dtype=float64)
    """
    if not isinstance(blocksize, int) or blocksize < 1:
        raise ValueError(f"sqrtm: `blocksize` = {blocksize!r} must be a positive integer.")
    a = _prep(A)
    _square("sqrtm", "A", a)
    return S.sqrtm(a)


def logm(A: ArrayLike, disp: bool = True) -> Array | tuple:
    """scipy.linalg.logm: the principal matrix logarithm (complex), by inverse scaling and
    squaring on the complex Schur form: any A with no eigenvalue on the closed negative real
    axis, defective or not. disp=False: (logm(A), scipy's error estimate
    ||expm(logm(A)) - A||_1 / ||A||_1). Its derivative is the Frechet derivative.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.linalg import logm
    >>> fnp.real(logm(fnp.array([[1.0, 1.0], [0.0, 1.0]])))
    Array([[0., 1.],
           [0., 0.]], dtype=float64)
    """
    a = _prep(A)
    _square("logm", "A", a)
    out = S.logm(a)
    if disp:
        return out
    ac = _complex(a)
    err = nla.norm(G.expm(out) - ac, 1, axis=(-2, -1)) / nla.norm(ac, 1, axis=(-2, -1))
    return out, err
