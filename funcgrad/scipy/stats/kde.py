"""Gaussian kernel density estimation, as jax.scipy.stats.gaussian_kde: a pytree (its arrays are
leaves, so it passes through jit, vmap and grad), differentiable in the data, the weights and the
evaluation points."""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import lax
from ... import numpy as fnp
from ... import tree
from ..._core.array import Array
from ..._core.trace import get_aval
from ..._core.typing import ArrayLike
from ...lax import random_bits
from .. import special
from ._common import LOG_2PI

BwMethod = Any  # 'scott', 'silverman', a scalar, or a callable of the estimator


def _at_least(x: ArrayLike, ndim: int) -> Array:
    """x as an array of at least ndim dimensions, leading ones added (numpy's atleast_1d/2d)."""
    a = fnp.asarray(x)
    return a if a.ndim >= ndim else fnp.reshape(a, (1,) * (ndim - a.ndim) + a.shape)


@tree.register_pytree_node_class
class gaussian_kde:
    """A kernel density estimate with Gaussian kernels of covariance factor**2 times the weighted
    data covariance; `dataset` is (d, n) (a 1-d array is one variable). bw_method: 'scott'
    (neff**(-1/(d+4)), the default), 'silverman' ((neff (d+2)/4)**(-1/(d+4))), a scalar factor or a
    callable of the estimator returning one.

    >>> kde = gaussian_kde(fnp.array([0.0, 1.0, 2.0, 3.0]))
    >>> round(float(kde.evaluate(1.5)[0]), 12)
    0.241864668107
    """
    dataset: Array
    weights: Array
    neff: Array
    covariance: Array
    inv_cov: Array

    def __init__(self, dataset: ArrayLike, bw_method: BwMethod = None,
                 weights: ArrayLike | None = None) -> None:
        data = _at_least(dataset, 2)
        if data.dtype.kind == "c":
            raise NotImplementedError("gaussian_kde does not support complex data")
        if not data.size > 1:
            raise ValueError("`dataset` input should have multiple elements.")
        if data.dtype.kind != "f":
            data = data.astype(np.float64)
        d, n = data.shape
        if weights is None:
            w = fnp.full(n, 1.0 / n, dtype=data.dtype)
        else:
            w = _at_least(weights, 1)
            if w.ndim != 1:
                raise ValueError("`weights` input should be one-dimensional.")
            if w.shape[0] != n:
                raise ValueError(f"`weights` input should be of length n (= {n}), got "
                                 f"{w.shape[0]}")
            dt = fnp.result_type(data, w, 1.0)
            data, w = data.astype(dt), w.astype(dt)
            w = w / fnp.sum(w)
        self.dataset, self.weights = data, w
        self.neff = 1 / fnp.sum(w * w)
        factor: Any
        if bw_method is None or (isinstance(bw_method, str) and bw_method == "scott"):
            factor = self.neff ** (-1.0 / (d + 4))
        elif isinstance(bw_method, str) and bw_method == "silverman":
            factor = (self.neff * (d + 2) / 4.0) ** (-1.0 / (d + 4))
        elif np.isscalar(bw_method) and not isinstance(bw_method, str):
            factor = bw_method
        elif callable(bw_method):
            factor = bw_method(self)
        else:
            raise ValueError("`bw_method` should be 'scott', 'silverman', a scalar, or a "
                             f"callable; got {bw_method!r}")
        # numpy's cov with aweights (normalized w): sum w (x - m)(x - m)^T / (1 - sum w**2)
        centered = data - fnp.sum(data * w, axis=1, keepdims=True)
        data_cov = (centered * w) @ centered.T / (1 - fnp.sum(w * w))
        self.covariance = data_cov * factor ** 2
        self.inv_cov = fnp.linalg.inv(data_cov) / factor ** 2

    def tree_flatten(self) -> tuple[tuple[Array, ...], None]:
        return (self.dataset, self.weights, self.neff, self.covariance, self.inv_cov), None

    @classmethod
    def tree_unflatten(cls, aux_data: None, children: tuple[Any, ...]) -> gaussian_kde:
        obj = object.__new__(cls)
        obj.dataset, obj.weights, obj.neff, obj.covariance, obj.inv_cov = children
        return obj

    @property
    def d(self) -> int:
        """The number of variables."""
        return int(self.dataset.shape[0])

    @property
    def n(self) -> int:
        """The number of data points."""
        return int(self.dataset.shape[1])

    def _points(self, points: ArrayLike) -> Array:
        p = _at_least(points, 2)
        if p.dtype.kind == "c":
            raise NotImplementedError("gaussian_kde does not support complex coordinates")
        if p.shape[0] != self.d:
            if p.shape == (1, self.d):
                return p.T
            raise ValueError(f"points have dimension {p.shape[0]}, dataset has dimension "
                             f"{self.d}: pass points of shape ({self.d}, m)")
        return p

    def _log_terms(self, points: Array, data: Array, log_w: Array, cov: Array) -> Array:
        """log(w_i N(x_j; data_i, cov)) as an (n, m) array."""
        diff = data[:, :, None] - points[:, None, :]  # (d, n, m)
        inv = fnp.linalg.inv(cov)
        energy = fnp.einsum("inm,ij,jnm->nm", diff, inv, diff)
        _, logdet = fnp.linalg.slogdet(cov)
        return log_w[:, None] - 0.5 * energy - 0.5 * (logdet + self.d * LOG_2PI)

    def logpdf(self, x: ArrayLike) -> Array:
        """The log density at the points x ((d, m), or (m,) for d == 1), by logsumexp over the
        kernels (no underflow far from the data).

        >>> kde = gaussian_kde(fnp.array([0.0, 1.0, 2.0, 3.0]))
        >>> round(float(kde.logpdf(30.0)[0]), 6)
        -383.062203
        """
        pts = self._points(x)
        terms = self._log_terms(pts, self.dataset, fnp.log(self.weights), self.covariance)
        return special.logsumexp(terms, axis=0)

    def evaluate(self, points: ArrayLike) -> Array:
        """The density at the points ((d, m), or (m,) for d == 1).

        >>> kde = gaussian_kde(fnp.array([[0.0, 1.0, 2.0], [1.0, 0.0, 2.0]]))
        >>> kde.evaluate(fnp.array([[1.0], [1.0]])).shape
        (1,)
        """
        return fnp.exp(self.logpdf(points))

    def __call__(self, points: ArrayLike) -> Array:
        return self.evaluate(points)

    def pdf(self, x: ArrayLike) -> Array:
        """The density at x (as evaluate).

        >>> kde = gaussian_kde(fnp.array([0.0, 1.0, 2.0, 3.0]))
        >>> round(float(kde.pdf(1.5)[0]), 12)
        0.241864668107
        """
        return self.evaluate(x)

    def integrate_gaussian(self, mean: ArrayLike, cov: ArrayLike) -> Array:
        """The integral of the estimate times the Gaussian N(mean, cov).

        >>> kde = gaussian_kde(fnp.array([0.0, 1.0, 2.0, 3.0]))
        >>> round(float(kde.integrate_gaussian(fnp.array([1.0]), fnp.array([[2.0]]))), 12)
        0.18543883492
        """
        m = _at_least(mean, 1)
        c = _at_least(cov, 2)
        if m.shape != (self.d,):
            raise ValueError(f"mean does not have dimension {self.d}")
        if c.shape != (self.d, self.d):
            raise ValueError(f"covariance does not have dimension {self.d}")
        terms = self._log_terms(m[:, None], self.dataset, fnp.log(self.weights),
                                self.covariance + c)
        return fnp.exp(special.logsumexp(terms))

    def integrate_box_1d(self, low: ArrayLike, high: ArrayLike) -> Array:
        """The probability mass between low and high (d == 1 only).

        >>> kde = gaussian_kde(fnp.array([0.0, 1.0, 2.0, 3.0]))
        >>> round(float(kde.integrate_box_1d(-100.0, 100.0)), 12)
        1.0
        """
        if self.d != 1:
            raise ValueError("integrate_box_1d() only handles 1D pdfs")
        sd = fnp.sqrt(self.covariance[0, 0])
        x = self.dataset[0]
        lo = (fnp.asarray(low) - x) / sd
        hi = (fnp.asarray(high) - x) / sd
        return fnp.sum(self.weights * (special.ndtr(hi) - special.ndtr(lo)))

    def integrate_kde(self, other: gaussian_kde) -> Array:
        """The integral of the product of two estimates of the same dimension.

        >>> a = gaussian_kde(fnp.array([0.0, 1.0, 2.0]))
        >>> round(float(a.integrate_kde(a)), 12)
        0.239643694193
        """
        if other.d != self.d:
            raise ValueError("KDEs are not the same dimensionality")
        log_vw = fnp.log(other.weights)
        terms = [self._log_terms(self.dataset, other.dataset[:, j:j + 1],
                                 log_vw[j:j + 1] + fnp.zeros(1, dtype=log_vw.dtype),
                                 self.covariance + other.covariance)
                 for j in range(other.n)]  # each (1, n_self)
        stacked = fnp.concatenate(terms, axis=0) + fnp.log(self.weights)[None, :]
        return fnp.exp(special.logsumexp(stacked))

    def integrate_box(self, low_bounds: ArrayLike, high_bounds: ArrayLike,
                      maxpts: int | None = None) -> Array:
        """Not implemented (as JAX's): integrate_box_1d covers d == 1."""
        raise NotImplementedError("only 1D box integrations are supported: use "
                                  "integrate_box_1d")

    def resample(self, key: Any, shape: tuple[int, ...] = ()) -> Array:
        """A sample of (d,) + shape drawn from the estimate with `key` (a typed key or raw
        uint32[2] key data), as JAX's: the key split in two, kernel indices drawn by the
        weights (inverse CDF of one uniform each) and Gaussian noise of the kernel covariance
        (its Cholesky factor times standard normals); the same numbers JAX draws. JAX's result
        has its axes in the wrong order for a shape of two or more axes (or fails); here the
        variables are always the first axis.

        >>> import funcgrad as fg
        >>> kde = gaussian_kde(fnp.array([0.0, 1.0, 2.0, 5.0]))
        >>> kde.resample(fg.random.key(0), (3,)).shape
        (1, 3)
        """
        data = _key_data(key)
        if not isinstance(shape, (tuple, list)):
            raise TypeError(f"gaussian_kde.resample: shape must be a tuple of ints, got "
                            f"{shape!r}; pass shape=({shape},) for a 1-d sample")
        shape = tuple(int(s) for s in shape)
        ind_key, eps_key = random_bits.random_split(data, shape=(2,))
        p = self.weights
        p_cuml = fnp.cumsum(p)
        dt = get_aval(p).dtype
        u = random_bits.random_unit(ind_key, shape=shape, dtype=dt)
        ind = fnp.searchsorted(p_cuml, lax.mul(p_cuml[-1], lax.sub(dt.type(1), u)))
        z = random_bits.random_normal(eps_key, shape=shape + (self.d,),
                                      dtype=get_aval(self.dataset).dtype)
        factor = fnp.linalg.cholesky(self.covariance)
        eps = fnp.moveaxis(fnp.einsum("ij,...j->...i", factor, z), -1, 0)
        return self.dataset[:, ind] + eps

    def set_bandwidth(self, bw_method: BwMethod = None) -> None:
        """Not implemented (as JAX's): the estimator is immutable."""
        raise NotImplementedError("dynamically changing the bandwidth method is not supported; "
                                  "build a new gaussian_kde(dataset, bw_method=...)")


def _key_data(key: Any) -> Any:
    """The uint32 (2,) data of a PRNG key. funcgrad.random (which defines typed keys) sits
    above scipy in the import order, so the key is read through the pytree protocol that
    typed keys follow (a typed key is a pytree node whose one leaf is its data; raw key data
    is that leaf itself) and drawn from with the lax-level primitives funcgrad.random's own
    split/uniform/normal bind: the same numbers, no upward import."""
    leaves = tree.tree_leaves(key)
    data = fnp.asarray(leaves[0]) if len(leaves) == 1 else None
    if data is None or get_aval(data).shape != (2,) or get_aval(data).dtype != np.uint32:
        raise TypeError(f"gaussian_kde.resample: key must be one PRNG key (fg.random.key(seed) "
                        f"or fg.random.PRNGKey(seed)), got {str(key)[:80]}")
    return data


__all__ = ["gaussian_kde"]
