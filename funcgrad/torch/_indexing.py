"""Tensor indexing: basic indices give views that share storage (as in PyTorch), advanced ones
(index tensors, masks) give copies; assignment writes into storage."""
from __future__ import annotations

import numpy as np

from ._dispatch import apply_op
from ._grad_mode import is_grad_enabled


def _numpy_index(idx):
    """A torch index as numpy's: tensors become arrays (bool masks stay masks)."""
    from ._tensor import Tensor
    if isinstance(idx, tuple):
        return tuple(_numpy_index(i) for i in idx)
    if isinstance(idx, Tensor):
        d = idx._data
        if not idx.dtype.is_floating_point:
            return d
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if isinstance(idx, list):
        return np.asarray([_numpy_index(i) if isinstance(i, Tensor) else i for i in idx])
    return idx


def _is_basic(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice))
               and not isinstance(i, bool) for i in items)


def _name(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    if any(isinstance(i, slice) or i is None or i is Ellipsis for i in items):
        return "SliceBackward0"
    if _is_basic(idx):
        return "SelectBackward0"
    return "IndexBackward0"


def getitem(t, idx):
    from ._tensor import Tensor
    nidx = _numpy_index(idx)
    if type(t._data) is np.ndarray and _is_basic(nidx):
        view = t._data[nidx]
        if is_grad_enabled() and t.requires_grad:
            out = apply_op(_name(idx), lambda x: x[nidx], [t], saves=False)
            out._data, out._version, out._base = view, t._version, t
            return out
        return Tensor._make(view, t._version, t)
    return apply_op(_name(idx), lambda x: x[nidx], [t], saves=False)


def setitem(t, idx, value):
    from ._tensor import Tensor
    nidx = _numpy_index(idx)
    t._check_inplace()
    if is_grad_enabled() and (t.requires_grad or (isinstance(value, Tensor)
                                                  and value.requires_grad)):
        v = value if isinstance(value, Tensor) else Tensor._make(np.asarray(value, t.dtype.np))
        new = apply_op("CopySlices", lambda x, u: x.at[nidx].set(u), [t._snapshot(), v],
                       saves=False)
        t._write(new)
        return
    v = value._data if isinstance(value, Tensor) else value
    t._data[nidx] = v
    t._bump()
