"""User-defined derivatives (custom_jvp, custom_vjp) and rematerialization (checkpoint).

Each is a primitive whose parameters are the user's functions over flat lists of arrays. Eagerly
(no transform active) the function simply runs."""
from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from . import tree
from ._core.array import Array, wrap_value
from ._core.errors import doc_link, user_frame
from ._core.ir import Literal
from ._core.primitive import NO_ALGEBRA, Primitive, defvjp_all
from ._core.trace import Tracer, as_leaf, bind, get_aval, new_trace
from ._core.validate import argnums_tuple, check_bool, check_callable
from .interpreters.ad import JVPTrace, JVPTracer, ReverseTrace, backward
from .interpreters.subjaxpr import out_avals, trace_closed
from ._api import vjp as _vjp
from ._vmap import vmap
from .lax._batching import batch_size, to_front
from .lax.linalg import dot_general_p
from .lax.shape import zeros_like_aval


class SymbolicZero:
    """A tangent or cotangent known to be zero, not materialized (JAX's
    custom_derivatives.SymbolicZero): what a rule defined with `symbolic_zeros=True` receives
    for an input nobody differentiates, and may return for a zero output tangent or cotangent.

    >>> import numpy as np
    >>> from funcgrad.custom_derivatives import SymbolicZero
    >>> z = SymbolicZero.from_primal(np.ones(2))
    >>> z.shape, z.instantiate()
    ((2,), Array([0., 0.], dtype=float64))
    """

    def __init__(self, aval: Any) -> None:
        self.aval = aval

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.aval.shape)

    @property
    def dtype(self) -> Any:
        return self.aval.dtype

    def instantiate(self) -> Any:
        """The zero as an array."""
        return zeros_like_aval(self.aval)

    @staticmethod
    def from_primal(x: Any) -> "SymbolicZero":
        """The symbolic zero tangent of primal x."""
        return SymbolicZero(get_aval(as_leaf(x)))

    def __repr__(self) -> str:
        return f"SymbolicZero({self.aval.str_short()})"


def zero_from_primal(x: Any) -> Any:
    """The symbolic zero tangents of a pytree of primals (JAX's
    custom_derivatives.zero_from_primal).

    >>> from funcgrad.custom_derivatives import zero_from_primal
    >>> zero_from_primal({"a": 1.0})
    {'a': SymbolicZero(f64[])}
    """
    return tree.tree_map(SymbolicZero.from_primal, x)


class CustomVJPPrimal:
    """What the fwd of a custom_vjp defined with `symbolic_zeros=True` receives for each
    argument leaf: its `value` and whether it is `perturbed` (differentiated)."""
    __slots__ = ("value", "perturbed")

    def __init__(self, value: Any, perturbed: bool) -> None:
        self.value, self.perturbed = value, perturbed

    def __repr__(self) -> str:
        return f"CustomVJPPrimal(value={self.value!r}, perturbed={self.perturbed})"


def _instantiate(t, like=None):
    """A (co)tangent that a rule returned as None or a SymbolicZero, as zeros (of `like`'s
    aval where the rule gave None)."""
    if isinstance(t, SymbolicZero):
        return t.instantiate()
    if t is None and like is not None:
        return zeros_like_aval(get_aval(like))
    return t


def _wrapped(vals):
    return [wrap_value(v) if not isinstance(v, (Array, Tracer)) and type(v) not in (
        bool, int, float, complex) else v for v in vals]


def _raw(outs):
    return [o._value if type(o) is Array else o for o in outs]


def _abstract_eval_by_tracing(*avals, fun, **_):
    closed, _, _ = trace_closed(fun, list(avals), "custom")
    return out_avals(closed)


def _resolve_kwargs(fun, args, kwargs):
    """The arguments of a custom_jvp/custom_vjp call, all positional with defaults filled in, as
    JAX has them: the rules see every argument by position."""
    try:
        sig = _SIGNATURES[fun]
    except (KeyError, TypeError):  # (TypeError: a callable without weak references)
        try:
            sig = inspect.signature(fun)
        except (TypeError, ValueError):  # a builtin without one: the call as it is
            sig = None
        try:
            _SIGNATURES[fun] = sig
        except TypeError:
            pass
    if sig is None or (not kwargs and len(args) >= len(sig.parameters)):
        return args
    try:
        ba = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{getattr(fun, '__name__', 'f')}: {e}") from None
    ba.apply_defaults()
    if ba.kwargs:
        raise TypeError(f"{getattr(fun, '__name__', 'f')} was called with keyword-only "
                        f"arguments {sorted(ba.kwargs)}, which a custom_jvp/custom_vjp function "
                        "cannot take: make them positional (or close over them).")
    return ba.args


_SIGNATURES: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()


def _split_static(args, nondiff_argnums):
    static = {i: args[i] for i in nondiff_argnums}
    dyn = [a for i, a in enumerate(args) if i not in static]
    return static, dyn


def _flatten_args(args, nondiff_argnums):
    """(static args by position, dynamic args, their leaves, their tree structure)."""
    static, dyn = _split_static(args, nondiff_argnums)
    leaves, in_tree = tree.tree_flatten(dyn)
    return static, dyn, [as_leaf(x) for x in leaves], in_tree


def _traced_call(fn, kind, rule, define, args):
    """The arguments of a call of custom_jvp / custom_vjp function `fn` split into (static args
    by position, dynamic args, their leaves, their tree structure, the static args in order), or
    None when no transform sees the call. A function whose rule is not defined yet is an
    error."""
    if rule is None:
        raise TypeError(f"{kind} function {fn.__name__} has no derivative rule yet: define one "
                        f"with {define}")
    static, dyn, leaves, in_tree = _flatten_args(args, fn.nondiff_argnums)
    if not any(isinstance(x, Tracer) for x in leaves):
        return None
    return static, dyn, leaves, in_tree, [static[i] for i in sorted(static)]


def _flat(fun, static, in_tree, out_tree):
    """fun over the flat leaves of its dynamic arguments, returning flat leaves and recording the
    output structure in out_tree[0] (filled whenever the function runs)."""
    def fun_flat(*ls):
        out = fun(*_merge(static, tree.tree_unflatten(in_tree, ls)))
        o, t = tree.tree_flatten(out)
        out_tree[:] = [t]
        return [as_leaf(x) for x in o]
    fun_flat.__name__ = getattr(fun, "__name__", "f")
    return fun_flat


def _merge(static, dyn):
    it = iter(dyn)
    return [static[i] if i in static else next(it) for i in range(len(static) + len(dyn))]


def _call_primitive(name, impl, jvp, vjp, batch, vjp_fwd=None):
    """A primitive that calls a user function given as its parameter `fun` (custom_jvp,
    custom_vjp, checkpoint): evaluated by calling it, its shapes found by tracing it, its results
    possibly its inputs (so never fresh buffers for jit), differentiable in every argument."""
    p = Primitive(name, multiple_results=True)
    p.declare(impl=impl, impl_checks_input=False, abstract_eval=_abstract_eval_by_tracing,
              jvp=jvp, batch=batch,
              structured_batch=None, jit=None, fresh=False, effectful=False, nondiff=False,
              transfers=False, **NO_ALGEBRA)
    defvjp_all(p, vjp, vjp_fwd=vjp_fwd)
    return p


def _vmapped(fn, dims, size):
    """fn over flat batched inputs (batch axis at dims[i] or None) -> flat outputs batched at 0."""
    return lambda *xs: vmap(lambda *a: list(fn(*a)), in_axes=tuple(dims), axis_size=size)(*xs)


# ---- custom_jvp ---------------------------------------------------------------------------------

def _zero_tangent(primal, symbolic):
    return SymbolicZero(get_aval(primal)) if symbolic else zeros_like_aval(get_aval(primal))


def _custom_jvp_jvp(primals, tangents, *, fun, jvp):
    symbolic = getattr(jvp, "symbolic_zeros", False)
    tangents = [_zero_tangent(p, symbolic) if t is None else t
                for p, t in zip(primals, tangents)]
    return jvp(list(primals), tangents)


def _custom_jvp_vjp(ct, ans, args, positions, residuals, *, fun, jvp):
    # The rule's tangent map is linear: its transpose is its VJP in the tangents.
    zeros = [_zero_tangent(a, getattr(jvp, "symbolic_zeros", False)) for a in args]

    def tangent_map(*ts):
        full = list(zeros)
        for p, t in zip(positions, ts):
            full[p] = t
        return jvp(list(args), full)[1]
    _, vjp_fn = _vjp(tangent_map, *[zeros_like_aval(get_aval(args[p])) for p in positions])
    return list(vjp_fn(list(ct)))


def _custom_jvp_batch(args, dims, *, fun, jvp):
    size = batch_size(args, dims)
    args = [to_front(a, d, size) for a, d in zip(args, dims)]
    zero_dims = [0] * len(args)
    fun_b = _vmapped(fun, zero_dims, size)

    def jvp_b(primals, tangents):
        n = len(primals)
        outs = _vmapped(lambda *a: _flat_pair(jvp(list(a[:n]), list(a[n:]))),
                        [0] * (2 * n), size)(*primals, *[to_front(t, None, size)
                                                         if get_aval(t).ndim < get_aval(p).ndim
                                                         else t for p, t in
                                                         zip(primals, tangents)])
        half = len(outs) // 2
        return outs[:half], outs[half:]
    outs = custom_jvp_call_p.bind(*args, fun=fun_b, jvp=jvp_b)
    return outs, [0] * len(outs)


def _flat_pair(pair):
    outs, touts = pair
    return list(outs) + list(touts)


custom_jvp_call_p = _call_primitive(
    "custom_jvp_call", lambda *vals, fun, jvp: _raw(fun(*_wrapped(vals))), _custom_jvp_jvp,
    _custom_jvp_vjp, _custom_jvp_batch)


class custom_jvp:
    """A function with a forward-mode derivative of your own (and reverse mode derived from it).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> @fg.custom_jvp
    ... def log1pexp(x):
    ...     return fnp.log(1. + fnp.exp(x))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     x, = primals
    ...     t, = tangents
    ...     return log1pexp(x), t * (1. - 1. / (1. + fnp.exp(x)))
    >>> fg.grad(log1pexp)(100.)
    Array(1., dtype=float64)
    """

    __name__: str  # functools.update_wrapper copies fun's

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        self.fun = check_callable(fun, "custom_jvp")
        self.nondiff_argnums = argnums_tuple(nondiff_argnums, "custom_jvp", "nondiff_argnums")[0]
        self.jvp: Callable[..., Any] | None = None
        self.symbolic_zeros = False
        functools.update_wrapper(self, fun, updated=())  # not fun.__dict__: it may hold a `fun` too

    def defjvp(self, jvp: Callable[..., Any], symbolic_zeros: bool = False) -> Callable[..., Any]:
        """jvp(primals, tangents) -> (primal_out, tangent_out); with nondiff_argnums, the
        non-differentiable arguments come first: jvp(*nondiff, primals, tangents). With
        `symbolic_zeros=True`, the tangent of an input nobody differentiates is a SymbolicZero
        (and the rule may return one)."""
        self.jvp = check_callable(jvp, "defjvp", "jvp")
        self.symbolic_zeros = check_bool(symbolic_zeros, "defjvp", "symbolic_zeros")
        return jvp

    def defjvps(self, *jvps: Callable[..., Any] | None) -> None:
        """One rule per argument: jvps[i](tangent_i, primal_out, *primals) is argument i's
        contribution to the output tangent (None: the output does not depend on it); the
        contributions add up.

        >>> import funcgrad as fg, funcgrad.numpy as fnp
        >>> @fg.custom_jvp
        ... def f(x, y):
        ...     return fnp.sin(x) * y
        >>> f.defjvps(lambda x_dot, ans, x, y: fnp.cos(x) * x_dot * y,
        ...           lambda y_dot, ans, x, y: fnp.sin(x) * y_dot)
        >>> fg.grad(f, argnums=(0, 1))(0.0, 2.0)
        (Array(2., dtype=float64), Array(0., dtype=float64))
        """
        if self.nondiff_argnums:
            raise TypeError(f"custom_jvp function {self.__name__}: defjvps cannot be used with "
                            "nondiff_argnums; define the rule with defjvp, which receives the "
                            "non-differentiable arguments first.")
        for i, r in enumerate(jvps):
            if r is not None:
                check_callable(r, "defjvps", f"jvps[{i}]")

        def jvp(primals, tangents):
            if len(jvps) != len(primals):
                raise TypeError(f"custom_jvp function {self.__name__} takes {len(primals)} "
                                f"arguments but defjvps was given {len(jvps)} rules: pass one "
                                "per argument (None for one without a derivative).")
            ans = self(*primals)
            total = None
            for rule, t in zip(jvps, tangents):
                if rule is None or all(isinstance(x, SymbolicZero) for x in tree.tree_leaves(
                        t, is_leaf=lambda v: isinstance(v, SymbolicZero))):
                    continue
                part = rule(t, ans, *primals)
                total = part if total is None else tree.tree_map(lambda a, b: a + b, total, part)
            return ans, zero_from_primal(ans) if total is None else total
        jvp.__name__ = f"{self.__name__}_jvps"
        self.defjvp(jvp, symbolic_zeros=True)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        args = _resolve_kwargs(self.fun, args, kwargs)
        split = _traced_call(self, "custom_jvp", self.jvp, f"@{self.__name__}.defjvp", args)
        if split is None:
            return self.fun(*args)  # no transform is looking: the function itself
        static, dyn, leaves, in_tree, nondiff = split
        out_tree: list[Any] = []

        fun_flat = _flat(self.fun, static, in_tree, out_tree)

        def jvp_flat(primals, tangents):
            p = tree.tree_unflatten(in_tree, primals)
            t = tree.tree_unflatten(in_tree, tangents)
            out, tout = self.jvp(*nondiff, tuple(p), tuple(t))
            o, ot = tree.tree_flatten(out)
            to, tt = tree.tree_flatten(tout, is_leaf=lambda v: isinstance(v, SymbolicZero))
            to = [_instantiate(t) for t in to]
            if ot != tt:
                raise TypeError(f"the custom_jvp rule of {self.__name__} returned a primal "
                                f"output {ot} and a tangent output {tt} of different structures")
            for a, b in zip(o, to):
                sa, sb = get_aval(as_leaf(a)).shape, get_aval(as_leaf(b)).shape
                if sa != sb:
                    raise TypeError(f"the custom_jvp rule of {self.__name__} returned a tangent "
                                    f"of shape {sb} for a primal output of shape {sa}; each "
                                    "tangent must have its primal output's shape")
            out_tree[:] = [ot]
            return [as_leaf(x) for x in o], [as_leaf(x) for x in to]

        jvp_flat.__name__ = getattr(self.jvp, "__name__", "jvp")
        jvp_flat.symbolic_zeros = self.symbolic_zeros  # type: ignore[attr-defined]
        outs = custom_jvp_call_p.bind(*leaves, fun=fun_flat, jvp=jvp_flat)
        return tree.tree_unflatten(out_tree[0], outs)


# ---- custom_vjp ---------------------------------------------------------------------------------

def _custom_vjp_jvp(primals, tangents, *, fun, fwd, bwd):
    raise TypeError(
        "forward-mode differentiation (jvp, jacfwd, linearize) of a custom_vjp function "
        f"is not defined: its rule only says how to pull cotangents back.\n  at {user_frame()}\n"
        "Use reverse mode (fg.grad, fg.vjp, fg.jacrev), or define the derivative with "
        "fg.custom_jvp instead, which serves both modes. " + doc_link("customvjpforwardmode"))


def _custom_vjp_fwd(*primals, fun, fwd, bwd):
    outs, res = fwd(*primals)
    return outs, res


def _custom_vjp_vjp(ct, ans, args, positions, residuals, *, fun, fwd, bwd):
    cts = bwd(residuals, list(ct))
    return [cts[p] for p in positions]


def _custom_vjp_batch(args, dims, *, fun, fwd, bwd):
    size = batch_size(args, dims)
    args = [to_front(a, d, size) for a, d in zip(args, dims)]
    zero = [0] * len(args)
    fun_b = _vmapped(fun, zero, size)

    def fwd_b(*xs):
        n_out = []

        def flat(*a):
            outs, res = fwd(*a)
            n_out[:] = [len(outs)]
            return list(outs) + list(res)
        both = _vmapped(flat, zero, size)(*xs)
        return both[:n_out[0]], both[n_out[0]:]

    def bwd_b(res, ct):
        nr = len(res)
        cts = _vmapped(lambda *a: [c if c is not None else zeros_like_aval(get_aval(x))
                                   for c, x in zip(bwd(list(a[:nr]), list(a[nr:])), args)],
                       [0] * (nr + len(ct)), size)(*res, *ct)
        return cts
    outs = custom_vjp_call_p.bind(*args, fun=fun_b, fwd=fwd_b, bwd=bwd_b)
    return outs, [0] * len(outs)


custom_vjp_call_p = _call_primitive(
    "custom_vjp_call", lambda *vals, fun, fwd, bwd: _raw(fun(*_wrapped(vals))), _custom_vjp_jvp,
    _custom_vjp_vjp, _custom_vjp_batch, _custom_vjp_fwd)


class custom_vjp:
    """A function with a reverse-mode derivative of your own.

    fwd(*args) -> (out, residuals); bwd(residuals, ct) -> one cotangent per argument (with
    nondiff_argnums, bwd(*nondiff, residuals, ct) and no cotangents for those).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> @fg.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> def fwd(x):
    ...     return x, None
    >>> def bwd(res, g):
    ...     return (fnp.clip(g, -1.0, 1.0),)
    >>> clip_gradient.defvjp(fwd, bwd)
    >>> fg.grad(lambda x: 10 * clip_gradient(x))(2.0)
    Array(1., dtype=float64)
    """

    __name__: str  # functools.update_wrapper copies fun's

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        self.fun = check_callable(fun, "custom_vjp")
        self.nondiff_argnums = argnums_tuple(nondiff_argnums, "custom_vjp", "nondiff_argnums")[0]
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None
        self.symbolic_zeros = self.optimize_remat = False
        functools.update_wrapper(self, fun, updated=())  # not fun.__dict__: it may hold a `fun` too

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any],
               symbolic_zeros: bool = False, optimize_remat: bool = False) -> None:
        """fwd(*args) -> (out, residuals), bwd(residuals, ct) -> a cotangent per argument.
        With `symbolic_zeros=True`, fwd receives each argument leaf as a CustomVJPPrimal (its
        value and whether it is perturbed) and bwd may return SymbolicZero (or None) for zero
        cotangents; funcgrad hands bwd materialized zero cotangents. `optimize_remat` is
        accepted for JAX's signature: funcgrad runs fwd once in reverse mode either way."""
        self.fwd = check_callable(fwd, "defvjp", "fwd")
        self.bwd = check_callable(bwd, "defvjp", "bwd")
        self.symbolic_zeros = check_bool(symbolic_zeros, "defvjp", "symbolic_zeros")
        self.optimize_remat = check_bool(optimize_remat, "defvjp", "optimize_remat")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        args = _resolve_kwargs(self.fun, args, kwargs)
        split = _traced_call(self, "custom_vjp", self.fwd, f"{self.__name__}.defvjp(fwd, bwd)",
                             args)
        if split is None:
            return self.fun(*args)  # no transform is looking: the function itself
        static, dyn, leaves, in_tree, nondiff = split
        out_tree: list[Any] = []
        res_tree: list[Any] = []
        perturbed = [isinstance(x, Tracer) for x in leaves]

        fun_flat = _flat(self.fun, static, in_tree, out_tree)

        def fwd_flat(*ls):
            if self.symbolic_zeros:
                ls = [CustomVJPPrimal(v, d) for v, d in zip(ls, perturbed)]
            res = self.fwd(*_merge(static, tree.tree_unflatten(in_tree, ls)))
            if not (isinstance(res, (tuple, list)) and len(res) == 2):
                raise TypeError(f"the fwd of custom_vjp function {self.__name__} must return a "
                                "pair (output, residuals)")
            o, t = tree.tree_flatten(res[0])
            r, rt = tree.tree_flatten(res[1])
            out_tree[:] = [t]
            res_tree[:] = [rt]
            return [as_leaf(x) for x in o], list(r)

        def bwd_flat(res, ct):
            g = self.bwd(*nondiff, tree.tree_unflatten(res_tree[0], res),
                         tree.tree_unflatten(out_tree[0], ct))
            if not isinstance(g, (tuple, list)) or len(g) != len(dyn):
                got = tree.tree_structure(g, is_leaf=lambda v: v is None)
                raise TypeError(
                    f"the bwd of custom_vjp function {self.__name__} must return a tuple with one "
                    f"cotangent per differentiable argument ({len(dyn)}), got "
                    f"{type(g).__name__}{f' of length {len(g)}' if isinstance(g, (tuple, list)) else ''}"
                    f": its structure is {got}, the arguments' {tree.tree_structure(tuple(dyn))}. "
                    "Return a tuple, e.g. `return (g_x,)` for one argument, None for an argument "
                    "without a cotangent.")
            flat = []
            for i, (gi, d) in enumerate(zip(g, dyn)):
                spec = tree.tree_structure(d)
                if gi is None or isinstance(gi, SymbolicZero):
                    flat.extend([None] * spec.num_leaves)
                    continue
                try:  # None for a part of the argument: a zero cotangent there
                    got = spec.flatten_up_to(gi)
                except (ValueError, TypeError):
                    raise TypeError(
                        f"the bwd of custom_vjp function {self.__name__} returned for argument "
                        f"{i} a cotangent of structure {tree.tree_structure(gi)}, but the "
                        f"argument has structure {spec}: each cotangent must have its "
                        "argument's structure (None for a zero cotangent).") from None
                shapes = [(get_aval(as_leaf(c)).shape, get_aval(as_leaf(x)).shape)
                          for c, x in zip(got, tree.tree_leaves(d))
                          if c is not None and not isinstance(c, SymbolicZero)]
                if any(a != b for a, b in shapes):  # JAX's class for a type mismatch
                    want = ", ".join(str(get_aval(as_leaf(x)).shape)
                                     for x in tree.tree_leaves(d))
                    raise ValueError(
                        f"the bwd of custom_vjp function {self.__name__} returned for argument "
                        f"{i} a cotangent of shapes {', '.join(str(a) for a, _ in shapes)}, but "
                        f"the argument has structure {spec} and shapes {want}: the shapes do not "
                        "match; each cotangent must have its argument's shape (None for a zero "
                        "cotangent).")
                flat.extend(None if isinstance(c, SymbolicZero) else c for c in got)
            return flat

        fwd_flat.__name__ = getattr(self.fwd, "__name__", "fwd")
        bwd_flat.__name__ = getattr(self.bwd, "__name__", "bwd")
        outs = custom_vjp_call_p.bind(*leaves, fun=fun_flat, fwd=fwd_flat, bwd=bwd_flat)
        return tree.tree_unflatten(out_tree[0], outs)


# ---- checkpoint ---------------------------------------------------------------------------------

class checkpoint_policies:
    """Which intermediate results checkpoint keeps from the forward pass (the rest are
    recomputed in the backward pass): policy(prim, *args, **params) -> bool."""

    @staticmethod
    def nothing_saveable(prim: Primitive, *args: Any, **params: Any) -> bool:
        return False

    @staticmethod
    def everything_saveable(prim: Primitive, *args: Any, **params: Any) -> bool:
        return True

    @staticmethod
    def dots_saveable(prim: Primitive, *args: Any, **params: Any) -> bool:
        return prim is dot_general_p

    @staticmethod
    def dots_with_no_batch_dims_saveable(prim: Primitive, *args: Any, **params: Any) -> bool:
        return prim is dot_general_p and not params["dimension_numbers"][1][0]


def _remat_jvp(primals, tangents, *, fun, policy):
    with new_trace(JVPTrace, "jvp") as trace:
        ins = [p if t is None else JVPTracer(trace, p, t) for p, t in zip(primals, tangents)]
        outs = fun(*ins)
        ps = [o.primal if isinstance(o, JVPTracer) and o._trace is trace else o for o in outs]
        ts = [o.tangent if isinstance(o, JVPTracer) and o._trace is trace else None
              for o in outs]
    return ps, ts


def _remat_fwd(*primals, fun, policy):
    """The forward pass keeps only the inputs (and what `policy` saves), not the intermediates."""
    if policy is None:
        return fun(*primals), None
    closed, hoisted, _ = trace_closed(fun, [get_aval(p) for p in primals], "checkpoint")
    saved = {}

    def run(k, e, ins):
        out = bind(e.prim, *ins, **e.params)
        if policy(e.prim, *ins, **e.params):
            saved[k] = out
        return out
    return _run_jaxpr(closed, hoisted, primals, run), (closed, hoisted, saved)


def _remat_vjp(ct, ans, args, positions, residuals, *, fun, policy):
    with new_trace(ReverseTrace, "checkpoint") as trace:
        ins = [trace.new_input(a) if i in positions else a for i, a in enumerate(args)]
        if residuals is None:
            outs = fun(*ins)
        else:
            outs = _replay(trace, residuals, ins)
    roots = [(o.node, o.index, c) for o, c in zip(outs, ct)
             if getattr(o, "_trace", None) is trace]
    leaf_cts = backward(roots)
    return [leaf_cts.get(ins[p].node) for p in positions]


def _replay(trace, residuals, ins):
    """Evaluate the checkpointed jaxpr again, taking saved results instead of recomputing them
    (recorded with their inputs, so derivatives still flow through them)."""
    closed, hoisted, saved = residuals
    return _run_jaxpr(closed, hoisted, ins, lambda k, e, vals: (
        trace.record(e.prim, vals, e.params, saved[k]) if k in saved
        else bind(e.prim, *vals, **e.params)))


def _run_jaxpr(closed, hoisted, ins, run):
    """The outputs of `closed` on its hoisted constants and `ins`, where run(k, eqn, inputs)
    gives equation k's result."""
    jaxpr = closed.jaxpr
    env = dict(zip(jaxpr.constvars, closed.consts))
    env.update(zip(jaxpr.invars, list(hoisted) + list(ins)))
    read = lambda v: v.val if isinstance(v, Literal) else env[v]  # noqa: E731
    for k, e in enumerate(jaxpr.eqns):
        out = run(k, e, [read(v) for v in e.invars])
        for v, o in zip(e.outvars, out if e.prim.multiple_results else [out]):
            env[v] = o
    return [read(v) for v in jaxpr.outvars]


def _remat_batch(args, dims, *, fun, policy):
    size = batch_size(args, dims)
    args = [to_front(a, d, size) for a, d in zip(args, dims)]
    outs = remat_p.bind(*args, fun=_vmapped(fun, [0] * len(args), size), policy=policy)
    return outs, [0] * len(outs)


remat_p = _call_primitive(
    "checkpoint", lambda *vals, fun, policy: _raw(fun(*_wrapped(vals))), _remat_jvp, _remat_vjp,
    _remat_batch, _remat_fwd)


def checkpoint(fun: Callable[..., Any], policy: Callable[..., bool] | None = None,
               static_argnums: int | Sequence[int] = ()) -> Callable[..., Any]:
    """`fun`, but under reverse mode its intermediate results are recomputed in the backward
    pass instead of stored (less memory for more compute). `policy` may keep some, e.g.
    checkpoint_policies.dots_saveable keeps matrix products.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> f = fg.checkpoint(lambda x: fnp.sin(fnp.sin(x)))
    >>> fg.grad(f)(0.0)
    Array(1., dtype=float64)
    """
    check_callable(fun, "checkpoint")
    if policy is not None:
        check_callable(policy, "checkpoint", "policy")
    static_argnums = argnums_tuple(static_argnums, "checkpoint", "static_argnums")[0]

    @functools.wraps(fun)
    def wrapped(*args):
        static, _, leaves, in_tree = _flatten_args(args, static_argnums)
        if not any(isinstance(x, Tracer) for x in leaves):
            return fun(*args)
        out_tree: list[Any] = []
        outs = remat_p.bind(*leaves, fun=_flat(fun, static, in_tree, out_tree), policy=policy)
        return tree.tree_unflatten(out_tree[0], outs)
    return wrapped


remat = checkpoint
