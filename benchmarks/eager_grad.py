"""Eager grad: the fixed cost of `grad` of a scalar function, without jit.

`g = fg.grad(lambda x: fnp.sin(x) * x)` is built once; one call `g(x)` on a float64 scalar
fg.Array traces nothing ahead of time: it runs f under reverse mode (two primitives recorded on the
tape), then the backward pass. Issue 23's target is an absolute time, at most 20 us, so the
baseline is a budget (harness.budget: a wall-clock wait of 20 us, timed in the same
rounds). For reference: the derivative written by hand in numpy, PyTorch's autograd on a 0-d
float64 tensor (`torch.autograd.grad` of the same expression) and JAX's `jax.grad` without jit.
"""
import numpy as np

from .harness import BenchmarkCheckError, Variant, budget

NAME = "eager_grad"
DESCRIPTION = "grad(lambda x: sin(x) * x) on a float64 scalar, no jit: against a 20 us budget"

BUDGET_S = 20e-6   # issue 23: an eager grad of a scalar function within 20 us
X0 = 0.75


def check_grad(what, got):
    """Raise BenchmarkCheckError unless `got` is d/dx (sin(x) x) at X0."""
    want = np.cos(X0) * X0 + np.sin(X0)
    if not np.allclose(np.asarray(got, dtype=np.float64), want, rtol=1e-12, atol=0):
        raise BenchmarkCheckError(f"{what} gives {got!r}, want {want!r}")


def budget_rows(seconds, name, g, x):
    """A budget of `seconds` (the baseline), funcgrad's `g(x)` held to it (target: 1x, within
    the budget) and the hand-written derivative for reference; `g(x)` is checked first."""
    check_grad(name, g(x))
    base = f"budget: {seconds * 1e6:g} us (wall clock)"
    return [
        Variant(base, budget(seconds), baseline=True, framework="-",
                note="a loop calibrated to take the target time: ratios are shares of it"),
        Variant(name, "g(x)", {"g": g, "x": x}, vs=base, target=1.0, framework="funcgrad",
                profile=True),
        Variant("numpy cos(a) * a + sin(a), float64", "np.cos(a) * a + np.sin(a)",
                {"np": np, "a": np.float64(X0)}, vs=base, framework="numpy",
                note="the derivative written by hand, for reference"),
    ]


def build(ctx):
    import funcgrad as fg
    import funcgrad.numpy as fnp

    x = fnp.asarray(X0)
    variants = budget_rows(BUDGET_S, "funcgrad grad(sin(x) * x), f64[]",
                           fg.grad(lambda x: fnp.sin(x) * x), x)
    name = variants[0].name
    torch = ctx.torch
    if torch is None:
        ctx.notes.append("torch not installed: 'torch autograd.grad' skipped")
    else:
        tx = torch.tensor(X0, dtype=torch.float64, requires_grad=True)

        def torch_grad():
            return torch.autograd.grad(torch.sin(tx) * tx, tx)[0]
        check_grad("torch.autograd.grad(sin(x) * x)", torch_grad().item())
        variants.append(Variant("torch autograd.grad(sin(x) * x), f64[]", torch_grad, vs=name,
                                framework="torch", note="PyTorch CPU eager autograd"))
    if ctx.jax is not None:
        jax = ctx.jax
        variants.append(jax_row(jax, "jax grad(sin(x) * x), f64[], no jit",
                                jax.grad(lambda x: jax.numpy.sin(x) * x), name,
                                "float64, eager, waited for"))
    return variants


def jax_row(jax, name, jg, base, note):
    """JAX's `jg` (a gradient of sin(x) x) on X0, checked, as a reference row against `base`."""
    jx = jax.numpy.asarray(X0)
    check_grad(name, jg(jx))
    return Variant(name, "g(x).block_until_ready()", {"g": jg, "x": jx}, vs=base,
                   framework="jax", note=note)
