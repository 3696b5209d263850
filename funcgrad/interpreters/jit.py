"""jit: trace once per signature, optimize the jaxpr, compile it to straight-line Python.

The cache key is the pytree structure of the dynamic arguments, each leaf's shape, dtype and
weak type, and the values of the static arguments. Called with values traced by another
transform (grad, vmap, jvp, or an enclosing jit), the function is inlined into that trace.

A call that hits the cache takes a shorter road (the start of `_Jitted.__call__`) when nothing
needs the general one (`_Jitted._call`): no static arguments, no GPU in use, no `debug_nans`, and
every leaf an Array, a numpy array or a Python float, bool or complex. Its leaves come from the last structure seen
(`PyTreeSpec.flatten_up_to`, which checks every node but does not classify the leaves), its key
from C-level maps over them, and its outputs are wrapped by code generated for the signature
(see jit_call.py)."""
from __future__ import annotations

import contextlib
import copy
import functools
import gc
import inspect
import keyword
import os
import threading
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import tree
from .._core import avals, backend, consumed
from .._core.array import Array, wrap_typed, wrap_value
from .._core.avals import PY_SCALARS
from .._core.config import config
from .._core.errors import (FuncgradError, UnhashableStaticArgumentError, doc_link,
                            user_frame, user_site)
from .._core.ir import CallJaxpr
from .._core.primitive import NO_ALGEBRA, RULE_FIRST, Primitive, defvjp_all
from .._core.trace import Tracer, get_aval, new_trace, staging
from .._core.validate import argnums_tuple, argument_error, check_callable
from .batching import named_axes_active
from .codegen import compile_jaxpr
from .jit_call import fast_call, fast_signature
from .partial_eval import JaxprTrace
from .passes import run_passes
from .stages import Lowered, ShapeDtypeStruct, Traced
from .subjaxpr import (batch_jaxpr, in_avals, jvp_jaxpr, out_avals, run, trace_closed,
                       vjp_jaxpr)

RETRACE_WARN_AFTER = 5
# Compiled signatures each jitted function keeps, the oldest dropped first (a program whose
# shapes keep changing holds at most this many compiled forms and their constants). Set it with
# the FUNCGRAD_JIT_CACHE_SIZE environment variable, or `funcgrad.interpreters.jit.CACHE_SIZE`.
CACHE_SIZE = int(os.environ.get("FUNCGRAD_JIT_CACHE_SIZE", "256"))
_cache_lock = threading.Lock()  # inserts and evictions; lookups are single dict reads


class _Cache:
    """What jit keeps for one function and one set of options (static_argnums, static_argnames):
    shared by every `jit(f)` of them, as JAX's cache is, so `jit(f)(x)` written twice traces
    once. It holds no reference to the function."""

    __slots__ = ("entries", "fast_by_tree", "fast", "traces", "last_key", "staged",
                 "__weakref__")

    def __init__(self):
        self.entries = {}  # cache key -> Lowered, oldest first
        # the cache's hits for the fast road: structure -> {fast_signature: call}; the last
        # structure seen is tried first, and only it
        self.fast_by_tree = {}
        # (structure, its signatures): one attribute, so a thread never reads one structure
        # with another's signatures
        self.fast = None
        self.traces = 0
        self.last_key = None
        # JAX's mode: signature -> (jaxpr, output structure) of the calls staged as `jit`
        # equations (one jaxpr object per signature, as JAX's, so its printer shares it)
        self.staged = {}

    def clear(self):
        with _cache_lock:
            self.entries, self.fast_by_tree, self.fast, self.staged = {}, {}, None, {}
            self.traces, self.last_key = 0, None


# function -> {options: _Cache}. Weak in the function: the entry goes when the function does (a
# _Cache holds compiled code and constants, never the function, so it does not keep it alive).
_by_function: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_all_caches: weakref.WeakSet = weakref.WeakSet()  # for clear_caches: every live _Cache


def _shared_cache(fun, options):
    """The _Cache of `fun` with `options`, made on first use; a function that cannot be held
    weakly or hashed (some callable objects) gets one of its own per jit."""
    with _cache_lock:
        try:
            per_fun = _by_function.get(fun)
            if per_fun is None:
                per_fun = _by_function[fun] = {}
        except TypeError:
            per_fun = {}
        cache = per_fun.get(options)
        if cache is None:
            cache = per_fun[options] = _Cache()
            _all_caches.add(cache)
        return cache


def clear_caches() -> None:
    """Empty every jitted function's cache (the next call of each traces and compiles again),
    as `jax.clear_caches`.

    >>> import funcgrad as fg
    >>> f = fg.jit(lambda x: x + 1.0)
    >>> _ = f(1.0); clear_caches(); len(f.cache)
    0
    """
    for cache in list(_all_caches):
        cache.clear()
    tree.clear_caches()


class RetraceWarning(UserWarning):
    """A jitted function keeps being traced again: some argument's shape or static value keeps
    changing, so every call pays for tracing and compiling."""


def _static_key(value, where):
    try:
        hash(value)
    except TypeError:
        raise UnhashableStaticArgumentError(
            f"jit: the static argument {where} has the unhashable type "
            f"{type(value).__name__}; static arguments are part of the cache key and must be "
            f"hashable.\n  at {user_frame()}\nPass a tuple instead of a list "
            "(tuple(v)), or make the argument dynamic by dropping it from static_argnums. "
            + doc_link("unhashablestaticargument")) from None
    return value


def _leaf_sig(x):
    if type(x) is Array:
        v = x._value
        return (v.shape, v.dtype, x._weak)
    if type(x) in PY_SCALARS:
        a = get_aval(x)
        return (a.shape, a.dtype, a.weak_type)
    a = _aval(x)
    return (a.shape, a.dtype, a.weak_type)


def _aval(x):
    """A leaf's abstract value; a ShapeDtypeStruct stands for an array of its shape and dtype."""
    return x.aval() if isinstance(x, ShapeDtypeStruct) else get_aval(x)


def _is_array_like(x):
    if isinstance(x, (Array, np.ndarray, np.generic)) or type(x) in PY_SCALARS:
        return True
    try:
        backend.from_data(x)
    except TypeError:
        return False
    return True


def _raw(x):
    if type(x) is Array:
        return x._value
    if type(x) in PY_SCALARS:
        # JAX's mode: a Python scalar computes in its aval's type (float32 with x64 off)
        return np.asarray(x, get_aval(x).dtype) if avals.JAX_LATTICE else x
    return backend.from_data(x)  # a copy, as Array(x) makes: an output may be (a view of) it


def _argnames(static_argnames):
    """static_argnames as a tuple of strings (TypeError for anything else, as in JAX)."""
    names = (static_argnames,) if isinstance(static_argnames, str) else static_argnames
    try:
        names = tuple(names)
    except TypeError:
        names = None
    if names is None or not all(isinstance(n, str) for n in names):
        raise TypeError(f"jit: `static_argnames` must be a str or a sequence of str (parameter "
                        f"names), got {static_argnames!r:.60}; for positions use static_argnums")
    return names


def _check_static(params, pos, nums, names):
    """static_argnums and static_argnames against the function's signature, when the jit is
    made (JAX's ValueError; ArgumentError is one): a position or name it does not take."""
    kinds = {p.kind for p in params}
    if inspect.Parameter.VAR_POSITIONAL not in kinds:
        bad = [n for n in nums if not -len(pos) <= n < len(pos)]
        if bad:
            raise argument_error(
                f"jit: static_argnums={nums} names position {bad[0]}, but the function takes "
                f"{len(pos)} positional argument{'s' if len(pos) != 1 else ''} {tuple(pos)}; "
                "give the position of a parameter it has.")
    if inspect.Parameter.VAR_KEYWORD not in kinds:
        known = {p.name for p in params if p.kind != inspect.Parameter.VAR_POSITIONAL}
        bad = [n for n in names if n not in known]
        if bad:
            raise argument_error(
                f"jit: static_argnames={names} names {bad[0]!r}, which is not a parameter of "
                f"the function (its parameters: {sorted(known)}).")


class _Jitted:
    def __init__(self, fun, static_argnums, static_argnames):
        self.fun = check_callable(fun, "jit")
        self.static_argnums = argnums_tuple(static_argnums, "jit", "static_argnums",
                                           unique=False)[0]
        self.static_argnames = _argnames(static_argnames)
        # As in JAX, a static parameter stays static however it is passed: by position or by name.
        try:
            params = inspect.signature(fun).parameters.values()
        except (TypeError, ValueError):
            params = None
        pos = [] if params is None else [p.name for p in params if p.kind in (
            p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if params is not None:
            _check_static(params, pos, self.static_argnums, self.static_argnames)
        self.static_argnums += tuple(i for i, n in enumerate(pos) if n in self.static_argnames
                                     and i not in self.static_argnums)
        self.static_argnames += tuple(pos[i] for i in self.static_argnums
                                      if 0 <= i < len(pos) and pos[i] not in self.static_argnames)
        self._plain = not self.static_argnums and not self.static_argnames
        self._state = _shared_cache(fun, (self.static_argnums, self.static_argnames))
        # RetraceWarning counts this wrapper's own compiles: the cache is shared with every
        # jit(f) of the same f, but a new signature met through another wrapper (a test, a
        # loop re-creating jit(f)) is not this one's retracing
        self._compiles, self._last_key = 0, None
        functools.update_wrapper(self, fun, updated=())  # not fun.__dict__: it may hold a `fun` too

    # the shared state, under the names tests and tools read
    cache = property(lambda self: self._state.entries)
    traces = property(lambda self: self._state.traces)
    last_key = property(lambda self: self._state.last_key)

    @property
    def _fast_tree(self):
        """The structure the fast road tries (None before a call set it up)."""
        fast = self._state.fast
        return None if fast is None else fast[0]

    def clear_cache(self) -> None:
        """Forget every compiled signature of this function (shared by every jit of it)."""
        self._state.clear()
        self._compiles, self._last_key = 0, None

    def _split(self, args, kwargs):
        nums = {n % len(args) if -len(args) <= n < len(args) else n
                for n in self.static_argnums}
        static = tuple((i, _static_key(a, f"args[{i}]")) for i, a in enumerate(args) if i in nums)
        static += tuple((k, _static_key(v, f"`{k}`")) for k, v in sorted(kwargs.items())
                        if k in self.static_argnames)
        dyn_args = [a for i, a in enumerate(args) if i not in nums]
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        return static, nums, dyn_args, dyn_kwargs

    def _rebuild(self, args, kwargs, nums, dyn_args, dyn_kwargs):
        it = iter(dyn_args)
        full = [a if i in nums else next(it) for i, a in enumerate(args)]
        kw = {k: (v if k in self.static_argnames else dyn_kwargs[k]) for k, v in kwargs.items()}
        return full, kw

    def __call__(self, *args, **kwargs):
        fast = self._state.fast
        if (fast is not None and not backend.active and not config.debug_nans
                and not named_axes_active()):
            try:
                leaves = fast[0].flatten_up_to((args, kwargs))
            except Exception:  # another structure: the general road sorts it out (or raises)
                leaves = None
            if leaves is not None:
                found = fast_signature(leaves)
                if found is not None:
                    call = fast[1].get(found[0])
                    if call is not None:
                        return call(found[1])
        return self._call(args, kwargs)

    def _call(self, args, kwargs):
        static, nums, dyn_args, dyn_kwargs = self._split(args, kwargs)
        leaves, in_tree = tree.tree_flatten((dyn_args, dyn_kwargs))
        st = staging()
        if st is not None and not named_axes_active() and all(
                not isinstance(x, Tracer) or x._trace is st for x in leaves):
            # JAX's mode, directly inside jit or make_jaxpr: one `jit` equation, as JAX's
            return self._staged(args, kwargs, static, nums, in_tree, leaves)
        if any(isinstance(x, Tracer) for x in leaves) or named_axes_active():
            # inside another transform, or inside a vmap binding an axis name that the
            # function's collectives may use (a compiled form would outlive it): trace through
            return self.fun(*args, **kwargs)
        raws = self._raws(leaves, args, kwargs, nums)
        key = self._key(in_tree, leaves, static, raws)
        entry = self._state.entries.get(key)
        if entry is None:
            entry = self._compile(key, args, kwargs, nums, in_tree, leaves)
            if entry is None:  # the function closes over a traced value: trace through
                return self.fun(*args, **kwargs)
        if entry.consumes and config.debug_key_reuse:
            for i in entry.consumes:  # as JAX's: the call consumes the keys its trace did
                consumed.consume(leaves[i], f"jit({_fn_name(self.fun)})", i)
        elif entry.device is None and self._plain and not avals.JAX_LATTICE:
            self._note_fast(args, kwargs, leaves, entry)
        return self._run(entry, raws, args, kwargs)

    def _run(self, entry, raws, args, kwargs):
        if entry.device is not None:
            outs = backend.run_on(entry.device, entry.placed, entry.fn, entry.consts, raws)
        else:
            outs = entry.fn(*entry.consts, *raws)
        if config.debug_nans and any(np.isnan(o).any() for o in outs
                                     if backend.asarray(o).dtype.kind in "fc"):
            # Find the primitive, op by op, in the de-optimized function (this raises there).
            self.fun(*args, **kwargs)
        if avals.JAX_LATTICE:  # JAX's mode: outputs typed (weak types too) as the jaxpr says
            return tree.tree_unflatten(entry.out_tree, [
                wrap_typed(o, v.aval) for o, v in zip(outs, entry.jaxpr.outvars)])
        return tree.tree_unflatten(entry.out_tree, [wrap_value(o) for o in outs])

    def _note_fast(self, args, kwargs, leaves, entry):
        """Make calls with this structure and these leaves' signature take the fast road."""
        found = fast_signature(leaves)
        if found is None:
            return
        st = self._state
        td = tree.tree_structure((args, kwargs)).spec  # optree's own: no wrapper on the fast road
        sigs = st.fast_by_tree.get(td)
        if sigs is None:
            sigs = st.fast_by_tree[td] = {}
        if found[0] not in sigs:
            if entry.call is None:
                entry.call = fast_call(entry.fn, entry.consts, entry.out_tree.sorted_spec())
            sigs[found[0]] = entry.call
        st.fast = (td, sigs)

    def _key(self, in_tree, leaves, static, raws):
        """The cache key: the arguments' structure, avals and static values, and, once a GPU is
        in use, where they are (backend.placement)."""
        where = None
        if backend.active:
            where = backend.placement(f"jit({_fn_name(self.fun)})", raws)
        return (in_tree, tuple(_leaf_sig(x) for x in leaves), static, where)

    def _staged(self, args, kwargs, static, nums, in_tree, leaves):
        """The call as one equation of the enclosing jaxpr (jit_p), carrying the function's own
        jaxpr, traced once per signature as JAX's; the values it closes over that the enclosing
        trace traces are passed first (and such a jaxpr is not kept: they differ each time)."""
        if not all(_is_array_like(x) for x in leaves):
            self._raws(leaves, args, kwargs, nums)  # raises JAX's TypeError, naming the leaf
        key = (in_tree, tuple(_leaf_sig(x) for x in leaves), static, avals.X64)
        found = self._state.staged.get(key)
        if found is not None:
            closed, out_tree = found
            hoisted = []
        else:
            trees = []

            def flat(*ls):
                dyn_args, dyn_kwargs = tree.tree_unflatten(in_tree, ls)
                full, kw = self._rebuild(args, kwargs, nums, dyn_args, dyn_kwargs)
                outs, t = tree.tree_flatten(self.fun(*full, **kw))
                trees.append(t)
                return outs
            closed, hoisted, _ = trace_closed(flat, [_aval(x) for x in leaves], "jit")
            out_tree = trees[0]
            if not hoisted:
                with _cache_lock:
                    if len(self._state.staged) >= max(CACHE_SIZE, 1):
                        del self._state.staged[next(iter(self._state.staged))]
                    self._state.staged[key] = (closed, out_tree)
        outs = jit_p.bind(*hoisted, *leaves, name=_callee_name(self.fun), jaxpr=closed)
        return tree.tree_unflatten(out_tree, outs)

    def _trace(self, args, kwargs, nums, in_tree, leaves):
        with new_trace(JaxprTrace, "jit") as jt:
            names = _arg_names(self.fun, args, {k: v for k, v in kwargs.items()
                                                if k not in self.static_argnames}, nums)
            tracers = [jt.new_arg(_aval(x), n) for x, n in zip(leaves, names)]
            dyn_args, dyn_kwargs = tree.tree_unflatten(in_tree, tracers)
            full, kw = self._rebuild(args, kwargs, nums, dyn_args, dyn_kwargs)
            out = self.fun(*full, **kw)
            out_leaves, out_tree = tree.tree_flatten(out)
            closed = jt.build(out_leaves)
        # key-reuse checking: the arguments (typed keys' data) the function consumed
        consumes = (tuple(i for i, t in enumerate(tracers) if consumed.is_consumed(t))
                    if config.debug_key_reuse else ())
        return closed, out_tree, consumes

    def _compile(self, key, args, kwargs, nums, in_tree, leaves, warn=True):
        with _gc_paused():
            closed, out_tree, consumes = self._trace(args, kwargs, nums, in_tree, leaves)
            if any(isinstance(c, Tracer) for c in closed.consts):
                return None
            jaxpr, consts, records = run_passes(closed.jaxpr, closed.consts)
        consts = [_raw(c) for c in consts]
        device = placed = None
        if key[3] is not None:  # the arguments and the arrays the function closes over decide
            device, placed, consts = backend.settle_compiled(
                f"jit({_fn_name(self.fun)})", key[3], consts)
        fn, source = compile_jaxpr(jaxpr, _fn_name(self.fun), np if device is None else device.xp)
        entry = Lowered(jaxpr, consts, source, fn, out_tree, device, placed, records)
        entry.key = key  # (not the jit object: the cache must not hold the function)
        entry.consumes = consumes
        st = self._state
        with _cache_lock:
            st.entries[key] = entry
            if len(st.entries) > max(CACHE_SIZE, 1):
                # the oldest signatures go (several when CACHE_SIZE was lowered since); the
                # fast road's maps may hold them, so they restart
                while len(st.entries) > max(CACHE_SIZE, 1):
                    del st.entries[next(iter(st.entries))]
                st.fast_by_tree, st.fast = {}, None
        self._note_trace(key, warn)
        return entry

    def _note_trace(self, key, warn=True):
        st = self._state
        st.traces += 1
        st.last_key = key
        self._compiles += 1
        prev, self._last_key = self._last_key, key
        if warn and self._compiles > RETRACE_WARN_AFTER and prev is not None:
            site = user_site() or ("<unknown>", 0)
            warnings.warn_explicit(RetraceWarning(
                f"{_fn_name(self.fun)} has been traced and compiled {self._compiles} times. "
                f"{_what_changed(prev, key)} Each new signature costs a trace and a compile: "
                "keep shapes fixed (pad or bucket them), or make a changing Python value a "
                "dynamic argument rather than a static one. " + doc_link("retracewarning")),
                RetraceWarning, site[0], site[1])

    def _lowered(self, args, kwargs):
        """The cache entry for these arguments (ShapeDtypeStructs may stand for arrays),
        compiled if need be."""
        static, nums, dyn_args, dyn_kwargs = self._split(args, kwargs)
        leaves, in_tree = tree.tree_flatten((dyn_args, dyn_kwargs))
        raws = [None if isinstance(x, ShapeDtypeStruct) else _raw(x) for x in leaves]
        key = self._key(in_tree, leaves, static,
                        [] if any(r is None for r in raws) else raws)
        # (lowering for a look is no retrace in a loop: it does not warn)
        entry = self._state.entries.get(key) or self._compile(key, args, kwargs, nums, in_tree,
                                                              leaves, warn=False)
        if entry is None:
            raise FuncgradError("this function closes over a value traced by an enclosing "
                                "transform, so it has no standalone compiled form")
        return entry

    def lower(self, *args, **kwargs):
        """The optimized jaxpr and generated source for these arguments (see Lowered); arrays
        may be given as ShapeDtypeStructs. `.compile()` on it gives a function of arguments of
        this signature.

        >>> import funcgrad as fg, numpy as np
        >>> low = fg.jit(lambda x: x * 2.0).lower(fg.ShapeDtypeStruct((2,), np.float64))
        >>> low.out_info, low.compile()(np.ones(2))
        (ShapeDtypeStruct(shape=(2,), dtype=float64), Array([2., 2.], dtype=float64))
        """
        view = copy.copy(self._lowered(args, kwargs))  # the cached entry keeps no jit object
        view.jitted = self
        return view

    def trace(self, *args, **kwargs):
        """The function traced for these arguments, before jit's optimizations (see Traced):
        `.jaxpr`, `.out_info`, `.lower()`.

        >>> import funcgrad as fg, funcgrad.numpy as fnp
        >>> t = fg.jit(lambda x: fnp.sin(x) * 2.0).trace(fnp.ones(3))
        >>> t.out_info
        ShapeDtypeStruct(shape=(3,), dtype=float64)
        """
        static, nums, dyn_args, dyn_kwargs = self._split(args, kwargs)
        leaves, in_tree = tree.tree_flatten((dyn_args, dyn_kwargs))
        closed, out_tree, _ = self._trace(args, kwargs, nums, in_tree, leaves)
        return Traced(closed, out_tree, lambda: self.lower(*args, **kwargs), _fn_name(self.fun))

    def _run_compiled(self, lowered, args, kwargs):
        """A Compiled's call: these arguments must have the signature it was compiled for."""
        static, nums, dyn_args, dyn_kwargs = self._split(args, kwargs)
        leaves, in_tree = tree.tree_flatten((dyn_args, dyn_kwargs))
        raws = self._raws(leaves, args, kwargs, nums)
        key = self._key(in_tree, leaves, static, raws)
        if key != lowered.key:
            raise TypeError(
                f"this compiled {_fn_name(self.fun)} was compiled for other arguments: "
                f"{_what_changed(lowered.key, key)} Call the jitted function itself (it compiles "
                "each new signature), or lower and compile again for these arguments.")
        return self._run(lowered, raws, args, kwargs)

    def _raws(self, leaves, args, kwargs, nums):
        """The backend values of the leaves; a leaf that is no array (a string, an object) is
        JAX's TypeError, naming the argument it is in."""
        try:
            return [_raw(x) for x in leaves]
        except TypeError:
            names = _arg_names(self.fun, args, {k: v for k, v in kwargs.items()
                                                if k not in self.static_argnames}, nums)
            bad = next((i for i, x in enumerate(leaves) if not _is_array_like(x)), None)
            where = (f"`{names[bad]}`" if bad is not None and bad < len(names)
                     else "an argument")
            kind = type(leaves[bad]).__name__ if bad is not None else "a non-array"
            raise TypeError(
                f"jit({_fn_name(self.fun)}): the argument {where} has type {kind}, not an "
                f"array: every leaf of a jitted function's dynamic arguments must be an array "
                f"or a number.\n  at {user_frame()}\nPass it as an array, or mark the "
                "argument static (static_argnums / static_argnames) if it is a Python "
                "value the function branches on.") from None

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)


# ---- the jit equation ----------------------------------------------------------------------------
# JAX's mode stages a jitted function called inside jit or make_jaxpr as one equation carrying the
# function's jaxpr (JAX's `jit` equation); funcgrad's own mode inlines it. Transforms of it are
# transforms of its jaxpr; evaluated, it runs the jaxpr's generated code.

jit_p = Primitive("jit", multiple_results=True)
jit_p.impl = lambda *args, name, jaxpr: run(jaxpr, *args)


def _jit_abstract_eval(*avals, name, jaxpr):
    """The callee's output types, for operands of the types its jaxpr was traced for."""
    want = [v.aval for v in jaxpr.jaxpr.invars]
    if len(avals) != len(want):
        raise TypeError(f"jit equation {name}: {len(avals)} operands for a jaxpr of "
                        f"{len(want)} inputs; bind it with one operand per input of its jaxpr")
    for i, (got, w) in enumerate(zip(avals, want)):
        if got.shape != w.shape or got.dtype != w.dtype:
            raise TypeError(f"jit equation {name}: operand {i} is {got.str_short()}, but its "
                            f"jaxpr was traced for {w.str_short()}; trace the callee again for "
                            "these operands")
    return out_avals(jaxpr)


jit_p.abstract_eval = _jit_abstract_eval


def _jit_jvp(primals, tangents, *, name, jaxpr):
    nonzero = [t is not None for t in tangents]
    if not any(nonzero):
        return jit_p.bind(*primals, name=name, jaxpr=jaxpr), None
    outs = jit_p.bind(*primals, *[t for t in tangents if t is not None], name=name,
                      jaxpr=jvp_jaxpr(jaxpr, nonzero))
    n = len(out_avals(jaxpr))
    return outs[:n], outs[n:]


def _jit_vjp(ct, ans, args, positions, residuals, *, name, jaxpr):
    wanted = [i in positions for i in range(len(args))]
    got = iter(jit_p.bind(*args, *ct, name=name, jaxpr=vjp_jaxpr(jaxpr, wanted)))
    by_pos = {i: next(got) for i, w in enumerate(wanted) if w}
    return [by_pos.get(p) for p in positions]


def _jit_batch(args, dims, *, name, jaxpr):
    size = next(get_aval(a).shape[d] for a, d in zip(args, dims) if d is not None)
    outs = jit_p.bind(*args, name=name, jaxpr=batch_jaxpr(jaxpr, list(dims), size))
    return outs, [0] * len(outs)


jit_p.jvp = _jit_jvp
defvjp_all(jit_p, _jit_vjp)
jit_p.batch = _jit_batch
# effectful: the callee may print or check (debug.print), so the passes neither fold, merge nor
# drop the call; jit=None: generated code calls impl, which runs the callee's own code
jit_p.declare(fresh=False, jit=None, structured_batch=None, effectful=True, transfers=False,
              **RULE_FIRST, **NO_ALGEBRA)
# JAX prints the callee's name, then its jaxpr, named through from the call (CallJaxpr)
jit_p.printed_params = lambda params, eqn: [("name", params["name"]),
                                            ("jaxpr", CallJaxpr(params["jaxpr"]))]


def _callee_name(fun):
    """The name JAX gives a jitted function in its jaxpr (a partial's function's)."""
    while isinstance(fun, functools.partial):
        fun = fun.func
    return getattr(fun, "__name__", type(fun).__name__)


_gc_lock = threading.Lock()
_gc_pausers = 0  # compiles in progress (any thread) that paused the cyclic collector
_gc_was_enabled = False


@contextlib.contextmanager
def _gc_paused():
    """Tracing and the passes allocate an object graph that grows with the function, and the
    cyclic collector's full passes over it made trace + compile time grow faster than the
    number of equations (60 us/equation at 40,000 equations against 44 at 5,000). They create
    few cycles, so the collector waits until the last compile in any thread ends, and is then
    left as the program had it."""
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def _fn_name(fun):
    name = getattr(fun, "__name__", "jitted")
    # a keyword (`import`) is no name for the generated function's def
    return name if name.isidentifier() and not keyword.iskeyword(name) else "jitted"


def _arg_names(fun, args, kwargs, nums):
    try:
        params = [p.name for p in inspect.signature(fun).parameters.values()]
    except (TypeError, ValueError):
        params = []
    names = []
    for i, a in enumerate(args):
        if i in nums:
            continue
        base = params[i] if i < len(params) else f"args[{i}]"
        names.extend(base + tree.keystr(p) for p, _ in tree.leaves_with_path(a))
    for k, v in sorted(kwargs.items()):  # the order in which the dict of them flattens
        names.extend(k + tree.keystr(p) for p, _ in tree.leaves_with_path(v))
    return names


def _what_changed(prev, key):
    (t0, s0, st0, d0), (t1, s1, st1, d1) = prev, key
    if d0 != d1:
        return f"The arguments moved from {d0[0]} to {d1[0]}."
    if t0 != t1:
        return f"The structure of the arguments changed ({t0} -> {t1})."
    for i, (a, b) in enumerate(zip(s0, s1)):
        if a != b:
            return (f"Dynamic argument leaf {i} changed from {_sig_str(a)} to {_sig_str(b)}.")
    for (n0, v0), (n1, v1) in zip(st0, st1):
        if v0 != v1:
            return f"The static argument {n0} changed from {v0!r} to {v1!r}."
    return ""


def _sig_str(sig):
    shape, dtype, weak = sig
    return f"{np.dtype(dtype).name}{list(shape)}{' (weak)' if weak else ''}"


def jit(fun: Callable[..., Any] | None = None, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = ()) -> Callable[..., Any]:
    """Compile `fun`: trace it once per signature, optimize the jaxpr, generate straight-line
    array code. `fg.jit(f).lower(*args)` shows the optimized jaxpr and the generated source.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> f = fg.jit(lambda x: fnp.sin(x) * 2.0 + 1.0)
    >>> f(fnp.zeros(2))
    Array([1., 1.], dtype=float64)
    """
    if fun is None:
        return lambda f: jit(f, static_argnums, static_argnames)
    return _Jitted(fun, static_argnums, static_argnames)
