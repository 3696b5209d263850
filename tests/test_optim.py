"""funcgrad.optim: every transformation and optimizer under fg.jit (equal to eager, traced once,
dtypes kept), a few under fg.vmap (equal to a loop), the formulas that torch has no counterpart
for against numpy references, the wrappers, the schedules, and the errors.

The oracle comparisons with torch.optim are in test_optim_torch.py, convergence on a quadratic
and on the Rosenbrock function in test_optim_convergence.py."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim


def random_tree(rng, dtype=np.float64, lead=()):
    return {"w": fnp.asarray(rng.normal(size=lead + (3, 2)).astype(dtype)),
            "b": fnp.asarray(rng.normal(size=lead + (2,)).astype(dtype))}


def assert_trees_close(a, b, rtol=1e-12, atol=1e-12):
    assert fg.tree.tree_structure(a) == fg.tree.tree_structure(b)
    for x, y in zip(fg.tree.tree_leaves(a), fg.tree.tree_leaves(b)):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype, (x.dtype, y.dtype)
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


def run(t, grads, params, update=None):
    """The updates and final state of len(grads) steps of t (with update=t.update by default)."""
    update = update or t.update
    state, out = t.init(params), []
    for g in grads:
        u, state = update(g, state, params)
        out.append(u)
    return out, state


TRANSFORMS = {
    "identity": optim.identity(),
    "scale": optim.scale(0.5),
    "scale_by_learning_rate": optim.scale_by_learning_rate(0.1),
    "scale_by_learning_rate(schedule)": optim.scale_by_learning_rate(
        optim.linear_schedule(0.1, 0.0, 3)),
    "scale_by_schedule": optim.scale_by_schedule(optim.exponential_decay(1.0, 1, 0.5)),
    "scale_by_adam": optim.scale_by_adam(),
    "scale_by_adam(nesterov)": optim.scale_by_adam(nesterov=True),
    "scale_by_amsgrad": optim.scale_by_amsgrad(),
    "scale_by_adamax": optim.scale_by_adamax(),
    "scale_by_radam": optim.scale_by_radam(),
    "scale_by_rms": optim.scale_by_rms(),
    "scale_by_rms(bias_correction)": optim.scale_by_rms(eps_in_sqrt=False, bias_correction=True),
    "scale_by_stddev": optim.scale_by_stddev(),
    # debiased, the first step's variance is exactly 0 but for rounding: eps must exceed
    # float32's rounding there, or the square root sees a negative number
    "scale_by_stddev(bias_correction)": optim.scale_by_stddev(eps=1e-4, bias_correction=True),
    "scale_by_rss": optim.scale_by_rss(),
    "scale_by_adadelta": optim.scale_by_adadelta(),
    "scale_by_lion": optim.scale_by_lion(),
    "scale_by_trust_ratio": optim.scale_by_trust_ratio(),
    "scale_by_param_block_rms": optim.scale_by_param_block_rms(),
    "scale_by_factored_rms": optim.scale_by_factored_rms(min_dim_size_to_factor=2),
    "trace": optim.trace(0.9),
    "trace(nesterov)": optim.trace(0.9, nesterov=True),
    "ema": optim.ema(0.9),
    "add_decayed_weights(mask)": optim.add_decayed_weights(0.1, mask={"w": True, "b": False}),
    "clip": optim.clip(0.5),
    "clip_by_global_norm": optim.clip_by_global_norm(1.0),
    "clip_by_block_rms": optim.clip_by_block_rms(0.5),
    "masked(callable mask)": optim.masked(optim.scale_by_adam(),
                                          lambda p: {"w": True, "b": False}),
    "partition": optim.partition({"a": optim.adam(0.1), "s": optim.sgd(0.1, momentum=0.9)},
                                 {"w": "a", "b": "s"}),
    "inject_hyperparams": optim.inject_hyperparams(optim.adam)(
        learning_rate=optim.linear_schedule(0.1, 0.01, 3), b1=0.8),
    "MultiSteps": optim.MultiSteps(optim.adam(0.1), 2).gradient_transformation(),
    "MultiSteps(skip_not_finite)": optim.MultiSteps(
        optim.adam(0.1), 2, should_skip_update_fn=optim.skip_not_finite
    ).gradient_transformation(),
    "apply_if_finite": optim.apply_if_finite(optim.adam(0.1), 2),
}
OPTIMIZERS = {
    "sgd": optim.sgd(0.1), "sgd(momentum)": optim.sgd(0.1, momentum=0.9),
    "adam": optim.adam(0.1), "adamw": optim.adamw(0.1), "adamax": optim.adamax(0.1),
    "nadam": optim.nadam(0.1), "radam": optim.radam(0.1), "amsgrad": optim.amsgrad(0.1),
    "rmsprop": optim.rmsprop(0.1),
    "rmsprop(centered, nesterov momentum)": optim.rmsprop(0.1, centered=True, momentum=0.9,
                                                          nesterov=True),
    "adagrad": optim.adagrad(0.1), "adadelta": optim.adadelta(),
    "lamb": optim.lamb(0.1), "lars": optim.lars(0.1), "lion": optim.lion(0.1),
    "adafactor": optim.adafactor(),
    "adafactor(factored, momentum, decay)": optim.adafactor(
        0.1, min_dim_size_to_factor=2, momentum=0.9, weight_decay_rate=0.1),
}
ALL = {**TRANSFORMS, **OPTIMIZERS}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ALL)
def test_jit_equals_eager(name, dtype):
    t = ALL[name]
    rng = np.random.default_rng(0)
    params = random_tree(rng, dtype)
    grads = [random_tree(rng, dtype) for _ in range(5)]
    jitted = fg.jit(t.update)
    jitted.clear_cache()  # jit(t.update) shares t.update's cache with the other dtype's case
    eager, eager_state = run(t, grads, params)
    compiled, compiled_state = run(t, grads, params, jitted)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert_trees_close((eager, eager_state), (compiled, compiled_state), rtol=tol, atol=tol)
    # the state keeps its types from step to step, so the jitted update is traced only once
    assert jitted.traces == 1
    assert all(np.asarray(u).dtype == dtype for u in fg.tree.tree_leaves(eager))


VMAPPED = ["scale_by_radam", "MultiSteps", "apply_if_finite", "inject_hyperparams",
           "partition", "sgd(momentum)", "adamw", "adafactor(factored, momentum, decay)",
           "lion", "clip_by_global_norm"]


@pytest.mark.parametrize("name", VMAPPED)
def test_vmap_equals_loop(name):
    t = ALL[name]
    rng = np.random.default_rng(1)
    params = random_tree(rng, lead=(3,))
    grads = [random_tree(rng, lead=(3,)) for _ in range(4)]
    take = lambda tr, i: fg.tree.tree_map(lambda x: x[i], tr)
    batched = fg.vmap(t.update)
    state = fg.vmap(t.init)(params)
    states = [t.init(take(params, i)) for i in range(3)]
    for g in grads:
        u, state = batched(g, state, params)
        for i in range(3):
            ui, states[i] = t.update(take(g, i), states[i], take(params, i))
            assert_trees_close((ui, states[i]), take((u, state), i))


def test_whole_training_step_under_jit_of_vmap():
    # e.g. a hyperparameter sweep: several independent models trained in one computation
    opt = optim.adam(0.1)
    loss = lambda p, x: fnp.sum((p - x) ** 2)

    @fg.jit
    @fg.vmap
    def step(p, s, x):
        u, s = opt.update(fg.grad(loss)(p, x), s, p)
        return optim.apply_updates(p, u), s

    targets = fnp.array([[1.0, 2.0], [-3.0, 0.5]])
    params = fnp.zeros((2, 2))
    state = fg.vmap(opt.init)(params)
    for _ in range(300):
        params, state = step(params, state, targets)
    np.testing.assert_allclose(np.asarray(params), np.asarray(targets), atol=1e-3)
    assert step.traces == 1


# ---- the protocol -------------------------------------------------------------------------------

def test_apply_updates_keeps_parameter_dtypes():
    params = {"w": fnp.ones(2, fnp.float32), "n": 1.0}
    new = optim.apply_updates(params, {"w": fnp.full(2, 0.5), "n": 0.5})
    assert new["w"].dtype == np.float32 and new["n"] == 1.5


def test_chain_applies_in_order():
    g = fnp.array([3.0])
    clip_then_scale = optim.chain(optim.clip(1.0), optim.scale(2.0))
    scale_then_clip = optim.chain(optim.scale(2.0), optim.clip(1.0))
    assert float(clip_then_scale.update(g, clip_then_scale.init(g))[0][0]) == 2.0
    assert float(scale_then_clip.update(g, scale_then_clip.init(g))[0][0]) == 1.0


def test_states_are_namedtuples_of_arrays():
    state = optim.adam(0.1).init({"w": fnp.zeros(2)})
    adam_state = state[0]
    assert isinstance(adam_state, optim.ScaleByAdamState)
    assert adam_state.count.dtype == np.int32 and adam_state.count.shape == ()
    assert adam_state._fields == ("count", "mu", "nu")


def test_global_norm():
    tree = {"a": fnp.array([3.0]), "b": [fnp.array([[4.0, 12.0]])]}
    assert float(optim.global_norm(tree)) == 13.0
    assert optim.global_norm({"a": fnp.ones(2, fnp.float32)}).dtype == np.float32


# ---- formulas without a torch counterpart, against numpy references -------------------------

def numpy_adam_moments(grads, b1, b2):
    m = v = 0.0
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        yield t, m, v


def first_leaf_updates(t, grads, params=None):
    params = fnp.zeros_like(grads[0]) if params is None else params
    updates, _ = run(t, [fnp.asarray(g) for g in grads], params)
    return [np.asarray(u) for u in updates]


GRADS = [np.array([0.3, -1.0, 2.0]), np.array([0.1, -0.5, 2.5]), np.array([-0.2, 0.4, 1.0])]


def test_amsgrad_divides_by_the_running_max_of_debiased_v():
    expected, v_max = [], 0.0
    for t, m, v in numpy_adam_moments(GRADS, 0.9, 0.999):
        v_max = np.maximum(v_max, v / (1 - 0.999 ** t))
        expected.append(m / (1 - 0.9 ** t) / (np.sqrt(v_max) + 1e-8))
    np.testing.assert_allclose(first_leaf_updates(optim.scale_by_amsgrad(), GRADS), expected)


def test_radam_switches_to_rectified_adam_at_the_threshold():
    grads = GRADS * 3
    updates = first_leaf_updates(optim.scale_by_radam(), grads)
    rho_inf = 2 / 0.001 - 1
    rectified = []
    for (t, m, v), u in zip(numpy_adam_moments(grads, 0.9, 0.999), updates):
        m_hat, v_hat = m / (1 - 0.9 ** t), v / (1 - 0.999 ** t)
        rho = rho_inf - 2 * t * 0.999 ** t / (1 - 0.999 ** t)
        rectified.append(rho >= 5)
        if rho >= 5:
            r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            m_hat = r * m_hat / (np.sqrt(v_hat) + 1e-8)
        np.testing.assert_allclose(u, m_hat, err_msg=f"step {t}")
    assert rectified == [False] * 5 + [True] * 4


def test_nesterov_adam_is_dozats_lookahead():
    updates = first_leaf_updates(optim.scale_by_adam(nesterov=True), GRADS)
    for (t, m, v), g, u in zip(numpy_adam_moments(GRADS, 0.9, 0.999), GRADS, updates):
        m_hat = 0.9 * m / (1 - 0.9 ** (t + 1)) + 0.1 * g / (1 - 0.9 ** t)
        np.testing.assert_allclose(u, m_hat / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8))


def test_lion_takes_the_sign_of_the_interpolated_momentum():
    expected, m = [], 0.0
    for g in GRADS:
        expected.append(-0.1 * (np.sign(0.1 * g + 0.9 * m) + 0.01 * 1.0))
        m = 0.99 * m + 0.01 * g
    params = fnp.ones(3)
    np.testing.assert_allclose(first_leaf_updates(optim.lion(0.1, weight_decay=0.01), GRADS,
                                                  params), expected)


def test_lamb_scales_adamw_by_the_trust_ratio():
    p = np.array([1.0, 2.0, -2.0])
    updates = first_leaf_updates(optim.lamb(0.1, weight_decay=0.01), GRADS[:1], fnp.asarray(p))
    adam = GRADS[0] / (np.abs(GRADS[0]) + 1e-6) + 0.01 * p
    expected = -0.1 * adam * np.linalg.norm(p) / np.linalg.norm(adam)
    np.testing.assert_allclose(updates[0], expected)


def test_lars_scales_sgd_by_the_trust_ratio():
    p = np.array([1.0, 2.0, -2.0])
    updates = first_leaf_updates(optim.lars(0.1, weight_decay=0.01, momentum=0.0), GRADS[:1],
                                 fnp.asarray(p))
    g = GRADS[0] + 0.01 * p
    np.testing.assert_allclose(updates[0],
                               -0.1 * 0.001 * np.linalg.norm(p) / np.linalg.norm(g) * g)


def test_trust_ratio_is_one_where_a_norm_is_zero():
    t = optim.scale_by_trust_ratio()
    u = {"zero_param": fnp.ones(2), "zero_update": fnp.zeros(2)}
    p = {"zero_param": fnp.zeros(2), "zero_update": fnp.ones(2)}
    assert_trees_close(t.update(u, t.init(p), p)[0], u)


def test_factored_rms_keeps_row_and_column_statistics():
    g = np.arange(1.0, 13.0).reshape(3, 4)
    t = optim.scale_by_factored_rms(min_dim_size_to_factor=3, decay_rate=0.8)
    state = t.init(fnp.asarray(g))
    assert [x.shape for x in state[1:]] == [(3,), (4,), (1,)]
    u1, state = t.update(fnp.asarray(g), state, fnp.asarray(g))
    u2, state = t.update(fnp.asarray(g / 2), state, fnp.asarray(g))
    g2 = g ** 2 + 1e-30
    row, col = g2.mean(1), g2.mean(0)        # the first step's decay is 1 - 1**-0.8 = 0
    d = 1 - 2.0 ** -0.8                      # the second's
    row = d * row + (1 - d) * (g2 / 4).mean(1)
    col = d * col + (1 - d) * (g2 / 4).mean(0)
    expected = g / 2 / np.sqrt(row / row.mean())[:, None] / np.sqrt(col)[None, :]
    np.testing.assert_allclose(np.asarray(u2), expected)
    small = optim.scale_by_factored_rms()  # dims below 128: full statistics
    assert [x.shape for x in small.init(fnp.asarray(g))[1:]] == [(1,), (1,), (3, 4)]


def test_ema_is_debiased_and_stores_the_raw_average():
    t = optim.ema(0.5)
    updates, state = run(t, [fnp.array([2.0]), fnp.array([4.0])], fnp.zeros(1))
    assert float(updates[0][0]) == 2.0 and float(updates[1][0]) == 2.5 / 0.75
    assert float(state.ema[0]) == 2.5
    raw, _ = run(optim.ema(0.5, debias=False), [fnp.array([2.0])], fnp.zeros(1))
    assert float(raw[0][0]) == 1.0


def test_trace_with_nesterov_looks_ahead():
    updates, state = run(optim.trace(0.5, nesterov=True), [fnp.array([1.0])] * 2, fnp.zeros(1))
    assert [float(u[0]) for u in updates] == [1.5, 1 + 0.5 * 1.5]
    assert float(state.trace[0]) == 1.5


def test_clip_by_global_norm():
    t = optim.clip_by_global_norm(5.0)
    big = {"a": fnp.array([6.0]), "b": fnp.array([8.0])}
    assert_trees_close(t.update(big, t.init(big))[0],
                       {"a": fnp.array([3.0]), "b": fnp.array([4.0])})
    small = {"a": fnp.array([0.0]), "b": fnp.array([0.0])}
    assert_trees_close(t.update(small, t.init(small))[0], small)   # no 0/0 on the way


def test_clip_by_block_rms_is_per_leaf():
    t = optim.clip_by_block_rms(1.0)
    u = {"big": fnp.array([2.0, -2.0]), "small": fnp.array([0.5, 0.5])}
    assert_trees_close(t.update(u, t.init(u))[0],
                       {"big": fnp.array([1.0, -1.0]), "small": fnp.array([0.5, 0.5])})


def test_adagrad_without_eps_leaves_zero_gradients_alone():
    updates = first_leaf_updates(optim.scale_by_rss(0.0, eps=0.0), [np.array([0.0, 2.0])])
    np.testing.assert_array_equal(updates[0], [0.0, 1.0])


def test_adamw_mask_skips_the_decay_only():
    params = {"w": fnp.ones(2), "b": fnp.ones(2)}
    grads = {"w": fnp.zeros(2), "b": fnp.zeros(2)}
    opt = optim.adamw(0.1, weight_decay=0.5, mask=lambda p: {"w": True, "b": False})
    u, _ = opt.update(grads, opt.init(params), params)
    assert_trees_close(u, {"w": fnp.full(2, -0.05), "b": fnp.zeros(2)})


# ---- wrappers -----------------------------------------------------------------------------------

def test_masked_keeps_state_only_for_masked_leaves_and_accepts_a_prefix_mask():
    params = {"enc": {"w": fnp.ones(2), "b": fnp.ones(1)}, "head": fnp.ones(3)}
    t = optim.masked(optim.scale_by_adam(), {"enc": True, "head": False})
    state = t.init(params)
    assert fg.tree.tree_structure(state.inner_state.mu) == fg.tree.tree_structure(
        {"enc": {"w": 0, "b": 0}, "head": optim.MaskedNode()})
    grads = fg.tree.tree_map(lambda p: 2 * p, params)
    u, _ = t.update(grads, state, params)
    assert_trees_close(u["head"], grads["head"])
    np.testing.assert_allclose(np.asarray(u["enc"]["w"]), 1.0, rtol=1e-7)


def test_partition_gives_each_label_its_optimizer():
    params = {"w": fnp.ones(2), "b": fnp.ones(2), "frozen": fnp.ones(1)}
    labels = lambda p: {k: ("none" if k == "frozen" else "adam" if k == "w" else "sgd")
                        for k in p}
    opt = optim.partition({"adam": optim.adam(0.1), "sgd": optim.sgd(0.5),
                           "none": optim.scale(0.0)}, labels)
    grads = {"w": fnp.full(2, 3.0), "b": fnp.full(2, 3.0), "frozen": fnp.full(1, 3.0)}
    u, state = opt.update(grads, opt.init(params), params)
    np.testing.assert_allclose(np.asarray(u["w"]), -0.1, rtol=1e-7)
    assert_trees_close(u["b"], fnp.full(2, -1.5))
    assert_trees_close(u["frozen"], fnp.zeros(1))
    assert set(state.inner_states) == {"adam", "sgd", "none"}


def test_partition_names_a_label_without_an_optimizer():
    opt = optim.partition({"adam": optim.adam(0.1)}, {"w": "adam", "b": "sdg"})
    with pytest.raises(ValueError, match=r"no transformation for the labels \['sdg'\]"):
        opt.init({"w": fnp.ones(1), "b": fnp.ones(1)})


def test_inject_hyperparams_equals_the_plain_optimizer():
    rng = np.random.default_rng(2)
    params, grads = random_tree(rng), [random_tree(rng) for _ in range(4)]
    schedule = optim.cosine_decay_schedule(0.1, 4)
    injected = optim.inject_hyperparams(optim.adamw)(schedule, b1=0.8, weight_decay=0.01)
    ours, state = run(injected, grads, params)
    assert_trees_close(ours, run(optim.adamw(schedule, b1=0.8, weight_decay=0.01), grads,
                                 params)[0])
    # the state holds the value used by the last step
    assert float(state.hyperparams["learning_rate"]) == pytest.approx(float(schedule(3)))
    assert int(state.count) == 4


def test_inject_hyperparams_changes_the_learning_rate_without_retracing():
    opt = optim.inject_hyperparams(optim.sgd)(learning_rate=0.1, momentum=0.5)
    params = fnp.ones(2, fnp.float32)
    state = opt.init(params)
    assert state.hyperparams["learning_rate"].dtype == np.float32   # the parameters' dtype
    update = fg.jit(opt.update)
    u, state = update(fnp.ones(2, fnp.float32), state, params)
    np.testing.assert_allclose(np.asarray(u), -0.1, rtol=1e-6)
    state.hyperparams["learning_rate"] = fnp.asarray(1.0, fnp.float32)
    state.hyperparams["momentum"] = fnp.asarray(0.0, fnp.float32)
    u, state = update(fnp.ones(2, fnp.float32), state, params)
    np.testing.assert_allclose(np.asarray(u), -1.0)
    assert update.traces == 1 and u.dtype == np.float32


def test_inject_hyperparams_static_args_stay_python_values():
    seen = []

    def factory(learning_rate, min_dim, nesterov=False):
        seen.append((type(min_dim), type(nesterov)))
        return optim.sgd(learning_rate)

    opt = optim.inject_hyperparams(factory, static_args="min_dim")(0.1, 128)
    state = opt.init(fnp.zeros(1))
    assert set(state.hyperparams) == {"learning_rate"}
    assert seen == [(int, bool)]


def test_multisteps_applies_the_inner_optimizer_to_the_mean_gradient():
    rng = np.random.default_rng(3)
    params, grads = random_tree(rng), [random_tree(rng) for _ in range(6)]
    inner = optim.adam(0.1)
    # accumulated in float64: optax's (and our) default accumulator is float32
    multi = optim.MultiSteps(inner, every_k_schedule=3, accumulator_dtype=None)
    update = fg.jit(multi.update)
    state = multi.init(params)
    inner_state = inner.init(params)
    for k in range(2):
        chunk = grads[3 * k:3 * k + 3]
        for i, g in enumerate(chunk):
            u, state = update(g, state, params)
            assert bool(multi.has_updated(state)) == (i == 2)
            if i < 2:
                assert_trees_close(u, fg.tree.tree_map(fnp.zeros_like, g))
        mean = fg.tree.tree_map(lambda *gs: sum(gs) / 3, *chunk)
        expected, inner_state = inner.update(mean, inner_state, params)
        assert_trees_close(u, expected, rtol=1e-10)
    assert int(state.gradient_step) == 2 and update.traces == 1


def test_multisteps_sums_and_follows_a_schedule():
    multi = optim.MultiSteps(optim.sgd(1.0), lambda step: fnp.where(step < 1, 1, 2),
                             use_grad_mean=False)
    updates, _ = run(multi.gradient_transformation(), [fnp.array([1.0])] * 3, fnp.zeros(1))
    assert [float(u[0]) for u in updates] == [-1.0, 0.0, -2.0]


def test_multisteps_skips_non_finite_mini_steps():
    multi = optim.MultiSteps(optim.sgd(1.0), 2, should_skip_update_fn=optim.skip_not_finite)
    update = fg.jit(multi.update)
    state = multi.init(fnp.zeros(2))
    steps = [fnp.array([1.0, 1.0]), fnp.array([fnp.nan, 1.0]), fnp.array([3.0, 3.0])]
    out = []
    for g in steps:
        u, state = update(g, state, fnp.zeros(2))
        out.append(np.asarray(u))
    np.testing.assert_array_equal(out, [[0, 0], [0, 0], [-2, -2]])
    assert int(state.skip_state["num_not_finite"]) == 0 and update.traces == 1


def test_apply_if_finite_rejects_then_gives_up_after_max_consecutive_errors():
    opt = optim.apply_if_finite(optim.sgd(1.0, momentum=0.5), max_consecutive_errors=1)
    update = fg.jit(opt.update)
    state = opt.init(fnp.zeros(1))
    u, state = update(fnp.array([1.0]), state)
    u, state = update(fnp.array([fnp.inf]), state)
    assert float(u[0]) == 0.0 and not bool(state.last_finite)
    assert float(state.inner_state[0].trace[0]) == 1.0              # the inner state is kept
    u, state = update(fnp.array([fnp.inf]), state)                  # the second in a row
    assert np.isinf(float(u[0])) and int(state.total_notfinite) == 2
    u, state = update(fnp.array([1.0]), state)
    assert int(state.notfinite_count) == 0 and update.traces == 1


def test_skip_not_finite_counts_elements():
    skip, info = optim.skip_not_finite({"a": fnp.array([fnp.nan, 1.0, fnp.inf])}, 0, None)
    assert bool(skip) and int(info["num_not_finite"]) == 2
    skip, info = optim.skip_not_finite({"a": fnp.ones(2)}, 0, None)
    assert not bool(skip) and bool(info["should_skip"]) is False


# ---- schedules ----------------------------------------------------------------------------------

SCHEDULE_VALUES = [
    (optim.constant_schedule(0.5), {0: 0.5, 100: 0.5}),
    (optim.linear_schedule(1.0, 0.0, 10, transition_begin=5), {0: 1.0, 5: 1.0, 10: 0.5, 20: 0}),
    (optim.polynomial_schedule(1.0, 0.5, 2, 4), {2: 0.625, 4: 0.5}),
    (optim.polynomial_schedule(1.0, 0.5, 2, 0), {100: 1.0}),
    (optim.exponential_decay(1.0, 2, 0.5), {0: 1.0, 1: 2 ** -0.5, 4: 0.25}),
    (optim.exponential_decay(1.0, 2, 0.5, transition_begin=2, end_value=0.3),
     {1: 1.0, 4: 0.5, 100: 0.3}),
    (optim.exponential_decay(1.0, 1, 2.0, end_value=3.0), {1: 2.0, 5: 3.0}),
    (optim.cosine_decay_schedule(2.0, 10, alpha=0.5, exponent=2.0), {5: 1.25, 10: 1.0}),
    (optim.piecewise_constant_schedule(1.0, {5: 0.5, 2: 0.1}), {1: 1.0, 2: 0.1, 5: 0.05}),
    (optim.warmup_constant_schedule(0.0, 2.0, 4), {2: 1.0, 10: 2.0}),
    (optim.warmup_cosine_decay_schedule(0.0, 2.0, 2, 12, end_value=1.0),
     {1: 1.0, 2: 2.0, 7: 1.5, 12: 1.0, 20: 1.0}),
    (optim.join_schedules([optim.constant_schedule(1.0), optim.constant_schedule(2.0),
                           optim.linear_schedule(3.0, 4.0, 2)], [2, 4]),
     {1: 1.0, 2: 2.0, 4: 3.0, 5: 3.5, 9: 4.0}),
    (optim.linear_onecycle_schedule(100, 1.0), {0: 0.04, 15: 0.52, 30: 1.0, 85: 0.04,
                                                100: 4e-6, 200: 4e-6}),
    (optim.cosine_onecycle_schedule(100, 1.0), {0: 0.04, 15: 0.52, 30: 1.0, 100: 4e-6}),
]


@pytest.mark.parametrize("k", range(len(SCHEDULE_VALUES)))
def test_schedule_values_eager_and_jitted(k):
    schedule, values = SCHEDULE_VALUES[k]
    jitted = fg.jit(schedule)
    for count, value in values.items():
        assert float(schedule(count)) == pytest.approx(value, rel=1e-12, abs=1e-15), count
        # an int32 count divides to float32, as in optax (tests/test_optax_schedules.py)
        traced = float(jitted(fnp.asarray(count, fnp.int32)))
        assert traced == pytest.approx(value, rel=1e-6, abs=1e-9), count


def test_schedules_drive_the_learning_rate_by_update_count():
    opt = optim.sgd(optim.piecewise_constant_schedule(1.0, {2: 0.1}))
    updates, _ = run(opt, [fnp.array([1.0])] * 3, fnp.zeros(1))
    assert [float(u[0]) for u in updates] == [-1.0, -1.0, pytest.approx(-0.1)]


# ---- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("t, who", [
    (optim.add_decayed_weights(0.1), "add_decayed_weights"),
    (optim.scale_by_trust_ratio(), "scale_by_trust_ratio"),
    (optim.adamw(0.1), "add_decayed_weights"),
])
def test_transforms_that_need_params_say_so(t, who):
    with pytest.raises(ValueError, match=f"{who} needs the parameters: call "
                                         r"update\(updates, state, params\)"):
        t.update(fnp.ones(1), t.init(fnp.ones(1)))


def test_chain_rejects_a_state_of_another_chain():
    with pytest.raises(ValueError, match="the state has 1 entries for 2 transforms"):
        optim.chain(optim.scale(1.0), optim.scale(2.0)).update(fnp.ones(1), (1,))


@pytest.mark.parametrize("make, message", [
    (lambda: optim.cosine_decay_schedule(1.0, 0), "positive decay_steps, got decay_steps=0"),
    (lambda: optim.piecewise_constant_schedule(1.0, {3: -1.0}), "non-negative scale factors"),
    (lambda: optim.cosine_onecycle_schedule(0, 1.0), "positive transition_steps.*=0"),
    (lambda: optim.linear_onecycle_schedule(-1, 1.0), "positive transition_steps.*=-1"),
    (lambda: optim.join_schedules([optim.constant_schedule(1.0)], [3]),
     "one schedule more than boundaries"),
])
def test_schedule_arguments_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_updates_are_differentiable_in_the_hyperparameters():
    # meta-learning: the loss after three SGD steps on |p|^2 is |p0|^2 (1 - 2 lr)^6
    p0 = fnp.array([1.0, -2.0])
    loss = lambda p: fnp.sum(p ** 2)

    def loss_after_training(lr):
        opt, p = optim.sgd(lr), p0
        state = opt.init(p)
        for _ in range(3):
            updates, state = opt.update(fg.grad(loss)(p), state, p)
            p = optim.apply_updates(p, updates)
        return loss(p)

    expected = 5.0 * 6 * (1 - 2 * 0.1) ** 5 * -2
    assert float(fg.grad(loss_after_training)(0.1)) == pytest.approx(expected, rel=1e-12)
    assert float(fg.jit(fg.grad(loss_after_training))(0.1)) == pytest.approx(expected, rel=1e-12)
