"""Shape checks shared by the primitives' shape rules; each raises a ShapeError that teaches."""
from __future__ import annotations

import numpy as np

from .._core.errors import ShapeError, doc_link, user_frame


def shape_error(msg):
    """A ShapeError for `msg`, pointing at the user's line and the errors page."""
    return ShapeError(f"{msg}\n  at {user_frame()}\n{doc_link('shapeerror')}")


def broadcast_shapes(opname, *avals):
    shapes = [a.shape for a in avals]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        pass
    listed = " and ".join(str(s) for s in shapes)
    a, b = shapes[0], shapes[1] if len(shapes) > 1 else shapes[0]
    hint = ""
    if len(a) == 1 and len(b) == 1:
        hint = f"\nFor the outer ({a[0]}, {b[0]}) combination, add an axis: x[:, None] {_sym(opname)} y."
    raise ShapeError(
        f"{opname} got operands of shapes {listed}, which do not broadcast.\n"
        f"  at {user_frame()}\n"
        "Aligned from the right, each pair of sizes must be equal or one of them 1. Make them "
        f"agree: reshape one operand (x.reshape(...)), or index a size down (x[:n]).{hint} "
        + doc_link("shapeerror"))


def _sym(opname):
    return {"add": "+", "sub": "-", "mul": "*", "div": "/"}.get(opname, f"fnp.{opname}(x, y)")


def check_axes(opname, ndim, axes):
    for ax in axes:
        if not 0 <= ax < ndim:
            raise ShapeError(axis_message(opname, ax, ndim))


def axis_message(opname, axis, ndim):
    return (f"{opname}: axis {axis} is out of bounds for an array of {ndim} dimension"
            f"{'s' if ndim != 1 else ''} (valid axes: {-ndim}..{ndim - 1}).\n  at {user_frame()}\n"
            f"{doc_link('shapeerror')}")


def normalize_axis(opname, axis, ndim):
    a = int(axis)
    if not -ndim <= a < ndim:
        raise ShapeError(axis_message(opname, a, ndim))
    return a % ndim if ndim else 0


def normalize_axes(opname, axis, ndim):
    """numpy's `axis=` (None, an int or a tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    out = tuple(sorted(normalize_axis(opname, a, ndim) for a in axes))
    if len(set(out)) != len(out):
        raise ShapeError(f"{opname}: repeated axis in {axis!r}. {doc_link('shapeerror')}")
    return out
