"""funcgrad.random against jax.random (the oracle): the same key, shape, dtype and parameters
give JAX's numbers. Bits, keys, and every integer or boolean sampler are compared for equality;
float samplers are equal where numpy and XLA round alike (uniform, and everything that is exact
arithmetic on it) and otherwise within the few ulps by which numpy's log, log1p, exp, tan, pow
and LAPACK differ from XLA's own math library and its fused multiply-adds (see TOLERANCE).

funcgrad's default dtypes are 64-bit, so JAX runs with x64 enabled (restored afterwards).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from benchmarks import harness, prng

jax = pytest.importorskip("jax", reason="JAX is the oracle for funcgrad.random")
jr = jax.random
jnp = jax.numpy
R = fg.random


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def _np(x):
    return np.asarray(R.key_data(x) if isinstance(x, R.PRNGKeyArray) else x)


def _jnp(x):
    return np.asarray(jr.key_data(x) if jnp.issubdtype(x.dtype, jax.dtypes.prng_key) else x)


# Relative tolerances of the float samplers (float32, float64): XLA computes log/log1p/exp/tan/
# pow/erf with its own polynomials and fused multiply-adds, numpy with libm's correctly rounded
# (or nearly) functions, so single samples differ in the last bit or two; a function of a
# function (gumbel's log(-log u), loggamma) widens that by its condition number.
TOLERANCE = {"uniform": (0, 0), "normal": (4e-7, 8e-15), "truncated_normal": (4e-7, 8e-15),
             "exponential": (4e-7, 5e-14), "gumbel": (5e-5, 5e-13), "laplace": (4e-7, 5e-14),
             "logistic": (5e-6, 5e-13), "cauchy": (4e-6, 1e-13), "pareto": (1e-6, 2e-14),
             "lognormal": (1e-6, 1e-14), "maxwell": (1e-6, 1e-14), "rayleigh": (1e-6, 1e-14),
             "wald": (1e-5, 1e-13), "triangular": (1e-6, 1e-14), "weibull_min": (2e-6, 5e-14),
             "double_sided_maxwell": (1e-6, 1e-14), "multivariate_normal": (5e-6, 5e-14),
             "orthogonal": (2e-5, 1e-12), "gamma": (2e-6, 2e-14), "loggamma": (2e-5, 1e-12),
             "beta": (5e-6, 5e-14), "dirichlet": (5e-6, 5e-14), "t": (2e-6, 2e-14),
             "chisquare": (2e-6, 2e-14), "f": (5e-6, 5e-14), "generalized_normal": (2e-6, 2e-14),
             "ball": (5e-6, 5e-14)}

seeds = st.one_of(st.integers(0, 2 ** 32 - 1), st.integers(-2 ** 63, 2 ** 63 - 1))
shapes = st.sampled_from([(), (0,), (1,), (2, 3)])
FEW = settings(max_examples=6)  # each new shape compiles JAX's sampler once: keep them few
float_dtypes = st.sampled_from(["float32", "float64"])


def _same(got, want, rtol=0.0, atol=0.0):
    got, want = _np(got), _jnp(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype,
                                                                  want.shape, want.dtype)
    if rtol == 0 and atol == 0:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# ---- keys and bits: bit for bit ----------------------------------------------------------------

@given(seeds)
def test_seeds_make_jaxs_keys(seed):
    _same(R.PRNGKey(seed), jr.PRNGKey(seed))
    _same(R.key(seed), jr.key(seed))
    for s in (np.int32(seed % 2 ** 31), np.uint32(seed % 2 ** 32), np.int64(seed % 2 ** 62)):
        _same(R.PRNGKey(s), jr.PRNGKey(s))


@given(seeds, shapes, st.sampled_from(["uint8", "uint16", "uint32", "uint64"]))
def test_bits(seed, shape, dtype):
    _same(R.bits(R.PRNGKey(seed), shape, dtype), jr.bits(jr.PRNGKey(seed), shape, dtype))
    _same(R.bits(R.key(seed), shape), jr.bits(jr.key(seed), shape))


@given(seeds, st.one_of(st.integers(0, 5), st.sampled_from([(2, 3), (0,), (1, 1)])),
       st.integers(0, 2 ** 32 - 1))
def test_split_and_fold_in(seed, num, data):
    _same(R.split(R.PRNGKey(seed), num), jr.split(jr.PRNGKey(seed), num))
    _same(R.split(R.key(seed), num), jr.split(jr.key(seed), num))
    _same(R.fold_in(R.PRNGKey(seed), data), jr.fold_in(jr.PRNGKey(seed), data))
    _same(R.fold_in(R.key(seed), np.uint32(data)), jr.fold_in(jr.key(seed), np.uint32(data)))


def test_typed_keys_print_and_behave_as_jaxs():
    assert repr(R.key(42)) == repr(jr.key(42))
    assert repr(R.split(R.key(0), 3)) == repr(jr.split(jr.key(0), 3))
    assert str(R.key(0).dtype) == str(jr.key(0).dtype) == "key<fry>"
    assert R.key_impl(R.key(0)) == str(jr.key_impl(jr.key(0)))
    keys, jkeys = R.split(R.key(1), (2, 3)), jr.split(jr.key(1), (2, 3))
    assert keys.shape == jkeys.shape and keys[1].shape == jkeys[1].shape
    _same(keys[1, 1:], jkeys[1, 1:])
    _same(keys.reshape(6)[4], jkeys.reshape(6)[4])
    assert bool(R.key(3) == R.key(3)) and not bool(R.key(3) != R.key(3))
    a, b = R.split(R.key(0))
    ja, jb = jr.split(jr.key(0))
    _same(a, ja)
    _same(b, jb)
    _same(R.wrap_key_data(R.key_data(R.key(9))), jr.wrap_key_data(jr.key_data(jr.key(9))))
    assert isinstance(R.split(R.PRNGKey(0)), fg.Array)  # raw in, raw out


# ---- integer and boolean samplers: equal ---------------------------------------------------------

@FEW
@given(seeds, shapes, st.sampled_from(["int8", "uint8", "int16", "int32", "uint32", "int64"]),
       st.integers(-300, 300), st.integers(-300, 300))
def test_randint(seed, shape, dtype, lo, hi):
    if np.dtype(dtype).kind == "u":
        lo, hi = abs(lo), abs(hi)
    _same(R.randint(R.PRNGKey(seed), shape, lo, hi, dtype),
          jr.randint(jr.PRNGKey(seed), shape, lo, hi, dtype))


@given(seeds)
def test_randint_extreme_and_array_bounds(seed):
    k, jk = R.PRNGKey(seed), jr.PRNGKey(seed)
    _same(R.randint(k, (9,), -2 ** 63, 2 ** 63 - 1), jr.randint(jk, (9,), -2 ** 63, 2 ** 63 - 1))
    _same(R.randint(k, (5,), 0, 2 ** 40, "int32"), jr.randint(jk, (5,), 0, 2 ** 40, "int32"))
    lo, hi = np.array([0, -5, 7]), np.array([[10], [3]])
    _same(R.randint(k, (2, 3), lo, hi), jr.randint(jk, (2, 3), lo, hi))


@FEW
@given(seeds, shapes, float_dtypes, st.floats(0, 1), st.sampled_from(["low", "high"]))
def test_bernoulli_and_rademacher(seed, shape, dtype, p, mode):
    k, jk = R.PRNGKey(seed), jr.PRNGKey(seed)
    pa = np.full(shape, p, dtype)
    _same(R.bernoulli(k, pa, mode=mode), jr.bernoulli(jk, pa, mode=mode))
    _same(R.bernoulli(k, np.asarray(p, dtype), shape), jr.bernoulli(jk, np.asarray(p, dtype), shape))
    _same(R.rademacher(k, shape), jr.rademacher(jk, shape))
    _same(R.geometric(k, np.asarray(min(max(p, 0.01), 0.99), dtype), shape),
          jr.geometric(jk, np.asarray(min(max(p, 0.01), 0.99), dtype), shape))


@FEW
@given(seeds, st.integers(1, 6), st.integers(1, 4), float_dtypes, st.booleans())
def test_categorical(seed, n, m, dtype, replace):
    logits = np.log(np.linspace(0.1, 1.0, n * m)).reshape(n, m).astype(dtype)
    k, jk = R.PRNGKey(seed), jr.PRNGKey(seed)
    _same(R.categorical(k, logits), jr.categorical(jk, logits))
    _same(R.categorical(k, logits, axis=0, shape=(2, m)), jr.categorical(jk, logits, axis=0,
                                                                          shape=(2, m)))
    if n >= 2:
        _same(R.categorical(k, logits, axis=0, shape=(2, m), replace=replace),
              jr.categorical(jk, logits, axis=0, shape=(2, m), replace=replace))


@FEW
@given(seeds, st.integers(1, 40), st.booleans(), st.booleans(), st.integers(0, 1))
def test_choice(seed, n, replace, weighted, axis):
    k, jk = R.PRNGKey(seed), jr.PRNGKey(seed)
    draws = (min(n, 3),) if not replace else (2, 2)
    p = np.linspace(1.0, 2.0, n) / np.linspace(1.0, 2.0, n).sum() if weighted else None
    _same(R.choice(k, n, draws, replace, p), jr.choice(jk, n, draws, replace, p))
    a = np.arange(3 * n).reshape((3, n) if axis else (n, 3))
    _same(R.choice(k, a, draws, replace, p, axis=axis),
          jr.choice(jk, a, draws, replace, p, axis=axis))
    _same(R.choice(k, n, (0,)), jr.choice(jk, n, (0,)))


@FEW
@given(seeds, st.integers(0, 50), st.booleans())
def test_permutation(seed, n, independent):
    k, jk = R.PRNGKey(seed), jr.PRNGKey(seed)
    _same(R.permutation(k, n), jr.permutation(jk, n))
    x = np.arange(2 * n, dtype=np.float32).reshape(2, n)
    _same(R.permutation(k, x, axis=1, independent=independent),
          jr.permutation(jk, x, axis=1, independent=independent))
    _same(R.permutation(k, x[0]), jr.permutation(jk, x[0]))


def test_permutation_of_more_than_one_round():
    # above ~1600 elements JAX sorts twice (its collision bound): so does funcgrad
    _same(R.permutation(R.PRNGKey(3), 5000), jr.permutation(jr.PRNGKey(3), 5000))


@FEW
@given(seeds)
def test_poisson_binomial_multinomial(seed):
    k, jk = R.PRNGKey(seed), jr.PRNGKey(seed)
    lam = np.array([0.0, 0.7, 4.0, 9.99])  # Knuth's method: equal
    _same(R.poisson(k, lam), jr.poisson(jk, lam))
    _same(R.poisson(k, 3.5, (2, 3), "int32"), jr.poisson(jk, 3.5, (2, 3), "int32"))
    n = np.array([0.0, 3.0, 30.0, 500.0])
    p = np.array([0.2, 0.9, 0.5, 0.7])
    _same(R.binomial(k, n, p), jr.binomial(jk, n, p))
    probs = np.array([0.2, 0.3, 0.5])
    _same(R.multinomial(k, 20.0, probs, shape=(2, 3)), jr.multinomial(jk, 20.0, probs,
                                                                      shape=(2, 3)))


def test_poisson_rejection_mostly_equal():
    # Above lam = 10 an accepted draw is overwritten by later rounds' until every element has
    # accepted, so one acceptance decided differently (log and lgamma a last bit apart) moves
    # others: the draws are JAX's for almost every key, not all.
    lam = np.array([10.0, 40.0, 3000.0])
    same = [np.array_equal(_np(R.poisson(R.PRNGKey(s), lam)), _jnp(jr.poisson(jr.PRNGKey(s), lam)))
            for s in range(20)]
    assert np.mean(same) >= 0.9


# ---- float samplers: JAX's construction, equal up to the math library -----------------------

def _float_cases(shape, dt):
    """name -> (funcgrad call, jax call), each taking the random module and a key."""
    mean, cov = np.array([1.0, -1.0]), np.array([[2.0, 0.3], [0.3, 1.0]])
    alpha = np.array([0.2, 1.0, 3.5])
    return {
        "uniform": lambda m, k: m.uniform(k, shape, dt, -2.0, np.float32(3.5)),
        "normal": lambda m, k: m.normal(k, shape, dt),
        "truncated_normal": lambda m, k: m.truncated_normal(k, -1.5, 0.5, shape, dt),
        "exponential": lambda m, k: m.exponential(k, shape, dt),
        "gumbel": lambda m, k: m.gumbel(k, shape, dt),
        "laplace": lambda m, k: m.laplace(k, shape, dt),
        "logistic": lambda m, k: m.logistic(k, shape, dt),
        "cauchy": lambda m, k: m.cauchy(k, shape, dt),
        "pareto": lambda m, k: m.pareto(k, 2.5, shape, dt),
        "lognormal": lambda m, k: m.lognormal(k, 0.5, shape, dt),
        "maxwell": lambda m, k: m.maxwell(k, shape, dt),
        "rayleigh": lambda m, k: m.rayleigh(k, 2.0, shape, dt),
        "wald": lambda m, k: m.wald(k, 1.5, shape, dt),
        "triangular": lambda m, k: m.triangular(k, 0.0, 0.3, 2.0, shape, dt),
        "weibull_min": lambda m, k: m.weibull_min(k, 2.0, 1.5, shape, dt),
        "double_sided_maxwell": lambda m, k: m.double_sided_maxwell(k, 1.0, 2.0, shape, dt),
        "multivariate_normal": lambda m, k: m.multivariate_normal(k, mean, cov, shape, dt),
        "orthogonal": lambda m, k: m.orthogonal(k, 3, shape, dt),
        "gamma": lambda m, k: m.gamma(k, 1.7, shape, dt),
        "loggamma": lambda m, k: m.loggamma(k, 0.4, shape, dt),
        "beta": lambda m, k: m.beta(k, 0.5, 2.0, shape, dt),
        "dirichlet": lambda m, k: m.dirichlet(k, alpha, shape, dt),
        "t": lambda m, k: m.t(k, 3.0, shape, dt),
        "chisquare": lambda m, k: m.chisquare(k, 3.0, shape, dt),
        "f": lambda m, k: m.f(k, 3.0, 5.0, shape, dt),
        "generalized_normal": lambda m, k: m.generalized_normal(k, 3.0, shape, dt),
        "ball": lambda m, k: m.ball(k, 3, 2, shape, dt),
    }


def _check_float(name, seed, shape, dt):
    call = _float_cases(shape, dt)[name]
    rtol = TOLERANCE[name][dt == "float64"]
    _same(call(R, R.PRNGKey(seed)), call(jr, jr.PRNGKey(seed)), rtol, rtol)  # values are O(1)


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(TOLERANCE))
def test_float_samplers(name, dt):
    shape = [(), (0,), (1,), (6,), (2, 3)][sorted(TOLERANCE).index(name) % 5]
    for seed in (0, 2 ** 32 - 1):
        _check_float(name, seed, shape, dt)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TOLERANCE))
@given(seed=seeds, shape=shapes, dt=float_dtypes)
def test_float_samplers_more_keys(name, seed, shape, dt):
    _check_float(name, seed, shape, dt)


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_uniform_and_normal_match_on_a_large_draw(dt):
    _same(R.uniform(R.key(5), (10 ** 5,), dt), jr.uniform(jr.key(5), (10 ** 5,), dt))
    _same(R.uniform(R.key(5), (3, 4), dt, np.arange(4.0), 7.3),
          jr.uniform(jr.key(5), (3, 4), dt, np.arange(4.0), 7.3))
    got, want = _np(R.normal(R.key(5), (10 ** 5,), dt)), _jnp(jr.normal(jr.key(5), (10 ** 5,), dt))
    assert (got == want).mean() > 0.85  # the rest differ in the last bit or two
    np.testing.assert_allclose(got, want, rtol=TOLERANCE["normal"][dt == "float64"], atol=1e-30)


def test_complex_normal():
    for dt in ("complex64", "complex128"):
        _same(R.normal(R.key(2), (4,), dt), jr.normal(jr.key(2), (4,), dt), 1e-6, 1e-7)


def test_default_dtypes_are_jaxs_x64_defaults():
    assert R.uniform(R.key(0)).dtype == np.float64 and R.randint(R.key(0), (), 0, 3).dtype \
        == np.int64 and R.bits(R.key(0)).dtype == np.uint64


# ---- transforms ------------------------------------------------------------------------------

SAMPLERS = {
    "normal": lambda m, k: m.normal(k, (3,)),
    "uniform": lambda m, k: m.uniform(k, (2,), minval=1.0, maxval=3.0),
    "randint": lambda m, k: m.randint(k, (3,), 0, 10),
    "bits": lambda m, k: m.bits(k, (2,)),
    "split": lambda m, k: m.split(k, 3),
    "fold_in": lambda m, k: m.fold_in(k, 5),
    "permutation": lambda m, k: m.permutation(k, 6),
    "choice": lambda m, k: m.choice(k, 6, (2,), replace=False),
    "gamma": lambda m, k: m.gamma(k, 2.0, (3,)),
    "poisson": lambda m, k: m.poisson(k, 4.0, (3,)),
    "bernoulli": lambda m, k: m.bernoulli(k, 0.3, (4,)),
    "categorical": lambda m, k: m.categorical(k, np.log(np.array([0.2, 0.8])), shape=(3,)),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_jit_and_vmap_give_the_eager_values(name):
    f = SAMPLERS[name]
    keys = np.asarray(jr.split(jr.PRNGKey(1), 4))
    eager = np.stack([_np(f(R, fnp.asarray(k))) for k in keys])
    batched = _np(fg.vmap(lambda k: f(R, k))(fnp.asarray(keys)))
    np.testing.assert_array_equal(batched, eager)
    np.testing.assert_array_equal(_np(fg.jit(lambda k: f(R, k))(fnp.asarray(keys[0]))),
                                  eager[0])
    want = np.asarray(jax.vmap(lambda k: f(jr, k))(keys))
    rtol = 1e-14 if eager.dtype.kind == "f" else 0
    np.testing.assert_allclose(eager, want, rtol=rtol)


def test_vmap_and_jit_over_typed_keys():
    keys, jkeys = R.split(R.key(5), 3), jr.split(jr.key(5), 3)
    _same(fg.vmap(lambda k: R.uniform(k, (2,)))(keys), jax.vmap(lambda k: jr.uniform(k, (2,)))(
        jkeys))
    out = fg.jit(lambda k: R.split(k))(R.key(5))
    assert isinstance(out, R.PRNGKeyArray)
    _same(out, jr.split(jr.key(5)))
    _same(fg.vmap(lambda k: R.fold_in(k, 3))(keys), jax.vmap(lambda k: jr.fold_in(k, 3))(jkeys))


def test_gradients_match_jaxs():
    def loss(mod):
        def f(a, lo, hi):
            k1, k2, k3 = mod.split(mod.PRNGKey(4), 3)
            return (mod.gamma(k1, a, (5,)).sum() + mod.uniform(k2, (3,), minval=lo,
                                                                 maxval=hi).sum()
                    + mod.truncated_normal(k3, lo, hi, (4,)).sum())
        return f
    args = (2.5, -1.0, 0.5)
    got = fg.grad(loss(R), argnums=(0, 1, 2))(*args)
    want = jax.grad(loss(jr), argnums=(0, 1, 2))(*args)
    np.testing.assert_allclose(np.array(got, float), np.array(want, float), rtol=1e-9)
    g_small = fg.grad(lambda a: R.loggamma(R.PRNGKey(1), a, (3,)).sum())(0.3)
    j_small = jax.grad(lambda a: jr.loggamma(jr.PRNGKey(1), a, (3,)).sum())(0.3)
    np.testing.assert_allclose(float(g_small), float(j_small), rtol=1e-8)


# ---- bad input: JAX's exception class -----------------------------------------------------------

BAD = {
    "key of 3 words": lambda m: m.normal(np.array([1, 2, 3], np.uint32)),
    "float key": lambda m: m.normal(np.array([1.0, 2.0])),
    "int32 key": lambda m: m.normal(np.array([1, 2], np.int32)),
    "batched key": lambda m: m.normal(m.split(m.PRNGKey(0))),
    "batched typed key": lambda m: m.uniform(m.split(m.key(0))),
    "int as key": lambda m: m.normal(5),
    "float shape": lambda m: m.normal(m.PRNGKey(0), (2.5,)),
    "int dtype to uniform": lambda m: m.uniform(m.PRNGKey(0), (2,), dtype=np.int32),
    "float dtype to randint": lambda m: m.randint(m.PRNGKey(0), (2,), 0, 3, np.float32),
    "int dtype to bits": lambda m: m.bits(m.PRNGKey(0), (2,), np.int32),
    "p of wrong length": lambda m: m.choice(m.PRNGKey(0), 5, (2,), p=np.ones(4) / 4),
    "choice shape not a sequence": lambda m: m.choice(m.PRNGKey(0), 5, 2),
    "too many without replacement": lambda m: m.choice(m.PRNGKey(0), 3, (5,), replace=False),
    "float scalar to permutation": lambda m: m.permutation(m.PRNGKey(0), 2.5),
    "int p to bernoulli": lambda m: m.bernoulli(m.PRNGKey(0), 1),
    "bad bernoulli mode": lambda m: m.bernoulli(m.PRNGKey(0), 0.5, mode="mid"),
    "bad gumbel mode": lambda m: m.gumbel(m.PRNGKey(0), mode="mid"),
    "array data to fold_in": lambda m: m.fold_in(m.PRNGKey(0), np.arange(2)),
    "negative data to fold_in": lambda m: m.fold_in(m.PRNGKey(0), -1),
    "array seed": lambda m: m.PRNGKey(np.array([1, 2])),
    "float seed": lambda m: m.key(1.5),
    "seed beyond int64": lambda m: m.PRNGKey(2 ** 64 + 1),
    "key as seed": lambda m: m.key(m.key(0)),
    "parameter shape not the shape": lambda m: m.truncated_normal(m.PRNGKey(0), np.zeros(3),
                                                                 1.0, (2,)),
    "categorical shape": lambda m: m.categorical(m.PRNGKey(0), np.zeros((2, 3)), shape=(4,)),
    "mvn method": lambda m: m.multivariate_normal(m.PRNGKey(0), np.zeros(2), np.eye(2),
                                                  method="qr"),
    "mvn cov shape": lambda m: m.multivariate_normal(m.PRNGKey(0), np.zeros(2), np.eye(3)),
    "dirichlet scalar alpha": lambda m: m.dirichlet(m.PRNGKey(0), 1.0),
    "wrap 3-word data": lambda m: m.wrap_key_data(np.zeros(3, np.uint32)),
    "key_data of an int": lambda m: m.key_data(7),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_raises_jaxs_class(name):
    with pytest.raises(Exception) as want:
        BAD[name](jr)
    with pytest.raises(Exception) as got:
        BAD[name](R)
    assert isinstance(got.value, type(want.value)), (type(got.value), type(want.value),
                                                     str(got.value))
    assert str(got.value)


def test_the_benchmark_checks_its_numbers_against_jaxs():
    variants = prng.build(harness.Context(quick=True, jax=jax))
    assert {v.framework for v in variants} == {"numpy", "jax", "funcgrad"}
    assert [v.target for v in variants if v.framework == "funcgrad"] == [2.0, 2.0]
