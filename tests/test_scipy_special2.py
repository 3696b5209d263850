"""The second batch of funcgrad.scipy.special (dawsn, fresnel, sici, owens_t, wofz, bessel_jn)
against scipy.special (values: float64 to ~1e-12 relative, float32 to its rounding) and JAX
(derivative conventions), derivatives by finite differences to second order, vmap against a loop,
jit against eager, bad input as JAX."""
from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
from funcgrad.scipy import special as fs
from _gradcheck import check_jvp, check_second_order, check_vjp

S = pytest.importorskip("scipy.special", reason="scipy is the value oracle: pip install scipy")


def _bessel_jn_ref(z):
    return np.stack([S.jv(k, z) for k in range(4)])


# name -> (funcgrad function, scipy function, argument domains, relative tolerance in float64)
CASES = {
    "dawsn": (fs.dawsn, S.dawsn, [(-30.0, 30.0)], 1e-12),
    "fresnel_s": (lambda x: fs.fresnel(x)[0], lambda x: S.fresnel(x)[0], [(-8.0, 8.0)], 1e-12),
    "fresnel_c": (lambda x: fs.fresnel(x)[1], lambda x: S.fresnel(x)[1], [(-8.0, 8.0)], 1e-12),
    "si": (lambda x: fs.sici(x)[0], lambda x: S.sici(x)[0], [(-40.0, 40.0)], 1e-12),
    # Ci has zeros (0.616, 3.38, ...): relative accuracy there is the function's condition
    "ci": (lambda x: fs.sici(x)[1], lambda x: S.sici(x)[1], [(0.05, 40.0)], 1e-9),
    "owens_t": (fs.owens_t, S.owens_t, [(-6.0, 6.0), (-4.0, 4.0)], 1e-12),
    "wofz": (fs.wofz, S.wofz, [(-12.0, 12.0)], 1e-12),
    "bessel_jn": (lambda z: fs.bessel_jn(z, v=3), _bessel_jn_ref, [(0.5, 20.0)], 1e-10),
    # x < 0 with b - a < 0 sums a series that alternates for its first a - b terms
    "hyp1f1": (fs.hyp1f1, S.hyp1f1, [(0.1, 8.0), (0.1, 8.0), (-20.0, 30.0)], 5e-12),
    # Pfaff's transformation then the connection formula: scipy itself is ~1e-11 off there
    "hyp2f1": (fs.hyp2f1, S.hyp2f1, [(0.1, 5.0), (0.1, 5.0), (0.1, 8.0), (-20.0, 0.999)], 1e-10),
}


def _args(rng, domains, shape, dtype):
    return [rng.uniform(lo, hi, shape).astype(dtype) for lo, hi in domains]


@pytest.mark.parametrize("name", sorted(CASES))
@given(shape=st.sampled_from([(), (0,), (1,), (7,), (2, 3)]),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**31))
def test_values_match_scipy(name, shape, dtype, seed):
    f, ref, domains, rtol = CASES[name]
    args = _args(np.random.default_rng(seed), domains, shape, dtype)
    got = f(*[fg.numpy.asarray(a) for a in args])
    want = ref(*[a.astype(np.float64) for a in args])
    want_dtype = (np.complex64 if dtype == np.float32 else np.complex128) if name == "wofz" \
        else dtype
    assert got.shape == want.shape and got.dtype == want_dtype, (got.shape, got.dtype)
    tol = rtol if dtype == np.float64 else 3e-5
    np.testing.assert_allclose(np.asarray(got).astype(want.dtype), want, rtol=tol,
                               atol=1e-300 if dtype == np.float64 else 1e-6)


@given(seed=st.integers(0, 2**31), scale=st.sampled_from([0.1, 1.0, 5.0, 30.0]))
def test_wofz_complex_plane(seed, scale):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal(16) + 1j * rng.standard_normal(16)) * scale
    z = z[np.abs(S.wofz(z)) < 1e300]  # far in the lower half-plane w overflows (in both)
    got = fs.wofz(z)
    assert got.dtype == np.complex128
    np.testing.assert_allclose(np.asarray(got), S.wofz(z), rtol=1e-12)
    if scale <= 1:  # w stays within float32's range
        z32 = z.astype(np.complex64)
        np.testing.assert_allclose(np.asarray(fs.wofz(z32)), S.wofz(z32.astype(complex)),
                                   rtol=5e-5, atol=1e-6)


def test_wide_ranges_and_edges():
    x = np.concatenate([np.geomspace(1e-10, 1e4, 60), -np.geomspace(1e-10, 1e4, 7)])
    np.testing.assert_allclose(np.asarray(fs.dawsn(x)), S.dawsn(x), rtol=1e-13)
    np.testing.assert_allclose(np.asarray(fs.sici(x)[0]), S.sici(x)[0], rtol=1e-13)
    np.testing.assert_allclose(np.asarray(fs.fresnel(x[x < 100])[0]),
                               S.fresnel(x[x < 100])[0], rtol=1e-12)
    h, a = np.meshgrid([0.0, 0.3, 2.0, 10.0, 30.0], [0.01, 0.5, 0.999, 1.0, 1.01, 3.0, 100.0])
    np.testing.assert_allclose(np.asarray(fs.owens_t(h, a)), S.owens_t(h, a), rtol=1e-12)
    edge = np.array([0.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(np.asarray(fs.dawsn(edge)), S.dawsn(edge))
    for i in range(2):
        np.testing.assert_array_equal(np.asarray(fs.fresnel(edge)[i]), S.fresnel(edge)[i])
        np.testing.assert_array_equal(np.asarray(fs.sici(edge)[i]), S.sici(edge)[i])
    np.testing.assert_array_equal(np.asarray(fs.owens_t(edge, 1.0)), S.owens_t(edge, 1.0))
    np.testing.assert_allclose(np.asarray(fs.owens_t(1.0, edge)), S.owens_t(1.0, edge),
                               rtol=1e-15)
    assert np.isnan(np.asarray(fs.bessel_jn(0.0, v=2))).all()  # as JAX's


# name -> (function, domains, differentiable argnums)
DIFF = {
    "dawsn": (fs.dawsn, [(-4.0, 4.0)], (0,)),
    "fresnel_s": (lambda x: fs.fresnel(x)[0], [(-3.0, 3.0)], (0,)),
    "fresnel_c": (lambda x: fs.fresnel(x)[1], [(-3.0, 3.0)], (0,)),
    "si": (lambda x: fs.sici(x)[0], [(-6.0, 6.0)], (0,)),
    "ci": (lambda x: fs.sici(x)[1], [(0.3, 6.0)], (0,)),
    "owens_t": (fs.owens_t, [(-3.0, 3.0), (-2.0, 2.0)], (0, 1)),
    "wofz_re": (lambda x: fg.numpy.real(fs.wofz(x)), [(-3.0, 3.0)], (0,)),
    "wofz_im": (lambda x: fg.numpy.imag(fs.wofz(x)), [(-3.0, 3.0)], (0,)),
    "bessel_jn": (lambda z: fs.bessel_jn(z, v=2), [(0.5, 10.0)], (0,)),
    "hyp1f1": (fs.hyp1f1, [(0.5, 4.0), (0.5, 4.0), (-3.0, 3.0)], (0, 1, 2)),
    "hyp2f1_x": (lambda x: fs.hyp2f1(1.5, 0.7, 2.5, x), [(-3.0, 0.9)], (0,)),
}


@pytest.mark.parametrize("name", sorted(DIFF))
def test_derivatives(name):
    f, domains, argnums = DIFF[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # stable across PYTHONHASHSEED
    args = _args(rng, domains, (3,), np.float64)
    check_jvp(f, args, rng, rtol=1e-5, atol=1e-7)
    check_vjp(f, args, rng, rtol=1e-5, atol=1e-7)
    check_second_order(f, args, rng, rtol=1e-4, atol=1e-6)


def test_wofz_holomorphic_derivative():
    z = np.array([0.3 + 0.7j, -1.2 - 0.4j, 2.0 + 0.1j])
    want = 2j / np.sqrt(np.pi) - 2 * z * S.wofz(z)
    _, tangent = fg.jvp(fs.wofz, (z,), (np.ones_like(z),))
    np.testing.assert_allclose(np.asarray(tangent), want, rtol=1e-12)
    _, tangent_i = fg.jvp(fs.wofz, (z,), (1j * np.ones_like(z),))
    np.testing.assert_allclose(np.asarray(tangent_i), 1j * want, rtol=1e-12)


def test_derivative_conventions_match_jax():
    jax = pytest.importorskip("jax", reason="JAX is the derivative oracle")
    from jax.scipy import special as js
    with jax.enable_x64(True):
        cases = [(lambda m: m.dawsn, (1.3,), 0), (lambda m: lambda x: m.fresnel(x)[0], (1.1,), 0),
                 (lambda m: lambda x: m.fresnel(x)[1], (0.0,), 0),
                 (lambda m: lambda x: m.sici(x)[0], (0.0,), 0),
                 (lambda m: lambda x: m.sici(x)[1], (-2.5,), 0),
                 (lambda m: m.owens_t, (0.5, 0.7), 0), (lambda m: m.owens_t, (0.5, 0.7), 1),
                 (lambda m: m.owens_t, (-1.5, 3.0), 0), (lambda m: m.owens_t, (-1.5, 3.0), 1),
                 (lambda m: m.hyp1f1, (1.0, 2.0, 3.0), 0),
                 (lambda m: m.hyp1f1, (2.5, 1.5, -4.0), 1),
                 (lambda m: m.hyp1f1, (2.5, 1.5, -4.0), 2),
                 (lambda m: m.hyp1f1, (2.0, 2.0, 1.0), 0),
                 (lambda m: m.hyp1f1, (2.5, 1.5, -4.0), 0)]  # b - a = -1: a polynomial
        # (hyp2f1's derivatives are checked against scipy differences below: JAX's grad of
        # hyp2f1 takes 7 s to compile)
        for pick, args, argnum in cases:
            want = float(jax.grad(pick(js), argnum)(*args))
            got = float(fg.grad(pick(fs), argnum)(*args))
            np.testing.assert_allclose(got, want, rtol=1e-9, err_msg=f"{args} d/d{argnum}")
        assert np.isinf(float(fg.grad(lambda x: fs.sici(x)[1])(0.0)))  # cos(0)/0, as JAX's
        z = 0.4 + 0.9j
        np.testing.assert_allclose(complex(fg.grad(lambda v: fg.numpy.real(fs.wofz(v)))(z)),
                                   complex(jax.grad(lambda v: js.wofz(v).real)(z)), rtol=1e-10)


@pytest.mark.parametrize("name", ["dawsn", "fresnel_c", "si", "owens_t", "wofz", "bessel_jn",
                                  "hyp1f1", "hyp2f1"])
def test_vmap_and_jit_match_eager(name):
    f, _, domains, _ = CASES[name]
    args = _args(np.random.default_rng(0), domains, (4, 3), np.float64)
    eager = np.asarray(f(*args))
    np.testing.assert_allclose(np.asarray(fg.jit(f)(*args)), eager, rtol=1e-14)
    batched = np.asarray(fg.vmap(f)(*args))
    loop = np.stack([np.asarray(f(*[a[i] for a in args])) for i in range(4)])
    np.testing.assert_allclose(batched, loop, rtol=1e-14)


def test_bessel_jn_matches_jax_and_rejects_bad_input():
    jax = pytest.importorskip("jax", reason="JAX is the oracle for n_iter's meaning")
    from jax.scipy import special as js
    z = np.array([0.1, 1.0, 7.5, 25.0])
    with jax.enable_x64(True):
        for v, n_iter in [(0, 50), (4, 50), (3, 12)]:
            want = np.asarray(js.bessel_jn(z, v=v, n_iter=n_iter))
            got = np.asarray(fs.bessel_jn(z, v=v, n_iter=n_iter))
            assert got.shape == want.shape == (v + 1, 4)
            np.testing.assert_allclose(got, want, rtol=1e-10)
    with pytest.raises(TypeError, match="v must be an integer"):
        fs.bessel_jn(z, v=1.5)
    with pytest.raises(ValueError, match="complex"):
        fs.bessel_jn(z + 0j, v=1)
    for f in (fs.dawsn, lambda x: fs.fresnel(x), lambda x: fs.sici(x),
              lambda x: fs.owens_t(x, 1.0), lambda x: fs.hyp1f1(1.0, 2.0, x)):
        with pytest.raises(ValueError, match="complex"):
            f(np.array([1.0 + 1j]))


def test_hyp2f1_edges_and_parameter_derivatives():
    a, b, c = np.array([1.0, 0.0, 1.0, 1.0, 2.0]), 1.0, np.array([2.0, 1.0, 3.0, 0.0, 4.0])
    x = np.array([1.0, 0.5, 1.0, 0.5, 1.5])
    got = np.asarray(fs.hyp2f1(a, b, c, x))
    np.testing.assert_allclose(got, [np.inf, 1.0, 2.0, np.inf, np.inf])  # as JAX's
    z = np.array([0.95, 0.999, -50.0])
    np.testing.assert_allclose(np.asarray(fs.hyp2f1(1.2, 2.3, 3.9, z)), S.hyp2f1(1.2, 2.3, 3.9, z),
                               rtol=1e-11)
    # the parameter derivatives against scipy by central differences (h = 1e-5)
    for args in [(1.5, 0.7, 2.5, 0.3), (1.5, 0.7, 2.5, -3.0), (2.2, 1.3, 4.1, 0.95)]:
        got = [float(g) for g in fg.grad(fs.hyp2f1, (0, 1, 2))(*args)]
        for i in range(3):
            up, dn = list(args), list(args)
            up[i] += 1e-5
            dn[i] -= 1e-5
            want = (S.hyp2f1(*up) - S.hyp2f1(*dn)) / 2e-5
            np.testing.assert_allclose(got[i], want, rtol=1e-7, err_msg=f"{args} d/d{i}")
    with pytest.raises(NotImplementedError, match="differentiable twice"):
        fg.grad(fg.grad(fg.grad(fs.hyp2f1)))(1.5, 0.7, 2.5, 0.3)


def _fd_hessian(f, x, h=2e-3):
    """The Hessian of scipy's f at x by central differences at steps h and h / 2, Richardson-
    extrapolated (error ~h**4 + eps / h**2, ~1e-7 relative here). JAX has no parameter
    derivatives of 1F1/2F1 to compare with: its series is a while loop, which its reverse mode
    cannot differentiate."""
    x = np.asarray(x, float)

    def at(step):
        eye = np.eye(len(x)) * step
        return np.array([[(f(*(x + ei + ej)) - f(*(x + ei - ej)) - f(*(x - ei + ej))
                           + f(*(x - ei - ej))) / (4 * step * step) for ej in eye] for ei in eye])
    return (4 * at(h / 2) - at(h)) / 3


@pytest.mark.parametrize("name,f,ref,args", [
    ("hyp1f1", fs.hyp1f1, S.hyp1f1, (0.7, 1.3, 0.8)),
    ("hyp1f1", fs.hyp1f1, S.hyp1f1, (0.7, 1.3, -1.5)),  # Kummer's transformation
    ("hyp1f1", fs.hyp1f1, S.hyp1f1, (-2.0, 1.5, 0.9)),  # a = -2: a polynomial in x
    ("hyp1f1", fs.hyp1f1, S.hyp1f1, (2.5, 0.6, -3.0)),
    ("hyp2f1", fs.hyp2f1, S.hyp2f1, (0.7, 1.3, 1.9, 0.5)),
    ("hyp2f1", fs.hyp2f1, S.hyp2f1, (0.7, 1.3, 1.9, -0.8)),  # Pfaff's transformation
    ("hyp2f1", fs.hyp2f1, S.hyp2f1, (1.2, 0.4, 2.6, 0.85)),
    ("hyp2f1", fs.hyp2f1, S.hyp2f1, (0.5, 0.5, 1.5, -3.0))])
def test_hypergeometric_second_derivatives_in_every_argument(name, f, ref, args):
    def g(v):
        return f(*[v[i] for i in range(len(args))])
    hess = fg.hessian(g)
    got = np.asarray(hess(np.array(args)))
    want = _fd_hessian(ref, args)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-7, err_msg=f"{name}{args}")
    np.testing.assert_allclose(got, got.T, rtol=1e-12)  # the mixed partials agree
    # forward over reverse, and under jit and vmap: the same numbers
    np.testing.assert_allclose(np.asarray(fg.jit(hess)(np.array(args))), got, rtol=1e-12)
    batch = np.array([args, [v * 1.01 for v in args]])
    np.testing.assert_allclose(np.asarray(fg.vmap(hess)(batch))[0], got, rtol=1e-12)
    fwd = fg.jacfwd(fg.grad(g))
    np.testing.assert_allclose(np.asarray(fwd(np.array(args))), got, rtol=1e-10, atol=1e-12)
    with pytest.raises(NotImplementedError, match="differentiable twice"):
        fg.grad(fg.grad(fg.grad(f)))(*args)
