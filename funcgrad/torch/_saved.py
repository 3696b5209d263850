"""The _saved_* attributes of a grad_fn (MulBackward0._saved_self, MmBackward0._saved_mat2,
SumBackward1._saved_dim, ...), as PyTorch names them and for the common operations. A recorded
node here holds its operation's inputs and its tape, not PyTorch's list of saved values: each
attribute is read from those (the input tensors themselves, the result, the operation's
arguments), by the table below.

>>> import funcgrad.torch as torch
>>> x = torch.tensor([[1.0, 2.0]], requires_grad=True)
>>> y = x.sum(1)
>>> y.grad_fn._saved_dim, y.grad_fn._saved_keepdim, y.grad_fn._saved_self_sym_sizes
((1,), False, (1, 2))
"""
from __future__ import annotations

from typing import Any, Callable

from . import _dispatch
from ._graph import FREED, PrimitiveNode

INT64_MAX = 2 ** 63 - 1
_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


class _Operation:
    """What a node recorded of its operation: the input tensors in order, the result, the
    arguments the operation's function closed over (or the primitive's parameters)."""

    def __init__(self, node: Any) -> None:
        if node._inputs is None:
            raise RuntimeError(FREED)
        self.node = node
        self.args = list(node._inputs)
        self.tensors = [a for a in self.args if isinstance(a, _dispatch.Tensor)]

    def t(self, k: int) -> Any:
        return self.tensors[k]

    def number(self) -> Any:
        """The operand that is a Python number (x * 2), as PyTorch saves it: a 0-d tensor."""
        for a in self.args:
            if not isinstance(a, _dispatch.Tensor):
                return _dispatch._from_value(a, self.tensors[0].dtype)
        return None

    def sizes(self, k: int) -> tuple[int, ...]:
        return tuple(self.tensors[k].shape)

    def strides(self, k: int) -> tuple[int, ...]:
        return tuple(self.tensors[k].stride())

    def result(self) -> Any:
        """The output, a tensor whose grad_fn is this node (as PyTorch unpacks a saved output)."""
        tape = self.node._tape
        if isinstance(self.node, PrimitiveNode):
            value = tape[3]
        else:
            out, index = tape[0][0]
            value = out.ans if index is None or not out.prim.multiple_results else \
                out.ans[index]
        t = _dispatch._from_value(value)
        t._requires_grad, t._grad_fn = True, self.node
        return t

    def arg(self, name: str, default: Any = None) -> Any:
        """An argument of the operation: a parameter of its primitive, or a variable its
        function closed over (default where it has none of that name)."""
        if isinstance(self.node, PrimitiveNode):
            return self.node._tape[1].get(name, default)
        fn = self.node._fn
        names = fn.__code__.co_freevars
        if name not in names:
            return default
        return fn.__closure__[names.index(name)].cell_contents

    def tensor(self, value: Any) -> Any:
        return _dispatch._from_value(value)


def _requires_grad(t: Any) -> bool:
    return isinstance(t, _dispatch.Tensor) and t._requires_grad


def _product_operand(k: int) -> Callable[[_Operation], Any]:
    """Operand k of a product, saved only when the other operand requires grad (PyTorch saves
    what the backward will read)."""
    def get(op: _Operation) -> Any:
        other = op.args[1 - k]
        if not _requires_grad(other):
            return None
        mine = op.args[k]
        return mine if isinstance(mine, _dispatch.Tensor) else op.number()
    return get


def _axis_index(op: _Operation) -> tuple[int, Any]:
    """(dimension, the integer or slice there) of a one-dimension x[..., i] / x[..., a:b]."""
    idx = op.arg("idx")
    for d, i in enumerate(idx):
        if not (isinstance(i, slice) and i == slice(None)):
            return d, i
    return len(idx) - 1, idx[-1]


def _slice_bounds(op: _Operation) -> tuple[int, int, int]:
    s = _axis_index(op)[1]
    return (0 if s.start is None else s.start, INT64_MAX if s.stop is None else s.stop,
            1 if s.step is None else s.step)


SELF = {"_saved_self": lambda op: op.t(0)}
RESULT = {"_saved_result": lambda op: op.result()}
SIZES = {"_saved_self_sym_sizes": lambda op: op.sizes(0)}


def _matrices(first: str, i: int, j: int) -> dict[str, Callable[[_Operation], Any]]:
    return {f"_saved_{first}": lambda op: op.t(i),
            f"_saved_{first}_sym_sizes": lambda op: op.sizes(i),
            f"_saved_{first}_sym_strides": lambda op: op.strides(i),
            "_saved_mat2": lambda op: op.t(j),
            "_saved_mat2_sym_sizes": lambda op: op.sizes(j),
            "_saved_mat2_sym_strides": lambda op: op.strides(j)}


def _addmm_matrix(k: int) -> Callable[[_Operation], Any]:
    """mat1 (k=0) or mat2 (k=1) of an addmm: its inputs are (bias, mat1, mat2); a linear
    layer's, recorded as addmm too, are (bias, input, weight), mat2 being weight.t()."""
    def get(op: _Operation) -> Any:
        if op.arg("alpha") is not None or k == 0:
            return op.t(1 + k)
        return op.t(2).t()
    return get


def _transposed_dims(op: _Operation) -> tuple[int, int]:
    perm = op.arg("perm")
    moved = [d for d, p in enumerate(perm) if d != p]
    return (moved[0], moved[1]) if moved else (0, 0)


TABLE: dict[str, dict[str, Callable[[_Operation], Any]]] = {
    "AddBackward0": {"_saved_alpha": lambda op: 1},
    "SubBackward0": {"_saved_alpha": lambda op: 1},
    "RsubBackward1": {"_saved_alpha": lambda op: op.arg("alpha")},
    "MulBackward0": {"_saved_self": _product_operand(0), "_saved_other": _product_operand(1)},
    "DivBackward0": {"_saved_self": _product_operand(0), "_saved_other": lambda op: op.t(1)},
    "MmBackward0": _matrices("self", 0, 1),
    "AddmmBackward0": {"_saved_mat1": _addmm_matrix(0), "_saved_mat2": _addmm_matrix(1),
                       "_saved_mat1_sym_sizes": lambda op: tuple(_addmm_matrix(0)(op).shape),
                       "_saved_mat2_sym_sizes": lambda op: tuple(_addmm_matrix(1)(op).shape),
                       "_saved_mat1_sym_strides": lambda op: _addmm_matrix(0)(op).stride(),
                       "_saved_mat2_sym_strides": lambda op: _addmm_matrix(1)(op).stride(),
                       "_saved_alpha": lambda op: op.arg("alpha", 1),
                       "_saved_beta": lambda op: op.arg("beta", 1)},
    "MvBackward0": {**SELF, "_saved_vec": lambda op: op.t(1)},
    "DotBackward0": {**SELF, "_saved_tensor": lambda op: op.t(1)},
    "BmmBackward0": {**SELF, "_saved_mat2": lambda op: op.t(1)},
    "SumBackward0": SIZES,
    "SumBackward1": {**SIZES, "_saved_dim": lambda op: tuple(op.arg("axes")),
                     "_saved_keepdim": lambda op: op.result().ndim == op.t(0).ndim},
    "MeanBackward0": {**SIZES, "_saved_self_sym_numel": lambda op: op.t(0).numel()},
    "PowBackward0": {**SELF, "_saved_exponent": lambda op: op.arg("y")},
    "PowBackward1": {**SELF, **RESULT, "_saved_exponent": lambda op: op.t(1)},
    "ExpBackward0": RESULT, "ReluBackward0": RESULT, "SigmoidBackward0": RESULT,
    "TanhBackward0": RESULT, "SqrtBackward0": RESULT,
    "LogBackward0": SELF, "SinBackward0": SELF, "CosBackward0": SELF, "AbsBackward0": SELF,
    "MaxBackward1": {**SELF, **RESULT}, "MinBackward1": {**SELF, **RESULT},
    "ProdBackward0": {**SELF, **RESULT},
    "ViewBackward0": SIZES, "SqueezeBackward0": SIZES, "ExpandBackward0": SIZES,
    "UnsqueezeBackward0": {"_saved_dim": lambda op: op.arg("d")},
    "CatBackward0": {"_saved_dim": lambda op: op.arg("d")},
    "StackBackward0": {"_saved_dim": lambda op: op.arg("d")},
    "SoftmaxBackward0": {**RESULT, "_saved_dim": lambda op: op.arg("d")},
    "LogSoftmaxBackward0": {**RESULT, "_saved_dim": lambda op: op.arg("d")},
    "TransposeBackward0": {"_saved_dim0": lambda op: _transposed_dims(op)[0],
                           "_saved_dim1": lambda op: _transposed_dims(op)[1]},
    "WhereBackward0": {"_saved_condition": lambda op: op.tensor(op.arg("c"))},
    "MaxBackward0": {**SIZES, "_saved_dim": lambda op: op.arg("d"),
                     "_saved_keepdim": lambda op: op.arg("keepdim"),
                     "_saved_indices": lambda op: op.tensor(op.arg("at"))},
    "PermuteBackward0": {"_saved_dims": lambda op: tuple(op.arg("dims"))},
    "SelectBackward0": {**SIZES, "_saved_dim": lambda op: _axis_index(op)[0],
                        "_saved_index": lambda op: _axis_index(op)[1]},
    "SliceBackward0": {**SIZES, "_saved_dim": lambda op: _axis_index(op)[0],
                       "_saved_start": lambda op: _slice_bounds(op)[0],
                       "_saved_end": lambda op: _slice_bounds(op)[1],
                       "_saved_step": lambda op: _slice_bounds(op)[2]},
    "MseLossBackward0": {**SELF, "_saved_target": lambda op: op.t(1),
                         "_saved_reduction": lambda op: _REDUCTIONS[op.arg("reduction")]},
    "GeluBackward0": {**SELF, "_saved_approximate":
                      lambda op: "tanh" if op.arg("tanh_form") else "none"},
    "LinalgVectorNormBackward0": {**SELF, **RESULT, "_saved_dim": lambda op: op.arg("dims"),
                                  "_saved_keepdim": lambda op: op.arg("keepdim"),
                                  "_saved_ord": lambda op: op.arg("p")},
}


def saved_names(node: Any) -> list[str]:
    """The _saved_* attributes node has (dir(grad_fn) lists them)."""
    return sorted(TABLE.get(node.name(), ()))


def saved_attribute(node: Any, attr: str) -> Any:
    """grad_fn._saved_<name>: AttributeError where the node has none of that name, PyTorch's
    error once backward has freed what the node saved."""
    getter = TABLE.get(node.name(), {}).get(attr)
    if getter is None:
        raise AttributeError(f"'{node.name()}' object has no attribute '{attr}'")
    return getter(_Operation(node))
