"""Special-function primitives of the error-function family and its relatives: the Faddeeva
function w(z) = exp(-z**2) erfc(-iz) (as two real primitives, its real and imaginary parts as
functions of Re z and Im z), Dawson's integral, the Fresnel integrals S and C, the sine and cosine
integrals Si and Ci, and Owen's T function.

Each impl is our own numpy code, accurate to about 1e-13 relative in float64:
- w(z) in the upper half-plane: Weideman's rational approximation (N = 40 terms; its coefficients
  are computed here by an FFT) for |z| <= 8, the Laplace continued fraction (60 levels, evaluated
  from the bottom) beyond; the lower half-plane by w(z) = 2 exp(-z**2) - w(-z).
- dawsn: its Maclaurin series for |x| < 0.5, sqrt(pi)/2 Im w(x) beyond.
- Fresnel: the power series for |x| < 1.8, C + iS = (1 + i)/2 erf((1 - i) sqrt(pi) x / 2) with erf
  from w beyond.
- Si, Ci: the power series for |x| <= 2, the continued fraction of E1(ix) (Lentz) beyond.
- Owen's T: T(h, a) for |a| <= 1 by 8-panel 20-point Gauss-Legendre quadrature of its defining
  integral, |a| > 1 by the reflection T(h, a) = (Phi(h) Q(ah) + Phi(ah) Q(h)) / 2 - T(ah, 1/a).
"""
from __future__ import annotations

import math

import numpy as np

from .._core.array import Array
from .._core.primitive import defderiv
from .._core.trace import bind
from .._core.typing import ArrayLike
from . import elementwise as ew
from .special import _elementwise, _fn1, erf

_SQRT_PI = math.sqrt(math.pi)


def _weideman(n):
    """The coefficients (highest power first) and L of Weideman's (1994) approximation."""
    m = 2 * n
    k = np.arange(-m + 1, m)
    big_l = math.sqrt(n / math.sqrt(2))
    t = big_l * np.tan(k * np.pi / (2 * m))
    f = np.concatenate([[0.0], np.exp(-t * t) * (big_l ** 2 + t * t)])
    a = np.real(np.fft.fft(np.fft.fftshift(f))) / (2 * m)
    return big_l, a[1:n + 1][::-1].copy()


_W_L, _W_COEF = _weideman(40)


def _wofz_upper(z):
    """w(z) for Im z >= 0 (complex128 in, complex128 out)."""
    far = np.abs(z) > 8.0
    denom = _W_L - 1j * z
    near = 2 * np.polyval(_W_COEF, (_W_L + 1j * z) / denom) / (denom * denom) + \
        (1 / _SQRT_PI) / denom
    zf = np.where(far, z, 8j)
    t = zf
    for k in range(60, 0, -1):
        t = zf - (k / 2) / t
    return np.where(far, (1j / _SQRT_PI) / t, near)


def _wofz_np(z):
    upper = z.imag >= 0
    wu = _wofz_upper(np.where(upper, z, -z))
    with np.errstate(all="ignore"):
        lower = 2 * np.exp(-z * z) - wu
    out = np.where(upper, wu, lower)
    return np.where(np.isnan(z), np.nan + 0j, out)


def _dawsn_np(x):
    small = np.abs(x) < 0.5
    xs = np.where(small, x, 0.0)
    term, acc = xs, xs.copy()
    for n in range(1, 20):  # sum (-1)**n 2**n x**(2n+1) / (1*3*...*(2n+1))
        term = term * (-2 * xs * xs) / (2 * n + 1)
        acc = acc + term
    far = _SQRT_PI / 2 * _wofz_np(np.where(small, 1.0, x) + 0j).imag
    return np.where(np.isnan(x), np.nan, np.where(small, acc, far))


def _fresnel_np(x, which):
    """S(x) (which == 0) or C(x) (which == 1)."""
    ax = np.abs(x)
    small = ax < 1.8
    xs = np.where(small, ax, 0.0)
    hp = math.pi / 2
    # S = sum (-1)**n (pi/2)**(2n+1) x**(4n+3) / ((2n+1)! (4n+3)), C likewise with 2n and 4n+1
    p = 1 if which == 0 else 0
    term = (hp * xs * xs) ** p * xs / math.factorial(p)  # (pi/2 x**2)**m x / m!, m = 2n + p
    acc = term / (2 * p + 1)
    for n in range(1, 30):
        m = 2 * n + p
        term = term * -(hp * xs * xs) ** 2 / ((m - 1) * m)
        acc = acc + term / (2 * m + 1)
    xl = np.where(small, 2.0, ax)
    z = (1 - 1j) * _SQRT_PI * xl / 2
    iz = 1j * z  # in the upper half-plane
    with np.errstate(all="ignore"):
        erf_z = 1 - np.exp(-z * z) * _wofz_upper(iz)
        cs = (1 + 1j) / 2 * erf_z
    far = np.where(np.isinf(xl), 0.5, cs.imag if which == 0 else cs.real)
    return np.sign(x) * np.where(small, acc, far)


_EULER = 0.5772156649015329


def _sici_np(x, which):
    """Si(x) (which == 0) or Ci(x) (which == 1; Ci(-x) = Ci(x), as scipy's real sici)."""
    ax = np.abs(x)
    small = ax <= 2
    xs = np.where(small, ax, 1.0)
    if which == 0:
        term, acc = xs, xs.copy()
        for k in range(1, 25):
            term = term * -(xs * xs) / ((2 * k) * (2 * k + 1))
            acc = acc + term * (1 / (2 * k + 1))
    else:
        term, acc = np.ones_like(xs), np.zeros_like(xs)
        for k in range(1, 25):
            term = term * -(xs * xs) / ((2 * k - 1) * (2 * k))
            acc = acc + term / (2 * k)
        acc = np.where(xs == 0, -np.inf, _EULER + np.log(xs) + acc)
    # x > 2: E1(ix) = -Ci(x) + i (Si(x) - pi/2), its continued fraction by Lentz's method
    xl = np.where(small | np.isinf(ax), 3.0, ax)
    b = 1 + 1j * xl
    c = np.full_like(b, 1e300)
    d = 1 / b
    h = d
    for i in range(2, 400):
        a = -(i - 1) ** 2
        b = b + 2
        d = 1 / (a * d + b)
        c = b + a / c
        delta = c * d
        h = h * delta
        if np.all(np.abs(delta - 1) < 1e-16):
            break
    h = (np.cos(xl) - 1j * np.sin(xl)) * h
    far = (math.pi / 2 + h.imag) if which == 0 else -h.real
    far = np.where(np.isinf(ax), math.pi / 2 if which == 0 else 0.0, far)
    out = np.where(small, acc, far)
    # Ci(-inf) is NaN in scipy's real sici (Ci(x) + i pi has no real limit)
    return np.sign(x) * out if which == 0 else np.where(x == -np.inf, np.nan, out)


_GL_X, _GL_W = np.polynomial.legendre.leggauss(20)


def _owens_t_small_a(h, a):
    """T(h, a) for 0 <= a <= 1: the integral of exp(-h**2 (1 + u**2) / 2) / (1 + u**2) / (2 pi)
    over [0, a], 8 panels of 20-point Gauss-Legendre."""
    panels = 8
    width = a / panels
    acc = np.zeros_like(h)
    for j in range(panels):
        u = (j + 0.5 + _GL_X[:, None] / 2) * width  # nodes x points
        acc = acc + (_GL_W[:, None] * np.exp(-h * h * u * u / 2) / (1 + u * u)).sum(0)
    return acc * width / 2 * np.exp(-h * h / 2) / (2 * math.pi)


def _owens_t_np(h, a):
    ah_ = np.abs(h)
    aa = np.abs(a)
    big = aa > 1
    base = _owens_t_small_a(np.where(big, aa * ah_, ah_), np.where(big, 1 / np.where(big, aa, 1),
                                                                      aa))
    q = lambda v: 0.5 * np.asarray([math.erfc(t / math.sqrt(2)) for t in v])  # noqa: E731
    qh, qah = q(ah_), q(aa * ah_)
    refl = 0.5 * ((1 - qh) * qah + (1 - qah) * qh) - base
    out = np.where(big, refl, base)
    out = np.where(np.isinf(aa) & ~np.isinf(ah_), np.where(ah_ == 0, 0.25, qh / 2), out)
    return np.sign(a) * out


wofz_re_p = _elementwise("wofz_re", lambda x, y: _wofz_np(x + 1j * y).real)
wofz_im_p = _elementwise("wofz_im", lambda x, y: _wofz_np(x + 1j * y).imag)
dawsn_p = _elementwise("dawsn", _dawsn_np)
fresnel_s_p = _elementwise("fresnel_s", lambda x: _fresnel_np(x, 0))
fresnel_c_p = _elementwise("fresnel_c", lambda x: _fresnel_np(x, 1))
sine_integral_p = _elementwise("sine_integral", lambda x: _sici_np(x, 0))
cosine_integral_p = _elementwise("cosine_integral", lambda x: _sici_np(x, 1))
owens_t_p = _elementwise("owens_t", _owens_t_np)


def wofz_re(x: ArrayLike, y: ArrayLike) -> Array:
    """Re w(x + iy), w the Faddeeva function exp(-z**2) erfc(-iz).

    >>> round(float(wofz_re(1.0, 0.0)), 12)  # exp(-1) on the real axis
    0.367879441171
    """
    return bind(wofz_re_p, x, y)


def wofz_im(x: ArrayLike, y: ArrayLike) -> Array:
    """Im w(x + iy), w the Faddeeva function exp(-z**2) erfc(-iz).

    >>> round(float(wofz_im(1.0, 0.0)), 12)  # 2/sqrt(pi) dawsn(1) on the real axis
    0.607157705841
    """
    return bind(wofz_im_p, x, y)


dawsn = _fn1(dawsn_p, """Dawson's integral exp(-x**2) * integral from 0 to x of exp(t**2) dt.

    >>> round(float(dawsn(1.0)), 12)
    0.538079506913
    """)


fresnel_s = _fn1(fresnel_s_p, """The Fresnel integral S(x), integral from 0 to x of
    sin(pi t**2 / 2) dt.

    >>> round(float(fresnel_s(1.0)), 12)
    0.43825914739
    """)


fresnel_c = _fn1(fresnel_c_p, """The Fresnel integral C(x), integral from 0 to x of
    cos(pi t**2 / 2) dt.

    >>> round(float(fresnel_c(1.0)), 12)
    0.779893400377
    """)


sine_integral = _fn1(sine_integral_p, """Si(x), integral from 0 to x of sin(t) / t dt.

    >>> round(float(sine_integral(1.0)), 12)
    0.946083070367
    """)


cosine_integral = _fn1(cosine_integral_p, """Ci(x) = gamma + log|x| + integral from 0 to |x|
    of (cos(t) - 1) / t dt (even in x).

    >>> round(float(cosine_integral(1.0)), 12)
    0.337403922901
    """)


def owens_t(h: ArrayLike, a: ArrayLike) -> Array:
    """Owen's T function, integral from 0 to a of exp(-h**2 (1 + t**2) / 2) / (1 + t**2) dt
    over 2 pi.

    >>> round(float(owens_t(0.0, 1.0)), 12)  # arctan(1) / 2pi
    0.125
    """
    return bind(owens_t_p, h, a)


# ---- derivative rules ---------------------------------------------------------------------------

_TWO_OVER_SQRT_PI = 2 / _SQRT_PI


def _wofz_dx_re(ans, x, y):  # Re w'(z) = -2 (x u - y v)
    return ew.mul(-2.0, ew.sub(ew.mul(x, ans), ew.mul(y, wofz_im(x, y))))


def _wofz_dx_im(ans, x, y):  # Im w'(z) = 2/sqrt(pi) - 2 (x v + y u)
    return ew.sub(_TWO_OVER_SQRT_PI, ew.mul(2.0, ew.add(ew.mul(x, ans),
                                                         ew.mul(y, wofz_re(x, y)))))


# w is holomorphic: d/dy = i d/dx, so dRe/dy = -Im w', dIm/dy = Re w'
defderiv(wofz_re_p, _wofz_dx_re,
         lambda ans, x, y: ew.neg(_wofz_dx_im(wofz_im(x, y), x, y)))
defderiv(wofz_im_p, _wofz_dx_im, lambda ans, x, y: _wofz_dx_re(wofz_re(x, y), x, y))
defderiv(dawsn_p, lambda ans, x: ew.sub(1.0, ew.mul(ew.mul(2.0, x), ans)))
defderiv(fresnel_s_p, lambda ans, x: ew.sin(ew.mul(math.pi / 2, ew.mul(x, x))))
defderiv(fresnel_c_p, lambda ans, x: ew.cos(ew.mul(math.pi / 2, ew.mul(x, x))))


def _sinc_deriv(ans, x):  # sin(x) / x, 1 at 0
    zero = ew.eq(x, 0.0)
    xs = ew.select(zero, 1.0, x)
    return ew.select(zero, 1.0, ew.div(ew.sin(xs), xs))


defderiv(sine_integral_p, _sinc_deriv)
def _cos_over_x(ans, x):  # cos(x) / x, inf at 0 (as JAX's)
    zero = ew.eq(x, 0.0)
    return ew.select(zero, np.inf, ew.div(ew.cos(x), ew.select(zero, 1.0, x)))


defderiv(cosine_integral_p, _cos_over_x)
_SQRT_HALF = math.sqrt(0.5)


def _owens_t_dh(ans, h, a):
    # -phi(h) erf(a h / sqrt 2) / 2
    phi = ew.mul(1 / math.sqrt(2 * math.pi), ew.exp(ew.mul(-0.5, ew.mul(h, h))))
    erf_ah = erf(ew.mul(_SQRT_HALF, ew.mul(a, h)))
    return ew.mul(-0.5, ew.mul(phi, erf_ah))


def _owens_t_da(ans, h, a):
    # exp(-h**2 (1 + a**2) / 2) / (2 pi (1 + a**2))
    one_a2 = ew.add(1.0, ew.mul(a, a))
    return ew.div(ew.exp(ew.mul(-0.5, ew.mul(ew.mul(h, h), one_a2))),
                  ew.mul(2 * math.pi, one_a2))


defderiv(owens_t_p, _owens_t_dh, _owens_t_da)

__all__ = ["wofz_re", "wofz_im", "dawsn", "fresnel_s", "fresnel_c", "sine_integral",
           "cosine_integral", "owens_t"]
