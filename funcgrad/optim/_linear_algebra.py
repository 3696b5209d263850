"""Linear algebra the second-order optimizers build on: the dominant eigenpair by power
iteration, and the inverse p-th root of a PSD matrix by coupled Newton iterations (Shampoo)."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import lax
from .. import numpy as fnp
from .. import random
from .. import tree
from .._core.array import Array
from .._core.typing import ArrayLike, PyTree
from ._tree_ops import norm as tree_norm
from ._tree_ops import vdot as tree_vdot


def _normalize(t):
    return tree.tree_map(lambda x: x * (1.0 / tree_norm(t)).astype(x.dtype), t)


def ravel_tree(t: PyTree) -> tuple[Array, Callable[[Array], PyTree]]:
    """All leaves of `t` as one flat vector (in their common dtype), and the function that
    splits such a vector back into a tree like `t` (jax.flatten_util.ravel_pytree).

    >>> import funcgrad.numpy as fnp
    >>> flat, unravel = ravel_tree({"a": fnp.ones((2, 2)), "b": fnp.zeros(())})
    >>> flat.shape, unravel(flat)["a"].shape
    ((5,), (2, 2))
    """
    leaves, treedef = tree.tree_flatten(t)
    leaves = [fnp.asarray(x) for x in leaves]
    shapes = [tuple(x.shape) for x in leaves]
    dtypes = [x.dtype for x in leaves]
    sizes = [int(np.prod(s)) for s in shapes]
    flat = (fnp.concatenate([fnp.ravel(x) for x in leaves]) if leaves
            else fnp.zeros((0,), fnp.float32))

    def unravel(v):
        out, start = [], 0
        for shape, dtype, size in zip(shapes, dtypes, sizes):
            out.append(fnp.asarray(fnp.reshape(v[start:start + size], shape), dtype))
            start += size
        return tree.tree_unflatten(treedef, out)

    return flat, unravel


def power_iteration(matrix: ArrayLike | Callable[[PyTree], PyTree], *, v0: PyTree = None,
                    num_iters: int = 100, error_tolerance: float = 1e-6,
                    precision: Any = None, key: ArrayLike | None = None) -> tuple[Array, PyTree]:
    """The dominant eigenvalue of a diagonalizable matrix and its unit eigenvector, by power
    iteration: (eigenvalue, eigenvector). `matrix` is an array or a function computing the
    matrix-vector product on pytrees (then v0, a pytree, is required). Without v0 a uniform
    random vector in [-1, 1] is drawn from `key` (default key 0; funcgrad's PRNG, so other
    draws than JAX's). Stops after num_iters or when |A v - lambda v| / |lambda| < tolerance.
    `precision` is accepted for optax's signature; numpy always computes at full precision.

    >>> import funcgrad.numpy as fnp
    >>> eig, vec = power_iteration(fnp.array([[2.0, 0.0], [0.0, 1.0]]))
    >>> fnp.round(eig, 4), fnp.round(fnp.abs(vec), 4)
    (Array(2., dtype=float64), Array([1., 0.], dtype=float64))
    """
    del precision
    if callable(matrix):
        mvp = matrix
        if v0 is None:
            raise ValueError("power_iteration: give v0 (a pytree, the input of `matrix`) when "
                             "`matrix` is a function")
    else:
        m = fnp.asarray(matrix)
        mvp = lambda v: fnp.matmul(m, v)
        if v0 is None:
            v0 = random.uniform(random.key(0) if key is None else key, tuple(m.shape[-1:]),
                                m.dtype, -1.0, 1.0)
    v0 = _normalize(v0)

    def cond(loop):
        vec, z, eig, i = loop
        residual = tree.tree_map(lambda a, b: a - eig * b, z, vec)
        converged = fnp.abs(tree_norm(residual)) < error_tolerance * fnp.abs(eig)
        return fnp.logical_not(converged) & (i < num_iters)

    def body(loop):
        _, z, _, i = loop
        vec = _normalize(z)
        z = mvp(vec)
        return vec, z, tree_vdot(vec, z), i + 1

    z0 = mvp(v0)
    init = (v0, z0, fnp.zeros((), fnp.asarray(tree_vdot(v0, z0)).dtype), fnp.asarray(0))
    _, z, eig, _ = lax.while_loop(cond, body, init)
    return eig, _normalize(z)


def matrix_inverse_pth_root(matrix: ArrayLike, p: int, num_iters: int = 100,
                            ridge_epsilon: float = 1e-6, error_tolerance: float = 1e-6,
                            precision: Any = None) -> tuple[Array, Array]:
    """matrix**(-1/p) for a symmetric PSD matrix and p in 1, 2, 4, 8, by the coupled Newton
    iterations (Higham, Functions of Matrices, eq. 7.18), the matrix first damped by
    ridge_epsilon times its largest eigenvalue. Returns (the root, the final error
    max|M - I|).

    >>> import funcgrad.numpy as fnp
    >>> root, err = matrix_inverse_pth_root(fnp.array([[4.0, 0.0], [0.0, 16.0]]), 2,
    ...                                     ridge_epsilon=0.0)
    >>> fnp.round(root, 4)
    Array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float64)
    """
    del precision
    matrix = fnp.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix_inverse_pth_root: matrix must be square 2-D, got shape "
                         f"{matrix.shape}")
    size = matrix.shape[0]
    dtype = np.promote_types(matrix.dtype, np.float32)
    alpha = -1.0 / p
    identity = fnp.eye(size, dtype=dtype)
    max_ev, _ = power_iteration(matrix, num_iters=100, error_tolerance=1e-6)
    ridge = ridge_epsilon * fnp.maximum(max_ev, 1e-16)
    squarings = int(round(math.log2(p)))
    if not 0 <= squarings <= 3:
        raise ValueError(f"matrix_inverse_pth_root: p={p}; p must be 1, 2, 4 or 8")

    def power(m):
        for _ in range(squarings):
            m = fnp.matmul(m, m)
        return m

    if size == 1:
        return (matrix + ridge) ** alpha, fnp.asarray(0.0, dtype)

    def cond(state):
        i, _, _, _, error, run = state
        return (i < num_iters) & (error > error_tolerance) & run

    def body(state):
        i, mat_m, mat_h, _, error, _ = state
        mat_m_i = (1 - alpha) * identity + alpha * mat_m
        new_m = fnp.matmul(power(mat_m_i), mat_m)
        new_h = fnp.matmul(mat_h, mat_m_i)
        new_error = fnp.max(fnp.abs(new_m - identity))
        return i + 1, new_m, new_h, mat_h, new_error, new_error < error * 1.2

    damped = matrix + ridge * identity
    z = (1 + p) / (2 * fnp.linalg.norm(damped))
    m0 = damped * z
    h0 = identity * fnp.power(z, 1.0 / p)
    error0 = fnp.max(fnp.abs(m0 - identity))
    init = (fnp.asarray(0), m0, h0, h0, error0, fnp.asarray(True))
    _, mat_m, mat_h, old_h, _, converged = lax.while_loop(cond, body, init)
    error = fnp.max(fnp.abs(mat_m - identity))
    ok = fnp.asarray(converged, old_h.dtype)
    return fnp.asarray(ok * mat_h + (1 - ok) * old_h, matrix.dtype), error
