"""torch.optim over funcgrad.optim: each parameter's update direction comes from a funcgrad.optim
transform chain (its state kept per parameter), and step() applies -lr * direction in place, so
schedulers can change group['lr'] between steps as in PyTorch."""
from __future__ import annotations

from ... import optim as fo
from .._dispatch import value_of
from .._grad_mode import no_grad
from .._tensor import Tensor, _from_value


class Optimizer:
    """torch.optim.Optimizer: param_groups (dicts with 'params' and hyperparameters), per-
    parameter state, zero_grad, step, state_dict / load_state_dict, add_param_group."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group):
        group = dict(param_group)
        ps = group["params"]
        group["params"] = [ps] if isinstance(ps, Tensor) else list(ps)
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
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
    def step(self, closure=None):
        loss = None
        if closure is not None:
            from .._grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            tx = self._direction(group)
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = value_of(p.grad)
                if group.get("maximize"):
                    g = -g
                st = self.state.get(p)
                if st is None:
                    st = self.state[p] = {"fg": tx.init(value_of(p))}
                d, st["fg"] = tx.update(g, st["fg"], value_of(p))
                p._inplace_add(_from_value(d * -group["lr"]))
        return loss

    def state_dict(self):
        index = {}
        groups = []
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        params = [p for g in self.param_groups for p in g["params"]]
        for g, saved in zip(self.param_groups, groups):
            if len(g["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 "match the size of optimizer's group")
            g.update({k: v for k, v in saved.items() if k != "params"})
        self.state = {params[i]: s for i, s in state_dict["state"].items()}

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(g):
                if k != "params":
                    lines.append(f"    {k}: {g[k]}")
        lines.append(")")
        return "\n".join(lines)


class SGD(Optimizer):
    """torch.optim.SGD: d = g + weight_decay * p; momentum buffers b = momentum * b + (1 -
    dampening) * d (b = d on the first step); nesterov d + momentum * b; p -= lr * direction."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
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

    def _direction(self, group):
        parts = []
        if group["weight_decay"]:
            parts.append(fo.add_decayed_weights(group["weight_decay"]))
        if group["momentum"]:
            if group["dampening"]:
                raise NotImplementedError("SGD with dampening is not supported yet")
            parts.append(fo.trace(group["momentum"], nesterov=group["nesterov"]))
        return fo.chain(*parts)


class Adam(Optimizer):
    """torch.optim.Adam (L2 weight_decay added to the gradient, as PyTorch does)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        if amsgrad:
            # PyTorch keeps the maximum of the raw second moments and corrects it with the
            # current step's bias; funcgrad.optim's scale_by_amsgrad (optax's) keeps the maximum
            # of the corrected ones, a different trajectory.
            raise NotImplementedError("Adam(amsgrad=True) is not supported yet")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused))

    def _direction(self, group):
        b1, b2 = group["betas"]
        parts = []
        if group["weight_decay"]:
            parts.append(fo.add_decayed_weights(group["weight_decay"]))
        parts.append(fo.scale_by_adam(b1, b2, group["eps"]))
        return fo.chain(*parts)


class AdamW(Adam):
    """torch.optim.AdamW: decoupled weight decay, p -= lr * (adam + weight_decay * p)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, **kw):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, **kw)

    def _direction(self, group):
        b1, b2 = group["betas"]
        return fo.chain(fo.scale_by_adam(b1, b2, group["eps"]),
                        fo.add_decayed_weights(group["weight_decay"]))


from . import lr_scheduler  # noqa: E402,F401
