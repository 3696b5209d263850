"""torch.nn.functional (the part the tensor layer needs; layers and losses come with nn)."""
from __future__ import annotations

import numpy as np

from ..._api import stop_gradient
from ... import numpy as fnp
from .. import _dtypes as D
from .._dispatch import apply_op
from .._ops import relu  # noqa: F401  (F.relu)
from .._tensor import Tensor, _dim


def _softmax_dim(ndim):
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    d = _dim(_softmax_dim(input.ndim) if dim is None else dim, input.ndim)
    if dtype is not None:
        input = input.to(dtype)

    def fn(x):
        e = fnp.exp(x - stop_gradient(fnp.max(x, axis=d, keepdims=True)))
        return e / fnp.sum(e, axis=d, keepdims=True)
    return apply_op("SoftmaxBackward0", fn, [input])


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    d = _dim(_softmax_dim(input.ndim) if dim is None else dim, input.ndim)
    if dtype is not None:
        input = input.to(dtype)

    def fn(x):
        s = x - stop_gradient(fnp.max(x, axis=d, keepdims=True))
        return s - fnp.log(fnp.sum(fnp.exp(s), axis=d, keepdims=True))
    return apply_op("LogSoftmaxBackward0", fn, [input])


def one_hot(tensor, num_classes=-1):
    if tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = tensor._data
    n = int(idx.max()) + 1 if num_classes == -1 else num_classes
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._make((idx[..., None] == np.arange(n)).astype(np.int64))


def sigmoid(input):
    from .._ops import sigmoid as _s
    return _s(input)


def tanh(input):
    from .._ops import tanh as _t
    return _t(input)
