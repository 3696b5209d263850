"""conv_general_dilated: N-d convolution (cross-correlation), layouts NC... (input, output) and
OI... (kernel), with strides, explicit padding, input (lhs) and kernel (rhs) dilation and feature
groups. The impl picks the cheaper of two exact algorithms: im2col (gather every window into
columns, one product) or, for transposed convolutions, col2im (one product, then scatter-add
its blocks). The vjp of each operand is again a convolution (as in XLA/JAX), so every order of
derivative works."""
from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .._core.array import Array
from .._core.backend import asarray, xp_of
from .._core.avals import ShapedArray
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.primitive import NO_ALGEBRA, PURE, RULE_FIRST, Primitive, defjvp, defvjp
from .._core.trace import get_aval
from .._core.typing import ArrayLike, Shape
from .._core.validate import argument_error, as_index, positive
from ._batching import move_axis
from .elementwise import convert_element_type
from .shape import (broadcast_in_dim, concatenate, full, reshape, rev, slice as _slice,
                    transpose)

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
    lhs, rhs = asarray(lhs), asarray(rhs)
    dtype = np.result_type(lhs.dtype, rhs.dtype)
    lhs, rhs = lhs.astype(dtype, copy=False), rhs.astype(dtype, copy=False)
    args = (lhs, rhs, padding, lhs_dilation, rhs_dilation, feature_group_count)
    out_sp = _out_shape(lhs.shape, rhs.shape, window_strides, padding, lhs_dilation,
                        rhs_dilation)[2:]
    if all(s == 1 for s in window_strides) and _scatter_is_cheaper(lhs.shape, rhs.shape, out_sp):
        return _conv_scatter(*args)
    return _conv_gather(*args, window_strides)


def _scatter_is_cheaper(lhs_shape, rhs_shape, out_sp):
    """Per kernel position, gathering copies C x (output positions) values and scattering adds
    into O x (input positions), a read-modify-write costing about twice a copy: transposed
    convolutions (vjps with respect to the input: few outputs, zero padding or dilated input)
    scatter, ordinary ones gather."""
    c, o = lhs_shape[1], rhs_shape[0]
    return 2 * o * math.prod(lhs_shape[2:]) < c * math.prod(out_sp)


def _conv_gather(lhs, rhs, padding, lhs_dilation, rhs_dilation, g, window_strides):
    """im2col: a strided view of every window, copied into columns, times the kernel."""
    xp = xp_of(lhs)
    nsp = lhs.ndim - 2
    n, c = lhs.shape[:2]
    o, cg = rhs.shape[:2]
    if any(d > 1 for d in lhs_dilation):  # zeros between input elements
        big = xp.zeros((n, c) + tuple(_dilate(d, ld) for d, ld in zip(lhs.shape[2:],
                                                                     lhs_dilation)), lhs.dtype)
        big[(slice(None), slice(None)) + tuple(slice(None, None, ld) for ld in lhs_dilation)] \
            = lhs
        lhs = big
    # Pad, then crop for negative padding (XLA's order: a crop may reach into the padding).
    x = _zero_pad(xp, lhs, [(max(lo, 0), max(hi, 0)) for lo, hi in padding])
    x = x[(slice(None), slice(None)) + tuple(slice(-min(lo, 0), max(d + min(hi, 0), 0))
                                             for (lo, hi), d in zip(padding, x.shape[2:]))]
    out_sp = _out_shape((n, c) + x.shape[2:], rhs.shape, window_strides, [(0, 0)] * nsp,
                        [1] * nsp, rhs_dilation)[2:]
    window = rhs.shape[2:]
    st = x.strides
    # Only ever read (so no writeable=False, which CuPy's as_strided does not take).
    view = xp.lib.stride_tricks.as_strided(
        x, (n, g, cg) + tuple(out_sp) + tuple(window),
        (st[0], cg * st[1], st[1]) + tuple(st[2 + i] * window_strides[i] for i in range(nsp))
        + tuple(st[2 + i] * rhs_dilation[i] for i in range(nsp)))
    k, m = cg * math.prod(window), math.prod(out_sp)  # explicit: a size 0 defeats -1
    w = rhs.reshape(g, o // g, k)
    out_axes, win_axes = tuple(range(3, 3 + nsp)), tuple(range(3 + nsp, 3 + 2 * nsp))
    # The copy into columns is fastest along the longer contiguous run of the input: the
    # output positions (ordinary convolutions) or the window (a weight gradient, whose
    # "window" is the whole output).
    run_out = out_sp[-1] if window_strides[-1] == 1 else 1
    run_win = window[-1] if rhs_dilation[-1] == 1 else 1
    if run_win > run_out:
        # A few input channels at a time, their products summed: columns that stay in cache.
        # Half the usual chunk: each product reads its columns along their long axis (the
        # window), and a chunk that stays in L2 beside the output runs 1.5-2x faster (weight
        # gradients of LeNet-sized layers).
        win = math.prod(window)
        out = xp.zeros((g, o // g, n * m), lhs.dtype)
        step = max(1, _columns_chunk(xp) // 2 // max(g * n * m * win, 1))
        for a in range(0, cg, step):
            cc = min(step, cg - a)
            cols = view[:, :, a:a + cc].transpose((1, 0) + out_axes + (2,) + win_axes)
            out += xp.matmul(w[:, :, a * win:(a + cc) * win],
                             cols.reshape(g, n * m, cc * win).transpose(0, 2, 1))
        out = out.reshape((g, o // g, n) + tuple(out_sp))
        return xp.ascontiguousarray(out.transpose((2, 0, 1) + out_axes)).reshape(
            (n, o) + out_sp)
    # A few examples at a time, so that their columns stay in cache between the copy and the
    # product, and the product writes the output in place.
    out = xp.empty((n, g, o // g, m), lhs.dtype)
    step = max(1, _columns_chunk(xp) // max(g * k * m, 1))
    for a in range(0, n, step):
        cols = view[a:a + step].transpose((0, 1, 2) + win_axes + out_axes)
        xp.matmul(w, cols.reshape(min(step, n - a), g, k, m), out=out[a:a + step])
    return out.reshape((n, o) + out_sp)


def _zero_pad(xp, x, pads):
    """x with (low, high) zeros around each spatial axis: one zero fill and one copy, a few
    times faster than np.pad's general routine for these small arrays (x itself without any)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    out = xp.zeros(x.shape[:2] + tuple(d + lo + hi for d, (lo, hi) in zip(x.shape[2:], pads)),
                   x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(lo, lo + d) for d, (lo, _) in
                                           zip(x.shape[2:], pads))] = x
    return out


def _columns_chunk(xp):
    """Elements of im2col columns per product: 0.5 MB of float32 on the CPU, to stay in cache;
    on a GPU, where each product is a kernel launch, up to 256 MB."""
    return 1 << 17 if xp is np else 1 << 26


def _conv_scatter(lhs, rhs, padding, lhs_dilation, rhs_dilation, g):
    """col2im, for unit window strides: every input element times every kernel position in one
    product, then one strided add per kernel position into the output. Input element p lands
    at padding_lo + p * lhs_dilation - k * rhs_dilation for kernel position k."""
    xp = xp_of(lhs)
    nsp = lhs.ndim - 2
    n = lhs.shape[0]
    o, cg = rhs.shape[:2]
    window, in_sp = rhs.shape[2:], lhs.shape[2:]
    kk, p = math.prod(window), math.prod(in_sp)
    # (g, o/g * window, cg) @ (g, cg, n * in): every product of a weight and an input element,
    # laid out so that each kernel position's block, read by one add, is contiguous
    w = rhs.reshape((g, o // g, cg, kk)).transpose(0, 1, 3, 2).reshape(g, o // g * kk, cg)
    x = lhs.reshape((n, g, cg, p)).transpose(1, 2, 0, 3).reshape(g, cg, n * p)
    prod = xp.matmul(w, x).reshape((g, o // g) + window + (n,) + in_sp)
    # full[..., j] collects output position j - (window - 1) * rhs_dilation + padding_lo
    reach = [(k - 1) * rd for k, rd in zip(window, rhs_dilation)]
    full = xp.zeros((g, o // g, n) + tuple((q - 1) * ld + r + 1 if q else 0 for q, ld, r
                                           in zip(in_sp, lhs_dilation, reach)), lhs.dtype)
    lead = (slice(None),) * 3
    for pos in np.ndindex(*window) if n * p else ():
        at = tuple(slice(r - k * rd, r - k * rd + (q - 1) * ld + 1, ld) for r, k, rd, q, ld
                   in zip(reach, pos, rhs_dilation, in_sp, lhs_dilation))
        full[lead + at] += prod[lead[:2] + pos]
    out_sp = tuple(_out_shape(lhs.shape, rhs.shape, (1,) * nsp, padding, lhs_dilation,
                              rhs_dilation)[2:])
    # output position y is full's y + reach - padding_lo: crop, and zeros where nothing lands
    shift = [r - lo for r, (lo, _) in zip(reach, padding)]
    ys = [(max(0, -sh), max(0, min(sz, f - sh))) for sh, sz, f in zip(shift, out_sp,
                                                                     full.shape[3:])]
    out = xp.zeros((n, g, o // g) + out_sp, lhs.dtype)
    if all(y1 > y0 for y0, y1 in ys):  # else nothing lands in the output
        src = full[lead + tuple(slice(y0 + sh, y1 + sh) for (y0, y1), sh in zip(ys, shift))]
        out[lead + tuple(slice(y0, y1) for y0, y1 in ys)] = src.transpose(
            (2, 0, 1) + tuple(range(3, 3 + nsp)))
    return out.reshape((n, o) + out_sp)


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
conv_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)


def padding_pairs(padding, in_spatial, window, strides, rhs_dilation,
                  who="conv_general_dilated"):
    """A padding argument ('VALID', 'SAME', 'SAME_LOWER', or one (low, high) pair of integers
    per spatial axis) as a list of pairs; ArgumentError for anything else. 'SAME' pads so the
    output has ceil(n / stride) positions, the odd element at the high end ('SAME_LOWER': low)."""
    nsp = len(window)
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return [(0, 0)] * nsp
        if mode in ("SAME", "SAME_LOWER"):
            out = []
            for n, k, s, d in zip(in_spatial, window, strides, rhs_dilation):
                total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
                small, big = total // 2, total - total // 2
                out.append((small, big) if mode == "SAME" else (big, small))
            return out
        raise argument_error(f"{who}: padding must be 'SAME', 'SAME_LOWER', 'VALID' or a sequence "
                            f"of (low, high) pairs, got {padding!r}.")
    try:
        pairs = [tuple(pair) for pair in padding]
    except TypeError:
        pairs = None
    if pairs is None or any(len(pair) != 2 for pair in pairs):
        raise argument_error(f"{who}: padding must be a string or a sequence of (low, high) "
                            f"pairs, one per spatial axis, got {padding!r:.80}.")
    if len(pairs) != nsp:
        raise argument_error(f"{who}: padding has {len(pairs)} (low, high) pairs, but the input "
                            f"has {nsp} spatial axes; give one pair per axis, e.g. "
                            f"{[(0, 0)] * nsp}.")
    return [(as_index(lo, who, "padding"), as_index(hi, who, "padding")) for lo, hi in pairs]


def _per_axis(values, nsp, who, argname):
    """Strides or dilations: one positive integer per spatial axis (default all 1)."""
    vals = positive((1,) * nsp if values is None else values, who, argname)
    if len(vals) != nsp:
        raise argument_error(f"{who}: `{argname}` has {len(vals)} entries, but the input has "
                            f"{nsp} spatial axes; give one per axis, e.g. {(1,) * nsp}.")
    return vals


class ConvDimensionNumbers(NamedTuple):
    """Where each logical axis of a convolution sits (JAX's lax.ConvDimensionNumbers): lhs_spec
    is (batch, feature, *spatial) positions in lhs, rhs_spec (out feature, in feature,
    *spatial) in rhs, out_spec (batch, feature, *spatial) in the output.

    >>> from funcgrad import lax
    >>> lax.conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HWIO", "NHWC"))
    ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
    """
    lhs_spec: tuple[int, ...]
    rhs_spec: tuple[int, ...]
    out_spec: tuple[int, ...]


_CHARS = (("N", "C"), ("O", "I"), ("N", "C"))


def _spec_permutations(specs):
    """The (lhs, rhs, out) axis orders for layout strings such as ('NHWC', 'HWIO', 'NHWC'): the
    two named axes first, then the spatial axes in the order the kernel's string lists them."""
    for i, (spec, (a, b)) in enumerate(zip(specs, _CHARS)):
        if not isinstance(spec, str) or spec.count(a) != 1 or spec.count(b) != 1:
            raise TypeError(f"convolution dimension_numbers[{i}] must contain the characters "
                            f"'{a}' and '{b}' exactly once, got {spec!r}: e.g. "
                            "('NCHW', 'OIHW', 'NCHW') or ('NHWC', 'HWIO', 'NHWC').")
        if len(set(spec)) != len(spec):
            raise TypeError(f"convolution dimension_numbers[{i}] cannot have duplicate "
                            f"characters, got {spec!r}.")
    spatial = [set(sp) - set(ch) for sp, ch in zip(specs, _CHARS)]
    if not spatial[0] == spatial[1] == spatial[2]:
        raise TypeError("convolution dimension_numbers elements must each have the same set of "
                        f"spatial characters, got {tuple(specs)}.")
    rhs = specs[1]

    def perm(spec, chars):
        sp = sorted((i for i, c in enumerate(spec) if c not in chars),
                    key=lambda i: rhs.index(spec[i]))
        return (spec.index(chars[0]), spec.index(chars[1])) + tuple(sp)
    return tuple(perm(sp, ch) for sp, ch in zip(specs, _CHARS))


def conv_dimension_numbers(lhs_shape: Shape, rhs_shape: Shape,
                           dimension_numbers: Any) -> ConvDimensionNumbers:
    """dimension_numbers (None: NC..., OI..., NC...; three layout strings; or a
    ConvDimensionNumbers) as a ConvDimensionNumbers for operands of these shapes.

    >>> from funcgrad import lax
    >>> lax.conv_dimension_numbers((1, 3, 5), (8, 3, 2), None)
    ConvDimensionNumbers(lhs_spec=(0, 1, 2), rhs_spec=(0, 1, 2), out_spec=(0, 1, 2))
    """
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError(f"convolution requires lhs and rhs ndim to be equal, got "
                        f"{len(lhs_shape)} and {len(rhs_shape)}.")
    if dimension_numbers is None:
        iota = tuple(range(len(lhs_shape)))
        return ConvDimensionNumbers(iota, iota, iota)
    if isinstance(dimension_numbers, (tuple, list)) and len(dimension_numbers) == 3:
        if all(isinstance(d, str) for d in dimension_numbers):
            for i, (d, n) in enumerate(zip(dimension_numbers, (len(lhs_shape), len(rhs_shape),
                                                                len(lhs_shape)))):
                if len(d) != n:
                    raise TypeError(f"convolution dimension_numbers[{i}] = {d!r} has {len(d)} "
                                    f"characters, but the operands have {n} axes: one "
                                    "character per axis.")
            return ConvDimensionNumbers(*_spec_permutations(tuple(dimension_numbers)))
        if all(isinstance(d, (tuple, list)) for d in dimension_numbers):
            return ConvDimensionNumbers(*(tuple(int(i) for i in d) for d in dimension_numbers))
    raise TypeError("conv_general_dilated: dimension_numbers must be None, a "
                    "ConvDimensionNumbers, or three layout strings such as ('NCHW', 'OIHW', "
                    f"'NCHW'); got {dimension_numbers!r:.80}.")


class Precision(enum.Enum):
    """JAX's lax.Precision. numpy computes every product at its dtype's full precision, so each
    value gives the same result in funcgrad; it is accepted for JAX's signatures."""
    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    def __repr__(self) -> str:
        return f"Precision.{self.name}"

    __str__ = __repr__


_PRECISION_NAMES = {"default": Precision.DEFAULT, "bfloat16": Precision.DEFAULT,
                    "high": Precision.HIGH, "tensorfloat32": Precision.HIGH,
                    "highest": Precision.HIGHEST, "float32": Precision.HIGHEST}


def _check_precision(precision, who):
    """None, a Precision, one of JAX's names for one, or a pair of them; else a TypeError."""
    items = precision if isinstance(precision, (tuple, list)) and len(precision) == 2 else (
        precision,)
    for p in items:
        if p is None or isinstance(p, Precision) or (isinstance(p, str)
                                                      and p.lower() in _PRECISION_NAMES):
            continue
        raise TypeError(f"{who}: precision must be None, a lax.Precision (DEFAULT, HIGH, "
                        f"HIGHEST), one of {sorted(_PRECISION_NAMES)} or a pair of them; got "
                        f"{precision!r:.60}.")


def _batch_groups(lhs, rhs, count, who):
    """batch_group_count as feature groups: lhs (N, C, ...) with its batch split into `count`
    groups (group-major) becomes (N / count, count * C, ...), each group of the kernel's output
    features seeing its own slice of the batch."""
    ls, rs = get_aval(lhs).shape, get_aval(rhs).shape
    if ls[0] % count:
        raise ValueError(f"{who}: batch_group_count={count} must divide the lhs batch size "
                         f"{ls[0]}.")
    if rs[0] % count:
        raise ValueError(f"{who}: the rhs output feature size {rs[0]} must be a multiple of "
                         f"batch_group_count={count}.")
    if ls[1] != rs[1]:
        raise ValueError(f"{who}: with batch_group_count, the lhs feature size {ls[1]} must equal "
                         f"the rhs input feature size {rs[1]}.")
    nsp = len(ls) - 2
    x = reshape(lhs, (count, ls[0] // count) + ls[1:])
    x = transpose(x, (1, 0) + tuple(range(2, 3 + nsp)))
    return reshape(x, (ls[0] // count, count * ls[1]) + ls[2:])


def conv_general_dilated(lhs: ArrayLike, rhs: ArrayLike, window_strides: Shape,
                         padding: str | Sequence[tuple[int, int]],
                         lhs_dilation: Shape | None = None,
                         rhs_dilation: Shape | None = None,
                         dimension_numbers: Any = None,
                         feature_group_count: int = 1, batch_group_count: int = 1,
                         precision: Any = None,
                         preferred_element_type: Any = None) -> Array:
    """The convolution (cross-correlation) of lhs with rhs, as JAX's: by default lhs (N, C,
    *spatial) and rhs (O, C / groups, *window), other layouts by `dimension_numbers` (three
    strings such as ('NHWC', 'HWIO', 'NHWC'), or a ConvDimensionNumbers); strides, padding
    ('VALID', 'SAME', 'SAME_LOWER' or (low, high) pairs) and dilations per spatial axis
    (lhs_dilation: transposed convolutions, rhs_dilation: atrous ones); feature or batch groups.
    `precision` is accepted (numpy always computes at full precision);
    `preferred_element_type` is the result's dtype. Every parameter is checked before anything
    runs.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.conv_general_dilated(fnp.ones((1, 1, 5)), fnp.ones((1, 1, 3)), (1,), [(0, 0)])
    Array([[[3., 3., 3.]]], dtype=float64)
    >>> lax.conv_general_dilated(fnp.ones((1, 1, 5)), fnp.ones((1, 1, 3)), (2,), "SAME")
    Array([[[2., 3., 2.]]], dtype=float64)
    >>> lax.conv_general_dilated(fnp.ones((1, 5, 1)), fnp.ones((3, 1, 1)), (1,), "VALID",
    ...                          dimension_numbers=("NWC", "WIO", "NWC")).shape
    (1, 3, 1)
    """
    who = "conv_general_dilated"
    if dimension_numbers is None and batch_group_count == 1 and preferred_element_type is None:
        if precision is not None:
            _check_precision(precision, who)
        return _conv_nc(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                        feature_group_count)
    _check_precision(precision, who)
    ls, rs = get_aval(lhs).shape, get_aval(rhs).shape
    dn = conv_dimension_numbers(ls, rs, dimension_numbers)
    for spec, n, what in ((dn.lhs_spec, len(ls), "lhs_spec"), (dn.rhs_spec, len(rs), "rhs_spec"),
                          (dn.out_spec, len(ls), "out_spec")):
        if sorted(spec) != list(range(n)):
            raise TypeError(f"{who}: dimension_numbers.{what} = {spec} must be a permutation of "
                            f"the {n} axes.")
    iota = tuple(range(len(ls)))
    if dn.lhs_spec != iota:
        lhs = transpose(lhs, dn.lhs_spec)
    if dn.rhs_spec != iota:
        rhs = transpose(rhs, dn.rhs_spec)
    if preferred_element_type is not None:
        pet = np.dtype(preferred_element_type)
        lhs, rhs = convert_element_type(lhs, pet), convert_element_type(rhs, pet)
    groups = positive((batch_group_count,), who, "batch_group_count")[0]
    fgc = positive((feature_group_count,), who, "feature_group_count")[0]
    if groups > 1:
        if fgc > 1:
            raise ValueError(f"{who}: at most one of batch_group_count and feature_group_count "
                             f"may be > 1, got batch_group_count={groups} and "
                             f"feature_group_count={fgc}.")
        lhs, fgc = _batch_groups(lhs, rhs, groups, who), groups
    out = _conv_nc(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation, fgc)
    if dn.out_spec != iota:
        out = transpose(out, tuple(int(i) for i in np.argsort(dn.out_spec)))
    return out


def _conv_nc(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
             feature_group_count):
    """conv_general_dilated in the NC.../OI... layout: the checks, then the primitive."""
    who = "conv_general_dilated"
    ls, rs = get_aval(lhs).shape, get_aval(rhs).shape
    if len(ls) < 3 or len(rs) != len(ls):
        _conv_abstract_eval(get_aval(lhs), get_aval(rhs), window_strides=(), padding=(),
                            lhs_dilation=(), rhs_dilation=(), feature_group_count=1)
    nsp = len(ls) - 2
    strides = _per_axis(window_strides, nsp, who, "window_strides")
    lhs_dilation = _per_axis(lhs_dilation, nsp, who, "lhs_dilation")
    rhs_dilation = _per_axis(rhs_dilation, nsp, who, "rhs_dilation")
    groups = positive((feature_group_count,), who, "feature_group_count")[0]
    in_spatial = [_dilate(n, d) for n, d in zip(ls[2:], lhs_dilation)]
    pads = padding_pairs(padding, in_spatial, rs[2:], strides, rhs_dilation, who)
    return conv_p.bind(lhs, rhs, window_strides=strides, padding=tuple(pads),
                       lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation,
                       feature_group_count=groups)


def conv(lhs: ArrayLike, rhs: ArrayLike, window_strides: Shape, padding: str,
         precision: Any = None, preferred_element_type: Any = None) -> Array:
    """conv_general_dilated without dilations or groups, NCHW/OIHW (JAX's lax.conv).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.conv(fnp.ones((1, 1, 4, 4)), fnp.ones((1, 1, 2, 2)), (2, 2), "VALID").shape
    (1, 1, 2, 2)
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs: ArrayLike, rhs: ArrayLike, window_strides: Shape,
                              padding: str | Sequence[tuple[int, int]],
                              lhs_dilation: Shape | None, rhs_dilation: Shape | None,
                              precision: Any = None,
                              preferred_element_type: Any = None) -> Array:
    """conv_general_dilated with NCHW/OIHW layouts and no groups (JAX's
    lax.conv_with_general_padding).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.conv_with_general_padding(fnp.ones((1, 1, 4)), fnp.ones((1, 1, 2)), (1,),
    ...                               [(1, 0)], (2,), None).shape
    (1, 1, 7)
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                precision=precision,
                                preferred_element_type=preferred_element_type)


def _transpose_padding(k, s, padding):
    """(before, after) padding of the dilated input of a transposed convolution with an
    effective window k and stride s, for the forward convolution's padding ('SAME', 'VALID' or
    a (low, high) pair): the output is then s times the input (SAME) or s * (n - 1) + k
    (VALID), as Keras' Conv2DTranspose."""
    if padding == "SAME":
        total = k + s - 2
        before = k - 1 if s > k - 1 else -(-total // 2)
    elif padding == "VALID":
        total = k + s - 2 + max(k - s, 0)
        before = k - 1
    else:
        lo, hi = padding
        before, total = k - lo - 1, (k - lo - 1) + (k - hi - 1)
    return before, total - before


_TRANSPOSE_LAYOUTS = {3: ("NHC", "HIO", "NHC"), 4: ("NHWC", "HWIO", "NHWC"),
                      5: ("NHWDC", "HWDIO", "NHWDC")}


def conv_transpose(lhs: ArrayLike, rhs: ArrayLike, strides: Shape,
                   padding: str | Sequence[tuple[int, int]],
                   rhs_dilation: Shape | None = None, dimension_numbers: Any = None,
                   transpose_kernel: bool = False, precision: Any = None,
                   preferred_element_type: Any = None,
                   use_consistent_padding: bool = False) -> Array:
    """The transposed ("fractionally strided") convolution, as JAX's lax.conv_transpose: the
    input dilated by `strides`, then convolved; layouts default to NHWC / HWIO (channels last).
    String padding ('SAME', 'VALID') names the forward convolution's; pairs are the transposed
    one's own unless `use_consistent_padding`. `transpose_kernel` flips the window and swaps
    the kernel's feature axes (the gradient of a forward convolution).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import lax
    >>> lax.conv_transpose(fnp.ones((1, 3, 1)), fnp.ones((2, 1, 1)), (2,), "SAME").shape
    (1, 6, 1)
    """
    who = "conv_transpose"
    ls, rs = get_aval(lhs).shape, get_aval(rhs).shape
    if len(ls) != len(rs) or len(ls) < 3:
        raise TypeError(f"{who}: lhs {ls} and rhs {rs} need the same rank, at least 3 (batch, "
                        "feature and one spatial axis).")
    if dimension_numbers is None:
        if len(ls) not in _TRANSPOSE_LAYOUTS:
            raise ValueError(f"{who}: no default layout for {len(ls)}-dimensional operands; "
                             "pass dimension_numbers.")
        dimension_numbers = _TRANSPOSE_LAYOUTS[len(ls)]
    dn = conv_dimension_numbers(ls, rs, dimension_numbers)
    window = [rs[i] for i in dn.rhs_spec[2:]]
    nsp = len(window)
    rd = _per_axis(rhs_dilation, nsp, who, "rhs_dilation")
    st = _per_axis(strides, nsp, who, "strides")
    if use_consistent_padding or (isinstance(padding, str) and padding in ("SAME", "VALID")):
        each = [padding] * nsp if isinstance(padding, str) else [tuple(p) for p in padding]
        if isinstance(padding, str) is False and len(each) != nsp:
            raise argument_error(f"{who}: padding has {len(each)} pairs for {nsp} spatial axes.")
        pads: Any = [_transpose_padding(_dilate(k, d), s, p)
                     for k, d, s, p in zip(window, rd, st, each)]
    else:
        pads = padding
    if transpose_kernel:
        rhs = rev(rhs, tuple(dn.rhs_spec[2:]))
        perm = list(range(len(rs)))
        perm[dn.rhs_spec[0]], perm[dn.rhs_spec[1]] = dn.rhs_spec[1], dn.rhs_spec[0]
        rhs = transpose(rhs, tuple(perm))
    return conv_general_dilated(lhs, rhs, (1,) * nsp, pads, st, rd, dn, precision=precision,
                                preferred_element_type=preferred_element_type)


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
    return _conv_nc(ct, w, ld, pads, strides, rd, g)


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
        r = _conv_nc(x, d, rd, pads, ld, strides, 1)  # (C/g, O/g, *window)
        groups.append(transpose(r, perm))
    if g == 1:
        return groups[0]
    return concatenate(groups, 0)


def _channels(x, start, size):
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
    if b == 0:  # no kernels, no groups to fold them into: an empty result of the right shape
        la, ra = get_aval(lhs), get_aval(rhs)
        one = la.shape if ldim is None else la.shape[:ldim] + la.shape[ldim + 1:]
        out = _out_shape(one, ra.shape[1:], p["window_strides"], p["padding"],
                         p["lhs_dilation"], p["rhs_dilation"])
        return full((out[0], 0) + out[1:], 0, np.result_type(la.dtype, ra.dtype)), 1
    if ldim is None:
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
