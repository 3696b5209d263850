"""The lax binary operations as JAX's `jax.lax` has them at the public boundary: operands of
different dtypes are a TypeError (lax does not promote; `funcgrad.numpy` does). A Python scalar is
weakly typed and may join an operand of its own kind (`lax.add(x32, 2.0)` is float32); an int with
a float, or a float32 array with an int32 one, is refused.

funcgrad's own modules call the same functions with mixed operands and numpy's promotion (the
primitives promote), so the check applies to calls from code outside funcgrad's source files
(the test that `user_frame` uses for messages).

>>> import funcgrad.numpy as fnp
>>> from funcgrad import lax
>>> lax.add(fnp.ones(2, fnp.float32), 2.0)
Array([3., 3.], dtype=float32)
>>> try:
...     lax.add(fnp.ones(2, fnp.float32), fnp.ones(2, fnp.int32))
... except TypeError as e:
...     print(str(e).splitlines()[0])
lax.add requires arguments to have the same dtypes, got float32, int32.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .._core.array import Array
from .._core.errors import _is_internal, user_frame
from .._core.trace import get_aval
from .._core.typing import ArrayLike

__all__ = ["same_dtypes"]

# the funcgrad.numpy function that promotes, for the message's tip
NUMPY_TWIN = {"add": "add", "sub": "subtract", "mul": "multiply", "div": "divide",
              "rem": "remainder", "maximum": "maximum", "minimum": "minimum",
              "atan2": "arctan2", "eq": "equal", "ne": "not_equal", "lt": "less",
              "le": "less_equal", "gt": "greater", "ge": "greater_equal",
              "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or",
              "bitwise_xor": "bitwise_xor", "shift_left": "left_shift",
              "shift_right": "right_shift", "nextafter": "nextafter"}


def _category(dtype: Any) -> str:
    return {"u": "i"}.get(dtype.kind, dtype.kind)


def clash(*args: Any) -> list[Any] | None:
    """The operands' dtypes if JAX's lax would refuse them together, else None."""
    avals = [get_aval(a) for a in args]
    for a, x in zip(avals, args):
        if a.dtype.kind not in "biufc" and a.dtype.name != "bfloat16":
            raise TypeError(f"lax operands are arrays or numbers, got {type(x).__name__}: "
                            f"{x!r:.60}; pass an array (fnp.asarray(x))")
    strong = {a.dtype for a in avals if not a.weak_type}
    if len(strong) > 1:
        return [a.dtype for a in avals]
    kinds = {_category(a.dtype) for a in avals}
    if len(kinds) > 1:
        return [a.dtype for a in avals]
    return None


def same_dtypes(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """`fn(x, y)` that refuses operands of different dtypes when called from outside funcgrad."""
    twin = NUMPY_TWIN.get(name, name)

    def checked(x: ArrayLike, y: ArrayLike) -> Array:
        if not _is_internal(sys._getframe(1).f_code.co_filename):  # a call from outside funcgrad
            dtypes = clash(x, y)
            if dtypes is not None:
                got = ", ".join(str(d) for d in dtypes)
                raise TypeError(
                    f"lax.{name} requires arguments to have the same dtypes, got {got}.\n"
                    f"  at {user_frame()}\n"
                    f"lax does not promote: cast one operand (x.astype(y.dtype)), or use "
                    f"funcgrad.numpy.{twin}, which promotes as numpy does.")
        return fn(x, y)

    checked.__name__ = checked.__qualname__ = getattr(fn, "__name__", name)
    checked.__doc__ = fn.__doc__ or f"lax.{name}: both operands of one dtype (see same_dtypes)."
    checked.primitive = getattr(fn, "primitive", None)  # type: ignore[attr-defined]
    return checked
