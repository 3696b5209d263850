"""The von Mises distribution on the circle, as jax.scipy.stats.vonmises."""
from __future__ import annotations

import math

from ... import lax
from ..._core.array import Array
from ..._core.typing import ArrayLike
from .. import special
from ._common import floats, safe, where_valid


def logpdf(x: ArrayLike, kappa: ArrayLike) -> Array:
    """log of the density exp(kappa cos x) / (2 pi I0(kappa)), written with i0e so that a large
    kappa does not overflow; NaN for kappa < 0.

    >>> round(float(logpdf(0.5, 2.0)), 6)
    -0.906705
    """
    x, kappa = floats(x, kappa)
    ok = lax.ge(kappa, 0.0)
    kappa = safe(ok, kappa, 1.0)
    out = lax.sub(lax.mul(kappa, lax.sub(lax.cos(x), 1.0)),
                  lax.add(math.log(2 * math.pi), lax.log(special.i0e(kappa))))
    return where_valid(ok, out)


def pdf(x: ArrayLike, kappa: ArrayLike) -> Array:
    """The density.

    >>> round(float(pdf(0.5, 2.0)), 6)
    0.403853
    """
    return lax.exp(logpdf(x, kappa))


__all__ = ["logpdf", "pdf"]
