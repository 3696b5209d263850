"""lax control flow (cond, switch, scan, fori_loop, while_loop, map): values against Python-loop
references eagerly, under jit and in make_jaxpr; derivatives (jvp and vjp against central finite
differences in float64, <u, J v> == <J^T u, v>, second order) eagerly and under jit, where the
primitives' own jvp/vjp rules run; batching; and the errors, by message."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax

EPS = 1e-6


# ---- helpers ----------------------------------------------------------------------------------

def _leaves(t):
    return [np.asarray(x, dtype=np.float64) for x in fg.tree.tree_leaves(t)
            if np.asarray(x).dtype.kind == "f"]


def _vdot(a, b):
    return float(sum(np.sum(x * y) for x, y in zip(a, b)))


def assert_tree_close(got, want, rtol=1e-10, atol=1e-12):
    gl, gt = fg.tree.tree_flatten(got)
    wl, wt = fg.tree.tree_flatten(want)
    assert gt == wt, f"structure {gt} != {wt}"
    for k, (g, w) in enumerate(zip(gl, wl)):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (k, g.shape, g.dtype, w.shape, w.dtype)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"leaf {k}")


def fd_jvp(f, args, tangents, eps=EPS):
    plus = _leaves(f(*[fnp.asarray(a + eps * t) for a, t in zip(args, tangents)]))
    minus = _leaves(f(*[fnp.asarray(a - eps * t) for a, t in zip(args, tangents)]))
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def _jvp(f, jit):
    def run(args, tangents):
        return fg.jvp(f, tuple(args), tuple(tangents))
    return fg.jit(run) if jit else run


def _vjp(f, jit):
    def run(args, u):
        return fg.vjp(f, *args)[1](u)
    return fg.jit(run) if jit else run


def check_derivatives(f, args, seed=0, jit=False, rtol=1e-5, atol=1e-6):
    """jvp vs finite differences, vjp vs finite differences (projected on random directions),
    and <u, J v> == <J^T u, v>; eagerly or with the derivative computation under jit."""
    rng = np.random.default_rng(seed)
    args = [np.asarray(a, np.float64) for a in args]
    fargs = [fnp.asarray(a) for a in args]
    v = [rng.standard_normal(a.shape) for a in args]
    out, jv = _jvp(f, jit)(fargs, [fnp.asarray(t) for t in v])
    assert_tree_close(out, f(*fargs))
    fd = fd_jvp(f, args, v)
    for got, want in zip(_leaves(jv), fd):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    u = fg.tree.tree_map(lambda o: fnp.asarray(rng.standard_normal(np.shape(o)))
                         if np.asarray(o).dtype.kind == "f" else fnp.zeros_like(o), out)
    ju = _vjp(f, jit)(fargs, u)
    assert len(ju) == len(args)
    for g, a in zip(ju, args):
        assert np.shape(g) == a.shape and np.asarray(g).dtype == np.float64
    u_l = _leaves(u)
    # <J^T u, v> against finite differences, and against <u, J v> from the jvp
    np.testing.assert_allclose(_vdot(_leaves(ju), v), _vdot(u_l, fd), rtol=rtol, atol=atol)
    lhs, rhs = _vdot(u_l, _leaves(jv)), _vdot(_leaves(ju), v)
    scale = _vdot([np.abs(x) for x in u_l], [np.abs(x) for x in _leaves(jv)]) + 1e-300
    assert abs(lhs - rhs) <= 1e-10 * scale + 1e-12, (lhs, rhs)
    # the full vjp against finite differences, element by element, for small inputs
    if sum(a.size for a in args) <= 24:
        for i, a in enumerate(args):
            for j in range(a.size):
                e = [np.zeros(b.shape) for b in args]
                e[i].flat[j] = 1.0
                np.testing.assert_allclose(np.asarray(ju[i]).flat[j],
                                           _vdot(u_l, fd_jvp(f, args, e)), rtol=rtol, atol=atol)


def check_second_order(f, args, seed=1, jit=False, rtol=1e-5, atol=1e-6):
    """grad of grad: the Hessian-vector product of s(x) = <w, f(x)> (as grad of <grad s, v>)
    against finite differences of grad s."""
    rng = np.random.default_rng(seed)
    args = [np.asarray(a, np.float64) for a in args]
    x0 = args[0]
    rest = [fnp.asarray(a) for a in args[1:]]
    out = f(fnp.asarray(x0), *rest)
    w = [fnp.asarray(rng.standard_normal(np.shape(o))) for o in fg.tree.tree_leaves(out)]
    v = fnp.asarray(rng.standard_normal(x0.shape))

    def s(x):
        return sum(fnp.sum(o * wi) for o, wi in zip(fg.tree.tree_leaves(f(x, *rest)), w))

    def hvp(x):
        return fg.grad(lambda y: fnp.sum(fg.grad(s)(y) * v))(x)
    g = fg.jit(fg.grad(s)) if jit else fg.grad(s)
    h = fg.jit(hvp) if jit else hvp
    got = np.asarray(h(fnp.asarray(x0)))
    want = (np.asarray(g(fnp.asarray(x0 + EPS * np.asarray(v))))
            - np.asarray(g(fnp.asarray(x0 - EPS * np.asarray(v))))) / (2 * EPS)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def prims(f, *args):
    return [e.prim.name for e in fg.make_jaxpr(f)(*args).jaxpr.eqns]


RNG = np.random.default_rng(42)
X3 = np.array([0.3, -0.2, 0.5])
XS = RNG.uniform(-1, 1, (5, 3))


# ---- cond / switch: values -----------------------------------------------------------------

def cond_f(x):
    return lax.cond(fnp.sum(x) > 0, lambda a: fnp.sin(a) * a, lambda a: fnp.cos(a) - a, x)


def cond_ref(x):
    x = np.asarray(x)
    return np.sin(x) * x if x.sum() > 0 else np.cos(x) - x


@pytest.mark.parametrize("x", [X3, -X3])
def test_cond_values_eager_jit(x):
    for f in (cond_f, fg.jit(cond_f)):
        out = f(fnp.asarray(x))
        np.testing.assert_allclose(np.asarray(out), cond_ref(x), rtol=1e-14)
        assert out.dtype == np.float64


def test_cond_in_jaxpr_and_python_bool_predicate():
    assert "cond" in str(fg.make_jaxpr(cond_f)(fnp.asarray(X3)))
    # a concrete predicate simply picks the branch, also inside jit
    f = fg.jit(lambda x: lax.cond(True, lambda a: a + 1.0, lambda a: a - 1.0, x))
    np.testing.assert_allclose(np.asarray(f(fnp.asarray(X3))), X3 + 1.0)
    assert "cond" not in str(fg.make_jaxpr(lambda x: lax.cond(False, fnp.sin, fnp.cos, x))(X3))


def test_cond_pytree_operands_and_outputs():
    def f(p, q):
        return lax.cond(p["s"] > 0, lambda p, q: {"a": p["v"] * q[0], "b": (q[1], p["s"])},
                        lambda p, q: {"a": p["v"] + q[0], "b": (q[1] * 2.0, -p["s"])}, p, q)
    for s in (1.5, -1.5):
        p = {"v": fnp.asarray(X3), "s": fnp.asarray(s)}
        q = (fnp.asarray(X3[::-1].copy()), fnp.asarray(2.0))
        want = ({"a": X3 * X3[::-1], "b": (2.0, s)} if s > 0 else
                {"a": X3 + X3[::-1], "b": (4.0, -s)})
        for g in (f, fg.jit(f)):
            out = g(p, q)
            np.testing.assert_allclose(np.asarray(out["a"]), want["a"])
            np.testing.assert_allclose([float(out["b"][0]), float(out["b"][1])], want["b"])


@pytest.mark.parametrize("index", [-3, 0, 1, 2, 7])
def test_switch_values_and_clamping(index):
    branches = [lambda a: a * 2.0, lambda a: fnp.sin(a), lambda a: a - 10.0]
    ref = [lambda a: a * 2.0, np.sin, lambda a: a - 10.0][min(max(index, 0), 2)]
    f = lambda i, x: lax.switch(i, branches, x)
    for g in (f, fg.jit(f)):
        out = g(fnp.asarray(np.int32(index)), fnp.asarray(X3))
        np.testing.assert_allclose(np.asarray(out), ref(X3), rtol=1e-14)
    assert "cond" in prims(f, np.int32(index), X3)


# ---- scan: values -----------------------------------------------------------------------------

def scan_ref(f, init, xs, reverse=False, length=None):
    n = length if xs is None else len(fg.tree.tree_leaves(xs)[0])
    carry, ys = init, []
    order = range(n - 1, -1, -1) if reverse else range(n)
    for i in order:
        x = None if xs is None else fg.tree.tree_map(lambda a, i=i: a[i], xs)
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, ys


def rnn_body(carry, x):
    h, total = carry["h"], carry["total"]
    h = fnp.tanh(h * 0.9 + x["u"] * x["s"])
    return {"h": h, "total": total + fnp.sum(h)}, (h * 2.0, fnp.sum(x["u"]))


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_pytree_carry_and_xs_matches_python_loop(reverse):
    init = {"h": fnp.asarray(X3), "total": fnp.asarray(0.0)}
    xs = {"u": fnp.asarray(XS), "s": fnp.asarray(np.linspace(0.5, 1.5, 5))}

    def f(init, xs):
        return lax.scan(rnn_body, init, xs, reverse=reverse)
    ref_carry, ref_ys = scan_ref(rnn_body, init, xs, reverse=reverse)
    for g in (f, fg.jit(f)):
        carry, (ys, sums) = g(init, xs)
        assert_tree_close(carry, ref_carry)
        np.testing.assert_allclose(np.asarray(ys), np.stack([np.asarray(y[0]) for y in ref_ys]),
                                   rtol=1e-13)
        np.testing.assert_allclose(np.asarray(sums), [float(y[1]) for y in ref_ys], rtol=1e-13)
    assert "scan" in prims(f, init, xs)


def test_scan_without_xs_uses_length():
    def f(c):
        return lax.scan(lambda c, _: (c * 1.5 + 1.0, c), c, None, length=4)
    c0 = fnp.asarray(X3)
    ref_c, ref_ys = scan_ref(lambda c, _: (c * 1.5 + 1.0, c), c0, None, length=4)
    for g in (f, fg.jit(f)):
        c, ys = g(c0)
        np.testing.assert_allclose(np.asarray(c), np.asarray(ref_c), rtol=1e-14)
        np.testing.assert_allclose(np.asarray(ys), np.stack([np.asarray(y) for y in ref_ys]))
    assert "scan" in prims(f, c0)


def test_scan_length_zero_and_python_scalar_carry():
    f = lambda xs: lax.scan(lambda c, x: (c + x, c * x), fnp.zeros(3), xs)
    for g in (f, fg.jit(f)):
        c, ys = g(fnp.zeros((0, 3)))
        np.testing.assert_array_equal(np.asarray(c), np.zeros(3))
        assert np.asarray(ys).shape == (0, 3) and np.asarray(ys).dtype == np.float64
        c, ys = g(fnp.asarray(XS))
        np.testing.assert_allclose(np.asarray(c), XS.sum(0), rtol=1e-14)
        np.testing.assert_allclose(np.asarray(ys)[0], np.zeros(3))


def test_scan_carry_given_by_python_int_promotes_once():
    f = lambda xs: lax.scan(lambda c, x: (c + fnp.sum(x), c), 0, xs)
    for g in (f, fg.jit(f)):
        c, ys = g(fnp.asarray(XS))
        np.testing.assert_allclose(float(c), XS.sum(), rtol=1e-13)
        np.testing.assert_allclose(np.asarray(ys), np.concatenate([[0.0], np.cumsum(XS.sum(1))[:-1]]),
                                   rtol=1e-12, atol=1e-14)


# ---- fori_loop, while_loop, map: values --------------------------------------------------------

def test_fori_loop_concrete_and_traced_bounds():
    body = lambda i, v: v * 0.5 + fnp.sin(v) * i

    def ref(lo, hi, v):
        v = np.asarray(v)
        for i in range(lo, hi):
            v = v * 0.5 + np.sin(v) * i
        return v
    f = lambda x: lax.fori_loop(1, 6, body, x)
    for g in (f, fg.jit(f)):
        np.testing.assert_allclose(np.asarray(g(fnp.asarray(X3))), ref(1, 6, X3), rtol=1e-13)
    assert "scan" in prims(f, X3)       # concrete bounds: a scan (differentiable in reverse)
    h = lambda n, x: lax.fori_loop(0, n, body, x)
    for n in (0, 3):
        np.testing.assert_allclose(np.asarray(fg.jit(h)(fnp.asarray(n), fnp.asarray(X3))),
                                   ref(0, n, X3), rtol=1e-13)
    assert "while" in prims(h, 3, X3)   # a traced bound: a while loop


def while_f(x):
    # doubles until the norm passes 5; carries an integer counter along
    v, n = lax.while_loop(lambda c: fnp.sum(c[0] ** 2) < 25.0,
                          lambda c: (c[0] * 2.0 + 0.1, c[1] + 1), (x, 0))
    return v, n


def while_ref(x):
    v, n = np.asarray(x), 0
    while np.sum(v ** 2) < 25.0:
        v, n = v * 2.0 + 0.1, n + 1
    return v, n


def test_while_loop_values():
    for g in (while_f, fg.jit(while_f)):
        v, n = g(fnp.asarray(X3))
        rv, rn = while_ref(X3)
        np.testing.assert_allclose(np.asarray(v), rv, rtol=1e-14)
        assert int(n) == rn and np.asarray(n).dtype.kind == "i"
    assert "while" in prims(while_f, X3)
    # a loop that never runs returns its initial value
    big = X3 * 100
    np.testing.assert_allclose(np.asarray(fg.jit(while_f)(fnp.asarray(big))[0]), big)


def test_map_values():
    f = lambda xs: lax.map(lambda r: {"n": fnp.sum(r ** 2), "s": fnp.sin(r)}, xs)
    for g in (f, fg.jit(f)):
        out = g(fnp.asarray(XS))
        np.testing.assert_allclose(np.asarray(out["n"]), (XS ** 2).sum(1), rtol=1e-14)
        np.testing.assert_allclose(np.asarray(out["s"]), np.sin(XS), rtol=1e-14)
    assert "scan" in prims(f, XS)


# ---- derivatives --------------------------------------------------------------------------------

def d_cond(x, w):
    return lax.cond(fnp.sum(x) > 0, lambda x, w: fnp.sin(x) * w, lambda x, w: x ** 2 * w[::-1],
                    x, w)


def d_cond_neg(x, w):
    return d_cond(-x, w)


def d_switch(x, w):
    i = (fnp.sum(x) > 0).astype(np.int32) + 1
    return lax.switch(i, [lambda x: x, lambda x: fnp.exp(x) * w, lambda x: fnp.tanh(x * w)], x)


def d_scan(x, w):
    def body(c, xi):
        h = fnp.tanh(c["h"] * w + xi)
        return {"h": h, "s": c["s"] + fnp.sum(h ** 2)}, h * c["s"]
    c, ys = lax.scan(body, {"h": x, "s": fnp.asarray(0.5)}, fnp.asarray(XS))
    return c, ys


def d_scan_reverse(x, w):
    c, ys = lax.scan(lambda c, xi: (fnp.sin(c * xi) + w, c * xi), x, fnp.asarray(XS) + w,
                     reverse=True)
    return c, ys


def d_scan_no_xs(x, w):
    return lax.scan(lambda c, _: (c * w + fnp.sin(c), fnp.sum(c)), x, None, length=4)


def d_scan_xs_arg(x, xs):
    # differentiate with respect to the scanned-over sequence too
    return lax.scan(lambda c, xi: (c * fnp.cos(xi) + xi, c * xi), x, xs.reshape(2, 3))


def d_fori(x, w):
    return lax.fori_loop(0, 4, lambda i, v: fnp.sin(v) * w + v * i * 0.1, x)


def d_while_fwd(x, w):
    # a fixed trip count driven by an integer counter; values flow through the float carry
    return lax.while_loop(lambda c: c[1] < 4, lambda c: (fnp.sin(c[0]) * w + 0.1, c[1] + 1),
                          (x, 0))[0]


def d_map(x, w):
    return lax.map(lambda r: fnp.sum(fnp.sin(r * w) * x), fnp.asarray(XS))


W3 = np.array([0.7, 1.1, -0.4])

DERIV = {"cond": d_cond, "cond_other_branch": d_cond_neg, "switch": d_switch, "scan": d_scan,
         "scan_reverse": d_scan_reverse, "scan_no_xs": d_scan_no_xs, "scan_xs": d_scan_xs_arg,
         "fori_loop": d_fori, "map": d_map}


@pytest.mark.parametrize("name", sorted(DERIV))
@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_first_derivatives(name, jit):
    f = DERIV[name]
    second = np.array([0.1, -0.3, 0.2, 0.4, 0.5, -0.6]) if name == "scan_xs" else W3
    check_derivatives(f, [X3, second], jit=jit)


@pytest.mark.parametrize("name", ["cond", "switch", "scan", "scan_reverse", "fori_loop", "map"])
@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_second_derivatives(name, jit):
    check_second_order(DERIV[name], [X3, W3], jit=jit)


def test_derivative_rules_of_the_primitives_are_in_the_jit_jaxpr():
    g = fg.grad(lambda x, w: fnp.sum(d_scan(x, w)[1]))
    text = str(fg.make_jaxpr(g)(X3, W3))
    assert text.count("scan[") >= 2          # forward, and the backward loop (not unrolled)
    assert "reverse=True" in text
    assert text.count("tanh") <= 4            # one body per loop, not one per iteration
    assert "cond" in str(fg.make_jaxpr(fg.grad(lambda x, w: fnp.sum(d_cond(x, w))))(X3, W3))


def test_jit_of_grad_equals_grad():
    for name, f in DERIV.items():
        second = np.array([0.1, -0.3, 0.2, 0.4, 0.5, -0.6]) if name == "scan_xs" else W3
        s = lambda x, w, f=f: sum(fnp.sum(o) for o in fg.tree.tree_leaves(f(x, w)))
        args = (fnp.asarray(X3), fnp.asarray(second))
        assert_tree_close(fg.jit(fg.grad(s, argnums=(0, 1)))(*args),
                          fg.grad(s, argnums=(0, 1))(*args), rtol=1e-9, atol=1e-12)


def test_grad_when_loop_bodies_close_over_traced_values():
    """The body reads a value traced by grad (w) without it being an operand: eagerly, under
    jit(grad), and with grad inside jit inside grad."""
    def f(w):
        c, ys = lax.scan(lambda c, x: (c * w + x, fnp.sin(c * w)), fnp.zeros(3), fnp.asarray(XS))
        b = lax.cond(fnp.sum(c) > -100.0, lambda c: c * w, lambda c: c, c)
        v = lax.fori_loop(0, 3, lambda i, v: v * fnp.tanh(w), b)
        m = lax.map(lambda r: fnp.sum(r * w), ys)
        return fnp.sum(v) + fnp.sum(m)

    def ref(w):
        c = np.zeros(3)
        ys = []
        for x in XS:
            ys.append(np.sin(c * w))
            c = c * w + x
        v = c * w * np.tanh(w) ** 3
        return v.sum() + sum((y * w).sum() for y in ys)
    w0 = np.array([0.6, -0.8, 0.9])
    np.testing.assert_allclose(float(f(fnp.asarray(w0))), ref(w0), rtol=1e-12)
    fd = np.array([(ref(w0 + EPS * e) - ref(w0 - EPS * e)) / (2 * EPS) for e in np.eye(3)])
    for g in (fg.grad(f), fg.jit(fg.grad(f)), fg.grad(fg.jit(f))):
        np.testing.assert_allclose(np.asarray(g(fnp.asarray(w0))), fd, rtol=1e-6, atol=1e-8)
    # the closure inside a jitted loop with grad taken outside, twice
    h = fg.grad(lambda w: fnp.sum(fg.grad(f)(w) * w))
    hj = fg.jit(h)
    np.testing.assert_allclose(np.asarray(hj(fnp.asarray(w0))), np.asarray(h(fnp.asarray(w0))),
                               rtol=1e-9)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_while_loop_forward_mode(jit):
    """Forward mode needs no bound on the trip count (under jit it is the primitive's jvp)."""
    f, args = d_while_fwd, [X3, W3]
    rng = np.random.default_rng(3)
    v = [rng.standard_normal(a.shape) for a in args]
    _, jv = _jvp(f, jit)([fnp.asarray(a) for a in args], [fnp.asarray(t) for t in v])
    np.testing.assert_allclose(np.asarray(jv), fd_jvp(f, args, v)[0], rtol=1e-5, atol=1e-6)


def test_while_loop_reverse_mode_needs_max_steps_under_jit():
    s = lambda x, w: fnp.sum(d_while_fwd(x, w))
    with pytest.raises(ValueError, match="reverse-mode differentiation of a while_loop") as e:
        fg.jit(fg.grad(s))(fnp.asarray(X3), fnp.asarray(W3))
    assert "max_steps=N" in str(e.value) and "whileloopvjp" in str(e.value)
    # eagerly (concrete values), the loop is plain Python and grad just works
    g_eager = fg.grad(s, argnums=(0, 1))(fnp.asarray(X3), fnp.asarray(W3))
    fd = fd_jvp(lambda x: s(x, fnp.asarray(W3)), [X3], [np.eye(3)[0]])[0]
    np.testing.assert_allclose(float(g_eager[0][0]), float(fd), rtol=1e-5)


@pytest.mark.parametrize("max_steps", [4, 9])
def test_while_loop_reverse_mode_with_max_steps(max_steps):
    def f(x, w):
        # the trip count depends on the values (3 or 4 steps here)
        return lax.while_loop(lambda c: fnp.sum(c ** 2) < 4.0,
                              lambda c: fnp.sin(c) * w + c * 1.2, x, max_steps=max_steps)
    check_derivatives(f, [X3, W3], jit=True)
    check_derivatives(f, [X3, W3], jit=False)
    g = fg.jit(fg.grad(lambda x, w: fnp.sum(f(x, w)), argnums=(0, 1)))
    assert_tree_close(g(fnp.asarray(X3), fnp.asarray(W3)),
                      fg.grad(lambda x, w: fnp.sum(f(x, w)), argnums=(0, 1))(fnp.asarray(X3),
                                                                            fnp.asarray(W3)),
                      rtol=1e-9)


def test_fori_loop_with_traced_bound_forward_mode_and_reverse_error():
    f = lambda n, x: lax.fori_loop(0, n, lambda i, v: fnp.sin(v) + v, x)
    jv = fg.jit(lambda n, x, t: fg.jvp(lambda x: f(n, x), (x,), (t,)))
    _, t = jv(fnp.asarray(3), fnp.asarray(X3), fnp.ones(3))
    ref = np.ones(3)
    v = X3.copy()
    for _ in range(3):
        ref = ref * (np.cos(v) + 1)
        v = np.sin(v) + v
    np.testing.assert_allclose(np.asarray(t), ref, rtol=1e-12)
    with pytest.raises(ValueError, match="max_steps"):
        fg.jit(fg.grad(lambda x, n: fnp.sum(f(n, x))))(fnp.asarray(X3), fnp.asarray(3))


# ---- batching -----------------------------------------------------------------------------------

def test_vmap_cond_with_batched_predicate():
    xs = fnp.asarray(np.array([[0.5, 1.0, 1.5], [-2.0, 0.1, 0.2], [1.0, -3.0, 0.5]]))
    f = fg.vmap(cond_f)
    want = np.stack([cond_ref(np.asarray(x)) for x in np.asarray(xs)])
    for g in (f, fg.jit(f)):
        np.testing.assert_allclose(np.asarray(g(xs)), want, rtol=1e-14)
    # and its gradient (grad of vmap, vmap of grad)
    s = lambda xs: fnp.sum(fg.vmap(cond_f)(xs))
    per = fg.vmap(fg.grad(lambda x: fnp.sum(cond_f(x))))(xs)
    want_g = np.stack([np.asarray(fg.grad(lambda x: fnp.sum(cond_f(x)))(x)) for x in xs])
    np.testing.assert_allclose(np.asarray(fg.grad(s)(xs)), want_g, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(per), want_g, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(fg.jit(fg.grad(s))(xs)), want_g, rtol=1e-12)


def test_vmap_cond_with_unbatched_predicate_and_batched_operand():
    f = fg.vmap(lambda x, p: lax.cond(p > 0, lambda x: x * 2.0, lambda x: -x, x),
                in_axes=(0, None))
    xs = fnp.asarray(XS)
    np.testing.assert_allclose(np.asarray(f(xs, 1.0)), XS * 2.0)
    np.testing.assert_allclose(np.asarray(fg.jit(f)(xs, -1.0)), -XS)


def test_vmap_switch_with_batched_index():
    idx = fnp.asarray(np.array([0, 2, 1, 5, -1], np.int32))
    branches = [lambda x: x + 1.0, lambda x: x * 10.0, lambda x: fnp.sin(x)]
    refs = [lambda x: x + 1.0, lambda x: x * 10.0, np.sin]
    want = np.stack([refs[min(max(int(i), 0), 2)](XS[k]) for k, i in enumerate(np.asarray(idx))])
    f = fg.vmap(lambda i, x: lax.switch(i, branches, x))
    np.testing.assert_allclose(np.asarray(f(idx, fnp.asarray(XS))), want, rtol=1e-14)
    np.testing.assert_allclose(np.asarray(fg.jit(f)(idx, fnp.asarray(XS))), want, rtol=1e-14)


def test_vmap_while_loop_with_batched_predicate():
    starts = np.array([[0.1, 0.2, 0.1], [3.0, 4.0, 1.0], [1.0, 1.0, 1.0], [0.01, 0.0, 0.0]])
    f = fg.vmap(while_f)
    for g in (f, fg.jit(f)):
        v, n = g(fnp.asarray(starts))
        for k, s in enumerate(starts):
            rv, rn = while_ref(s)
            np.testing.assert_allclose(np.asarray(v)[k], rv, rtol=1e-14)
            assert int(np.asarray(n)[k]) == rn
    assert len({while_ref(s)[1] for s in starts}) > 1   # the examples need different trip counts


def test_vmap_while_loop_forward_derivative():
    starts = np.array([[0.1, 0.2, 0.1], [3.0, 4.0, 1.0]])
    f = lambda x: while_f(x)[0]
    jv = fg.vmap(lambda x, t: fg.jvp(f, (x,), (t,))[1])(fnp.asarray(starts), fnp.ones((2, 3)))
    for k, s in enumerate(starts):
        _, rn = while_ref(s)
        np.testing.assert_allclose(np.asarray(jv)[k], np.full(3, 2.0 ** rn), rtol=1e-12)


@pytest.mark.parametrize("axes", [(0, 0), (None, 0), (0, None), (1, 1)])
def test_vmap_scan_batched_carries_and_xs(axes):
    b = 4
    init = RNG.uniform(-1, 1, (b, 3))
    seqs = RNG.uniform(-1, 1, (b, 5, 3))
    init_arg = init if axes[0] == 0 else (init[0] if axes[0] is None else init.T)
    seq_arg = (seqs if axes[1] == 0 else (seqs[0] if axes[1] is None else
                                          np.moveaxis(seqs, 0, 1)))
    body = lambda c, x: (fnp.tanh(c * 0.8 + x), fnp.sum(c * x))

    def one(c, xs):
        return lax.scan(body, c, xs)
    f = fg.vmap(one, in_axes=axes)
    outs = [f, fg.jit(f)]
    for g in outs:
        c, ys = g(fnp.asarray(init_arg), fnp.asarray(seq_arg))
        for k in range(b):
            ci = init[k] if axes[0] is not None else init[0]
            si = seqs[k] if axes[1] is not None else seqs[0]
            rc, rys = scan_ref(body, fnp.asarray(ci), fnp.asarray(si))
            np.testing.assert_allclose(np.asarray(c)[k], np.asarray(rc), rtol=1e-13)
            np.testing.assert_allclose(np.asarray(ys)[k], [float(y) for y in rys], rtol=1e-12)


def test_vmap_of_grad_through_scan_and_fori_loop():
    ws = RNG.uniform(0.5, 1.0, (3, 3))

    def f(w):
        c, _ = lax.scan(lambda c, x: (fnp.sin(c * w + x), None), fnp.zeros(3), fnp.asarray(XS))
        return fnp.sum(lax.fori_loop(0, 2, lambda i, v: v * w, c))
    per = fg.vmap(fg.grad(f))(fnp.asarray(ws))
    per_jit = fg.jit(fg.vmap(fg.grad(f)))(fnp.asarray(ws))
    for k in range(3):
        want = np.asarray(fg.grad(f)(fnp.asarray(ws[k])))
        np.testing.assert_allclose(np.asarray(per)[k], want, rtol=1e-12)
        np.testing.assert_allclose(np.asarray(per_jit)[k], want, rtol=1e-12)


# ---- errors -------------------------------------------------------------------------------------

def test_mismatched_branch_structures_named():
    f = fg.jit(lambda x: lax.cond(x[0] > 0, lambda x: (x, x), lambda x: x, x))
    with pytest.raises(TypeError, match="branches must return the same structure") as e:
        f(fnp.asarray(X3))
    msg = str(e.value)
    assert "PyTreeDef(*)" in msg and "PyTreeDef((*, *))" in msg
    assert "test_control_flow.py" in msg and "branchmismatcherror" in msg


def test_mismatched_branch_types_named():
    f = fg.jit(lambda x: lax.cond(x[0] > 0, lambda x: x, lambda x: x.astype(np.float32), x))
    with pytest.raises(TypeError, match=r"branch 0 returns .* \[f32\[3\]\] and branch 1 returns "
                                        r".* \[f64\[3\]\]"):
        f(fnp.asarray(X3))
    g = fg.jit(lambda i, x: lax.switch(i, [lambda x: x, lambda x: x, lambda x: x[:2]], x))
    with pytest.raises(TypeError, match=r"branch 2 returns PyTreeDef\(\*\) with types \[f64\[2\]\]"):
        g(fnp.asarray(np.int32(0)), fnp.asarray(X3))


def test_non_scalar_predicate():
    x = fnp.asarray(X3)
    f = lambda x: lax.cond(x > 0, lambda x: x, lambda x: -x, x)
    for g in (f, fg.jit(f)):
        with pytest.raises(TypeError, match=r"scalar predicate, got bool\[3\].*fnp.where"):
            g(x)
    with pytest.raises(TypeError, match=r"must be a scalar integer or boolean, got f64\[\]"):
        fg.jit(lambda x: lax.switch(x[0], [fnp.sin, fnp.cos], x))(fnp.asarray(X3))
    with pytest.raises(TypeError, match=r"cond_fun must return a scalar boolean, got \[?bool\[3\]"):
        fg.jit(lambda x: lax.while_loop(lambda c: c < 3, lambda c: c + 1, x))(fnp.asarray(X3))
    with pytest.raises(TypeError, match=r"cond_fun must return a scalar boolean, got bool\[3\]"):
        lax.while_loop(lambda c: c < 3, lambda c: c + 1, fnp.asarray(X3))


@pytest.mark.parametrize("body,init,tree_in,tree_out,types_out", [
    (lambda c, x: ((c, c), x), X3, "PyTreeDef(*)", "PyTreeDef((*, *))", "[f64[3], f64[3]]"),
    (lambda c, x: (c[:2], x), X3, "PyTreeDef(*)", "PyTreeDef(*)", "[f64[2]]"),
    (lambda c, x: (c.astype(np.float32), x), X3, "PyTreeDef(*)", "PyTreeDef(*)", "[f32[3]]"),
    (lambda c, x: ({"a": c["b"], "b": c["a"][0]}, x), {"a": X3, "b": 1.5},
     "PyTreeDef({'a': *, 'b': *})", "PyTreeDef({'a': *, 'b': *})", "[f64[], f64[]]"),
])
def test_scan_carry_mismatch_named(body, init, tree_in, tree_out, types_out):
    f = fg.jit(lambda init, xs: lax.scan(body, init, xs))
    with pytest.raises(TypeError, match="scan: the body must return a carry") as e:
        f(fg.tree.tree_map(fnp.asarray, init), fnp.asarray(XS))
    msg = str(e.value)
    assert f"the initial carry is {tree_in}" in msg
    assert f"the body returns {tree_out} with types {types_out}" in msg
    assert "test_control_flow.py" in msg and "carrymismatcherror" in msg


def test_while_loop_carry_mismatch_named():
    f = fg.jit(lambda x: lax.while_loop(lambda c: fnp.sum(c[0]) < 3.0,
                                        lambda c: (c[0] * 2.0, c[1].astype(np.float32)),
                                        (x, fnp.asarray(1.0))))
    with pytest.raises(TypeError, match=r"while_loop: the body must return a carry") as e:
        f(fnp.asarray(X3))
    msg = str(e.value)
    assert "initial carry is PyTreeDef((*, *)) with types [f64[3], f64[]]" in msg
    assert "body returns PyTreeDef((*, *)) with types [f64[3], f32[]]" in msg
    g = fg.jit(lambda x: lax.while_loop(lambda c: fnp.sum(c) < 3.0, lambda c: (c, c), x))
    with pytest.raises(TypeError, match=r"the body returns PyTreeDef\(\(\*, \*\)\)"):
        g(fnp.asarray(X3))


def test_scan_shape_errors():
    with pytest.raises(ValueError, match=r"leading axes of xs \(and length=\) disagree: \[2, 3\]"):
        lax.scan(lambda c, x: (c, x), 0.0, {"a": fnp.zeros((2, 1)), "b": fnp.zeros((3, 1))})
    with pytest.raises(ValueError, match="with no xs, give length="):
        lax.scan(lambda c, x: (c, x), 0.0, None)
    with pytest.raises(ValueError, match=r"disagree: \[4, 5\]"):
        fg.jit(lambda xs: lax.scan(lambda c, x: (c, x), 0.0, xs, length=4))(fnp.asarray(XS))
    with pytest.raises(TypeError, match=r"must return a pair \(carry, y\); it returned an array "
                                        r"of type f64\[3\]$"):
        fg.jit(lambda xs: lax.scan(lambda c, x: c + x, fnp.zeros(3), xs))(fnp.asarray(XS))
    with pytest.raises(TypeError, match=r"must return a pair \(carry, y\); it returned tuple of "
                                        r"length 3"):
        fg.jit(lambda xs: lax.scan(lambda c, x: (c, x, x), 0.0, xs))(fnp.asarray(XS))


# ---- deeper compositions, against per-example eager (Python-loop) references ------------------

SEQ = RNG.uniform(-1, 1, (5, 3))
BATCH = RNG.uniform(-1, 1, (4, 3))


def _c_cond(x):
    return fnp.sum(lax.cond(fnp.sum(x) > 0, lambda x: fnp.sin(x) * x, lambda x: x ** 3, x))


def _c_while(x):
    return fnp.sum(lax.while_loop(lambda c: fnp.sum(c ** 2) < 4.0, lambda c: c * 1.5 + 0.1, x,
                                  max_steps=20))


def _c_scan_cond(x):
    body = lambda c, s: (lax.cond(fnp.sum(c) > 0, lambda c: c * s, lambda c: fnp.sin(c) + s, c),
                         None)
    return fnp.sum(lax.scan(body, x, fnp.asarray(SEQ))[0])


def _c_scan_rev(x):
    return fnp.sum(lax.scan(lambda c, s: (fnp.tanh(c * s + x), c * s), x, fnp.asarray(SEQ),
                            reverse=True)[1])


def _per_example(f):
    return lambda xs: fnp.stack([f(x) for x in xs])


COMPOSITIONS = {
    "vmap(jvp(cond)), batched predicate": (
        fg.vmap(lambda x: fg.jvp(_c_cond, (x,), (fnp.ones(3),))[1]),
        _per_example(lambda x: fg.jvp(_c_cond, (x,), (fnp.ones(3),))[1])),
    "vmap(grad(while_loop, max_steps))": (fg.vmap(fg.grad(_c_while)),
                                          _per_example(fg.grad(_c_while))),
    "jit(vmap(grad(while_loop, max_steps)))": (fg.jit(fg.vmap(fg.grad(_c_while))),
                                               _per_example(fg.grad(_c_while))),
    "jit(vmap(grad(scan, reverse)))": (fg.jit(fg.vmap(fg.grad(_c_scan_rev))),
                                       _per_example(fg.grad(_c_scan_rev))),
    "jit(vmap(hessian(scan(cond))))": (fg.jit(fg.vmap(fg.hessian(_c_scan_cond))),
                                       _per_example(fg.hessian(_c_scan_cond))),
    "jit(jacfwd(while_loop)) vs jacrev": (
        fg.jit(fg.vmap(fg.jacfwd(lambda x: lax.while_loop(
            lambda c: fnp.sum(c ** 2) < 4.0, lambda c: c * 1.5 + 0.1, x)))),
        _per_example(fg.jacrev(lambda x: lax.while_loop(
            lambda c: fnp.sum(c ** 2) < 4.0, lambda c: c * 1.5 + 0.1, x)))),
    "vmap(fori_loop) with batched traced bounds": (
        lambda xs: fg.jit(fg.vmap(lambda n, x: lax.fori_loop(0, n, lambda i, v: v * 1.1 + i, x)))(
            fnp.asarray(np.array([0, 1, 3, 2])), xs),
        lambda xs: fnp.stack([lax.fori_loop(0, n, lambda i, v: v * 1.1 + i, x)
                              for n, x in zip([0, 1, 3, 2], xs)])),
}


@pytest.mark.parametrize("name", sorted(COMPOSITIONS))
def test_compositions(name):
    got_f, want_f = COMPOSITIONS[name]
    got, want = got_f(fnp.asarray(BATCH)), want_f(fnp.asarray(BATCH))
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-9, atol=1e-12)
