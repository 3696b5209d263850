"""torch.optim over funcgrad.optim: trajectories equal PyTorch's for the same problem."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ftorch

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
]


def _trajectory(torch_mod, name, kw, steps=60):
    w = torch_mod.tensor(np.linspace(-1.0, 2.0, 5), requires_grad=True)
    target = torch_mod.tensor(np.arange(5.0))
    opt = getattr(torch_mod.optim, name)([w], **kw)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((w - target) ** 2 * torch_mod.tensor(np.arange(1.0, 6.0))).sum()
        if kw.get("maximize"):
            loss = -loss
        loss.backward()
        opt.step()
        out.append(w.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize("name,kw", CASES)
def test_trajectory_matches_torch(torch, name, kw):
    np.testing.assert_allclose(_trajectory(ftorch, name, kw), _trajectory(torch, name, kw),
                               rtol=1e-9, atol=1e-12)


def test_state_dict_round_trip_and_lr_scheduler():
    w = ftorch.tensor([1.0, 2.0], requires_grad=True)
    opt = ftorch.optim.SGD([w], lr=0.1, momentum=0.9)
    sched = ftorch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        opt.zero_grad()
        (w ** 2).sum().backward()
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == [0.1, 0.05, 0.05, 0.025, 0.025]
    sd = opt.state_dict()
    opt2 = ftorch.optim.SGD([w], lr=1.0, momentum=0.9)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.025


def test_errors_match_torch():
    w = ftorch.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        ftorch.optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        ftorch.optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        ftorch.optim.SGD([], lr=0.1)
    with pytest.raises(NotImplementedError, match="amsgrad"):
        ftorch.optim.Adam([w], amsgrad=True)
