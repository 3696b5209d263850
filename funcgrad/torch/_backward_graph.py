"""The graph a create_graph=True backward records, node by node as PyTorch's: each primitive
that a node's backward computes (funcgrad's vjp rule of the operation, run on the node's inputs
and output gradients) is itself a recorded torch operation, named after what PyTorch names the
node of that operation (MulBackward0, CosBackward0, ...). So d/dx sin(x) is
MulBackward0(None, CosBackward0(x)), as in PyTorch, and every node of it can be differentiated
again.

The vjp rules see the tensors through a trace (TensorTrace) whose tracers hold tensors: a
primitive bound on them runs as dispatch.apply_op of that primitive, which records it.

>>> import funcgrad.torch as torch
>>> x = torch.tensor([1.0, 2.0], requires_grad=True)
>>> g, = torch.autograd.grad(x.sin().sum(), x, create_graph=True)
>>> type(g.grad_fn).__name__, [type(n).__name__ for n, _ in g.grad_fn.next_functions]
('MulBackward0', ['NoneType', 'CosBackward0'])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._core.array import Array
from .._core.trace import Trace, Tracer, get_aval, new_trace
from ..interpreters.ad import ReverseTracer, backward as _reverse_pass
from ..lax.shape import zeros_like_aval
from . import _dispatch

# PyTorch's node for the operation a funcgrad primitive computes, where the name differs from
# the primitive's in CamelCase + "Backward0" (reduce_sum -> SumBackward1, ...)
NAMES = {
    "add_any": "AddBackward0", "integer_pow": "PowBackward0", "pow": "PowBackward1",
    "logistic": "SigmoidBackward0", "reduce_sum": "SumBackward1", "reduce_max": "AmaxBackward0",
    "reduce_min": "AminBackward0", "reduce_prod": "ProdBackward1", "max": "MaximumBackward0",
    "min": "MinimumBackward0", "broadcast_in_dim": "ExpandBackward0", "reshape": "ViewBackward0",
    "transpose": "PermuteBackward0", "select_n": "WhereBackward0",
    "convert_element_type": "ToCopyBackward0", "expand_dims": "UnsqueezeBackward0",
    "squeeze": "SqueezeBackward1", "concatenate": "CatBackward0", "pad": "ConstantPadNdBackward0",
    "dynamic_slice": "SliceBackward0", "dynamic_update_slice": "SliceScatterBackward0",
    "cumsum": "CumsumBackward0", "square": "PowBackward0", "copy": "CloneBackward0",
    "copy_p": "CloneBackward0", "rev": "FlipBackward0", "scatter_add": "ScatterAddBackward0",
    "sign": "SgnBackward0",
}
# arithmetic with a constant number: PyTorch's formulas call its Scalar overloads (MulBackward1),
# whose node has an edge for the tensor operand only
SCALAR_FORMS = {"mul": "MulBackward1", "div": "DivBackward1", "add": "AddBackward1",
                "sub": "SubBackward1"}


def _node_name(prim: Any, args: list) -> str:
    name = NAMES.get(prim.name)
    if name is not None:
        return name
    if prim.name == "dot_general":
        ndims = tuple(len(get_aval(a).shape) for a in args)
        if 0 in ndims:
            return "MulBackward0"
        return {(2, 2): "MmBackward0", (2, 1): "MvBackward0", (1, 2): "MvBackward0",
                (1, 1): "DotBackward0",
                (3, 3): "BmmBackward0"}.get(ndims, "MmBackward0")
    if prim.name == "transpose" and len(get_aval(args[0]).shape) == 2:
        return "TBackward0"
    return "".join(p.capitalize() for p in prim.name.split("_")) + "Backward0"


class TensorTracer(Tracer):
    __slots__ = ("tensor",)

    def __init__(self, trace: Trace, tensor: Any) -> None:
        self._trace, self.tensor = trace, tensor

    @property
    def aval(self) -> Any:
        return get_aval(self.tensor._data)

    shape = property(lambda self: self.tensor._data.shape)
    dtype = property(lambda self: self.tensor._data.dtype)


class TensorTrace(Trace):
    """Primitives on tensors, each one a recorded torch operation."""
    name = "torch autograd (create_graph)"
    has_concrete_values = True

    def process_primitive(self, prim: Any, args: Any, params: dict) -> Any:
        ins, consts = [], {}
        for i, a in enumerate(args):
            if isinstance(a, TensorTracer) and a._trace is self:
                ins.append(a.tensor)
            elif prim.name in SCALAR_FORMS and not get_aval(a).shape:
                consts[i] = a  # a number: no edge (PyTorch's Scalar overload)
            else:  # a constant array: an input that requires no grad, as PyTorch's
                ins.append(_dispatch._from_value(a) if _is_array(a) else a)
        if prim.name == "mul" and len(ins) == 1 and _is_one(consts, ins[0]):
            # a rule's multiplication by the number 1: no node, as PyTorch's formulas have none
            return TensorTracer(self, ins[0])
        name = SCALAR_FORMS[prim.name] if consts and len(ins) == 1 else _node_name(prim, args)

        def fn(*vals: Any) -> Any:
            it = iter(vals)
            full = [consts[i] if i in consts else next(it) for i in range(len(args))]
            out = prim.bind(*full, **params)
            return tuple(out) if prim.multiple_results else out
        out = _dispatch.apply_op(name, fn, ins, saves=False)
        if prim.multiple_results:
            return [TensorTracer(self, t) for t in out]
        return TensorTracer(self, out)

    def concrete(self, tracer: Any, why: str) -> Any:
        return _dispatch.value_of(tracer.tensor.detach())


def _is_one(consts: dict, t: Any) -> bool:
    """Whether the one constant is the number 1, multiplying t without changing its dtype."""
    (c,) = consts.values()
    if isinstance(c, Tracer):
        return False
    v = np.asarray(getattr(c, "_value", c))
    return v.dtype == t._data.dtype and bool(v == 1)


def _is_array(a: Any) -> bool:
    return isinstance(a, (Array, np.ndarray, np.generic))


def recorded_backward(node: Any, cts: list) -> list:
    """node's gradients per entry of next_functions (tensors, None where no gradient flows),
    from output gradients cts (tensors or None), every step of them recorded."""
    inputs, fn = node._inputs, node._fn
    edge_pos, differentiable = node.edge_positions()
    wanted = [i for i, d in zip(edge_pos, differentiable) if d]
    with new_trace(TensorTrace) as tt:
        args = [TensorTracer(tt, a) if isinstance(a, _dispatch.Tensor) else a for a in inputs]
        trace = _dispatch.OpTrace()
        try:
            ins = [trace.new_input(v) if i in wanted else v for i, v in enumerate(args)]
            out = fn(*ins)
        finally:
            trace.alive = False
        outs = out if isinstance(out, tuple) else (out,)
        roots = [(o.node, o.index, TensorTracer(tt, c)) for o, c in zip(outs, cts)
                 if type(o) is ReverseTracer and o._trace is trace and c is not None]
        leaf = _reverse_pass(roots) if roots else {}
        got = iter([_as_tensor(leaf.get(ins[i].node), args[i], tt) for i in wanted])
    return [next(got) if d else None for d in differentiable]


def _as_tensor(ct: Any, like: Any, tt: Trace) -> Any:
    if ct is None:
        ct = zeros_like_aval(get_aval(like.tensor._data if isinstance(like, TensorTracer)
                                      else like))
    if isinstance(ct, TensorTracer) and ct._trace is tt:
        return ct.tensor
    return _dispatch._from_value(ct)
