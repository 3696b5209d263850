"""custom_jvp, custom_vjp and checkpoint under every transform.

The custom rules here deliberately differ from the true derivative (a clipped gradient, a
"straight-through" identity, a scaled tangent), so that each test sees whether the rule is really
the one used, not just whether some correct derivative came out."""
import contextlib
import re
import tracemalloc

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax

EPS = 1e-6
RNG = np.random.default_rng(7)
X = np.array([0.3, -2.0, 5.0, 0.7])
XS = np.array([[0.3, -2.0, 5.0, 0.7], [-0.1, 3.0, -4.0, 0.2], [1.5, 0.5, -0.5, -1.5]])


def close(a, b, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                               rtol=rtol, atol=atol)


def tree_close(a, b, rtol=1e-12, atol=1e-12):
    la, ta = fg.tree.tree_flatten(a)
    lb, tb = fg.tree.tree_flatten(b)
    assert ta == tb, (ta, tb)
    for x, y in zip(la, lb):
        assert np.shape(x) == np.shape(y) and np.asarray(x).dtype == np.asarray(y).dtype
        close(x, y, rtol, atol)


# ---- custom_jvp -------------------------------------------------------------------------------

@fg.custom_jvp
def scaled_sin(x):
    """sin, whose declared derivative is twice the true one."""
    return fnp.sin(x)


@scaled_sin.defjvp
def _scaled_sin_jvp(primals, tangents):
    x, = primals
    t, = tangents
    return scaled_sin(x), 2.0 * fnp.cos(x) * t


@fg.custom_jvp
def straight_through(x):
    """The identity, with derivative x**2 (so d2/dx2 is 2x, where the identity has 0)."""
    return x


@straight_through.defjvp
def _straight_through_jvp(primals, tangents):
    x, = primals
    t, = tangents
    return x, t * x ** 2


@fg.custom_jvp
def log1pexp(x):
    return fnp.log(1.0 + fnp.exp(x))


@log1pexp.defjvp
def _log1pexp_jvp(primals, tangents):
    x, = primals
    t, = tangents
    return log1pexp(x), t * (1.0 - 1.0 / (1.0 + fnp.exp(x)))


def test_custom_jvp_eager_value_is_the_function():
    close(scaled_sin(fnp.asarray(X)), np.sin(X))
    close(fg.jit(scaled_sin)(fnp.asarray(X)), np.sin(X))


def test_custom_jvp_under_grad_jvp_vjp_uses_the_rule():
    x = fnp.asarray(X)
    s = lambda x: fnp.sum(scaled_sin(x))
    close(fg.grad(s)(x), 2.0 * np.cos(X))
    out, t = fg.jvp(scaled_sin, (x,), (fnp.ones(4),))
    close(out, np.sin(X))
    close(t, 2.0 * np.cos(X))
    _, vjp_fn = fg.vjp(scaled_sin, x)
    u = RNG.standard_normal(4)
    close(vjp_fn(fnp.asarray(u))[0], 2.0 * np.cos(X) * u)
    # the rule composes with surrounding operations by the chain rule
    close(fg.grad(lambda x: fnp.sum(scaled_sin(x * 3.0) ** 2))(x),
          2 * np.sin(3 * X) * 2 * np.cos(3 * X) * 3)


def test_custom_jvp_stable_rule_where_the_naive_derivative_overflows():
    with np.errstate(over="ignore", invalid="ignore"):   # exp(1000) overflows in the primal
        naive = fg.grad(lambda x: fnp.log(1.0 + fnp.exp(x)))(fnp.asarray(1000.0))
        assert not np.isfinite(float(naive))
        close(fg.grad(log1pexp)(fnp.asarray(1000.0)), 1.0)
        close(fg.jit(fg.grad(log1pexp))(fnp.asarray(1000.0)), 1.0)
        close(fg.vmap(fg.grad(log1pexp))(fnp.asarray([1000.0, 0.0])), [1.0, 0.5])


@pytest.mark.parametrize("how", ["jit(grad)", "grad(jit)", "jit(jvp)", "jit(vjp)"])
def test_custom_jvp_under_jit(how):
    x = fnp.asarray(X)
    s = lambda x: fnp.sum(scaled_sin(x) * x)
    want = 2.0 * np.cos(X) * X + np.sin(X)
    if how == "jit(grad)":
        got = fg.jit(fg.grad(s))(x)
    elif how == "grad(jit)":
        got = fg.grad(fg.jit(s))(x)
    elif how == "jit(jvp)":
        got = fg.jit(lambda x: fg.jvp(s, (x,), (fnp.ones(4),))[1])(x)
        want = want.sum()
    else:
        got = fg.jit(lambda x: fg.vjp(s, x)[1](fnp.asarray(1.0))[0])(x)
    close(got, want)


def test_custom_jvp_higher_order():
    x = fnp.asarray(X)
    g = fg.grad(lambda x: fnp.sum(straight_through(x)))
    close(g(x), X ** 2)
    gg = fg.grad(lambda x: fnp.sum(g(x)))
    close(gg(x), 2 * X)
    close(fg.jit(gg)(x), 2 * X)
    close(fg.hessian(lambda x: fnp.sum(straight_through(x)))(x), np.diag(2 * X))
    # third order through the rule of scaled_sin: d3/dx3 of "2 sin" is -2 cos
    g3 = fg.grad(fg.grad(fg.grad(lambda s: scaled_sin(s))))
    close(g3(0.4), -2.0 * np.cos(0.4))
    # forward over reverse and reverse over forward
    fwd_rev = fg.jvp(lambda x: g(x), (x,), (fnp.ones(4),))[1]
    rev_fwd = fg.grad(lambda x: fnp.sum(fg.jvp(straight_through, (x,), (fnp.ones(4),))[1]))(x)
    close(fwd_rev, 2 * X)
    close(rev_fwd, 2 * X)


def test_custom_jvp_under_vmap():
    xs = fnp.asarray(XS)
    close(fg.vmap(scaled_sin)(xs), np.sin(XS))
    per_example = fg.vmap(fg.grad(lambda x: fnp.sum(scaled_sin(x))))(xs)
    close(per_example, 2.0 * np.cos(XS))
    of_vmap = fg.grad(lambda xs: fnp.sum(fg.vmap(scaled_sin)(xs)))(xs)
    close(of_vmap, 2.0 * np.cos(XS))
    close(fg.jit(fg.vmap(fg.grad(lambda x: fnp.sum(scaled_sin(x)))))(xs), 2.0 * np.cos(XS))
    # batched primal and unbatched tangent, through jvp
    _, t = fg.vmap(lambda x: fg.jvp(scaled_sin, (x,), (fnp.ones(4),)))(xs)
    close(t, 2.0 * np.cos(XS))
    # in_axes other than 0, and an unbatched second argument
    f = fg.custom_jvp(lambda x, w: fnp.sin(x) * w)
    f.defjvp(lambda p, t: (f(*p), 3.0 * (fnp.cos(p[0]) * p[1] * t[0] + fnp.sin(p[0]) * t[1])))
    w = fnp.asarray(np.array([1.0, 2.0, 3.0, 4.0]))
    g = fg.vmap(fg.grad(lambda x, w: fnp.sum(f(x, w)), argnums=(0, 1)), in_axes=(1, None))
    gx, gw = g(fnp.asarray(XS.T), w)
    close(gx, 3.0 * np.cos(XS) * np.asarray(w))
    close(gw, 3.0 * np.sin(XS))


def test_custom_jvp_nondiff_argnums():
    def apply(fn, n, x):
        for _ in range(n):
            x = fn(x)
        return x
    f = fg.custom_jvp(apply, nondiff_argnums=(0, 1))

    @f.defjvp
    def f_jvp(fn, n, primals, tangents):
        x, = primals
        t, = tangents
        return f(fn, n, x), t * 100.0 * n      # deliberately not fn's derivative
    x = fnp.asarray(X)
    close(f(fnp.sin, 2, x), np.sin(np.sin(X)))
    close(fg.grad(lambda x: fnp.sum(f(fnp.sin, 3, x)))(x), np.full(4, 300.0))
    close(fg.jit(fg.grad(lambda x: fnp.sum(f(fnp.sin, 2, x))))(x), np.full(4, 200.0))
    close(fg.vmap(fg.grad(lambda x: fnp.sum(f(fnp.cos, 1, x))))(fnp.asarray(XS)),
          np.full((3, 4), 100.0))


def test_custom_jvp_pytree_arguments_and_outputs():
    @fg.custom_jvp
    def f(p):
        return {"prod": p["a"] * p["b"], "pair": (p["a"] + 1.0, fnp.sum(p["b"]))}

    @f.defjvp
    def f_jvp(primals, tangents):
        p, = primals
        t, = tangents
        out = f(p)
        # the product rule with the second term dropped, and tangents of the pair scaled
        return out, {"prod": t["a"] * p["b"], "pair": (t["a"] * 5.0, fnp.sum(t["b"]) * 7.0)}
    p = {"a": fnp.asarray(X), "b": fnp.asarray(X[::-1].copy())}
    tree_close(f(p), {"prod": p["a"] * p["b"], "pair": (p["a"] + 1.0, fnp.sum(p["b"]))})
    g = fg.grad(lambda p: fnp.sum(f(p)["prod"]) + fnp.sum(f(p)["pair"][0]) + f(p)["pair"][1])(p)
    close(g["a"], X[::-1] + 5.0)
    close(g["b"], np.full(4, 7.0))
    gj = fg.jit(fg.grad(lambda p: fnp.sum(f(p)["prod"]) + f(p)["pair"][1]))(p)
    close(gj["a"], X[::-1])
    close(gj["b"], np.full(4, 7.0))


def test_custom_jvp_errors():
    @fg.custom_jvp
    def no_rule(x):
        return x * 2.0
    with pytest.raises(TypeError, match=r"custom_jvp function no_rule has no derivative rule yet"
                                        r".*@no_rule.defjvp"):
        fg.grad(lambda x: fnp.sum(no_rule(x)))(fnp.asarray(X))

    @fg.custom_jvp
    def mismatched(x):
        return x * 2.0

    @mismatched.defjvp
    def mismatched_jvp(primals, tangents):
        return (primals[0] * 2.0, primals[0]), tangents[0] * 2.0
    with pytest.raises(TypeError, match="returned a primal output .* and a tangent output .* of "
                                        "different structures"):
        fg.jvp(mismatched, (fnp.asarray(X),), (fnp.ones(4),))


# ---- custom_vjp -------------------------------------------------------------------------------

@fg.custom_vjp
def clip_gradient(x, lo, hi):
    """The identity, whose gradient is clipped to [lo, hi]."""
    return x


def _clip_fwd(x, lo, hi):
    return x, (lo, hi)


def _clip_bwd(res, g):
    lo, hi = res
    return fnp.clip(g, lo, hi), None, None


clip_gradient.defvjp(_clip_fwd, _clip_bwd)


@fg.custom_vjp
def sin_vjp(x):
    return fnp.sin(x)


sin_vjp.defvjp(lambda x: (fnp.sin(x), x), lambda x, g: (g * fnp.cos(x),))


def clipped_loss(x):
    return fnp.sum(clip_gradient(x, -1.0, 1.0) * fnp.asarray([10.0, -0.5, 0.2, -3.0]))


CLIPPED = np.array([1.0, -0.5, 0.2, -1.0])


def test_custom_vjp_eager_value_and_grad():
    x = fnp.asarray(X)
    close(clip_gradient(x, -1.0, 1.0), X)
    close(fg.grad(clipped_loss)(x), CLIPPED)
    v, g = fg.value_and_grad(clipped_loss)(x)
    close(v, np.sum(X * [10.0, -0.5, 0.2, -3.0]))
    close(g, CLIPPED)
    _, vjp_fn = fg.vjp(lambda x: clip_gradient(x, -1.0, 1.0), x)
    close(vjp_fn(fnp.asarray([5.0, 0.5, -7.0, -0.25]))[0], [1.0, 0.5, -1.0, -0.25])


@pytest.mark.parametrize("how", ["jit(grad)", "grad(jit)", "jit(f) value"])
def test_custom_vjp_under_jit(how):
    x = fnp.asarray(X)
    if how == "jit(grad)":
        close(fg.jit(fg.grad(clipped_loss))(x), CLIPPED)
    elif how == "grad(jit)":
        close(fg.grad(fg.jit(clipped_loss))(x), CLIPPED)
    else:
        close(fg.jit(lambda x: clip_gradient(x, -1.0, 1.0))(x), X)


def test_custom_vjp_under_vmap():
    xs = fnp.asarray(XS)
    close(fg.vmap(lambda x: clip_gradient(x, -1.0, 1.0))(xs), XS)
    want = np.tile(CLIPPED, (3, 1))
    close(fg.vmap(fg.grad(clipped_loss))(xs), want)
    close(fg.grad(lambda xs: fnp.sum(fg.vmap(clipped_loss)(xs)))(xs), want)
    close(fg.jit(fg.vmap(fg.grad(clipped_loss)))(xs), want)
    close(fg.jit(fg.grad(lambda xs: fnp.sum(fg.vmap(clipped_loss)(xs))))(xs), want)
    # per-example cotangents that differ: the clip applies to each example's own gradient
    scale = fnp.asarray(np.array([[0.5], [2.0], [-4.0]]))
    g = fg.grad(lambda xs: fnp.sum(fg.vmap(lambda x: clip_gradient(x, -1.0, 1.0))(xs) * scale))
    close(g(xs), np.clip(np.broadcast_to(np.asarray(scale), (3, 4)), -1.0, 1.0))


def test_custom_vjp_forward_mode_is_a_clear_error():
    with pytest.raises(TypeError, match=r"forward-mode differentiation \(jvp.*\) of a custom_vjp "
                                        r"function is not defined") as e:
        fg.jvp(lambda x: clip_gradient(x, -1.0, 1.0), (fnp.asarray(X),), (fnp.ones(4),))
    msg = str(e.value)
    assert "fg.custom_jvp" in msg and "customvjpforwardmode" in msg and "test_custom.py" in msg
    with pytest.raises(TypeError, match="custom_vjp"):
        fg.jacfwd(lambda x: clip_gradient(x, -1.0, 1.0))(fnp.asarray(X))
    with pytest.raises(TypeError, match="forward-mode differentiation"):
        fg.jit(lambda x: fg.jvp(sin_vjp, (x,), (x,)))(fnp.asarray(X))


def test_custom_vjp_higher_order_through_a_differentiable_bwd():
    x = fnp.asarray(X)
    g = fg.grad(lambda x: fnp.sum(sin_vjp(x)))
    close(g(x), np.cos(X))
    close(fg.grad(lambda x: fnp.sum(g(x)))(x), -np.sin(X))
    close(fg.jit(fg.grad(lambda x: fnp.sum(g(x))))(x), -np.sin(X))


def test_custom_vjp_nondiff_argnums():
    def scale_then(fn, k, x):
        return fn(x) * k

    f = fg.custom_vjp(scale_then, nondiff_argnums=(0, 1))

    def fwd(fn, k, x):
        return f(fn, k, x), x

    def bwd(fn, k, x, g):
        return (g * k * 1000.0,)      # deliberately not fn's derivative
    f.defvjp(fwd, bwd)
    x = fnp.asarray(X)
    close(f(fnp.exp, 2.0, x), np.exp(X) * 2.0)
    close(fg.grad(lambda x: fnp.sum(f(fnp.exp, 2.0, x)))(x), np.full(4, 2000.0))
    close(fg.jit(fg.grad(lambda x: fnp.sum(f(fnp.sin, 3.0, x))))(x), np.full(4, 3000.0))
    close(fg.vmap(fg.grad(lambda x: fnp.sum(f(fnp.sin, 0.5, x))))(fnp.asarray(XS)),
          np.full((3, 4), 500.0))


def test_custom_vjp_pytree_arguments_and_outputs():
    @fg.custom_vjp
    def f(p, y):
        return {"s": p["a"] * y, "t": (fnp.sum(p["b"]),)}

    def fwd(p, y):
        return f(p, y), {"y": y, "a": p["a"]}

    def bwd(res, ct):
        # a deliberately "wrong" cotangent for b (ones * 42 * ct) to see the rule used
        return ({"a": ct["s"] * res["y"], "b": fnp.ones_like(res["a"]) * 42.0 * ct["t"][0]},
                ct["s"] * res["a"] * 0.0)
    f.defvjp(fwd, bwd)
    p = {"a": fnp.asarray(X), "b": fnp.asarray(X * 2.0)}
    y = fnp.asarray(X[::-1].copy())
    tree_close(f(p, y), {"s": p["a"] * y, "t": (fnp.sum(p["b"]),)})
    loss = lambda p, y: fnp.sum(f(p, y)["s"]) + f(p, y)["t"][0] * 2.0
    for grad in (fg.grad(loss, argnums=(0, 1)), fg.jit(fg.grad(loss, argnums=(0, 1)))):
        gp, gy = grad(p, y)
        close(gp["a"], X[::-1])
        close(gp["b"], np.full(4, 84.0))
        close(gy, np.zeros(4))


def test_custom_vjp_errors():
    @fg.custom_vjp
    def no_rule(x):
        return x
    with pytest.raises(TypeError, match=r"custom_vjp function no_rule has no derivative rule yet"
                                        r".*no_rule.defvjp\(fwd, bwd\)"):
        fg.grad(lambda x: fnp.sum(no_rule(x)))(fnp.asarray(X))

    @fg.custom_vjp
    def two(x, y):
        return x * y
    two.defvjp(lambda x, y: (x * y, (x, y)), lambda r, g: (g * r[1],))   # one, not two
    with pytest.raises(TypeError, match=r"bwd of custom_vjp function two must return a tuple with "
                                        r"one cotangent per differentiable argument \(2\), got "
                                        r"tuple of length 1"):
        fg.grad(lambda x: fnp.sum(two(x, x * 2.0)))(fnp.asarray(X))
    with pytest.raises(TypeError, match=r"argument \(2\), got tuple of length 1"):
        fg.jit(fg.grad(lambda x: fnp.sum(two(x, x * 2.0))))(fnp.asarray(X))

    @fg.custom_vjp
    def bad_fwd(x):
        return x
    bad_fwd.defvjp(lambda x: x, lambda r, g: (g,))
    with pytest.raises(TypeError, match=r"fwd of custom_vjp function bad_fwd must return a pair "
                                        r"\(output, residuals\)"):
        fg.grad(lambda x: fnp.sum(bad_fwd(x)))(fnp.asarray(X))


@pytest.mark.parametrize("bad", ["(2, 4)", "(1,)", "()", "(4, 1)"])
def test_custom_vjp_cotangent_of_the_wrong_shape_is_an_error(bad):
    """Never broadcast or summed into the argument's shape: that would be a wrong gradient."""
    make = {"(2, 4)": lambda g: fnp.stack([g, g]), "(1,)": lambda g: g[:1],
            "()": lambda g: fnp.sum(g), "(4, 1)": lambda g: g[:, None]}[bad]

    @fg.custom_vjp
    def f(x):
        return x * 2.0
    f.defvjp(lambda x: (x * 2.0, None), lambda r, g: (make(g),))
    loss = lambda x: fnp.sum(f(x))
    for grad, arg in ((fg.grad(loss), X), (fg.jit(fg.grad(loss)), X),
                      (fg.vmap(fg.grad(loss)), XS)):
        with pytest.raises(ValueError, match=rf"bwd of custom_vjp function f returned for argument "
                                            rf"0 a cotangent of shapes {re.escape(bad)}, but the "
                                            rf"argument has .* shapes \(4,\)"):
            grad(fnp.asarray(arg))


def test_custom_vjp_none_for_part_of_a_pytree_argument():
    @fg.custom_vjp
    def f(pair, y):
        return pair[0] * 2.0 + pair[1] * 3.0 + y
    f.defvjp(lambda pair, y: (f(pair, y), None), lambda r, g: ((None, g * 3.0), g))
    x = fnp.asarray(X)
    for grad in (fg.grad(lambda a, b, y: fnp.sum(f((a, b), y)), argnums=(0, 1, 2)),
                 fg.jit(fg.grad(lambda a, b, y: fnp.sum(f((a, b), y)), argnums=(0, 1, 2)))):
        ga, gb, gy = grad(x, x, x)
        close(ga, np.zeros(4))
        close(gb, np.full(4, 3.0))
        close(gy, np.ones(4))
    with pytest.raises(TypeError, match=r"returned for argument 0 a cotangent of structure"):
        bad = fg.custom_vjp(lambda pair: pair[0] * pair[1])
        bad.defvjp(lambda pair: (bad(pair), pair), lambda r, g: ([g, g, g],))
        fg.grad(lambda a: fnp.sum(bad((a, a))))(x)


@pytest.mark.parametrize("bad", ["(1,)", "()", "(4, 1)"])
def test_custom_jvp_tangent_of_the_wrong_shape_is_an_error(bad):
    make = {"(1,)": lambda t: t[:1], "()": lambda t: fnp.sum(t),
            "(4, 1)": lambda t: t[:, None]}[bad]

    @fg.custom_jvp
    def f(x):
        return x * 2.0
    f.defjvp(lambda p, t: (p[0] * 2.0, make(t[0])))
    x = fnp.asarray(X)
    msg = rf"custom_jvp rule of f returned a tangent of shape {re.escape(bad)} for a primal " \
          rf"output of shape \(4,\)"
    with pytest.raises(TypeError, match=msg):
        fg.jvp(f, (x,), (fnp.ones(4),))
    with pytest.raises(TypeError, match=msg):
        fg.grad(lambda x: fnp.sum(f(x)))(x)
    with pytest.raises(TypeError, match=msg):
        fg.jit(fg.grad(lambda x: fnp.sum(f(x))))(x)


def test_custom_rules_inside_control_flow_under_jit():
    def f(x):
        c, _ = lax.scan(lambda c, r: (c + clip_gradient(r * c, -1.0, 1.0), None), x,
                        fnp.asarray(XS))
        return fnp.sum(scaled_sin(c))
    x = fnp.asarray(X)
    close(fg.jit(fg.grad(f))(x), fg.grad(f)(x))


# ---- checkpoint -----------------------------------------------------------------------------------

POLICIES = {"default": None,
            "nothing_saveable": fg.checkpoint_policies.nothing_saveable,
            "everything_saveable": fg.checkpoint_policies.everything_saveable,
            "dots_saveable": fg.checkpoint_policies.dots_saveable,
            "dots_with_no_batch_dims_saveable":
                fg.checkpoint_policies.dots_with_no_batch_dims_saveable}

W1 = RNG.standard_normal((4, 5)) * 0.5
W2 = RNG.standard_normal((5, 4)) * 0.5
XB = RNG.standard_normal((3, 4))


def mlp_block(x, w1, w2):
    h = fnp.tanh(x @ w1)
    return fnp.sin(h @ w2) * x + fnp.einsum("bi,bi->b", x, x)[:, None] * 0.1


def model(block):
    def loss(params, x):
        w1, w2 = params
        for _ in range(3):
            x = block(x, w1, w2)
        return fnp.sum(x ** 2)
    return loss


PARAMS = (fnp.asarray(W1), fnp.asarray(W2))


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_checkpoint_same_values_and_gradients(policy):
    plain = model(mlp_block)
    ck = model(fg.checkpoint(mlp_block, policy=POLICIES[policy]))
    x = fnp.asarray(XB)
    close(ck(PARAMS, x), plain(PARAMS, x))
    want = fg.grad(plain, argnums=(0, 1))(PARAMS, x)
    tree_close(fg.grad(ck, argnums=(0, 1))(PARAMS, x), want, rtol=1e-11)
    tree_close(fg.jit(fg.grad(ck, argnums=(0, 1)))(PARAMS, x), want, rtol=1e-11)
    tree_close(fg.grad(fg.jit(ck), argnums=(0, 1))(PARAMS, x), want, rtol=1e-11)
    # vmap and jvp through it
    xs = fnp.asarray(np.stack([XB, XB * 0.5]))
    close(fg.vmap(lambda x: ck(PARAMS, x))(xs), fg.vmap(lambda x: plain(PARAMS, x))(xs))
    t = fnp.asarray(RNG.standard_normal(XB.shape))
    tree_close(fg.jvp(lambda x: ck(PARAMS, x), (x,), (t,)),
               fg.jvp(lambda x: plain(PARAMS, x), (x,), (t,)), rtol=1e-11)


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_checkpoint_hessian(policy):
    block = fg.checkpoint(lambda x: fnp.sin(x) * fnp.exp(x * 0.3) + fnp.dot(x, x),
                          policy=POLICIES[policy])
    plain = lambda x: fnp.sin(x) * fnp.exp(x * 0.3) + fnp.dot(x, x)
    s_ck = lambda x: fnp.sum(block(block(x)))
    s = lambda x: fnp.sum(plain(plain(x)))
    x = fnp.asarray(X * 0.2)
    close(fg.hessian(s_ck)(x), fg.hessian(s)(x), rtol=1e-10)
    close(fg.jit(fg.hessian(s_ck))(x), fg.hessian(s)(x), rtol=1e-10)
    close(fg.grad(lambda x: fnp.sum(fg.grad(s_ck)(x)))(x),
          fg.grad(lambda x: fnp.sum(fg.grad(s)(x)))(x), rtol=1e-10)


def test_checkpoint_static_argnums_and_pytrees():
    def block(cfg, p, x):
        y = x
        for _ in range(cfg["depth"]):
            y = fnp.tanh(y * p["a"] + p["b"])
        return {"y": y, "n": fnp.sum(y)}
    ck = fg.checkpoint(block, static_argnums=(0,))
    p = {"a": fnp.asarray(1.3), "b": fnp.asarray(X * 0.1)}
    cfg = fg.tree.tree_map(lambda v: v, {"depth": 3})
    frozen = tuple(cfg.items())

    def loss(blk, p, x):
        out = blk(dict(frozen), p, x)
        return fnp.sum(out["y"] ** 2) + out["n"]
    x = fnp.asarray(X * 0.2)
    tree_close(fg.grad(lambda p: loss(ck, p, x))(p), fg.grad(lambda p: loss(block, p, x))(p),
               rtol=1e-12)


def test_checkpoint_recomputes_in_the_backward_pass():
    """The checkpointed function runs again during the backward pass; the plain one does not."""
    calls = {"n": 0}

    def layer(x):
        calls["n"] += 1
        return fnp.sin(x) * x
    g = fg.grad(lambda x: fnp.sum(fg.checkpoint(layer)(x)))
    calls["n"] = 0
    close(g(fnp.asarray(X)), np.cos(X) * X + np.sin(X))
    assert calls["n"] >= 2
    calls["n"] = 0
    fg.grad(lambda x: fnp.sum(layer(x)))(fnp.asarray(X))
    assert calls["n"] == 1


def _one_blas_thread():
    """BLAS pinned to one thread where threadpoolctl is installed: on a busy machine a threaded
    BLAS can take milliseconds over a tiny product (the measurement is of memory, not time)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _peak_bytes(fn, *args):
    with _one_blas_thread():
        fn(*args)                  # warm: first-call caches stay out of the measurement
        return _measure_peak(fn, *args)


def _measure_peak(fn, *args):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        out = fn(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, out


def test_checkpoint_lowers_peak_memory_of_a_deep_chain():
    def layer(x):
        return fnp.tanh(fnp.sin(x) * 1.1 + x * 0.5)

    def chain(lay):
        def f(x):
            for _ in range(30):
                x = lay(x)
            return fnp.sum(x)
        return f
    x = fnp.asarray(np.linspace(-1.0, 1.0, 100_000))       # 800 kB per array
    peak_plain, g_plain = _peak_bytes(fg.grad(chain(layer)), x)
    peak_ck, g_ck = _peak_bytes(fg.grad(chain(fg.checkpoint(layer))), x)
    close(g_ck, g_plain, rtol=1e-12)
    # without checkpoint every layer's intermediates live until the backward pass reaches them
    assert peak_plain > 30 * 800_000
    assert peak_ck < 0.5 * peak_plain, (peak_ck, peak_plain)


def test_checkpoint_policies_decide_what_is_kept():
    """Saving nothing keeps the least, saving the matrix products a little more, saving
    everything about as much as no checkpoint at all."""
    def layer(x, w):
        return fnp.tanh(fnp.sin(x @ w) * 1.1 + x * 0.5)

    def chain(lay):
        def f(x, w):
            for _ in range(20):
                x = lay(x, w)
            return fnp.sum(x)
        return f
    x = fnp.asarray(np.linspace(-1.0, 1.0, 40_000).reshape(1000, 40))
    w = fnp.asarray(np.eye(40) * 0.9)
    peak_plain, g_plain = _peak_bytes(fg.grad(chain(layer), argnums=(0, 1)), x, w)
    peaks = {}
    for name in ("nothing_saveable", "dots_saveable", "everything_saveable"):
        lay = fg.checkpoint(layer, policy=POLICIES[name])
        peaks[name], g = _peak_bytes(fg.grad(chain(lay), argnums=(0, 1)), x, w)
        tree_close(g, g_plain, rtol=1e-12)
    one_dot = 1000 * 40 * 8
    assert peaks["nothing_saveable"] + 10 * one_dot < peaks["dots_saveable"], peaks
    assert peaks["dots_saveable"] + 10 * one_dot < peaks["everything_saveable"], peaks
    assert peaks["everything_saveable"] > 0.8 * peak_plain, (peaks, peak_plain)
