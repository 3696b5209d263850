"""torch.nn.functional's sparse functions: embedding, embedding_bag and one_hot."""
from __future__ import annotations

import numpy as np

from ...._api import stop_gradient
from ...._core import backend
from ... import _dtypes as D
from ... import _ops
from ..._dispatch import apply_op
from ..._shape_ops import stack
from ..._storage import host_values
from ._common import _const

__all__ = ["embedding", "embedding_bag", "one_hot"]


# ---- sparse ------------------------------------------------------------------------------------

def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    num = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= num:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -num:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = num + padding_idx
    if input.dtype not in (D.int64, D.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{D.type_string(input)} instead (while checking arguments for "
                           "embedding)")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    idx = host_values(input)
    if idx.size and (idx.min() < 0 or idx.max() >= num):  # no negative positions, as PyTorch
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm_(weight, idx, max_norm, norm_type)
    scale = None
    if padding_idx is not None or scale_grad_by_freq:
        scale = np.ones(idx.shape)
        if scale_grad_by_freq:
            uniq, inv, counts = np.unique(idx, return_inverse=True, return_counts=True)
            scale = scale / counts[inv.reshape(idx.shape)]
        if padding_idx is not None:
            scale = np.where(idx == padding_idx, 0.0, scale)
        scale = scale[..., None]

    def fn(w):
        rows = w[idx]
        if scale is None:
            return rows
        # the value of rows, with the gradient scaled (0 for padding_idx, 1/count by frequency)
        fixed = stop_gradient(rows)
        return fixed + (rows - fixed) * _const(scale, rows)
    return apply_op("EmbeddingBackward0", fn, [weight])


def _embedding_renorm_(weight, idx, max_norm, norm_type):
    w = weight._data
    rows = np.unique(idx)
    norms = np.linalg.norm(host_values(weight)[rows].astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        scale = backend.xp_of(w).asarray(max_norm / (norms[big] + 1e-7))
        w[rows[big]] = (w[rows[big]] * scale[:, None]).astype(w.dtype)
        weight._bump()


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    if input.ndim == 2:
        bags = [input[i] for i in range(input.shape[0])]
    else:
        offs = offsets.tolist() + ([] if include_last_offset else [input.shape[0]])
        bags = [input[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]
    outs = []
    for b in bags:
        e = embedding(b, weight, padding_idx, max_norm, norm_type)
        outs.append(e.sum(0) if mode == "sum" else e.mean(0) if mode == "mean" else e.max(0)[0])
    return stack(outs)


def one_hot(tensor, num_classes=-1):
    if tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = host_values(tensor)
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        n = int(idx.max()) + 1
    else:
        n = num_classes
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if idx.size and idx.max() >= n:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _ops._host_result((idx[..., None] == np.arange(n)).astype(np.int64), tensor)
