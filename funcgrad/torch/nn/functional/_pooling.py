"""torch.nn.functional's pooling: max, average, adaptive and power-average pooling. Windows are
strided slices of the padded input; max pooling selects the first maximal element of each
window, as PyTorch does (so ties send the whole gradient to one element)."""
from __future__ import annotations

import math

import numpy as np

from ...._api import stop_gradient
from .... import lax
from .... import nn as fg_nn
from .... import numpy as fnp
from ...._core import backend
from ..._dispatch import apply_op, is_storage as _is_storage
from ..._dtypes import kernel_error
from ..._tensor import Tensor
from ._common import _const, _pair, abs_, sign
from ._activation import relu

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d", "lp_pool2d",
           "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices"]


# ---- pooling -----------------------------------------------------------------------------------

def _pool_out(n, k, p, s, d, ceil_mode):
    num = n + 2 * p - d * (k - 1) - 1 + ((s - 1) if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


_WORDS = {2: "two", 3: "three"}


def _pool_tuple(nd, fname, name, value):
    """A pooling parameter as nd ints, with PyTorch's error (its wording differs by function)
    for a sequence of another length."""
    if not isinstance(value, (list, tuple)):
        return (int(value),) * nd
    if len(value) == 1:
        return (int(value[0]),) * nd
    if len(value) != nd:
        n = len(value)
        if fname == "max_pool1d":
            lists = "list of ints or" if name in ("kernel_size", "dilation") else \
                "list of ints, or"
            what = {"stride": "None, an int"}.get(name, "an int")
            raise RuntimeError(f"max_pool1d() {name} must be {what}, {lists} tuple of ints of "
                               f"size 1 but got size {n}")
        if fname == "avg_pool1d":
            raise RuntimeError(f"avg_pool1d() argument '{name}' should contain one int (got {n})")
        if fname == "avg_pool3d":
            how = {"stride": "must be omitted,"}.get(name, "must be")
        else:
            how = {"stride": "must either be omitted,", "dilation": "must be either"}.get(
                name, "must either be")
        raise RuntimeError(f"{fname}: {name} {how} a single int, or a tuple of {_WORDS[nd]} "
                           "ints")
    return tuple(int(v) for v in value)


def _pool_rank(nd, input, fname):
    """PyTorch's error for an input of the wrong rank (worded differently by function)."""
    r = input.ndim
    if r in (nd + 1, nd + 2) and (fname == "avg_pool2d" or all(input.shape[-nd:])):
        return
    if fname == "max_pool1d":
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{list(input.shape)}")
    if fname == "avg_pool1d":
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {r}-dimensional tensor for "
                           "argument #1 'self' (while checking arguments for avg_pool1d)")
    if fname == "avg_pool2d":
        if r < 3:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-r}, "
                             f"{r - 1}], but got -3)")
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{list(input.shape)}")
    raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")


def _pool_args(nd, input, kernel_size, stride, padding, dilation, ceil_mode, fname):
    """Kernel, stride, padding, dilation (nd ints each), the output's spatial sizes and the
    extra right padding ceil_mode reaches, after PyTorch's checks (in its order, with its
    words, which differ between max_pool1d and the others)."""
    _pool_rank(nd, input, fname)
    k = _pool_tuple(nd, fname, "kernel_size", kernel_size)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else _pool_tuple(nd, fname, "stride", stride)
    p = _pool_tuple(nd, fname, "padding", padding)
    d = _pool_tuple(nd, fname, "dilation", dilation)
    if fname == "max_pool1d":
        for name, v, ok in (("kernel_size", k[0], k[0] > 0), ("stride", s[0], s[0] > 0)):
            if not ok:
                raise RuntimeError(f"max_pool1d() {name} must be greater than zero, but got {v}")
        if p[0] < 0:
            raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p[0]}")
        if p[0] > k[0] // 2:
            raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, "
                               f"but got padding={p[0]} and kernel_size={k[0]}")
        if d[0] <= 0:
            raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d[0]}")
    else:
        # avg_pool1d runs as a 2-d pooling over (1, n): PyTorch's messages show that
        sk, ss, sd = ((1,) + k, (1,) + s, (1,) + d) if nd == 1 else (k, s, d)
        letters = ("T", "H", "W")[3 - len(sk):]
        if any(v == 0 for v in s):
            raise RuntimeError("stride should not be zero")
        for pp, kk, dd in zip(p, k, d):
            if pp < 0:
                raise RuntimeError(f"pad must be non-negative, but got pad: {pp}")
            if pp > int((dd * (kk - 1) + 1) / 2):  # C's division, truncating
                raise RuntimeError(f"pad should be at most half of effective kernel size, but "
                                   f"got pad={pp}, kernel_size={kk} and dilation={dd}")
        for what, prefix, vals in (("kernel size", "k", sk), ("stride", "d", ss),
                                   ("dilation", "dilation", sd)):
            if any(v <= 0 for v in vals):
                raise RuntimeError(f"{what} should be greater than zero, but got " + " ".join(
                    f"{prefix}{c}: {v}" for c, v in zip(letters, vals)))
    sp = tuple(input.shape[-nd:])
    out = tuple(_pool_out(n, kk, pp, ss, dd, ceil_mode)
                for n, kk, pp, ss, dd in zip(sp, k, p, s, d))
    if any(o <= 0 for o in out):
        if fname == "max_pool1d":
            raise RuntimeError(f"max_pool1d() Invalid computed output size: {out[0]}")
        if fname == "avg_pool3d":
            raise RuntimeError(f"input image (T: {sp[0]} H: {sp[1]} W: {sp[2]}) smaller than "
                               f"kernel size (kT: {k[0]} kH: {k[1]} kW: {k[2]})")
        c = input.shape[-nd - 1]
        shown_in = (c,) + ((1,) if nd == 1 and fname == "avg_pool1d" else ()) + sp
        shown_out = (c,) + ((1,) if nd == 1 and fname == "avg_pool1d" else ()) + out
        raise RuntimeError(f"Given input size: ({'x'.join(str(v) for v in shown_in)}). "
                           f"Calculated output size: ({'x'.join(str(v) for v in shown_out)}). "
                           "Output size is too small")
    # padding beyond the right edge that ceil_mode's last window reaches
    extra = tuple(max(0, (o - 1) * ss + dd * (kk - 1) + 1 - (n + 2 * pp))
                  for o, ss, dd, kk, n, pp in zip(out, s, d, k, sp, p))
    return k, s, p, d, out, extra


def _flat_indices(arg, kernel, stride, padding, dilation, out, in_sp):
    """Flat input positions (over the spatial axes) of the window element `arg` (an offset
    index into the window, shape (..., *out)): each window's origin plus a table lookup of the
    element's offset from it, instead of integer division per element."""
    strides_in = [math.prod(in_sp[i + 1:]) for i in range(len(kernel))]
    origin = sum(((np.arange(o, dtype=np.int64) * s - p) * st).reshape(
        [o if j == i else 1 for j in range(len(out))])
        for i, (o, s, p, st) in enumerate(zip(out, stride, padding, strides_in)))
    offsets = sum(np.arange(k, dtype=np.int64).reshape([k if j == i else 1 for j in
                                                       range(len(kernel))]) * d * st
                  for i, (k, d, st) in enumerate(zip(kernel, dilation, strides_in)))
    return fnp.asarray(np.ravel(offsets))[arg] + origin


def _select_first_max(stacked, axis):
    """The maximum over `axis` of a stack of windows, differentiable through the first maximal
    element only (PyTorch's max pooling)."""
    arg = lax.argmax(stop_gradient(stacked), axis, np.int64)
    k = stacked.shape[axis]
    shape = [1] * stacked.ndim
    shape[axis] = k
    iota = np.arange(k, dtype=np.int64).reshape(shape)
    mask = lax.eq(lax.expand_dims(arg, (axis,)), iota)
    picked = lax.select(mask, stacked, _const(0, stacked))
    return lax.reduce_sum(picked, (axis,)), arg


def _first_max(wins, first_valid, fill):
    """The window position of each maximum, as PyTorch's max pooling picks it: the first
    maximal element, or the last NaN; `first_valid` (None without padding) is the first
    position that is not padding, which is kept when every element equals the fill. One
    elementwise pass per position, on strided views: no stacked copy, no argmax along a short
    axis."""
    floating = np.dtype(wins[0].dtype).kind == "f"
    # positions in the smallest integer type that holds them (uint8 for windows up to 255
    # elements): the passes below move 8x less memory than in int64
    pos = np.min_scalar_type(len(wins))
    if first_valid is None:
        m, arg, rest = wins[0], lax.full(wins[0].shape, 0, pos), range(1, len(wins))
    else:
        m, arg, rest = _const(fill, wins[0]), first_valid.astype(pos), range(len(wins))
    for i in rest:
        w = wins[i]
        better = lax.gt(w, m)
        if floating:
            better = lax.bitwise_or(better, lax.ne(w, w))
        m = lax.maximum(m, w)  # NaN wins, as `better` has it
        # positions only grow, so the latest better one is the maximum of them
        arg = lax.maximum(arg, lax.mul(better, pos.type(i)))  # bool * uint: i or 0
    return lax.convert_element_type(arg, np.int64)


def _first_valid(kernel, stride, padding, dilation, out, in_sp):
    """For each output position, the first window position (row-major) inside the input, and
    where a window lies entirely in the padding (it can, with dilation), None if nowhere."""
    first = np.zeros(tuple(out), np.int64)
    empty = np.zeros(tuple(out), bool)
    for i, (k, s, p, d, o, n) in enumerate(zip(kernel, stride, padding, dilation, out, in_sp)):
        y = np.arange(o, dtype=np.int64)
        off = np.maximum(0, -((y * s - p) // d))  # ceil((p - y s) / d), at least 0
        shape = [1] * len(out)
        shape[i] = o
        first = first + off.reshape(shape) * int(np.prod(kernel[i + 1:], dtype=np.int64))
        empty = empty | ((off >= k) | (y * s - p + off * d >= n)).reshape(shape)
    return first, (empty if empty.any() else None)


def _take_flat(x, idx, nd):
    """x[..., idx] over the flattened last `nd` axes: a gather, whose gradient is one
    scatter-add into the input."""
    lead = tuple(x.shape[:x.ndim - nd])
    rows, size = math.prod(lead), math.prod(x.shape[x.ndim - nd:])
    per_row = math.prod(idx.shape[len(lead):])
    base = np.arange(rows, dtype=np.int64).reshape(rows, 1) * size
    flat = lax.reshape(idx, (rows, per_row)) + base
    out = lax.reshape(x, (rows * size,))[lax.reshape(flat, (rows * per_row,))]
    return lax.reshape(out, tuple(idx.shape))


def _max_poolnd(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                name):
    k, s, p, d, out, extra = _pool_args(nd, input, kernel_size, stride, padding, dilation,
                                        ceil_mode, f"max_pool{nd}d")
    if nd == 1 and not input.dtype.is_floating_point:
        raise kernel_error("max_pool1d_impl", input.dtype)
    if input.dtype.name == "bool":
        raise kernel_error(f"max_pool{nd}d", input.dtype)
    lead = input.ndim - nd
    in_sp = tuple(input.shape[-nd:])
    dt = input.dtype
    fill = -np.inf if (dt.is_floating_point) else np.iinfo(dt.np).min

    padded = any(p) or any(extra)

    def fn(x):
        xp = stop_gradient(x)
        if padded:
            xp = lax.pad(xp, _const(fill, x), [(0, 0, 0)] * lead + [
                (pp, pp + e, 0) for pp, e in zip(p, extra)])
        wins = fg_nn._windows(xp, k, s, d)
        first, empty = _first_valid(k, s, p, d, out, in_sp) if padded else (None, None)
        idx = _flat_indices(_first_max(wins, first, fill), k, s, p, d, out, in_sp)
        if empty is None:
            return _take_flat(x, idx, nd), idx
        # PyTorch's index for a window of padding only points past the input; its value is the
        # fill, and no gradient flows there
        val = _take_flat(x, lax.select(empty, np.int64(0), idx), nd)
        return lax.select(empty, _const(fill, x), val), idx
    val, idx = apply_op(name, fn, [input])
    idx._requires_grad, idx.grad_fn = False, None
    return (val, idx) if return_indices else val


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_poolnd(1, input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices, "SqueezeBackward1")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_poolnd(2, input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices, "MaxPool2DWithIndicesBackward0")


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_poolnd(3, input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices, "MaxPool3DWithIndicesBackward0")


max_pool1d_with_indices = max_pool1d
max_pool2d_with_indices = max_pool2d
max_pool3d_with_indices = max_pool3d


def _avg_divisor(n, k, p, s, out, count_include_pad):
    starts = np.arange(out) * s - p
    ends = np.minimum(starts + k, n + p)
    size = ends - starts
    if count_include_pad:
        return size
    return np.minimum(ends, n) - np.maximum(starts, 0)


def _avg_poolnd(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override, name):
    k, s, p, d, out, extra = _pool_args(nd, input, kernel_size, stride, padding, 1, ceil_mode,
                                        f"avg_pool{nd}d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    lead = input.ndim - nd
    in_sp = tuple(input.shape[-nd:])
    integer = not (input.dtype.is_floating_point or input.dtype.is_complex)
    if divisor_override is not None:
        div = np.full(out, float(divisor_override))
    else:
        div = np.ones(out)
        for i in range(nd):
            v = _avg_divisor(in_sp[i], k[i], p[i], s[i], out[i], count_include_pad)
            shape = [1] * nd
            shape[i] = out[i]
            div = div * v.reshape(shape)

    def fn(x):
        if any(p) or any(extra):
            x = lax.pad(x, _const(0, x), [(0, 0, 0)] * lead + [
                (pp, pp + e, 0) for pp, e in zip(p, extra)])
        wins = fg_nn._windows(x, k, s, d)
        acc = wins[0]
        for w in wins[1:]:
            acc = acc + w
        if integer:  # PyTorch's integer average: the sum divided, truncated
            return lax.convert_element_type(
                fnp.trunc(lax.convert_element_type(acc, np.float64) / div), acc.dtype)
        return acc / _const(div, acc)
    return apply_op(name, fn, [input])


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _avg_poolnd(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       None, "SqueezeBackward1")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_poolnd(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override, "AvgPool2DBackward0")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_poolnd(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override, "AvgPool3DBackward0")


def _adaptive_out(nd, input, output_size, kind):
    """The output's spatial sizes (None: the input's) and the input's, with PyTorch's errors
    for output sizes of the wrong length or negative (worded by function)."""
    name = f"adaptive_{kind}_pool{nd}d"
    if not isinstance(output_size, (list, tuple)):
        sizes = (output_size,) * nd
    elif len(output_size) == 1:
        sizes = tuple(output_size) * nd
    elif len(output_size) != nd:
        if nd == 1:
            raise RuntimeError(f"{name}() argument 'output_size' should contain one int (got "
                               f"{len(output_size)})")
        raise RuntimeError(f"{name}: output_size must be {nd}" if kind == "avg" else
                           f"{name}(): internal error: output_size.size() must be {nd}")
    else:
        sizes = tuple(output_size)
    in_sp = tuple(input.shape[-nd:])
    out = tuple(in_sp[i] if sizes[i] is None else int(sizes[i]) for i in range(nd))
    if any(o < 0 for o in out):
        shown = ((1,) if nd == 1 else ()) + out  # the 1-d poolings run as 2-d ones
        if kind == "avg":
            raise RuntimeError(f"adaptive_avg_pool{max(nd, 2)}d: elements of output_size must "
                               f"be greater than or equal to 0 but received "
                               f"{{{', '.join(str(o) for o in shown)}}}")
        full = list(input.shape[:-nd]) + list(shown)
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{next(o for o in full if o < 0)}: {full}")
    return out, in_sp


def _adaptive_ranges(n, o):
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def _adaptive_check(nd, input, name):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {i} being empty")


def _adaptive_avg_poolnd(nd, input, output_size, name):
    _adaptive_check(nd, input, f"adaptive_avg_pool{nd}d")
    out, in_sp = _adaptive_out(nd, input, output_size, "avg")
    mats = []
    for n, o in zip(in_sp, out):
        start, end = _adaptive_ranges(n, o)
        cols = np.arange(n)
        m = ((cols >= start[:, None]) & (cols < end[:, None])) / (end - start)[:, None]
        mats.append(m)
    if nd == 2 and out == (1, 1) and input.ndim == 4:
        name = "MeanBackward1"

    def fn(x):
        lead = x.ndim - nd
        for i, m in enumerate(mats):
            ax = lead + i
            # contract axis ax with m's input axis, then put the output axis back in place
            y = lax.dot_general(x, _const(m, x), (((ax,), (1,)), ((), ())))
            perm = list(range(ax)) + [x.ndim - 1] + list(range(ax, x.ndim - 1))
            x = lax.transpose(y, perm)
        return x
    return apply_op(name, fn, [input])


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg_poolnd(1, input, output_size, "SqueezeBackward1")


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg_poolnd(2, input, output_size, "AdaptiveAvgPool2DBackward0")


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg_poolnd(3, input, output_size, "AdaptiveAvgPool3DBackward0")


def _adaptive_max_poolnd(nd, input, output_size, return_indices, name):
    _adaptive_check(nd, input, f"adaptive_max_pool{nd}d")
    out, in_sp = _adaptive_out(nd, input, output_size, "max")
    idxs, kmax = [], []
    for n, o in zip(in_sp, out):
        start, end = _adaptive_ranges(n, o)
        km = int((end - start).max())
        # window positions, padded with the window's last position (it cannot change the max)
        pos = np.minimum(start[:, None] + np.arange(km), (end - 1)[:, None])
        idxs.append(pos)
        kmax.append(km)
    # broadcast to (*out, *kmax): axis i of out and axis nd+i of the window
    arrays = []
    for i, pos in enumerate(idxs):
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = pos.shape
        arrays.append(pos.reshape(shape))
    strides_in = [int(np.prod(in_sp[i + 1:], dtype=np.int64)) for i in range(nd)]
    flat_pos = sum(a * st for a, st in zip(arrays, strides_in))
    flat_pos = flat_pos.reshape(tuple(out) + (-1,))

    def fn(x):
        lead = x.ndim - nd
        w = x[(slice(None),) * lead + tuple(arrays)]
        w = lax.reshape(w, tuple(x.shape[:lead]) + tuple(out) + (int(np.prod(kmax)),))
        val, arg = _select_first_max(w, x.ndim)
        return val, arg
    val, arg = apply_op(name, fn, [input])
    a = arg._data
    if _is_storage(a):
        xp = backend.xp_of(a)
        table = xp.broadcast_to(xp.asarray(flat_pos), a.shape + (flat_pos.shape[-1],))
        idx_t = Tensor._make(xp.take_along_axis(table, a[..., None], -1)[..., 0].astype(np.int64))
    else:
        idx_t = arg
    return (val, idx_t) if return_indices else val


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive_max_poolnd(1, input, output_size, return_indices, "SqueezeBackward1")


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max_poolnd(2, input, output_size, return_indices,
                                "AdaptiveMaxPool2DBackward0")


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max_poolnd(3, input, output_size, return_indices,
                                "AdaptiveMaxPool3DBackward0")


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kw, kh = _pair(kernel_size)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (sign(out) * relu(abs_(out))).mul(kw * kh).pow(1.0 / norm_type)
