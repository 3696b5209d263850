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
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        ftorch.optim.Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Invalid momentum_decay"):
        ftorch.optim.NAdam([w], momentum_decay=-1)
    with pytest.raises(ValueError, match="Invalid rho"):
        ftorch.optim.Adadelta([w], rho=2.0)
    with pytest.raises(ValueError, match="Invalid lr_decay"):
        ftorch.optim.Adagrad([w], lr_decay=-1)
    with pytest.raises(ValueError, match="Invalid alpha"):
        ftorch.optim.RMSprop([w], alpha=-1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        ftorch.optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)


# ---- every torch.optim algorithm, 120 steps, float64, several hyperparameter settings ---------

STEPS = 120

VARIANTS = [
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.8, dampening=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.02, amsgrad=True)),
    ("Adam", dict(lr=0.02, amsgrad=True, weight_decay=0.05, betas=(0.8, 0.99))),
    ("Adam", dict(lr=0.02, weight_decay=0.05, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.02, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.02, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.02, betas=(0.8, 0.95), weight_decay=0.05, eps=1e-6)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.02, momentum_decay=0.01, weight_decay=0.05)),
    ("NAdam", dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True, betas=(0.8, 0.99))),
    ("RAdam", dict(lr=0.02)),
    ("RAdam", dict(lr=0.02, weight_decay=0.05, betas=(0.85, 0.95))),
    ("RAdam", dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.003, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(lr=0.005, centered=True)),
    ("RMSprop", dict(lr=0.002, momentum=0.9, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.002, momentum=0.9, centered=True, alpha=0.95)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.05, eps=1e-4, maximize=False)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.05)),
    ("Adadelta", dict(lr=2.0, rho=0.95, eps=1e-5)),
]


def _problem():
    # targets beyond tanh's range: the parameters keep moving for all 120 steps, never settling
    # where an adaptive method's normalized steps would amplify rounding chaotically
    rng = np.random.default_rng(0)
    return (rng.normal(size=(16, 4)),
            rng.uniform(1.2, 2.0, size=(16, 3)) * rng.choice([-1.0, 1.0], size=(1, 3)),
            rng.normal(size=(4, 3)) * 0.5, rng.normal(size=(3,)) * 0.1)


def _run(T, make_opt, steps=STEPS, sched=None, maximize=False):
    default = T.get_default_dtype()
    T.set_default_dtype(T.float64)  # torch keeps NAdam's mu_product in the default dtype
    try:
        X, Y, w0, b0 = _problem()
        X, Y = T.tensor(X), T.tensor(Y)
        w = T.tensor(w0, requires_grad=True)
        b = T.tensor(b0, requires_grad=True)
        opt = make_opt(T, w, b)
        s = sched(T, opt) if sched else None
        out = []
        for _ in range(steps):
            opt.zero_grad()
            loss = T.mean((T.tanh(X @ w + b) - Y) ** 2)
            (-loss if maximize else loss).backward()
            opt.step()
            if s is not None:
                s.step()
            out.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]))
        return np.array(out), opt
    finally:
        T.set_default_dtype(default)


@pytest.mark.parametrize("name,kw", VARIANTS, ids=[f"{n}-{i}" for i, (n, _) in
                                                    enumerate(VARIANTS)])
def test_all_optimizers_match_torch(torch, name, kw):
    make = lambda T, w, b: getattr(T.optim, name)([w, b], **kw)
    ours, _ = _run(ftorch, make, maximize=kw.get("maximize", False))
    theirs, _ = _run(torch, make, maximize=kw.get("maximize", False))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert np.abs(ours[-1] - ours[0]).max() > 1e-3


GROUPED = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta"]
GROUP_KW = {"SGD": dict(momentum=0.5), "RMSprop": dict(momentum=0.3, centered=True),
            "Adam": dict(amsgrad=True), "Adagrad": dict(lr_decay=0.01)}


@pytest.mark.parametrize("name", GROUPED)
def test_param_groups_with_own_hyperparameters_match_torch(torch, name):
    # group 2 overrides lr and weight_decay; the bias joins later through add_param_group
    def make(T, w, b):
        opt = getattr(T.optim, name)([{"params": [w], "weight_decay": 0.02}],
                                     lr=0.01, **GROUP_KW.get(name, {}))
        opt.add_param_group({"params": b, "lr": 0.05})
        return opt
    ours, opt = _run(ftorch, make, steps=40)
    theirs, topt = _run(torch, make, steps=40)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    for g, tg in zip(opt.param_groups, topt.param_groups):
        assert {k: v for k, v in g.items() if k != "params"} == \
            {k: v for k, v in tg.items() if k != "params"}


@pytest.mark.parametrize("name,kw", [("Adam", dict(lr=0.02, amsgrad=True)),
                                     ("NAdam", dict(lr=0.02)),
                                     ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
                                     ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
                                     ("Adagrad", dict(lr=0.1, lr_decay=0.1))])
def test_state_dict_round_trip_continues_the_trajectory(torch, name, kw):
    make = lambda T, w, b: getattr(T.optim, name)([w, b], **kw)
    full, _ = _run(ftorch, make, steps=50)
    theirs, _ = _run(torch, make, steps=50)
    np.testing.assert_allclose(full, theirs, rtol=1e-9, atol=1e-12)
    # 25 steps, state_dict into a fresh optimizer over fresh parameters, 25 more steps
    first, opt = _run(ftorch, make, steps=25)
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1]]
    opt2, rest = _resume(name, first[-1], sd, 25)
    assert opt2.param_groups[0]["lr"] == kw["lr"]
    np.testing.assert_allclose(rest, full[25:], rtol=1e-12, atol=1e-14)


def _resume(name, flat, sd, steps):
    """A fresh funcgrad.torch optimizer `name` over parameters `flat` (w then b) that loads
    state dict `sd` and takes `steps` steps: (the optimizer, the parameters after each)."""
    w = ftorch.tensor(flat[:12].reshape(4, 3), requires_grad=True)
    b = ftorch.tensor(flat[12:], requires_grad=True)
    opt = getattr(ftorch.optim, name)([w, b], lr=123.0)
    opt.load_state_dict(sd)
    X, Y = (ftorch.tensor(a) for a in _problem()[:2])
    rest = []
    for _ in range(steps):
        opt.zero_grad()
        ftorch.mean((ftorch.tanh(X @ w + b) - Y) ** 2).backward()
        opt.step()
        rest.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]))
    return opt, np.array(rest)


def test_load_state_dict_rejects_a_mismatched_state():
    w = ftorch.tensor([1.0, 2.0], requires_grad=True)
    opt = ftorch.optim.Adam([w])
    (w ** 2).sum().backward()
    opt.step()
    sd = opt.state_dict()
    v = ftorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    other = ftorch.optim.Adam([v])
    other.load_state_dict(sd)
    (v ** 2).sum().backward()
    with pytest.raises(ValueError, match="shape"):
        other.step()
    sgd = ftorch.optim.SGD([w], lr=0.1, momentum=0.9)
    sgd.load_state_dict({"state": sd["state"], "param_groups": [
        dict(opt.state_dict()["param_groups"][0], momentum=0.9, dampening=0, nesterov=False)]})
    with pytest.raises(ValueError, match="another optimizer"):
        sgd.step()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})


# ---- schedulers: the lr sequence equals torch's -------------------------------------------------

def _rates(T, make, n, groups=1, metrics=None):
    ps = [T.nn.Parameter(T.zeros(1)) for _ in range(groups)]
    opt = T.optim.SGD([{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(ps)],
                      lr=0.1, momentum=0.9)
    s = make(T.optim.lr_scheduler, opt)
    out = []
    for i in range(n):
        out.append(list(s.get_last_lr()) + [g.get("momentum", 0) for g in opt.param_groups])
        opt.step()
        if metrics is None:
            s.step()
        else:
            s.step(metrics[i])
    return np.array(out, dtype=float)


def _seq(S, o):
    return S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                              S.ExponentialLR(o, gamma=0.9),
                              S.CosineAnnealingLR(o, T_max=10, eta_min=0.01)],
                          milestones=[5, 15])


SCHEDS = {
    "StepLR": (lambda S, o: S.StepLR(o, step_size=7, gamma=0.5), 40),
    "MultiStepLR": (lambda S, o: S.MultiStepLR(o, milestones=[10, 25, 25], gamma=0.3), 40),
    "ConstantLR": (lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=4), 10),
    "LinearLR": (lambda S, o: S.LinearLR(o, start_factor=0.25, end_factor=0.9,
                                         total_iters=10), 20),
    "ExponentialLR": (lambda S, o: S.ExponentialLR(o, gamma=0.95), 40),
    "PolynomialLR": (lambda S, o: S.PolynomialLR(o, total_iters=20, power=2.0), 30),
    "CosineAnnealingLR": (lambda S, o: S.CosineAnnealingLR(o, T_max=30, eta_min=0.001), 31),
    "LambdaLR": (lambda S, o: S.LambdaLR(o, lambda e: 1 / (1 + e)), 20),
    "MultiplicativeLR": (lambda S, o: S.MultiplicativeLR(o, lambda e: 0.97), 20),
    "CosineAnnealingWarmRestarts": (
        lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.001), 75),
    "CosineAnnealingWarmRestarts-Tmult1": (
        lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=7), 30),
    "OneCycleLR-cos": (lambda S, o: S.OneCycleLR(o, max_lr=[0.1, 0.3], total_steps=100), 100),
    "OneCycleLR-linear": (lambda S, o: S.OneCycleLR(o, max_lr=0.1, total_steps=100,
                                                    anneal_strategy="linear", pct_start=0.25,
                                                    div_factor=10.0), 100),
    "OneCycleLR-three-phase": (lambda S, o: S.OneCycleLR(o, max_lr=0.1, epochs=10,
                                                         steps_per_epoch=9, three_phase=True,
                                                         cycle_momentum=False), 90),
    "OneCycleLR-three-phase-linear": (
        lambda S, o: S.OneCycleLR(o, max_lr=0.1, total_steps=60, three_phase=True,
                                  anneal_strategy="linear", base_momentum=0.8), 60),
    "SequentialLR": (_seq, 40),
}


@pytest.mark.parametrize("name", SCHEDS)
def test_scheduler_matches_torch(torch, name):
    make, n = SCHEDS[name]
    ours = _rates(ftorch, make, n, groups=2)
    theirs = _rates(torch, make, n, groups=2)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-15)
    assert not np.allclose(theirs[:, 0].min(), theirs[:, 0].max())


METRICS = [1.0, 0.9, 0.9, 0.9, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.7, 0.7,
           0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
PLATEAU = [dict(), dict(patience=2), dict(patience=1, factor=0.5, cooldown=2),
           dict(patience=1, threshold=0.2, threshold_mode="abs", min_lr=0.02),
           dict(mode="max", patience=1, factor=0.5, min_lr=[0.001, 0.05]),
           dict(mode="max", patience=0, threshold=0.01, threshold_mode="abs", cooldown=1),
           dict(patience=0, factor=0.5, threshold=0.0, eps=0.01)]


@pytest.mark.parametrize("kw", PLATEAU)
def test_reduce_lr_on_plateau_matches_torch(torch, kw):
    make = lambda S, o: S.ReduceLROnPlateau(o, **kw)
    ours = _rates(ftorch, make, len(METRICS), groups=2, metrics=METRICS)
    theirs = _rates(torch, make, len(METRICS), groups=2, metrics=METRICS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_scheduler_errors_match_torch():
    w = ftorch.tensor([1.0], requires_grad=True)
    S = ftorch.optim.lr_scheduler
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        S.ReduceLROnPlateau(ftorch.optim.SGD([w], lr=0.1), factor=1.0)
    with pytest.raises(ValueError, match="cycle_momentum"):
        S.OneCycleLR(ftorch.optim.Adagrad([w]), max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="total_steps OR"):
        S.OneCycleLR(ftorch.optim.SGD([w], lr=0.1), max_lr=0.1)
    o = ftorch.optim.SGD([w], lr=0.1)
    s = S.OneCycleLR(o, max_lr=0.1, total_steps=3, cycle_momentum=False)
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        for _ in range(4):
            s.step()
    with pytest.raises(ValueError, match="number of milestone points"):
        S.SequentialLR(o, [S.StepLR(o, 2)], milestones=[3])
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(ftorch.optim.SGD([ftorch.zeros(1)], lr=0.1), 2, last_epoch=3)


def test_onecycle_drives_adam_beta1_like_torch(torch):
    make = lambda T, w, b: T.optim.Adam([w, b], lr=0.01)
    sched = lambda T, o: T.optim.lr_scheduler.OneCycleLR(o, max_lr=0.05, total_steps=60)
    ours, opt = _run(ftorch, make, steps=59, sched=sched)
    theirs, topt = _run(torch, make, steps=59, sched=sched)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert opt.param_groups[0]["betas"] == pytest.approx(topt.param_groups[0]["betas"])


def test_scheduler_state_dict_round_trip():
    w = ftorch.tensor([1.0], requires_grad=True)
    o = ftorch.optim.SGD([w], lr=0.1)
    S = ftorch.optim.lr_scheduler
    s = _seq(S, o)
    for _ in range(8):
        s.step()
    sd = s.state_dict()
    o2 = ftorch.optim.SGD([ftorch.tensor([1.0], requires_grad=True)], lr=0.1)
    s2 = _seq(S, o2)
    s2.load_state_dict(sd)
    o2.param_groups[0]["lr"] = o.param_groups[0]["lr"]
    for _ in range(10):
        s.step()
        s2.step()
        assert s.get_last_lr() == s2.get_last_lr()


@pytest.mark.parametrize("name,kw", VARIANTS[::3], ids=[n for n, _ in VARIANTS[::3]])
def test_float32_parameters_stay_float32_and_track_torch(torch, name, kw):
    def run(T):
        X, Y, w0, _ = _problem()
        X, Y = T.tensor(X, dtype=T.float32), T.tensor(Y, dtype=T.float32)
        w = T.tensor(w0, dtype=T.float32, requires_grad=True)
        opt = getattr(T.optim, name)([w], **kw)
        for _ in range(30):
            opt.zero_grad()
            T.mean((T.tanh(X @ w) - Y) ** 2).backward()
            opt.step()
        assert w.dtype == T.float32
        return w.detach().numpy()
    np.testing.assert_allclose(run(ftorch), run(torch), rtol=2e-5, atol=1e-6)


# ---- state_dict in PyTorch's layout (SGD, the Adam family) ---------------------------------------

STATE_CASES = [("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
               ("Adam", dict(lr=0.02)), ("Adam", dict(lr=0.02, amsgrad=True)),
               ("AdamW", dict(lr=0.02, weight_decay=0.1)), ("Adamax", dict(lr=0.02)),
               ("NAdam", dict(lr=0.02)), ("RAdam", dict(lr=0.02))]


@pytest.mark.parametrize("name,kw", STATE_CASES)
def test_state_dict_has_pytorchs_names_and_values(torch, name, kw):
    make = lambda T, w, b: getattr(T.optim, name)([w, b], **kw)
    _, ours = _run(ftorch, make, steps=3)
    _, theirs = _run(torch, make, steps=3)
    a, b = ours.state_dict()["state"], theirs.state_dict()["state"]
    assert sorted(a) == sorted(b)
    for i in b:
        assert list(a[i]) == list(b[i])
        for k in b[i]:
            assert str(a[i][k].dtype) == str(b[i][k].dtype), k
            np.testing.assert_allclose(a[i][k].numpy(), b[i][k].numpy(), rtol=1e-12, err_msg=k)


@pytest.mark.parametrize("name,kw", STATE_CASES)
def test_a_pytorch_state_dict_loads_and_continues_the_trajectory(torch, name, kw):
    make = lambda T, w, b: getattr(T.optim, name)([w, b], **kw)
    full, _ = _run(torch, make, steps=20)
    first, theirs = _run(torch, make, steps=10)
    sd = theirs.state_dict()
    sd = {"param_groups": sd["param_groups"],
          "state": {i: {k: ftorch.tensor(v.numpy()) for k, v in s.items()}
                    for i, s in sd["state"].items()}}
    _, rest = _resume(name, first[-1], sd, 10)
    np.testing.assert_allclose(rest, full[10:], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda T, o: T.optim.lr_scheduler.StepLR(o, 2),
    lambda T, o: T.optim.lr_scheduler.CosineAnnealingLR(o, 5),
    lambda T, o: T.optim.lr_scheduler.LambdaLR(o, lambda e: 0.5 ** e),
], ids=["StepLR", "CosineAnnealingLR", "LambdaLR"])
def test_scheduler_state_dict_keys_are_pytorchs(torch, make):
    dicts = []
    for T in (torch, ftorch):
        opt = T.optim.SGD([T.nn.Parameter(T.zeros(1))], lr=0.1)
        sched = make(T, opt)
        opt.step()
        sched.step()
        dicts.append(sched.state_dict())
    assert list(dicts[1]) == list(dicts[0])
    assert {k: v for k, v in dicts[1].items()} == dicts[0]


def test_a_hyperparameter_changed_every_step_stops_compiling(torch):
    """OneCycleLR moves Adam's beta1 every step: the group's compiled steps stop at a bound and
    the rest of the run takes the per-parameter path, on PyTorch's trajectory all along."""
    sched = lambda T, o: T.optim.lr_scheduler.OneCycleLR(o, max_lr=0.05, total_steps=40)
    make = lambda T, w, b: T.optim.Adam([w, b], lr=0.01)
    ours, opt = _run(ftorch, make, steps=30, sched=sched)
    theirs, _ = _run(torch, make, steps=30, sched=sched)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert len(opt._fused) == ftorch.optim._FUSED_MAX
