"""In-place optimizer steps on numpy parameters: Adam's (and AdamW's) update as PyTorch's
single-tensor kernels compute it, each operation one numpy call writing into the moment buffers
and the parameter, nothing allocated but one scratch array per parameter.

The state stays funcgrad.optim's (ScaleByAdamState: step count, first and second moment), so
state_dict, load_state_dict and the transform path (any other setting, tensors on a GPU, traced
values) read and continue it; the moments become buffers owned by the state on the first
in-place step (a copy: they may share memory with a loaded checkpoint)."""
from __future__ import annotations

import math

import numpy as np

from ..._core.array import Array
from ...optim import ScaleByAdamState

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_INT32_MAX = np.iinfo(np.int32).max


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


def _adam_state(fg):
    """(position of the ScaleByAdamState in the chain's state tuple, the state) or None."""
    if type(fg) is not tuple:
        return None
    for i, s in enumerate(fg):
        if type(s) is ScaleByAdamState:
            return i, s
    return None


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
    for v in (lr, eps, wd, b1, b2):
        if type(v) is not float and type(v) is not int:
            return False
    found = []
    for p, st in zip(ps, states):
        d, g = p._data, p.grad._data
        if type(d) is not np.ndarray or type(g) is not np.ndarray or d.dtype not in _FLOATS \
                or g.dtype != d.dtype or g.shape != d.shape or not d.flags.writeable:
            return False
        at = _adam_state(st.get("fg"))
        if at is None:
            return False
        s = at[1]
        if type(s.mu) is not Array or type(s.nu) is not Array:
            return False
        mu, nu = s.mu._value, s.nu._value
        if type(mu) is not np.ndarray or type(nu) is not np.ndarray or mu.dtype != d.dtype \
                or nu.dtype != d.dtype or mu.shape != d.shape or nu.shape != d.shape:
            return False
        found.append(at)
    maximize = group.get("maximize", False)
    for p, st, (i, s) in zip(ps, states, found):
        own = st.get("owned")
        if own is None or own[0] is not s.mu._value or own[1] is not s.nu._value:
            s = s._replace(mu=_owned(s.mu), nu=_owned(s.nu))
            st["owned"] = (s.mu._value, s.nu._value)
        count = int(s.count._value)
        t = count + 1 if count < _INT32_MAX else count
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
        fg = list(st["fg"])
        fg[i] = s._replace(count=_count(t))
        st["fg"] = tuple(fg)
    return True
