"""funcgrad.torch: PyTorch's API over funcgrad, so PyTorch tutorial code runs unchanged.

    import funcgrad.torch as torch        # or: python -m funcgrad.torch script.py

Tensors are mutable handles on storage, as PyTorch's; every operation computes through
funcgrad's primitives, and backward() walks the recorded graph with their vjp rules.
"""
from __future__ import annotations

from . import _methods  # noqa: F401  (binds the Tensor methods and operators)
from . import autograd, backends, cuda, nn
from ._dtypes import (bool, cdouble, cfloat, complex64, complex128, double, dtype, float,
                      float16, float32, float64, get_default_dtype, half, int, int8, int16,
                      int32, int64, long, promote_types, result_type, set_default_dtype, short,
                      uint8)
from ._factories import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                         Generator, HalfTensor, IntTensor, LongTensor, ShortTensor, arange,
                         as_tensor, bernoulli, default_generator, empty, empty_like, eye,
                         from_numpy, full, full_like, initial_seed, linspace, logspace,
                         manual_seed, multinomial, normal, ones, ones_like, rand, rand_like,
                         randint, randint_like, randn, randn_like, randperm, seed, tensor, zeros,
                         zeros_like)
from ._ops import (abs, absolute, acos, add, addmm, all, allclose, amax, amin, any, arccos,
                   arcsin, arctan, argmax, argmin, asin, atan, atan2, bitwise_and, bitwise_not,
                   bitwise_or, bitwise_xor, bmm, ceil, clamp, clip, cos, cosh, div, divide, dot,
                   einsum, eq, equal, exp, expm1, floor, floor_divide, ge, ger, gt, isclose, le,
                   log, log1p, logical_and, logical_not, logical_or, logsumexp, lt, masked_fill,
                   matmul, max, maximum, mean, min, minimum, mm, mul, multiply, mv, ne, neg,
                   negative, nonzero, outer, pow, prod, reciprocal, relu, remainder, return_types,
                   round, rsqrt, rsub, sigmoid, sign, sin, sinh, sqrt, square, std, sub,
                   subtract, sum, tan, tanh, true_divide, trunc, var, vdot, where)
from ._printing import set_printoptions
from ._shape_ops import (argsort, cartesian_prod, cat, chunk, concat, concatenate, cumsum,
                         flatten, flip, gather, index_select, masked_select, narrow, permute,
                         repeat, reshape, roll, scatter, scatter_add, select, sort, split,
                         squeeze, stack, swapaxes, tile, topk, transpose, unbind, unflatten,
                         unsqueeze)
from ._shape_ops import t_ as t
from ._size import Size, device
from ._tensor import Tensor
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def is_floating_point(input):
    return input.is_floating_point()


def clone(input):
    return input.clone()


def detach(input):
    return input.detach()


def softmax(input, dim, dtype=None):
    return nn.functional.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    return nn.functional.log_softmax(input, dim, dtype=dtype)


__version__ = "2.13.0+funcgrad"
