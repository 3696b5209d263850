"""funcgrad.optim's base protocol and optax.transforms' names, run beside optax (the oracle) on the
same pytrees (nested dicts/tuples with 0-d and empty leaves), float32 and float64, several steps,
eager and jitted, with the states compared leaf by leaf (tests/_optax_oracle.py); then the bad
inputs, each refused as optax refuses it (same exception class) and with a message that names the
structures or the value at fault and the fix."""
from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim, tree
from funcgrad.optim import transforms

from _optax_oracle import (assert_same_tree, gradient_sequence, oracle, param_trees, precision,
                           run_side_by_side, to_funcgrad, to_jax)

DTYPES = [np.float32, np.float64]
STEPS = 4


def ns(lib):
    """The numpy namespace that goes with `lib`: jax.numpy for optax, funcgrad.numpy for ours."""
    return fnp if lib is optim else oracle()[1]


def by_ndim(p, pick):
    """A mask (a tree of Python bools) over the parameters `p`: pick(ndim, size) per leaf."""
    return tree.tree_map(lambda x: bool(pick(np.ndim(x), np.size(x))), p)


def needs_value(lib):
    """A GradientTransformationExtraArgs whose update needs the keyword `value`."""
    def update(updates, state, params=None, *, value, **extra_args):
        del params, extra_args
        return tree.tree_map(lambda g: g * value, updates), state

    return lib.GradientTransformationExtraArgs(lib.init_empty_state, update)


class HalvingSchedule:
    """A StatefulSchedule (init/update/__call__) written once for both libraries: a float32 value
    that halves each step, scaled by the extra argument `value` when one is given."""

    def __init__(self, lib):
        self.np = ns(lib)

    def init(self):
        return {"v": self.np.asarray(0.5, self.np.float32)}

    def update(self, state, **extra_args):
        del extra_args
        return {"v": state["v"] * 0.5}

    def __call__(self, state, **extra_args):
        return state["v"] * extra_args.get("value", 1.0)


def sum_of_squares(u):
    return sum((x ** 2).sum() for x in tree.tree_leaves(u))


def decay_schedule(count):
    return 0.1 * 0.5 ** count


def value_extra(step):
    return {"value": 1.0 + 0.5 * step}


def with_nans(params, grads, steps=(1,)):
    """`grads` with a NaN in the first element of every non-empty leaf at the given steps."""
    def poison(g):
        g = np.array(g, copy=True)
        if g.size:
            g.reshape(-1)[0] = np.nan
        return g
    return [tree.tree_map(poison, g) if i in steps else g for i, g in enumerate(grads)]


# name -> (make(lib, params), options): extra (the update's keyword arguments per step),
# nans (steps whose gradients get a NaN), jit (False where optax itself cannot be jitted).
CASES = {
    "identity": (lambda o, p: o.identity(), {}),
    "set_to_zero": (lambda o, p: o.set_to_zero(), {}),
    "stateless": (lambda o, p: o.stateless(
        lambda u, q: tree.tree_map(lambda g, x: 0.5 * g + x, u, q)), {}),
    "stateless_with_tree_map": (lambda o, p: o.stateless_with_tree_map(
        lambda g, x: g - 0.1 * x), {}),
    "with_extra_args_support": (lambda o, p: o.with_extra_args_support(o.trace(0.5)),
                                {"extra": value_extra}),
    "chain": (lambda o, p: o.chain(o.clip(0.3), o.trace(0.9, nesterov=True)), {}),
    "chain(extra args)": (lambda o, p: o.chain(o.scale(0.5), needs_value(o), o.ema(0.9)),
                          {"extra": value_extra}),
    "named_chain": (lambda o, p: o.named_chain(("clip", o.clip_by_global_norm(1.0)),
                                               ("ema", o.ema(0.8)), ("v", needs_value(o))),
                    {"extra": value_extra}),
    "masked(fn)": (lambda o, p: o.masked(o.trace(0.9), lambda q: by_ndim(q, lambda d, s: d >= 1)),
                   {}),
    "masked(tree)": (lambda o, p: o.masked(o.ema(0.5), by_ndim(p, lambda d, s: s % 2 == 0)), {}),
    "masked(compatible extra args)": (lambda o, p: o.masked(
        o.with_extra_args_support(o.trace(0.5)), by_ndim(p, lambda d, s: d == 1),
        mask_compatible_extra_args=True), {"extra": value_extra}),
    "partition": (lambda o, p: o.partition(
        {"m": o.trace(0.5), "e": o.ema(0.9), "z": o.set_to_zero()},
        lambda q: tree.tree_map(lambda x: "mez"[min(np.ndim(x), 2)], q)), {}),
    "multi_transform": (lambda o, p: o.multi_transform(
        {"a": o.clip(0.2), "b": o.trace(0.5)},
        tree.tree_map(lambda x: "a" if np.size(x) > 2 else "b", p)), {}),
    "freeze": (lambda o, p: o.freeze(by_ndim(p, lambda d, s: d == 2)), {}),
    "selective_transform": (lambda o, p: o.selective_transform(
        o.trace(0.5), freeze_mask=by_ndim(p, lambda d, s: d == 1)), {}),
    "MultiSteps": (lambda o, p: o.MultiSteps(o.trace(0.9), 2).gradient_transformation(),
                   {"cond": True}),
    "MultiSteps(sum, k schedule, param dtype)": (lambda o, p: o.MultiSteps(
        o.ema(0.5), lambda step: 1 + step % 2, use_grad_mean=False,
        accumulator_dtype=None).gradient_transformation(), {"cond": True}),
    "MultiSteps(skip_not_finite)": (lambda o, p: o.MultiSteps(
        o.trace(0.5), 2, should_skip_update_fn=o.skip_not_finite).gradient_transformation(),
        {"nans": (1,), "cond": True}),
    "MultiSteps(skip_large_updates, extra args)": (lambda o, p: o.MultiSteps(
        o.chain(o.trace(0.5), needs_value(o)), 2,
        should_skip_update_fn=functools.partial(o.skip_large_updates, max_squared_norm=8.0)
    ).gradient_transformation(), {"extra": value_extra, "cond": True}),
    "apply_every": (lambda o, p: o.apply_every(3), {}),
    "apply_if_finite": (lambda o, p: o.apply_if_finite(o.trace(0.5), 1),
                        {"nans": (1, 2), "cond": True}),
    "conditionally_transform": (lambda o, p: o.conditionally_transform(
        o.trace(0.5), lambda step: step % 2 == 0), {"cond": True}),
    "conditionally_mask(forward_extra_args)": (lambda o, p: o.conditionally_mask(
        o.trace(0.5), lambda step, value: value < 2.0, forward_extra_args=True),
        {"extra": value_extra, "cond": True}),
    "flatten": (lambda o, p: o.flatten(o.ema(0.9)), {}),
    "centralize": (lambda o, p: o.centralize(), {}),
    "keep_params_nonnegative": (lambda o, p: o.chain(o.scale(-3.0), o.keep_params_nonnegative()),
                                {}),
    "zero_nans": (lambda o, p: o.zero_nans(), {"nans": (1,)}),
    "trace": (lambda o, p: o.trace(0.9), {}),
    "trace(nesterov, float32 accumulator)": (lambda o, p: o.trace(
        0.9, nesterov=True, accumulator_dtype=np.float32), {}),
    "ema": (lambda o, p: o.ema(0.9), {}),
    "ema(no debias)": (lambda o, p: o.ema(0.7, debias=False), {}),
    "snapshot": (lambda o, p: o.transforms.snapshot("norm", sum_of_squares), {}),
    "monitor": (lambda o, p: o.transforms.monitor({
        "norm": sum_of_squares,
        "norm_ema": o.transforms.measure_with_ema(sum_of_squares, 0.9)}), {}),
    "measure_with_ema": (lambda o, p: o.transforms.measure_with_ema(
        lambda u: tree.tree_map(lambda x: (x ** 2).sum(), u), 0.8, debias=False), {}),
    "clip": (lambda o, p: o.clip(0.5), {}),
    "clip_by_block_rms": (lambda o, p: o.clip_by_block_rms(0.5), {}),
    "clip_by_global_norm": (lambda o, p: o.clip_by_global_norm(1.0), {}),
    "adaptive_grad_clip": (lambda o, p: o.adaptive_grad_clip(0.1), {}),
    "add_decayed_weights": (lambda o, p: o.add_decayed_weights(0.1), {}),
    "add_decayed_weights(schedule, mask)": (lambda o, p: o.add_decayed_weights(
        decay_schedule, mask=lambda q: by_ndim(q, lambda d, s: d > 0)), {}),
    "inject_hyperparams(trace)": (lambda o, p: o.inject_hyperparams(o.trace)(decay=0.9), {}),
    "inject_hyperparams(schedule, static mask)": (lambda o, p: o.inject_hyperparams(
        o.add_decayed_weights, static_args="mask")(decay_schedule, mask=by_ndim(
            p, lambda d, s: d > 0)), {}),
    "inject_hyperparams(sgd, schedule)": (lambda o, p: o.inject_hyperparams(o.sgd)(
        learning_rate=decay_schedule, momentum=0.9), {}),
    "inject_hyperparams(stateful schedule, extra args)": (lambda o, p: o.inject_hyperparams(
        o.clip_by_global_norm)(max_norm=HalvingSchedule(o)), {"extra": value_extra}),
    "inject_hyperparams(int)": (lambda o, p: o.inject_hyperparams(o.apply_every)(k=2), {}),
}


def run_case(name, dtype, params, jit, jit_oracle=None):
    make, options = CASES[name]
    grads = gradient_sequence(params, STEPS)
    if options.get("nans"):
        grads = with_nans(params, grads, options["nans"])
    if jit_oracle is None and options.get("cond"):
        jit_oracle = True
    run_side_by_side(lambda lib: make(lib, params), params, grads, dtype, jit=jit,
                     extra=options.get("extra"), jit_oracle=jit_oracle)
    return make, grads, options


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", CASES)
def test_same_as_optax(name, dtype):
    """Beside optax on the nested tree (0-d and empty leaves) and, in float64, on all of
    param_trees in one tuple; then fg.jit's trajectory equals the eager one step for step.
    (optax runs eagerly but for the cases with a lax.cond, which JAX would compile anew at every
    eager step.)"""
    trees = param_trees(dtype)
    run_case(name, dtype, tuple(trees) if dtype == np.float64 else trees[1], jit=False)
    make, grads, options = CASES[name][0], gradient_sequence(trees[1], STEPS), CASES[name][1]
    if options.get("nans"):
        grads = with_nans(trees[1], grads, options["nans"])
    t = make(optim, trees[1])
    params = to_funcgrad(trees[1])
    jitted = fg.jit(t.update)
    s_eager = s_jit = s_init = t.init(params)
    for step, g in enumerate(grads):
        kw = options["extra"](step) if options.get("extra") else {}
        u_eager, s_eager = t.update(to_funcgrad(g), s_eager, params, **kw)
        u_jit, s_jit = jitted(to_funcgrad(g), s_jit, params, **kw)
        assert_same_tree((u_jit, s_jit), (u_eager, s_eager), dtype, f"jit at step {step}")
    if tree.tree_structure(s_init) == tree.tree_structure(s_jit):  # not monitor's: {} at first
        assert jitted.traces == 1, "the state keeps its types: one trace for every step"


@pytest.mark.parametrize("name", ["chain(extra args)", "MultiSteps(skip_not_finite)",
                                  "apply_if_finite", "inject_hyperparams(sgd, schedule)",
                                  "conditionally_mask(forward_extra_args)", "partition"])
def test_same_as_optax_both_jitted(name):
    """A few cases with both libraries jitted, each in the dtype JAX jits by default."""
    run_case(name, np.float32, param_trees(np.float32)[1], jit=True)


def test_each_takes_extra_arguments_where_optax_s_does():
    _, _, optax = oracle()
    p = param_trees(np.float64)[1]
    for name, (make, _) in CASES.items():
        with precision(np.float64):
            theirs = isinstance(make(optax, p), optax.GradientTransformationExtraArgs)
        ours = isinstance(make(optim, p), optim.GradientTransformationExtraArgs)
        assert ours == theirs, f"{name}: GradientTransformationExtraArgs {ours}, optax {theirs}"
        assert isinstance(make(optim, p), optim.GradientTransformation), name


def test_inject_stateful_hyperparams_is_deprecated_as_in_optax():
    _, _, optax = oracle()
    params = param_trees(np.float64)[0]
    for lib in (optax, optim):
        with pytest.warns(DeprecationWarning, match="inject_hyperparams"):
            factory = lib.inject_stateful_hyperparams(lib.trace)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            run_side_by_side(lambda o: o.inject_hyperparams(o.trace)(decay=0.5), params,
                             gradient_sequence(params, 2), np.float64)
        # (each library's own arrays: JAX reads a funcgrad Array's sharding as if it were JAX's)
        state = factory(decay=0.5).init(params if lib is optax else to_funcgrad(params))
        assert state.count.dtype == np.int32


def test_inject_hyperparams_state_can_be_changed_between_jitted_steps():
    opt = optim.inject_hyperparams(optim.sgd)(learning_rate=0.1)
    params = {"w": fnp.ones(2, fnp.float32)}
    step = fg.jit(opt.update)
    state = opt.init(params)
    assert type(state).__name__ == "InjectStatefulHyperparamsState"
    _, state = step(params, state, params)
    state.hyperparams["learning_rate"] = fnp.asarray(1.0, fnp.float32)
    u, _ = step(params, state, params)
    np.testing.assert_array_equal(np.asarray(u["w"]), [-1.0, -1.0])
    assert step.traces == 1


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_types_and_namespace_are_optax_s(dtype):
    _, _, optax = oracle()
    for name in optax.transforms.__all__:
        if name in ("add_noise", "AddNoiseState"):  # opt-alias's noise transforms
            continue
        assert hasattr(transforms, name), f"funcgrad.optim.transforms lacks {name}"
    for name in ("Params", "Updates", "OptState", "Schedule", "ScalarOrSchedule", "MaskOrFn",
                 "TransformInitFn", "TransformUpdateFn", "TransformUpdateExtraArgsFn",
                 "GradientTransformation", "GradientTransformationExtraArgs", "EmptyState",
                 "MultiTransformState", "InjectHyperparamsState", "WrappedSchedule",
                 "StatefulSchedule", "ApplyEvery"):
        assert hasattr(optim, name), name
    assert issubclass(optim.GradientTransformationExtraArgs, optim.GradientTransformation)
    assert isinstance(optim.chain(optim.trace(0.5)), optim.GradientTransformationExtraArgs)
    assert isinstance(HalvingSchedule(optim), optim.StatefulSchedule)
    assert not isinstance(decay_schedule, optim.StatefulSchedule)


def batch_tree(dtype, batch=4):
    rng = np.random.default_rng(5)
    return {"a": (rng.standard_normal((batch, 3)) * 3).astype(dtype),
            "b": (rng.standard_normal((batch, 2, 2)) * 0.2).astype(dtype),
            "c": np.zeros((batch,), dtype)}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_functions_same_as_optax(dtype):
    """The functions of the namespace (not transformations), on the same inputs."""
    _, jnp, optax = oracle()
    rng = np.random.default_rng(2)
    with precision(dtype):
        def same(f, *args, **kwargs):
            ours = getattr(transforms, f, None) or getattr(optim, f)
            theirs = getattr(optax.transforms, f, None) or getattr(optax, f)
            ours, theirs = ours(*to_funcgrad(args), **kwargs), theirs(*to_jax(args), **kwargs)
            assert_same_tree(ours, theirs, dtype, f)

        g = batch_tree(dtype)
        same("per_example_global_norm_clip", g, 1.0)
        same("per_example_layer_norm_clip", g, 1.0)
        same("per_example_layer_norm_clip", g, 0.5, uniform=False)
        for shape in [(), (1,), (0,), (5,), (3, 4), (2, 3, 4), (2, 2, 3, 4), (1, 2, 2, 3, 4),
                      (3, 1)]:
            x = rng.standard_normal(shape).astype(dtype)
            same("unitwise_norm", x)
            same("unitwise_clip", np.abs(x), np.full(shape, 0.5, dtype), x)
        same("unitwise_norm", rng.standard_normal((2, 3, 4)).astype(dtype), axis=(0, 2))
        p = tuple(param_trees(dtype))  # every structure and shape in one tree
        new, old = gradient_sequence(p, 2)
        same("incremental_update", new, old, 0.25)
        for step in (3, 4):
            same("periodic_update", new, old, step, 2)
        for upd in (gradient_sequence(p, 1)[0], with_nans(p, gradient_sequence(p, 1), (0,))[0]):
            same("skip_not_finite", upd, 0, None)
            same("skip_large_updates", upd, 0, None, 4.0)


@precision(np.float64)
def test_tree_map_params_same_as_optax():
    _, _, optax = oracle()
    for p in param_trees(np.float64):
        mask = by_ndim(p, lambda d, s: d > 0)
        specs = tree.tree_map(lambda x: np.full(np.shape(x), 7.0), p)
        results = []
        for lib, conv in ((optax, to_jax), (optim, to_funcgrad)):
            opt = lib.chain(lib.trace(0.5), lib.masked(lib.ema(0.9), mask), lib.apply_every(2))
            state = opt.init(conv(p))
            add = lambda x, s, lib=lib: x if isinstance(x, lib.MaskedNode) else x + s  # noqa
            results.append(lib.tree_map_params(opt, add, state, conv(specs),
                                               transform_non_params=lambda v: v * 0 - 1,
                                               is_leaf=lambda v: isinstance(v, lib.MaskedNode)))
        assert_same_tree(results[1], results[0], np.float64, "tree_map_params")


# ---- bad input ----------------------------------------------------------------------------------

P = {"w": np.ones((2, 2)), "b": np.ones(2)}
OTHER = {"w": np.ones((2, 2)), "bias": np.ones(2)}

MISMATCHED_PARAMS = {
    "add_decayed_weights": lambda o: o.add_decayed_weights(0.1),
    "keep_params_nonnegative": lambda o: o.keep_params_nonnegative(),
    "adaptive_grad_clip": lambda o: o.adaptive_grad_clip(0.1),
    "stateless_with_tree_map": lambda o: o.stateless_with_tree_map(lambda u, p: u + p),
    "masked(add_decayed_weights)": lambda o: o.add_decayed_weights(0.1, mask={"w": True,
                                                                            "b": False}),
}


@pytest.mark.parametrize("name", MISMATCHED_PARAMS)
def test_params_of_another_structure_are_refused(name):
    _, _, optax = oracle()
    make = MISMATCHED_PARAMS[name]
    with pytest.raises(ValueError):
        t = make(optax)
        t.update(to_jax(P), t.init(to_jax(P)), to_jax(OTHER))
    t = make(optim)
    with pytest.raises(ValueError, match=r"(?s)different structures.*'b'.*'bias'.*Give params"):
        t.update(to_funcgrad(P), t.init(to_funcgrad(P)), to_funcgrad(OTHER))


def test_apply_updates_names_both_structures_and_the_fix():
    _, _, optax = oracle()
    with pytest.raises(ValueError):
        optax.apply_updates(to_jax(P), to_jax(OTHER))
    with pytest.raises(ValueError, match=r"(?s)apply_updates: the params and the updates are "
                                         r"trees of different structures.*params: .*'b'.*"
                                         r"updates: .*'bias'.*Give updates as a tree of the "
                                         r"structure of the params"):
        optim.apply_updates(to_funcgrad(P), to_funcgrad(OTHER))
    with pytest.raises(ValueError, match="different structures"):
        optim.apply_updates(to_funcgrad(P), [to_funcgrad(P)["w"]])


def test_a_mask_of_another_structure_is_refused():
    t = optim.masked(optim.trace(0.5), {"w": True, "c": False})
    with pytest.raises(ValueError, match=r"(?s)masked: the mask and the params .*'c'.*"
                                         r"a tree that the mask are a prefix of"):
        t.init(to_funcgrad(P))


@pytest.mark.parametrize("where", ["inject_hyperparams", "add_decayed_weights"])
def test_a_schedule_returning_a_non_scalar_is_refused(where):
    bad = lambda count: fnp.ones(2) * 0.1  # noqa: E731
    if where == "inject_hyperparams":
        opt = optim.inject_hyperparams(optim.trace)(decay=bad)
        with pytest.raises(ValueError, match=r"inject_hyperparams\(trace\): the hyperparameter "
                                             r"'decay' must be a scalar.*shape \(2,\)"):
            opt.init(to_funcgrad(P))
    else:
        opt = optim.add_decayed_weights(bad)
        p = to_funcgrad(P)
        with pytest.raises(ValueError, match=r"add_decayed_weights: the hyperparameter "
                                             r"'weight_decay' must be a scalar"):
            opt.update(p, opt.init(p), p)


def both_raise(exc, build, match=None):
    """`build(lib)` raises `exc` for optax and for funcgrad.optim (ours with `match`)."""
    _, _, optax = oracle()
    with pytest.raises(exc):
        build(optax)
    with pytest.raises(exc, match=match):
        build(optim)


def test_errors_optax_also_raises():
    p = to_funcgrad(P)

    def run(o, t, params=P, state_params=None, **kw):
        conv = to_funcgrad if o is optim else to_jax
        state = t.init(conv(state_params if state_params is not None else params))
        return t.update(conv(params), state, conv(params), **kw)

    both_raise(ValueError, lambda o: o.named_chain(("a", o.clip(1.0)), ("a", o.trace(0.5))),
               match="unique names")
    both_raise(ValueError, lambda o: o.chain(o.clip(1.0)).update(P, ((), ()), P),
               match="build it with this chain's own init")
    both_raise(ValueError, lambda o: o.partition({"a": o.clip(1.0)},
                                                 {"w": "a", "b": "c"}).init(P),
               match=r"no transformation for the labels \['c'\]")
    both_raise(ValueError, lambda o: o.inject_hyperparams(o.trace, static_args="nope"),
               match="static_args")
    both_raise(ValueError, lambda o: run(o, o.add_decayed_weights(0.1)).__class__ and
               o.add_decayed_weights(0.1).update(P, o.EmptyState(), None),
               match="needs the parameters")
    both_raise(ValueError, lambda o: run(o, o.MultiSteps(
        o.trace(0.5), 2, should_skip_update_fn=lambda u, s, q: (ns(o).ones(2) > 0, ())
    ).gradient_transformation()), match="boolean scalar")
    both_raise(ValueError, lambda o: o.per_example_global_norm_clip(
        {"a": ns(o).ones((2, 3)), "b": ns(o).ones(3)}, 1.0), match="batch dimension")
    both_raise(ValueError, lambda o: o.transforms.unitwise_norm(ns(o).ones((2,) * 6)),
               match="axis parameter")
    both_raise(TypeError, lambda o: o.chain(needs_value(o)).update(p, ((),), p))


@pytest.mark.parametrize("name", ["trace", "ema", "apply_every", "MultiSteps"])
def test_updates_of_another_structure_than_the_state_are_refused(name):
    make = {"trace": lambda o: o.trace(0.5), "ema": lambda o: o.ema(0.5),
            "apply_every": lambda o: o.apply_every(2),
            "MultiSteps": lambda o: o.MultiSteps(o.trace(0.5), 2)}[name]
    _, _, optax = oracle()
    t = make(optax)
    with pytest.raises(ValueError):
        t.update(to_jax(OTHER), t.init(to_jax(P)))
    t = make(optim)
    with pytest.raises(ValueError, match=rf"(?s){name}: the parameters the state was built from "
                                         r"and the updates are trees of different structures"):
        t.update(to_funcgrad(OTHER), t.init(to_funcgrad(P)))


# ---- properties on random trees (funcgrad alone: no oracle needed) -------------------------------

shapes = st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple)
trees = st.tuples(st.lists(shapes, min_size=1, max_size=4), st.sampled_from(DTYPES),
                  st.integers(0, 2 ** 16))


def random_tree(draw):
    leaf_shapes, dtype, seed = draw
    rng = np.random.default_rng(seed)
    return {f"l{i}": fnp.asarray(rng.standard_normal(s).astype(dtype))
            for i, s in enumerate(leaf_shapes)}, dtype


def run_steps(t, grads, params):
    state, out = t.init(params), []
    for g in grads:
        u, state = t.update(g, state, params)
        out.append(u)
    return out


@given(trees)
def test_wrappers_reduce_to_what_they_wrap(draw):
    p, dtype = random_tree(draw)
    grads = [tree.tree_map(lambda x, k=k: x * (k + 1.5), p) for k in range(3)]
    plain = run_steps(optim.trace(0.5), grads, p)
    tol = dict(rtol=1e-6 if dtype == np.float32 else 1e-13)
    for wrapped in (optim.masked(optim.trace(0.5), tree.tree_map(lambda _: True, p)),
                    optim.partition({"a": optim.trace(0.5)}, tree.tree_map(lambda _: "a", p)),
                    optim.conditionally_transform(optim.trace(0.5), lambda step: step >= 0),
                    optim.chain(optim.identity(), optim.trace(0.5)),
                    optim.MultiSteps(optim.trace(0.5), 1).gradient_transformation()):
        for a, b in zip(run_steps(wrapped, grads, p), plain):
            for x, y in zip(tree.tree_leaves(a), tree.tree_leaves(b)):
                assert np.asarray(x).dtype == np.asarray(y).dtype == dtype
                np.testing.assert_allclose(np.asarray(x), np.asarray(y), **tol)
    if sum(int(np.prod(s)) for s in draw[0]) > 0:  # flatten needs something to concatenate
        for a, b in zip(run_steps(optim.flatten(optim.trace(0.5)), grads, p), plain):
            for x, y in zip(tree.tree_leaves(a), tree.tree_leaves(b)):
                np.testing.assert_allclose(np.asarray(x), np.asarray(y), **tol)
    zeros = tree.tree_map(fnp.zeros_like, grads[-1])
    for frozen, expect in ((optim.masked(optim.trace(0.5), tree.tree_map(lambda _: False, p)),
                            grads[-1]),
                           (optim.freeze(tree.tree_map(lambda _: True, p)), zeros)):
        out = run_steps(frozen, grads, p)[-1]
        for x, y in zip(tree.tree_leaves(out), tree.tree_leaves(expect)):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@given(trees, st.floats(0.1, 10.0))
def test_clipping_bounds_the_norm_and_keeps_the_dtype(draw, max_norm):
    p, dtype = random_tree(draw)
    u, _ = optim.clip_by_global_norm(max_norm).update(p, optim.EmptyState())
    assert float(optim.global_norm(u)) <= max_norm * (1 + 1e-5)
    assert all(np.asarray(x).dtype == dtype for x in tree.tree_leaves(u))
    kept = float(optim.global_norm(p)) < max_norm
    for x, y in zip(tree.tree_leaves(u), tree.tree_leaves(p)):
        if kept:
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    new = optim.apply_updates(p, u)
    assert all(np.asarray(x).dtype == dtype for x in tree.tree_leaves(new))
