"""funcgrad.scipy.special: jax.scipy.special's functions, differentiable.

The primitives (erf, erfc, lgamma, digamma, the incomplete gamma and beta functions, erfcx, i0e,
i1e, spence) and the Hurwitz zeta function live in funcgrad.lax.special; everything here composes
them in lax operations, so vmap, jit and every derivative order follow."""
from __future__ import annotations

import math
import operator
from fractions import Fraction
from typing import Any, Literal, overload

import numpy as np

from .. import lax
from .. import numpy as fnp
from .._api import stop_gradient
from .._custom import custom_jvp
from .._core.array import Array
from .._core.typing import ArrayLike, Axis
from ..lax import special as _ls
from ..lax import special_hypergeometric as _lsh
from ..lax import special_integrals as _lsi
from ..numpy._core import operand

erf = _ls.erf
erfc = _ls.erfc
lgamma = _ls.lgamma
digamma_prim = _ls.digamma
trigamma = _ls.trigamma


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
    accurate); its derivative is sqrt(pi)/2 exp(erfinv(x)**2), to every order.

    >>> round(float(erf(erfinv(0.3))), 12)
    0.3
    """
    return _erfinv(operand(x))


def _erfinv_newton(x):
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
    for _ in range(2):  # Newton on erf(y) = x
        y = lax.sub(y, lax.div(lax.sub(erf(y), x),
                               lax.mul(float(2 / math.sqrt(math.pi)), lax.exp(-(y * y)))))
    return y


_erfinv = custom_jvp(_erfinv_newton)


@_erfinv.defjvp
def _erfinv_jvp(primals, tangents):
    # d erfinv(x) = sqrt(pi)/2 exp(erfinv(x)**2) dx, in terms of erfinv itself: every order
    y = _erfinv(primals[0])
    return y, lax.mul(tangents[0], lax.mul(float(math.sqrt(math.pi) / 2), lax.exp(lax.mul(y, y))))


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
    asymptotic start -sqrt(-2 log q - log(-2 log q) - log(2 pi)); its derivative is
    1 / phi(ndtri(p)), to every order. -inf at 0, inf at 1.

    >>> round(float(ndtri(0.975)), 6), round(float(ndtri(1e-30)), 6)
    (1.959964, -11.464025)
    """
    return _ndtri(operand(p))


def _ndtri_newton(p):
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


_ndtri = custom_jvp(_ndtri_newton)


@_ndtri.defjvp
def _ndtri_jvp(primals, tangents):
    # d ndtri(p) = sqrt(2 pi) exp(ndtri(p)**2 / 2) dp
    y = _ndtri(primals[0])
    return y, lax.mul(tangents[0], lax.exp(lax.add(lax.mul(0.5, lax.mul(y, y)), _LOG_SQRT_2PI)))


def log_ndtr(x: ArrayLike) -> Array:
    """log(ndtr(x)), accurate in both tails: log1p(-ndtr(-x)) for x > 0, log(ndtr(x)) down to
    -30, and below the asymptotic series -x**2/2 - log(-x) - log(2 pi)/2
    + log(1 - 1/x**2 + 3/x**4 - 15/x**6 + 105/x**8 - 945/x**10) (ndtr underflows near -38).

    >>> round(float(log_ndtr(0.0)), 6), round(float(log_ndtr(-40.0)), 6)
    (-0.693147, -804.608442)
    """
    x = operand(x)
    pos = lax.gt(x, 0.0)
    # below the cut the asymptotic series (ndtr underflows near -38 in float64, -13 in float32)
    low = lax.lt(x, -30.0 if fnp.result_type(x) == np.float64 else -10.0)
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
              keepdims: bool = False, return_sign: Literal[False] = False,
              where: ArrayLike | None = None) -> Array: ...


@overload
def logsumexp(a: ArrayLike, axis: Axis = None, b: ArrayLike | None = None,
              keepdims: bool = False, *, return_sign: Literal[True],
              where: ArrayLike | None = None) -> tuple[Array, Array]: ...


@overload
def logsumexp(a: ArrayLike, axis: Axis = None, b: ArrayLike | None = None,
              keepdims: bool = False, return_sign: bool = False,
              where: ArrayLike | None = None) -> Array | tuple[Array, Array]: ...


def logsumexp(a: ArrayLike, axis: Axis = None, b: ArrayLike | None = None,
              keepdims: bool = False, return_sign: bool = False,
              where: ArrayLike | None = None) -> Array | tuple[Array, Array]:
    """log(sum(b * exp(a))) along axis, without overflow; with return_sign, (log|s|, sign(s)).
    Terms where b == 0, or where `where` is False, are left out (an infinite or NaN a there does
    not count), as scipy's and JAX's.

    >>> import funcgrad.numpy as fnp
    >>> logsumexp(fnp.array([1000.0, 1000.0]))
    Array(1000.69314718, dtype=float64)
    >>> logsumexp(fnp.array([0.0, 0.0]), b=fnp.array([1.0, -2.0]), return_sign=True)
    (Array(0., dtype=float64), Array(-1., dtype=float64))
    """
    a = operand(a)
    if where is not None:
        a = lax.select(fnp.broadcast_to(operand(where), fnp.shape(a)), a, -math.inf)
    if b is not None:  # terms with b == 0 are left out, whatever a is there (inf, NaN, huge)
        b = operand(b)
        a = lax.select(lax.ne(b, 0), a, -math.inf)
    shape = fnp.shape(a)
    axes = range(len(shape)) if axis is None else \
        [ax % len(shape) for ax in ((axis,) if isinstance(axis, int) else axis)]
    if any(shape[ax] == 0 for ax in axes):  # an empty sum: log(0) = -inf, as scipy and JAX
        kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
        m = fnp.full(kept, -math.inf, fnp.result_type(a, 1.0))
    else:
        m = stop_gradient(fnp.max(a, axis=axis, keepdims=True))
    m = lax.select(fnp.isfinite(m), m, 0.0)
    e = lax.exp(lax.sub(a, m))
    if b is not None:
        e = lax.mul(e, b)
    s = fnp.sum(e, axis=axis, keepdims=True)
    sign = lax.sign(s)
    zero = lax.eq(s, 0)  # nothing to sum (all terms left out, or -inf): -inf, no warning
    out = lax.add(lax.select(zero, -math.inf, lax.log(lax.select(zero, 1.0, lax.abs(s)))), m)
    if not keepdims:
        out = fnp.squeeze(out, axis=axis) if axis is not None else fnp.reshape(out, ())
        sign = fnp.squeeze(sign, axis=axis) if axis is not None else fnp.reshape(sign, ())
    return (out, sign) if return_sign else out




def softmax(x: ArrayLike, /, *, axis: Axis = None) -> Array:
    """exp(x) / sum(exp(x)) along axis (all axes when None), without overflow.

    >>> import funcgrad.numpy as fnp
    >>> softmax(fnp.array([0.0, 0.0]))
    Array([0.5, 0.5], dtype=float64)
    """
    x = operand(x)
    return lax.exp(lax.sub(x, logsumexp(x, axis=axis, keepdims=True)))


def log_softmax(x: ArrayLike, /, *, axis: Axis = None) -> Array:
    """x - logsumexp(x) along axis (all axes when None).

    >>> import funcgrad.numpy as fnp
    >>> log_softmax(fnp.array([1.0, 1.0]))
    Array([-0.69314718, -0.69314718], dtype=float64)
    """
    x = operand(x)
    return lax.sub(x, logsumexp(x, axis=axis, keepdims=True))


# ---- gamma family -------------------------------------------------------------------------------

def gammasgn(x: ArrayLike) -> Array:
    """The sign of Gamma(x): 1 for x >= 0, (-1)**ceil(-x) between the poles, NaN at them.

    >>> import funcgrad.numpy as fnp
    >>> gammasgn(fnp.array([2.0, -0.5, -1.5, -1.0]))
    Array([ 1., -1.,  1., nan], dtype=float64)
    """
    x = _floating(x)
    fl = lax.floor(x)
    odd = lax.ne(lax.rem(fl, 2.0), 0.0)
    one = fnp.ones_like(x)
    neg = lax.select(odd, lax.neg(one), one)
    out = lax.select(lax.ge(x, 0.0), one, lax.select(lax.eq(x, fl), math.nan, neg))
    return lax.select(lax.ne(x, x), math.nan, out)


def gamma(x: ArrayLike) -> Array:
    """Gamma(x) = gammasgn(x) exp(gammaln(x)): inf at 0, NaN at the negative integers.

    >>> round(float(gamma(5.0)), 9), round(float(gamma(-0.5)), 9)
    (24.0, -3.544907702)
    """
    x = _floating(x)
    return lax.mul(stop_gradient(gammasgn(x)), lax.exp(lgamma(x)))


def loggamma(x: ArrayLike) -> Array:
    """log(Gamma(x)) for real x > 0 (NaN for x < 0, as scipy's real loggamma).

    >>> round(float(loggamma(4.0)), 6)
    1.791759
    """
    x = _floating(x)
    return lax.select(lax.lt(x, 0.0), math.nan, lgamma(x))


def factorial(n: ArrayLike, exact: bool = False) -> Array:
    """n! as Gamma(n + 1), 0 for n < 0 (exact=True is not supported, as JAX's).

    >>> round(float(factorial(4.0)), 9), float(factorial(-1.0))
    (24.0, 0.0)
    """
    if exact:
        raise NotImplementedError("factorial with exact=True")
    n = _floating(n)
    return lax.select(lax.lt(n, 0.0), 0.0, gamma(lax.add(n, 1.0)))


def comb(N: ArrayLike, k: ArrayLike, *, repetition: bool = False) -> Array:
    """The binomial coefficient N choose k through gammaln (floats, as scipy's exact=False); 0
    where k > N, N < 0 or k < 0; with repetition, (N + k - 1) choose k.

    >>> round(float(comb(5.0, 2.0)), 9), round(float(comb(5.0, 2.0, repetition=True)), 9)
    (10.0, 15.0)
    """
    N, k = _floating(N), _floating(k)
    if repetition:
        N = lax.sub(lax.add(N, k), 1.0)
    out = lax.exp(lax.sub(lgamma(lax.add(N, 1.0)),
                          lax.add(lgamma(lax.add(k, 1.0)), lgamma(lax.add(lax.sub(N, k), 1.0)))))
    bad = lax.bitwise_or(lax.gt(k, N), lax.bitwise_or(lax.lt(N, 0.0), lax.lt(k, 0.0)))
    return lax.select(bad, 0.0, out)


def poch(z: ArrayLike, m: ArrayLike) -> Array:
    """The rising factorial Gamma(z + m) / Gamma(z).

    >>> round(float(poch(2.0, 3.0)), 9)
    24.0
    """
    z, m = _floating(z), _floating(m)
    zm = lax.add(z, m)
    sign = stop_gradient(lax.mul(gammasgn(zm), gammasgn(z)))
    out = lax.mul(sign, lax.exp(lax.sub(lgamma(zm), lgamma(z))))
    return lax.select(lax.eq(m, 0.0), 1.0, out)


def betaln(a: ArrayLike, b: ArrayLike) -> Array:
    """log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b).

    >>> round(float(betaln(2.0, 3.0)), 6)  # log(1/12)
    -2.484907
    """
    a, b = _floating(a), _floating(b)
    return lax.sub(lax.add(lgamma(a), lgamma(b)), lgamma(lax.add(a, b)))


def beta(a: ArrayLike, b: ArrayLike) -> Array:
    """The beta function B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b).

    >>> round(float(beta(2.0, 3.0)), 12)
    0.083333333333
    """
    a, b = _floating(a), _floating(b)
    sign = stop_gradient(lax.mul(lax.mul(gammasgn(a), gammasgn(b)), gammasgn(lax.add(a, b))))
    return lax.mul(sign, lax.exp(betaln(a, b)))


def multigammaln(a: ArrayLike, d: int) -> Array:
    """The log of the multivariate gamma function of dimension d: d(d-1)/4 log(pi) +
    sum_j gammaln(a - j/2), j = 0..d-1.

    >>> round(float(multigammaln(3.0, 2)), 6)
    1.550195
    """
    d = _operator_index(d, "d")
    a = _floating(a)
    out = lax.mul(fnp.ones_like(a), d * (d - 1) / 4 * math.log(math.pi))
    for j in range(d):
        out = lax.add(out, lgamma(lax.sub(a, j / 2)))
    return out


def polygamma(n: ArrayLike, x: ArrayLike) -> Array:
    """The n-th derivative of digamma, (-1)**(n+1) n! zeta(n + 1, x) for n >= 1; n must be of an
    integer type (as JAX's).

    >>> round(float(polygamma(1, 1.0)), 6)  # pi**2 / 6
    1.644934
    """
    n_dtype = np.result_type(n) if not hasattr(n, "dtype") else np.dtype(n.dtype)
    if n_dtype.kind not in "iub":
        raise ValueError(f"Argument `n` to polygamma must be of integer type. Got dtype {n_dtype}.")
    x = _floating(x)
    nf = lax.convert_element_type(operand(n), fnp.result_type(x))
    high = lax.mul(lax.mul(lax.select(lax.eq(lax.rem(nf, 2.0), 0.0), -1.0, 1.0),
                           lax.exp(lgamma(lax.add(nf, 1.0)))),
                   _ls.zeta(lax.select(lax.eq(nf, 0.0), 2.0, lax.add(nf, 1.0)), x))
    return lax.select(lax.eq(nf, 0.0), digamma(x), high)


def zeta(x: ArrayLike, q: ArrayLike | None = None) -> Array:
    """The Hurwitz zeta function sum_k (k + q)**-x (Riemann's when q is None), differentiable in
    both arguments. NaN for x < 1, inf at x == 1 and at q = 0, -1, ...; for q < 0 (integral x
    only, NaN otherwise, as scipy's) down to q > -9.

    >>> round(float(zeta(2.0, 1.0)), 9), round(float(zeta(4.0)), 9)  # pi**2/6, pi**4/90
    (1.644934067, 1.082323234)
    """
    if q is None:
        q = 1.0
    x, q = _floating(x), _floating(q)
    return _ls.zeta(x, q)


def gammainc(a: ArrayLike, x: ArrayLike) -> Array:
    """The regularized lower incomplete gamma function P(a, x), differentiable in a and x.

    >>> round(float(gammainc(2.0, 1.0)), 12)
    0.264241117657
    """
    return _ls.igamma(_floating(a), _floating(x))


def gammaincc(a: ArrayLike, x: ArrayLike) -> Array:
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), accurate in the
    tail.

    >>> round(float(gammaincc(1.0, 50.0)) * 1e22, 9)  # exp(-50)
    1.928749848
    """
    return _ls.igammac(_floating(a), _floating(x))


def betainc(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """The regularized incomplete beta function I_x(a, b); differentiable in x (in a and b it
    raises ValueError, as JAX's).

    >>> round(float(betainc(2.0, 3.0, 0.5)), 12)
    0.6875
    """
    return _ls.betainc(_floating(a), _floating(b), _floating(x))


# ---- error function family, Bessel, Spence ------------------------------------------------------

def erfcx(x: ArrayLike) -> Array:
    """The scaled complementary error function exp(x**2) erfc(x).

    >>> round(float(erfcx(1.0)), 12)
    0.427583576156
    """
    return _ls.erfcx(_floating(x))


def i0e(x: ArrayLike) -> Array:
    """The exponentially scaled modified Bessel function exp(-|x|) I0(x).

    >>> round(float(i0e(1.0)), 12)
    0.465759607594
    """
    return _ls.bessel_i0e(_floating(x))


def i1e(x: ArrayLike) -> Array:
    """The exponentially scaled modified Bessel function exp(-|x|) I1(x).

    >>> round(float(i1e(1.0)), 12)
    0.20791041535
    """
    return _ls.bessel_i1e(_floating(x))


def i0(x: ArrayLike) -> Array:
    """The modified Bessel function of order 0, exp(|x|) i0e(x).

    >>> round(float(i0(1.0)), 12)
    1.266065877752
    """
    x = _floating(x)
    return lax.mul(lax.exp(lax.abs(x)), _ls.bessel_i0e(x))


def i1(x: ArrayLike) -> Array:
    """The modified Bessel function of order 1, exp(|x|) i1e(x).

    >>> round(float(i1(1.0)), 12)
    0.565159103992
    """
    x = _floating(x)
    return lax.mul(lax.exp(lax.abs(x)), _ls.bessel_i1e(x))


def spence(x: ArrayLike) -> Array:
    """Spence's function, scipy's convention: integral from 1 to x of log(t) / (1 - t) dt, for
    x >= 0 (NaN below).

    >>> round(float(spence(1.0)), 12), round(float(spence(0.0)), 12)
    (0.0, 1.644934066848)
    """
    return _ls.spence(_floating(x))


def expn(n: ArrayLike, x: ArrayLike) -> Array:
    """The generalized exponential integral E_n(x) = integral from 1 to inf of
    exp(-x t) / t**n dt (integers n >= 0, x >= 0; NaN elsewhere, as scipy's); differentiable
    in x: d/dx E_n = -E_{n-1}.

    >>> round(float(expn(2, 1.0)), 12)
    0.148495506776
    """
    return _ls.expn(_floating(n), _floating(x))


def exp1(x: ArrayLike) -> Array:
    """The exponential integral E1(x) = expn(1, x), x >= 0.

    >>> round(float(exp1(1.0)), 12)
    0.219383934396
    """
    x = _floating(x)
    return _ls.expn(fnp.ones_like(x), x)


def expi(x: ArrayLike) -> Array:
    """The exponential integral Ei(x) (-E1(-x) for x < 0, -inf at 0, as scipy's).

    >>> round(float(expi(1.0)), 12)
    1.895117816356
    """
    return _ls.expi(_floating(x))


def sph_harm_y(n: ArrayLike, m: ArrayLike, theta: ArrayLike, phi: ArrayLike,
               diff_n: int | None = None, n_max: int | None = None) -> Array:
    """The spherical harmonic Y_n^m(theta, phi), scipy's convention (theta polar, phi
    azimuthal, the Condon-Shortley phase): the fully normalized associated Legendre function of
    cos(theta), by the stable three-term recurrence in the degree up to n_max (default: the
    largest n, which must then be concrete), times exp(i m phi); 0 where |m| > n, as scipy's.
    Differentiable in theta and phi. diff_n is not supported (NotImplementedError, as JAX's).

    >>> complex(sph_harm_y(2, 1, 0.3, 0.5)).real.__round__(8)
    -0.19140674
    """
    if diff_n is not None:
        raise NotImplementedError("The 'diff_n' argument to jax.scipy.special.sph_harm_y is not "
                                  "supported.")
    n, m = fnp.asarray(n), fnp.asarray(m)
    if n.dtype.kind not in "iu" or m.dtype.kind not in "iu":
        raise TypeError(f"sph_harm_y: n and m must be integer arrays, got {n.dtype} and "
                        f"{m.dtype}")
    if n_max is None:
        try:
            n_max = int(np.max(np.asarray(n))) if n.size else 0
        except Exception:  # a traced n has no concrete maximum
            raise TypeError("sph_harm_y: n is traced, so its largest value is unknown; pass "
                            "n_max (a Python int)") from None
    theta, phi = _floating(theta), _floating(phi)
    dt = fnp.result_type(theta, phi)
    x, sin = lax.cos(theta), lax.abs(lax.sin(theta))
    am = lax.convert_element_type(lax.abs(m), dt)
    nf = lax.convert_element_type(n, dt)
    # N_{|m|}^{|m|} = (-1)^m sqrt((2|m|+1)/(4 pi) prod_k (2k-1)/(2k)) sin^|m|
    diag = fnp.full(np.broadcast_shapes(fnp.shape(am), fnp.shape(nf), fnp.shape(x), fnp.shape(phi)),
                    1 / (4 * math.pi), dt)
    for k in range(1, n_max + 1):
        inside = lax.le(float(k), am)
        diag = lax.select(inside, lax.mul(diag, lax.mul((2 * k - 1) / (2 * k),
                                                        lax.mul(sin, sin))), diag)
    diag = lax.mul(lax.sqrt(lax.mul(diag, lax.add(lax.mul(2.0, am), 1.0))),
                   lax.select(lax.eq(lax.rem(am, 2.0), 1.0), -1.0, 1.0))
    prev2, prev1 = fnp.zeros_like(diag), diag  # N_{l-2}, N_{l-1} once l passes |m|
    out = lax.select(lax.eq(nf, am), diag, fnp.zeros_like(diag))
    for l in range(1, n_max + 1):
        lf = float(l)
        active = lax.gt(lf, am)
        m2 = lax.mul(am, am)
        a_l = lax.sqrt(lax.div(4 * lf * lf - 1, lax.select(active, lax.sub(lf * lf, m2), 1.0)))
        past = lax.gt(lf - 1, am)  # N_{l-2} exists
        a_prev = lax.sqrt(lax.select(past, lax.div(4 * (lf - 1) ** 2 - 1,
                                                   lax.select(past, lax.sub((lf - 1) ** 2, m2),
                                                              1.0)), 1.0))
        back = lax.select(past, lax.div(prev2, a_prev), fnp.zeros_like(prev2))
        new = lax.mul(a_l, lax.sub(lax.mul(x, prev1), back))
        prev2 = lax.select(active, prev1, prev2)
        prev1 = lax.select(active, new, prev1)
        out = lax.select(lax.bitwise_and(active, lax.eq(nf, lf)), new, out)
    mf = lax.convert_element_type(m, dt)
    sign = lax.select(lax.bitwise_and(lax.lt(mf, 0.0), lax.eq(lax.rem(am, 2.0), 1.0)), -1.0,
                      1.0)
    out = lax.select(lax.gt(am, nf), 0.0, lax.mul(out, sign))
    angle = lax.mul(mf, phi)
    return lax.mul(out, lax.add(lax.cos(angle), lax.mul(1j, lax.sin(angle))))


# ---- entropies, Box-Cox -------------------------------------------------------------------------

def entr(x: ArrayLike) -> Array:
    """-x log(x) for x > 0, 0 at 0, -inf for x < 0.

    >>> round(float(entr(0.5)), 6), float(entr(0.0)), float(entr(-1.0))
    (0.346574, -0.0, -inf)
    """
    x = _floating(x)
    xs = lax.select(lax.lt(x, 0.0), 1.0, x)
    return lax.select(lax.lt(x, 0.0), -math.inf, lax.neg(xlogy(xs, xs)))


def _both_nonneg(p, q):
    return lax.bitwise_and(lax.ge(p, 0.0), lax.ge(q, 0.0))


def rel_entr(p: ArrayLike, q: ArrayLike) -> Array:
    """p log(p / q) for p, q > 0; 0 at p == 0 with q >= 0; inf otherwise.

    >>> round(float(rel_entr(0.5, 0.25)), 6), float(rel_entr(0.0, 1.0)), float(rel_entr(1.0, 0.0))
    (0.346574, 0.0, inf)
    """
    p, q = _floating(p), _floating(q)
    ok = lax.bitwise_and(_both_nonneg(p, q), lax.bitwise_or(lax.gt(q, 0.0), lax.eq(p, 0.0)))
    qs = lax.select(lax.gt(q, 0.0), q, 1.0)
    ps = lax.select(ok, p, 0.0)  # outside the domain: no log of a negative number
    return lax.select(ok, xlogy(ps, lax.div(ps, qs)), math.inf)


def kl_div(p: ArrayLike, q: ArrayLike) -> Array:
    """p log(p / q) - p + q for p, q > 0; q at p == 0 with q >= 0; inf otherwise.

    >>> round(float(kl_div(0.5, 0.25)), 6), float(kl_div(0.0, 1.0))
    (0.096574, 1.0)
    """
    p, q = _floating(p), _floating(q)
    return lax.select(lax.eq(rel_entr(p, q), math.inf), math.inf,
                      lax.add(lax.sub(rel_entr(p, q), p), q))


def boxcox(x: ArrayLike, lmbda: ArrayLike) -> Array:
    """The Box-Cox transform (x**lmbda - 1) / lmbda, log(x) at lmbda == 0.

    >>> round(float(boxcox(2.0, 0.5)), 6)
    0.828427
    """
    x, lmbda = _floating(x), _floating(lmbda)
    return _boxcox_of_log(lax.log(x), lmbda)


def boxcox1p(x: ArrayLike, lmbda: ArrayLike) -> Array:
    """The Box-Cox transform of 1 + x, accurate for small x.

    >>> round(float(boxcox1p(1.0, 0.5)), 6)
    0.828427
    """
    x, lmbda = _floating(x), _floating(lmbda)
    return _boxcox_of_log(lax.log1p(x), lmbda)


def _boxcox_of_log(lx, lmbda):
    zero = lax.eq(lmbda, 0.0)
    ls = lax.select(zero, 1.0, lmbda)
    return lax.select(zero, lx, lax.div(lax.expm1(lax.mul(ls, lx)), ls))


def bernoulli(n: int) -> Array:
    """The Bernoulli numbers B_0..B_n (B_1 = -1/2), computed exactly in rationals.

    >>> bernoulli(4)
    Array([ 1.        , -0.5       ,  0.16666667,  0.        , -0.03333333], dtype=float64)
    """
    n = _operator_index(n, "n")
    if n < 0:
        raise ValueError(f"n must be a nonnegative integer, got n={n}")
    b = [Fraction(1)]
    for m in range(1, n + 1):  # sum_k C(m+1, k) B_k = 0
        total = sum((Fraction(math.comb(m + 1, k)) * b[k] for k in range(m)), Fraction(0))
        b.append(-total / (m + 1))
    return fnp.asarray(np.array([float(v) for v in b]))


# ---- Faddeeva family, Fresnel, sine/cosine integrals, Owen's T, Bessel J_n ----------------------

def _real_floating(x, name):
    """x as a real floating operand; complex input is a ValueError, as JAX's."""
    if np.dtype(fnp.result_type(x)).kind == "c":
        raise ValueError(f"{name} does not support complex-valued inputs; pass the real part "
                         f"(x.real) or use wofz for the complex error-function family.")
    return _floating(x)


def dawsn(x: ArrayLike) -> Array:
    """Dawson's integral exp(-x**2) * integral from 0 to x of exp(t**2) dt; its derivative is
    1 - 2 x dawsn(x).

    >>> round(float(dawsn(1.0)), 12)
    0.538079506913
    """
    return _lsi.dawsn(_real_floating(x, "dawsn"))


def fresnel(x: ArrayLike) -> tuple[Array, Array]:
    """The Fresnel integrals (S(x), C(x)), the integrals from 0 to x of sin(pi t**2 / 2) and
    cos(pi t**2 / 2).

    >>> s, c = fresnel(1.0)
    >>> round(float(s), 12), round(float(c), 12)
    (0.43825914739, 0.779893400377)
    """
    x = _real_floating(x, "fresnel")
    return _lsi.fresnel_s(x), _lsi.fresnel_c(x)


def sici(x: ArrayLike) -> tuple[Array, Array]:
    """The sine and cosine integrals (Si(x), Ci(x)); Ci(0) = -inf and Ci(-x) = Ci(x), as
    scipy's real sici.

    >>> si, ci = sici(1.0)
    >>> round(float(si), 12), round(float(ci), 12)
    (0.946083070367, 0.337403922901)
    """
    x = _real_floating(x, "sici")
    return _lsi.sine_integral(x), _lsi.cosine_integral(x)


def owens_t(h: ArrayLike, a: ArrayLike) -> Array:
    """Owen's T function T(h, a), differentiable in h and a.

    >>> round(float(owens_t(0.5, 0.7)), 12)
    0.084238500228
    """
    return _lsi.owens_t(_real_floating(h, "owens_t"), _real_floating(a, "owens_t"))


def wofz(z: ArrayLike) -> Array:
    """The Faddeeva function w(z) = exp(-z**2) erfc(-iz), complex (complex64 for float32 or
    complex64 input); holomorphic, with w'(z) = 2i/sqrt(pi) - 2 z w(z).

    >>> w = complex(wofz(1.0))
    >>> round(w.real, 12), round(w.imag, 12)
    (0.367879441171, 0.607157705841)
    """
    z = operand(z) if type(z) not in (int, float, bool, complex) else z
    dt = np.dtype(fnp.result_type(z))
    real = np.float32 if dt in (np.float32, np.complex64, np.float16) else np.float64
    zc = fnp.asarray(z, dtype=np.complex64 if real is np.float32 else np.complex128)
    x, y = lax.real(zc), lax.imag(zc)
    return lax.add(lax.convert_element_type(_lsi.wofz_re(x, y), zc.dtype),
                   lax.mul(1j, lax.convert_element_type(_lsi.wofz_im(x, y), zc.dtype)))


def bessel_jn(z: ArrayLike, *, v: int, n_iter: int = 50) -> Array:
    """The Bessel functions J_0(z), ..., J_v(z) of the first kind, stacked on a new leading axis
    (shape (v + 1, *z.shape)), by Miller's backward recurrence from order n_iter normalized by
    J_0 + 2 (J_2 + J_4 + ...) = 1; lax operations, so every derivative follows. n_iter must
    exceed about |z| + 20 for float64 accuracy. The recurrence runs in float64 for every input
    dtype (its terms grow like (2k/z)**k), the result has z's dtype.

    >>> [round(float(j), 12) for j in bessel_jn(1.0, v=2)]
    [0.765197686558, 0.440050585745, 0.114903484932]
    """
    v = _operator_index(v, "v")
    n_iter = _operator_index(n_iter, "n_iter")
    if v < 0 or n_iter < v:
        raise ValueError(f"bessel_jn needs 0 <= v <= n_iter, got v={v}, n_iter={n_iter}")
    z = _real_floating(z, "bessel_jn")
    z = operand(z) if not isinstance(z, float) else fnp.asarray(z)
    dtype = z.dtype
    # the recurrence grows like (2k/z)**k: run it in float64 (float32 would overflow)
    z = lax.convert_element_type(z, np.float64)
    z = lax.select(lax.eq(z, 0.0), lax.add(z, math.nan), z)  # J_n(0) is NaN, as JAX's
    f_next = lax.mul(z, 0.0)  # f_{k+2}
    f_cur = lax.add(f_next, 1e-16)  # f_{k+1}
    vals = []
    norm = f_next
    for k in range(n_iter, -1, -1):
        f = lax.sub(lax.div(lax.mul(2.0 * (k + 1), f_cur), z), f_next)
        vals.append(f)
        if k % 2 == 0:
            norm = lax.add(norm, f if k == 0 else lax.mul(2.0, f))
        f_next, f_cur = f_cur, f
    vals = vals[::-1][:v + 1]
    return lax.convert_element_type(fnp.stack([lax.div(f, norm) for f in vals]), dtype)


def hyp1f1(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """Kummer's confluent hypergeometric function 1F1(a; b; x) for real arguments;
    differentiable in x to any order and in a and b twice (JAX: not at all). inf at
    b = 0, -1, -2, ...; 1 at
    a = 0 (also when b = 0, as JAX's).

    >>> round(float(hyp1f1(1.0, 2.0, 3.0)), 12)  # (e**3 - 1) / 3
    6.361845641063
    """
    return _lsh.hyp1f1(_real_floating(a, "hyp1f1"), _real_floating(b, "hyp1f1"),
                       _real_floating(x, "hyp1f1"))


def hyp2f1(a: ArrayLike, b: ArrayLike, c: ArrayLike, x: ArrayLike) -> Array:
    """The Gauss hypergeometric function 2F1(a, b; c; x) for real arguments and x <= 1 (inf for
    x > 1 and at c = 0, -1, ..., as JAX's); differentiable in x to any order and in a, b and c
    twice (their partials are the series' term-by-term derivatives, NaN where a or b is a
    nonpositive integer; JAX has none).

    >>> round(float(hyp2f1(1.0, 1.0, 2.0, 0.5)), 12)  # -log(1 - x) / x
    1.38629436112
    """
    return _lsh.hyp2f1(*[_real_floating(v, "hyp2f1") for v in (a, b, c, x)])


def _floating(x):
    """x as an operand of a floating dtype (integers become float64, as scipy computes)."""
    if type(x) in (int, bool):  # a Python scalar stays weakly typed
        return float(x)
    x = operand(x)
    dt = fnp.result_type(x)
    return x if np.dtype(dt).kind == "f" else lax.convert_element_type(x, np.float64)


def _operator_index(v: Any, name: str) -> int:
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {v!r}") from None


__all__ = ["bessel_jn", "dawsn", "fresnel", "hyp1f1", "hyp2f1", "owens_t", "sici", "wofz",
           "bernoulli", "beta", "betainc", "betaln", "boxcox", "boxcox1p", "comb", "digamma",
           "entr", "erf", "erfc", "erfcx", "erfinv", "exp1", "expi", "expit", "expn", "factorial",
           "gamma", "gammainc", "gammaincc", "gammaln", "gammasgn", "i0", "i0e", "i1", "i1e",
           "kl_div", "log_ndtr", "log_softmax", "loggamma", "logit", "logsumexp", "multigammaln",
           "ndtr", "ndtri", "poch", "polygamma", "rel_entr", "softmax", "spence", "sph_harm_y",
           "xlog1py", "xlogy", "zeta"]
