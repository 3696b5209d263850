"""conv_general_dilated: N-d convolution (cross-correlation), layouts NC... (input, output) and
OI... (kernel), with strides, explicit padding, input (lhs) and kernel (rhs) dilation and feature
groups. The impl is im2col through a strided view and one batched matrix product; the vjp of each
operand is again a convolution (as in XLA/JAX), so every order of derivative works."""
from __future__ import annotations

import numpy as np

from .._core.avals import ShapedArray
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.primitive import Primitive, defjvp, defvjp
from .._core.trace import get_aval
from ..interpreters.codegen import FRESH
from ._batching import move_axis
from .shape import reshape, rev, transpose

conv_p = Primitive("conv_general_dilated")


def _dilate(n, d):
    return 0 if n == 0 else (n - 1) * d + 1


def _out_shape(lhs_shape, rhs_shape, strides, padding, lhs_dilation, rhs_dilation):
    sp = []
    for n, k, s, (lo, hi), ld, rd in zip(lhs_shape[2:], rhs_shape[2:], strides, padding,
                                         lhs_dilation, rhs_dilation):
        span = _dilate(n, ld) + lo + hi - _dilate(k, rd)
        sp.append(span // s + 1 if span >= 0 else 0)
    return (lhs_shape[0], rhs_shape[0]) + tuple(sp)


def _conv_impl(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
               feature_group_count):
    lhs, rhs = np.asarray(lhs), np.asarray(rhs)
    nsp = lhs.ndim - 2
    n, c = lhs.shape[:2]
    o, cg = rhs.shape[:2]
    g = feature_group_count
    dtype = np.result_type(lhs.dtype, rhs.dtype)
    if any(d > 1 for d in lhs_dilation):  # zeros between input elements
        big = np.zeros((n, c) + tuple(_dilate(d, ld) for d, ld in zip(lhs.shape[2:],
                                                                     lhs_dilation)), dtype)
        big[(slice(None), slice(None)) + tuple(slice(None, None, ld) for ld in lhs_dilation)] \
            = lhs
        lhs = big
    lo_cut = tuple(slice(-min(lo, 0), None if hi >= 0 else hi) for lo, hi in padding)
    lhs = lhs[(slice(None), slice(None)) + lo_cut]
    x = np.pad(lhs, [(0, 0), (0, 0)] + [(max(lo, 0), max(hi, 0)) for lo, hi in padding])
    out_sp = _out_shape((n, c) + x.shape[2:], rhs.shape, window_strides, [(0, 0)] * nsp,
                        [1] * nsp, rhs_dilation)[2:]
    window = rhs.shape[2:]
    st = x.strides
    view = np.lib.stride_tricks.as_strided(
        x, (n, g, cg) + tuple(out_sp) + tuple(window),
        (st[0], cg * st[1], st[1]) + tuple(st[2 + i] * window_strides[i] for i in range(nsp))
        + tuple(st[2 + i] * rhs_dilation[i] for i in range(nsp)), writeable=False)
    # (g, o / g, cg * window) @ (g, cg * window, n * out): the copy into columns runs along the
    # output positions, the input's own contiguous axis.
    axes = (1, 2) + tuple(range(3 + nsp, 3 + 2 * nsp)) + (0,) + tuple(range(3, 3 + nsp))
    # explicit sizes: with a size-0 window (or batch) numpy cannot infer a -1
    cols = view.transpose(axes).reshape(g, cg * int(np.prod(window)), n * int(np.prod(out_sp)))
    w = rhs.reshape(g, o // g, cg * int(np.prod(window)))
    out = np.matmul(w.astype(dtype, copy=False), cols.astype(dtype, copy=False))
    out = out.reshape((g, o // g, n) + tuple(out_sp))
    perm = (2, 0, 1) + tuple(range(3, 3 + nsp))
    return np.ascontiguousarray(out.transpose(perm)).reshape((n, o) + tuple(out_sp))


def _conv_abstract_eval(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                        feature_group_count):
    nsp = lhs.ndim - 2
    g = feature_group_count
    bad = None
    if lhs.ndim < 3 or rhs.ndim != lhs.ndim:
        bad = "lhs (N, C, *spatial) and rhs (O, C/groups, *window) need the same rank, >= 3"
    elif lhs.shape[1] != rhs.shape[1] * g or rhs.shape[0] % g:
        bad = (f"input channels {lhs.shape[1]} must equal kernel channels {rhs.shape[1]} times "
               f"feature_group_count {g}, and output channels {rhs.shape[0]} be divisible by it")
    elif not (len(window_strides) == len(padding) == len(lhs_dilation) == len(rhs_dilation)
              == nsp):
        bad = "strides, padding and dilations need one entry per spatial axis"
    if bad is None:
        # A window larger than the padded input gives an empty output, as in XLA.
        out = _out_shape(lhs.shape, rhs.shape, window_strides, padding, lhs_dilation,
                         rhs_dilation)
    if bad:
        raise ShapeError(f"conv_general_dilated of lhs {lhs.shape} and rhs {rhs.shape}: {bad}."
                         f"\n  at {user_frame()}\n" + doc_link("shapeerror"))
    return ShapedArray(out, np.result_type(lhs.dtype, rhs.dtype))


conv_p.impl = _conv_impl
conv_p.abstract_eval = _conv_abstract_eval
FRESH.add("conv_general_dilated")


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None,
                         rhs_dilation=None, feature_group_count=1):
    nsp = get_aval(lhs).ndim - 2
    return conv_p.bind(
        lhs, rhs, window_strides=tuple(int(s) for s in window_strides),
        padding=tuple((int(lo), int(hi)) for lo, hi in padding),
        lhs_dilation=tuple(lhs_dilation or (1,) * nsp),
        rhs_dilation=tuple(rhs_dilation or (1,) * nsp),
        feature_group_count=int(feature_group_count))


def _params(p):
    return (p["window_strides"], p["padding"], p["lhs_dilation"], p["rhs_dilation"],
            p["feature_group_count"])


def _transpose_lhs(ct, ans, lhs, rhs, **p):
    strides, padding, ld, rd, g = _params(p)
    nsp = len(strides)
    lhs_shape, k = get_aval(lhs).shape, get_aval(rhs).shape
    pads = []
    for i in range(nsp):
        kd = _dilate(k[2 + i], rd[i])
        before = kd - padding[i][0] - 1
        after = (_dilate(lhs_shape[2 + i], ld[i]) + kd - 1
                 - _dilate(get_aval(ct).shape[2 + i], strides[i]) - before)
        pads.append((before, after))
    o, cg = k[:2]
    # Kernel for the transpose: in/out channels swapped within each group, window reversed.
    w = reshape(rhs, (g, o // g, cg) + k[2:])
    w = transpose(w, (0, 2, 1) + tuple(range(3, 3 + nsp)))
    w = reshape(w, (g * cg, o // g) + k[2:])
    w = rev(w, tuple(range(2, 2 + nsp)))
    return conv_general_dilated(ct, w, ld, pads, strides, rd, g)


def _transpose_rhs(ct, ans, lhs, rhs, **p):
    strides, padding, ld, rd, g = _params(p)
    nsp = len(strides)
    lhs_shape, k = get_aval(lhs).shape, get_aval(rhs).shape
    ct_shape = get_aval(ct).shape
    pads = []
    for i in range(nsp):
        lo, hi = padding[i]
        from_lhs = _dilate(ct_shape[2 + i], strides[i]) - _dilate(lhs_shape[2 + i], ld[i])
        from_rhs = _dilate(k[2 + i], rd[i]) - lo - 1
        pads.append((lo, from_lhs + from_rhs))
    n, c = lhs_shape[:2]
    o, cg = k[:2]
    perm = (1, 0) + tuple(range(2, 2 + nsp))
    groups = []
    for gi in range(g):  # one correlation per group: inputs (C/g, N, ...), outputs (O/g, N, ...)
        x = transpose(_channels(lhs, gi * cg, cg), perm)
        d = transpose(_channels(ct, gi * (o // g), o // g), perm)
        r = conv_general_dilated(x, d, rd, pads, ld, strides, 1)  # (C/g, O/g, *window)
        groups.append(transpose(r, perm))
    if g == 1:
        return groups[0]
    from .shape import concatenate
    return concatenate(groups, 0)


def _channels(x, start, size):
    from .shape import slice as _slice
    s = get_aval(x).shape
    return _slice(x, (0, start) + (0,) * (len(s) - 2), (s[0], start + size) + s[2:])


defvjp(conv_p, _transpose_lhs, _transpose_rhs)
defjvp(conv_p,
       lambda t, ans, lhs, rhs, **p: conv_p.bind(t, rhs, **p),
       lambda t, ans, lhs, rhs, **p: conv_p.bind(lhs, t, **p))


def _conv_batch(args, dims, **p):
    (lhs, rhs), (ldim, rdim) = args, dims
    g = p["feature_group_count"]
    if rdim is None:
        # Fold the batch into N.
        lhs = move_axis(lhs, ldim, 0)
        b, n = get_aval(lhs).shape[:2]
        out = conv_p.bind(reshape(lhs, (b * n,) + get_aval(lhs).shape[2:]), rhs, **p)
        return reshape(out, (b, n) + get_aval(out).shape[1:]), 0
    # A kernel per batch element: B times the groups, the batch folded into the channels.
    rhs = move_axis(rhs, rdim, 0)
    b = get_aval(rhs).shape[0]
    o, cg = get_aval(rhs).shape[1:3]
    if ldim is None:
        from .shape import broadcast_in_dim
        ls = get_aval(lhs).shape
        lhs = broadcast_in_dim(lhs, (b,) + ls, tuple(range(1, len(ls) + 1)))
    else:
        lhs = move_axis(lhs, ldim, 0)
    ls = get_aval(lhs).shape  # (B, N, C, ...)
    nsp = len(ls) - 3
    x = reshape(transpose(lhs, (1, 0, 2) + tuple(range(3, 3 + nsp))),
                (ls[1], ls[0] * ls[2]) + ls[3:])
    w = reshape(rhs, (b * o, cg) + get_aval(rhs).shape[3:])
    out = conv_p.bind(x, w, **dict(p, feature_group_count=b * g))
    os_ = get_aval(out).shape
    return reshape(out, (os_[0], b, o) + os_[2:]), 1


conv_p.batch = _conv_batch
