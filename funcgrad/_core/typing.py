"""The type aliases of funcgrad's public signatures.

- `ArrayLike`: anything funcgrad.numpy accepts as an array: an `Array`, a traced value (inside
  `grad`, `jit`, `vmap`...), a numpy array or scalar, a Python bool/int/float/complex (weakly
  typed: `x32 * 2.0` stays float32), or nested lists and tuples of those.
- `DTypeLike`: what `np.dtype(...)` accepts for a dtype: a name (`"float32"`), a scalar type
  (`fnp.float32`, `float`), a `np.dtype`, or None for the function's default.
- `Shape`: a sequence of non-negative ints, `(2, 3)` or `[2, 3]`.
- `Axis`: one axis, several, or None for all of them; negative axes count from the end.
- `PyTree`: a nest of tuples, lists, dicts, namedtuples, None and registered classes with arrays
  (or anything else) at the leaves; see `funcgrad.tree`. It is `Any` to a type checker, which
  cannot express a recursive container of arbitrary registered node types.

>>> from funcgrad._core.typing import ArrayLike, Shape
>>> def zeros_like_shape(x: ArrayLike, shape: Shape) -> tuple[int, ...]:
...     return tuple(shape)
>>> zeros_like_shape(1.0, [2, 3])
(2, 3)
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ForwardRef, Optional, Union

import numpy as np

if TYPE_CHECKING:
    from typing import TypeAlias

    from .array import Array
    from .trace import Tracer

    ArrayLike: TypeAlias = Union[Array, Tracer, np.ndarray, np.generic, bool, int, float,
                                 complex, list[Any], tuple[Any, ...]]
else:
    # At run time the two classes are named, not imported: array.py and trace.py may import
    # this module for their own annotations. The module= lets typing.get_type_hints resolve them
    # from any module.
    ArrayLike = Union[ForwardRef("Array", module="funcgrad._core.array"),
                      ForwardRef("Tracer", module="funcgrad._core.trace"),
                      np.ndarray, np.generic, bool, int, float, complex, list, tuple]

DTypeLike = Union[str, type, np.dtype, None]
Shape = Sequence[int]
Axis = Optional[Union[int, Sequence[int]]]
PyTree = Any

__all__ = ["ArrayLike", "DTypeLike", "Shape", "Axis", "PyTree"]
