"""vmap: a function of one example, mapped over a batch axis without a Python loop.

A BatchTracer holds the whole batched value and which of its axes is the batch axis. Operations
on it run each primitive's batching rule once for the whole batch."""
from __future__ import annotations

import threading

import numpy as np

from .._core import backend
from .._core.array import wrap_value
from .._core.avals import ShapedArray
from .._core.errors import concretization_class, doc_link, user_frame
from .._core import structural as S
from .._core.trace import Trace, Tracer, get_aval
from .ad import unwrap


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

    def __init__(self, name=None, axis_size=None, axis_name=None):
        super().__init__(name)
        self.axis_size = axis_size
        self.axis_name = axis_name  # the name collectives use for this axis (None: unnamed)

    def process_primitive(self, prim, args, params):
        vals, dims = unwrap(self, BatchTracer, args, "val", "bdim")
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
        raise concretization_class(why)(
            f"{why or 'a concrete value'} is asked of a value batched by vmap (one "
            f"{tracer.aval.str_short()} per batch element, {self.axis_size} of them), but Python "
            f"can only branch on one value.\n  at {user_frame()}\n"
            "Write the choice so that it works elementwise for every example at once:\n"
            "    y = fnp.where(x > 0, a, b)        # instead of: a if x > 0 else b\n"
            + doc_link("concretizationerror"))


# ---- named axes: vmap(..., axis_name=) --------------------------------------------------------
#
# A vmap with an axis name binds the name for the dynamic extent of the call. A collective over
# the name (funcgrad.lax.psum, ...) takes one more operand: the axis's token, this vmap's member
# index (0..size-1, batched along the axis). Being a tracer of the vmap's trace, the token routes
# every bind of the collective to that trace, wherever it is bound (on values that do not vary
# along the axis, inside a grad or a jit nested in the vmap, inside a scan body, whose jaxpr
# gets the token as an operand); the collective's batching rule knows its axis is the one being
# mapped when the token is batched there, and passes through any other vmap unchanged.


class AxisFrame:
    """One name bound by a running vmap: the trace, the axis size and (made on first use) the
    token."""
    __slots__ = ("axis_name", "trace", "size", "_token")

    def __init__(self, axis_name, trace, size):
        self.axis_name, self.trace, self.size, self._token = axis_name, trace, size, None

    def token(self):
        if self._token is None:
            index = wrap_value(backend.create("arange", self.size, dtype=np.int32))
            self._token = BatchTracer(self.trace, index, 0)
        return self._token


class _AxisEnv(threading.local):
    """The AxisFrames of the running named vmaps, innermost last: one list per thread (a vmap
    binds its name for the code it runs, not for other threads)."""
    def __init__(self):
        self.frames = []


_axis_env = _AxisEnv()


def bound_axis(name):
    """The innermost running vmap's AxisFrame for `name`, or None."""
    for frame in reversed(_axis_env.frames):
        if frame.axis_name == name:
            return frame
    return None


def bound_axis_names():
    """The axis names that running vmaps bind, innermost last (for messages)."""
    return [f.axis_name for f in _axis_env.frames]


def named_axes_active():
    """Whether any running vmap binds a name (jit then traces through rather than compiling a
    function whose collectives would refer to it)."""
    return bool(_axis_env.frames)


class binding_axis:
    """`with binding_axis(name, trace, size):` binds `name` to `trace` (nothing for None)."""
    __slots__ = ("frame",)

    def __init__(self, name, trace, size):
        self.frame = None if name is None else AxisFrame(name, trace, size)

    def __enter__(self):
        if self.frame is not None:
            _axis_env.frames.append(self.frame)
        return self.frame

    def __exit__(self, *exc):
        if self.frame is not None:
            _axis_env.frames.remove(self.frame)
        return False


# ---- structured batches: the one-hot basis of a Jacobian ----------------------------------------
#
# jacrev and jacfwd map a VJP or JVP over the rows of an identity matrix. Stored densely, the
# first operation that meets it (often a matrix product) costs a factor n more than it needs to:
# diag(s) @ W is an n^3 product for an n^2 result. A OneHot keeps the basis symbolic for as long
# as the operations allow (scaling, sums, contractions of all its axes) and becomes dense only
# when something else needs it. The primitives that keep it symbolic say how in their own
# blocks (Primitive.structured_batch; the shared shapes of such rules are in lax/_batching.py).


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
        return block if cfg[axis][:2] == (0, 0) else S.pad(block, 0, cfg)

    def dense(self):
        a = get_aval(self.diag)
        eye = wrap_value(np.eye(a.size, dtype=a.dtype))
        block = S.reshape(eye * S.reshape(self.diag, (a.size,)), (a.size,) + a.shape)
        return self.rows(block)

    def with_diag(self, diag):
        return OneHot(diag, self.offset, self.total)

    def slice_rows(self, start, stop):
        return OneHot(self.diag, self.offset - start, stop - start)


def _process_onehot(prim, vals, dims, params):
    """The primitive's rule for a symbolic one-hot basis (Primitive.structured_batch), or None:
    then every OneHot operand becomes dense."""
    rule = prim.structured_batch
    return rule(vals, dims, **params) if rule is not None else None
