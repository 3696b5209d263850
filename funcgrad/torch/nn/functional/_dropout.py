"""torch.nn.functional's dropouts, their masks drawn from the torch layer's generator of the
input's device."""
from __future__ import annotations

import warnings

import numpy as np

from ..._dispatch import apply_op
from ..._random import _gen
from ..._size import storage_on as _storage_on
from ..._tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]


# ---- dropout -----------------------------------------------------------------------------------

def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _mask(shape, p, input):
    """Dropout's scaled keep-mask (a numpy array) for `input`, from its device's generator."""
    if p == 1:
        return np.zeros(shape, input.dtype.np)
    keep = _gen(None, input.device).bernoulli(shape, 1 - p)   # PyTorch's bernoulli_(1 - p)
    # then its div_(1 - p), computed in float32 for the 16-bit floats and rounded once
    dt = input.dtype.np
    work = np.float32 if dt.itemsize < 4 else dt.type
    return (keep.astype(work) / work(1 - p)).astype(dt)


def _apply_mask(input, mask, inplace):
    if inplace:
        return input.mul_(Tensor._make(_storage_on(mask, input.device)))
    return apply_op("MulBackward0", lambda x: x * mask, [input])


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    return _apply_mask(input, _mask(tuple(input.shape), p, input), inplace)


def _feature_dropout(input, p, training, inplace):
    if not training or p == 0 or input.numel() == 0:
        return input
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _apply_mask(input, _mask(shape, p, input), inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D "
                           "input. Note that dropout1d exists to provide channel-wise dropout on "
                           "inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    if input.ndim == 2:
        return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)
    return _feature_dropout(input, p, training, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    inp_dim = input.ndim
    if inp_dim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {inp_dim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout2d "
                      "exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D "
                      "or 4D inputs).", stacklevel=2)
    if inp_dim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape (C, H, "
                      "W). To maintain the 1D channel-wise dropout behavior, please switch to "
                      "using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if input.ndim == 4:
        return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)
    return _feature_dropout(input, p, training, inplace)


def _alpha_dropout(input, p, training, shape):
    """Alpha dropout with a keep-mask of `shape` (the input's, or one per feature map), as
    PyTorch's kernel computes it in the input's dtype: keep ~ bernoulli_(1 - p), then
    input * (keep * a) + ((keep - 1) * (alpha * a) + alpha * a * p), a = 1 / sqrt((alpha**2 * p
    + 1) * (1 - p)), each step rounded to the dtype."""
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        return apply_op("MulBackward0", lambda x: x * 0, [input])
    dt = input.dtype.np.type
    alpha = 1.7580993408473766
    a = 1.0 / np.sqrt((alpha * alpha * p + 1) * (1 - p))
    keep = _gen(None, input.device).bernoulli(shape, 1 - p).astype(input.dtype.np)
    bias = (keep - dt(1)) * dt(alpha * a) + dt(alpha * a * p)
    scale = keep * dt(a)
    out = apply_op("MulBackward0", lambda x: x * scale, [input])
    return apply_op("AddBackward0", lambda x: x + bias, [out])


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha_dropout(input, p, training, tuple(input.shape))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole feature maps (one draw per (batch, channel)).

    >>> import funcgrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> feature_alpha_dropout(torch.ones(1, 2, 2), 0.5, training=True).shape
    torch.Size([1, 2, 2])
    """
    return _alpha_dropout(input, p, training,
                          tuple(input.shape[:2]) + (1,) * (input.ndim - 2))
