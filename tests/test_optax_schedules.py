"""funcgrad.optim's schedules beside optax's (the oracle): every schedule, several argument sets,
evaluated at step 0, at and around every boundary and far beyond, with the count as a Python int,
as an int32 array, and as an int32 array under jit; values and dtypes equal optax's in float64
(JAX's x64 on, Python-number hyperparameters) and in float32 (x64 off, float32 hyperparameters).
The argument errors are checked by message."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim
from funcgrad.optim import schedules as fg_schedules

from _optax_oracle import gradient_sequence, oracle, param_trees, precision, run_side_by_side

DTYPES = [np.float32, np.float64]
# float32: a few ulps (XLA's jit turns x / n into x * (1/n), and its cos differs from numpy's)
TOL = {np.dtype(np.float32): dict(rtol=3e-6, atol=1e-7),
       np.dtype(np.float64): dict(rtol=1e-13, atol=1e-15)}


def _hyper(value, dtype):
    """Float hyperparameters in `dtype`: float32 ones as np.float32 (funcgrad's way to ask for
    float32 values), float64 ones as Python floats (JAX's and funcgrad's default)."""
    if isinstance(value, float):
        return np.float32(value) if dtype == np.float32 else value
    if isinstance(value, dict):
        return {k: _hyper(v, dtype) for k, v in value.items()}
    if isinstance(value, list):
        return [_hyper(v, dtype) for v in value]
    return value


# (name, keyword arguments, steps at which to look: boundaries, around them, beyond)
CASES = [
    ("constant_schedule", dict(value=0.3), [0, 1, 1000]),
    ("polynomial_schedule", dict(init_value=1.0, end_value=0.01, power=2, transition_steps=100),
     [0, 1, 50, 99, 100, 101, 500]),
    ("polynomial_schedule", dict(init_value=1.0, end_value=0.01, power=2, transition_steps=100,
                                 transition_begin=5), [0, 4, 5, 6, 104, 105, 110]),
    # (transition_steps a power of 2: jitted XLA computes 1 - 7 * (1/7) < 0, and 0.5 ** it NaN)
    ("polynomial_schedule", dict(init_value=0.5, end_value=2.0, power=0.5, transition_steps=8,
                                 transition_begin=-3), [0, 3, 7, 8, 9]),
    ("polynomial_schedule", dict(init_value=0.5, end_value=2.0, power=1.5, transition_steps=0),
     [0, 5]),
    ("linear_schedule", dict(init_value=1.0, end_value=0.01, transition_steps=100),
     [0, 1, 33, 99, 100, 1000]),
    ("linear_schedule", dict(init_value=0.0, end_value=3.0, transition_steps=3,
                             transition_begin=2), [0, 1, 2, 3, 4, 5, 6]),
    ("linear_schedule", dict(init_value=0.1, end_value=0.2, transition_steps=-1), [0, 9]),
    ("piecewise_constant_schedule", dict(init_value=1.0,
                                         boundaries_and_scales={100: 0.1, 200: 0.01}),
     [0, 99, 100, 101, 199, 200, 250]),
    ("piecewise_constant_schedule", dict(init_value=0.7, boundaries_and_scales={5: 2.0, 0: 0.5,
                                                                               3: 0.0}),
     [0, 1, 2, 3, 5, 6]),
    ("piecewise_constant_schedule", dict(init_value=0.7), [0, 3]),
    ("piecewise_constant_schedule", dict(init_value=0.7, boundaries_and_scales={}), [0, 3]),
    ("exponential_decay", dict(init_value=1.0, transition_steps=10, decay_rate=0.9),
     [0, 1, 9, 10, 11, 100, 1000]),
    ("exponential_decay", dict(init_value=0.5, transition_steps=3, decay_rate=0.5,
                               transition_begin=4, staircase=True), [0, 4, 5, 6, 7, 10, 13]),
    ("exponential_decay", dict(init_value=1.0, transition_steps=2, decay_rate=0.5,
                               end_value=0.1), [0, 2, 4, 6, 8, 100]),
    ("exponential_decay", dict(init_value=0.1, transition_steps=2, decay_rate=1.5,
                               end_value=0.3, transition_begin=-2), [0, 1, 2, 4, 6, 20]),
    ("exponential_decay", dict(init_value=0.1, transition_steps=0, decay_rate=0.5), [0, 5]),
    ("exponential_decay", dict(init_value=0.1, transition_steps=3, decay_rate=0.0), [0, 5]),
    ("cosine_decay_schedule", dict(init_value=0.1, decay_steps=100), [0, 1, 50, 99, 100, 101]),
    ("cosine_decay_schedule", dict(init_value=2.0, decay_steps=7, alpha=0.25, exponent=2.0),
     [0, 1, 3, 6, 7, 8, 70]),
    ("cosine_decay_schedule", dict(init_value=1.0, decay_steps=1, alpha=0.5, exponent=0.5),
     [0, 1, 2]),
    ("cosine_onecycle_schedule", dict(transition_steps=100, peak_value=1.0),
     [0, 15, 29, 30, 31, 99, 100, 101, 200]),
    ("cosine_onecycle_schedule", dict(transition_steps=10, peak_value=0.3, pct_start=0.2,
                                      div_factor=4.0, final_div_factor=100.0),
     [0, 1, 2, 3, 9, 10, 11]),
    ("linear_onecycle_schedule", dict(transition_steps=100, peak_value=1.0),
     [0, 15, 30, 31, 84, 85, 86, 99, 100, 150]),
    ("linear_onecycle_schedule", dict(transition_steps=10, peak_value=0.5, pct_start=0.2,
                                      pct_final=0.6, div_factor=2.0, final_div_factor=10.0),
     [0, 1, 2, 4, 6, 8, 10, 12]),
    ("piecewise_interpolate_schedule", dict(interpolate_type="linear", init_value=1.0,
                                            boundaries_and_scales={4: 0.1, 8: 0.01}),
     [0, 2, 3, 4, 5, 6, 8, 10]),
    ("piecewise_interpolate_schedule", dict(interpolate_type="cosine", init_value=0.5,
                                            boundaries_and_scales={0: 3.0, 5: 0.5, 6: 2.0}),
     [0, 1, 4, 5, 6, 7]),
    ("piecewise_interpolate_schedule", dict(interpolate_type="cosine", init_value=0.5), [0, 5]),
    ("warmup_constant_schedule", dict(init_value=0.0, peak_value=0.3, warmup_steps=10),
     [0, 1, 9, 10, 11, 100]),
    ("warmup_cosine_decay_schedule", dict(init_value=0.0, peak_value=1.0, warmup_steps=50,
                                          decay_steps=1000, end_value=0.01),
     [0, 1, 49, 50, 51, 500, 999, 1000, 1001, 5000]),
    ("warmup_cosine_decay_schedule", dict(init_value=0.1, peak_value=0.0, warmup_steps=0,
                                          decay_steps=4, exponent=3.0), [0, 1, 4, 5]),
    ("warmup_cosine_decay_schedule", dict(init_value=0.1, peak_value=0.5, warmup_steps=2,
                                          decay_steps=6, end_value=0.05, exponent=2.0),
     [0, 1, 2, 3, 5, 6, 7]),
    ("warmup_exponential_decay_schedule", dict(init_value=0.0, peak_value=1.0, warmup_steps=5,
                                               transition_steps=3, decay_rate=0.5),
     [0, 4, 5, 6, 8, 11, 100]),
    ("warmup_exponential_decay_schedule", dict(init_value=0.01, peak_value=0.1, warmup_steps=4,
                                               transition_steps=2, decay_rate=0.8,
                                               transition_begin=3, staircase=True,
                                               end_value=0.05),
     [0, 3, 4, 6, 7, 8, 9, 12, 40]),
]

SGDR = [dict(init_value=0.0, peak_value=1.0, warmup_steps=2, decay_steps=5, end_value=0.1),
        dict(init_value=0.1, peak_value=0.5, warmup_steps=0, decay_steps=3),
        dict(init_value=0.0, peak_value=0.2, warmup_steps=1, decay_steps=4, exponent=2.0)]


def _build(lib_schedules, name, kwargs, dtype):
    if name == "sgdr_schedule":
        return lib_schedules.sgdr_schedule(_hyper(SGDR, dtype))
    if name == "join_schedules":
        return lib_schedules.join_schedules(
            [lib_schedules.linear_schedule(_hyper(0.0, dtype), _hyper(1.0, dtype), 3),
             lib_schedules.constant_schedule(_hyper(1.0, dtype)),
             lib_schedules.cosine_decay_schedule(_hyper(1.0, dtype), 4, _hyper(0.1, dtype))],
            [3, 5])
    return getattr(lib_schedules, name)(**_hyper(kwargs, dtype))


ALL_CASES = CASES + [("sgdr_schedule", {}, [0, 1, 2, 4, 5, 6, 7, 8, 9, 11, 12, 13, 30]),
                     ("join_schedules", {}, [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 100])]


def _check(ours, theirs, dtype, where, float32_inside=False):
    """Same shape, dtype and value; `float32_inside`: a float64 value computed from a float32
    intermediate (an int32 count divided by the steps, as JAX has it), within float32 rounding,
    since XLA and numpy round that intermediate differently (x / n is x * (1/n) in a jit)."""
    _, jnp, _ = oracle()
    a, b = np.asarray(ours), np.asarray(jnp.asarray(theirs))
    assert a.shape == b.shape == (), f"{where}: shapes {a.shape}, optax's {b.shape}"
    assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != optax's {b.dtype}"
    scale = max(1.0, float(np.max(np.abs(b))))
    tol = TOL[np.dtype(np.float32) if float32_inside else b.dtype]
    np.testing.assert_allclose(a, b, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=where)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", range(len(ALL_CASES)),
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(ALL_CASES)])
def test_schedule_equals_optax(case, dtype):
    """Python int, int32 array and jitted int32 array counts give optax's values and dtypes."""
    jax, jnp, optax = oracle()
    name, kwargs, steps = ALL_CASES[case]
    with precision(dtype):
        theirs, ours = _build(optax.schedules, name, kwargs, dtype), \
            _build(fg_schedules, name, kwargs, dtype)
        jit_theirs, jit_ours = jax.jit(theirs), fg.jit(ours)
        for t in steps:
            _check(ours(t), theirs(t), dtype, f"{name}({t})")
            # optax's int32 values from its jit alone (its eager ops compile one by one: slow)
            expected = jit_theirs(jnp.asarray(t, jnp.int32))
            _check(ours(fnp.asarray(t, fnp.int32)), expected, dtype, f"{name}(int32 {t})",
                   float32_inside=True)
            _check(jit_ours(fnp.asarray(t, fnp.int32)), expected, dtype,
                   f"jitted {name}(int32 {t})", float32_inside=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_float_step_counts(dtype):
    """A float count (a fractional step) sets the dtype as in JAX, and interpolates."""
    jax, jnp, optax = oracle()
    seen = set()
    with precision(dtype):
        for name, kwargs, steps in CASES:
            if name in seen or name == "constant_schedule":
                continue  # one argument set per schedule
            seen.add(name)
            theirs, ours = _build(optax.schedules, name, kwargs, dtype), \
                _build(fg_schedules, name, kwargs, dtype)
            theirs = jax.jit(theirs)
            for t in steps[:3]:
                t = t + 0.25
                _check(ours(fnp.asarray(t, dtype)), theirs(jnp.asarray(t, dtype)), dtype,
                       f"{name}({t})", float32_inside=True)


@given(init=st.floats(1e-3, 10.0), end=st.floats(0.0, 10.0), power=st.sampled_from([1, 2, 0.5, 3.0]),
       steps=st.integers(1, 50), begin=st.integers(-5, 20), rate=st.floats(0.05, 2.0),
       staircase=st.booleans(), t=st.integers(0, 200))
def test_polynomial_and_exponential_random_arguments(init, end, power, steps, begin, rate,
                                                     staircase, t):
    _, jnp, optax = oracle()
    for dtype in DTYPES:
        with precision(dtype):
            h = lambda v: _hyper(v, dtype)  # noqa: E731
            pairs = [
                (optax.polynomial_schedule(h(init), h(end), power, steps, begin),
                 optim.polynomial_schedule(h(init), h(end), power, steps, begin)),
                (optax.exponential_decay(h(init), steps, h(rate), begin, staircase, h(end)),
                 optim.exponential_decay(h(init), steps, h(rate), begin, staircase, h(end))),
                (optax.cosine_decay_schedule(h(init), steps, h(end / 10), power),
                 optim.cosine_decay_schedule(h(init), steps, h(end / 10), power)),
            ]
            for theirs, ours in pairs:
                _check(ours(t), theirs(t), dtype, f"t={t}")
                _check(ours(fnp.asarray(t, fnp.int32)), theirs(jnp.asarray(t, jnp.int32)),
                       dtype, f"int32 t={t}", float32_inside=True)


def test_top_level_aliases_are_the_namespace_functions():
    names = ["constant_schedule", "linear_schedule", "cosine_decay_schedule",
             "cosine_onecycle_schedule", "linear_onecycle_schedule", "exponential_decay",
             "piecewise_constant_schedule", "piecewise_interpolate_schedule",
             "polynomial_schedule", "warmup_cosine_decay_schedule",
             "warmup_exponential_decay_schedule", "warmup_constant_schedule", "sgdr_schedule",
             "join_schedules", "inject_hyperparams", "InjectHyperparamsState",
             "inject_stateful_hyperparams", "InjectStatefulHyperparamsState", "WrappedSchedule"]
    for name in names:
        assert getattr(optim, name) is getattr(fg_schedules, name), name
        assert name in optim.__all__, name
    _, _, optax = oracle()
    theirs = {n for n in dir(optax.schedules) if not n.startswith("_")}
    assert theirs <= set(fg_schedules.__all__), sorted(theirs - set(fg_schedules.__all__))


def test_schedules_drive_an_optimizer_in_float32():
    """A float32 schedule feeds a float32 learning rate: the state stays float32."""
    lr = optim.warmup_cosine_decay_schedule(np.float32(0.0), np.float32(0.1), 2, 10)
    opt = optim.sgd(lr)
    params = fnp.ones(3, fnp.float32)
    state = opt.init(params)
    for _ in range(3):
        updates, state = opt.update(fnp.ones(3, fnp.float32), state, params)
        params = optim.apply_updates(params, updates)
    assert params.dtype == np.float32
    assert lr(fnp.asarray(1, fnp.int32)).dtype == np.float32


@pytest.mark.parametrize("build, message", [
    (lambda s: s.cosine_decay_schedule(1.0, 0), "decay_steps=0"),
    (lambda s: s.cosine_decay_schedule(1.0, -3), "decay_steps=-3"),
    (lambda s: s.warmup_cosine_decay_schedule(0.0, 1.0, 5, 5), "decay_steps > warmup_steps"),
    (lambda s: s.linear_onecycle_schedule(0, 1.0), "transition_steps=0"),
    (lambda s: s.cosine_onecycle_schedule(-1, 1.0), "transition_steps=-1"),
    (lambda s: s.piecewise_constant_schedule(1.0, {3: -0.5}), "non-negative scale"),
    (lambda s: s.piecewise_interpolate_schedule("linear", 1.0, {3: -0.5}),
     "non-negative scale"),
    (lambda s: s.piecewise_interpolate_schedule("cubic", 1.0), "'linear' or 'cosine'"),
])
def test_bad_arguments_raise_as_optax_does(build, message):
    """Where optax raises ValueError, so do we, naming the argument."""
    _, _, optax = oracle()
    with pytest.raises(ValueError):
        build(optax.schedules)
    with pytest.raises(ValueError, match=message):
        build(fg_schedules)


def test_join_schedules_counts_schedules_and_boundaries():
    with pytest.raises(ValueError, match="one schedule more than boundaries"):
        optim.join_schedules([optim.constant_schedule(1.0)], [3])
    with pytest.raises(TypeError, match="'decay_steps'"):  # optax: a TypeError too
        optim.sgdr_schedule([dict(init_value=0.0, peak_value=1.0, warmup_steps=1)])
    with pytest.raises(ValueError, match="at least one cycle"):
        optim.sgdr_schedule([])


def test_float64_hyperparameters_compute_in_float64_for_int32_counts():
    """Python floats follow optax (an int32 count divides in float32); a float64 hyperparameter
    keeps the whole schedule in float64."""
    count = fnp.asarray(1, fnp.int32)
    assert optim.linear_schedule(0.0, 1.0, 3)(count).dtype == np.float32
    value = optim.linear_schedule(np.float64(0.0), 1.0, 3)(count)
    assert value.dtype == np.float64 and float(value) == pytest.approx(1 / 3, rel=1e-15)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("make", [
    lambda o: o.sgd(o.linear_schedule(0.1, 0.01, 4)),
    lambda o: o.sgd(o.warmup_cosine_decay_schedule(0.0, 0.1, 2, 6, end_value=0.01)),
    lambda o: o.sgd(o.exponential_decay(0.1, 2, 0.5, staircase=True)),
    lambda o: o.sgd(o.piecewise_constant_schedule(0.1, {2: 0.5, 4: 0.1})),
], ids=["linear", "warmup_cosine", "exponential", "piecewise_constant"])
def test_schedules_drive_an_optimizer_as_optax(make, dtype):
    """A schedule as a learning rate: the trajectory equals optax's, step by step."""
    params = param_trees(dtype)[0]
    run_side_by_side(make, params, gradient_sequence(params, 6), dtype, jit=True)


def test_vmapped_schedules_equal_optax():
    """A schedule mapped over a vector of int32 counts (fg.vmap beside jax.vmap)."""
    jax, jnp, optax = oracle()
    counts = np.arange(0, 40, 3, dtype=np.int32)
    with precision(np.float64):
        for name, kwargs, _ in CASES[1::4]:
            theirs = jax.vmap(_build(optax.schedules, name, kwargs, np.float64))(
                jnp.asarray(counts))
            ours = fg.vmap(_build(fg_schedules, name, kwargs, np.float64))(fnp.asarray(counts))
            a, b = np.asarray(ours), np.asarray(theirs)
            assert a.dtype == b.dtype, name
            np.testing.assert_allclose(a, b, rtol=3e-6, atol=1e-7, err_msg=name)
