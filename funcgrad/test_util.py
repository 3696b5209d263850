"""Checking derivatives against finite differences, as `jax.test_util`: `check_grads` (forward
and reverse mode, to any order), `check_jvp` and `check_vjp`. A mismatch is an AssertionError
that names the mode, the order and the numbers.

The default tolerances (atol and rtol alike) go by dtype: float16 1e-2, float32 2e-3, float64
1e-5, complex64 1e-3, complex128 1e-5 (JAX's); the finite-difference step `eps` is 1e-4.

>>> import funcgrad.numpy as fnp
>>> check_grads(lambda x: fnp.sin(x) * x, (fnp.array([0.5, 1.5]),), order=2)
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Optional, Union

import numpy as np

from . import tree
from ._api import jvp, vjp

__all__ = ["check_grads", "check_jvp", "check_vjp"]

EPS = 1e-4
_TOLERANCE = {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 2e-3,
              np.dtype(np.float64): 1e-5, np.dtype(np.complex64): 1e-3,
              np.dtype(np.complex128): 1e-5}
Tol = Optional[Union[float, dict]]


def _np(x: Any) -> np.ndarray:
    return np.asarray(x)


def _tol(given: Tol, dtype: np.dtype) -> float:
    if isinstance(given, dict):
        return given.get(np.dtype(dtype), _TOLERANCE.get(np.dtype(dtype), 1e-5))
    return given if given is not None else _TOLERANCE.get(np.dtype(dtype), 1e-5)


def _assert_close(got: Any, want: Any, atol: Tol, rtol: Tol, what: str) -> None:
    g_leaves, w_leaves = tree.leaves(got), tree.leaves(want)
    if tree.structure(got) != tree.structure(want):
        raise AssertionError(f"{what}: the structures differ: {tree.structure(got)} against "
                             f"{tree.structure(want)}")
    for g, w in zip(g_leaves, w_leaves):
        g, w = _np(g), _np(w)
        # the looser of the two dtypes' tolerances (a float32 result against a float64 one)
        a, r = (max(_tol(t, g.dtype), _tol(t, w.dtype)) for t in (atol, rtol))
        np.testing.assert_allclose(g, w, atol=a, rtol=r, err_msg=what)


def _rand_like(rng: np.random.RandomState, x: Any) -> np.ndarray:
    a = _np(x)
    dtype = a.dtype if a.dtype.kind in "fc" else np.dtype(np.float64)
    r = rng.standard_normal(a.shape)
    if dtype.kind == "c":
        r = r + 1j * rng.standard_normal(a.shape)
    return np.asarray(r, dtype=dtype)


def _axpy(alpha: float, xs: Any, ys: Any) -> Any:
    """ys + alpha * xs leafwise, in the dtypes of ys."""
    return tree.map(lambda x, y: np.asarray(_np(y) + alpha * _np(x), dtype=_np(y).dtype), xs, ys)


def _inner(xs: Any, ys: Any) -> Any:
    return sum((np.vdot(_np(x), _np(y)) for x, y in zip(tree.leaves(xs), tree.leaves(ys))),
               np.float64(0.0))


def numerical_jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
                  eps: float = EPS) -> Any:
    """The directional derivative of f at primals along tangents, by central differences."""
    plus = f(*_axpy(eps, tangents, tuple(primals)))
    minus = f(*_axpy(-eps, tangents, tuple(primals)))
    return tree.map(lambda a, b: (_np(a) - _np(b)) * (0.5 / eps), plus, minus)


def check_jvp(f: Callable[..., Any], f_jvp: Callable[[Any, Any], tuple[Any, Any]],
              args: Sequence[Any], atol: Tol = None, rtol: Tol = None, eps: float = EPS,
              err_msg: str = "") -> None:
    """Check `f_jvp(primals, tangents) -> (out, tangent_out)` against f and central
    differences, along random tangents (AssertionError on a mismatch).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> check_jvp(fnp.exp, lambda p, t: fg.jvp(fnp.exp, p, t), (fnp.array(0.3),))
    """
    args = tuple(args)
    rng = np.random.RandomState(0)
    tangents = tree.map(lambda x: _rand_like(rng, x), args)
    out, t_out = f_jvp(args, tangents)
    _assert_close(out, f(*args), atol, rtol, f"{err_msg} primal output of the jvp")
    _assert_close(t_out, numerical_jvp(f, args, tangents, eps), atol, rtol,
                  f"{err_msg} tangent output of the jvp against finite differences")


def check_vjp(f: Callable[..., Any], f_vjp: Callable[..., tuple[Any, Any]],
              args: Sequence[Any], atol: Tol = None, rtol: Tol = None, eps: float = EPS,
              err_msg: str = "") -> None:
    """Check `f_vjp(*primals) -> (out, pullback)`: <cotangent, jvp(tangent)> by finite
    differences must equal <pullback(cotangent), tangent>, for random vectors.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> check_vjp(fnp.tanh, lambda *p: fg.vjp(fnp.tanh, *p), (fnp.array([0.3, -1.0]),))
    """
    args = tuple(args)
    rng = np.random.RandomState(0)
    out, pullback = f_vjp(*args)
    _assert_close(out, f(*args), atol, rtol, f"{err_msg} primal output of the vjp")
    tangents = tree.map(lambda x: _rand_like(rng, x), args)
    t_out = numerical_jvp(f, args, tangents, eps)
    cotangent = tree.map(lambda x: _rand_like(rng, x), out)
    ct_in = pullback(cotangent)
    lhs, rhs = _inner(tangents, ct_in), _inner(t_out, cotangent)
    dtype = np.result_type(*[_np(x) for x in tree.leaves(out)] or [np.float64])
    # compared at the tolerance of the outputs' dtype (the sums ran in float64)
    _assert_close(np.asarray(lhs, dtype), np.asarray(rhs, dtype), atol, rtol,
                  f"{err_msg} <tangent, vjp(cotangent)> against <jvp(tangent), cotangent> "
                  f"(finite differences) in {np.dtype(dtype).name}")


def check_grads(f: Callable[..., Any], args: Sequence[Any], order: int,
                modes: Sequence[str] = ("fwd", "rev"), atol: Tol = None, rtol: Tol = None,
                eps: Optional[float] = None) -> None:
    """Check f's derivatives up to `order` against finite differences, in forward mode
    ("fwd": jvp), reverse mode ("rev": vjp) or both, as `jax.test_util.check_grads`. Higher
    orders check the derivatives of the jvp and vjp themselves. AssertionError on a mismatch.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> check_grads(fnp.tanh, (fnp.array([0.1, 2.0]),), order=1, modes=["rev"])
    >>> @fg.custom_jvp
    ... def wrong(x):
    ...     return fnp.sin(x)
    >>> _ = wrong.defjvp(lambda p, t: (fnp.sin(p[0]), 2.0 * t[0]))
    >>> try:
    ...     check_grads(wrong, (fnp.array(0.5),), order=1)
    ... except AssertionError:
    ...     print("mismatch")
    mismatch
    """
    args = tuple(args)
    eps = EPS if eps is None else eps
    bad = [m for m in modes if m not in ("fwd", "rev")]
    if bad:
        raise ValueError(f"check_grads: unknown mode {bad[0]!r}; modes are 'fwd' and 'rev', "
                         "e.g. modes=('fwd', 'rev')")

    def check(fun: Callable[..., Any], left: int, level: int) -> None:
        rng = np.random.RandomState(0)
        if "fwd" in modes:
            msg = f"forward mode, derivative order {level}:"
            check_jvp(fun, lambda p, t: jvp(fun, p, t), args, atol, rtol, eps, msg)
            if left > 1:
                ts = tree.map(lambda x: _rand_like(rng, x), args)
                check(lambda *a: jvp(fun, a, ts)[1], left - 1, level + 1)
        if "rev" in modes:
            msg = f"reverse mode, derivative order {level}:"
            check_vjp(fun, lambda *a: vjp(fun, *a), args, atol, rtol, eps, msg)
            if left > 1:
                ct = tree.map(lambda x: _rand_like(rng, x), fun(*args))
                check(lambda *a: vjp(fun, *a)[1](ct), left - 1, level + 1)

    if not isinstance(order, int) or order < 1:
        raise ValueError(f"check_grads: order must be a positive int, got {order!r}")
    check(f, order, 1)
