"""L-BFGS and the line searches against optax (the oracle, skipped where absent): the solver's
states and iterates equal optax's step by step, float32 and float64, eager and jitted, on the
Rosenbrock function and on a least-squares problem with data passed as extra arguments; the
whole solve inside `lax.while_loop` (optax's L-BFGS example) jitted, converging to the known
minimum; the backtracking search with and without store_grad; and bad input."""
import functools
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim
from funcgrad.optim._lbfgs import _precondition
from _optax_oracle import (assert_same_tree, gradient_sequence, oracle, param_trees, precision,
                           run_side_by_side, to_funcgrad, to_jax)

DTYPES = [np.float32, np.float64]

# Longer runs (each compiles optax's solver for seconds): FUNCGRAD_SLOW=1 runs them.
SLOW = [pytest.mark.slow, pytest.mark.skipif(os.environ.get("FUNCGRAD_SLOW") != "1",
                                             reason="slow: FUNCGRAD_SLOW=1 runs it")]


# ---- objectives, written once for both libraries (np_ is jax.numpy or funcgrad.numpy) ---------

def rosenbrock(np_):
    def f(p):
        x = p["x"]
        return np_.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return f


def least_squares(np_):
    # a model with a nested parameter tree; the data comes as keyword arguments (extra args)
    def f(p, a, b):
        pred = a @ p["w"]["m"] + p["b"]
        return 0.5 * np_.sum((pred - b) ** 2) + 0.05 * np_.sum(p["w"]["m"] ** 2)
    return f


def rosen_start(dtype):
    return {"x": np.array([-1.2, 1.0, -0.5, 0.3], dtype)}


def lsq_start(dtype):
    return {"w": {"m": np.zeros((3, 2), dtype)}, "b": np.zeros(2, dtype)}


def lsq_data(dtype):
    rng = np.random.default_rng(3)
    return {"a": rng.standard_normal((6, 3)).astype(dtype),
            "b": rng.standard_normal((6, 2)).astype(dtype)}


PROBLEMS = {"rosenbrock": (rosenbrock, rosen_start, None),
            "least_squares": (least_squares, lsq_start, lsq_data)}

SOLVERS = {
    "lbfgs": lambda o: o.lbfgs(),
    "lbfgs_small_memory_unscaled": lambda o: o.lbfgs(memory_size=2, scale_init_precond=False),
    "lbfgs_backtracking": lambda o: o.lbfgs(
        memory_size=4, linesearch=o.scale_by_backtracking_linesearch(20, store_grad=True)),
    "sgd_zoom_keep": lambda o: o.chain(
        o.sgd(1e-2), o.scale_by_zoom_linesearch(15, max_learning_rate=50.0, curv_rtol=0.5)),
    "sgd_zoom_no_approx": lambda o: o.chain(
        o.sgd(1e-2), o.scale_by_zoom_linesearch(10, approx_dec_rtol=None,
                                                initial_guess_strategy="one")),
    "sgd_backtracking_store_grad": lambda o: o.chain(
        o.sgd(1e-2), o.scale_by_backtracking_linesearch(15, store_grad=True)),
}


def solver_step(lib, solver, problem):
    """One step of `solver` on `problem` in `lib` (optax or funcgrad.optim): the value and
    gradient taken from the state (value_and_grad_from_state), the data as extra arguments."""
    np_ = fnp if lib is optim else oracle()[1]
    fn, opt = PROBLEMS[problem][0](np_), SOLVERS[solver](lib)
    value_and_grad = lib.value_and_grad_from_state(fn)

    def step(p, s, kw):
        value, grad = value_and_grad(p, state=s, **kw)
        u, s = opt.update(grad, s, p, value=value, grad=grad, value_fn=fn, **kw)
        return lib.apply_updates(p, u), s

    return opt, step


@functools.lru_cache(maxsize=None)
def optax_trajectory(solver, problem, dtype_name, steps):
    """optax's initial state and its (params, state) after each of `steps` steps, as numpy;
    all steps in one jitted scan (optax's eager line searches are slow, and each compilation of
    a step costs seconds), computed once per configuration."""
    jax, _, optax = oracle()
    dtype = np.dtype(dtype_name)
    _, start, data = PROBLEMS[problem]
    opt, step = solver_step(optax, solver, problem)
    with precision(dtype):
        p0, kw = to_jax(start(dtype)), to_jax(data(dtype) if data else {})

        def body(carry, _):
            carry = step(*carry, kw)
            return carry, carry

        run = jax.jit(lambda p: jax.lax.scan(body, (p, opt.init(p)), None, length=steps)[1])
        trajectory = jax.tree.map(np.asarray, run(p0))
        return jax.tree.map(np.asarray, opt.init(p0)), trajectory


def solve_side_by_side(solver, problem, dtype, steps, jit):
    """`steps` steps of `solver` in funcgrad.optim (eager or jitted) from the same start as
    optax, states and parameters compared with optax's after each step."""
    jax, _, _ = oracle()
    init_t, (params_t, states_t) = optax_trajectory(solver, problem, np.dtype(dtype).name, steps)
    _, start, data = PROBLEMS[problem]
    opt, step = solver_step(optim, solver, problem)
    step = fg.jit(step) if jit else step
    p, kw = to_funcgrad(start(dtype)), to_funcgrad(data(dtype) if data else {})
    s = opt.init(p)
    assert_same_tree(s, init_t, dtype, "init state")
    for i in range(steps):
        p, s = step(p, s, kw)
        at = lambda t: jax.tree.map(lambda x: x[i], t)  # noqa: E731
        assert_same_scaled(s, at(states_t), dtype, f"state after step {i}")
        assert_same_scaled(p, at(params_t), dtype, f"params after step {i}")
    return p


def assert_same_scaled(ours, theirs, dtype, where):
    """assert_same_tree; in float32 each leaf is compared to 1e-5 of its largest magnitude, as
    its float32 rounding goes: gradients (and L-BFGS's differences of them) are sums of terms
    far larger than the result (Rosenbrock's 100 (y - x^2)^2), whose rounding survives the
    cancellation."""
    if dtype != np.float32:
        assert_same_tree(ours, theirs, dtype, where)
        return
    jax, _, _ = oracle()
    assert_same_tree(ours, theirs, dtype, where, atol=1e30)  # classes, shapes and dtypes
    for a, b in zip(fg.tree.tree_leaves(ours), jax.tree.leaves(theirs)):
        b = np.asarray(b)
        scale = float(np.max(np.abs(b))) if b.size else 0.0
        np.testing.assert_allclose(np.asarray(a), b, rtol=2e-5, atol=2e-6 + 1e-5 * scale,
                                   err_msg=where)


# Five steps: float32 rounding grows along the iterations (Rosenbrock is ill-conditioned, and
# L-BFGS's memory holds differences of nearly equal gradients). A core set runs always, the
# whole matrix (each configuration compiles optax's solver for seconds) with FUNCGRAD_SLOW=1.
CORE = {("lbfgs", "rosenbrock", "float32"), ("lbfgs", "least_squares", "float64"),
        ("sgd_zoom_keep", "rosenbrock", "float64"),
        ("sgd_backtracking_store_grad", "least_squares", "float32")}
MATRIX = [pytest.param(solver, problem, dtype,
                       marks=() if (solver, problem, dtype) in CORE else SLOW)
          for solver in sorted(SOLVERS) for problem in sorted(PROBLEMS)
          for dtype in ("float32", "float64")]


@pytest.mark.parametrize("solver,problem,dtype", MATRIX)
def test_solver_steps_match_optax(solver, problem, dtype):
    # float32 least squares has converged by the 5th step: its gradients are rounding noise
    steps = 4 if (problem, dtype) == ("least_squares", "float32") else 5
    eager = solve_side_by_side(solver, problem, np.dtype(dtype), steps, jit=False)
    jitted = solve_side_by_side(solver, problem, np.dtype(dtype), steps, jit=True)
    assert_same_tree(jitted, eager, np.dtype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_lbfgs_without_linesearch_matches_optax_on_nested_trees(dtype):
    # no line search: a plain chain with a learning rate, on the oracle's nested tree (0-d and
    # empty leaves included) with arbitrary gradients; the memory (3) wraps around
    params = param_trees(dtype)[1]
    run_side_by_side(lambda o: o.lbfgs(learning_rate=0.1, memory_size=3, linesearch=None),
                     params, gradient_sequence(params, 5), dtype, jit=True)


@settings(max_examples=15)
@given(n=st.integers(1, 5), memory=st.integers(1, 4), steps=st.integers(2, 6),
       seed=st.integers(0, 2 ** 16), dtype=st.sampled_from(DTYPES))
def test_lbfgs_direction_satisfies_the_secant_equation(n, memory, steps, seed, dtype):
    # on a quadratic with Hessian A, the inverse Hessian approximation P maps the newest
    # gradient difference onto the newest parameter difference (P du = dw), whatever the
    # memory size, the number of steps and the dimension (1 included)
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = (q * rng.uniform(1.0, 4.0, n)) @ q.T
    t = optim.scale_by_lbfgs(memory_size=memory)
    w = fnp.asarray(rng.standard_normal(n).astype(dtype))
    state = t.init(w)
    for _ in range(steps):
        direction, state = t.update(fnp.asarray((a @ np.asarray(w)).astype(dtype)), state, w)
        assert direction.dtype == dtype
        w = optim.apply_updates(w, -0.3 * direction)
    newest = (int(state.count) - 2) % memory
    dw, du = state.diff_params_memory[newest], state.diff_updates_memory[newest]
    mapped = _precondition(du, state.diff_params_memory, state.diff_updates_memory,
                           state.weights_memory, 1.0, (int(state.count) - 1) % memory)
    tol = dict(rtol=2e-3, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(np.asarray(mapped), np.asarray(dw), **tol)


# ---- optax's L-BFGS example: the whole solve in a while_loop ----------------------------------

def run_lbfgs(lib, np_, lax, fn, params, max_iter=60, tol=1e-3):
    opt = lib.lbfgs()
    value_and_grad = lib.value_and_grad_from_state(fn)

    def step(carry):
        params, state = carry
        value, grad = value_and_grad(params, state=state)
        updates, state = opt.update(grad, state, params, value=value, grad=grad, value_fn=fn)
        return lib.apply_updates(params, updates), state

    def keep_going(carry):
        _, state = carry
        count, grad = state[0].count, state[2].grad
        err = np_.sqrt(sum(np_.sum(g ** 2) for g in fg.tree.tree_leaves(grad)))
        return (count == 0) | ((count < max_iter) & (err >= tol))

    return lax.while_loop(keep_going, step, (params, opt.init(params)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_lbfgs_in_while_loop_jitted_converges_like_optax(dtype):
    jax, jnp, optax = oracle()
    with precision(dtype):
        start = rosen_start(dtype)
        p_t, s_t = jax.jit(lambda p: run_lbfgs(optax, jnp, jax.lax, rosenbrock(jnp), p))(
            to_jax(start))
        p_o, s_o = fg.jit(lambda p: run_lbfgs(optim, fnp, fg.lax, rosenbrock(fnp), p))(
            to_funcgrad(start))
    assert p_o["x"].dtype == dtype and s_o[0].count.dtype == np.int32
    np.testing.assert_allclose(np.asarray(p_o["x"]), 1.0, atol=1e-4)  # the known minimum
    if dtype == np.float64:  # the same iterates to the end
        assert int(s_o[0].count) == int(s_t[0].count)
        # forty steps grow float64 rounding to ~1e-10 in the iterates (the states, differences
        # of nearly equal gradients at the minimum, are compared step by step above)
        assert_same_tree(p_o, p_t, dtype, rtol=1e-8, atol=1e-10)
        assert_same_tree(s_o[2].value, s_t[2].value, dtype, rtol=1e-6, atol=1e-12)
    else:  # float32 rounding parts the trajectories near the end; both reach the minimum
        np.testing.assert_allclose(np.asarray(p_o["x"]), np.asarray(p_t["x"]), atol=1e-4)


def test_lbfgs_in_eager_while_loop_equals_jitted():
    start = to_funcgrad(rosen_start(np.float64))
    eager = run_lbfgs(optim, fnp, fg.lax, rosenbrock(fnp), start)
    jitted = fg.jit(lambda p: run_lbfgs(optim, fnp, fg.lax, rosenbrock(fnp), p))(start)
    assert_same_tree(eager, jitted, np.float64)


def test_lbfgs_solves_least_squares_to_normal_equations():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((20, 5)), rng.standard_normal(20)
    fn = lambda w: 0.5 * fnp.sum((fnp.asarray(a) @ w - fnp.asarray(b)) ** 2)  # noqa: E731
    w, _ = run_lbfgs(optim, fnp, fg.lax, fn, fnp.zeros(5), tol=1e-10)
    np.testing.assert_allclose(np.asarray(w), np.linalg.lstsq(a, b, rcond=None)[0], atol=1e-8)


# ---- the backtracking search ------------------------------------------------------------------

@pytest.mark.parametrize("store_grad", [False, True])
def test_backtracking_store_grad_state(store_grad):
    fn = lambda w: fnp.sum(w ** 2)  # noqa: E731
    solver = optim.chain(optim.sgd(1.0),
                         optim.scale_by_backtracking_linesearch(15, store_grad=store_grad))
    w = fnp.array([1.0, 2.0, 3.0])
    state = solver.init(w)
    assert (state[1].grad is None) == (not store_grad)
    value, grad = fg.value_and_grad(fn)(w)
    updates, state = solver.update(grad, state, w, value=value, grad=grad, value_fn=fn)
    w = optim.apply_updates(w, updates)
    assert float(state[1].value) == pytest.approx(float(fn(w)))
    if store_grad:
        assert_same_tree(state[1].grad, fg.grad(fn)(w))
        value2, grad2 = optim.value_and_grad_from_state(fn)(w, state=state)
        assert float(value2) == float(state[1].value)
    else:
        assert state[1].grad is None
        with pytest.raises(ValueError, match="Value or gradient not found"):
            optim.value_and_grad_from_state(fn)(w, state=state)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("store_grad", [False, True])
def test_backtracking_matches_optax_with_data_per_step(dtype, store_grad):
    # optax's docstring example: a stochastic objective, data passed as extra arguments, fresh
    # value and gradient each step
    jax, jnp, optax = oracle()
    with precision(dtype):
        xs = np.tile(np.array([3.0, 2.0, 1.0], dtype), (5, 1))
        sides = []
        for lib, np_ in ((optax, jnp), (optim, fnp)):
            fn = (lambda np_: lambda w, x, y: 0.5 * (np_.dot(x, w) - y) ** 2)(np_)
            solver = lib.chain(lib.sgd(1.0), lib.scale_by_backtracking_linesearch(
                15, store_grad=store_grad, increase_factor=2.0, max_learning_rate=4.0))
            w = (to_jax if lib is optax else to_funcgrad)(np.array([1.0, 2.0, 3.0], dtype))
            state = solver.init(w)
            vg = jax.value_and_grad(fn) if lib is optax else fg.value_and_grad(fn)
            out = []
            for x in xs:
                x, y = np_.asarray(x), np_.asarray(0.0, dtype)
                value, grad = vg(w, x, y)
                updates, state = solver.update(grad, state, w, value=value, grad=grad,
                                               value_fn=fn, x=x, y=y)
                w = lib.apply_updates(w, updates)
                out.append((w, state))
            sides.append(out)
        for i, ((w_t, s_t), (w_o, s_o)) in enumerate(zip(*sides)):
            assert_same_tree(s_o, s_t, dtype, f"state {i}")
            assert_same_tree(w_o, w_t, dtype, f"params {i}")


def test_backtracking_steps_zero_where_objective_is_not_finite():
    # every trial step lands where the objective is inf
    fn = lambda w: fnp.where(w[0] > 0.0, fnp.inf, fnp.sum(w))  # noqa: E731
    t = optim.scale_by_backtracking_linesearch(3)
    w = fnp.array([0.0, 0.0])
    u, state = t.update(fnp.array([1.0, 1.0]), t.init(w), w, value=fn(w),
                        grad=fnp.ones(2), value_fn=fn)
    assert float(state.learning_rate) == 0.0 and np.all(np.asarray(u) == 0.0)
    assert np.isinf(float(state.info.decrease_error))


@pytest.mark.parametrize("jit", [False, True])
def test_verbose_linesearches_diagnose_failures_only(jit, capsys):
    fn = lambda w: fnp.sum(w ** 2)  # noqa: E731
    w = fnp.array([1.0, 2.0])
    g = fg.grad(fn)(w)
    for t, says in ((optim.scale_by_zoom_linesearch(2, verbose=True),
                     "not a descent direction. The slope (=20.0)"),
                    (optim.scale_by_backtracking_linesearch(2, verbose=True),
                     "no stepsize ensuring sufficient decrease found")):
        def update(direction, state, t=t):
            return t.update(direction, state, w, value=fn(w), grad=g, value_fn=fn)

        update = fg.jit(update) if jit else update
        for direction, fails in ((-g, False), (g, True)):
            update(direction, t.init(w))
            out = capsys.readouterr().out
            assert (says in out) == fails, out


# ---- dtypes: funcgrad has no x64 switch, the parameters' precision stands in for it ------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_state_dtypes_follow_parameter_precision(dtype):
    ints = np.int64 if dtype == np.float64 else np.int32
    state = optim.lbfgs().init({"x": fnp.zeros(3, dtype)})
    assert state[0].count.dtype == np.int32 and state[0].weights_memory.dtype == dtype
    assert state[2].info.num_linesearch_steps.dtype == ints
    assert state[2].learning_rate.dtype == dtype and state[2].info.curvature_error.dtype == dtype


# ---- bad input --------------------------------------------------------------------------------

LINESEARCHES = {"zoom": lambda o: o.scale_by_zoom_linesearch(10),
                "backtracking": lambda o: o.scale_by_backtracking_linesearch(10),
                "lbfgs": lambda o: o.lbfgs()}


@pytest.mark.parametrize("name", sorted(LINESEARCHES))
def test_linesearch_without_value_fn_raises_optax_error(name):
    _, jnp, optax = oracle()
    # optax's error class (its update's keyword-only arguments are missing: a TypeError)
    theirs = LINESEARCHES["zoom"](optax)
    w, g = jnp.ones(2), jnp.ones(2)
    with pytest.raises(TypeError) as optax_error:
        theirs.update(g, theirs.init(w), w, value=jnp.asarray(2.0), grad=g)
    ours = LINESEARCHES[name](optim)
    w, g = fnp.ones(2), fnp.ones(2)
    with pytest.raises(type(optax_error.value), match="value_fn.*value_and_grad"):
        ours.update(g, ours.init(w), w, value=fnp.asarray(2.0), grad=g)
    with pytest.raises(TypeError, match=r"needs the keyword argument\(s\) \['value', 'grad'\]"):
        ours.update(g, ours.init(w), w, value_fn=lambda p: fnp.sum(p))


@pytest.mark.parametrize("name", sorted(LINESEARCHES))
def test_linesearch_unused_extra_args_raise(name):
    t = LINESEARCHES[name](optim)
    w = fnp.ones(2)
    with pytest.raises(TypeError, match=r"not consumed by `value_fn`: \['batch'\]"):
        t.update(w, t.init(w), w, value=fnp.asarray(2.0), grad=w,
                 value_fn=lambda p: fnp.sum(p ** 2), batch=fnp.ones(3))


def test_bad_hyperparameters_raise():
    with pytest.raises(ValueError, match="memory_size must be >= 1"):
        optim.scale_by_lbfgs(memory_size=0)
    with pytest.raises(ValueError, match="Unknown initial guess strategy"):
        optim.scale_by_zoom_linesearch(5, initial_guess_strategy="two")
    with pytest.raises(ValueError, match="needs the parameters"):
        t = optim.scale_by_lbfgs()
        t.update(fnp.ones(2), t.init(fnp.ones(2)))


def test_value_and_grad_from_state_errors():
    fn = lambda w: fnp.sum(w ** 2)  # noqa: E731
    w = fnp.ones(2)
    with pytest.raises(ValueError, match="Value or gradient not found in the state"):
        optim.value_and_grad_from_state(fn)(w, state=optim.adam(0.1).init(w))
    two = optim.chain(optim.scale_by_zoom_linesearch(3), optim.scale_by_zoom_linesearch(3))
    with pytest.raises(KeyError, match="multiple values for 'value'"):
        optim.value_and_grad_from_state(fn)(w, state=two.init(w))
    # a finite value in the state is reused, not recomputed
    state = optim.lbfgs().init(w)
    state = (state[0], state[1], state[2]._replace(value=fnp.asarray(7.0)))
    assert float(optim.value_and_grad_from_state(fn)(w, state=state)[0]) == 7.0
