"""Views: tensors that share their base's storage (view, reshape when possible, slicing, t(),
transpose, permute, squeeze, unsqueeze, expand, narrow, unfold, as_strided, ...).

A view's `_data` is a numpy view of its base's array, so writes through either show in both, and
the two share one version counter. For autograd a view records its own operation
(`ViewBackward0`, `SliceBackward0`, ...). An in-place operation on a view that is recorded changes
the base too, so, as in PyTorch, the base gets a `CopySlices` node (the operation applied to the
viewed region, the rest passed through) and the view becomes `AsStridedBackward0` of the new base.
A view whose base was modified in place after the view was taken is re-derived from the base the
same way the next time it enters a recorded operation.

Where a view sits in its base's storage is read off its strides: the flat positions of its
elements in the base's (C-contiguous) storage. Those positions are the gather / scatter indices
of the funcgrad computations above, so their derivatives are funcgrad's."""
from __future__ import annotations

import numpy as np

from .. import numpy as fnp
from .._core import backend
from ._dispatch import apply_op, is_storage, value_of
from ._grad_mode import is_grad_enabled
from ._storage import flat_positions
from ._tensor import Tensor, _cast_value, _from_value


def view_op(t, name, np_fn, fg_fn):
    """A view of t: the view np_fn(t._data) of the storage (a numpy or CuPy array); recorded (as
    `name`, computed by fg_fn on funcgrad values) when t requires grad."""
    d = t._data
    if not is_storage(d):
        return apply_op(name, fg_fn, [t], saves=False)
    view = np_fn(d)
    base = t._base if t._base is not None else t
    if t._requires_grad and is_grad_enabled():
        out = apply_op(name, fg_fn, [t], saves=False)
        out._data, out._vc, out._base = view, t._vc, base
        out._view_version = t._vc[0]
        return out
    return Tensor._make(view, t._vc, base)


def _gather(b, pos):
    return fnp.reshape(b, (-1,))[pos]


def _scatter(b, pos, v):
    flat = fnp.reshape(b, (-1,))
    return fnp.reshape(flat.at[pos].set(v), b.shape)


def inplace_on_view(view, fn, args, kwargs):
    """view = fn(view, *args, **kwargs), recorded: the base gets CopySlices (fn on the viewed
    region of its value), the view AsStridedBackward0 of the new base."""
    base = view._base
    pos = flat_positions(base._data, view._data) if is_storage(base._data) else None
    if pos is None:  # a view we cannot place in its base: record it on the view alone
        return view._write(fn(view._snapshot(), *args, **kwargs))
    if len(np.unique(pos)) != pos.size:
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the tensor "
                           "before performing the operation.")
    refresh(view)
    names = list(kwargs)
    n_args = len(args)

    def copy_slices(b, *rest):
        # fn runs on tensors holding this operation's traced values: what it computes is
        # recorded here, as part of CopySlices
        region = _from_value(_gather(b, pos))
        vals = [_from_value(r) if isinstance(a, Tensor) else r
                for a, r in zip(list(args) + list(kwargs.values()), rest)]
        out = fn(region, *vals[:n_args], **dict(zip(names, vals[n_args:])))
        return _scatter(b, pos, _cast_value(value_of(out), view._dtype.np))
    new_base = apply_op("CopySlices", copy_slices, [base, *args, *kwargs.values()],
                        saves=False, scalar_edges=True)
    backend.xp_of(base._data).copyto(base._data, new_base._data)
    base._bump()
    base._grad_fn, base._requires_grad = new_base._grad_fn, True
    base.__dict__.pop("_output_nr", None)
    _regenerate(view, pos)
    return view


def _regenerate(view, pos):
    """view's grad_fn: AsStridedBackward0 of its base's current value."""
    base = view._base
    shape = view._data.shape
    out = apply_op("AsStridedBackward0", lambda b: _gather(b, pos).reshape(shape), [base],
                   saves=False)
    view._grad_fn, view._requires_grad = out._grad_fn, True
    view.__dict__.pop("_output_nr", None)
    view._view_version = base._vc[0]


def refresh(view):
    """Re-derive a view's grad_fn from its base when the base was modified in place (and
    recorded) since the view was taken or last re-derived."""
    base = view._base
    if base is None or not base._requires_grad or base._grad_fn is None or \
            not is_storage(base._data):
        return
    if view.__dict__.get("_view_version", base._vc[0]) == base._vc[0]:
        return
    pos = flat_positions(base._data, view._data)
    if pos is not None and is_grad_enabled():
        _regenerate(view, pos)
