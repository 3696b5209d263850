"""torch.nn.functional's linear layers: linear, bilinear and scaled dot-product attention."""
from __future__ import annotations

import math

import numpy as np

from .... import lax
from .... import nn as fg_nn
from .... import numpy as fnp
from ..._dispatch import apply_op
from ..._dtypes import type_name
from ..._random import _gen
from ..._tensor import Tensor
from ._common import _const

__all__ = ["linear", "bilinear", "scaled_dot_product_attention"]


# ---- linear ------------------------------------------------------------------------------------

def linear(input, weight, bias=None):
    if input.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D "
                           f"and {weight.ndim}D")
    k = input.shape[-1]
    if weight.ndim == 2 and weight.shape[1] != k:
        rows = input.numel() // k if k else 0
        rows = 1 if input.ndim == 1 else rows
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{type_name(input.dtype)} and {type_name(weight.dtype)}")
    if bias is not None and weight.ndim == 2:
        out = (input.numel() // k if k else 0, weight.shape[0])
        b = tuple(bias.shape)
        lead = (1,) * (2 - len(b)) + b
        for i in (1, 0):
            if lead[i] != out[i] and lead[i] != 1:
                raise RuntimeError(f"The expanded size of the tensor ({out[i]}) must match the "
                                   f"existing size ({lead[i]}) at non-singleton dimension {i}.  "
                                   f"Target sizes: {list(out)}.  Tensor sizes: {list(b)}")
    nd = input.ndim
    if nd == 2:
        name = "AddmmBackward0" if bias is not None else "MmBackward0"
    elif nd == 1:
        name = "ViewBackward0" if bias is not None else "SqueezeBackward4"
    else:
        name = "ViewBackward0" if bias is not None else "UnsafeViewBackward0"

    def fn(b, x, w):
        y = lax.dot_general(x, w, (((x.ndim - 1,), (w.ndim - 1,)), ((), ())))
        if b is None:
            return y
        # lax.add broadcasts the bias as numpy does; `+` would first apply funcgrad.numpy's
        # dtype rules, which matter only for a bias of another dtype
        return lax.add(y, b) if b.dtype == y.dtype else y + b
    # bias first: AddmmBackward0's next_functions start with the bias, as PyTorch's do
    return apply_op(name, fn, [bias, input, weight])


def bilinear(input1, input2, weight, bias=None):
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")

    def fn(x1, x2, w, b):
        y = fnp.einsum("...i,oij,...j->...o", x1, w, x2)
        return y if b is None else y + b
    return apply_op("AddBackward0" if bias is not None else "ViewBackward0", fn,
                    [input1, input2, weight, bias])

# ---- attention ---------------------------------------------------------------------------------

def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(Q K^T * scale + mask) V over the last two axes (PyTorch's math reference): a
    boolean mask keeps where True, a float mask is added; is_causal keeps j <= i."""
    L, S = query.shape[-2], key.shape[-2]
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    causal = np.tril(np.ones((L, S), dtype=bool)) if is_causal else None
    drop = None
    if dropout_p > 0.0:
        shape = np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2])) + (L, S)
        drop = _gen(None, query.device).bernoulli(shape, 1 - dropout_p) / (1 - dropout_p)
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        heads = Tensor._make(np.repeat(np.arange(key.shape[-3], dtype=np.int64), rep))
        key = key.index_select(key.ndim - 3, heads)  # each kv head serves `rep` query heads
        value = value.index_select(value.ndim - 3, heads)

    def fn(q, k, v, m):
        s = fnp.matmul(q, fnp.swapaxes(k, -1, -2)) * sc
        if causal is not None:
            s = lax.select(causal, s, _const(-np.inf, s))
        if m is not None:
            if m.dtype == np.bool_:
                s = lax.select(m, s, _const(-np.inf, s))
            else:
                s = s + lax.convert_element_type(m, s.dtype)
        p = fg_nn.softmax(s, -1)
        if drop is not None:
            p = p * _const(drop, p)
        return fnp.matmul(p, v)
    return apply_op("UnsafeViewBackward0", fn, [query, key, value, attn_mask])
