"""The one Euclidean projection onto the probability simplex, {p : p >= 0, sum(p) = 1}, of each
vector along the last axis (sparsemax), with its derivative: on the support S of the projection,
the identity minus the mean over S; zero off it. Used by `projections.projection_simplex` (one
vector: all leaves raveled) and by `losses.multiclass_sparsemax_loss` (a batch of score
vectors)."""
from __future__ import annotations

from .. import numpy as fnp
from .._core.array import Array
from .._custom import custom_jvp


def _project(values: Array) -> Array:
    n = values.shape[-1]
    u = fnp.flip(fnp.sort(values, axis=-1), axis=-1)
    cumsum_u = fnp.cumsum(u, axis=-1)
    ind = fnp.arange(1, n + 1, dtype=values.dtype)
    # the support size: the number of sorted entries above their running threshold
    support = fnp.sum((1 / ind + (u - cumsum_u / ind)) > 0, axis=-1, keepdims=True)
    size = fnp.astype(support, values.dtype)
    threshold = fnp.take_along_axis(cumsum_u, support - 1, axis=-1)
    return fnp.maximum(1 / size + (values - threshold / size), 0)


@custom_jvp
def projection_unit_simplex(values: Array) -> Array:
    """The point of the probability simplex closest to each vector along the last axis.

    >>> import funcgrad.numpy as fnp
    >>> projection_unit_simplex(fnp.array([[0.5, 0.2, -1.0], [3.0, 0.0, 0.0]]))
    Array([[0.65, 0.35, 0.  ],
           [1.  , 0.  , 0.  ]], dtype=float64)
    """
    return _project(values)


@projection_unit_simplex.defjvp
def _projection_unit_simplex_jvp(primals, tangents):
    (values,), (values_dot,) = primals, tangents
    out = _project(values)
    support = fnp.astype(out > 0, values.dtype)
    size = fnp.sum(support, axis=-1, keepdims=True)
    mean_dot = fnp.sum(support * values_dot, axis=-1, keepdims=True) / size
    return out, support * values_dot - mean_dot * support
