"""Flat buffers: the two operations the horizontal-fusion pass (hfuse.py) writes into a jaxpr to
run one elementwise chain over many leaves at once, and their code.

- `pack` gathers n arrays (the lanes) into one contiguous 1-d buffer, in order: one
  `np.concatenate` of the ravelled arrays; or, when the arrays are exactly the views that an
  `unpack` of this layout handed out last (an optimizer step's outputs fed back as the next
  step's inputs), that buffer itself, with no copy.
- `unpack` returns the lanes of a flat result as views: `flat[o:o + n].reshape(shape)`.

Neither is a primitive of the IR: they exist only in jit's optimized jaxpr, after every
transform, so they carry no derivative or batching rule (every rule is None, every flag False).
Both are declared not `fresh` (the buffer pass never writes into what `pack` returns, which may
be memory the caller passed in, nor into a buffer that `unpack` has handed out as views).

Each unpack site keeps the views it returned last (and so their buffer) alive until its next
call: that is what lets the next `pack` recognise them by identity. An ndarray's memory never
moves, so when the arrays passed to `pack` are those very objects, the buffer holds exactly
their current values, in order.

>>> import numpy as np
>>> layout = FlatLayout([(2,), (1, 2)])
>>> flat = layout.pack(np.array([1., 2.]), np.array([[3., 4.]]))
>>> flat
array([1., 2., 3., 4.])
>>> views = layout.unpacker(0)(flat * 10)
>>> views
(array([10., 20.]), array([[30., 40.]]))
>>> layout.pack(*views) is views[0].base      # fed back: the buffer itself, no copy
True
"""
from __future__ import annotations

import math
from itertools import accumulate
from operator import is_

import numpy as np

from .._core.avals import ShapedArray
from .._core.primitive import Primitive

_ravel, _reshape = np.ndarray.ravel, np.ndarray.reshape


class FlatLayout:
    """Where n lanes of the given shapes lie in one flat buffer (in order, no gaps), and the
    views each unpack site of this layout handed out last."""

    def __init__(self, shapes):
        self.shapes = tuple(tuple(s) for s in shapes)
        sizes = [math.prod(s) for s in self.shapes]
        ends = list(accumulate(sizes))
        self.total = ends[-1] if ends else 0
        self.slices = tuple(slice(e - n, e) for e, n in zip(ends, sizes))
        self.flat_lanes = all(len(s) == 1 for s in self.shapes)
        self._recent: list = []  # per unpack site: (flat buffer, its views) or None

    def __repr__(self):
        return f"{len(self.shapes)}x{self.total}"

    def pack(self, *xs):
        """One contiguous 1-d buffer holding `xs` in order (see the module docstring)."""
        first = xs[0]
        for got in self._recent:
            if got is not None and got[1][0] is first and all(map(is_, xs, got[1])):
                return got[0]
        return np.concatenate(tuple(map(_ravel, xs)))

    def unpacker(self, site):
        """The function that splits a flat buffer into this layout's views, remembering them
        as unpack site `site` (a new one for each equation)."""
        while len(self._recent) <= site:
            self._recent.append(None)
        recent, slices, shapes = self._recent, self.slices, self.shapes
        if self.flat_lanes:
            def unpack(flat):
                views = tuple(map(flat.__getitem__, slices))
                recent[site] = (flat, views)
                return views
        else:
            def unpack(flat):
                views = tuple(map(_reshape, map(flat.__getitem__, slices), shapes))
                recent[site] = (flat, views)
                return views
        return unpack


class FlatOp:
    """An operation only jit's passes write (pack, unpack): it quacks like a Primitive for the
    passes and the code generator, with no rule beyond its code template and impl."""

    def __init__(self, name, multiple_results, impl, abstract_eval, jit):
        for attr in Primitive.DECLARATIONS:
            setattr(self, attr, None)
        for flag in ("fresh", "effectful", "nondiff", "transfers", "impl_checks_input"):
            setattr(self, flag, False)
        self.diff_args = frozenset()
        self.name, self.multiple_results, self.impl, self.jit = name, multiple_results, impl, jit
        self.abstract_eval = abstract_eval

    def __repr__(self):
        return self.name


def _pack_impl(*xs, layout):
    return layout.pack(*xs)


def _pack_abstract_eval(*avals, layout):
    shapes = tuple(a.shape for a in avals)
    if shapes != layout.shapes or len({a.dtype for a in avals}) != 1:
        raise TypeError(f"pack: operands {[a.str_short() for a in avals]} do not fit the "
                        f"layout {layout.shapes} of one dtype")
    return ShapedArray((layout.total,), avals[0].dtype, avals[0].weak_type)


def _unpack_abstract_eval(flat, layout, site):
    if flat.shape != (layout.total,):
        raise TypeError(f"unpack: operand {flat.str_short()} is not a flat buffer of "
                        f"{layout.total} elements")
    return [ShapedArray(s, flat.dtype, flat.weak_type) for s in layout.shapes]


def _pack_jit(ctx, outs, ins, params, reuse):
    return f"{outs[0]} = {ctx.ref(params['layout'].pack, 'pack')}({', '.join(ins)})"


def _unpack_impl(flat, layout, site):
    return list(layout.unpacker(site)(flat))


def _unpack_jit(ctx, outs, ins, params, reuse):
    fn = params["layout"].unpacker(params["site"])
    return f"{', '.join(outs)}, = {ctx.ref(fn, 'unpack')}({ins[0]})"


pack = FlatOp("pack", False, _pack_impl, _pack_abstract_eval, _pack_jit)
unpack = FlatOp("unpack", True, _unpack_impl, _unpack_abstract_eval, _unpack_jit)
