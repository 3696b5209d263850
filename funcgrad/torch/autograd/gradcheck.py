"""torch.autograd.gradcheck and gradgradcheck: autograd's gradients (one backward per output
element, as PyTorch's slow mode) against central finite differences."""
from __future__ import annotations

import warnings

import numpy as np

from .._factories import randn_like
from .._tensor import Tensor
from . import grad  # (the package imports this module once grad is defined)


class GradcheckError(RuntimeError):
    """What gradcheck raises on a mismatch (PyTorch's class of the same name)."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    out = func(*inputs)
    return _as_tuple(out)


def _numerical(func, inputs, i, eps, n_out_elems):
    """d(outputs, flattened and concatenated) / d(inputs[i]) by central differences."""
    x = inputs[i]
    cols = []
    for k in range(x.numel()):
        vals = []
        for sign in (1, -1):
            data = np.array(x._data)
            data.reshape(-1)[k] += sign * eps
            old, x._data = x._data, data
            try:
                outs = _outputs(func, inputs)
            finally:
                x._data = old
            vals.append(np.concatenate([np.asarray(o.detach().numpy(), np.float64).reshape(-1)
                                        for o in outs if o.dtype.is_floating_point]
                                       or [np.zeros(0)]))
        cols.append((vals[0] - vals[1]) / (2 * eps))
    return np.stack(cols, axis=1) if cols else np.zeros((n_out_elems, 0))


def _analytical(func, inputs, diff):
    outs = [o for o in _outputs(func, inputs) if o.dtype.is_floating_point]
    rows = []
    for o in outs:
        flat = o.reshape(-1)
        for j in range(flat.numel()):
            gs = grad(flat[j], [inputs[i] for i in diff], retain_graph=True, allow_unused=True) \
                if o.requires_grad else [None] * len(diff)
            rows.append([np.zeros(inputs[i].numel()) if g is None else
                         np.asarray(g.detach().numpy(), np.float64).reshape(-1)
                         for g, i in zip(gs, diff)])
    return rows, sum(o.numel() for o in outs)


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Whether func's gradients match finite differences on inputs (those that require grad);
    a mismatch raises GradcheckError (or returns False when raise_exception=False)."""
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for i in diff:
        if inputs[i].dtype.name != "float64":
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ", UserWarning,
                          stacklevel=2)
    rows, n_out = _analytical(func, inputs, diff)
    for col, i in enumerate(diff):
        num = _numerical(func, inputs, i, eps, n_out)
        ana = np.array([r[col] for r in rows]).reshape(n_out, inputs[i].numel())
        if not np.allclose(ana, num, rtol=rtol, atol=atol):
            if not raise_exception:
                return False
            raise GradcheckError(f"Jacobian mismatch for output 0 with respect to input {i},\n"
                                 f"numerical:{num}\nanalytical:{ana}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the map (inputs, grad_outputs) -> the gradients of func's outputs, weighted
    by grad_outputs (random, requiring grad, when not given)."""
    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = tuple(randn_like(o).requires_grad_() for o in outs
                             if o.dtype.is_floating_point)
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)
    diff = [i for i, x in enumerate(inputs) if getattr(x, "requires_grad", False)]

    def first_grads(*args):
        xs, gos = args[:n], args[n:]
        ys = [o for o in _outputs(func, xs) if o.dtype.is_floating_point]
        gs = grad(ys, [xs[i] for i in diff], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)
    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
