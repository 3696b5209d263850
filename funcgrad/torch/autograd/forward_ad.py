"""torch.autograd.forward_ad: forward-mode AD on dual tensors, as funcgrad's jvp.

A dual level is one funcgrad forward-mode trace (interpreters/ad.JVPTrace) kept open for the
`with` block; a dual tensor is a tensor whose data is that trace's tracer (a primal with its
tangent). Every torch operation on it runs through funcgrad's primitives, whose jvp rules carry
the tangent along, so nn layers, functional calls and anything else built of torch operations
propagate tangents with no code here. Once the level is left, its tracers compute on their
primals only: the tensors keep their values and lose their tangents, as PyTorch's do.

>>> import funcgrad.torch as torch
>>> import funcgrad.torch.autograd.forward_ad as fwAD
>>> with fwAD.dual_level():
...     x = fwAD.make_dual(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0]))
...     fwAD.unpack_dual(x * x).tangent
tensor([2., 0.])
"""
from __future__ import annotations

from typing import Any, NamedTuple

from ..._core.array import Array
from ...interpreters.ad import JVPTrace, JVPTracer
from .._dispatch import raw, value_of
from .._printing import format_tensor
from .._tensor import Tensor, _from_value

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level",
           "make_dual", "unpack_dual"]


class _DualTrace(JVPTrace):
    """The forward-mode trace of one dual level. After the level is left it stays usable (its
    tracers may live on in tensors): operations then compute on the primals and drop tangents."""
    name = "forward_ad"

    def __init__(self):
        super().__init__()
        self.exited = False

    def process_primitive(self, prim, args, params):
        if self.exited:
            return prim.bind(*[_primal_of(a) for a in args], **params)
        return super().process_primitive(prim, args, params)

    @staticmethod
    def show_tensor(t):
        """repr of a dual tensor: its primal's, with PyTorch's `tangent=...` suffix."""
        primal, tangent = unpack_dual(t)
        if tangent is None:
            return repr(primal)
        shown = repr(tangent.item()) if tangent.dim() == 0 else repr(tangent)
        return format_tensor(primal._data, repr(primal.dtype), requires_grad=t.requires_grad,
                             grad_fn=None if t.grad_fn is None else t.grad_fn.name(),
                             device=str(primal.device), prefix="tensor(",
                             extra=(f"tangent={shown}",))


def _primal_of(v):
    """v without the tangents of exited dual levels."""
    while type(v) is JVPTracer and type(v._trace) is _DualTrace and v._trace.exited:
        v = v.primal
    return v


_levels: list[_DualTrace] = []   # the level entered (PyTorch allows one at a time)


class UnpackedDualTensor(NamedTuple):
    """What unpack_dual returns: the primal and the tangent (None when there is none)."""
    primal: Any
    tangent: Any


def enter_dual_level() -> int:
    """Enter a new forward-mode level and return its index (0). Prefer `with dual_level():`.

    >>> import funcgrad.torch.autograd.forward_ad as fwAD
    >>> fwAD.enter_dual_level(), fwAD.exit_dual_level()
    (0, None)
    """
    if _levels:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _levels.append(_DualTrace())
    return len(_levels) - 1


def exit_dual_level(*, level: int | None = None) -> None:
    """Leave the current forward-mode level: its dual tensors become their primals.

    >>> import funcgrad.torch.autograd.forward_ad as fwAD
    >>> fwAD.exit_dual_level()
    Traceback (most recent call last):
    ...
    RuntimeError: Dual level must be a positive number.
    """
    if not _levels:
        raise RuntimeError("Dual level must be a positive number.")
    if level is not None and level != len(_levels) - 1:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was "
                           "created. This is not supported.")
    _levels.pop().exited = True


class dual_level:
    """Context manager of a forward-mode level: dual tensors made inside carry tangents there.

    >>> import funcgrad.torch as torch
    >>> import funcgrad.torch.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level() as level:
    ...     level
    0
    """

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: Any) -> None:
        exit_dual_level()

    def __call__(self, fn):
        """As a decorator: fn runs inside a dual level."""
        def run(*args, **kwargs):
            with dual_level():
                return fn(*args, **kwargs)
        return run


def _current(level, what):
    if not _levels:
        raise RuntimeError(f"Trying to {what} for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if level is not None and level != len(_levels) - 1:
        raise RuntimeError("Invalid level given to _make_dual")
    return _levels[-1]


def dual_trace_of(t: Tensor) -> Any:
    """The live dual level whose tangent tensor t carries (None: it carries none)."""
    d = t._data
    if type(d) is JVPTracer and type(d._trace) is _DualTrace and not d._trace.exited:
        return d._trace
    return None


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A dual tensor: `tensor`'s values with `tangent` as their forward gradient.

    >>> import funcgrad.torch as torch
    >>> import funcgrad.torch.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     print(fwAD.make_dual(torch.tensor(2.0), torch.tensor(3.0)))
    tensor(2., tangent=3.0)
    """
    trace = _current(level, "create a dual Tensor")
    if not (tensor.dtype.is_floating_point or tensor.dtype.is_complex):
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not (tangent.dtype.is_floating_point or tangent.dtype.is_complex):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError("Trying to set a forward gradient that has a different size than that "
                           "of the original Tensor, this is not supported. Tensor is of size "
                           f"{list(tensor.shape)} while the given forward gradient is of size "
                           f"{list(tangent.shape)}.")
    if dual_trace_of(tensor) is trace:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward "
                           f"gradient at the same level {len(_levels) - 1} is not supported.")
    tv = value_of(tangent.to(tensor.dtype))
    if tensor.requires_grad:
        # differentiable in the primal (PyTorch records a view): the tracer wraps the recorded
        # identity's data, so a reverse pass reaches `tensor` through it
        base = tensor.view_as(tensor)
        out = _from_value(JVPTracer(trace, value_of(base), tv))
        out._requires_grad, out._grad_fn = True, base._grad_fn
    else:
        out = _from_value(JVPTracer(trace, value_of(tensor), tv))
    # PyTorch stores the tangent as it is (even of another dtype): unpack_dual gives back this
    # very object while the dual's tangent is still the one made from it
    out._dual_tangent = (tangent, tv)
    return out


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """(primal, tangent) of a dual tensor; (tensor, None) for a tensor without a tangent.

    >>> import funcgrad.torch as torch
    >>> import funcgrad.torch.autograd.forward_ad as fwAD
    >>> fwAD.unpack_dual(torch.tensor([1.0]))
    UnpackedDualTensor(primal=tensor([1.]), tangent=None)
    """
    d = tensor._data
    if type(d) is not JVPTracer:
        return UnpackedDualTensor(tensor, None)
    trace = dual_trace_of(tensor)
    primal = _primal_of(d)
    if trace is None:
        return UnpackedDualTensor(tensor if primal is d else _as_tensor(primal, tensor), None)
    given, made = tensor.__dict__.get("_dual_tangent", (None, None))
    if given is not None and d.tangent is made:
        return UnpackedDualTensor(_as_tensor(d.primal, tensor), given)
    return UnpackedDualTensor(_as_tensor(d.primal, tensor), _as_tensor(d.tangent, tensor))


def _as_tensor(v, like):
    t = Tensor._make(raw(v) if type(v) is Array else v)
    if like.requires_grad and like._grad_fn is not None:
        t._requires_grad, t._grad_fn = True, like._grad_fn
    return t
