"""funcgrad.optim against torch.optim, the oracle: the same problem, the same hyperparameters,
the parameters equal after every one of 120 steps (float64 throughout). Where torch's algorithm
differs from optax's default, the test builds the torch-equivalent configuration out of
funcgrad.optim transformations; each mapping is spelled out next to its case.

Learning-rate schedulers are compared the same way: torch.optim.lr_scheduler's rate before each
optimizer step against the schedule evaluated at that step's count."""
import math

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim

STEPS = 120


def _data():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(32, 4)), rng.uniform(-0.9, 0.9, size=(32, 3)),
            {"w": rng.normal(size=(4, 3)) * 0.5, "b": rng.normal(size=(3,)) * 0.1})


def fg_trajectory(opt):
    X, Y, p0 = _data()
    X, Y = fnp.asarray(X), fnp.asarray(Y)

    def loss(p):
        return fnp.mean((fnp.tanh(X @ p["w"] + p["b"]) - Y) ** 2)

    @fg.jit
    def step(params, state):
        updates, state = opt.update(fg.grad(loss)(params), state, params)
        return optim.apply_updates(params, updates), state

    params = {k: fnp.asarray(v) for k, v in p0.items()}
    state = opt.init(params)
    out = []
    for _ in range(STEPS):
        params, state = step(params, state)
        out.append({k: np.asarray(v) for k, v in params.items()})
    return out


def torch_trajectory(torch, make_opt, make_sched=None):
    # torch keeps some optimizer scalars (NAdam's mu_product, the step counts) in the default
    # dtype: float64 too, or NAdam alone drifts by float32 rounding
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        return _torch_trajectory(torch, make_opt, make_sched)
    finally:
        torch.set_default_dtype(default)


def _torch_trajectory(torch, make_opt, make_sched):
    X, Y, p0 = _data()
    X, Y = torch.tensor(X), torch.tensor(Y)
    params = {k: torch.tensor(v, requires_grad=True) for k, v in p0.items()}
    opt = make_opt(params)
    sched = make_sched(opt) if make_sched else None
    out = []
    for _ in range(STEPS):
        opt.zero_grad()
        torch.mean((torch.tanh(X @ params["w"] + params["b"]) - Y) ** 2).backward()
        opt.step()
        if sched:
            sched.step()
        out.append({k: v.detach().numpy().copy() for k, v in params.items()})
    return out


def assert_same_trajectory(ours, theirs, rtol=1e-9):
    # rtol relative to each parameter's scale: an element passing near zero (RMSprop's b[0] at
    # step 117 is -6.4e-4 in a vector of scale 0.15) carries the rounding of the whole
    # trajectory, which depends on the BLAS kernels the two libraries run.
    for t, (a, b) in enumerate(zip(ours, theirs)):
        for k in a:
            np.testing.assert_allclose(a[k], b[k], rtol=rtol,
                                       atol=max(1e-12, rtol * float(np.abs(b[k]).max())),
                                       err_msg=f"parameter {k!r} after step {t + 1}")


def both(p):
    return list(p.values())


def radam_torch_eps(eps, b2):
    """torch's RAdam adds eps to sqrt(v) before the bias correction, i.e. to sqrt(v_hat) it adds
    eps / sqrt(1 - b2**t): a per-step eps, injected as a schedule of the count (t = count + 1)."""
    return lambda count: eps / fnp.sqrt(1 - b2 ** (count + 1.0))


# name -> (funcgrad optimizer, torch optimizer factory over the dict of parameters)
CASES = {
    # torch SGD's momentum buffer is trace(); dampening 0 (torch's default) matches it exactly
    "sgd_momentum": (optim.sgd(0.1, momentum=0.9),
                     lambda T, p: T.optim.SGD(both(p), lr=0.1, momentum=0.9)),
    "sgd_nesterov": (optim.sgd(0.1, momentum=0.9, nesterov=True),
                     lambda T, p: T.optim.SGD(both(p), lr=0.1, momentum=0.9, nesterov=True)),
    # torch's weight_decay is L2 added to the gradient before the momentum: add_decayed_weights
    # first in the chain
    "sgd_weight_decay": (optim.chain(optim.add_decayed_weights(0.05), optim.trace(0.9),
                                     optim.scale_by_learning_rate(0.1)),
                         lambda T, p: T.optim.SGD(both(p), lr=0.1, momentum=0.9,
                                                  weight_decay=0.05)),
    # torch's Adam puts eps outside the square root of the bias-corrected v, as optax does
    "adam": (optim.adam(0.01), lambda T, p: T.optim.Adam(both(p), lr=0.01)),
    "adam_l2": (optim.chain(optim.add_decayed_weights(0.05), optim.scale_by_adam(),
                            optim.scale_by_learning_rate(0.01)),
                lambda T, p: T.optim.Adam(both(p), lr=0.01, weight_decay=0.05)),
    # AdamW's decay is decoupled (after Adam's rescaling) and scaled by the learning rate in both
    "adamw": (optim.adamw(0.01, weight_decay=0.1),
              lambda T, p: T.optim.AdamW(both(p), lr=0.01, weight_decay=0.1)),
    # torch's parameter groups with weight_decay=0 for the bias are a mask here
    "adamw_masked": (optim.adamw(0.01, weight_decay=0.1, mask={"w": True, "b": False}),
                     lambda T, p: T.optim.AdamW([{"params": [p["w"]]},
                                                 {"params": [p["b"]], "weight_decay": 0.0}],
                                                lr=0.01, weight_decay=0.1)),
    "adamax": (optim.adamax(0.01), lambda T, p: T.optim.Adamax(both(p), lr=0.01)),
    # torch's NAdam varies its momentum as mu_t = b1 * (1 - 0.5 * 0.96**(t * momentum_decay));
    # with a huge momentum_decay mu_t is b1 itself, which is Dozat's formula as optax has it
    "nadam": (optim.nadam(0.01),
              lambda T, p: T.optim.NAdam(both(p), lr=0.01, momentum_decay=1e4)),
    # rho_t >= 5 here vs > 5 in torch differ only at equality, which no step hits
    "radam": (optim.chain(optim.inject_hyperparams(optim.scale_by_radam)(
                  eps=radam_torch_eps(1e-8, 0.999)), optim.scale_by_learning_rate(0.01)),
              lambda T, p: T.optim.RAdam(both(p), lr=0.01)),
    # torch adds RMSprop's eps outside the square root: eps_in_sqrt=False; alpha is decay
    "rmsprop": (optim.rmsprop(0.01, decay=0.99, eps_in_sqrt=False),
                lambda T, p: T.optim.RMSprop(both(p), lr=0.01)),
    "rmsprop_centered": (optim.rmsprop(0.01, decay=0.99, eps_in_sqrt=False, centered=True),
                         lambda T, p: T.optim.RMSprop(both(p), lr=0.01, centered=True)),
    # torch's momentum buffer holds g / avg, then scales by lr; trace() after the learning rate
    # is the same product in the other order
    "rmsprop_momentum": (optim.rmsprop(0.01, decay=0.99, eps_in_sqrt=False, momentum=0.9),
                         lambda T, p: T.optim.RMSprop(both(p), lr=0.01, momentum=0.9)),
    "rmsprop_centered_momentum": (
        optim.rmsprop(0.01, decay=0.99, eps_in_sqrt=False, centered=True, momentum=0.9),
        lambda T, p: T.optim.RMSprop(both(p), lr=0.01, centered=True, momentum=0.9)),
    # torch's Adagrad starts its sum at 0 (optax: 0.1) and adds eps outside the root (optax:
    # inside), which no setting of scale_by_rss reproduces for eps > 0: the two agree exactly
    # with eps=0 (torch's default 1e-10 would move the first steps by ~1e-7 relative)
    "adagrad": (optim.adagrad(0.1, initial_accumulator_value=0.0, eps=0.0),
                lambda T, p: T.optim.Adagrad(both(p), lr=0.1, eps=0.0)),
    # torch's lr_decay is the schedule lr / (1 + count * lr_decay)
    "adagrad_lr_decay": (optim.adagrad(lambda count: 0.1 / (1 + count * 0.05),
                                       initial_accumulator_value=0.5, eps=0.0),
                         lambda T, p: T.optim.Adagrad(both(p), lr=0.1, lr_decay=0.05,
                                                      initial_accumulator_value=0.5, eps=0.0)),
    "adadelta": (optim.adadelta(1.0), lambda T, p: T.optim.Adadelta(both(p), lr=1.0)),
    "adadelta_weight_decay": (optim.adadelta(0.5, weight_decay=0.05),
                              lambda T, p: T.optim.Adadelta(both(p), lr=0.5, weight_decay=0.05)),
}


@pytest.mark.parametrize("name", CASES)
def test_trajectory_matches_torch(torch, name):
    opt, make_torch = CASES[name]
    ours = fg_trajectory(opt)
    theirs = torch_trajectory(torch, lambda p: make_torch(torch, p))
    assert_same_trajectory(ours, theirs)
    moved = np.abs(ours[-1]["w"] - _data()[2]["w"]).max()
    assert moved > 1e-3, "the problem should make the parameters move"


def test_trajectory_with_schedule_matches_torch(torch):
    # the count a schedule sees is the number of updates before this one, so the first step
    # uses schedule(0), torch's initial rate before any scheduler.step()
    total = STEPS + 1
    # a float64 peak value: the schedule computes in float64 for the int32 count (with a Python
    # float it would divide the count in float32, as optax does)
    opt = optim.adam(optim.cosine_onecycle_schedule(total - 1, np.float64(0.05), pct_start=0.3))
    theirs = torch_trajectory(
        torch, lambda p: torch.optim.Adam(both(p), lr=0.05),
        lambda o: torch.optim.lr_scheduler.OneCycleLR(
            o, max_lr=0.05, total_steps=total, pct_start=(0.3 * (total - 1) + 1) / total,
            cycle_momentum=False))
    assert_same_trajectory(fg_trajectory(opt), theirs)


def torch_rates(torch, make_sched, n, lr=0.1):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = make_sched(torch.optim.lr_scheduler, opt)
    rates = []
    for _ in range(n):
        rates.append(sched.get_last_lr()[0])
        opt.step()  # no gradient: a no-op, but torch wants it before scheduler.step()
        sched.step()
    return np.array(rates)


def sgdr_cycles(lr, eta_min, lengths):
    return [dict(init_value=lr, peak_value=lr, warmup_steps=0, decay_steps=n, end_value=eta_min)
            for n in lengths]


# name -> (schedule, torch scheduler factory, steps compared)
SCHEDULES = {
    "StepLR~exponential_decay(staircase)": (
        optim.exponential_decay(0.1, transition_steps=7, decay_rate=0.5, staircase=True),
        lambda S, o: S.StepLR(o, step_size=7, gamma=0.5), 40),
    "StepLR~piecewise_constant": (
        optim.piecewise_constant_schedule(0.1, {7 * k: 0.5 for k in range(1, 6)}),
        lambda S, o: S.StepLR(o, step_size=7, gamma=0.5), 40),
    "MultiStepLR~piecewise_constant": (
        optim.piecewise_constant_schedule(0.1, {10: 0.1, 25: 0.1}),
        lambda S, o: S.MultiStepLR(o, milestones=[10, 25], gamma=0.1), 40),
    "ExponentialLR~exponential_decay": (
        optim.exponential_decay(0.1, transition_steps=1, decay_rate=0.95),
        lambda S, o: S.ExponentialLR(o, gamma=0.95), 60),
    # CosineAnnealingLR is periodic past T_max; cosine_decay_schedule stays at the floor
    "CosineAnnealingLR~cosine_decay": (
        optim.cosine_decay_schedule(0.1, decay_steps=30, alpha=0.01),
        lambda S, o: S.CosineAnnealingLR(o, T_max=30, eta_min=0.001), 31),
    "LinearLR~linear_schedule": (
        optim.linear_schedule(0.1 * 0.25, 0.1, transition_steps=10),
        lambda S, o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=10), 20),
    "PolynomialLR~polynomial_schedule": (
        optim.polynomial_schedule(0.1, 0.0, power=2.0, transition_steps=20),
        lambda S, o: S.PolynomialLR(o, total_iters=20, power=2.0), 30),
    # torch's phases end at pct_start * total_steps - 1 and total_steps - 1: the same schedule
    # as transition_steps = total_steps - 1 with pct_start adjusted to that end
    "OneCycleLR(cos)~cosine_onecycle": (
        optim.cosine_onecycle_schedule(100, 0.1, pct_start=0.3, div_factor=25.0,
                                       final_div_factor=1e4),
        lambda S, o: S.OneCycleLR(o, max_lr=0.1, total_steps=101, pct_start=31 / 101,
                                  cycle_momentum=False), 101),
    "OneCycleLR(linear, three_phase)~linear_onecycle": (
        optim.linear_onecycle_schedule(100, 0.1, pct_start=0.3, pct_final=0.6),
        lambda S, o: S.OneCycleLR(o, max_lr=0.1, total_steps=101, pct_start=31 / 101,
                                  anneal_strategy="linear", three_phase=True,
                                  cycle_momentum=False), 101),
    "CosineAnnealingWarmRestarts~sgdr": (
        optim.sgdr_schedule(sgdr_cycles(0.1, 0.001, [10, 20, 40])),
        lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.001), 70),
}


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_matches_torch(torch, name):
    schedule, make_sched, n = SCHEDULES[name]
    theirs = torch_rates(torch, make_sched, n)
    ours = np.array([float(schedule(t)) for t in range(n)])
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-15)
    jitted = fg.jit(schedule)
    # an int64 count: an int32 one divides to float32, as in optax (tests/test_optax_schedules.py)
    ours_jit = np.array([float(jitted(fnp.asarray(t, fnp.int64))) for t in range(n)])
    np.testing.assert_allclose(ours_jit, theirs, rtol=1e-9, atol=1e-15)
    assert not math.isclose(theirs.min(), theirs.max()), "the schedule should vary"
