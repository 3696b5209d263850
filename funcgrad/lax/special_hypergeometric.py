"""Hypergeometric primitives: Kummer's function M(a, b, x) = 1F1(a; b; x) and its derivatives
in a and in b; the Gauss function 2F1(a, b; c; x) (series, Pfaff's transformation for x < 0, the
connection formula to 1 - x near 1) and its derivatives in a, b and c.

The impl is our own numpy code: the power series sum_k (a)_k / (b)_k x**k / k! for x >= 0 (all
terms of one sign once k > -a), and Kummer's transformation M(a, b, x) = exp(x) M(b - a, b, -x)
for x < 0, so that the summed series never alternates for long; the a- and b-derivatives are the
term-by-term derivatives of the same series, summed alongside (digamma differences as running
sums of 1/(a + j) and 1/(b + j), trigamma ones of their squares), to second order. Accurate to
about 1e-13 relative in float64 where the result is representable. The x-derivative is
(a / b) M(a + 1, b + 1, x), so M (and each parameter derivative, by the product rule) is
differentiable in x to any order; in the parameters twice (a third raises NotImplementedError;
JAX has no parameter derivatives at all: its series is a while loop). 2F1 alike, with c.
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
    """(M, M_a, M_b, M_aa, M_ab, M_bb) by the power series (x >= 0 intended), term by term:
    t_k = (a)_k / (b)_k x**k / k! has t_a = t Sa, t_b = -t Sb, t_aa = t (Sa**2 - Sa2),
    t_ab = -t Sa Sb, t_bb = t (Sb**2 + Sb2), with Sa = sum_j<k 1 / (a + j), Sa2 its squares (and
    Sb, Sb2 for b). At a = -n (a polynomial) the terms past k = n vanish but their
    a-derivatives do not: t = (a + n) R with R the product with its zero factor left out
    (t_rest), so t_a = R, t_aa = 2 R_a = 2 R Sa, t_ab = R_b = -R Sb and t_bb = 0."""
    t_rest = np.ones_like(x)
    hit = np.zeros(x.shape, bool)  # has (a)_k passed its zero factor?
    out = [t_rest.copy()] + [np.zeros_like(x) for _ in range(5)]
    sa, sb, sa2, sb2 = (np.zeros_like(x) for _ in range(4))
    for k in range(_MAX_TERMS):
        ak, bk = a + k, b + k
        zero = ak == 0
        hit = hit | zero
        inv_a = 1 / np.where(zero, np.inf, ak)
        sa, sa2 = sa + inv_a, sa2 + inv_a * inv_a
        sb, sb2 = sb + 1 / bk, sb2 + 1 / (bk * bk)
        t_rest = t_rest * np.where(zero, 1.0, ak) / bk * x / (k + 1)
        t = np.where(hit, 0.0, t_rest)
        terms = (t, np.where(hit, t_rest, t * sa), -t * sb,
                 np.where(hit, 2 * t_rest * sa, t * (sa * sa - sa2)),
                 np.where(hit, -t_rest * sb, -t * sa * sb), t * (sb * sb + sb2))
        out = [o + c for o, c in zip(out, terms)]
        if k > 4 and np.all(np.logical_and.reduce(
                [np.abs(c) <= 1e-17 * np.abs(o) for c, o in zip(terms, out)])
                | ~np.isfinite(out[0])):
            break
    return out


def _hyp1f1_all(a, b, x):
    """[M, M_a, M_b, M_aa, M_ab, M_bb]; for x < 0 by Kummer's transformation
    M(a, b, x) = e**x N(b - a, b, -x), whose chain rule gives M_a = -e**x N_1,
    M_b = e**x (N_1 + N_2), M_aa = e**x N_11, M_ab = -e**x (N_11 + N_12),
    M_bb = e**x (N_11 + 2 N_12 + N_22)."""
    neg = x < 0
    a2 = np.where(neg, b - a, a)
    m, da, db, daa, dab, dbb = _series(a2, b, np.abs(x))
    with np.errstate(all="ignore"):
        ex = np.exp(np.where(neg, x, 0.0))
        m, da, db, daa, dab, dbb = (
            ex * m, np.where(neg, -ex * da, da), np.where(neg, ex * (da + db), db),
            ex * daa, np.where(neg, -ex * (daa + dab), dab),
            np.where(neg, ex * (daa + 2 * dab + dbb), dbb))
    pole = (b <= 0) & (b == np.floor(b))
    trivial = a == 0
    m = np.where(trivial, 1.0, np.where(pole, np.inf, m))
    da, daa, dab, dbb = (np.where(pole, np.nan, v) for v in (da, daa, dab, dbb))
    db = np.where(trivial, 0.0, np.where(pole, np.nan, db))
    dbb = np.where(trivial, 0.0, dbb)
    nan = np.isnan(a) | np.isnan(b) | np.isnan(x)
    return [np.where(nan, np.nan, v) for v in (m, da, db, daa, dab, dbb)]


# M and its parameter derivatives: hyp1f1_d{w} is d M / d w for w in a, b, aa, ab, bb
hyp1f1_p = _elementwise("hyp1f1", lambda a, b, x: _hyp1f1_all(a, b, x)[0])
_H1_NAMES = ("da", "db", "daa", "dab", "dbb")
_H1 = {w: _elementwise(f"hyp1f1_{w}", lambda a, b, x, i=i: _hyp1f1_all(a, b, x)[i + 1])
       for i, w in enumerate(_H1_NAMES)}
hyp1f1_da_p, hyp1f1_db_p = _H1["da"], _H1["db"]


def hyp1f1(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """Kummer's confluent hypergeometric function M(a, b, x) = 1F1(a; b; x).

    >>> round(float(hyp1f1(1.0, 2.0, 3.0)), 12)  # (e**3 - 1) / 3
    6.361845641063
    """
    return bind(hyp1f1_p, a, b, x)


def hyp1f1_da(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """d M(a, b, x) / d a (differentiable once more in a and b, to any order in x).

    >>> round(float(hyp1f1_da(1.0, 2.0, 3.0)), 9)
    8.554661121
    """
    return bind(hyp1f1_da_p, a, b, x)


def hyp1f1_db(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """d M(a, b, x) / d b (differentiable once more in a and b, to any order in x).

    >>> round(float(hyp1f1_db(1.0, 2.0, 3.0)), 9)
    -4.945483685
    """
    return bind(hyp1f1_db_p, a, b, x)


def _no_third_order(what):
    def rule(ans, *args, **params):
        raise NotImplementedError(
            f"{what} has no derivative rule in the parameters: hyp1f1 and hyp2f1 are "
            f"differentiable twice in their parameters (a, b, c) and to any order in x")
    return rule


def _shifted(a, b, x):  # the operands of d/dx M(a, b, x) = (a / b) M(a + 1, b + 1, x)
    return ew.add(a, 1.0), ew.add(b, 1.0), x


def _dx(ans, a, b, x):  # (a / b) M(a + 1, b + 1, x)
    return ew.mul(ew.div(a, b), hyp1f1(*_shifted(a, b, x)))


def _h1(w):
    return lambda ans, a, b, x: bind(_H1[w], a, b, x)


def _h1_dx(w):
    """d/dx of M_w = d_w [(a / b) M(a + 1, b + 1, x)] by the product rule over the parameters
    in w (at most two): each derivative falls on a / b or on the shifted M."""
    def rule(ans, a, b, x):
        sh = _shifted(a, b, x)
        coef = {"": ew.div(a, b), "a": ew.div(1.0, b), "b": ew.neg(ew.div(a, ew.mul(b, b))),
                "aa": None, "ab": ew.neg(ew.div(1.0, ew.mul(b, b))),
                "bb": ew.div(ew.mul(2.0, a), ew.mul(b, ew.mul(b, b)))}
        total = None
        for split in range(1 << len(w)):  # which letters of w fall on the coefficient
            on_c = "".join(c for i, c in enumerate(w) if split >> i & 1)
            on_m = "".join(c for i, c in enumerate(w) if not split >> i & 1)
            if coef[on_c] is None:
                continue
            m = hyp1f1(*sh) if not on_m else bind(_H1["d" + on_m], *sh)
            term = ew.mul(coef[on_c], m)
            total = term if total is None else ew.add(total, term)
        return total
    return rule


defderiv(hyp1f1_p, _h1("da"), _h1("db"), _dx)
defderiv(_H1["da"], _h1("daa"), _h1("dab"), _h1_dx("a"))
defderiv(_H1["db"], _h1("dab"), _h1("dbb"), _h1_dx("b"))
for _w in ("aa", "ab", "bb"):
    defderiv(_H1["d" + _w], _no_third_order(f"hyp1f1_d{_w}"),
             _no_third_order(f"hyp1f1_d{_w}"), _h1_dx(_w))

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


_PARAMS2 = ("a", "b", "c")
_PAIRS2 = ("aa", "ab", "ac", "bb", "bc", "cc")


def _series2_partials(a, b, c, z):
    """{w: d F / d w} of the 2F1 series at 0 <= z < 1 for w in a, b, c and each pair of them,
    term by term: t_k = (a)_k (b)_k / (c)_k z**k / k! has t_p = t s_p and
    t_pq = t (s_p s_q - [p == q] s2_p) with s_a = sum_j<k 1 / (a + j), s_b alike, s_c the
    negated sum for c (as (c)_k divides) and s2_p the sums of their squares (negated for c);
    slowly near z = 1 (up to 400000 terms). NaN where a or b is a nonpositive integer."""
    t = np.ones_like(z)
    s1 = {p: np.zeros_like(z) for p in _PARAMS2}
    s2 = {p: np.zeros_like(z) for p in _PARAMS2}
    out = {w: np.zeros_like(z) for w in _PARAMS2 + _PAIRS2}
    for k in range(400000):
        for p, v, sign in ((("a", a, 1.0), ("b", b, 1.0), ("c", c, -1.0))):
            inv = 1 / (v + k)
            s1[p] = s1[p] + sign * inv
            s2[p] = s2[p] + sign * inv * inv
        t = t * (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        terms = {p: t * s1[p] for p in _PARAMS2}
        terms.update({w: t * (s1[w[0]] * s1[w[1]] - (s2[w[0]] if w[0] == w[1] else 0.0))
                      for w in _PAIRS2})
        for w, c_w in terms.items():
            out[w] = out[w] + c_w
        if k > 4 and np.all(np.logical_and.reduce(
                [np.abs(terms[w]) <= 1e-17 * np.abs(out[w]) for w in out])
                | ~np.isfinite(out["a"])):
            break
    return out


def _hyp2f1_partials(a, b, c, x):
    """{w: d F / d w} for x < 1, w in a, b, c and their pairs: the series' partials, through
    Pfaff's transformation F(a, b; c; x) = s G(a, c - b; c; z) for x < 0, s = (1 - x)**-a =
    exp(a L), L = -log(1 - x), z = x / (x - 1), so that with G's partials G_1, G_2, G_3 (in its
    own three parameters): F_a = L s G + s G_1, F_b = -s G_2, F_c = s (G_2 + G_3),
    F_aa = s (L**2 G + 2 L G_1 + G_11), F_ab = -s (L G_2 + G_12),
    F_ac = s (L (G_2 + G_3) + G_12 + G_13), F_bb = s G_22, F_bc = -s (G_22 + G_23),
    F_cc = s (G_22 + 2 G_23 + G_33)."""
    neg = x < 0
    ok = x < 1
    z = np.where(neg, x / np.where(neg, x - 1, -1.0), np.where(ok, x, 0.0))
    bb = np.where(neg, c - b, b)
    g = _series2_partials(a, bb, c, z)
    with np.errstate(all="ignore"):
        value = _hyp2f1_np(a, b, c, np.where(ok, x, 0.0))
        lg = np.where(neg, -np.log1p(-np.where(neg, x, 0.0)), 0.0)
        sc = np.where(neg, (1 - x) ** (-a), 1.0)
        g0 = np.where(neg, value / sc, value)  # G itself (F where x >= 0)
        pfaff = {
            "a": sc * (lg * g0 + g["a"]), "b": -sc * g["b"], "c": sc * (g["b"] + g["c"]),
            "aa": sc * (lg * lg * g0 + 2 * lg * g["a"] + g["aa"]),
            "ab": -sc * (lg * g["b"] + g["ab"]),
            "ac": sc * (lg * (g["b"] + g["c"]) + g["ab"] + g["ac"]),
            "bb": sc * g["bb"], "bc": -sc * (g["bb"] + g["bc"]),
            "cc": sc * (g["bb"] + 2 * g["bc"] + g["cc"])}
        out = {w: np.where(neg, pfaff[w], g[w]) for w in g}
    return {w: np.where(ok, v, np.nan) for w, v in out.items()}


# 2F1's parameter derivatives: hyp2f1_d{w}, d F / d w for w in a, b, c and their pairs
_H2 = {w: _elementwise(f"hyp2f1_d{w}",
                       lambda a, b, c, x, w=w: _hyp2f1_partials(a, b, c, x)[w])
       for w in _PARAMS2 + _PAIRS2}
hyp2f1_da_p, hyp2f1_db_p, hyp2f1_dc_p = _H2["a"], _H2["b"], _H2["c"]


def _h2(w):
    key = "".join(sorted(w))
    return lambda ans, a, b, c, x: bind(_H2[key], a, b, c, x)


def _h2_dx(w):
    """d/dx of F_w = d_w [(a b / c) F(a + 1, b + 1; c + 1; x)] by the product rule over the
    parameters in w (at most two): each derivative falls on a b / c or on the shifted F."""
    def rule(ans, a, b, c, x):
        sh = (ew.add(a, 1.0), ew.add(b, 1.0), ew.add(c, 1.0), x)
        ic = ew.div(1.0, c)
        ic2 = ew.mul(ic, ic)
        coef = {"": ew.mul(ew.mul(a, b), ic), "a": ew.mul(b, ic), "b": ew.mul(a, ic),
                "c": ew.neg(ew.mul(ew.mul(a, b), ic2)), "aa": None, "bb": None, "ab": ic,
                "ac": ew.neg(ew.mul(b, ic2)), "bc": ew.neg(ew.mul(a, ic2)),
                "cc": ew.mul(2.0, ew.mul(ew.mul(a, b), ew.mul(ic2, ic)))}
        total = None
        for split in range(1 << len(w)):  # which letters of w fall on the coefficient
            on_c = "".join(c_ for i, c_ in enumerate(w) if split >> i & 1)
            on_f = "".join(c_ for i, c_ in enumerate(w) if not split >> i & 1)
            if coef[on_c] is None:
                continue
            f = hyp2f1(*sh) if not on_f else bind(_H2[on_f], *sh)
            term = ew.mul(coef[on_c], f)
            total = term if total is None else ew.add(total, term)
        return total
    return rule


defderiv(hyp2f1_p, _h2("a"), _h2("b"), _h2("c"), _hyp2f1_dx)
for _p in _PARAMS2:
    defderiv(_H2[_p], *[_h2(_p + q) for q in _PARAMS2], _h2_dx(_p))
for _w in _PAIRS2:
    defderiv(_H2[_w], *[_no_third_order(f"hyp2f1_d{_w}")] * 3, _h2_dx(_w))
__all__ += ["hyp2f1"]
