"""conv2d forward + backward at LeNet's shapes (issue 5): funcgrad's conv_general_dilated against
PyTorch CPU's conv2d, float32, batch 64, no padding, stride 1.

    layer 1: input (64, 1, 32, 32), weight (6, 1, 5, 5)  -> (64, 6, 28, 28)
    layer 2: input (64, 6, 14, 14), weight (16, 6, 5, 5) -> (64, 16, 10, 10)

One call is the forward pass and the gradients with respect to the input and the weight for a
given output cotangent: `fg.vjp` of the convolution, then its vjp_fn, against `F.conv2d` on
tensors that require grad, then `out.backward(ct)`. The gradients are checked against each other
before timing. Target: funcgrad within 3x of PyTorch per layer."""
import numpy as np

from .harness import BenchmarkCheckError, Variant

NAME = "conv"
DESCRIPTION = ("conv2d forward + input and weight gradients at LeNet's shapes (batch 64, "
               "float32): funcgrad vs PyTorch CPU")
TARGET = 3.0
LAYERS = {"layer 1": ((64, 1, 32, 32), (6, 1, 5, 5)),
          "layer 2": ((64, 6, 14, 14), (16, 6, 5, 5))}


def _data(x_shape, w_shape):
    rng = np.random.RandomState(0)
    x = rng.randn(*x_shape).astype(np.float32)
    w = (rng.randn(*w_shape) / np.sqrt(np.prod(w_shape[1:]))).astype(np.float32)
    out = (x_shape[0], w_shape[0]) + tuple(n - k + 1 for n, k in zip(x_shape[2:], w_shape[2:]))
    return x, w, rng.randn(*out).astype(np.float32)


def build(ctx):
    import funcgrad as fg
    import funcgrad.numpy as fnp

    torch = ctx.torch
    if torch is None:
        ctx.notes.append("torch not installed: the conv variants are timed alone, with no target")
    variants = []
    for layer, (xs, ws) in LAYERS.items():
        x, w, ct = _data(xs, ws)
        fx, fw, fct = fnp.asarray(x), fnp.asarray(w), fnp.asarray(ct)

        def conv(a, b):
            return fg.lax.conv_general_dilated(a, b, (1, 1), ((0, 0), (0, 0)))

        def funcgrad_step(fx=fx, fw=fw, fct=fct):
            out, vjp_fn = fg.vjp(conv, fx, fw)
            return (out,) + vjp_fn(fct)
        name = f"{layer} funcgrad conv fwd+bwd"
        if torch is None:
            variants.append(Variant(name, funcgrad_step, baseline=True, framework="funcgrad"))
            continue
        want = [a.detach().numpy() for a in _torch_step(torch, x, w, ct)()]
        _check(layer, "funcgrad", funcgrad_step(), want)
        base = f"{layer} torch conv2d fwd+bwd"
        variants += [
            Variant(base, _torch_step(torch, x, w, ct), baseline=True, framework="torch",
                    note=f"input {xs}, weight {ws}"),
            Variant(name, funcgrad_step, vs=base, target=TARGET, framework="funcgrad",
                    profile=True),
        ]
        if ctx.jax is not None:
            jax_step = _jax_step(ctx.jax, x, w, ct)
            _check(layer, "jax", jax_step(), want)
            variants.append(Variant(f"{layer} jax jit(vjp of conv)", jax_step, vs=base,
                                    framework="jax", note="XLA-compiled, waited for"))
    return variants


def _torch_step(torch, x, w, ct):
    tx = torch.from_numpy(x).requires_grad_()
    tw = torch.from_numpy(w).requires_grad_()
    tct = torch.from_numpy(ct)

    def step():
        tx.grad = tw.grad = None
        out = torch.nn.functional.conv2d(tx, tw)
        out.backward(tct)
        return out, tx.grad, tw.grad
    return step


def _jax_step(jax, x, w, ct):
    def conv(a, b):
        return jax.lax.conv_general_dilated(a, b, (1, 1), ((0, 0), (0, 0)))

    @jax.jit
    def fwd_bwd(a, b, c):
        out, vjp_fn = jax.vjp(conv, a, b)
        return (out,) + vjp_fn(c)
    jx, jw, jct = (jax.numpy.asarray(v) for v in (x, w, ct))
    return lambda: jax.block_until_ready(fwd_bwd(jx, jw, jct))


def _check(layer, who, got, want):
    for what, g, wt in zip(("output", "input gradient", "weight gradient"), got, want):
        g = np.asarray(g)
        scale = float(np.max(np.abs(wt)))
        if g.shape != wt.shape or not np.allclose(g, wt, rtol=1e-4, atol=1e-5 * scale):
            raise BenchmarkCheckError(f"conv {layer}: {who}'s {what} differs from PyTorch's")
