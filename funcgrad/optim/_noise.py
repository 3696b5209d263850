"""Randomness in optimizers: gradient noise (add_noise, behind noisy_sgd), the diagonal Gaussian
that optax's evolution-strategy examples sample from (multi_normal), and scale_gradient, which
rescales only the backward pass.

funcgrad.random is not JAX's PRNG (its bits differ), so the same seed gives other samples than
optax: the noise has the same law, shapes and dtypes, not the same values (docs/optimizers.md).
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import numpy as fnp
from .. import random
from .. import tree
from .._core.array import Array
from .._core.typing import ArrayLike, PyTree
from .._custom import custom_vjp
from .._api import stop_gradient
from ._base import GradientTransformation, StepCount
from ._numerics import cast_like, safe_increment, zero_count


class AddNoiseState(NamedTuple):
    """The state of add_noise: the step count (the noise anneals with it) and the PRNG key."""
    count: StepCount
    rng_key: Array


def _canonical_key(key: Any) -> Any:
    """A funcgrad PRNG key from a key or an int seed (a typed key, as optax makes)."""
    if isinstance(key, int):
        return random.key(key)
    return key if isinstance(key, random.PRNGKeyArray) else fnp.asarray(key)


def add_noise(eta: ArrayLike, gamma: ArrayLike, key: ArrayLike | int | None = None, *,
              seed: int | None = None) -> GradientTransformation:
    """Add Gaussian noise of variance eta / t**gamma at step t to the updates (Neelakantan et al.
    2015). `key` is a PRNG key or an int seed (`seed` is its deprecated name).

    >>> import funcgrad.numpy as fnp
    >>> t = add_noise(eta=0.0, gamma=0.55, key=0)  # no variance: the updates pass unchanged
    >>> t.update(fnp.array([1.0, 2.0]), t.init(None))[0]
    Array([1., 2.], dtype=float64)
    """
    if seed is not None:
        warnings.warn('add_noise: "seed" is deprecated, use "key"', DeprecationWarning,
                      stacklevel=2)
        if key is not None:
            raise ValueError("add_noise: give only one of seed and key")
        key = seed
    if key is None:
        warnings.warn("add_noise: no key given, using key=0; pass key= (a key or an int seed)",
                      stacklevel=2)
        key = 0
    rng = _canonical_key(key)

    def init(params):
        del params
        return AddNoiseState(zero_count(), rng)

    def update(updates, state, params=None):
        del params
        count = safe_increment(state.count)
        std = fnp.sqrt(eta / fnp.asarray(count, fnp.float64) ** gamma)
        rng_key, sample_key = random.split(state.rng_key)
        leaves, treedef = tree.tree_flatten(updates)
        keys = random.split(sample_key, max(len(leaves), 1))
        noisy = [g + cast_like(std, g) * random.normal(k, g.shape, g.dtype)
                 for g, k in zip(leaves, keys)]
        return tree.tree_unflatten(treedef, noisy), AddNoiseState(count, rng_key)

    return GradientTransformation(init, update)


class MultiNormalDiagFromLogScale:
    """A Gaussian with diagonal covariance, parameterized by its mean and log standard deviation
    (made by multi_normal)."""

    def __init__(self, loc: ArrayLike, log_scale: ArrayLike):
        self._log_scale = fnp.asarray(log_scale)
        self._scale = fnp.exp(log_scale)
        self._mean = fnp.asarray(loc)
        self._param_shape = np.broadcast_shapes(tuple(self._mean.shape),
                                                tuple(self._scale.shape))

    def sample(self, shape: Sequence[int], key: ArrayLike) -> Array:
        """Samples of shape `shape + param_shape`."""
        sample_shape = tuple(shape) + tuple(self._param_shape)
        return random.normal(key, sample_shape, self._mean.dtype) * self._scale + self._mean

    def log_prob(self, x: ArrayLike) -> Array:
        """The log density of x, summed over the parameter axes."""
        z = (fnp.asarray(x) - self._mean) / self._scale
        logpdf = -0.5 * z * z - fnp.log(self._scale) - 0.5 * math.log(2 * math.pi)
        return fnp.sum(logpdf, axis=tuple(-(i + 1) for i in range(len(self._param_shape))))

    @property
    def log_scale(self) -> Array:
        """The log standard deviation."""
        return self._log_scale

    @property
    def params(self) -> list[Array]:
        """[mean, log_scale]."""
        return [self._mean, self._log_scale]


def multi_normal(loc: ArrayLike, log_scale: ArrayLike) -> MultiNormalDiagFromLogScale:
    """A diagonal Gaussian with mean `loc` and standard deviation exp(log_scale).

    >>> import funcgrad.numpy as fnp
    >>> d = multi_normal(fnp.zeros(2), fnp.zeros(2))
    >>> d.log_prob(fnp.zeros(2))  # log of 1 / (2 pi)
    Array(-1.83787707, dtype=float64)
    >>> d.sample((3,), random.key(0)).shape
    (3, 2)
    """
    return MultiNormalDiagFromLogScale(loc, log_scale)


@custom_vjp
def _scale_gradient(inputs: PyTree, scale: ArrayLike) -> PyTree:
    del scale  # read by the backward pass only
    return inputs


def _scale_gradient_fwd(inputs, scale):
    return inputs, scale


def _scale_gradient_bwd(scale, g):
    return tree.tree_map(lambda x: x * scale, g), None


_scale_gradient.defvjp(_scale_gradient_fwd, _scale_gradient_bwd)


def scale_gradient(inputs: PyTree, scale: ArrayLike) -> PyTree:
    """The identity on `inputs`, whose gradient is multiplied by `scale` on the way back
    (scale=0 stops it).

    >>> import funcgrad as fg
    >>> fg.grad(lambda x: 3.0 * scale_gradient(x, 0.5))(1.0)
    Array(1.5, dtype=float64)
    """
    if isinstance(scale, (int, float)) and scale == 1.0:
        return inputs
    if isinstance(scale, (int, float)) and scale == 0.0:
        return tree.tree_map(stop_gradient, inputs)
    return _scale_gradient(inputs, scale)
