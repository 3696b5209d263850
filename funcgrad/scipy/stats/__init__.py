"""funcgrad.scipy.stats: jax.scipy.stats's distributions, differentiable. Each is a module of
functions (`stats.norm.logpdf(x, loc=0, scale=1)`), written in lax operations over
funcgrad.scipy.special, with scipy's values: NaN for an invalid parameter, -inf log-density
outside the support."""
from . import (bernoulli, beta, betabinom, binom, cauchy, chi2, dirichlet, expon, gamma, gennorm,
               geom, gumbel_l, gumbel_r, laplace, logistic, multinomial, multivariate_normal,
               nbinom, norm, pareto, poisson, t, truncnorm, uniform, vonmises, wrapcauchy)
from .descriptive import mode, rankdata, sem
from .kde import gaussian_kde

__all__ = ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon",
           "gamma", "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic", "multinomial",
           "multivariate_normal", "nbinom", "norm", "pareto", "poisson", "t", "truncnorm",
           "uniform", "vonmises", "wrapcauchy", "mode", "rankdata", "sem",
           "gaussian_kde"]
