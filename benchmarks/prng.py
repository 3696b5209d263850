"""Random numbers (issue 17): funcgrad.random.normal(key, (10**6,)) against jax.random.normal
with the same key, which gives the same numbers (threefry2x32 bits, then sqrt(2) erfinv(u)),
float32 and float64, and numpy's own generator (PCG64 + ziggurat, other numbers) for scale."""
import numpy as np

from .harness import BenchmarkCheckError, Variant

NAME = "prng"
DESCRIPTION = "random.normal(key, (10**6,)) float32 / float64: funcgrad vs JAX (same numbers)"
TARGET = 2.0
N = 10 ** 6


def build(ctx):
    import funcgrad as fg

    key = fg.random.key(0)
    variants = []
    jax = ctx.jax
    for dt in ("float32", "float64"):
        got = np.asarray(fg.random.normal(key, (N,), dt))
        rng = np.random.default_rng(0)
        base = f"numpy standard_normal {dt}"
        variants.append(Variant(base, lambda dt=dt, rng=rng: rng.standard_normal(N, dtype=dt),
                                baseline=True, framework="numpy", note="PCG64 + ziggurat"))
        if jax is not None:
            jkey = jax.random.key(0)
            want = np.asarray(jax.random.normal(jkey, (N,), dt))
            tol = 4e-7 if dt == "float32" else 8e-15
            if not np.allclose(got, want, rtol=tol, atol=tol) or (got == want).mean() < 0.85:
                raise BenchmarkCheckError(f"funcgrad's normal {dt} is not JAX's")
            jname = f"jax random.normal {dt}"
            variants.append(Variant(jname, lambda dt=dt, jkey=jkey: jax.random.normal(
                jkey, (N,), dt).block_until_ready(), baseline=True, framework="jax",
                note="XLA-compiled, one thread, waited for"))
            variants.append(Variant(f"funcgrad random.normal {dt}", lambda dt=dt: fg.random.normal(
                key, (N,), dt), vs=jname, target=TARGET, framework="funcgrad", profile=True))
        else:
            if not np.isfinite(got).all() or abs(got.std() - 1) > 0.01:
                raise BenchmarkCheckError(f"funcgrad's normal {dt} is not standard normal")
            variants.append(Variant(f"funcgrad random.normal {dt}", lambda dt=dt: fg.random.normal(
                key, (N,), dt), vs=base, framework="funcgrad", profile=True,
                note="JAX not installed: no same-numbers reference"))
    return variants
