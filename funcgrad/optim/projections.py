"""Euclidean projections of pytrees onto convex sets (optax.projections): the building block of
projected gradient descent, params <- projection(params - lr * grad).

>>> import funcgrad.numpy as fnp
>>> projection_simplex(fnp.array([0.5, 2.0, -1.0]))
Array([0., 1., 0.], dtype=float64)
"""
from __future__ import annotations

from typing import Any

from .. import lax
from .. import numpy as fnp
from .. import tree as tree_lib
from .._core.typing import ArrayLike, PyTree
from ._linear_algebra import ravel_tree
from ._simplex import projection_unit_simplex
from ._tree_ops import norm as tree_norm
from ._tree_ops import vdot as tree_vdot

__all__ = ["projection_non_negative", "projection_box", "projection_hypercube",
           "projection_simplex", "projection_l1_sphere", "projection_l1_ball",
           "projection_l2_sphere", "projection_l2_ball", "projection_linf_ball",
           "projection_vector", "projection_hyperplane", "projection_halfspace"]


def _like(bound: Any, t: PyTree) -> PyTree:
    """A bound given as one number, spread over the leaves of t; a tree bound as it is."""
    if tree_lib.tree_structure(bound) == tree_lib.tree_structure(t):
        return bound
    return tree_lib.tree_map(lambda _: bound, t)


def projection_non_negative(tree: PyTree) -> PyTree:
    """max(x, 0) leafwise: the projection onto the non-negative orthant.

    >>> import funcgrad.numpy as fnp
    >>> projection_non_negative({"w": fnp.array([-1.0, 2.0])})
    {'w': Array([0., 2.], dtype=float64)}
    """
    return tree_lib.tree_map(lambda x: fnp.maximum(x, 0), tree)


def projection_box(tree: PyTree, lower: Any, upper: Any) -> PyTree:
    """clip(x, lower, upper) leafwise; the bounds are numbers or trees like `tree`.

    >>> import funcgrad.numpy as fnp
    >>> projection_box(fnp.array([-2.0, 0.5, 3.0]), -1.0, 1.0)
    Array([-1. ,  0.5,  1. ], dtype=float64)
    """
    return tree_lib.tree_map(fnp.clip, tree, _like(lower, tree), _like(upper, tree))


def projection_hypercube(tree: PyTree, scale: Any = 1) -> PyTree:
    """The projection onto [0, scale]^n.

    >>> import funcgrad.numpy as fnp
    >>> projection_hypercube(fnp.array([-2.0, 0.5, 3.0]))
    Array([0. , 0.5, 1. ], dtype=float64)
    """
    return projection_box(tree, lower=0, upper=scale)


def projection_simplex(tree: PyTree, scale: ArrayLike = 1) -> PyTree:
    """The projection onto the simplex {x >= 0, sum(x) = scale}, all leaves taken as one vector
    (Duchi et al. 2008's sort-based algorithm), differentiable almost everywhere.

    >>> import funcgrad.numpy as fnp
    >>> projection_simplex({"a": fnp.array([1.0, 1.0]), "b": fnp.array(0.0)}, scale=1.0)
    {'a': Array([0.5, 0.5], dtype=float64), 'b': Array(0., dtype=float64)}
    """
    values, unravel = ravel_tree(tree)
    return unravel(scale * projection_unit_simplex(values / scale))


def projection_l1_sphere(tree: PyTree, scale: ArrayLike = 1) -> PyTree:
    """The projection onto the L1 sphere {sum |x| = scale}.

    >>> import funcgrad.numpy as fnp
    >>> projection_l1_sphere(fnp.array([2.0, -2.0]))
    Array([ 0.5, -0.5], dtype=float64)
    """
    signs = tree_lib.tree_map(fnp.sign, tree)
    magnitudes = projection_simplex(tree_lib.tree_map(fnp.abs, tree), scale)
    return tree_lib.tree_map(lambda s, m: s * m, signs, magnitudes)


def projection_l1_ball(tree: PyTree, scale: ArrayLike = 1) -> PyTree:
    """The projection onto the L1 ball {sum |x| <= scale}.

    >>> import funcgrad.numpy as fnp
    >>> projection_l1_ball(fnp.array([2.0, -2.0])), projection_l1_ball(fnp.array([0.2, 0.1]))
    (Array([ 0.5, -0.5], dtype=float64), Array([0.2, 0.1], dtype=float64))
    """
    l1 = sum((fnp.sum(fnp.abs(x)) for x in tree_lib.tree_leaves(tree)), fnp.asarray(0.0))
    return lax.cond(l1 <= scale, lambda t: t, lambda t: projection_l1_sphere(t, scale), tree)


def projection_l2_sphere(tree: PyTree, scale: ArrayLike = 1) -> PyTree:
    """The projection onto the L2 sphere {|x| = scale}: x * scale / |x|.

    >>> import funcgrad.numpy as fnp
    >>> projection_l2_sphere(fnp.array([3.0, 4.0]))
    Array([0.6, 0.8], dtype=float64)
    """
    factor = scale / tree_norm(tree)
    return tree_lib.tree_map(lambda x: fnp.asarray(factor, x.dtype) * x, tree)


def projection_l2_ball(tree: PyTree, scale: Any = 1) -> PyTree:
    """The projection onto the L2 ball {|x| <= scale}.

    >>> import funcgrad.numpy as fnp
    >>> projection_l2_ball(fnp.array([3.0, 4.0])), projection_l2_ball(fnp.array([0.3, 0.4]))
    (Array([0.6, 0.8], dtype=float64), Array([0.3, 0.4], dtype=float64))
    """
    factor = scale / fnp.sqrt(fnp.maximum(tree_norm(tree, squared=True), scale ** 2))
    return tree_lib.tree_map(lambda x: fnp.asarray(factor, x.dtype) * x, tree)


def projection_linf_ball(tree: PyTree, scale: Any = 1) -> PyTree:
    """The projection onto the L-infinity ball {max |x| <= scale}.

    >>> import funcgrad.numpy as fnp
    >>> projection_linf_ball(fnp.array([3.0, -0.5]))
    Array([ 1. , -0.5], dtype=float64)
    """
    return projection_box(tree, lower=-scale, upper=scale)


def projection_vector(x: PyTree, a: PyTree) -> PyTree:
    """The projection of x onto the line spanned by a: (<x, a> / <a, a>) a.

    >>> import funcgrad.numpy as fnp
    >>> projection_vector(fnp.array([1.0, 2.0]), fnp.array([1.0, 0.0]))
    Array([1., 0.], dtype=float64)
    """
    s = tree_vdot(x, a) / tree_vdot(a, a)
    return tree_lib.tree_map(lambda y: fnp.asarray(s, y.dtype) * y, a)


def projection_hyperplane(x: PyTree, a: PyTree, b: ArrayLike) -> PyTree:
    """The projection onto the hyperplane {<a, y> = b}.

    >>> import funcgrad.numpy as fnp
    >>> projection_hyperplane(fnp.array([1.0, 2.0]), fnp.array([1.0, 0.0]), 3.0)
    Array([3., 2.], dtype=float64)
    """
    s = (b - tree_vdot(x, a)) / tree_vdot(a, a)
    return tree_lib.tree_map(lambda u, v: u + fnp.asarray(s, u.dtype) * v, x, a)


def projection_halfspace(x: PyTree, a: PyTree, b: ArrayLike) -> PyTree:
    """The projection onto the half-space {<a, y> <= b}.

    >>> import funcgrad.numpy as fnp
    >>> projection_halfspace(fnp.array([1.0, 2.0]), fnp.array([1.0, 0.0]), 0.0)
    Array([0., 2.], dtype=float64)
    """
    s = fnp.minimum((b - tree_vdot(x, a)) / tree_vdot(a, a), 0)
    return tree_lib.tree_map(lambda u, v: u + fnp.asarray(s, u.dtype) * v, x, a)
