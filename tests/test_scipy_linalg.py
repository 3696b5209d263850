"""funcgrad.scipy.linalg against scipy.linalg (values) and JAX (API, derivatives).

- every function's values equal scipy's for every keyword form (assume_a, trans, lower,
  unit_diagonal, permute_l, p_indices, mode, pivoting, subset_by_index, side, ...), on
  well-conditioned float32/float64/complex matrices of hypothesis-drawn sizes (0 and 1 included);
- jvp and vjp equal central finite differences, transpose each other, and second derivatives
  (forward-over-reverse, reverse-over-reverse, reverse-over-forward) equal finite differences of
  the first (tests/_gradcheck.py), for real and (split into real and imaginary parts) complex
  arguments;
- vmap equals a Python loop and jit equals eager;
- gradients equal jax.scipy.linalg's where JAX defines them (skipped without JAX);
- bad input raises the class scipy/JAX raise, with a message naming the argument.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.lax import linalg_ops as L
from funcgrad.scipy import linalg as fl

from _gradcheck import check_jvp, check_transpose, check_vjp
from _linalg_checks import (check_all_orders, check_vmap_and_jit, complex_parts,
                            split_complex)

sl = pytest.importorskip("scipy.linalg", reason="scipy is the oracle for funcgrad.scipy.linalg")


def _rng(seed=0):
    return np.random.default_rng(seed)


def _gen(rng, n, dtype=np.float64, shape=None):
    """A well-conditioned general matrix: I * n + noise."""
    shape = (n, n) if shape is None else shape
    x = rng.normal(size=shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.normal(size=shape)
    if shape[-1] == shape[-2]:
        x = x + 2 * n * np.eye(n)
    return x.astype(dtype)


def _spd(rng, n, dtype=np.float64):
    b = _gen(rng, n, dtype, (n, n))
    return (b @ b.conj().T + n * np.eye(n)).astype(dtype)


def _tol(dtype):
    return 2e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-9


def _close(ours, theirs, dtype=np.float64, what=""):
    ours = ours if isinstance(ours, (tuple, list)) else (ours,)
    theirs = theirs if isinstance(theirs, (tuple, list)) else (theirs,)
    assert len(ours) == len(theirs), what
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(o), np.asarray(t), rtol=_tol(dtype),
                                   atol=_tol(dtype) * 10, err_msg=what)


SIZES = st.integers(0, 4)
REAL = [np.float32, np.float64]
ALL = REAL + [np.complex64, np.complex128]


# ---- values against scipy -------------------------------------------------------------------

@settings(max_examples=4)  # (heavily parametrized: bounded per case)
@given(n=SIZES, k=st.integers(1, 3), seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("assume_a", ["gen", "sym", "her", "pos", "diagonal", "tridiagonal",
                                      "upper triangular", "lower triangular"])
@pytest.mark.parametrize("lower", [False, True])
def test_solve_matches_scipy(n, k, seed, dtype, assume_a, lower):
    rng = _rng(seed)
    if assume_a in ("pos", "her") or (assume_a == "sym" and np.dtype(dtype).kind == "f"):
        a = _spd(rng, n, dtype)
        a = a + np.triu(_gen(rng, n, dtype, (n, n)), 1) * 0.1   # an unread triangle
    else:
        a = _gen(rng, n, dtype)
    if assume_a == "sym" and np.dtype(dtype).kind == "c":
        a = (a + a.T) / 2
    b = _gen(rng, n, dtype, (n, k))
    if n == 0:
        expected = np.zeros((0, k), dtype)
    else:
        expected = sl.solve(a, b, assume_a=assume_a, lower=lower)
    _close(fl.solve(a, b, assume_a=assume_a, lower=lower), expected, dtype, assume_a)
    if n:
        _close(fl.solve(a, b[:, 0], assume_a=assume_a, lower=lower), expected[:, 0], dtype)


@settings(max_examples=3)  # (heavily parametrized: bounded per case)
@given(n=SIZES, seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("trans", [0, 1, 2, "N", "T", "C"])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("unit_diagonal", [False, True])
def test_solve_triangular_matches_scipy(n, seed, dtype, trans, lower, unit_diagonal):
    rng = _rng(seed)
    a, b = _gen(rng, n, dtype), _gen(rng, n, dtype, (n, 2))
    got = fl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal)
    if n:
        _close(got, sl.solve_triangular(a, b, trans=trans, lower=lower,
                                        unit_diagonal=unit_diagonal), dtype)
    assert got.shape == (n, 2)


@settings(max_examples=6)  # (heavily parametrized: bounded per case)
@given(n=st.integers(1, 4), seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("lower", [False, True])
def test_cholesky_family_matches_scipy(n, seed, dtype, lower):
    rng = _rng(seed)
    a, b = _spd(rng, n, dtype), _gen(rng, n, dtype, (n, 2))
    _close(fl.cholesky(a, lower=lower), sl.cholesky(a, lower=lower), dtype)
    c = fl.cho_factor(a, lower=lower)
    assert c[1] is lower
    _close(fl.cho_solve(c, b), sl.cho_solve(sl.cho_factor(a, lower=lower), b), dtype)


@settings(max_examples=8)  # (heavily parametrized: bounded per case)
@given(m=st.integers(1, 5), n=st.integers(1, 5), seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", ALL)
def test_lu_matches_scipy(m, n, seed, dtype):
    a = _gen(_rng(seed), max(m, n), dtype, (m, n))
    _close(fl.lu(a), sl.lu(a), dtype)
    _close(fl.lu(a, permute_l=True), sl.lu(a, permute_l=True), dtype)
    p, low, up = fl.lu(a, p_indices=True)
    _close((p, low, up), sl.lu(a, p_indices=True), dtype)
    lu_, piv = fl.lu_factor(a)
    if m == n:
        lu2, piv2 = sl.lu_factor(a)
        _close((lu_, piv), (lu2, piv2), dtype)
        b = _gen(_rng(seed + 1), n, dtype, (n, 2))
        for trans in (0, 1, 2):
            _close(fl.lu_solve((lu_, piv), b, trans=trans), sl.lu_solve((lu2, piv2), b,
                                                                        trans=trans), dtype)


@settings(max_examples=6)  # (heavily parametrized: bounded per case)
@given(m=st.integers(0, 5), n=st.integers(0, 5), seed=st.integers(0, 2**16))
@pytest.mark.parametrize("mode", ["full", "economic", "r"])
@pytest.mark.parametrize("pivoting", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_qr_matches_scipy(m, n, seed, mode, pivoting, dtype):
    a = _gen(_rng(seed), max(m, n), dtype, (m, n))
    got = fl.qr(a, mode=mode, pivoting=pivoting)
    if m * n == 0:
        assert [g.shape for g in got] == [np.shape(e) for e in sl.qr(a, mode=mode,
                                                                     pivoting=pivoting)]
        return
    _close(got, sl.qr(a, mode=mode, pivoting=pivoting), dtype, f"qr {mode} {pivoting}")


@settings(max_examples=8)  # (heavily parametrized: bounded per case)
@given(n=st.integers(1, 5), seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", ALL)
def test_decompositions_match_scipy(n, seed, dtype):
    rng = _rng(seed)
    a, h = _gen(rng, n, dtype), _spd(rng, n, dtype)
    r = _gen(rng, n, dtype, (n + 1, n))
    _close(fl.svd(r, compute_uv=False), sl.svd(r, compute_uv=False), dtype)
    _close(fl.svd(r, full_matrices=False)[1], sl.svd(r, full_matrices=False)[1], dtype)
    for lower in (False, True):
        hh = h + np.triu(a, 1) * (0.1 if lower else 0) + np.tril(a, -1) * (0 if lower else 0.1)
        w, v = fl.eigh(hh, lower=lower)
        w2, v2 = sl.eigh(hh, lower=lower)
        _close(w, w2, dtype)
        _close(np.abs(np.asarray(v)), np.abs(v2), dtype)      # columns up to a phase
    _close(fl.eigh(h, eigvals_only=True, subset_by_index=(0, n - 1)),
           sl.eigh(h, eigvals_only=True, subset_by_index=(0, n - 1)), dtype)
    _close(fl.det(a), sl.det(a), dtype)
    _close(fl.inv(a), sl.inv(a), dtype)
    _close(fl.pinv(r), sl.pinv(r), dtype)
    for side in ("right", "left"):
        _close(fl.polar(a, side=side), sl.polar(a, side=side), dtype)
    d, e = a[0].real.astype(np.float64), a[-1, :n - 1].real.astype(np.float64)
    _close(fl.eigh_tridiagonal(d, e, eigvals_only=True),
           sl.eigh_tridiagonal(d, e, eigvals_only=True))


@settings(max_examples=8)  # (heavily parametrized: bounded per case)
@given(n=st.integers(1, 4), seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_generalized_eigh_matches_scipy(n, seed, dtype):
    rng = _rng(seed)
    a, b = _spd(rng, n, dtype), _spd(rng, n, dtype)
    w, v = fl.eigh(a, b)
    w2, _ = sl.eigh(a, b)
    _close(w, w2, dtype)
    v = np.asarray(v)
    np.testing.assert_allclose(a @ v, b @ v * np.asarray(w), atol=1e-8 * n * np.abs(a).max())


@settings(max_examples=6)  # (heavily parametrized: bounded per case)
@given(n=st.integers(0, 5), seed=st.integers(0, 2**16), scale=st.sampled_from([0.1, 1.0, 30.0]))
@pytest.mark.parametrize("dtype", ALL)
def test_matrix_functions_match_scipy(n, seed, scale, dtype):
    rng = _rng(seed)
    a = (rng.normal(size=(n, n)) * scale / max(n, 1)).astype(dtype)
    e = rng.normal(size=(n, n)).astype(dtype)
    _close(fl.expm(a), sl.expm(a) if n else a, dtype)
    if n:
        _close(fl.expm_frechet(a, e), sl.expm_frechet(a, e), dtype)
        h = _spd(rng, n, np.float64)
        with warnings.catch_warnings():   # scipy's accuracy estimates for logm/funm
            warnings.simplefilter("ignore", RuntimeWarning)
            _close(fl.sqrtm(h), sl.sqrtm(h))
            _close(fl.logm(h), sl.logm(h))
            _close(fl.funm(h, fnp.exp), sl.funm(h, np.exp))


@settings(max_examples=10)  # (heavily parametrized: bounded per case)
@given(n=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_solve_sylvester_hessenberg_schur(n, seed):
    rng = _rng(seed)
    a, b, c = _gen(rng, n), _gen(rng, n), rng.normal(size=(n, n))
    _close(fl.solve_sylvester(a, b, c), sl.solve_sylvester(a, b, c))
    x = rng.normal(size=(n, n))
    _close(fl.hessenberg(x, calc_q=True), sl.hessenberg(x, calc_q=True))
    for output in ("real", "complex"):
        t, z = (np.asarray(u) for u in fl.schur(x, output=output))
        np.testing.assert_allclose(z @ t @ z.conj().T, x, atol=1e-9)
        np.testing.assert_allclose(z.conj().T @ z, np.eye(n), atol=1e-9)
        assert np.allclose(np.tril(t, -2 if output == "real" else -1), 0)
        ours, theirs = np.linalg.eigvals(t), np.linalg.eigvals(x)
        assert np.abs(ours[:, None] - theirs[None, :]).min(axis=0).max() < 1e-8


@settings(max_examples=10)  # (heavily parametrized: bounded per case)
@given(m=st.integers(0, 4), n=st.integers(0, 4), seed=st.integers(0, 2**16))
def test_structured_matrices_match_scipy(m, n, seed):
    rng = _rng(seed)
    c, r = rng.normal(size=m), rng.normal(size=n)
    _close(fl.toeplitz(c, r), sl.toeplitz(c, r))
    if m:
        _close(fl.toeplitz(c), sl.toeplitz(c))
        _close(fl.hankel(c), sl.hankel(c))
        _close(fl.circulant(c), sl.circulant(c))
    if n:
        _close(fl.hankel(c, r), sl.hankel(c, r))
    x = rng.normal(size=(m, n))
    _close(fl.block_diag(x, 2.0, r), sl.block_diag(x, 2.0, r))
    if m >= 2 and c[0] != 0:
        _close(fl.companion(c), sl.companion(c))


def test_block_diag_values():
    a, b = np.arange(6.0).reshape(2, 3), np.array([7.0, 8.0])
    _close(fl.block_diag(a, 5.0, b), sl.block_diag(a, 5.0, b))
    _close(fl.block_diag(), sl.block_diag())


# ---- derivatives --------------------------------------------------------------------------------

def _real_cases(rng):
    a, b, h = _gen(rng, 3), rng.normal(size=(3, 2)), _spd(rng, 3)
    return {
        "solve gen": (lambda a, b: fl.solve(a, b), [a, b]),
        "solve sym (lower read)": (lambda a, b: fl.solve(a, b, assume_a="sym", lower=True),
                                   [h + np.triu(a, 1), b]),
        "solve pos (upper read)": (lambda a, b: fl.solve(a, b, assume_a="pos"),
                                   [h + np.tril(a, -1), b]),
        "solve diagonal": (lambda a, b: fl.solve(a, b, assume_a="diagonal"), [a, b]),
        "solve tridiagonal": (lambda a, b: fl.solve(a, b, assume_a="tridiagonal"), [a, b]),
        "solve_triangular": (lambda a, b: fl.solve_triangular(a, b, trans=1,
                                                              unit_diagonal=True), [a, b]),
        "cho_solve": (lambda a, b: fl.cho_solve(fl.cho_factor(a, lower=True), b), [h, b]),
        "lu": (lambda a: fl.lu(a)[1:], [a]),
        "lu permute_l": (lambda a: fl.lu(a, permute_l=True), [a]),
        "lu_solve": (lambda a, b: fl.lu_solve(fl.lu_factor(a), b, trans=1), [a, b]),
        "lax lu_solve primitive": (lambda a, b: [L.lu_solve(L.lu(a)[0], L.lu(a)[2], b,
                                                            transpose=t) for t in (False, True)],
                                   [a, b]),
        "qr pivoting": (lambda a: fl.qr(a, pivoting=True)[:2], [a]),
        "qr economic": (lambda a: fl.qr(a, mode="economic"), [rng.normal(size=(4, 3))]),
        "svd": (lambda a: fl.svd(a, compute_uv=False), [rng.normal(size=(4, 3))]),
        "eigh": (lambda a: fl.eigh(a, eigvals_only=True, lower=False), [h + np.tril(a, -1)]),
        "eigh generalized": (lambda a, b: fl.eigh(a, b, eigvals_only=True), [h, h + np.eye(3)]),
        "eigh_tridiagonal": (lambda d, e: fl.eigh_tridiagonal(d, e, eigvals_only=True),
                             [a[0], a[1, :2]]),
        "det": (fl.det, [a]),
        "inv": (fl.inv, [a]),
        "pinv": (fl.pinv, [rng.normal(size=(4, 3))]),
        "polar": (fl.polar, [a]),
        "expm": (fl.expm, [a * 0.2]),
        "expm_frechet": (fl.expm_frechet, [a * 0.2, a.T]),
        "sqrtm": (lambda a: fnp.real(fl.sqrtm(a)), [h]),
        "logm": (lambda a: fnp.real(fl.logm(a)), [h]),
        "solve_sylvester": (fl.solve_sylvester, [a, h, b @ b.T]),
        "block_diag": (fl.block_diag, [a, b]),
        "toeplitz": (fl.toeplitz, [a[0], a[1]]),
        "hankel": (fl.hankel, [a[0], a[1]]),
        "circulant": (fl.circulant, [a[0]]),
        "companion": (fl.companion, [a[0]]),
        "hessenberg": (lambda a: fl.hessenberg(a, calc_q=True), [rng.normal(size=(4, 4))]),
    }


_CASES = sorted(_real_cases(_rng()))


@pytest.mark.parametrize("name", _CASES)
def test_derivatives_match_finite_differences(name):
    rng = _rng(1)
    f, args = _real_cases(_rng())[name]
    check_all_orders(f, args, rng)


@pytest.mark.parametrize("name", _CASES)
def test_vmap_matches_loop_and_jit_matches_eager(name):
    f, args = _real_cases(_rng())[name]
    check_vmap_and_jit(f, args, 1.1, 0.01)


def _complex_cases(rng):
    a, b, h = _gen(rng, 3, np.complex128), _gen(rng, 3, np.complex128, (3, 2)), _spd(
        rng, 3, np.complex128)
    return {
        "solve gen": (fl.solve, [a, b]),
        "solve her": (lambda a, b: fl.solve(a, b, assume_a="her", lower=True), [h, b]),
        "solve_triangular C": (lambda a, b: fl.solve_triangular(a, b, trans="C"), [a, b]),
        "cholesky": (fl.cholesky, [h + np.tril(a, -1)]),
        "lu": (lambda a: fl.lu(a)[1:], [a]),
        "lu_solve": (lambda a, b: fl.lu_solve(fl.lu_factor(a), b, trans=2), [a, b]),
        "qr": (fl.qr, [a]),
        "svd values": (lambda a: fl.svd(a, compute_uv=False), [a]),
        "eigh values": (lambda a: fl.eigh(a, eigvals_only=True), [h]),
        "det": (fl.det, [a]),
        "expm": (fl.expm, [a * 0.1]),
        "polar": (fl.polar, [a]),
    }


@pytest.mark.parametrize("name", sorted(_complex_cases(_rng())))
def test_complex_derivatives_match_finite_differences(name):
    rng = _rng(2)
    f, args = _complex_cases(_rng())[name]
    g = split_complex(f, len(args))
    parts = complex_parts(args)
    check_jvp(g, parts, rng)
    check_vjp(g, parts, rng)
    check_transpose(g, parts, rng)


# ---- JAX's derivatives --------------------------------------------------------------------------

def _jax():
    jax = pytest.importorskip("jax", reason="JAX is the oracle for derivative conventions")
    return jax


_SLOW_JAX = {"expm", "expm_frechet", "toeplitz"}   # seconds of XLA compilation each


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.slow) if n in _SLOW_JAX else n
    for n in ["solve", "solve_triangular", "cho_solve", "lu_solve", "det", "inv", "expm",
              "expm_frechet", "lu", "qr", "polar", "eigh", "svdvals", "toeplitz", "block_diag"]])
@pytest.mark.parametrize("cplx", [False, True])
def test_gradients_match_jax(name, cplx):
    jax = _jax()
    import jax.numpy as jnp  # noqa: E402  (the oracle: imported only when JAX is there)
    import jax.scipy.linalg as jl
    rng = _rng(3)
    dt = np.complex128 if cplx else np.float64
    a, b, h = _gen(rng, 3, dt), _gen(rng, 3, dt, (3, 2)), _spd(rng, 3, dt)
    table = {
        "solve": (lambda m, x, a: m.solve(a, b), a),
        "solve_triangular": (lambda m, x, a: m.solve_triangular(a, b, lower=True, trans=1), a),
        "cho_solve": (lambda m, x, a: m.cho_solve(m.cho_factor(a), b), h),
        "lu_solve": (lambda m, x, a: m.lu_solve(m.lu_factor(a), b), a),
        "det": (lambda m, x, a: m.det(a), a),
        "inv": (lambda m, x, a: m.inv(a), a),
        "expm": (lambda m, x, a: m.expm(a * 0.2), a),
        "expm_frechet": (lambda m, x, a: m.expm_frechet(a * 0.2, a.T, compute_expm=False), a),
        "lu": (lambda m, x, a: m.lu(a)[2], a),
        "qr": (lambda m, x, a: m.qr(a)[1], a),
        "polar": (lambda m, x, a: m.polar(a, method="svd")[1] if m is jl else m.polar(a)[1], a),
        "eigh": (lambda m, x, a: m.eigh(a, eigvals_only=True), h),
        "svdvals": (lambda m, x, a: m.svd(a, compute_uv=False), a),
        "toeplitz": (lambda m, x, a: m.toeplitz(a[0], a[1]), a),
        "block_diag": (lambda m, x, a: m.block_diag(a, a[:1]), a),
    }
    f, arg = table[name]

    def loss(m, x):
        def go(a):
            out = f(m, x, a)
            weights = np.cos(np.arange(out.size) + 0.5).reshape(out.shape)
            return x.sum(x.real(out * weights))
        return go
    with jax.enable_x64(True):
        want = jax.grad(loss(jl, jnp))(jnp.asarray(arg))
        want = np.asarray(want)
    got = np.asarray(fg.grad(loss(fl, fnp))(fg.Array(arg)))
    if name in ("eigh", "cho_solve"):
        # JAX's gradient G is for a Hermitian input (eigh symmetrizes it); ours reads one
        # triangle, as numpy and scipy do: the same derivative folded onto that triangle,
        # G + G^H off the diagonal and Re(G) on it (eigh reads the lower triangle, cho_factor
        # the upper).
        fold = np.tril if name == "eigh" else np.triu
        k = -1 if name == "eigh" else 1
        want = fold(want + want.conj().T, k) + np.diag(np.diag(want).real)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


# ---- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, words", [
    (lambda: fl.solve(np.ones((2, 3)), np.ones(2)), ValueError, "`a`"),
    (lambda: fl.solve(np.eye(2), np.ones(3)), ValueError, "`b`"),
    (lambda: fl.solve(np.eye(2), np.ones(2), assume_a="nope"), ValueError, "assume_a"),
    (lambda: fl.solve_triangular(np.eye(2), np.ones(2), trans=5), ValueError, "trans"),
    (lambda: fl.lu_solve(fl.lu_factor(np.eye(2)), np.ones(2), trans=7), ValueError, "trans"),
    (lambda: fl.qr(np.eye(2), mode="nope"), ValueError, "mode"),
    (lambda: fl.qr(np.eye(2), mode="raw"), NotImplementedError, "raw"),
    (lambda: fl.eigh(np.eye(2), subset_by_index=(1, 5)), ValueError, "subset_by_index"),
    (lambda: fl.eigh(np.eye(2), type=4), ValueError, "`type`"),
    (lambda: fl.polar(np.eye(2), side="up"), ValueError, "side"),
    (lambda: fl.schur(np.eye(2), output="x"), ValueError, "output"),
    (lambda: fl.expm(np.ones((2, 3))), ValueError, "`A`"),
    (lambda: fl.expm_frechet(np.eye(2), np.eye(3)), ValueError, "`E`"),
    (lambda: fl.det(np.ones(3)), ValueError, "`a`"),
    (lambda: fl.svd(np.eye(2), lapack_driver="x"), ValueError, "lapack_driver"),
    (lambda: fl.cho_solve(np.eye(2), np.ones(2)), TypeError, "c_and_lower"),
    (lambda: fl.block_diag(np.ones((1, 1, 1))), ValueError, "argument 0"),
    (lambda: fl.companion(np.ones(1)), ValueError, "`a`"),
    (lambda: fl.eigh_tridiagonal(np.ones(3), np.ones(3)), ValueError, "`e`"),
    (lambda: fl.solve_sylvester(np.eye(2), np.eye(3), np.eye(2)), ValueError, "`C`"),
    (lambda: fl.sqrtm(np.eye(2), blocksize=0), ValueError, "blocksize"),
])
def test_bad_input_names_the_argument(call, exc, words):
    with pytest.raises(exc, match=words.replace("(", r"\(")):
        call()


def test_singular_matrix_raises_linalg_error():
    with pytest.raises(np.linalg.LinAlgError):
        fl.solve(np.zeros((2, 2)), np.ones(2))
    with pytest.raises(np.linalg.LinAlgError):
        fl.cholesky(-np.eye(2))
