"""Derivative checks against central finite differences in float64, and between the transforms.

Every check takes a function `f(*args)` of fg.Arrays that returns an array or a pytree of arrays,
the arguments as float64 numpy arrays, and a numpy Generator (seeded by the caller from
hypothesis data or a fixed seed) for the random tangents and cotangents.

- check_jvp:          fg.jvp(f) == the finite-difference directional derivative
- check_vjp:          fg.vjp(f) with a random cotangent == u^T J from finite differences
- check_transpose:    <u, J v> (from fg.jvp) == <J^T u, v> (from fg.vjp), to rounding
- check_second_order: forward-over-reverse, reverse-over-reverse and reverse-over-forward
                      derivatives == finite differences of the first derivative
"""
from __future__ import annotations

import numpy as np

import funcgrad as fg

EPS = 1e-6          # central differences in float64: truncation ~eps^2, rounding ~1e-16/eps
RTOL = 1e-5
ATOL = 1e-6


# ---- plumbing ---------------------------------------------------------------------------------

def as_float64(args):
    out = []
    for a in args:
        a = np.asarray(a)
        if a.dtype.kind != "f":
            raise TypeError(f"finite differences need float arguments, got {a.dtype}")
        out.append(a.astype(np.float64))
    return out


def _wrap(args):
    return [fg.Array(a) for a in args]


def leaves(tree):
    return [np.asarray(x) for x in fg.tree.tree_leaves(tree)]


def _leaves64(tree):
    return [np.asarray(x, dtype=np.float64) for x in fg.tree.tree_leaves(tree)]


def evaluate(f, args):
    """f at numpy arguments, as a list of float64 output leaves."""
    return _leaves64(f(*_wrap(args)))


def random_like(rng, tree):
    """A random float64 pytree shaped like `tree` (standard normal entries)."""
    return fg.tree.tree_map(lambda x: rng.standard_normal(np.shape(x)), tree)


def random_args(rng, args):
    return [rng.standard_normal(a.shape) for a in args]


def _vdot(xs, ys):
    return float(sum(np.sum(np.asarray(x, np.float64) * np.asarray(y, np.float64))
                     for x, y in zip(xs, ys)))


def _assert_close(actual, expected, what, rtol=RTOL, atol=ATOL):
    assert len(actual) == len(expected), f"{what}: {len(actual)} leaves vs {len(expected)}"
    for k, (a, e) in enumerate(zip(actual, expected)):
        a, e = np.asarray(a), np.asarray(e)
        assert a.shape == e.shape, f"{what} (leaf {k}): shape {a.shape} != {e.shape}"
        np.testing.assert_allclose(a.astype(np.float64), e, rtol=rtol, atol=atol,
                                   err_msg=f"{what} (leaf {k})")


def _assert_matches_primals(tangents, primals, what):
    """A tangent (or cotangent) has its primal's shape and dtype."""
    for k, (t, p) in enumerate(zip(fg.tree.tree_leaves(tangents), fg.tree.tree_leaves(primals))):
        assert np.shape(t) == np.shape(p), f"{what} {k}: shape {np.shape(t)} != {np.shape(p)}"
        tdt, pdt = np.asarray(t).dtype, np.asarray(p).dtype
        assert tdt == pdt, f"{what} {k}: dtype {tdt} != primal dtype {pdt}"


# ---- finite differences -------------------------------------------------------------------------

def numerical_jvp(f, args, tangents, eps=EPS):
    """(f(x + eps v) - f(x - eps v)) / (2 eps), leafwise."""
    plus = evaluate(f, [a + eps * t for a, t in zip(args, tangents)])
    minus = evaluate(f, [a - eps * t for a, t in zip(args, tangents)])
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def numerical_vjp(f, args, cts, eps=EPS, max_full=32, directions=None, rng=None):
    """u^T J by finite differences: one column of J per input element when the inputs hold at
    most `max_full` elements; otherwise only its projections <u^T J, v> on random directions v
    (returned as (directions, projections))."""
    cts = _leaves64(cts)
    n = sum(a.size for a in args)
    if n <= max_full and directions is None:
        out = []
        for i, a in enumerate(args):
            g = np.zeros(a.shape)
            for j in range(a.size):
                e = [np.zeros(b.shape) for b in args]
                e[i].flat[j] = 1.0
                g.flat[j] = _vdot(cts, numerical_jvp(f, args, e, eps))
            out.append(g)
        return out, None
    if directions is None:
        directions = [random_args(rng, args) for _ in range(2)]
    return None, [(v, _vdot(cts, numerical_jvp(f, args, v, eps))) for v in directions]


# ---- the checks ---------------------------------------------------------------------------------

def check_jvp(f, args, rng, eps=EPS, rtol=RTOL, atol=ATOL):
    """fg.jvp's output equals f's and its tangent equals the finite-difference derivative."""
    args = as_float64(args)
    tangents = random_args(rng, args)
    out, tout = fg.jvp(f, tuple(_wrap(args)), tuple(_wrap(tangents)))
    _assert_close(leaves(out), evaluate(f, args), "jvp primal output", rtol=1e-12, atol=1e-12)
    _assert_matches_primals(tout, out, "jvp tangent")
    _assert_close(leaves(tout), numerical_jvp(f, args, tangents, eps), "jvp tangent vs FD",
                  rtol, atol)


def check_vjp(f, args, rng, eps=EPS, rtol=RTOL, atol=ATOL, max_full=32):
    """fg.vjp(f)(u) with a random cotangent u equals u^T J from finite differences."""
    args = as_float64(args)
    out, vjp_fn = fg.vjp(f, *_wrap(args))
    _assert_close(leaves(out), evaluate(f, args), "vjp primal output", rtol=1e-12, atol=1e-12)
    u = random_like(rng, out)
    cts = vjp_fn(fg.tree.tree_map(fg.Array, u))
    assert isinstance(cts, tuple) and len(cts) == len(args), cts
    _assert_matches_primals(cts, args, "vjp cotangent")
    full, projections = numerical_vjp(f, args, u, eps, max_full=max_full, rng=rng)
    if full is not None:
        _assert_close(leaves(cts), full, "vjp cotangent vs FD", rtol, atol)
    else:
        for v, fd in projections:
            got = _vdot(leaves(cts), v)
            scale = np.sqrt(sum(np.sum(np.square(c)) for c in leaves(cts)) *
                            sum(np.sum(np.square(d)) for d in v))
            assert abs(got - fd) <= rtol * abs(fd) + atol * (1 + scale), (
                f"<vjp(u), v> = {got} but finite differences give {fd}")


def check_transpose(f, args, rng, rtol=1e-9):
    """<u, J v> == <J^T u, v>: the jvp and the vjp are each other's transpose."""
    args = as_float64(args)
    v = random_args(rng, args)
    out, jv = fg.jvp(f, tuple(_wrap(args)), tuple(_wrap(v)))
    out2, vjp_fn = fg.vjp(f, *_wrap(args))
    u = random_like(rng, out)
    jtu = vjp_fn(fg.tree.tree_map(fg.Array, u))
    lhs = _vdot(_leaves64(u), leaves(jv))
    rhs = _vdot(leaves(jtu), v)
    # rounding scale: the sums of absolute products
    scale = (_vdot([np.abs(x) for x in _leaves64(u)], [np.abs(x) for x in leaves(jv)])
             + _vdot([np.abs(x) for x in leaves(jtu)], [np.abs(x) for x in v]))
    assert abs(lhs - rhs) <= rtol * scale + 1e-12, f"<u, Jv> = {lhs} but <J^T u, v> = {rhs}"


def check_second_order(f, args, rng, eps=EPS, rtol=RTOL, atol=ATOL, forward=True):
    """Derivatives of derivatives against finite differences of the first derivative:
    forward-over-reverse (jvp of x -> vjp(f, x)(u)), reverse-over-reverse (vjp of the same), and
    reverse-over-forward (vjp of x -> jvp(f, x, v)), plus grad of a scalarized grad.
    forward=False (f refuses forward mode): reverse-over-reverse only."""
    args = as_float64(args)
    out = f(*_wrap(args))
    u = fg.tree.tree_map(fg.Array, random_like(rng, out))
    v = random_args(rng, args)

    def vjp_of_f(*xs):
        return fg.vjp(f, *xs)[1](u)

    def jvp_of_f(*xs):
        return fg.jvp(f, xs, tuple(_wrap(v)))[1]

    if forward:
        check_jvp(vjp_of_f, args, rng, eps, rtol, atol)
    check_vjp(vjp_of_f, args, rng, eps, rtol, atol, max_full=0)
    if forward:
        check_vjp(jvp_of_f, args, rng, eps, rtol, atol, max_full=0)

    # grad of a scalarized grad, with respect to the first argument
    w = random_args(rng, args)

    def scalar(*xs):
        return sum(fg.numpy.sum(leaf * wl) for leaf, wl in
                   zip(fg.tree.tree_leaves(f(*xs)), fg.tree.tree_leaves(u)))

    def scalarized_grad(*xs):
        g = fg.grad(scalar, argnums=tuple(range(len(xs))))(*xs)
        return sum(fg.numpy.sum(gi * wi) for gi, wi in zip(g, _wrap(w)))

    if any(a.size for a in args):
        gg = fg.grad(scalarized_grad, argnums=tuple(range(len(args))))(*_wrap(args))
        _, projections = numerical_vjp(scalarized_grad, args, [np.float64(1.0)], eps,
                                       max_full=0, rng=rng)
        for d, fd in projections:
            got = _vdot(leaves(gg), d)
            assert abs(got - fd) <= rtol * abs(fd) + atol * (1 + abs(got)), (
                f"grad of the scalarized grad: <H w, d> = {got}, finite differences {fd}")
