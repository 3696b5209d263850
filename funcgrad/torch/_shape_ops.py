"""Shape operations. Views (view, reshape when possible, flatten, squeeze, unsqueeze, t, transpose,
permute, expand, narrow, select, split, chunk, unbind, unfold, as_strided, movedim, diagonal)
share storage with their input, as PyTorch's do (see _views.py); cat, stack, repeat, tile, flip,
roll, tril and triu make new tensors."""
from __future__ import annotations

import warnings

import numpy as np

from .. import lax
from .. import numpy as fnp
from .._core import backend
from . import _dtypes as D
from ._dispatch import apply_op, broadcast_shapes_checked, is_storage
from ._grad_mode import is_grad_enabled
from ._indexing import _grid
from ._ops import _wrap
from ._reductions import sum as _sum
from ._storage import flat_positions, root, strided_view, wrap_dim, wrap_dims
from ._tensor import Tensor, _copy_value, concrete
from ._views import view_op

_ndarray = np.ndarray


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer(shape, numel):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"invalid shape dimension {min(shape)}")
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


def _numpy_view(d, shape):
    """A view of d with that shape, or None when the strides make one impossible."""
    v = d.view()
    try:
        v.shape = shape
    except AttributeError:
        return None
    return v


def view(t, *shape):
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return view_dtype(t, shape[0])
    shape = _infer(_shape_arg(shape), t.numel())
    if is_storage(t._data) and _numpy_view(t._data, shape) is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return view_op(t, "ViewBackward0", lambda d: _numpy_view(d, shape),
                   lambda x: fnp.reshape(x, shape))


def view_dtype(t, dtype):
    """The same bytes read as another dtype (a view; the last dimension rescales)."""
    old, new = t._dtype.itemsize, dtype.itemsize
    if new > old:
        ratio = new // old
        if t.ndim == 0 or t.shape[-1] % ratio:
            raise RuntimeError(f"self.size(-1) must be divisible by {ratio} to view "
                               f"{D._LEGACY[t._dtype.name]} as {D._LEGACY[dtype.name]} (different "
                               f"element sizes), but got {t.shape[-1] if t.ndim else 0}")
    d = t._data
    if new != old and d.ndim and d.strides[-1] != d.itemsize:
        raise RuntimeError(f"self.stride(-1) must be 1 to view {D._LEGACY[t._dtype.name]} as "
                           f"{D._LEGACY[dtype.name]} (different element sizes), but got "
                           f"{t.stride(-1)}")
    return Tensor._make(d.view(dtype.np), t._vc, t._base if t._base is not None else t)


def reshape(t, *shape):
    shape = _infer(_shape_arg(shape), t.numel())
    if is_storage(t._data) and _numpy_view(t._data, shape) is None:
        # no view possible: a copy, as PyTorch's (a clone, then a view of it)
        c = t.clone()
        return view_op(c, "UnsafeViewBackward0", lambda d: d.reshape(shape),
                       lambda x: fnp.reshape(x, shape))
    return view_op(t, "ViewBackward0", lambda d: _numpy_view(d, shape),
                   lambda x: fnp.reshape(x, shape))


def flatten(t, start_dim=0, end_dim=-1):
    if t.ndim == 0:
        return reshape(t, 1)
    s, e = wrap_dim(start_dim, t.ndim), wrap_dim(end_dim, t.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return t
    shape = tuple(t.shape)
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(t, shape[:s] + (n,) + shape[e + 1:])


def ravel(t):
    return reshape(t, -1)


def unflatten(t, dim, sizes):
    d = wrap_dim(dim, t.ndim)
    shape = tuple(t.shape)
    sizes = list(sizes)
    if -1 in sizes:
        known = int(np.prod([s for s in sizes if s != -1]))
        sizes[sizes.index(-1)] = shape[d] // known if known else 0
    if int(np.prod(sizes)) != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[d]}) in the input tensor")
    return view(t, shape[:d] + tuple(sizes) + shape[d + 1:])


def squeeze(t, dim=None):
    shape = tuple(t.shape)
    if dim is None:
        dims, name = tuple(i for i, s in enumerate(shape) if s == 1), "SqueezeBackward0"
    else:
        multi = not isinstance(dim, int)
        ds = tuple(dim) if multi else (dim,)
        dims = tuple(sorted(d for d in wrap_dims(ds, t.ndim) if shape[d] == 1)) \
            if t.ndim else ()
        if not t.ndim:
            for d in ds:
                wrap_dim(d, 0)
        name = "SqueezeBackward2" if multi else "SqueezeBackward1"
    return view_op(t, name, lambda a: backend.xp_of(a).squeeze(a, dims) if dims else a[...],
                   lambda x: lax.squeeze(x, dims) if dims else x)


def unsqueeze(t, dim):
    d = wrap_dim(dim, t.ndim + 1)
    return view_op(t, "UnsqueezeBackward0", lambda a: backend.xp_of(a).expand_dims(a, d),
                   lambda x: lax.expand_dims(x, (d,)))


def permute(t, *dims):
    dims = _shape_arg(dims)
    if len(dims) != t.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {t.ndim} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, t.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return view_op(t, "PermuteBackward0", lambda a: a.transpose(dims),
                   lambda x: fnp.transpose(x, dims))


def transpose(t, dim0, dim1):
    perm = list(range(t.ndim))
    i, j = wrap_dim(dim0, t.ndim), wrap_dim(dim1, t.ndim)
    if t.ndim < 2:
        return view_op(t, "TransposeBackward0", lambda a: a[...], lambda x: x)
    perm[i], perm[j] = perm[j], perm[i]
    return view_op(t, "TransposeBackward0", lambda a: a.transpose(perm),
                   lambda x: fnp.transpose(x, perm))


swapaxes = swapdims = transpose


def t_(t):
    if t.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {t.ndim}D")
    return view_op(t, "TBackward0", lambda a: a.T, lambda x: fnp.transpose(x))


def T(t):
    if t.ndim not in (0, 2):
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or `x.permute(*torch."
                      "arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                      UserWarning, stacklevel=3)
    return permute(t, tuple(range(t.ndim))[::-1])


def H(t):
    if t.ndim not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{t.ndim}-D tensor.")
    return transpose(t.conj(), 0, 1) if t.ndim == 2 else t


def mT(t):
    if t.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {t.ndim}-D tensor.")
    return transpose(t, -2, -1)


def movedim(t, source, destination):
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = [wrap_dim(s, t.ndim) for s in src]
    dst = [wrap_dim(d, t.ndim) for d in dst]
    for name, ds in (("source", src), ("destination", dst)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({ds})")
    order = [i for i in range(t.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(t, order)


moveaxis = movedim


def expand(t, *sizes):
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    sizes = _shape_arg(sizes)
    lead = len(sizes) - t.ndim
    if lead < 0:
        raise RuntimeError(f"expand(torch.{D._LEGACY[t._dtype.name]}Tensor{{{list(t.shape)}}}, "
                           f"size={list(sizes)}): the number of sizes provided ({len(sizes)}) "
                           f"must be greater or equal to the number of dimensions in the tensor "
                           f"({t.ndim})")
    shape = tuple(t.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    for i, s in enumerate(t.shape):
        if s != 1 and s != shape[lead + i]:
            raise RuntimeError(f"The expanded size of the tensor ({shape[lead + i]}) must match "
                               f"the existing size ({s}) at non-singleton dimension {lead + i}.  "
                               f"Target sizes: {list(sizes)}.  Tensor sizes: {list(t.shape)}")
    for i, s in enumerate(shape):
        if s < 0:
            raise RuntimeError(f"expand: size {s} at dimension {i} is negative; a size is >= 0, "
                               f"or -1 to keep the tensor's size there. Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(t.shape)}")
    return view_op(t, "ExpandBackward0", lambda a: backend.xp_of(a).broadcast_to(a, shape),
                   lambda x: fnp.broadcast_to(x, shape))


def broadcast_to(t, size):
    return expand(t, tuple(size))


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes_checked(*[tuple(t.shape) for t in tensors])
    return tuple(t if tuple(t.shape) == shape else expand(t, shape) for t in tensors)


def narrow(t, dim, start, length):
    d = wrap_dim(dim, t.ndim)
    n = t.shape[d]
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    idx = (slice(None),) * d + (slice(start, start + length),)
    return view_op(t, "SliceBackward0", lambda a: a[idx], lambda x: x[idx])


def select(t, dim, index):
    d = wrap_dim(dim, t.ndim)
    n = t.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(t.shape)} at dimension {d}")
    idx = (slice(None),) * d + (int(index),)
    return view_op(t, "SelectBackward0", lambda a: a[idx], lambda x: x[idx])


def _multi_view(t, name, indices):
    """Several views of t (split, unbind) recorded as one node with one output per view."""
    d = t._data
    if is_grad_enabled() and t._requires_grad:
        outs = apply_op(name, lambda x: tuple(x[i] for i in indices), [t], saves=False)
        if is_storage(d):
            base = t._base if t._base is not None else t
            for o, i in zip(outs, indices):
                o._data, o._vc, o._base = d[i], t._vc, base
        return outs
    return tuple(view_op(t, name, lambda a, i=i: a[i], lambda x, i=i: x[i]) for i in indices)


def split(t, split_size_or_sections, dim=0):
    d = wrap_dim(dim, t.ndim)
    n = t.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if s else [0]
        name = "SplitBackward0"
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got split_sizes="
                               f"{sizes}")
        name = "SplitWithSizesBackward0"
    idx, start = [], 0
    for s in sizes:
        idx.append((slice(None),) * d + (slice(start, start + s),))
        start += s
    return _multi_view(t, name, idx)


def chunk(t, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = t.shape[wrap_dim(dim, t.ndim)]
    size = -(-n // chunks) if n else 1
    return split(t, size, dim)


def tensor_split(t, indices_or_sections, dim=0):
    d = wrap_dim(dim, t.ndim)
    n = t.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        bounds = [i * (n // k) + min(i, n % k) for i in range(k + 1)]
    else:
        bounds = [0] + [min(int(i), n) for i in indices_or_sections] + [n]
    return tuple(narrow(t, d, a, max(b - a, 0)) for a, b in zip(bounds[:-1], bounds[1:]))


def unbind(t, dim=0):
    d = wrap_dim(dim, t.ndim)
    return _multi_view(t, "UnbindBackward0",
                       [(slice(None),) * d + (i,) for i in range(t.shape[d])])


def unfold(t, dimension, size, step):
    """All windows of `size` along `dimension`, `step` apart, as a new last dimension (a view)."""
    d = wrap_dim(dimension, t.ndim)
    n = t.shape[d] if t.ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    count = (n - size) // step + 1
    windows = np.arange(count)[:, None] * step + np.arange(size)[None, :]

    def np_fn(a):
        if a.ndim == 0:
            return a.reshape(1)
        shape = a.shape[:d] + (count,) + a.shape[d + 1:] + (size,)
        strides = a.strides[:d] + (a.strides[d] * step,) + a.strides[d + 1:] + (a.strides[d],)
        return strided_view(a, shape, strides)

    def fg_fn(x):
        if not fnp.ndim(x):
            return fnp.reshape(x, (1,))
        g = x[(slice(None),) * d + (windows.reshape(-1),)]
        g = fnp.reshape(g, fnp.shape(x)[:d] + (count, size) + fnp.shape(x)[d + 1:])
        return fnp.moveaxis(g, d + 1, -1)
    return view_op(t, "UnfoldBackward0", np_fn, fg_fn)


def as_strided(t, size, stride, storage_offset=None):
    """A view with the given sizes and strides (in elements) over t's storage."""
    size, stride = tuple(int(n) for n in size), tuple(int(n) for n in stride)
    d = t._data
    base = root(d)
    if not base.flags.c_contiguous:
        raise RuntimeError("as_strided of a tensor whose storage is not contiguous is not "
                           "supported")
    offset = t.storage_offset() if storage_offset is None else int(storage_offset)
    item = d.itemsize
    need = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if need > base.size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {item} requiring a storage size of "
                           f"{need * item} are out of bounds for storage of size "
                           f"{base.size * item}")
    flat = base.reshape(-1)
    pos = np.full(size, offset, np.int64)
    for k, (n, s) in enumerate(zip(size, stride)):
        pos = pos + np.arange(n).reshape([-1 if i == k else 1 for i in range(len(size))]) * s
    # where each position is among t's own elements (what the recorded computation reads)
    inv = np.full(base.size, -1, np.int64)
    own = flat_positions(base, d)
    inv[own.reshape(-1)] = np.arange(own.size)
    rel = inv[pos]
    if t._requires_grad and (rel < 0).any():
        raise RuntimeError("as_strided: the view reads elements outside the tensor it is taken "
                           "of, which autograd cannot differentiate here; take it of the base")

    def np_fn(a):
        return strided_view(flat[offset:], size, tuple(s * item for s in stride))
    return view_op(t, "AsStridedBackward0", np_fn, lambda x: fnp.reshape(x, (-1,))[rel])


def _diagonal_dims(dim1, dim2, ndim):
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(t, offset=0, dim1=0, dim2=1):
    d1, d2 = _diagonal_dims(dim1, dim2, t.ndim)
    return view_op(t, "DiagonalBackward0", lambda a: _diagonal_view(a, offset, d1, d2),
                   lambda x: fnp.diagonal(x, offset, d1, d2))


def _diagonal_view(a, offset, d1, d2):
    """numpy's diagonal as a writable view (numpy's own is read-only)."""
    rest = [i for i in range(a.ndim) if i not in (d1, d2)]
    b = a.transpose(rest + [d1, d2])
    b = b[..., :, offset:] if offset >= 0 else b[..., -offset:, :]
    n = max(min(b.shape[-2], b.shape[-1]), 0)
    return strided_view(b, b.shape[:-2] + (n,), b.strides[:-2] + (b.strides[-2] + b.strides[-1],))


# ---- new tensors -----------------------------------------------------------------------------

def repeat(t, *sizes):
    sizes = _shape_arg(sizes)
    if len(sizes) < t.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    shape = (1,) * (len(sizes) - t.ndim) + tuple(t.shape)
    for r in sizes:
        if r < 0:
            target = [r * s for r, s in zip(sizes, shape)]
            raise RuntimeError(f"Trying to create tensor with negative dimension "
                               f"{next((x for x in target if x < 0), r)}: {target}")
    return apply_op("RepeatBackward0", lambda x: fnp.tile(fnp.reshape(x, shape), sizes), [t],
                    saves=False)


def tile(t, dims):
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(dims) < t.ndim:
        dims = (1,) * (t.ndim - len(dims)) + dims
    return repeat(t, dims)


def repeat_interleave(t, repeats, dim=None):
    if dim is None:
        flat = reshape(t, -1)
        return repeat_interleave(flat, repeats, 0)
    d = wrap_dim(dim, t.ndim)
    reps = repeats._data if isinstance(repeats, Tensor) else repeats
    if np.any(np.asarray(reps) < 0):  # (PyTorch words it by the kind of `repeats`)
        raise RuntimeError("repeats can not be negative" if isinstance(repeats, Tensor) else
                           "Repeats must be non-negative")
    if np.ndim(reps) and np.size(reps) != t.shape[d] and np.size(reps) != 1:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {np.size(reps)} and input.size({d}) = "
                           f"{t.shape[d]}")
    idx = np.repeat(np.arange(t.shape[d]), reps)
    sel = (slice(None),) * d + (idx,)
    return apply_op("IndexSelectBackward0", lambda x: x[sel], [t], saves=False)


def _cat_dtype(tensors):
    return D.result_type(*tensors)


def cat(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    real = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)]
    ref = real[0] if real else tensors[0]
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, ref.ndim)
    for i, t in enumerate(tensors):
        if t.ndim == 1 and t.shape[0] == 0:
            continue
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{t.ndim}")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {t.shape[k]} for "
                                   f"tensor number {i} in the list.")
    dt = _cat_dtype(tensors)
    keep = [not (t.ndim == 1 and t.shape[0] == 0) for t in tensors]
    datas = [t._data for t in tensors]
    if all(type(x) is _ndarray for x in datas) and not (
            is_grad_enabled() and any(t._requires_grad for t in tensors)):
        return _wrap(np.concatenate([x for x, k in zip(datas, keep) if k] or [datas[0]], axis=d)
                     .astype(dt.np, copy=False))

    def fn(*xs):
        xs = [lax.convert_element_type(x, dt.np) for x, k in zip(xs, keep) if k]
        return fnp.concatenate(xs, axis=d) if xs else fnp.zeros((0,), dt.np)
    return apply_op("CatBackward0", fn, tensors, saves=False, dtype=dt)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if tuple(t.shape) != tuple(tensors[0].shape):
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(tensors[0].shape)} at entry 0 and {list(t.shape)} at entry "
                               f"{i}")
    d = wrap_dim(dim, tensors[0].ndim + 1)
    dt = _cat_dtype(tensors)
    return apply_op("StackBackward0", lambda *xs: fnp.stack(
        [lax.convert_element_type(x, dt.np) for x in xs], axis=d), tensors, saves=False, dtype=dt)


def _nonempty(name, tensors):
    if not len(tensors):
        raise RuntimeError(f"{name} expects a non-empty TensorList")


def hstack(tensors):
    _nonempty("hstack", tensors)
    tensors = [t if t.ndim else t.reshape(1) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    _nonempty("vstack", tensors)
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in tensors], 0)


row_stack = vstack


def dstack(tensors):
    _nonempty("dstack", tensors)
    return cat([t.reshape(1, -1, 1) if t.ndim < 2 else t.unsqueeze(-1) if t.ndim == 2 else t
                for t in tensors], 2)


def column_stack(tensors):
    _nonempty("column_stack", tensors)
    return cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors], 1)


def flip(t, *dims):
    if len(dims) == 1 and not isinstance(dims[0], int):  # flip(x, (0, 1)) or x.flip(0, 1)
        dims = tuple(dims[0])
    dims = wrap_dims(dims, t.ndim)
    idx = tuple(slice(None, None, -1) if i in dims else slice(None) for i in range(t.ndim))
    return apply_op("FlipBackward0", lambda x: x[idx], [t], saves=False)


def fliplr(t):
    if t.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(t, 1)


def flipud(t):
    if t.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(t, 0)


def roll(t, shifts, dims=None):
    if dims is None:
        shape = tuple(t.shape)
        s = shifts if isinstance(shifts, int) else tuple(shifts)[0]
        n = t.numel()

        def flat_roll(x):
            flat = fnp.reshape(x, (-1,))
            k = s % n if n else 0
            if k:
                flat = fnp.concatenate([flat[n - k:], flat[:n - k]])
            return fnp.reshape(_copy_value(flat), shape)
        return apply_op("RollBackward0", flat_roll, [t], saves=False)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:"
                           f"{len(dims)}")

    def fn(x):
        for s, d in zip(shifts, dims):
            d = wrap_dim(d, t.ndim)
            n = fnp.shape(x)[d]
            if n == 0 or s % n == 0:
                continue
            s %= n
            lo = (slice(None),) * d + (slice(n - s, None),)
            hi = (slice(None),) * d + (slice(0, n - s),)
            x = fnp.concatenate([x[lo], x[hi]], axis=d)
        return _copy_value(x)
    return apply_op("RollBackward0", fn, [t], saves=False)


def rot90(t, k=1, dims=(0, 1)):
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if t.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {t.ndim}")
    d0, d1 = wrap_dim(dims[0], t.ndim), wrap_dim(dims[1], t.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and "
                           f"dim1 = {dims[1]}")
    return apply_op("Rot90Backward0", lambda x: fnp.rot90(x, k, tuple(dims)), [t], saves=False)


def _tri(name, np_fn):
    def op(t, diagonal=0):
        if t.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        n, m = t.shape[-2:]
        mask = np_fn(np.ones((n, m), bool), diagonal)
        return apply_op(f"{name.capitalize()}Backward0",
                        lambda x: lax.select(np.broadcast_to(mask, fnp.shape(x)), x,
                                             fnp.zeros_like(x)), [t], saves=False)
    op.__name__ = name
    return op


tril = _tri("tril", np.tril)
triu = _tri("triu", np.triu)


def diag_embed(t, offset=0, dim1=-2, dim2=-1):
    n = t.shape[-1] + abs(offset)
    idx = np.arange(t.shape[-1])
    rows, cols = (idx, idx + offset) if offset >= 0 else (idx - offset, idx)
    shape = tuple(t.shape[:-1]) + (n, n)
    out_nd = t.ndim + 1
    d1, d2 = _diagonal_dims(dim1, dim2, out_nd)

    def fn(x):
        m = fnp.zeros(shape, x.dtype).at[..., rows, cols].set(x)
        return fnp.moveaxis(m, (-2, -1), (d1, d2)) if (d1, d2) != (out_nd - 2, out_nd - 1) \
            else m
    return apply_op("DiagEmbedBackward0", fn, [t], saves=False)


def trace(t):
    if t.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim " + str(t.ndim))
    return apply_op("TraceBackward0", lambda x: fnp.trace(x), [t], saves=False)


def take_along_dim(input, indices, dim=None):
    if indices._dtype is not D.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{D.type_name(indices._dtype)}")
    idx = concrete(indices)
    if dim is None:
        return apply_op("GatherBackward0", lambda x: fnp.reshape(x, (-1,))[idx.reshape(-1)],
                        [input], saves=False)
    d = wrap_dim(dim, input.ndim)
    shape = list(np.broadcast_shapes(tuple(s if i != d else 1 for i, s in enumerate(input.shape)),
                                     tuple(s if i != d else 1 for i, s in enumerate(idx.shape))))
    xs = tuple(shape[i] if i != d else input.shape[d] for i in range(input.ndim))
    ids = np.broadcast_to(idx, tuple(shape[i] if i != d else idx.shape[d]
                                     for i in range(input.ndim)))
    nidx = _grid(ids, d)
    return apply_op("GatherBackward0", lambda x: fnp.broadcast_to(x, xs)[nidx], [input],
                    saves=False)


def diag(t, diagonal=0):
    if t.ndim == 1:
        n = t.shape[0] + abs(diagonal)
        idx = np.arange(t.shape[0])
        rows, cols = (idx, idx + diagonal) if diagonal >= 0 else (idx - diagonal, idx)
        return apply_op("DiagEmbedBackward0", lambda x: fnp.zeros((n, n), x.dtype).at[
            rows, cols].set(x), [t], saves=False)
    if t.ndim == 2:
        return diagonal_copy(t, diagonal)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{t.ndim}D")


def diagonal_copy(t, offset=0):
    return apply_op("DiagonalBackward0", lambda x: fnp.diagonal(x, offset), [t], saves=False)


def cartesian_prod(*tensors):
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def meshgrid(*tensors, indexing="ij"):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    ts = list(tensors)
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got a {t.ndim}D tensor of shape {list(t.shape)}")
    if indexing == "xy" and len(ts) >= 2:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.numel() for t in ts)
    out = []
    for i, t in enumerate(ts):
        v = t.reshape([-1 if k == i else 1 for k in range(len(ts))])
        out.append(v.expand(shape))
    if indexing == "xy" and len(ts) >= 2:
        out = [o.transpose(0, 1) for o in out]
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def atleast_1d(*tensors):
    res = [t.reshape(1) if t.ndim == 0 else t for t in _flat(tensors)]
    return res[0] if len(res) == 1 else tuple(res)


def atleast_2d(*tensors):
    res = [t.reshape(1, 1) if t.ndim == 0 else t.unsqueeze(0) if t.ndim == 1 else t
           for t in _flat(tensors)]
    return res[0] if len(res) == 1 else tuple(res)


def atleast_3d(*tensors):
    res = [t.reshape(1, 1, 1) if t.ndim == 0 else t.reshape(1, -1, 1) if t.ndim == 1 else
           t.unsqueeze(-1) if t.ndim == 2 else t for t in _flat(tensors)]
    return res[0] if len(res) == 1 else tuple(res)


def _flat(tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0])
    return list(tensors)


def sum_to_size(t, *size):
    size = _shape_arg(size)
    lead = t.ndim - len(size)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                      if s == 1 and t.shape[lead + i] != 1)
    out = _sum(t, dim=axes, keepdim=True) if axes else t
    return reshape(out, size) if tuple(out.shape) != size else out
