"""Traces, tracers and `bind`: how an operation finds the transform that should handle it.

Every transform invocation opens a Trace with a fresh, ever-increasing level. A Tracer belongs to
one Trace. `bind(prim, *args)` hands the operation to the highest-level trace among its arguments'
tracers; values of lower levels (or plain arrays) are constants to that trace. With no tracer among
the arguments the primitive runs eagerly. Because a level is never reused, a trace opened later is
always "inner", so nested derivatives never confuse their perturbations.
"""
from __future__ import annotations

import itertools

import numpy as np

from . import avals, backend
from .array import Array, _ArrayType, wrap_typed, wrap_value
from .avals import PY_SCALARS, ShapedArray, scalar_aval
from .config import config
from .typing import ArrayMethods
from .errors import (TracerArrayConversionError, UnexpectedTracerError, doc_link, format_site,
                     user_frame, user_site)

_levels = itertools.count(1)


class Trace:
    """One invocation of a transform (grad, jvp, make_jaxpr, ...)."""

    name = "trace"  # the user-facing transform, for messages
    # Whether every tracer of this trace has a concrete value behind it (grad, jvp): then Python
    # control flow and concrete-only functions work on it.
    has_concrete_values = False
    # Whether, in JAX's mode, this trace also takes the operations whose operands are all
    # constants while it is the innermost one open (JAX's "omnistaging": jit and make_jaxpr
    # stage every operation of the traced function, so `jnp.array(x.shape).prod()` is traced
    # and cannot be a shape, as in JAX). See `staging`.
    stages_constants = False

    def __init__(self, name=None):
        self.level = next(_levels)
        self.alive = True
        if name is not None:
            self.name = name
        self.site = user_site()  # where the user called the transform

    def process_primitive(self, prim, args, params):
        raise NotImplementedError

    def concrete(self, tracer, why):
        """The concrete value behind `tracer`, or an error explaining why there is none."""
        raise NotImplementedError


# JAX's mode only: the traces open now, innermost last, each as itself where it takes
# operations on constants (stages_constants) and as None where it does not.
_staging: list = []


def staging():
    """The trace that takes an operation whose operands are all constants (JAX's mode, directly
    inside jit or make_jaxpr, and the bodies of control flow they trace), or None: such an
    operation runs at once. Only while that trace is the innermost one open: under a grad, vmap
    or jvp opened inside it, an operation on constants runs at once, as funcgrad's transforms
    expect (their rules may keep such values after the staging trace is gone)."""
    return _staging[-1] if _staging else None


class new_trace:
    """`with new_trace(TraceClass, ...) as trace:` - the trace is dead once the block ends, so a
    tracer that escapes it is caught when used."""
    __slots__ = ("trace", "stages")

    def __init__(self, cls, *args, **kwargs):
        self.trace = cls(*args, **kwargs)
        self.stages = avals.JAX_LATTICE

    def __enter__(self):
        if self.stages:
            _staging.append(self.trace if self.trace.stages_constants else None)
            _follow_switches()
        return self.trace

    def __exit__(self, *exc):
        self.trace.alive = False
        if self.stages:
            _staging.pop()
            _follow_switches()
        return False


# Whether an eager operation must take the general path: a GPU is in use (operands may need
# moving), config.eager_checks (debug_nans, JAX's dtype mode), or a trace takes operations on
# constants (staging()). The one flag the eager fast paths read (one global, not three
# lookups), kept current by _follow_switches, which runs whenever any of them changes.
_eager_slow = False


def _follow_switches():
    global _eager_slow
    _eager_slow = bool(backend.active or config.eager_checks
                       or (_staging and _staging[-1] is not None))


avals.MODE_HOOKS.append(_follow_switches)
backend.ACTIVE_HOOKS.append(_follow_switches)
_follow_switches()


class Tracer(ArrayMethods):
    """A value flowing through a transform. Array's operators and methods are attached to this
    class too (funcgrad/numpy/_methods.py), so user code cannot tell the two apart."""

    __slots__ = ("_trace",)
    __array_priority__ = 100

    @property
    def aval(self) -> ShapedArray:
        raise NotImplementedError

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: len(self.aval.shape))
    size = property(lambda self: self.aval.size)

    def _concrete(self, why):
        if not self._trace.alive:
            raise escaped_tracer_error(self._trace, why)
        return self._trace.concrete(self, why)

    def __bool__(self):
        return bool(self._concrete("bool()"))

    def __float__(self):
        return float(self._concrete("float()"))

    def __int__(self):
        return int(self._concrete("int()"))

    def __complex__(self):
        return complex(self._concrete("complex()"))

    def __index__(self):
        return int(self._concrete("an index (__index__)").__index__())

    def item(self, *args):
        return self._concrete("item()").item(*args)

    def tolist(self):
        return self._concrete("tolist()").tolist()

    def __array__(self, dtype=None, copy=None):
        raise TracerArrayConversionError(
            f"a traced value of type {self.aval.str_short()} (inside {self._trace.name}) was "
            f"handed to numpy, which would silently drop what {self._trace.name} tracks.\n"
            f"  at {user_frame()}\n"
            "Use funcgrad.numpy (import funcgrad.numpy as fnp; fnp.sin(x)) instead of numpy inside "
            "transformed functions. A value that only needs to be looked at (printed, logged) "
            "can be taken out with np.asarray(fg.stop_gradient(x)) under grad, jvp and vjp. "
            + doc_link("tracerarrayconversionerror"))

    def __repr__(self):
        if avals.JAX_LATTICE:  # JAX's mode: the names JAX prints its tracers with
            text = _jax_tracer_repr(self)
            if text is not None:
                return text
        return f"Traced<{self.aval.str_short()}>(inside {self._trace.name})"


# The transforms whose tracers JAX prints as GradTracer(primal=..., typeof(tangent)=...)
_REVERSE_TRACES = frozenset(("grad", "vjp", "jacrev", "linearize", "hessian"))


def _jax_tracer_repr(t):
    """How JAX prints a tracer of the same transform, where funcgrad knows what it shows
    (None where it does not: vmap's and jvp's show values of the batch or the tangent)."""
    trace, a = t._trace, t.aval
    if not trace.has_concrete_values and trace.name != "vmap":
        return f"JitTracer({_jax_type_str(a)})"
    if trace.name in _REVERSE_TRACES and trace.alive:
        return f"GradTracer(primal={host_value(t)}, typeof(tangent)={a.str_short()})"
    tangent = getattr(t, "tangent", None)  # jvp's tracer: its primal and tangent
    if trace.name in ("jvp", "jacfwd") and tangent is not None and trace.alive:
        return f"JVPTracer(primal={_jax_value_str(t.primal, a)}, " \
               f"tangent={_jax_value_str(tangent, a)})"
    val = getattr(t, "val", None)  # vmap's tracer: the batched value behind it
    if trace.name == "vmap" and getattr(t, "bdim", None) is not None:
        b = val.aval if hasattr(val, "aval") else get_aval(val)  # (jacfwd's one-hot basis too)
        batched = ShapedArray(b.shape, b.dtype)
        return f"VmapTracer(aval={_jax_type_str(a)}, batched={_jax_type_str(batched)})"
    return None


def _jax_value_str(v, aval):
    """A tracer's primal or tangent as JAX shows it: a tracer by its repr, a value as numpy
    prints it in the aval's dtype."""
    if isinstance(v, Tracer):
        return repr(v)
    return str(np.asarray(backend.to_host(concrete_value(v)), aval.dtype))


def _jax_type_str(a):
    """An aval as JAX writes it in a tracer's repr: float32[3], ~float32[] when weakly typed."""
    return f"{'~' if a.weak_type else ''}{a.dtype.name}[{','.join(map(str, a.shape))}]"


_ArrayType.virtual = (Tracer,)  # isinstance(tracer, fg.Array) holds, as in JAX


def concrete_value(x):
    """The backend value of `x` if it is known now, looking through concrete tracers."""
    while isinstance(x, Tracer):
        x = x._trace.concrete(x, None)
    return x._value if type(x) is Array else x


def is_concrete(x) -> bool:
    """Whether x's value is known now (looking through grad's and jvp's tracers; a tracer of
    jit, make_jaxpr or vmap stands for no one value)."""
    while isinstance(x, Tracer):
        if not x._trace.has_concrete_values:
            return False
        x = x._trace.concrete(x, None)
    return True


def as_leaf(x):
    """x as a pytree leaf that transforms accept: an Array, a tracer or a Python scalar as it is,
    anything array-like converted to an Array."""
    if isinstance(x, (Array, Tracer)) or type(x) in PY_SCALARS:
        return x
    return Array(x)


def host_value(x):
    """concrete_value(x) as a numpy array on the host (copied there from a GPU)."""
    return np.asarray(backend.to_host(concrete_value(x)))


def get_aval(x) -> ShapedArray:
    if x.__class__ is Array:
        v = x._value
        return ShapedArray(v.shape, v.dtype, x._weak)
    if isinstance(x, Tracer):
        return x.aval
    if type(x) in PY_SCALARS:
        return scalar_aval(x)
    x = backend.asarray(x)
    return ShapedArray(x.shape, x.dtype)


def bind(prim, *args, **params):
    top = None
    for a in args:
        if isinstance(a, Tracer):
            t = a._trace
            if top is None or t.level > top.level:
                top = t
    if top is None:
        top = _staging[-1] if _staging else None
        if top is None:
            return eval_primitive(prim, args, params)
    if not top.alive:
        raise escaped_tracer_error(top, prim)
    return top.process_primitive(prim, args, params)


def eval_primitive(prim, args, params):
    """Evaluate `prim` outside any trace: funcgrad values (Arrays, Python scalars, backend
    arrays) in, Arrays out. The one eager routine: `eval_values` checks and computes, after
    `_placed` has put the operands on one device once a GPU is in use."""
    if not _eager_slow:  # (host data, numpy's mode, no debug_nans: the usual call)
        if prim.impl_checks_input:
            # The most common call, a numpy ufunc, kept to one call of the impl (which checks
            # its own input: see eval_values); a failure takes the general path below, where
            # the shape rule explains it.
            try:
                if len(args) == 2:
                    x, y = args
                    out = prim.impl(x._value if x.__class__ is Array else x,
                                    y._value if y.__class__ is Array else y)
                else:
                    x, = args
                    out = prim.impl(x._value if x.__class__ is Array else x)
            except (ValueError, TypeError):
                pass
            else:
                a = _new(Array)  # (numpy hands back a scalar for a 0-d result)
                a._value = out if out.__class__ is _ndarray else _asarray(out)
                a._weak = False
                return a
        else:  # eval_values' path for these, written out
            vals = []  # (a loop, not a comprehension: one frame less on every call)
            for a in args:
                vals.append(a._value if a.__class__ is Array else a)
            check_signature(prim, vals, params)
            out = prim.impl(*vals, **params)
            if out.__class__ is _ndarray:
                a = _new(Array)
                a._value = out
                a._weak = False
                return a
            if prim.multiple_results:
                return tuple(wrap_value(o) for o in out)
            return wrap_value(out)
    if avals.JAX_LATTICE:
        return _jax_typed(prim, args, params)
    vals = []  # (a loop, not a comprehension: one frame less on every general-path call)
    for a in args:
        vals.append(a._value if a.__class__ is Array else a)
    if backend.active and not prim.transfers and not backend.one_place(*vals):
        out = _placed(prim, vals, params)
    else:
        out = eval_values(prim, vals, params)
    if prim.multiple_results:
        return tuple(wrap_value(o) for o in out)
    if out.__class__ is _ndarray:  # (wrap_value written out for its usual case: numpy's mode
        a = _new(Array)            # here, so 64-bit types are kept)
        a._value = out
        a._weak = False
        return a
    return wrap_value(out)


def _jax_typed(prim, args, params):
    """eval_primitive in JAX's dtype mode: the primitive's rule gives each result's dtype and
    weak type by JAX's rules (its lattice, weak types, 32-bit types with x64 off), and the
    values numpy computed are cast to them."""
    out_avals = prim.abstract_eval(*[get_aval(a) for a in args], **params)
    vals = [a._value if a.__class__ is Array else a for a in args]
    try:
        if backend.active and not prim.transfers and not backend.one_place(*vals):
            out = _placed(prim, vals, params)
        else:
            out = eval_values(prim, vals, params)
    except OverflowError:
        # a Python int that the integer type it joins cannot hold (int8 + 1000): JAX converts
        # it to that type, wrapping around; numpy refuses it
        if prim.multiple_results or out_avals.dtype.kind not in "iu":
            raise
        vals = [np.asarray(v).astype(out_avals.dtype) if type(v) is int else v for v in vals]
        out = eval_values(prim, vals, params)
    if prim.multiple_results:
        return tuple(wrap_typed(o, a) for o, a in zip(out, out_avals))
    return wrap_typed(out, out_avals)


def eager_unary(prim, general):
    """`general` (a funcgrad function of one operand that binds `prim` on it) with the eager
    routine's fast path in front, written out in one frame: an Array operand, no GPU in use, no
    debug_nans, and `prim` a primitive whose impl checks its own input (numpy's unary ufuncs)
    gives the impl's result wrapped at once; anything else, or the impl's failure (explained by
    the shape rule there), goes to `general`. funcgrad.numpy's unary ufuncs are built this way:
    on small arrays the Python calls around a ufunc cost more than the ufunc."""
    if not prim.impl_checks_input:
        return general
    impl = prim.impl

    def call(x):
        if x.__class__ is Array and not _eager_slow:
            try:
                out = impl(x._value)
            except (ValueError, TypeError):
                return general(x)
            a = _new(Array)  # (numpy hands back a scalar for a 0-d result)
            a._value = out if out.__class__ is _ndarray else _asarray(out)
            a._weak = False
            return a
        return general(x)
    return _named_like(call, general)


def eager_binary(prim, general, swap=False):
    """eager_unary's counterpart for two operands (funcgrad.numpy's binary ufuncs, and the
    operators: with `swap`, call(x, y) is prim(y, x), a reflected operator such as __radd__).
    The fast path takes Arrays and Python floats and ints (weakly typed, as the impl treats
    them: numpy 2 promotes them as funcgrad does), at least one operand an Array."""
    if not prim.impl_checks_input:
        return general
    impl = prim.impl

    def call(x, y):
        cx, cy = x.__class__, y.__class__
        if cx is Array:
            if cy is Array:
                yv = y._value
            elif cy is float or cy is int:
                yv = y
            else:
                return general(x, y)
            xv = x._value
        elif cy is Array and (cx is float or cx is int):
            xv, yv = x, y._value
        else:
            return general(x, y)
        if _eager_slow:
            return general(x, y)
        try:
            out = impl(yv, xv) if swap else impl(xv, yv)
        except (ValueError, TypeError):
            return general(x, y)
        a = _new(Array)
        a._value = out if out.__class__ is _ndarray else _asarray(out)
        a._weak = False
        return a
    return _named_like(call, general)


def _named_like(call, general):
    """`call` under `general`'s name, module, docstring and annotations (what docs, messages
    and the typing test read)."""
    for attr in ("__name__", "__qualname__", "__module__", "__doc__"):
        setattr(call, attr, getattr(general, attr))
    call.__annotations__ = dict(general.__annotations__)
    call.general = general  # (what a caller that has ruled the fast path out calls)
    return call


def _placed(prim, vals, params):
    """eval_values on operands moved to one device (see backend.align), results settled there."""
    vals, place = backend.align(prim.name, vals)
    out = eval_values(prim, vals, params)
    return out if place is None else backend.settle(out, place, prim.multiple_results)


_new = object.__new__


def eval_values(prim, vals, params):
    """`prim`'s impl on backend values (numpy or CuPy arrays, Python scalars), after its shape
    and dtype rule has accepted their avals: bad input never reaches numpy or C code, and raises
    exactly the error `jit` raises for it. The rule runs once per signature (`_checked`), or,
    for a primitive whose impl checks its input itself (`impl_checks_input`: numpy's ufuncs),
    only to explain the impl's failure. funcgrad.numpy's and the torch layer's eager calls on
    plain arrays come here directly; `eval_primitive` comes here after placing its operands."""
    if prim.impl_checks_input:
        try:
            if not config.debug_nans:
                return prim.impl(*vals, **params)
            with np.errstate(invalid="ignore", divide="ignore"):  # check_nans explains
                out = prim.impl(*vals, **params)
        except (ValueError, TypeError) as e:
            failure = e
        else:
            check_nans(prim, out)
            return out
        # The rule's teaching error, raised outside the except block (so that the traceback does
        # not lead with numpy's); numpy's own where the rule finds nothing wrong.
        try:
            prim.abstract_eval(*[get_aval(v) for v in vals], **params)
            raise failure
        finally:
            del failure  # (the exception's traceback holds this frame)
    check_signature(prim, vals, params)
    if config.debug_nans:
        with np.errstate(invalid="ignore", divide="ignore"):  # check_nans explains
            out = prim.impl(*vals, **params)
        check_nans(prim, out)
        return out
    return prim.impl(*vals, **params)


def check_signature(prim, vals, params):
    """Run `prim`'s shape and dtype rule on the avals of `vals` (backend values), unless it has
    accepted this signature before: the rule raises the teaching error for bad input, so that
    it never reaches the impl."""
    n = len(vals)
    if n == 2 and vals[0].__class__ is _ndarray and vals[1].__class__ is _ndarray:
        x, y = vals
        key = (prim, x.shape, x.dtype, y.shape, y.dtype)
    elif n == 1 and vals[0].__class__ is _ndarray:
        x = vals[0]
        key = (prim, x.shape, x.dtype)
    else:
        key = _signature(prim, vals)
    # The parameters accepted with this signature, each a dict: compared by ==, which finds
    # the one a call shares (the same tuple objects, as normalized parameters are) at once,
    # where hashing them into the key would walk every nested tuple on every call.
    known = None if key is None else _checked.get(key)
    try:  # (the usual case written out: the first dict accepted is the call's)
        ok = known is not None and (known[0] == params or _accepted(known, params))
    except (ValueError, TypeError):  # (an array among the parameters)
        ok = False
    if not ok:
        prim.abstract_eval(*[get_aval(v) for v in vals], **params)
        # Kept only when the parameters are plain data: a signature with a jaxpr or a function
        # among them (control flow, custom rules) would never be met again, and keep them alive.
        if key is not None and (not params or _plain(tuple(params.values()))):
            if len(_checked) >= _CHECKED_LIMIT:
                _checked.clear()
            if known is None or len(known) >= _PARAMS_PER_SIGNATURE:
                _checked[key] = known = []
            known.append(dict(params))  # (a copy: the caller owns its dict)


# Signatures whose avals the primitive's shape rule has accepted, so that it runs once per
# signature (where there is none, an unhashable or non-plain one, it runs every time).
_checked: dict = {}
_CHECKED_LIMIT = 1 << 14
_PARAMS_PER_SIGNATURE = 16


def _accepted(known, params):
    """Whether `params` equals one of the parameter dicts in `known` (plain data, accepted by
    the rule with this signature). A value that == cannot compare (an array) matches none."""
    for p in known:
        try:
            if p == params:
                return True
        except (ValueError, TypeError):
            return False
    return False


_SCALAR_TYPES = frozenset(PY_SCALARS)
_ndarray = np.ndarray
_asarray = np.asarray


def _plain(value):
    """Whether a parameter value is plain data: numbers, strings, dtypes, None, and tuples of
    them (what a signature may hold)."""
    if type(value) is tuple:
        for v in value:
            if not _plain(v):
                return False
        return True
    return value is None or type(value) in _PLAIN_TYPES or isinstance(value, np.dtype)


_PLAIN_TYPES = frozenset((bool, int, float, complex, str, type))


def _signature(prim, vals):
    """The signature of operands other than one or two numpy arrays: a Python scalar counts by
    its type (its weak aval depends on nothing else); None when an operand has no shape (a
    list), so that the rule runs every time."""
    key = (prim,)
    for v in vals:
        t = v.__class__
        if t is _ndarray:  # (the usual operand: select's array beside a literal)
            key += (v.shape, v.dtype)
        elif t in _SCALAR_TYPES:
            key += (t,)
        elif hasattr(v, "shape") and hasattr(v, "dtype"):
            key += (v.shape, v.dtype)
        else:
            return None
    return key


def check_nans(prim, out):
    """With fg.config.debug_nans: raise at the primitive whose output has a NaN."""
    for o in (out if prim.multiple_results else [out]):
        if backend.asarray(o).dtype.kind in "fc" and np.isnan(o).any():
            raise FloatingPointError(
                f"debug_nans: `{prim.name}` produced a NaN.\n  at {user_frame()}\nLook for "
                "0/0, inf - inf, log or sqrt of a negative number, or arcsin outside [-1, 1] "
                "here; switch the check off with fg.config.update('debug_nans', False). "
                + doc_link("debug_nans"))


def escaped_tracer_error(trace, use):
    """`use`: the primitive, or a description such as 'bool()', that met the escaped value."""
    what = f"`{use.name}`" if hasattr(use, "name") else use
    return UnexpectedTracerError(
        f"a traced value created by {trace.name} (called at {format_site(trace.site)}) "
        f"was used by {what} after {trace.name} had finished.\n"
        f"  at {user_frame()}\n"
        "A value computed inside a transformed function was kept outside it (in a global, a list, "
        "an attribute such as self.x, or a closure) and used later. Return it from the function "
        "instead:\n    out, kept = fg.value_and_grad(f, has_aux=True)(x)  # f returns (loss, kept)\n"
        + doc_link("unexpectedtracererror"))


def is_weak_scalar(x):
    return type(x) in PY_SCALARS
