"""dot_general: the one contraction primitive (matmul, dot, tensordot and einsum build on it).

dimension_numbers = ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch)); the output's axes are
batch, then lhs free, then rhs free (as in XLA and JAX)."""
from __future__ import annotations

import functools

import numpy as np

from .._core.array import Array
from .._core.backend import asarray
from .._core.avals import ShapedArray
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.primitive import NO_ALGEBRA, PURE, RULE_FIRST, Primitive, defjvp, defvjp
from .._core.trace import get_aval
from .._core.typing import ArrayLike, Shape
from ..interpreters.batching import OneHot
from ._batching import move_axis, shift_axes
from .shape import reshape, transpose

dot_general_p = Primitive("dot_general")


def _free(ndim, contract, batch):
    return [i for i in range(ndim) if i not in contract and i not in batch]


def _dot_general_impl(lhs, rhs, *, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    if lhs.__class__ is not np.ndarray or rhs.__class__ is not np.ndarray:
        lhs, rhs = asarray(lhs), asarray(rhs)
    if not lb and len(lc) == 1 and lhs.ndim <= 2 and rhs.ndim <= 2:
        # Matrix (or vector) products: BLAS reads transposed operands in place, no copies.
        a = lhs if lc[0] == lhs.ndim - 1 else lhs.T
        b = rhs if rc[0] == 0 else rhs.T
        return np.dot(a, b)
    if not lb and not lc:  # an outer product (as in the vjp of a matrix-vector product)
        return np.multiply.outer(lhs, rhs)
    lf, rf = _free(lhs.ndim, lc, lb), _free(rhs.ndim, rc, rb)
    # As (batch, M, K) @ (batch, K, N): one batched BLAS call.
    a = lhs.transpose(list(lb) + lf + list(lc))
    b = rhs.transpose(list(rb) + list(rc) + rf)
    bshape = [lhs.shape[i] for i in lb]
    m = int(np.prod([lhs.shape[i] for i in lf], dtype=np.int64))
    k = int(np.prod([lhs.shape[i] for i in lc], dtype=np.int64))
    n = int(np.prod([rhs.shape[i] for i in rf], dtype=np.int64))
    out = np.matmul(a.reshape(bshape + [m, k]), b.reshape(bshape + [k, n]))
    return out.reshape(bshape + [lhs.shape[i] for i in lf] + [rhs.shape[i] for i in rf])


def _dot_general_abstract_eval(lhs, rhs, *, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    bad = None
    if len(lc) != len(rc) or len(lb) != len(rb):
        bad = "lhs and rhs need as many contracting (and batch) axes as each other"
    elif any(not 0 <= i < lhs.ndim for i in lc + lb) or any(not 0 <= i < rhs.ndim for i in rc + rb):
        bad = "an axis is out of range"
    elif any(lhs.shape[i] != rhs.shape[j] for i, j in zip(lc, rc)):
        bad = ("contracting sizes " + str([lhs.shape[i] for i in lc]) + " and "
               + str([rhs.shape[j] for j in rc]) + " differ")
    elif any(lhs.shape[i] != rhs.shape[j] for i, j in zip(lb, rb)):
        bad = "batch sizes differ"
    if bad:
        raise ShapeError(
            f"dot_general of shapes {lhs.shape} and {rhs.shape} with dimension_numbers "
            f"{dimension_numbers}: {bad}.\n  at {user_frame()}\nFor a matrix product the inner "
            "sizes must agree: (m, k) @ (k, n); transpose an operand (x.T) or reshape it. "
            + doc_link("shapeerror"))
    shape = ([lhs.shape[i] for i in lb] + [lhs.shape[i] for i in _free(lhs.ndim, lc, lb)]
             + [rhs.shape[i] for i in _free(rhs.ndim, rc, rb)])
    return ShapedArray(shape, np.result_type(lhs.dtype, rhs.dtype))


dot_general_p.impl = _dot_general_impl
dot_general_p.abstract_eval = _dot_general_abstract_eval
# fresh: a new product (or a reshape of one nothing else holds)
dot_general_p.declare(fresh=True, jit=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)
dot_general_p.bilinear = True  # (a scalar factor may move to either operand: scale_products)
# JAX prints the axes as lists and carries the product's dtype (jnp's products ask for theirs)
dot_general_p.printed_params = lambda params, eqn: {
    "dimension_numbers": tuple(tuple(list(axes) for axes in pair)
                               for pair in params["dimension_numbers"]),
    "preferred_element_type": eqn.outvars[0].aval.dtype}


def dot_general(lhs: ArrayLike, rhs: ArrayLike,
                dimension_numbers: tuple[tuple[Shape, Shape], tuple[Shape, Shape]]) -> Array:
    """The general contraction: dimension_numbers = ((lhs_contract, rhs_contract),
    (lhs_batch, rhs_batch)); see the module doc for the output's axes.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.dot_general(fnp.ones((2, 3)), fnp.ones((3, 4)), (((1,), (0,)), ((), ()))).shape
    (2, 4)
    """
    try:  # (the usual call: dimension_numbers met before, a hashable tuple)
        dn = _normal_dn.get(dimension_numbers)
    except TypeError:  # lists among them
        dn = None
    if dn is None:
        (lc, rc), (lb, rb) = dimension_numbers
        dn = ((tuple(int(i) for i in lc), tuple(int(i) for i in rc)),
              (tuple(int(i) for i in lb), tuple(int(i) for i in rb)))
        if type(dimension_numbers) is tuple and len(_normal_dn) < 4096:
            try:
                _normal_dn[dimension_numbers] = dn
            except TypeError:
                pass
    return dot_general_p.bind(lhs, rhs, dimension_numbers=dn)


# dimension_numbers as given -> as Python ints in tuples (numpy integers hash and compare equal
# to Python's, so a given form meets its normal form here): one lookup per call, not a rebuild.
_normal_dn: dict = {}


# The cotangent of one operand is the output cotangent contracted with the other operand over
# the other operand's free axes, then put back in the operand's axis order.
@functools.lru_cache(maxsize=1024)
def _transpose_plan(x_ndim, y_ndim, dimension_numbers, swap_ans):
    """How _dot_transpose_lhs builds x's cotangent: (whether ct comes first, the dot_general's
    dimension_numbers, the permutation into x's layout or None). Pure bookkeeping on axis
    numbers, worked out once per signature (it runs on every backward pass of a product)."""
    (xc, yc), (xb, yb) = dimension_numbers
    x_free = _free(x_ndim, xc, xb)
    y_free = _free(y_ndim, yc, yb)
    nb = len(xb)
    # ct axes: batch, then the output's lhs-free axes, then its rhs-free axes.
    start = nb if swap_ans else nb + len(x_free)
    ct_y_free = tuple(range(start, start + len(y_free)))
    # Result axes: batch, ct's x-free axes, y's contracting axes (in y's order of yc's sorted
    # positions) -> permute into x's layout.
    y_kept = [i for i in range(y_ndim) if i not in y_free and i not in yb]  # == sorted(yc)
    kept_x = [xc[list(yc).index(yi)] for yi in y_kept]  # the x axis each y_kept axis becomes
    # dot_general(ct, y) gives axes [batch, x_free, y_kept]; dot_general(y, ct) gives
    # [batch, y_kept, x_free]. Take the order that lands in x's own layout when one does: a
    # transposed result would make every later elementwise operation on it strided.
    ct_first = list(xb) + x_free + kept_x
    y_first = list(xb) + kept_x + x_free
    if y_first == list(range(x_ndim)) and ct_first != y_first:
        return False, ((tuple(y_free), ct_y_free), (tuple(yb), tuple(range(nb)))), None
    perm = [ct_first.index(i) for i in range(x_ndim)]
    return (True, ((ct_y_free, tuple(y_free)), (tuple(range(nb)), tuple(yb))),
            None if perm == list(range(x_ndim)) else tuple(perm))


# The cotangent of one operand is the output cotangent contracted with the other operand over
# the other operand's free axes, then put back in the operand's axis order.
def _dot_transpose_lhs(ct, x_ndim, y, dimension_numbers, swap_ans=False):
    try:
        ct_first, dn, perm = _transpose_plan(x_ndim, y.ndim, dimension_numbers, swap_ans)
    except TypeError:  # (lists among dimension_numbers bound by hand: no cache)
        ct_first, dn, perm = _transpose_plan.__wrapped__(x_ndim, y.ndim, dimension_numbers,
                                                         swap_ans)
    if not ct_first:
        return dot_general_p.bind(y, ct, dimension_numbers=dn)
    out = dot_general_p.bind(ct, y, dimension_numbers=dn)
    return out if perm is None else transpose(out, perm)


def _dot_vjp_lhs(ct, ans, x, y, *, dimension_numbers):
    return _dot_transpose_lhs(ct, x.ndim, y, dimension_numbers)


def _dot_vjp_rhs(ct, ans, x, y, *, dimension_numbers):
    (xc, yc), (xb, yb) = dimension_numbers
    return _dot_transpose_lhs(ct, y.ndim, x, ((yc, xc), (yb, xb)), swap_ans=True)


defvjp(dot_general_p, _dot_vjp_lhs, _dot_vjp_rhs)


def _dot_general_batch(args, dims, *, dimension_numbers):
    (lhs, rhs), (ld, rd) = args, dims
    (lc, rc), (lb, rb) = dimension_numbers
    if ld is not None and rd is not None:
        # Both batched: the batch axes pair up as one more dot_general batch dimension (first).
        lhs, rhs = move_axis(lhs, ld, 0), move_axis(rhs, rd, 0)
        dn = ((tuple(i + 1 for i in lc), tuple(i + 1 for i in rc)),
              ((0,) + tuple(i + 1 for i in lb), (0,) + tuple(i + 1 for i in rb)))
        return dot_general(lhs, rhs, dn), 0
    if ld is not None:
        # The batch axis is one more free axis of lhs; the output keeps lhs free axes in order.
        lc2, lb2 = shift_axes(lc, ld), shift_axes(lb, ld)
        free_before = sum(1 for i in range(ld) if i not in lc2 and i not in lb2)
        return dot_general(lhs, rhs, ((lc2, rc), (lb2, rb))), len(lb) + free_before
    rc2, rb2 = shift_axes(rc, rd), shift_axes(rb, rd)
    lhs_free = len(_free(get_aval(lhs).ndim, lc, lb))
    free_before = sum(1 for i in range(rd) if i not in rc2 and i not in rb2)
    return dot_general(lhs, rhs, ((lc, rc2), (lb, rb2))), len(lb) + lhs_free + free_before


dot_general_p.batch = _dot_general_batch


def _dot_general_onehot(vals, dims, *, dimension_numbers):
    """A contraction over every axis of a OneHot operand picks, for batch element b, the slice of
    the other operand at b's position: a transpose and a scaling, no product."""
    (lhs, rhs), (ld, rd) = vals, dims
    (lc, rc), (lb, rb) = dimension_numbers
    if lb or (isinstance(lhs, OneHot) == isinstance(rhs, OneHot)):
        return None
    oh_is_lhs = isinstance(lhs, OneHot)
    oh, other = (lhs, rhs) if oh_is_lhs else (rhs, lhs)
    if (rd if oh_is_lhs else ld) is not None:
        return None
    oh_c, other_c = (lc, rc) if oh_is_lhs else (rc, lc)
    oh_aval, other_aval = get_aval(oh.diag), get_aval(other)
    # dimension_numbers name per-example axes; all of the OneHot's must be contracted.
    own = list(oh_c)
    if sorted(own) != list(range(oh_aval.ndim)):
        return None
    picked = [other_c[own.index(i)] for i in range(oh_aval.ndim)]  # in the OneHot's axis order
    free = [i for i in range(other_aval.ndim) if i not in picked]
    free_shape = tuple(other_aval.shape[i] for i in free)
    d = reshape(oh.diag, (oh_aval.size,))
    if oh_is_lhs:
        block = reshape(transpose(other, picked + free), (oh_aval.size,) + free_shape)
        block = block * reshape(d, (oh_aval.size,) + (1,) * len(free))
        return oh.rows(block, 0), 0
    block = reshape(transpose(other, free + picked), free_shape + (oh_aval.size,))
    return oh.rows(block * d, len(free)), len(free)


dot_general_p.structured_batch = _dot_general_onehot
defjvp(dot_general_p,
       lambda t, ans, x, y, *, dimension_numbers: dot_general(t, y, dimension_numbers),
       lambda t, ans, x, y, *, dimension_numbers: dot_general(x, t, dimension_numbers))
