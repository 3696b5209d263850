"""softmax and logsumexp over a (1024, 1024) float64 array (issue 5): funcgrad.nn.softmax and
funcgrad.scipy.special.logsumexp eagerly vs the same max-shifted formulas in numpy."""
import numpy as np

from .harness import BenchmarkCheckError, Variant

NAME = "softmax"
DESCRIPTION = "softmax / logsumexp over (1024, 1024) float64, last axis: funcgrad vs numpy"
TARGET = 1.5


def _np_softmax(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _np_logsumexp(a):
    m = a.max(-1, keepdims=True)
    return np.log(np.exp(a - m).sum(-1)) + m[:, 0]


def build(ctx):
    import funcgrad as fg
    from funcgrad.scipy.special import logsumexp

    a = np.random.RandomState(0).randn(1024, 1024)
    x = fg.numpy.asarray(a)
    for got, want in ((fg.nn.softmax(x), _np_softmax(a)), (logsumexp(x, axis=-1),
                                                           _np_logsumexp(a))):
        if not np.allclose(np.asarray(got), want, rtol=1e-12, atol=1e-12):
            raise BenchmarkCheckError("funcgrad's softmax/logsumexp differ from numpy's")
    variants = [
        Variant("numpy softmax", lambda: _np_softmax(a), baseline=True, framework="numpy"),
        Variant("funcgrad nn.softmax", lambda: fg.nn.softmax(x), vs="numpy softmax",
                target=TARGET, framework="funcgrad", profile=True),
        Variant("numpy logsumexp", lambda: _np_logsumexp(a), baseline=True, framework="numpy"),
        Variant("funcgrad logsumexp", lambda: logsumexp(x, axis=-1), vs="numpy logsumexp",
                target=TARGET, framework="funcgrad", profile=True),
    ]
    jax = ctx.jax
    if jax is not None:
        j = jax.numpy.asarray(a)
        for name, fn, want, base in (
                ("jax nn.softmax", lambda: jax.nn.softmax(j), _np_softmax(a), "numpy softmax"),
                ("jax logsumexp", lambda: jax.nn.logsumexp(j, axis=-1), _np_logsumexp(a),
                 "numpy logsumexp")):
            if not np.allclose(np.asarray(fn()), want, rtol=1e-12, atol=1e-12):
                raise BenchmarkCheckError(f"{name} differs from numpy's")
            variants.append(Variant(name, lambda fn=fn: fn().block_until_ready(), vs=base,
                                    framework="jax", note="XLA-compiled, waited for"))
    return variants
