"""JAX's lax functions that are compositions of funcgrad's primitives (no primitive of their own,
so every transform already knows them): `iota`, `broadcasted_iota`, `broadcast`, `collapse`,
`clamp`, `exp2`, `square`, `reciprocal`, `dot`, `dot_general` with JAX's `precision` and
`preferred_element_type`, the slices along one axis (`slice_in_dim`, `index_in_dim` and their
`dynamic_` forms), `full_like` and `select_n`. Their jaxprs show the primitives they are made of (docs/jax.md).

>>> import funcgrad.numpy as fnp
>>> from funcgrad import lax
>>> lax.clamp(0.0, fnp.array([-1.0, 0.5, 2.0]), 1.0)
Array([0. , 0.5, 1. ], dtype=float64)
"""
from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.array import Array
from .._core.trace import get_aval
from .._core.typing import ArrayLike, DTypeLike
from . import elementwise as _el, indexing as _indexing, linalg as _linalg, shape as _shape
from .autodiff import stop_gradient_p
from .same_dtypes import clash

__all__ = ["broadcast", "broadcasted_iota", "clamp", "collapse", "dot", "dot_general",
           "dynamic_index_in_dim", "dynamic_slice_in_dim", "dynamic_update_slice_in_dim", "exp2",
           "full_like", "index_in_dim", "iota", "reciprocal", "select_n", "slice_in_dim",
           "square", "population_count", "clz"]

Shape = Sequence[int]


def iota(dtype: DTypeLike, size: int) -> Array:
    """0, 1, ..., size - 1 as `dtype` (a constant: its values depend on nothing traced).

    >>> from funcgrad import lax
    >>> lax.iota("float32", 3)
    Array([0., 1., 2.], dtype=float32)
    """
    size = operator.index(size)
    if size < 0:
        raise TypeError(f"iota shape must have every element be nonnegative, got ({size},); "
                        f"pass a size >= 0")
    return Array(np.arange(size, dtype=np.dtype(dtype)))


def broadcasted_iota(dtype: DTypeLike, shape: Shape, dimension: int) -> Array:
    """An array of `shape` counting 0, 1, ... along axis `dimension` (constant elsewhere).

    >>> from funcgrad import lax
    >>> lax.broadcasted_iota("int32", (2, 3), 1)
    Array([[0, 1, 2],
           [0, 1, 2]], dtype=int32)
    """
    shape = tuple(operator.index(d) for d in shape)
    dimension = operator.index(dimension)
    if not 0 <= dimension < len(shape):
        raise ValueError(f"broadcasted_iota: dimension {dimension} is out of range for shape "
                         f"{shape}; pass 0 <= dimension < {len(shape)}")
    return _shape.broadcast_in_dim(iota(dtype, shape[dimension]), shape, (dimension,))


def broadcast(operand: ArrayLike, sizes: Shape) -> Array:
    """operand with new leading axes of `sizes` (its values repeated along them).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.broadcast(fnp.array([1., 2.]), (2,))
    Array([[1., 2.],
           [1., 2.]], dtype=float64)
    """
    sizes = tuple(operator.index(d) for d in sizes)
    nd = get_aval(operand).ndim
    return _shape.broadcast_in_dim(operand, sizes + get_aval(operand).shape,
                                   tuple(range(len(sizes), len(sizes) + nd)))


def collapse(operand: ArrayLike, start_dimension: int,
             stop_dimension: int | None = None) -> Array:
    """operand with axes start_dimension .. stop_dimension - 1 merged into one (to the last
    axis when stop_dimension is None; negative axes count from the end).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.collapse(fnp.ones((2, 3, 4)), 1).shape
    (2, 12)
    """
    shape = get_aval(operand).shape
    nd = len(shape)
    start_dimension = operator.index(start_dimension)
    stop_dimension = None if stop_dimension is None else operator.index(stop_dimension)
    lo = start_dimension + nd if start_dimension < 0 else start_dimension
    hi = nd if stop_dimension is None else (
        stop_dimension + nd if stop_dimension < 0 else stop_dimension)
    if not 0 <= lo <= hi <= nd:
        raise ValueError(f"Invalid dimension range passed to collapse: {shape}"
                         f"[{start_dimension}:{stop_dimension}]; pass 0 <= start <= stop <= "
                         f"{nd} (negative ones count from the end)")
    return _shape.reshape(operand, shape[:lo] + (math.prod(shape[lo:hi]),) + shape[hi:])


def clamp(min: ArrayLike, x: ArrayLike, max: ArrayLike) -> Array:  # noqa: A002 (JAX's names)
    """x limited to [min, max] elementwise (min and max: scalars or arrays of x's shape), with
    JAX's derivatives: x's where min < x < max, min's where x < min < max, max's where max < x.

    >>> import funcgrad as fg
    >>> from funcgrad import lax
    >>> fg.grad(lambda x: lax.clamp(0.0, x, 1.0))(0.5)
    Array(1., dtype=float64)
    """
    xshape = get_aval(x).shape
    for name, bound in (("min", min), ("max", max)):
        bshape = get_aval(bound).shape
        if bshape not in ((), xshape):
            raise TypeError(f"clamp requires {name}.shape == operand.shape or {name}.shape == "
                            f"(), got {name}.shape={bshape}, operand.shape={xshape}; broadcast "
                            f"{name} first, or pass a scalar")
    dtypes = clash(min, x, max)
    if dtypes is not None:
        raise TypeError(f"lax.clamp requires arguments to have the same dtypes, got "
                        f"{', '.join(str(d) for d in dtypes)}; convert them first "
                        f"(lax.convert_element_type)")
    above = _el.lt(max, x)
    below = _el.bitwise_and(_el.gt(min, x), _el.lt(min, max))
    inside = _el.bitwise_and(_el.gt(x, min), _el.lt(x, max))
    # where x is at a bound (or min >= max): the value, with no derivative, as JAX's rules
    at_edge = stop_gradient_p.bind(_el.minimum(_el.maximum(x, min), max))
    return _el.select(above, max, _el.select(below, min, _el.select(inside, x, at_edge)))


def exp2(x: ArrayLike) -> Array:
    """2 ** x, elementwise (derivative log(2) * 2 ** x).

    >>> from funcgrad import lax
    >>> lax.exp2(3.0)
    Array(8., dtype=float64)
    """
    return _el.pow(2.0, x)


def square(x: ArrayLike) -> Array:
    """x * x, elementwise.

    >>> from funcgrad import lax
    >>> lax.square(3.0)
    Array(9., dtype=float64)
    """
    return _el.integer_pow(x, 2)


def reciprocal(x: ArrayLike) -> Array:
    """1 / x, elementwise.

    >>> from funcgrad import lax
    >>> lax.reciprocal(4.0)
    Array(0.25, dtype=float64)
    """
    return _el.integer_pow(x, -1)


DotDimensionNumbers = tuple[tuple[Shape, Shape], tuple[Shape, Shape]]


def dot_general(lhs: ArrayLike, rhs: ArrayLike, dimension_numbers: DotDimensionNumbers,
                precision: Any = None,
                preferred_element_type: DTypeLike | None = None) -> Array:
    """The general contraction (see lax.linalg): dimension_numbers = ((lhs_contract,
    rhs_contract), (lhs_batch, rhs_batch)). The result has `preferred_element_type` when given
    (operands narrower than it are widened first, so int8 products sum exactly in int32);
    `precision` is accepted for JAX's signature: numpy computes every product at full
    precision.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> i8 = fnp.full(3, 100, dtype=fnp.int8)
    >>> lax.dot_general(i8, i8, (((0,), (0,)), ((), ())), preferred_element_type=fnp.int32)
    Array(30000, dtype=int32)
    """
    if preferred_element_type is None:
        return _linalg.dot_general(lhs, rhs, dimension_numbers)
    want = np.dtype(preferred_element_type)
    ops = [_el.convert_element_type(a, want)
           if get_aval(a).dtype != want and np.promote_types(get_aval(a).dtype, want) == want
           else a for a in (lhs, rhs)]
    out = _linalg.dot_general(ops[0], ops[1], dimension_numbers)
    return out if get_aval(out).dtype == want else _el.convert_element_type(out, want)


def dot(lhs: ArrayLike, rhs: ArrayLike, *, dimension_numbers: DotDimensionNumbers | None = None,
        precision: Any = None, preferred_element_type: DTypeLike | None = None) -> Array:
    """The vector/matrix product of operands of rank 1 or 2 (lhs's last axis with rhs's first),
    or dot_general's contraction when dimension_numbers is given.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.dot(fnp.array([[1., 2.], [3., 4.]]), fnp.array([1., 1.]))
    Array([3., 7.], dtype=float64)
    """
    if dimension_numbers is None:
        ls, rs = get_aval(lhs).shape, get_aval(rhs).shape
        if not (1 <= len(ls) <= 2 and 1 <= len(rs) <= 2):
            raise ValueError(
                f"lax.dot: dimension_numbers must be specified when not performing simple "
                f"un-batched matrix-matrix, matrix-vector, or vector-vector products; got "
                f"lhs_shape={ls} rhs_shape={rs}; pass dimension_numbers=((lhs_contract, "
                f"rhs_contract), (lhs_batch, rhs_batch))")
        dimension_numbers = (((len(ls) - 1,), (0,)), ((), ()))
    return dot_general(lhs, rhs, dimension_numbers, precision, preferred_element_type)


# ---- slices along one axis, full_like, select_n ------------------------------------------------


def _wrapped(i: Any, size: int) -> Any:
    """A negative index counted from the end (a traced one by select)."""
    if isinstance(i, (int, np.integer)):
        return int(i) + size if i < 0 else int(i)
    return _el.select(_el.lt(i, 0), _el.add(i, size), i)


def _axis_of(shape: tuple, axis: int, who: str) -> int:
    """axis as an index of shape (negative: from the end), or JAX's IndexError."""
    nd = len(shape)
    axis = operator.index(axis)
    if not -nd <= axis < nd:
        raise IndexError(f"{who}: axis {axis} is out of range for an operand of shape {shape}; "
                         f"pass -{nd} <= axis < {nd}")
    return axis % nd


def _in_dim(shape: tuple, axis: int, value: Any, rest: Any) -> tuple:
    return tuple(value if k == axis else rest(d) for k, d in enumerate(shape))


def slice_in_dim(operand: ArrayLike, start_index: int | None, limit_index: int | None,
                 stride: int = 1, axis: int = 0) -> Array:
    """operand[start_index:limit_index:stride] along `axis` (None: the whole axis; negative
    indices count from the end).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.slice_in_dim(fnp.arange(6.), -3, None)
    Array([3., 4., 5.], dtype=float64)
    """
    shape = get_aval(operand).shape
    axis = _axis_of(shape, axis, "slice_in_dim")
    size = shape[axis]
    start = 0 if start_index is None else _wrapped(operator.index(start_index), size)
    limit = size if limit_index is None else _wrapped(operator.index(limit_index), size)
    return _shape.slice(operand, _in_dim(shape, axis, start, lambda d: 0),
                        _in_dim(shape, axis, limit, lambda d: d),
                        _in_dim(shape, axis, operator.index(stride), lambda d: 1))


def index_in_dim(operand: ArrayLike, index: int, axis: int = 0, keepdims: bool = True) -> Array:
    """operand's element `index` along `axis` (negative: from the end), that axis kept with
    size 1 when keepdims.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.index_in_dim(fnp.arange(6.).reshape(2, 3), -1, 1, keepdims=False)
    Array([2., 5.], dtype=float64)
    """
    shape = get_aval(operand).shape
    axis = _axis_of(shape, axis, "index_in_dim")
    i = _wrapped(operator.index(index), shape[axis])
    if not 0 <= i < shape[axis]:
        raise IndexError(f"index {index} is out of bounds for axis {axis} with size "
                         f"{shape[axis]}; pass -{shape[axis]} <= index < {shape[axis]}")
    out = slice_in_dim(operand, i, i + 1, 1, axis)
    return out if keepdims else _shape.reshape(out, shape[:axis] + shape[axis + 1:])


def dynamic_slice_in_dim(operand: ArrayLike, start_index: ArrayLike, slice_size: int,
                         axis: int = 0, *, allow_negative_indices: bool = True) -> Array:
    """slice_size elements of operand along `axis` from a start that may be traced (negative:
    from the end when allow_negative_indices; clamped so the slice fits, as dynamic_slice).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.dynamic_slice_in_dim(fnp.arange(6.), fnp.array(4), 3)
    Array([3., 4., 5.], dtype=float64)
    """
    shape = get_aval(operand).shape
    axis = _axis_of(shape, axis, "dynamic_slice_in_dim")
    if not allow_negative_indices and isinstance(start_index, (int, np.integer)) \
            and start_index < 0:
        # JAX's check, on static starts only: a traced one is clamped to 0 as dynamic_slice's.
        raise ValueError(f"Index {start_index} is out of bounds for dimension {axis} if "
                         "allow_negative_indices=False; pass a start >= 0, or "
                         "allow_negative_indices=True to count it from the end")
    start = _wrapped(start_index, shape[axis]) if allow_negative_indices else start_index
    return _indexing.dynamic_slice(operand, _in_dim(shape, axis, start, lambda d: 0),
                                   _in_dim(shape, axis, operator.index(slice_size), lambda d: d))


def dynamic_index_in_dim(operand: ArrayLike, index: ArrayLike, axis: int = 0,
                         keepdims: bool = True) -> Array:
    """operand's element `index` (may be traced) along `axis`, that axis kept when keepdims.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.dynamic_index_in_dim(fnp.arange(3.), fnp.array(-1), keepdims=False)
    Array(2., dtype=float64)
    """
    shape = get_aval(operand).shape
    axis = _axis_of(shape, axis, "dynamic_index_in_dim")
    out = dynamic_slice_in_dim(operand, index, 1, axis)
    return out if keepdims else _shape.reshape(out, shape[:axis] + shape[axis + 1:])


def dynamic_update_slice_in_dim(operand: ArrayLike, update: ArrayLike, start_index: ArrayLike,
                                axis: int) -> Array:
    """operand with `update` written along `axis` from a start that may be traced (negative:
    from the end; clamped so the update fits, as dynamic_update_slice).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.dynamic_update_slice_in_dim(fnp.zeros(4), fnp.ones(2), -1, 0)
    Array([0., 0., 1., 1.], dtype=float64)
    """
    shape = get_aval(operand).shape
    axis = _axis_of(shape, axis, "dynamic_update_slice_in_dim")
    start = _wrapped(start_index, shape[axis])
    return _indexing.dynamic_update_slice(operand, update,
                                          _in_dim(shape, axis, start, lambda d: 0))


def full_like(x: ArrayLike, fill_value: ArrayLike, dtype: DTypeLike | None = None,
              shape: Shape | None = None) -> Array:
    """An array of x's shape and dtype (or those given) filled with fill_value.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.full_like(fnp.zeros(2, fnp.float32), 3)
    Array([3., 3.], dtype=float32)
    """
    aval = get_aval(x)
    return _shape.full(aval.shape if shape is None else tuple(shape), fill_value,
                       aval.dtype if dtype is None else dtype)


def select_n(which: ArrayLike, *cases: ArrayLike) -> Array:
    """cases[which] elementwise: a boolean `which` picks cases[1] where true (two cases), an
    integer one any of them (in range: others are undefined, as JAX's).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.select_n(fnp.array([0, 2, 1]), fnp.zeros(3), fnp.ones(3), fnp.full(3, 2.))
    Array([0., 2., 1.], dtype=float64)
    """
    if not cases:
        raise ValueError("select_n() must have at least one case; pass one or more arrays")
    kind = get_aval(which).dtype.kind
    if kind not in "biu":
        raise TypeError(f"select `which` must be boolean or integer type, got "
                        f"{get_aval(which).dtype}; convert it (lax.convert_element_type)")
    if kind == "b" and len(cases) > 2:
        raise TypeError(f"select_n with a boolean `which` takes at most two cases, got "
                        f"{len(cases)}; pass an integer `which`")
    if len(cases) == 1:
        return _el.convert_element_type(cases[0], get_aval(cases[0]).dtype)
    out = _el.select(which if kind == "b" else _el.eq(which, 1), cases[1], cases[0])
    for i, case in enumerate(cases[2:], 2):
        out = _el.select(_el.eq(which, i), case, out)
    return out


# ---- bit counts -------------------------------------------------------------------------------


def _as_unsigned(x: ArrayLike, who: str) -> tuple[Any, np.dtype]:
    dtype = get_aval(x).dtype
    if dtype.kind not in "iu":
        raise TypeError(f"{who} does not accept dtype {dtype}. Accepted dtypes are subtypes of "
                        f"integer; convert it first (lax.convert_element_type)")
    # the same bits as an unsigned integer (numpy's conversion wraps), so shifts are logical
    return _el.convert_element_type(x, np.dtype(f"u{dtype.itemsize}")), dtype


def _popcount_unsigned(u: Any, bits: int) -> Any:
    """The set bits of each unsigned integer, by sums of ever wider fields (no multiplication,
    so nothing overflows)."""
    mask = (1 << bits) - 1
    for shift, pattern in ((1, 0x55), (2, 0x33), (4, 0x0F)):
        m = int.from_bytes(bytes([pattern]) * (bits // 8), "little") & mask
        u = _el.add(_el.bitwise_and(u, m), _el.bitwise_and(_el.shift_right(u, shift), m))
    shift = 8
    while shift < bits:
        u = _el.add(u, _el.shift_right(u, shift))
        shift *= 2
    return _el.bitwise_and(u, 0x7F)


def population_count(x: ArrayLike) -> Array:
    """The number of set bits of each integer (of its two's complement bits), in x's dtype.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.population_count(fnp.array([0, 7, -1], dtype=fnp.int8))
    Array([0, 3, 8], dtype=int8)
    """
    u, dtype = _as_unsigned(x, "population_count")
    return _el.convert_element_type(_popcount_unsigned(u, 8 * dtype.itemsize), dtype)


def clz(x: ArrayLike) -> Array:
    """The number of leading zero bits of each integer (of its two's complement bits), in x's
    dtype.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.clz(fnp.array([0, 1, 255, -1], dtype=fnp.int16))
    Array([16, 15,  8,  0], dtype=int16)
    """
    u, dtype = _as_unsigned(x, "clz")
    bits = 8 * dtype.itemsize
    shift = 1
    while shift < bits:  # every bit below the highest set one set too
        u = _el.bitwise_or(u, _el.shift_right(u, shift))
        shift *= 2
    return _el.convert_element_type(_el.sub(bits, _popcount_unsigned(u, bits)), dtype)
