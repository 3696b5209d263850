"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median, mode, unique. The
values are a funcgrad gather of the input at the sorting permutation, so they differentiate as
PyTorch's do (the gradient goes back to the chosen positions); the indices are int64 tensors."""
from __future__ import annotations

import numpy as np

from .. import numpy as fnp
from ._dispatch import apply_op
from ._indexing import _grid
from ._reductions import _no_empty, return_types
from ._factories import _t
from ._storage import wrap_dim
from ._tensor import _host_result, concrete


def _order(x, d, descending):
    """The stable sorting permutation of numpy array x along d (NaN last, as PyTorch)."""
    if x.dtype == np.bool_:
        x = x.astype(np.int8)
    if not descending:
        return np.argsort(x, axis=d, kind="stable")
    # descending and stable: sort the reversed array ascending by the negated key, then map back
    key = -x.astype(np.float64) if x.dtype.kind in "iu" else -x
    if x.dtype.kind == "f":
        key = np.where(np.isnan(x), -np.inf, key)
    return np.argsort(key, axis=d, kind="stable")


def _pick(input, order, d, name):
    nidx = _grid(order, d)
    return apply_op(name, lambda x: x[nidx], [input], saves=False)


def sort(input, dim=-1, descending=False, stable=False):
    input = _t(input)
    if input.ndim == 0:
        return return_types.sort(input.clone(), _host_result(np.zeros((), np.int64), input))
    d = wrap_dim(dim, input.ndim)
    order = _order(concrete(input), d, descending)
    return return_types.sort(_pick(input, order, d, "SortBackward0"),
                             _host_result(order.astype(np.int64), input))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable)[1]


def msort(input):
    return sort(input, 0)[0]


def topk(input, k, dim=-1, largest=True, sorted=True):
    input = _t(input)
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if input.ndim == 0:
        return return_types.topk(input.clone(), _host_result(np.zeros((), np.int64), input))
    order = _order(concrete(input), d, largest)
    order = np.take(order, np.arange(k), axis=d)
    return return_types.topk(_pick(input, order, d, "TopkBackward0"),
                             _host_result(order.astype(np.int64), input))


def _select_rank(input, dim, keepdim, rank_of, name, rt):
    """The element of rank rank_of(n) along dim (kthvalue, median), with its index."""
    input = _t(input)
    if dim is None:
        flat = input.reshape(-1)
        n = flat.shape[0]
        order = _order(concrete(flat), 0, False)[rank_of(n)]
        return apply_op(name, lambda x: fnp.reshape(x, (-1,))[order], [input], saves=False)
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if not input.ndim:
        return rt(input.clone(), _host_result(np.zeros((), np.int64), input))
    order = _order(concrete(input), d, False)
    idx = np.take(order, [rank_of(n)], axis=d)
    return rt(*_pick_reduced(input, idx, d, keepdim, name))


def _pick_reduced(input, idx, d, keepdim, name):
    """(values, indices) of input at idx (size 1 along d), d kept or squeezed: one operation."""
    nidx = _grid(idx, d)
    values = apply_op(name, lambda x: x[nidx] if keepdim else fnp.squeeze(x[nidx], d), [input],
                      saves=False)
    return values, _host_result((idx if keepdim else np.squeeze(idx, d)).astype(np.int64), input)


def kthvalue(input, k, dim=-1, keepdim=False):
    d = wrap_dim(dim, input.ndim)
    _no_empty(input, "kthvalue", d)
    n = input.shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    return _select_rank(input, dim, keepdim, lambda n: k - 1, "KthvalueBackward0",
                        return_types.kthvalue)


def median(input, dim=None, keepdim=False):
    if dim is None:
        if input.numel() == 0:  # PyTorch's median of nothing: nan
            return apply_op("MedianBackward0", lambda x: fnp.full((), np.nan, x.dtype), [input],
                            saves=False)
        return _select_rank(input, None, False, lambda n: (n - 1) // 2, "MedianBackward0", None)
    _no_empty(input, "median", wrap_dim(dim, input.ndim))
    return _select_rank(input, dim, keepdim, lambda n: (n - 1) // 2, "MedianBackward1",
                        return_types.median)


def mode(input, dim=-1, keepdim=False):
    input = _t(input)
    d = wrap_dim(dim, input.ndim)
    _no_empty(input, "mode", d)
    x = np.moveaxis(concrete(input), d, -1)
    flat = x.reshape(-1, x.shape[-1])
    idx = np.empty(flat.shape[0], np.int64)
    for r, row in enumerate(flat):
        vals, counts = np.unique(row, return_counts=True)
        best = vals[np.argmax(counts)]
        idx[r] = np.nonzero(row == best)[0][-1]
    idx = np.moveaxis(idx.reshape(x.shape[:-1] + (1,)), -1, d)
    return return_types.mode(*_pick_reduced(input, idx, d, keepdim, "ModeBackward0"))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted), with where each element went and how often each occurs."""
    x = concrete(input)
    if dim is None:
        vals, first, inverse, counts = np.unique(x.reshape(-1), return_index=True,
                                                 return_inverse=True, return_counts=True)
        inverse = inverse.reshape(x.shape)
        if input._requires_grad:
            values = apply_op("Unique2Backward0", lambda v: fnp.reshape(v, (-1,))[first],
                              [input], saves=False)
        else:
            values = _host_result(vals, input)
    else:
        d = wrap_dim(dim, input.ndim)
        vals, inverse, counts = np.unique(x, axis=d, return_inverse=True, return_counts=True)
        values = _host_result(vals, input)
        inverse = inverse.reshape(-1)
    out = [values]
    if return_inverse:
        out.append(_host_result(inverse.astype(np.int64), input))
    if return_counts:
        out.append(_host_result(counts.astype(np.int64), input))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    x = concrete(input).reshape(-1)
    if x.size == 0:
        keep = np.zeros(0, bool)
    else:
        keep = np.concatenate([[True], x[1:] != x[:-1]])
    values = _host_result(x[keep], input)
    out = [values]
    if return_inverse:
        out.append(_host_result((np.cumsum(keep) - 1).reshape(input.shape).astype(np.int64), input))
    if return_counts:
        starts = np.nonzero(keep)[0]
        out.append(_host_result(np.diff(np.append(starts, x.size)).astype(np.int64), input))
    return out[0] if len(out) == 1 else tuple(out)

