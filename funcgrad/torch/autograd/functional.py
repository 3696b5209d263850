"""torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp of functions of tensors.

They are funcgrad's transforms (jacrev / jacfwd vectorize over the basis through vmap, with no
Python loop over rows, whatever `vectorize` says), run on the user's function with tensors that
hold traced values. With create_graph=True the whole computation is one recorded operation of
the inputs, so its results can be differentiated again."""
from __future__ import annotations

from typing import Any, Callable

from ... import _api, _jacobians, tree
from ... import numpy as fnp
from .._dispatch import apply_op, value_of
from .._factories import ones_like
from .._grad_mode import no_grad
from .._tensor import Tensor, _from_value
from . import _strict


def _check_inputs(inputs, fn_name, arg="inputs"):
    is_tuple = isinstance(inputs, tuple)
    items = inputs if is_tuple else (inputs,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {arg}"
            raise TypeError(f"The {arg} given to {fn_name} must be either a Tensor or a tuple of "
                            f"Tensors but {where} has type {type(t)}.")
    return is_tuple, items


def _check_outputs(out, fn_name):
    items = out if isinstance(out, tuple) else (out,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"the value at index {i}" if isinstance(out, tuple) else \
                "the given outputs of the user-provided function"
            raise TypeError(f"The outputs of the user-provided function given to {fn_name} must "
                            f"be either a Tensor or a tuple of Tensors but {where} has type "
                            f"{type(t)}.")


def _wrap(func, fn_name, meta):
    """func over tensors as a function over funcgrad values (its output structure in meta)."""
    def f(*vals):
        out = func(*[_from_value(v) for v in vals])
        _check_outputs(out, fn_name)
        meta["tuple"] = isinstance(out, tuple)
        return tuple(value_of(o) for o in out) if isinstance(out, tuple) else value_of(out)
    return f


def _run(name, compute, inputs, extra, create_graph):
    """compute(*input values, *extra values) -> a pytree of funcgrad values, as tensors; one
    recorded operation of the inputs (and extra tensors) when create_graph."""
    args = list(inputs) + list(extra)
    if create_graph:
        treedef = []

        def flat(*vals):
            res = compute(*vals)
            ls, td = tree.tree_flatten(res)
            treedef.append(td)
            return tuple(ls)
        outs = apply_op(name, flat, args, saves=False)
        return tree.tree_unflatten(treedef[0], list(outs if isinstance(outs, tuple) else (outs,)))
    with no_grad():
        res = compute(*[value_of(a) for a in args])
    return tree.tree_map(_from_value, res)


def _strategy(strategy, vectorize, fn):
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                             'Hint: If your function has more outputs than inputs, '
                             '"forward-mode" tends to be more performant. Otherwise, prefer to '
                             'use "reverse-mode".')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian isonly implemented for `vectorize=True`.")


def jacobian(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...],
             create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of func at inputs: for each output and input, a tensor of shape
    output.shape + input.shape (tuple inputs and outputs nest as PyTorch nests them).

    >>> import funcgrad.torch as torch
    >>> torch.autograd.functional.jacobian(lambda x: x ** 2, torch.tensor([1.0, 3.0]))
    tensor([[2., 0.],
            [0., 6.]])
    """
    _strategy(strategy, vectorize, "jacobian")
    if create_graph and strategy == "forward-mode":
        raise NotImplementedError("torch.autograd.functional.jacobian: `create_graph=True` and "
                                  "`strategy=\"forward-mode\"` are not supported together "
                                  "(yet). Please either set `create_graph=False` or "
                                  "`strategy=\"reverse-mode\"`.")
    is_tuple, ins = _check_inputs(inputs, "jacobian")
    if strict:
        _strict.check("jacobian", func, ins, create_graph=create_graph, vectorize=vectorize)
    meta = {}
    f = _wrap(func, "jacobian", meta)
    jac = (_jacobians.jacfwd if strategy == "forward-mode" else _jacobians.jacrev)(
        f, argnums=tuple(range(len(ins))))
    n = len(ins)

    def compute(*vals):
        return jac(*vals[:n])
    res = _run("JacobianBackward", compute, ins, (), create_graph)
    # res[out][in] (tuple outputs) or res[in] (one output)
    if meta["tuple"]:
        return tuple(tuple(r) if is_tuple else r[0] for r in res)
    return tuple(res) if is_tuple else res[0]


def hessian(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...],
            create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar function: for each pair of inputs, a tensor of shape
    input_i.shape + input_j.shape.

    >>> import funcgrad.torch as torch
    >>> torch.autograd.functional.hessian(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    _strategy(outer_jacobian_strategy, vectorize, "hessian")
    is_tuple, ins = _check_inputs(inputs, "hessian")
    if strict:
        _strict.check("hessian", func, ins, create_graph=create_graph, vectorize=vectorize)
    meta = {}
    f = _wrap(func, "hessian", meta)

    def scalar(*vals):
        out = f(*vals)
        if meta["tuple"] or fnp.size(out) != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return fnp.reshape(out, ())
    n = len(ins)
    hess = _jacobians.hessian(scalar, argnums=tuple(range(n)))
    res = _run("HessianBackward", lambda *vals: hess(*vals[:n]), ins, (), create_graph)
    return tuple(tuple(r) for r in res) if is_tuple else res[0][0]


def vjp(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...], v: Any = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), v^T J): the vector-Jacobian product, structured as inputs.

    >>> import funcgrad.torch as torch
    >>> torch.autograd.functional.vjp(lambda x: x * 3, torch.ones(2), torch.tensor([1.0, 2.0]))
    (tensor([3., 3.]), tensor([3., 6.]))
    """
    is_tuple, ins = _check_inputs(inputs, "vjp")
    meta = {}
    f = _wrap(func, "vjp", meta)
    n = len(ins)
    vs = () if v is None else (v if isinstance(v, tuple) else (v,))
    if strict:
        _strict.check("vjp", func, ins, vs or None, create_graph)

    def compute(*vals):
        out, pullback = _api.vjp(f, *vals[:n])
        if not vs:
            if meta["tuple"] or fnp.size(out) != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            cts = fnp.ones_like(out)
        else:
            cts = tuple(vals[n:]) if meta["tuple"] else vals[n]
        return out, pullback(cts)
    out, grads = _run("VjpBackward", compute, ins, vs, create_graph)
    return out, (tuple(grads) if is_tuple else grads[0])


def _input_vectors(v, is_tuple, ins):
    """The vectors v (one per input) of jvp/hvp/vhp; None only for a single one-element input."""
    if v is not None:
        return v if isinstance(v, tuple) else (v,)
    if is_tuple or ins[0].numel() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided "
                           "function is a single Tensor with a single element.")
    return (ones_like(ins[0]),)


def jvp(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...], v: Any = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), J v): the Jacobian-vector product, structured as the outputs.

    >>> import funcgrad.torch as torch
    >>> torch.autograd.functional.jvp(lambda x: x ** 2, torch.ones(2), torch.tensor([1.0, 2.0]))
    (tensor([1., 1.]), tensor([2., 4.]))
    """
    is_tuple, ins = _check_inputs(inputs, "jvp")
    meta = {}
    f = _wrap(func, "jvp", meta)
    n = len(ins)
    vs = _input_vectors(v, is_tuple, ins)
    if strict:
        _strict.check("jvp", func, ins, vs, create_graph)

    def compute(*vals):
        return _api.jvp(f, tuple(vals[:n]), tuple(vals[n:]))
    out, tangents = _run("JvpBackward", compute, ins, vs, create_graph)
    return out, tangents


def _hv(kind, func, inputs, v, create_graph, strict):
    is_tuple, ins = _check_inputs(inputs, kind)
    meta = {}
    f = _wrap(func, kind, meta)
    n = len(ins)
    vs = _input_vectors(v, is_tuple, ins)
    if strict:
        _strict.check(kind, func, ins, vs, create_graph)

    def scalar(*vals):
        out = f(*vals)
        if meta["tuple"] or fnp.size(out) != 1:
            raise RuntimeError(f"The function given in {kind} should return a single Tensor")
        return fnp.reshape(out, ())
    product = _jacobians.hvp if kind == "hvp" else _jacobians.vhp

    def compute(*vals):
        value, prod = product(scalar, tuple(vals[:n]), tuple(vals[n:]))
        return value, tuple(prod)
    value, prod = _run(kind.capitalize() + "Backward", compute, ins, vs, create_graph)
    return value, (tuple(prod) if is_tuple else prod[0])


def hvp(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...], v: Any = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), H v), H the Hessian of the scalar func.

    >>> import funcgrad.torch as torch
    >>> torch.autograd.functional.hvp(lambda x: (x ** 3).sum(), torch.ones(2), torch.ones(2))
    (tensor(2.), tensor([6., 6.]))
    """
    return _hv("hvp", func, inputs, v, create_graph, strict)


def vhp(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...], v: Any = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), v^T H), H the Hessian of the scalar func.

    >>> import funcgrad.torch as torch
    >>> torch.autograd.functional.vhp(lambda x: (x ** 3).sum(), torch.ones(2), torch.ones(2))
    (tensor(2.), tensor([6., 6.]))
    """
    return _hv("vhp", func, inputs, v, create_graph, strict)
