"""Regression losses (optax.losses): squared error, L2, Huber, log-cosh, cosine similarity and
distance. Each is elementwise (or reduces over `axis`), in its inputs' float dtype."""
from __future__ import annotations

import math

from .. import numpy as fnp
from .._core.array import Array
from .._core.typing import ArrayLike, Axis
from ._losses_base import as_array, check_float, check_same_shape, float_like, masked_sum


def _errors(loss: str, predictions: ArrayLike, targets: ArrayLike | None,
            same_shape: bool) -> Array:
    predictions = as_array(predictions)
    check_float(loss, "predictions", predictions)
    if targets is None:
        return predictions
    if same_shape:
        check_same_shape(loss, ("predictions", "targets"), predictions, targets)
    return predictions - float_like(targets, predictions)


def squared_error(predictions: ArrayLike, targets: ArrayLike | None = None) -> Array:
    """(predictions - targets) ** 2, elementwise (targets of zeros when None); the mean squared
    error is its mean.

    >>> import funcgrad.numpy as fnp
    >>> squared_error(fnp.array([1.0, 3.0]), fnp.array([0.0, 1.0]))
    Array([1., 4.], dtype=float64)
    """
    return _errors("squared_error", predictions, targets, True) ** 2


def l2_loss(predictions: ArrayLike, targets: ArrayLike | None = None) -> Array:
    """0.5 * squared_error(predictions, targets).

    >>> import funcgrad.numpy as fnp
    >>> l2_loss(fnp.array([1.0, 3.0]))
    Array([0.5, 4.5], dtype=float64)
    """
    return 0.5 * squared_error(predictions, targets)


def huber_loss(predictions: ArrayLike, targets: ArrayLike | None = None, *,
               delta: ArrayLike = 1.0) -> Array:
    """0.5 * e**2 where |e| <= delta, delta * (|e| - 0.5 * delta) beyond, e = predictions -
    targets (broadcast): L2 near zero, L1 away from it.

    >>> import funcgrad.numpy as fnp
    >>> huber_loss(fnp.array([0.5, 3.0]))
    Array([0.125, 2.5  ], dtype=float64)
    """
    abs_errors = fnp.abs(_errors("huber_loss", predictions, targets, False))
    quadratic = fnp.minimum(abs_errors, delta)
    return 0.5 * quadratic ** 2 + delta * (abs_errors - quadratic)


def log_cosh(predictions: ArrayLike, targets: ArrayLike | None = None) -> Array:
    """log(cosh(e)), e = predictions - targets: about e**2 / 2 near zero, |e| - log 2 far away,
    computed as logaddexp(e, -e) - log 2 (no overflow).

    >>> import funcgrad.numpy as fnp
    >>> log_cosh(fnp.array([0.0, 1000.0]))
    Array([  0.        , 999.30685282], dtype=float64)
    """
    errors = _errors("log_cosh", predictions, targets, False)
    return fnp.logaddexp(errors, -errors) - fnp.asarray(math.log(2.0), errors.dtype)


def cosine_similarity(predictions: ArrayLike, targets: ArrayLike, *, epsilon: ArrayLike = 0.0,
                      axis: Axis = -1, where: ArrayLike | None = None) -> Array:
    """The cosine of the angle between predictions and targets along `axis` (inner product of
    the unit vectors; each squared norm at least `epsilon`), over the elements `where` is True.

    >>> import funcgrad.numpy as fnp
    >>> cosine_similarity(fnp.array([[1.0, 0.0], [1.0, 1.0]]), fnp.array([[2.0, 0.0], [0.0, 3.0]]))
    Array([1.        , 0.70710678], dtype=float64)
    """
    a, b = as_array(predictions), as_array(targets)
    check_float("cosine_similarity", "predictions", a)
    check_float("cosine_similarity", "targets", b)
    a_norm = fnp.sqrt(fnp.maximum(masked_sum(a * a, axis, where, keepdims=True), epsilon))
    b_norm = fnp.sqrt(fnp.maximum(masked_sum(b * b, axis, where, keepdims=True), epsilon))
    return masked_sum((a / a_norm) * (b / b_norm), axis, where)


def cosine_distance(predictions: ArrayLike, targets: ArrayLike, *, epsilon: ArrayLike = 0.0,
                    axis: Axis = -1, where: ArrayLike | None = None) -> Array:
    """1 - cosine_similarity(predictions, targets): 0 for aligned vectors, 2 for opposite ones.

    >>> import funcgrad.numpy as fnp
    >>> cosine_distance(fnp.array([1.0, 0.0]), fnp.array([-1.0, 0.0]))
    Array(2., dtype=float64)
    """
    return 1.0 - cosine_similarity(predictions, targets, epsilon=epsilon, axis=axis, where=where)
