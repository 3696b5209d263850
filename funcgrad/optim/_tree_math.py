"""The tree arithmetic the transforms use, under the names they use: optax.tree's functions
(from `_tree_ops`) as `tree_add`, `tree_cast`..., plus what only transforms need: `tree_scale`
(a 0-d scalar cast to each leaf's dtype, so a float64 learning rate does not promote float32
parameters), `tree_all_finite`, and `global_norm`.

Scalars (Python numbers or 0-d arrays) broadcast over every leaf; trees combine leafwise. All of
it is traceable, so it works under jit, vmap and grad.
"""
from __future__ import annotations

from typing import Any

from .. import numpy as fnp
from .. import tree
from .._core.array import Array
from .._core.typing import PyTree
# the moment helpers and safe counts live in _moments and _numerics; imported here for the
# transforms that take them from this module
from ._moments import bias_correction, update_infinity_moment, update_moment  # noqa: F401
from ._numerics import cast_like, safe_increment, zero_count  # noqa: F401
# the leafwise arithmetic transforms share with optax.tree's public functions
from ._tree_ops import add as tree_add
from ._tree_ops import cast as tree_cast
from ._tree_ops import cast_like as tree_cast_like
from ._tree_ops import div as tree_div
from ._tree_ops import full_like as tree_full_like
from ._tree_ops import mul as tree_mul
from ._tree_ops import norm
from ._tree_ops import where as tree_where
from ._tree_ops import zeros_like as tree_zeros_like

__all__ = ["tree_add", "tree_cast", "tree_cast_like", "tree_div", "tree_full_like", "tree_mul",
           "tree_where", "tree_zeros_like", "tree_scale", "global_norm", "tree_all_finite",
           "cast_like", "update_moment", "update_infinity_moment", "bias_correction",
           "safe_increment", "zero_count"]


def tree_scale(s: Any, t: PyTree) -> PyTree:
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


def tree_all_finite(t: PyTree) -> Array:
    """A scalar boolean: whether every element of every leaf is finite.

    >>> import funcgrad.numpy as fnp
    >>> tree_all_finite({"a": fnp.array([1.0, fnp.inf])}), tree_all_finite({})
    (Array(False, dtype=bool), Array(True, dtype=bool))
    """
    flags = [fnp.all(fnp.isfinite(x)) for x in tree.tree_leaves(t)]
    return fnp.all(fnp.stack(flags)) if flags else fnp.asarray(True)
