"""Key-reuse checking (`config.update("jax_debug_key_reuse", True)`) against JAX's own checker:
which uses consume a typed key (samplers, split, bits; not key_data, fold_in or clone), keys
taken out of a key array, jitted functions that consume their arguments, eagerly and under
transforms. Each scenario runs under both libraries with the check on and must succeed and fail
at the same steps; a failure must be funcgrad's KeyReuseError (a JAX `KeyReuseError` name, a
TypeError). Both flags are put back after each test."""
from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Iterator

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.errors import KeyReuseError

jax = pytest.importorskip("jax", reason="JAX's key-reuse checker is the oracle")
jnp = pytest.importorskip("jax.numpy", reason="JAX's key-reuse checker is the oracle")


@contextlib.contextmanager
def checking() -> Iterator[None]:
    """Key-reuse checking on in both libraries, off again afterwards."""
    try:
        fg.config.update("jax_debug_key_reuse", True)
        jax.config.update("jax_debug_key_reuse", True)
        yield
    finally:
        fg.config.update("jax_debug_key_reuse", False)
        jax.config.update("jax_debug_key_reuse", False)


class Lib:
    """The names a scenario uses, from one library."""

    def __init__(self, ours: bool):
        self.ours = ours
        self.random = fg.random if ours else jax.random
        self.jit, self.vmap, self.grad = (fg.jit, fg.vmap, fg.grad) if ours else (
            jax.jit, jax.vmap, jax.grad)
        self.lax = fg.lax if ours else jax.lax
        self.np = fnp if ours else jnp
        self.error = KeyReuseError if ours else jax.errors.KeyReuseError


def outcomes(scenario: Callable[[Lib, Callable[[Callable[[], Any]], None]], None],
             ours: bool) -> list[str]:
    """The scenario's steps, each 'ok' or 'reuse' (any other exception fails the test)."""
    lib, got = Lib(ours), []

    def step(f: Callable[[], Any]) -> None:
        try:
            f()
            got.append("ok")
        except lib.error:
            got.append("reuse")
    with checking():
        scenario(lib, step)
    return got


def _twice(draw: Callable[[Lib, Any], Any]):
    """A fresh key used by `draw`, then by `draw` again."""
    def scenario(lib: Lib, step) -> None:
        k = lib.random.key(0)
        step(lambda: draw(lib, k))
        step(lambda: draw(lib, k))
    return scenario


def _then_normal(first: Callable[[Lib, Any], Any]):
    """A fresh key used by `first`, then drawn from twice."""
    def scenario(lib: Lib, step) -> None:
        k = lib.random.key(1)
        step(lambda: first(lib, k))
        step(lambda: lib.random.normal(k))
        step(lambda: lib.random.normal(k))
    return scenario


def _split_elements(lib: Lib, step) -> None:
    ks = lib.random.split(lib.random.key(2), 3)
    step(lambda: lib.random.normal(ks[0]))
    step(lambda: lib.random.normal(ks[0]))
    step(lambda: lib.random.normal(ks[1]))
    k1, k2 = lib.random.split(lib.random.key(3))
    step(lambda: lib.random.uniform(k1))
    step(lambda: lib.random.uniform(k2))
    step(lambda: lib.random.uniform(k1))


def _jit_reuse_inside(lib: Lib, step) -> None:
    step(lambda: lib.jit(lambda k: lib.random.normal(k) + lib.random.normal(k))(
        lib.random.key(4)))

    def split_then_use(k):
        a, b = lib.random.split(k)
        return lib.random.normal(a) + lib.random.normal(b) + lib.random.normal(k)
    step(lambda: lib.jit(split_then_use)(lib.random.key(5)))

    def fine(k):
        a, b = lib.random.split(k)
        return lib.random.normal(a) + lib.random.normal(b)
    step(lambda: lib.jit(fine)(lib.random.key(6)))


def _jit_consumes_its_argument(lib: Lib, step) -> None:
    g = lib.jit(lambda k: lib.random.normal(k))
    k = lib.random.key(7)
    step(lambda: g(k))
    step(lambda: lib.random.normal(k))
    k2 = lib.random.key(8)
    step(lambda: g(k2))
    step(lambda: g(k2))
    data_only = lib.jit(lambda k: lib.random.key_data(k))  # consumes nothing
    k3 = lib.random.key(9)
    step(lambda: data_only(k3))
    step(lambda: data_only(k3))
    step(lambda: lib.random.normal(k3))


def _transforms(lib: Lib, step) -> None:
    k = lib.random.key(10)
    step(lambda: lib.grad(lambda x: x * lib.random.normal(k))(1.0))
    step(lambda: lib.random.normal(k))
    k2 = lib.random.key(11)
    step(lambda: lib.lax.cond(True, lambda kk: lib.random.normal(kk),
                              lambda kk: lib.random.uniform(kk), k2))
    step(lambda: lib.random.normal(k2))
    step(lambda: lib.vmap(lambda kk: lib.random.normal(kk))(lib.random.split(
        lib.random.key(12), 2)))
    step(lambda: lib.vmap(lambda kk: lib.random.normal(kk) + lib.random.uniform(kk))(
        lib.random.split(lib.random.key(13), 2)))


def _eager_function(lib: Lib, step) -> None:
    step(lambda: lib.random.normal(lib.random.key(14)) + lib.random.normal(lib.random.key(14)))
    k = lib.random.key(15)
    step(lambda: (lib.random.normal(k), lib.random.split(k)))
    k2 = lib.random.key(16)
    step(lambda: lib.lax.fori_loop(0, 2, lambda i, c: (lib.random.split(c[0])[0],
                                                        c[1] + lib.random.normal(c[0])),
                                   (k2, 0.0)))
    step(lambda: lib.random.normal(lib.random.wrap_key_data(lib.random.key_data(k2))))


def _raw_keys_are_not_checked(lib: Lib, step) -> None:
    k = lib.random.PRNGKey(17)
    step(lambda: lib.random.normal(k))
    step(lambda: lib.random.normal(k))
    step(lambda: lib.random.split(k))


SCENARIOS = [
    ("sampler twice", _twice(lambda lib, k: lib.random.normal(k))),
    ("bits twice", _twice(lambda lib, k: lib.random.bits(k))),
    ("split twice", _twice(lambda lib, k: lib.random.split(k))),
    ("split consumes", _then_normal(lambda lib, k: lib.random.split(k, 4))),
    ("fold_in does not consume", _then_normal(lambda lib, k: lib.random.fold_in(k, 3))),
    ("key_data does not consume", _then_normal(lambda lib, k: lib.random.key_data(k))),
    ("clone is a new key", _then_normal(lambda lib, k: lib.random.normal(
        lib.random.clone(k)))),
    ("randint then choice", _then_normal(lambda lib, k: lib.random.randint(k, (2,), 0, 5))),
    ("key array elements", _split_elements),
    ("jit: reuse inside", _jit_reuse_inside),
    ("jit: consumes its argument", _jit_consumes_its_argument),
    ("grad, cond, vmap", _transforms),
    ("eager functions", _eager_function),
    ("raw keys", _raw_keys_are_not_checked),
]


@pytest.mark.parametrize("name,scenario", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_reuse_is_caught_where_jax_catches_it(name, scenario):
    want = outcomes(scenario, ours=False)
    assert outcomes(scenario, ours=True) == want
    assert "reuse" in want or "ok" in want  # each scenario says something


# Every sampler consumes its key once: one draw is fine, a second is reuse (none consumes it
# twice inside, which would make its first draw fail).
SAMPLERS = {
    "uniform": lambda r, k: r.uniform(k, (2,)),
    "normal": lambda r, k: r.normal(k, (2,)),
    "truncated_normal": lambda r, k: r.truncated_normal(k, -1.0, 1.0, (2,)),
    "bernoulli": lambda r, k: r.bernoulli(k, 0.5, (2,)),
    "categorical": lambda r, k: r.categorical(k, np.zeros(3, np.float32)),
    "choice": lambda r, k: r.choice(k, 5, (2,)),
    "permutation": lambda r, k: r.permutation(k, 4),
    "randint": lambda r, k: r.randint(k, (2,), 0, 9),
    "geometric": lambda r, k: r.geometric(k, 0.5, (2,)),
    "gamma": lambda r, k: r.gamma(k, 2.0, (2,)),
    "loggamma": lambda r, k: r.loggamma(k, 2.0, (2,)),
    "beta": lambda r, k: r.beta(k, 2.0, 3.0, (2,)),
    "dirichlet": lambda r, k: r.dirichlet(k, np.ones(3, np.float32)),
    "t": lambda r, k: r.t(k, 3.0, (2,)),
    "chisquare": lambda r, k: r.chisquare(k, 3.0, (2,)),
    "f": lambda r, k: r.f(k, 3.0, 4.0, (2,)),
    "poisson": lambda r, k: r.poisson(k, 3.0, (2,)),
    "binomial": lambda r, k: r.binomial(k, 5.0, 0.5, (2,)),
    "multinomial": lambda r, k: r.multinomial(k, 5.0, np.full(3, 1 / 3, np.float32)),
    "exponential": lambda r, k: r.exponential(k, (2,)),
    "gumbel": lambda r, k: r.gumbel(k, (2,)),
    "laplace": lambda r, k: r.laplace(k, (2,)),
    "logistic": lambda r, k: r.logistic(k, (2,)),
    "cauchy": lambda r, k: r.cauchy(k, (2,)),
    "lognormal": lambda r, k: r.lognormal(k, 0.5, (2,)),
    "pareto": lambda r, k: r.pareto(k, 2.0, (2,)),
    "rademacher": lambda r, k: r.rademacher(k, (2,)),
    "rayleigh": lambda r, k: r.rayleigh(k, 1.0, (2,)),
    "maxwell": lambda r, k: r.maxwell(k, (2,)),
    "double_sided_maxwell": lambda r, k: r.double_sided_maxwell(k, 0.0, 1.0, (2,)),
    "triangular": lambda r, k: r.triangular(k, 0.0, 0.5, 1.0, (2,)),
    "wald": lambda r, k: r.wald(k, 1.0, (2,)),
    "weibull_min": lambda r, k: r.weibull_min(k, 1.0, 2.0, (2,)),
    "generalized_normal": lambda r, k: r.generalized_normal(k, 2.0, (2,)),
    "ball": lambda r, k: r.ball(k, 3),
    "orthogonal": lambda r, k: r.orthogonal(k, 3),
    "multivariate_normal": lambda r, k: r.multivariate_normal(
        k, np.zeros(2, np.float32), np.eye(2, dtype=np.float32)),
    "shuffle_like permutation of an array": lambda r, k: r.permutation(k, np.arange(4)),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_every_sampler_consumes_its_key_once(name):
    draw = SAMPLERS[name]
    assert outcomes(_twice(lambda lib, k: draw(lib.random, k)), ours=True) == ["ok", "reuse"]


# JAX compiles each of its samplers (seconds apiece): three are compared on every run, all of
# them with FUNCGRAD_SLOW=1.
JAX_SAMPLE = ("normal", "choice", "poisson")
SLOW = [pytest.mark.slow, pytest.mark.skipif(os.environ.get("FUNCGRAD_SLOW") != "1",
                                             reason="slow: FUNCGRAD_SLOW=1 runs it")]


@pytest.mark.parametrize("name", [n if n in JAX_SAMPLE else pytest.param(n, marks=SLOW)
                                  for n in sorted(SAMPLERS)])
def test_jax_samplers_consume_their_key_once_too(name):
    draw = SAMPLERS[name]
    assert outcomes(_twice(lambda lib, k: draw(lib.random, k)), ours=False) == ["ok", "reuse"]


def test_checking_is_off_by_default_and_off_clears_state():
    k = fg.random.key(0)
    fg.random.normal(k)
    fg.random.normal(k)  # not checked
    with checking():
        k2 = fg.random.key(1)
        fg.random.normal(k2)
        with pytest.raises(KeyReuseError, match="split it|Split it") as info:
            fg.random.normal(k2)
        assert isinstance(info.value, TypeError) and "normal" in str(info.value)
    fg.random.normal(k2)  # off again: nothing remembered, nothing raised
    with checking():
        fg.random.normal(k2)  # a fresh start


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_each_key_of_a_key_array_is_consumed_by_itself(n):
    with checking():
        keys = fg.random.split(fg.random.key(3), n)
        assert fg.random.key_data(keys).shape == (n, 2)  # reading the data consumes nothing
        for i in range(n):
            fg.random.normal(keys[i])
        for i, k in enumerate(keys):  # unpacking gives the same keys, consumed
            with pytest.raises(KeyReuseError):
                fg.random.uniform(k)
        grid = fg.random.split(fg.random.key(4), (2, 3))
        fg.random.normal(grid[1, 2])
        fg.random.normal(grid[1][1])  # another key of the same row
        with pytest.raises(KeyReuseError):
            fg.random.normal(grid[1][2])
