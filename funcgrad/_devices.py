"""Moving pytrees of arrays between devices: fg.device_put, fg.device_get."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import tree
from ._core import backend
from ._core.array import Array, wrap_value
from ._core.trace import Tracer
from .lax.device import device_put as _put


def device_put(x: Any, device: Any = None) -> Any:
    """Every array leaf of the pytree `x` on `device` ('cpu', 'cuda', 'cuda:1', a Device; None:
    the default device). Differentiable; a leaf already there is not copied. Host data (numpy
    arrays, lists, Python scalars) becomes Arrays.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.device_put({"w": fnp.ones(2)}, "cpu")["w"].device
    CpuDevice(id=0)
    """
    device = backend.default_device() if device is None else backend.get_device(device)

    def put(leaf):
        if isinstance(leaf, Tracer) or hasattr(leaf, "_value"):
            return _put(leaf, device)
        data = np.asarray(leaf)
        if data.dtype.kind not in "biufc":  # JAX's TypeError: not a valid array type
            raise TypeError(f"device_put: the leaf {leaf!r:.40} of type {type(leaf).__name__} "
                            f"(numpy dtype {data.dtype}) is not array data; arrays hold "
                            "booleans and numbers.")
        return wrap_value(backend.transfer(data, device))
    return tree.tree_map(put, x)


def device_get(x: Any) -> Any:
    """Every array leaf of the pytree `x` as a numpy array on the host.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.device_get([fnp.arange(2)])
    [array([0, 1])]
    """
    return tree.tree_map(lambda leaf: np.asarray(
        backend.to_host(leaf._value) if type(leaf) is Array else leaf), x)
