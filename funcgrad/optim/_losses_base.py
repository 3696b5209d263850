"""What every loss module uses: input checks that name the loss and the argument, and the masked
operations behind optax's `where=` arguments (JAX's `sum(..., where=)`, `nn.log_softmax(...,
where=)`...): a reduction over the elements where the mask is True, a softmax over them.

A masked-out element contributes nothing, not even to a derivative: it is replaced by the
reduction's identity before anything else sees it.
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .. import lax
from .. import nn
from .. import numpy as fnp
from .._api import stop_gradient
from .._core.array import Array
from .._core.typing import ArrayLike, Axis


def as_array(x: ArrayLike) -> Array:
    return fnp.asarray(x)


def float_like(x: ArrayLike, like: Array) -> Array:
    """x as an array; an integer or bool one in `like`'s float dtype, as JAX promotes an integer
    array meeting a float one (numpy would widen float32 to float64)."""
    x = fnp.asarray(x)
    if np.dtype(x.dtype).kind in "biu" and np.dtype(like.dtype).kind in "fc":
        return fnp.astype(x, like.dtype)
    return x


def check_float(loss: str, name: str, x: Array) -> None:
    """optax's TypeError for a non-float input, naming the loss and the argument."""
    dtype = np.dtype(x.dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"{loss}: {name} must have a floating dtype, got {dtype}; cast it first "
                        f"({name}.astype(float32))")


def check_integer(loss: str, name: str, x: Array) -> None:
    dtype = np.dtype(x.dtype)
    if not np.issubdtype(dtype, np.integer):
        raise TypeError(f"{loss}: {name} must have an integer dtype (class indices), got "
                        f"{dtype}; for one-hot or soft labels use softmax_cross_entropy")


def check_same_shape(loss: str, names: tuple[str, str], a: Any, b: Any) -> None:
    """optax's ValueError for two inputs whose shapes must be equal."""
    sa, sb = np.shape(a), np.shape(b)
    if tuple(sa) != tuple(sb):
        raise ValueError(f"{loss}: {names[0]} and {names[1]} must have the same shape, got "
                         f"{tuple(sa)} and {tuple(sb)}")


def check_rank(loss: str, name: str, x: Any, rank: int, layout: str = "") -> None:
    """optax's ValueError for an input of the wrong number of dimensions."""
    ndim = len(np.shape(x))
    if ndim != rank:
        raise ValueError(f"{loss}: {name} must have rank {rank}{' ' + layout if layout else ''}, "
                         f"got rank {ndim} (shape {tuple(np.shape(x))})")


def canonical_axis(loss: str, axis: int, ndim: int) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{loss}: axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def masked_sum(x: Array, axis: Axis = None, where: ArrayLike | None = None,
               keepdims: bool = False) -> Array:
    """sum(x, axis, where=where): the masked-out elements count as 0."""
    if where is not None:
        x = fnp.where(where, x, fnp.zeros((), x.dtype))
    return fnp.sum(x, axis=axis, keepdims=keepdims)


def masked_mean(x: Array, axis: Axis = None, where: ArrayLike | None = None,
                keepdims: bool = False) -> Array:
    """mean(x, axis, where=where): the sum of the kept elements over their number (NaN when
    there are none, as in numpy and JAX)."""
    if where is None:
        return fnp.mean(x, axis=axis, keepdims=keepdims)
    mask = fnp.broadcast_to(fnp.asarray(where, bool), x.shape)
    count = fnp.sum(mask, axis=axis, keepdims=keepdims)
    return masked_sum(x, axis, mask, keepdims) / fnp.astype(count, x.dtype)


def _shifted(x: Array, axis: Axis, where: ArrayLike | None) -> tuple[Array, Array]:
    """(x - m, m): x (-inf where masked out) minus its maximum m over `axis`, a constant for
    derivatives; a maximum that is not finite (all masked out, say) is taken as 0, so that
    nothing is NaN."""
    if where is not None:
        x = fnp.where(where, x, -np.inf)
    m = stop_gradient(fnp.max(x, axis=axis, keepdims=True))
    m = fnp.where(fnp.isfinite(m), m, fnp.zeros((), m.dtype))
    return x - m, m


def _positive(s: Array) -> tuple[Array, Array]:
    """(s > 0, s with 1 where it is 0): a sum of exponentials over no element stays finite."""
    some = s > 0
    return some, fnp.where(some, s, fnp.ones((), s.dtype))


def log_softmax(x: Array, axis: Axis = -1, where: ArrayLike | None = None) -> Array:
    """JAX's nn.log_softmax(x, axis, where): the masked-out elements are -inf (and a slice with
    no element kept is all -inf, with zero derivatives)."""
    if where is None:
        return nn.log_softmax(x, axis=axis)
    shifted, _ = _shifted(x, axis, where)
    _, s = _positive(masked_sum(fnp.exp(shifted), axis, where, keepdims=True))
    return fnp.where(where, shifted - fnp.log(s), -np.inf)


def softmax(x: Array, axis: Axis = -1, where: ArrayLike | None = None) -> Array:
    """JAX's nn.softmax(x, axis, where): the masked-out elements are 0."""
    if where is None:
        return nn.softmax(x, axis=axis)
    e = fnp.exp(_shifted(x, axis, where)[0])
    _, s = _positive(masked_sum(e, axis, where, keepdims=True))
    return fnp.where(where, e / s, 0)


def logsumexp(x: Array, axis: Axis = -1, where: ArrayLike | None = None) -> Array:
    """JAX's nn.logsumexp(x, axis, where=where), over the kept elements (-inf over none)."""
    shifted, m = _shifted(x, axis, where)
    some, s = _positive(fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True))
    out = fnp.where(some, fnp.log(s) + m, -np.inf)
    return fnp.squeeze(out, axis=axis) if axis is not None else fnp.reshape(out, ())


def expand_mask(where: ArrayLike | None, ndim: int, axis: Axis) -> Array | None:
    """A mask of the batch shape, given to a loss over `axis`, gains that axis (optax's rule:
    `where` has either the batch shape or the input's)."""
    if where is None:
        return None
    where = fnp.asarray(where)
    if where.ndim != ndim:
        where = fnp.expand_dims(where, axis if axis is not None else ())
    return where


def one_hot_like(labels: Array, num_classes: int, like: Array) -> Array:
    """one_hot(labels, num_classes) in `like`'s float dtype (JAX's default float, for a loss
    computed in that dtype)."""
    return nn.one_hot(labels, num_classes, dtype=like.dtype)


def integer_pow_or_pow(x: Array, p: Any) -> Array:
    """x ** p: an integer power of a Python int as repeated multiplication (JAX's integer_pow,
    fine for negative x), any other power as pow."""
    if isinstance(p, int) and not isinstance(p, bool):
        return lax.integer_pow(x, p)
    return fnp.power(x, p)
