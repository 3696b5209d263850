"""funcgrad.nn: activations, normalizations, convolution, pooling, dropout and initializers,
all compositions of primitives (their derivatives follow from the primitives' rules).

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> fg.nn.relu(fnp.array([-1.0, 2.0]))
Array([0., 2.], dtype=float64)
"""
from __future__ import annotations

import itertools
import math

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import lax
from . import numpy as fnp
from . import random as _random
from ._api import stop_gradient
from ._core.array import Array
from ._core.trace import get_aval
from ._core.typing import ArrayLike, Axis, DTypeLike, Shape
from ._core.validate import argument_error, count, normalize_axis, positive
from .lax.conv import padding_pairs
from .numpy._core import operand
from .scipy.special import erf, logsumexp  # noqa: F401  (fg.nn.logsumexp)

# ---- activations ------------------------------------------------------------------------------


def relu(x: ArrayLike) -> Array:
    """max(x, 0), written as x <= 0 ? 0 : x: NaN stays NaN, and the derivative at 0 is 0 (as in
    JAX and PyTorch; maximum's rule would split it, 0.5).

    >>> import funcgrad as fg
    >>> fg.grad(relu)(0.0), fg.grad(relu)(2.0)
    (Array(0., dtype=float64), Array(1., dtype=float64))
    """
    x = operand(x)
    zero = lax.convert_element_type(0, get_aval(x).dtype)
    return lax.select(lax.le(x, zero), zero, x)


def _promote_int(x: Array) -> Array:
    """Integer and boolean x as float64, as JAX promotes them where it computes in floats."""
    return lax.convert_element_type(x, np.float64) if get_aval(x).dtype.kind in "biu" else x


def relu6(x: ArrayLike) -> Array:
    """min(max(x, 0), 6), with derivative 0 at both corners (as JAX's and PyTorch's; clip's
    rule would split it there) and NaN kept.

    >>> import funcgrad as fg
    >>> fg.grad(relu6)(0.0), fg.grad(relu6)(6.0), fg.grad(relu6)(3.0)
    (Array(0., dtype=float64), Array(0., dtype=float64), Array(1., dtype=float64))
    """
    x = _promote_int(operand(x))  # JAX's relu6 computes against the float 6.
    return lax.select(lax.le(x, 0), 0, lax.select(lax.ge(x, 6), 6, x))


def hard_tanh(x: ArrayLike) -> Array:
    """x clipped to [-1, 1], with derivative 1 at both corners (as JAX's: the corners belong to
    the middle piece).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> hard_tanh(fnp.array([-2.0, -1.0, 0.5, 1.0, 2.0])), fg.grad(hard_tanh)(1.0)
    (Array([-1. , -1. ,  0.5,  1. ,  1. ], dtype=float64), Array(1., dtype=float64))
    """
    x = operand(x)
    return lax.select(lax.gt(x, 1), 1, lax.select(lax.lt(x, -1), -1, x))


def leaky_relu(x: ArrayLike, negative_slope: float = 0.01) -> Array:
    x = operand(x)
    return lax.select(lax.ge(x, 0), x, lax.mul(x, negative_slope))


def elu(x: ArrayLike, alpha: float = 1.0) -> Array:
    """x > 0 ? x : alpha * (exp(x) - 1); the unused branch sees 0, not x, so that it does not
    overflow, and the derivative at 0 is alpha's side (as in JAX and PyTorch).

    >>> import funcgrad as fg
    >>> fg.grad(elu)(0.0)
    Array(1., dtype=float64)
    """
    x = operand(x)
    positive = lax.gt(x, lax.convert_element_type(0, get_aval(x).dtype))
    safe = lax.select(positive, lax.convert_element_type(0, get_aval(x).dtype), x)
    return lax.select(positive, x, lax.mul(alpha, lax.expm1(safe)))


def selu(x: ArrayLike) -> Array:
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return lax.mul(scale, elu(x, alpha))


def gelu(x: ArrayLike, approximate: bool = True) -> Array:
    """x * Phi(x); approximate=True uses the tanh form (JAX's default)."""
    x = operand(x)
    if approximate:
        inner = lax.mul(math.sqrt(2 / math.pi), lax.add(x, lax.mul(0.044715, lax.integer_pow(x, 3))))
        return lax.mul(lax.mul(0.5, x), lax.add(1.0, lax.tanh(inner)))
    return lax.mul(lax.mul(0.5, x), lax.add(1.0, erf(lax.mul(x, 1 / math.sqrt(2)))))


def _floating(x, who):
    """x as an operand of a floating (or complex) dtype; TypeError for integers and booleans,
    as JAX's logistic raises (an integer sigmoid has no meaning to round to)."""
    x = operand(x)
    dt = get_aval(x).dtype
    if dt.kind not in "fc":
        raise TypeError(f"{who} does not accept dtype {dt.name}: it needs floating-point "
                        f"inputs; convert first, e.g. {who}(x.astype(fnp.float32)).")
    return x


def sigmoid(x: ArrayLike) -> Array:
    """1 / (1 + exp(-x)), for floating-point x (JAX refuses integers here too).

    >>> import funcgrad as fg
    >>> fg.nn.sigmoid(0.0)
    Array(0.5, dtype=float64)
    """
    return lax.logistic(_floating(x, "sigmoid"))


def silu(x: ArrayLike) -> Array:
    """x * sigmoid(x), for floating-point x.

    >>> import funcgrad as fg
    >>> fg.nn.silu(0.0)
    Array(0., dtype=float64)
    """
    x = _floating(x, "silu")
    return lax.mul(x, lax.logistic(x))


swish = silu


def softplus(x: ArrayLike) -> Array:
    """log(1 + exp(x)) = logaddexp(x, 0): no overflow for any x (inf at inf, 0 at -inf), and
    its derivatives are logaddexp's (sigmoid(x), then sigmoid'(x)).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> softplus(fnp.array([-1000.0, 1000.0]))
    Array([   0., 1000.], dtype=float64)
    >>> fg.grad(fg.grad(softplus))(0.0)
    Array(0.25, dtype=float64)
    """
    return lax.logaddexp(operand(x), 0.0)


def log_sigmoid(x: ArrayLike) -> Array:
    return lax.neg(softplus(lax.neg(operand(x))))


def _normalized(x: Array, axis: Axis, log: bool) -> Array:
    """softmax or log_softmax of x along axis, shifted by the (constant) maximum for stability.
    A 0-d x is one element along its only axis (softmax 1, log_softmax 0; NaN where x is not
    finite, as JAX's), and an empty x gives an empty result (there is no maximum to take), as
    PyTorch's softmax has them. Integer and boolean x are promoted to float64 first, as JAX's are."""
    x = _promote_int(x)
    if not get_aval(x).ndim:  # x - x: 0 (NaN for an infinite or NaN x, as JAX's)
        d = lax.sub(x, x)
        return d if log else lax.exp(d)
    if not get_aval(x).size:
        return lax.mul(x, 1)
    shift = stop_gradient(fnp.max(x, axis=axis, keepdims=True))
    if log:
        s = lax.sub(x, shift)
        return lax.sub(s, lax.log(fnp.sum(lax.exp(s), axis=axis, keepdims=True)))
    # x - shift is not kept past exp: one large temporary fewer alive (for big inputs, memory
    # that glibc would otherwise hand back and fault in again)
    e = lax.exp(lax.sub(x, shift))
    return lax.div(e, fnp.sum(e, axis=axis, keepdims=True))


def softmax(x: ArrayLike, axis: Axis = -1) -> Array:
    """exp(x) / sum(exp(x)) along axis.

    >>> import funcgrad.numpy as fnp
    >>> softmax(fnp.array([0.0, 0.0])), softmax(fnp.array(3.0))
    (Array([0.5, 0.5], dtype=float64), Array(1., dtype=float64))
    """
    return _normalized(operand(x), axis, False)


def log_softmax(x: ArrayLike, axis: Axis = -1) -> Array:
    """x - logsumexp(x) along axis.

    >>> import funcgrad.numpy as fnp
    >>> log_softmax(fnp.zeros((0, 3))).shape
    (0, 3)
    """
    return _normalized(operand(x), axis, True)


def one_hot(x: ArrayLike, num_classes: int, dtype: DTypeLike = np.float64,
            axis: int = -1) -> Array:
    """one_hot(labels, n)[..., k] = (labels == k)."""
    x = operand(x)
    nd = get_aval(x).ndim
    num_classes = count(num_classes, "one_hot", "num_classes")
    ax = normalize_axis("one_hot", axis, nd + 1)
    classes = fnp.reshape(fnp.arange(num_classes), [num_classes if i == ax else 1
                                                     for i in range(nd + 1)])
    return lax.convert_element_type(lax.eq(lax.expand_dims(x, (ax,)), classes), dtype)


def standardize(x: ArrayLike, axis: Axis = -1, mean: ArrayLike | None = None,
                variance: ArrayLike | None = None, epsilon: float = 1e-5) -> Array:
    x = operand(x)
    mean = fnp.mean(x, axis=axis, keepdims=True) if mean is None else mean
    variance = fnp.var(x, axis=axis, keepdims=True) if variance is None else variance
    return lax.mul(lax.sub(x, mean), lax.rsqrt(lax.add(variance, epsilon)))


# ---- convolution ------------------------------------------------------------------------------


_padding = padding_pairs  # what funcgrad.torch's convolutions resolve 'same'/'valid' with


def conv_general_dilated(lhs: ArrayLike, rhs: ArrayLike, window_strides: Sequence[int],
                         padding: str | Sequence[tuple[int, int]],
                         lhs_dilation: Sequence[int] | None = None,
                         rhs_dilation: Sequence[int] | None = None,
                         feature_group_count: int = 1) -> Array:
    """N-d convolution (cross-correlation) of lhs (N, C, *spatial) with rhs (O, C/groups,
    *window), as lax.conv_general_dilated with NCHW/OIHW layouts: padding 'SAME', 'VALID' or
    (low, high) pairs; lhs_dilation (transposed convolutions), rhs_dilation (atrous); feature
    groups."""
    return lax.conv_general_dilated(operand(lhs), operand(rhs), window_strides, padding,
                                    lhs_dilation, rhs_dilation,
                                    feature_group_count=feature_group_count)


def conv(lhs: ArrayLike, rhs: ArrayLike, strides: Sequence[int] | None = None,
         padding: str | Sequence[tuple[int, int]] = "VALID", **kw: Any) -> Array:
    nsp = get_aval(operand(lhs)).ndim - 2
    return conv_general_dilated(lhs, rhs, strides or (1,) * nsp, padding, **kw)


# ---- pooling ------------------------------------------------------------------------------------


def _windows(x: Array, window: Sequence[int], strides: Sequence[int],
             dilation: Sequence[int] | None = None) -> list[Array]:
    """The windows of x (already padded) over its trailing len(window) axes, as one strided
    slice per offset into the window (row-major order): slice k holds element k of every
    window, shape x.shape[:lead] + the output's spatial shape. `dilation` spaces a window's
    elements apart (atrous pooling)."""
    shape = get_aval(x).shape
    lead = len(shape) - len(window)
    dilation = tuple(dilation or (1,) * len(window))
    # a window larger than the (padded) input has no position: an empty output, as in XLA
    out = [max((n - d * (k - 1) - 1) // s + 1, 0)
           for n, k, s, d in zip(shape[lead:], window, strides, dilation)]
    if 0 in out:
        return [fnp.zeros(tuple(shape[:lead]) + tuple(out), get_aval(x).dtype)] * math.prod(window)
    wins = []
    for offs in itertools.product(*[range(k) for k in window]):
        start = (0,) * lead + tuple(o * d for o, d in zip(offs, dilation))
        limit = tuple(shape[:lead]) + tuple(o * d + s * (m - 1) + 1
                                            for o, d, s, m in zip(offs, dilation, strides, out))
        wins.append(lax.slice(x, start, limit, (1,) * lead + tuple(strides)))
    return wins


def _pool_windows(x, window, strides, padding, init):
    """x padded with `init` (padding 'SAME', 'VALID' or pairs for the trailing axes) and its
    windows stacked on a new leading axis."""
    x = operand(x)
    nd = get_aval(x).ndim
    window = positive(window, "pool", "window_shape")
    strides = window if strides is None else positive(strides, "pool", "strides")
    if len(window) > nd or len(strides) != len(window):
        raise argument_error(f"pool: window_shape {window} and strides {strides} need one entry "
                            f"per pooled (trailing) axis of the input, of {nd} axes.")
    shape = get_aval(x).shape
    pads = padding_pairs(padding, shape[nd - len(window):], window, strides, (1,) * len(window),
                         "pool")
    window = (1,) * (nd - len(window)) + window
    strides = (1,) * (nd - len(strides)) + strides
    pads = [(0, 0)] * (nd - len(pads)) + pads
    x = lax.pad(x, lax.convert_element_type(init, get_aval(x).dtype),
                [(lo, hi, 0) for lo, hi in pads])
    return fnp.stack(_windows(x, window, strides), axis=0)


def max_pool(x: ArrayLike, window_shape: Sequence[int], strides: Sequence[int] | None = None,
             padding: str | Sequence[tuple[int, int]] = "VALID") -> Array:
    """Max over windows (trailing axes, as flax.linen.max_pool's window_shape over any layout)."""
    return fnp.max(_pool_windows(x, window_shape, strides, padding, -np.inf), axis=0)


def avg_pool(x: ArrayLike, window_shape: Sequence[int], strides: Sequence[int] | None = None,
             padding: str | Sequence[tuple[int, int]] = "VALID",
             count_include_pad: bool = True) -> Array:
    s = fnp.sum(_pool_windows(x, window_shape, strides, padding, 0.0), axis=0)
    if count_include_pad or padding == "VALID":
        return lax.div(s, float(math.prod(window_shape)))
    counts = fnp.sum(_pool_windows(fnp.ones(get_aval(operand(x)).shape), window_shape, strides,
                              padding, 0.0), axis=0)
    return lax.div(s, counts)


# ---- dropout and initializers -------------------------------------------------------------------


def dropout(key: ArrayLike, rate: float, x: ArrayLike,
            deterministic: bool = False) -> Array:
    """Zero each element with probability `rate`, scaling the rest by 1/(1 - rate)."""
    x = operand(x)
    if deterministic or rate == 0:
        return x
    keep = _random.bernoulli(key, 1.0 - rate, get_aval(x).shape)
    return lax.select(keep, lax.div(x, 1.0 - rate), 0.0)


def _fans(shape, in_axis=-2, out_axis=-1):
    receptive = math.prod(s for i, s in enumerate(shape)
                          if i not in (in_axis % len(shape), out_axis % len(shape)))
    return shape[in_axis] * receptive, shape[out_axis] * receptive


def _variance_scaling(scale: float, mode: str, distribution: str, in_axis: int = -2,
                      out_axis: int = -1) -> Callable[..., Array]:
    """An initializer drawing with variance scale / fan (fan_in, fan_out or their mean) from a
    uniform, truncated normal or normal distribution (initializers.variance_scaling)."""
    def init(key: ArrayLike, shape: Shape, dtype: DTypeLike = np.float64) -> Array:
        fan_in, fan_out = _fans(tuple(shape), in_axis, out_axis)
        denom = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        var = scale / max(denom, 1)
        if distribution == "uniform":
            lim = math.sqrt(3 * var)
            return _random.uniform(key, shape, dtype, -lim, lim)
        if distribution == "truncated_normal":
            # std of a standard normal truncated to [-2, 2]
            return lax.mul(math.sqrt(var) / 0.87962566103423978,
                           _random.truncated_normal(key, -2.0, 2.0, shape, dtype))
        return lax.mul(math.sqrt(var), _random.normal(key, shape, dtype))
    return init


class initializers:
    """Weight initializers: init(key, shape, dtype) -> array (fan_in/fan_out of dense or conv
    kernels: in = shape[-2] * receptive field, out = shape[-1] * receptive field; for OIHW
    conv kernels pass in_axis=1, out_axis=0)."""

    _fans = staticmethod(_fans)
    variance_scaling = staticmethod(_variance_scaling)
    glorot_uniform = xavier_uniform = staticmethod(_variance_scaling(1.0, "fan_avg", "uniform"))
    glorot_normal = xavier_normal = staticmethod(_variance_scaling(1.0, "fan_avg",
                                                                   "truncated_normal"))
    he_uniform = kaiming_uniform = staticmethod(_variance_scaling(2.0, "fan_in", "uniform"))
    he_normal = kaiming_normal = staticmethod(_variance_scaling(2.0, "fan_in",
                                                                "truncated_normal"))
    lecun_uniform = staticmethod(_variance_scaling(1.0, "fan_in", "uniform"))
    lecun_normal = staticmethod(_variance_scaling(1.0, "fan_in", "truncated_normal"))

    @staticmethod
    def zeros(key: ArrayLike, shape: Shape, dtype: DTypeLike = np.float64) -> Array:
        return fnp.zeros(shape, dtype)

    @staticmethod
    def ones(key: ArrayLike, shape: Shape, dtype: DTypeLike = np.float64) -> Array:
        return fnp.ones(shape, dtype)


__all__ = ["relu", "relu6", "hard_tanh", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "silu", "swish",
           "softplus", "log_sigmoid", "softmax", "log_softmax", "logsumexp", "one_hot",
           "standardize", "conv_general_dilated", "conv", "max_pool", "avg_pool", "dropout",
           "initializers"]
