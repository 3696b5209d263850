"""torch.func: functional_call and the function transforms (grad, grad_and_value, vjp, jvp,
vmap, jacrev, jacfwd, hessian), which are funcgrad's own transforms: a tensor passed in is seen
by the function as a tensor whose data is a funcgrad tracer, so every torch operation (and every
nn.Module, through functional_call) runs under the transform unchanged.

    per_example_grads = vmap(grad(loss), in_dims=(None, 0, 0))(params, xs, ys)
"""
from __future__ import annotations

import contextlib
import functools
import types
from typing import Any, Callable

import numpy as np

from .. import _api
from .. import _jacobians
from .._core.array import Array
from .._core.trace import Tracer, new_trace
from .._vmap import vmap as _fg_vmap
from ..tree import broadcast as tree_broadcast
from ..tree import keep_insertion_order, tree_flatten, tree_leaves, tree_map, tree_unflatten
from ._backward_graph import TensorTrace, TensorTracer
from ._dispatch import grad_edge, raw, value_of
from ._graph import AccumulateGrad
from ._grad_mode import is_grad_enabled
from ._shape_ops import cat as _cat, stack as _stack
from ._tensor import Tensor
from ._vmap_randomness import DrawPerElement, check_mode as check_randomness
from ._vmap_randomness import randomness as vmap_randomness

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "linearize", "vmap",
           "jacrev", "jacfwd", "hessian", "stack_module_state"]


def _insertion_ordered(fn):
    """fn with dicts rebuilt in their input's key order, as PyTorch keeps a state dict's (JAX's
    transforms, under them, sort the keys)."""
    @functools.wraps(fn)
    def ordered(*args, **kwargs):
        with keep_insertion_order():
            return fn(*args, **kwargs)
    return ordered


# ---- tensors <-> funcgrad values ---------------------------------------------------------------

def _is_tensor(x):
    return isinstance(x, Tensor)


def _values(tree):
    """Tensors (leaves of any pytree) as funcgrad values."""
    return tree_map(lambda x: value_of(x) if isinstance(x, Tensor) else x, tree,
                    is_leaf=_is_tensor)


def _tensors(tree):
    """funcgrad values (leaves) as tensors."""
    def wrap(v):
        if isinstance(v, (Array, Tracer, np.ndarray, np.generic)):
            return Tensor._make(raw(v))
        return v
    return tree_map(wrap, tree, is_leaf=_is_tensor)


def _call(func, has_aux, kwargs):
    """func on tensors, as a function of funcgrad values (its output, and aux, as values)."""
    def f(*vals):
        out = func(*[_tensors(v) for v in vals], **kwargs)
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("has_aux=True: the function must return a tuple "
                                   "(output, aux)")
            return _values(out[0]), _values(out[1])
        return _values(out)
    return f


# ---- functional_call ---------------------------------------------------------------------------

def _merge(parameter_and_buffer_dicts):
    if isinstance(parameter_and_buffer_dicts, dict):
        return parameter_and_buffer_dicts
    if isinstance(parameter_and_buffer_dicts, (list, tuple)):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                             "dictionaries")
        counts = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        return {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                     f"dicts, but got {type(parameter_and_buffer_dicts)}")


def _untie(module, tensors):
    """A value given for one name of a tied (shared) parameter also goes to its other names."""
    names_of = {}
    for name, t in list(module.named_parameters(remove_duplicate=False)) + list(
            module.named_buffers(remove_duplicate=False)):
        names_of.setdefault(id(t), set()).add(name)
    tied = {}
    for names in names_of.values():
        if len(names) > 1:
            for n in names:
                tied[n] = names
    out = dict(tensors)
    given = [n for n in tensors if n in tied]
    for n in given:
        group = tied[n]
        if len(group.intersection(given)) > 1 and len({id(tensors[g]) for g in group
                                                       if g in tensors}) != 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(group)}, "
                             "which are tied. Consider using tie_weights=False")
        for other in group:
            out[other] = tensors[n]
    return out


@contextlib.contextmanager
def _reparametrize(module, tensors, strict):
    if strict:
        expected = {n for n, _ in module.named_parameters(remove_duplicate=False)} | {
            n for n, _ in module.named_buffers(remove_duplicate=False)}
        unexpected = [k for k in tensors if k not in expected]
        missing = [k for k in sorted(expected) if k not in tensors]
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(
                module._get_name(), "\n\t".join(msgs)))
    saved = []
    try:
        for name, t in tensors.items():
            path, _, attr = name.rpartition(".")
            sub = module.get_submodule(path)
            for table in (sub._parameters, sub._buffers):
                if attr in table:
                    saved.append((table, attr, table[attr]))
                    table[attr] = t
                    break
            else:
                saved.append((sub.__dict__, attr, sub.__dict__.get(attr, _MISSING)))
                sub.__dict__[attr] = t
        yield
    finally:
        for table, attr, old in reversed(saved):
            if old is _MISSING:
                del table[attr]
            else:
                table[attr] = old


_MISSING = object()


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """module(*args, **kwargs) with its parameters and buffers replaced by the given tensors
    (by their state_dict names; a dict, or a tuple of dicts) for the duration of the call.

    >>> import funcgrad.torch as torch
    >>> from funcgrad.torch.func import functional_call
    >>> m = torch.nn.Linear(2, 1)
    >>> functional_call(m, {"weight": torch.ones(1, 2), "bias": torch.zeros(1)}, torch.ones(2))
    tensor([2.])
    """
    tensors = _merge(parameter_and_buffer_dicts)
    if tie_weights:
        tensors = _untie(module, tensors)
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize(module, tensors, strict):
        return module(*args, **kwargs)


# ---- transforms --------------------------------------------------------------------------------

def _captured(func, found=None, seen=None, depth=0):
    """The tensors that require grad which func reaches without taking them as arguments: in its
    closure, defaults and the globals it names, the parameters of modules among them (vmap(model),
    a loss that reads a global model), through nested functions, partials and bound methods."""
    found = {} if found is None else found
    seen = set() if seen is None else seen
    if id(func) in seen or depth > _SCAN_DEPTH:
        return found
    seen.add(id(func))
    if isinstance(func, Tensor):
        if func._requires_grad:
            found[id(func)] = func
        return found
    items = []
    if hasattr(func, "_parameters") and hasattr(func, "named_parameters"):  # an nn.Module
        items = [t for _, t in func.named_parameters()] + [t for _, t in func.named_buffers()]
        items.append(type(func).forward)
    elif isinstance(func, functools.partial):
        items = [func.func, *func.args, *func.keywords.values()]
    elif isinstance(func, types.MethodType):
        items = [func.__self__, func.__func__]
    elif isinstance(func, types.FunctionType):
        code = func.__code__
        items = [c.cell_contents for c in func.__closure__ or () if _filled(c)]
        items += list(func.__defaults__ or ()) + list((func.__kwdefaults__ or {}).values())
        items += [func.__globals__[n] for n in _names(code) if n in func.__globals__]
        inner = getattr(func, "__wrapped__", None)
        if inner is not None:
            items.append(inner)
    elif isinstance(func, (list, tuple)) and len(func) <= _SCAN_ITEMS:
        items = list(func)
    elif isinstance(func, dict) and len(func) <= _SCAN_ITEMS:
        items = list(func.values())
    for item in items:
        if isinstance(item, (Tensor, list, tuple, dict, functools.partial, types.MethodType,
                             types.FunctionType)) or hasattr(item, "_parameters"):
            _captured(item, found, seen, depth + 1)
    return found


_SCAN_DEPTH, _SCAN_ITEMS = 6, 64


def _filled(cell):
    try:
        cell.cell_contents
    except ValueError:  # a closure variable not yet assigned
        return False
    return True


def _names(code):
    """The global names code (and the functions defined in it) reads."""
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_names(const))
    return names


@contextlib.contextmanager
def _holding(tensors, values):
    """Each tensor holds the given (traced) value and requires no grad for the block: the
    transform differentiates through it as through an argument."""
    kept = [(t._data, t._requires_grad) for t in tensors]
    try:
        for t, v in zip(tensors, values):
            t._data, t._requires_grad = raw(v), False
        yield
    finally:
        for t, (d, r) in zip(tensors, kept):
            t._data, t._requires_grad = d, r


def _shadow(t):
    """A tensor through which gradient reaches t (t's own node or AccumulateGrad), holding t's
    value: what a transform records from while t itself holds the transform's traced value."""
    node, k = grad_edge(t)
    s = Tensor._make(t._data)
    s._requires_grad = True
    if type(node) is AccumulateGrad:
        s._accumulator = node
    else:
        s._grad_fn, s._output_nr = node, k
    return s


def _run(core, args, func=None):
    """core(*args as funcgrad values) -> funcgrad values, as tensors. When grad mode is on and
    tensors among args (or captured by func: _captured) require grad, the transform runs on
    them as tensor-tracers (_backward_graph.TensorTrace): every primitive it computes from them
    is a recorded torch operation named as PyTorch names it, so its results keep their autograd
    graph, as in PyTorch: .backward() through per-sample gradients, Jacobians or a vmapped
    model reaches the tensors passed in or used (MAML's inner step, an ensemble's stacked
    parameters), and a vmapped product's grad_fn is MulBackward0."""
    if not is_grad_enabled():
        return _tensors(core(*_values(args)))
    leaves, treedef = tree_flatten(args, is_leaf=_is_tensor)
    tracked = [i for i, x in enumerate(leaves) if isinstance(x, Tensor) and x._requires_grad]
    ids = {id(leaves[i]) for i in tracked}
    captured = [] if func is None else [
        t for k, t in _captured(func).items() if k not in ids]
    if not tracked and not captured:
        return _tensors(core(*_values(args)))
    ins = [value_of(x) if isinstance(x, Tensor) else x for x in leaves]
    args_in = [leaves[i] for i in tracked]
    with new_trace(TensorTrace) as tt:
        for i in tracked:
            ins[i] = TensorTracer(tt, _shadow(leaves[i]))
        # for the block the tensors require no grad (a transform nested inside sees them as the
        # values this one traces, not as tensors of its own to record from)
        with _holding(args_in, [x._data for x in args_in]), \
                _holding(captured, [TensorTracer(tt, _shadow(t)) for t in captured]):
            out = core(*tree_unflatten(treedef, ins))

        def as_tensor(v):
            if isinstance(v, TensorTracer) and v._trace is tt:
                return v.tensor
            return _tensors(v)
        return tree_map(as_tensor, out, is_leaf=lambda v: isinstance(v, TensorTracer))


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """The gradient of func (returning a one-element tensor) with respect to argument(s)
    `argnums` (pytrees of tensors allowed); (gradient, aux) with has_aux.

    >>> import funcgrad.torch as torch
    >>> from funcgrad.torch.func import grad
    >>> grad(lambda x: (x ** 3).sum())(torch.tensor([1.0, 2.0]))
    tensor([ 3., 12.])
    """
    @_insertion_ordered
    def wrapper(*args, **kwargs):
        return _run(_api.grad(_call(func, has_aux, kwargs), argnums, has_aux),
                    args, (func, kwargs))
    return wrapper


def grad_and_value(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """(gradient, value): as grad, with func's output too ((gradient, (output, aux)) with
    has_aux).

    >>> import funcgrad.torch as torch
    >>> from funcgrad.torch.func import grad_and_value
    >>> grad_and_value(lambda x: (x ** 2).sum())(torch.tensor([1.0, 2.0]))
    (tensor([2., 4.]), tensor(5.))
    """
    @_insertion_ordered
    def wrapper(*args, **kwargs):
        f = _api.value_and_grad(_call(func, has_aux, kwargs), argnums, has_aux)

        def swapped(*vals):
            v, g = f(*vals)
            return g, v
        return _run(swapped, args, (func, kwargs))
    return wrapper


@_insertion_ordered
def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """(func(*primals), vjp_fn[, aux]): vjp_fn(cotangents) gives one gradient per primal.

    >>> import funcgrad.torch as torch
    >>> from funcgrad.torch.func import vjp
    >>> out, vjp_fn = vjp(torch.sin, torch.tensor([0.0, 1.0]))
    >>> vjp_fn(torch.ones(2))
    (tensor([1.0000, 0.5403]),)
    """
    res = _api.vjp(_call(func, has_aux, {}), *_values(primals), has_aux=has_aux)
    out, fn = res[0], res[1]

    @_insertion_ordered
    def vjp_fn(cotangents, *more):
        if more:  # several outputs: one cotangent each, passed as separate arguments
            cotangents = (cotangents,) + more
        return _tensors(tuple(fn(_values(cotangents))))
    if has_aux:
        return _tensors(out), vjp_fn, _tensors(res[2])
    return _tensors(out), vjp_fn


@_insertion_ordered
def jvp(func: Callable[..., Any], primals: Any, tangents: Any, *, strict: bool = False,
        has_aux: bool = False) -> tuple[Any, ...]:
    """(func(*primals), J @ tangents) in one forward pass ((..., aux) with has_aux).

    >>> import funcgrad.torch as torch
    >>> from funcgrad.torch.func import jvp
    >>> jvp(torch.sin, (torch.tensor([0.0]),), (torch.tensor([2.0]),))
    (tensor([0.]), tensor([2.]))
    """
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it "
                           "should be valid to call f(*primals).")
    if not isinstance(tangents, tuple) or len(tangents) != len(primals):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have "
                           "the same python structure (a tuple of as many tangents as primals)")
    f = _call(func, has_aux, {})
    n = len(primals)
    return _run(lambda *vals: tuple(
        _api.jvp(f, tuple(vals[:n]), tuple(vals[n:]), has_aux=has_aux)),
        tuple(primals) + tuple(tangents), func)


def linearize(func: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """(func(*primals), jvp_fn): jvp_fn(*tangents) is J @ tangents at primals, evaluated from
    the linear part of the computation only.

    >>> import funcgrad.torch as torch
    >>> from funcgrad.torch.func import linearize
    >>> out, jvp_fn = linearize(lambda x: x ** 3, torch.tensor([2.0]))
    >>> jvp_fn(torch.tensor([1.0]))
    tensor([12.])
    """
    with keep_insertion_order():
        out, fn = _api.linearize(_call(func, False, {}), *_values(primals))

    @_insertion_ordered
    def jvp_fn(*tangents):
        return _tensors(fn(*_values(tangents)))
    return _tensors(out), jvp_fn


def _check_chunk_size(chunk_size):
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")


def _dims_per_leaf(in_dims, args):
    """The mapped dimension of every tensor leaf of args (None: not mapped), in_dims being
    vmap's: one int/None for all, or one entry (itself a prefix pytree) per argument."""
    per_arg = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    if len(per_arg) != len(args):
        raise ValueError(f"vmap(func, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                         f"compatible with the structure of `inputs`. in_dims has structure "
                         f"of length {len(per_arg)} but inputs has {len(args)} arguments")
    dims = []
    for d, a in zip(per_arg, args):
        if d is None or isinstance(d, int):
            dims.extend([d] * len(tree_leaves(a, is_leaf=_is_tensor)))
        else:
            dims.extend(tree_leaves(tree_broadcast(d, a, is_leaf=_is_tensor),
                                    is_leaf=_is_tensor))
    return dims


def _in_chunks(mapped, args, in_dims, out_dims, chunk_size):
    """mapped(*args) chunk by chunk along the mapped dimension (chunk_size elements each), the
    results joined along out_dims: what vmap(chunk_size=) computes, with less memory at once."""
    leaves, treedef = tree_flatten(args, is_leaf=_is_tensor)
    dims = _dims_per_leaf(in_dims, args)
    sizes = {x.shape[d] for x, d in zip(leaves, dims) if d is not None and isinstance(x, Tensor)}
    if len(sizes) != 1 or chunk_size >= next(iter(sizes)):
        return mapped(*args)
    total = next(iter(sizes))
    parts = []
    for s in range(0, total, chunk_size):
        piece = [x.narrow(d, s, min(chunk_size, total - s)) if d is not None and
                 isinstance(x, Tensor) else x for x, d in zip(leaves, dims)]
        parts.append(mapped(*tree_unflatten(treedef, piece)))
    out_leaves, out_def = tree_flatten(parts[0], is_leaf=_is_tensor)
    n = len(out_leaves)
    odims = out_dims if isinstance(out_dims, tuple) and len(out_dims) == n else \
        tree_leaves(tree_broadcast(out_dims, parts[0], is_leaf=_is_tensor), is_leaf=_is_tensor)
    joined = [_cat([tree_leaves(p, is_leaf=_is_tensor)[k] for p in parts], odims[k])
              for k in range(n)]
    return tree_unflatten(out_def, joined)


def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0,
         randomness: str = "error", *, chunk_size: int | None = None) -> Callable[..., Any]:
    """func mapped over dimension `in_dims` of its arguments, in one batched computation
    (chunk_size elements at a time when given). randomness: 'error' (PyTorch's default: a
    random draw inside is an error), 'same' (one draw for every element) or 'different' (each
    element its own numbers, PyTorch's: a function that draws then runs element by element).

    >>> import funcgrad.torch as torch
    >>> from funcgrad.torch.func import vmap
    >>> vmap(torch.dot)(torch.ones(3, 2), torch.ones(3, 2))
    tensor([2., 2., 2.])
    """
    check_randomness(randomness)
    _check_chunk_size(chunk_size)

    def whole(mode):
        @_insertion_ordered
        def run(*args, **kwargs):
            mapped = _fg_vmap(_call(func, False, kwargs), in_axes=in_dims, out_axes=out_dims)

            def core(*vals):
                with vmap_randomness(mode):
                    return mapped(*vals)
            return _run(core, args, (func, kwargs))
        return run

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        batched = whole(randomness)
        try:
            if chunk_size is None:
                return batched(*args, **kwargs)
            return _in_chunks(lambda *a: batched(*a, **kwargs), args, in_dims, out_dims,
                              chunk_size)
        except DrawPerElement:
            # randomness='different' and func draws random numbers: one element at a time, each
            # drawing its own (in order, as PyTorch's one draw for the whole batch gives them)
            one = whole("same")
            return _in_chunks(lambda *a: one(*a, **kwargs), args, in_dims, out_dims, 1)
    return wrapper


def _jacobian(transform, func, argnums, has_aux, randomness="error", **opts):
    @_insertion_ordered
    def wrapper(*args, **kwargs):
        def core(*vals):
            with vmap_randomness(randomness):
                return transform(_call(func, has_aux, kwargs), argnums=argnums,
                                 has_aux=has_aux, **opts)(*vals)
        try:
            return _run(core, args, (func, kwargs))
        except DrawPerElement:
            raise NotImplementedError(
                "jacfwd(randomness='different'): the function draws random numbers, which would "
                "differ from one column of the Jacobian to the next. Use randomness='same' (one "
                "draw for the whole Jacobian)") from None
    return wrapper


def jacrev(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *,
           has_aux: bool = False, chunk_size: int | None = None,
           _preallocate_and_copy: bool = False) -> Callable[..., Any]:
    """The Jacobian of func with respect to argument(s) argnums, row by row in reverse mode
    (vectorized over the rows; chunk_size rows at a time when given); (jacobian, aux) with
    has_aux.

    >>> import funcgrad.torch as torch
    >>> from funcgrad.torch.func import jacrev
    >>> jacrev(torch.sin)(torch.tensor([0.0, 0.0]))
    tensor([[1., 0.],
            [0., 1.]])
    """
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian(_jacobians.jacrev, func, argnums, has_aux,
                     chunk_size=chunk_size)


def jacfwd(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
           has_aux: bool = False, *, randomness: str = "error") -> Callable[..., Any]:
    """The Jacobian of func with respect to argument(s) argnums, column by column in forward
    mode (vectorized over the columns); randomness as vmap's.

    >>> import funcgrad.torch as torch
    >>> from funcgrad.torch.func import jacfwd
    >>> jacfwd(lambda x: x * 2)(torch.tensor([1.0]))
    tensor([[2.]])
    """
    check_randomness(randomness)
    return _jacobian(_jacobians.jacfwd, func, argnums, has_aux, randomness)


def hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Hessian of func (forward over reverse) with respect to argument(s) argnums.

    >>> import funcgrad.torch as torch
    >>> from funcgrad.torch.func import hessian
    >>> hessian(lambda x: (x ** 3).sum())(torch.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    @_insertion_ordered
    def wrapper(*args, **kwargs):
        return _run(_jacobians.hessian(_call(func, False, kwargs),
                                                          argnums=argnums), args,
                    (func, kwargs))
    return wrapper


def stack_module_state(models: Any) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """(params, buffers): each parameter and buffer of the (identically structured) models
    stacked along a new first dimension; the stacked parameters are new leaves that require
    grad when the originals do (for an ensemble run through vmap and functional_call).

    >>> import funcgrad.torch as torch
    >>> from funcgrad.torch.func import stack_module_state
    >>> params, buffers = stack_module_state([torch.nn.Linear(2, 3) for _ in range(4)])
    >>> params["weight"].shape, params["weight"].requires_grad, buffers
    (torch.Size([4, 3, 2]), True, {})
    """
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/"
                           "eval mode.")
    kinds = {type(m) for m in models}
    if len(kinds) != 1:
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(named, leaf):
        out = {}
        for name, first in named(models[0]):
            t = _stack([dict(named(m))[name].detach() for m in models])
            out[name] = t.requires_grad_(first.requires_grad) if leaf else t
        return out
    return (stacked(lambda m: m.named_parameters(), True),
            stacked(lambda m: m.named_buffers(), False))
