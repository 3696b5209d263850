"""Every optimizer alias and scale_by_* transform of funcgrad.optim run beside optax's on the same
pytrees (nested dicts and tuples, 0-d and empty leaves), in float32 and float64, for several
steps, eagerly and (for a subset) under jit, with updates, states and parameters compared leaf by
leaf (tests/_optax_oracle.py). Skipped, with the reason, where optax is not installed."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim, tree

from _optax_oracle import (assert_same_tree, gradient_sequence, oracle, param_trees, precision,
                           run_side_by_side, to_funcgrad, to_jax)

STEPS = 3
DTYPES = [np.float32, np.float64]


def sched(count):
    """A learning-rate schedule both libraries evaluate the same way."""
    return 0.1 / (1 + count)


def no_scalars(trees):
    """The trees without 0-d leaves (SM3 indexes an accumulator per axis: optax fails on 0-d)."""
    def drop(t):
        if isinstance(t, dict):
            return {k: drop(v) for k, v in t.items() if np.ndim(v) != 0}
        if isinstance(t, tuple):
            return tuple(drop(v) for v in t if np.ndim(v) != 0)
        return t
    return [drop(t) for t in trees]


# id -> make(lib); a library is optax or funcgrad.optim
OPTIMIZERS = {
    "sgd": lambda o: o.sgd(1e-2),
    "sgd_momentum_nesterov_sched": lambda o: o.sgd(sched, momentum=0.9, nesterov=True),
    "adam": lambda o: o.adam(1e-2),
    "adam_custom": lambda o: o.adam(sched, b1=0.8, b2=0.99, eps=1e-6, eps_root=1e-8,
                                    nesterov=True),
    "adam_mu_f32": lambda o: o.adam(1e-2, mu_dtype=np.float32),
    "nadam": lambda o: o.nadam(1e-2, b1=0.85),
    "adamw": lambda o: o.adamw(1e-2, weight_decay=0.1),
    "adamw_mask_sched": lambda o: o.adamw(sched, weight_decay=0.05,
                                          mask=lambda p: tree.tree_map(lambda x: x.ndim > 1, p)),
    "nadamw": lambda o: o.nadamw(1e-2, weight_decay=0.1),
    "adamax": lambda o: o.adamax(1e-2),
    "adamaxw": lambda o: o.adamaxw(sched, b1=0.8, weight_decay=0.1),
    "amsgrad": lambda o: o.amsgrad(1e-2),
    "amsgrad_paper": lambda o: o.amsgrad(1e-2, eps_root=1e-8, bias_correction_mu=False,
                                         bias_correction_nu=False),
    "adabelief": lambda o: o.adabelief(1e-2),
    "adabelief_nesterov": lambda o: o.adabelief(sched, b1=0.8, eps=1e-8, nesterov=True),
    "adan": lambda o: o.adan(1e-2),
    "adan_wd": lambda o: o.adan(sched, b1=0.9, eps_root=0.0, weight_decay=0.1),
    "yogi": lambda o: o.yogi(1e-2),
    "radam": lambda o: o.radam(1e-2),
    "radam_rectified": lambda o: o.radam(sched, threshold=4.5, nesterov=True),
    "rmsprop": lambda o: o.rmsprop(1e-2),
    "rmsprop_centered_momentum": lambda o: o.rmsprop(sched, decay=0.8, centered=True,
                                                     momentum=0.9, nesterov=True,
                                                     initial_scale=0.1),
    "rmsprop_torch": lambda o: o.rmsprop(1e-2, eps_in_sqrt=False, bias_correction=True),
    "adagrad": lambda o: o.adagrad(1e-2),
    "adagrad_custom": lambda o: o.adagrad(sched, initial_accumulator_value=0.0, eps=1e-3),
    "adadelta": lambda o: o.adadelta(),
    "adadelta_wd": lambda o: o.adadelta(0.5, rho=0.8, weight_decay=0.1),
    "adafactor": lambda o: o.adafactor(1e-2),
    "adafactor_factored": lambda o: o.adafactor(sched, min_dim_size_to_factor=2, momentum=0.9,
                                                weight_decay_rate=0.01, decay_offset=-2),
    "adafactor_plain": lambda o: o.adafactor(None, multiply_by_parameter_scale=False,
                                             clipping_threshold=None, factored=False),
    "lamb": lambda o: o.lamb(1e-2, weight_decay=0.01),
    "lars": lambda o: o.lars(0.1, weight_decay=0.01, nesterov=True),
    "fromage": lambda o: o.fromage(0.1),
    "fromage_sched": lambda o: o.fromage(sched, min_norm=1e-3),
    "lion": lambda o: o.lion(1e-3),
    "lion_mu_f32": lambda o: o.lion(sched, b1=0.8, mu_dtype=np.float32, weight_decay=0.0),
    "sign_sgd": lambda o: o.sign_sgd(1e-2),
    "signum": lambda o: o.signum(sched, beta=0.8),
    "novograd": lambda o: o.novograd(1e-2),
    "novograd_wd": lambda o: o.novograd(sched, b1=0.8, eps_root=1e-8, weight_decay=0.1),
    "optimistic_gradient_descent": lambda o: o.optimistic_gradient_descent(1e-2),
    "optimistic_gd_custom": lambda o: o.optimistic_gradient_descent(sched, alpha=0.5,
                                                                    beta=2.0),
    "optimistic_adam_v2": lambda o: o.optimistic_adam_v2(1e-2, alpha=0.5, beta=2.0),
    "optimistic_adam_v2_plain": lambda o: o.optimistic_adam_v2(sched, nesterov=False),
    "rprop": lambda o: o.rprop(1e-2),
    "rprop_custom": lambda o: o.rprop(0.1, eta_minus=0.3, eta_plus=1.5, min_step_size=0.05,
                                      max_step_size=0.2),
    "sm3": lambda o: o.sm3(1e-2),
    "sm3_nomomentum": lambda o: o.sm3(0.1, momentum=0.0),
}

TRANSFORMS = {
    "scale": lambda o: o.scale(-0.5),
    "scale_by_learning_rate": lambda o: o.scale_by_learning_rate(sched, flip_sign=False),
    "scale_by_schedule": lambda o: o.scale_by_schedule(sched),
    "scale_by_adam": lambda o: o.scale_by_adam(b1=0.5, nesterov=True),
    "scale_by_adamax": lambda o: o.scale_by_adamax(b2=0.9, eps=1e-3),
    "scale_by_adan": lambda o: o.scale_by_adan(b3=0.9),
    "scale_by_amsgrad": lambda o: o.scale_by_amsgrad(b2=0.9, mu_dtype=np.float32),
    "scale_by_belief": lambda o: o.scale_by_belief(eps=1e-6),
    "scale_by_adadelta": lambda o: o.scale_by_adadelta(rho=0.5, eps=1e-4),
    "scale_by_factored_rms": lambda o: o.scale_by_factored_rms(min_dim_size_to_factor=2,
                                                               decay_rate=0.5),
    "scale_by_lion": lambda o: o.scale_by_lion(b2=0.9),
    "scale_by_lion_smooth": lambda o: o.scale_by_lion(mode="smooth", smooth_beta=2.0),
    "scale_by_lion_refined": lambda o: o.scale_by_lion(mode="refined"),
    "scale_by_novograd": lambda o: o.scale_by_novograd(weight_decay=0.1),
    "scale_by_optimistic_gradient": lambda o: o.scale_by_optimistic_gradient(0.5, 1.5),
    "scale_by_param_block_norm": lambda o: o.scale_by_param_block_norm(),
    "scale_by_param_block_rms": lambda o: o.scale_by_param_block_rms(min_scale=0.5),
    "scale_by_radam": lambda o: o.scale_by_radam(b2=0.99, threshold=4.5),
    "scale_by_rms": lambda o: o.scale_by_rms(decay=0.5, initial_scale=0.5),
    "scale_by_rms_debiased": lambda o: o.scale_by_rms(eps_in_sqrt=False, bias_correction=True),
    "scale_by_stddev": lambda o: o.scale_by_stddev(initial_scale=1.0),
    # (bias-corrected and centered, the variance is g**2 - g**2 at the first step: rounding
    # makes it negative, and its root NaN, in optax too; that is left out)
    "scale_by_rprop": lambda o: o.scale_by_rprop(0.5, max_step_size=1.0),
    "scale_by_rss": lambda o: o.scale_by_rss(initial_accumulator_value=0.5),
    "scale_by_sign": lambda o: o.scale_by_sign(),
    "scale_by_sm3": lambda o: o.scale_by_sm3(b1=0.5, b2=0.9),
    "scale_by_trust_ratio": lambda o: o.scale_by_trust_ratio(min_norm=0.5,
                                                             trust_coefficient=0.1, eps=1e-3),
    "scale_by_yogi": lambda o: o.scale_by_yogi(b1=0.5, initial_accumulator_value=0.1),
    "scale_by_distance_over_gradients": lambda o: o.scale_by_distance_over_gradients(
        reps_rel=1e-3),
    "normalize_by_update_norm": lambda o: o.normalize_by_update_norm(scale_factor=-0.5),
}

NEEDS_NO_SCALARS = {"sm3", "sm3_nomomentum", "scale_by_sm3"}
# RAdam rectifies once rho_t (about t) passes its threshold, which must be >= 4 (below, optax's
# rectification factor is the root of a negative number): these run long enough to reach it
MORE_STEPS = {"radam_rectified": 6, "scale_by_radam": 6}
# jitted too: one of each family, funcgrad's update under fg.jit beside optax's run eagerly (the
# eager tests have compiled its operations already; jitting optax too would compile its whole
# update again and check nothing more), except the JIT_ORACLE cases below
JITTED = {"adam_custom", "adamw_mask_sched", "adafactor_factored", "lion_mu_f32", "novograd_wd",
          "radam_rectified", "rmsprop_centered_momentum", "sm3", "rprop", "fromage_sched",
          "adan_wd", "scale_by_polyak", "scale_by_distance_over_gradients", "lookahead"}
CASES = {**OPTIMIZERS, **TRANSFORMS}
# optax runs these jitted even when funcgrad runs eagerly: its novograd's lax.cond would compile
# at every eager step, and RAdam's rho_t = rho_inf - 2t b2**t / (1 - b2**t) cancels three digits,
# so in float32 it depends on how b2**t is rounded, which differs between optax run eagerly
# (JAX's repeated squaring) and jitted (XLA's pow, the rounding funcgrad follows)
JIT_ORACLE = {"novograd", "novograd_wd", "scale_by_novograd", "radam_rectified",
              "scale_by_radam"}


def _run(name, make, dtype, jit, **kw):
    """All of param_trees' shapes in one tree (one compilation of each library's update under
    jit, and JAX's eager caches warm from one case to the next)."""
    trees = param_trees(dtype)
    if name in NEEDS_NO_SCALARS:
        trees = no_scalars(trees)
    params = tuple(trees)
    run_side_by_side(make, params, gradient_sequence(params, MORE_STEPS.get(name, STEPS)),
                     dtype, jit=jit, jit_oracle=name in JIT_ORACLE, **kw)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_optax(name, dtype):
    oracle()
    if name == "adam_mu_f32" and dtype == np.float32:
        pytest.skip("mu_dtype=float32 is the parameters' own dtype in float32")
    _run(name, CASES[name], dtype, jit=False)


@pytest.mark.parametrize("name", sorted(JITTED & set(CASES)))
def test_matches_optax_jitted(name):
    oracle()
    _run(name, CASES[name], np.float32, jit=True)


@pytest.mark.parametrize("name", ["adam_custom", "adafactor_factored", "novograd_wd"])
def test_matches_optax_jitted_float64(name):
    oracle()
    _run(name, CASES[name], np.float64, jit=True)


def test_schedule_must_return_a_scalar():
    opt = optim.sgd(lambda count: fnp.ones(2) * 0.1)
    with pytest.raises(ValueError, match="scalar"):
        opt.update(fnp.ones(2), opt.init(fnp.zeros(2)))


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_polyak_matches_optax(dtype, jit):
    """scale_by_polyak and polyak_sgd take the loss as the keyword `value`."""
    oracle()
    values = [np.asarray(v, dtype) for v in (3.0, 1.5, -0.5, 0.25)]
    for make in (lambda o: o.polyak_sgd(max_learning_rate=0.5, scaling=0.5, f_min=-0.1),
                 lambda o: o.scale_by_polyak(eps=1e-3, variant="sps+"),
                 lambda o: o.chain(o.scale_by_polyak(), o.scale(-1.0))):
        params = tuple(param_trees(dtype)[:2])  # both structures in one tree: one compilation
        run_side_by_side(make, params, gradient_sequence(params, STEPS), dtype, jit=jit,
                         jit_oracle=False, extra=lambda step: {"value": values[step]})


def test_polyak_needs_the_value():
    opt = optim.polyak_sgd()
    with pytest.raises(TypeError, match="value"):
        opt.update(fnp.ones(2), opt.init(fnp.zeros(2)), fnp.zeros(2))
    with pytest.raises(ValueError, match="variant"):
        optim.scale_by_polyak(variant="sps++")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_optimistic_adam_matches_optax(dtype):
    """The deprecated optimistic_adam warns in both libraries and runs the same."""
    oracle()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        params = tuple(param_trees(dtype))
        run_side_by_side(lambda o: o.optimistic_adam(1e-2, optimism=0.5), params,
                         gradient_sequence(params, STEPS), dtype)
    with pytest.warns(DeprecationWarning, match="optimistic_adam_v2"):
        optim.optimistic_adam(0.1)
    with pytest.raises(ValueError, match="schedule"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        optim.optimistic_adam(sched)


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_lookahead_matches_optax(dtype, jit):
    """lookahead's parameters are each library's own LookaheadParams, so this runs the two side
    by side itself (run_side_by_side feeds both the same parameters)."""
    _, _, optax = oracle()
    fast = tuple(param_trees(dtype)[:2])  # both structures in one tree: one compilation
    for reset, period in ((False, 2), (True, 3)):
        with precision(dtype):
            ours, theirs = (lib.lookahead(lib.adam(1e-1), sync_period=period,
                                          slow_step_size=0.5, reset_state=reset)
                            for lib in (optim, optax))
            p_o = optim.LookaheadParams.init_synced(to_funcgrad(fast))
            p_t = optax.LookaheadParams.init_synced(to_jax(fast))
            s_o, s_t = ours.init(p_o), theirs.init(p_t)
            # optax runs eagerly: jitting it too would check nothing more
            up_o, up_t = fg.jit(ours.update) if jit else ours.update, theirs.update
            for step, g in enumerate(gradient_sequence(fast, STEPS + 1)):
                u_o, s_o = up_o(to_funcgrad(g), s_o, p_o)
                u_t, s_t = up_t(to_jax(g), s_t, p_t)
                assert_same_tree(s_o, s_t, dtype, f"state at step {step}")
                p_o, p_t = optim.apply_updates(p_o, u_o), optax.apply_updates(p_t, u_t)
                assert_same_tree(p_o, p_t, dtype, f"params at step {step}")


def test_lookahead_errors():
    with pytest.raises(ValueError, match="sync_period"):
        optim.lookahead(optim.sgd(0.1), sync_period=0, slow_step_size=0.5)
    opt = optim.lookahead(optim.sgd(0.1), sync_period=2, slow_step_size=0.5)
    state = opt.init(optim.LookaheadParams.init_synced(fnp.zeros(2)))
    with pytest.raises(ValueError, match="LookaheadParams"):
        opt.update(fnp.ones(2), state, fnp.zeros(2))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_noise_deterministic_limit_and_statistics(dtype):
    """funcgrad.random is not JAX's PRNG: add_noise and noisy_sgd match optax exactly where the
    noise vanishes (eta=0), and otherwise in structure, dtypes and the noise's variance."""
    jax, _, optax = oracle()
    if dtype == np.float32:  # (optax's side compiles JAX's threefry per shape: one small tree)
        params = param_trees(dtype)[0]
        with precision(dtype):
            ours, theirs = optim.noisy_sgd(1e-2, eta=0.0, key=3), optax.noisy_sgd(1e-2, eta=0.0,
                                                                                key=3)
            s_o, s_t = ours.init(to_funcgrad(params)), theirs.init(to_jax(params))
            for g in gradient_sequence(params, 2):
                u_o, s_o = ours.update(to_funcgrad(g), s_o)
                u_t, s_t = theirs.update(to_jax(g), s_t)
                assert_same_tree(u_o, u_t, dtype)
            assert type(s_o[0]).__name__ == type(s_t[0]).__name__ == "AddNoiseState"
            assert s_o[0]._fields == s_t[0]._fields
            np.testing.assert_array_equal(s_o[0].count, s_t[0].count)
    eta, gamma = 0.5, 0.55
    t = optim.add_noise(eta, gamma, key=1)
    state = t.init(None)
    zeros = {"a": fnp.zeros((200, 50), dtype), "b": fnp.zeros((), dtype)}
    stds = []
    for step in range(1, 4):
        u, state = t.update(zeros, state)
        assert u["a"].dtype == dtype and u["b"].shape == ()
        stds.append(float(np.std(np.asarray(u["a"]))))
        np.testing.assert_allclose(stds[-1], np.sqrt(eta / step ** gamma), rtol=0.05)
    assert int(state.count) == 3
    with pytest.warns(UserWarning, match="key"):
        optim.add_noise(0.1, 0.5)
    with pytest.warns(DeprecationWarning, match="seed"):
        optim.add_noise(0.1, 0.5, seed=1)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_moment_helpers_match_optax(dtype):
    jax, jnp, optax = oracle()
    with precision(dtype):
        params = tuple(param_trees(dtype))  # every structure and shape in one tree
        g, m = gradient_sequence(params, 2)
        for name, args in (("update_moment", (0.9, 1)), ("update_moment", (0.8, 2)),
                           ("update_moment_per_elem_norm", (0.7, 2)),
                           ("update_infinity_moment", (0.9, 1e-3))):
            assert_same_tree(getattr(optim, name)(to_funcgrad(g), to_funcgrad(m), *args),
                             getattr(optax, name)(to_jax(g), to_jax(m), *args), dtype, name)
        for count in (1, 2, 3, 7, 100, 5000):
            for decay in (0.9, 0.999):
                assert_same_tree(
                    optim.bias_correction(to_funcgrad(m), decay,
                                          fnp.asarray(count, fnp.int32)),
                    optax.tree.bias_correction(to_jax(m), decay,
                                               jnp.asarray(count, jnp.int32)),
                    dtype, f"bias_correction({decay}, {count})")
    for decay in (0.9, 0.999):  # traced counts take every bit of the count
        jitted = fg.jit(lambda c, d=decay: optim.bias_correction(fnp.ones((), dtype), d, c))
        for count in (3, 1000):
            np.testing.assert_array_equal(
                jitted(fnp.asarray(count, fnp.int32)),
                optim.bias_correction(fnp.ones((), dtype), decay, fnp.asarray(count, fnp.int32)))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_safe_numerics_match_optax(dtype):
    jax, jnp, optax = oracle()
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((3, 4)).astype(dtype), np.zeros((2, 3), dtype),
          np.full((3,), 1e-4, dtype), np.asarray(2.0, dtype)]
    kws = [{}, {"ord": 1}, {"axis": 0}, {"axis": 1, "keepdims": True}]

    def results(lib, grad, xs):
        """Every case at once, so optax's side is one jitted function (one compilation)."""
        out = []
        for x in xs:
            for kw in kws:
                if len(kw) <= x.ndim or kw == {}:
                    out.append(lib.safe_norm(x, 1e-3, **kw))
            out.append(lib.safe_root_mean_squares(x, 1e-3))
            out.append(grad(lambda v: lib.safe_norm(v, 1e-3))(x))
            out.append(grad(lambda v: lib.safe_root_mean_squares(v, 1e-3))(x))
        return out

    with precision(dtype):
        theirs = jax.jit(lambda xs: results(optax, jax.grad, xs))([jnp.asarray(x) for x in xs])
        ours = results(optim, fg.grad, [fnp.asarray(x) for x in xs])
        assert_same_tree(ours, theirs, dtype, "safe_norm, safe_root_mean_squares")
        counts = [np.asarray(5, np.int32), np.asarray(2 ** 31 - 1, np.int32),
                  np.asarray(3.0, np.float32), np.asarray(np.finfo(np.float32).max)]
        assert_same_tree([optim.safe_increment(fnp.asarray(c)) for c in counts],
                         jax.jit(lambda cs: [optax.safe_increment(c) for c in cs])(
                             [jnp.asarray(c) for c in counts]), dtype, "safe_increment")
    assert optim.safe_int32_increment is optim.safe_increment
    with pytest.raises(ValueError, match="dtype"):
        optim.safe_increment(fnp.asarray(True))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_linear_algebra_matches_optax(dtype):
    jax, jnp, optax = oracle()
    rng = np.random.default_rng(2)
    a = rng.standard_normal((5, 5)).astype(dtype)
    spd = (a @ a.T + np.eye(5, dtype=dtype)).astype(dtype)
    v0 = rng.uniform(-1, 1, 5).astype(dtype)
    tol = dict(rtol=1e-4) if dtype == np.float32 else {}
    powers = (1, 2, 4, 8)
    with precision(dtype):
        eig_o, vec_o = optim.power_iteration(fnp.asarray(spd), v0=fnp.asarray(v0))
        roots_o = [optim.matrix_inverse_pth_root(fnp.asarray(spd), p)[0] for p in powers]
        eig_t, vec_t, roots_t = jax.jit(lambda m, v: (
            *optax.power_iteration(m, v0=v),
            [optax.matrix_inverse_pth_root(m, p)[0] for p in powers]))(jnp.asarray(spd),
                                                                        jnp.asarray(v0))
        assert_same_tree((eig_o, vec_o), (eig_t, vec_t), dtype, "power_iteration", **tol)
        for p, ours, theirs in zip(powers, roots_o, roots_t):
            np.testing.assert_allclose(ours, theirs, rtol=1e-3 if dtype == np.float32
                                       else 1e-8, atol=1e-6, err_msg=f"p={p}")
            assert ours.dtype == theirs.dtype
        mvp = lambda v: {"x": fnp.asarray(spd) @ v["x"]}
        eig_f, _ = optim.power_iteration(mvp, v0={"x": fnp.asarray(v0)}, num_iters=500)
        np.testing.assert_allclose(eig_f, np.linalg.eigvalsh(spd.astype(np.float64))[-1],
                                   rtol=1e-4)
    with pytest.raises(ValueError, match="v0"):
        optim.power_iteration(lambda v: v)


def test_multi_normal_and_scale_gradient_match_optax():
    jax, jnp, optax = oracle()
    loc, log_scale = np.array([0.5, -1.0, 2.0]), np.array([0.1, -0.3, 0.0])
    x = np.array([[0.0, 1.0, 2.0], [1.0, -1.0, 0.5]])
    with precision(np.float64):
        ours = optim.multi_normal(fnp.asarray(loc), fnp.asarray(log_scale))
        theirs = optax.multi_normal(jnp.asarray(loc), jnp.asarray(log_scale))
        assert_same_tree(ours.log_prob(fnp.asarray(x)), theirs.log_prob(jnp.asarray(x)))
        assert_same_tree(ours.params, theirs.params)
        assert_same_tree(ours.log_scale, theirs.log_scale)
        samples = ours.sample((4000,), fg.random.key(0))
        assert samples.shape == theirs.sample((4000,), jax.random.PRNGKey(0)).shape
        np.testing.assert_allclose(np.mean(np.asarray(samples), 0), loc, atol=0.1)
        np.testing.assert_allclose(np.std(np.asarray(samples), 0), np.exp(log_scale), rtol=0.1)
        for s in (0.0, 0.5, 1.0, -2.0):
            f_o = lambda p: fnp.sum(optim.scale_gradient({"a": p, "b": 2 * p}, s)["b"] ** 2)
            f_t = lambda p: jnp.sum(optax.scale_gradient({"a": p, "b": 2 * p}, s)["b"] ** 2)
            assert_same_tree(fg.grad(f_o)(fnp.asarray(loc)), jax.grad(f_t)(jnp.asarray(loc)))
            assert_same_tree(optim.scale_gradient(fnp.asarray(loc), s), jnp.asarray(loc))


@pytest.mark.parametrize("name", ["scale_by_trust_ratio", "scale_by_param_block_norm",
                                  "scale_by_param_block_rms", "scale_by_distance_over_gradients",
                                  "scale_by_factored_rms", "scale_by_novograd"])
def test_transforms_that_read_params_say_so(name):
    t = getattr(optim, name)()
    with pytest.raises((ValueError, TypeError), match="params"):
        t.update(fnp.ones(2), t.init(fnp.zeros(2)))


def test_lion_mode_is_checked():
    with pytest.raises(ValueError, match="mode"):
        optim.scale_by_lion(mode="soft")  # type: ignore[arg-type]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_projections_match_optax(dtype):
    jax, jnp, optax = oracle()
    rng = np.random.default_rng(4)
    x = {"a": rng.standard_normal((3, 2)).astype(dtype), "b": rng.standard_normal(4).astype(dtype),
         "c": np.asarray(0.3, dtype)}
    a = tree.tree_map(lambda v: rng.standard_normal(np.shape(v)).astype(dtype), x)
    small = tree.tree_map(lambda v: (0.01 * v).astype(dtype), x)
    arr = rng.standard_normal(7).astype(dtype)

    def results(P, t, a, small, arr):
        out = {"non_negative": P.projection_non_negative(t),
               "box": P.projection_box(arr, -0.5, 0.7),
               "box_tree": P.projection_box(t, tree.tree_map(lambda v: v - 0.1, small),
                                           tree.tree_map(lambda v: v + 0.1, small)),
               "hypercube": P.projection_hypercube(arr, 0.5),
               "linf": P.projection_linf_ball(arr, 0.5),
               "vector": P.projection_vector(t, a),
               "hyperplane": P.projection_hyperplane(t, a, 0.5),
               "halfspace": P.projection_halfspace(t, a, -0.5),
               "halfspace_inside": P.projection_halfspace(t, a, 1e3)}
        for name, scale in (("1", 1.0), ("2.5", 2.5)):
            out["simplex" + name] = P.projection_simplex(t, scale)
            out["l1_sphere" + name] = P.projection_l1_sphere(t, scale)
            out["l1_ball" + name] = P.projection_l1_ball(t, scale)
            out["l2_sphere" + name] = P.projection_l2_sphere(t, scale)
            out["l2_ball" + name] = P.projection_l2_ball(t, scale)
        out["l1_ball_inside"] = P.projection_l1_ball(small, 1.0)
        out["l2_ball_inside"] = P.projection_l2_ball(small, 1.0)
        return out

    with precision(dtype):
        theirs = jax.jit(lambda *args: results(optax.projections, *args))(
            *map(to_jax, (x, a, small, arr)))
        ours = results(optim.projections, *map(to_funcgrad, (x, a, small, arr)))
        assert_same_tree(ours, theirs, dtype, "projections")
        f_o = lambda v: fnp.sum(optim.projections.projection_simplex(v) * fnp.arange(7.0))
        f_t = lambda v: jnp.sum(optax.projections.projection_simplex(v) * jnp.arange(7.0))
        assert_same_tree(fg.grad(f_o)(fnp.asarray(arr)), jax.grad(f_t)(jnp.asarray(arr)), dtype,
                         "grad projection_simplex")


def test_second_order_matches_optax():
    jax, jnp, optax = oracle()
    rng = np.random.default_rng(5)
    params = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))

    def make_loss(np_):
        return lambda p, x, y: np_.sum(np_.tanh(x @ p["w"] + p["b"]) ** 2 - y * (x @ p["w"]))

    v = rng.standard_normal(8)
    with precision(np.float64), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        so, st = optim.second_order, optax.second_order
        args_o = (to_funcgrad(params), fnp.asarray(x), fnp.asarray(y))
        args_t = (to_jax(params), jnp.asarray(x), jnp.asarray(y))
        assert_same_tree(so.hessian_diag(make_loss(fnp), *args_o),
                         st.hessian_diag(make_loss(jnp), *args_t), where="hessian_diag")
        assert_same_tree(so.fisher_diag(make_loss(fnp), *args_o),
                         st.fisher_diag(make_loss(jnp), *args_t), where="fisher_diag")
        assert_same_tree(so.hvp(make_loss(fnp), fnp.asarray(v), *args_o),
                         st.hvp(make_loss(jnp), jnp.asarray(v), *args_t), where="hvp")
    with pytest.warns(DeprecationWarning, match="0.2.9"):
        optim.second_order.fisher_diag(make_loss(fnp), *args_o)


_BIAS = {}


@given(count=st.integers(1, 2 ** 31 - 2), decay=st.floats(0.5, 0.9999),
       dtype=st.sampled_from(DTYPES))
def test_bias_correction_property(count, decay, dtype):
    """For any step count and decay, bias_correction divides by optax's (jitted) 1 - decay**count,
    in both precisions, to the last bits (XLA may divide through a reciprocal: 2 ulp); and
    safe_increment counts on (its saturation is test_safe_numerics_match_optax's)."""
    jax, jnp, optax = oracle()
    m = np.asarray([1.0, -0.5, 3.0], dtype)
    with precision(dtype):
        if dtype not in _BIAS:  # one compilation per precision: count and decay are traced
            _BIAS[dtype] = jax.jit(optax.tree.bias_correction)
        theirs = _BIAS[dtype](jnp.asarray(m), jnp.asarray(decay, dtype),
                              jnp.asarray(count, jnp.int32))
        ours = optim.bias_correction(fnp.asarray(m), decay, fnp.asarray(count, fnp.int32))
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), atol=0,
                                   rtol=2 * np.finfo(dtype).eps)
        assert ours.dtype == theirs.dtype
    nxt = optim.safe_increment(fnp.asarray(count, fnp.int32))
    assert int(nxt) == count + 1 and nxt.dtype == np.int32


@pytest.mark.parametrize("name", ["adam", "amsgrad", "adamax", "radam", "yogi", "adabelief",
                                  "adan", "novograd", "rmsprop", "adagrad", "adadelta", "lion",
                                  "sm3", "adafactor", "rprop", "optimistic_gradient_descent",
                                  "lamb", "lars", "fromage"])
def test_mismatched_trees_name_both(name):
    """Updates (or params) of another structure than the state's are refused with a message
    that names the transformation and shows both structures (optax raises too)."""
    opt = getattr(optim, name)(0.1)
    params = {"w": fnp.zeros((2, 2)), "b": fnp.zeros(2)}
    state = opt.init(params)
    with pytest.raises(ValueError, match=r"different structures[\s\S]*'v'"):
        opt.update({"w": fnp.ones((2, 2)), "v": fnp.ones(2)}, state, params)
