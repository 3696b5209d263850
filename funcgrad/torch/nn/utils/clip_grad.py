"""clip_grad_norm_ and clip_grad_value_: in-place rescaling of .grad, as PyTorch's."""
from __future__ import annotations

import types
import warnings

import numpy as np

from ...._core import backend
from ..._size import storage_on
from ..._tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm"]


def _vector_norm(x, p):
    """The p-norm of array x (numpy's or CuPy's, computed where x is)."""
    xp = backend.xp_of(x)
    x = xp.abs(xp.asarray(x, dtype=np.float64).ravel())
    if p == float("inf"):
        return x.max() if x.size else 0.0
    if p == float("-inf"):
        return x.min() if x.size else float("inf")
    if p == 0:
        return float((x != 0).sum())
    if p == 1:
        return x.sum()
    if p == 2:
        return np.sqrt((x * x).sum())
    return (x ** p).sum() ** (1.0 / p)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._make(np.array(0.0, np.float32))
    dtype = tensors[0]._data.dtype
    norms = np.array([float(_vector_norm(t._data, norm_type)) for t in tensors]).astype(dtype)
    total = np.asarray(_vector_norm(norms, norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable this "
                           "error and scale the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    return Tensor._make(storage_on(total, tensors[0].device))


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    coef = float(max_norm) / (float(total_norm) + 1e-6)
    coef = min(coef, 1.0)
    for g in grads:
        backend.xp_of(g._data).multiply(g._data, g._data.dtype.type(coef), out=g._data)
        g._bump()


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of `parameters` in place so that their total `norm_type`-norm is at
    most `max_norm`; returns the total norm before clipping."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient of `parameters` in place to [-clip_value, clip_value]."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    for p in parameters:
        g = p.grad
        if g is not None:
            backend.xp_of(g._data).clip(g._data, -clip_value, clip_value, out=g._data)
            g._bump()
