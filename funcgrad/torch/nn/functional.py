"""torch.nn.functional: layers, activations, pooling, normalization and losses.

Every function is one funcgrad computation passed to apply_op, recorded as one graph node named as
PyTorch names it (ConvolutionBackward0, MaxPool2DWithIndicesBackward0, NllLossBackward0, ...);
the derivatives are funcgrad's (no formulas here). Convolutions are im2col by strided slices and
one dot_general; pooling takes the same windows; max pooling selects the first maximal element of
each window, as PyTorch does (so ties send the whole gradient to one element)."""
from __future__ import annotations

import itertools
import math
import numbers
import warnings

import numpy as np

from ..._api import stop_gradient
from ... import lax
from ... import nn as fg_nn
from ... import numpy as fnp
from ..._core import backend
from .. import _dtypes as D
from .. import _ops
from .._dispatch import apply_op, is_storage as _is_storage, value_of as _value_of
from .._grad_mode import no_grad
from .._size import storage_on as _storage_on
from .._tensor import Tensor, _dim, host_values as _host_values

# ---- helpers -----------------------------------------------------------------------------------


def _ntuple(n, name=None):
    def parse(x):
        if isinstance(x, (list, tuple)):
            if len(x) == 1 and n > 1:
                return tuple(int(v) for v in x) * n
            if len(x) != n:
                raise RuntimeError(f"{name or 'argument'} must be an int or a tuple of {n} ints, "
                                   f"got {tuple(x)}")
            return tuple(int(v) for v in x)
        return (int(x),) * n
    return parse


_single, _pair, _triple = _ntuple(1), _ntuple(2), _ntuple(3)


def _legacy_reduction(size_average, reduce, stacklevel=3):
    """The reduction that the deprecated size_average/reduce arguments stand for, with
    PyTorch's warning."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", stacklevel=stacklevel + 1)
    return ret


def _reduction(size_average, reduce, reduction, stacklevel=3):
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce, stacklevel)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=stacklevel)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(v, reduction):
    if reduction == "mean":
        return fnp.mean(v)
    if reduction == "sum":
        return fnp.sum(v)
    return v


def _const(c, like):
    """A numpy constant in the dtype of the funcgrad value `like`."""
    return np.asarray(c, dtype=like.dtype)


def _type_long(t):
    from .._tensor import _type_name
    return _type_name(t.dtype)


def _check_same_dtype(a, b, what="weight"):
    if b is not None and a.dtype is not b.dtype:
        raise RuntimeError(f"Input type ({_cname(a.dtype)}) and {what} type ({_cname(b.dtype)}) "
                           "should be the same")


def _cname(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half"}.get(d.name, d.name)


def _size_str(t):
    return f"torch.Size({list(t.shape)})"


# ---- linear ------------------------------------------------------------------------------------

def linear(input, weight, bias=None):
    if input.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D "
                           f"and {weight.ndim}D")
    k = input.shape[-1]
    if weight.ndim == 2 and weight.shape[1] != k:
        rows = input.numel() // k if k else 0
        rows = 1 if input.ndim == 1 else rows
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{_type_long(input)} and {_type_long(weight)}")
    nd = input.ndim
    if nd == 2:
        name = "AddmmBackward0" if bias is not None else "MmBackward0"
    elif nd == 1:
        name = "ViewBackward0" if bias is not None else "SqueezeBackward4"
    else:
        name = "ViewBackward0" if bias is not None else "UnsafeViewBackward0"

    def fn(b, x, w):
        y = lax.dot_general(x, w, (((x.ndim - 1,), (w.ndim - 1,)), ((), ())))
        return y if b is None else y + b
    # bias first: AddmmBackward0's next_functions start with the bias, as PyTorch's do
    return apply_op(name, fn, [bias, input, weight])


def bilinear(input1, input2, weight, bias=None):
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")

    def fn(x1, x2, w, b):
        y = fnp.einsum("...i,oij,...j->...o", x1, w, x2)
        return y if b is None else y + b
    return apply_op("AddBackward0" if bias is not None else "ViewBackward0", fn,
                    [input1, input2, weight, bias])


# ---- convolution -------------------------------------------------------------------------------

def _windows(x, lead, kernel, stride, dilation, out):
    """The kernel-offset windows of x (already padded): one strided slice per offset, each of
    shape x.shape[:lead] + out, in row-major offset order."""
    head = tuple(x.shape[:lead])
    wins = []
    for offs in itertools.product(*[range(k) for k in kernel]):
        start = (0,) * lead + tuple(o * d for o, d in zip(offs, dilation))
        limit = head + tuple(o * d + s * (n - 1) + 1
                             for o, d, s, n in zip(offs, dilation, stride, out))
        wins.append(lax.slice(x, start, limit, (1,) * lead + tuple(stride)))
    return wins


def _stack(wins, axis):
    return lax.concatenate([lax.expand_dims(w, (axis,)) for w in wins], axis) if len(wins) > 1 \
        else lax.expand_dims(wins[0], (axis,))


def _conv_value(x, w, b, stride, pads, dilation, groups):
    """N-d convolution (cross-correlation) of x (N, C, *sp) with w (O, C/groups, *k)."""
    nd = len(stride)
    y = lax.conv_general_dilated(x, w, stride, pads, None, dilation, groups)
    if b is not None:
        y = y + lax.reshape(b, (1, w.shape[0]) + (1,) * nd)
    return y


def _conv_pads(padding, kernel, dilation, stride, nd, fname):
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            return pads
        raise RuntimeError(f"Invalid padding string '{padding}'")
    p = _ntuple(nd)(padding)
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return [(v, v) for v in p]


def _convnd(nd, input, weight, bias, stride, padding, dilation, groups):
    fname = f"conv{nd}d"
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{fname}, but got input of size: {list(input.shape)}")
    if weight.ndim != nd + 2:
        raise RuntimeError("weight should have at least three dimensions")
    batched = input.ndim == nd + 2
    stride, dilation = _ntuple(nd)(stride), _ntuple(nd)(dilation)
    kernel = tuple(weight.shape[2:])
    pads = _conv_pads(padding, kernel, dilation, stride, nd, fname)
    shape = tuple(input.shape) if batched else (1,) + tuple(input.shape)
    c = shape[1]
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if c != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
                           f"input{list(shape)} to have {weight.shape[1] * groups} channels, but "
                           f"got {c} channels instead")
    if weight.shape[0] % groups:
        raise RuntimeError("Given groups=%d, expected weight to be divisible by %d at dimension 0, "
                           "but got weight of size %s instead" % (groups, groups,
                                                                  list(weight.shape)))
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {weight.shape[0]} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    padded = [shape[2 + i] + lo + hi for i, (lo, hi) in enumerate(pads)]
    eff = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(str(p) for p in padded)}). Kernel size: "
                           f"({' x '.join(str(e) for e in eff)}). Kernel size can't be greater "
                           "than actual input size")
    return _apply_conv(input, weight, bias, batched,
                       lambda x, w, b: _conv_value(x, w, b, stride, pads, dilation, groups))


def _apply_conv(input, weight, bias, batched, conv):
    """conv(x, w, b), a convolution of a batch, applied to `input`, which may lack the batch
    axis (PyTorch's unbatched call)."""
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"Input type ({_type_long(input)}) and weight type "
                           f"({_type_long(weight)}) should be the same")

    def fn(x, w, b):
        y = conv(x if batched else lax.expand_dims(x, (0,)), w, b)
        return y if batched else lax.squeeze(y, (0,))
    return apply_op("ConvolutionBackward0" if batched else "SqueezeBackward1", fn,
                    [input, weight, bias])


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd(3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose_value(x, w, b, stride, padding, output_padding, groups, dilation):
    """The transposed convolution: a convolution of the stride-dilated input with the kernel's
    in/out channels swapped (per group) and its window reversed."""
    nd = len(stride)
    kernel = tuple(w.shape[2:])
    cin, cog = w.shape[0], w.shape[1]
    g = groups
    pads = [(d * (k - 1) - p, d * (k - 1) - p + op)
            for k, p, op, d in zip(kernel, padding, output_padding, dilation)]
    wr = lax.reshape(w, (g, cin // g, cog) + kernel)
    wr = lax.transpose(wr, (0, 2, 1) + tuple(range(3, 3 + nd)))
    wr = lax.reshape(wr, (g * cog, cin // g) + kernel)
    wr = lax.rev(wr, tuple(range(2, 2 + nd)))
    y = lax.conv_general_dilated(x, wr, (1,) * nd, pads, stride, dilation, g)
    if b is not None:
        y = y + lax.reshape(b, (1, g * cog) + (1,) * nd)
    return y


def _conv_transposend(nd, input, weight, bias, stride, padding, output_padding, groups,
                      dilation):
    fname = f"conv_transpose{nd}d"
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{fname}, but got input of size: {list(input.shape)}")
    batched = input.ndim == nd + 2
    stride, padding = _ntuple(nd)(stride), _ntuple(nd)(padding)
    output_padding, dilation = _ntuple(nd)(output_padding), _ntuple(nd)(dilation)
    c = input.shape[1 if batched else 0]
    if c != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape if batched else (1,) + tuple(input.shape))} "
                           f"to have {weight.shape[0]} channels, but got {c} channels instead")
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= s and op >= d:
            raise RuntimeError("output padding must be smaller than either stride or dilation, "
                               f"but got output_padding_height: {output_padding[0]} "
                               f"output_padding_width: {output_padding[-1]} stride_height: "
                               f"{stride[0]} stride_width: {stride[-1]} dilation_height: "
                               f"{dilation[0]} dilation_width: {dilation[-1]}")
    return _apply_conv(input, weight, bias, batched, lambda x, w, b: _conv_transpose_value(
        x, w, b, stride, padding, output_padding, groups, dilation))


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transposend(1, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transposend(2, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transposend(3, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


# ---- pooling -----------------------------------------------------------------------------------

def _pool_out(n, k, p, s, d, ceil_mode):
    num = n + 2 * p - d * (k - 1) - 1 + ((s - 1) if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _pool_args(nd, input, kernel_size, stride, padding, dilation, ceil_mode, fname):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{fname}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with "
                           f"optional 0 dim batch size for input, but got: {list(input.shape)}")
    k = _ntuple(nd)(kernel_size)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else _ntuple(nd)(stride)
    p, d = _ntuple(nd)(padding), _ntuple(nd)(dilation)
    for kk, pp, dd in zip(k, p, d):
        if pp > (dd * (kk - 1) + 1) // 2 if fname.startswith("max") else pp > kk // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pp}, kernel_size={kk} and dilation={dd}"
                               if fname.startswith("max") else
                               "pad should be smaller than or equal to half of kernel size, but "
                               f"got padW = {p[-1]}, padH = {p[0]}, kW = {k[-1]}, kH = {k[0]}")
    if any(v <= 0 for v in s):
        raise RuntimeError("stride should be greater than zero, but got "
                           + ", ".join(f"d{i}: {v}" for i, v in enumerate(s)))
    sp = tuple(input.shape[-nd:])
    out = tuple(_pool_out(n, kk, pp, ss, dd, ceil_mode)
                for n, kk, pp, ss, dd in zip(sp, k, p, s, d))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size: ({'x'.join(str(v) for v in input.shape[-nd - 1:])})"
                           f". Calculated output size: ({input.shape[-nd - 1]}x"
                           f"{'x'.join(str(o) for o in out)}). Output size is too small")
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


def _select_first_max(wins, axis):
    """The maximum over `axis` of a stack of windows, differentiable through the first maximal
    element only (PyTorch's max pooling)."""
    stacked = _stack(wins, axis) if isinstance(wins, list) else wins
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
        wins = _windows(xp, lead, k, s, d, out)
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
        wins = _windows(x, lead, k, s, d, out)
        acc = wins[0]
        for w in wins[1:]:
            acc = acc + w
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


def _adaptive_out(nd, input, output_size):
    sizes = _ntuple(nd)(output_size) if not isinstance(output_size, (list, tuple)) else \
        tuple(output_size) * (nd if len(output_size) == 1 else 1)
    in_sp = tuple(input.shape[-nd:])
    return tuple(in_sp[i] if sizes[i] is None else int(sizes[i]) for i in range(nd)), in_sp


def _adaptive_ranges(n, o):
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def _adaptive_check(nd, input, name):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                           f"{list(input.shape)}")
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {i} being empty")


def _adaptive_avg_poolnd(nd, input, output_size, name):
    _adaptive_check(nd, input, f"adaptive_avg_pool{nd}d")
    out, in_sp = _adaptive_out(nd, input, output_size)
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
    out, in_sp = _adaptive_out(nd, input, output_size)
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


# ---- padding -----------------------------------------------------------------------------------

def pad(input, pad, mode="constant", value=None):
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{input.ndim}")
    n = len(pad) // 2
    widths = [(0, 0)] * (input.ndim - n) + [(pad[2 * (n - 1 - i)], pad[2 * (n - 1 - i) + 1])
                                            for i in range(n)]
    if mode == "constant":
        v = 0 if value is None else value

        def fn(x):
            return lax.pad(x, _const(v, x), [(lo, hi, 0) for lo, hi in widths])
        return apply_op("ConstantPadNdBackward0", fn, [input])
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}.get(mode)
    if np_mode is None:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    # the padded tensor as a gather of the input (index arithmetic done by numpy's pad)
    grids = [np.pad(np.arange(s), w, mode=np_mode) for s, w in zip(input.shape, widths)]
    index = np.ix_(*grids)
    name = {"reflect": f"ReflectionPad{n}DBackward0", "replicate": f"ReplicationPad{n}DBackward0",
            "circular": "CopySlices"}[mode]
    return apply_op(name, lambda x: x[index], [input])


# ---- normalization -----------------------------------------------------------------------------

def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    if training:
        size = list(input.shape)
        prods = size[0]
        for v in size[2:]:
            prods *= v
        if prods == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {input.size()}")
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input.ndim < 2:
        raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")
    c = input.shape[1]
    for nm, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                  ("running_var", running_var)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{nm} should contain {c} elements not {t.numel()}")
    axes = (0,) + tuple(range(2, input.ndim))
    bshape = (1, c) + (1,) * (input.ndim - 2)
    use_batch = training or running_mean is None

    def fn(x, w, b, rm, rv):
        if use_batch:
            mean = fnp.mean(x, axis=axes, keepdims=True)
            var = fnp.mean(lax.integer_pow(x - mean, 2), axis=axes, keepdims=True)
        else:
            mean = lax.reshape(lax.convert_element_type(rm, x.dtype), bshape)
            var = lax.reshape(lax.convert_element_type(rv, x.dtype), bshape)
        y = (x - mean) * lax.rsqrt(var + eps)
        if w is not None:
            y = y * lax.reshape(w, bshape)
        if b is not None:
            y = y + lax.reshape(b, bshape)
        return y
    # the running statistics are read only in eval mode (in training they are updated below,
    # in place, which must not invalidate this operation's saved inputs)
    out = apply_op("NativeBatchNormBackward0", fn, [input, weight, bias,
                                                      None if use_batch else running_mean,
                                                      None if use_batch else running_var])
    if training and running_mean is not None:
        _update_running_stats(input, running_mean, running_var, momentum, axes)
    return out


def _update_running_stats(input, running_mean, running_var, momentum, axes):
    x = input._data
    if not _is_storage(x):
        from ... import numpy as xnp
        mean = stop_gradient(xnp.mean(x, axis=axes))
        n = int(np.prod(x.shape, dtype=np.int64)) // x.shape[1]
        var = stop_gradient(xnp.var(x, axis=axes)) * (n / max(n - 1, 1))
        running_mean._data = (1 - momentum) * running_mean._data + momentum * mean
        if running_var is not None:
            running_var._data = (1 - momentum) * running_var._data + momentum * var
        return
    n = x.size // x.shape[1]
    mean = x.mean(axis=axes, dtype=np.float64)
    var = x.var(axis=axes, dtype=np.float64) * (n / max(n - 1, 1))
    xp = backend.xp_of(x)
    with no_grad():
        rm = running_mean._data
        xp.copyto(rm, (1 - momentum) * rm + momentum * mean, casting="unsafe")
        running_mean._bump()
        if running_var is not None:
            rv = running_var._data
            xp.copyto(rv, (1 - momentum) * rv + momentum * var, casting="unsafe")
            running_var._bump()


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    axes = tuple(range(2, input.ndim))
    c = input.shape[1]
    bshape = (1, c) + (1,) * (input.ndim - 2)

    def fn(x, w, b):
        mean = fnp.mean(x, axis=axes, keepdims=True)
        var = fnp.mean(lax.integer_pow(x - mean, 2), axis=axes, keepdims=True)
        y = (x - mean) * lax.rsqrt(var + eps)
        if w is not None:
            y = y * lax.reshape(w, bshape)
        if b is not None:
            y = y + lax.reshape(b, bshape)
        return y
    return apply_op("NativeBatchNormBackward0", fn, [input, weight, bias])


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.ndim - k:]) != normalized_shape or input.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*, {', '.join(str(s) for s in normalized_shape)}], but "
                           f"got input of size{list(input.shape)}")
    axes = tuple(range(input.ndim - k, input.ndim))

    def fn(x, w, b):
        mean = fnp.mean(x, axis=axes, keepdims=True)
        var = fnp.mean(lax.integer_pow(x - mean, 2), axis=axes, keepdims=True)
        y = (x - mean) * lax.rsqrt(var + eps)
        if w is not None:
            y = y * w
        if b is not None:
            y = y + b
        return y
    return apply_op("NativeLayerNormBackward0", fn, [input, weight, bias])


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    size = [n * c // num_groups, num_groups] + list(input.shape[2:])
    prods = size[0]
    for v in size[2:]:
        prods *= v
    if prods == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {size}")
    shape = tuple(input.shape)
    bshape = (1, c) + (1,) * (input.ndim - 2)
    per_group = int(np.prod(shape[1:], dtype=np.int64)) // num_groups

    def fn(x, w, b):
        g = lax.reshape(x, (n, num_groups, per_group))
        mean = fnp.mean(g, axis=2, keepdims=True)
        var = fnp.mean(lax.integer_pow(g - mean, 2), axis=2, keepdims=True)
        y = lax.reshape((g - mean) * lax.rsqrt(var + eps), shape)
        if w is not None:
            y = y * lax.reshape(w, bshape)
        if b is not None:
            y = y + lax.reshape(b, bshape)
        return y
    return apply_op("NativeGroupNormBackward0", fn, [input, weight, bias])


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    dim = input.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    div = input.mul(input)
    c = input.shape[1]
    # average of squares over a window of `size` channels (zero padded), as PyTorch's
    div = div.unsqueeze(1)
    div = pad(div.reshape(div.shape[0], 1, c, -1), (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    div = div.reshape(input.shape)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    d = _dim(dim, input.ndim)

    def fn(x):
        if p == 2:
            nrm = lax.sqrt(fnp.sum(x * x, axis=d, keepdims=True))
        elif p == 1:
            nrm = fnp.sum(lax.abs(x), axis=d, keepdims=True)
        elif p == float("inf"):
            nrm = fnp.max(lax.abs(x), axis=d, keepdims=True)
        else:
            nrm = fnp.sum(lax.abs(x) ** p, axis=d, keepdims=True) ** (1.0 / p)
        return x / lax.maximum(nrm, _const(eps, x))
    return apply_op("DivBackward0", fn, [input])


# ---- dropout -----------------------------------------------------------------------------------

def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _mask(shape, p, input):
    """Dropout's scaled keep-mask (a numpy array) for `input`, from its device's generator."""
    from .._random import _gen
    if p == 1:
        return np.zeros(shape, input.dtype.np)
    keep = _gen(None, input.device).random(shape) >= p
    return (keep / (1 - p)).astype(input.dtype.np)


def _apply_mask(input, mask, inplace):
    if inplace:
        return input.mul_(Tensor._make(_storage_on(mask, input.device)))
    return apply_op("MulBackward0", lambda x: x * mask, [input])


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    return _apply_mask(input, _mask(tuple(input.shape), p, input), inplace)


def _feature_dropout(input, p, training, inplace):
    if not training or p == 0 or input.numel() == 0:
        return input
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _apply_mask(input, _mask(shape, p, input), inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D "
                           "input. Note that dropout1d exists to provide channel-wise dropout on "
                           "inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    if input.ndim == 2:
        return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)
    return _feature_dropout(input, p, training, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    inp_dim = input.ndim
    if inp_dim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {inp_dim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout2d "
                      "exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D "
                      "or 4D inputs).", stacklevel=2)
    if inp_dim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape (C, H, "
                      "W). To maintain the 1D channel-wise dropout behavior, please switch to "
                      "using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if input.ndim == 4:
        return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)
    return _feature_dropout(input, p, training, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    if not training or p == 0:
        return input
    from .._random import _gen
    alpha = 1.7580993408473766
    keep = (_gen(None, input.device).random(tuple(input.shape)) >= p).astype(input.dtype.np)
    a = (1 - p) * (1 + p * alpha ** 2)
    a = a ** -0.5
    b = (keep - 1) * alpha * a + alpha * a * p  # noqa: F841  (PyTorch's constants)
    bias = ((1 - keep) * (-alpha) * a + alpha * a * p).astype(input.dtype.np)
    scale = (keep * a).astype(input.dtype.np)
    out = apply_op("MulBackward0", lambda x: x * scale, [input])
    return apply_op("AddBackward0", lambda x: x + bias, [out])


# ---- sparse ------------------------------------------------------------------------------------

def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    num = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= num:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -num:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = num + padding_idx
    if input.dtype not in (D.int64, D.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{D.type_string(input)} instead (while checking arguments for "
                           "embedding)")
    idx = _host_values(input)
    if idx.size and (idx.min() < -num or idx.max() >= num):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm_(weight, idx, max_norm, norm_type)
    scale = None
    if padding_idx is not None or scale_grad_by_freq:
        scale = np.ones(idx.shape)
        if scale_grad_by_freq:
            uniq, inv, counts = np.unique(idx, return_inverse=True, return_counts=True)
            scale = scale / counts[inv.reshape(idx.shape)]
        if padding_idx is not None:
            scale = np.where(idx == padding_idx, 0.0, scale)
        scale = scale[..., None]

    def fn(w):
        rows = w[idx]
        if scale is None:
            return rows
        # the value of rows, with the gradient scaled (0 for padding_idx, 1/count by frequency)
        fixed = stop_gradient(rows)
        return fixed + (rows - fixed) * _const(scale, rows)
    return apply_op("EmbeddingBackward0", fn, [weight])


def _embedding_renorm_(weight, idx, max_norm, norm_type):
    w = weight._data
    rows = np.unique(idx)
    norms = np.linalg.norm(_host_values(weight)[rows].astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        scale = backend.xp_of(w).asarray(max_norm / (norms[big] + 1e-7))
        w[rows[big]] = (w[rows[big]] * scale[:, None]).astype(w.dtype)
        weight._bump()


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    if input.ndim == 2:
        bags = [input[i] for i in range(input.shape[0])]
    else:
        offs = offsets.tolist() + ([] if include_last_offset else [input.shape[0]])
        bags = [input[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]
    from .._shape_ops import stack
    outs = []
    for b in bags:
        e = embedding(b, weight, padding_idx, max_norm, norm_type)
        outs.append(e.sum(0) if mode == "sum" else e.mean(0) if mode == "mean" else e.max(0)[0])
    return stack(outs)


def one_hot(tensor, num_classes=-1):
    if tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = _host_values(tensor)
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        n = int(idx.max()) + 1
    else:
        n = num_classes
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if idx.size and idx.max() >= n:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _ops._host_result((idx[..., None] == np.arange(n)).astype(np.int64), tensor)


# ---- activations -------------------------------------------------------------------------------

def _act(name, value_fn, input, inplace=False):
    if inplace:
        input._check_inplace()
        src = input._snapshot() if input._requires_grad else input
        return input._write(apply_op(name, value_fn, [src]))
    return apply_op(name, value_fn, [input])


def relu(input, inplace=False):
    if not inplace:
        return _ops.relu(input)
    return _act("ReluBackward0", fg_nn.relu, input, inplace)


def relu_(input):
    return relu(input, inplace=True)


def threshold(input, threshold, value, inplace=False):
    # PyTorch's x <= threshold ? value : x: NaN stays, with its gradient
    return _act("ThresholdBackward0",
                lambda x: lax.select(lax.le(x, _const(threshold, x)), _const(value, x), x),
                input, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")

    def fn(x):
        lo, hi = _const(min_val, x), _const(max_val, x)
        return lax.select(lax.le(x, lo), lo, lax.select(lax.ge(x, hi), hi, x))
    return _act("HardtanhBackward0", fn, input, inplace)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input, alpha=1.0, inplace=False):
    def fn(x):
        pos = lax.gt(x, _const(0, x))
        neg = lax.select(pos, _const(0, x), x)  # no overflow in the unused branch
        return lax.select(pos, x, alpha * lax.expm1(neg))
    return _act("EluBackward0", fn, input, inplace)


def selu(input, inplace=False):
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

    def fn(x):
        pos = lax.gt(x, _const(0, x))
        neg = lax.select(pos, _const(0, x), x)
        return scale * lax.select(pos, x, alpha * lax.expm1(neg))
    return _act("EluBackward0", fn, input, inplace)


def celu(input, alpha=1.0, inplace=False):
    def fn(x):
        pos = lax.gt(x, _const(0, x))
        neg = lax.select(pos, _const(0, x), x)
        return lax.select(pos, x, alpha * lax.expm1(neg * (1 / alpha)))
    return _act("CeluBackward0", fn, input, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _act("LeakyReluBackward0",
                lambda x: lax.select(lax.gt(x, _const(0, x)), x, x * negative_slope), input,
                inplace)


def prelu(input, weight):
    c = weight.numel()

    def fn(x, w):
        if c > 1:
            w = lax.reshape(w, (c,) + (1,) * (x.ndim - 2)) if x.ndim >= 2 else w
        else:
            w = lax.reshape(w, ())
        return lax.select(lax.gt(x, _const(0, x)), x, x * w)
    return apply_op("PreluKernelBackward0", fn, [input, weight])


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    if training:
        from .._random import _gen
        a = _gen(None, input.device).uniform(lower, upper, tuple(input.shape)).astype(
            input.dtype.np)
        return _act("RreluWithNoiseBackward0",
                    lambda x: lax.select(lax.ge(x, _const(0, x)), x, x * a), input, inplace)
    return leaky_relu(input, (lower + upper) / 2, inplace)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")

    def fn(x):
        if approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            return 0.5 * x * (1 + lax.tanh(k * (x + 0.044715 * lax.integer_pow(x, 3))))
        from ...scipy.special import erf
        return 0.5 * x * (1 + erf(x * (1 / math.sqrt(2))))
    return apply_op("GeluBackward0", fn, [input])


def silu(input, inplace=False):
    return _act("SiluBackward0", lambda x: x * lax.logistic(x), input, inplace)


def mish(input, inplace=False):
    return _act("MishBackward0", lambda x: x * lax.tanh(_softplus_value(x, 1.0, 20.0)), input,
                inplace)


def hardswish(input, inplace=False):
    def fn(x):
        lo, hi = lax.le(x, _const(-3, x)), lax.ge(x, _const(3, x))
        return lax.select(lo, _const(0, x), lax.select(hi, x, x * (x + 3) / 6))
    return _act("HardswishBackward0", fn, input, inplace)


def hardsigmoid(input, inplace=False):
    def fn(x):
        lo, hi = lax.le(x, _const(-3, x)), lax.ge(x, _const(3, x))
        return lax.select(lo, _const(0, x), lax.select(hi, _const(1, x), x / 6 + 0.5))
    return _act("HardsigmoidBackward0", fn, input, inplace)


def sigmoid(input):
    return apply_op("SigmoidBackward0", lambda x: lax.logistic(x), [input])


def tanh(input):
    return apply_op("TanhBackward0", lambda x: lax.tanh(x), [input])


def logsigmoid(input):
    def fn(x):
        # -softplus(-x), stable
        return lax.minimum(x, _const(0, x)) - lax.log1p(lax.exp(-lax.abs(x)))
    return apply_op("LogSigmoidBackward0", fn, [input])


def _softplus_value(x, beta, threshold):
    bx = x * beta
    big = lax.gt(bx, _const(threshold, x))
    safe = lax.select(big, _const(0, x), bx)
    return lax.select(big, x, lax.log1p(lax.exp(safe)) / beta)


def softplus(input, beta=1.0, threshold=20.0):
    return apply_op("SoftplusBackward0", lambda x: _softplus_value(x, beta, threshold), [input])


def softsign(input):
    return apply_op("DivBackward0", lambda x: x / (1 + lax.abs(x)), [input])


def tanhshrink(input):
    return apply_op("SubBackward0", lambda x: x - lax.tanh(x), [input])


def softshrink(input, lambd=0.5):
    def fn(x):
        return lax.select(lax.gt(x, _const(lambd, x)), x - lambd,
                          lax.select(lax.lt(x, _const(-lambd, x)), x + lambd, _const(0, x)))
    return apply_op("SoftshrinkBackward0", fn, [input])


def hardshrink(input, lambd=0.5):
    def fn(x):
        keep = lax.gt(lax.abs(x), _const(lambd, x))
        return lax.select(keep, x, _const(0, x))
    return apply_op("HardshrinkBackward0", fn, [input])


def glu(input, dim=-1):
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _dim(dim, input.ndim)
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")

    def fn(x):
        a = lax.slice(x, (0,) * x.ndim, tuple(n // 2 if i == d else s
                                              for i, s in enumerate(x.shape)))
        b = lax.slice(x, tuple(n // 2 if i == d else 0 for i in range(x.ndim)), tuple(x.shape))
        return a * lax.logistic(b)
    return apply_op("GluBackward0", fn, [input])


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_args(name, input, dim, stacklevel, dtype):
    """(input in `dtype`, the normalized axis) as the softmax family takes them."""
    if dim is None:
        dim = _softmax_dim(name, input.ndim, stacklevel + 1)
    return (input if dtype is None else input.to(dtype)), _dim(dim, input.ndim)


def _softmax_value(x, d):
    e = fnp.exp(x - stop_gradient(fnp.max(x, axis=d, keepdims=True)))
    return e / fnp.sum(e, axis=d, keepdims=True)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    input, d = _softmax_args("softmax", input, dim, _stacklevel, dtype)
    return apply_op("SoftmaxBackward0", lambda x: _softmax_value(x, d), [input])


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    input, d = _softmax_args("softmin", input, dim, _stacklevel, dtype)
    return apply_op("SoftmaxBackward0", lambda x: _softmax_value(-x, d), [input])


def _log_softmax_value(x, d):
    s = x - stop_gradient(fnp.max(x, axis=d, keepdims=True))
    return s - fnp.log(fnp.sum(fnp.exp(s), axis=d, keepdims=True))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    input, d = _softmax_args("log_softmax", input, dim, _stacklevel, dtype)
    return apply_op("LogSoftmaxBackward0", lambda x: _log_softmax_value(x, d), [input])


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    nd = max(x1.ndim, x2.ndim)
    d = _dim(dim, nd)

    def fn(a, b):
        a, b = fnp.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape)), b
        b = fnp.broadcast_to(b, a.shape)
        na = lax.sqrt(fnp.sum(a * a, axis=d))
        nb = lax.sqrt(fnp.sum(b * b, axis=d))
        return fnp.sum(a * b, axis=d) / (lax.maximum(na, _const(eps, na))
                                         * lax.maximum(nb, _const(eps, nb)))
    return apply_op("SumBackward1", fn, [x1, x2])


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    def fn(a, b):
        diff = a - b + eps
        if p == 2:
            return lax.sqrt(fnp.sum(diff * diff, axis=-1, keepdims=keepdim))
        return fnp.sum(lax.abs(diff) ** p, axis=-1, keepdims=keepdim) ** (1.0 / p)
    return apply_op("NormBackward1", fn, [x1, x2])


# ---- losses ------------------------------------------------------------------------------------

def _warn_size(input, target, stacklevel=3):
    if target.size() != input.size():
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input "
                      f"size ({input.size()}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.",
                      stacklevel=stacklevel)


def _bcast(x, y):
    shape = np.broadcast_shapes(tuple(x.shape), tuple(y.shape))
    return fnp.broadcast_to(x, shape), fnp.broadcast_to(y, shape)


def _weighted(err, w, reduction):
    e = err * w
    if reduction == "none":
        return e
    if reduction == "sum":
        return fnp.sum(e)
    return fnp.sum(e) / fnp.sum(w)


def _as_float(target, input):
    """PyTorch promotes the target to the input's dtype in regression losses."""
    if not isinstance(target, Tensor):
        from .._factories import tensor
        target = tensor(target, dtype=input.dtype)
    return target


def _pointwise_loss_args(input, target, size_average, reduce, reduction, weight):
    """The reduction of mse_loss and l1_loss, after PyTorch's size warning and weight check."""
    _warn_size(input, target, stacklevel=4)
    reduction = _reduction(size_average, reduce, reduction, stacklevel=4)
    if weight is not None and weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    return reduction


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _pointwise_loss_args(input, target, size_average, reduce, reduction, weight)

    def fn(x, y, w):
        x, y = _bcast(x, y)
        err = lax.integer_pow(x - y, 2)
        return _reduce(err, reduction) if w is None else _weighted(err, w, reduction)
    name = "MseLossBackward0" if weight is None else {
        "none": "MulBackward0", "sum": "SumBackward0", "mean": "DivBackward0"}[reduction]
    return apply_op(name, fn, [input, target, weight])


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _pointwise_loss_args(input, target, size_average, reduce, reduction, weight)

    def fn(x, y, w):
        x, y = _bcast(x, y)
        err = lax.abs(x - y)
        return _reduce(err, reduction) if w is None else _weighted(err, w, reduction)
    name = ({"none": "AbsBackward0", "sum": "SumBackward0", "mean": "MeanBackward0"}
            if weight is None else {"none": "MulBackward0", "sum": "SumBackward0",
                                    "mean": "DivBackward0"})[reduction]
    return apply_op(name, fn, [input, target, weight])


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)

    def fn(x, y):
        x, y = _bcast(x, y)
        z = lax.abs(x - y)
        small = lax.lt(z, _const(beta, z))
        return _reduce(lax.select(small, 0.5 * z * z / beta, z - 0.5 * beta), reduction)
    return apply_op("SmoothL1LossBackward0", fn, [input, target])


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _warn_size(input, target)
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None and weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")

    def fn(x, y, w):
        x, y = _bcast(x, y)
        z = lax.abs(x - y)
        small = lax.lt(z, _const(delta, z))
        err = lax.select(small, 0.5 * z * z, delta * (z - 0.5 * delta))
        if w is None:
            return _reduce(err, reduction)
        e = err * w
        return _reduce(e, reduction)
    name = "HuberLossBackward0" if weight is None else {
        "none": "MulBackward0", "sum": "SumBackward0", "mean": "MeanBackward0"}[reduction]
    return apply_op(name, fn, [input, target, weight])


def _class_dim_checks(input, target, weight, fname):
    """(N, C, d1, ...) input with (N, d1, ...) class targets; unbatched (C,) with ()."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim == 1:
        if target.ndim != 0:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        return 0
    if input.shape[0] != target.shape[0] if target.ndim else True:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.ndim else 0}).")
    if input.ndim == 2 and target.ndim != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim > 2 and tuple(target.shape) != (input.shape[0],) + tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {[input.shape[0]] + list(input.shape[2:])}, "
                           f"got {list(target.shape)}")
    c = input.shape[1]
    if weight is not None and (weight.ndim != 1 or weight.numel() != c):
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    return 1


def _nll_value(logp, tgt, w, ignore_index, reduction, cdim):
    """-logp[target] per element (weighted; 0 where ignored), reduced as PyTorch's nll_loss.
    `tgt` is a numpy array or (under torch.func transforms) a traced one: the class is picked
    by comparison with the class indices, so both work."""
    moved = logp if cdim == 0 else fnp.moveaxis(logp, 1, -1)  # classes last
    c = moved.shape[-1]
    onehot = lax.eq(fnp.expand_dims(tgt, -1), np.arange(c, dtype=np.int64))
    zero = _const(0, moved)
    picked = fnp.sum(lax.select(onehot, moved, zero), axis=-1)
    keep = lax.ne(tgt, np.int64(ignore_index))
    wt = lax.convert_element_type(keep, logp.dtype)
    if w is not None:
        wc = lax.convert_element_type(w, logp.dtype)
        wt = wt * fnp.sum(lax.select(onehot, fnp.broadcast_to(wc, onehot.shape), zero),
                          axis=-1)
    loss = -picked * wt
    if reduction == "none":
        return loss
    if reduction == "sum":
        return fnp.sum(loss)
    if isinstance(tgt, np.ndarray):
        if not (tgt != ignore_index).any():
            # nothing counted: PyTorch's nan, with a zero gradient (no 0/0 on the way)
            return fnp.sum(loss) * 0 + _const(np.nan, loss)
        return fnp.sum(loss) / fnp.sum(wt)
    # a GPU's (or a traced) target, not looked at on the host: the same, computed there
    total = fnp.sum(wt)
    none = lax.eq(total, _const(0, total))
    return lax.select(none, _const(np.nan, total),
                      fnp.sum(loss) / lax.select(none, _const(1, total), total))


def _target_value(target):
    d = target._data
    return _value_of(target) if not isinstance(d, np.ndarray) else np.asarray(d, np.int64)


def _check_targets(tgt, c, ignore_index):
    if not isinstance(tgt, np.ndarray):
        return  # traced (torch.func): not checkable here
    bad = (tgt != ignore_index) & ((tgt < 0) | (tgt >= c))
    if bad.any():
        raise IndexError(f"Target {int(tgt[bad].flat[0])} is out of bounds.")


def _nll_name(ndim, reduction):
    # PyTorch's nll_loss_nd: 2-D kernel for 4-D input, other N-d inputs viewed as 4-D
    if ndim <= 2:
        return "NllLossBackward0"
    if ndim != 4 and reduction == "none":
        return "ViewBackward0"
    return "NllLoss2DBackward0"


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    cdim = _class_dim_checks(input, target, weight, "nll_loss")
    if target.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Long but found {_type_long(target)}")
    tgt = _target_value(target)
    _check_targets(tgt, input.shape[cdim], ignore_index)
    name = _nll_name(input.ndim, reduction)
    return apply_op(name, lambda x, w: _nll_value(x, tgt, w, ignore_index, reduction, cdim),
                    [input, weight])


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    cdim = 0 if input.ndim == 1 else 1
    c = input.shape[cdim] if input.ndim else 0
    if target.dtype.is_floating_point:
        # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f"Expected target size {list(input.shape)}, got "
                               f"{list(target.shape)}")
        if weight is not None and (weight.ndim != 1 or weight.numel() != c):
            raise RuntimeError(f"weight tensor should be defined either for all {c} classes or "
                               f"no classes but got weight tensor of shape: "
                               f"{list(weight.shape)}")
        wshape = tuple(c if i == cdim else 1 for i in range(input.ndim))
        n_rows = input.numel() // c if c else 0

        def fn(x, t, w):
            logp = _log_softmax_value(x, cdim)
            if label_smoothing > 0:
                t = t * (1 - label_smoothing) + label_smoothing / c
            prod = logp * t
            if w is not None:
                prod = prod * lax.reshape(w, wshape)
            if reduction == "mean":
                return -fnp.sum(prod) / n_rows
            if reduction == "sum":
                return -fnp.sum(prod)
            return -fnp.sum(prod, axis=cdim)
        return apply_op("DivBackward1" if reduction == "mean" else "NegBackward0", fn,
                        [input, target, weight])
    cdim = _class_dim_checks(input, target, weight, "cross_entropy")
    tgt = _target_value(target)
    _check_targets(tgt, c, ignore_index)
    wshape = tuple(c if i == cdim else 1 for i in range(input.ndim))

    def fn(x, w):
        logp = _log_softmax_value(x, cdim)
        nll = _nll_value(logp, tgt, w, ignore_index, reduction, cdim)
        if label_smoothing <= 0:
            return nll
        keep = lax.ne(tgt, np.int64(ignore_index))
        if w is not None:
            wc = lax.convert_element_type(w, logp.dtype)
            smooth = -fnp.sum(logp * lax.reshape(wc, wshape), axis=cdim)
        else:
            smooth = -fnp.sum(logp, axis=cdim)
        smooth = lax.select(keep, smooth, _const(0, smooth))
        if reduction == "mean":
            if w is not None:  # the weights of the counted targets
                onehot = lax.eq(fnp.expand_dims(tgt, -1), np.arange(c, dtype=np.int64))
                picked_w = lax.select(onehot, fnp.broadcast_to(wc, onehot.shape),
                                      _const(0, smooth))
                denom = fnp.sum(lax.select(fnp.expand_dims(keep, -1), picked_w,
                                           _const(0, smooth)))
            else:
                denom = fnp.sum(lax.convert_element_type(keep, smooth.dtype))
            ret = fnp.sum(smooth) / denom
        elif reduction == "sum":
            ret = fnp.sum(smooth)
        else:
            ret = smooth
        return (1 - label_smoothing) * nll + ret * (label_smoothing / c)
    name = "AddBackward0" if label_smoothing > 0 else _nll_name(input.ndim, reduction)
    return apply_op(name, fn, [input, weight])


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input "
                         f"size ({input.size()}) is deprecated. Please ensure they have the same "
                         "size.")
    x = input._data
    if isinstance(x, np.ndarray) and x.size and ((x < 0) | (x > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None:
        weight = weight.expand(np.broadcast_shapes(tuple(target.shape), tuple(weight.shape)))

    def fn(x, t, w):
        lo = _const(-100, x)
        logx = lax.maximum(lax.log(x), lo)
        log1mx = lax.maximum(lax.log1p(-x), lo)
        loss = -(t * logx + (1 - t) * log1mx)
        if w is not None:
            loss = loss * w
        return _reduce(loss, reduction)
    return apply_op("BinaryCrossEntropyBackward0", fn, [input, target, weight])


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")

    def fn(x, t, w, pw):
        # log(1 + exp(-|x|)) + max(-x, 0): log(1 + exp(-x)), stable
        lse = lax.log1p(lax.exp(-lax.abs(x))) + lax.maximum(-x, _const(0, x))
        if pw is not None:
            loss = (1 - t) * x + (1 + (pw - 1) * t) * lse
        else:
            loss = (1 - t) * x + lse
        if w is not None:
            loss = loss * w
        return _reduce(loss, reduction)
    return apply_op("BinaryCrossEntropyWithLogitsBackward0", fn,
                    [input, target, weight, pos_weight])


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        red = _reduction(size_average, reduce, reduction)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                          "the support size.'batchmean' divides only by the batch size, and "
                          "aligns with the KL div math definition.'mean' will be changed to "
                          "behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        red = "sum" if reduction == "batchmean" else _reduction(None, None, reduction)
    batch = input.shape[0] if input.ndim else 1

    def fn(x, t):
        if log_target:
            loss = lax.exp(t) * (t - x)
        else:
            tl = lax.select(lax.gt(t, _const(0, t)), t, _const(1, t))
            loss = lax.select(lax.gt(t, _const(0, t)), t * lax.log(tl), _const(0, t)) - t * x
        out = _reduce(loss, red)
        if reduction == "batchmean" and input.ndim:
            out = out / batch
        return out
    name = ("DivBackward0" if reduction == "batchmean" and input.ndim else
            {"none": "MulBackward0" if log_target else "SubBackward0", "sum": "SumBackward0",
             "mean": "MeanBackward0"}[red])
    return apply_op(name, fn, [input, target])


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or tuple(input1.shape) != tuple(input2.shape):
        raise RuntimeError(f"cosine_embedding_loss: Input1 and Input2 must have the same "
                           f"dimension, but got Input1 of size: {list(input1.shape)} and Input2 of "
                           f"size: {list(input2.shape)}")
    if input1.ndim not in (1, 2):
        raise RuntimeError(f"cosine_embedding_loss: Expected 1D or 2D tensor, but got "
                           f"{input1.ndim}D")
    tgt = _host_values(target)
    d = input1.ndim - 1
    eps = 1e-12

    def fn(a, b):
        prod = fnp.sum(a * b, axis=d)
        m1 = fnp.sum(a * a, axis=d) + eps
        m2 = fnp.sum(b * b, axis=d) + eps
        cos = prod / lax.sqrt(m1 * m2)
        zero = _const(0, cos)
        pos = lax.select(np.asarray(tgt == 1), 1 - cos, zero)
        neg = lax.select(np.asarray(tgt == -1), lax.maximum(cos - margin, zero), zero)
        return _reduce(pos + neg, reduction)
    name = {"none": "AddBackward0", "sum": "SumBackward0", "mean": "MeanBackward0"}[reduction]
    return apply_op(name, fn, [input1, input2])


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)

    def fn(a, b, y):
        return _reduce(lax.maximum(-y * (a - b) + margin, _const(0, a)), reduction)
    return apply_op("ClampMinBackward0" if reduction == "none" else
                    {"sum": "SumBackward0", "mean": "MeanBackward0"}[reduction], fn,
                    [input1, input2, target])


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    tgt = _host_values(target)

    def fn(x):
        zero = _const(0, x)
        loss = lax.select(np.asarray(tgt != 1), lax.maximum(margin - x, zero), zero) + \
            lax.select(np.asarray(tgt != -1), x, zero)
        return _reduce(loss, reduction)
    return apply_op("AddBackward0" if reduction == "none" else
                    {"sum": "SumBackward0", "mean": "MeanBackward0"}[reduction], fn, [input])


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    return apply_op("SoftMarginLossBackward0",
                    lambda x, y: _reduce(lax.log1p(lax.exp(-y * x)), reduction), [input, target])


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)

    def fn(x, t):
        loss = lax.exp(x) - t * x if log_input else x - t * lax.log(x + eps)
        if full:
            ts = lax.select(lax.gt(t, _const(1, t)), t, _const(1, t))
            st = ts * lax.log(ts) - ts + 0.5 * lax.log(2 * math.pi * ts)
            loss = loss + lax.select(lax.gt(t, _const(1, t)), st, _const(0, t))
        return _reduce(loss, reduction)
    return apply_op({"none": "SubBackward0", "sum": "SumBackward0",
                     "mean": "MeanBackward0"}[reduction], fn, [input, target])


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    reduction = _reduction(None, None, reduction)

    def fn(x, t, v):
        v = lax.maximum(v, _const(eps, v))
        loss = 0.5 * (lax.log(v) + lax.integer_pow(x - t, 2) / v)
        if full:
            loss = loss + 0.5 * math.log(2 * math.pi)
        return _reduce(loss, reduction)
    return apply_op({"none": "MulBackward0", "sum": "SumBackward0",
                     "mean": "MeanBackward0"}[reduction], fn, [input, target, var])


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)

    def dist(a, b):
        diff = a - b + eps
        return fnp.sum(lax.abs(diff) ** p, axis=-1) ** (1.0 / p)

    def fn(a, pz, n):
        dp, dn = dist(a, pz), dist(a, n)
        if swap:
            dn = lax.minimum(dn, dist(pz, n))
        return _reduce(lax.maximum(margin + dp - dn, _const(0, dp)), reduction)
    return apply_op({"none": "ClampMinBackward0", "sum": "SumBackward0",
                     "mean": "MeanBackward0"}[reduction], fn, [anchor, positive, negative])


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    tgt = _host_values(target)
    c = input.shape[-1]

    def fn(x, w):
        x2 = x if x.ndim == 2 else lax.expand_dims(x, (0,))
        t = tgt.reshape(-1)
        xy = x2[np.arange(x2.shape[0]), t][:, None]
        m = lax.maximum(margin - xy + x2, _const(0, x2))
        if p == 2:
            m = m * m
        if w is not None:
            m = m * lax.convert_element_type(w, x.dtype)[t][:, None]
        mask = np.arange(c)[None, :] != t[:, None]
        loss = fnp.sum(lax.select(mask, m, _const(0, m)), axis=1) / c
        loss = loss if x.ndim == 2 else loss[0]
        return _reduce(loss, reduction)
    return apply_op("MultiMarginLossBackward0", fn, [input, weight])


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)

    def fn(x, y, w):
        loss = -(y * logsig(x) + (1 - y) * logsig(-x))
        if w is not None:
            loss = loss * w
        loss = fnp.mean(loss, axis=x.ndim - 1)
        return _reduce(loss, reduction)

    def logsig(x):
        return lax.minimum(x, _const(0, x)) - lax.log1p(lax.exp(-lax.abs(x)))
    return apply_op({"none": "MeanBackward1", "sum": "SumBackward0",
                     "mean": "MeanBackward0"}[reduction], fn, [input, target, weight])


# ---- attention ---------------------------------------------------------------------------------

def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(Q K^T * scale + mask) V over the last two axes (PyTorch's math reference): a
    boolean mask keeps where True, a float mask is added; is_causal keeps j <= i."""
    L, S = query.shape[-2], key.shape[-2]
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    causal = np.tril(np.ones((L, S), dtype=bool)) if is_causal else None
    drop = None
    if dropout_p > 0.0:
        from .._random import _gen
        shape = np.broadcast_shapes(tuple(query.shape[:-1]), tuple(key.shape[:-2])) + (S,)
        drop = (_gen(None, query.device).random(shape) >= dropout_p) / (1 - dropout_p)
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        heads = Tensor._make(np.repeat(np.arange(key.shape[-3], dtype=np.int64), rep))
        key = key.index_select(key.ndim - 3, heads)  # each kv head serves `rep` query heads
        value = value.index_select(value.ndim - 3, heads)

    def fn(q, k, v, m):
        s = fnp.matmul(q, fnp.swapaxes(k, -1, -2)) * sc
        if causal is not None:
            s = lax.select(causal, s, _const(-np.inf, s))
        if m is not None:
            if m.dtype == np.bool_:
                s = lax.select(m, s, _const(-np.inf, s))
            else:
                s = s + lax.convert_element_type(m, s.dtype)
        e = fnp.exp(s - stop_gradient(fnp.max(s, axis=-1, keepdims=True)))
        p = e / fnp.sum(e, axis=-1, keepdims=True)
        if drop is not None:
            p = p * _const(drop, p)
        return fnp.matmul(p, v)
    return apply_op("UnsafeViewBackward0", fn, [query, key, value, attn_mask])


# ---- misc --------------------------------------------------------------------------------------

def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def pixel_shuffle(input, upscale_factor):
    r = upscale_factor
    *lead, c, h, w = input.shape
    oc = c // (r * r)
    x = input.reshape(*lead, oc, r, r, h, w)
    n = len(lead)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, oc, h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    r = downscale_factor
    *lead, c, h, w = input.shape
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    n = len(lead)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial axes: 'nearest', or the separable 'linear'/'bilinear'/'trilinear'
    (with align_corners), with PyTorch's source-coordinate conventions."""
    nd = input.ndim - 2
    linear_modes = {"linear": 1, "bilinear": 2, "trilinear": 3}
    if mode in linear_modes:
        if linear_modes[mode] != nd:
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                      f"{linear_modes[mode] + 2}D input")
    elif mode != "nearest":
        raise NotImplementedError(f"funcgrad.torch: interpolate mode={mode!r} is not supported "
                                  "(nearest, linear, bilinear, trilinear are)")
    elif align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None
                         else "either size or scale_factor should be defined")
    in_sp = tuple(input.shape[2:])
    if size is not None:
        out = _ntuple(nd)(size)
        given = [None] * nd
    else:
        sf = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else \
            [scale_factor] * nd
        out = tuple(int(math.floor(i * s)) for i, s in zip(in_sp, sf))
        given = [None if recompute_scale_factor else float(s) for s in sf]
    if mode == "nearest":
        scales = [1.0 / g if g else i / o for g, i, o in zip(given, in_sp, out)]
        grids = [np.minimum(np.floor(np.arange(o) * np.float32(sc)).astype(np.int64), i - 1)
                 for o, sc, i in zip(out, scales, in_sp)]
        index = (slice(None), slice(None)) + np.ix_(*grids)
        return apply_op(f"UpsampleNearest{nd}DBackward0", lambda x: x[index], [input])
    axes = []
    for k, (i, o, g) in enumerate(zip(in_sp, out, given)):
        dst = np.arange(o, dtype=np.float64)
        if align_corners:
            src = dst * ((i - 1) / (o - 1) if o > 1 else 0.0)
        else:
            sc = 1.0 / g if g else i / o
            src = np.maximum((dst + 0.5) * sc - 0.5, 0.0)
        i0 = np.minimum(np.floor(src).astype(np.int64), i - 1)
        i1 = np.minimum(i0 + 1, i - 1)
        lam = src - i0
        axes.append((i0, i1, lam))

    def fn(x):
        for k, (i0, i1, lam) in enumerate(axes):
            ax = 2 + k
            shape = [1] * x.ndim
            shape[ax] = lam.shape[0]
            w = _const(lam.reshape(shape), x)
            lo = x[(slice(None),) * ax + (i0,)]
            hi = x[(slice(None),) * ax + (i1,)]
            x = lo + (hi - lo) * w
        return x
    names = {1: "UpsampleLinear1DBackward0", 2: "UpsampleBilinear2DBackward0",
             3: "UpsampleTrilinear3DBackward0"}
    return apply_op(names[nd], fn, [input])


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def sign(x):
    return x.sign()


def abs_(x):
    return x.abs()
