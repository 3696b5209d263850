"""torch.autograd.Function: a forward and a backward written by the user in torch operations.

Here the user supplies the derivative (that is what a Function is for); the node that .apply
records calls the user's backward, and everything else (hooks, retain_graph, create_graph,
version checks of saved tensors) works as for any other node."""
from __future__ import annotations

import functools

from .._dispatch import _from_value, grad_edge, value_of
from .._dtypes import type_string
from .._factories import zeros, zeros_like
from .._grad_mode import _state, is_grad_enabled, no_grad
from .._graph import FREED, Node, node_class
from .._tensor import Tensor
from .forward_ad import dual_trace_of, make_dual, unpack_dual


class FunctionCtx:
    """The `ctx` of forward / setup_context and backward."""

    def __init__(self):
        self.needs_input_grad = ()
        self._saved = None
        self._saved_versions = ()
        self._non_differentiable = set()
        self._dirty = set()
        self._materialize_grads = True
        self._freed = False
        self.to_save = ()
        self._saved_forward = None

    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._saved_versions = tuple(None if t is None else t._vc[0] for t in tensors)

    def save_for_forward(self, *tensors):
        """Tensors the jvp staticmethod reads (as ctx.saved_tensors) in forward-mode AD."""
        self._saved_forward = tensors

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(FREED)
        if self._saved is None:
            return ()
        for t, v in zip(self._saved, self._saved_versions):
            if t is not None and t._vc[0] != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{type_string(t)} {list(t.shape)}] is at version "
                    f"{t._vc[0]}; expected version {v} instead. Hint: enable anomaly "
                    "detection to find the operation that failed to compute its gradient, with "
                    "torch.autograd.set_detect_anomaly(True).")
        return tuple(self._saved)

    saved_variables = saved_tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        self._dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)


class BackwardCFunction(Node):
    """The grad_fn of a Function application (named <ClassName>Backward): calls the user's
    backward with one gradient per forward output, expects one per forward input."""
    __slots__ = ("_ctx", "_cls", "_n_outputs", "_arg_is_tensor", "_outputs_meta")

    def check_saved(self):
        if self._ctx._freed and self._ctx._saved:
            raise RuntimeError(FREED)

    def free(self):
        self._ctx._freed = True

    def backward_values(self, cts, create_graph):
        ctx = self._ctx
        if not create_graph:
            cts = [None if c is None else _from_value(c) for c in cts]
        if ctx._materialize_grads:
            cts = [zeros(shape, dtype=dtype) if c is None else c
                   for c, (shape, dtype) in zip(cts, self._outputs_meta)]
        prev = _state.enabled
        _state.enabled = create_graph
        try:
            grads = self._cls.backward(ctx, *cts)
        finally:
            _state.enabled = prev
        grads = grads if isinstance(grads, tuple) else (grads,)
        n_in = len(self._arg_is_tensor)
        if len(grads) != n_in:
            if len(grads) > n_in and all(g is None for g in grads[n_in:]):
                grads = grads[:n_in]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                                   f"gradients (expected {n_in}, got {len(grads)})")
        grads = [g for g, is_t in zip(grads, self._arg_is_tensor) if is_t]
        if create_graph:
            return grads
        return [None if g is None else value_of(g) for g in grads]

    @property
    def saved_tensors(self):
        return self._ctx.saved_tensors

    def __call__(self, *grads):
        return self._cls.backward(self._ctx, *grads)


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = node_class(name + "Backward", BackwardCFunction)


class Function(metaclass=_FunctionMeta):
    """Subclass with static forward(ctx, *args) and backward(ctx, *grad_outputs); call .apply.

    Inside forward, operations are not recorded; backward returns one gradient (or None) per
    input of forward. forward(*args) with a separate setup_context(ctx, inputs, output) works
    too."""

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        for a in args:
            if isinstance(a, Tensor) and dual_trace_of(a) is not None:
                return _apply_forward_mode(cls, args, kwargs)
        ctx = FunctionCtx()
        is_tensor = [isinstance(a, Tensor) for a in args]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        separate = cls.setup_context is not Function.setup_context
        with no_grad():
            if separate:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        outs = out if isinstance(out, tuple) else (out,)
        if not (is_grad_enabled() and any(ctx.needs_input_grad)):
            return out
        node = cls._backward_cls([grad_edge(a) for a in args if isinstance(a, Tensor)])
        node._ctx, node._cls = ctx, cls
        node._n_outputs, node._arg_is_tensor = len(outs), is_tensor
        node._outputs_meta = [(tuple(o.shape), o.dtype) if isinstance(o, Tensor) else ((), None)
                              for o in outs]
        inputs = {id(a) for a in args if isinstance(a, Tensor)}
        results = []
        for k, o in enumerate(outs):
            if isinstance(o, Tensor) and id(o) not in ctx._non_differentiable and (
                    o.dtype.is_floating_point or o.dtype.is_complex):
                if id(o) in inputs and id(o) not in ctx._dirty:
                    o = Tensor._make(o._data, o._vc)  # an input returned as is: an alias
                o._requires_grad, o._grad_fn = True, node
                if k:
                    o._output_nr = k
            results.append(o)
        return tuple(results) if isinstance(out, tuple) else results[0]


def _apply_forward_mode(cls, args, kwargs):
    """Function.apply on dual tensors (forward_ad): forward on the primals, then the user's
    jvp(ctx, *tangents) gives the outputs' tangents (zeros for a tensor input without one, None
    for a non-tensor input, as PyTorch passes them)."""
    if cls.jvp is Function.jvp:
        Function.jvp(None)  # PyTorch's NotImplementedError
    ctx = FunctionCtx()
    primals, tangents = [], []
    for a in args:
        if isinstance(a, Tensor):
            p, t = unpack_dual(a)
            primals.append(p)
            tangents.append(zeros_like(p) if t is None else t)
        else:
            primals.append(a)
            tangents.append(None)
    ctx.needs_input_grad = tuple(False for _ in args)
    with no_grad():
        if cls.setup_context is not Function.setup_context:
            out = cls.forward(*primals, **kwargs)
            cls.setup_context(ctx, tuple(primals), out)
        else:
            out = cls.forward(ctx, *primals, **kwargs)
        if ctx._saved_forward is not None:
            ctx.save_for_backward(*ctx._saved_forward)
        tan = cls.jvp(ctx, *tangents)
    outs = out if isinstance(out, tuple) else (out,)
    tans = tan if isinstance(tan, tuple) else (tan,)
    if len(tans) != len(outs):
        raise RuntimeError(f"jvp of {cls.__name__} returned {len(tans)} tangents for "
                           f"{len(outs)} outputs of forward: return one per output")
    results = [make_dual(o, t) if isinstance(o, Tensor) and isinstance(t, Tensor) else o
               for o, t in zip(outs, tans)]
    return tuple(results) if isinstance(out, tuple) else results[0]


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        self.inplace = inplace


class NestedIOFunction(Function):
    pass


def once_differentiable(fn):
    """Marks a backward as not differentiable twice: it runs without recording."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)
    return wrapper
