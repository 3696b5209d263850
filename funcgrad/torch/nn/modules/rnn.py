"""RNN, LSTM, GRU (multi-layer, bidirectional, batch_first, dropout between layers, LSTM
projections) and their single-step cells. The whole sequence runs as one recorded operation (a
loop of funcgrad operations); h_n (and c_n) come out as PyTorch's stacked tensors."""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from .... import lax
from .... import numpy as fnp
from ..._dispatch import apply_op
from ..._factories import zeros
from ..._random import _gen
from ..._tensor import Tensor
from ...types import Device, _dtype
from .. import init
from ..functional._common import _const
from ..parameter import Parameter
from .linear import _empty
from .module import Module, _non_default_fields

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _mm(x, w):
    """x @ w.T over the last axis of x."""
    return lax.dot_general(x, w, (((x.ndim - 1,), (1,)), ((), ())))


def _chunks(v, n):
    size = v.shape[-1] // n
    lead = (0,) * (v.ndim - 1)
    return [lax.slice(v, lead + (k * size,), tuple(v.shape[:-1]) + ((k + 1) * size,))
            for k in range(n)]


def _cell(mode, gi, h, c, w_hh, b_hh, w_hr):
    """One step: gi = x W_ih^T + b_ih (precomputed); returns (h, c)."""
    gh = _mm(h, w_hh)
    if b_hh is not None:
        gh = gh + b_hh
    if mode == "LSTM":
        i, f, g, o = _chunks(gi + gh, 4)
        c = lax.logistic(f) * c + lax.logistic(i) * lax.tanh(g)
        h = lax.logistic(o) * lax.tanh(c)
        if w_hr is not None:
            h = _mm(h, w_hr)
        return h, c
    if mode == "GRU":
        ir, iz, in_ = _chunks(gi, 3)
        hr, hz, hn = _chunks(gh, 3)
        r = lax.logistic(ir + hr)
        z = lax.logistic(iz + hz)
        n = lax.tanh(in_ + r * hn)
        return (1 - z) * n + z * h, None
    pre = gi + gh
    if mode == "RNN_TANH":
        return lax.tanh(pre), None
    return lax.maximum(pre, _const(0, pre)), None


class RNNBase(Module):
    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional", "proj_size"]

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Device = None,
                 dtype: _dtype | None = None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
                or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: "
                            f"{type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        gate_size = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}.get(mode)
        if gate_size is None:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size *= hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                real_hidden = proj_size if proj_size > 0 else hidden_size
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                params = [Parameter(_empty(gate_size, layer_input, dtype=dtype, device=device)),
                          Parameter(_empty(gate_size, real_hidden, dtype=dtype, device=device))]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    params += [Parameter(_empty(gate_size, dtype=dtype, device=device)),
                               Parameter(_empty(gate_size, dtype=dtype, device=device))]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size > 0:
                    params.append(Parameter(_empty(proj_size, hidden_size, dtype=dtype,
                                                   device=device)))
                    names.append("weight_hr_l{}{}")
                suffix = "_reverse" if direction == 1 else ""
                names = [n.format(layer, suffix) for n in names]
                for n, p in zip(names, params):
                    setattr(self, n, p)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, w) for w in weights] for weights in self._all_weights]

    def flatten_parameters(self) -> None:
        pass

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}" + _non_default_fields(self, (
            ("proj_size", 0), ("num_layers", 1), ("bias", True), ("batch_first", False),
            ("dropout", 0), ("bidirectional", False)))
        return s.format(**self.__dict__)

    # ---- forward ------------------------------------------------------------------------------

    def _check(self, input, hx, cx):
        name = type(self).__name__
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D tensor "
                             "instead")
        batched = input.dim() == 3
        if input.size(-1) != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")
        if input.dtype is not self._flat_weights[0].dtype:
            raise ValueError(f"input must have the type {self._flat_weights[0].dtype}, got type "
                             f"{input.dtype}")
        if hx is not None:
            if self.mode == "LSTM":
                if batched and (hx.dim() != 3 or cx.dim() != 3):
                    raise RuntimeError(f"For batched 3-D input, hx and cx should also be 3-D but "
                                       f"got ({hx.dim()}-D, {cx.dim()}-D) tensors")
                if not batched and (hx.dim() != 2 or cx.dim() != 2):
                    raise RuntimeError(f"For unbatched 2-D input, hx and cx should also be 2-D "
                                       f"but got ({hx.dim()}-D, {cx.dim()}-D) tensors")
            else:
                if batched and hx.dim() != 3:
                    raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                                       f"{hx.dim()}-D tensor")
                if not batched and hx.dim() != 2:
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                                       f"{hx.dim()}-D tensor")
        return batched

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        lstm = self.mode == "LSTM"
        h0 = c0 = None
        if hx is not None:
            if lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0)")
                h0, c0 = hx
            else:
                h0 = hx
        batched = self._check(input, h0, c0)
        nd = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        batch = (input.size(0) if self.batch_first else input.size(1)) if batched else 1
        exp_h = (self.num_layers * nd, batch, real_hidden)
        exp_c = (self.num_layers * nd, batch, self.hidden_size)
        if h0 is not None:
            hs = tuple(h0.shape) if batched else (h0.shape[0], 1, h0.shape[1])
            if hs != exp_h:
                raise RuntimeError(f"Expected hidden{'[0]' if lstm else ''} size {exp_h}, got "
                                   f"{list(h0.shape)}")
            if c0 is not None:  # LSTM's
                cs = tuple(c0.shape) if batched else (c0.shape[0], 1, c0.shape[1])
                if cs != exp_c:
                    raise RuntimeError(f"Expected hidden[1] size {exp_c}, got {list(c0.shape)}")
        seq_len = (input.size(1) if self.batch_first else input.size(0)) if batched \
            else input.size(0)
        masks = []
        if self.training and self.dropout > 0:
            for _ in range(self.num_layers - 1):
                keep = _gen(None, input.device).bernoulli(  # PyTorch's bernoulli_(1 - p)
                    (seq_len, batch, real_hidden * nd), 1 - self.dropout)
                masks.append(keep.astype(input.dtype.np) / input.dtype.np.type(1 - self.dropout))
        mode, L, bias, bf = self.mode, self.num_layers, self.bias, self.batch_first
        per = (4 if bias else 2) + (1 if self.proj_size else 0)
        hidden = self.hidden_size

        def fn(x, h0v, c0v, *weights):
            if not batched:
                x = lax.expand_dims(x, (1,))
                h0v = None if h0v is None else lax.expand_dims(h0v, (1,))
                c0v = None if c0v is None else lax.expand_dims(c0v, (1,))
            elif bf:
                x = lax.transpose(x, (1, 0, 2))
            hn, cn = [], []
            for layer in range(L):
                outs = []
                for d in range(nd):
                    w = weights[(layer * nd + d) * per:(layer * nd + d + 1) * per]
                    w_ih, w_hh = w[0], w[1]
                    b_ih, b_hh = (w[2], w[3]) if bias else (None, None)
                    w_hr = w[-1] if self.proj_size else None
                    k = layer * nd + d
                    h = (lax.full((batch, real_hidden), 0, x.dtype) if h0v is None else h0v[k])
                    c = None
                    if mode == "LSTM":
                        c = lax.full((batch, hidden), 0, x.dtype) if c0v is None else c0v[k]
                    gi = _mm(x, w_ih)
                    if b_ih is not None:
                        gi = gi + b_ih
                    steps = range(seq_len - 1, -1, -1) if d == 1 else range(seq_len)
                    ys = [None] * seq_len
                    for t in steps:
                        h, c = _cell(mode, gi[t], h, c, w_hh, b_hh, w_hr)
                        ys[t] = h
                    outs.append(fnp.stack(ys, 0))
                    hn.append(h)
                    cn.append(c)
                x = outs[0] if nd == 1 else lax.concatenate(outs, 2)
                if masks and layer < L - 1:
                    x = x * _const(masks[layer], x)
            out = x
            if not batched:
                out = lax.squeeze(out, (1,))
            elif bf:
                out = lax.transpose(out, (1, 0, 2))
            h_n = fnp.stack(hn, 0)
            res = [out, h_n if batched else lax.squeeze(h_n, (1,))]
            if mode == "LSTM":
                c_n = fnp.stack(cn, 0)
                res.append(c_n if batched else lax.squeeze(c_n, (1,)))
            return tuple(res)

        if not batched:
            name = "SqueezeBackward1"
        elif self.batch_first:
            name = "TransposeBackward0" if lstm else "TransposeBackward1"
        elif self.bidirectional:
            name = "CatBackward0"
        else:
            # PyTorch's CPU LSTM goes through oneDNN for float32 without projections
            name = ("MkldnnRnnLayerBackward0" if lstm and input.dtype.name == "float32"
                    and not self.proj_size else "StackBackward0")
        res = apply_op(name, fn, [input, h0, c0] + self._flat_weights)
        hname = "StackBackward0" if batched else "SqueezeBackward1"
        states = tuple(apply_op(hname, lambda v: v * 1, [s]) for s in res[1:])
        if lstm:
            return res[0], states
        return res[0], states[0]


class RNN(RNNBase):
    def __init__(self, *args: Any, **kwargs: Any):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    def __init__(self, *args: Any, **kwargs: Any):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Device = None, dtype: _dtype | None = None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        n = num_chunks * hidden_size
        self.weight_ih = Parameter(_empty(n, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(_empty(n, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(_empty(n, dtype=dtype, device=device))
            self.bias_hh = Parameter(_empty(n, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _step(self, mode, name, input, hx, cx):
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{input.dim()}D instead")
        batched = input.dim() == 2
        b = input.size(0) if batched else 1
        if input.size(-1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(-1)} "
                               f"expected {self.input_size}")
        for h in (hx, cx):
            if h is not None and batched and h.dim() == 2 and h.size(0) != b:
                raise RuntimeError(f"Input batch size {b} doesn't match hidden0 batch size "
                                   f"{h.size(0)}")
        if hx is None:
            hx = zeros(*((b,) if batched else ()) + (self.hidden_size,), dtype=input.dtype,
                       device=input.device)
        if mode == "LSTM" and cx is None:
            cx = zeros(*((b,) if batched else ()) + (self.hidden_size,), dtype=input.dtype,
                       device=input.device)

        def fn(x, h, c, w_ih, w_hh, b_ih, b_hh):
            gi = _mm(x, w_ih)
            if b_ih is not None:
                gi = gi + b_ih
            h2, c2 = _cell(mode, gi, h, c, w_hh, b_hh, None)
            return (h2, c2) if mode == "LSTM" else h2
        return apply_op(name, fn, [input, hx, cx, self.weight_ih, self.weight_hh, self.bias_ih,
                                   self.bias_hh])


class RNNCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Device = None, dtype: _dtype | None = None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        return self._step(mode, "TanhBackward0" if mode == "RNN_TANH" else "ReluBackward0",
                          input, hx, None)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Device = None,
                 dtype: _dtype | None = None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        h, c = (None, None) if hx is None else hx
        return self._step("LSTM", "MulBackward0", input, h, c)


class GRUCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Device = None,
                 dtype: _dtype | None = None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        return self._step("GRU", "AddBackward0", input, hx, None)
