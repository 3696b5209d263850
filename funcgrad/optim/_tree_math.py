"""Arithmetic on pytrees, shared by every transform: the one place optimizers do tree math.

Scalars (Python numbers or 0-d arrays) broadcast over every leaf; trees combine leafwise. All of
it is traceable, so it works under jit, vmap and grad.
"""
from __future__ import annotations

from .. import numpy as fnp
from .. import tree
from .._core.array import Array
from .._core.typing import PyTree
# the moment helpers and safe counts live in _moments and _numerics; imported here for the
# transforms that take them from this module
from ._moments import bias_correction, update_infinity_moment, update_moment  # noqa: F401
from ._numerics import cast_like, safe_increment, zero_count  # noqa: F401


def tree_add(a, b):
    """a + b leafwise.

    >>> tree_add({"w": 1.0}, {"w": 2.0})
    {'w': 3.0}
    """
    return tree.tree_map(lambda x, y: x + y, a, b)


def tree_mul(a, b):
    return tree.tree_map(lambda x, y: x * y, a, b)


def tree_div(a, b):
    return tree.tree_map(lambda x, y: x / y, a, b)


def tree_scale(s, t):
    """s * t for a scalar s: a Python number, or a 0-d array cast to each leaf's dtype (so a
    float64 learning rate does not promote float32 parameters).

    >>> import funcgrad.numpy as fnp
    >>> tree_scale(fnp.asarray(0.5), {"w": fnp.ones(2, fnp.float32)})
    {'w': Array([0.5, 0.5], dtype=float32)}
    """
    return tree.tree_map(lambda x: cast_like(s, x) * x, t)


def tree_zeros_like(t, dtype=None):
    """
    >>> tree_zeros_like((1.0, [2.0]))
    (Array(0., dtype=float64), [Array(0., dtype=float64)])
    """
    return tree.tree_map(lambda x: fnp.zeros_like(x, dtype=dtype), t)


def tree_full_like(t, value, dtype=None):
    return tree.tree_map(lambda x: fnp.full_like(x, value, dtype=dtype), t)


def tree_where(cond, a, b):
    """fnp.where(cond, a, b) leafwise for a scalar boolean cond; how a traced decision picks one
    of two trees without a Python branch."""
    return tree.tree_map(lambda x, y: fnp.where(cond, x, y), a, b)


def tree_cast(t, dtype):
    return t if dtype is None else tree.tree_map(lambda x: fnp.asarray(x, dtype), t)


def global_norm(t: PyTree) -> Array:
    """The L2 norm of all leaves together, as one flat vector.

    >>> import funcgrad.numpy as fnp
    >>> global_norm({"a": fnp.array([3.0]), "b": fnp.array([[4.0]])})
    Array(5., dtype=float64)
    """
    # start=0 (weakly typed) keeps float32 leaves' sums in float32
    return fnp.sqrt(fnp.asarray(sum((fnp.sum(fnp.square(x)) for x in tree.tree_leaves(t)),
                                    start=0)))


def tree_all_finite(t):
    """A scalar boolean: whether every element of every leaf is finite."""
    flags = [fnp.all(fnp.isfinite(x)) for x in tree.tree_leaves(t)]
    return fnp.all(fnp.stack(flags)) if flags else fnp.asarray(True)
