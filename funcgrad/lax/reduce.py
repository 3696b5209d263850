"""Reductions over a static tuple of axes (sorted, non-negative; normalized by funcgrad.numpy).
They keep the input's dtype; numpy's accumulation dtypes are chosen by funcgrad.numpy."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._core.array import Array
from .._core.backend import EXTRA_FLOATS, asarray
from .._core.avals import ShapedArray
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.primitive import NO_ALGEBRA, PURE, RULE_FIRST, Primitive, def_nondiff, defjvp, defvjp
from .._core.trace import get_aval, new_trace
from .._core.typing import ArrayLike, DTypeLike
from .._core.validate import as_index
from ..interpreters.ad import JVPTrace, JVPTracer, ReverseTrace, backward
# modules, not names: elementwise, shape and reduce call one another's functions (read at call
# time), so that any of them may be imported first
from . import elementwise as _elementwise, shape as _shape
from ._batching import shift_axes
from ._checks import check_axes


def _reduced_shape(shape, axes):
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _kept_dims(ndim, axes):
    return tuple(i for i in range(ndim) if i not in axes)


HALF_FLOATS = frozenset({np.dtype(np.float16)}) | EXTRA_FLOATS
"""The 16-bit float dtypes, which sums and products accumulate in float32 (as numpy's pairwise
sums and mean do, and JAX's reductions): the result is rounded to 16 bits once, at the end."""


def _keeping_dtype(ufunc):
    """ufunc.reduce in the input's dtype (numpy would widen small integers and bools), with 16-bit
    floats accumulated in float32; over no axes, the input itself."""
    def reducer(x, axis):
        x = asarray(x)
        if not axis:
            return x
        dt = x.dtype
        if dt.itemsize == 2 and dt in HALF_FLOATS:
            return ufunc.reduce(x, axis=axis, dtype=np.float32).astype(dt)
        return ufunc.reduce(x, axis=axis, dtype=dt)
    return reducer


def _reduce_prim(name, reducer, needs_nonempty=False):
    p = Primitive(name)
    p.impl = lambda x, *, axes: reducer(x, axis=axes)

    def abstract_eval(x, *, axes):
        check_axes(name, x.ndim, axes)
        if needs_nonempty and any(x.shape[a] == 0 for a in axes):
            raise ShapeError(
                f"{name} over a size-0 axis of an array of shape {x.shape} has no identity.\n"
                f"  at {user_frame()}\nCheck the array is not empty first, or use "
                f"fnp.where on a non-empty fallback. {doc_link('shapeerror')}")
        return ShapedArray(_reduced_shape(x.shape, axes), x.dtype)
    p.abstract_eval = abstract_eval

    def batch(args, dims, *, axes):
        (x,), (bd,) = args, dims
        new_axes = shift_axes(axes, bd)
        return p.bind(x, axes=new_axes), bd - sum(a < bd for a in new_axes)
    p.batch = batch
    # not fresh: numpy hands back the input itself for a reduction over no axes
    p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)
    return p


def _axes_param(axes, who):
    """axes as a tuple of Python ints before bind: the shape rule's checks run once per
    signature, and a signature with (1.0,) would equal one with (1,) (1.0 == 1)."""
    return tuple(a if type(a) is int else as_index(a, who, "axes") for a in axes)


def _bcast_back(g, x_shape, axes):
    """Broadcast a reduced value back over the reduced axes of an array of shape x_shape."""
    return _shape.broadcast_in_dim(g, x_shape, _kept_dims(len(x_shape), axes))


# ---- sum ----------------------------------------------------------------------------------------

reduce_sum_p = _reduce_prim("reduce_sum", _keeping_dtype(np.add))
# JAX's reduce_sum carries the sharding of its result too (none, on one device)
reduce_sum_p.printed_params = lambda params, eqn: {**params, "out_sharding": None}


def reduce_sum(x: ArrayLike, axes: Sequence[int]) -> Array:
    """The sum of x over `axes`, in x's dtype.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.reduce_sum(fnp.ones((2, 3)), (1,))
    Array([3., 3.], dtype=float64)
    """
    return reduce_sum_p.bind(x, axes=_axes_param(axes, "reduce_sum"))


defjvp(reduce_sum_p, lambda t, ans, x, *, axes: reduce_sum(t, axes))
defvjp(reduce_sum_p, lambda ct, ans, x, *, axes: _bcast_back(ct, x.shape, axes))


def _reduce_sum_onehot(vals, dims, *, axes):
    """The sum over every per-example axis of a one-hot basis is its diagonal, placed."""
    oh = vals[0]
    nd = get_aval(oh.diag).ndim
    if tuple(axes) != tuple(range(nd)):  # per-example axes: all of them
        return None
    return oh.rows(_shape.reshape(oh.diag, (get_aval(oh.diag).size,))), 0


reduce_sum_p.structured_batch = _reduce_sum_onehot

# ---- max / min ------------------------------------------------------------------------------


def _argext(ans, x, axes):
    # The derivative is shared evenly among the positions that attain the extremum.
    where = _elementwise.eq(x, _bcast_back(ans, x.shape, axes))
    return where, reduce_sum(_elementwise.convert_element_type(where, x.dtype), axes)


def _chooser_rule(g, ans, x, *, axes):
    where, counts = _argext(ans, x, axes)
    return _elementwise.select(where, _bcast_back(g / counts, x.shape, axes), 0)


def _chooser_jvp(t, ans, x, *, axes):
    where, counts = _argext(ans, x, axes)
    return reduce_sum(_elementwise.select(where, t, 0), axes) / counts


reduce_max_p = _reduce_prim("reduce_max", np.max, needs_nonempty=True)
reduce_min_p = _reduce_prim("reduce_min", np.min, needs_nonempty=True)
for _p in (reduce_max_p, reduce_min_p):
    defjvp(_p, _chooser_jvp)
    defvjp(_p, _chooser_rule)


def reduce_max(x: ArrayLike, axes: Sequence[int]) -> Array:
    """The maximum of x over `axes` (not empty).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.reduce_max(fnp.array([[1., 5.], [3., 2.]]), (0,))
    Array([3., 5.], dtype=float64)
    """
    return reduce_max_p.bind(x, axes=_axes_param(axes, "reduce_max"))


def reduce_min(x: ArrayLike, axes: Sequence[int]) -> Array:
    """The minimum of x over `axes` (not empty).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.reduce_min(fnp.array([[1., 5.], [3., 2.]]), (0, 1))
    Array(1., dtype=float64)
    """
    return reduce_min_p.bind(x, axes=_axes_param(axes, "reduce_min"))


# ---- prod ---------------------------------------------------------------------------------


reduce_prod_p = _reduce_prim("reduce_prod", _keeping_dtype(np.multiply))


def reduce_prod(x: ArrayLike, axes: Sequence[int]) -> Array:
    """The product of x over `axes`, in x's dtype.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.reduce_prod(fnp.array([2., 3., 4.]), (0,))
    Array(24., dtype=float64)
    """
    return reduce_prod_p.bind(x, axes=_axes_param(axes, "reduce_prod"))


def _prod_tree(x, axes):
    """The same product as a tree of pairwise multiplications (the reduced axes flattened and
    padded with ones to a power of two): differentiable everywhere, zeros included, to any order,
    through mul's rules - which is how reduce_prod's rules are defined."""
    kept = _kept_dims(x.ndim, axes)
    x = _shape.transpose(x, kept + tuple(axes))
    lead = x.shape[:len(kept)]
    n = 1
    for d in x.shape[len(kept):]:
        n *= d
    x = _shape.reshape(x, lead + (n,))
    size = 1
    while size < n:
        size *= 2
    if size != n:
        x = _shape.pad(x, 1, [(0, 0, 0)] * len(lead) + [(0, size - n, 0)])
    while size > 1:
        size //= 2
        lo = _shape.slice(x, (0,) * (len(lead) + 1), lead + (size,))
        hi = _shape.slice(x, (0,) * len(lead) + (size,), lead + (2 * size,))
        x = lo * hi
    return _shape.reshape(x, lead)


def _prod_jvp(primals, tangents, *, axes):
    (x,), (t,) = primals, tangents
    ans = reduce_prod(x, axes)
    if t is None:
        return ans, None
    with new_trace(JVPTrace, "jvp") as trace:
        out = _prod_tree(JVPTracer(trace, x, t), axes)
    return ans, out.tangent if isinstance(out, JVPTracer) and out._trace is trace else None


def _prod_vjp(ct, ans, x, *, axes):
    with new_trace(ReverseTrace, "vjp") as trace:
        xt = trace.new_input(x)
        out = _prod_tree(xt, axes)
    return backward([(out.node, out.index, ct)]).get(xt.node)


reduce_prod_p.jvp = _prod_jvp
defvjp(reduce_prod_p, _prod_vjp)

# ---- cumulative sum ------------------------------------------------------------------------------

cumsum_p = Primitive("cumsum")


def _cumsum_impl(x, *, axis, reverse):
    x = asarray(x)
    if not reverse:
        return np.cumsum(x, axis=axis, dtype=x.dtype)
    return np.flip(np.cumsum(np.flip(x, axis), axis=axis, dtype=x.dtype), axis)


def _cumsum_abstract_eval(x, *, axis, reverse):
    check_axes("cumsum", x.ndim, (axis,))
    return ShapedArray(x.shape, x.dtype)


cumsum_p.impl = _cumsum_impl
cumsum_p.abstract_eval = _cumsum_abstract_eval


def cumsum(x: ArrayLike, axis: int = 0, reverse: bool = False) -> Array:
    """Running sums along `axis` (from the end when reverse): its own transpose, reversed.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> x = fnp.array([1., 2., 3.])
    >>> lax.cumsum(x, 0), lax.cumsum(x, 0, reverse=True)
    (Array([1., 3., 6.], dtype=float64), Array([6., 5., 3.], dtype=float64))
    """
    return cumsum_p.bind(x, axis=int(axis), reverse=bool(reverse))


defjvp(cumsum_p, lambda t, ans, x, *, axis, reverse: cumsum(t, axis, reverse))
defvjp(cumsum_p, lambda ct, ans, x, *, axis, reverse: cumsum(ct, axis, not reverse))
cumsum_p.batch = lambda args, dims, *, axis, reverse: (
    cumsum(args[0], axis + (axis >= dims[0]), reverse), dims[0])
cumsum_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)

# ---- the other running reductions: compositions (a prefix scan of the binary operation) ------


def _cumulative(name, op, x, axis, reverse):
    """Running `op` along `axis` as a prefix scan of log2(n) steps (Hillis and Steele): step s
    combines each element with the one s before it. Every step is primitives (slices, op,
    concatenate), so the derivatives, batching and jit are theirs."""
    shape = get_aval(x).shape
    if axis < 0:
        raise ValueError(f"{name}: XLA operations do not allow negative axes (got axis={axis}); "
                         f"pass axis + x.ndim")
    check_axes(name, len(shape), (axis,))
    if get_aval(x).dtype.kind == "b":
        raise TypeError(f"{name} does not accept dtype bool. Accepted dtypes are subtypes of "
                        f"number; convert it first (lax.convert_element_type)")
    n = shape[axis]
    if reverse:
        x = _shape.rev(x, (axis,))

    def part(v, lo, hi):
        return _shape.slice(v, tuple(lo if i == axis else 0 for i in range(len(shape))),
                            tuple(hi if i == axis else d for i, d in enumerate(shape)))
    step = 1
    while step < n:
        x = _shape.concatenate([part(x, 0, step), op(part(x, step, n), part(x, 0, n - step))],
                               axis)
        step *= 2
    return _shape.rev(x, (axis,)) if reverse else x


def cumprod(x: ArrayLike, axis: int = 0, reverse: bool = False) -> Array:
    """Running products along `axis` (from the end when reverse).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.cumprod(fnp.array([1., 2., 3., 4.]))
    Array([ 1.,  2.,  6., 24.], dtype=float64)
    """
    return _cumulative("cumprod", _elementwise.mul, x, int(axis), bool(reverse))


def cummax(x: ArrayLike, axis: int = 0, reverse: bool = False) -> Array:
    """Running maxima along `axis` (from the end when reverse).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.cummax(fnp.array([1., 3., 2., 4.]))
    Array([1., 3., 3., 4.], dtype=float64)
    """
    return _cumulative("cummax", _elementwise.maximum, x, int(axis), bool(reverse))


def cummin(x: ArrayLike, axis: int = 0, reverse: bool = False) -> Array:
    """Running minima along `axis` (from the end when reverse).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.cummin(fnp.array([3., 1., 2.]), reverse=True)
    Array([1., 1., 2.], dtype=float64)
    """
    return _cumulative("cummin", _elementwise.minimum, x, int(axis), bool(reverse))


def cumlogsumexp(x: ArrayLike, axis: int = 0, reverse: bool = False) -> Array:
    """Running log(sum(exp(x))) along `axis` (from the end when reverse), without overflow.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.cumlogsumexp(fnp.zeros(3))
    Array([0.        , 0.69314718, 1.09861229], dtype=float64)
    """
    return _cumulative("cumlogsumexp", _elementwise.logaddexp, x, int(axis), bool(reverse))


# ---- argsort: the sorting permutation (integers: no derivative; sort differentiates through
# the gather that applies it) ---------------------------------------------------------------------

argsort_p = Primitive("argsort")
argsort_p.impl = lambda x, *, axis, descending: (
    np.argsort(x, axis=axis, kind="stable") if not descending else
    np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis) * -1
    + (np.shape(x)[axis] - 1))


def _argsort_abstract_eval(x, *, axis, descending):
    check_axes("argsort", x.ndim, (axis,))
    return ShapedArray(x.shape, np.int64)


argsort_p.abstract_eval = _argsort_abstract_eval
argsort_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)
def_nondiff(argsort_p)
argsort_p.batch = lambda args, dims, *, axis, descending: (
    argsort_p.bind(args[0], axis=axis + (axis >= dims[0]), descending=descending), dims[0])


def argsort(x: ArrayLike, axis: int, descending: bool = False) -> Array:
    """The stable sorting permutation of x along `axis` (descending: largest first).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.argsort(fnp.array([3., 1., 2.]), 0, descending=True)
    Array([0, 2, 1], dtype=int64)
    """
    return argsort_p.bind(x, axis=int(axis), descending=bool(descending))


# ---- argmax / argmin: integer results ----------------------------------------------------------


def _arg_prim(name, fn):
    p = Primitive(name)
    p.impl = lambda x, *, axis, index_dtype: fn(x, axis=axis).astype(index_dtype, copy=False)

    def abstract_eval(x, *, axis, index_dtype):
        check_axes(name, x.ndim, (axis,))
        if x.shape[axis] == 0:
            raise ShapeError(f"{name} of an empty axis (shape {x.shape}, axis {axis}) has no "
                             f"answer.\n  at {user_frame()}\n{doc_link('shapeerror')}")
        return ShapedArray(_reduced_shape(x.shape, (axis,)), index_dtype)
    p.abstract_eval = abstract_eval
    def_nondiff(p)

    def batch(args, dims, *, axis, index_dtype):
        (x,), (bd,) = args, dims
        ax = axis + (axis >= bd)
        return p.bind(x, axis=ax, index_dtype=index_dtype), bd - (ax < bd)
    p.batch = batch
    p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)
    # JAX's takes the axis as a tuple of one; the index type is the result's, as canonical
    p.printed_params = lambda params, eqn: {"axes": (params["axis"],),
                                            "index_dtype": eqn.outvars[0].aval.dtype}
    return p


argmax_p = _arg_prim("argmax", np.argmax)
argmin_p = _arg_prim("argmin", np.argmin)


def argmax(x: ArrayLike, axis: int, index_dtype: DTypeLike = np.int64) -> Array:
    """The index of the first maximum along `axis`.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.argmax(fnp.array([3., 7., 2.]), 0)
    Array(1, dtype=int64)
    """
    return argmax_p.bind(x, axis=int(axis), index_dtype=np.dtype(index_dtype))


def argmin(x: ArrayLike, axis: int, index_dtype: DTypeLike = np.int64) -> Array:
    """The index of the first minimum along `axis`, as `index_dtype`.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> rows = fnp.array([[3., 1.], [0., 5.]])
    >>> lax.argmin(rows, 1, fnp.int32)
    Array([1, 0], dtype=int32)
    """
    return argmin_p.bind(x, axis=int(axis), index_dtype=np.dtype(index_dtype))

