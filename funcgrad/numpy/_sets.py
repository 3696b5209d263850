"""numpy's set routines."""
from __future__ import annotations

import numpy as np

from .._core.array import Array
from .._core.trace import host_value
from .._core.typing import ArrayLike
from ._core import operand
from ._indexing import take


def unique(ar: ArrayLike, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *,
           equal_nan: bool = True) -> Array | tuple[Array, ...]:
    """numpy.unique, for concrete values (the result's size depends on them). The unique values
    are gathered from `ar`, so gradients flow to the first occurrence of each.

    >>> import funcgrad.numpy as fnp
    >>> fnp.unique(fnp.array([3, 1, 3, 2]))
    Array([1, 2, 3], dtype=int64)
    """
    ar = operand(ar)
    v = host_value(ar)
    # numpy's stubs overload on literal flags
    res = np.unique(v, return_index=True, return_inverse=return_inverse,
                    return_counts=return_counts, axis=axis,
                    equal_nan=equal_nan)  # type: ignore[call-overload]
    idx = res[1]
    values = take(ar, Array(idx), axis=axis)
    out = [values]
    if return_index:
        out.append(Array(idx))
    out.extend(Array(r) for r in res[2:])
    return out[0] if len(out) == 1 else tuple(out)
