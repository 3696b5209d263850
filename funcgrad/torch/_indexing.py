"""Indexing: x[idx] and x[idx] = v, gather, scatter, index_select, index_add, masked_select,
take, nonzero.

Basic indices (integers, slices, None, ...) give views that share storage, recorded as PyTorch
records them, one operation per indexed dimension (SelectBackward0, SliceBackward0,
UnsqueezeBackward0); advanced ones (index tensors, lists, masks) give copies (IndexBackward0).
Assignment writes into storage: through a view (CopySlices) for basic indices, as index_put
(IndexPutBackward0) for advanced ones."""
from __future__ import annotations


import numpy as np

from .. import numpy as fnp
from .._core import backend
from . import _dtypes as D
from ._dispatch import apply_op, broadcast_shapes_checked, is_storage
from ._grad_mode import is_grad_enabled
from ._factories import _t, sequence_array
from ._storage import wrap_dim
from ._user_warnings import warn as _warn
from ._tensor import Tensor, _as, _host_result, concrete
from ._views import view_op

_BASIC = (int, slice, type(None), type(Ellipsis))


# ---- turning a torch index into numpy's ---------------------------------------------------------

_SEQUENCE_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
    "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
    "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error or "
    "a different result")
_UINT8_WARNING = ("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                  "torch.bool instead.")


def _numpy_index(idx):
    """A torch index as numpy's: tensors and sequences (lists, ranges, numpy arrays) become
    int64 arrays or bool masks; 0-dim integer tensors and arrays become integers (PyTorch
    selects with them); Python bools become 0-dim masks. A list holding a sequence, tensor,
    slice, None or Ellipsis is read as a tuple of indices, with PyTorch's deprecation warning."""
    if type(idx) is tuple:
        return _empty_selection(tuple(_item(i) for i in idx))
    if type(idx) is list and _list_as_tuple(idx):
        _warn(_SEQUENCE_WARNING)
        return _empty_selection(tuple(_item(i) for i in idx))
    return _item(idx)


def _empty_selection(nidx):
    """Integer index arrays that broadcast to no element select nothing, so PyTorch checks none
    of their positions: they become empty arrays of that shape (numpy would check them)."""
    arrays = [i for i in nidx if type(i) is np.ndarray]
    if len(arrays) < 2:
        return nidx
    try:
        shape = np.broadcast_shapes(*(a.shape if a.dtype != bool else (int(a.sum()),)
                                      for a in arrays))
    except ValueError:
        return nidx  # _check_index raises PyTorch's error
    if 0 not in shape:
        return nidx
    return tuple(np.zeros(shape, np.int64) if type(i) is np.ndarray and i.dtype != bool else i
                 for i in nidx)


def _scalar_masks(nidx):
    """Whether nidx holds a Python bool (a 0-dim mask: True adds a dimension of size 1, False
    one of size 0)."""
    items = nidx if type(nidx) is tuple else (nidx,)
    for i in items:
        if type(i) is np.ndarray and i.ndim == 0:
            return True
    return False


def _masks_as_none(nidx):
    items = nidx if type(nidx) is tuple else (nidx,)
    return tuple(None if type(i) is np.ndarray and i.ndim == 0 else i for i in items)


def _list_as_tuple(seq):
    """NumPy's old heuristic, which PyTorch keeps: a short list holding a sequence, a tensor, a
    slice, None or Ellipsis is a tuple of indices."""
    if len(seq) >= 32:
        return False
    for i in seq:
        if i is None or i is Ellipsis or isinstance(i, (Tensor, list, tuple, range, slice, str,
                                                        np.ndarray)):
            return True
    return False


def _item(i):
    t = type(i)
    if t in _BASIC:
        if t is slice and i.step is not None and i.step <= 0:
            raise ValueError("slice step cannot be zero" if i.step == 0 else
                             "step must be greater than zero")
        return i
    if isinstance(i, Tensor):
        dt = i._dtype
        if dt.is_floating_point or dt.is_complex:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        d = concrete(i)
        if dt is D.uint8:
            _warn(_UINT8_WARNING)
            return d.astype(bool)
        if d.ndim == 0 and dt is not D.bool:
            return int(d)
        return d
    if t is bool or isinstance(i, np.bool_):
        return np.asarray(bool(i))
    if isinstance(i, (int, np.integer)):
        return int(i)
    if isinstance(i, (list, tuple, range, np.ndarray)):
        if isinstance(i, np.ndarray) and i.dtype.kind in "biu" and i.dtype != np.uint8:
            arr = i if i.dtype.kind == "b" else i.astype(np.int64, copy=False)
        else:
            arr = sequence_array(i)
            if arr.dtype == np.uint8:
                _warn(_UINT8_WARNING)
                arr = arr.astype(bool)
            elif arr.dtype != bool:
                if arr.dtype.kind == "c":
                    raise TypeError("'complex' object cannot be interpreted as an integer")
                arr = arr.astype(np.int64)
        return int(arr) if arr.ndim == 0 and arr.dtype != bool else arr
    if isinstance(i, float):
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         "Variables are valid indices (got float)")
    raise TypeError(f"new(): invalid data type '{type(i).__name__}'")


def _is_basic(nidx):
    items = nidx if type(nidx) is tuple else (nidx,)
    for i in items:
        if type(i) not in _BASIC:
            return False
    return True


def _check_index(shape, nidx):
    """PyTorch's IndexErrors for out-of-range positions, too many indices and wrong masks."""
    items = nidx if type(nidx) is tuple else (nidx,)
    used = sum(1 if not isinstance(i, np.ndarray) or i.dtype != bool else i.ndim
               for i in items if i is not None and i is not Ellipsis)
    if used > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    _check_positions(shape, items, False)  # PyTorch selects with the integers first
    arrays = [i for i in items if isinstance(i, np.ndarray)]
    if len(arrays) > 1:
        shapes = [i.shape if i.dtype != bool else (int(i.sum()),) for i in arrays]
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                             "with shapes " + ", ".join(str(list(s)) for s in shapes)) from None
    _check_positions(shape, items, True)


def _check_positions(shape, items, arrays):
    """IndexErrors for masks of the wrong shape and positions out of range: of the integers, or
    (`arrays`) of the index arrays."""
    dim = 0
    for k, i in enumerate(items):
        if i is Ellipsis:
            dim = len(shape) - sum(1 if not isinstance(j, np.ndarray) or j.dtype != bool
                                   else j.ndim for j in items[k + 1:]
                                   if j is not None and j is not Ellipsis)
            continue
        if i is None:
            continue
        if isinstance(i, np.ndarray) and i.dtype == bool:
            got = tuple(shape[dim:dim + i.ndim]) if arrays else ()
            for j, (m, n) in enumerate(zip(i.shape, got)):
                if m != n:
                    raise IndexError(f"The shape of the mask {list(i.shape)} at index {j} does "
                                     f"not match the shape of the indexed tensor {list(shape)} "
                                     f"at index {dim + j}")
            dim += i.ndim
            continue
        n = shape[dim]
        if isinstance(i, np.ndarray) if arrays else isinstance(i, (int, np.integer)):
            bad = np.asarray(i)
            array = bad.ndim > 0
            bad = bad[(bad >= n) | (bad < -n)] if bad.size else bad
            if bad.size and not n and array:
                raise IndexError("index is out of bounds for dimension with size 0")
            if bad.size:
                # PyTorch names an integer's position in the index (Ellipsis and None count one)
                raise IndexError(f"index {int(bad.reshape(-1)[0])} is out of bounds for dimension "
                                 f"{dim if array else k} with size {n}")
        dim += 1


# ---- x[idx] --------------------------------------------------------------------------------------

def getitem(t, idx):
    nidx = _numpy_index(idx)
    if _scalar_masks(nidx):
        # PyTorch unsqueezes for a bool index (and takes no element there for False)
        target = np.broadcast_to(np.int8(0), tuple(t.shape))[nidx].shape
        out = _getitem(t, _masks_as_none(nidx))
        if tuple(out.shape) != target:
            out = _getitem(out, tuple(slice(0, n) for n in target))
        return out
    return _getitem(t, nidx)


def _getitem(t, nidx):
    d = t._data
    if is_storage(d) and _is_basic(nidx):
        if not (t._requires_grad and is_grad_enabled()):
            try:
                view = d[nidx]
            except IndexError:
                _check_index(d.shape, nidx)
                raise
            if not is_storage(view):  # numpy gives a scalar for a full integer index
                view = d[nidx + (Ellipsis,) if type(nidx) is tuple else (nidx, Ellipsis)]
            return Tensor._make(view, t._vc, t._base if t._base is not None else t)
        _check_index(d.shape, nidx)
        return _basic_chain(t, nidx)
    _check_index(tuple(t.shape), nidx)
    if _is_basic(nidx):
        return apply_op(_basic_name(nidx), lambda x: x[nidx], [t], saves=False)
    return _advanced(t, nidx)


def _basic_name(nidx):
    items = nidx if type(nidx) is tuple else (nidx,)
    if any(type(i) is slice for i in items):
        return "SliceBackward0"
    if any(i is None for i in items):
        return "UnsqueezeBackward0"
    return "SelectBackward0"


def _basic_chain(t, nidx):
    """A basic index applied as PyTorch applies it: one view operation per indexed dimension."""
    if nidx is Ellipsis or nidx == ():
        return view_op(t, "AliasBackward0", lambda a: a[...], lambda x: x)
    lone = type(nidx) is not tuple
    items = (nidx,) if lone else nidx
    n_dims = sum(1 for i in items if i is not None and i is not Ellipsis)
    out, dim = t, 0
    for k, i in enumerate(items):
        if i is Ellipsis:
            dim += t.ndim - n_dims
        elif i is None:
            out = _unsqueeze(out, dim)
            dim += 1
        elif type(i) is slice:
            if lone or i != slice(None):
                out = _slice(out, dim, i)
            dim += 1
        else:
            out = _select(out, dim, i)
    return out


def _unsqueeze(t, d):
    return view_op(t, "UnsqueezeBackward0", lambda a: backend.xp_of(a).expand_dims(a, d),
                   lambda x: fnp.expand_dims(x, d))


def _slice(t, d, s):
    if s.step is not None and s.step <= 0:
        raise ValueError("step must be greater than zero")
    idx = (slice(None),) * d + (s,)
    return view_op(t, "SliceBackward0", lambda a: a[idx], lambda x: x[idx])


def _select(t, d, i):
    idx = (slice(None),) * d + (i,)
    return view_op(t, "SelectBackward0", lambda a: a[idx + (Ellipsis,)], lambda x: x[idx])


def _advanced(t, nidx):
    """An index with index tensors, lists or masks: a copy (IndexBackward0). Its slice and
    integer parts are views first, as in PyTorch (integers before advanced parts when they come
    first)."""
    items = nidx if type(nidx) is tuple else (nidx,)
    basic = tuple(i if type(i) in _BASIC else slice(None) for i in items)
    if all(i is Ellipsis or type(i) is slice and i == slice(None) for i in basic):
        return apply_op("IndexBackward0", lambda x: x[nidx], [t], saves=False)
    # the basic parts as views (an integer removes its dimension, None adds one), then the
    # advanced index over the view's dimensions (numpy would count integers as advanced)
    pre = _basic_chain(t, basic) if is_grad_enabled() and t._requires_grad else \
        _getitem(t, basic)
    return apply_op("IndexBackward0", lambda x: x[_after_basic(items, t.ndim)], [pre],
                    saves=False)


def _after_basic(items, ndim):
    """The advanced part of an index, over the dimensions its basic part (integers, slices,
    None, Ellipsis) leaves."""
    used = sum(1 if type(i) is not np.ndarray or i.dtype != bool else i.ndim
               for i in items if i is not None and i is not Ellipsis)
    rest: list = []
    for i in items:
        if i is Ellipsis:
            rest.extend([slice(None)] * (ndim - used))
        elif i is None or type(i) is slice:
            rest.append(slice(None))
        elif not isinstance(i, (int, np.integer)):
            rest.append(i)
    return tuple(rest)


# ---- x[idx] = v ----------------------------------------------------------------------------------

def setitem(t, idx, value):
    nidx = _numpy_index(idx)
    if _scalar_masks(nidx):
        if np.broadcast_to(np.int8(0), tuple(t.shape))[nidx].size == 0:
            return  # a False index selects nothing
        nidx = _masks_as_none(nidx)
    _index_dtypes(t, nidx, value)
    if _mixed(nidx):
        _check_index(tuple(t.shape), nidx)
        nidx = _as_positions(tuple(t.shape), nidx)
    vt = value if isinstance(value, Tensor) else None
    d = t._data
    if not t._tracking(vt) and is_storage(d) and (vt is None or type(vt._data) is type(d)):
        t._check_inplace()
        v = vt._data if vt is not None else value
        try:
            d[nidx] = v
        except IndexError:
            _check_index(d.shape, nidx)
            raise
        except ValueError:
            target = d[nidx].shape
            vshape = list(np.shape(v))
            if _is_basic(nidx):
                raise RuntimeError(f"The expanded size of the tensor ({target[-1] if target else 1})"
                                   f" must match the existing size ({vshape[-1]}) at "
                                   f"non-singleton dimension {len(target) - 1}.  Target sizes: "
                                   f"{list(target)}.  Tensor sizes: {vshape}") from None
            raise RuntimeError(f"shape mismatch: value tensor of shape {vshape} cannot be "
                               f"broadcast to indexing result of shape {list(target)}") from None
        t._bump()
        return
    _check_index(tuple(t.shape), nidx)
    if not is_storage(d):  # a traced value (under a funcgrad transform): no views
        t._inplace(_index_put, nidx, value)
        return
    if nidx is Ellipsis or (type(nidx) is tuple and len(nidx) == 1 and nidx[0] is Ellipsis):
        # PyTorch: x[...] = v is x.fill_(tensor(v)) for a number, x.copy_(v) for a tensor
        if vt is None:
            t.fill_(Tensor._make(np.asarray(value, t._dtype.np)))
        else:
            t.copy_(vt)
        return
    if _is_basic(nidx):
        _plain_view(t, nidx).copy_(value)
        return
    t._inplace(_index_put, nidx, value)


def _mixed(nidx):
    """Whether nidx mixes index arrays with integers or None, where numpy (which counts an
    integer as an index array) lays the result out otherwise than PyTorch."""
    if type(nidx) is not tuple:
        return False
    arrays = others = False
    for i in nidx:
        if type(i) is np.ndarray:
            arrays = True
        elif i is None or isinstance(i, (int, np.integer)):
            others = True
    return arrays and others


def _as_positions(shape, nidx):
    """nidx as one index array per dimension, laid out as PyTorch lays out x[nidx] (its basic
    part applied first, then its index arrays over the dimensions left)."""
    items = nidx if type(nidx) is tuple else (nidx,)
    basic = tuple(i if type(i) in _BASIC else slice(None) for i in items)
    flat = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    return np.unravel_index(flat[basic][_after_basic(items, len(shape))], shape)


def _index_dtypes(t, nidx, value):
    """PyTorch's error for an index_put (an advanced index other than one mask given a 0-dim
    value) whose value tensor has another dtype than t (a basic index copies, converting)."""
    if not isinstance(value, Tensor) or value._dtype is t._dtype or _is_basic(nidx):
        return
    items = nidx if type(nidx) is tuple else (nidx,)
    arrays = [i for i in items if type(i) not in _BASIC]
    if value._data.ndim == 0 and len(arrays) == 1 and arrays[0].dtype == bool:
        return  # masked_fill
    raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                       f"{D.type_name(t._dtype)} for the destination and "
                       f"{D.type_name(value._dtype)} for the source.")


def _plain_view(t, nidx):
    """t[nidx] as a view whose base is t's, without recording (the write records CopySlices)."""
    d = t._data
    v = d[nidx]
    if not is_storage(v):
        v = d[nidx + (Ellipsis,) if type(nidx) is tuple else (nidx, Ellipsis)]
    out = Tensor._make(v, t._vc, t._base if t._base is not None else t)
    out._requires_grad = t._requires_grad
    return out


def _index_put(t, nidx, value, accumulate=False):
    """t's new value in t[nidx] = value (IndexPutBackward0)."""
    dt = t._dtype
    target = np.zeros(tuple(t.shape), np.int8)[nidx].shape
    vshape = tuple(value.shape) if isinstance(value, Tensor) else ()
    try:
        np.broadcast_shapes(vshape, target)
        ok = len(vshape) <= len(target) or all(s == 1 for s in vshape[:len(vshape) - len(target)])
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(vshape)} cannot be "
                           f"broadcast to indexing result of shape {list(target)}")
    if isinstance(value, Tensor):
        return apply_op("IndexPutBackward0", lambda x, v: (
            x.at[nidx].add(_as(v, dt)) if accumulate else x.at[nidx].set(_as(v, dt))),
            [t, value], saves=False, dtype=dt)
    return apply_op("IndexPutBackward0", lambda x: (
        x.at[nidx].add(value) if accumulate else x.at[nidx].set(value)), [t], saves=False,
        dtype=dt, scalar_edges=False)


def index_put(t, indices, values, accumulate=False):
    return _index_put(t, _numpy_index(tuple(indices)), values, accumulate)


# ---- gather / scatter --------------------------------------------------------------------------

def _index_array(index, name="index"):
    if not isinstance(index, Tensor) or index._dtype not in (D.int64, D.int32, D.int16, D.int8,
                                                             D.uint8):
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")  # PyTorch's words
    return concrete(index).astype(np.int64, copy=False)


def _grid(idx, d):
    """numpy's advanced index that reads idx's positions along d (torch.gather's pattern)."""
    grids = np.ix_(*[np.arange(n) for n in idx.shape]) if idx.ndim else ()
    return tuple(idx if k == d else grids[k] for k in range(idx.ndim))


def gather(input, dim, index, *, sparse_grad=False):
    d = wrap_dim(dim, input.ndim)
    if not isinstance(index, Tensor) or index._dtype not in (D.int64, D.int32):
        raise RuntimeError("gather(): Expected dtype int64 for index")
    idx = concrete(index)
    if idx.ndim != max(input.ndim, 1) and not (idx.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(idx.ndim):
        if k != d and idx.shape[k] > input.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(idx.shape)} to be no larger than self "
                               f"{list(input.shape)} apart from dimension {d}")
    n = input.shape[d] if input.ndim else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise RuntimeError(f"index {int(idx[(idx >= n) | (idx < -n)][0])} is out of bounds for "
                           f"dimension {d} with size {n}")
    nidx = _grid(idx, d)
    return apply_op("GatherBackward0", lambda x: x[nidx], [input], saves=False)


def _one_dim(input, idx, src):
    """PyTorch counts a 0-dim index or src as 1-dim beside a 1-dim self: both as 1-dim."""
    if input.ndim == 1:
        if idx.ndim == 0:
            idx = idx.reshape(1)
        if isinstance(src, Tensor) and src.ndim == 0:
            src = src.reshape(1)
    return idx, src


def _scatter_checks(input, d, idx, src):
    if idx.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    n = input.shape[d] if input.ndim else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise RuntimeError(f"index {int(idx[(idx >= n) | (idx < -n)][0])} is out of bounds for "
                           f"dimension {d} with size {n}")


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    d = wrap_dim(dim, input.ndim)
    idx = _index_array(index, "scatter")
    idx, src = _one_dim(input, idx, src)
    if src is None:
        src = value
    if isinstance(src, Tensor) and src._dtype is not input._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    _scatter_checks(input, d, idx, src)
    nidx = _grid(idx, d)
    dt = input._dtype
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if reduce is not None:
        return _scatter_reduce(input, nidx, idx.shape, src, {"add": "sum", "multiply": "prod"}
                               .get(reduce, reduce), True, "ScatterBackward0")
    if isinstance(src, Tensor):
        sl = tuple(slice(0, n) for n in idx.shape)
        return apply_op("ScatterBackward0", lambda x, s: x.at[nidx].set(_as(s, dt)[sl]),
                        [input, src], saves=False, dtype=dt)
    return apply_op("ScatterBackward1", lambda x: x.at[nidx].set(src), [input], saves=False,
                    dtype=dt)


def scatter_add(input, dim, index, src):
    if src._dtype is not input._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    d = wrap_dim(dim, input.ndim)
    idx = _index_array(index, "scatter_add")
    idx, src = _one_dim(input, idx, src)
    _scatter_checks(input, d, idx, src)
    nidx = _grid(idx, d)
    sl = tuple(slice(0, n) for n in idx.shape)
    dt = input._dtype
    return apply_op("ScatterAddBackward0", lambda x, s: x.at[nidx].add(_as(s, dt)[sl]),
                    [input, src], saves=False, dtype=dt)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    d = wrap_dim(dim, input.ndim)
    idx = _index_array(index, "scatter_reduce")
    idx, src = _one_dim(input, idx, src)
    _scatter_checks(input, d, idx, src)
    return _scatter_reduce(input, _grid(idx, d), idx.shape, src, reduce, include_self,
                           "ScatterReduceBackward0")


def _scatter_reduce(input, nidx, ishape, src, reduce, include_self, name):
    dt = input._dtype
    sl = tuple(slice(0, n) for n in ishape)

    def fn(x, s):
        s = _as(s, dt)[sl] if not isinstance(s, (int, float)) else fnp.full(ishape, s, dt.np)
        if reduce in ("sum", "mean"):
            base = x if include_self else x.at[nidx].set(0)
            out = base.at[nidx].add(s)
            if reduce == "mean":
                count = fnp.ones_like(x) if include_self else fnp.zeros_like(x)
                count = count.at[nidx].add(fnp.ones_like(s))
                out = out / fnp.maximum(count, 1)
                if not dt.is_floating_point:
                    out = fnp.floor_divide(base.at[nidx].add(s), fnp.maximum(count, 1))
            return out
        if reduce == "prod":
            base = x if include_self else x.at[nidx].set(1)
            return base.at[nidx].multiply(s)
        if reduce in ("amax", "amin"):
            fill = -np.inf if reduce == "amax" else np.inf
            base = x if include_self else x.at[nidx].set(fill)
            return base.at[nidx].max(s) if reduce == "amax" else base.at[nidx].min(s)
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")  # scatter() checks its own reduce names first
    return apply_op(name, fn, [input, src], saves=True, dtype=dt)


def index_select(input, dim, index):
    d = wrap_dim(dim, input.ndim)
    if not isinstance(index, Tensor) or index._dtype not in (D.int64, D.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    idx = concrete(index).reshape(-1)
    n = input.shape[d] if input.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):  # PyTorch takes no negative index here
        bad = int(idx[(idx >= n) | (idx < 0)][0])
        if input.ndim == 2 and d == 1:  # PyTorch's kernel for this case words it so
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={n}")
        raise IndexError("index out of range in self")
    sel = (slice(None),) * d + (idx,)
    return apply_op("IndexSelectBackward0", lambda x: x[sel] if fnp.ndim(x) else
                    fnp.reshape(x, (1,))[idx], [input], saves=False)


def _check_index_range(input, d, idx):
    """PyTorch's error for positions outside [0, size) along d (index_add, index_copy)."""
    n = input.shape[d] if input.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        if input.ndim <= 1:
            raise IndexError("index out of range in self")
        raise RuntimeError(f"index {int(idx[(idx >= n) | (idx < 0)][0])} is out of bounds for "
                           f"dimension {d} with size {n}")


def index_add(input, dim, index, source, *, alpha=1):
    d = wrap_dim(dim, input.ndim)
    idx = concrete(index).reshape(-1)
    _check_index_range(input, d, idx)
    sel = (slice(None),) * d + (idx,)
    dt = input._dtype
    return apply_op("IndexAddBackward0", lambda x, s: x.at[sel].add(
        _as(s, dt) if alpha == 1 else _as(s, dt) * alpha), [input, source], saves=False, dtype=dt)


def index_copy(input, dim, index, source):
    d = wrap_dim(dim, input.ndim)
    idx = concrete(index).reshape(-1)
    n = input.shape[d] if input.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"index_copy_(): index {int(idx[(idx >= n) | (idx < 0)][0])} is out of "
                         f"bounds for dimension {d} with size {n}")
    sel = (slice(None),) * d + (idx,)
    dt = input._dtype
    return apply_op("IndexCopyBackward0", lambda x, s: x.at[sel].set(_as(s, dt)),
                    [input, source], saves=False, dtype=dt)


def index_fill(input, dim, index, value):
    d = wrap_dim(dim, input.ndim)
    idx = concrete(index).reshape(-1)
    n = input.shape[d] if input.ndim else 1
    bad = idx[(idx >= n) | (idx < -n)]
    if bad.size:  # PyTorch's error (funcgrad's .at[] drops out-of-bounds updates, as JAX's)
        raise IndexError(f"index {int(bad[0])} is out of bounds for dimension {d} with size {n}")
    sel = (slice(None),) * d + (idx,)
    if isinstance(value, Tensor):
        return apply_op("IndexFillBackward1", lambda x, v: x.at[sel].set(v), [input, value],
                        saves=False)
    return apply_op("IndexFillBackward0", lambda x: x.at[sel].set(value), [input], saves=False)


def masked_select(input, mask):
    mask = _t(mask)
    if mask._dtype is not D.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes_checked(tuple(input.shape), tuple(mask.shape))
    m = np.broadcast_to(concrete(mask), shape)
    return apply_op("MaskedSelectBackward0", lambda x: fnp.broadcast_to(x, shape)[m], [input],
                    saves=False)


def masked_scatter(input, mask, source):
    mask = _t(mask)
    if mask._dtype is not D.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{D.type_name(mask._dtype)}")
    m = np.broadcast_to(concrete(mask), tuple(input.shape))
    n = int(m.sum())
    if source.numel() < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return apply_op("MaskedScatterBackward0", lambda x, s: x.at[m].set(
        fnp.reshape(s, (-1,))[:n]), [input, source], saves=False)


def take(input, index):
    if index._dtype is not D.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{D.type_name(index._dtype)}")
    idx = concrete(index)
    n = input.numel()
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"out of range: tried to access index {int(idx.max())} on a tensor of "
                         f"{n} elements.")
    return apply_op("TakeBackward0", lambda x: fnp.reshape(x, (-1,))[idx], [input], saves=False)


def nonzero(input, *, as_tuple=False):
    input = _t(input)
    d = concrete(input)
    if as_tuple:
        if d.ndim == 0:
            return (_host_result(np.nonzero(np.atleast_1d(d))[0].astype(np.int64), input),)
        return tuple(_host_result(i.astype(np.int64), input) for i in np.nonzero(d))
    return _host_result(np.argwhere(d).astype(np.int64), input)


def argwhere(input):
    return nonzero(input)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0..max occurs in the 1-d non-negative integer `input` (at least
    `minlength` counts), or the sums of `weights` at each value: float weights keep their dtype,
    integer ones give float64, as PyTorch's.

    >>> import funcgrad.torch as torch
    >>> torch.bincount(torch.tensor([0, 2, 2, 1])), torch.bincount(torch.tensor([1]), minlength=3)
    (tensor([1, 1, 2]), tensor([0, 1, 0]))
    """
    dt = input._dtype
    if dt.is_floating_point or dt.is_complex:
        raise D.kernel_error("bincount_cpu", dt)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    idx = concrete(input)
    if idx.ndim != 1 or dt is D.bool or (idx.size and idx.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return _host_result(np.bincount(idx, minlength=minlength).astype(np.int64), input)
    w = concrete(weights)
    if w.ndim != 1 or w.shape[0] != idx.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out = weights._dtype if weights._dtype.is_floating_point else D.float64
    return _host_result(np.bincount(idx, w.astype(np.float64), minlength).astype(out.np), input)
