"""Eager dispatch: the fixed cost of one funcgrad operation outside any transform.

On shape-(3,) float64 arrays the arithmetic is nothing, so the time is dispatch: the fg.Array
operator, bind() finding no active trace, the primitive's impl, wrapping the result. Each funcgrad
expression is compared with the same expression on raw numpy arrays. Every statement is inlined
into timeit's loop (no Python call around it), so the numpy baselines carry no call overhead.
"""
import numpy as np

from .harness import BenchmarkCheckError, Variant

NAME = "eager_dispatch"
DESCRIPTION = "shape-(3,) float64 elementwise ops: fg.Array vs raw numpy (dispatch overhead)"

TARGET = 1.5  # an eager funcgrad op may cost at most 1.5x the bare numpy op (issue 23)

# (name, funcgrad expression, numpy expression)
OPS = (("add", "x + y", "a + b"),
       ("sin", "fnp.sin(x)", "np.sin(a)"),
       ("scalar mul", "x * 2.0", "a * 2.0"))


def build(ctx):
    import funcgrad.numpy as fnp

    a = np.array([0.5, -1.25, 2.0])
    b = np.array([1.5, 0.75, -3.0])
    x, y = fnp.asarray(a), fnp.asarray(b)
    ns = {"np": np, "fnp": fnp, "a": a, "b": b, "x": x, "y": y}

    # both sides compute the same thing, and funcgrad's result is an fg.Array
    for _, fg_expr, np_expr in OPS:
        got, want = eval(fg_expr, ns), eval(np_expr, ns)
        if type(got).__name__ != "Array" or got.dtype != want.dtype \
                or not np.array_equal(np.asarray(got), want):
            raise BenchmarkCheckError(f"{fg_expr} = {got!r} but {np_expr} = {want!r}")

    variants = []
    for _, fg_expr, np_expr in OPS:
        base = f"numpy {np_expr}"
        variants.append(Variant(base, np_expr, ns, baseline=True, framework="numpy"))
        variants.append(Variant(f"funcgrad {fg_expr}", fg_expr, ns, vs=base, target=TARGET,
                                framework="funcgrad", profile=True))
        if np_expr == "a + b" and ctx.torch is None:
            ctx.notes.append("torch not installed: 'torch ta + tb' skipped")
        elif np_expr == "a + b":
            torch = ctx.torch
            ns["ta"] = torch.tensor(a, dtype=torch.float64)
            ns["tb"] = torch.tensor(b, dtype=torch.float64)
            if not np.array_equal((ns["ta"] + ns["tb"]).numpy(), a + b):
                raise BenchmarkCheckError("torch ta + tb differs from numpy a + b")
            variants.append(Variant("torch ta + tb", "ta + tb", ns, vs=base, framework="torch",
                                    note="PyTorch CPU eager add on float64 (3,), for reference"))
        if np_expr == "a + b" and ctx.jax is not None:
            jnp = ctx.jax.numpy
            ns["ja"], ns["jb"] = jnp.asarray(a), jnp.asarray(b)
            if not np.array_equal(np.asarray(ns["ja"] + ns["jb"]), a + b):
                raise BenchmarkCheckError("jax ja + jb differs from numpy a + b")
            variants.append(Variant("jax ja + jb", "(ja + jb).block_until_ready()", ns, vs=base,
                                    framework="jax",
                                    note="JAX eager add on float64 (3,), waited for"))
    return variants
