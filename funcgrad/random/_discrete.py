"""Discrete samplers (integers, booleans, indices, permutations), computing what JAX's compute
from the same bits."""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import lax
from .. import numpy as fnp
from .._core.array import Array
from .._core.trace import get_aval
from .._core.typing import ArrayLike, DTypeLike, Shape
from ..lax import random_bits as _rb
from ..lax._checks import normalize_axis
from ._keys import PRNGKey  # noqa: F401  (the doctests' keys)
from ._keys import canonical_dtype, check_shape, default_float, default_int, raw_split, unwrap
from ._samplers import check_broadcast, gumbel, sample_shape, shape_of, unit


def _clip_to(val: Any, dtype: np.dtype) -> Any:
    """An integer array clipped into both its dtype's and `dtype`'s range, then converted."""
    vd = np.dtype(get_aval(val).dtype)
    lo = max(np.iinfo(dtype).min, np.iinfo(vd).min)
    hi = min(np.iinfo(dtype).max, np.iinfo(vd).max)
    return lax.convert_element_type(fnp.clip(val, vd.type(lo), vd.type(hi)), dtype)


def _int_operand(x: ArrayLike) -> Any:
    x = fnp.asarray(x)
    if not np.issubdtype(get_aval(x).dtype, np.integer):
        x = lax.convert_element_type(x, default_int())
    return x


def randint(key: Any, shape: int | Shape, minval: ArrayLike, maxval: ArrayLike,
            dtype: DTypeLike | None = None) -> Array:
    """Integers uniform in [minval, maxval) (int64 by default; int32 in JAX's 32-bit mode): JAX's
    construction from two draws of bits, so the values are JAX's.

    >>> randint(PRNGKey(0), (5,), 0, 10)
    Array([5, 1, 5, 7, 3], dtype=int64)
    """
    data, _ = unwrap(key, "randint")
    dt = canonical_dtype(dtype, default_int())
    if not np.issubdtype(dt, np.integer):
        raise TypeError(f"randint only accepts integer dtypes, got {dt}")
    shape = check_shape(shape, "randint")
    info = np.iinfo(dt)
    sampling = dt
    if info.bits < 32:
        sampling = np.dtype(np.int32)
        i32 = np.dtype(np.int32)
        minval = fnp.clip(lax.convert_element_type(fnp.asarray(minval), i32), int(info.min),
                          int(info.max))
        maxval = fnp.clip(lax.convert_element_type(fnp.asarray(maxval), i32), int(info.min),
                          int(info.max) + 1)
    check_broadcast("randint", shape, shape_of(minval), shape_of(maxval))
    minval, maxval = _int_operand(minval), _int_operand(maxval)
    top = fnp.asarray(np.iinfo(sampling).max, sampling)
    maxval_out_of_range = lax.gt(maxval, _clip_to(top, np.dtype(get_aval(maxval).dtype)))
    lo, hi = _clip_to(minval, sampling), _clip_to(maxval, sampling)
    nbits = np.iinfo(sampling).bits
    unsigned = np.dtype(f"uint{nbits}")
    k1, k2 = raw_split(data)
    higher = _rb.random_bits(k1, shape=shape, width=nbits)
    lower = _rb.random_bits(k2, shape=shape, width=nbits)
    span = lax.convert_element_type(lax.sub(hi, lo), unsigned)
    span = fnp.where(lax.le(hi, lo), unsigned.type(1), span)
    span = fnp.where(lax.bitwise_and(maxval_out_of_range, lax.gt(hi, lo)),
                     lax.add(span, unsigned.type(1)), span)
    multiplier = lax.rem(unsigned.type(2 ** (nbits // 2)), span)
    multiplier = lax.rem(lax.mul(multiplier, multiplier), span)
    offset = lax.add(lax.mul(lax.rem(higher, span), multiplier), lax.rem(lower, span))
    offset = lax.rem(offset, span)
    out = lax.add(lo, lax.convert_element_type(offset, sampling))
    return out if sampling == dt else lax.convert_element_type(out, dt)


def bernoulli(key: Any, p: ArrayLike = 0.5, shape: int | Shape | None = None,
              mode: str = "low") -> Array:
    """True with probability p (shaped like p without `shape`); mode="high" draws twice the
    bits, exact for tiny p, as JAX's.

    >>> bernoulli(PRNGKey(0), fnp.array([0.0, 1.0])).tolist()
    [False, True]
    """
    if mode not in ("high", "low"):
        raise ValueError(f"got mode={mode!r}, expected 'high' or 'low'")
    data, _ = unwrap(key, "bernoulli")
    p = fnp.asarray(p)
    dt = np.dtype(get_aval(p).dtype)
    if not np.issubdtype(dt, np.floating):
        raise TypeError(f"bernoulli probability `p` must have a floating dtype, got {dt}.")
    shape = sample_shape("bernoulli", shape, p) if shape is not None else shape_of(p)
    if mode == "high":
        both = unit(data, (2,) + shape, dt)
        u2 = lax.mul(both[1], dt.type(2.0 ** -np.finfo(dt).nmant))
        return lax.lt(u2, lax.sub(p, both[0]))
    return lax.lt(unit(data, shape, dt), p)


def geometric(key: Any, p: ArrayLike, shape: int | Shape | None = None,
              dtype: DTypeLike | None = None) -> Array:
    """Geometric samples (trials to the first success, >= 1): floor(log u / log1p(-p)) + 1.

    >>> bool((geometric(PRNGKey(0), 0.5, (10,)) >= 1).all())
    True
    """
    data, _ = unwrap(key, "geometric")
    dt = canonical_dtype(dtype, default_int())
    if not np.issubdtype(dt, np.integer):
        raise ValueError(f"dtype argument to `geometric` must be an int dtype, got {dt}")
    shape = sample_shape("geometric", shape, p)
    p = fnp.asarray(p)
    pd = np.dtype(get_aval(p).dtype)
    pd = pd if np.issubdtype(pd, np.inexact) else default_float()
    p = lax.convert_element_type(p, pd)
    u = unit(data, shape, pd)
    u = fnp.where(lax.eq(u, pd.type(0)), pd.type(1), u)
    g = lax.add(lax.floor(lax.div(lax.log(u), fnp.broadcast_to(lax.log1p(lax.neg(p)), shape))),
                pd.type(1))
    return lax.convert_element_type(g, dt)


def _top_k_indices(x: Any, k: int) -> Any:
    """The indices of the k largest along the last axis, ties to the lower index (lax.top_k)."""
    order = fnp.argsort(lax.neg(x), axis=-1, kind="stable")
    return lax.convert_element_type(order[..., :k], np.int32)


def categorical(key: Any, logits: ArrayLike, axis: int = -1, shape: int | Shape | None = None,
                replace: bool = True, mode: str | None = None) -> Array:
    """Samples from softmax(logits) along `axis` (the Gumbel-max trick, JAX's draws).

    >>> int(categorical(PRNGKey(0), fnp.array([-1e9, 0.0, -1e9])))
    1
    """
    data, _ = unwrap(key, "categorical")
    logits = fnp.asarray(logits)
    lshape = tuple(get_aval(logits).shape)
    nd = len(lshape)
    axis = normalize_axis("categorical", axis, nd)
    batch_shape = lshape[:axis] + lshape[axis + 1:]
    if shape is None:
        shape = batch_shape
    else:
        shape = check_shape(shape, "categorical")
        check_broadcast("categorical", shape, batch_shape)
    prefix = shape[:len(shape) - len(batch_shape)]
    dt = np.dtype(get_aval(logits).dtype)
    if replace:
        gshape = list(shape[len(shape) - len(batch_shape):])
        gshape.insert(axis, lshape[axis])
        g = gumbel(data, prefix + tuple(gshape), dt, mode=mode)
        full = lax.add(g, fnp.reshape(logits, (1,) * len(prefix) + lshape))
        return fnp.argmax(full, axis=axis - nd)
    noisy = lax.add(logits, gumbel(data, lshape, dt, mode=mode))
    k = math.prod(prefix)
    if k > lshape[axis]:
        raise ValueError(f"Number of samples without replacement ({k}) cannot exceed number of "
                         f"categories ({lshape[axis]}).")
    idx = _top_k_indices(fnp.moveaxis(noisy, axis, -1), k)
    idx = fnp.moveaxis(idx, -1, 0)
    return fnp.reshape(idx, shape)


def _shuffle(data: Any, x: Any, axis: int) -> Any:
    """x sorted along `axis` by fresh random 32-bit keys, once or more (JAX's rounds)."""
    size = math.prod(get_aval(x).shape)
    rounds = int(np.ceil(3 * np.log(max(1, size)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        data, sub = raw_split(data)
        sort_keys = _rb.random_bits(sub, shape=tuple(get_aval(x).shape), width=32)
        order = fnp.argsort(sort_keys, axis=axis, kind="stable")
        x = fnp.take_along_axis(x, order, axis=axis)
    return x


def permutation(key: Any, x: int | ArrayLike, axis: int = 0, independent: bool = False) -> Array:
    """A random permutation of range(x) (an int) or of x along `axis` (each slice on its own
    with independent=True).

    >>> permutation(PRNGKey(0), 5)
    Array([0, 1, 4, 3, 2], dtype=int64)
    """
    data, _ = unwrap(key, "permutation")
    nd = len(shape_of(x))
    axis = normalize_axis("permutation", axis, nd or 1)
    if not nd:
        if not np.issubdtype(np.asarray(x).dtype if not hasattr(x, "aval")
                             else get_aval(x).dtype, np.integer):
            raise TypeError("x must be an integer or at least 1-dimensional")
        if hasattr(x, "aval") and not isinstance(x, Array):
            raise TypeError("permutation: x must be a concrete integer (it sets the output's "
                            "size); pass it as a static argument under jit")
        return _shuffle(data, fnp.arange(int(x), dtype=default_int()),  # type: ignore[arg-type]
                        axis)
    x = fnp.asarray(x)
    if independent or nd == 1:
        return _shuffle(data, x, axis)
    ind = _shuffle(data, fnp.arange(get_aval(x).shape[axis], dtype=default_int()), 0)
    return fnp.take(x, ind, axis=axis)


def choice(key: Any, a: int | ArrayLike, shape: Sequence[int] = (), replace: bool = True,
           p: ArrayLike | None = None, axis: int = 0, mode: str | None = None) -> Array:
    """Samples from a (an int n means range(n)) along `axis`, with or without replacement,
    weighted by p, as JAX draws them.

    >>> choice(PRNGKey(0), 5, (3,), replace=False)
    Array([0, 1, 4], dtype=int64)
    """
    data, _ = unwrap(key, "choice")
    if not isinstance(shape, Sequence):
        raise TypeError(f"shape argument of fg.random.choice must be a sequence, got {shape}")
    shape = check_shape(tuple(shape), "choice")
    arr = fnp.asarray(a)
    nd = get_aval(arr).ndim
    if nd == 0:
        if not isinstance(arr, Array):
            raise TypeError("choice: an integer a sets the population size and must be concrete;"
                            " pass it as a static argument under jit")
        n_inputs = int(a)  # type: ignore[arg-type]
    else:
        axis = normalize_axis("choice", axis, nd)
        n_inputs = get_aval(arr).shape[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        return fnp.zeros(shape, dtype=get_aval(arr).dtype)
    if n_inputs <= 0:
        raise ValueError("a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population (size "
                         f"{n_inputs}) when 'replace=False'")
    if p is None:
        if replace:
            ind = randint(data, shape, 0, n_inputs)
            result = ind if nd == 0 else fnp.take(arr, ind, axis=axis)
        else:
            perm = permutation(data, n_inputs if nd == 0 else arr, axis)
            result = fnp.take(perm, fnp.arange(n_draws), axis=axis)
    else:
        p_arr = fnp.asarray(p)
        pd = np.dtype(get_aval(p_arr).dtype)
        if not np.issubdtype(pd, np.inexact):
            p_arr = lax.convert_element_type(p_arr, default_float())
        if get_aval(p_arr).shape != (n_inputs,):
            raise ValueError(f"p must be None or a 1D vector with the same size as a.shape[axis]."
                             f" p has shape {get_aval(p_arr).shape} and a.shape[axis] is "
                             f"{n_inputs}.")
        pdt = np.dtype(get_aval(p_arr).dtype)
        if replace:
            p_cuml = fnp.cumsum(p_arr)
            r = lax.mul(p_cuml[-1], lax.sub(pdt.type(1), unit(data, shape, pdt)))
            ind = fnp.searchsorted(p_cuml, r).astype(default_int())
        else:
            g = lax.add(gumbel(data, (n_inputs,), pdt, mode=mode), fnp.log(p_arr))
            ind = _top_k_indices(g, n_draws).astype(default_int())
        result = ind if nd == 0 else fnp.take(arr, ind, axis=axis)
    ashape = tuple(get_aval(arr).shape)
    return fnp.reshape(result, shape if nd == 0 else ashape[:axis] + shape + ashape[axis + 1:])


__all__ = ["randint", "bernoulli", "geometric", "categorical", "permutation", "choice"]

