"""vmap: a function of one example, mapped over a batch axis without a Python loop.

A BatchTracer holds the whole batched value and which of its axes is the batch axis. Operations
on it run each primitive's batching rule once for the whole batch."""
from __future__ import annotations

from .._core.avals import ShapedArray
from .._core.errors import ConcretizationError, doc_link, user_frame
from .._core.trace import Trace, Tracer, get_aval


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim")

    def __init__(self, trace, val, bdim):
        self._trace, self.val, self.bdim = trace, val, bdim

    @property
    def aval(self):
        a = get_aval(self.val)
        return ShapedArray(a.shape[:self.bdim] + a.shape[self.bdim + 1:], a.dtype)


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
        out, out_dims = prim.batch(vals, dims, **params)
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
