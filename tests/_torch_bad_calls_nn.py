"""Bad calls (see _torch_bad_calls.py): convolution and pooling, losses, nn layers, optimizers."""
from __future__ import annotations

import numpy as np
from _torch_bad_calls import FLOATS, X, case

# ---- nn.functional: convolution and pooling ---------------------------------------------------

def _conv_inputs(d, nd):
    n, c, o = d.int(1, 2), d.int(1, 3), d.int(1, 3)
    sp = tuple(d.int(3, 5) for _ in range(nd))
    k = tuple(d.int(1, 3) for _ in range(nd))
    return d.arr((n, c) + sp), d.arr((o, c) + k)


for _nd in (1, 2, 3):
    _conv = f"F.conv{_nd}d"

    @case(_conv)
    def _conv_stride(d, _nd=_nd):
        x, w = _conv_inputs(d, _nd)
        kw = d.pick([{"stride": 0}, {"stride": -1},
                     {"padding": -1}, {"padding": "bogus"}, {"padding": (1,) * (_nd + 1)},
                     {"stride": 2, "padding": "same"}, {"stride": (1,) * (_nd + 1)},
                     {"groups": 0}, {"groups": -1}])
        return lambda T: getattr(T.nn.functional, f"conv{_nd}d")(X(T, x), X(T, w), **kw)

    @case(_conv, msg=False)  # PyTorch words it by which kernel would run
    def _conv_dilation(d, _nd=_nd):
        x, w = _conv_inputs(d, _nd)
        kw = {"dilation": d.pick([0, -2])}
        return lambda T: getattr(T.nn.functional, f"conv{_nd}d")(X(T, x), X(T, w), **kw)

    @case(_conv)
    def _conv_kernel_big(d, _nd=_nd):
        n, c = d.int(1, 2), d.int(1, 2)
        x = d.arr((n, c) + (2,) * _nd)
        w = d.arr((2, c) + (3,) * _nd)
        return lambda T: getattr(T.nn.functional, f"conv{_nd}d")(X(T, x), X(T, w))

    @case(_conv)
    def _conv_channels(d, _nd=_nd):
        x, w = _conv_inputs(d, _nd)
        w = np.concatenate([w, w], axis=1)
        return lambda T: getattr(T.nn.functional, f"conv{_nd}d")(X(T, x), X(T, w))

    @case(_conv)
    def _conv_rank(d, _nd=_nd):
        x, w = _conv_inputs(d, _nd)
        x = x[0, 0] if d.int(0, 1) else x[None]
        return lambda T: getattr(T.nn.functional, f"conv{_nd}d")(X(T, x), X(T, w))

    @case(_conv)
    def _conv_bias(d, _nd=_nd):
        x, w = _conv_inputs(d, _nd)
        b = d.arr((w.shape[0] + 1,))
        return lambda T: getattr(T.nn.functional, f"conv{_nd}d")(X(T, x), X(T, w), X(T, b))

    @case(_conv, msg=False)  # PyTorch words it by which kernel (MKLDNN or not) would run
    def _conv_dtype(d, _nd=_nd):
        x, w = _conv_inputs(d, _nd)
        return lambda T: getattr(T.nn.functional, f"conv{_nd}d")(X(T, x), X(T, w).double())

    @case(_conv)
    def _conv_groups(d, _nd=_nd):
        x, w = _conv_inputs(d, _nd)
        c = x.shape[1]
        x = np.concatenate([x] * 3, axis=1)[:, :2 * c + 1]
        w = np.concatenate([w] * 2, axis=0)
        return lambda T: getattr(T.nn.functional, f"conv{_nd}d")(X(T, x), X(T, w), groups=2)


@case("F.conv_transpose2d", msg=False)  # some of PyTorch's words here are oneDNN's
def _(d):
    x, w = _conv_inputs(d, 2)
    w = np.swapaxes(w, 0, 1).copy()
    kw = d.pick([{"stride": 0}, {"output_padding": 3}, {"padding": -1}])
    return lambda T: T.nn.functional.conv_transpose2d(X(T, x), X(T, w), **kw)


for _nd in (1, 2, 3):
    for _kind in ("max", "avg"):
        _pool = f"F.{_kind}_pool{_nd}d"

        @case(_pool)
        def _pool_params(d, _nd=_nd, _kind=_kind):
            x = d.arr((d.int(1, 2), d.int(1, 2)) + tuple(d.int(3, 5) for _ in range(_nd)))
            kw = d.pick([{"kernel_size": 2, "stride": 0}, {"kernel_size": 0},
                         {"kernel_size": -1}, {"kernel_size": 2, "padding": 2},
                         {"kernel_size": 2, "padding": -1}, {"kernel_size": 9},
                         {"kernel_size": (2,) * (_nd + 1)}, {"kernel_size": 2, "stride": -1}]
                        + ([{"kernel_size": 2, "dilation": 0}] if _kind == "max" else []))
            f = f"{_kind}_pool{_nd}d"
            return lambda T: getattr(T.nn.functional, f)(X(T, x), **kw)

        @case(_pool)
        def _pool_rank(d, _nd=_nd, _kind=_kind):
            x = d.arr(tuple(d.int(3, 4) for _ in range(d.pick([_nd, _nd + 3]))))
            f = f"{_kind}_pool{_nd}d"
            return lambda T: getattr(T.nn.functional, f)(X(T, x), 2)

        @case(_pool, msg=False)
        def _pool_int(d, _nd=_nd, _kind=_kind):
            x = d.arr((1, 2) + (4,) * _nd, "int64")
            f = f"{_kind}_pool{_nd}d"
            return lambda T: getattr(T.nn.functional, f)(X(T, x), 2)


@case("F.adaptive_avg_pool2d")
def _(d):
    x = d.arr((1, 2, 4, 4))
    return lambda T: T.nn.functional.adaptive_avg_pool2d(X(T, x), d.pick([(-1, 2), (2, 2, 2), 0]))


@case("F.adaptive_max_pool2d")
def _(d):
    x = d.arr(d.pick([(4,), (1, 1, 2, 4, 4)]))
    return lambda T: T.nn.functional.adaptive_max_pool2d(X(T, x), 2)


@case("F.pad")
def _(d):
    x = d.arr(d.shape(2, 3))
    p = d.pick([(1,), (1, 1, 1), (1,) * 8, (-5, 0)])
    mode = d.pick(["constant", "reflect", "bogus"])
    return lambda T: T.nn.functional.pad(X(T, x), p, mode=mode)


@case("F.interpolate")
def _(d):
    x = d.arr((1, 1, 4, 4))
    kw = d.pick([{}, {"size": 2, "scale_factor": 2}, {"size": 2, "mode": "bogus"},
                 {"size": (2, 2, 2)}, {"scale_factor": -1.0}])
    return lambda T: T.nn.functional.interpolate(X(T, x), **kw)


@case("F.pixel_shuffle")
def _(d):
    x = d.arr((1, d.pick([3, 5]), 2, 2))
    return lambda T: T.nn.functional.pixel_shuffle(X(T, x), 2)


@case("F.embedding")
def _(d):
    n = d.int(2, 5)
    w = d.arr((n, 3))
    idx = np.array([0, d.pick([n, n + 3, -1])])
    return lambda T: T.nn.functional.embedding(T.tensor(idx), X(T, w))


@case("F.embedding", msg=False)
def _(d):
    w = d.arr((4, 3))
    idx = d.arr((2,), d.pick(FLOATS), 0, 1)
    return lambda T: T.nn.functional.embedding(T.tensor(idx), X(T, w))


@case("F.embedding")
def _(d):
    w = d.arr((4,))
    return lambda T: T.nn.functional.embedding(T.tensor([0]), X(T, w))


@case("F.dropout")
def _(d):
    x = d.arr(d.shape())
    return lambda T: T.nn.functional.dropout(X(T, x), p=d.pick([-0.1, 1.5, 2]))


@case("F.layer_norm")
def _(d):
    s = d.shape()
    x = d.arr(s)
    ns = d.other_shape(s[-1:])
    return lambda T: T.nn.functional.layer_norm(X(T, x), ns)


@case("F.batch_norm")
def _(d):
    c = d.int(2, 4)
    x = d.arr((3, c))
    rm = np.zeros(c + 1, np.float32)
    return lambda T: T.nn.functional.batch_norm(X(T, x), X(T, rm), X(T, rm + 1))


@case("F.batch_norm")
def _(d):
    x = d.arr((1, 3))
    return lambda T: T.nn.functional.batch_norm(X(T, x), None, None, training=True)


@case("F.group_norm")
def _(d):
    x = d.arr((2, d.pick([3, 5]), 4))
    return lambda T: T.nn.functional.group_norm(X(T, x), 2)


@case("F.normalize")
def _(d):
    x = d.arr(d.shape())
    return lambda T: T.nn.functional.normalize(X(T, x), dim=d.bad_dim(x.ndim))


@case("F.cosine_similarity")
def _(d):
    s = d.shape()
    a, b = d.arr(s), d.arr(d.other_shape(s))
    return lambda T: T.nn.functional.cosine_similarity(X(T, a), X(T, b), dim=0)


# ---- losses -----------------------------------------------------------------------------------

_POINTWISE_LOSSES = ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss",
                     "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
                     "poisson_nll_loss")
_ALL_LOSSES = _POINTWISE_LOSSES + ("cross_entropy", "nll_loss", "multi_margin_loss",
                                   "multilabel_soft_margin_loss", "hinge_embedding_loss")


def _loss_pair(d, name, s, t_shape=None):
    x = d.arr(s, "float32", 0.05, 0.95)
    t = d.arr(t_shape or s, "float32", 0.05, 0.95)
    return x, t


for _name in _POINTWISE_LOSSES:
    @case("F." + _name)
    def _loss_shape(d, _name=_name):
        s = d.shape()
        x, t = _loss_pair(d, _name, s, d.other_shape(s))
        return lambda T: getattr(T.nn.functional, _name)(X(T, x), X(T, t))

    @case("F." + _name)
    def _loss_broadcast(d, _name=_name):
        s = d.shape(min_dims=2)
        x, t = _loss_pair(d, _name, s, (1,) + s[1:])
        return lambda T: getattr(T.nn.functional, _name)(X(T, x), X(T, t))

    @case("F." + _name)
    def _loss_empty(d, _name=_name):
        s = d.shape(lo=0, hi=2)
        s = s[:-1] + (0,)
        x, t = _loss_pair(d, _name, s)
        red = d.pick(["mean", "sum", "none"])
        return lambda T: getattr(T.nn.functional, _name)(X(T, x), X(T, t), reduction=red)

for _name in _ALL_LOSSES:
    @case("F." + _name)
    def _loss_reduction(d, _name=_name):
        n, c = d.int(1, 3), d.int(2, 4)
        x = d.arr((n, c), "float32", 0.05, 0.95)
        if _name in ("cross_entropy", "nll_loss", "multi_margin_loss"):
            t = np.zeros(n, np.int64)
        else:
            t = d.arr((n, c), "float32", 0.05, 0.95)
        red = d.pick(["bogus", "Mean", "", "elementwise_mean"])
        return lambda T: getattr(T.nn.functional, _name)(X(T, x), X(T, t), reduction=red)

_LOSS_MODULES = {"mse_loss": "MSELoss", "l1_loss": "L1Loss", "cross_entropy": "CrossEntropyLoss",
                 "nll_loss": "NLLLoss", "binary_cross_entropy": "BCELoss",
                 "binary_cross_entropy_with_logits": "BCEWithLogitsLoss", "kl_div": "KLDivLoss",
                 "smooth_l1_loss": "SmoothL1Loss", "huber_loss": "HuberLoss"}
for _name, _module in _LOSS_MODULES.items():
    @case("nn." + _module)
    def _loss_module(d, _name=_name, _module=_module):
        n, c = d.int(1, 3), d.int(2, 4)
        x = d.arr((n, c), "float32", 0.05, 0.95)
        if _name in ("cross_entropy", "nll_loss"):
            t = np.zeros(n + d.int(1, 2), np.int64)
        else:
            t = d.arr((n, c + d.int(1, 2)), "float32", 0.05, 0.95)
        red = d.pick(["bogus", "mean"])
        return lambda T: getattr(T.nn, _module)(reduction=red)(X(T, x), X(T, t))

for _name in ("cross_entropy", "nll_loss"):
    @case("F." + _name)
    def _class_batch(d, _name=_name):
        n, c = d.int(1, 4), d.int(2, 4)
        x, t = d.arr((n, c)), np.zeros(n + d.int(1, 2), np.int64)
        return lambda T: getattr(T.nn.functional, _name)(X(T, x), T.tensor(t))

    @case("F." + _name)
    def _class_target_range(d, _name=_name):
        n, c = d.int(1, 4), d.int(2, 4)
        x = d.arr((n, c))
        t = np.zeros(n, np.int64)
        t[-1] = d.pick([c, c + 3, -1, -5])
        return lambda T: getattr(T.nn.functional, _name)(X(T, x), T.tensor(t))

    @case("F." + _name, msg=False)
    def _class_target_dtype(d, _name=_name):
        n, c = d.int(1, 4), d.int(2, 4)
        x, t = d.arr((n, c)), np.zeros(n, d.pick(["int32", "uint8", "float64"]))
        return lambda T: getattr(T.nn.functional, _name)(X(T, x), T.tensor(t))

    @case("F." + _name)
    def _class_weight(d, _name=_name):
        n, c = d.int(1, 4), d.int(2, 4)
        x, t, w = d.arr((n, c)), np.zeros(n, np.int64), d.arr((c + 1,), "float32", 0, 1)
        return lambda T: getattr(T.nn.functional, _name)(X(T, x), T.tensor(t), weight=X(T, w))

    @case("F." + _name)
    def _class_rank(d, _name=_name):
        n, c = d.int(1, 4), d.int(2, 4)
        x, t = d.arr((n, c, 3)), np.zeros((n, 4), np.int64)
        return lambda T: getattr(T.nn.functional, _name)(X(T, x), T.tensor(t))

    @case("F." + _name)
    def _class_empty(d, _name=_name):
        c = d.int(2, 4)
        x, t = d.arr((0, c)), np.zeros(0, np.int64)
        red = d.pick(["mean", "sum", "none"])
        return lambda T: getattr(T.nn.functional, _name)(X(T, x), T.tensor(t), reduction=red)


@case("F.cross_entropy")
def _(d):
    n, c = d.int(1, 4), d.int(2, 4)
    x, t = d.arr((n, c)), np.zeros(n, np.int64)
    return lambda T: T.nn.functional.cross_entropy(X(T, x), T.tensor(t),
                                                   label_smoothing=d.pick([-0.1, 1.5]))


@case("F.cross_entropy")
def _(d):
    n, c = d.int(1, 4), d.int(2, 4)
    x, t = d.arr((n, c)), d.arr((n, c + 1), "float32", 0, 1)
    return lambda T: T.nn.functional.cross_entropy(X(T, x), X(T, t))


@case("F.binary_cross_entropy")
def _(d):
    s = d.shape()
    x, t = d.arr(s, "float32", 1.1, 2), d.arr(s, "float32", 0, 1)
    return lambda T: T.nn.functional.binary_cross_entropy(X(T, x), X(T, t))


@case("F.binary_cross_entropy")
def _(d):
    s = d.shape()
    x, t = d.arr(s, "float32", 0, 1), d.arr(s, "float64", 0, 1)
    return lambda T: T.nn.functional.binary_cross_entropy(X(T, x), X(T, t))


@case("F.binary_cross_entropy_with_logits")
def _(d):
    s = d.shape()
    x, t, w = d.arr(s), d.arr(s, "float32", 0, 1), d.arr(d.other_shape(s), "float32", 0, 1)
    return lambda T: T.nn.functional.binary_cross_entropy_with_logits(X(T, x), X(T, t),
                                                                      pos_weight=X(T, w))


@case("F.smooth_l1_loss")
def _(d):
    s = d.shape()
    x, t = d.arr(s), d.arr(s)
    return lambda T: T.nn.functional.smooth_l1_loss(X(T, x), X(T, t), beta=-1.0)


@case("F.huber_loss")
def _(d):
    s = d.shape()
    x, t = d.arr(s), d.arr(s)
    return lambda T: T.nn.functional.huber_loss(X(T, x), X(T, t), delta=d.pick([-1.0, 0.0]))


@case("F.gaussian_nll_loss")
def _(d):
    s = d.shape()
    x, t, v = d.arr(s), d.arr(s), d.arr(s, "float32", -1, -0.1)
    return lambda T: T.nn.functional.gaussian_nll_loss(X(T, x), X(T, t), X(T, v))


@case("F.gaussian_nll_loss")
def _(d):
    s = d.shape(2, 3)
    x, t, v = d.arr(s), d.arr(s), d.arr(d.other_shape(s), "float32", 0.1, 1)
    return lambda T: T.nn.functional.gaussian_nll_loss(X(T, x), X(T, t), X(T, v))


@case("F.margin_ranking_loss")
def _(d):
    s = d.shape(1, 1)
    a, b, t = d.arr(s), d.arr(s), d.arr(d.other_shape(s))
    return lambda T: T.nn.functional.margin_ranking_loss(X(T, a), X(T, b), X(T, t))


@case("F.cosine_embedding_loss")
def _(d):
    a, b, t = d.arr((2, 3)), d.arr((2, 3)), d.arr((d.pick([1, 3]),))
    return lambda T: T.nn.functional.cosine_embedding_loss(X(T, a), X(T, b), X(T, t))


@case("F.triplet_margin_loss")
def _(d):
    a, b, c = d.arr((2, 3)), d.arr((2, 3)), d.arr((2, 4))
    return lambda T: T.nn.functional.triplet_margin_loss(X(T, a), X(T, b), X(T, c))


@case("F.multi_margin_loss")
def _(d):
    n, c = d.int(1, 3), d.int(2, 4)
    x, t = d.arr((n, c)), np.full(n, c + d.int(0, 2))
    return lambda T: T.nn.functional.multi_margin_loss(X(T, x), T.tensor(t))


# ---- nn layers --------------------------------------------------------------------------------

@case("nn.Linear")
def _(d):
    i = d.int(1, 4)
    x = d.arr((2, i + d.int(1, 2)))
    return lambda T: T.nn.Linear(i, 3)(X(T, x))


@case("nn.Linear")
def _(d):
    return lambda T: T.nn.Linear(d.pick([-1, 2]), d.pick([-2, 3]))


@case("nn.Linear")
def _(d):
    x = d.arr((2, 3), "float64")
    return lambda T: T.nn.Linear(3, 2)(X(T, x))


for _nd in (1, 2, 3):
    _conv_m = f"nn.Conv{_nd}d"

    @case(_conv_m)
    def _conv_module_ctor(d, _nd=_nd):
        kw = d.pick([{"groups": 2}, {"padding": "bogus"}, {"padding": "same", "stride": 2},
                     {"groups": 0}, {"padding_mode": "bogus"}, {"groups": -1}])
        return lambda T: getattr(T.nn, f"Conv{_nd}d")(3, 4, 3, **kw)

    @case(_conv_m)
    def _conv_module_forward(d, _nd=_nd):
        kw = d.pick([{"stride": 0}, {"dilation": 0}, {"padding": -1}])
        x = d.arr((1, 3) + (5,) * _nd)
        return lambda T: getattr(T.nn, f"Conv{_nd}d")(3, 2, 2, **kw)(X(T, x))

    @case(_conv_m)
    def _conv_module_channels(d, _nd=_nd):
        x = d.arr((1, d.pick([2, 4])) + (5,) * _nd)
        return lambda T: getattr(T.nn, f"Conv{_nd}d")(3, 2, 2)(X(T, x))

    @case(_conv_m)
    def _conv_module_small(d, _nd=_nd):
        x = d.arr((1, 3) + (2,) * _nd)
        return lambda T: getattr(T.nn, f"Conv{_nd}d")(3, 2, 3)(X(T, x))


@case("nn.ConvTranspose2d")
def _(d):
    kw = d.pick([{"groups": 2}, {"padding_mode": "reflect"}, {"groups": 0}])
    return lambda T: T.nn.ConvTranspose2d(3, 4, 3, **kw)


for _nd in (1, 2):
    for _kind in ("Max", "Avg"):
        @case(f"nn.{_kind}Pool{_nd}d")
        def _pool_module(d, _nd=_nd, _kind=_kind):
            x = d.arr((1, 2) + (3,) * _nd)
            kw = d.pick([{"kernel_size": 4}, {"kernel_size": 2, "stride": 0},
                         {"kernel_size": 2, "padding": 2}])
            return lambda T: getattr(T.nn, f"{_kind}Pool{_nd}d")(**kw)(X(T, x))


for _nd in (1, 2, 3):
    @case(f"nn.BatchNorm{_nd}d")
    def _bn_channels(d, _nd=_nd):
        c = d.int(2, 4)
        x = d.arr((2, c + d.int(1, 2)) + (3,) * (_nd - 1 if _nd > 1 else d.int(0, 1)))
        return lambda T: getattr(T.nn, f"BatchNorm{_nd}d")(c)(X(T, x))

    @case(f"nn.BatchNorm{_nd}d")
    def _bn_rank(d, _nd=_nd):
        x = d.arr((2, 3) + (2,) * (_nd + 2))
        return lambda T: getattr(T.nn, f"BatchNorm{_nd}d")(3)(X(T, x))

    @case(f"nn.BatchNorm{_nd}d")
    def _bn_one(d, _nd=_nd):
        x = d.arr((1, 3) + (1,) * (_nd - 1))
        return lambda T: getattr(T.nn, f"BatchNorm{_nd}d")(3)(X(T, x))


@case("nn.LayerNorm")
def _(d):
    s = d.shape()
    x = d.arr(s)
    return lambda T: T.nn.LayerNorm(s[-1] + d.int(1, 2))(X(T, x))


@case("nn.GroupNorm")
def _(d):
    return lambda T: T.nn.GroupNorm(2, d.pick([3, 5]))


@case("nn.GroupNorm")
def _(d):
    x = d.arr((2, 6, 3))
    return lambda T: T.nn.GroupNorm(2, 4)(X(T, x))


@case("nn.Embedding")
def _(d):
    n = d.int(2, 5)
    idx = np.array([[0, n + d.int(0, 2)]])
    return lambda T: T.nn.Embedding(n, 3)(T.tensor(idx))


@case("nn.Embedding")
def _(d):
    n = d.int(2, 5)
    return lambda T: T.nn.Embedding(n, 3, padding_idx=d.pick([n, -n - 1]))


@case("nn.Dropout")
def _(d):
    return lambda T: T.nn.Dropout(p=d.pick([-0.5, 1.5]))


for _rnn in ("RNN", "LSTM", "GRU"):
    @case(f"nn.{_rnn}")
    def _rnn_input(d, _rnn=_rnn):
        i = d.int(2, 4)
        x = d.arr((3, 2, i + d.int(1, 2)))
        return lambda T: getattr(T.nn, _rnn)(i, 5)(X(T, x))

    @case(f"nn.{_rnn}")
    def _rnn_rank(d, _rnn=_rnn):
        x = d.arr(d.pick([(3,), (1, 3, 2, 3)]))
        return lambda T: getattr(T.nn, _rnn)(3, 5)(X(T, x))

    @case(f"nn.{_rnn}")
    def _rnn_ctor(d, _rnn=_rnn):
        kw = d.pick([{"num_layers": 0}, {"dropout": 1.5}, {"hidden_size": 0},
                     {"nonlinearity": "bogus"} if _rnn == "RNN" else {"num_layers": -1}])
        kw = {"hidden_size": 5, **kw}
        return lambda T: getattr(T.nn, _rnn)(3, **kw)

    @case(f"nn.{_rnn}Cell")
    def _cell_input(d, _rnn=_rnn):
        x = d.arr((2, d.pick([2, 4])))
        return lambda T: getattr(T.nn, f"{_rnn}Cell")(3, 5)(X(T, x))


@case("nn.Sequential")
def _(d):
    n = d.int(1, 3)
    i = d.pick([n, -n - 1, n + 2])
    return lambda T: T.nn.Sequential(*[T.nn.ReLU() for _ in range(n)])[i]


@case("nn.ModuleList")
def _(d):
    return lambda T: T.nn.ModuleList([T.nn.ReLU()])[d.pick([1, -2])]


@case("nn.Module")
def _(d):
    return lambda T: T.nn.Linear(2, 2).bogus


@case("nn.Module.load_state_dict")
def _(d):
    def call(T):
        m = T.nn.Linear(2, 3)
        sd = dict(m.state_dict())
        choice = d.pick(["missing", "unexpected", "shape"])
        if choice == "missing":
            del sd["bias"]
        elif choice == "unexpected":
            sd["extra"] = T.zeros(1)
        else:
            sd["weight"] = T.zeros(3, 3)
        return m.load_state_dict(sd)
    return call


@case("nn.Module.register_buffer")
def _(d):
    return lambda T: T.nn.Linear(2, 2).register_buffer(d.pick(["a.b", "", "weight"]),
                                                       T.zeros(1))


@case("nn.Module.to")
def _(d):
    return lambda T: T.nn.Linear(2, 2).to(d.pick(["bogus", "gpu"]))


@case("nn.Flatten")
def _(d):
    x = d.arr((2, 3))
    return lambda T: T.nn.Flatten(start_dim=d.pick([3, -4]))(X(T, x))


@case("nn.Unflatten")
def _(d):
    x = d.arr((2, 6))
    return lambda T: T.nn.Unflatten(1, (4, 2))(X(T, x))


@case("nn.PReLU")
def _(d):
    x = d.arr((2, 3, 4))
    return lambda T: T.nn.PReLU(d.pick([2, 4]))(X(T, x))


@case("nn.Bilinear")
def _(d):
    a, b = d.arr((2, 3)), d.arr((2, d.pick([2, 5])))
    return lambda T: T.nn.Bilinear(3, 4, 5)(X(T, a), X(T, b))


# ---- optimizers -------------------------------------------------------------------------------

for _opt, _bad in (("SGD", [{"lr": -1.0}, {"lr": 0.1, "momentum": -0.5},
                            {"lr": 0.1, "weight_decay": -1.0},
                            {"lr": 0.1, "nesterov": True}]),
                   ("Adam", [{"lr": -1.0}, {"betas": (1.5, 0.9)}, {"betas": (0.9, -0.1)},
                             {"eps": -1.0}, {"weight_decay": -1.0}]),
                   ("AdamW", [{"lr": -1.0}, {"betas": (0.9, 1.0)}, {"eps": -1e-8}]),
                   ("RMSprop", [{"lr": -1.0}, {"alpha": -0.1}, {"momentum": -1.0},
                                {"eps": -1.0}]),
                   ("Adagrad", [{"lr": -1.0}, {"lr_decay": -1.0}, {"eps": -1.0}])):
    @case(f"optim.{_opt}")
    def _opt_hyper(d, _opt=_opt, _bad=_bad):
        kw = d.pick(_bad)
        return lambda T: getattr(T.optim, _opt)([T.zeros(2, requires_grad=True)], **kw)

    @case(f"optim.{_opt}")
    def _opt_empty(d, _opt=_opt):
        return lambda T: getattr(T.optim, _opt)([], lr=0.1)


@case("optim.SGD")
def _(d):
    return lambda T: T.optim.SGD(T.zeros(2, requires_grad=True), lr=0.1)


@case("optim.lr_scheduler.StepLR")
def _(d):
    def call(T):
        opt = T.optim.SGD([T.zeros(1, requires_grad=True)], lr=0.1)
        sched = T.optim.lr_scheduler.StepLR(opt, step_size=0)
        if d.int(0, 1):
            opt.step()
            sched.step()
        return opt.param_groups[0]["lr"]
    return call


# ---- nn.init and utils.data ------------------------------------------------------------------

for _init in ("kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_",
              "orthogonal_"):
    @case(f"nn.init.{_init}")
    def _init_1d(d, _init=_init):
        s = d.shape(0, 1)
        return lambda T: getattr(T.nn.init, _init)(T.zeros(s))


@case("nn.init.uniform_")
def _(d):
    return lambda T: T.nn.init.uniform_(T.zeros(3), 1.0, d.pick([0.0, -1.0]))


@case("utils.data.DataLoader")
def _(d):
    kw = d.pick([{"batch_size": 0}, {"batch_size": -1}, {"batch_size": 1.5},
                 {"num_workers": -1}, {"shuffle": True, "sampler": [0, 1]},
                 {"batch_size": 2, "batch_sampler": [[0]]}])
    return lambda T: T.utils.data.DataLoader([1, 2, 3], **kw)


@case("utils.data.TensorDataset")
def _(d):
    n = d.int(1, 4)
    return lambda T: T.utils.data.TensorDataset(T.zeros(n), T.zeros(n + d.int(1, 2)))


@case("utils.data.random_split")
def _(d):
    lengths = d.pick([[1, 1], [0.5, 0.6], [4], [-1, 4]])
    return lambda T: T.utils.data.random_split([1, 2, 3], lengths)


@case("nn.utils.clip_grad_norm_")
def _(d):
    def call(T):
        p = T.ones(2, requires_grad=True)
        p.grad = T.tensor([float("inf"), 1.0])
        return T.nn.utils.clip_grad_norm_([p], 1.0, norm_type=d.pick([2.0, "inf"]),
                                          error_if_nonfinite=True)
    return call


@case("F.layer_norm")
def _(d):
    s = d.shape()
    x = d.arr(s)
    w = d.arr((s[-1] + d.int(1, 2),))
    return lambda T: T.nn.functional.layer_norm(X(T, x), s[-1:], weight=X(T, w))


for _name, _call in (("F.cross_entropy", lambda T, x: T.nn.functional.cross_entropy(
                          x, T.zeros(x.shape[0], dtype=T.int64))),
                     ("F.batch_norm", lambda T, x: T.nn.functional.batch_norm(
                         x, None, None, training=True)),
                     ("F.layer_norm", lambda T, x: T.nn.functional.layer_norm(x, x.shape[-1:])),
                     ("F.normalize", lambda T, x: T.nn.functional.normalize(x))):
    @case(_name, msg=False)
    def _int_input(d, _call=_call):
        x = d.arr((d.int(2, 3), d.int(2, 4)), d.pick(("int64", "int32")))
        return lambda T: _call(T, X(T, x))


@case("F.max_pool2d", msg=False)
def _(d):
    x = d.arr((1, 2, 4, 4), "bool")
    return lambda T: T.nn.functional.max_pool2d(X(T, x), 2)


# ---- linalg ----------------------------------------------------------------------------------

@case("linalg.inv")
def _(d):
    n = d.int(1, 3)
    a = d.pick([np.zeros((n, n)), np.ones((n, n + 1)), np.zeros((n,)), np.ones((2, n, n))])
    return lambda T: T.linalg.inv(X(T, a))


@case("linalg.cholesky")
def _(d):
    a = d.pick([-np.eye(2), np.array([[1.0, 2.0], [2.0, 1.0]]), np.ones((2, 3))])
    return lambda T: T.linalg.cholesky(X(T, a))


@case("linalg.solve")
def _(d):
    a = d.pick([np.zeros((2, 2)), np.eye(2)])
    b = d.pick([np.ones(2), np.ones(3), np.ones((3, 2)), np.ones((2, 3))])
    return lambda T: T.linalg.solve(X(T, a), X(T, b))
