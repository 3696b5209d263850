"""Full Jacobians and a Hessian: funcgrad's jacrev / jacfwd / hessian against the analytic numpy
floor and PyTorch.

Jacobian of f(x) = tanh(W x), W n x n (np.random.RandomState(0).randn / sqrt(n), then x from the
same stream), float64, for n = 64, 256, 1024. The baseline is the analytic Jacobian written by
hand in numpy, `(1 - np.tanh(W @ x) ** 2)[:, None] * W`: the floor (one matrix-vector product and
one n x n scaling). funcgrad's jacrev and jacfwd are built once (fg.jacrev(f)) and called on
fg.Arrays converted once; no jit (fg.jit(fg.jacrev(f)) and fg.jit(fg.jacfwd(f)) are reported
too). Both map one VJP (JVP) over the one-hot basis, which stays symbolic through the scaling and
the product with W (interpreters/batching.py, OneHot), so their arithmetic is about the floor's
rather than an n^3 matrix product more. What remains on top of it is a fixed cost per call:
for jacrev, the eager forward pass under reverse mode and one call of the backward pass compiled
for the tape's signature (funcgrad/_compiled_pullback.py); for jacfwd, the JVP traced through
vmap on every call. jit removes both.

PyTorch CPU (float64): torch.autograd.functional.jacobian with its default (one backward pass per
output, a Python loop) and with vectorize=True (vmap over the backward pass), and torch.func.jacrev.
torch's default is also a baseline of its own, so that "funcgrad is >= 20x faster than torch's
default jacobian" is a target on the ratio funcgrad / torch-default: <= 1/20 = 0.05.

Hessian of g(x) = sum(sin(x) * x**2) at n = 100 (x from RandomState(1)): fg.hessian (forward over
reverse) against torch.autograd.functional.hessian (the baseline of that comparison, target:
faster, ratio <= 1). The analytic diagonal Hessian in numpy is the check, and fg.hessian's ratio
to it is reported for context, as is torch.func.hessian.

Every variant's result is checked against the analytic one before anything is timed.
"""
import warnings

import numpy as np

from .harness import BenchmarkCheckError, Variant

NAME = "jacobian"
DESCRIPTION = ("full Jacobian of tanh(W x), n = 64/256/1024, and Hessian of sum(sin(x) x^2), "
               "n = 100 (float64)")

SIZES = (64, 256, 1024)
TARGET_N = 256
TARGET_VS_FLOOR = 3.0      # jacrev within 3x of the analytic numpy Jacobian at n = 256
TARGET_VS_TORCH = 1 / 20   # funcgrad at least 20x faster than torch's default jacobian at n = 256
HESSIAN_N = 100
TARGET_HESSIAN = 1.0       # fg.hessian faster than torch.autograd.functional.hessian
# issue 23's targets for the compiled versions, as ratios to the analytic numpy floor
TARGET_JIT_JACFWD = {256: 1.5}     # jit(jacfwd) within 1.5x of the floor at n = 256
TARGET_JIT_JACREV = {1024: 2.0}    # jit(jacrev) within 2x of the floor at n = 1024
TARGET_JIT_HESSIAN = 2.0           # jit(hessian) within 2x of the analytic Hessian at n = 100
TORCH_MAX_S = 10.0         # a torch.autograd.functional.jacobian variant taking longer per call
                           # is left out (with a note); at n = 1024 one call takes 0.5 to 2 s


def make_data(n):
    rng = np.random.RandomState(0)
    W = rng.randn(n, n) / np.sqrt(n)
    x = rng.randn(n)
    return W, x


def floor_jacobian(W, x):
    return (1 - np.tanh(W @ x) ** 2)[:, None] * W


def hessian_data():
    return np.random.RandomState(1).randn(HESSIAN_N)


def floor_hessian(x):
    s, c = np.sin(x), np.cos(x)
    return np.diag(2 * s + 4 * x * c - x * x * s)


def _check(name, got, want):
    got = np.asarray(got)
    if got.shape != want.shape or got.dtype != want.dtype or not np.allclose(got, want,
                                                                             rtol=1e-10,
                                                                             atol=1e-12):
        diff = np.max(np.abs(got - want)) if got.shape == want.shape else "shape mismatch"
        raise BenchmarkCheckError(
            f"jacobian: {name} differs from the analytic result: got {got.dtype}{got.shape}, "
            f"want {want.dtype}{want.shape}, max abs diff {diff}")


def _seconds(fn):
    import time
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def build(ctx):
    import funcgrad as fg
    import funcgrad.numpy as fnp

    torch = ctx.torch
    if torch is None:
        ctx.notes.append("torch not installed: the torch variants (and the funcgrad-vs-torch "
                         "targets) are skipped")
    variants = []
    for n in SIZES:
        W, x = make_data(n)
        want = floor_jacobian(W, x)
        Wf, xf = fnp.asarray(W), fnp.asarray(x)

        def f(x, Wf=Wf):
            return fnp.tanh(Wf @ x)
        jacrev, jacfwd = fg.jacrev(f), fg.jacfwd(f)
        jit_jacrev, jit_jacfwd = fg.jit(fg.jacrev(f)), fg.jit(fg.jacfwd(f))
        _check(f"fg.jacrev n={n}", jacrev(xf), want)
        _check(f"fg.jacfwd n={n}", jacfwd(xf), want)
        _check(f"fg.jit(fg.jacrev) n={n}", jit_jacrev(xf), want)
        _check(f"fg.jit(fg.jacfwd) n={n}", jit_jacfwd(xf), want)

        floor = f"n={n} numpy analytic floor"
        target = TARGET_VS_FLOOR if n == TARGET_N else None
        variants += [
            Variant(floor, lambda W=W, x=x: floor_jacobian(W, x), baseline=True,
                    framework="numpy", note="(1 - tanh(W x)^2)[:, None] * W"),
            Variant(f"n={n} funcgrad jacrev", lambda j=jacrev, x=xf: j(x), vs=floor,
                    target=target, framework="funcgrad", profile=True),
            Variant(f"n={n} funcgrad jacfwd", lambda j=jacfwd, x=xf: j(x), vs=floor,
                    framework="funcgrad", profile=True),
            Variant(f"n={n} funcgrad jit(jacrev)", lambda j=jit_jacrev, x=xf: j(x), vs=floor,
                    target=TARGET_JIT_JACREV.get(n), framework="funcgrad", profile=True,
                    note="compiled once, outside the timed loop"),
            Variant(f"n={n} funcgrad jit(jacfwd)", lambda j=jit_jacfwd, x=xf: j(x), vs=floor,
                    target=TARGET_JIT_JACFWD.get(n), framework="funcgrad", profile=True,
                    note="compiled once, outside the timed loop"),
        ]
        if ctx.jax is not None:
            variants += _jax_jacobians(ctx.jax, n, W, x, want, floor)
        if torch is None:
            continue
        tW, tx = torch.tensor(W), torch.tensor(x)

        def tf(x, tW=tW):
            return torch.tanh(tW @ x)

        def torch_default(tf=tf, tx=tx):
            return torch.autograd.functional.jacobian(tf, tx)

        def torch_vectorized(tf=tf, tx=tx):
            return torch.autograd.functional.jacobian(tf, tx, vectorize=True)
        torch_func = torch.func.jacrev(tf)
        _check(f"torch jacobian n={n}", torch_default().numpy(), want)
        _check(f"torch jacobian(vectorize=True) n={n}", torch_vectorized().numpy(), want)
        _check(f"torch.func.jacrev n={n}", torch_func(tx).numpy(), want)
        default_s = _seconds(torch_default)
        if default_s > TORCH_MAX_S:
            ctx.notes.append(f"n={n}: torch's default jacobian took {default_s:.1f} s for one "
                             f"call (> {TORCH_MAX_S:g} s): left out")
        else:
            tdef = f"n={n} torch jacobian (default)"
            variants += [
                Variant(tdef, torch_default, baseline=True, framework="torch",
                        note="torch.autograd.functional.jacobian: one backward pass per output"),
                Variant(f"n={n} funcgrad jacrev (vs torch default)", lambda j=jacrev, x=xf: j(x),
                        vs=tdef, target=TARGET_VS_TORCH if n == TARGET_N else None,
                        framework="funcgrad",
                        note="ratio funcgrad / torch default: <= 0.05 means >= 20x faster"),
            ]
        vectorized_s = _seconds(torch_vectorized)
        if vectorized_s > TORCH_MAX_S:
            ctx.notes.append(f"n={n}: torch's jacobian(vectorize=True) took {vectorized_s:.1f} s "
                             f"for one call (> {TORCH_MAX_S:g} s): left out")
        else:
            variants.append(Variant(f"n={n} torch jacobian (vectorize=True)", torch_vectorized,
                                    vs=floor, framework="torch"))
        variants.append(Variant(f"n={n} torch.func.jacrev", lambda j=torch_func, x=tx: j(x),
                                vs=floor, framework="torch"))

    # ---- Hessian ----
    h = hessian_data()
    want = floor_hessian(h)
    hf = fnp.asarray(h)

    def g(x):
        return fnp.sum(fnp.sin(x) * x ** 2)
    hess = fg.hessian(g)
    jit_hess = fg.jit(fg.hessian(g))
    _check(f"fg.hessian n={HESSIAN_N}", hess(hf), want)
    _check(f"fg.jit(fg.hessian) n={HESSIAN_N}", jit_hess(hf), want)
    hfloor = f"hessian n={HESSIAN_N} numpy analytic"
    variants += [
        Variant(hfloor, lambda: floor_hessian(h), baseline=True, framework="numpy",
                note="diag(2 sin x + 4 x cos x - x^2 sin x)"),
        Variant(f"hessian n={HESSIAN_N} funcgrad jit(hessian)", lambda: jit_hess(hf), vs=hfloor,
                target=TARGET_JIT_HESSIAN, framework="funcgrad", profile=True,
                note="compiled once, outside the timed loop"),
    ]
    if ctx.jax is not None:
        variants += _jax_hessian(ctx.jax, hfloor)
    if torch is None:
        variants.append(Variant(f"hessian n={HESSIAN_N} funcgrad hessian", lambda: hess(hf),
                                vs=hfloor, framework="funcgrad", profile=True))
        return variants
    th = torch.tensor(h)

    def tg(x):
        return torch.sum(torch.sin(x) * x ** 2)

    def torch_hessian():
        return torch.autograd.functional.hessian(tg, th)
    torch_func_hessian = torch.func.hessian(tg)
    _check(f"torch hessian n={HESSIAN_N}", torch_hessian().numpy(), want)
    with warnings.catch_warnings():
        # torch's forward mode loads its decompositions (once) with torch.jit.script, which
        # torch itself deprecates
        warnings.filterwarnings("ignore", ".*torch.jit.script", DeprecationWarning)
        _check(f"torch.func.hessian n={HESSIAN_N}", torch_func_hessian(th).numpy(), want)
    thess = f"hessian n={HESSIAN_N} torch.autograd.functional.hessian"
    variants += [
        Variant(thess, torch_hessian, baseline=True, framework="torch"),
        Variant(f"hessian n={HESSIAN_N} funcgrad hessian", lambda: hess(hf), vs=thess,
                target=TARGET_HESSIAN, framework="funcgrad", profile=True),
        Variant(f"hessian n={HESSIAN_N} torch.func.hessian", lambda: torch_func_hessian(th),
                vs=thess, framework="torch"),
        Variant(f"hessian n={HESSIAN_N} funcgrad hessian (vs analytic)", lambda: hess(hf),
                vs=hfloor, framework="funcgrad"),
    ]
    return variants


def _jax_jacobians(jax, n, W, x, want, floor):
    """jax.jacrev and jax.jacfwd of the same f, eagerly and under jax.jit (reference only)."""
    jW, jx = jax.numpy.asarray(W), jax.numpy.asarray(x)

    def f(x):
        return jax.numpy.tanh(jW @ x)
    out = []
    for name, fn in (("jax jacrev", jax.jacrev(f)), ("jax jacfwd", jax.jacfwd(f)),
                     ("jax jit(jacrev)", jax.jit(jax.jacrev(f))),
                     ("jax jit(jacfwd)", jax.jit(jax.jacfwd(f)))):
        _check(f"{name} n={n}", fn(jx), want)
        out.append(Variant(f"n={n} {name}", lambda fn=fn: fn(jx).block_until_ready(), vs=floor,
                           framework="jax", note="waited for"))
    return out


def _jax_hessian(jax, hfloor):
    h = hessian_data()

    def g(x):
        return jax.numpy.sum(jax.numpy.sin(x) * x ** 2)
    jh = jax.numpy.asarray(h)
    out = []
    for name, fn in (("jax hessian", jax.hessian(g)),
                     ("jax jit(hessian)", jax.jit(jax.hessian(g)))):
        _check(f"{name} n={HESSIAN_N}", fn(jh), floor_hessian(h))
        out.append(Variant(f"hessian n={HESSIAN_N} {name}",
                           lambda fn=fn: fn(jh).block_until_ready(), vs=hfloor,
                           framework="jax", note="waited for"))
    return out
