"""numpy's data type routines, accepting funcgrad arrays where numpy accepts arrays."""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy import can_cast, issubdtype, promote_types  # noqa: F401  (re-exported as they are)

from .. import lax
from .._core.array import Array
from .._core.avals import user_dtype
from .._core.trace import Tracer, get_aval
from .._core.typing import ArrayLike, DTypeLike
from ._core import operand


def astype(x: ArrayLike, dtype: DTypeLike, copy: bool = True) -> Array:
    """numpy.astype, differentiable."""
    return lax.convert_element_type(operand(x), user_dtype(dtype, "astype"))


def _dtype_arg(x):
    if isinstance(x, (Array, Tracer)):
        return get_aval(x).dtype
    return x


def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """numpy.result_type, accepting funcgrad arrays (Python scalars stay weak, as in numpy).

    >>> import funcgrad.numpy as fnp
    >>> fnp.result_type(fnp.ones(2, fnp.float32), 2.0)
    dtype('float32')
    """
    return np.result_type(*(_dtype_arg(x) for x in arrays_and_dtypes))


def finfo(dtype: DTypeLike) -> np.finfo:
    """numpy.finfo, accepting funcgrad arrays."""
    return np.finfo(_dtype_arg(dtype))


def iinfo(int_type: DTypeLike) -> np.iinfo:
    """numpy.iinfo, accepting funcgrad arrays."""
    return np.iinfo(_dtype_arg(int_type))
