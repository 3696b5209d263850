"""A module's full backward hooks (Module.register_full_backward_hook and
register_full_backward_pre_hook), as PyTorch runs them: the module's tensor inputs and outputs
pass through an identity Function whose backward nodes see the gradients of all of them at
once; the output side runs the pre-hooks (which may replace grad_output), the input side the
hooks (which may replace grad_input)."""
from __future__ import annotations

import warnings
from typing import Any, Callable

from ..._tensor import Tensor
from ...autograd._function import Function


class BackwardHookFunction(Function):
    """Identity on some tensors; its backward hands their gradients to `on_grads` and passes on
    what it returns (its node prints as BackwardHookFunctionBackward, as PyTorch's)."""

    @staticmethod
    def forward(ctx, on_grads, *tensors):
        ctx.on_grads = on_grads
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx, *grads):   # (materialized: zeros for the tensors that need no grad)
        return (None, *ctx.on_grads(grads))


class BackwardHooks:
    """One call of `module`: links the gradients of its outputs to those of its inputs and calls
    its backward pre-hooks and hooks with them (PyTorch's torch.utils.hooks.BackwardHook)."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.grad_outputs: tuple | None = None
        self.n_inputs = self.n_outputs = 0
        self.input_index: list[int] | None = None
        self.output_index: list[int] | None = None

    @staticmethod
    def _wrap(values: tuple, on_grads: Callable) -> tuple[tuple, list[int] | None]:
        """`values` with its tensors passed through BackwardHookFunction, and where they are
        (None, and `values` as they are, when none of them requires grad)."""
        index = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        if not any(values[i].requires_grad for i in index):
            return values, None
        new = BackwardHookFunction.apply(on_grads, *[values[i] for i in index])
        out = list(values)
        for i, t in zip(index, new):
            out[i] = t
        return tuple(out), index

    @staticmethod
    def _pack(index: list[int], grads: tuple, size: int) -> tuple:
        out: list = [None] * size
        for i, g in zip(index, grads):
            out[i] = g
        return tuple(out)

    def setup_inputs(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        args, self.input_index = self._wrap(args, self._on_input_grads)
        return args

    def setup_outputs(self, result: Any) -> Any:
        single = isinstance(result, Tensor)
        if not (single or isinstance(result, tuple)):
            warnings.warn("For backward hooks to be called, module output should be a Tensor or "
                          "a tuple of Tensors but received " + str(type(result)), stacklevel=3)
            return result
        values = (result,) if single else result
        self.n_outputs = len(values)
        new, self.output_index = self._wrap(values, self._on_output_grads)
        return new[0] if single else new

    def _on_output_grads(self, grads: tuple) -> tuple:
        assert self.output_index is not None
        self.grad_outputs = self._pack(self.output_index, grads, self.n_outputs)
        for pre_hook in list(self.module._backward_pre_hooks.values()):
            r = pre_hook(self.module, self.grad_outputs)
            if r is None:
                continue
            if len(r) != self.n_outputs:
                raise RuntimeError("Backward pre hook returned an invalid number of grad_output, "
                                   f"got {len(r)}, but expected {self.n_outputs}")
            self.grad_outputs = tuple(r)
        grad_outputs = self.grad_outputs
        if self.input_index is None:  # no input requires grad: the hooks run here
            warnings.warn("Full backward hook is firing when gradients are computed with respect "
                          "to module outputs since no inputs require gradients. See "
                          "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                          "#torch.nn.Module.register_full_backward_hook for more details.",
                          stacklevel=2)
            none = (None,) * self.n_inputs
            for hook in list(self.module._backward_hooks.values()):
                r = hook(self.module, none, grad_outputs)
                if r is not None and not (isinstance(r, tuple) and all(g is None for g in r)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return tuple(grad_outputs[i] for i in self.output_index)

    def _on_input_grads(self, grads: tuple) -> tuple:
        if self.grad_outputs is None:   # reached the inputs without passing the outputs
            return grads
        assert self.input_index is not None
        res = self._pack(self.input_index, grads, self.n_inputs)
        for hook in list(self.module._backward_hooks.values()):
            r = hook(self.module, res, self.grad_outputs)
            if r is None:
                continue
            if len(r) != len(res):
                raise RuntimeError("Backward hook returned an invalid number of grad_input, got "
                                   f"{len(r)}, but expected {len(res)}")
            res = tuple(r)
        self.grad_outputs = None
        return tuple(res[i] for i in self.input_index)
