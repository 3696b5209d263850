"""torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp of functions of tensors,
computed by funcgrad's transforms (vectorized through vmap; no Python loop over rows)."""
from __future__ import annotations

from ... import _api, _jacobians
from .._dispatch import value_of
from .._tensor import _from_value


def _wrap(fn):
    """fn over tensors as a function over funcgrad values."""
    def f(*vals):
        out = fn(*[_from_value(v) for v in vals])
        return tuple(value_of(o) for o in out) if isinstance(out, tuple) else value_of(out)
    return f


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _out(x, was_tuple):
    x = tuple(_to_tensor(v) for v in x) if isinstance(x, tuple) else _to_tensor(x)
    return x if was_tuple or not isinstance(x, tuple) else x[0]


def _to_tensor(v):
    if isinstance(v, tuple):
        return tuple(_to_tensor(u) for u in v)
    return _from_value(v)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of func at inputs (tuple in, tuple of tuples out, as PyTorch nests it)."""
    is_tuple = isinstance(inputs, tuple)
    ins = _as_tuple(inputs)
    argnums = tuple(range(len(ins))) if is_tuple else 0
    jac = (_jacobians.jacfwd if strategy == "forward-mode" else _jacobians.jacrev)(
        _wrap(func), argnums=argnums)
    res = jac(*[value_of(t) for t in ins])
    return _to_tensor(res)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    is_tuple = isinstance(inputs, tuple)
    ins = _as_tuple(inputs)
    argnums = tuple(range(len(ins))) if is_tuple else 0
    res = _jacobians.hessian(_wrap(func), argnums=argnums)(*[value_of(t) for t in ins])
    return _to_tensor(res)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    is_tuple = isinstance(inputs, tuple)
    ins = _as_tuple(inputs)
    out, vjp_fn = _api.vjp(_wrap(func), *[value_of(t) for t in ins])
    if v is None:
        from ... import numpy as fnp
        v = _from_value(fnp.ones_like(out))
    cts = vjp_fn(value_of(v) if not isinstance(v, tuple) else tuple(value_of(x) for x in v))
    return _to_tensor(out), _out(tuple(cts), is_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    is_tuple = isinstance(inputs, tuple)
    ins = _as_tuple(inputs)
    vs = _as_tuple(v) if v is not None else tuple(_from_value(value_of(t) * 0 + 1) for t in ins)
    out, t = _api.jvp(_wrap(func), tuple(value_of(x) for x in ins),
                      tuple(value_of(x) for x in vs))
    return _to_tensor(out), _to_tensor(t)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    is_tuple = isinstance(inputs, tuple)
    ins = _as_tuple(inputs)
    vs = _as_tuple(v)
    value, hv = _jacobians.hvp(_wrap(func), tuple(value_of(x) for x in ins),
                               tuple(value_of(x) for x in vs))
    return _to_tensor(value), _out(tuple(hv), is_tuple)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    is_tuple = isinstance(inputs, tuple)
    ins = _as_tuple(inputs)
    vs = _as_tuple(v)
    value, vh = _jacobians.vhp(_wrap(func), tuple(value_of(x) for x in ins),
                               tuple(value_of(x) for x in vs))
    return _to_tensor(value), _out(tuple(vh), is_tuple)

