"""torch.nn.functional's convolutions: conv1d/2d/3d and their transposes, with PyTorch's argument
checks and error messages; the value is funcgrad's conv_general_dilated."""
from __future__ import annotations

from .... import lax
from .... import nn as fg_nn
from ..._dispatch import apply_op
from ..._dtypes import type_name

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]


# ---- convolution -------------------------------------------------------------------------------


def _conv_value(x, w, b, stride, pads, dilation, groups):
    """N-d convolution (cross-correlation) of x (N, C, *sp) with w (O, C/groups, *k)."""
    nd = len(stride)
    y = fg_nn.conv_general_dilated(x, w, stride, pads, None, dilation, groups)
    if b is not None:
        y = y + lax.reshape(b, (1, w.shape[0]) + (1,) * nd)
    return y


def _conv_tuple(nd, name, value):
    """A convolution's stride, padding, dilation or output_padding as nd ints, with PyTorch's
    error for a sequence of another length."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return (int(value[0]),) * nd
        if len(value) != nd:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} "
                               f"values to match the convolution dimensions, but got "
                               f"{name}={list(value)}")
        return tuple(int(v) for v in value)
    return (int(value),) * nd


def _check_conv_params(nd, stride, padding, dilation, groups, output_padding=None):
    """PyTorch's checks of a convolution's parameters (after the padding string's), in its
    order; padding: ints, or None for a padding string."""
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if padding is not None and any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if output_padding is not None and any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(d == 0 for d in dilation):
        if output_padding is not None and nd == 2:
            raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: "
                               f"{dilation[0]}, dilation_width: {dilation[1]}")
        shown = [1] + list(dilation) if nd == 1 else list(dilation)  # conv1d runs as a 2-d one
        raise RuntimeError(f"dilation should be greater than zero, but got {shown}")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _conv_pads(padding, spatial, kernel, dilation, stride):
    """(low, high) padding per spatial axis: PyTorch's 'same' (stride 1 only) and 'valid' are
    funcgrad.nn's 'SAME' and 'VALID'."""
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        return fg_nn._padding(padding.upper(), spatial, kernel, stride, dilation)
    return [(v, v) for v in padding]


def _convnd(nd, input, weight, bias, stride, padding, dilation, groups):
    fname = f"conv{nd}d"
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{fname}, but got input of size: {list(input.shape)}")
    if weight.ndim != nd + 2:
        raise RuntimeError("weight should have at least three dimensions")
    batched = input.ndim == nd + 2
    stride, dilation = _conv_tuple(nd, "stride", stride), _conv_tuple(nd, "dilation", dilation)
    if not isinstance(padding, str):
        padding = _conv_tuple(nd, "padding", padding)
    _check_conv_params(nd, stride, None if isinstance(padding, str) else padding, dilation,
                       groups)
    kernel = tuple(weight.shape[2:])
    shape = tuple(input.shape) if batched else (1,) + tuple(input.shape)
    pads = _conv_pads(padding, shape[2:], kernel, dilation, stride)
    c = shape[1]
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
        raise RuntimeError(f"expected scalar type {type_name(input.dtype)} but found "
                           f"{type_name(weight.dtype)}")

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
    y = fg_nn.conv_general_dilated(x, wr, (1,) * nd, pads, stride, dilation, g)
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
    stride, padding = _conv_tuple(nd, "stride", stride), _conv_tuple(nd, "padding", padding)
    output_padding = _conv_tuple(nd, "output_padding", output_padding)
    dilation = _conv_tuple(nd, "dilation", dilation)
    _check_conv_params(nd, stride, padding, dilation, groups, output_padding)
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
