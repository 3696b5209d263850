"""The seed two-layer net (seed_programs/s001_two_layer_net.py): one training step's gradients.

N=64, D_in=1000, H=100, D_out=10, float64, data from np.random.RandomState(0).randn in the seed's
order (x, y, w1, w2). loss = sum((relu(x @ w1) @ w2 - y) ** 2); the step computes the loss and
(grad_w1, grad_w2), without the parameter update.

The baseline is the seed's hand-written numpy backprop (forward, loss, manual backward): the
floor that funcgrad's eager reverse mode is held to. The funcgrad variants call a gradient
function built once, on fg.Arrays converted once; no jit. PyTorch CPU autograd (float64, the same
math, loss.backward()) is reported for reference.
"""
import numpy as np

from .harness import BenchmarkCheckError, Variant

NAME = "two_layer_net"
DESCRIPTION = "seed 001 two-layer net (64x1000 -> 100 -> 10, float64): loss + grads of one step"

N, D_IN, H, D_OUT = 64, 1000, 100, 10
TARGET = 1.2  # funcgrad's grad, without jit, within 1.2x of hand-written numpy backprop (issue 23)


def make_data():
    rng = np.random.RandomState(0)
    x = rng.randn(N, D_IN)
    y = rng.randn(N, D_OUT)
    w1 = rng.randn(D_IN, H)
    w2 = rng.randn(H, D_OUT)
    return x, y, w1, w2


def numpy_step(w1, w2, x, y):
    """The seed's numpy forward and manual backward pass (without the update)."""
    h = x.dot(w1)
    h_relu = np.maximum(h, 0)
    y_pred = h_relu.dot(w2)
    loss = np.square(y_pred - y).sum()
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h_relu = grad_y_pred.dot(w2.T)
    grad_h = grad_h_relu.copy()
    grad_h[h < 0] = 0
    grad_w1 = x.T.dot(grad_h)
    return loss, grad_w1, grad_w2


def loss_in(m):
    """The seed's loss, sum((relu(x @ w1) @ w2 - y) ** 2), over the numpy namespace `m`
    (funcgrad.numpy or jax.numpy)."""
    def loss(w1, w2, x, y):
        return m.sum(m.square(m.maximum(x @ w1, 0) @ w2 - y))
    return loss


def _check(name, got, want):
    got = np.asarray(got)
    if got.shape != want.shape or got.dtype != want.dtype or not np.allclose(got, want):
        diff = (np.max(np.abs(got - want)) if got.shape == want.shape else "shape mismatch")
        raise BenchmarkCheckError(
            f"two_layer_net: {name} differs from the numpy backprop: got {got.dtype}{got.shape}, "
            f"want {want.dtype}{want.shape}, max abs diff {diff}")


def build(ctx):
    import funcgrad as fg
    import funcgrad.numpy as fnp

    x, y, w1, w2 = make_data()
    loss0, gw1, gw2 = numpy_step(w1, w2, x, y)
    X, Y, W1, W2 = (fnp.asarray(v) for v in (x, y, w1, w2))

    grad_fn = fg.grad(loss_in(fnp), argnums=(0, 1))
    vg_fn = fg.value_and_grad(loss_in(fnp), argnums=(0, 1))

    # verify once, loudly, before timing anything
    g1, g2 = grad_fn(W1, W2, X, Y)
    _check("fg.grad d/dw1", g1, gw1)
    _check("fg.grad d/dw2", g2, gw2)
    val, (v1, v2) = vg_fn(W1, W2, X, Y)
    _check("fg.value_and_grad value", val, np.asarray(loss0))
    _check("fg.value_and_grad d/dw1", v1, gw1)
    _check("fg.value_and_grad d/dw2", v2, gw2)

    base = "numpy manual backprop"
    variants = [
        Variant(base, lambda: numpy_step(w1, w2, x, y), baseline=True, framework="numpy"),
        Variant("funcgrad grad", lambda: grad_fn(W1, W2, X, Y), vs=base, target=TARGET,
                framework="funcgrad", profile=True),
        Variant("funcgrad value_and_grad", lambda: vg_fn(W1, W2, X, Y), vs=base, target=TARGET,
                framework="funcgrad", profile=True),
    ]

    if ctx.jax is not None:
        variants += _jax_variants(ctx.jax, base, (x, y, w1, w2), loss0, gw1, gw2)
    torch = ctx.torch
    if torch is None:
        ctx.notes.append("torch not installed: 'torch autograd' skipped")
        return variants
    tx, ty = torch.tensor(x), torch.tensor(y)
    tw1 = torch.tensor(w1, requires_grad=True)
    tw2 = torch.tensor(w2, requires_grad=True)

    def torch_step():
        tw1.grad = None
        tw2.grad = None
        loss = (tx.mm(tw1).clamp(min=0).mm(tw2) - ty).pow(2).sum()
        loss.backward()
        return loss, tw1.grad, tw2.grad

    tl, t1, t2 = torch_step()
    _check("torch autograd loss", tl.detach().numpy(), np.asarray(loss0))
    _check("torch autograd d/dw1", t1.numpy(), gw1)
    _check("torch autograd d/dw2", t2.numpy(), gw2)
    variants.append(Variant("torch autograd (float64)", torch_step, vs=base, framework="torch",
                            note="PyTorch CPU, loss.backward(), grads reset to None each step"))
    return variants


def _jax_variants(jax, base, data, loss0, gw1, gw2):
    """jax.grad of the same loss, eagerly (op-by-op dispatch) and under jax.jit."""
    x, y, w1, w2 = (jax.numpy.asarray(v) for v in data)
    eager = jax.grad(loss_in(jax.numpy), argnums=(0, 1))
    jitted = jax.jit(eager)
    out = []
    for name, fn in (("jax grad", eager), ("jax jit(grad)", jitted)):
        g1, g2 = fn(w1, w2, x, y)
        _check(f"{name} d/dw1", g1, gw1)
        _check(f"{name} d/dw2", g2, gw2)
        out.append(Variant(name, lambda fn=fn: jax.block_until_ready(fn(w1, w2, x, y)), vs=base,
                           framework="jax", note="float64, waited for"))
    return out
