"""Running moments of the gradients, leafwise over pytrees: the exponential moving averages at
the heart of Adam and its kin, Adamax's decaying maximum, and the bias correction that undoes
their zero start. optax exports them at its top level and in `optax.tree`."""
from __future__ import annotations

from typing import Any

from .. import numpy as fnp
from .. import tree
from .._core.typing import ArrayLike, PyTree
from ._numerics import abs_sq, cast_like, decay_power, scalar_dtype


def update_moment(updates: PyTree, moments: PyTree, decay: ArrayLike, order: int) -> PyTree:
    """The exponential moving average (1 - decay) * g**order + decay * m, leafwise.

    >>> update_moment({"w": 2.0}, {"w": 1.0}, decay=0.75, order=2)
    {'w': 1.75}
    """
    return tree.tree_map(
        lambda g, m: (1 - cast_like(decay, m)) * g ** order + cast_like(decay, m) * m,
        updates, moments)


def update_moment_per_elem_norm(updates: PyTree, moments: PyTree, decay: ArrayLike,
                                order: int) -> PyTree:
    """The exponential moving average of |g|**order, leafwise: for real leaves update_moment,
    for complex ones the moment of the modulus (so the second moment stays real).

    >>> import funcgrad.numpy as fnp
    >>> update_moment_per_elem_norm([fnp.array([3 + 4j])], [fnp.zeros(1)], 0.5, 2)
    [Array([12.5], dtype=float64)]
    """
    def norm(g):
        if fnp.asarray(g).dtype.kind != "c":
            return g ** order
        half = order / 2
        return abs_sq(g) ** (int(half) if float(half).is_integer() else half)

    return tree.tree_map(
        lambda g, m: (1 - cast_like(decay, m)) * norm(g) + cast_like(decay, m) * m,
        updates, moments)


def update_infinity_moment(updates: PyTree, moments: PyTree, decay: ArrayLike,
                           eps: ArrayLike) -> PyTree:
    """Adamax's decaying running maximum: max(|g| + eps, decay * m), leafwise.

    >>> update_infinity_moment({"w": -2.0}, {"w": 4.0}, decay=0.9, eps=0.0)
    {'w': 3.6}
    """
    return tree.tree_map(
        lambda g, m: fnp.maximum(fnp.abs(g) + cast_like(eps, m), cast_like(decay, m) * m),
        updates, moments)


def bias_correction(moment: PyTree, decay: ArrayLike, count: ArrayLike) -> PyTree:
    """moment / (1 - decay**count), leafwise. The factor is computed as optax computes it, in
    JAX's default float (float32 for float32 leaves run without x64, float64 for float64 ones;
    never narrower, where decay**count would round to 1) and only then cast to each leaf's dtype.

    >>> import funcgrad.numpy as fnp
    >>> bias_correction([fnp.array([0.1], fnp.float32)], 0.9, fnp.asarray(1, fnp.int32))
    [Array([1.], dtype=float32)]
    """
    factors: dict[Any, Any] = {}

    def correct(m):
        dt = scalar_dtype(m)
        if dt not in factors:
            factors[dt] = 1 - decay_power(decay, count, dt)
        return m / fnp.asarray(factors[dt], fnp.asarray(m).dtype)

    return tree.tree_map(correct, moment)
