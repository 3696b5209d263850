"""funcgrad.torch: PyTorch's API over funcgrad, so PyTorch tutorial code runs unchanged.

    import funcgrad.torch as torch        # or: python -m funcgrad.torch script.py

Tensors are mutable handles on storage, as PyTorch's; every operation computes through
funcgrad's primitives, and backward() walks the recorded graph with their vjp rules.
"""
from __future__ import annotations

import importlib as _importlib
import math as _math

from . import _tensor  # noqa: F401  (first: it imports the modules above it at its end)
from . import _methods  # noqa: F401  (binds the Tensor methods and operators)
from . import autograd, backends, cuda, fft, func, linalg, nn, types, utils
from ._dtypes import (bool, cdouble, cfloat, complex64, complex128, double, dtype, finfo, float,
                      float16, float32, float64, get_default_dtype, half, iinfo, int, int8,
                      int16, int32, int64, layout, long, promote_types, result_type,
                      set_default_dtype, short, sparse_coo, strided, uint8)
from ._factories import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                         Generator, HalfTensor, IntTensor, LongTensor, ShortTensor, arange,
                         as_tensor, asarray, bernoulli, default_generator, empty, empty_like, eye,
                         from_numpy, full, full_like, get_rng_state, initial_seed, linspace,
                         logspace, manual_seed, multinomial, normal, ones, ones_like, poisson,
                         rand, rand_like, randint, randint_like, randn, randn_like, randperm,
                         seed, set_rng_state, tensor, tril_indices, triu_indices, zeros,
                         zeros_like)
from ._complex_views import angle, view_as_complex, view_as_real
from ._indexing import bincount
from ._indexing import (argwhere, gather, index_add, index_copy, index_fill, index_put,
                        index_select, masked_scatter, masked_select, nonzero, scatter,
                        scatter_add, scatter_reduce, take)
from ._methods import allclose, equal, isclose
from ._ops import (abs, absolute, acos, acosh, add, addcdiv, addcmul, arccos, arccosh, arcsin,
                   arcsinh, arctan, arctan2, arctanh, asin, asinh, atan, atan2, atanh,
                   bitwise_and, bitwise_not, bitwise_or, bitwise_xor, ceil, clamp, clamp_max,
                   clamp_min, clip, cos, cosh, div, divide, eq, erf, exp, exp2, expm1, fix,
                   float_power, floor, floor_divide, fmax, fmin, fmod, frac, ge, greater,
                   greater_equal, gt, hypot, isfinite, isinf, isnan, le, lerp, less, less_equal,
                   log, log1p, log2, log10, logaddexp, logical_and, logical_not, logical_or,
                   logical_xor, lt, masked_fill, maximum, minimum, mul, multiply, nan_to_num, ne,
                   neg, negative, not_equal, pow, reciprocal, relu, remainder, round, rsqrt, rsub,
                   sgn, sigmoid, sign, sin, sinh, softmax, log_softmax, sqrt, square, sub, subtract, tan, tanh,
                   true_divide, trunc, where, xlogy)
from ._ops import bucketize, complex, lgamma, polar, searchsorted
from ._printing import set_printoptions
from ._products import (addmm, addmv, baddbmm, bmm, dot, einsum, ger, inner, kron, matmul, mm,
                        mv, outer, tensordot, vdot)
from ._reductions import (all, amax, amin, aminmax, any, argmax, argmin, count_nonzero, cumprod,
                          cumsum, dist, logsumexp, max, mean, min, nansum, norm, prod,
                          return_types,
                          std, std_mean, sum, var, var_mean)
from ._shape_ops import (broadcast_tensors, broadcast_to, diag_embed, take_along_dim, trace)
from ._shape_ops import (as_strided, atleast_1d, atleast_2d, atleast_3d, cartesian_prod, cat,
                         chunk, column_stack, concat, concatenate, diag, diagonal, dstack,
                         expand, flatten, flip, fliplr, flipud, hstack, meshgrid, movedim,
                         moveaxis, narrow, permute, ravel, repeat_interleave, reshape, roll,
                         rot90, row_stack, select, split, squeeze, stack, swapaxes, swapdims,
                         tensor_split, tile, transpose, tril, triu, unbind, unflatten, unfold,
                         unsqueeze, vstack)
from ._shape_ops import t_ as t
from ._size import Size, device, get_default_device, set_default_device
from ._sorting import (argsort, kthvalue, median, mode, msort, sort, topk, unique,
                       unique_consecutive)
from ._tensor import Tensor
from .serialization import load, save
from .autograd import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                       no_grad, set_grad_enabled)
from ._anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled

inf, nan, pi, e = _math.inf, _math.nan, _math.pi, _math.e
__version__ = "2.13.0+funcgrad"


from .func import vmap  # noqa: E402  (torch.vmap is torch.func.vmap)
from .linalg import cross  # noqa: E402


def inverse(input):
    return linalg.inv(input)


def det(input):
    return linalg.det(input)


def pinverse(input, rcond=1e-15):
    return linalg.pinv(input)


# torch.save / torch.load: funcgrad/torch/serialization.py (imported above), a zip + JSON format
# that never unpickles, so loading a file cannot run code.


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    return input.is_complex()


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item() != 0)


def numel(input):
    return input.numel()


def clone(input, *, memory_format=None):
    return input.clone()


def detach(input):
    return input.detach()


def square_(input):
    return input.square_()


def set_num_threads(n):
    """Accepted for compatibility; numpy's BLAS thread count is set by its environment."""


def get_num_threads():
    return 1


def set_num_interop_threads(n):
    """Accepted for compatibility."""


def get_num_interop_threads():
    return 1


_DETERMINISTIC = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Recorded for the two queries below: funcgrad's operations are deterministic already."""
    _DETERMINISTIC.update(mode=True if mode else False, warn_only=True if warn_only else False)


def are_deterministic_algorithms_enabled() -> bool:
    """Whether `use_deterministic_algorithms(True)` is in force.

    >>> import funcgrad.torch as torch
    >>> torch.use_deterministic_algorithms(True)
    >>> torch.are_deterministic_algorithms_enabled()
    True
    >>> torch.use_deterministic_algorithms(False)
    """
    return _DETERMINISTIC["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether `use_deterministic_algorithms` was last called with `warn_only=True`.

    >>> import funcgrad.torch as torch
    >>> torch.is_deterministic_algorithms_warn_only_enabled()
    False
    """
    return _DETERMINISTIC["warn_only"]


def compile(model=None, **kwargs):
    """torch.compile: returns the model (or function) unchanged."""
    if model is None:
        return lambda m: m
    return model


def __getattr__(name):
    # submodules imported on first use: torch.utils, torch.optim, torch.func, ...
    if not name.isidentifier():  # getattr(torch, "nn.functional"): no module path from a name
        raise AttributeError(f"module 'torch' has no attribute '{name}'")
    try:
        module = _importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module 'torch' has no attribute '{name}'") from None
    globals()[name] = module
    return module


from ._out import install as _install_out  # noqa: E402

_install_out(globals())  # out= on every function PyTorch gives one (funcgrad/torch/_out.py)
