"""Helpers shared by several topics of torch.nn.functional: argument parsing (PyTorch's
_ntuple), the loss reductions, constants in a value's dtype; and the small tensor utilities
(flatten, sign, abs_) that PyTorch's functional module exposes too."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .... import lax
from .... import numpy as fnp

__all__ = ["flatten", "sign", "abs_"]


# ---- helpers -----------------------------------------------------------------------------------


def _ntuple(n, name=None):
    def parse(x):
        if isinstance(x, (list, tuple)):
            if len(x) == 1 and n > 1:
                return tuple(int(v) for v in x) * n
            if len(x) != n:
                raise RuntimeError(f"{name or 'argument'} must be an int or a tuple of {n} ints, "
                                   f"got {tuple(x)}")
            return tuple(int(v) for v in x)
        return (int(x),) * n
    return parse


_single, _pair, _triple = _ntuple(1), _ntuple(2), _ntuple(3)


def _legacy_reduction(size_average, reduce, stacklevel=3):
    """The reduction that the deprecated size_average/reduce arguments stand for, with
    PyTorch's warning."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", stacklevel=stacklevel + 1)
    return ret


def _reduction(size_average, reduce, reduction, stacklevel=3, own=None):
    """The reduction ('none', 'mean', 'sum') a loss was given, with PyTorch's ValueError for
    another. own: the message of a loss that checks it itself (no 'elementwise_mean' alias),
    "{} is not valid" or "{} is not a valid value for reduction"."""
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce, stacklevel)
    if own is not None:
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(own.format(reduction))
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=stacklevel)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(v, reduction):
    if reduction == "none":
        return v
    if v.dtype in _FLOATS:  # fnp.mean's and fnp.sum's primitives, without their dtype rules
        total = lax.reduce_sum(v, tuple(range(len(v.shape))))
        return lax.div(total, float(math.prod(v.shape))) if reduction == "mean" else total
    return fnp.mean(v) if reduction == "mean" else fnp.sum(v)


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _const(c, like):
    """A numpy constant in the dtype of the funcgrad value `like`."""
    return np.asarray(c, dtype=like.dtype)


# ---- misc --------------------------------------------------------------------------------------

def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)

def sign(x):
    return x.sign()


def abs_(x):
    return x.abs()
