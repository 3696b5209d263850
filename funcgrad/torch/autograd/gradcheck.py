"""torch.autograd.gradcheck and gradgradcheck: autograd's gradients (one backward per output
element, as PyTorch's slow mode) against central finite differences."""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from .._factories import randn_like, tensor
from .._tensor import Tensor
from . import forward_ad, grad  # (the package imports this module once grad is defined)


class GradcheckError(RuntimeError):
    """What gradcheck raises on a mismatch (PyTorch's class of the same name)."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    out = func(*inputs)
    return _as_tuple(out)


def _checked(o):
    return o.dtype.is_floating_point or o.dtype.is_complex


def _real_parts(values, complex_):
    """A flat float64 vector of values, a complex value as its real and imaginary parts
    (PyTorch's gradcheck sees a complex number as two real ones)."""
    flat = np.asarray(values).reshape(-1)
    if not complex_:
        return flat.astype(np.float64)
    return np.stack([flat.real, flat.imag], axis=1).reshape(-1).astype(np.float64)


def _output_vector(func, inputs):
    outs = [o for o in _outputs(func, inputs) if _checked(o)]
    return np.concatenate([_real_parts(o.detach().numpy(), o.dtype.is_complex) for o in outs]
                          or [np.zeros(0)])


def _directions(x):
    """The perturbations of input x: each element's real direction, and its imaginary one for
    a complex input."""
    parts = (1, 1j) if x.dtype.is_complex else (1,)
    return [(k, p) for k in range(x.numel()) for p in parts]


def _numerical(func, inputs, i, eps, n_rows):
    """d(outputs, as real vectors) / d(inputs[i], as a real vector) by central differences."""
    x = inputs[i]
    cols = []
    for k, part in _directions(x):
        vals = []
        for sign in (1, -1):
            data = np.array(x._data)
            data.reshape(-1)[k] += sign * eps * part
            old, x._data = x._data, data
            try:
                vals.append(_output_vector(func, inputs))
            finally:
                x._data = old
        cols.append((vals[0] - vals[1]) / (2 * eps))
    return np.stack(cols, axis=1) if cols else np.zeros((n_rows, 0))


def _analytical(func, inputs, diff):
    """Per input that requires grad, the Jacobian from backward: one row per real output
    component (a complex output's real part with grad_output 1, its imaginary part with 1j),
    a complex input's gradient read as (real, imaginary) pairs."""
    outs = [o for o in _outputs(func, inputs) if _checked(o)]
    rows = []
    for o in outs:
        flat = o.reshape(-1)
        for j in range(flat.numel()):
            for go in ((1.0, 1j) if o.dtype.is_complex else (1.0,)):
                gs = grad(flat[j], [inputs[i] for i in diff],
                          tensor(go, dtype=o.dtype), retain_graph=True,
                          allow_unused=True) if o.requires_grad else [None] * len(diff)
                rows.append([np.zeros(len(_directions(inputs[i]))) if g is None else
                             _real_parts(g.detach().numpy(),
                                         inputs[i].dtype.is_complex)
                             for g, i in zip(gs, diff)])
    return [np.array([r[c] for r in rows]).reshape(len(rows), -1) for c in range(len(diff))]


def _forward(func, inputs, diff):
    """Per input that requires grad, the Jacobian from forward-mode AD: one column per
    direction (a unit tangent, real or imaginary)."""
    jacs = []
    for i in diff:
        x = inputs[i]
        cols = []
        for k, part in _directions(x):
            t = np.zeros(x.shape, x.dtype.np)
            t.reshape(-1)[k] = part
            with forward_ad.dual_level():
                args = list(inputs)
                args[i] = forward_ad.make_dual(x.detach(), tensor(t))
                outs = [o for o in _outputs(func, args) if _checked(o)]
                cols.append(np.concatenate(
                    [_real_parts(_tangent(o), o.dtype.is_complex) for o in outs]
                    or [np.zeros(0)]))
        jacs.append(np.stack(cols, axis=1) if cols else None)
    return jacs


def _tangent(o):
    t = forward_ad.unpack_dual(o).tangent
    return np.zeros(o.shape) if t is None else t.detach().numpy()


def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Whether func's gradients (backward, and forward-mode AD with check_forward_ad) match
    finite differences on inputs (those that require grad; a complex input or output counts as
    two real ones); a mismatch raises GradcheckError (or returns False when
    raise_exception=False).

    >>> import funcgrad.torch as torch
    >>> x = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradcheck(torch.sin, (x,), check_forward_ad=True)
    True
    """
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for i in diff:
        if inputs[i].dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ", UserWarning,
                          stacklevel=2)
    rows = _row_labels(func, inputs)
    checks = []
    if check_backward_ad:
        checks.append(("", _analytical(func, inputs, diff)))
    if check_forward_ad:
        checks.append((" computed with forward mode", _forward(func, inputs, diff)))
    for col, i in enumerate(diff):
        num = _numerical(func, inputs, i, eps, len(rows))
        for how, jacs in checks:
            ana = jacs[col].reshape(num.shape)
            bad = ~np.isclose(ana, num, rtol=rtol, atol=atol)
            if bad.any():
                if not raise_exception:
                    return False
                raise GradcheckError(_mismatch(how, rows, bad, num, ana, i, inputs[i],
                                               forward=bool(how)))
    return True


def _row_labels(func, inputs):
    """(output index, part) of each row of the Jacobians: part None for a real output, 'real'
    or 'imaginary' for a complex output's parts."""
    labels = []
    for j, o in enumerate(o for o in _outputs(func, inputs) if _checked(o)):
        parts = ("real", "imaginary") if o.dtype.is_complex else (None,)
        labels.extend((j, p) for _ in range(o.numel()) for p in parts)
    return labels


def _mismatch(how, rows, bad, num, ana, i, x, forward):
    """PyTorch's message: the first output that mismatches (the imaginary parts of complex
    outputs are checked before the real ones, forward mode's imaginary input directions before
    the real ones), its block of the numerical and analytical Jacobians (input elements by
    output elements)."""
    prefix = ""
    if forward and x.dtype.is_complex:
        cols = bad.any(axis=0)
        part = "imaginary" if cols[1::2].any() else "real"
        keep = np.arange(num.shape[1]) % 2 == (1 if part == "imaginary" else 0)
        prefix = f"While considering the {part} part of complex inputs only, "
        j = next(rows[r][0] for r in range(len(rows)) if bad[r, keep].any())
        sel_cols = keep
    else:
        order = [r for r in range(len(rows)) if rows[r][1] != "real"] + \
            [r for r in range(len(rows)) if rows[r][1] == "real"]
        first = next(r for r in order if bad[r].any())
        j, part = rows[first]
        if part is not None:
            prefix = f"While considering the {part} part of complex outputs only, "
        sel_cols = np.ones(num.shape[1], bool)
    sel_rows = [r for r in range(len(rows)) if rows[r][0] == j and rows[r][1] in
                (None, part if not (forward and x.dtype.is_complex) else rows[r][1])]
    block = np.ix_(sel_rows, np.flatnonzero(sel_cols))
    n, a = num[block].T, ana[block].T
    if x.dtype.is_complex and not forward:  # (real, imaginary) directions as one complex entry
        n, a = n[0::2] + 1j * n[1::2], a[0::2] + 1j * a[1::2]
    return (f"{prefix}Jacobian{how} mismatch for output {j} with respect to input {i},\n"
            f"numerical:{tensor(n)}\nanalytical:{tensor(a)}\n")


def gradgradcheck(func: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True,
                  fast_mode: bool = False, masked: bool = False) -> bool:
    """gradcheck of the map (inputs, grad_outputs) -> the gradients of func's outputs, weighted
    by grad_outputs (random, requiring grad, when not given).

    >>> import funcgrad.torch as torch
    >>> x = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradgradcheck(lambda v: v.sin() * v, (x,))
    True
    """
    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = tuple(randn_like(o).requires_grad_() for o in outs if _checked(o))
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)
    diff = [i for i, x in enumerate(inputs) if getattr(x, "requires_grad", False)]

    def first_grads(*args):
        xs, gos = args[:n], args[n:]
        ys = [o for o in _outputs(func, xs) if _checked(o)]
        gs = grad(ys, [xs[i] for i in diff], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)
    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
