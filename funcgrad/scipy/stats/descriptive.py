"""Descriptive statistics of samples, as jax.scipy.stats: mode, rankdata, sem. Written in
funcgrad.numpy operations (pairwise comparisons along the reduced axis, O(n**2) in its length),
so they trace under jit and vmap; sem differentiates."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ... import numpy as fnp
from ..._core.array import Array
from ..._core.typing import ArrayLike
from ..._core.validate import normalize_axis
from ._common import floats

_NAN_POLICIES = ("propagate", "omit", "raise")


class ModeResult(NamedTuple):
    """The most common value along an axis and how often it occurs."""
    mode: Array
    count: Array  # type: ignore[assignment]  # (shadows tuple.count, as scipy's and JAX's)


def _check_nan_policy(nan_policy: str, fn: str, supported: tuple[str, ...]) -> None:
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"Illegal nan_policy value {nan_policy!r}; expected one of "
                         "{'propagate', 'omit', 'raise'}")
    if nan_policy not in supported:
        raise NotImplementedError(
            f"{fn}: nan_policy={nan_policy!r} is not implemented (a traced array cannot be "
            f"checked for NaN); use nan_policy='propagate' and check for NaN outside {fn}")


def _last_axis(a: Array, axis: int | None) -> Array:
    """a with the axis to work along moved last (raveled for axis=None)."""
    if axis is None:
        return fnp.ravel(a)
    return fnp.moveaxis(a, axis, -1)


def mode(a: ArrayLike, axis: int | None = 0, nan_policy: str = "propagate",
         keepdims: bool = False) -> ModeResult:
    """The most common value along `axis` (the smallest of equally common ones, as scipy) and its
    count; NaN with count 0 for an empty axis.

    >>> m = mode(fnp.array([[1.0, 2.0, 2.0], [3.0, 3.0, 1.0]]), axis=1)
    >>> m.mode, m.count
    (Array([2., 3.], dtype=float64), Array([2, 2], dtype=int64))
    """
    _check_nan_policy(nan_policy, "mode", ("propagate",))
    x = fnp.asarray(a)
    nd = x.ndim
    if axis is not None and not -max(nd, 1) <= axis < max(nd, 1):
        raise np.exceptions.AxisError(axis, max(nd, 1))
    x = _last_axis(x if nd else fnp.reshape(x, (1,)), axis if nd else -1)
    n = x.shape[-1]
    if n == 0:
        vals = fnp.full(x.shape[:-1], np.nan, dtype=np.result_type(x.dtype, np.float64)
                        if x.dtype.kind != "f" else x.dtype)
        counts = fnp.zeros(x.shape[:-1], dtype=vals.dtype)
    else:
        s = fnp.sort(x, axis=-1)
        counts_all = fnp.sum(s[..., :, None] == s[..., None, :], axis=-1)
        best = fnp.argmax(counts_all, axis=-1)[..., None]
        vals = fnp.take_along_axis(s, best, axis=-1)[..., 0]
        counts = fnp.take_along_axis(counts_all, best, axis=-1)[..., 0]
    if keepdims:
        shape = (1,) * nd if axis is None else tuple(
            1 if i == axis % max(nd, 1) else d for i, d in enumerate(np.shape(a)))
        vals, counts = fnp.reshape(vals, shape), fnp.reshape(counts, shape)
    return ModeResult(vals, counts)


def rankdata(a: ArrayLike, method: str = "average", *, axis: int | None = None,
             nan_policy: str = "propagate") -> Array:
    """Ranks (from 1) of the data along `axis` (all of it, raveled, for None); ties by
    `method`: 'average', 'min', 'max', 'dense' or 'ordinal' (first come first). Float64 (the
    default float dtype); all NaN along an axis holding a NaN.

    >>> rankdata(fnp.array([3, 1, 3, 2]))
    Array([3.5, 1. , 3.5, 2. ], dtype=float64)
    """
    _check_nan_policy(nan_policy, "rankdata", ("propagate",))
    if method not in ("average", "min", "max", "dense", "ordinal"):
        raise ValueError(f"unknown method '{method}'")
    x = fnp.asarray(a)
    shape = x.shape
    x = _last_axis(x, axis)
    lt = x[..., None, :] < x[..., :, None]  # [i, j]: x_j < x_i
    eq = x[..., None, :] == x[..., :, None]
    less = fnp.sum(lt, axis=-1).astype(np.float64)
    equal = fnp.sum(eq, axis=-1).astype(np.float64)
    if method == "min":
        out = less + 1
    elif method == "max":
        out = less + equal
    elif method == "average":
        out = less + (equal + 1) / 2
    elif method == "dense":  # distinct values below: each counted once, 1/multiplicity per copy
        out = fnp.sum(fnp.where(lt, 1.0 / equal[..., None, :], 0.0), axis=-1)
        out = fnp.round(out) + 1
    else:
        n = x.shape[-1]
        earlier = np.tril(np.ones((n, n), bool), -1)  # [i, j]: j before i
        out = less + fnp.sum(eq & earlier, axis=-1).astype(np.float64) + 1
    has_nan = fnp.any(fnp.isnan(x), axis=-1, keepdims=True) if x.dtype.kind in "fc" else False
    out = fnp.where(has_nan, np.nan, out)
    if axis is None:
        return out
    return fnp.moveaxis(out, -1, axis) if len(shape) else out


def sem(a: ArrayLike, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *,
        keepdims: bool = False) -> Array:
    """The standard error of the mean, std(a, ddof) / sqrt(n) along `axis` (all of it for None);
    nan_policy='omit' leaves NaNs out of both.

    >>> round(float(sem(fnp.array([1.0, 2.0, 3.0, 4.0]))), 12)
    0.645497224368
    """
    _check_nan_policy(nan_policy, "sem", ("propagate", "omit"))
    (b,) = floats(a)
    b = fnp.asarray(b)
    if axis is not None:
        axis = normalize_axis("sem", axis, b.ndim)
    if nan_policy == "omit":
        count = fnp.sum(~fnp.isnan(b), axis=axis, keepdims=keepdims)
        return fnp.nanstd(b, axis=axis, ddof=ddof, keepdims=keepdims) / \
            fnp.sqrt(count).astype(b.dtype)
    size = b.size if axis is None else b.shape[axis]
    return fnp.std(b, axis=axis, ddof=ddof, keepdims=keepdims) / np.sqrt(size).astype(b.dtype)


__all__ = ["ModeResult", "mode", "rankdata", "sem"]
