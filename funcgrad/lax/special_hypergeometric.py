"""Hypergeometric primitives: Kummer's function M(a, b, x) = 1F1(a; b; x) and its derivatives
in a and in b; the Gauss function 2F1(a, b; c; x) (series, Pfaff's transformation for x < 0, the
connection formula to 1 - x near 1) and its derivatives in a, b and c.

The impl is our own numpy code: the power series sum_k (a)_k / (b)_k x**k / k! for x >= 0 (all
terms of one sign once k > -a), and Kummer's transformation M(a, b, x) = exp(x) M(b - a, b, -x)
for x < 0, so that the summed series never alternates for long; the a- and b-derivatives are the
term-by-term derivatives of the same series, summed alongside (digamma differences as running
sums of 1/(a + j) and 1/(b + j)). Accurate to about 1e-13 relative in float64 where the result is
representable. The x-derivative is (a / b) M(a + 1, b + 1, x), so M is differentiable in x to any
order; the a- and b-derivatives are first order only.
"""
from __future__ import annotations

import math

import numpy as np

from .._core.array import Array
from .._core.primitive import defderiv
from .._core.trace import bind
from .._core.typing import ArrayLike
from . import elementwise as ew
from .special import _elementwise

_MAX_TERMS = 4000


def _series(a, b, x):
    """(M, dM/da, dM/db) by the power series (x >= 0 intended). At a = -n (a polynomial) the
    terms past k = n vanish but their a-derivatives do not: each is the term's product with its
    zero factor (a + n) left out, carried along as t_rest."""
    t_rest = np.ones_like(x)
    hit = np.zeros(x.shape, bool)  # has (a)_k passed its zero factor?
    m, da, db = t_rest.copy(), np.zeros_like(x), np.zeros_like(x)
    sa, sb = np.zeros_like(x), np.zeros_like(x)
    for k in range(_MAX_TERMS):
        ak, bk = a + k, b + k
        zero = ak == 0
        hit = hit | zero
        sa = sa + 1 / np.where(zero, np.inf, ak)
        sb = sb + 1 / bk
        t_rest = t_rest * np.where(zero, 1.0, ak) / bk * x / (k + 1)
        t = np.where(hit, 0.0, t_rest)
        cm, ca, cb = t, np.where(hit, t_rest, t * sa), -t * sb
        m, da, db = m + cm, da + ca, db + cb
        if k > 4 and np.all(((np.abs(cm) <= 1e-17 * np.abs(m)) & (np.abs(ca) <= 1e-17 * np.abs(da))
                             & (np.abs(cb) <= 1e-17 * np.abs(db))) | ~np.isfinite(m)):
            break
    return m, da, db


def _hyp1f1_all(a, b, x):
    neg = x < 0
    a2 = np.where(neg, b - a, a)
    m, da, db = _series(a2, b, np.abs(x))
    with np.errstate(all="ignore"):
        ex = np.exp(np.where(neg, x, 0.0))
        m, da, db = ex * m, np.where(neg, -ex * da, da), np.where(neg, ex * (da + db), db)
    pole = (b <= 0) & (b == np.floor(b))
    trivial = a == 0
    m = np.where(trivial, 1.0, np.where(pole, np.inf, m))
    da = np.where(pole, np.nan, da)
    db = np.where(trivial, 0.0, np.where(pole, np.nan, db))
    nan = np.isnan(a) | np.isnan(b) | np.isnan(x)
    return [np.where(nan, np.nan, v) for v in (m, da, db)]


hyp1f1_p = _elementwise("hyp1f1", lambda a, b, x: _hyp1f1_all(a, b, x)[0])
hyp1f1_da_p = _elementwise("hyp1f1_da", lambda a, b, x: _hyp1f1_all(a, b, x)[1])
hyp1f1_db_p = _elementwise("hyp1f1_db", lambda a, b, x: _hyp1f1_all(a, b, x)[2])


def hyp1f1(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """Kummer's confluent hypergeometric function M(a, b, x) = 1F1(a; b; x).

    >>> round(float(hyp1f1(1.0, 2.0, 3.0)), 12)  # (e**3 - 1) / 3
    6.361845641063
    """
    return bind(hyp1f1_p, a, b, x)


def hyp1f1_da(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """d M(a, b, x) / d a (first order only).

    >>> round(float(hyp1f1_da(1.0, 2.0, 3.0)), 9)
    8.554661121
    """
    return bind(hyp1f1_da_p, a, b, x)


def hyp1f1_db(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """d M(a, b, x) / d b (first order only).

    >>> round(float(hyp1f1_db(1.0, 2.0, 3.0)), 9)
    -4.945483685
    """
    return bind(hyp1f1_db_p, a, b, x)


def _first_order_only(what):
    def rule(ans, *args, **params):
        raise NotImplementedError(
            f"{what} has no derivative rule: hyp1f1 and hyp2f1 are differentiable once in their "
            f"parameters (a, b, c) and to any order in x")
    return rule


def _dx(ans, a, b, x):  # (a / b) M(a + 1, b + 1, x)
    return ew.mul(ew.div(a, b), hyp1f1(ew.add(a, 1.0), ew.add(b, 1.0), x))


defderiv(hyp1f1_p, lambda ans, a, b, x: hyp1f1_da(a, b, x),
         lambda ans, a, b, x: hyp1f1_db(a, b, x), _dx)
for _p in (hyp1f1_da_p, hyp1f1_db_p):
    defderiv(_p, *[_first_order_only(_p.name)] * 3)

__all__ = ["hyp1f1", "hyp1f1_da", "hyp1f1_db"]


# ---- the Gauss function 2F1 ---------------------------------------------------------------------

def _gamma_scalar(v):
    try:
        return math.gamma(v)
    except (ValueError, OverflowError):  # a pole (0, -1, ...) or past float64's range
        return math.inf


_gamma_np = np.frompyfunc(_gamma_scalar, 1, 1)


def _gamma(v):
    return np.asarray(_gamma_np(v), dtype=np.float64)


def _series2(a, b, c, z, max_terms):
    """sum_k (a)_k (b)_k / (c)_k z**k / k! for |z| < 1, summed until the terms stop counting."""
    t = np.ones_like(z)
    acc = t.copy()
    for k in range(max_terms):
        t = t * (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        acc = acc + t
        if k > 4 and np.all((np.abs(t) <= 1e-17 * np.abs(acc)) | ~np.isfinite(acc)):
            break
    return acc


def _hyp2f1_unit(a, b, c, z):
    """2F1 for 0 <= z < 1: the series up to z = 0.8, the connection formula to 1 - z beyond.
    Within 0.1 of an integer c - a - b the formula's two terms cancel (to about 1e-16 / the
    distance), so the series runs to z = 0.9 there; at an integer c - a - b it runs to 1, slowly
    (to about 1e-8 for 1 - z ~ 1e-4)."""
    d = c - a - b
    dist = np.abs(d - np.round(d))
    far = (z > 0.8) & (dist >= 0.1) | (z > 0.9) & (dist > 1e-9)
    zs = np.where(far, 0.0, z)
    direct = _series2(a, b, c, zs, 200000)
    w = np.where(far, 1 - z, 0.0)
    df = np.where(far, d, 0.5)
    with np.errstate(all="ignore"):
        g1 = _gamma(c) * _gamma(df) / (_gamma(c - a) * _gamma(c - b))
        g2 = _gamma(c) * _gamma(-df) / (_gamma(a) * _gamma(b))
        g1 = np.where(np.isfinite(g1), g1, 0.0)  # 1/Gamma at a pole is 0
        g2 = np.where(np.isfinite(g2), g2, 0.0)
        conn = g1 * _series2(a, b, 1 - df, w, 2000) + \
            w ** df * g2 * _series2(c - a, c - b, 1 + df, w, 2000)
    return np.where(far, conn, direct)


def _hyp2f1_np(a, b, c, x):
    """2F1(a, b; c; x) for real x <= 1 (Pfaff's transformation maps x < 0 into [0, 1));
    inf for x > 1 and at c = 0, -1, ... as JAX's."""
    neg = x < 0
    z = np.where(neg, x / np.where(neg, x - 1, -1.0), np.where(x < 1, x, 0.0))
    bb = np.where(neg, c - b, b)
    core = _hyp2f1_unit(a, bb, c, z)
    with np.errstate(all="ignore"):
        out = np.where(neg, (1 - x) ** (-a) * core, core)
        d = c - a - b
        gauss = _gamma(c) * _gamma(d) / (_gamma(c - a) * _gamma(c - b))
    out = np.where(x == 1, np.where(d > 0, gauss, np.inf), out)
    out = np.where(x > 1, np.inf, out)
    out = np.where((c <= 0) & (c == np.floor(c)), np.inf, out)
    out = np.where(((a == 0) | (b == 0)) & (c != 0) | (x == 0), 1.0, out)
    return np.where(np.isnan(a) | np.isnan(b) | np.isnan(c) | np.isnan(x), np.nan, out)


hyp2f1_p = _elementwise("hyp2f1", _hyp2f1_np)


def hyp2f1(a: ArrayLike, b: ArrayLike, c: ArrayLike, x: ArrayLike) -> Array:
    """The Gauss hypergeometric function 2F1(a, b; c; x) for real x <= 1.

    >>> round(float(hyp2f1(1.0, 1.0, 2.0, 0.5)), 12)  # -log(1 - x) / x
    1.38629436112
    """
    return bind(hyp2f1_p, a, b, c, x)


def _hyp2f1_dx(ans, a, b, c, x):  # (a b / c) 2F1(a + 1, b + 1; c + 1; x)
    return ew.mul(ew.div(ew.mul(a, b), c), hyp2f1(ew.add(a, 1.0), ew.add(b, 1.0),
                                                  ew.add(c, 1.0), x))


def _series2_partials(a, b, c, z):
    """The a-, b- and c-derivatives of the 2F1 series at 0 <= z < 1, term by term (the series
    itself, slowly near z = 1: up to 400000 terms). NaN where a or b is a nonpositive integer."""
    t = np.ones_like(z)
    sa, sb, sc = np.zeros_like(z), np.zeros_like(z), np.zeros_like(z)
    da, db, dc = np.zeros_like(z), np.zeros_like(z), np.zeros_like(z)
    for k in range(400000):
        sa, sb, sc = sa + 1 / (a + k), sb + 1 / (b + k), sc + 1 / (c + k)
        t = t * (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        ca, cb, cc = t * sa, t * sb, -t * sc
        da, db, dc = da + ca, db + cb, dc + cc
        if k > 4 and np.all(((np.abs(ca) <= 1e-17 * np.abs(da)) & (np.abs(cb) <= 1e-17 * np.abs(db))
                             & (np.abs(cc) <= 1e-17 * np.abs(dc))) | ~np.isfinite(da)):
            break
    return da, db, dc


def _hyp2f1_partials(a, b, c, x):
    """(dF/da, dF/db, dF/dc) for x < 1: the series' partials, through Pfaff's transformation
    F(a, b; c; x) = (1 - x)**-a G(a, c - b; c; x / (x - 1)) for x < 0."""
    neg = x < 0
    ok = x < 1
    z = np.where(neg, x / np.where(neg, x - 1, -1.0), np.where(ok, x, 0.0))
    bb = np.where(neg, c - b, b)
    ga, gb, gc = _series2_partials(a, bb, c, z)
    with np.errstate(all="ignore"):
        scale = np.where(neg, (1 - x) ** (-a), 1.0)
        value = _hyp2f1_np(a, b, c, np.where(ok, x, 0.0))
        da = np.where(neg, -np.log1p(-np.where(neg, x, 0.0)) * value + scale * ga, ga)
        db = np.where(neg, -scale * gb, gb)
        dc = np.where(neg, scale * (gb + gc), gc)
    return [np.where(ok, v, np.nan) for v in (da, db, dc)]


hyp2f1_da_p = _elementwise("hyp2f1_da", lambda a, b, c, x: _hyp2f1_partials(a, b, c, x)[0])
hyp2f1_db_p = _elementwise("hyp2f1_db", lambda a, b, c, x: _hyp2f1_partials(a, b, c, x)[1])
hyp2f1_dc_p = _elementwise("hyp2f1_dc", lambda a, b, c, x: _hyp2f1_partials(a, b, c, x)[2])

defderiv(hyp2f1_p, lambda ans, a, b, c, x: bind(hyp2f1_da_p, a, b, c, x),
         lambda ans, a, b, c, x: bind(hyp2f1_db_p, a, b, c, x),
         lambda ans, a, b, c, x: bind(hyp2f1_dc_p, a, b, c, x), _hyp2f1_dx)
for _p in (hyp2f1_da_p, hyp2f1_db_p, hyp2f1_dc_p):
    defderiv(_p, *[_first_order_only(_p.name)] * 4)
__all__ += ["hyp2f1"]
