"""optax.tree's arithmetic, reductions, constructors and casts over pytrees of arrays, with optax's
numerics: the same promotion (a Python scalar stays weakly typed, a 0-d array promotes), the same
reductions (a tree's sum starts from Python's 0, its max from -inf), the same results for empty
trees and empty leaves. Every function is traceable (jit, vmap, grad).

>>> import funcgrad.numpy as fnp
>>> from funcgrad.optim import tree as otu
>>> otu.norm({"a": fnp.array([3.0]), "b": (fnp.array([[4.0]]),)})
Array(5., dtype=float64)
"""
from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any, Optional

import numpy as np

from .. import numpy as fnp
from .. import tree
from .._core.array import Array
from .._core.typing import PyTree
from ._numerics import abs_sq

__all__ = ["add", "sub", "mul", "div", "scale", "add_scale", "vdot", "sum", "max", "min", "size",
           "conj", "real", "norm", "batch_shape", "zeros_like", "ones_like", "full_like", "clip",
           "where", "allclose", "cast", "cast_like", "dtype"]

_Scalar = Any  # a Python number or a 0-d array


def _weak(scalar: _Scalar) -> Any:
    """A Python number stays as it is (weakly typed: it takes the leaf's dtype); anything else is
    made an array, whose dtype then takes part in promotion as optax's jnp.asarray does."""
    return scalar if isinstance(scalar, (int, float, complex)) else fnp.asarray(scalar)


def add(tree_x: PyTree, tree_y: PyTree, *other_trees: PyTree) -> PyTree:
    """Leafwise sum of two or more trees of one structure.

    >>> add({"w": 1.0}, {"w": 2.0}, {"w": 3.0})
    {'w': 6.0}
    """
    return tree.tree_map(lambda *xs: functools.reduce(operator.add, xs),
                         tree_x, tree_y, *other_trees)


def sub(tree_x: PyTree, tree_y: PyTree) -> PyTree:
    """Leafwise tree_x - tree_y.

    >>> sub((5.0, [1.0]), (2.0, [4.0]))
    (3.0, [-3.0])
    """
    return tree.tree_map(operator.sub, tree_x, tree_y)


def mul(tree_x: PyTree, tree_y: PyTree) -> PyTree:
    """Leafwise tree_x * tree_y.

    >>> mul({"a": 2.0}, {"a": 4.0})
    {'a': 8.0}
    """
    return tree.tree_map(operator.mul, tree_x, tree_y)


def div(tree_x: PyTree, tree_y: PyTree) -> PyTree:
    """Leafwise tree_x / tree_y.

    >>> div({"a": 2.0}, {"a": 4.0})
    {'a': 0.5}
    """
    return tree.tree_map(operator.truediv, tree_x, tree_y)


def scale(scalar: _Scalar, tree_: PyTree) -> PyTree:
    """scalar * leaf, for every leaf.

    >>> import funcgrad.numpy as fnp
    >>> scale(0.5, {"w": fnp.ones(2, fnp.float32)})
    {'w': Array([0.5, 0.5], dtype=float32)}
    """
    return tree.tree_map(lambda x: scalar * x, tree_)


def add_scale(tree_x: PyTree, scalar: _Scalar, tree_y: PyTree) -> PyTree:
    """tree_x + scalar * tree_y leafwise; a None in tree_x stays None.

    >>> import funcgrad.numpy as fnp
    >>> add_scale({"w": fnp.ones(2)}, 2.0, {"w": fnp.full(2, 3.0)})
    {'w': Array([7., 7.], dtype=float64)}
    """
    s = _weak(scalar)
    return tree.tree_map(lambda x, y: None if x is None else x + s * y, tree_x, tree_y,
                         is_leaf=lambda x: x is None)


def _reduce(fn: Callable[[Any, Any], Any], values: list[Any], start: Any) -> Any:
    return functools.reduce(fn, values, start)


def vdot(tree_x: PyTree, tree_y: PyTree) -> Any:
    """The inner product <tree_x, tree_y> summed over all leaves (the first conjugated).

    >>> import funcgrad.numpy as fnp
    >>> vdot({"a": fnp.array([1.0, 2.0])}, {"a": fnp.array([3.0, 4.0])})
    Array(11., dtype=float64)
    """
    parts = tree.tree_leaves(tree.tree_map(_vdot, tree_x, tree_y))
    return _reduce(operator.add, parts, 0)


def _vdot(a: Any, b: Any) -> Any:
    """sum(conj(a) * b) over all axes of two leaves of one shape, as one contraction."""
    a, b = fnp.asarray(a), fnp.asarray(b)
    if fnp.iscomplexobj(a):
        a = fnp.conj(a)
    return fnp.tensordot(a, b, a.ndim)


def sum(tree_: PyTree, associative_reduction: bool = False) -> Any:  # noqa: A001 (optax's name)
    """The sum of every element of every leaf (Python's 0 for an empty tree).
    `associative_reduction=True` sums the leaves pairwise instead of left to right.

    >>> import funcgrad.numpy as fnp
    >>> sum({"a": fnp.array([1.0, 2.0]), "b": fnp.array(3.0)})
    Array(6., dtype=float64)
    """
    sums = [fnp.sum(x) for x in tree.tree_leaves(tree_)]
    if not associative_reduction:
        return _reduce(operator.add, sums, 0)
    while len(sums) > 1:  # pairwise, as a balanced tree of additions
        sums = [sums[i] + sums[i + 1] if i + 1 < len(sums) else sums[i]
                for i in range(0, len(sums), 2)]
    return sums[0] if sums else 0


def max(tree_: PyTree) -> Any:  # noqa: A001 (optax's name)
    """The largest element of the tree (-inf when it has none); empty leaves are skipped.

    >>> import funcgrad.numpy as fnp
    >>> max({"a": fnp.array([1.0, 5.0]), "b": fnp.zeros(0)})
    Array(5., dtype=float64)
    """
    parts = [fnp.max(x) for x in tree.tree_leaves(tree_) if np.size(x) != 0]
    return _reduce(fnp.maximum, parts, -float("inf"))


def min(tree_: PyTree) -> Any:  # noqa: A001 (optax's name)
    """The smallest element of the tree (inf when it has none); empty leaves are skipped.

    >>> import funcgrad.numpy as fnp
    >>> min((fnp.array([1.0, 5.0]), fnp.array(-2.0)))
    Array(-2., dtype=float64)
    """
    parts = [fnp.min(x) for x in tree.tree_leaves(tree_) if np.size(x) != 0]
    return _reduce(fnp.minimum, parts, float("inf"))


def size(tree_: PyTree) -> int:
    """How many elements the leaves hold together.

    >>> import funcgrad.numpy as fnp
    >>> size({"a": fnp.zeros((2, 3)), "b": fnp.zeros(0), "c": 1.0})
    7
    """
    return _reduce(operator.add, [int(np.size(x)) for x in tree.tree_leaves(tree_)], 0)


def conj(tree_: PyTree) -> PyTree:
    """The complex conjugate of every leaf.

    >>> import funcgrad.numpy as fnp
    >>> conj({"z": fnp.array([1 + 2j])})
    {'z': Array([1.-2.j], dtype=complex128)}
    """
    return tree.tree_map(fnp.conj, tree_)


def real(tree_: PyTree) -> PyTree:
    """The real part of every leaf.

    >>> import funcgrad.numpy as fnp
    >>> real({"z": fnp.array([1 + 2j])})
    {'z': Array([1.], dtype=float64)}
    """
    return tree.tree_map(fnp.real, tree_)


def norm(tree_: PyTree, ord: Any = None, squared: bool = False) -> Array:  # noqa: A002
    """The vector norm of all leaves together: `ord` None or 2 (Euclidean), 1, or inf
    (also 'inf', 'infinity'); `squared=True` gives its square.

    >>> import funcgrad.numpy as fnp
    >>> t = {"a": fnp.array([3.0, -4.0])}
    >>> norm(t), norm(t, 1), norm(t, "inf"), norm(t, squared=True)
    (Array(5., dtype=float64), Array(7., dtype=float64), Array(4., dtype=float64), Array(25., dtype=float64))
    """
    if ord is None or ord == 2:
        sq = sum(tree.tree_map(lambda x: abs_sq(fnp.asarray(x)), tree_))
        return fnp.asarray(sq if squared else fnp.sqrt(sq))
    if ord == 1:
        out = sum(tree.tree_map(fnp.abs, tree_))
    elif ord in ("inf", "infinity") or ord == float("inf"):
        out = max(tree.tree_map(fnp.abs, tree_))
    else:
        raise ValueError(f"Unsupported ord: {ord!r}; tree norm takes ord=None, 1, 2 or inf")
    # `out` is a Python number for a tree with no leaves (the reductions start from 0 or -inf)
    return fnp.asarray(abs_sq(fnp.asarray(out)) if squared else out)


def batch_shape(tree_: PyTree, shape: tuple[int, ...] = ()) -> PyTree:
    """Every leaf broadcast to leading dimensions `shape`.

    >>> import funcgrad.numpy as fnp
    >>> batch_shape({"w": fnp.ones(2)}, (3,))["w"].shape
    (3, 2)
    """
    return tree.tree_map(lambda x: fnp.broadcast_to(x, (*shape, *np.shape(x))), tree_)


def zeros_like(tree_: PyTree, dtype: Any = None) -> PyTree:
    """A tree of zeros with each leaf's shape (and its dtype, unless `dtype` is given).

    >>> zeros_like((1.0, [2.0]))
    (Array(0., dtype=float64), [Array(0., dtype=float64)])
    """
    return tree.tree_map(lambda x: fnp.zeros_like(x, dtype=dtype), tree_)


def ones_like(tree_: PyTree, dtype: Any = None) -> PyTree:
    """A tree of ones with each leaf's shape (and its dtype, unless `dtype` is given).

    >>> import funcgrad.numpy as fnp
    >>> ones_like({"w": fnp.zeros(2, fnp.float32)})
    {'w': Array([1., 1.], dtype=float32)}
    """
    return tree.tree_map(lambda x: fnp.ones_like(x, dtype=dtype), tree_)


def full_like(tree_: PyTree, fill_value: Any, dtype: Any = None) -> PyTree:
    """A tree filled with `fill_value`, each leaf's shape (and dtype, unless `dtype` is given).

    >>> import funcgrad.numpy as fnp
    >>> full_like({"w": fnp.zeros(2)}, 7)
    {'w': Array([7., 7.], dtype=float64)}
    """
    return tree.tree_map(lambda x: fnp.full_like(x, fill_value, dtype=dtype), tree_)


def clip(tree_: PyTree, min_value: Optional[Any] = None,
         max_value: Optional[Any] = None) -> PyTree:
    """Every element clipped into [min_value, max_value] (None: no bound on that side).

    >>> import funcgrad.numpy as fnp
    >>> clip({"w": fnp.array([-2.0, 0.5, 3.0])}, -1.0, 1.0)
    {'w': Array([-1. ,  0.5,  1. ], dtype=float64)}
    """
    return tree.tree_map(lambda x: fnp.clip(x, min_value, max_value), tree_)


def where(condition: Any, tree_x: PyTree, tree_y: PyTree) -> PyTree:
    """tree_x's leaves where `condition` holds, tree_y's elsewhere (condition broadcasts).

    >>> import funcgrad.numpy as fnp
    >>> where(fnp.asarray(False), {"w": fnp.ones(1)}, {"w": fnp.zeros(1)})
    {'w': Array([0.], dtype=float64)}
    """
    return tree.tree_map(lambda x, y: fnp.where(condition, x, y), tree_x, tree_y)


def allclose(a: PyTree, b: PyTree, rtol: Any = 1e-05, atol: Any = 1e-08,
             equal_nan: bool = False) -> Any:
    """Whether every leaf of `a` is close to the matching leaf of `b` (fnp.allclose leafwise).

    >>> import funcgrad.numpy as fnp
    >>> bool(allclose({"w": fnp.ones(2)}, {"w": fnp.ones(2) + 1e-9}))
    True
    """
    flags = tree.tree_leaves(tree.tree_map(
        lambda x, y: fnp.allclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan), a, b))
    return _reduce(operator.and_, flags, True)


def cast(tree_: PyTree, dtype: Any) -> PyTree:
    """Every leaf cast to `dtype`; `dtype=None` returns the tree as it is.

    >>> import funcgrad.numpy as fnp
    >>> cast({"w": fnp.ones(1)}, fnp.float32)
    {'w': Array([1.], dtype=float32)}
    """
    if dtype is None:
        return tree_
    return tree.tree_map(lambda x: fnp.asarray(x).astype(dtype), tree_)


def cast_like(tree_: PyTree, other_tree: PyTree) -> PyTree:
    """Each leaf of `tree_` cast to the dtype of the matching leaf of `other_tree` (leaves of
    `other_tree` with no dtype leave theirs as they are).

    >>> import funcgrad.numpy as fnp
    >>> cast_like({"w": fnp.ones(1)}, {"w": fnp.zeros(1, fnp.float32)})
    {'w': Array([1.], dtype=float32)}
    """
    return tree.tree_map(lambda t, o: t.astype(o.dtype) if hasattr(o, "dtype") else t,
                         tree_, other_tree)


def _lower(d1: np.dtype, d2: np.dtype) -> np.dtype:
    p = fnp.promote_types(d1, d2)
    if p == d1:
        return d2
    if p == d2:
        return d1
    raise ValueError(f"Cannot compare dtype of dtype1={d1} and dtype2={d2}. Neither {d1} nor "
                     f"{d2} can be promoted to the other.")


def _higher(d1: np.dtype, d2: np.dtype) -> np.dtype:
    low = _lower(d1, d2)
    return d2 if low == d1 else d1


def dtype(tree_: PyTree, mixed_dtype_handler: Optional[str] = None) -> np.dtype:
    """The dtype of the tree's leaves. Mixed dtypes raise a ValueError unless
    `mixed_dtype_handler` is 'promote' (their promoted dtype), 'highest' or 'lowest' (along
    promotion order). An empty tree gives the default float dtype.

    >>> import funcgrad.numpy as fnp
    >>> t = {"a": fnp.ones(1, fnp.float32), "b": fnp.ones(1, fnp.float16)}
    >>> dtype(t, "promote"), dtype(t, "lowest")
    (dtype('float32'), dtype('float16'))
    """
    xs = [fnp.asarray(x).dtype for x in tree.tree_leaves(tree_)]
    if not xs:
        return fnp.asarray([]).dtype
    if mixed_dtype_handler is None:
        bad = [f"Expected dtype={xs[0]!r} for {tree.keystr(p)} but got {fnp.asarray(x).dtype}."
               for p, x in tree.leaves_with_path(tree_) if fnp.asarray(x).dtype != xs[0]]
        if bad:
            raise ValueError("\n".join(bad) + "\nPass mixed_dtype_handler='promote', 'highest'"
                             " or 'lowest' to accept mixed dtypes.")
        return xs[0]
    pick = {"promote": fnp.promote_types, "highest": _higher, "lowest": _lower}
    if mixed_dtype_handler not in pick:
        raise ValueError(f"Invalid value for mixed_dtype_handler={mixed_dtype_handler!r}, "
                         "possible values are: None, \"promote\", \"highest\", \"lowest\".")
    return np.dtype(functools.reduce(pick[mixed_dtype_handler], xs))
