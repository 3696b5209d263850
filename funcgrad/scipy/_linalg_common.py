"""Helpers shared by funcgrad.scipy.linalg's modules (linalg.py and the _linalg_*.py it
re-exports): argument preparation and the checks that name the argument."""
from __future__ import annotations

from typing import Any

from .._core.array import Array
from .._core.trace import get_aval
from .._core.typing import ArrayLike
from ..numpy import linalg as nla


def _prep(*xs: ArrayLike) -> Any:
    return nla._prep(*xs)


def _shape(x: Any) -> tuple[int, ...]:
    return get_aval(x).shape


def _mH(x: Any) -> Array:
    return nla._mH(x)


def _square(name: str, arg: str, x: Any) -> None:
    s = _shape(x)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"{name}: `{arg}` must be a square matrix (..., n, n), got shape {s}. "
                         "Pass a square matrix (for a rectangular one use lstsq or pinv).")
