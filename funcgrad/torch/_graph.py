"""The recorded graph: one node per torch operation (named as PyTorch names them, MulBackward0,
AddmmBackward0, ...), whose backward is funcgrad's reverse pass over the primitives the operation
was computed with. The layer has no derivative formulas of its own."""
from __future__ import annotations

from ..interpreters.ad import backward as _reverse_pass

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")


class Node:
    """A grad_fn. `next_functions` are (node, output index) pairs, one per input, as PyTorch's."""
    __slots__ = ("next_functions", "_hooks", "_pre_hooks", "_retained", "_tensor_hooks",
                 "__weakref__")

    def __init__(self, next_functions=()):
        self.next_functions = tuple(next_functions)
        self._hooks, self._pre_hooks = [], []
        self._retained = {}      # output index -> tensor whose .grad to fill (retain_grad)
        self._tensor_hooks = {}  # output index -> hooks registered on that output tensor

    def name(self):
        return type(self).__name__

    def register_hook(self, hook):
        self._hooks.append(hook)
        return _Handle(self._hooks, hook)

    def register_prehook(self, hook):
        self._pre_hooks.append(hook)
        return _Handle(self._pre_hooks, hook)

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"


class _Handle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class AccumulateGrad(Node):
    """The end of the graph for a leaf that requires grad: adds the gradient into .grad."""
    __slots__ = ("variable",)

    def __init__(self, variable):
        super().__init__(())
        self.variable = variable


class FunctionNode(Node):
    """A recorded operation: the funcgrad tape of its forward computation (out_nodes -> in_nodes),
    the inputs (for create_graph, which recomputes through a recorded operation), and the versions
    of the tensors its backward reads."""
    __slots__ = ("_fn", "_tape", "_inputs", "_saved", "_n_outputs")

    def __init__(self, next_functions, fn, tape, inputs, saved, n_outputs):
        super().__init__(next_functions)
        self._fn, self._tape, self._inputs = fn, tape, inputs
        self._saved, self._n_outputs = saved, n_outputs

    def check_saved(self):
        if self._tape is None:
            raise RuntimeError(_FREED)
        for t, version in self._saved:
            if t._version[0] != version:
                from ._dtypes import type_string
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{type_string(t)} {list(t.shape)}], which is output "
                    f"0 of {t.grad_fn.name() if t.grad_fn is not None else 'AccumulateGrad'}, is "
                    f"at version {t._version[0]}; expected version {version} instead. Hint: the "
                    "backtrace further above can point to the operation that failed to compute "
                    "its gradient. The variable in question was changed in there or anywhere "
                    "later. Good luck!")

    def apply(self, cts):
        """Input cotangents (funcgrad values, or None) from output cotangents."""
        out_nodes, in_nodes = self._tape
        roots = [(n, k, c) for (n, k), c in zip(out_nodes, cts) if n is not None and c is not None]
        leaf_cts = _reverse_pass(roots)
        return [None if n is None else leaf_cts.get(n) for n in in_nodes]

    def free(self):
        self._tape = None
        self._inputs = None

    def backward_tensors(self, cts, create_graph):
        """Gradients (tensors) for each input from the output gradients (tensors or None)."""
        from ._dispatch import apply_backward_tracked, value_of
        from ._tensor import _from_value
        if create_graph:
            got = apply_backward_tracked(self, cts)
            return list(got) if isinstance(got, tuple) else [got]
        vals = self.apply([None if c is None else value_of(c) for c in cts])
        return [None if v is None else _from_value(v) for v in vals]


_classes: dict = {}


def node_class(name, base=FunctionNode):
    """The Node subclass of that name, so type(t.grad_fn).__name__ is PyTorch's."""
    cls = _classes.get(name)
    if cls is None:
        cls = _classes[name] = type(name, (base,), {"__slots__": ()})
    return cls
