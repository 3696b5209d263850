"""Tensor storage: the numpy arrays (CuPy arrays on a GPU) that tensors hold, and what the torch
layer asks of them below the Tensor class: copies, host values, addresses, strided views, where a
view's elements lie in its base, and PyTorch's wrapping of a dimension index."""
from __future__ import annotations

import numpy as np

from .._core import backend

_ndarray = np.ndarray
_is_storage = backend.is_backend_array


def copy_storage(d):
    """A copy of tensor storage, on its device, with its layout."""
    return backend.xp_of(d).array(d)


def host_values(t):
    """A tensor's values as a numpy array (a copy for a GPU tensor's); a traced value raises
    funcgrad's error, as numpy's conversion of it does."""
    return np.asarray(backend.to_host(t._data))


def address(d):
    """The address of storage d's first element."""
    return d.__array_interface__["data"][0] if type(d) is _ndarray else d.data.ptr


def root(d):
    """The array that owns the memory storage d views."""
    while _is_storage(d.base):
        d = d.base
    return d


def wrap_dim(d, ndim):
    """Dimension d of a tensor with ndim dimensions, wrapped, with PyTorch's IndexError."""
    n = ndim if ndim else 1
    if not -n <= d < n:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"dim must be an int, but got {type(d).__name__}")
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {d})")
    return d % n if d < 0 else d


def wrap_dims(dims, ndim):
    """Dimensions dims (a sequence) wrapped, with PyTorch's RuntimeError naming one repeated."""
    out = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        seen = set()
        for d in out:
            if d in seen:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
            seen.add(d)
    return out


def strided_view(a, shape, strides):
    """A view of storage `a` with these shape and byte strides (writable where `a` is)."""
    if type(a) is _ndarray:
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=a.flags.writeable)
    return backend.xp_of(a).lib.stride_tricks.as_strided(a, shape, strides)


def flat_positions(base, view):
    """The positions (a numpy array) of view's elements in base's C-contiguous storage, in view's
    shape; None when base is not C-contiguous or view does not lie in it."""
    if not base.flags.c_contiguous or base.itemsize != view.itemsize:
        return None
    offset = address(view) - address(base)
    if offset % view.itemsize or any(s % view.itemsize for s in view.strides):
        return None
    pos = np.full(view.shape, offset // view.itemsize, np.int64)
    for axis, (n, stride) in enumerate(zip(view.shape, view.strides)):
        shape = [1] * view.ndim
        shape[axis] = n
        pos = pos + np.arange(n, dtype=np.int64).reshape(shape) * (stride // view.itemsize)
    if pos.size and (pos.min() < 0 or pos.max() >= base.size):
        return None
    return pos
