"""funcgrad.scipy.special against scipy.special (values, float64 to 1e-12 relative, float32 to
float32 rounding) and JAX (derivative conventions), with derivative checks to second order,
vmap against a loop and jit against eager."""
from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funcgrad as fg
from funcgrad.scipy import special as fs
from _gradcheck import check_jvp, check_second_order, check_vjp

S = pytest.importorskip("scipy.special", reason="scipy is the value oracle: pip install scipy")

# name -> (scipy function, argument domains (lo, hi) per argument, differentiable argnums)
UNARY_AND_MORE = {
    "gammaln": (S.gammaln, [(0.05, 40.0)], (0,)),
    "digamma": (S.digamma, [(0.05, 40.0)], (0,)),
    "erf": (S.erf, [(-4.0, 4.0)], (0,)),
    "erfc": (S.erfc, [(-4.0, 20.0)], (0,)),
    "erfinv": (S.erfinv, [(-0.99, 0.99)], (0,)),
    "erfcx": (S.erfcx, [(-5.0, 60.0)], (0,)),
    "ndtr": (S.ndtr, [(-8.0, 8.0)], (0,)),
    "ndtri": (S.ndtri, [(1e-6, 1 - 1e-6)], (0,)),
    "log_ndtr": (S.log_ndtr, [(-40.0, 8.0)], (0,)),
    "expit": (S.expit, [(-30.0, 30.0)], (0,)),
    "logit": (S.logit, [(0.01, 0.99)], (0,)),
    "i0": (S.i0, [(-20.0, 20.0)], (0,)),
    "i0e": (S.i0e, [(-60.0, 60.0)], (0,)),
    "i1": (S.i1, [(-20.0, 20.0)], (0,)),
    "i1e": (S.i1e, [(-60.0, 60.0)], (0,)),
    "spence": (S.spence, [(0.01, 6.0)], (0,)),
    "gamma": (S.gamma, [(0.1, 20.0)], (0,)),
    "loggamma": (lambda x: S.loggamma(x).real, [(0.1, 30.0)], (0,)),
    "entr": (S.entr, [(0.01, 5.0)], (0,)),
    "factorial": (lambda n: S.factorial(n, exact=False), [(0.0, 15.0)], (0,)),
    "xlogy": (S.xlogy, [(-2.0, 2.0), (0.1, 5.0)], (0, 1)),
    "xlog1py": (S.xlog1py, [(-2.0, 2.0), (-0.9, 5.0)], (0, 1)),
    "rel_entr": (S.rel_entr, [(0.01, 3.0), (0.01, 3.0)], (0, 1)),
    "kl_div": (S.kl_div, [(0.01, 3.0), (0.01, 3.0)], (0, 1)),
    "betaln": (S.betaln, [(0.1, 30.0), (0.1, 30.0)], (0, 1)),
    "beta": (S.beta, [(0.1, 10.0), (0.1, 10.0)], (0, 1)),
    "poch": (S.poch, [(0.1, 10.0), (0.0, 5.0)], (0, 1)),
    "comb": (S.comb, [(5.0, 20.0), (0.0, 5.0)], (0, 1)),
    "gammainc": (S.gammainc, [(0.1, 30.0), (0.01, 60.0)], (0, 1)),
    "gammaincc": (S.gammaincc, [(0.1, 30.0), (0.01, 60.0)], (0, 1)),
    "betainc": (S.betainc, [(0.1, 20.0), (0.1, 20.0), (0.01, 0.99)], (2,)),
    "zeta": (S.zeta, [(1.1, 20.0), (0.1, 20.0)], (0, 1)),
    "exp1": (S.exp1, [(0.05, 30.0)], (0,)),
    "expi": (S.expi, [(-30.0, 60.0)], (0,)),
    "expn": (lambda n, x: S.expn(n.astype(int), x), [(0.0, 6.0), (0.05, 30.0)], (1,)),
    "boxcox": (S.boxcox, [(0.1, 5.0), (-2.0, 2.0)], (0, 1)),
    "boxcox1p": (S.boxcox1p, [(-0.5, 5.0), (-2.0, 2.0)], (0, 1)),
}
# first-derivative-only checks (the a-derivative of the incomplete gamma is not differentiable
# again, as JAX's); everything else is checked to second order
FIRST_ORDER_ONLY = {"gammainc", "gammaincc"}
RTOL64 = {"betainc": 1e-11, "gammainc": 1e-11, "gammaincc": 1e-11, "beta": 1e-11,
          "poch": 1e-11, "comb": 1e-11, "gamma": 1e-11, "factorial": 1e-11, "i0": 1e-11,
          "i1": 1e-11, "erfinv": 1e-11, "ndtri": 1e-11, "log_ndtr": 1e-11}


def _args(rng, domains, shape, dtype):
    out = [rng.uniform(lo, hi, shape).astype(dtype) for lo, hi in domains]
    return [np.floor(out[0])] + out[1:] if len(out) == 2 and domains[0] == (0.0, 6.0) else out


@pytest.mark.parametrize("name", sorted(UNARY_AND_MORE))
@given(shape=st.sampled_from([(), (0,), (1,), (7,), (2, 3)]),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**31))
def test_values_match_scipy(name, shape, dtype, seed):
    ref, domains, _ = UNARY_AND_MORE[name]
    args = _args(np.random.default_rng(seed), domains, shape, dtype)
    got = getattr(fs, name)(*[fg.numpy.asarray(a) for a in args])
    assert got.shape == shape and got.dtype == dtype, (got.shape, got.dtype)
    want = ref(*[a.astype(np.float64) for a in args])
    rtol = RTOL64.get(name, 1e-12) if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=rtol, atol=1e-300
                               if dtype == np.float64 else 1e-6)


@pytest.mark.parametrize("name", sorted(UNARY_AND_MORE))
def test_derivatives(name):
    _, domains, argnums = UNARY_AND_MORE[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # stable across PYTHONHASHSEED
    args = _args(rng, domains, (3,), np.float64)
    fixed = list(args)

    def f(*diff):
        full = list(fixed)
        for i, v in zip(argnums, diff):
            full[i] = v
        return getattr(fs, name)(*full)
    diff_args = [args[i] for i in argnums]
    check_jvp(f, diff_args, rng, rtol=1e-5, atol=1e-7)
    check_vjp(f, diff_args, rng, rtol=1e-5, atol=1e-7)
    if name not in FIRST_ORDER_ONLY:
        check_second_order(f, diff_args, rng, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["gammaln", "gammainc", "betainc", "i1e", "zeta", "spence",
                                  "erfcx", "polygamma"])
def test_vmap_and_jit_match_eager(name):
    if name == "polygamma":
        def f(x):
            return fs.polygamma(2, x)
        domains = [(0.5, 5.0)]
    else:
        _, domains, _ = UNARY_AND_MORE[name]
        f = getattr(fs, name)
    args = _args(np.random.default_rng(0), domains, (4, 3), np.float64)
    eager = np.asarray(f(*args))
    np.testing.assert_allclose(np.asarray(fg.jit(f)(*args)), eager, rtol=1e-14)
    batched = fg.vmap(f)(*args)
    loop = np.stack([np.asarray(f(*[a[i] for a in args])) for i in range(4)])
    np.testing.assert_allclose(np.asarray(batched), loop, rtol=1e-14)


def test_polygamma_values_and_derivative():
    x = np.linspace(0.3, 9.0, 11)
    for n in range(4):
        np.testing.assert_allclose(np.asarray(fs.polygamma(n, x)), S.polygamma(n, x), rtol=1e-12)
    g = fg.vmap(fg.grad(lambda v: fs.polygamma(1, v)))(x)
    np.testing.assert_allclose(np.asarray(g), S.polygamma(2, x), rtol=1e-10)
    with pytest.raises(ValueError, match="integer type"):
        fs.polygamma(1.0, 2.0)


def test_multigammaln_softmax_logsumexp_bernoulli():
    a = np.array([3.0, 7.5])
    np.testing.assert_allclose(np.asarray(fs.multigammaln(a, 3)), S.multigammaln(a, 3),
                               rtol=1e-12)
    x = np.random.default_rng(1).standard_normal((3, 4))
    np.testing.assert_allclose(np.asarray(fs.softmax(x, axis=1)), S.softmax(x, axis=1),
                               rtol=1e-13)
    np.testing.assert_allclose(np.asarray(fs.log_softmax(x)), S.log_softmax(x), rtol=1e-13)
    w = x > 0
    got = fs.logsumexp(x, axis=1, where=w)
    want = np.log(np.sum(np.where(w, np.exp(x), 0), axis=1))
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(fs.bernoulli(20)), S.bernoulli(20), rtol=1e-11)
    assert float(fs.bernoulli(20)[20]) == -174611 / 330  # exact: scipy's is 1e-14 off
    with pytest.raises(TypeError, match="n must be an integer"):
        fs.bernoulli(2.5)
    with pytest.raises(NotImplementedError, match="exact=True"):
        fs.factorial(3, exact=True)


def test_edges_match_scipy():
    x = np.array([-1.0, 0.0, 1.0, np.inf, np.nan])
    np.testing.assert_allclose(np.asarray(fs.spence(x)), S.spence(x), rtol=1e-15)
    _same(np.asarray(fs.gammainc(x, 1.0)), S.gammainc(x, 1.0))
    _same(np.asarray(fs.gammaincc(1.0, x)), S.gammaincc(1.0, x))
    _same(np.asarray(fs.gamma(np.array([-1.0, 0.0, -0.5]))),
                                  S.gamma(np.array([-1.0, 0.0, -0.5])))
    _same(np.asarray(fs.zeta(np.array([0.5, 1.0, 2.0]), 0.0)),
                                  S.zeta(np.array([0.5, 1.0, 2.0]), 0.0))
    _same(np.asarray(fs.kl_div(np.array([0.0, 1.0, -1.0]), 0.0)),
                                  S.kl_div(np.array([0.0, 1.0, -1.0]), 0.0))
    _same(np.asarray(fs.expi(x)), S.expi(x))
    _same(np.asarray(fs.exp1(x)), S.exp1(x))
    _same(np.asarray(fs.expn(2, x)), S.expn(2, x))
    _same(np.asarray(fs.i0e(np.array([np.inf, -np.inf]))),
                                  S.i0e(np.array([np.inf, -np.inf])))


def test_derivative_conventions_match_jax():
    jax = pytest.importorskip("jax", reason="JAX is the derivative oracle")
    from jax.scipy import special as js
    with jax.enable_x64(True):
        for name, args, argnum in [("gammainc", (1.5, 2.0), 0), ("gammaincc", (1.5, 2.0), 0),
                                   ("zeta", (3.0, 2.0), 0), ("zeta", (3.0, 2.0), 1),
                                   ("i1e", (0.0,), 0), ("spence", (1.0,), 0),
                                   ("kl_div", (0.0, 1.0), 0), ("kl_div", (0.0, 1.0), 1),
                                   ("rel_entr", (0.0, 1.0), 1), ("xlogy", (0.0, 2.0), 0),
                                   ("expi", (-1.0,), 0), ("exp1", (1.5,), 0)]:
            want = float(jax.grad(getattr(js, name), argnum)(*args))
            got = float(fg.grad(getattr(fs, name), argnum)(*args))
            np.testing.assert_allclose(got, want, rtol=1e-9, err_msg=f"{name} d/d{argnum}")
    with pytest.raises(ValueError, match="a and b not supported"):
        fg.grad(fs.betainc)(1.5, 2.0, 0.3)
    with pytest.raises(NotImplementedError, match="igamma_grad_a"):
        fg.grad(fg.grad(fs.gammainc))(1.5, 2.0)


def _same(got, want):
    np.testing.assert_allclose(got, want, rtol=2e-15, atol=0)


@settings(max_examples=10)
@given(size=st.integers(0, 6), seed=st.integers(0, 2**31))
def test_sph_harm_y_matches_scipy(size, seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(0, 7, size), rng.integers(-8, 8, size)
    theta, phi = rng.uniform(0, np.pi, size), rng.uniform(-4, 4, size)
    got = fs.sph_harm_y(n, m, theta, phi)
    assert got.shape == (size,) and got.dtype == np.complex128
    np.testing.assert_allclose(np.asarray(got), S.sph_harm_y(n, m, theta, phi), atol=1e-14)


def test_sph_harm_y_derivatives_and_errors():
    rng = np.random.default_rng(2)
    n, m = np.array([1, 3, 4]), np.array([-1, 2, 0])

    def f(theta, phi):
        y = fs.sph_harm_y(n, m, theta, phi)
        return fg.numpy.stack([fg.numpy.real(y), fg.numpy.imag(y)])
    args = [rng.uniform(0.2, 2.9, 3), rng.uniform(-3, 3, 3)]
    check_jvp(f, args, rng)
    check_vjp(f, args, rng)
    with pytest.raises(NotImplementedError, match="diff_n"):
        fs.sph_harm_y(n, m, args[0], args[1], diff_n=1)
    with pytest.raises(TypeError, match="integer arrays"):
        fs.sph_harm_y(np.array([1.0]), np.array([0]), 0.1, 0.2)
    with pytest.raises(TypeError, match="pass n_max"):
        fg.jit(lambda k: fs.sph_harm_y(k, np.array([0]), 0.1, 0.2))(np.array([2]))
    np.testing.assert_allclose(
        np.asarray(fg.jit(lambda k: fs.sph_harm_y(k, np.array([0]), 0.1, 0.2, n_max=3))(
            np.array([2]))), S.sph_harm_y(2, 0, 0.1, 0.2), atol=1e-14)


def test_logsumexp_of_nothing_is_minus_inf():
    for shape, axis in [((0,), None), ((0, 3), 0), ((0, 3), 1), ((2, 0), -1)]:
        x = np.zeros(shape)
        _same(np.asarray(fs.logsumexp(x, axis=axis)), S.logsumexp(x, axis=axis))
    assert float(fs.logsumexp(np.array([-np.inf, -np.inf]))) == -np.inf
    out, sign = fs.logsumexp(np.zeros(0), return_sign=True)
    assert float(out) == -np.inf and float(sign) == 0.0  # JAX's sign of an empty sum
