"""funcgrad.scipy.optimize: minimize with BFGS, as jax.scipy.optimize.minimize.

The iteration is a lax.while_loop of lax operations (so minimize runs under jit and vmap), the
gradient from fg.value_and_grad, the step from a backtracking line search (Armijo's condition)
that keeps the curvature condition for the inverse-Hessian update. As JAX's, minimize is not
differentiable (differentiating it raises ValueError); `method` names the solver (only 'BFGS')
and `tol` is accepted but not used (set options['gtol'])."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from .. import lax
from .. import numpy as fnp
from .._api import value_and_grad
from .._core.array import Array
from .._core.typing import ArrayLike
from ..interpreters.ad import JVPTracer, ReverseTracer


class OptimizeResults(NamedTuple):
    """The result of minimize, JAX's fields: x (the solution), success, status (0 converged, 1
    out of iterations, 3 the line search failed), fun and jac (the value and gradient at x),
    hess_inv (the BFGS inverse-Hessian estimate), nfev, njev and nit (evaluations of fun, of
    its gradient, and iterations)."""

    x: Array
    success: Array
    status: Array
    fun: Array
    jac: Array
    hess_inv: Array | None
    nfev: Array
    njev: Array
    nit: Array


_C1 = 1e-4  # Armijo's sufficient decrease


def _norm(g, ord_):
    if ord_ == math.inf:
        return fnp.max(fnp.abs(g)) if g.shape[0] else fnp.zeros((), g.dtype)
    return fnp.linalg.norm(g, ord=ord_)


def _bfgs(value_grad, x0, maxiter, norm, gtol, line_search_maxiter):
    n = x0.shape[0]
    dtype = x0.dtype
    f0, g0 = value_grad(x0)
    if isinstance(f0, (JVPTracer, ReverseTracer)):
        raise ValueError("minimize is not differentiable (as jax.scipy.optimize.minimize): "
                         "differentiate the objective at the solution instead, e.g. "
                         "fg.grad(f)(minimize(f, x0, method='BFGS').x)")
    eye = fnp.eye(n, dtype=dtype)
    zero = fnp.zeros((), np.int64)
    init = (zero, zero + 1, zero + 1, x0, f0, g0, eye, _norm(g0, norm) < gtol,
            fnp.zeros((), bool))

    def line_search(x, f, g, p):
        slope = fnp.dot(g, p)

        def cond(s):
            i, _, f_new, _, ok = s
            return lax.bitwise_and(lax.bitwise_not(ok), i < line_search_maxiter)

        def body(s):
            i, a, _, _, _ = s
            a = lax.select(i == 0, a, a * 0.5)
            f_new, g_new = value_grad(x + a * p)
            ok = lax.bitwise_and(fnp.isfinite(f_new), f_new <= f + _C1 * a * slope)
            return i + 1, a, f_new, g_new, ok
        return lax.while_loop(cond, body, (zero, fnp.ones((), dtype), f, g, fnp.zeros((), bool)))

    def cond(state):
        k, _, _, _, _, _, _, converged, failed = state
        return lax.bitwise_and(lax.bitwise_not(lax.bitwise_or(converged, failed)), k < maxiter)

    def body(state):
        k, nfev, njev, x, f, g, h, _, _ = state
        p = -fnp.matmul(h, g)
        tries, a, f_new, g_new, ok = line_search(x, f, g, p)
        s = a * p
        y = g_new - g
        ys = fnp.dot(y, s)
        rho = 1.0 / lax.select(ys > 0, ys, fnp.ones((), dtype))
        w = eye - rho * fnp.outer(s, y)
        h_new = fnp.matmul(fnp.matmul(w, h), w.T) + rho * fnp.outer(s, s)
        h_new = lax.select(lax.bitwise_and(ok, ys > 0), h_new, h)  # keep H positive definite
        x_new = lax.select(ok, x + s, x)
        f_new = lax.select(ok, f_new, f)
        g_new = lax.select(ok, g_new, g)
        converged = _norm(g_new, norm) < gtol
        return (k + 1, nfev + tries, njev + tries, x_new, f_new, g_new, h_new, converged,
                lax.bitwise_not(ok))

    return lax.while_loop(cond, body, init)


def minimize(fun: Callable[..., Any], x0: ArrayLike, args: tuple = (), *, method: str,
             tol: float | None = None, options: Mapping[str, Any] | None = None
             ) -> OptimizeResults:
    """Minimize fun(x, *args) over a 1-d x from x0 with BFGS (method='BFGS', required, as
    JAX's). options: maxiter (200 n), norm (inf: of the gradient, for convergence), gtol
    (1e-5), line_search_maxiter (10).

    >>> import funcgrad.numpy as fnp
    >>> r = minimize(lambda x: fnp.sum((x - 1.0) ** 2) + fnp.sum(x ** 4), fnp.zeros(2),
    ...              method="BFGS")
    >>> bool(r.success), [round(float(v), 6) for v in r.x]
    (True, [0.589755, 0.589755])
    """
    if options is None:
        options = {}
    if not isinstance(args, tuple):
        raise TypeError(f"args argument to jax.scipy.optimize.minimize must be a tuple, got "
                        f"{args}")
    if not isinstance(method, str) or method.lower() != "bfgs":
        raise ValueError(f"Method {method} not recognized; funcgrad's minimize (as JAX's) "
                         "supports method='BFGS'")
    known = {"maxiter", "norm", "gtol", "line_search_maxiter"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"minimize_bfgs() got an unexpected keyword argument {unknown[0]!r} "
                        f"(options for BFGS: {sorted(known)})")
    x0 = fnp.asarray(x0)
    if x0.ndim != 1:
        raise ValueError(f"minimize: x0 must be a 1-d array of shape (n,), got shape "
                         f"{x0.shape}; flatten it (x0.ravel()) and reshape inside fun")
    if x0.dtype.kind not in "f":
        x0 = x0.astype(np.float64)
    maxiter = options.get("maxiter")
    maxiter = 200 * x0.shape[0] if maxiter is None else int(maxiter)
    value_grad = value_and_grad(lambda x: fun(x, *args))
    k, nfev, njev, x, f, g, h, converged, failed = _bfgs(
        value_grad, x0, maxiter, options.get("norm", math.inf), options.get("gtol", 1e-5),
        int(options.get("line_search_maxiter", 10)))
    status = lax.select(converged, 0, lax.select(k >= maxiter, 1, lax.select(failed, 3, -1)))
    return OptimizeResults(x=x, success=lax.bitwise_and(converged, lax.bitwise_not(failed)),
                           status=status, fun=f, jac=g, hess_inv=h, nfev=nfev, njev=njev,
                           nit=k)


__all__ = ["OptimizeResults", "minimize"]
