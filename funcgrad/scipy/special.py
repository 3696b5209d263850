"""funcgrad.scipy.special: special functions with derivatives.

erf, lgamma and digamma are primitives (their impls evaluate libm's erf/lgamma elementwise, or
an asymptotic series for digamma); everything else composes them."""
from __future__ import annotations

import math
from typing import Literal, overload

import numpy as np

from .. import lax
from .. import numpy as fnp
from .._api import stop_gradient
from .._core.array import Array
from .._core.backend import asarray
from .._core.primitive import defderiv
from .._core.trace import bind
from .._core.typing import ArrayLike, Axis
from ..lax.elementwise import _ufunc_prim
from ..numpy._core import operand

_erf_ufunc = np.frompyfunc(math.erf, 1, 1)
_lgamma_ufunc = np.frompyfunc(math.lgamma, 1, 1)
_erfc_ufunc = np.frompyfunc(math.erfc, 1, 1)


def _float_dtype(x):
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)


def _vectorized(fn, name):
    """The impl of a libm function: elementwise on the CPU, cupyx.scipy.special's `name`
    kernel on a GPU."""
    def impl(x):
        x = asarray(x)
        dt = _float_dtype(x)
        if type(x) is not np.ndarray:
            from cupyx.scipy import special  # optional: CuPy is there only on a GPU
            return getattr(special, name)(x.astype(dt, copy=False))
        return np.asarray(fn(x), dtype=object).astype(dt) if x.ndim else dt.type(fn(x))
    return impl


def _digamma_impl(x):
    """psi(x): the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 6, then the asymptotic
    series (error < 1e-15 there); reflection for negative x."""
    x = asarray(x)
    dt = _float_dtype(x)
    x = x.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        neg = x < 0
        xr = np.where(neg, 1 - x, x)
        acc = np.zeros_like(xr)
        for _ in range(6):
            small = xr < 6
            acc = acc - np.where(small, 1 / np.where(small, xr, 1), 0)
            xr = np.where(small, xr + 1, xr)
        inv2 = 1 / (xr * xr)
        series = (np.log(xr) - 0.5 / xr - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (
            1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132))))))
        out = acc + series
        out = np.where(neg, out - np.pi / np.tan(np.pi * x), out)
        out = np.where((x <= 0) & (x == np.floor(x)), np.nan, out)
    return out.astype(dt)


def _trigamma_impl(x):
    x = asarray(x).astype(np.float64)
    acc = np.zeros_like(x)
    xr = x.copy()
    for _ in range(6):
        small = xr < 6
        acc = acc + np.where(small, 1 / np.where(small, xr * xr, 1), 0)
        xr = np.where(small, xr + 1, xr)
    inv = 1 / xr
    inv2 = inv * inv
    series = inv + inv2 / 2 + inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 / 30)))
    return acc + series


# The four primitives, each with its typed function (a plain bind, as lax's functions are).
erf_p = _ufunc_prim("erf", np.sin)
erf_p.impl = _vectorized(_erf_ufunc, "erf")
erf_p.jit = None


def erf(x: ArrayLike) -> Array:
    """The error function 2/sqrt(pi) * integral from 0 to x of exp(-t**2) dt.

    >>> import funcgrad as fg
    >>> round(float(erf(0.5)), 6), round(float(fg.grad(erf)(0.0)), 6)
    (0.5205, 1.128379)
    """
    return bind(erf_p, x)


erfc_p = _ufunc_prim("erfc", np.sin)
erfc_p.impl = _vectorized(_erfc_ufunc, "erfc")  # libm's: accurate in the right tail (not 1 - erf)
erfc_p.jit = None


def erfc(x: ArrayLike) -> Array:
    """1 - erf(x), computed directly (no cancellation: erfc(10) is 2.1e-45, not 0).

    >>> float(erfc(0.5)), float(erfc(10.0))
    (0.4795001221869535, 2.088487583762545e-45)
    """
    return bind(erfc_p, operand(x))


lgamma_p = _ufunc_prim("lgamma", np.sin)
lgamma_p.impl = _vectorized(_lgamma_ufunc, "gammaln")
lgamma_p.jit = None


def lgamma(x: ArrayLike) -> Array:
    """log|Gamma(x)|, the primitive behind gammaln."""
    return bind(lgamma_p, x)


digamma_p = _ufunc_prim("digamma", np.sin)
digamma_p.impl = _digamma_impl
digamma_p.jit = None


def digamma_prim(x: ArrayLike) -> Array:
    """psi(x), the primitive behind digamma."""
    return bind(digamma_p, x)


trigamma_p = _ufunc_prim("trigamma", np.sin)
trigamma_p.impl = lambda x: _trigamma_impl(x).astype(_float_dtype(asarray(x)))
trigamma_p.jit = None


def trigamma(x: ArrayLike) -> Array:
    """psi'(x), the derivative of digamma.

    >>> round(float(trigamma(1.0)), 6)  # pi**2 / 6
    1.644934
    """
    return bind(trigamma_p, x)


defderiv(erf_p, lambda ans, x: float(2 / math.sqrt(math.pi)) * lax.exp(-(x * x)))
defderiv(erfc_p, lambda ans, x: -float(2 / math.sqrt(math.pi)) * lax.exp(-(x * x)))
defderiv(lgamma_p, lambda ans, x: digamma_prim(x))
defderiv(digamma_p, lambda ans, x: trigamma(x))


def _no_tetragamma(ans, x):
    raise NotImplementedError("the derivative of trigamma (polygamma(2, x)) is not implemented")


defderiv(trigamma_p, _no_tetragamma)


def gammaln(x: ArrayLike) -> Array:
    """log|Gamma(x)|.

    >>> round(float(gammaln(4.0)), 6)  # log(3!)
    1.791759
    """
    return lgamma(operand(x))


def digamma(x: ArrayLike) -> Array:
    """d/dx log Gamma(x).

    >>> round(float(digamma(1.0)), 6)  # minus the Euler-Mascheroni constant
    -0.577216
    """
    return digamma_prim(operand(x))


def erfinv(x: ArrayLike) -> Array:
    """The inverse of erf on (-1, 1): Giles' approximation refined by two Newton steps (float64
    accurate); its derivative is sqrt(pi)/2 exp(erfinv(x)**2).

    >>> round(float(erf(erfinv(0.3))), 12)
    0.3
    """
    x = operand(x)
    w = lax.neg(lax.log(lax.mul(lax.sub(1.0, x), lax.add(1.0, x))))
    small = lax.lt(w, 5.0)
    ws = lax.sub(w, 2.5)
    wl = lax.sub(lax.sqrt(lax.select(small, 5.0, w)), 3.0)
    ps = [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
          -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]
    pl = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
          -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]
    a, b = ps[0], pl[0]
    for cs, cl in zip(ps[1:], pl[1:]):
        a = lax.add(lax.mul(a, ws), cs)
        b = lax.add(lax.mul(b, wl), cl)
    y = lax.mul(lax.select(small, a, b), x)
    for _ in range(2):  # Newton on erf(y) = x; the last step carries the exact derivative
        y0 = stop_gradient(y)
        y = lax.sub(y0, lax.div(lax.sub(erf(y0), x),
                                lax.mul(float(2 / math.sqrt(math.pi)), lax.exp(-(y0 * y0)))))
    return y


def ndtr(x: ArrayLike) -> Array:
    """The standard normal CDF.

    >>> float(ndtr(0.0))
    0.5
    """
    return lax.mul(0.5, erfc(lax.mul(operand(x), -float(1 / math.sqrt(2)))))


_LOG_SQRT_2PI = float(0.5 * math.log(2 * math.pi))


def ndtri(p: ArrayLike) -> Array:
    """The inverse of ndtr: sqrt(2) erfinv(2p - 1) in the middle; in the tails (q = min(p, 1 - p)
    below 0.01, where 2p - 1 would cancel), Newton's method on log_ndtr(x) = log(q) from the
    asymptotic start -sqrt(-2 log q - log(-2 log q) - log(2 pi)), whose last step carries the
    exact derivative 1 / phi(x). -inf at 0, inf at 1.

    >>> round(float(ndtri(0.975)), 6), round(float(ndtri(1e-30)), 6)
    (1.959964, -11.464025)
    """
    p = operand(p)
    upper = lax.gt(p, 0.5)
    q = lax.select(upper, lax.sub(1.0, p), p)  # exact for p > 0.5
    tail = lax.lt(q, 0.01)
    mid = lax.mul(float(math.sqrt(2)), erfinv(lax.sub(lax.mul(2.0, lax.select(tail, 0.5, p)),
                                                      1.0)))
    lq = lax.log(lax.select(lax.bitwise_and(tail, lax.gt(q, 0.0)), q, 1e-3))
    t = lax.mul(-2.0, lq)
    x = lax.neg(lax.sqrt(lax.sub(lax.sub(t, lax.log(t)), float(math.log(2 * math.pi)))))
    for _ in range(4):  # Newton: x - (log_ndtr(x) - log q) * ndtr(x) / phi(x)
        x0 = stop_gradient(x)
        ln = log_ndtr(x0)
        log_phi = lax.sub(lax.mul(-0.5, lax.mul(x0, x0)), _LOG_SQRT_2PI)
        x = lax.sub(x0, lax.mul(lax.sub(ln, lq), lax.exp(lax.sub(ln, log_phi))))
    x = lax.select(lax.eq(q, 0.0), -math.inf, x)
    out = lax.select(tail, lax.select(upper, lax.neg(x), x), mid)
    return lax.select(lax.bitwise_or(lax.lt(p, 0.0), lax.gt(p, 1.0)), math.nan, out)


def log_ndtr(x: ArrayLike) -> Array:
    """log(ndtr(x)), accurate in both tails: log1p(-ndtr(-x)) for x > 0, log(ndtr(x)) down to
    -30, and below the asymptotic series -x**2/2 - log(-x) - log(2 pi)/2
    + log(1 - 1/x**2 + 3/x**4 - 15/x**6 + 105/x**8 - 945/x**10) (ndtr underflows near -38).

    >>> round(float(log_ndtr(0.0)), 6), round(float(log_ndtr(-40.0)), 6)
    (-0.693147, -804.608442)
    """
    x = operand(x)
    pos = lax.gt(x, 0.0)
    low = lax.lt(x, -30.0)
    xp = lax.select(pos, x, 0.0)
    xm = lax.select(lax.bitwise_or(pos, low), -1.0, x)
    xl = lax.select(low, x, -40.0)
    inv2 = lax.div(1.0, lax.mul(xl, xl))
    series = lax.mul(inv2, -945.0)
    for c in (105.0, -15.0, 3.0, -1.0):  # Horner, from the highest term down
        series = lax.mul(inv2, lax.add(c, series))
    series = lax.add(1.0, series)
    tail = lax.sub(lax.sub(lax.mul(-0.5, lax.mul(xl, xl)), lax.log(lax.neg(xl))),
                   lax.sub(float(0.5 * math.log(2 * math.pi)), lax.log(series)))
    mid = lax.log(ndtr(xm))
    right = lax.log1p(lax.neg(ndtr(lax.neg(xp))))
    return lax.select(pos, right, lax.select(low, tail, mid))


def expit(x: ArrayLike) -> Array:
    """The logistic sigmoid 1 / (1 + exp(-x)).

    >>> float(expit(0.0))
    0.5
    """
    return lax.logistic(operand(x))


def logit(p: ArrayLike) -> Array:
    """log(p / (1 - p)), the inverse of expit; -inf at 0 and inf at 1, with derivative +inf
    there.

    >>> round(float(logit(0.25)), 6)
    -1.098612
    """
    p = operand(p)
    # log p - log(1 - p): the derivative 1/p + 1/(1 - p) is +inf at 0 and 1 (not inf * 0)
    return lax.sub(lax.log(p), lax.log1p(lax.neg(p)))


def _where_finite_above(y, lo):
    """y > lo and finite: where x * log(y) (x * log1p(y)) is a number for x == 0."""
    return lax.bitwise_and(lax.gt(y, lo), lax.is_finite(y))


def _x_times(f, x, y, lo):
    """x * f(y), 0 where x == 0 (whatever y is). Where y is in f's domain the product itself is
    returned (exactly 0 there), so that the derivatives stay f(y) in x and x f'(y) in y, with
    the mixed second derivative f'(y) (JAX's); outside it the derivative at x == 0 is 0."""
    x, y = operand(x), operand(y)
    dead = lax.bitwise_and(lax.eq(x, 0), lax.bitwise_not(_where_finite_above(y, lo)))
    return lax.select(dead, 0.0, lax.mul(x, f(lax.select(dead, lo + 1.0, y))))


def xlogy(x: ArrayLike, y: ArrayLike) -> Array:
    """x * log(y), 0 where x == 0.

    >>> float(xlogy(0.0, 0.0)), round(float(xlogy(2.0, 3.0)), 6)
    (0.0, 2.197225)
    """
    return _x_times(lax.log, x, y, 0.0)


def xlog1py(x: ArrayLike, y: ArrayLike) -> Array:
    """x * log1p(y), 0 where x == 0.

    >>> float(xlog1py(0.0, -1.0)), round(float(xlog1py(2.0, 1.0)), 6)
    (0.0, 1.386294)
    """
    return _x_times(lax.log1p, x, y, -1.0)


@overload
def logsumexp(a: ArrayLike, axis: Axis = None, b: ArrayLike | None = None,
              keepdims: bool = False, return_sign: Literal[False] = False) -> Array: ...


@overload
def logsumexp(a: ArrayLike, axis: Axis = None, b: ArrayLike | None = None,
              keepdims: bool = False, *, return_sign: Literal[True]) -> tuple[Array, Array]: ...


@overload
def logsumexp(a: ArrayLike, axis: Axis = None, b: ArrayLike | None = None,
              keepdims: bool = False, return_sign: bool = False
              ) -> Array | tuple[Array, Array]: ...


def logsumexp(a: ArrayLike, axis: Axis = None, b: ArrayLike | None = None,
              keepdims: bool = False, return_sign: bool = False
              ) -> Array | tuple[Array, Array]:
    """log(sum(b * exp(a))) along axis, without overflow; with return_sign, (log|s|, sign(s)).
    Terms where b == 0 are left out (an infinite or NaN a there does not count), as scipy's.

    >>> import funcgrad.numpy as fnp
    >>> logsumexp(fnp.array([1000.0, 1000.0]))
    Array(1000.69314718, dtype=float64)
    >>> logsumexp(fnp.array([0.0, 0.0]), b=fnp.array([1.0, -2.0]), return_sign=True)
    (Array(0., dtype=float64), Array(-1., dtype=float64))
    """
    a = operand(a)
    if b is not None:  # terms with b == 0 are left out, whatever a is there (inf, NaN, huge)
        b = operand(b)
        a = lax.select(lax.ne(b, 0), a, -math.inf)
    m = stop_gradient(fnp.max(a, axis=axis, keepdims=True))
    m = lax.select(fnp.isfinite(m), m, 0.0)
    e = lax.exp(lax.sub(a, m))
    if b is not None:
        e = lax.mul(e, b)
    s = fnp.sum(e, axis=axis, keepdims=True)
    sign = lax.sign(s)
    out = lax.add(lax.log(lax.abs(s)), m)
    if not keepdims:
        out = fnp.squeeze(out, axis=axis) if axis is not None else fnp.reshape(out, ())
        sign = fnp.squeeze(sign, axis=axis) if axis is not None else fnp.reshape(sign, ())
    return (out, sign) if return_sign else out


__all__ = ["erf", "erfc", "erfinv", "gammaln", "digamma", "ndtr", "ndtri", "log_ndtr", "expit",
           "logit", "xlogy", "xlog1py", "logsumexp"]
