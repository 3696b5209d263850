"""jit: a full training step of the seed two-layer net, the cost of tracing and compiling, and the
fixed cost of calling a compiled function.

(a) Seed 001 (seed_programs/s001_two_layer_net.py): N=64, D_in=1000, H=100, D_out=10, float64,
    data from np.random.RandomState(0).randn in the seed's order (x, y, w1, w2), lr = 1e-6,
    loss = sum((relu(x @ w1) @ w2 - y) ** 2). One call is one full training step: loss, gradients
    and the SGD update. The baseline is the seed's own numpy step (forward, hand-written backward,
    in-place `w -= lr * g`). The funcgrad step is `fg.jit` of `value_and_grad` + the update,
    returning the new parameters, which the next call trains on. PyTorch CPU autograd (float64,
    `loss.backward()`, in-place update under no_grad, grads zeroed) and the same funcgrad step
    without jit are reported for reference.
(b) Trace + compile: the first call of a fresh `fg.jit(f)` on a function of exactly 1,000
    equations (200 rounds of sin, mul, add, tanh, sub on f64[16]); nothing is subtracted, so the
    time includes tracing, the IR passes, code generation, Python's compile() and one run.
(c) Call overhead: a cached jitted `x + 1.0` on an f64[3] fg.Array.
(d) Issue 23's cached gradient call: `fg.jit(fg.grad(lambda x: sin(x) * x))` on a float64 scalar
    (JAX's jax.jit(jax.grad(...)) for reference).

(b), (c) and (d) have absolute targets (< 100 ms, < 15 us, < 5 us). The harness times ratios against a
baseline run in the same rounds, so their baseline is a "budget": a pure-Python loop calibrated,
once, to take exactly the target time on an uncontended CPU (see `budget`). A ratio of at most 1.0
means within the target, and the ratio reads as the share of the budget used. On a busy machine
the budget slows down with the variants, as every baseline does, where a wall-clock busy-wait
would stretch by whole scheduler slices whenever it is preempted.
"""
import numpy as np

from .eager_grad import X0, budget_rows, jax_row
from .harness import BenchmarkCheckError, Variant, budget
from .two_layer import loss_in, make_data
from .two_layer import numpy_step as numpy_grads

NAME = "jit"
DESCRIPTION = ("jit: seed 001 training step (jit(value_and_grad) + SGD) vs numpy backprop; "
               "trace+compile of 1,000 equations; cached-call overhead")

LR = 1e-6
TARGET_STEP = 1.0         # the jitted step at or under the hand-written numpy step (issue 23)
COMPILE_BUDGET_S = 0.100  # trace + compile of 1,000 equations
CALL_BUDGET_S = 15e-6     # a cached call on tiny inputs
GRAD_CALL_BUDGET_S = 5e-6  # a cached jit(grad(lambda x: sin(x) * x)) call on a scalar (issue 23)
ROUNDS, CHAIN_EQNS = 200, 1000
CHECK_STEPS = 5


def numpy_step(w1, w2, x, y):
    """The seed's numpy training step: its hand-written backprop, then the in-place SGD update."""
    loss, grad_w1, grad_w2 = numpy_grads(w1, w2, x, y)
    w1 -= LR * grad_w1
    w2 -= LR * grad_w2
    return loss


def train_step_in(value_and_grad, m):
    """One SGD step of the seed's loss with `value_and_grad` over namespace `m` (funcgrad's or
    JAX's), returning the loss and the new parameters."""
    loss_fn = loss_in(m)

    def step(params, x, y):
        loss, grads = value_and_grad(lambda p: loss_fn(*p, x, y))(params)
        return loss, tuple(p - LR * g for p, g in zip(params, grads))
    return step


def chain(x, y):
    """Exactly CHAIN_EQNS equations: ROUNDS rounds of five elementwise operations."""
    import funcgrad.numpy as fnp
    for i in range(ROUNDS):
        x = fnp.sin(x) * y + (i + 0.5)
        x = fnp.tanh(x) - y
    return x


def _check(what, got, want, rtol=1e-9):
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape or got.dtype != want.dtype or not np.allclose(got, want,
                                                                            rtol=rtol, atol=0):
        diff = np.max(np.abs(got - want)) if got.shape == want.shape else "shape mismatch"
        raise BenchmarkCheckError(f"jit: {what}: got {got.dtype}{got.shape}, want "
                                  f"{want.dtype}{want.shape}, max abs diff {diff}")


def _train_step_variants(ctx):
    import funcgrad as fg
    import funcgrad.numpy as fnp

    x, y, w1, w2 = make_data()
    X, Y = fnp.asarray(x), fnp.asarray(y)
    eager_step = train_step_in(fg.value_and_grad, fnp)
    step = fg.jit(eager_step)

    # verify: CHECK_STEPS training steps of each agree with the seed's numpy steps
    a1, a2 = w1.copy(), w2.copy()
    params = (fnp.asarray(w1), fnp.asarray(w2))
    eager_params = params
    for k in range(CHECK_STEPS):
        want_loss = numpy_step(a1, a2, x, y)
        loss, params = step(params, X, Y)
        e_loss, eager_params = eager_step(eager_params, X, Y)
        _check(f"jitted step {k} loss", loss, np.asarray(want_loss))
        _check(f"eager step {k} loss", e_loss, np.asarray(want_loss))
    _check("jitted step: w1 after training", params[0], a1)
    _check("jitted step: w2 after training", params[1], a2)
    _check("eager step: w1 after training", eager_params[0], a1)
    _check("eager step: w2 after training", eager_params[1], a2)
    lowered = step.lower(params, X, Y)
    if "out=" not in lowered.source:
        ctx.notes.append("jit: the generated step reuses no buffer (no `out=` in its source)")

    # the timed states: each variant trains its own copy, as a training loop would
    np_w1, np_w2 = w1.copy(), w2.copy()
    jit_state = [(fnp.asarray(w1), fnp.asarray(w2))]
    eager_state = [(fnp.asarray(w1), fnp.asarray(w2))]

    def jit_train():
        loss, jit_state[0] = step(jit_state[0], X, Y)
        return loss

    def eager_train():
        loss, eager_state[0] = eager_step(eager_state[0], X, Y)
        return loss

    base = "numpy seed step (manual backprop + in-place SGD)"
    variants = [
        Variant(base, lambda: numpy_step(np_w1, np_w2, x, y), baseline=True, framework="numpy"),
        Variant("fg.jit(value_and_grad + SGD)", jit_train, vs=base, target=TARGET_STEP,
                framework="funcgrad", profile=True,
                note=f"target <= {TARGET_STEP}x (issue 23; 1.10x before)"),
        Variant("funcgrad value_and_grad + SGD, no jit", eager_train, vs=base,
                framework="funcgrad", note="the same step without jit, for reference"),
    ]

    if ctx.jax is not None:
        variants.append(_jax_step_variant(ctx.jax, base, (x, y, w1, w2)))
    torch = ctx.torch
    if torch is None:
        ctx.notes.append("torch not installed: 'torch autograd step' skipped")
        return variants
    tx, ty = torch.tensor(x), torch.tensor(y)

    def torch_params():
        return (torch.tensor(w1, requires_grad=True), torch.tensor(w2, requires_grad=True))

    def make_torch_step(tw1, tw2):
        def torch_step():
            loss = (tx.mm(tw1).clamp(min=0).mm(tw2) - ty).pow(2).sum()
            loss.backward()
            with torch.no_grad():
                tw1.sub_(LR * tw1.grad)
                tw2.sub_(LR * tw2.grad)
                tw1.grad.zero_()
                tw2.grad.zero_()
            return loss
        return torch_step

    checked = torch_params()
    check = make_torch_step(*checked)
    c1, c2 = w1.copy(), w2.copy()
    for k in range(CHECK_STEPS):
        want_loss = numpy_step(c1, c2, x, y)
        _check(f"torch step {k} loss", check().detach().numpy(), np.asarray(want_loss))
    _check("torch step: w1 after training", checked[0].detach().numpy(), c1)
    _check("torch step: w2 after training", checked[1].detach().numpy(), c2)
    variants.append(Variant("torch autograd step (float64)", make_torch_step(*torch_params()),
                            vs=base, framework="torch",
                            note="PyTorch CPU: loss.backward(), SGD under no_grad, grads zeroed"))
    return variants


def _jax_step_variant(jax, base, data):
    """jax.jit of the same step, checked over CHECK_STEPS steps like the others."""
    x, y, w1, w2 = data
    jx, jy = jax.numpy.asarray(x), jax.numpy.asarray(y)
    step = jax.jit(train_step_in(jax.value_and_grad, jax.numpy))
    params = (jax.numpy.asarray(w1), jax.numpy.asarray(w2))
    a1, a2 = w1.copy(), w2.copy()
    for k in range(CHECK_STEPS):
        want_loss = numpy_step(a1, a2, x, y)
        loss, params = step(params, jx, jy)
        _check(f"jax step {k} loss", loss, np.asarray(want_loss))
    _check("jax step: w1 after training", params[0], a1)
    state = [(jax.numpy.asarray(w1), jax.numpy.asarray(w2))]

    def jax_train():
        loss, state[0] = step(state[0], jx, jy)
        return loss.block_until_ready()
    return Variant("jax jit(value_and_grad + SGD)", jax_train, vs=base, framework="jax",
                   note="float64, waited for")


def _first_call(fg, X, Y):
    """A first call of jit(chain): its cache, which every jit(chain) shares (as JAX's), is
    emptied first."""
    jitted = fg.jit(chain)
    jitted.clear_cache()
    return jitted(X, Y)


def _compile_variants(ctx):
    import funcgrad as fg
    import funcgrad.numpy as fnp

    X = fnp.asarray(np.linspace(-1.0, 1.0, 16))
    Y = fnp.asarray(np.linspace(0.5, 1.0, 16))
    n = len(fg.make_jaxpr(chain)(X, Y).jaxpr.eqns)
    if n != CHAIN_EQNS:
        raise BenchmarkCheckError(f"jit: the compile-time function has {n} equations, not "
                                  f"{CHAIN_EQNS}")
    _check("jit(chain) vs eager chain", fg.jit(chain)(X, Y), np.asarray(chain(X, Y)), rtol=1e-12)

    name = f"budget: {COMPILE_BUDGET_S * 1e3:g} ms (wall clock)"
    return [
        Variant(name, budget(COMPILE_BUDGET_S), baseline=True, framework="-",
                note="a loop calibrated to take the target time: ratios are shares of it"),
        Variant("fg.jit(f) first call, 1,000 equations", lambda: _first_call(fg, X, Y), vs=name,
                target=1.0, framework="funcgrad", profile=True,
                note="a fresh jit each call: trace, passes, codegen, compile(), one run"),
        Variant("fg.make_jaxpr(f), trace only", lambda: fg.make_jaxpr(chain)(X, Y), vs=name,
                framework="funcgrad", note="the tracing part of the above, for reference"),
        Variant("f eagerly, no jit", lambda: chain(X, Y), vs=name, framework="funcgrad",
                note="1,000 eager operations, for reference"),
    ]


def _call_variants(ctx):
    import funcgrad as fg
    import funcgrad.numpy as fnp

    a = np.array([0.5, -1.25, 2.0])
    x = fnp.asarray(a)
    f = fg.jit(lambda x: x + 1.0)
    got = f(x)
    if type(got).__name__ != "Array":
        raise BenchmarkCheckError(f"jit: the jitted call returned {type(got).__name__}")
    _check("jitted x + 1.0", got, a + 1.0, rtol=0)
    ns = {"f": f, "x": x, "a": a}
    name = f"budget: {CALL_BUDGET_S * 1e6:g} us (wall clock)"
    return [
        Variant(name, budget(CALL_BUDGET_S), baseline=True, framework="-",
                note="a loop calibrated to take the target time: ratios are shares of it"),
        Variant("cached fg.jit call: x + 1.0, f64[3]", "f(x)", ns, vs=name, target=1.0,
                framework="funcgrad", profile=True),
        Variant("funcgrad eager x + 1.0, f64[3]", "x + 1.0", ns, vs=name, framework="funcgrad",
                note="the same operation without jit, for reference"),
        Variant("numpy a + 1.0, f64[3]", "a + 1.0", ns, vs=name, framework="numpy",
                note="the bare numpy operation, for reference"),
    ]


def _grad_call_variants(ctx):
    """Issue 23's cached-call target: `jit(grad(lambda x: sin(x) * x))` on a float64 scalar,
    against a 5 us budget; JAX's jax.jit(jax.grad(...)) of the same function for reference."""
    import funcgrad as fg
    import funcgrad.numpy as fnp

    x = fnp.asarray(X0)
    variants = budget_rows(GRAD_CALL_BUDGET_S, "cached fg.jit(grad(sin(x) * x)), f64[]",
                           fg.jit(fg.grad(lambda x: fnp.sin(x) * x)), x)
    name = variants[0].name
    if ctx.jax is not None:
        jax = ctx.jax
        variants.append(jax_row(jax, "cached jax.jit(grad(sin(x) * x)), f64[]",
                                jax.jit(jax.grad(lambda x: jax.numpy.sin(x) * x)), name,
                                "float64, waited for"))
    return variants


def build(ctx):
    return (_train_step_variants(ctx) + _compile_variants(ctx) + _call_variants(ctx)
            + _grad_call_variants(ctx))
