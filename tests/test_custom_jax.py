"""Custom derivative rules as JAX has them, with the installed JAX as the oracle: custom_jvp's
defjvps (one rule per argument, None for none) and nondiff_argnums; custom_vjp's nondiff_argnums,
symbolic zeros (CustomVJPPrimal / SymbolicZero), None cotangents for integer inputs, pytree
inputs and outputs, keyword arguments; and JAX's error classes when bwd returns the wrong
structure or shapes."""
from __future__ import annotations

import functools

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.custom_derivatives import CustomVJPPrimal, SymbolicZero

jax = pytest.importorskip("jax", reason="JAX is the oracle of these tests")
jnp = pytest.importorskip("jax.numpy", reason="JAX is the oracle of these tests")
jcd = pytest.importorskip("jax.custom_derivatives", reason="JAX is the oracle of these tests")

LIBS = [(fg, fnp, "fg"), (jax, jnp, "jax")]


def _same(ours, theirs, rtol=1e-5):
    ol, tl = fg.tree.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)
    assert len(ol) == len(tl), (ours, theirs)
    for a, b in zip(ol, tl):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-6)


def _both(build, run):
    """run(build(lib, np module), lib, np module) for funcgrad and JAX: (ours, theirs)."""
    return [run(build(L, m), L, m) for L, m, _ in LIBS]


# ---- custom_jvp -----------------------------------------------------------------------------

def _defjvps(L, m):
    @L.custom_jvp
    def f(x, y):
        return m.sin(x) * y

    f.defjvps(lambda xd, ans, x, y: m.cos(x) * xd * y * 3.0,   # (3x: the rule, not the math)
              lambda yd, ans, x, y: m.sin(x) * yd)
    return f


def _defjvps_none(L, m):
    @L.custom_jvp
    def f(x, y):
        return x * y

    f.defjvps(None, lambda yd, ans, x, y: yd * x * 10.0)
    return f


def _defjvps_tree(L, m):
    @L.custom_jvp
    def f(p, s):
        return {"u": p["a"] * s, "v": m.sum(p["b"]) * s}

    f.defjvps(lambda pd, ans, p, s: {"u": pd["a"] * s * 2.0, "v": m.sum(pd["b"]) * s},
              lambda sd, ans, p, s: {"u": p["a"] * sd, "v": m.sum(p["b"]) * sd})
    return f


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("build", [_defjvps, _defjvps_none], ids=["both rules", "None rule"])
def test_defjvps_matches_jax(build, dtype):
    x, y = np.array([0.3, 1.2], dtype), np.array([2.0, -1.0], dtype)
    with jax.enable_x64(dtype == np.float64):
        for run in [
            lambda f, L, m: L.grad(lambda a, b: m.sum(f(a, b)), argnums=(0, 1))(x, y),
            lambda f, L, m: L.jvp(f, (x, y), (np.ones_like(x), np.full_like(y, 0.5))),
            lambda f, L, m: L.jacrev(f, argnums=1)(x, y),
            lambda f, L, m: L.jit(L.grad(lambda a, b: m.sum(f(a, b))))(x, y),
            lambda f, L, m: L.vmap(L.grad(lambda a, b: f(a, b), argnums=(0, 1)))(x, y),
        ]:
            ours, theirs = _both(build, run)
            _same(ours, theirs)


def test_defjvps_pytrees_match_jax():
    p = {"a": np.array([1.0, 2.0], np.float32), "b": np.array([3.0, 4.0, 5.0], np.float32)}
    s = np.float32(1.5)
    ours, theirs = _both(_defjvps_tree, lambda f, L, m: L.grad(
        lambda p, s: m.sum(f(p, s)["u"]) + f(p, s)["v"], argnums=(0, 1))(p, s))
    _same(ours, theirs)


def _jvp_nondiff(L, m):
    @functools.partial(L.custom_jvp, nondiff_argnums=(0, 2))
    def apply(fn, x, k):
        return fn(x) * k

    @apply.defjvp
    def apply_jvp(fn, k, primals, tangents):
        (x,), (xd,) = primals, tangents
        return apply(fn, x, k), 3.0 * xd * k
    return apply


def test_custom_jvp_nondiff_argnums_matches_jax():
    x = np.array([0.5, 1.0], np.float32)
    for run in [lambda f, L, m: L.grad(lambda x: m.sum(f(m.sin, x, 2.0)))(x),
                lambda f, L, m: L.jit(L.grad(lambda x: m.sum(f(m.sin, x, 2.0))))(x),
                lambda f, L, m: L.jvp(lambda x: f(m.sin, x, 2.0), (x,), (x,)),
                lambda f, L, m: L.vmap(L.grad(lambda x: f(m.sin, x, 2.0)))(x)]:
        _same(*_both(_jvp_nondiff, run))


def test_custom_jvp_symbolic_zeros_see_which_inputs_are_perturbed():
    seen = []

    @functools.partial(fg.custom_jvp)
    def f(x, y):
        return x * y

    def f_jvp(primals, tangents):
        seen.append(tuple(isinstance(t, SymbolicZero) for t in tangents))
        x, y = primals
        xd, yd = [fnp.zeros_like(p) if isinstance(t, SymbolicZero) else t
                  for p, t in zip(primals, tangents)]
        return f(x, y), xd * y + x * yd
    f.defjvp(f_jvp, symbolic_zeros=True)
    assert float(fg.grad(f)(2.0, 3.0)) == 3.0
    assert float(fg.jvp(lambda x: f(x, 3.0), (2.0,), (1.0,))[1]) == 3.0
    assert (False, True) in seen  # y was not differentiated: a symbolic zero


def test_custom_jvp_keyword_arguments_as_jax():
    def build(L, m):
        @L.custom_jvp
        def f(x, y=2.0):
            return x * y
        f.defjvps(lambda xd, ans, x, y: xd * y * 5.0, lambda yd, ans, x, y: yd * x)
        return f
    _same(*_both(build, lambda f, L, m: L.grad(lambda x: f(x, y=3.0))(1.0)))
    _same(*_both(build, lambda f, L, m: L.grad(lambda x: f(x))(1.0)))


def test_defjvps_wrong_count_and_nondiff_are_type_errors():
    for L, m, _ in LIBS:
        f = functools.partial(L.custom_jvp, nondiff_argnums=(0,))(lambda n, x: x * n)
        with pytest.raises(TypeError):
            f.defjvps(None, lambda xd, ans, n, x: xd)


# ---- custom_vjp -----------------------------------------------------------------------------

def _clip_grad(L, m):
    @functools.partial(L.custom_vjp, nondiff_argnums=(0,))
    def clip_gradient(lo, x):
        return x

    clip_gradient.defvjp(lambda lo, x: (x, None), lambda lo, res, g: (m.clip(g, -lo, lo),))
    return clip_gradient


def test_custom_vjp_nondiff_argnums_matches_jax():
    x = np.array([0.5, 1.0, -2.0], np.float32)
    for run in [lambda f, L, m: L.grad(lambda x: m.sum(5.0 * f(2.0, x) * x))(x),
                lambda f, L, m: L.jit(L.grad(lambda x: m.sum(5.0 * f(2.0, x))))(x),
                lambda f, L, m: L.vmap(L.grad(lambda x: 5.0 * f(2.0, x)))(x),
                lambda f, L, m: L.vmap(lambda x: f(2.0, x))(x)]:
        _same(*_both(_clip_grad, run))


def _int_arg(L, m):
    @L.custom_vjp
    def scale(x, n):
        return x * n

    scale.defvjp(lambda x, n: (x * n, n), lambda n, g: (g * n * 2.0, None))
    return scale


def test_none_cotangent_for_an_integer_input_matches_jax():
    x = np.array([1.0, 2.0], np.float32)
    _same(*_both(_int_arg, lambda f, L, m: L.grad(lambda x: m.sum(f(x, 3)))(x)))
    _same(*_both(_int_arg, lambda f, L, m: L.jit(L.grad(lambda x: m.sum(f(x, 3))))(x)))


def _tree_vjp(L, m):
    @L.custom_vjp
    def f(d, t):
        return {"a": d["x"] * d["y"] * t[0], "b": (d["x"] + t[1],)}

    def fwd(d, t):
        return f(d, t), (d, t)

    def bwd(res, g):
        d, t = res
        return ({"x": g["a"] * d["y"] * t[0] + g["b"][0], "y": None},
                (m.sum(g["a"] * d["x"] * d["y"]), g["b"][0].sum() * 7.0))
    f.defvjp(fwd, bwd)
    return f


def test_custom_vjp_pytree_inputs_and_outputs_match_jax():
    d = {"x": np.array([1.0, 2.0], np.float32), "y": np.array([3.0, 4.0], np.float32)}
    t = (np.float32(0.5), np.float32(2.0))
    loss = lambda f, m: lambda d, t: m.sum(f(d, t)["a"]) + m.sum(f(d, t)["b"][0] ** 2)  # noqa
    _same(*_both(_tree_vjp, lambda f, L, m: L.grad(loss(f, m), argnums=(0, 1))(d, t)))
    _same(*_both(_tree_vjp, lambda f, L, m: L.jit(L.grad(loss(f, m), argnums=(0, 1)))(d, t)))


def _symbolic(L, m):
    cd = fg.custom_derivatives if L is fg else jcd
    seen = []

    @L.custom_vjp
    def f(x, y):
        return x * y

    def fwd(x, y):
        assert isinstance(x, cd.CustomVJPPrimal) and isinstance(y, cd.CustomVJPPrimal)
        seen.append((bool(x.perturbed), bool(y.perturbed)))
        return x.value * y.value, (x.value, y.value, y.perturbed)

    def bwd(res, g):
        x, y, y_perturbed = res
        return g * y, (g * x if y_perturbed else cd.SymbolicZero.from_primal(y)
                       if hasattr(cd.SymbolicZero, "from_primal") else None)
    f.defvjp(fwd, bwd, symbolic_zeros=True)
    f.seen = seen
    return f


def test_custom_vjp_symbolic_zeros_match_jax():
    x, y = np.float32(2.0), np.float32(3.0)
    ours, theirs = _both(_symbolic, lambda f, L, m: (L.grad(f)(x, y), f.seen))
    _same(ours[0], theirs[0])
    assert ours[1] == theirs[1] == [(True, False)]
    ours, theirs = _both(_symbolic, lambda f, L, m: L.grad(f, argnums=(0, 1))(x, y))
    _same(ours, theirs)
    assert isinstance(CustomVJPPrimal(1.0, True).value, float)


def test_custom_vjp_optimize_remat_is_accepted():
    for L, m, _ in LIBS:
        f = L.custom_vjp(lambda x: m.sin(x))
        f.defvjp(lambda x: (m.sin(x), m.cos(x)), lambda c, g: (g * c,), optimize_remat=True)
        np.testing.assert_allclose(np.asarray(L.grad(f)(0.5)), np.cos(0.5), rtol=1e-6)


BAD_BWD = [  # (id, fwd, bwd, args, JAX's class, a fragment of funcgrad's message)
    ("too few cotangents", lambda x, y: (x * y, (x, y)), lambda r, g: (g * r[1],), (1.0, 2.0),
     TypeError, r"arguments' PyTree\w*\(\(\*, \*\)\)"),
    ("not a tuple", lambda x: (x, None), lambda r, g: g, (1.0,), TypeError, "must return a tuple"),
    ("wrong dict keys", lambda d: (d["x"], None), lambda r, g: ({"x": g, "z": g},),
     ({"x": 1.0, "y": 2.0},), TypeError, r"structure PyTree\w*\(\{'x': \*, 'y': \*\}\)"),
    ("wrong shape", lambda x: (x, None), lambda r, g: (np.ones(3, np.float32),), (1.0,),
     ValueError, "shapes do not match"),
]


@pytest.mark.parametrize("name,fwd,bwd,args,cls,fragment", BAD_BWD, ids=[b[0] for b in BAD_BWD])
def test_bad_bwd_output_raises_jax_class(name, fwd, bwd, args, cls, fragment):
    for L, m, lib in LIBS:
        f = L.custom_vjp(lambda *a: fwd(*a)[0])
        f.defvjp(fwd, bwd)
        loss = (lambda d: f(d)) if isinstance(args[0], dict) else f
        with pytest.raises(cls, match=fragment if lib == "fg" else None):
            L.grad(loss)(*args)
