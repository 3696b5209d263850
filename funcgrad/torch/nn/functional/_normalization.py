"""torch.nn.functional's normalizations: batch, instance, layer, group and local response
normalization, and normalize."""
from __future__ import annotations

import math
import numbers

import numpy as np

from ...._api import stop_gradient
from .... import lax
from .... import nn as fg_nn
from .... import numpy as fnp
from ...._core import backend
from ..._dispatch import apply_op, is_storage as _is_storage
from ..._grad_mode import no_grad
from ..._dtypes import check_float, type_name
from ..._reductions import p_norm
from ..._storage import wrap_dim
from ._common import _const
from ._pooling import avg_pool2d
from ._vision import pad

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "local_response_norm",
           "normalize"]


# ---- normalization -----------------------------------------------------------------------------

def _standardized(x, axes, eps, mean=None, var=None):
    """(x - mean) / sqrt(var + eps), by funcgrad.nn.standardize; without statistics given, those
    of x over `axes` with the biased variance (the mean squared deviation), as PyTorch's."""
    if mean is None:
        mean = fnp.mean(x, axis=axes, keepdims=True)
        var = fnp.mean(lax.integer_pow(x - mean, 2), axis=axes, keepdims=True)
    return fg_nn.standardize(x, axes, mean, var, eps)


def _check_batch_stats(size, shown=None):
    """PyTorch's error for statistics over a single value per channel (size: (N, C, *rest))."""
    if math.prod(size[:1] + size[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {size if shown is None else shown}")


def _affine(y, w, b, shape=None):
    """y * w + b, for the weight and bias that are given (reshaped to `shape`, if one is)."""
    if w is not None:
        y = y * (w if shape is None else lax.reshape(w, shape))
    if b is not None:
        y = y + (b if shape is None else lax.reshape(b, shape))
    return y


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    check_float("batch_norm", input.dtype)
    if training:
        _check_batch_stats(list(input.shape), input.size())
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input.ndim < 2:
        raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")
    c = input.shape[1]
    for nm, t in (("running_mean", running_mean), ("running_var", running_var),
                  ("weight", weight), ("bias", bias)):  # PyTorch's order
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{nm} should contain {c} elements not {t.numel()}")
    axes = (0,) + tuple(range(2, input.ndim))
    bshape = (1, c) + (1,) * (input.ndim - 2)
    use_batch = training or running_mean is None

    def fn(x, w, b, rm, rv):
        if use_batch:
            y = _standardized(x, axes, eps)
        else:
            mean = lax.reshape(lax.convert_element_type(rm, x.dtype), bshape)
            y = _standardized(x, axes, eps, mean,
                              lax.reshape(lax.convert_element_type(rv, x.dtype), bshape))
        return _affine(y, w, b, bshape)
    # the running statistics are read only in eval mode (in training they are updated below,
    # in place, which must not invalidate this operation's saved inputs)
    out = apply_op("NativeBatchNormBackward0", fn, [input, weight, bias,
                                                      None if use_batch else running_mean,
                                                      None if use_batch else running_var])
    if training and running_mean is not None:
        _update_running_stats(input, running_mean, running_var, momentum, axes)
    return out


def _update_running_stats(input, running_mean, running_var, momentum, axes):
    x = input._data
    if not _is_storage(x):
        mean = stop_gradient(fnp.mean(x, axis=axes))
        n = int(np.prod(x.shape, dtype=np.int64)) // x.shape[1]
        var = stop_gradient(fnp.var(x, axis=axes)) * (n / max(n - 1, 1))
        running_mean._data = (1 - momentum) * running_mean._data + momentum * mean
        if running_var is not None:
            running_var._data = (1 - momentum) * running_var._data + momentum * var
        return
    n = x.size // x.shape[1]
    mean = x.mean(axis=axes, dtype=np.float64)
    var = x.var(axis=axes, dtype=np.float64) * (n / max(n - 1, 1))
    xp = backend.xp_of(x)
    with no_grad():
        rm = running_mean._data
        xp.copyto(rm, (1 - momentum) * rm + momentum * mean, casting="unsafe")
        running_mean._bump()
        if running_var is not None:
            rv = running_var._data
            xp.copyto(rv, (1 - momentum) * rv + momentum * var, casting="unsafe")
            running_var._bump()


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    axes = tuple(range(2, input.ndim))
    c = input.shape[1]
    bshape = (1, c) + (1,) * (input.ndim - 2)

    return apply_op("NativeBatchNormBackward0",
                    lambda x, w, b: _affine(_standardized(x, axes, eps), w, b, bshape),
                    [input, weight, bias])


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.ndim - k:]) != normalized_shape or input.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*, {', '.join(str(s) for s in normalized_shape)}], but "
                           f"got input of size{list(input.shape)}")
    for nm, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(f"Expected {nm} to be of same shape as normalized_shape, but got "
                               f"{nm} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(normalized_shape)}")
    check_float("LayerNormKernelImpl", input.dtype)
    axes = tuple(range(input.ndim - k, input.ndim))

    return apply_op("NativeLayerNormBackward0",
                    lambda x, w, b: _affine(_standardized(x, axes, eps), w, b),
                    [input, weight, bias])


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    for nm, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {nm} to be a vector of size equal to the number of "
                               f"channels in input, but got {nm} of shape {list(t.shape)} and "
                               f"input of shape {list(input.shape)}")
    _check_batch_stats([n * c // num_groups, num_groups] + list(input.shape[2:]))
    shape = tuple(input.shape)
    bshape = (1, c) + (1,) * (input.ndim - 2)
    per_group = int(np.prod(shape[1:], dtype=np.int64)) // num_groups

    def fn(x, w, b):
        g = _standardized(lax.reshape(x, (n, num_groups, per_group)), (2,), eps)
        return _affine(lax.reshape(g, shape), w, b, bshape)
    return apply_op("NativeGroupNormBackward0", fn, [input, weight, bias])


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    dim = input.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    div = input.mul(input)
    c = input.shape[1]
    # average of squares over a window of `size` channels (zero padded), as PyTorch's
    div = div.unsqueeze(1)
    div = pad(div.reshape(div.shape[0], 1, c, -1), (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    div = div.reshape(input.shape)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    d = wrap_dim(dim, input.ndim)
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {type_name(input.dtype)}")

    def fn(x):
        return x / lax.maximum(p_norm(x, p, d, True), _const(eps, x))
    return apply_op("DivBackward0", fn, [input])
