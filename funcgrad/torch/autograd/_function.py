"""torch.autograd.Function: a forward and a backward written by the user in torch operations."""
from __future__ import annotations
from .._grad_mode import is_grad_enabled, no_grad
from .._graph import Node, node_class


class FunctionCtx:
    def __init__(self):
        self.saved_tensors = ()
        self.needs_input_grad = ()
        self._non_differentiable = set()
        self._versions = []

    def save_for_backward(self, *tensors):
        self._versions = [(t, t._version[0]) for t in tensors if t is not None]
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        self._materialize = value


class _FunctionNode(Node):
    """The grad_fn of a Function application: calls the user's backward."""
    __slots__ = ("_ctx", "_backward", "_n_outputs", "_n_inputs", "_freed")

    def check_saved(self):
        from .._graph import _FREED
        if self._freed:
            raise RuntimeError(_FREED)

    def free(self):
        self._freed = True

    def backward_tensors(self, cts, create_graph):
        grads = self._backward(self._ctx, *cts)
        return list(grads if isinstance(grads, tuple) else (grads,))


class Function:
    """Subclass with static forward(ctx, *args) and backward(ctx, *grad_outputs); call .apply.

    Inside forward, operations are not recorded; backward returns one gradient (or None) per
    input of forward."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        from .._dispatch import grad_edge
        from .._tensor import Tensor
        ctx = FunctionCtx()
        tensors = [a for a in args if isinstance(a, Tensor)]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args)
        outs = out if isinstance(out, tuple) else (out,)
        if not (is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return out
        node = node_class(cls.__name__ + "Backward", _FunctionNode)(
            [grad_edge(a) if isinstance(a, Tensor) else (None, 0) for a in args])
        node._ctx, node._backward, node._freed = ctx, cls.backward, False
        node._n_outputs, node._n_inputs = len(outs), len(args)
        results = []
        for k, o in enumerate(outs):
            if isinstance(o, Tensor) and id(o) not in ctx._non_differentiable and (
                    o.dtype.is_floating_point or o.dtype.is_complex):
                o = o.detach()
                o._requires_grad, o.grad_fn, o._output_nr = True, node, k
            results.append(o)
        return tuple(results) if isinstance(out, tuple) else results[0]

