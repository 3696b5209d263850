"""numpy kernels of the Schur decomposition and of the matrix functions computed from it (no
funcgrad operations here: linalg_schur.py wraps them as primitives).

The Schur decomposition follows LAPACK's gees path step by step, so the eigenvalues come out in
LAPACK's order and the 2x2 blocks of the real form are standardized as LAPACK's:
- permutation balancing (gebal, job 'P'): rows / columns that isolate an eigenvalue are moved
  to the bottom / top, leaving the active block ilo..ihi;
- Hessenberg reduction by Householder reflectors (gehd2, larfg's sign convention), with the
  accumulated Q (orghr);
- the small-matrix QR iteration lahqr: for real matrices the Francis double-shift step with
  Ahues-Tisseur deflation and exceptional shifts every 10 iterations, each converged 2x2 block
  standardized by lanv2 (equal diagonal, b * c < 0 for a complex pair; upper triangular for a
  real pair); for complex matrices the single-shift step with Wilkinson's shift.
  (R. S. Martin, G. Peters, J. H. Wilkinson, "The QR algorithm for real Hessenberg matrices",
  Numer. Math. 14 (1970); K. Braman, R. Byers, R. Mathias, "The multishift QR algorithm. Part
  II: Aggressive early deflation" (2002) for the deflation test; LAPACK's dlahqr/zlahqr/dlanv2.)

Matrix functions on the complex (upper triangular) Schur form T (N. J. Higham, "Functions of
Matrices", SIAM 2008):
- sqrt: the Bjorck-Hammarling recurrence, column by column: (R[:j, :j] + r_jj I) R[:j, j] =
  T[:j, j] - 0 (R upper triangular, R^2 = T), r_jj = sqrt(t_jj) (alg. 6.3);
- log: inverse scaling and squaring (alg. 11.10's outline): square roots until ||T - I||_1 <=
  0.25, then the degree-8 Pade approximant of log(I + X) in partial fractions (Gauss-Legendre
  nodes), times 2^s; the diagonal and the first superdiagonal are then recomputed exactly
  (eq. 11.28, with the unwinding number);
- any f given f(diag T): Parlett's recurrence (alg. 9.1 without blocking), as scipy's funm: a
  difference t_jj - t_ii that vanishes is not divided by, which is scipy's (and JAX's) value
  for repeated eigenvalues.
"""
from __future__ import annotations

import math

import numpy as np

_EPS = np.finfo(np.float64).eps
_ULP = _EPS * 2 ** 0  # dlamch('P') = eps * base
_SAFMIN = np.finfo(np.float64).tiny


def _sign(a, b):
    """Fortran's SIGN(a, b): |a| with b's sign (b = -0.0 counts as negative)."""
    return math.copysign(abs(a), b)


# ---- balancing (gebal, job 'P') -----------------------------------------------------------------

def _balance_permute(a):
    """(a', perm, ilo, ihi): a' = a[perm][:, perm] with the isolated eigenvalues moved out of
    the active block ilo..ihi (0-based, inclusive), as LAPACK's gebal with job 'P' (3.12: the
    row search goes on downwards after an exchange, the column search rightwards)."""
    a = a.copy()
    n = a.shape[0]
    perm = np.arange(n)

    def swap(i, j):
        a[[i, j], :] = a[[j, i], :]
        a[:, [i, j]] = a[:, [j, i]]
        perm[[i, j]] = perm[[j, i]]

    k, l = 0, n - 1
    moved = True
    while moved:   # rows isolating an eigenvalue: push them down
        moved = False
        for i in range(l, -1, -1):
            row = a[i, :l + 1] != 0
            row[i] = False
            if not row.any():
                swap(i, l)
                moved = True
                if l == 0:
                    return a, perm, 0, 0
                l -= 1
    moved = True
    while moved:   # columns isolating an eigenvalue: push them left
        moved = False
        for j in range(k, l + 1):
            col = a[k:l + 1, j] != 0
            col[j - k] = False
            if not col.any():
                swap(j, k)
                moved = True
                k += 1
    return a, perm, k, l


# ---- Householder reflectors and the Hessenberg form ---------------------------------------------

def _larfg(alpha, x):
    """LAPACK's larfg: (beta, v_tail, tau) with (I - tau [1; v] [1; v]^H)^H [alpha; x] =
    [beta; 0], beta real."""
    xnorm = float(np.linalg.norm(x)) if x.size else 0.0
    if np.iscomplexobj(x) or isinstance(alpha, complex):
        ar, ai = float(np.real(alpha)), float(np.imag(alpha))
        if xnorm == 0 and ai == 0:
            return alpha, x * 0, 0.0
        beta = -_sign(math.sqrt(ar * ar + ai * ai + xnorm * xnorm), ar)
        tau = complex((beta - ar) / beta, -ai / beta)
        return beta, x / (alpha - beta), tau
    if xnorm == 0:
        return alpha, x * 0, 0.0
    beta = -_sign(math.hypot(alpha, xnorm), alpha)
    return beta, x / (alpha - beta), (beta - alpha) / beta


def _hessenberg(a, ilo, ihi):
    """(h, q): a = q h q^H with h upper Hessenberg, as gehd2 + orghr over ilo..ihi."""
    h = a.copy()
    n = h.shape[0]
    q = np.eye(n, dtype=h.dtype)
    for i in range(ilo, ihi):   # (the last: a unit scaling making h[ihi, ihi-1] real)
        beta, tail, tau = _larfg(h[i + 1, i], h[i + 2:ihi + 1, i])
        if tau == 0:
            continue
        v = np.concatenate([[1.0], tail]).astype(h.dtype)
        # right: h[:ihi+1, i+1:ihi+1] (I - tau v v^H);
        # left: (I - conj(tau) v v^H) h[i+1:ihi+1, i+1:]
        blk = h[:ihi + 1, i + 1:ihi + 1]
        blk -= tau * np.outer(blk @ v, v.conj())
        blk = h[i + 1:ihi + 1, i + 1:]
        blk -= np.conj(tau) * np.outer(v, v.conj() @ blk)
        h[i + 1, i] = beta
        h[i + 2:ihi + 1, i] = 0
        qb = q[:, i + 1:ihi + 1]
        qb -= tau * np.outer(qb @ v, v.conj())
    return h, q


# ---- real QR iteration (dlahqr) ------------------------------------------------------------------

def _lanv2(a, b, c, d):
    """LAPACK's dlanv2: the standardized 2x2 block (a, b, c, d) and the rotation (cs, sn)."""
    if c == 0:
        cs, sn = 1.0, 0.0
    elif b == 0:
        cs, sn = 0.0, 1.0
        a, d = d, a
        b, c = -c, 0.0
    elif a - d == 0 and _sign(1, b) != _sign(1, c):
        cs, sn = 1.0, 0.0
    else:
        temp = a - d
        p = 0.5 * temp
        bcmax = max(abs(b), abs(c))
        bcmis = min(abs(b), abs(c)) * _sign(1, b) * _sign(1, c)
        scale = max(abs(p), bcmax)
        z = (p / scale) * p + (bcmax / scale) * bcmis
        if z >= 4.0 * _EPS:
            z = p + _sign(math.sqrt(scale) * math.sqrt(z), p)
            a = d + z
            d = d - (bcmax / z) * bcmis
            tau = math.hypot(c, z)
            cs, sn = z / tau, c / tau
            b = b - c
            c = 0.0
        else:
            sigma = b + c
            p = 0.5 * temp
            tau = math.hypot(sigma, temp)
            cs = math.sqrt(0.5 * (1 + abs(sigma) / tau))
            sn = -(p / (tau * cs)) * _sign(1, sigma)
            aa, bb = a * cs + b * sn, -a * sn + b * cs
            cc, dd = c * cs + d * sn, -c * sn + d * cs
            a, b = aa * cs + cc * sn, bb * cs + dd * sn
            c, d = -aa * sn + cc * cs, -bb * sn + dd * cs
            temp = 0.5 * (a + d)
            a = d = temp
            if c != 0:
                if b != 0:
                    if _sign(1, b) == _sign(1, c):
                        sab, sac = math.sqrt(abs(b)), math.sqrt(abs(c))
                        p = _sign(sab * sac, c)
                        tau = 1 / math.sqrt(abs(b + c))
                        a, d = temp + p, temp - p
                        b, c = b - c, 0.0
                        cs1, sn1 = sab * tau, sac * tau
                        cs, sn = cs * cs1 - sn * sn1, cs * sn1 + sn * cs1
                else:
                    b, c = -c, 0.0
                    cs, sn = -sn, cs
    return a, b, c, d, cs, sn


def _rot(x, y, cs, sn):
    """drot in place: (x, y) <- (cs x + sn y, cs y - sn x)."""
    t = cs * x + sn * y
    y[...] = cs * y - sn * x
    x[...] = t


def _small_subdiag(h, k, ilo, ihi, smlnum, cabs, stalled):
    """lahqr's deflation test for h[k, k-1] (Ahues-Tisseur). `stalled` (after 30 iterations
    on one block): the classical test |h[k, k-1]| <= ulp (|h[k-1, k-1]| + |h[k, k]|) alone,
    which ends the stagnation an exactly skew-symmetric matrix can meet when the diagonal
    entries are themselves tiny."""
    sub = cabs(h[k, k - 1])
    if sub <= smlnum:
        return True
    tst = cabs(h[k - 1, k - 1]) + cabs(h[k, k])
    if tst == 0:
        if k - 2 >= ilo:
            tst += abs(np.real(h[k - 1, k - 2]))
        if k + 1 <= ihi:
            tst += abs(np.real(h[k + 1, k]))
    if abs(np.real(h[k, k - 1])) <= _ULP * tst:
        if stalled:
            return True
        ab = max(sub, cabs(h[k - 1, k]))
        ba = min(sub, cabs(h[k - 1, k]))
        aa = max(cabs(h[k, k]), cabs(h[k - 1, k - 1] - h[k, k]))
        bb = min(cabs(h[k, k]), cabs(h[k - 1, k - 1] - h[k, k]))
        s = aa + ab
        return ba * (ab / s) <= max(smlnum, _ULP * (bb * (aa / s)))
    return False


def _split_row(h, i, l, ilo, ihi, smlnum, cabs, stalled):
    """The first row of the active block ending at row i: the largest k in l+1..i whose
    subdiagonal entry h[k, k-1] is negligible (set to zero there), else l."""
    k = i
    while k > l and not _small_subdiag(h, k, ilo, ihi, smlnum, cabs, stalled):
        k -= 1
    if k > ilo:
        h[k, k - 1] = 0
    return k


def _lahqr_real(h, z, ilo, ihi):
    """Real Schur form of the Hessenberg h in place (dlahqr with wantt, wantz); z accumulates."""
    n = h.shape[0]
    for j in range(ilo, ihi - 2):
        h[j + 2, j] = 0.0
        h[j + 3, j] = 0.0
    if ilo <= ihi - 2:
        h[ihi, ihi - 2] = 0.0
    nh = ihi - ilo + 1
    smlnum = _SAFMIN * (nh / _ULP)
    itmax = 30 * max(10, nh)
    kdefl = 0
    i = ihi
    cabs = abs
    while i >= ilo:
        l = ilo
        for its in range(itmax + 1):
            l = _split_row(h, i, l, ilo, ihi, smlnum, cabs, its > 30)
            if l >= i - 1:
                break
            kdefl += 1
            if kdefl % 20 == 0:
                s = abs(h[i, i - 1]) + abs(h[i - 1, i - 2])
                h11 = 0.75 * s + h[i, i]
                h12, h21, h22 = -0.4375 * s, s, h11
            elif kdefl % 10 == 0:
                s = abs(h[l + 1, l]) + abs(h[l + 2, l + 1])
                h11 = 0.75 * s + h[l, l]
                h12, h21, h22 = -0.4375 * s, s, h11
            else:
                h11, h21, h12, h22 = h[i - 1, i - 1], h[i, i - 1], h[i - 1, i], h[i, i]
            s = abs(h11) + abs(h12) + abs(h21) + abs(h22)
            if s == 0:
                rt1r = rt1i = rt2r = rt2i = 0.0
            else:
                h11, h21, h12, h22 = h11 / s, h21 / s, h12 / s, h22 / s
                tr = (h11 + h22) / 2
                det = (h11 - tr) * (h22 - tr) - h12 * h21
                rtdisc = math.sqrt(abs(det))
                if det >= 0:
                    rt1r = rt2r = tr * s
                    rt1i = rtdisc * s
                    rt2i = -rt1i
                else:
                    rt1r, rt2r = tr + rtdisc, tr - rtdisc
                    if abs(rt1r - h22) <= abs(rt2r - h22):
                        rt1r = rt2r = rt1r * s
                    else:
                        rt1r = rt2r = rt2r * s
                    rt1i = rt2i = 0.0
            m = i - 2
            while True:
                h21s = h[m + 1, m]
                s = abs(h[m, m] - rt2r) + abs(rt2i) + abs(h21s)
                h21s = h[m + 1, m] / s
                v = np.array([h21s * h[m, m + 1] + (h[m, m] - rt1r) * ((h[m, m] - rt2r) / s)
                              - rt1i * (rt2i / s),
                              h21s * (h[m, m] + h[m + 1, m + 1] - rt1r - rt2r),
                              h21s * h[m + 2, m + 1]])
                v = v / (abs(v[0]) + abs(v[1]) + abs(v[2]))
                if m == l:
                    break
                h00 = abs(h[m, m - 1]) * (abs(v[1]) + abs(v[2]))
                h01 = abs(v[0]) * (abs(h[m - 1, m - 1]) + abs(h[m, m]) + abs(h[m + 1, m + 1]))
                if h00 <= _ULP * h01:
                    break
                m -= 1
            for k in range(m, i):
                nr = min(3, i - k + 1)
                if k > m:
                    v = h[k:k + nr, k - 1].copy()
                beta, tail, t1 = _larfg(v[0], v[1:nr])
                if k > m:
                    h[k, k - 1] = beta
                    h[k + 1, k - 1] = 0.0
                    if k < i - 1:
                        h[k + 2, k - 1] = 0.0
                elif m > l:
                    h[k, k - 1] *= 1 - t1
                vv = np.concatenate([[1.0], tail])
                rows = slice(k, k + nr)
                # from the left on columns k..n-1, from the right on rows 0..min(k+3, i)
                blk = h[rows, k:]
                blk -= t1 * np.outer(vv, vv @ blk)
                top = min(k + 3, i) + 1
                blk = h[:top, rows]
                blk -= t1 * np.outer(blk @ vv, vv)
                zb = z[:, rows]
                zb -= t1 * np.outer(zb @ vv, vv)
        else:
            raise np.linalg.LinAlgError("schur: the QR iteration did not converge")
        if l == i - 1:
            a, b, c, d, cs, sn = _lanv2(h[i - 1, i - 1], h[i - 1, i], h[i, i - 1], h[i, i])
            h[i - 1, i - 1], h[i - 1, i], h[i, i - 1], h[i, i] = a, b, c, d
            if n > i + 1:
                _rot(h[i - 1, i + 1:], h[i, i + 1:], cs, sn)
            _rot(h[:i - 1, i - 1], h[:i - 1, i], cs, sn)
            _rot(z[:, i - 1], z[:, i], cs, sn)
        kdefl = 0
        i = l - 1
    return h, z


# ---- complex QR iteration (zlahqr) ---------------------------------------------------------------

def _cabs1(x):
    return abs(x.real) + abs(x.imag)


def _lahqr_complex(h, z, ilo, ihi):
    """Complex Schur form of the Hessenberg h in place (zlahqr with wantt, wantz)."""
    n = h.shape[0]
    for j in range(ilo, ihi - 2):
        h[j + 2, j] = 0
        h[j + 3, j] = 0
    if ilo <= ihi - 2:
        h[ihi, ihi - 2] = 0
    for i in range(ilo + 1, ihi + 1):    # make the subdiagonal real
        if h[i, i - 1].imag != 0:
            sc = h[i, i - 1] / _cabs1(h[i, i - 1])
            sc = np.conj(sc) / abs(sc)
            h[i, i - 1] = abs(h[i, i - 1])
            h[i, i:] *= sc
            h[:min(n - 1, i + 1) + 1, i] *= np.conj(sc)
            z[:, i] *= np.conj(sc)
    nh = ihi - ilo + 1
    smlnum = _SAFMIN * (nh / _ULP)
    itmax = 30 * max(10, nh)
    kdefl = 0
    i = ihi
    while i >= ilo:
        l = ilo
        for its in range(itmax + 1):
            l = _split_row(h, i, l, ilo, ihi, smlnum, _cabs1, its > 30)
            if l >= i:
                break
            kdefl += 1
            if kdefl % 20 == 0:
                t = 0.75 * abs(h[i, i - 1].real) + h[i, i]
            elif kdefl % 10 == 0:
                t = 0.75 * abs(h[l + 1, l].real) + h[l, l]
            else:
                t = h[i, i]
                u = np.sqrt(h[i - 1, i]) * np.sqrt(h[i, i - 1])
                s = _cabs1(u)
                if s != 0:
                    x = 0.5 * (h[i - 1, i - 1] - t)
                    sx = _cabs1(x)
                    s = max(s, sx)
                    y = s * np.sqrt((x / s) ** 2 + (u / s) ** 2)
                    if sx > 0 and ((x / sx).real * y.real + (x / sx).imag * y.imag) < 0:
                        y = -y
                    t = t - u * (u / (x + y))
            m = i - 1
            while True:
                h11, h22 = h[m, m], h[m + 1, m + 1]
                h11s = h11 - t
                h21 = h[m + 1, m].real
                s = _cabs1(h11s) + abs(h21)
                h11s, h21 = h11s / s, h21 / s
                v = np.array([h11s, h21], dtype=np.complex128)
                if m == l:
                    break
                h10 = h[m, m - 1].real
                if abs(h10) * abs(h21) <= _ULP * (_cabs1(h11s) * (_cabs1(h11) + _cabs1(h22))):
                    break
                m -= 1
            for k in range(m, i):
                if k > m:
                    v = h[k:k + 2, k - 1].copy()
                beta, tail, t1 = _larfg(complex(v[0]), v[1:2].astype(np.complex128))
                if k > m:
                    h[k, k - 1] = beta
                    h[k + 1, k - 1] = 0
                v2 = tail[0]
                t2 = (t1 * v2).real
                s = np.conj(t1) * h[k, k:] + t2 * h[k + 1, k:]
                h[k, k:] -= s
                h[k + 1, k:] -= s * v2
                top = min(k + 2, i) + 1
                s = t1 * h[:top, k] + t2 * h[:top, k + 1]
                h[:top, k] -= s
                h[:top, k + 1] -= s * np.conj(v2)
                s = t1 * z[:, k] + t2 * z[:, k + 1]
                z[:, k] -= s
                z[:, k + 1] -= s * np.conj(v2)
                if k == m and m > l:
                    temp = 1 - t1
                    temp = temp / abs(temp)
                    h[m + 1, m] *= np.conj(temp)
                    if m + 2 <= i:
                        h[m + 2, m + 1] *= temp
                    for j in range(m, i + 1):
                        if j != m + 1:
                            if n > j + 1:
                                h[j, j + 1:] *= temp
                            h[:j, j] *= np.conj(temp)
                            z[:, j] *= np.conj(temp)
            temp = h[i, i - 1]
            if temp.imag != 0:
                rtemp = abs(temp)
                h[i, i - 1] = rtemp
                temp = temp / rtemp
                if n > i + 1:
                    h[i, i + 1:] *= np.conj(temp)
                h[:i, i] *= temp
                z[:, i] *= temp
        else:
            raise np.linalg.LinAlgError("schur: the QR iteration did not converge")
        kdefl = 0
        i = l - 1
    return h, z


def schur_one(a, complex_output):
    """(t, z) with a = z t z^H for one matrix (float64 or complex128 work): LAPACK gees's
    steps (see the module note). complex_output: the triangular complex form."""
    work = np.complex128 if complex_output or a.dtype.kind == "c" else np.float64
    a = np.asarray(a, dtype=work)
    n = a.shape[0]
    if n == 0:
        return a.copy(), a.copy()
    ab, perm, ilo, ihi = _balance_permute(a)
    h, q = _hessenberg(ab, ilo, ihi)
    z = np.eye(n, dtype=work)[:, perm] @ q    # a = P a' P^T: gebak's back-permutation
    if work == np.float64:
        h, z = _lahqr_real(h, z, ilo, ihi)
    else:
        h, z = _lahqr_complex(h, z, ilo, ihi)
    return np.triu(h, -1) if work == np.float64 else np.triu(h), z


# ---- functions of an upper triangular matrix --------------------------------------------------

def sqrt_triangular(t):
    """The principal square root R (upper triangular, R @ R = t) of the upper triangular complex
    t, by the Bjorck-Hammarling recurrence column by column: r_ij = (t_ij - r_i,i+1:j @
    r_i+1:j,j) / (r_ii + r_jj). A zero denominator over a zero numerator gives 0 (scipy's choice
    for a singular t with repeated zero eigenvalues)."""
    n = t.shape[0]
    r = np.zeros_like(t)
    d = np.sqrt(np.diag(t))
    r[np.diag_indices(n)] = d
    for j in range(1, n):
        for i in range(j - 1, -1, -1):
            num = t[i, j] - r[i, i + 1:j] @ r[i + 1:j, j]
            den = d[i] + d[j]
            r[i, j] = num / den if den != 0 else (0 if num == 0 else num * np.inf)
    return r


# Gauss-Legendre nodes and weights on [0, 1], degree 8: log(I + X) ~ sum_k w_k X (I + x_k X)^-1
# (the degree-8 diagonal Pade approximant in partial fractions; Higham 2008, eq. (11.21)).
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
_GL_X, _GL_W = (_GL_X + 1) / 2, _GL_W / 2
_LOG_THETA = 0.25   # ||X||_1 below this: the degree-8 approximant is exact to double precision


def log_triangular(t):
    """The principal logarithm of the upper triangular complex t (no eigenvalue on the closed
    negative real axis) by inverse scaling and squaring: square roots until ||t - I||_1 <=
    0.25, the Pade approximant there, times 2^s; then the diagonal and the first superdiagonal
    recomputed directly (Higham 2008, alg. 11.10 and eq. (11.28))."""
    n = t.shape[0]
    if n == 0:
        return t.copy()
    ident = np.eye(n, dtype=t.dtype)
    r, s = t, 0
    while s < 64 and np.abs(r - ident).sum(axis=0).max() > _LOG_THETA:
        r = sqrt_triangular(r)
        s += 1
    x = r - ident
    out = np.zeros_like(t)
    for xk, wk in zip(_GL_X, _GL_W):
        out += wk * np.linalg.solve(ident + xk * x, x)   # (commute: X (I + xk X)^-1)
    out = np.triu(out) * 2.0 ** s
    d = np.diag(t)
    logd = np.log(d)
    out[np.diag_indices(n)] = logd
    for i in range(n - 1):
        a, b = d[i], d[i + 1]
        if a == b:
            out[i, i + 1] = t[i, i + 1] / a
        elif abs(a) < abs(b) / 2 or abs(b) < abs(a) / 2:
            out[i, i + 1] = t[i, i + 1] * (logd[i + 1] - logd[i]) / (b - a)
        else:   # 2 atanh(z) + 2 pi i U(log b - log a), z = (b - a) / (b + a): no cancellation
            z = (b - a) / (b + a)
            unwind = math.ceil(((logd[i + 1] - logd[i]).imag - math.pi) / (2 * math.pi))
            out[i, i + 1] = t[i, i + 1] * (2 * np.arctanh(z) + 2j * math.pi * unwind) / (b - a)
    return out


def parlett(t, fdiag):
    """f(t) for the upper triangular t given f on its diagonal, by Parlett's recurrence along
    the superdiagonals (from f t = t f): f_ij (t_jj - t_ii) = t_ij (f_jj - f_ii) +
    t_i,i+1:j @ f_i+1:j,j - f_i,i+1:j @ t_i+1:j,j. A vanishing t_jj - t_ii is not divided
    by (scipy's funm)."""
    n = t.shape[0]
    f = np.zeros(t.shape, np.result_type(t.dtype, fdiag.dtype))
    f[np.diag_indices(n)] = fdiag
    for p in range(1, n):
        for i in range(n - p):
            j = i + p
            s = t[i, j] * (f[j, j] - f[i, i]) + (t[i, i + 1:j] @ f[i + 1:j, j]
                                                 - f[i, i + 1:j] @ t[i + 1:j, j])
            den = t[j, j] - t[i, i]
            f[i, j] = s / den if den != 0 else s
    return f
