"""Functional random numbers with explicit keys, bit for bit JAX's: the same key, shape and dtype
give the numbers `jax.random` gives (its default threefry2x32 generator, partitionable layout),
eagerly, under jit and under vmap.

Typed keys (`key(0)`, dtype `key<fry>`) and raw uint32[2] keys (`PRNGKey(0)`) are both accepted;
each function returns keys of the kind it was given. Keys, bits and integer or boolean samples are
JAX's exactly; float samples too where the arithmetic is exact (uniform), and otherwise up to the
last bit or two by which numpy's log/exp/tan/pow and XLA's own polynomials (with fused
multiply-adds) differ.

>>> import funcgrad as fg
>>> k1, k2 = fg.random.split(fg.random.key(0))
>>> fg.random.uniform(k1, (2,), fg.numpy.float32)
Array([0.8423141 , 0.18237865], dtype=float32)
"""
from __future__ import annotations

from ._keys import (KeyDType, PRNGKey, PRNGKeyArray, bits, clone, fold_in, key, key_data,
                    key_dtype, key_impl, split, wrap_key_data)
from ._samplers import (cauchy, double_sided_maxwell, exponential, gumbel, laplace, logistic,
                        lognormal, maxwell, multivariate_normal, normal, orthogonal, pareto,
                        rademacher, rayleigh, triangular, truncated_normal, uniform, wald,
                        weibull_min)
from ._discrete import bernoulli, categorical, choice, geometric, permutation, randint
from ._counts import binomial, multinomial, poisson
from ._gamma import (ball, beta, chisquare, dirichlet, f, gamma, generalized_normal, loggamma, t)

__all__ = ["KeyDType", "PRNGKey", "PRNGKeyArray", "bits", "clone", "fold_in", "key", "key_data",
           "key_dtype", "key_impl", "split", "wrap_key_data",
           "cauchy", "double_sided_maxwell", "exponential", "gumbel", "laplace", "logistic",
           "lognormal", "maxwell", "multivariate_normal", "normal", "orthogonal", "pareto",
           "rademacher", "rayleigh", "triangular", "truncated_normal", "uniform", "wald",
           "weibull_min",
           "bernoulli", "categorical", "choice", "geometric", "permutation", "randint",
           "ball", "beta", "chisquare", "dirichlet", "f", "gamma", "generalized_normal",
           "loggamma", "t", "binomial", "multinomial", "poisson"]

