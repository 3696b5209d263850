"""Complex numbers seen as pairs of reals: torch.view_as_real / view_as_complex (views sharing
the tensor's storage, as PyTorch's) and torch.angle."""
from __future__ import annotations

import numpy as np

from .. import numpy as fnp
from . import _dtypes as D
from ._dispatch import apply_op
from ._grad_mode import is_grad_enabled
from ._tensor import Tensor, _as

_ndarray = np.ndarray


def _share(t: Tensor, view: np.ndarray) -> Tensor:
    """view (a numpy view of t's storage) as a tensor that shares t's storage and version."""
    return Tensor._make(view, t._vc, t._base if t._base is not None else t)


def view_as_real(input: Tensor) -> Tensor:
    """A complex tensor as a real one with a last dimension of 2 (real, imaginary parts), sharing
    its storage.

    >>> import funcgrad.torch as torch
    >>> torch.view_as_real(torch.tensor([1 + 2j]))
    tensor([[1., 2.]])
    """
    if not input._dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    real = input._dtype.to_real()
    d = input._data
    if type(d) is _ndarray and not (input._requires_grad and is_grad_enabled()):
        return _share(input, d[..., None].view(real.np))
    return apply_op("ViewAsRealBackward0", lambda x: fnp.stack([fnp.real(x), fnp.imag(x)], -1),
                    [input], saves=False, dtype=real)


def view_as_complex(input: Tensor) -> Tensor:
    """A real tensor whose last dimension is 2 as a complex one, sharing its storage.

    >>> import funcgrad.torch as torch
    >>> torch.view_as_complex(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([1.+2.j, 3.+4.j])
    """
    dt = input._dtype
    if dt not in (D.float32, D.float64, D.float16):
        raise RuntimeError("view_as_complex is only supported for half, float and double tensors, "
                           f"but got a tensor of scalar type: {D.type_name(dt)}")
    if input.ndim == 0 or input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    d = input._data
    if input.ndim and input.stride(-1) != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    cdt = dt.to_complex()
    if type(d) is _ndarray and not (input._requires_grad and is_grad_enabled()):
        return _share(input, d.view(cdt.np)[..., 0])
    return apply_op("ViewAsComplexBackward0",
                    lambda x: _as(x[..., 0], cdt) + _as(x[..., 1], cdt) * 1j, [input],
                    saves=False, dtype=cdt)


def angle(input: Tensor) -> Tensor:
    """The argument of each element (for a real tensor: pi where negative, else 0), in the
    matching real floating dtype.

    >>> import funcgrad.torch as torch
    >>> torch.angle(torch.tensor([1j, -1.0]))
    tensor([1.5708, 3.1416])
    """
    dt = input._dtype
    out = dt.to_real() if dt.is_complex else dt if dt.is_floating_point else \
        D.get_default_dtype()
    return apply_op("AngleBackward0", lambda x: _as(fnp.angle(x), out), [input],
                    saves=True, dtype=out)
