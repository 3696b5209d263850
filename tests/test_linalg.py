"""funcgrad.numpy.linalg and its primitives (funcgrad/lax/linalg_ops.py).

- values (shapes, dtypes) equal numpy.linalg's on hypothesis-drawn well-conditioned matrices:
  SPD (B B^T + n I), diagonally dominant, rectangular, stacked (size-0 stacks included);
- jvp and vjp equal central finite differences in float64 and transpose each other; second
  derivatives for the decompositions (grad of grad of logdet among them);
- vmap equals a Python loop (the batch axis also among the matrix axes); jit equals eager;
- gradients equal torch.linalg's (the torch fixture skips without torch), for losses invariant
  to the sign of eigenvectors and singular vectors;
- norm for every ord numpy has, lstsq, pinv, matrix_power, multi_dot, matrix_rank, cond;
- bad input raises numpy's error types with a message that says what to do.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.lax import linalg_ops as L

from _gradcheck import check_jvp, check_second_order, check_transpose, check_vjp

la = fnp.linalg
F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


# ---- structured matrices from unconstrained parameters (numpy and funcgrad alike) --------------

def mT(x):
    return np.swapaxes(x, -1, -2) if isinstance(x, np.ndarray) else fnp.swapaxes(x, -1, -2)


def spd(b):
    """B B^T + n I: symmetric positive definite, eigenvalues >= n."""
    n = b.shape[-1]
    if isinstance(b, np.ndarray):
        return b @ np.swapaxes(b, -1, -2) + n * np.eye(n, dtype=b.dtype)
    return b @ fnp.swapaxes(b, -1, -2) + n * fnp.eye(n, dtype=b.dtype)


def dominant(b):
    """b + 4 n I: diagonally dominant for entries in [-3, 3], so well conditioned."""
    n = b.shape[-1]
    eye = np.eye(n, dtype=b.dtype) if isinstance(b, np.ndarray) else fnp.eye(n, dtype=b.dtype)
    return b + 4 * n * eye


def _gaps_ok(w, tol=0.2):
    w = np.sort(np.asarray(w), axis=-1)
    return w.shape[-1] < 2 or bool(np.all(np.diff(w, axis=-1) > tol))


def eig_loss_outputs(w, v):
    """Eigenvalues and sign-invariant eigenvector products v_ij v_0j."""
    return w, v * v[..., :1, :]


def svd_outputs(u, s, vh):
    return s, u * u[..., :1, :], vh * vh[..., :, :1]


def qr_outputs(q, r):
    """q and r with the signs of r's diagonal made positive (a unique factorization)."""
    d = fnp.sign(fnp.diagonal(r, axis1=-2, axis2=-1))
    return q * d[..., None, :], r * d[..., :, None]


# ---- drawing cases -------------------------------------------------------------------------------

@st.composite
def case(draw, kind, min_n=1, max_n=4, min_lead=1):
    """(args as float64 numpy arrays, seed) for a function family `kind`."""
    lead = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=min_lead, max_side=2))
    n = draw(st.integers(min_n, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    if kind == "square":
        return [rng.uniform(-3, 3, lead + (n, n))], rng
    if kind == "rhs":
        k = draw(st.integers(1, 3))
        return [rng.uniform(-3, 3, lead + (n, n)), rng.uniform(-3, 3, lead + (n, k))], rng
    if kind == "rect":
        m = draw(st.integers(min_n, max_n))
        return [rng.uniform(-3, 3, lead + (m, n))], rng
    raise ValueError(kind)


# name: (funcgrad function of the parameters, numpy reference, kind). Values are compared for
# both float dtypes; derivatives (float64) use the `DERIV` functions below.
VALUES = {
    "inv": (lambda b: la.inv(dominant(b)), lambda b: np.linalg.inv(dominant(b)), "square"),
    "solve": (lambda a, b: la.solve(dominant(a), b), lambda a, b: np.linalg.solve(dominant(a), b),
              "rhs"),
    "det": (lambda b: la.det(b), np.linalg.det, "square"),
    "slogdet": (lambda b: tuple(la.slogdet(b)), lambda b: tuple(np.linalg.slogdet(b)), "square"),
    "cholesky": (lambda b: la.cholesky(spd(b)), lambda b: np.linalg.cholesky(spd(b)), "square"),
    "cholesky_upper": (lambda b: la.cholesky(spd(b), upper=True),
                       lambda b: np.linalg.cholesky(spd(b), upper=True), "square"),
    "eigh": (lambda b: tuple(la.eigh(spd(b))), lambda b: tuple(np.linalg.eigh(spd(b))), "square"),
    "eigh_U": (lambda b: tuple(la.eigh(b, UPLO="U")), lambda b: tuple(np.linalg.eigh(b, "U")),
               "square"),
    "eigvalsh": (lambda b: la.eigvalsh(b), np.linalg.eigvalsh, "square"),
    "svd": (lambda a: tuple(la.svd(a, full_matrices=False)),
            lambda a: tuple(np.linalg.svd(a, full_matrices=False)), "rect"),
    "svd_full": (lambda a: tuple(la.svd(a)), lambda a: tuple(np.linalg.svd(a)), "rect"),
    "svdvals": (lambda a: la.svd(a, compute_uv=False),
                lambda a: np.linalg.svd(a, compute_uv=False), "rect"),
    "svd_hermitian": (lambda b: tuple(la.svd(b + mT(b), hermitian=True)),
                      lambda b: tuple(np.linalg.svd(b + mT(b), hermitian=True)), "square"),
    "qr": (lambda a: tuple(la.qr(a)), lambda a: tuple(np.linalg.qr(a)), "rect"),
    "qr_complete": (lambda a: tuple(la.qr(a, "complete")),
                    lambda a: tuple(np.linalg.qr(a, "complete")), "rect"),
    "qr_r": (lambda a: la.qr(a, "r"), lambda a: np.linalg.qr(a, "r"), "rect"),
    "pinv": (lambda a: la.pinv(a), lambda a: np.linalg.pinv(a), "rect"),
    "matrix_power": (lambda b: la.matrix_power(b, 5), lambda b: np.linalg.matrix_power(b, 5),
                     "square"),
    "matrix_power_neg": (lambda b: la.matrix_power(dominant(b), -2),
                         lambda b: np.linalg.matrix_power(dominant(b), -2), "square"),
    "norm_fro": (lambda a: la.norm(a, axis=(-2, -1)), lambda a: np.linalg.norm(a, axis=(-2, -1)),
                 "rect"),
    "norm_2": (lambda a: la.norm(a, 2, axis=(-2, -1)),
               lambda a: np.linalg.norm(a, 2, axis=(-2, -1)), "rect"),
    "cond": (lambda b: la.cond(dominant(b)), lambda b: np.linalg.cond(dominant(b)), "square"),
}


def _assert_like_numpy(got, want, dtype):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    tol = 1e-4 if dtype == F32 else 1e-10
    for g, w in zip(got, want):
        w = np.asarray(w)
        assert isinstance(g, fg.Array)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
        np.testing.assert_allclose(np.asarray(g), w, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(VALUES))
@settings(max_examples=20)
@given(data=st.data())
def test_values_match_numpy(name, data):
    f, ref, kind = VALUES[name]
    args, _ = data.draw(case(kind, min_n=0, min_lead=0))
    dtype = data.draw(st.sampled_from([F64, F32]))
    args = [a.astype(dtype) for a in args]
    if name == "cond" and any(a.size == 0 for a in args):
        return
    want = ref(*args)
    got = f(*[fg.Array(a) for a in args])
    _assert_like_numpy(got, want, dtype)


# ---- derivatives ---------------------------------------------------------------------------------

def _spd_gaps(b):
    return _gaps_ok(np.linalg.eigvalsh(spd(b)))


def _svd_ok(a):
    s = np.linalg.svd(a, compute_uv=False)
    return s.size == 0 or (_gaps_ok(s) and s.min() > 0.2)


def _qr_ok(a):
    r = np.linalg.qr(a, "r")
    return bool(np.all(np.abs(np.diagonal(r, axis1=-2, axis2=-1)) > 0.2))


def _cond_ok(b):
    return bool(np.all(np.linalg.cond(b) < 100))


# name: (f of float64 parameters -> real outputs, kind, valid(args) or None, second order?)
DERIV = {
    "inv": (lambda b: la.inv(dominant(b)), "square", None, True),
    "solve": (lambda a, b: la.solve(dominant(a), b), "rhs", None, True),
    "solve_vector_b": (lambda a, b: la.solve(dominant(a),
                                             b[(0,) * (b.ndim - 2) + (slice(None), 0)]),
                       "rhs", None, False),
    "det": (lambda b: la.det(b), "square", lambda b: _cond_ok(b), True),
    "slogdet": (lambda b: la.slogdet(b).logabsdet, "square", lambda b: _cond_ok(b), True),
    "cholesky": (lambda b: la.cholesky(spd(b)), "square", None, True),
    "cholesky_upper": (lambda b: la.cholesky(spd(b), upper=True), "square", None, False),
    "eigh": (lambda b: eig_loss_outputs(*la.eigh(spd(b))), "square", _spd_gaps, True),
    "eigh_U": (lambda b: eig_loss_outputs(*la.eigh(spd(b), "U")), "square", _spd_gaps, False),
    "svd": (lambda a: svd_outputs(*la.svd(a, full_matrices=False)), "rect", _svd_ok, True),
    "svdvals": (lambda a: la.svd(a, compute_uv=False), "rect", _svd_ok, True),
    "qr": (lambda a: qr_outputs(*la.qr(a)), "rect", _qr_ok, True),
    "pinv": (lambda a: la.pinv(a), "rect", _svd_ok, False),
    "lstsq": (lambda a: la.lstsq(a, a[..., :1] * 2.0 + 1.0)[0], "rect",
              lambda a: a.ndim == 2 and _svd_ok(a), False),
    "matrix_power": (lambda b: la.matrix_power(dominant(b) / 8, -3), "square", None, False),
    "triangular_solve": (lambda a, b: L.triangular_solve(dominant(a), b, lower=False,
                                                         transpose_a=True), "rhs", None, True),
}


@pytest.mark.parametrize("name", sorted(DERIV))
@settings(max_examples=20)
@given(data=st.data())
def test_derivatives_match_finite_differences(name, data):
    f, kind, valid, _ = DERIV[name]
    args, rng = data.draw(case(kind, max_n=3))
    assume(valid is None or valid(*args))
    check_jvp(f, args, rng)
    check_vjp(f, args, rng)
    check_transpose(f, args, rng)


@pytest.mark.parametrize("name", sorted(n for n, v in DERIV.items() if v[3]))
@settings(max_examples=6)
@given(data=st.data())
def test_second_derivatives_match_finite_differences(name, data):
    f, kind, valid, _ = DERIV[name]
    args, rng = data.draw(case(kind, max_n=3, min_lead=1))
    assume(valid is None or valid(*args))
    check_second_order(f, args, rng)


def test_grad_of_grad_of_logdet():
    """d/dA logdet(A) = A^-T; its derivative in direction E is -A^-T E^T A^-T."""
    rng = np.random.default_rng(0)
    a = spd(rng.standard_normal((3, 3)))
    e = rng.standard_normal((3, 3))

    def g(a):
        return fnp.sum(fg.grad(lambda a: la.slogdet(a).logabsdet)(a) * e)
    got = fg.grad(g)(fg.Array(a))
    ainv = np.linalg.inv(a)
    np.testing.assert_allclose(np.asarray(got), -ainv.T @ e.T @ ainv.T, rtol=1e-10)
    np.testing.assert_allclose(np.asarray(fg.grad(lambda a: la.slogdet(a)[1])(fg.Array(a))),
                               ainv.T, rtol=1e-10)
    hess = fg.hessian(lambda a: la.slogdet(a)[1])(fg.Array(a))
    np.testing.assert_allclose(np.asarray(hess), -np.einsum("li,jk->ijkl", ainv, ainv),
                               rtol=1e-9, atol=1e-12)


def test_complex_solve_inv_det_differentiate_as_jax_does():
    """The holomorphic rules on complex matrices, through real parameters (re, im)."""
    rng = np.random.default_rng(1)
    args = [rng.standard_normal((3, 3)), rng.standard_normal((3, 3)), rng.standard_normal((3, 2))]

    def f(re, im, b):
        z = dominant(re) + 1j * im
        x = la.solve(z, b) + la.inv(z) @ b * 0.5
        d = la.det(z)
        return fnp.real(x), fnp.imag(x), fnp.real(d), fnp.imag(d)
    check_jvp(f, args, rng)
    check_vjp(f, args, rng)
    check_transpose(f, args, rng)


def test_cholesky_and_eigh_gradients_follow_the_triangle_read():
    """numpy's cholesky and eigh read one triangle of their input (UPLO): the gradient lives on
    that triangle and equals the derivative of numpy's function in every direction,
    symmetric or not (issue 19; JAX and PyTorch instead symmetrize)."""
    rng = np.random.default_rng(2)
    a = spd(rng.standard_normal((4, 4)))
    w = rng.standard_normal((4, 4))
    for f, upper in ((lambda a: fnp.sum(la.cholesky(a) * w), False),
                     (lambda a: fnp.sum(la.eigh(a)[0] ** 3), False),
                     (lambda a: fnp.sum(la.eigh(a, UPLO="U")[0] ** 3), True)):
        g = np.asarray(fg.grad(f)(fg.Array(a)))
        np.testing.assert_array_equal(np.tril(g, -1) if upper else np.triu(g, 1), 0)
        e = rng.standard_normal((4, 4))
        for direction in (e, e + e.T):
            fd = (float(f(fg.Array(a + 1e-6 * direction)))
                  - float(f(fg.Array(a - 1e-6 * direction)))) / 2e-6
            assert abs(np.sum(g * direction) - fd) < 1e-6 * (1 + abs(fd))


# ---- transforms: vmap, jit -----------------------------------------------------------------------

VMAP = {
    "inv": (lambda b: la.inv(dominant(b)), "square"),
    "solve": (lambda a, b: la.solve(dominant(a), b), "rhs"),
    "det": (lambda b: la.det(dominant(b)), "square"),
    "slogdet": (lambda b: tuple(la.slogdet(b)), "square"),
    "cholesky": (lambda b: la.cholesky(spd(b)), "square"),
    "eigh": (lambda b: eig_loss_outputs(*la.eigh(spd(b))), "square"),
    "svd": (lambda a: svd_outputs(*la.svd(a, full_matrices=False)), "rect"),
    "qr": (lambda a: qr_outputs(*la.qr(a)), "rect"),
    "triangular_solve": (lambda a, b: L.triangular_solve(dominant(a), b), "rhs"),
    "pinv": (lambda a: la.pinv(a), "rect"),
    "norm_nuc": (lambda a: la.norm(a, "nuc", axis=(-2, -1)), "rect"),
}


def _close(got, want, tol=1e-10):
    for g, w in zip(fg.tree.tree_leaves(got), fg.tree.tree_leaves(want)):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(VMAP))
@settings(max_examples=12)
@given(data=st.data())
def test_vmap_equals_a_loop(name, data):
    f, kind = VMAP[name]
    args, rng = data.draw(case(kind, max_n=3, min_lead=1))
    size = data.draw(st.integers(1, 3))
    axes = [data.draw(st.none() | st.integers(-a.ndim - 1, a.ndim)) for a in args]
    if all(ax is None for ax in axes):
        axes[0] = 0
    stacked = [a if ax is None else np.stack([rng.uniform(-3, 3, a.shape) for _ in range(size)],
                                             axis=ax) for a, ax in zip(args, axes)]
    got = fg.vmap(f, in_axes=tuple(axes))(*[fg.Array(a) for a in stacked])
    parts = [f(*[fg.Array(a if ax is None else np.take(a, i, axis=ax))
                 for a, ax in zip(stacked, axes)]) for i in range(size)]
    want = fg.tree.tree_map(lambda *xs: np.stack([np.asarray(x) for x in xs]), *parts)
    _close(got, want)


def test_vmap_of_solve_with_a_shared_matrix_solves_once():
    """Only b batched: the batch becomes more columns of one solve (one factorization)."""
    rng = np.random.default_rng(3)
    a, b = dominant(rng.standard_normal((3, 3))), rng.standard_normal((5, 3, 2))
    closed = fg.make_jaxpr(fg.vmap(lambda b: la.solve(fg.Array(a), b)))(fg.Array(b))
    solves = [e for e in closed.jaxpr.eqns if e.prim.name == "solve"]
    assert len(solves) == 1 and solves[0].invars[0].aval.shape == (3, 3)
    got = fg.vmap(lambda b: la.solve(fg.Array(a), b))(fg.Array(b))
    np.testing.assert_allclose(np.asarray(got), np.linalg.solve(a, b), rtol=1e-12)


def test_per_example_gradients_through_decompositions():
    rng = np.random.default_rng(4)
    bs = rng.standard_normal((4, 3, 3))

    def loss(b):
        w, v = la.eigh(spd(b))
        return la.slogdet(spd(b))[1] + fnp.sum(w * fnp.sum(v ** 2 * fnp.arange(3.0), axis=0)) \
            + fnp.sum(la.cholesky(spd(b))) + fnp.sum(la.inv(dominant(b)))
    got = fg.vmap(fg.grad(loss))(fg.Array(bs))
    want = np.stack([np.asarray(fg.grad(loss)(fg.Array(b))) for b in bs])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(VMAP))
def test_jit_equals_eager(name):
    f, kind = VMAP[name]
    rng = np.random.default_rng(5)
    args = _fixed_args(kind, rng)
    xs = [fg.Array(a) for a in args]
    _close(fg.jit(f)(*xs), f(*xs), tol=1e-12)

    def loss(*xs):
        return sum(fnp.sum(o * o) for o in fg.tree.tree_leaves(f(*xs)))
    _close(fg.jit(fg.grad(loss))(*xs), fg.grad(loss)(*xs), tol=1e-10)


def _fixed_args(kind, rng):
    if kind == "square":
        return [rng.uniform(-3, 3, (2, 3, 3))]
    if kind == "rhs":
        return [rng.uniform(-3, 3, (2, 3, 3)), rng.uniform(-3, 3, (2, 3, 2))]
    return [rng.uniform(-3, 3, (2, 4, 3))]


# ---- norms, lstsq, pinv, multi_dot, matrix_rank --------------------------------------------------

VECTOR_ORDS = [None, 2, 1, np.inf, -np.inf, 0, 3, 0.5, -1, -2]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


@settings(max_examples=15)
@given(data=st.data())
def test_norm_matches_numpy(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    x = rng.uniform(-3, 3, shape)
    x[rng.random(shape) < 0.2] = 0.0
    keepdims = data.draw(st.booleans())
    nd = len(shape)
    axis = data.draw(st.sampled_from([None] + list(range(-nd, nd)) + (
        [(0, nd - 1), (nd - 1, 0), (-2, -1)] if nd >= 2 else [])))
    if axis is None or isinstance(axis, tuple):
        if axis is None and nd > 2:
            ords = [None]
        else:
            ords = MATRIX_ORDS if (axis is not None or nd == 2) else VECTOR_ORDS
    else:
        ords = VECTOR_ORDS
    ord = data.draw(st.sampled_from(ords))
    with np.errstate(divide="ignore"):
        want = np.linalg.norm(x, ord, axis, keepdims)
        got = la.norm(fg.Array(x), ord, axis, keepdims)
    assert got.shape == np.shape(want) and got.dtype == np.asarray(want).dtype
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("ord", [None, 2, 1, np.inf, -np.inf, 3, 0.5])
def test_vector_norm_derivatives(ord):
    rng = np.random.default_rng(6)
    x = rng.uniform(0.5, 2, (2, 5)) * rng.choice([-1, 1], (2, 5))
    x[0, 1] = 3.0  # a unique maximum, a unique minimum
    x[1, 2] = 0.1
    f = lambda x: la.norm(x, ord, axis=-1)  # noqa: E731
    check_jvp(f, [x], rng)
    check_vjp(f, [x], rng)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_derivatives(ord):
    rng = np.random.default_rng(7)
    x = rng.uniform(-3, 3, (2, 4, 3))
    f = lambda x: la.norm(x, ord, axis=(1, 2), keepdims=True)  # noqa: E731
    check_jvp(f, [x], rng)
    check_vjp(f, [x], rng)


def test_vector_and_matrix_norm_and_numpy2_helpers():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 3, 4))
    X = fg.Array(x)
    np.testing.assert_allclose(np.asarray(la.vector_norm(X, axis=(0, 2), keepdims=True, ord=3)),
                               np.linalg.vector_norm(x, axis=(0, 2), keepdims=True, ord=3))
    np.testing.assert_allclose(np.asarray(la.vector_norm(X)), np.linalg.vector_norm(x))
    np.testing.assert_allclose(np.asarray(la.matrix_norm(X, ord="nuc")),
                               np.linalg.matrix_norm(x, ord="nuc"))
    np.testing.assert_array_equal(np.asarray(la.matrix_transpose(X)), np.linalg.matrix_transpose(x))
    np.testing.assert_allclose(np.asarray(la.trace(X)), np.linalg.trace(x))
    np.testing.assert_allclose(np.asarray(la.diagonal(X, offset=1)),
                               np.linalg.diagonal(x, offset=1))
    np.testing.assert_allclose(np.asarray(la.svdvals(X)), np.linalg.svdvals(x))
    np.testing.assert_allclose(np.asarray(la.matmul(X, mT(X))), x @ np.swapaxes(x, -1, -2))


@pytest.mark.parametrize("shape_b", [(5,), (5, 2), (5, 0)])
@pytest.mark.parametrize("dtype", [F64, F32])
def test_lstsq_matches_numpy(shape_b, dtype):
    rng = np.random.default_rng(9)
    a = rng.standard_normal((5, 3)).astype(dtype)
    b = rng.standard_normal(shape_b).astype(dtype)
    want = np.linalg.lstsq(a, b)
    got = la.lstsq(fg.Array(a), fg.Array(b))
    tol = 1e-4 if dtype == F32 else 1e-10
    for g, w in zip(got[:2] + got[3:], want[:2] + want[3:]):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(np.asarray(g), w, rtol=tol, atol=tol)
    assert got[2] == want[2] and type(got[2]) is type(want[2])


def test_lstsq_rank_deficient_and_wide():
    rng = np.random.default_rng(10)
    a = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 5))  # rank 2, wide
    b = rng.standard_normal((4, 3))
    want, got = np.linalg.lstsq(a, b), la.lstsq(fg.Array(a), fg.Array(b))
    np.testing.assert_allclose(np.asarray(got[0]), want[0], rtol=1e-9, atol=1e-10)
    assert got[1].shape == want[1].shape == (0,) and got[2] == want[2] == 2
    np.testing.assert_allclose(np.asarray(got[3]), want[3], atol=1e-12)
    # residuals of an overdetermined full-rank problem differentiate too
    a2 = rng.standard_normal((6, 3))
    check_vjp(lambda a, b: la.lstsq(a, b)[1], [a2, rng.standard_normal((6, 2))], rng)


def test_pinv_rank_deficient_rcond_rtol_and_hermitian():
    rng = np.random.default_rng(11)
    a = rng.standard_normal((2, 4, 2)) @ rng.standard_normal((2, 2, 3))  # rank 2 of (4, 3)
    A = fg.Array(a)
    np.testing.assert_allclose(np.asarray(la.pinv(A)), np.linalg.pinv(a), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(np.asarray(la.pinv(A, rtol=None)), np.linalg.pinv(a, rtol=None),
                               rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(np.asarray(la.pinv(A, rcond=[0.5, 1e-3])),
                               np.linalg.pinv(a, rcond=np.array([0.5, 1e-3])), rtol=1e-9,
                               atol=1e-10)
    s = spd(rng.standard_normal((3, 3))) - 4 * np.eye(3)
    np.testing.assert_allclose(np.asarray(la.pinv(fg.Array(s), hermitian=True)),
                               np.linalg.pinv(s, hermitian=True), rtol=1e-9)
    with pytest.raises(ValueError, match="can't be both set"):
        la.pinv(A, rcond=0.1, rtol=0.1)


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 3, 4, 7])
def test_matrix_power_matches_numpy(n):
    rng = np.random.default_rng(12)
    a = dominant(rng.uniform(-3, 3, (2, 3, 3))) / 10
    np.testing.assert_allclose(np.asarray(la.matrix_power(fg.Array(a), n)),
                               np.linalg.matrix_power(a, n), rtol=1e-12, atol=1e-14)
    ai = rng.integers(-2, 3, (3, 3))
    got = la.matrix_power(fg.Array(ai), 3)
    assert got.dtype == ai.dtype
    np.testing.assert_array_equal(np.asarray(got), np.linalg.matrix_power(ai, 3))


@pytest.mark.parametrize("shapes", [[(3,), (3, 4), (4,)], [(2, 3), (3, 4), (4, 5), (5, 1)],
                                    [(10, 2), (2, 8), (8, 3), (3, 6), (6,)], [(3,), (3,)]])
def test_multi_dot_matches_numpy(shapes):
    rng = np.random.default_rng(13)
    xs = [rng.standard_normal(s) for s in shapes]
    got = la.multi_dot([fg.Array(x) for x in xs])
    want = np.linalg.multi_dot(xs)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)
    check_vjp(lambda *xs: la.multi_dot(list(xs)), xs, rng)


def test_matrix_rank_and_lstsq_trace():
    rng = np.random.default_rng(14)
    a = rng.standard_normal((2, 4, 2)) @ rng.standard_normal((2, 2, 5))
    got = la.matrix_rank(fg.Array(a))
    np.testing.assert_array_equal(np.asarray(got), np.linalg.matrix_rank(a))
    assert int(la.matrix_rank(fg.Array(np.eye(3)), tol=0.5)) == 3
    # concrete under grad (the value is known); traced under jit, as JAX's (issue 19)
    fg.grad(lambda x: fnp.sum(x) * int(la.matrix_rank(x[0])))(fg.Array(a))
    np.testing.assert_array_equal(fg.jit(lambda x: la.matrix_rank(x))(fg.Array(a)),
                                  np.linalg.matrix_rank(a))
    np.testing.assert_allclose(
        fg.jit(lambda a, b: la.lstsq(a, b)[0])(fg.Array(a[0].T), fg.Array(a[0, 0])),
        np.linalg.lstsq(a[0].T, a[0, 0])[0], atol=1e-10)


# ---- the PyTorch oracle --------------------------------------------------------------------------

def _torch_spd(T, b):
    n = b.shape[-1]
    return b @ b.mT + n * T.eye(n, dtype=b.dtype)


def _torch_dominant(T, b):
    return b + 4 * b.shape[-1] * T.eye(b.shape[-1], dtype=b.dtype)


# name: (funcgrad loss terms, torch loss terms, kind, valid); each returns a list of arrays that
# enter sum(term * weight).
ORACLE = {
    "inv": (lambda b: [la.inv(dominant(b))], lambda T, b: [T.linalg.inv(_torch_dominant(T, b))],
            "square", None),
    "solve": (lambda a, b: [la.solve(dominant(a), b)],
              lambda T, a, b: [T.linalg.solve(_torch_dominant(T, a), b)], "rhs", None),
    "det": (lambda b: [la.det(b)], lambda T, b: [T.linalg.det(b)], "square", _cond_ok),
    "slogdet": (lambda b: [la.slogdet(b)[1]], lambda T, b: [T.linalg.slogdet(b)[1]], "square",
                _cond_ok),
    "cholesky": (lambda b: [la.cholesky(spd(b))],
                 lambda T, b: [T.linalg.cholesky(_torch_spd(T, b))], "square", None),
    "eigh": (lambda b: list(eig_loss_outputs(*la.eigh(spd(b)))),
             lambda T, b: list(eig_loss_outputs(*T.linalg.eigh(_torch_spd(T, b)))), "square",
             _spd_gaps),
    "svd": (lambda a: list(svd_outputs(*la.svd(a, full_matrices=False))),
            lambda T, a: list(svd_outputs(*T.linalg.svd(a, full_matrices=False))), "rect",
            _svd_ok),
    "qr": (lambda a: list(la.qr(a)), lambda T, a: list(T.linalg.qr(a)), "rect", _qr_ok),
    "pinv": (lambda a: [la.pinv(a)], lambda T, a: [T.linalg.pinv(a)], "rect", _svd_ok),
    "norm": (lambda a: [la.norm(a, o, axis=(-2, -1)) for o in ("fro", "nuc", 1, -1, 2, -2, np.inf)]
             + [la.norm(a, o, axis=-1) for o in (None, 1, 3, np.inf, -np.inf)],
             lambda T, a: [T.linalg.norm(a, o, dim=(-2, -1)) for o in
                           ("fro", "nuc", 1, -1, 2, -2, np.inf)]
             + [T.linalg.norm(a, o, dim=-1) for o in (None, 1, 3, np.inf, -np.inf)], "rect",
             _svd_ok),
}


@pytest.mark.parametrize("name", sorted(ORACLE))
def test_gradients_match_torch(name, torch):
    f, tf, kind, valid = ORACLE[name]

    @settings(max_examples=12, database=None)
    @given(data=st.data())
    def run(data):
        args, rng = data.draw(case(kind, max_n=3))
        assume(valid is None or valid(*args))
        outs = f(*[fg.Array(a) for a in args])
        ws = [rng.standard_normal(np.shape(o)) for o in outs]

        def loss(*xs):
            return sum(fnp.sum(o * w) for o, w in zip(f(*xs), ws))
        grads = fg.grad(loss, argnums=tuple(range(len(args))))(*[fg.Array(a) for a in args])
        targs = [torch.tensor(a, requires_grad=True) for a in args]
        touts = tf(torch, *targs)
        for o, t in zip(outs, touts):
            np.testing.assert_allclose(np.asarray(o), t.detach().numpy(), rtol=1e-9, atol=1e-10)
        sum((t * torch.tensor(w)).sum() for t, w in zip(touts, ws)).backward()
        for g, t in zip(grads, targs):
            np.testing.assert_allclose(np.asarray(g), t.grad.numpy(), rtol=1e-8, atol=1e-9)
    run()


# ---- errors --------------------------------------------------------------------------------------

def test_errors_are_numpys_with_a_fix():
    sq = fg.Array(np.ones((2, 3)))
    for fn in (la.inv, la.det, la.slogdet, la.cholesky, la.eigh, la.eigvalsh):
        with pytest.raises(np.linalg.LinAlgError, match="must be square"):
            fn(sq)
    with pytest.raises(np.linalg.LinAlgError, match="at least two-dimensional"):
        la.inv(fg.Array(np.ones(3)))
    with pytest.raises(fg.ShapeError, match="must be square"):  # also funcgrad's ShapeError
        la.inv(sq)
    with pytest.raises(ValueError, match="mismatch in its core dimension"):
        la.solve(fg.Array(np.eye(3)), fg.Array(np.ones(2)))
    with pytest.raises(ValueError, match="mismatch in its core dimension"):
        la.solve(fg.Array(np.eye(3)), fg.Array(np.ones((2, 2))))
    with pytest.raises(TypeError, match="float16 is unsupported in linalg"):
        la.inv(fg.Array(np.eye(2, dtype=np.float16)))
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        la.inv(fg.Array(np.zeros((2, 2))))
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        la.cholesky(fg.Array(-np.eye(2)))
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        fg.jit(la.cholesky)(fg.Array(-np.eye(2)))
    with pytest.raises(np.linalg.LinAlgError, match="Incompatible dimensions"):
        la.lstsq(fg.Array(np.ones((3, 2))), fg.Array(np.ones(4)))
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        la.lstsq(fg.Array(np.ones((2, 3, 2))), fg.Array(np.ones(3)))
    with pytest.raises(TypeError, match="exponent must be an integer"):
        la.matrix_power(fg.Array(np.eye(2)), 1.5)
    with pytest.raises(ValueError, match="UPLO"):
        la.eigh(fg.Array(np.eye(2)), UPLO="X")
    with pytest.raises(ValueError, match="Unrecognized mode"):
        la.qr(fg.Array(np.eye(2)), mode="bad")
    with pytest.raises(NotImplementedError, match="reduced"):
        la.qr(fg.Array(np.eye(2)), mode="raw")
    with pytest.raises(ValueError, match="Invalid norm order 'fro' for vectors"):
        la.norm(fg.Array(np.ones(3)), "fro")
    with pytest.raises(ValueError, match="Invalid norm order for matrices"):
        la.norm(fg.Array(np.ones((3, 3))), 3)
    with pytest.raises(ValueError, match="Improper number of dimensions"):
        la.norm(fg.Array(np.ones((2, 2, 2))), 1)
    with pytest.raises(ValueError, match="Duplicate axes"):
        la.norm(fg.Array(np.ones((2, 2))), axis=(0, 0))
    with pytest.raises(ValueError, match="at least two arrays"):
        la.multi_dot([fg.Array(np.ones(2))])
    with pytest.raises(np.linalg.LinAlgError, match="must be square"):  # abstract: under jit
        fg.jit(la.inv)(sq)


def test_derivatives_that_do_not_exist_say_so():
    rng = np.random.default_rng(15)
    tall = fg.Array(rng.standard_normal((4, 2)))
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        fg.grad(lambda a: fnp.sum(la.svd(a)[0]))(tall)
    with pytest.raises(NotImplementedError, match="mode='reduced'"):
        fg.grad(lambda a: fnp.sum(la.qr(a, "complete")[0]))(tall)
    # complex eigh differentiates (issue 19): its eigenvalues' gradient is real on the diagonal
    z = fg.Array(spd(rng.standard_normal((2, 2))) + 0j)
    g = np.asarray(fg.grad(lambda z: fnp.sum(la.eigh(z)[0]))(z))
    np.testing.assert_allclose(g, np.eye(2), atol=1e-12)
    # the square complete QR and svd do differentiate
    sq = rng.standard_normal((3, 3))
    check_vjp(lambda a: qr_outputs(*la.qr(a, "complete")), [sq], rng)
    check_vjp(lambda a: svd_outputs(*la.svd(a)), [sq], rng)


def test_primitives_have_clear_shape_rules():
    rng = np.random.default_rng(16)
    a = fg.Array(rng.standard_normal((2, 3, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="same leading axes"):
        L.solve(a, fg.Array(np.ones((3, 3, 1))))
    with pytest.raises(TypeError, match="float32, float64"):
        fg.jit(L.inv)(fg.Array(np.eye(2, dtype=np.int64)))
    closed = fg.make_jaxpr(lambda a: L.svd(a))(fg.Array(np.ones((2, 5, 3))))
    assert [v.shape for v in closed.out_avals] == [(2, 5, 3), (2, 3), (2, 3, 3)]
    closed = fg.make_jaxpr(lambda a: L.qr(a, full_matrices=True))(fg.Array(np.ones((5, 3))))
    assert [v.shape for v in closed.out_avals] == [(5, 5), (5, 3)]
