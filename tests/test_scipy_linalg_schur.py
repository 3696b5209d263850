"""funcgrad.scipy.linalg's Schur decomposition and the functions built on it (schur, rsf2csf,
sqrtm, logm, funm), eigh type 2/3, qr_multiply and the special matrices: values against
scipy (the oracle extra; skipped without it), derivatives against central differences, vmap
against a loop and jit against eager, and the bad-input errors."""
import zlib

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.scipy import linalg as fl

sl = pytest.importorskip("scipy.linalg", reason="scipy is the oracle for these tests")


def _rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


JORDAN = np.array([[2.0, 1.0, 0.0], [0.0, 2.0, 1.0], [0.0, 0.0, 2.0]])


def _matrices(name, kinds=("random", "ints", "skew", "triangular", "jordan")):
    """(label, matrix) pairs: sizes 0 to 7 of several structures."""
    rng = _rng(name)
    out = []
    for n in range(8):
        for kind in kinds:
            a = rng.standard_normal((n, n))
            if kind == "ints":
                a = np.round(2 * a)
            elif kind == "skew":
                a = a - a.T
            elif kind == "triangular":
                a = np.triu(a)
            elif kind == "jordan":
                if n != 3:
                    continue
                a = JORDAN.copy()
            out.append((f"{kind}-{n}", a))
    return out


def _gauge(t, z, ts, zs):
    """(t, z) rotated into (ts, zs)'s gauge: each Schur vector is fixed up to a unit factor
    (a sign for a real one); t's entries transform with it."""
    p = np.diag(z.conj().T @ zs)
    p = np.where(np.abs(p) > 0.5, p / np.where(p == 0, 1, np.abs(p)), 1)
    return p.conj()[:, None] * t * p, z * p


def _sorted(w):
    return w[np.lexsort((np.round(w.imag, 8), np.round(w.real, 8)))]


def _block_starts(t):
    n = t.shape[0]
    return [i for i in range(n - 1) if t[i + 1, i] != 0]


# ---- schur --------------------------------------------------------------------------------------

@pytest.mark.parametrize("output", ["real", "complex"])
@pytest.mark.parametrize("label,a", _matrices("schur"))
def test_schur_matches_scipy(label, a, output):
    t, z = (np.asarray(x) for x in fl.schur(a, output))
    ts, zs = sl.schur(a, output)
    n = a.shape[0]
    assert t.shape == ts.shape and t.dtype == ts.dtype and z.dtype == zs.dtype
    assert np.allclose(z @ t @ z.conj().T, a, atol=1e-12 * max(1, n))
    assert np.allclose(z.conj().T @ z, np.eye(n), atol=1e-13 * max(1, n))
    if output == "complex":
        assert np.all(np.tril(t, -1) == 0)
    else:
        assert np.all(np.tril(t, -2) == 0)
        for i in _block_starts(t):   # LAPACK's standardized 2x2 blocks
            assert t[i, i] == t[i + 1, i + 1] and t[i, i + 1] * t[i + 1, i] < 0
            assert i + 2 >= n or t[i + 2, i + 1] == 0
    if label.startswith("skew"):   # pure imaginary pairs: their order is not pinned down
        assert np.allclose(_sorted(np.linalg.eigvals(t)), _sorted(np.linalg.eigvals(ts)),
                           atol=1e-10)
        return
    # scipy's eigenvalue order, and the same invariant subspaces
    assert np.allclose(np.diag(t), np.diag(ts), atol=1e-10)
    tg, zg = _gauge(t, z, ts, zs)
    blocks = [] if output == "complex" else _block_starts(ts)
    if not blocks:
        assert np.allclose(tg, ts, atol=1e-9) and np.allclose(zg, zs, atol=1e-9)
    for i in blocks:   # a 2x2 block's basis is fixed up to a quarter turn: compare projectors
        q, qs = z[:, i:i + 2], zs[:, i:i + 2]
        assert np.allclose(q @ q.T, qs @ qs.T, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.complex64, np.complex128])
def test_schur_dtypes_and_batches(dtype):
    rng = _rng(str(dtype))
    a = rng.standard_normal((2, 3, 4, 4)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(a.shape).astype(dtype)
    t, z = fl.schur(a)
    assert t.dtype == dtype and z.dtype == dtype
    tol = 1e-4 if np.dtype(dtype).itemsize <= 8 else 1e-12
    assert np.allclose(np.asarray(z @ t @ fnp.conj(fnp.swapaxes(z, -1, -2))), a, atol=tol)
    looped = [fl.schur(m)[0] for m in a.reshape(-1, 4, 4)]
    assert np.allclose(np.asarray(t).reshape(-1, 4, 4), np.stack(looped))
    tv = fg.vmap(lambda m: fl.schur(m)[0])(a.reshape(-1, 4, 4))
    tj = fg.jit(lambda m: fl.schur(m)[0])(a.reshape(-1, 4, 4))
    assert np.array_equal(np.asarray(tv), np.stack(looped))
    assert np.array_equal(np.asarray(tj), np.stack(looped))


def _fd(f, a, e, h=1e-6):
    return (np.asarray(f(a + h * e)) - np.asarray(f(a - h * e))) / (2 * h)


@pytest.mark.parametrize("output", ["real", "complex"])
@pytest.mark.parametrize("n", [1, 2, 4, 5])
def test_schur_derivative_matches_finite_differences(n, output):
    rng = _rng(f"dschur{n}{output}")
    a, e = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    # the complex form's Schur vectors carry a phase each (LAPACK's choice is not smooth in
    # the finite differences' sense): there, t's diagonal and the transpose identity are checked
    parts = [lambda x: fl.schur(x)[0], lambda x: fl.schur(x)[1]] if output == "real" else [
        lambda x: fnp.diagonal(fl.schur(x, "complex")[0])]
    for k, f in enumerate(parts):
        tangent = np.asarray(fg.jvp(f, (a,), (e,))[1])
        assert np.allclose(tangent, _fd(f, a, e), atol=1e-6), k
        # reverse mode is the transpose of forward mode (pairing Re(sum(a * b)))
        g = rng.standard_normal(tangent.shape) + (1j * rng.standard_normal(tangent.shape)
                                                  if output == "complex" else 0)
        ct = np.asarray(fg.vjp(f, a)[1](fnp.asarray(g.astype(tangent.dtype)))[0])
        assert np.isclose(np.sum(ct * e), np.real(np.sum(g * tangent)))


def test_schur_second_derivative():
    rng = _rng("d2schur")
    a, e = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    f = lambda x: fnp.sum(fl.schur(x)[0] ** 2)
    hv = fg.jvp(fg.grad(f), (a,), (e,))[1]
    assert np.allclose(np.asarray(hv), _fd(fg.grad(f), a, e), atol=1e-5)


# ---- rsf2csf ------------------------------------------------------------------------------------

@pytest.mark.parametrize("label,a", _matrices("rsf2csf", ("random", "ints", "triangular")))
def test_rsf2csf_matches_scipy(label, a):
    ts, zs = sl.schur(a)
    t, z = fl.rsf2csf(ts, zs)
    want_t, want_z = sl.rsf2csf(ts, zs)
    assert np.allclose(np.asarray(t), want_t, atol=1e-12) and t.dtype == want_t.dtype
    assert np.allclose(np.asarray(z), want_z, atol=1e-12)


def test_rsf2csf_derivative_and_errors():
    rng = _rng("drsf")
    a, e = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    f = lambda x: fnp.real(fl.rsf2csf(*fl.schur(x))[0])
    assert np.allclose(np.asarray(fg.jvp(f, (a,), (e,))[1]), _fd(f, a, e), atol=1e-6)
    with pytest.raises(ValueError, match="`Z`"):
        fl.rsf2csf(np.eye(2), np.ones((2, 3)))
    with pytest.raises(ValueError, match="same shape"):
        fl.rsf2csf(np.eye(2), np.eye(3))


# ---- sqrtm, logm, funm --------------------------------------------------------------------------

def _spectrum_ok(a, negative_axis):
    w = np.linalg.eigvals(a)
    return not negative_axis or not np.any((np.abs(w.imag) < 1e-8) & (w.real <= 1e-8))


@pytest.mark.parametrize("label,a", _matrices("sqrtm", ("random", "triangular", "jordan")))
def test_sqrtm_and_logm_match_scipy(label, a):
    a = a + a.shape[0] * np.eye(a.shape[0])   # the spectrum off the negative real axis
    if a.size:
        assert np.allclose(np.asarray(fl.sqrtm(a)), sl.sqrtm(a), atol=1e-10)
        assert np.allclose(np.asarray(fl.logm(a)), sl.logm(a), atol=1e-10)
    s = np.asarray(fl.sqrtm(a))
    assert s.dtype == np.complex128 and np.allclose(s @ s, a, atol=1e-10)


@pytest.mark.parametrize("a", [JORDAN, np.array([[1.0, 1.0], [0.0, 1.0]]),
                               np.array([[4.0, 1.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 1.0]]),
                               np.array([[0.0, -1.0], [1.0, 0.0]])])
def test_defective_and_rotation_matrices(a):
    """Non-diagonalizable matrices (the eigendecomposition fails on them) and a rotation."""
    s = np.asarray(fl.sqrtm(a))
    assert np.allclose(s @ s, a, atol=1e-12) and np.allclose(s, sl.sqrtm(a), atol=1e-12)
    assert np.allclose(np.asarray(fl.logm(a)), sl.logm(a), atol=1e-12)
    assert np.allclose(sl.expm(np.asarray(fl.logm(a))), a, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_matrix_functions_dtypes_batches_vmap_jit(dtype):
    rng = _rng(f"mf{dtype}")
    a = (rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)).astype(dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for name, fn in (("sqrtm", fl.sqrtm), ("logm", fl.logm),
                     ("funm", lambda x: fl.funm(x, fnp.exp))):
        got = fn(a)
        assert got.dtype == np.result_type(dtype, np.complex64), name
        ref = {"sqrtm": sl.sqrtm, "logm": sl.logm, "funm": sl.expm}[name]
        want = np.stack([ref(m.astype(np.result_type(dtype, np.float64))) for m in a])
        assert np.allclose(np.asarray(got), want, atol=tol), name
        assert np.allclose(np.asarray(fg.vmap(fn)(a)), np.asarray(got), atol=tol), name
        assert np.allclose(np.asarray(fg.jit(fn)(a)), np.asarray(got), atol=tol), name


@pytest.mark.parametrize("name", ["sqrtm", "logm", "funm"])
@pytest.mark.parametrize("a", [np.array([[3.0, 1.0, 0.5], [0.2, 2.0, -1.0], [0.1, 0.4, 4.0]]),
                               JORDAN + 0.1 * np.tril(np.ones((3, 3)), -1)])
def test_matrix_function_derivatives(name, a):
    ref = {"sqrtm": sl.sqrtm, "logm": sl.logm, "funm": sl.expm}[name]
    fn = {"sqrtm": fl.sqrtm, "logm": fl.logm, "funm": lambda x: fl.funm(x, fnp.exp)}[name]
    e = _rng(name).standard_normal(a.shape)
    tangent = np.asarray(fg.jvp(fn, (a,), (e,))[1])
    assert np.allclose(tangent, _fd(ref, a, e), atol=1e-6)
    g = _rng(name + "g").standard_normal(a.shape)
    grad = np.asarray(fg.grad(lambda x: fnp.real(fnp.sum(fn(x) * g)))(a))
    assert np.isclose(np.sum(grad * e), np.real(np.sum(tangent * g)))
    if name != "funm":   # the Frechet derivative is the primitive itself: second order too
        h = lambda x: fg.grad(lambda y: fnp.real(fnp.sum(fn(y) * g)))(x)
        assert np.allclose(np.asarray(fg.jvp(h, (a,), (e,))[1]), _fd(h, a, e), atol=1e-5)


def test_sqrtm_derivative_at_a_defective_matrix():
    e = _rng("djordan").standard_normal((3, 3))
    tangent = np.asarray(fg.jvp(fl.sqrtm, (JORDAN,), (e,))[1])
    assert np.allclose(tangent, _fd(sl.sqrtm, JORDAN, e), atol=1e-6)


def test_funm_disp_and_error_estimates():
    a = np.array([[1.0, 2.0], [0.5, 3.0]])
    f, err = fl.funm(a, fnp.sin, disp=False)
    fs, errs = sl.funm(a, np.sin, disp=False)
    assert np.allclose(np.asarray(f), fs) and np.isclose(float(err), errs)
    l, lerr = fl.logm(a, disp=False)   # (scipy 1.17 deprecates logm's disp)
    assert np.allclose(np.asarray(l), sl.logm(a)) and float(lerr) < 1e-12
    assert fl.funm(np.zeros((0, 0)), fnp.exp).shape == (0, 0)


@pytest.mark.parametrize("call,match", [
    (lambda: fl.sqrtm(np.ones((2, 3))), "`A`"), (lambda: fl.logm(np.ones(3)), "`A`"),
    (lambda: fl.funm(np.ones((2, 3)), fnp.exp), "`A`"), (lambda: fl.schur(np.ones((2, 3))), "`a`"),
    (lambda: fl.schur(np.eye(2), "upper"), "`output`"),
    (lambda: fl.sqrtm(np.eye(2), blocksize=0), "`blocksize`")])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---- eigh type 2/3, qr_multiply -----------------------------------------------------------------

@pytest.mark.parametrize("kind", [1, 2, 3])
@pytest.mark.parametrize("n", [1, 3])
def test_generalized_eigh_types(kind, n):
    rng = _rng(f"eigh{kind}{n}")
    a = rng.standard_normal((n, n))
    a = a + a.T
    b = rng.standard_normal((n, n))
    b = b @ b.T + n * np.eye(n)
    w, v = fl.eigh(a, b, type=kind)
    ws, vs = sl.eigh(a, b, type=kind)
    assert np.allclose(np.asarray(w), ws) and np.allclose(np.abs(np.asarray(v)), np.abs(vs))
    e = rng.standard_normal((n, n))
    e = e + e.T
    f = lambda x: fl.eigh(x, b, type=kind, eigvals_only=True)
    ref = lambda x: sl.eigh(x, b, type=kind, eigvals_only=True)
    assert np.allclose(np.asarray(fg.jvp(f, (a,), (e,))[1]), _fd(ref, a, e), atol=1e-6)
    with pytest.raises(ValueError, match="`type`"):
        fl.eigh(a, b, type=4)


def _qr_multiply_cases():
    for m, n in [(4, 3), (3, 4), (3, 3), (1, 1)]:
        k = min(m, n)
        for mode, shapes in (("left", [(k,), (k, 2)]), ("right", [(m,), (2, m)])):
            for cs in shapes:
                for pivoting in (False, True):
                    yield (m, n), mode, cs, pivoting


@pytest.mark.parametrize("shape,mode,cshape,pivoting", list(_qr_multiply_cases()))
def test_qr_multiply_matches_scipy(shape, mode, cshape, pivoting):
    rng = _rng(f"qrm{shape}{mode}{cshape}")
    a, c = rng.standard_normal(shape), rng.standard_normal(cshape)
    for conjugate in (False, True):
        got = fl.qr_multiply(a, c, mode, pivoting=pivoting, conjugate=conjugate)
        want = sl.qr_multiply(a, c, mode, pivoting=pivoting, conjugate=conjugate)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert np.shape(g) == np.shape(w) and np.allclose(np.asarray(g), w)


def test_qr_multiply_derivative_and_errors():
    rng = _rng("dqrm")
    a, c, e = rng.standard_normal((4, 3)), rng.standard_normal((2, 4)), rng.standard_normal((4, 3))
    f = lambda x: fl.qr_multiply(x, c)[0]
    ref = lambda x: sl.qr_multiply(x, c)[0]
    assert np.allclose(np.asarray(fg.jvp(f, (a,), (e,))[1]), _fd(ref, a, e), atol=1e-6)
    with pytest.raises(ValueError, match="`c`"):
        fl.qr_multiply(a, np.ones((2, 3)))
    with pytest.raises(ValueError, match="`mode`"):
        fl.qr_multiply(a, c, mode="up")


# ---- special matrices ---------------------------------------------------------------------------

def _special_cases():
    for n in range(7):
        yield "hilbert", (n,), {}
        yield "invhilbert", (n,), {}
        yield "invhilbert", (n,), {"exact": True}
        yield "dft", (n,), {}
        for kind in ("symmetric", "lower", "upper"):
            for exact in (True, False):
                yield "pascal", (n,), {"kind": kind, "exact": exact}
                yield "invpascal", (n,), {"kind": kind, "exact": exact}
        if n:
            yield "dft", (n,), {"scale": "sqrtn"}
            yield "dft", (n,), {"scale": "n"}
            yield "helmert", (n,), {}
            yield "helmert", (n,), {"full": True}
    for n in (1, 2, 4, 8):
        yield "hadamard", (n,), {}
        yield "hadamard", (n,), {"dtype": float}


@pytest.mark.parametrize("name,args,kw", list(_special_cases()))
def test_special_matrices_match_scipy(name, args, kw):
    got = getattr(fl, name)(*args, **kw)
    want = getattr(sl, name)(*args, **kw)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.allclose(np.asarray(got), want)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_array_built_special_matrices(n, dtype):
    rng = _rng(f"spm{n}{dtype}")
    a = rng.standard_normal(n + 1).astype(dtype)
    cases = [("fiedler", (a[:n],)), ("fiedler", (rng.standard_normal((2, n)).astype(dtype),)),
             ("fiedler_companion", (a,))]
    if n > 1:
        cases.append(("leslie", (a[:n], a[1:n])))
        cases.append(("leslie", (rng.standard_normal((2, n)).astype(dtype), a[1:n])))
    for m in (1, 2, 4):
        for mode in ("full", "same", "valid"):
            cases.append(("convolution_matrix", (a[:m], n, mode)))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for name, args in cases:
        got = getattr(fl, name)(*args)
        want = getattr(sl, name)(*args)
        assert got.shape == want.shape and got.dtype == want.dtype, name
        assert np.allclose(np.asarray(got), want, atol=tol), name


def test_special_matrix_derivatives_and_errors():
    f = np.array([0.5, 2.0, 1.0])
    g = fg.grad(lambda s: fnp.sum(fl.leslie(f, s) ** 2))(np.array([0.2, 0.8]))
    assert np.allclose(np.asarray(g), [0.4, 1.6])
    cm = fg.jacobian(lambda a: fl.convolution_matrix(a, 2) @ np.array([1.0, 2.0]))(f)
    assert np.allclose(np.asarray(cm), sl.convolution_matrix(np.array([1.0, 2.0]), 3))
    for call, match in [(lambda: fl.hadamard(3), "power of 2"),
                        (lambda: fl.hilbert(-1), "`n`"),
                        (lambda: fl.pascal(3, kind="left"), "`kind`"),
                        (lambda: fl.dft(3, scale="m"), "`scale`"),
                        (lambda: fl.leslie(f, f), "`s`"),
                        (lambda: fl.convolution_matrix(f, 0), "`n`"),
                        (lambda: fl.convolution_matrix(f, 2, "wide"), "`mode`"),
                        (lambda: fl.fiedler_companion(np.array([0.0, 1.0, 2.0])), "`a\\[0\\]`"),
                        (lambda: fl.pascal(40), "exact=False")]:
        with pytest.raises(ValueError, match=match):
            call()


def test_a_matrix_without_a_square_root_gives_nan_quietly():
    """[[0, 1], [0, 0]] has no square root: scipy returns NaN (with a warning), funcgrad NaN
    without one (warnings are errors here)."""
    nil = np.array([[0.0, 1.0], [0.0, 0.0]])
    assert np.all(np.isnan(np.asarray(fl.sqrtm(nil))))
    assert not np.all(np.isfinite(np.asarray(fl.logm(nil))))


@pytest.mark.parametrize("a", [JORDAN, np.array([[3.0, 1.0, 0.5], [0.2, 2.0, -1.0],
                                                 [0.1, 0.4, 4.0]])])
def test_matrix_functions_match_jax(a):
    jax = pytest.importorskip("jax", reason="JAX is an oracle for sqrtm, funm and rsf2csf")
    jsl = pytest.importorskip("jax.scipy.linalg", reason="JAX is an oracle")
    with jax.enable_x64(True):
        assert np.allclose(np.asarray(fl.sqrtm(a)), np.asarray(jsl.sqrtm(a)), atol=1e-10)
        if a is not JORDAN:   # (Parlett's recurrence, in both, is meant for distinct eigenvalues)
            assert np.allclose(np.asarray(fl.funm(a, fnp.exp)),
                               np.asarray(jsl.funm(a, jax.numpy.exp)), atol=1e-10)
        t, z = sl.schur(a)
        got, want = fl.rsf2csf(t, z), jsl.rsf2csf(t, z)
        for g, w in zip(got, want):
            assert np.allclose(np.asarray(g), np.asarray(w), atol=1e-12)
