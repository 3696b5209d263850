"""Conversions and checks every funcgrad.numpy function starts with: operands, asarray/array, and
the small dtype helpers the other modules share. The lowest module of funcgrad.numpy: it imports
nothing from its siblings."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import lax
from .._core import backend
from .._core.array import Array, wrap_value
from .._core import avals
from .._core.avals import PY_SCALARS, dtype_key, ufunc_result_dtype, user_dtype
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.trace import Tracer, get_aval, host_value
from .._core.typing import ArrayLike, DTypeLike, Shape
from .._core.validate import check_size, shape_tuple
from ..lax._checks import normalize_axis


def is_arraylike(x: ArrayLike) -> bool:
    """Whether x is already a funcgrad value (an Array, or a Tracer under a transform) rather than
    something operand() must convert."""
    return isinstance(x, (Array, Tracer))


def operand(x: ArrayLike) -> Array:
    """An operand for a primitive: arrays and Python scalars (weakly typed) pass through; numpy
    values and nested sequences become Arrays."""
    if isinstance(x, (Array, Tracer)) or type(x) in PY_SCALARS:
        # a Tracer, or a weakly typed Python scalar, stands for the Array it becomes
        return x  # type: ignore[return-value]
    if isinstance(x, (list, tuple)):
        return asarray(x)
    if isinstance(x, (np.ndarray, np.generic)):
        return Array(x)
    raise TypeError(f"funcgrad.numpy cannot use a {type(x).__name__} as an array: {x!r:.60}")


def asarray(a: ArrayLike, dtype: DTypeLike = None) -> Array:
    """An Array (or traced value) from arrays, scalars, or nested lists of them.

    >>> import funcgrad.numpy as fnp
    >>> fnp.asarray([1, 2])
    Array([1, 2], dtype=int64)
    """
    out: Any  # an Array, or a Tracer under a transform
    if isinstance(a, (Array, Tracer)):
        out = a
    elif isinstance(a, (list, tuple)) and _has_traced(a):
        out = stack_operands([asarray(x) for x in a], 0)
    else:
        out = wrap_value(backend.from_data(a, user_dtype(dtype, "array")))
        # JAX's mode: an array made of a Python scalar alone is weakly typed, as in JAX
        out._weak = (avals.JAX_LATTICE and dtype is None and type(a) in PY_SCALARS
                     and type(a) is not bool)
        return out
    if dtype is not None and get_aval(out).dtype != np.dtype(dtype):
        out = lax.convert_element_type(out, dtype)
    return out


def _has_traced(seq):
    """Whether nested lists/tuples hold a funcgrad value, walked without recursion (a list
    nested thousands deep reaches numpy, which refuses more than 64 dimensions clearly)."""
    stack = [seq]
    while stack:
        for x in stack.pop():
            if isinstance(x, (Array, Tracer)):
                return True
            if isinstance(x, (list, tuple)):
                stack.append(x)
    return False


def array(object: ArrayLike, dtype: DTypeLike = None, copy: bool = True, ndmin: int = 0) -> Array:
    """Like numpy.array; funcgrad arrays are immutable, so `copy` changes nothing observable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.array([1.0, 2.0], ndmin=2)
    Array([[1., 2.]], dtype=float64)
    """
    out = asarray(object, dtype)
    nd = get_aval(out).ndim
    if ndmin > nd:
        out = lax.reshape(out, (1,) * (ndmin - nd) + get_aval(out).shape)
    return out


def stack_operands(arrays: Sequence[ArrayLike], axis: int) -> Array:
    """numpy.stack's work: operands of one shape joined along a new axis (asarray uses it for
    nested lists holding traced values)."""
    arrays = [operand(x) for x in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = {get_aval(x).shape for x in arrays}
    if len(shapes) > 1:
        raise ShapeError(f"stack needs arrays of one shape, got {sorted(shapes)}.\n  at "
                         f"{user_frame()}\n" + doc_link("shapeerror"))
    nd = get_aval(arrays[0]).ndim + 1
    ax = normalize_axis("stack", axis, nd)
    return lax.concatenate([lax.expand_dims(x, (ax,)) for x in arrays], ax)


def check_no_out(out: Any, who: str) -> None:
    """numpy's `out=` (in numpy's position, so that positional calls mean what they mean in
    numpy): funcgrad arrays are immutable, so only None is accepted (JAX refuses it too)."""
    if out is not None:
        raise TypeError(f"{who}: out= is not supported: funcgrad arrays are immutable; use the "
                        f"returned array")


def as_shape(shape: int | Shape, who: str = "shape", infer: bool = False,
             argname: str = "shape") -> tuple[int, ...]:
    """A shape argument (an int, a numpy integer or 0-d array, or a sequence of them) as a tuple
    of ints; the one place shape, size and reps arguments are normalized. Non-integer and
    negative sizes are ShapeErrors (with `infer`, one -1 stands for a size to infer), and a
    shape with more elements than this machine has bytes a MemoryError."""
    out = shape_tuple(shape, who, argname, infer=infer)
    check_size(out, np.uint8, who)  # no array of that shape fits: refused before any allocation
    return out


def shape_of(x: ArrayLike) -> tuple[int, ...]:
    """The shape of x (any ArrayLike), known without computing it, also under a transform."""
    return get_aval(operand(x)).shape


def dtype_of(x: ArrayLike) -> np.dtype:
    """The dtype x has as an operand (a Python scalar's weak default included), also under a
    transform."""
    return get_aval(operand(x)).dtype


def cast(x: ArrayLike, dtype: DTypeLike) -> Array:
    """x converted to `dtype` (x itself when it already has it)."""
    x = operand(x)
    return x if dtype_of(x) == dtype else lax.convert_element_type(x, dtype)


def float_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype numpy computes a mean (or another float result) in: floats and complex keep
    theirs, the rest use float64."""
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def ufunc_dtype(ufunc: Any, *xs: ArrayLike) -> np.dtype:
    """The result dtype of numpy's `ufunc` on operands xs (weak Python scalars included)."""
    return ufunc_result_dtype(ufunc, tuple(dtype_key(get_aval(x)) for x in xs))


def concrete(x: Any) -> Any:
    """x as a numpy value, for arguments that must be known now (an error under jit)."""
    if isinstance(x, (Array, Tracer)):
        return host_value(x)
    return x
