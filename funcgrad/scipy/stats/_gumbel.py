"""The two Gumbel distributions in one place: s = 1 is gumbel_r (maxima), s = -1 gumbel_l
(minima), the mirror image; `near` is the tail exp(-exp(-s y)) (the cdf of gumbel_r, the sf of
gumbel_l), `far` its complement."""
from __future__ import annotations

import math

from ... import lax
from ._common import floats, safe, where_valid


def _y(x, loc, scale, s):
    x, loc, scale = floats(x, loc, scale)
    ok = lax.gt(scale, 0.0)
    scale = safe(ok, scale, 1.0)
    return lax.mul(s, lax.div(lax.sub(x, loc), scale)), scale, ok


def logpdf(x, loc, scale, s):
    y, scale, ok = _y(x, loc, scale, s)
    return where_valid(ok, lax.sub(lax.neg(lax.add(y, lax.exp(lax.neg(y)))), lax.log(scale)))


def log_near(x, loc, scale, s):
    y, scale, ok = _y(x, loc, scale, s)
    return where_valid(ok, lax.neg(lax.exp(lax.neg(y))))


def log_far(x, loc, scale, s):
    y, scale, ok = _y(x, loc, scale, s)
    e = lax.exp(lax.neg(y))  # log(1 - exp(-e)): through expm1 for small e, log1p for large
    small = lax.lt(e, math.log(2))
    out = lax.select(small, lax.log(lax.neg(lax.expm1(lax.neg(safe(small, e, 0.5))))),
                     lax.log1p(lax.neg(lax.exp(lax.neg(e)))))
    return where_valid(ok, out)


def ppf(p, loc, scale, s):
    p, loc, scale = floats(p, loc, scale)
    ok = lax.bitwise_and(lax.gt(scale, 0.0), lax.bitwise_and(lax.ge(p, 0.0), lax.le(p, 1.0)))
    ps = safe(ok, p, 0.5)
    # the near-tail probability: p for gumbel_r, 1 - p for gumbel_l (as log1p(-p), exact)
    log_near = lax.log(ps) if s > 0 else lax.log1p(lax.neg(ps))
    y = lax.neg(lax.log(lax.neg(log_near)))
    return where_valid(ok, lax.add(loc, lax.mul(lax.mul(s, scale), y)))
