"""torch.optim over funcgrad.optim: each parameter's update direction comes from a funcgrad.optim
transform chain (its state kept per parameter), and step() applies -lr * direction in place, so
schedulers can change group['lr'] between steps as in PyTorch."""
from __future__ import annotations

import copy as _copy
from collections import defaultdict as _defaultdict
from typing import Any as _Any
from typing import Callable as _Callable
from typing import Iterable as _Iterable
from typing import Union as _Union

import numpy as _np

from ... import numpy as fnp
from ...interpreters.jit import jit as _jit
from ... import optim as fo
from ... import tree as _tree
from .._dispatch import value_of
from .._dtypes import get_default_dtype as _default_dtype
from .._grad_mode import enable_grad as _enable_grad
from .._grad_mode import no_grad
from .._tensor import Tensor, _from_value
from . import _inplace
from . import _transforms as tt

# what an optimizer takes as `params` (PyTorch's torch.optim.optimizer.ParamsT): tensors, dicts
# of options with their 'params' (parameter groups), or (name, tensor) pairs
_ParamsT = _Union[_Iterable[Tensor], _Iterable[dict[str, _Any]], _Iterable[tuple[str, Tensor]]]


class Optimizer:
    """torch.optim.Optimizer: param_groups (dicts with 'params' and hyperparameters), per-
    parameter state, zero_grad, step, state_dict / load_state_dict, add_param_group."""

    def __init__(self, params: _Iterable[_Any], defaults: dict[str, _Any]) -> None:
        self.defaults = dict(defaults)
        # as torch's: opt.state[p] is {} before p's first step
        self.state: dict[_Any, dict[str, _Any]] = _defaultdict(dict)
        self.param_groups: list[dict[str, _Any]] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {params.type()}")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for g in groups:
            self.add_param_group(g)

    # whether a parameter's state exists from the start (PyTorch's Adagrad) or from its first step
    _eager_state = False
    # whether step() scales the transform's direction by -lr (False: the transform's update is
    # the parameter's change, negated, lr inside it, as in Rprop and ASGD)
    _lr_outside = True

    def add_param_group(self, param_group: dict[str, _Any]) -> None:
        """Add a group (a dict with 'params' and its own hyperparameters; the optimizer's
        defaults fill the rest). Parameters given as (name, tensor) pairs, as
        module.named_parameters() yields them, keep their names in the group's 'param_names'.

        >>> import funcgrad.torch as torch
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> opt.add_param_group({"params": [torch.zeros(2, requires_grad=True)], "lr": 1})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 1]
        """
        group = dict(param_group)
        ps = group["params"]
        if isinstance(ps, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        ps = [ps] if isinstance(ps, Tensor) else list(ps)
        names = [p[0] for p in ps if isinstance(p, tuple)]
        group["params"] = [p[1] if isinstance(p, tuple) else p for p in ps]
        if names:
            if len(names) != len(ps):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            group["param_names"] = names
        if self.param_groups and ("param_names" in group) != ("param_names" in
                                                              self.param_groups[0]):
            which = "with names" if "param_names" in group else "without names"
            raise ValueError("all optimizer param groups should be with/without names. "
                             f"cannot add param group {which} to the optimizer")
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)
        if self._eager_state:
            tx = self._direction(group)
            for p in group["params"]:
                self.state[p] = self._new_state(tx, group, p, None)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.detach_().zero_()

    def _direction(self, group):
        """The funcgrad.optim transform giving the update direction (before -lr)."""
        raise NotImplementedError

    @no_grad()
    def step(self, closure: _Callable[[], _Any] | None = None) -> _Any:
        loss = None
        if closure is not None:
            with _enable_grad():
                loss = closure()
        for group in self.param_groups:
            tx = None
            ps, states = [], []
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state.get(p)
                if st is None or "fg" not in st:
                    if tx is None:
                        tx = self._direction(group)
                    st = self.state[p] = self._new_state(tx, group, p, st)
                ps.append(p)
                states.append(st)
            if not ps:
                continue
            key = _fusable(group, ps, self._lr_outside)
            if key is not None and self._fused_step(group, key, ps, states):
                continue
            if tx is None:
                tx = self._direction(group)
            for p, st in zip(ps, states):
                g = value_of(p.grad)
                if group.get("maximize"):
                    g = -g
                d, st["fg"] = tx.update(g, st["fg"], value_of(p))
                p._inplace_add(_from_value(d * -self._scale(group)))
        return loss

    def _inplace_kernel(self, group):
        """A step of the whole group computed in place on its numpy arrays, as PyTorch's own
        kernels compute it (_inplace.py), for groups with these hyperparameters:
        an _inplace.Kernel, whose call (group, ps, states) is False where the arrays do not fit
        it; None where the optimizer has none (its compiled transform step then)."""
        return None

    def _fused_step(self, group, key, ps, states):
        """One step of the whole group as one compiled funcgrad function (the same
        funcgrad.optim transform as the per-parameter path, under fg.jit, whose horizontal
        fusion runs the parameters' updates over flat buffers), as PyTorch's foreach
        implementations update a group with one kernel per operation (or, for an optimizer that
        has one, its in-place kernel: _inplace_kernel). The learning rate is an
        argument (a scheduler's change compiles nothing); the other hyperparameters key the
        compiled function. False (nothing done) for a new key once _FUSED_MAX functions are
        compiled: hyperparameters that change every step (OneCycleLR's momentum) take the
        per-parameter path instead of a compilation per step."""
        cache = self.__dict__.setdefault("_fused", {})
        fused = cache.get(key)
        if fused is None:
            if len(cache) >= _FUSED_MAX:
                return False
            fused = cache[key] = self._inplace_kernel(group) or _group_update(
                self._direction(group), bool(group.get("maximize")))
        if type(fused) is _inplace.Kernel:
            return fused(group, ps, states)
        deltas, new_states = fused([value_of(p.grad) for p in ps], [st["fg"] for st in states],
                                   [value_of(p) for p in ps], self._scale(group))
        for p, st, d, new in zip(ps, states, deltas, new_states):
            st["fg"] = new
            p._inplace_add(_from_value(d))
        return True

    def _scale(self, group):
        """What step() multiplies the transform's direction by (before negating it)."""
        return group["lr"] if self._lr_outside else 1.0

    def _new_state(self, tx, group, p, saved):
        """p's entry in self.state: its funcgrad.optim state (fresh, or the `saved` one a
        load_state_dict gave), and the default dtype now, that of PyTorch's 'step' tensor."""
        return {"fg": self._restore(tx, p, saved, self._torch_names(group)),
                "step_dtype": _default_dtype()}

    def _torch_names(self, group):
        """PyTorch's state_dict names for the leaves of a parameter's funcgrad.optim state, in
        tx.init's order (None: a leaf PyTorch does not keep, such as SGD's step count), or None
        where the state is saved as funcgrad's list of leaves ('fg_state')."""
        return None

    @staticmethod
    def _restore(tx, p, saved, names=None):
        """A parameter's funcgrad.optim state: fresh (tx.init), or rebuilt from the leaves a
        load_state_dict gave (the tree's structure comes from tx.init, the values from the
        file: funcgrad's 'fg_state' list, or PyTorch's named tensors where `names` gives the
        optimizer's names)."""
        fresh = tx.init(value_of(p))
        if not saved:
            return fresh
        leaves, treedef = _tree.tree_flatten(fresh)
        if "fg_state" not in saved:
            vals = _from_torch_state(saved, names, leaves)
            if vals is None:
                return fresh
        else:
            vals = list(saved["fg_state"])
        if len(vals) != len(leaves):
            raise ValueError(f"loaded optimizer state has {len(vals)} arrays for a parameter "
                             f"whose state has {len(leaves)}: was it saved by "
                             "another optimizer type or hyperparameter setting?")
        out = []
        for ref, v in zip(leaves, vals):
            v = value_of(v) if isinstance(v, Tensor) else fnp.asarray(v)
            if v.dtype != fnp.asarray(ref).dtype and not v.ndim:  # PyTorch's float step
                v = fnp.asarray(v, fnp.asarray(ref).dtype)
            ref = fnp.asarray(ref)
            if tuple(v.shape) != tuple(ref.shape):
                raise ValueError(f"loaded optimizer state has shape {tuple(v.shape)} where the "
                                 f"parameter's state needs {tuple(ref.shape)}")
            out.append(fnp.asarray(v, ref.dtype))
        return _tree.tree_unflatten(treedef, out)

    def state_dict(self) -> dict[str, _Any]:
        """{'state': {index: {name: tensor}}, 'param_groups': [...]} as PyTorch's: parameters
        are numbered in param_groups order, each parameter's state holds PyTorch's names
        ('step', 'exp_avg', 'momentum_buffer', ...) in PyTorch's order, and each group its
        hyperparameters then 'params' (the indices). An Optimizer subclass that names no
        state saves its funcgrad.optim state's arrays as a list, 'fg_state'. The dict holds only
        tensors, numbers, strings, lists and dicts (torch.save writes it).

        >>> import funcgrad.torch as torch
        >>> w = torch.ones(2, requires_grad=True)
        >>> opt = torch.optim.RMSprop([w], momentum=0.5)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> sd = opt.state_dict()
        >>> list(sd["state"][0]), sd["param_groups"][0]["params"]
        (['step', 'square_avg', 'momentum_buffer'], [0])
        """
        index: dict[int, _Any] = {}
        groups = []
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": ids})
        names = {id(p): self._torch_names(g) for g in self.param_groups for p in g["params"]}
        state = {}
        for p, s in self.state.items():
            if id(p) not in index:
                continue
            if not s:
                continue
            if "fg" in s:
                leaves = _tree.tree_leaves(s["fg"])
                named = names.get(id(p))
                if named is not None and len(named) == len(leaves):
                    entry = _torch_state(leaves, named, s.get("step_dtype", _default_dtype()))
                    if entry:
                        state[index[id(p)]] = entry
                else:
                    state[index[id(p)]] = {"fg_state": [_from_value(fnp.asarray(v))
                                                        for v in leaves]}
            else:
                state[index[id(p)]] = dict(s)
        state = dict(sorted(state.items()))
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, _Any]) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        params = [p for g in self.param_groups for p in g["params"]]
        for g, saved in zip(self.param_groups, groups):
            if len(g["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 "match the size of optimizer's group")
        for g, saved in zip(self.param_groups, groups):
            g.update({k: _copy.deepcopy(v) for k, v in saved.items() if k != "params"})
        state: dict[_Any, dict[str, _Any]] = _defaultdict(dict)
        for i, s in state_dict["state"].items():
            i = int(i)
            if not 0 <= i < len(params):
                raise ValueError(f"loaded state dict has state for parameter {i}, but the "
                                 f"optimizer has {len(params)} parameters")
            state[params[i]] = {k: (list(v) if k == "fg_state" else v) for k, v in s.items()}
        self.state = state

    def __repr__(self) -> str:
        """As PyTorch prints an optimizer: each group's hyperparameters sorted by name, a blank
        line between groups.

        >>> import funcgrad.torch as torch
        >>> print(torch.optim.Adagrad([torch.zeros(1, requires_grad=True)], lr=0.5))
        Adagrad (
        Parameter Group 0
            differentiable: False
            eps: 1e-10
            foreach: None
            fused: None
            initial_accumulator_value: 0
            lr: 0.5
            lr_decay: 0
            maximize: False
            weight_decay: 0
        )
        """
        groups = ["".join([f"Parameter Group {i}\n"]
                          + [f"    {k}: {g[k]}\n" for k in sorted(g) if k != "params"])
                  for i, g in enumerate(self.param_groups)]
        return f"{type(self).__name__} (\n" + "\n".join(groups) + ")"


# PyTorch's 0-d state entries, made in the default dtype (funcgrad counts in int32 and keeps
# NAdam's product in float64)
_SCALAR_STATE = ("step", "mu_product", "eta", "mu")

# the order of the names in PyTorch's per-parameter state dicts (each optimizer has a subsequence)
_STATE_ORDER = ("step", "mu_product", "square_avg", "momentum_buffer", "grad_avg", "exp_avg",
                "exp_avg_sq", "max_exp_avg_sq", "exp_inf", "sum", "acc_delta", "eta", "mu", "ax",
                "prev", "step_size")


def _torch_state(leaves, names, step_dtype):
    """A parameter's state as PyTorch's state_dict holds it: its named leaves as tensors, the
    step count as PyTorch's 'step', a 0-d tensor of the default dtype when the state began."""
    out = {}
    for name, v in sorted(((n, v) for n, v in zip(names, leaves) if n is not None),
                          key=lambda nv: _STATE_ORDER.index(nv[0])):
        v = fnp.asarray(v)
        out[name] = _from_value(fnp.asarray(v, step_dtype.np) if name in _SCALAR_STATE else v)
    return out


def _from_torch_state(saved, names, leaves):
    """The state leaves (tx.init's order) from PyTorch's named state: a leaf PyTorch does not
    keep is fresh, except a step count, which is 1 once there is a saved state (SGD's buffer
    exists after the first step). None when nothing named is saved (a fresh state); ValueError
    for names this optimizer does not have."""
    known = {n for n in names or () if n is not None}
    unknown = [k for k in saved if k not in known]
    if unknown or names is None or len(names) != len(leaves):
        raise ValueError(f"loaded optimizer state has entries {sorted(saved)} that this "
                         f"optimizer's state ({sorted(known) or 'fg_state'}) does not have: was "
                         "it saved by another optimizer type or hyperparameter setting?")
    if not any(saved.get(n) is not None for n in known):
        return None
    vals = []
    for name, ref in zip(names, leaves):
        if name is not None and saved.get(name) is not None:
            vals.append(saved[name])
        elif name is None and fnp.asarray(ref).dtype.kind == "i" and not fnp.asarray(ref).ndim:
            vals.append(fnp.ones_like(ref))
        else:
            vals.append(ref)
    return vals


# compiled group steps kept per optimizer (distinct settings of the hyperparameters)
_FUSED_MAX = 8


def _group_update(tx, maximize):
    """fg.jit of one step of transform tx over lists of (gradient, state, parameter): returns
    each parameter's change, -lr * direction, and its new state."""
    def update(grads, states, params, lr):
        deltas, new_states = [], []
        for g, st, p in zip(grads, states, params):
            d, st = tx.update(-g if maximize else g, st, p)
            deltas.append(d * -lr)
            new_states.append(st)
        return deltas, new_states
    return _jit(update)


_SCALARS = (float, int, bool, str, type(None))


_ndarray = _np.ndarray


def _fusable(group, ps, lr_outside=True):
    """The compiled group step's cache key when the group can take it (None otherwise): its
    hyperparameters are plain Python values (a tensor-valued one takes the per-parameter path)
    and its parameters and gradients are numpy arrays of one floating dtype each (no GPU
    storage, no funcgrad tracer, no complex numbers). lr is an argument of the compiled step,
    so not in the key, where step() applies it outside the transform (lr_outside)."""
    items = []
    for k, v in group.items():
        if k in ("params", "param_names"):
            continue
        if type(v) is tuple:
            if not all(type(x) in _SCALARS for x in v):
                return None
        elif type(v) not in _SCALARS:
            return None
        if k != "lr" or not lr_outside:
            items.append((k, v))
    for p in ps:
        d, g = p._data, p.grad._data
        if type(d) is not _ndarray or type(g) is not _ndarray or d.dtype.kind != "f" \
                or g.dtype != d.dtype:
            return None
    return tuple(sorted(items))


def _check(cond, msg):
    if not cond:
        raise ValueError(msg)


def _check_common(lr=0.0, eps=0.0, weight_decay=0.0, betas=None):
    _check(lr >= 0, f"Invalid learning rate: {lr}")
    _check(eps >= 0, f"Invalid epsilon value: {eps}")
    _check(weight_decay >= 0, f"Invalid weight_decay value: {weight_decay}")
    if betas is not None:
        _check(0 <= betas[0] < 1, f"Invalid beta parameter at index 0: {betas[0]}")
        _check(0 <= betas[1] < 1, f"Invalid beta parameter at index 1: {betas[1]}")


def _with_decay(core, group, decoupled=False):
    """core after L2 weight decay (torch's default: wd * p added to the gradient), or followed by
    decoupled decay (direction + wd * p, i.e. p -= lr * wd * p as torch's param.mul_(1 - lr*wd)).
    add_decayed_weights is stateless and always present, so the chain's state has the same
    structure whatever the group's weight_decay (a scheduler or the user may change it)."""
    wd = fo.add_decayed_weights(group["weight_decay"])
    return fo.chain(core, wd) if decoupled else fo.chain(wd, core)


class SGD(Optimizer):
    """torch.optim.SGD: d = g + weight_decay * p; momentum buffers b = momentum * b + (1 -
    dampening) * d (b = d on the first step); nesterov d + momentum * b; p -= lr * direction."""

    def __init__(self, params: _ParamsT, lr: float | Tensor = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float | Tensor = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None):
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _torch_names(self, group):
        # the step count is funcgrad's, not PyTorch's; without momentum PyTorch keeps nothing
        return (None, "momentum_buffer" if group["momentum"] else None)

    def _inplace_kernel(self, group):
        return _inplace.Kernel(_inplace.sgd_step)

    def _direction(self, group):
        # trace() has no dampening, and torch's first step is undampened: tt.sgd_momentum
        return _with_decay(tt.sgd_momentum(group["momentum"], group["dampening"],
                                           group["nesterov"]), group)


class Adam(Optimizer):
    """torch.optim.Adam: L2 weight_decay added to the gradient (decoupled_weight_decay=True: AdamW);
    amsgrad keeps the maximum of the raw second moments, corrected with the current step."""

    _decoupled_default = False

    def __init__(self, params: _ParamsT, lr: float | Tensor = 1e-3,
                 betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool | None = None):
        _check_common(lr, eps, weight_decay, betas)
        if decoupled_weight_decay is None:
            decoupled_weight_decay = self._decoupled_default
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _torch_names(self, group):
        return ("step", "exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"]
                                                     else ())

    def _inplace_kernel(self, group):
        if group["amsgrad"]:
            return None
        return _inplace.Kernel(_inplace.adam_step,
                               decoupled=group.get("decoupled_weight_decay", False))

    def _direction(self, group):
        b1, b2 = group["betas"]
        if group["amsgrad"]:
            # funcgrad.optim.scale_by_amsgrad maxes the bias-corrected v_hat; torch the raw v
            core = tt.scale_by_amsgrad_torch(b1, b2, group["eps"])
        else:
            core = fo.scale_by_adam(b1, b2, group["eps"])
        return _with_decay(core, group, group.get("decoupled_weight_decay", False))


class AdamW(Adam):
    """torch.optim.AdamW: decoupled weight decay, p -= lr * (adam + weight_decay * p)."""

    _decoupled_default = True

    def __init__(self, params: _ParamsT, lr: float | Tensor = 1e-3,
                 betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, **kw: _Any):
        kw.pop("decoupled_weight_decay", None)
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, **kw)


class Adamax(Optimizer):
    """torch.optim.Adamax: funcgrad.optim.scale_by_adamax (max(b2 * u, |g| + eps), the mean
    bias-corrected), L2 weight_decay."""

    def __init__(self, params: _ParamsT, lr: float | Tensor = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        _check_common(lr, eps, weight_decay, betas)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _torch_names(self, group):
        return ("step", "exp_avg", "exp_inf")

    def _direction(self, group):
        b1, b2 = group["betas"]
        return _with_decay(fo.scale_by_adamax(b1, b2, group["eps"]), group)


class NAdam(Optimizer):
    """torch.optim.NAdam: the momentum schedule mu_t = b1 * (1 - 0.5 * 0.96**(t *
    momentum_decay)) (tt.scale_by_nadam_torch: funcgrad.optim.nadam is Dozat's constant-mu
    form), L2 or decoupled weight decay."""

    def __init__(self, params: _ParamsT, lr: float | Tensor = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        _check_common(lr, eps, weight_decay, betas)
        _check(momentum_decay >= 0, f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _torch_names(self, group):
        return ("step", "mu_product", "exp_avg", "exp_avg_sq")

    def _direction(self, group):
        b1, b2 = group["betas"]
        core = tt.scale_by_nadam_torch(b1, b2, group["eps"], group["momentum_decay"],
                                       _default_dtype().np)
        return _with_decay(core, group, group["decoupled_weight_decay"])


class RAdam(Optimizer):
    """torch.optim.RAdam (tt.scale_by_radam_torch: torch adds eps to sqrt(v) before the bias
    correction and rectifies only where rho_t > 5), L2 or decoupled weight decay."""

    def __init__(self, params: _ParamsT, lr: float | Tensor = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        _check_common(lr, eps, weight_decay, betas)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      differentiable=differentiable))

    def _torch_names(self, group):
        return ("step", "exp_avg", "exp_avg_sq")

    def _direction(self, group):
        b1, b2 = group["betas"]
        core = tt.scale_by_radam_torch(b1, b2, group["eps"])
        return _with_decay(core, group, group["decoupled_weight_decay"])


class RMSprop(Optimizer):
    """torch.optim.RMSprop: funcgrad.optim.scale_by_rms (or scale_by_stddev when centered) with
    decay=alpha and eps outside the root, then trace(momentum) (torch's buffer holds g / avg and
    p -= lr * buffer; with momentum 0, trace is the identity), L2 weight_decay."""

    def __init__(self, params: _ParamsT, lr: float | Tensor = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False):
        _check_common(lr, eps, weight_decay)
        _check(momentum >= 0, f"Invalid momentum value: {momentum}")
        _check(alpha >= 0, f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable))

    def _torch_names(self, group):
        # leaves: the count, [the mean g (centered)], the mean g**2, the momentum buffer
        return (("step",) + (("grad_avg",) if group["centered"] else ())
                + ("square_avg", "momentum_buffer" if group["momentum"] else None))

    def _direction(self, group):
        scale = fo.scale_by_stddev if group["centered"] else fo.scale_by_rms
        core = scale(decay=group["alpha"], eps=group["eps"], initial_scale=0.0,
                     eps_in_sqrt=False)
        return _with_decay(fo.chain(tt.count_steps(), core, fo.trace(group["momentum"])),
                           group)


class Adagrad(Optimizer):
    """torch.optim.Adagrad: g / (sqrt(sum g**2) + eps) (tt.scale_by_rss_torch: funcgrad.optim's
    scale_by_rss puts eps inside the root), times the lr_decay schedule 1 / (1 + count *
    lr_decay) (funcgrad.optim.scale_by_schedule), L2 weight_decay."""

    def __init__(self, params: _ParamsT, lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None):
        _check_common(lr, eps, weight_decay)
        _check(lr_decay >= 0, f"Invalid lr_decay value: {lr_decay}")
        _check(initial_accumulator_value >= 0,
               f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))

    # PyTorch's Adagrad makes each parameter's 'step' and 'sum' when the group is added
    _eager_state = True

    def _torch_names(self, group):
        # leaves: the sum of g**2, the lr_decay schedule's count
        return ("sum", "step")

    def _direction(self, group):
        core = fo.chain(tt.scale_by_rss_torch(group["initial_accumulator_value"], group["eps"]),
                        fo.scale_by_schedule(tt.lr_decay_factor(group["lr_decay"])))
        return _with_decay(core, group)


class Adadelta(Optimizer):
    """torch.optim.Adadelta: funcgrad.optim.scale_by_adadelta(rho, eps) (torch's acc_delta holds
    the squared direction before lr, as funcgrad's e_x does), L2 weight_decay."""

    def __init__(self, params: _ParamsT, lr: float | Tensor = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False, differentiable: bool = False):
        _check_common(lr, eps, weight_decay)
        _check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, capturable=capturable, foreach=foreach,
                                      differentiable=differentiable))

    def _torch_names(self, group):
        return ("step", "square_avg", "acc_delta")

    def _direction(self, group):
        return _with_decay(fo.chain(tt.count_steps(),
                                    fo.scale_by_adadelta(group["rho"], group["eps"])), group)



class Rprop(Optimizer):
    """torch.optim.Rprop (tt.rprop_torch): per-element step sizes, starting at lr, grown by
    etas[1] while the gradient keeps its sign and shrunk by etas[0] where it flips (within
    step_sizes); p -= sign(g) * step_size. lr only sets the first step sizes.

    >>> import funcgrad.torch as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.Rprop([w], lr=0.1)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    >>> w.detach(), opt.state_dict()["state"][0]["step_size"]
    (tensor([ 0.7800, -1.7800]), tensor([0.1200, 0.1200]))
    """

    _lr_outside = False

    def __init__(self, params: _ParamsT, lr: float | Tensor = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False):
        _check_common(lr)
        _check(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _torch_names(self, group):
        return ("step", "prev", "step_size")

    def _direction(self, group):
        return tt.rprop_torch(float(group["lr"]), group["etas"], group["step_sizes"])


class ASGD(Optimizer):
    """torch.optim.ASGD (tt.asgd_torch): SGD with the step size eta = lr / (1 + lambd * lr *
    t)**alpha and a decay of p by lambd * eta, keeping the average ax of the iterates from step
    t0 on (the state's 'ax'); L2 weight_decay. eta and mu are kept in the default dtype when
    the state began, as PyTorch keeps them (and rounds them).

    >>> import funcgrad.torch as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.ASGD([w], lr=0.1, t0=0)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    >>> w.detach(), opt.state_dict()["state"][0]["ax"]
    (tensor([ 0.5120, -1.0240]), tensor([ 0.5760, -1.1520]))
    """

    _lr_outside = False

    def __init__(self, params: _ParamsT, lr: float | Tensor = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        _check_common(lr, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _torch_names(self, group):
        return ("step", "eta", "mu", "ax")

    def _direction(self, group):
        return _with_decay(tt.asgd_torch(float(group["lr"]), group["lambd"], group["alpha"],
                                         group["t0"], _default_dtype().np), group)


from . import lr_scheduler  # noqa: E402,F401
