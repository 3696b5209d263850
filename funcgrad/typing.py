"""Type annotations for code that takes arrays and dtypes, as `jax.typing`.

- `ArrayLike`: what funcgrad's functions accept as an array: an `Array` (traced values are
  Arrays too), a numpy array or scalar, a Python bool/int/float/complex, and (funcgrad.numpy's
  one difference from JAX, see docs/jax.md) nested lists and tuples of those.
- `DTypeLike`: what names a dtype: a string (`"float32"`), a scalar type (`fnp.float32`,
  `float`), a `numpy.dtype`, or anything with a `.dtype` attribute.

>>> import funcgrad.numpy as fnp
>>> from funcgrad.typing import ArrayLike, DTypeLike
>>> def half(x: ArrayLike, dtype: DTypeLike = "float32") -> fnp.ndarray:
...     return fnp.asarray(x, dtype=dtype) / 2
>>> half([1, 2])
Array([0.5, 1. ], dtype=float32)
"""
from __future__ import annotations

from typing import Any, Protocol, Union, runtime_checkable

import numpy as np

from ._core.typing import ArrayLike

__all__ = ["ArrayLike", "DTypeLike", "SupportsDType"]


@runtime_checkable
class SupportsDType(Protocol):
    """Anything with a `.dtype` (an Array, a ShapeDtypeStruct, a numpy array)."""

    @property
    def dtype(self) -> np.dtype: ...


DTypeLike = Union[str, type[Any], np.dtype, SupportsDType]
