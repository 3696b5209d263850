"""strict=True of torch.autograd.functional: PyTorch refuses an output that does not depend on
an input (or a Jacobian, for the second-order functions, that does not), which it sees in its
autograd graph. The same graph exists here: the function runs once more on fresh leaves that
require grad, and the checks read which gradients backward reaches, with PyTorch's messages.

>>> import funcgrad.torch as torch
>>> torch.autograd.functional.jacobian(lambda x: torch.ones(2), torch.ones(2), strict=True)
Traceback (most recent call last):
...
RuntimeError: Output 0 of the user-provided function does not require gradients. The outputs must be computed in a differentiable manner from the input when running in strict mode.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from .._factories import zeros_like
from .._grad_mode import enable_grad
from . import grad as _grad

_IN_STRICT = " This is not allowed in strict mode."


def _run(func: Callable[..., Any], inputs: Sequence[Any]) -> tuple[tuple, tuple]:
    """(leaves, outputs): func on fresh leaves like inputs that require grad, its outputs
    checked to depend on them at all."""
    xs = tuple(t.detach().requires_grad_(True) for t in inputs)
    out = func(*xs)
    outs = out if isinstance(out, tuple) else (out,)
    for i, o in enumerate(outs):
        if not o.requires_grad:
            raise RuntimeError(f"Output {i} of the user-provided function does not require "
                               "gradients. The outputs must be computed in a differentiable "
                               "manner from the input when running in strict mode.")
    return xs, outs


def _grads(outs: Sequence[Any], xs: Sequence[Any], cts: Sequence[Any] | None = None,
           create_graph: bool = False) -> tuple:
    outs = [o for o in outs if o.requires_grad]
    return _grad(outs, list(xs), None if cts is None else list(cts), retain_graph=True,
                 create_graph=create_graph, allow_unused=True) if outs else (None,) * len(xs)


def _jacobian_of(outs: Sequence[Any], xs: Sequence[Any]) -> tuple:
    """The first derivatives of a one-output function, which the second-order functions need
    to depend on the inputs."""
    jac = _grads(outs, xs, create_graph=True)
    for i, g in enumerate(jac):
        if g is None or not g.requires_grad:
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided "
                f"function with respect to input {i} is independent of the input." + _IN_STRICT +
                " You should ensure that your function is twice differentiable and that the "
                "jacobian depends on the inputs (this would be violated by a linear function "
                "for example).")
    return jac


def check(kind: str, func: Callable[..., Any], inputs: Sequence[Any],
          vs: Sequence[Any] = (), create_graph: bool = False, vectorize: bool = False) -> None:
    """PyTorch's strict-mode errors of torch.autograd.functional.`kind` for func at inputs
    (vs: the vectors v of vjp/jvp/hvp/vhp)."""
    if kind == "jacobian" and vectorize:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                           "`vectorized=True` are not supported together. Please either set "
                           "`strict=False` or `vectorize=False`.")
    with enable_grad():
        xs, outs = _run(func, inputs)
        if kind == "jacobian":
            _each_depends(outs, xs, create_graph)
        elif kind == "vjp":
            _filled(_grads(outs, xs, vs, create_graph), "The output of the user-provided "
                    "function is independent of input {}." + _IN_STRICT, create_graph, "jacobian")
        elif kind == "jvp":
            dummies = [zeros_like(o).requires_grad_(True) for o in outs]
            back = _grads(outs, xs, dummies, create_graph=True)
            for i, g in enumerate(back):
                if g is None:
                    raise RuntimeError("The output of the user-provided function is "
                                       f"independent of input {i}." + _IN_STRICT)
            _filled(_grads(back, dummies, vs, create_graph),
                    "The gradient with respect to the input is independent of entry {} in the "
                    "grad_outputs when using the double backward trick to compute forward mode "
                    "gradients." + _IN_STRICT, create_graph, "jacobian")
        elif kind == "vhp":
            jac = _jacobian_of(outs, xs)
            _filled(_grads(jac, xs, vs, create_graph), "The jacobian of the user-provided "
                    "function is independent of input {}." + _IN_STRICT, create_graph, "hessian")
        elif kind == "hvp":
            jac = _jacobian_of(outs, xs)
            dummies = [zeros_like(x).requires_grad_(True) for x in xs]
            back = _grads(jac, xs, dummies, create_graph=True)
            _filled(_grads(back, dummies, vs, create_graph),
                    "The hessian of the user-provided function is independent of entry {} in "
                    "the grad_jacobian. This is not allowed in strict mode as it prevents from "
                    "using the double backward trick to replace forward mode AD.",
                    create_graph, "hessian")
        elif kind == "hessian":
            _each_depends(_jacobian_of(outs, xs), xs, create_graph)


def _each_depends(outs: Sequence[Any], xs: Sequence[Any], create_graph: bool) -> None:
    """Every output of a Jacobian's function depends on every input."""
    for i, o in enumerate(outs):
        for j, g in enumerate(_grads((o.sum(),), xs, create_graph=create_graph)):
            if g is None:
                raise RuntimeError(f"Output {i} of the user-provided function is independent "
                                   f"of input {j}." + _IN_STRICT)
            if create_graph and not g.requires_grad:
                raise RuntimeError(f"The jacobian of the user-provided function is independent "
                                   f"of input {i}. This is not allowed in strict mode when "
                                   "create_graph=True.")


def _filled(grads: Sequence[Any], missing: str, create_graph: bool, what: str) -> None:
    for i, g in enumerate(grads):
        if g is None:
            raise RuntimeError(missing.format(i))
        if create_graph and not g.requires_grad:
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
