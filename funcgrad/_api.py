"""The user-facing transforms: grad, value_and_grad, vjp, jvp, linearize, make_jaxpr."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import tree
from ._core import avals
from ._core.array import Array, with_weak_type, wrap_value
from ._core.avals import PY_SCALARS
from ._core.errors import GradInputError, GradOutputError, doc_link, user_frame
from ._core.ir import ClosedJaxpr, eval_jaxpr
from ._core.trace import Tracer, get_aval, new_trace
from ._core.validate import (argnums_tuple, argument_error, check_bool, check_callable,
                             resolve_argnums)
from .interpreters.ad import (JVPTrace, JVPTracer, ReverseTrace, ReverseTracer, backward,
                              backward_tape, fit_tangent, unwrap, zeros_like)
from .interpreters.partial_eval import JaxprTrace
from .interpreters.passes import dce
from .interpreters.stages import ShapeDtypeStruct
from .lax.autodiff import stop_gradient, stop_gradient_p  # noqa: F401 (funcgrad.stop_gradient)
from .lax.device import on_device_of

# ---- helpers ----------------------------------------------------------------------------------


def _as_array(x):
    if isinstance(x, (Array, Tracer)):
        return x
    if type(x) in PY_SCALARS or isinstance(x, (np.ndarray, np.generic, list, tuple)):
        return Array(x)
    raise TypeError(f"expected an array or a Python scalar as a leaf, got {type(x).__name__}: "
                    f"{x!r:.80}")


def _argnums_tuple(fun, argnums, nargs, who="grad"):
    """argnums as (positions among nargs arguments, was_a_sequence); checked by the shared
    argnums checks (a transform checks its argnums once, when made, with argnums_tuple)."""
    nums, many = argnums if isinstance(argnums, _Argnums) else argnums_tuple(argnums, who)
    if all(0 <= n < nargs for n in nums):  # the common case: distinct already (argnums_tuple)
        return nums, many
    return resolve_argnums(nums, nargs, who, _name(fun)), many


class _Argnums(tuple):
    """(nums, many) from argnums_tuple, checked when the transform was made."""
    __slots__ = ()


def checked_argnums(argnums, who):
    """argnums checked once, when a transform is made (type, repeats); the range is checked at
    each call, against the number of arguments it gets."""
    return argnums if isinstance(argnums, _Argnums) else _Argnums(
        argnums_tuple(argnums, who, empty_ok=False))


def _name(fun):
    name = getattr(fun, "__name__", type(fun).__name__)
    return "f" if name == "<lambda>" else name


def _param_names(fun, nargs):
    try:
        ps = [p.name for p in inspect.signature(fun).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        ps = []
    return [ps[i] if i < len(ps) else f"args[{i}]" for i in range(nargs)]


def _leaf_names(base, x):
    return [base + tree.keystr(p) for p, _ in tree.leaves_with_path(x)]


def _unwrap(x, trace, cls):
    return x.primal if isinstance(x, cls) and x._trace is trace else x


# ---- reverse mode -------------------------------------------------------------------------------


def _flat_inputs(dyn_args):
    """(treedefs, leaves as arrays) of each differentiated argument."""
    in_trees, in_leaves = [], []
    for a in dyn_args:
        leaves, td = tree.tree_flatten(a)
        in_trees.append(td)
        in_leaves.append([_as_array(v) for v in leaves])
    return in_trees, in_leaves


def _vjp_flat(fun, trace, dyn_args, positions, args, kwargs, flat=None):
    """Run fun with the leaves of args[positions] as reverse-mode inputs (`flat`: their
    _flat_inputs, where the caller has them already)."""
    in_trees, in_leaves = _flat_inputs(dyn_args) if flat is None else flat
    in_nodes = []
    args = list(args)
    for pos, td, leaves in zip(positions, in_trees, in_leaves):
        tracers = [trace.new_input(v) for v in leaves]
        in_nodes.append([t.node for t in tracers])
        args[pos] = tree.tree_unflatten(td, tracers)
    return fun(*args, **kwargs), in_nodes, in_trees, in_leaves


def _cotangents(leaf_cts, in_nodes, in_trees, in_leaves):
    out = []
    for nodes, td, leaves in zip(in_nodes, in_trees, in_leaves):
        cts = [leaf_cts.get(n) for n in nodes]
        cts = [zeros_like(x) if c is None else c for c, x in zip(cts, leaves)]
        if avals.JAX_LATTICE:  # JAX's mode: each gradient weakly typed as its input is
            cts = [with_weak_type(c, get_aval(x).weak_type) for c, x in zip(cts, leaves)]
        out.append(tree.tree_unflatten(td, cts))
    return out


def _out_roots(out_leaves, cts, trace):
    roots = []
    for o, ct in zip(out_leaves, cts):
        if isinstance(o, ReverseTracer) and o._trace is trace and ct is not None:
            roots.append((o.node, o.index, ct))
    return roots


def _check_grad_inputs(fun, args, positions, allow_int, in_leaves=None, who="grad",
                       holomorphic=False, real_only=False):
    """JAX's input dtype rules of `who` (grad, jacrev, jacfwd): a TypeError (GradInputError)
    unless every leaf of args[positions] (`in_leaves`: as _flat_inputs gives them) is complex
    where `holomorphic`, else floating point (or complex, unless `real_only`: jacfwd's rule), or
    allow_int."""
    if allow_int and not holomorphic:
        return
    if in_leaves is None:
        in_leaves = _flat_inputs([args[p] for p in positions])[1]
    ok = "c" if holomorphic else "f" if real_only else "fc"
    for pos, leaves in zip(positions, in_leaves):
        for k, leaf in enumerate(leaves):
            dt = leaf._value.dtype if leaf.__class__ is Array else get_aval(leaf).dtype
            if dt.kind not in ok:
                name = _leaf_names(_param_names(fun, len(args))[pos], args[pos])[k]
                _raise_input_dtype(fun, who, name, dt, holomorphic, real_only)


def _raise_input_dtype(fun, who, name, dt, holomorphic, real_only):
    f = _name(fun)
    if holomorphic:
        raise GradInputError(
            f"{who} with holomorphic=True requires inputs with complex dtype, but argument "
            f"`{name}` has dtype {dt.name}.\n  at {user_frame()}\nPass a complex input, e.g. "
            f"x.astype(fnp.complex128), or drop holomorphic=True for a real input. "
            + doc_link("gradinputerror"))
    if real_only and dt.kind == "c":
        raise GradInputError(
            f"{who} requires real-valued inputs (a floating dtype), but argument `{name}` has "
            f"dtype {dt.name}.\n  at {user_frame()}\nFor holomorphic differentiation, pass "
            f"fg.{who}({f}, holomorphic=True); for a non-holomorphic function of complex inputs, "
            f"use fg.jacrev({f}) or fg.jvp directly. " + doc_link("gradinputerror"))
    raise GradInputError(
        f"{who} of {f} can only differentiate with respect to floating-point "
        f"{'' if real_only else '(or complex) '}inputs, but argument `{name}` has dtype "
        f"{dt.name}.\n  at {user_frame()}\n"
        f"Pass a float, e.g. {f}(3.0) instead of {f}(3), or x.astype(fnp.float64)"
        + ("; for integer inputs, use fg.jvp directly. " if who == "jacfwd" else
           f"; or, if the integer input is intended (its gradient is then a float0 zero), use "
           f"fg.{who}({f}, allow_int=True). ") + doc_link("gradinputerror"))


def _check_outputs_dtype(fun, who, avals, holomorphic):
    """JAX's output dtype rules of jacrev/jacfwd: complex where `holomorphic`; jacrev's outputs
    otherwise real floating point (a complex output has no real Jacobian by reverse mode)."""
    for a in avals:
        if holomorphic and a.dtype.kind != "c":
            raise GradOutputError(
                f"{who} with holomorphic=True requires outputs with complex dtype, but "
                f"{_name(fun)} returned an output of dtype {a.dtype.name}.\n  at {user_frame()}\n"
                "Return a complex value, or drop holomorphic=True. " + doc_link("gradoutputerror"))
        if not holomorphic and who == "jacrev" and a.dtype.kind != "f":
            fix = ("For holomorphic differentiation, pass holomorphic=True; for a "
                   f"non-holomorphic function, differentiate its real and imaginary parts "
                   f"(fnp.real, fnp.imag) separately." if a.dtype.kind == "c" else
                   "For integer outputs, use fg.vjp directly.")
            raise GradOutputError(
                f"jacrev requires real-valued outputs (a floating dtype), but {_name(fun)} "
                f"returned an output of dtype {a.dtype.name}.\n  at {user_frame()}\n{fix} "
                + doc_link("gradoutputerror"))


def _finish_reverse(fun, trace, out, has_aux, holomorphic=False):
    """(value, aux, {input node: cotangent}) from the output `out` of a function run under
    reverse mode's `trace`: its value checked to be a real scalar (complex where `holomorphic`),
    pulled back from 1."""
    aux = None
    if has_aux:
        out, aux = _split_aux(out, "grad")
    primal = out.primal if out.__class__ is ReverseTracer and out._trace is trace else None
    v = primal._value if primal.__class__ is Array else None
    if v is not None and v.shape == () and v.dtype.kind == ("c" if holomorphic else "f"):
        # (the usual output, a scalar this trace recorded: checked on its value, no aval built)
        leaf_cts = backward_tape(trace, [(out.node, out.index, _ones_like(out, v.shape, v.dtype))])
        value = primal
    else:
        value, aval = _check_scalar_output(fun, out, holomorphic)
        if value.__class__ is ReverseTracer and value._trace is trace:
            leaf_cts = backward_tape(trace, [(value.node, value.index,
                                              _ones_like(value, aval.shape, aval.dtype))])
            value = value.primal
        else:  # (the output does not depend on the inputs: every gradient is zero)
            leaf_cts, trace.tape = {}, None
    if value.__class__ is not Array:
        value = _as_array(value)
    if has_aux:
        aux = tree.tree_map(lambda x: _unwrap(x, trace, ReverseTracer), aux)
    return value, aux, leaf_cts


def _fast_leaf(x):
    """x as an Array when it is a float (or complex) Array or a Python float: value_and_grad's
    fast path, which needs no pytree flattening nor input checks; else None."""
    t = x.__class__
    if t is Array:
        return x if x._value.dtype.kind in "fc" else None
    return Array(x) if t is float else None


def _fast_reverse(fun, positions, xs, args, kwargs, has_aux):
    """(value, aux, gradients as a tuple) of fun at args, the arrays `xs` (_fast_leaf's) put in
    at `positions` as reverse-mode inputs: value_and_grad without pytrees (its common calls)."""
    trace = ReverseTrace("grad")
    trace.start_tape()  # (the backward pass walks the recording order: no topological sort)
    args = list(args)
    tracers = []
    try:
        for p, x in zip(positions, xs):
            args[p] = t = trace.new_input(x)
            tracers.append(t)
        value, aux, leaf_cts = _finish_reverse(fun, trace, fun(*args, **kwargs), has_aux)
    finally:
        trace.alive = False
        trace.tape = None  # (kept nodes go with the pass, even one that raised)
    grads = []
    for t, x in zip(tracers, xs):
        g = leaf_cts.get(t.node)
        g = zeros_like(x) if g is None else g
        if avals.JAX_LATTICE:  # JAX's mode: each gradient weakly typed as its input is
            g = with_weak_type(g, x._weak)
        grads.append(g)
    return value, aux, tuple(grads)


def value_and_grad(fun: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False, holomorphic: bool = False,
                   allow_int: bool = False) -> Callable[..., Any]:
    """Like `grad`, but returns (value, gradient): one forward pass serves both.

    >>> import funcgrad as fg
    >>> fg.value_and_grad(lambda w: 10 * w ** 2 + 25)(2.0)
    (Array(65., dtype=float64), Array(40., dtype=float64))
    """
    check_callable(fun, "value_and_grad")
    nums = checked_argnums(argnums, "value_and_grad")
    has_aux = check_bool(has_aux, "value_and_grad", "has_aux")
    allow_int = check_bool(allow_int, "value_and_grad", "allow_int")
    holomorphic = check_bool(holomorphic, "value_and_grad", "holomorphic")
    # one argument, not in a tuple, not holomorphic: the fast path's case
    single = None if nums[1] or holomorphic else nums[0][0]  # one argument, not in a tuple: the fast path's case

    @functools.wraps(fun)
    def value_and_grad_f(*args, **kwargs):
        nargs = len(args)
        if single is not None and -nargs <= single < nargs:
            x = _fast_leaf(args[single])
            if x is not None:
                # The common call: one float or float array differentiated, no pytree to walk.
                value, aux, (g,) = _fast_reverse(fun, (single,), (x,), args, kwargs, has_aux)
                return ((value, aux), g) if has_aux else (value, g)
        positions, many = _argnums_tuple(fun, nums, nargs, "value_and_grad")
        if many and not holomorphic:
            xs = []  # (a loop: every argument a float array or float, or the general path)
            for p in positions:
                x = _fast_leaf(args[p])
                if x is None:
                    break
                xs.append(x)
            else:  # several arrays differentiated (a net's weights), no pytree to walk
                value, aux, g = _fast_reverse(fun, positions, xs, args, kwargs, has_aux)
                return ((value, aux), g) if has_aux else (value, g)
        dyn = [args[p] for p in positions]
        flat = _flat_inputs(dyn)
        _check_grad_inputs(fun, args, positions, allow_int, flat[1], holomorphic=holomorphic)
        with new_trace(ReverseTrace, "grad") as trace:
            trace.start_tape()
            try:
                out, in_nodes, in_trees, in_leaves = _vjp_flat(
                    fun, trace, dyn, positions, args, kwargs, flat)
                value, aux, leaf_cts = _finish_reverse(fun, trace, out, has_aux, holomorphic)
            finally:
                trace.tape = None
            grads = _cotangents(leaf_cts, in_nodes, in_trees, in_leaves)
        g = tuple(grads) if many else grads[0]
        return ((value, aux), g) if has_aux else (value, g)
    return value_and_grad_f


def grad(fun: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False, allow_int: bool = False) -> Callable[..., Any]:
    """The gradient of a scalar-valued function with respect to argument(s) `argnums`.

    Arguments may be pytrees of arrays; the gradient has the same structure. Complex numbers
    follow JAX's conventions: a real output of complex inputs has the gradient of JAX's vjp
    (for f(z) = |z|**2 it is 2 * conj(z)); a complex output needs `holomorphic=True` (complex
    inputs, a complex scalar output), and the gradient is then the derivative f'(z).

    >>> import funcgrad as fg
    >>> fg.grad(lambda w: 10 * w ** 2 + 25)(2.0)
    Array(40., dtype=float64)
    >>> fg.grad(lambda x: x * fg.grad(lambda y: x + y)(1.0))(1.0)   # no perturbation confusion
    Array(1., dtype=float64)
    >>> fg.grad(lambda z: z ** 2, holomorphic=True)(1. + 2.j)
    Array(2.+4.j, dtype=complex128)
    """
    check_callable(fun, "grad")
    vg = value_and_grad(fun, checked_argnums(argnums, "grad"), has_aux, holomorphic, allow_int)

    @functools.wraps(fun)
    def grad_f(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return grad_f


def _split_aux(out, who):
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        what = (f"an array of type {get_aval(out).str_short()}"
                if isinstance(out, (Array, Tracer)) else
                f"a {type(out).__name__}" + (f" of length {len(out)}"
                                             if isinstance(out, (tuple, list)) else ""))
        raise TypeError(f"{who}(..., has_aux=True) needs the function to return a pair "
                        f"(output, aux); it returned {what}")
    return out[0], out[1]


def _ones_like(x, shape, dtype):
    """Ones of x's shape and dtype, on x's device."""
    ones = np.array(1, dtype) if shape == () else np.ones(shape, dtype)
    return on_device_of(wrap_value(ones), x)


def _check_scalar_output(fun, out, holomorphic=False):
    """(out, its aval), or GradOutputError unless out is a real scalar (a complex one where
    `holomorphic`)."""
    if isinstance(out, (Array, Tracer)) or type(out) in PY_SCALARS or isinstance(out, np.generic):
        aval = get_aval(out)
        if aval.shape == () and aval.dtype.kind == ("c" if holomorphic else "f"):
            return out, aval
        if aval.shape == () and holomorphic:
            raise GradOutputError(
                f"grad with holomorphic=True requires outputs with complex dtype, but "
                f"{_name(fun)} returned dtype {aval.dtype.name}.\n  at {user_frame()}\nReturn a "
                "complex scalar, or drop holomorphic=True (a real output of complex inputs has "
                "a gradient without it). " + doc_link("gradoutputerror"))
        what = f"an array of shape {aval.shape} and dtype {aval.dtype.name}"
        fix = (f"Reduce it to a scalar, e.g. fg.grad(lambda x: {_name(fun)}(x).sum()), or get "
               f"every derivative with out, vjp_fn = fg.vjp({_name(fun)}, x) and "
               "vjp_fn(fnp.ones_like(out)) (the sum of the Jacobian's rows), or the full Jacobian "
               f"with fg.jacrev({_name(fun)})(x).")
        if aval.shape == () and aval.dtype.kind == "c":
            fix = (f"For holomorphic differentiation, pass fg.grad({_name(fun)}, "
                   f"holomorphic=True); otherwise differentiate a real quantity of it, e.g. "
                   f"fg.grad(lambda x: fnp.abs({_name(fun)}(x))).")
        elif aval.shape == ():
            fix = (f"Its dtype must be real floating point: return a float, e.g. "
                   f"{_name(fun)}(x).astype(fnp.float64).")
    else:
        what = f"a {type(out).__name__}"
        fix = ("Return one scalar array; for several outputs, return (loss, extra) and use "
               f"fg.grad({_name(fun)}, has_aux=True).")
    raise GradOutputError(
        f"grad requires {_name(fun)} to return a real scalar, but it returned {what}.\n"
        f"  at {user_frame()}\n{fix} " + doc_link("gradoutputerror"))


def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """(out, vjp_fn): vjp_fn(ct) is the vector-Jacobian product ct^T J for each primal.

    This is PyTorch's `y.backward(gradient=v)` (`external_grad`), as a function:

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> a, b = fnp.array([2., 3.]), fnp.array([6., 4.])
    >>> Q, vjp_fn = fg.vjp(lambda a, b: 3 * a ** 3 - b ** 2, a, b)
    >>> vjp_fn(fnp.array([1., 1.]))
    (Array([36., 81.], dtype=float64), Array([-12.,  -8.], dtype=float64))
    """
    check_callable(fun, "vjp")
    tape = reverse_tape(fun, primals, check_bool(has_aux, "vjp", "has_aux"))

    def vjp_fn(ct):
        return tape.pull(ct)

    out = tree.tree_unflatten(tape.out_tree, tape.out_primals)
    return (out, vjp_fn, tape.aux) if has_aux else (out, vjp_fn)


class Tape:
    """What reverse mode recorded of fun(*primals): the output tracers' nodes, the inputs' leaf
    nodes, and how to pull a cotangent back through them (vjp_fn is `pull`)."""
    __slots__ = ("trace", "out_leaves", "out_tree", "out_primals", "in_nodes", "in_trees",
                 "in_leaves", "aux")

    def pull(self, ct):
        ct_leaves, ct_tree = tree.tree_flatten(ct)
        if ct_tree != self.out_tree:
            raise argument_error(f"vjp_fn expects a cotangent with the structure of the output "
                                f"{self.out_tree}, got {ct_tree}")
        cts = []
        for o, c in zip(self.out_primals, ct_leaves):
            weak = type(c) in PY_SCALARS
            c = _as_array(c)
            oa, ca = get_aval(o), get_aval(c)
            if oa.shape != ca.shape:
                raise argument_error(f"vjp_fn: a cotangent of shape {ca.shape} for an output of "
                                    f"shape {oa.shape}; they must match (here: "
                                    f"fnp.ones({oa.shape}))")
            if ca.dtype != oa.dtype and oa.dtype.kind in "fc" and not weak:
                raise argument_error(
                    f"vjp_fn: a cotangent of dtype {ca.dtype.name} for an output of dtype "
                    f"{oa.dtype.name}; they must match (JAX's rule): pass "
                    f"ct.astype(fnp.{oa.dtype.name}).")
            cts.append(fit_tangent(c, oa) if ca.dtype != oa.dtype else c)
        roots = _out_roots(self.out_leaves, cts, self.trace)
        return tuple(_cotangents(backward(roots), self.in_nodes, self.in_trees, self.in_leaves))


def reverse_tape(fun, primals, has_aux=False):
    """Run fun(*primals) under reverse mode: the Tape of what it did."""
    t = Tape()
    trace_cm = new_trace(ReverseTrace, "vjp")
    trace = trace_cm.__enter__()
    try:
        out, t.in_nodes, t.in_trees, t.in_leaves = _vjp_flat(
            fun, trace, primals, range(len(primals)), primals, {})
        if has_aux:
            out, aux = _split_aux(out, "vjp")
        t.out_leaves, t.out_tree = tree.tree_flatten(out)
    finally:
        trace_cm.__exit__(None, None, None)
    t.trace = trace
    t.out_primals = [_as_array(_unwrap(o, trace, ReverseTracer)) for o in t.out_leaves]
    t.aux = tree.tree_map(lambda x: _unwrap(x, trace, ReverseTracer), aux) if has_aux else None
    return t


# ---- forward mode ---------------------------------------------------------------------------


def _check_tangent(p, t, i):
    pa, ta = get_aval(p), get_aval(t)
    if pa.dtype.kind not in "fc":
        return None  # integer inputs have no tangent (JAX's float0)
    if pa.shape != ta.shape or pa.dtype != ta.dtype:
        raise argument_error(f"jvp: tangent {i} has type {ta.str_short()} but its primal has type "
                        f"{pa.str_short()}; a tangent must match its primal's shape and dtype, "
                        f"e.g. fnp.ones_like(primal)")
    return t


def _jvp_inputs(trace, primals, tangents, who):
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"{who} takes primals and tangents as tuples or lists, one entry per "
                        "argument: fg.jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise argument_error(f"{who}: {len(primals)} primals but {len(tangents)} tangents")
    p_leaves, p_tree = tree.tree_flatten(list(primals))
    t_leaves, t_tree = tree.tree_flatten(list(tangents))
    if p_tree != t_tree:
        raise argument_error(f"{who}: the tangents' structure {t_tree} differs from the primals' "
                        f"{p_tree}")
    ins = []
    for i, (p, t) in enumerate(zip(p_leaves, t_leaves)):
        p = _as_array(p)
        t = t if isinstance(t, Tracer) else _as_array(t)
        t = _check_tangent(p, t, i)
        ins.append(p if t is None else JVPTracer(trace, p, t))
    return tree.tree_unflatten(p_tree, ins)


def _jvp_outputs(trace, out):
    leaves, td = tree.tree_flatten(out)
    ps, ts = unwrap(trace, JVPTracer, leaves, "primal", "tangent")
    return ps, ts, td


def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False) -> tuple[Any, ...]:
    """(fun(*primals), J @ tangents): the Jacobian-vector product, in one forward pass.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.jvp(fnp.sin, (0.0,), (1.0,))
    (Array(0., dtype=float64), Array(1., dtype=float64))
    """
    check_callable(fun, "jvp")
    has_aux = check_bool(has_aux, "jvp", "has_aux")
    with new_trace(JVPTrace, "jvp") as trace:
        out = fun(*_jvp_inputs(trace, primals, tangents, "jvp"))
        if has_aux:
            out, aux = _split_aux(out, "jvp")
        ps, ts, td = _jvp_outputs(trace, out)
        if has_aux:
            aux = tree.tree_map(lambda x: _unwrap(x, trace, JVPTracer), aux)
    ps = [_as_array(p) for p in ps]
    ts = [zeros_like(p) if t is None else t for p, t in zip(ps, ts)]
    res = (tree.tree_unflatten(td, ps), tree.tree_unflatten(td, ts))
    return res + (aux,) if has_aux else res


def linearize(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """(fun(*primals), f_jvp): f_jvp(*tangents) is the Jacobian-vector product at `primals`,
    evaluated from a jaxpr of only the linear (tangent) operations.

    >>> import funcgrad as fg
    >>> y, f_jvp = fg.linearize(lambda x: x ** 3, 2.0)
    >>> f_jvp(1.0)
    Array(12., dtype=float64)
    """
    check_callable(fun, "linearize")
    p_leaves, p_tree = tree.tree_flatten(list(primals))
    p_leaves = [_as_array(p) for p in p_leaves]
    with new_trace(JaxprTrace, "linearize") as jt:
        with new_trace(JVPTrace, "linearize") as trace:
            ins = [JVPTracer(trace, p, jt.new_arg(get_aval(p))) if get_aval(p).dtype.kind in "fc"
                   else p for p in p_leaves]
            diff = [isinstance(i, JVPTracer) for i in ins]
            out = fun(*tree.tree_unflatten(p_tree, ins))
            ps, ts, td = _jvp_outputs(trace, out)
        ps = [_as_array(p) for p in ps]
        ts = [zeros_like(p) if t is None else t for p, t in zip(ps, ts)]
        closed = jt.build(ts)

    def f_jvp(*tangents):
        t_leaves, t_tree = tree.tree_flatten(list(tangents))
        if t_tree != p_tree:
            raise TypeError(f"f_jvp takes tangents structured like the primals {p_tree}, got "
                            f"{t_tree}")
        ts_in = [_check_tangent(p, _as_array(t), i)
                 for i, (p, t, d) in enumerate(zip(p_leaves, t_leaves, diff)) if d]
        outs = eval_jaxpr(closed.jaxpr, closed.consts, *ts_in)
        return tree.tree_unflatten(td, outs)

    f_jvp.jaxpr = closed  # type: ignore[attr-defined]
    return tree.tree_unflatten(td, ps), f_jvp


# ---- make_jaxpr -------------------------------------------------------------------------------


def make_jaxpr(fun: Callable[..., Any],
               static_argnums: int | Sequence[int] = ()) -> Callable[..., Any]:
    """A function that traces `fun` abstractly (shapes and dtypes only) and returns its jaxpr.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> print(fg.make_jaxpr(fnp.sin)(fnp.ones(3)))
    { lambda ; a:f64[3]. let b:f64[3] = sin a in (b,) }
    """
    check_callable(fun, "make_jaxpr")
    static_nums, _ = argnums_tuple(static_argnums, "make_jaxpr", "static_argnums", unique=False)

    @functools.wraps(fun)
    def make_jaxpr_f(*args, **kwargs):
        names = _param_names(fun, len(args))
        static = set(resolve_argnums(static_nums, len(args), "make_jaxpr", _name(fun),
                                     "static_argnums"))
        with new_trace(JaxprTrace, "make_jaxpr") as jt:
            new_args = list(args)
            in_leaves_all = []
            for i, a in enumerate(args):
                if i in static:
                    continue
                leaves, td = tree.tree_flatten(a)
                tracers = [jt.new_arg(get_aval(_as_array(x)), n)
                           for x, n in zip(leaves, _leaf_names(names[i], a))]
                in_leaves_all.append(td)
                new_args[i] = tree.tree_unflatten(td, tracers)
            out = fun(*new_args, **kwargs)
            out_leaves, out_tree = tree.tree_flatten(out)
            closed = jt.build(out_leaves)
        # Equations nobody reads (a loop that ran one step before it met a traced value) go.
        closed = ClosedJaxpr(*dce(closed.jaxpr, closed.consts))
        # the structure of the traced (non-static) arguments, whose leaves are closed's inputs
        closed.in_tree = tree.tree_structure(tuple(a for i, a in enumerate(args)
                                                   if i not in static))
        closed.out_tree = out_tree
        return closed
    return make_jaxpr_f


def eval_shape(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The shapes and dtypes of fun's outputs (ShapeDtypeStructs, in the output's structure),
    found by tracing it abstractly, without computing anything, as `jax.eval_shape`. Arguments
    may be arrays, numbers or anything with `.shape` and `.dtype` (a ShapeDtypeStruct).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.eval_shape(lambda x, y: {"s": x @ y, "n": 2.0 * x.sum()},
    ...               fg.ShapeDtypeStruct((4, 3), fnp.float32), fnp.ones(3, fnp.float32))
    {'n': ShapeDtypeStruct(shape=(), dtype=float32), 's': ShapeDtypeStruct(shape=(4,), dtype=float32)}
    """
    check_callable(fun, "eval_shape")
    leaves, in_tree = tree.tree_flatten((args, kwargs))
    with new_trace(JaxprTrace, "eval_shape") as jt:
        tracers = [jt.new_arg(_abstract(x), f"args[{i}]") for i, x in enumerate(leaves)]
        a, kw = tree.tree_unflatten(in_tree, tracers)
        out_leaves, out_tree = tree.tree_flatten(fun(*a, **kw))
        avals = [get_aval(_as_array(o)) if not isinstance(o, Tracer) else o.aval
                 for o in out_leaves]
    return tree.tree_unflatten(out_tree, [ShapeDtypeStruct.from_aval(v) for v in avals])


def _abstract(x):
    """The abstract value eval_shape traces a leaf as."""
    if isinstance(x, ShapeDtypeStruct):
        return x.aval()
    if type(x) in PY_SCALARS:  # weakly typed, as a jitted function sees it
        return get_aval(x)
    if not isinstance(x, (Array, Tracer, np.ndarray, np.generic)) and type(x) not in PY_SCALARS:
        shape, dtype = getattr(x, "shape", None), getattr(x, "dtype", None)
        if shape is not None and dtype is not None:
            return ShapeDtypeStruct(shape, dtype, weak_type=getattr(x, "weak_type", False)).aval()
    return get_aval(_as_array(x))
