"""Student's t distribution with df degrees of freedom, as jax.scipy.stats.t."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, safe, where_valid


def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """log of the density; NaN for df <= 0 or scale <= 0.

    >>> round(float(logpdf(0.5, 3.0)), 6)
    -1.160974
    """
    x, df, loc, scale = floats(x, df, loc, scale)
    ok = lax.bitwise_and(lax.gt(df, 0.0), lax.gt(scale, 0.0))
    dfs, ss = safe(ok, df, 1.0), safe(ok, scale, 1.0)
    z = lax.div(lax.sub(x, loc), ss)
    half = lax.mul(0.5, lax.add(dfs, 1.0))
    norm = lax.sub(lax.sub(special.gammaln(half), special.gammaln(lax.mul(0.5, dfs))),
                   lax.add(lax.mul(0.5, lax.log(lax.mul(dfs, math.pi))), lax.log(ss)))
    return where_valid(ok, lax.sub(norm, lax.mul(half, lax.log1p(lax.div(lax.mul(z, z), dfs)))))


def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> round(float(pdf(0.5, 3.0)), 6)
    0.313181
    """
    return lax.exp(logpdf(x, df, loc, scale))


__all__ = ["logpdf", "pdf"]
