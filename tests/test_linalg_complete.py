"""funcgrad.numpy.linalg complete: every name numpy 2's numpy.linalg has, real and complex.

- the public names equal numpy.linalg's (test and private names aside);
- values equal numpy's for float32/float64/complex64/complex128 on hypothesis-drawn shapes
  (sizes 0 and 1 and stacks included), for every keyword form (UPLO, full_matrices,
  compute_uv, hermitian, mode, upper, rcond/rtol, ord/axis/keepdims, ind, axes, ...);
- eigh/eigvalsh/cholesky read only the UPLO triangle: a non-symmetric input gives numpy's
  values, and the derivative is that of numpy's function (finite differences in every
  direction);
- derivatives (real, and complex split into real and imaginary parts) equal finite
  differences to second order, and JAX's gradients where JAX defines the same function;
- vmap equals a loop, jit equals eager;
- bad input raises numpy's class (LinAlgError, ValueError, TypeError) naming the problem.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp

from _gradcheck import check_jvp, check_transpose, check_vjp
from _linalg_checks import (check_all_orders, check_vmap_and_jit, complex_parts,
                            split_complex)

la = fnp.linalg
ALL = [np.float32, np.float64, np.complex64, np.complex128]


def _rng(seed=0):
    return np.random.default_rng(seed)


def _mat(rng, shape, dtype=np.float64, dominant=True):
    x = rng.normal(size=shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.normal(size=shape)
    if dominant and len(shape) >= 2 and shape[-1] == shape[-2]:
        x = x + 2 * shape[-1] * np.eye(shape[-1])
    return x.astype(dtype)


def _herm(rng, shape, dtype=np.float64):
    b = _mat(rng, shape, dtype, dominant=False)
    return (b @ np.swapaxes(b.conj(), -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def _tol(dtype):
    return 3e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-9


def _close(ours, theirs, dtype=np.float64):
    ours = ours if isinstance(ours, (tuple, list)) else (ours,)
    theirs = theirs if isinstance(theirs, (tuple, list)) else (theirs,)
    for o, t in zip(ours, theirs):
        o = np.asarray(o)
        assert o.shape == np.shape(t), (o.shape, np.shape(t))
        np.testing.assert_allclose(o, t, rtol=_tol(dtype), atol=_tol(dtype) * 10)


def test_every_numpy_linalg_name_is_there():
    ours = set(dir(la))
    missing = [n for n in dir(np.linalg) if not n.startswith("_") and n != "test"
               and n not in ours]
    assert not missing, f"funcgrad.numpy.linalg lacks {missing}"


# ---- values ------------------------------------------------------------------------------------

STACK = st.sampled_from([(), (1,), (2,), (0,), (2, 1)])


@settings(max_examples=8)  # (heavily parametrized: bounded per case)
@given(n=st.integers(0, 4), lead=STACK, seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", ALL)
def test_square_functions_match_numpy(n, lead, seed, dtype):
    rng = _rng(seed)
    a = _mat(rng, lead + (n, n), dtype)
    h = _herm(rng, lead + (n, n), dtype)
    skew = _mat(rng, lead + (n, n), dtype, dominant=False)
    _close(la.inv(a), np.linalg.inv(a), dtype)
    _close(la.det(a), np.linalg.det(a), dtype)
    _close(la.slogdet(a), np.linalg.slogdet(a), dtype)
    for upper in (False, True):
        _close(la.cholesky(h + (np.tril(skew, -1) if upper else np.triu(skew, 1)), upper=upper),
               np.linalg.cholesky(h + (np.tril(skew, -1) if upper else np.triu(skew, 1)),
                                  upper=upper), dtype)
    for uplo in ("L", "U", "l", "u"):
        hh = h + (np.triu(skew, 1) if uplo in "Ll" else np.tril(skew, -1))   # unread triangle
        w, v = la.eigh(hh, UPLO=uplo)
        w2, v2 = np.linalg.eigh(hh, UPLO=uplo)
        _close(w, w2, dtype)
        _close(np.abs(np.asarray(v)), np.abs(v2), dtype)
        _close(la.eigvalsh(hh, UPLO=uplo), np.linalg.eigvalsh(hh, UPLO=uplo), dtype)
    _close(la.matrix_power(a, 3), np.linalg.matrix_power(a, 3), dtype)
    _close(la.matrix_power(a, -2), np.linalg.matrix_power(a, -2), dtype)
    _close(la.matrix_power(a, 0), np.linalg.matrix_power(a, 0), dtype)
    if n:
        w, v = la.eig(a)
        w2, v2 = np.linalg.eig(a)
        _close(w, w2.astype(np.result_type(dtype, np.complex64)), dtype)
        _close(np.abs(np.asarray(v)), np.abs(v2), dtype)
        _close(la.eigvals(a), np.linalg.eigvals(a).astype(np.result_type(dtype, np.complex64)),
               dtype)
        for p in (None, 1, -1, 2, -2, np.inf, -np.inf, "fro", "nuc"):
            _close(la.cond(a, p), np.linalg.cond(a, p), dtype)


@settings(max_examples=8)  # (heavily parametrized: bounded per case)
@given(m=st.integers(0, 4), n=st.integers(0, 4), lead=STACK, seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", ALL)
def test_rectangular_functions_match_numpy(m, n, lead, seed, dtype):
    rng = _rng(seed)
    a = _mat(rng, lead + (m, n), dtype)
    for full in (False, True):
        u, s, vh = la.svd(a, full_matrices=full)
        u2, s2, vh2 = np.linalg.svd(a, full_matrices=full)
        _close(s, s2, dtype)
        assert np.shape(u) == u2.shape and np.shape(vh) == vh2.shape
        k = min(m, n)
        _close(np.asarray(u)[..., :k] * np.asarray(s)[..., None, :] @ np.asarray(vh)[..., :k, :],
               a.astype(np.result_type(dtype, np.float32)) if k else np.zeros(a.shape, dtype),
               dtype)
    _close(la.svd(a, compute_uv=False), np.linalg.svd(a, compute_uv=False), dtype)
    _close(la.svdvals(a), np.linalg.svdvals(a), dtype)
    for mode in ("reduced", "complete", "r"):
        _close(la.qr(a, mode=mode), np.linalg.qr(a, mode=mode), dtype)
    for kw in ({}, {"rcond": 1e-3}, {"rtol": 1e-3}, {"rtol": None}):
        _close(la.pinv(a, **kw), np.linalg.pinv(a, **kw), dtype)
    _close(la.matrix_transpose(a), np.linalg.matrix_transpose(a))
    for off in (-1, 0, 1):
        _close(la.diagonal(a, offset=off), np.linalg.diagonal(a, offset=off))
        _close(la.trace(a, offset=off), np.linalg.trace(a, offset=off), dtype)
    if m and n:
        for ord in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
            for keepdims in (False, True):
                _close(la.matrix_norm(a, ord=ord, keepdims=keepdims),
                       np.linalg.matrix_norm(a, ord=ord, keepdims=keepdims), dtype)


@settings(max_examples=8)  # (heavily parametrized: bounded per case)
@given(n=st.integers(1, 4), seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", ALL)
def test_hermitian_pinv_and_svd(n, seed, dtype):
    rng = _rng(seed)
    h = _herm(rng, (n, n), dtype) - 2 * n * np.eye(n, dtype=dtype)    # indefinite
    _close(la.pinv(h, hermitian=True), np.linalg.pinv(h, hermitian=True), dtype)
    _close(la.svd(h, hermitian=True, compute_uv=False),
           np.linalg.svd(h, hermitian=True, compute_uv=False), dtype)
    u, s, vh = la.svd(h, hermitian=True)
    _close(np.asarray(u) * np.asarray(s) @ np.asarray(vh), h, dtype)


@settings(max_examples=6)  # (heavily parametrized: bounded per case)
@given(shape=st.sampled_from([(0,), (1,), (4,), (2, 3), (3, 0), (2, 3, 4), (1, 1, 1)]),
       seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", ALL)
def test_norms_match_numpy_for_every_ord_and_axis(shape, seed, dtype):
    x = _mat(_rng(seed), shape + (1, 1), dtype, dominant=False).reshape(shape)
    nd = len(shape)
    for keepdims in (False, True):
        _close(la.norm(x, keepdims=keepdims), np.linalg.norm(x, keepdims=keepdims), dtype)
        for axis in range(-nd, nd):
            for ord in (None, 0, 1, -1, 2, -2, 3, 0.5, np.inf, -np.inf):
                if x.shape[axis] == 0 and ord in (-1, -2, 0.5, -np.inf):
                    continue
                with np.errstate(divide="ignore"):
                    want = np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
                _close(la.norm(x, ord=ord, axis=axis, keepdims=keepdims), want, dtype)
            _close(la.vector_norm(x, axis=axis, keepdims=keepdims),
                   np.linalg.vector_norm(x, axis=axis, keepdims=keepdims), dtype)
        if nd >= 2 and 0 not in shape:
            for ord in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
                for axis in ((0, 1), (1, 0), (-1, -2)):
                    _close(la.norm(x, ord=ord, axis=axis, keepdims=keepdims),
                           np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims), dtype)
        if nd:
            _close(la.vector_norm(x, axis=tuple(range(nd)), ord=3, keepdims=keepdims),
                   np.linalg.vector_norm(x, axis=tuple(range(nd)), ord=3, keepdims=keepdims),
                   dtype)


@settings(max_examples=8)  # (heavily parametrized: bounded per case)
@given(n=st.integers(1, 4), k=st.integers(1, 3), lead=STACK, seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", ALL)
def test_solve_numpy2_b_semantics(n, k, lead, seed, dtype):
    rng = _rng(seed)
    a = _mat(rng, lead + (n, n), dtype)
    for bshape in [(n,), (n, k), lead + (n, k), (3,) + lead + (n, k)]:
        b = _mat(rng, bshape, dtype, dominant=False)
        _close(la.solve(a, b), np.linalg.solve(a, b), dtype)


@settings(max_examples=5)  # (heavily parametrized: bounded per case)
@given(seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", ALL)
def test_products_and_tensor_equations_match_numpy(seed, dtype):
    rng = _rng(seed)
    x, y = _mat(rng, (4,), dtype), _mat(rng, (3,), dtype)
    _close(la.outer(x, y), np.linalg.outer(x, y), dtype)
    u, v = _mat(rng, (2, 3), dtype), _mat(rng, (3,), dtype)
    _close(la.cross(u, v), np.linalg.cross(u, v), dtype)
    _close(la.cross(u.T, v[:, None], axis=0), np.linalg.cross(u.T, v[:, None], axis=0), dtype)
    p, q = _mat(rng, (2, 3), dtype), _mat(rng, (3,), dtype)
    _close(la.vecdot(p, q), np.linalg.vecdot(p, q), dtype)
    _close(la.vecdot(p.T, q[:, None], axis=0), np.linalg.vecdot(p.T, q[:, None], axis=0), dtype)
    t1, t2 = _mat(rng, (2, 3, 4), dtype), _mat(rng, (3, 4, 5), dtype)
    for axes in (2, ([1, 2], [0, 1])):
        _close(la.tensordot(t1, t2, axes=axes), np.linalg.tensordot(t1, t2, axes=axes), dtype)
    t3 = _mat(rng, (4, 2), dtype)
    _close(la.tensordot(t1, t3, axes=1), np.linalg.tensordot(t1, t3, axes=1), dtype)
    a = _mat(rng, (6, 6), dtype).reshape(2, 3, 2, 3)
    b = _mat(rng, (2, 3), dtype)
    _close(la.tensorsolve(a, b), np.linalg.tensorsolve(a, b), dtype)
    a2 = _mat(rng, (6, 6), dtype).reshape(2, 3, 3, 2)
    _close(la.tensorsolve(a2, b, axes=(1, 3)), np.linalg.tensorsolve(a2, b, axes=(1, 3)), dtype)
    t = _mat(rng, (6, 6), dtype).reshape(6, 2, 3)
    _close(la.tensorinv(t, ind=1), np.linalg.tensorinv(t, ind=1), dtype)
    t4 = _mat(rng, (6, 6), dtype).reshape(2, 3, 6)
    _close(la.tensorinv(t4), np.linalg.tensorinv(t4), dtype)
    ms = [_mat(rng, s, dtype, dominant=False) for s in [(3,), (3, 4), (4, 2), (2, 5), (5,)]]
    _close(la.multi_dot(ms), np.linalg.multi_dot(ms), dtype)


@settings(max_examples=8)  # (heavily parametrized: bounded per case)
@given(m=st.integers(1, 5), n=st.integers(1, 4), seed=st.integers(0, 2**16))
@pytest.mark.parametrize("dtype", ALL)
def test_lstsq_and_matrix_rank_match_numpy(m, n, seed, dtype):
    """Concrete values give numpy's results; traced ones (jit, vmap) JAX's: the same x, s and
    rank, residuals whenever m > n."""
    rng = _rng(seed)
    a = _mat(rng, (m, n), dtype)
    for b in (_mat(rng, (m,), dtype), _mat(rng, (m, 2), dtype)):
        got = la.lstsq(a, b)
        want = np.linalg.lstsq(a, b)
        _close(got[0], want[0], dtype)
        _close(got[1], want[1], dtype)
        assert int(got[2]) == int(want[2])
        _close(got[3], want[3], dtype)
        jx, jres, jrank, js = fg.jit(la.lstsq)(a, b)
        _close(jx, want[0], dtype)
        assert int(jrank) == int(want[2])
        if m > n:
            np.testing.assert_allclose(np.asarray(jres), np.sum(np.abs(
                a @ want[0] - b) ** 2, axis=0), rtol=_tol(dtype) * 100, atol=_tol(dtype) * 100)
    low = (a[:, :1] @ a[:1, :]).astype(dtype)
    stack = np.stack([a, low])
    for kw in ({}, {"tol": 0.5}, {"rtol": 0.1}):
        assert int(la.matrix_rank(low, **kw)) == int(np.linalg.matrix_rank(low, **kw))
        assert int(la.matrix_rank(a, **kw)) == int(np.linalg.matrix_rank(a, **kw))
        np.testing.assert_array_equal(fg.vmap(lambda x: la.matrix_rank(x, **kw))(stack),
                                      np.linalg.matrix_rank(stack, **kw))
        np.testing.assert_array_equal(fg.jit(lambda x: la.matrix_rank(x, **kw))(stack),
                                      np.linalg.matrix_rank(stack, **kw))


# ---- derivatives ---------------------------------------------------------------------------------

def _real_cases(rng):
    a, h = _mat(rng, (3, 3)), _herm(rng, (3, 3))
    r = rng.normal(size=(4, 3))
    skew = rng.normal(size=(3, 3))
    return {
        "eig values": (lambda a: (fnp.real(la.eigvals(a)), fnp.imag(la.eigvals(a))),
                       [rng.normal(size=(3, 3))]),
        "eig |vectors|": (lambda a: fnp.abs(la.eig(a).eigenvectors), [rng.normal(size=(3, 3))]),
        "eigh UPLO=L, non-symmetric": (lambda a: la.eigh(a).eigenvalues, [h + np.triu(skew, 1)]),
        "eigh UPLO=U, non-symmetric": (lambda a: la.eigvalsh(a, UPLO="U"),
                                       [h + np.tril(skew, -1)]),
        "eigh vectors": (lambda a: fnp.abs(la.eigh(a).eigenvectors), [h]),
        "cholesky upper": (lambda a: la.cholesky(a, upper=True), [h + np.tril(skew, -1)]),
        "svd reduced": (lambda a: (lambda u, s, vh: (fnp.abs(u), s, fnp.abs(vh)))(
            *la.svd(a, full_matrices=False)), [r]),
        "svdvals": (la.svdvals, [r.T.copy()]),
        "qr r": (lambda a: la.qr(a, mode="r"), [r]),
        "slogdet": (lambda a: la.slogdet(a).logabsdet, [a]),
        "pinv": (la.pinv, [r]),
        "pinv hermitian": (lambda a: la.pinv(a, hermitian=True), [h - 8 * np.eye(3)]),
        "lstsq": (lambda a, b: la.lstsq(a, b)[:2], [r, rng.normal(size=(4, 2))]),
        "matrix_power": (lambda a: la.matrix_power(a, -3), [a]),
        "norm nuc": (lambda a: la.norm(a, "nuc"), [r]),
        "norm 2": (lambda a: la.norm(a, 2), [r]),
        "norm -2": (lambda a: la.norm(a, -2), [r]),
        "norm p=3 axis 0": (lambda a: la.norm(a, 3, axis=0), [r]),
        "norm inf (matrix)": (lambda a: la.norm(a, np.inf), [r]),
        "matrix_norm fro": (lambda a: la.matrix_norm(a, keepdims=True), [r]),
        "vector_norm": (lambda a: la.vector_norm(a, axis=(0, 1), ord=1.5), [r]),
        "cond": (la.cond, [a]),
        "cond 1": (lambda a: la.cond(a, 1), [a]),
        "tensorsolve": (la.tensorsolve, [a.reshape(3, 3), rng.normal(size=3)]),
        "tensorinv": (lambda a: la.tensorinv(a, ind=1), [(a @ a).reshape(3, 3)]),
        "multi_dot": (lambda x, y, z: la.multi_dot([x, y, z]), [r, a, rng.normal(size=3)]),
        "outer": (la.outer, [r[0], r[1]]),
        "cross": (la.cross, [r[:, :3], r[0, :3]]),
        "vecdot": (la.vecdot, [r, r[0]]),
        "tensordot": (lambda x, y: la.tensordot(x, y, axes=1), [r, a]),
        "trace": (lambda x: la.trace(x, offset=1), [r]),
        "diagonal": (lambda x: la.diagonal(x, offset=-1), [r]),
        "solve batched b": (la.solve, [a, rng.normal(size=(2, 3, 2))]),
        "det": (la.det, [a]),
        "inv": (la.inv, [a]),
    }


_REAL = sorted(_real_cases(_rng()))


@pytest.mark.parametrize("name", _REAL)
def test_derivatives_match_finite_differences(name):
    rng = _rng(4)
    f, args = _real_cases(_rng())[name]
    check_all_orders(f, args, rng)


@pytest.mark.parametrize("name", _REAL)
def test_vmap_matches_loop_and_jit_matches_eager(name):
    f, args = _real_cases(_rng())[name]
    check_vmap_and_jit(f, args, 1.05, 0.01)


def _complex_cases(rng):
    a, h = _mat(rng, (3, 3), np.complex128), _herm(rng, (3, 3), np.complex128)
    r = _mat(rng, (4, 3), np.complex128)
    skew = _mat(rng, (3, 3), np.complex128, dominant=False)
    return {
        "eigvals": (la.eigvals, [_mat(rng, (3, 3), np.complex128, dominant=False)]),
        "eig |vectors|": (lambda a: fnp.abs(la.eig(a).eigenvectors),
                          [_mat(rng, (3, 3), np.complex128, dominant=False)]),
        "eigh UPLO=L, non-Hermitian": (lambda a: la.eigh(a).eigenvalues, [h + np.triu(skew)]),
        "eigh UPLO=U projector": (lambda a: (lambda v: v[:, :1] @ fnp.conj(v[:, :1]).T)(
            la.eigh(a, UPLO="U").eigenvectors), [h + np.tril(skew)]),
        "cholesky": (la.cholesky, [h + np.triu(skew, 1)]),
        "svd (gauge-free)": (lambda a: (lambda u, s, vh: ((u * s[None, :]) @ vh, fnp.abs(u),
                                                         fnp.abs(vh)))(
            *la.svd(a, full_matrices=False)), [r]),
        "svd wide": (lambda a: la.svd(a, compute_uv=False), [r.T.copy()]),
        "qr": (lambda a: la.qr(a), [r]),
        "qr wide": (lambda a: la.qr(a), [r.T.copy()]),
        "slogdet": (lambda a: tuple(la.slogdet(a)), [a]),
        "pinv": (la.pinv, [r]),
        "norm nuc": (lambda a: la.norm(a, "nuc"), [r]),
        "norm fro": (la.norm, [r]),
        "lstsq": (lambda a, b: la.lstsq(a, b)[0], [r, _mat(rng, (4,), np.complex128)]),
        "solve": (la.solve, [a, _mat(rng, (3,), np.complex128)]),
        "vecdot": (la.vecdot, [r, r[0]]),
    }


@pytest.mark.parametrize("name", sorted(_complex_cases(_rng())))
def test_complex_derivatives_match_finite_differences(name):
    rng = _rng(5)
    f, args = _complex_cases(_rng())[name]
    g = split_complex(f, len(args))
    parts = complex_parts(args)
    check_jvp(g, parts, rng)
    check_vjp(g, parts, rng)
    check_transpose(g, parts, rng)


@pytest.mark.parametrize("name", ["eigvals", "svdvals", "slogdet", "pinv", "qr", "svd",
                                  "norm nuc", "cond", "eigh", "cholesky", "lstsq"])
@pytest.mark.parametrize("cplx", [False, True])
def test_gradients_match_jax(name, cplx):
    jax = pytest.importorskip("jax", reason="JAX is the oracle for derivative conventions")
    import jax.numpy as jnp  # noqa: E402  (the oracle: imported only when JAX is there)
    rng = _rng(6)
    dt = np.complex128 if cplx else np.float64
    a, r, h = _mat(rng, (3, 3), dt, dominant=False), _mat(rng, (4, 3), dt), _herm(rng, (3, 3), dt)
    table = {
        "eigvals": (lambda m, a: m.linalg.eigvals(a), a),
        "svdvals": (lambda m, a: m.linalg.svdvals(a), r),
        "slogdet": (lambda m, a: m.linalg.slogdet(a)[1], a),
        "pinv": (lambda m, a: m.linalg.pinv(a), r),
        "qr": (lambda m, a: m.linalg.qr(a)[1], r),
        "svd": (lambda m, a: (lambda u, s, vh: m.abs(u) + m.abs(vh[:1, :1]))(
            *m.linalg.svd(a, full_matrices=False)), r),
        "norm nuc": (lambda m, a: m.linalg.norm(a, "nuc"), r),
        "cond": (lambda m, a: m.linalg.cond(a), r),
        "eigh": (lambda m, a: m.linalg.eigvalsh(a), h),
        "cholesky": (lambda m, a: m.linalg.cholesky(a), h),
        "lstsq": (lambda m, a: m.linalg.lstsq(a, m.ones(4, dtype=a.dtype))[0], r),
    }
    f, arg = table[name]

    def loss(m):
        def go(a):
            out = f(m, a)
            weights = np.cos(np.arange(out.size) + 0.5).reshape(out.shape)
            return m.sum(m.real(out * weights))
        return go
    with jax.enable_x64(True):
        want = np.asarray(jax.grad(loss(jnp))(jnp.asarray(arg)))
    got = np.asarray(fg.grad(loss(fnp))(fg.Array(arg)))
    if name in ("eigh", "cholesky"):
        # JAX symmetrizes; numpy (and we) read the lower triangle: the same derivative folded
        # onto it (G + G^H below the diagonal, Re(G) on it).
        want = np.tril(want + want.conj().T, -1) + np.diag(np.diag(want).real)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


# ---- bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, words", [
    (lambda: la.eig(np.ones((2, 3))), np.linalg.LinAlgError, "square"),
    (lambda: la.eigvals(np.ones(3)), np.linalg.LinAlgError, "two-dimensional"),
    (lambda: la.eigh(np.eye(2), UPLO="X"), ValueError, "UPLO"),
    (lambda: la.cholesky(np.ones((2, 3))), np.linalg.LinAlgError, "square"),
    (lambda: la.qr(np.eye(2), mode="x"), ValueError, "mode"),
    (lambda: la.solve(np.eye(2), np.ones(3)), ValueError, "mismatch"),
    (lambda: la.tensorsolve(np.ones((2, 3, 4)), np.ones(2)), np.linalg.LinAlgError, "tensorsolve"),
    (lambda: la.tensorinv(np.ones((2, 3)), ind=1), np.linalg.LinAlgError, "tensorinv"),
    (lambda: la.tensorinv(np.eye(2), ind=0), ValueError, "ind"),
    (lambda: la.outer(np.ones((2, 2)), np.ones(2)), ValueError, "one-dimensional"),
    (lambda: la.cross(np.ones(2), np.ones(3)), ValueError, "3-dimensional"),
    (lambda: la.vecdot(np.ones(2), np.ones(3)), ValueError, "size"),
    (lambda: la.pinv(np.eye(2), rcond=1e-3, rtol=1e-3), ValueError, "rtol"),
    (lambda: la.norm(np.ones(3), "fro"), ValueError, "Invalid norm order"),
    (lambda: la.matrix_power(np.eye(2), 1.5), TypeError, "integer"),
    (lambda: la.det(np.ones((2, 2), np.float16)), TypeError, "unsupported"),
])
def test_bad_input_raises_numpys_class(call, exc, words):
    with pytest.raises(exc, match=words):
        call()
