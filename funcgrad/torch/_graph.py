"""The recorded graph: one node per torch operation (named as PyTorch names them, MulBackward0,
AddmmBackward0, ...), whose backward is funcgrad's reverse pass over the primitives the operation
was computed with. The layer has no derivative formulas of its own."""
from __future__ import annotations

import inspect as _inspect
import re

import numpy as np

from .._core import backend
from .._core.array import Array
from ..interpreters.ad import apply_vjp
from ..interpreters.ad import backward as _reverse_pass
from ..lax.device import device_put
from ..lax.elementwise import conj as _lax_conj
from ..lax.shape import zeros_like_aval as _zeros_like_aval
from ._anomaly import forward_stack, state as _anomaly
from ._dtypes import type_string

FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
         "after they have already been freed). Saved intermediate values of the graph are freed "
         "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
         "backward through the graph a second time or if you need to access saved tensors after "
         "calling backward.")
_FREED = FREED  # (older name)


def _anomaly_metadata():
    """A new node's metadata in anomaly mode: the forward call's stack, as PyTorch's."""
    return {"traceback_": forward_stack()}


class Node:
    """A grad_fn. `next_functions` are (node, output index) pairs, one per input, as PyTorch's."""
    __slots__ = ("next_functions", "_hooks", "_pre_hooks", "_retained", "_tensor_hooks",
                 "_metadata", "__weakref__")

    def __init__(self, next_functions=()):
        self.next_functions = tuple(next_functions)
        self._hooks = self._pre_hooks = self._retained = self._tensor_hooks = None
        self._metadata = _anomaly_metadata() if _anomaly.enabled else None

    @property
    def metadata(self):
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def name(self):
        return type(self).__name__

    def register_hook(self, hook):
        """hook(grad_inputs, grad_outputs) -> None or replacement grad_inputs, after the node's
        backward."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _Handle(self._hooks, hook)

    def register_prehook(self, hook):
        """hook(grad_outputs) -> None or replacement grad_outputs, before the node's backward."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(hook)
        return _Handle(self._pre_hooks, hook)

    def _add_tensor_hook(self, k, hook):
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        hooks = self._tensor_hooks.setdefault(k, [])
        hooks.append(hook)
        return _Handle(hooks, hook)

    def _retain(self, k, tensor):
        if self._retained is None:
            self._retained = {}
        self._retained[k] = tensor

    def __call__(self, *grad_outputs):
        raise RuntimeError(f"calling {self.name()} directly is not supported; use "
                           "torch.autograd.grad")

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    def __getattr__(self, attr):
        """_saved_self, _saved_other, ...: what the operation saved, as PyTorch names it."""
        if attr.startswith("_saved_"):
            return _saved.saved_attribute(self, attr)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attr}'")

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(_saved.saved_names(self)))


class _Handle:
    """What register_hook returns: .remove() takes the hook off again."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class AccumulateGrad(Node):
    """The end of the graph for a leaf that requires grad: adds the gradient into .grad."""
    __slots__ = ("variable",)

    def __init__(self, variable):
        super().__init__(())
        self.variable = variable


# whether funcgrad's reverse pass takes a tape's order (interpreters/ad.backward's `order`)
_ORDERED = "order" in _inspect.signature(_reverse_pass).parameters


def _one_step(node, in_nodes):
    """Whether a tape is one primitive applied to this operation's inputs (the usual case: one
    torch operation, one funcgrad primitive), which its vjp rule differentiates directly."""
    prim = node.prim
    if prim is None or prim.multiple_results:
        return False
    for _, parent, _ in node.parents:
        if parent.prim is not None or parent not in in_nodes:
            return False
    return True


def _single_primitive_vjp(node, ct, in_nodes):
    """funcgrad's reverse pass over a one-primitive tape, without the general walk: the
    primitive's vjp applied as the reverse pass applies it (interpreters/ad.apply_vjp)."""
    if ct is None:
        return [None] * len(in_nodes)
    got = {}
    for (parent, _), c in apply_vjp(node.prim, node.params, node.args, node.ans, node.parents,
                                    ct, node.residuals):
        if c is not None:
            old = got.get(parent)
            got[parent] = c if old is None else old + c
    return [None if n is None else got.get(n) for n in in_nodes]


def _zeros_for_missing(got, in_nodes):
    """PyTorch hands a connected input zeros where funcgrad's derivative is a symbolic zero."""
    for i, (g, n) in enumerate(zip(got, in_nodes)):
        if g is None and n is not None:
            got[i] = _zeros_like_input(n.ans)
    return got


def _zeros_like_input(x):
    """Zeros for an input value x whose derivative is a symbolic zero, on x's device (PyTorch
    hands every input its gradient on the input's device)."""
    z = _zeros_like_aval(x)
    v = x._value if type(x) is Array else None
    return z if v is None or type(v) is np.ndarray else device_put(z, backend.device_of(v))


def _short_name(name):
    return re.sub(r"Backward\d*$", "", name)


class FunctionNode(Node):
    """A recorded operation: the funcgrad tape of its forward computation (output nodes, the
    input node behind each entry of next_functions, and which argument that entry is), its
    arguments (create_graph recomputes through a recorded operation), and the version counters of
    the tensors its backward reads."""
    __slots__ = ("_fn", "_tape", "_inputs", "_saved", "_n_outputs")

    def __init__(self, next_functions, fn, tape, inputs, saved, n_outputs):
        self.next_functions = tuple(next_functions)
        self._hooks = self._pre_hooks = self._retained = self._tensor_hooks = None
        self._metadata = _anomaly_metadata() if _anomaly.enabled else None
        self._fn, self._tape, self._inputs = fn, tape, inputs
        self._saved, self._n_outputs = saved, n_outputs

    def check_saved(self):
        if self._tape is None:
            raise RuntimeError(FREED)
        for counter, version, t, out in self._saved:
            if counter[0] != version:
                if out is None:
                    desc = f"[{type_string(t)} {list(t.shape)}]"
                    fn = t._grad_fn
                else:
                    dtype, shape, fn = out
                    desc = f"[{type_string(dtype)} {list(shape)}]"
                which = "" if fn is None else f", which is output 0 of {_short_name(fn.name())},"
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: {desc}{which} is at version {counter[0]}; expected "
                    f"version {version} instead. Hint: enable anomaly detection to find the "
                    "operation that failed to compute its gradient, with torch.autograd."
                    "set_detect_anomaly(True).")

    def apply(self, cts):
        """Cotangents (funcgrad values, or None) per entry of next_functions, from the output
        cotangents."""
        out_nodes, in_nodes, _, order = self._tape
        if len(out_nodes) == 1:
            prim_node = out_nodes[0][0]
            if prim_node is not None and _one_step(prim_node, in_nodes):
                got = _single_primitive_vjp(prim_node, cts[0], in_nodes)
                return _zeros_for_missing(got, in_nodes) if cts[0] is not None else got
        roots = [(n, k, c) for (n, k), c in zip(out_nodes, cts) if n is not None and c is not None]
        if not roots:
            if all(c is None for c in cts):
                return [None] * len(in_nodes)
            return _zeros_for_missing([None] * len(in_nodes), in_nodes)
        leaf_cts = _reverse_pass(roots) if order is None or not _ORDERED else \
            _reverse_pass(roots, order=order)
        return _zeros_for_missing([None if n is None else leaf_cts.get(n) for n in in_nodes],
                                  in_nodes)

    def edge_positions(self):
        """(the argument behind each entry of next_functions, whether gradient flows there)."""
        _, in_nodes, edge_pos, _ = self._tape
        return edge_pos, [n is not None for n in in_nodes]

    def free(self):
        """After a backward without retain_graph: drop the tape, as PyTorch frees the saved
        tensors (a node that saves none can run again, as in PyTorch)."""
        if self._saved:
            self._tape = None
            self._inputs = None

    def backward_values(self, cts, create_graph):
        """Gradients per entry of next_functions from the output gradients (None: zero): funcgrad
        values, or tensors recorded for a further backward when create_graph.

        A complex gradient is PyTorch's convention (the conjugate of funcgrad's cotangent, JAX's
        convention): the vjp runs on the conjugated gradients and its results are conjugated."""
        conj = False
        for c in cts:
            if c is not None and _is_complex(c):
                conj = True
                cts = [_conj(c) for c in cts]
                break
        got = _backward_graph.recorded_backward(self, cts) if create_graph else self.apply(cts)
        if conj or self._complex_inputs():
            got = [_conj(g) for g in got]
        return got

    def _complex_inputs(self):
        inputs = self._inputs
        if inputs is None:
            return False
        for a in inputs:
            d = getattr(a, "_data", None)
            if d is not None and d.dtype.kind == "c":
                return True
        return False


def _is_complex(v):
    """Whether gradient v (a funcgrad value, or a tensor under create_graph) is complex."""
    return getattr(v, "_data", v).dtype.kind == "c"


def _conj(v):
    if v is None or not _is_complex(v):
        return v
    if hasattr(v, "_data"):
        return v.conj()
    return _lax_conj(v) + 0.0  # (+ 0.0: a zero imaginary part stays +0, as PyTorch prints it)


class PrimitiveNode(FunctionNode):
    """A recorded operation that is one funcgrad primitive applied to the operation's inputs,
    its result known (dispatch.record_primitive). Its tape is (primitive, params, argument
    values, result, [(argument position, next_functions entry) to differentiate], the argument
    behind each next_functions entry); its backward is funcgrad's reverse pass over that one
    primitive: each argument's cotangent is the primitive's vjp rule, fitted to the argument as
    the reverse pass fits it (interpreters/ad.py), zeros where the rule gives a symbolic zero."""
    __slots__ = ()

    def apply(self, cts):
        prim, params, args, ans, diff, edge_pos = self._tape
        got = [None] * len(edge_pos)
        ct = cts[0]
        if ct is None:
            return got
        wanted = prim.diff_args
        parents = []
        for i, e in diff:
            if i in wanted:
                parents.append((i, e, i))  # (position, where its gradient goes, the argument)
            else:
                got[e] = _zeros_like_input(args[i])
        for (e, i), c in apply_vjp(prim, params, args, ans, parents, ct):
            got[e] = _zeros_like_input(args[i]) if c is None else c
        return got

    def edge_positions(self):
        _, _, _, _, diff, edge_pos = self._tape
        wanted = {e for _, e in diff}
        return edge_pos, [e in wanted for e in range(len(edge_pos))]


_classes: dict = {}

from . import _saved  # noqa: E402  (it reads this module's nodes)
from . import _backward_graph  # noqa: E402  (it records through _dispatch)


def node_class(name, base=FunctionNode):
    """The Node subclass of that name, so type(t._grad_fn).__name__ is PyTorch's."""
    cls = _classes.get((name, base))
    if cls is None:
        cls = _classes[(name, base)] = type(name, (base,), {"__slots__": ()})
    return cls
