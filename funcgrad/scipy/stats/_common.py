"""Helpers shared by the distributions: float operands, standardization, and the conventions
(NaN for an invalid parameter, as scipy; -inf log-density outside the support)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import lax
from ... import numpy as fnp
from ..._core.typing import ArrayLike
from ...numpy._core import operand

LOG_2PI = float(math.log(2 * math.pi))


def floats(*args: ArrayLike) -> list[Any]:
    """The arguments as operands of a floating dtype: integer and boolean arrays become float64
    (as scipy computes), Python scalars stay weakly typed."""
    out: list[Any] = []
    for a in args:
        if isinstance(a, (int, bool)) and not isinstance(a, np.generic):
            out.append(float(a))
            continue
        v: Any = operand(a)
        if not isinstance(v, float) and np.dtype(fnp.result_type(v)).kind != "f":
            v = lax.convert_element_type(v, np.float64)
        out.append(v)
    return out


def where_valid(ok, value):
    """value where the parameters are valid (`ok`), NaN elsewhere (scipy's convention)."""
    return lax.select(ok, value, math.nan)


def safe(cond, x, fill):
    """x where cond, `fill` elsewhere: keeps the untaken branch of a select finite (no log of
    a negative number, no warning, no NaN in the derivative)."""
    return lax.select(cond, x, fill)


def standardize(x, loc, scale):
    """(x - loc) / scale of a location-scale family, the scale (1 where invalid, so the untaken
    branch stays finite) and whether it is valid (scale > 0)."""
    x, loc, scale = floats(x, loc, scale)
    ok = lax.gt(scale, 0.0)
    scale = safe(ok, scale, 1.0)
    return lax.div(lax.sub(x, loc), scale), scale, ok


def is_integer(k):
    return lax.eq(k, lax.floor(k))


def safe_log(v):
    """log(v), -inf where v == 0, without numpy's divide-by-zero warning."""
    pos = lax.gt(v, 0.0)
    out = lax.select(pos, lax.log(lax.select(pos, v, 1.0)), -math.inf)
    return lax.select(lax.lt(v, 0.0), math.nan, out)
