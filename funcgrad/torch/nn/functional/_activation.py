"""torch.nn.functional's activations and the softmax family."""
from __future__ import annotations

import warnings

from .... import lax
from .... import nn as fg_nn
from ... import _dtypes, _ops
from ..._dispatch import apply_op
from ..._random import _gen, rrelu_noise
from ..._storage import wrap_dim
from ._common import _const

__all__ = ["relu", "relu_", "threshold", "hardtanh", "relu6", "elu", "selu", "celu", "leaky_relu",
           "prelu", "rrelu", "gelu", "silu", "mish", "hardswish", "hardsigmoid", "sigmoid", "tanh",
           "logsigmoid", "softplus", "softsign", "tanhshrink", "softshrink", "hardshrink", "glu",
           "softmax", "softmin", "log_softmax"]


# ---- activations -------------------------------------------------------------------------------

def _float_only(input, kernel):
    """PyTorch's NotImplementedError for an integer or boolean input to a floating-point kernel."""
    _dtypes.check_float(kernel, input._dtype)


def _act(name, value_fn, input, inplace=False, kernel=None):
    if kernel is not None:
        _float_only(input, kernel)
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
    return _act("EluBackward0", lambda x: fg_nn.elu(x, alpha), input, inplace, "elu_cpu")


def selu(input, inplace=False):
    return _act("EluBackward0", fg_nn.selu, input, inplace, "elu_cpu")


def celu(input, alpha=1.0, inplace=False):
    def fn(x):
        pos = lax.gt(x, _const(0, x))
        neg = lax.select(pos, _const(0, x), x)
        return lax.select(pos, x, alpha * lax.expm1(neg * (1 / alpha)))
    return _act("CeluBackward0", fn, input, inplace, "elu_cpu")


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _act("LeakyReluBackward0",
                lambda x: lax.select(lax.gt(x, _const(0, x)), x, x * negative_slope), input,
                inplace, "leaky_relu_cpu")


def prelu(input, weight):
    c = weight.numel()
    channels = input.shape[1] if input.ndim >= 2 else 1
    if c != 1 and c != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {c} and channel size = {channels}.")

    def fn(x, w):
        if c > 1:
            w = lax.reshape(w, (c,) + (1,) * (x.ndim - 2)) if x.ndim >= 2 else w
        else:
            w = lax.reshape(w, ())
        return lax.select(lax.gt(x, _const(0, x)), x, x * w)
    return apply_op("PreluKernelBackward0", fn, [input, weight])


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    if training:
        _float_only(input, "leaky_relu_cpu")
        a = rrelu_noise(input, lower, upper)
        return _act("RreluWithNoiseBackward0",
                    lambda x: lax.select(lax.ge(x, _const(0, x)), x, x * a), input, inplace)
    return leaky_relu(input, (lower + upper) / 2, inplace)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")

    _float_only(input, "GeluKernelImpl")
    tanh_form = approximate == "tanh"
    return apply_op("GeluBackward0", lambda x: fg_nn.gelu(x, tanh_form), [input])


def silu(input, inplace=False):
    return _act("SiluBackward0", fg_nn.silu, input, inplace, "silu_cpu")


def mish(input, inplace=False):
    return _act("MishBackward0", lambda x: x * lax.tanh(_softplus_value(x, 1.0, 20.0)), input,
                inplace, "mish_cpu")


def hardswish(input, inplace=False):
    def fn(x):
        lo, hi = lax.le(x, _const(-3, x)), lax.ge(x, _const(3, x))
        return lax.select(lo, _const(0, x), lax.select(hi, x, x * (x + 3) / 6))
    return _act("HardswishBackward0", fn, input, inplace, "hardswish_cpu")


def hardsigmoid(input, inplace=False):
    def fn(x):
        lo, hi = lax.le(x, _const(-3, x)), lax.ge(x, _const(3, x))
        return lax.select(lo, _const(0, x), lax.select(hi, _const(1, x), x / 6 + 0.5))
    return _act("HardsigmoidBackward0", fn, input, inplace, "hardsigmoid_cpu")


# the same operations as torch.sigmoid and torch.tanh (SigmoidBackward0, TanhBackward0)
sigmoid = _ops.sigmoid
tanh = _ops.tanh


def logsigmoid(input):
    _float_only(input, "log_sigmoid_cpu")
    return apply_op("LogSigmoidBackward0", fg_nn.log_sigmoid, [input])


def _softplus_value(x, beta, threshold):
    bx = x * beta
    big = lax.gt(bx, _const(threshold, x))
    safe = lax.select(big, _const(0, x), bx)
    return lax.select(big, x, lax.log1p(lax.exp(safe)) / beta)


def softplus(input, beta=1.0, threshold=20.0):
    _float_only(input, "softplus_cpu")
    return apply_op("SoftplusBackward0", lambda x: _softplus_value(x, beta, threshold), [input])


def _floating(input):
    """input, an integer or boolean one in the default dtype (as a true division gives it)."""
    dt = input._dtype
    return input if dt.is_floating_point or dt.is_complex else input.to(
        _dtypes.get_default_dtype())


def softsign(input):
    input = _floating(input)
    return apply_op("DivBackward0", lambda x: x / (1 + lax.abs(x)), [input])


def tanhshrink(input):
    input = _floating(input)
    return apply_op("SubBackward0", lambda x: x - lax.tanh(x), [input])


def softshrink(input, lambd=0.5):
    _float_only(input, "softshrink_check")
    def fn(x):
        return lax.select(lax.gt(x, _const(lambd, x)), x - lambd,
                          lax.select(lax.lt(x, _const(-lambd, x)), x + lambd, _const(0, x)))
    return apply_op("SoftshrinkBackward0", fn, [input])


def hardshrink(input, lambd=0.5):
    _float_only(input, "hardshrink_cpu")
    def fn(x):
        keep = lax.gt(lax.abs(x), _const(lambd, x))
        return lax.select(keep, x, _const(0, x))
    return apply_op("HardshrinkBackward0", fn, [input])


def glu(input, dim=-1):
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    _float_only(input, "glu_cpu")
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")

    def fn(x):
        a = lax.slice(x, (0,) * x.ndim, tuple(n // 2 if i == d else s
                                              for i, s in enumerate(x.shape)))
        b = lax.slice(x, tuple(n // 2 if i == d else 0 for i in range(x.ndim)), tuple(x.shape))
        return a * lax.logistic(b)
    return apply_op("GluBackward0", fn, [input])


def _softmax_dim(name, input, dim, stacklevel):
    """dim, or the axis that PyTorch's deprecated implicit choice takes (with its warning)."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if input.ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _ops.softmax(input, _softmax_dim("softmax", input, dim, _stacklevel), dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return _ops.softmax(-input, _softmax_dim("softmin", input, dim, _stacklevel), dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _ops.log_softmax(input, _softmax_dim("log_softmax", input, dim, _stacklevel),
                            dtype)
