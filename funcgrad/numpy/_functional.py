"""numpy's functional-programming routines that take functions over array values: piecewise."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

from .._core.array import Array
from .._core.typing import ArrayLike
from ._core import asarray, dtype_of, operand
from ._manipulation import broadcast_to
from ._sorting_searching import where

__all__ = ["piecewise"]

Piece = Union[Callable[..., Any], ArrayLike]


def piecewise(x: ArrayLike, condlist: ArrayLike,
              funclist: Sequence[Piece], *args: Any, **kw: Any) -> Array:
    """numpy.piecewise: each element of x from the function (or constant) of its condition; where
    several conditions hold the last one wins, and where none holds the extra last entry of
    `funclist` (the default) or 0. Each function is applied to all of x and the pieces are chosen
    elementwise, as JAX does (so it works under jit, vmap and grad, with traced conditions).

    >>> import funcgrad.numpy as fnp
    >>> x = fnp.array([-2.0, 0.5, 3.0])
    >>> fnp.piecewise(x, [x < 0, x >= 0], [lambda v: -v, lambda v: v ** 2])
    Array([2.  , 0.25, 9.  ], dtype=float64)
    >>> fnp.piecewise(x, [x < 0], [0.0, lambda v: 10 * v])   # the last entry is the default
    Array([ 0.,  5., 30.], dtype=float64)
    """
    x = asarray(x)
    conds = asarray(condlist, dtype=bool)
    if conds.ndim == x.ndim:  # one condition, given as an array rather than a list of one
        conds = conds[None]
    nc, nf = conds.shape[0], len(funclist)
    if nf not in (nc, nc + 1):
        raise ValueError(f"piecewise: with {nc} condition(s) in condlist, funclist must have "
                         f"{nc} or {nc + 1} entries (the last one the default); got {nf}")
    pieces = list(funclist)
    default: Piece = pieces.pop() if nf == nc + 1 else 0

    def value(piece: Piece) -> Array:
        if callable(piece):
            return operand(piece(x, *args, **kw))
        return asarray(piece, dtype=dtype_of(x))

    out = value(default)
    for cond, piece in zip(conds, pieces):
        out = where(cond, value(piece), out)
    return broadcast_to(out, x.shape)  # a constant default alone is a scalar
