"""Checks shared by the linear-algebra test files (test_scipy_linalg, test_linalg_complete,
test_einsum_pad): every derivative order against finite differences, vmap against a loop and
jit against eager, and complex functions seen by finite differences as real ones."""
from __future__ import annotations

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp

from _gradcheck import check_jvp, check_second_order, check_transpose, check_vjp


def check_all_orders(f, args, rng, second_order=True):
    """jvp and vjp against finite differences, their transposition and second derivatives."""
    check_jvp(f, args, rng)
    check_vjp(f, args, rng)
    check_transpose(f, args, rng)
    if second_order:
        check_second_order(f, args, rng)


def check_vmap_and_jit(f, args, scale=1.1, shift=0.01):
    """vmap over two perturbed copies of args equals a loop; jit equals eager (every leaf)."""
    batched = [np.stack([x, x * scale + shift]) for x in args]
    out = fg.vmap(f)(*batched)
    loop = [f(*[fg.Array(x[i]) for x in batched]) for i in range(2)]
    for got, l0, l1 in zip(fg.tree.tree_leaves(out), fg.tree.tree_leaves(loop[0]),
                           fg.tree.tree_leaves(loop[1])):
        np.testing.assert_allclose(np.asarray(got), np.stack([l0, l1]), atol=1e-10)
    for got, want in zip(fg.tree.tree_leaves(fg.jit(f)(*args)), fg.tree.tree_leaves(f(*args))):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-12)


def split_complex(f, n_args):
    """f of complex arguments as a function of their real and imaginary parts, with complex
    outputs split the same way: what finite differences can check."""
    def g(*parts):
        zs = [parts[2 * i] + 1j * parts[2 * i + 1] for i in range(n_args)]
        out = []
        for leaf in fg.tree.tree_leaves(f(*zs)):
            out += [fnp.real(leaf), fnp.imag(leaf)] if leaf.dtype.kind == "c" else [leaf]
        return out
    return g


def complex_parts(args):
    return [p for z in args for p in (z.real.copy(), z.imag.copy())]
