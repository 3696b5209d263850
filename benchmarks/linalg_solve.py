"""funcgrad.scipy.linalg.solve and its gradient (issue 19): the loss sum(solve(a, b) * w) and its
gradients with respect to a and b, float64, a = randn(n, n) + n I, b (n, 8), for n = 64 and 256.

Baselines: scipy.linalg.solve with the hand-written adjoint (b_bar = solve(a^T, w),
a_bar = -b_bar x^T: two LU solves, the floor for this computation in numpy) and, when JAX is
installed, jax.jit(jax.value_and_grad) of the same loss with jax.scipy.linalg.solve (the issue's
target: funcgrad at most 1.5x JAX CPU). funcgrad runs fg.value_and_grad eagerly and under fg.jit.
"""
import numpy as np

from .harness import BenchmarkCheckError, Variant

NAME = "linalg_solve"
DESCRIPTION = ("scipy.linalg.solve + its gradient, (n, n) @ x = (n, 8) float64: funcgrad vs "
               "JAX CPU (jit) and vs scipy with the hand-written adjoint")
TARGET_VS_JAX = 1.5
SIZES = (64, 256)


def _data(n):
    rng = np.random.RandomState(0)
    a = rng.randn(n, n) + n * np.eye(n)
    return a, rng.randn(n, 8), rng.randn(n, 8)


def _by_hand(solve, a, b, w):
    """The loss and its gradients by the adjoint method (scipy's solve twice)."""
    x = solve(a, b)
    b_bar = solve(a.T, w)
    return float(np.sum(x * w)), (-b_bar @ x.T, b_bar)


def build(ctx):
    import funcgrad as fg
    import funcgrad.numpy as fnp
    from funcgrad.scipy import linalg as fl
    try:
        from scipy import linalg as sl
    except ImportError:  # scipy is the optional oracle extra
        sl = None
        ctx.notes.append("linalg_solve: scipy is not installed; the hand-written adjoint uses "
                         "numpy.linalg.solve instead")
    np_solve = np.linalg.solve if sl is None else (lambda a, b: sl.solve(a, b,
                                                                         check_finite=False))
    variants = []
    jax = ctx.jax
    for n in SIZES:
        a, b, w = _data(n)
        wa = fg.Array(w)

        def loss(a, b, wa=wa):
            return fnp.sum(fl.solve(a, b) * wa)
        grad = fg.value_and_grad(loss, argnums=(0, 1))
        jgrad = fg.jit(grad)
        want_v, (want_a, want_b) = _by_hand(np_solve, a, b, w)
        fa, fb = fg.Array(a), fg.Array(b)
        for g in (grad, jgrad):
            v, (ga, gb) = g(fa, fb)
            if not (np.isclose(float(v), want_v, rtol=1e-10) and np.allclose(ga, want_a, atol=1e-12)
                    and np.allclose(gb, want_b, atol=1e-12)):
                raise BenchmarkCheckError(f"funcgrad's solve gradient (n={n}) differs from the "
                                          "hand-written adjoint")
        base = f"scipy solve + adjoint, n={n}"
        variants.append(Variant(base, lambda a=a, b=b, w=w: _by_hand(np_solve, a, b, w),
                                baseline=True, framework="numpy"))
        vs, target = base, None
        if jax is not None:
            jnp, jsl = jax.numpy, jax.scipy.linalg
            jw = jnp.asarray(w)
            jg = jax.jit(jax.value_and_grad(lambda a, b, jw=jw: jnp.sum(jsl.solve(a, b) * jw),
                                            argnums=(0, 1)))
            ja, jb = jnp.asarray(a), jnp.asarray(b)
            jv, (jga, jgb) = jg(ja, jb)
            if not (np.isclose(float(jv), want_v, rtol=1e-10)
                    and np.allclose(np.asarray(jga), want_a, atol=1e-12)):
                raise BenchmarkCheckError(f"JAX's solve gradient (n={n}) differs")
            vs, target = f"jax jit(value_and_grad), n={n}", TARGET_VS_JAX
            variants.append(Variant(vs, lambda jg=jg, ja=ja, jb=jb: jax.block_until_ready(
                jg(ja, jb)), baseline=True, framework="jax", note="XLA-compiled, waited for"))
        variants.append(Variant(f"funcgrad value_and_grad, n={n}",
                                lambda grad=grad, fa=fa, fb=fb: grad(fa, fb), vs=vs,
                                target=target, framework="funcgrad", profile=True))
        variants.append(Variant(f"funcgrad jit(value_and_grad), n={n}",
                                lambda jgrad=jgrad, fa=fa, fb=fb: jgrad(fa, fb), vs=vs,
                                target=target, framework="funcgrad"))
        if jax is not None:
            variants.append(Variant(f"funcgrad jit(value_and_grad) vs scipy, n={n}",
                                    lambda jgrad=jgrad, fa=fa, fb=fb: jgrad(fa, fb), vs=base,
                                    framework="funcgrad", note="reference only"))
    return variants
