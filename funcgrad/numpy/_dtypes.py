"""numpy's data type routines, accepting funcgrad arrays where numpy accepts arrays."""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy import can_cast, issubdtype  # noqa: F401  (re-exported as they are)

from .. import lax
from .._core.array import Array
from .._core import avals
from .._core.avals import PY_SCALARS, user_dtype
from .._core.trace import Tracer, get_aval
from .._core.typing import ArrayLike, DTypeLike
from ._core import operand

try:  # bfloat16 (JAX's dependency ml_dtypes holds it for numpy), where it is installed
    from ml_dtypes import bfloat16  # noqa: F401  (re-exported as funcgrad.numpy.bfloat16)
except ImportError:  # pragma: no cover - without ml_dtypes there are no bfloat16 arrays
    pass


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
    if avals.JAX_LATTICE:  # JAX's lattice and weak types (fg.config's dtype mode)
        return avals.promote_jax(*(_jax_operand(x) for x in arrays_and_dtypes))[0]
    return np.result_type(*(_dtype_arg(x) for x in arrays_and_dtypes))


def promote_types(type1: DTypeLike, type2: DTypeLike) -> np.dtype:
    """numpy.promote_types; in JAX's dtype mode (see fg.config), jax.numpy.promote_types: JAX's
    lattice, where int32 with float16 is float16.

    >>> import funcgrad.numpy as fnp
    >>> fnp.promote_types(fnp.int32, fnp.float16)
    dtype('float64')
    """
    if avals.JAX_LATTICE:
        return avals.promote_jax((np.dtype(type1), False), (np.dtype(type2), False),
                                 canonical=False)[0]
    return np.promote_types(np.dtype(type1), np.dtype(type2))


def _jax_operand(x):
    """(dtype, weak) of a result_type argument: Python scalars and weak arrays are weak."""
    if type(x) in PY_SCALARS:
        return get_aval(x).dtype, type(x) is not bool
    if isinstance(x, (Array, Tracer)):
        a = get_aval(x)
        return a.dtype, a.weak_type
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype, False
    if isinstance(x, type) and x in (int, float, complex):  # JAX reads a Python type as its weakly typed default
        return avals.default_dtype(x), True
    return np.dtype(x), False


def finfo(dtype: DTypeLike) -> np.finfo:
    """numpy.finfo, accepting funcgrad arrays."""
    return np.finfo(_dtype_arg(dtype))


def iinfo(int_type: DTypeLike) -> np.iinfo:
    """numpy.iinfo, accepting funcgrad arrays."""
    return np.iinfo(_dtype_arg(int_type))
