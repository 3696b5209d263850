"""torch.func: functional_call and the function transforms (grad, grad_and_value, vjp, jvp,
vmap, jacrev, jacfwd, hessian), which are funcgrad's own transforms: a tensor passed in is seen
by the function as a tensor whose data is a funcgrad tracer, so every torch operation (and every
nn.Module, through functional_call) runs under the transform unchanged.

    per_example_grads = vmap(grad(loss), in_dims=(None, 0, 0))(params, xs, ys)
"""
from __future__ import annotations

import contextlib
import functools

import numpy as np

from .. import _api
from .. import _jacobians
from .._core.array import Array
from .._core.trace import Tracer
from .._vmap import vmap as _fg_vmap
from ..tree import keep_insertion_order, tree_map
from ._dispatch import raw, value_of
from ._tensor import Tensor

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "vmap", "jacrev",
           "jacfwd", "hessian"]


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


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """module(*args, **kwargs) with its parameters and buffers replaced by the given tensors
    (by their state_dict names) for the duration of the call."""
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

def grad(func, argnums=0, has_aux=False):
    """The gradient of func (returning a one-element tensor) with respect to argument(s)
    `argnums` (pytrees of tensors allowed)."""
    @_insertion_ordered
    def wrapper(*args, **kwargs):
        g = _api.grad(_call(func, has_aux, kwargs), argnums, has_aux)(*_values(args))
        if has_aux:
            return _tensors(g[0]), _tensors(g[1])
        return _tensors(g)
    return wrapper


def grad_and_value(func, argnums=0, has_aux=False):
    """(gradient, value): as grad, with func's output too ((output, aux) with has_aux)."""
    @_insertion_ordered
    def wrapper(*args, **kwargs):
        v, g = _api.value_and_grad(_call(func, has_aux, kwargs), argnums, has_aux)(
            *_values(args))
        return _tensors(g), _tensors(v)
    return wrapper


@_insertion_ordered
def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]): vjp_fn(cotangents) gives one gradient per primal."""
    res = _api.vjp(_call(func, has_aux, {}), *_values(primals), has_aux=has_aux)
    out, fn = res[0], res[1]

    @_insertion_ordered
    def vjp_fn(cotangents):
        return _tensors(tuple(fn(_values(cotangents))))
    if has_aux:
        return _tensors(out), vjp_fn, _tensors(res[2])
    return _tensors(out), vjp_fn


@_insertion_ordered
def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents) in one forward pass."""
    res = _api.jvp(_call(func, has_aux, {}), tuple(_values(primals)),
                   tuple(_values(tangents)), has_aux=has_aux)
    return _tensors(tuple(res))


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """func mapped over dimension `in_dims` of its arguments, in one batched computation."""
    @_insertion_ordered
    def wrapper(*args, **kwargs):
        mapped = _fg_vmap(_call(func, False, kwargs), in_axes=in_dims, out_axes=out_dims)
        return _tensors(mapped(*_values(args)))
    return wrapper


def _jac(transform):
    def make(func, argnums=0, has_aux=False, chunk_size=None, **kw):
        @_insertion_ordered
        def wrapper(*args, **kwargs):
            res = transform(_call(func, has_aux, kwargs), argnums=argnums,
                            has_aux=has_aux)(*_values(args))
            return _tensors(res)
        return wrapper
    return make


jacrev = _jac(_jacobians.jacrev)
jacfwd = _jac(_jacobians.jacfwd)


def hessian(func, argnums=0):
    @_insertion_ordered
    def wrapper(*args, **kwargs):
        return _tensors(_jacobians.hessian(_call(func, False, kwargs), argnums=argnums)(
            *_values(args)))
    return wrapper
