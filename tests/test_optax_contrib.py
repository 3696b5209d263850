"""funcgrad.optim.contrib against optax.contrib (the oracle, skipped where absent): each
optimizer run beside optax's on the oracle's parameter trees (nested dicts and tuples, 0-d and
empty leaves), float32 and float64, eager and jitted, updates and states compared leaf by leaf
after every step; schedule_free's evaluation parameters; reduce_on_plateau driven by a value
sequence; SAM in its opaque mode; and bad input with optax's error classes."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim
from funcgrad.optim import contrib
from _optax_oracle import (assert_same_tree, gradient_sequence, oracle, param_trees, precision,
                           run_side_by_side, to_funcgrad, to_jax)

DTYPES = [np.float32, np.float64]
STEPS = 5


def _lib_contrib(o):
    return o.contrib


def _lr_schedule(o):
    return o.linear_schedule(0.5, 0.05, transition_steps=4)


CASES = {
    "sam_sgd": lambda o: _lib_contrib(o).sam(
        o.sgd(0.1), o.chain(_lib_contrib(o).normalize(), o.sgd(0.05))),
    "sam_adam_period3_keep_state": lambda o: _lib_contrib(o).sam(
        o.adam(0.05), o.sgd(0.02), sync_period=3, reset_state=False),
    "schedule_free_sgd": lambda o: _lib_contrib(o).schedule_free_sgd(0.5),
    "schedule_free_sgd_warmup_decay": lambda o: _lib_contrib(o).schedule_free_sgd(
        0.5, warmup_steps=3, b1=0.8, weight_decay=1e-2, weight_lr_power=1.0),
    "schedule_free_adamw": lambda o: _lib_contrib(o).schedule_free_adamw(
        0.1, warmup_steps=2, weight_decay=1e-3),
    "schedule_free_adam_base": lambda o: _lib_contrib(o).schedule_free(
        o.adam(1e-2, b1=0.0), learning_rate=1e-2, b1=0.95),
    "dog": lambda o: _lib_contrib(o).dog(),
    "dog_lr_init_decay": lambda o: _lib_contrib(o).dog(
        learning_rate=0.5, init_step=("learning_rate", 0.1), weight_decay=1e-3),
    "dog_distance": lambda o: _lib_contrib(o).dog(init_step=("distance", 0.5)),
    "dowg": lambda o: _lib_contrib(o).dowg(),
    "dowg_init_decay": lambda o: _lib_contrib(o).dowg(init_estim_sq_dist=0.3,
                                                      weight_decay=1e-3),
    "prodigy": lambda o: _lib_contrib(o).prodigy(),
    "cocob": lambda o: _lib_contrib(o).cocob(),
    "cocob_options": lambda o: _lib_contrib(o).cocob(learning_rate=0.5, alpha=10.0,
                                                     weight_decay=1e-3),
    "prodigy_options": lambda o: _lib_contrib(o).prodigy(
        learning_rate=_lr_schedule(o), beta3=0.9, weight_decay=1e-2, safeguard_warmup=True),
}

# A value sequence with improvements, plateaus and a rise, for reduce_on_plateau.
VALUES = [5.0, 4.0, 4.0, 4.0, 3.9999, 4.5, 4.5, 2.0, 2.0, 2.0]
PLATEAU = {
    "reduce_on_plateau": lambda o: _lib_contrib(o).reduce_on_plateau(factor=0.5, patience=1),
    "reduce_on_plateau_cooldown_accumulate": lambda o: _lib_contrib(o).reduce_on_plateau(
        factor=0.5, patience=1, cooldown=1, accumulation_size=2, min_scale=0.3, atol=0.1),
    "chained_with_sgd": lambda o: o.chain(o.sgd(0.1), _lib_contrib(o).reduce_on_plateau(
        patience=2, rtol=0.0, atol=1e-3)),
}


# The oracle's nested tree (dicts, tuples, a 0-d and an empty leaf): JAX compiles each eager
# operation once per shape, so one tree keeps optax's side fast.
def nested_params(dtype):
    return param_trees(dtype)[1]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_contrib_matches_optax_eager(name, dtype):
    params = nested_params(dtype)
    run_side_by_side(CASES[name], params, gradient_sequence(params, STEPS), dtype)


@pytest.mark.parametrize("name", ["sam_sgd", "schedule_free_adamw", "dog_lr_init_decay",
                                  "dowg_init_decay", "prodigy_options"])
def test_contrib_matches_optax_jitted(name):
    # one case per optimizer (each compiles in both libraries), the dtype alternating
    dtype = DTYPES[len(name) % 2]
    params = nested_params(dtype)
    run_side_by_side(CASES[name], params, gradient_sequence(params, STEPS), dtype, jit=True)


@pytest.mark.parametrize("name,dtype", [("reduce_on_plateau", np.float32),
                                        ("reduce_on_plateau", np.float64),
                                        ("reduce_on_plateau_cooldown_accumulate", np.float32),
                                        ("reduce_on_plateau_cooldown_accumulate", np.float64),
                                        ("chained_with_sgd", np.float32)])
def test_reduce_on_plateau_matches_optax(name, dtype):
    # optax's update jitted (its eager lax.cond compiles at every call); ours eager and jitted
    jax, _, optax = oracle()
    params = param_trees(dtype)[0]
    with precision(dtype):
        t_opt, o_opt = PLATEAU[name](optax), PLATEAU[name](optim)
        p_t, p_o = to_jax(params), to_funcgrad(params)
        s_t, s_e = t_opt.init(p_t), o_opt.init(p_o)
        s_j = s_e
        up_t, up_j = jax.jit(t_opt.update), fg.jit(o_opt.update)
        for step, g in enumerate(gradient_sequence(params, len(VALUES))):
            value = np.asarray(VALUES[step], dtype)
            u_t, s_t = up_t(to_jax(g), s_t, p_t, value=value)
            u_e, s_e = o_opt.update(to_funcgrad(g), s_e, p_o, value=fnp.asarray(value))
            u_j, s_j = up_j(to_funcgrad(g), s_j, p_o, value=fnp.asarray(value))
            for u, s, how in ((u_e, s_e, "eager"), (u_j, s_j, "jitted")):
                assert_same_tree(u, u_t, dtype, f"{how} updates at step {step}")
                assert_same_tree(s, s_t, dtype, f"{how} state at step {step}")


def test_reduce_on_plateau_cuts_the_scale():
    t = contrib.reduce_on_plateau(factor=0.5, patience=1, min_scale=0.2)
    state = t.init(fnp.zeros(1))
    scales = []
    for v in [1.0, 1.0, 1.0, 1.0, 0.5]:
        _, state = t.update(fnp.ones(1), state, value=fnp.asarray(v))
        scales.append(float(state.scale))
    assert scales == [1.0, 0.5, 0.25, 0.2, 0.2]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["schedule_free_sgd_warmup_decay", "schedule_free_adamw"])
def test_schedule_free_eval_params_match_optax(name, dtype):
    _, _, optax = oracle()
    params = param_trees(dtype)[1]
    with precision(dtype):
        t_opt, o_opt = CASES[name](optax), CASES[name](optim)
        p_t, p_o = to_jax(params), to_funcgrad(params)
        s_t, s_o = t_opt.init(p_t), o_opt.init(p_o)
        for g in gradient_sequence(params, STEPS):
            u_t, s_t = t_opt.update(to_jax(g), s_t, p_t)
            u_o, s_o = o_opt.update(to_funcgrad(g), s_o, p_o)
            p_t, p_o = optax.apply_updates(p_t, u_t), optim.apply_updates(p_o, u_o)
            assert_same_tree(contrib.schedule_free_eval_params(s_o, p_o),
                             optax.contrib.schedule_free_eval_params(s_t, p_t), dtype,
                             "eval params")
    # found inside a chain too
    chained = optim.chain(optim.identity(), o_opt)
    state = chained.init(p_o)
    assert_same_tree(contrib.schedule_free_eval_params(state, p_o), p_o, dtype)


def test_schedule_free_state_dtype():
    opt = contrib.schedule_free_sgd(0.5, state_dtype=np.float32)
    state = opt.init({"w": fnp.ones(3)})
    assert state.z["w"].dtype == np.float32 and state.max_lr.dtype == np.float64
    u, state = opt.update({"w": fnp.ones(3)}, state, {"w": fnp.ones(3)})
    assert state.z["w"].dtype == np.float32 and u["w"].dtype == np.float64


@pytest.mark.parametrize("dtype", DTYPES)
def test_sam_opaque_mode_matches_optax(dtype):
    # grad_fn is the gradient of sum(x**2), written with operators both libraries share
    grad_fn = lambda p, i: fg.tree.tree_map(lambda x: 2.0 * x, p)  # noqa: E731
    params = tuple(param_trees(dtype)[:2])  # both structures in one tree
    run_side_by_side(
        lambda o: _lib_contrib(o).sam(o.sgd(0.1), o.chain(_lib_contrib(o).normalize(),
                                                          o.sgd(0.05)),
                                      sync_period=3, opaque_mode=True),
        params, gradient_sequence(params, 3), dtype, extra=lambda step: {"grad_fn": grad_fn})


def test_sam_opaque_mode_pmeans_over_batch_axis_like_optax():
    # per-example gradients under vmap(axis_name="batch"): the adversarial gradients are
    # averaged over the batch, so every example takes the same step, as in optax
    jax, jnp, optax = oracle()
    rng = np.random.default_rng(5)
    w0, data = rng.standard_normal(3), rng.standard_normal((4, 3))
    outs = []
    for lib, np_, vmap in ((optax, jnp, jax.vmap), (optim, fnp, fg.vmap)):
        opt = lib.contrib.sam(lib.sgd(0.1), lib.sgd(0.05), sync_period=3, opaque_mode=True,
                              batch_axis_name="batch")

        def one(x, opt=opt, np_=np_):
            grad_fn = lambda p, i: (p - x) * 2.0  # noqa: E731  (the gradient of |p - x|^2)
            w = np_.asarray(w0)
            u, _ = opt.update(grad_fn(w, -1), opt.init(w), w, grad_fn=grad_fn)
            return u

        with precision(np.float64):
            outs.append(vmap(one, axis_name="batch")(np_.asarray(data)))
    assert_same_tree(outs[1], outs[0], np.float64)
    assert np.ptp(np.asarray(outs[1]), axis=0).max() < 1e-12  # one step for all


def test_sam_transparent_ignores_grad_fn_in_chain():
    opt = optim.chain(contrib.sam(optim.sgd(0.1), optim.sgd(0.05)), optim.identity())
    w = fnp.ones(2)
    u, _ = opt.update(fnp.ones(2), opt.init(w), w, grad_fn=lambda p, i: p)
    assert_same_tree(u, 0.05 * fnp.ones(2))  # the adversarial step climbs
    with pytest.raises(TypeError):  # as optax's: sam takes no other extra argument
        opt.update(fnp.ones(2), opt.init(w), w, value=1.0)


# ---- bad input --------------------------------------------------------------------------------

BAD = [
    ("reduce_on_plateau", dict(factor=1.0), ValueError, "Factor must be in the range"),
    ("reduce_on_plateau", dict(rtol=-1.0), ValueError, "must be non-negative"),
    ("reduce_on_plateau", dict(rtol=0.0, atol=0.0), ValueError, "At least one of rtol or atol"),
    ("reduce_on_plateau", dict(rtol=2.0), ValueError, "rtol must be less than or equal to 1"),
    ("sam", dict(optimizer=None, adv_optimizer=None, sync_period=0), ValueError,
     "Synchronization period must be >= 1"),
]


@pytest.mark.parametrize("name,kwargs,error,message", BAD)
def test_bad_hyperparameters_raise_optax_errors(name, kwargs, error, message):
    _, _, optax = oracle()
    with pytest.raises(error, match=message):
        getattr(optax.contrib, name)(**kwargs)
    with pytest.raises(error, match=message):
        getattr(contrib, name)(**kwargs)


def test_bad_calls_raise_optax_errors():
    _, jnp, optax = oracle()
    for lib, np_ in ((optax, jnp), (optim, fnp)):
        t = lib.contrib.reduce_on_plateau()
        with pytest.raises(TypeError):  # no value to monitor
            t.update(np_.ones(2), t.init(np_.ones(2)))
        t = lib.contrib.sam(lib.sgd(0.1), lib.sgd(0.1), opaque_mode=True)
        with pytest.raises(ValueError, match="grad_fn must be provided"):
            t.update(np_.ones(2), t.init(np_.ones(2)), np_.ones(2))
        t = lib.contrib.prodigy()
        with pytest.raises(ValueError):
            t.update(np_.ones(2), t.init(np_.ones(2)))
        with pytest.raises(ValueError, match="Invalid init_step"):
            lib.contrib.dog(init_step=("guess", 1.0)).init(np_.ones(2))
    with pytest.raises(ValueError, match="requires a ScheduleFreeState"):
        contrib.schedule_free_eval_params(optim.adam(0.1).init(fnp.ones(2)), fnp.ones(2))
