"""funcgrad.random: the same key gives the same numbers eagerly, under jit and under vmap; split
keys are independent; the distributions have the right moments and pass Kolmogorov-Smirnov."""
from __future__ import annotations

import math

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

R = fg.random


def _ks_statistic(samples, cdf):
    x = np.sort(np.asarray(samples, dtype=np.float64))
    n = len(x)
    f = cdf(x)
    return max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n))


def _ks_ok(samples, cdf):
    # The 0.1% critical value of the one-sample KS statistic: 1.95 / sqrt(n).
    return _ks_statistic(samples, cdf) < 1.95 / math.sqrt(len(samples))


_erf = np.vectorize(math.erf)


def normal_cdf(x):
    return 0.5 * (1 + _erf(x / math.sqrt(2)))


def test_keys_and_determinism():
    assert R.PRNGKey(0).dtype == np.uint32 and R.PRNGKey(0).shape == (2,)
    k = R.key(0)
    assert str(k.dtype) == "key<fry>" and k.shape == ()
    np.testing.assert_array_equal(R.uniform(k, (5,)), R.uniform(R.key(0), (5,)))
    assert not np.array_equal(R.uniform(k, (5,)), R.uniform(R.key(1), (5,)))
    a, b = R.split(k)
    assert not np.array_equal(R.key_data(a), R.key_data(b))
    assert not np.array_equal(R.key_data(R.fold_in(k, 1)), R.key_data(R.fold_in(k, 2)))


@pytest.mark.parametrize("sampler", [
    lambda k: R.uniform(k, (4, 3)),
    lambda k: R.normal(k, (7,)),
    lambda k: R.randint(k, (6,), 0, 10),
    lambda k: R.bernoulli(k, 0.3, (5,)),
    lambda k: R.gamma(k, 2.5, (4,)),
    lambda k: R.permutation(k, 8),
    lambda k: R.categorical(k, fnp.log(fnp.array([0.2, 0.3, 0.5]))),
])
def test_same_numbers_eager_jit_and_vmap(sampler):
    k = R.key(42)
    eager = np.asarray(sampler(k))
    np.testing.assert_array_equal(np.asarray(fg.jit(sampler)(k)), eager)
    keys = R.split(k, 3)
    batched = np.asarray(fg.vmap(sampler)(keys))
    loop = np.stack([np.asarray(sampler(keys[i])) for i in range(3)])
    np.testing.assert_array_equal(batched, loop)


def test_uniform_and_normal_distributions():
    k1, k2 = R.split(R.key(7))
    u = np.asarray(R.uniform(k1, (20000,)))
    assert u.min() >= 0 and u.max() < 1
    assert _ks_ok(u, lambda x: np.clip(x, 0, 1))
    z = np.asarray(R.normal(k2, (20000,)))
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    assert _ks_ok(z, normal_cdf)
    u32 = R.uniform(k1, (10,), dtype=np.float32)
    assert u32.dtype == np.float32


def test_split_streams_are_independent():
    keys = R.split(R.key(3), 2)
    a = np.asarray(R.normal(keys[0], (20000,)))
    b = np.asarray(R.normal(keys[1], (20000,)))
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.03


def test_discrete_samplers():
    k = R.key(11)
    r = np.asarray(R.randint(k, (30000,), 3, 8))
    assert r.min() == 3 and r.max() == 7
    np.testing.assert_allclose(np.bincount(r - 3) / len(r), 0.2, atol=0.015)
    b = np.asarray(R.bernoulli(k, 0.3, (30000,)))
    assert abs(b.mean() - 0.3) < 0.015
    p = np.array([0.1, 0.2, 0.7])
    c = np.asarray(fg.vmap(lambda kk: R.categorical(kk, fnp.log(fnp.asarray(p))))(
        R.split(k, 20000)))
    np.testing.assert_allclose(np.bincount(c, minlength=3) / len(c), p, atol=0.015)
    perm = np.asarray(R.permutation(k, 50))
    assert sorted(perm.tolist()) == list(range(50))
    ch = np.asarray(R.choice(k, 10, (10,), replace=False))
    assert sorted(ch.tolist()) == list(range(10))


@pytest.mark.parametrize("a", [0.4, 1.0, 3.5])
def test_gamma_moments(a):
    g = np.asarray(R.gamma(R.key(5), a, (40000,)))
    assert abs(g.mean() - a) < 0.05 * max(a, 1) and abs(g.var() - a) < 0.1 * max(a, 1)


def test_beta_dirichlet_truncated_normal():
    k = R.key(9)
    b = np.asarray(R.beta(k, 2.0, 3.0, (40000,)))
    assert abs(b.mean() - 0.4) < 0.01
    d = np.asarray(R.dirichlet(k, fnp.array([1.0, 2.0, 3.0]), (20000,)))
    np.testing.assert_allclose(d.sum(-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(d.mean(0), [1 / 6, 2 / 6, 3 / 6], atol=0.01)
    t = np.asarray(R.truncated_normal(k, -1.0, 2.0, (20000,)))
    assert t.min() >= -1 and t.max() <= 2
    lo, hi = normal_cdf(-1.0), normal_cdf(2.0)
    assert _ks_ok(t, lambda x: (normal_cdf(x) - lo) / (hi - lo))


def test_bad_key_is_a_clear_error():
    with pytest.raises(TypeError, match="invalid PRNG key data"):
        R.uniform(fnp.zeros(3), (2,))


def test_dropout_keeps_expectation():
    x = fnp.ones(40000)
    y = np.asarray(fg.nn.dropout(R.key(1), 0.25, x))
    assert abs(y.mean() - 1.0) < 0.02
    assert set(np.unique(y)).issubset({0.0, 1 / 0.75})
