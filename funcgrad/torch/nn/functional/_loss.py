"""torch.nn.functional's losses, with PyTorch's reductions, warnings and grad_fn names."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .... import lax
from ...._custom import custom_vjp
from .... import nn as fg_nn
from .... import numpy as fnp
from ..._dispatch import (apply_op, broadcast_shapes_checked, check_output_shape,
                          value_of as _value_of)
from ..._dtypes import check_float, type_name
from ..._storage import host_values
from ..._tensor import Tensor
from ._common import _const, _reduce, _reduction

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "soft_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "triplet_margin_loss",
           "multi_margin_loss", "multilabel_soft_margin_loss"]


# ---- losses ------------------------------------------------------------------------------------

def _warn_size(input, target, stacklevel=3):
    if target.size() != input.size():
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input "
                      f"size ({input.size()}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.",
                      stacklevel=stacklevel)


def _bcast(x, y):
    shape = broadcast_shapes_checked(tuple(x.shape), tuple(y.shape))
    return fnp.broadcast_to(x, shape), fnp.broadcast_to(y, shape)


def _weighted(err, w, reduction):
    e = err * w
    if reduction == "none":
        return e
    if reduction == "sum":
        return fnp.sum(e)
    return fnp.sum(e) / fnp.sum(w)


def _pointwise_loss_args(input, target, size_average, reduce, reduction, weight):
    """The reduction of mse_loss and l1_loss, after PyTorch's size warning and weight check."""
    _warn_size(input, target, stacklevel=4)
    broadcast_shapes_checked(input.shape, target.shape)
    reduction = _reduction(size_average, reduce, reduction, stacklevel=4)
    if weight is not None and weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    return reduction


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _pointwise_loss_args(input, target, size_average, reduce, reduction, weight)
    check_float("mse_cpu", input.dtype)

    def fn(x, y, w):
        x, y = _bcast(x, y)
        err = lax.integer_pow(x - y, 2)
        return _reduce(err, reduction) if w is None else _weighted(err, w, reduction)
    name = "MseLossBackward0" if weight is None else {
        "none": "MulBackward0", "sum": "SumBackward0", "mean": "DivBackward0"}[reduction]
    return apply_op(name, fn, [input, target, weight])


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _pointwise_loss_args(input, target, size_average, reduce, reduction, weight)
    if reduction == "mean" and not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {type_name(input.dtype)}")

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
    broadcast_shapes_checked(input.shape, target.shape)
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
    broadcast_shapes_checked(input.shape, target.shape)
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
    host = isinstance(tgt, np.ndarray)
    # a host target's one-hot mask is a numpy constant, made without funcgrad operations
    onehot = (np.expand_dims(tgt, -1) == np.arange(c, dtype=np.int64)) & np.expand_dims(
        tgt != ignore_index, -1) if host else \
        lax.eq(fnp.expand_dims(tgt, -1), np.arange(c, dtype=np.int64))
    zero = _const(0, moved)
    picked = fnp.sum(lax.select(onehot, moved, zero), axis=-1)
    if host and w is None and reduction == "mean":
        count = int((tgt != ignore_index).sum())
        if count:  # -sum(picked) / count: the one-hot rows of ignored targets are all False
            return fnp.sum(picked) / _const(-count, moved)
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


def _class_rows_ce(x, tgt, ignore_index, reduction):
    """Cross entropy of (N, C) host logits x with host class indices, reduced to a sum or mean,
    as eight primitives (None where it does not apply: another dtype, nothing counted): with
    s = x - max(x) per row (the maximum a constant, as log_softmax's shift),

        loss = sum_i v_i log(sum_j exp(s_ij)) - sum_ij W_ij s_ij

    where W is the one-hot target mask and v its row sums (0 for an ignored target), both scaled
    by 1 / count for the mean: -sum(log_softmax(x)[i, t_i]) (/ count), the same value and
    gradient ((softmax - one-hot) / count) as the general path's log_softmax and pick."""
    if type(x) is not np.ndarray or x.dtype not in _CE_DTYPES or not x.size:
        return None
    keep = tgt != ignore_index
    count = int(keep.sum())
    if not count:
        return None
    dt = x.dtype
    w = (tgt[:, None] == np.arange(x.shape[1], dtype=np.int64)) & keep[:, None]
    if reduction == "mean":
        v = keep * dt.type(1 / count) if count > 1 else keep.astype(dt)
    else:
        v = keep.astype(dt)
    w = np.ravel(w * v[:, None])
    shift = np.broadcast_to(np.max(x, axis=1, keepdims=True), x.shape)
    flat = (x.size,)

    def fn(x):
        s = lax.sub(x, shift)
        lse = lax.log(lax.reduce_sum(lax.exp(s), (1,)))
        return lax.sub(lax.dot_general(lse, v, _DOT_1D),
                       lax.dot_general(lax.reshape(s, flat), w, _DOT_1D))
    return fn


_DOT_1D = (((0,), (0,)), ((), ()))  # a product of two vectors (BLAS's dot, no reshapes)


_CE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


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


def _check_target_dtype(target):
    """Class targets are int64 or uint8, as PyTorch's nll_loss kernels take."""
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{type_name(target.dtype)}")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    cdim = _class_dim_checks(input, target, weight, "nll_loss")
    _check_target_dtype(target)
    tgt = _target_value(target)
    _check_targets(tgt, input.shape[cdim], ignore_index)
    name = _nll_name(input.ndim, reduction)
    return apply_op(name, lambda x, w: _nll_value(x, tgt, w, ignore_index, reduction, cdim),
                    [input, weight])


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    reduction = _reduction(size_average, reduce, reduction)
    if label_smoothing > 1.0:  # PyTorch's check (a negative one is taken as given)
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    check_float("log_softmax_lastdim_kernel_impl", input.dtype)
    cdim = 0 if input.ndim == 1 else 1
    c = input.shape[cdim] if input.ndim else 0
    if target.dtype.is_floating_point and tuple(target.shape) != tuple(input.shape):
        # not class probabilities (those have the input's shape): read as class indices
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{type_name(target.dtype)}")
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
            logp = fg_nn.log_softmax(x, cdim)
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
    _check_target_dtype(target)
    tgt = _target_value(target)
    _check_targets(tgt, c, ignore_index)
    if weight is None and label_smoothing <= 0 and reduction != "none" and input.ndim == 2:
        fast = _class_rows_ce(input._data, tgt, ignore_index, reduction)
        if fast is not None:
            return apply_op("NllLossBackward0", fast, [input])
    wshape = tuple(c if i == cdim else 1 for i in range(input.ndim))

    def fn(x, w):
        logp = fg_nn.log_softmax(x, cdim)
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
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {type_name(target.dtype)} but expected "
                           f"{type_name(input.dtype)}")
    x = input._data
    if isinstance(x, np.ndarray) and x.size and ((x < 0) | (x > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None:
        weight = weight.expand(np.broadcast_shapes(tuple(target.shape), tuple(weight.shape)))

    def fn(x, t, w):
        loss = _bce_terms(x, t)
        if w is not None:
            loss = loss * w
        return _reduce(loss, reduction)
    return apply_op("BinaryCrossEntropyBackward0", fn, [input, target, weight])


def _clamped_logs(x):
    """log(x) and log(1 - x), each clamped at -100 (PyTorch's binary cross entropy)."""
    lo = _const(-100, x)
    return lax.maximum(lax.log(x), lo), lax.maximum(lax.log1p(-x), lo)


@custom_vjp
def _bce_terms(x, t):
    """-(t log x + (1 - t) log(1 - x)), the logs clamped at -100, with PyTorch's gradients: with
    respect to x, (x - t) / max(x (1 - x), 1e-12), finite at x = 0 and 1 (where the clamped logs
    have none); with respect to t, log(1 - x) - log(x), not clamped (infinite at 0 and 1)."""
    logx, log1mx = _clamped_logs(x)
    return -(t * logx + (1 - t) * log1mx)


def _bce_fwd(x, t):
    return _bce_terms(x, t), (x, t)


def _bce_bwd(res, g):
    x, t = res
    # PyTorch's EPSILON is the float 1e-12 in every dtype
    gx = g * (x - t) / lax.maximum((1 - x) * x, _const(np.float32(1e-12), x))
    return gx, g * (lax.log1p(-x) - lax.log(x))


_bce_terms.defvjp(_bce_fwd, _bce_bwd)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    for extra in (weight, pos_weight):
        if extra is not None:
            check_output_shape(tuple(input.shape), tuple(extra.shape))

    t_np, x_np = target._data, input._data
    if (weight is None and pos_weight is None and not target.requires_grad
            and type(t_np) is np.ndarray and type(x_np) is np.ndarray
            and x_np.dtype in _CE_DTYPES and t_np.dtype == x_np.dtype):
        keep = 1 - t_np  # (a constant: the target takes no gradient)

        def fn(x, t, w, pw):  # the general fn's value, its operands already of one dtype
            return _reduce(lax.add(lax.mul(keep, x), fg_nn.softplus(lax.neg(x))), reduction)
        return apply_op("BinaryCrossEntropyWithLogitsBackward0", fn,
                        [input, target, weight, pos_weight])

    def fn(x, t, w, pw):
        lse = fg_nn.softplus(-x)  # log(1 + exp(-x)), stable
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
    broadcast_shapes_checked(target.shape, input1.shape[:1] if input1.ndim == 2 else ())
    tgt = host_values(target)
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
    broadcast_shapes_checked(target.shape, input1.shape, input2.shape)

    def fn(a, b, y):
        return _reduce(lax.maximum(-y * (a - b) + margin, _const(0, a)), reduction)
    return apply_op("ClampMinBackward0" if reduction == "none" else
                    {"sum": "SumBackward0", "mean": "MeanBackward0"}[reduction], fn,
                    [input1, input2, target])


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    tgt = host_values(target)

    def fn(x):
        zero = _const(0, x)
        loss = lax.select(np.asarray(tgt != 1), lax.maximum(margin - x, zero), zero) + \
            lax.select(np.asarray(tgt != -1), x, zero)
        return _reduce(loss, reduction)
    return apply_op("AddBackward0" if reduction == "none" else
                    {"sum": "SumBackward0", "mean": "MeanBackward0"}[reduction], fn, [input])


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    check_output_shape(tuple(input.shape), tuple(target.shape))
    return apply_op("SoftMarginLossBackward0",
                    lambda x, y: _reduce(lax.log1p(lax.exp(-y * x)), reduction), [input, target])


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction,
                           own="{} is not a valid value for reduction")
    broadcast_shapes_checked(input.shape, target.shape)

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
    if isinstance(var, Tensor) and tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):  # one variance per row
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    reduction = _reduction(None, None, reduction, own="{} is not valid")
    v = var._data if isinstance(var, Tensor) else var
    if isinstance(v, np.ndarray) and (v < 0).any():
        raise ValueError("var has negative entry/entries")

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
    broadcast_shapes_checked(anchor.shape, positive.shape, negative.shape)

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
    tgt = host_values(target)
    c = input.shape[-1]
    if tgt.size and (tgt.min() < 0 or tgt.max() >= c):
        raise RuntimeError("target out of range")

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
    reduction = _reduction(size_average, reduce, reduction, own="{} is not valid")

    def fn(x, y, w):
        loss = -(y * fg_nn.log_sigmoid(x) + (1 - y) * fg_nn.log_sigmoid(-x))
        if w is not None:
            loss = loss * w
        loss = fnp.mean(loss, axis=x.ndim - 1)
        return _reduce(loss, reduction)
    return apply_op({"none": "MeanBackward1", "sum": "SumBackward0",
                     "mean": "MeanBackward0"}[reduction], fn, [input, target, weight])
