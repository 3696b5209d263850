"""Arithmetic on pytrees, shared by every transform: the one place optimizers do tree math.

Scalars (Python numbers or 0-d arrays) broadcast over every leaf; trees combine leafwise. All of
it is traceable, so it works under jit, vmap and grad.
"""
from __future__ import annotations

import numpy as np

from .. import numpy as fnp
from .. import tree
from .._core.array import Array
from .._core.typing import PyTree
# the leafwise arithmetic transforms share with optax.tree's public functions
from ._tree_ops import add as tree_add
from ._tree_ops import cast as tree_cast
from ._tree_ops import div as tree_div
from ._tree_ops import full_like as tree_full_like
from ._tree_ops import mul as tree_mul
from ._tree_ops import norm
from ._tree_ops import where as tree_where
from ._tree_ops import zeros_like as tree_zeros_like

__all__ = ["tree_add", "tree_cast", "tree_div", "tree_full_like", "tree_mul", "tree_where",
           "tree_zeros_like", "tree_scale", "global_norm", "tree_all_finite", "cast_like",
           "update_moment", "update_infinity_moment", "update_moment_per_elem_norm",
           "bias_correction", "safe_increment", "zero_count"]


def tree_scale(s, t):
    """s * t for a scalar s: a Python number, or a 0-d array cast to each leaf's dtype (so a
    float64 learning rate does not promote float32 parameters).

    >>> import funcgrad.numpy as fnp
    >>> tree_scale(fnp.asarray(0.5), {"w": fnp.ones(2, fnp.float32)})
    {'w': Array([0.5, 0.5], dtype=float32)}
    """
    return tree.tree_map(lambda x: cast_like(s, x) * x, t)


def global_norm(t: PyTree) -> Array:
    """The L2 norm of all leaves together, as one flat vector.

    >>> import funcgrad.numpy as fnp
    >>> global_norm({"a": fnp.array([3.0]), "b": fnp.array([[4.0]])})
    Array(5., dtype=float64)
    """
    return norm(t)


def tree_all_finite(t):
    """A scalar boolean: whether every element of every leaf is finite."""
    flags = [fnp.all(fnp.isfinite(x)) for x in tree.tree_leaves(t)]
    return fnp.all(fnp.stack(flags)) if flags else fnp.asarray(True)


def cast_like(s, x):
    """s in x's dtype when s is an array; Python scalars stay weakly typed as they are."""
    if isinstance(s, (int, float)):
        return s
    return fnp.asarray(s, fnp.asarray(x).dtype)


def update_moment(updates, moments, decay, order):
    """The exponential moving average (1 - decay) * g**order + decay * m, leafwise.

    >>> update_moment({"w": 2.0}, {"w": 1.0}, decay=0.75, order=2)
    {'w': 1.75}
    """
    return tree.tree_map(
        lambda g, m: (1 - cast_like(decay, m)) * g ** order + cast_like(decay, m) * m,
        updates, moments)


def update_infinity_moment(updates, moments, decay, eps):
    """Adamax's decaying running maximum: max(|g| + eps, decay * m), leafwise."""
    return tree.tree_map(
        lambda g, m: fnp.maximum(fnp.abs(g) + cast_like(eps, m), cast_like(decay, m) * m),
        updates, moments)


def bias_correction(moments, decay, count):
    """moments / (1 - decay**count). The factor is computed in the moment's real dtype but at
    least float32, as optax computes it with JAX's default 32-bit types (so float32 trajectories
    round as optax's do), and only then cast: in float16 decay**count rounds to 1 and the
    division would blow up.

    >>> import funcgrad.numpy as fnp
    >>> bias_correction([fnp.array([0.1], fnp.float32)], 0.9, fnp.asarray(1, fnp.int32))
    [Array([0.99999976], dtype=float32)]
    """
    factors = {}

    def one(m):
        dt = np.dtype(np.finfo(np.promote_types(np.dtype(m.dtype), np.float32)).dtype)
        if dt not in factors:  # one factor per dtype
            factors[dt] = 1 - fnp.asarray(decay, dt) ** fnp.asarray(count).astype(dt)
        return m / factors[dt].astype(m.dtype)

    return tree.tree_map(one, moments)


def safe_increment(count):
    """count + 1, saturating at the dtype's maximum instead of wrapping around to negative.

    >>> import funcgrad.numpy as fnp
    >>> safe_increment(fnp.asarray(2**31 - 1, fnp.int32))
    Array(2147483647, dtype=int32)
    """
    top = np.iinfo(np.dtype(count.dtype)).max
    return fnp.where(count < top, count + 1, count)


def zero_count():
    return fnp.zeros([], fnp.int32)


def update_moment_per_elem_norm(updates, moments, decay, order):
    """The exponential moving average of |g|**order, leafwise: g**order for real leaves, and
    (re² + im²)**(order / 2) for complex ones, so the moment of a complex gradient is real.

    >>> import funcgrad.numpy as fnp
    >>> update_moment_per_elem_norm({"w": fnp.array([1j])}, {"w": fnp.zeros(1)}, 0.5, 2)
    {'w': Array([0.5], dtype=float64)}
    """
    def norm_pow(g):
        if not fnp.iscomplexobj(g):
            return g ** order
        half = order / 2
        return (fnp.real(g) ** 2 + fnp.imag(g) ** 2) ** (int(half) if half == int(half) else half)

    return tree.tree_map(
        lambda g, m: (1 - cast_like(decay, m)) * norm_pow(g) + cast_like(decay, m) * m,
        updates, moments)
