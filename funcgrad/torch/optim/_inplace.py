"""In-place optimizer steps on numpy parameters: SGD's and Adam's (and AdamW's) updates as
PyTorch's single-tensor kernels compute them, each operation one numpy call writing into the
state's buffers and the parameter, nothing allocated but a scratch array per parameter.

The state stays the transform's (SgdMomentumState, ScaleByAdamState: a step count and buffers),
so state_dict, load_state_dict and the transform path (any other setting, tensors on a GPU,
traced values) read and continue it; the buffers become arrays owned by the state on the first
in-place step (a copy: they may share memory with a loaded checkpoint)."""
from __future__ import annotations

import math

import numpy as np

from ..._core.array import Array
from ...optim import ScaleByAdamState
from ._transforms import SgdMomentumState

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_INT32_MAX = np.iinfo(np.int32).max


class Kernel:
    """An in-place group step with its fixed settings: Kernel(step, **settings)(group, ps,
    states) is step(group, ps, states, **settings), True once done."""
    __slots__ = ("step", "settings")

    def __init__(self, step, **settings):
        self.step, self.settings = step, settings

    def __call__(self, group, ps, states):
        return self.step(group, ps, states, **self.settings)


def _owned(v):
    """A state array as a buffer this state alone holds and may write into."""
    a = Array.__new__(Array)
    a._value = np.array(v._value, copy=True)
    a._weak = False
    return a


def _count(n):
    a = Array.__new__(Array)
    a._value = np.asarray(n, np.int32)
    a._weak = False
    return a


def _find_state(fg, cls):
    """(position of the `cls` state in the chain's state tuple, the state) or None."""
    if type(fg) is not tuple:
        return None
    for i, s in enumerate(fg):
        if type(s) is cls:
            return i, s
    return None


def _numbers(*values):
    for v in values:
        if type(v) is not float and type(v) is not int:
            return False
    return True


def _fits(p, arrays):
    """Whether parameter p, its gradient and the state `arrays` (funcgrad Arrays) are numpy
    arrays of one floating dtype and p's shape, p writable."""
    d, g = p._data, p.grad._data
    if type(d) is not np.ndarray or type(g) is not np.ndarray or d.dtype not in _FLOATS \
            or g.dtype != d.dtype or g.shape != d.shape or not d.flags.writeable:
        return False
    for a in arrays:
        if type(a) is not Array:
            return False
        v = a._value
        if type(v) is not np.ndarray or v.dtype != d.dtype or v.shape != d.shape:
            return False
    return True


def _own(st, s, fields):
    """State `s` with its buffers `fields` owned by the parameter's state dict `st` (which
    keeps them under "owned"): copied when they are other arrays than the ones it owns."""
    own = st.get("owned")
    now = tuple(getattr(s, f)._value for f in fields)
    if own is None or len(own) != len(now) or any(a is not b for a, b in zip(own, now)):
        s = s._replace(**{f: _owned(getattr(s, f)) for f in fields})
        st["owned"] = tuple(getattr(s, f)._value for f in fields)
    return s


def _next_count(s):
    count = int(s.count._value)
    return count + 1 if count < _INT32_MAX else count  # (safe_increment's saturation)


def _store(st, i, s):
    fg = list(st["fg"])
    fg[i] = s
    st["fg"] = tuple(fg)


def sgd_step(group, ps, states):
    """One SGD step of parameters ps (their state dicts `states`), in place; False (nothing
    changed) where the group or a parameter needs the transform path (see adam_step). As
    PyTorch's: (maximize: g = -g; g = g + wd * p) b = g on the first step, then b = momentum
    * b + (1 - dampening) * g; direction b, or g + momentum * b with nesterov; p += -lr * d."""
    lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
    wd = group["weight_decay"]
    if not _numbers(lr, momentum, dampening, wd):
        return False
    found = []
    for p, st in zip(ps, states):
        at = _find_state(st.get("fg"), SgdMomentumState)
        if at is None or not _fits(p, (at[1].momentum_buffer,)):
            return False
        found.append(at)
    maximize, nesterov = group.get("maximize", False), group.get("nesterov", False)
    for p, st, (i, s) in zip(ps, states, found):
        d, g = p._data, p.grad._data
        dt = d.dtype.type
        if maximize:
            g = -g
        if wd:
            g = g + dt(wd) * d
        if momentum:
            s = _own(st, s, ("momentum_buffer",))
            buf = s.momentum_buffer._value
            if int(s.count._value) == 0:
                buf[...] = g
            else:
                buf *= dt(momentum)
                buf += g if dampening == 0 else g * dt(1 - dampening)
            g = g + dt(momentum) * buf if nesterov else buf
        d += g * dt(-lr)
        p._bump()
        _store(st, i, s._replace(count=_count(_next_count(s))))
    return True


def adam_step(group, ps, states, decoupled):
    """One Adam step of parameters ps (their per-parameter state dicts `states`), in place;
    False (nothing changed) where the group or a parameter needs the transform path: a
    hyperparameter that is not a plain number, amsgrad, or arrays that are not numpy floats
    of the parameter's dtype. Each state dict keeps the moment buffers it owns under "owned"
    (a moment that is another array, as the transform path or a load left it, is copied first).

    As PyTorch's: (maximize: g = -g; L2 decay: g = g + wd * p; decoupled: p *= 1 - lr * wd)
    m = lerp(m, g, 1 - b1); v = v * b2 + (1 - b2) * g * g; p += -(lr / (1 - b1^t)) * m /
    (sqrt(v) / sqrt(1 - b2^t) + eps)."""
    lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
    betas = group["betas"]
    if group.get("amsgrad") or type(betas) is not tuple or len(betas) != 2:
        return False
    b1, b2 = betas
    if not _numbers(lr, eps, wd, b1, b2):
        return False
    found = []
    for p, st in zip(ps, states):
        at = _find_state(st.get("fg"), ScaleByAdamState)
        if at is None or not _fits(p, (at[1].mu, at[1].nu)):
            return False
        found.append(at)
    maximize = group.get("maximize", False)
    for p, st, (i, s) in zip(ps, states, found):
        s = _own(st, s, ("mu", "nu"))
        t = _next_count(s)
        d, g = p._data, p.grad._data
        m, v = s.mu._value, s.nu._value
        dt = d.dtype.type
        if maximize:
            g = -g
        if wd:
            if decoupled:
                d *= dt(1 - lr * wd)
            else:
                g = g + dt(wd) * d
        # m.lerp_(g, 1 - b1): m + w * (g - m)
        scratch = np.subtract(g, m)
        scratch *= dt(1 - b1)
        m += scratch
        # v.mul_(b2).addcmul_(g, g, value=1 - b2)
        v *= dt(b2)
        np.multiply(g, dt(1 - b2), out=scratch)
        scratch *= g
        v += scratch
        step_size = lr / (1 - b1 ** t)
        denom = np.sqrt(v, out=scratch)
        denom /= dt(math.sqrt(1 - b2 ** t))
        denom += dt(eps)
        # p.addcdiv_(m, denom, value=-step_size): p + (-step_size * m) / denom
        np.divide(np.multiply(m, dt(-step_size)), denom, out=denom)
        d += denom
        p._bump()
        _store(st, i, s._replace(count=_count(t)))
    return True
