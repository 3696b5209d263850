"""vmap: a function of one example, mapped over a batch axis without a Python loop.

A BatchTracer holds the whole batched value and which of its axes is the batch axis. Operations
on it run each primitive's batching rule once for the whole batch."""
from __future__ import annotations

import numpy as np

from .._core.array import wrap_value
from .._core.avals import ShapedArray
from .._core.errors import ConcretizationError, doc_link, user_frame
from .._core.trace import Trace, Tracer, get_aval
from ..lax import elementwise as E
from ..lax import linalg as L
from ..lax import reduce as R
from ..lax.shape import pad, reshape, transpose


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim", "_aval")

    def __init__(self, trace, val, bdim):
        self._trace, self.val, self.bdim = trace, val, bdim
        self._aval = None

    @property
    def aval(self):
        if self._aval is None:  # rules ask for shape and dtype again and again
            a = self.val.aval if isinstance(self.val, OneHot) else get_aval(self.val)
            self._aval = ShapedArray(a.shape[:self.bdim] + a.shape[self.bdim + 1:], a.dtype)
        return self._aval


class BatchTrace(Trace):
    name = "vmap"

    def __init__(self, name=None, axis_size=None):
        super().__init__(name)
        self.axis_size = axis_size

    def process_primitive(self, prim, args, params):
        vals, dims = [], []
        for a in args:
            if isinstance(a, BatchTracer) and a._trace is self:
                vals.append(a.val)
                dims.append(a.bdim)
            else:
                vals.append(a)
                dims.append(None)
        if prim.batch is None:
            raise NotImplementedError(f"{prim.name} has no batching (vmap) rule")
        res = None
        if any(isinstance(v, OneHot) for v in vals):
            res = _process_onehot(prim, vals, dims, params)
            if res is None:
                vals = [v.dense() if isinstance(v, OneHot) else v for v in vals]
        out, out_dims = res if res is not None else prim.batch(vals, dims, **params)
        if prim.multiple_results:
            return [o if d is None else BatchTracer(self, o, d) for o, d in zip(out, out_dims)]
        return out if out_dims is None else BatchTracer(self, out, out_dims)

    def concrete(self, tracer, why):
        raise ConcretizationError(
            f"{why or 'a concrete value'} is asked of a value batched by vmap (one "
            f"{tracer.aval.str_short()} per batch element, {self.axis_size} of them), but Python "
            f"can only branch on one value.\n  at {user_frame()}\n"
            "Write the choice so that it works elementwise for every example at once:\n"
            "    y = fnp.where(x > 0, a, b)        # instead of: a if x > 0 else b\n"
            + doc_link("concretizationerror"))


# ---- structured batches: the one-hot basis of a Jacobian ----------------------------------------
#
# jacrev and jacfwd map a VJP or JVP over the rows of an identity matrix. Stored densely, the
# first operation that meets it (often a matrix product) costs a factor n more than it needs to:
# diag(s) @ W is an n^3 product for an n^2 result. A OneHot keeps the basis symbolic for as long
# as the operations allow (scaling, sums, contractions of all its axes) and becomes dense only
# when something else needs it.


class OneHot:
    """A batch of `total` arrays of diag's shape: element b is zero except, when
    0 <= b - offset < diag.size, at flat position b - offset, where it equals diag.flat[b - offset].
    The batch axis is 0."""
    __slots__ = ("diag", "offset", "total")

    def __init__(self, diag, offset, total):
        self.diag, self.offset, self.total = diag, offset, total

    @property
    def aval(self):
        a = get_aval(self.diag)
        return ShapedArray((self.total,) + a.shape, a.dtype)

    def rows(self, block, axis=0):
        """Place a block whose `axis` enumerates the basis positions (row r is batch element
        offset + r) into `total` batch elements: negative padding crops what falls outside."""
        a = get_aval(block)
        size = a.shape[axis]
        cfg = [(0, 0, 0)] * a.ndim
        cfg[axis] = (self.offset, self.total - self.offset - size, 0)
        return block if cfg[axis][:2] == (0, 0) else pad(block, 0, cfg)

    def dense(self):
        a = get_aval(self.diag)
        eye = wrap_value(np.eye(a.size, dtype=a.dtype))
        block = reshape(eye * reshape(self.diag, (a.size,)), (a.size,) + a.shape)
        return self.rows(block)

    def with_diag(self, diag):
        return OneHot(diag, self.offset, self.total)

    def slice_rows(self, start, stop):
        return OneHot(self.diag, self.offset - start, stop - start)


def _scaled(vals, dims, op, one_hot_first=True):
    """A OneHot times (or over) an unbatched value that does not change its shape: still one."""
    oh, other = (vals[0], vals[1]) if one_hot_first else (vals[1], vals[0])
    if not isinstance(oh, OneHot) or dims[1 if one_hot_first else 0] is not None:
        return None
    shape, o = get_aval(oh.diag).shape, get_aval(other).shape
    if len(o) > len(shape) or any(d not in (1, s) for d, s in zip(o[::-1], shape[::-1])):
        return None  # broadcasting would change the shape
    return oh.with_diag(op(oh.diag, other) if one_hot_first else op(other, oh.diag)), 0


def _mul_rule(vals, dims):
    return _scaled(vals, dims, E.mul, True) or _scaled(vals, dims, E.mul, False)


def _div_rule(vals, dims):
    return _scaled(vals, dims, E.div, True)


def _sum_rule(op):
    def rule(vals, dims):
        a, b = vals
        if (isinstance(a, OneHot) and isinstance(b, OneHot) and (a.offset, a.total)
                == (b.offset, b.total) and get_aval(a.diag).shape == get_aval(b.diag).shape):
            return a.with_diag(op(a.diag, b.diag)), 0
        return None
    return rule


def _unary_rule(op):
    def rule(vals, dims, **params):
        return vals[0].with_diag(op(vals[0].diag, **params)), 0
    return rule


def _reduce_sum_rule(vals, dims, *, axes):
    oh = vals[0]
    nd = get_aval(oh.diag).ndim
    if tuple(axes) != tuple(range(nd)):  # per-example axes: all of them
        return None
    return oh.rows(reshape(oh.diag, (get_aval(oh.diag).size,))), 0


def _dot_general_rule(vals, dims, *, dimension_numbers):
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


_ONEHOT_RULES = {
    E.mul_p: _mul_rule, E.div_p: _div_rule,
    E.add_p: _sum_rule(E.add), E.sub_p: _sum_rule(E.sub),
    E.neg_p: _unary_rule(E.neg),
    E.convert_element_type_p: _unary_rule(E.convert_element_type),
    R.reduce_sum_p: _reduce_sum_rule, L.dot_general_p: _dot_general_rule,
}


def _process_onehot(prim, vals, dims, params):
    """The structured rule for `prim`, or None: then every OneHot operand becomes dense."""
    rule = _ONEHOT_RULES.get(prim)
    return rule(vals, dims, **params) if rule is not None else None
