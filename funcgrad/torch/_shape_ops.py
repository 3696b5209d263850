"""Shape operations. Views (view, reshape when possible, squeeze, unsqueeze, t, transpose,
permute, expand, narrow, flatten) share storage with their input, as PyTorch's do."""
from __future__ import annotations

import numpy as np

from .. import lax
from .. import numpy as fnp
from . import _dtypes as D
from ._dispatch import apply_op
from ._tensor import Tensor, _dim
from ._grad_mode import is_grad_enabled


def _view_op(t, name, np_fn, fg_fn):
    """A view: numpy's view of the storage; recorded (as `name`) when t requires grad."""
    if type(t._data) is not np.ndarray:
        return apply_op(name, fg_fn, [t], saves=False)
    view = np_fn(t._data)
    if is_grad_enabled() and t._requires_grad:
        out = apply_op(name, fg_fn, [t], saves=False)
        out._data, out._version, out._base = view, t._version, t
        return out
    return Tensor._make(view, t._version, t)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer(shape, numel, orig):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    total = 1
    for s in shape:
        total *= s
    if total != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def view(t, *shape):
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        raise NotImplementedError("view(dtype) is not supported")
    shape = _infer(_shape_arg(shape), t.numel(), t.shape)
    if type(t._data) is np.ndarray:
        try:
            v = t._data.view()
            v.shape = shape  # raises instead of copying when a view is impossible
        except AttributeError:
            raise RuntimeError("view size is not compatible with input tensor's size and stride "
                               "(at least one dimension spans across two contiguous subspaces). "
                               "Use .reshape(...) instead.") from None
    return _view_op(t, "ViewBackward0", lambda d: d.reshape(shape),
                    lambda x: fnp.reshape(x, shape))


def reshape(t, *shape):
    shape = _infer(_shape_arg(shape), t.numel(), t.shape)
    if type(t._data) is np.ndarray:
        v = t._data.view()
        try:
            v.shape = shape
        except AttributeError:
            return apply_op("ReshapeAliasBackward0" if False else "CloneBackward0",
                            lambda x: fnp.reshape(x, shape), [t], saves=False)
    return _view_op(t, "ViewBackward0", lambda d: d.reshape(shape),
                    lambda x: fnp.reshape(x, shape))


def flatten(t, start_dim=0, end_dim=-1):
    if t.ndim == 0:
        return reshape(t, 1)
    s, e = _dim(start_dim, t.ndim), _dim(end_dim, t.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = t.shape
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(t, tuple(shape[:s]) + (n,) + tuple(shape[e + 1:]))


def unflatten(t, dim, sizes):
    d = _dim(dim, t.ndim)
    shape = tuple(t.shape)
    return reshape(t, shape[:d] + tuple(sizes) + shape[d + 1:])


def squeeze(t, dim=None):
    shape = t.shape
    if dim is None:
        dims = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        ds = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = tuple(_dim(d, t.ndim) for d in ds if shape[_dim(d, t.ndim)] == 1) if t.ndim else ()
    if not dims:
        return _view_op(t, "SqueezeBackward0", lambda d: d[...], lambda x: x)
    return _view_op(t, "SqueezeBackward0" if dim is None else "SqueezeBackward1",
                    lambda d: np.squeeze(d, dims), lambda x: lax.squeeze(x, dims))


def unsqueeze(t, dim):
    d = _dim(dim, t.ndim + 1)
    return _view_op(t, "UnsqueezeBackward0", lambda a: np.expand_dims(a, d),
                    lambda x: lax.expand_dims(x, (d,)))


def permute(t, *dims):
    dims = tuple(_dim(d, t.ndim) for d in _shape_arg(dims))
    return _view_op(t, "PermuteBackward0", lambda a: a.transpose(dims),
                    lambda x: fnp.transpose(x, dims))


def transpose(t, dim0, dim1):
    if t.ndim < 2 and t.ndim == 0:
        return t
    perm = list(range(t.ndim))
    i, j = _dim(dim0, t.ndim), _dim(dim1, t.ndim)
    perm[i], perm[j] = perm[j], perm[i]
    return _view_op(t, "TransposeBackward0", lambda a: a.transpose(perm),
                    lambda x: fnp.transpose(x, perm))


swapaxes = swapdims = transpose


def t_(t):
    if t.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {t.ndim}D")
    return _view_op(t, "TBackward0", lambda a: a.T, lambda x: fnp.transpose(x))


def expand(t, *sizes):
    sizes = _shape_arg(sizes)
    lead = len(sizes) - t.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({t.ndim})")
    shape = tuple(t.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    for i, s in enumerate(t.shape):
        if s != 1 and s != shape[lead + i]:
            raise RuntimeError(f"The expanded size of the tensor ({shape[lead + i]}) must match "
                               f"the existing size ({s}) at non-singleton dimension {lead + i}.  "
                               f"Target sizes: {list(sizes)}.  Tensor sizes: {list(t.shape)}")
    return _view_op(t, "ExpandBackward0", lambda a: np.broadcast_to(a, shape),
                    lambda x: fnp.broadcast_to(x, shape))


def narrow(t, dim, start, length):
    d = _dim(dim, t.ndim)
    idx = (slice(None),) * d + (slice(start, start + length),)
    return _view_op(t, "SliceBackward0", lambda a: a[idx], lambda x: x[idx])


def repeat(t, *sizes):
    sizes = _shape_arg(sizes)
    return apply_op("RepeatBackward0", lambda x: fnp.reshape(_tile(x, sizes, t.ndim),
                                                             _rep_shape(t.shape, sizes)), [t],
                    saves=False)


def _rep_shape(shape, sizes):
    shape = (1,) * (len(sizes) - len(shape)) + tuple(shape)
    return tuple(a * b for a, b in zip(shape, sizes))


def _tile(x, sizes, ndim):
    x = fnp.reshape(x, (1,) * (len(sizes) - ndim) + tuple(x.shape))
    for ax, r in enumerate(sizes):
        if r != 1:
            x = fnp.concatenate([x] * r, axis=ax)
    return x


def tile(t, dims):
    dims = tuple(dims)
    if len(dims) < t.ndim:
        dims = (1,) * (t.ndim - len(dims)) + dims
    return repeat(t, dims)


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    nd = max(t.ndim for t in tensors)
    d = _dim(dim, nd)
    dt = D.result_type(*tensors)
    return apply_op("CatBackward0", lambda *xs: fnp.concatenate(
        [lax.convert_element_type(x, dt.np) for x in xs if x.ndim], axis=d), tensors,
        saves=False, dtype=dt)


concat = concatenate = cat


def stack(tensors, dim=0):
    tensors = list(tensors)
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        raise RuntimeError(f"stack expects each tensor to be equal size")
    d = _dim(dim, tensors[0].ndim + 1)
    dt = D.result_type(*tensors)
    return apply_op("StackBackward0", lambda *xs: fnp.stack(
        [lax.convert_element_type(x, dt.np) for x in xs], axis=d), tensors, saves=False, dtype=dt)


def split(t, split_size_or_sections, dim=0):
    d = _dim(dim, t.ndim)
    n = t.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        sizes = [s] * (n // s) + ([n % s] if n % s else [])
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got split_sizes="
                               f"{sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(t, d, start, s))
        start += s
    return tuple(out)


def chunk(t, chunks, dim=0):
    n = t.shape[_dim(dim, t.ndim)]
    size = -(-n // chunks)
    return split(t, size, dim)


def unbind(t, dim=0):
    d = _dim(dim, t.ndim)
    return tuple(select(t, d, i) for i in range(t.shape[d]))


def select(t, dim, index):
    d = _dim(dim, t.ndim)
    idx = (slice(None),) * d + (index,)
    return _view_op(t, "SelectBackward0", lambda a: a[idx], lambda x: x[idx])


def flip(t, dims):
    dims = tuple(_dim(d, t.ndim) for d in ((dims,) if isinstance(dims, int) else dims))
    idx = tuple(slice(None, None, -1) if i in dims else slice(None) for i in range(t.ndim))
    return apply_op("FlipBackward0", lambda x: x[idx], [t], saves=False)


def roll(t, shifts, dims=None):
    if dims is None:
        flat = flatten(t)
        return reshape(roll(flat, shifts, 0), tuple(t.shape))
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)

    def fn(x):
        for s, d in zip(shifts, dims):
            d = _dim(d, t.ndim)
            n = x.shape[d]
            if n == 0:
                continue
            s %= n
            if s:
                lo = (slice(None),) * d + (slice(n - s, None),)
                hi = (slice(None),) * d + (slice(0, n - s),)
                x = fnp.concatenate([x[lo], x[hi]], axis=d)
        return x
    return apply_op("RollBackward0", fn, [t], saves=False)


def gather(input, dim, index):
    d = _dim(dim, input.ndim)
    idx = index._data

    def fn(x):
        grids = np.ix_(*[np.arange(n) for n in idx.shape])
        return x[tuple(idx if k == d else grids[k] for k in range(idx.ndim))]
    return apply_op("GatherBackward0", fn, [input])


def _scatter_index(idx, d):
    grids = np.ix_(*[np.arange(n) for n in idx.shape])
    return tuple(idx if k == d else grids[k] for k in range(idx.ndim))


def scatter(input, dim, index, src=None, value=None, reduce=None):
    d = _dim(dim, input.ndim)
    nidx = _scatter_index(index._data, d)
    if src is None:
        src = value
    if isinstance(src, Tensor):
        sl = tuple(slice(0, n) for n in index.shape)
        return apply_op("ScatterBackward0", lambda x, s: x.at[nidx].set(s[sl]), [input, src])
    return apply_op("ScatterBackward1", lambda x: x.at[nidx].set(src), [input])


def scatter_add(input, dim, index, src):
    d = _dim(dim, input.ndim)
    nidx = _scatter_index(index._data, d)
    sl = tuple(slice(0, n) for n in index.shape)
    return apply_op("ScatterAddBackward0", lambda x, s: x.at[nidx].add(s[sl]), [input, src])


def index_select(input, dim, index):
    d = _dim(dim, input.ndim)
    idx = (slice(None),) * d + (index._data,)
    return apply_op("IndexSelectBackward0", lambda x: x[idx], [input])


def masked_select(input, mask):
    m = np.broadcast_to(mask._data, np.broadcast_shapes(mask.shape, input.shape))
    return apply_op("MaskedSelectBackward0",
                    lambda x: fnp.broadcast_to(x, m.shape)[m], [input])


def cumsum(input, dim, *, dtype=None):
    d = _dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    tri = np.triu(np.ones((n, n), dtype=(dtype or input.dtype).np))

    def fn(x):
        x = fnp.moveaxis(x, d, -1)
        return fnp.moveaxis(fnp.matmul(x, tri), -1, d)
    return apply_op("CumsumBackward0", fn, [input], dtype=dtype)


def sort(input, dim=-1, descending=False, stable=False):
    from ._ops import return_types
    d = _dim(dim, input.ndim)
    order = np.argsort(-input._data if descending else input._data, axis=d, kind="stable")
    if descending and input.dtype is not D.bool:
        order = np.argsort(-input._data.astype(np.float64), axis=d, kind="stable")
    nidx = _scatter_index(order, d)
    values = apply_op("SortBackward0", lambda x: x[nidx], [input])
    return return_types.sort(values, Tensor._make(order.astype(np.int64)))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable)[1]


def topk(input, k, dim=-1, largest=True, sorted=True):
    from ._ops import return_types
    vals, idx = sort(input, dim, descending=largest, stable=True)
    d = _dim(dim, input.ndim)
    return return_types.topk(narrow(vals, d, 0, k), narrow(idx, d, 0, k))


def cartesian_prod(*tensors):
    grids = np.meshgrid(*[t._data for t in tensors], indexing="ij")
    if len(tensors) == 1:
        return tensors[0]
    return apply_op("", lambda *xs: fnp.stack([fnp.ravel(g) for g in
                                               [fnp.asarray(g) for g in grids]], axis=1),
                    list(tensors))


def sum_to_size(t, *size):
    size = _shape_arg(size)
    lead = t.ndim - len(size)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                      if s == 1 and t.shape[lead + i] != 1)
    from ._ops import sum as _sum
    out = _sum(t, dim=axes, keepdim=True) if axes else t
    return reshape(out, size)
