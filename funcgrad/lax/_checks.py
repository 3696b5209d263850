"""Shape checks shared by the primitives' shape rules; each raises a ShapeError that teaches."""
from __future__ import annotations

import numpy as np

from .._core.errors import AxisError, ShapeError, doc_link, user_frame
# the axis checks live with the other argument checks; re-exported for the shape rules
from .._core.validate import as_index, axis_message, normalize_axes, normalize_axis  # noqa: F401


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
    """The axes of a lax primitive: integers (TypeError otherwise) in [0, ndim) (AxisError)."""
    for ax in axes:
        if type(ax) is not int:
            as_index(ax, opname, "axes")
        if not 0 <= ax < ndim:
            raise AxisError(axis_message(opname, ax, ndim))
