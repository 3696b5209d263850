"""Conv1d/2d/3d and ConvTranspose1d/2d/3d."""
from __future__ import annotations

import math
from collections.abc import Sequence

from ..._tensor import Tensor
from ...types import Device, _dtype
from .. import functional as F
from .. import init
from ..functional._common import _ntuple
from ..parameter import Parameter
from .linear import _bias_parameter, _empty
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]


class _ConvNd(Module):
    __constants__ = ["stride", "padding", "dilation", "groups", "padding_mode",
                     "output_padding", "in_channels", "out_channels", "kernel_size"]

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        valid_padding_strings = {"same", "valid"}
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{valid_padding_strings}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        valid_padding_modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in valid_padding_modes:
            raise ValueError(f"padding_mode must be one of {valid_padding_modes}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(self.padding, str):
            self._reversed_padding_repeated_twice = [0, 0] * len(kernel_size)
            if padding == "same":
                for d, k, i in zip(dilation, kernel_size, range(len(kernel_size) - 1, -1, -1)):
                    total = d * (k - 1)
                    left = total // 2
                    self._reversed_padding_repeated_twice[2 * i] = left
                    self._reversed_padding_repeated_twice[2 * i + 1] = total - left
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(self.padding)
                                                     for _ in range(2)]
        if transposed:
            shape = (in_channels, out_channels // groups, *kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *kernel_size)
        self.weight = Parameter(_empty(*shape, dtype=dtype, device=device))
        _bias_parameter(self, bias, out_channels, dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


def _conv_class(nd):
    tup = _ntuple(nd)
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]

    class Conv(_ConvNd):
        def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...],
                     stride: int | tuple[int, ...] = 1, padding: str | int | tuple[int, ...] = 0,
                     dilation: int | tuple[int, ...] = 1, groups: int = 1, bias: bool = True,
                     padding_mode: str = "zeros", device: Device = None,
                     dtype: _dtype | None = None):
            padding_ = padding if isinstance(padding, str) else tup(padding)
            super().__init__(in_channels, out_channels, tup(kernel_size), tup(stride), padding_,
                             tup(dilation), False, tup(0), groups, bias, padding_mode, device,
                             dtype)

        def _conv_forward(self, input, weight, bias):
            if self.padding_mode != "zeros":
                return fn(F.pad(input, self._reversed_padding_repeated_twice,
                                mode=self.padding_mode), weight, bias, self.stride,
                          tup(0), self.dilation, self.groups)
            return fn(input, weight, bias, self.stride, self.padding, self.dilation,
                      self.groups)

        def forward(self, input: Tensor) -> Tensor:
            return self._conv_forward(input, self.weight, self.bias)

    Conv.__name__ = Conv.__qualname__ = f"Conv{nd}d"
    return Conv


Conv1d = _conv_class(1)
Conv2d = _conv_class(2)
Conv3d = _conv_class(3)


class _ConvTransposeNd(_ConvNd):
    def _output_padding(self, input, output_size, stride, padding, kernel_size,
                        num_spatial_dims, dilation=None):
        if output_size is None:
            return _ntuple(num_spatial_dims)(self.output_padding)
        has_batch_dim = input.dim() == num_spatial_dims + 2
        num_non_spatial_dims = 2 if has_batch_dim else 1
        output_size = list(output_size)
        if len(output_size) == num_non_spatial_dims + num_spatial_dims:
            output_size = output_size[num_non_spatial_dims:]
        if len(output_size) != num_spatial_dims:
            raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, "
                             f"output_size must have {num_spatial_dims} or "
                             f"{num_non_spatial_dims + num_spatial_dims} elements (got "
                             f"{len(output_size)})")
        min_sizes, max_sizes = [], []
        for d in range(num_spatial_dims):
            dim_size = ((input.size(d + num_non_spatial_dims) - 1) * stride[d] - 2 * padding[d]
                        + (dilation[d] if dilation is not None else 1) * (kernel_size[d] - 1)
                        + 1)
            min_sizes.append(dim_size)
            max_sizes.append(dim_size + stride[d] - 1)
        for i, size in enumerate(output_size):
            if size < min_sizes[i] or size > max_sizes[i]:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {min_sizes} to {max_sizes} (for an input of "
                                 f"{input.size()[2:]})")
        return [output_size[d] - min_sizes[d] for d in range(num_spatial_dims)]


def _conv_transpose_class(nd):
    tup = _ntuple(nd)
    fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[nd]

    class ConvTranspose(_ConvTransposeNd):
        def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...],
                     stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                     output_padding: int | tuple[int, ...] = 0, groups: int = 1, bias: bool = True,
                     dilation: int | tuple[int, ...] = 1, padding_mode: str = "zeros",
                     device: Device = None, dtype: _dtype | None = None):
            if padding_mode != "zeros":
                raise ValueError(f'Only "zeros" padding mode is supported for '
                                 f"ConvTranspose{nd}d")
            super().__init__(in_channels, out_channels, tup(kernel_size), tup(stride),
                             tup(padding), tup(dilation), True, tup(output_padding), groups,
                             bias, padding_mode, device, dtype)

        def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
            if self.padding_mode != "zeros":
                raise ValueError(f'Only "zeros" padding mode is supported for '
                                 f"ConvTranspose{nd}d")
            output_padding = self._output_padding(input, output_size, self.stride,
                                                  self.padding, self.kernel_size, nd,
                                                  self.dilation)
            return fn(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                      self.groups, self.dilation)

    ConvTranspose.__name__ = ConvTranspose.__qualname__ = f"ConvTranspose{nd}d"
    return ConvTranspose


ConvTranspose1d = _conv_transpose_class(1)
ConvTranspose2d = _conv_transpose_class(2)
ConvTranspose3d = _conv_transpose_class(3)
