"""Every optimizer of funcgrad.optim minimizes a quadratic and the Rosenbrock function, with
gradients from fg.grad and the whole step (gradient, update, apply) under fg.jit.

Hyperparameters are per optimizer, as in practice: sign-like methods (Lion, Adamax) need a
decaying rate to settle, RAdam's first steps are plain momentum SGD and need a warmup on the
Rosenbrock's steep walls, and the purely diagonal methods (RMSProp, Adagrad, Adadelta) crawl
along its curved valley, so they get more steps."""
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim

cos = optim.cosine_decay_schedule


def quadratic(p):
    A = fnp.array([[3.0, 1.0], [1.0, 2.0]])
    return 0.5 * p @ A @ p - fnp.array([1.0, -1.0]) @ p


QUADRATIC_MIN = fnp.array([0.6, -0.8])


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def minimize(opt, f, x0, steps):
    @fg.jit
    def step(params, state):
        updates, state = opt.update(fg.grad(f)(params), state, params)
        return optim.apply_updates(params, updates), state

    params, state = x0, opt.init(x0)
    for _ in range(steps):
        params, state = step(params, state)
    return params


# name -> (optimizer for the quadratic, for the Rosenbrock function, Rosenbrock steps)
CASES = {
    "sgd": (optim.sgd(0.1), optim.sgd(1e-3, momentum=0.9), 2000),
    "sgd_nesterov": (optim.sgd(0.1, momentum=0.9, nesterov=True),
                     optim.sgd(1e-3, momentum=0.9, nesterov=True), 2000),
    "adam": (optim.adam(0.1), optim.adam(cos(0.05, 2000)), 2000),
    "adamw": (optim.adamw(0.1, weight_decay=0.0),
              optim.adamw(cos(0.05, 2000), weight_decay=1e-5), 2000),
    "adamax": (optim.adamax(0.1), optim.adamax(cos(0.05, 2000)), 2000),
    "nadam": (optim.nadam(0.1), optim.nadam(cos(0.05, 2000)), 2000),
    "radam": (optim.radam(0.1),
              optim.radam(optim.warmup_cosine_decay_schedule(1e-3, 0.05, 100, 2000)), 2000),
    "amsgrad": (optim.amsgrad(0.1), optim.amsgrad(cos(0.05, 2000)), 2000),
    "rmsprop": (optim.rmsprop(cos(0.1, 500)), optim.rmsprop(cos(0.01, 4000)), 4000),
    "rmsprop_centered_momentum": (
        optim.rmsprop(cos(0.03, 500), centered=True, momentum=0.9),
        optim.rmsprop(cos(0.003, 2000), centered=True, momentum=0.9), 2000),
    "adagrad": (optim.adagrad(0.5), optim.adagrad(0.5), 4000),
    "adadelta": (optim.adadelta(cos(10.0, 500)), optim.adadelta(cos(2.0, 4000), rho=0.95), 4000),
    "lamb": (optim.lamb(cos(0.1, 500)), optim.lamb(cos(0.05, 2000)), 2000),
    "lars": (optim.lars(cos(3.0, 500), trust_coefficient=0.01),
             optim.lars(cos(2.0, 2000), trust_coefficient=0.01), 2000),
    "lion": (optim.lion(cos(0.03, 500)), optim.lion(cos(0.01, 2000)), 2000),
    "adafactor": (optim.adafactor(cos(0.3, 500)),
                  optim.adafactor(cos(0.1, 2000), momentum=0.9), 2000),
}


@pytest.mark.parametrize("name", CASES)
def test_converges_on_quadratic(name):
    opt = CASES[name][0]
    p = minimize(opt, quadratic, fnp.array([2.0, 2.0]), 500)
    assert float(fnp.max(fnp.abs(p - QUADRATIC_MIN))) < 1e-3, p


@pytest.mark.parametrize("name", CASES)
def test_converges_on_rosenbrock(name):
    _, opt, steps = CASES[name]
    x0 = fnp.array([0.0, 0.0])
    p = minimize(opt, rosenbrock, x0, steps)
    assert float(fnp.max(fnp.abs(p - 1.0))) < 0.05, p
    assert float(rosenbrock(p)) < 1e-3 * float(rosenbrock(x0)), rosenbrock(p)
