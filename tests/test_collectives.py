"""Named-axis collectives (funcgrad.lax.psum, all_gather, ppermute, ...) against JAX's vmap with
the same axis_name: values, shapes and dtypes over a table of collectives x axis sizes (0, 1, 3)
x dtypes; derivatives (grad, jvp, vjp); jit against eager; nested and tuple names; scan, while,
cond and fori bodies; errors. Then the process-axis path (funcgrad/_core/axes.py): a fake axis
of one member and one whose members are threads meeting at a barrier, each compared with
funcgrad's (and so JAX's) vmap over the stacked inputs.

The table's functions take the lax module as `L` (funcgrad.lax or jax.lax: the same names and
signatures), so one function serves both libraries.
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax
from funcgrad._core.axes import process_axis, register_process_axis, unregister_process_axis


@functools.cache
def _jax():
    jax = pytest.importorskip("jax", reason="JAX is the oracle here: pip install -e '.[test]'")
    return jax


class _JaxOracle:
    """jax, with float64 on and each vmap jitted (one XLA compile per oracle call rather than
    one per operation: many times faster here, same values)."""

    def __init__(self, jax):
        self._jax = jax

    def __getattr__(self, name):
        return getattr(self._jax, name)

    def vmap(self, *args, **kwargs):
        return self._jax.jit(self._jax.vmap(*args, **kwargs))


@pytest.fixture
def jx():
    jax = _jax()
    with jax.enable_x64(True):
        yield _JaxOracle(jax)


# ---- the table ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class C:
    id: str
    fn: Callable[..., Any]            # fn(L, x, n, name): one member's computation
    shape: Callable[[int], tuple]     # one member's input shape, for an axis of n members
    dtypes: tuple = ("float32", "float64")
    sizes: tuple = (1, 3)             # the axis sizes JAX accepts for it
    diff: bool = True                 # compare derivatives with JAX's


def _shift(n):
    return [(j, (j + 1) % n) for j in range(n)]


TABLE = [
    C("psum", lambda L, x, n, a: L.psum(x, a), lambda n: (2, 3),
      ("float32", "float64", "int32", "int8"), (0, 1, 3)),
    C("psum-bool", lambda L, x, n, a: L.psum(x > 0, a), lambda n: (2, 3), ("float64",),
      diff=False),
    C("psum-pytree", lambda L, x, n, a: L.psum((x, {"b": 2 * x}), a), lambda n: (3,),
      diff=False),
    C("psum-unbatched", lambda L, x, n, a: x + L.psum(2.0, a), lambda n: (3,)),
    C("psum-one", lambda L, x, n, a: L.psum(1, a), lambda n: (), ("float64",), (0, 1, 3),
      diff=False),
    C("pmean", lambda L, x, n, a: L.pmean(x, a), lambda n: (2, 3)),
    C("pmax", lambda L, x, n, a: L.pmax(x, a), lambda n: (2, 3),
      ("float32", "float64", "int32"), diff=False),
    C("pmin", lambda L, x, n, a: L.pmin(x, a), lambda n: (4,),
      ("float32", "float64", "int32"), diff=False),
    C("all_gather", lambda L, x, n, a: L.all_gather(x, a), lambda n: (2, 3),
      ("float32", "float64", "int32"), (0, 1, 3)),
    C("all_gather-axis-last", lambda L, x, n, a: L.all_gather(x, a, axis=-1),
      lambda n: (2, 3)),
    C("all_gather-tiled", lambda L, x, n, a: L.all_gather(x, a, axis=1, tiled=True),
      lambda n: (2, 3), sizes=(0, 1, 3)),
    C("psum_scatter", lambda L, x, n, a: L.psum_scatter(x, a), lambda n: (n, 3),
      sizes=(0, 1, 3)),
    C("psum_scatter-tiled", lambda L, x, n, a: L.psum_scatter(x, a, scatter_dimension=1,
                                                            tiled=True), lambda n: (2, 2 * n)),
    C("all_to_all", lambda L, x, n, a: L.all_to_all(x, a, 0, 0), lambda n: (n, 3)),
    C("all_to_all-moved", lambda L, x, n, a: L.all_to_all(x, a, 1, 0), lambda n: (2, n, 3),
      diff=False),  # (JAX's own transpose fails for split_axis != concat_axis: dot test below)
    C("all_to_all-tiled", lambda L, x, n, a: L.all_to_all(x, a, 0, 1, tiled=True),
      lambda n: (2 * n, 3), diff=False),
    C("ppermute", lambda L, x, n, a: L.ppermute(x, a, _shift(n)), lambda n: (2, 3),
      ("float32", "float64", "int32")),
    C("pshuffle", lambda L, x, n, a: L.pshuffle(x, a, list(reversed(range(n)))),
      lambda n: (3,)),
    C("axis_index", lambda L, x, n, a: L.axis_index(a), lambda n: (), ("float64",), (0, 1, 3),
      diff=False),
    C("axis_index-arith", lambda L, x, n, a: x * L.axis_index(a) + L.pmean(x, a),
      lambda n: (3,), ("float64",)),
]
BY_ID = {c.id: c for c in TABLE}


def _data(shape, dtype, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randn(*shape) * 3
    return x.astype(dtype) if np.dtype(dtype).kind == "f" else np.round(x).astype(dtype)


def _leaves(tree_):
    return [np.asarray(v) for v in fg.tree.tree_leaves(tree_)]


def _jax_leaves(jax, tree_):
    return [np.asarray(v) for v in jax.tree_util.tree_leaves(tree_)]


def _assert_same(got, want, dtype="float64"):
    assert len(got) == len(want)
    rtol = 1e-5 if np.dtype(dtype) == np.float32 else 1e-10
    for g, w in zip(got, want):
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == w.dtype, (g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol)


def _both(jax, fn, xs, name="i"):
    """(funcgrad's vmap of fn over xs, JAX's), as lists of numpy leaves."""
    n = xs.shape[0]
    got = fg.vmap(lambda x: fn(lax, x, n, name), axis_name=name)(fnp.asarray(xs))
    want = jax.vmap(lambda x: fn(jax.lax, x, n, name), axis_name=name)(jax.numpy.asarray(xs))
    return _leaves(got), _jax_leaves(jax, want)


VALUE_CASES = [(c, n, d) for c in TABLE for n in c.sizes for d in c.dtypes]


@pytest.mark.parametrize("case,n,dtype", VALUE_CASES,
                         ids=[f"{c.id}-n{n}-{d}" for c, n, d in VALUE_CASES])
def test_values_shapes_dtypes_match_jax_vmap(jx, case, n, dtype):
    xs = _data((n,) + case.shape(n), dtype)
    got, want = _both(jx, case.fn, xs)
    _assert_same(got, want, dtype)


JIT_CASES = [(c, n) for c in TABLE for n in c.sizes if n]


@pytest.mark.parametrize("case,n", JIT_CASES, ids=[f"{c.id}-n{n}" for c, n in JIT_CASES])
def test_jit_matches_eager(case, n):
    xs = fnp.asarray(_data((n,) + case.shape(n), "float64"))
    f = functools.partial(case.fn, lax, n=n, a="i")
    eager = _leaves(fg.vmap(f, axis_name="i")(xs))
    outside = _leaves(fg.jit(fg.vmap(f, axis_name="i"))(xs))     # the vmap inside the jit
    inside = _leaves(fg.vmap(fg.jit(f), axis_name="i")(xs))      # the jit inside the vmap
    for a, b, c in zip(eager, outside, inside):
        np.testing.assert_allclose(a, b, rtol=1e-12)
        np.testing.assert_allclose(a, c, rtol=1e-12)
        assert a.dtype == b.dtype == c.dtype


# ---- derivatives --------------------------------------------------------------------------------

DIFF_CASES = [(c, n) for c in TABLE if c.diff for n in (1, 3)]


def _loss(L, np_, case, n, name="i"):
    # cubed, so that the cotangent differs per element and per member
    def loss(x):
        return (case.fn(L, np_.sin(x), n, name) ** 3).sum()
    return loss


@pytest.mark.parametrize("case,n", DIFF_CASES, ids=[f"{c.id}-n{n}" for c, n in DIFF_CASES])
def test_grad_matches_jax(jx, case, n):
    xs = _data((n,) + case.shape(n), "float64")
    got = fg.vmap(fg.grad(_loss(lax, fnp, case, n)), axis_name="i")(fnp.asarray(xs))
    want = jx.vmap(jx.grad(_loss(jx.lax, jx.numpy, case, n)), axis_name="i")(xs)
    _assert_same(_leaves(got), _jax_leaves(jx, want))


@pytest.mark.parametrize("case,n", DIFF_CASES, ids=[f"{c.id}-n{n}" for c, n in DIFF_CASES])
def test_jvp_and_vjp_match_jax(jx, case, n):
    xs = _data((n,) + case.shape(n), "float64")
    ts = _data(xs.shape, "float64", seed=1)

    def fwd(L):
        return lambda x: case.fn(L, x * x, n, "i")
    got = fg.vmap(lambda x, t: fg.jvp(fwd(lax), (x,), (t,)), axis_name="i")(
        fnp.asarray(xs), fnp.asarray(ts))
    want = jx.vmap(lambda x, t: jx.jvp(fwd(jx.lax), (x,), (t,)), axis_name="i")(xs, ts)
    _assert_same(_leaves(got), _jax_leaves(jx, want))
    out = _leaves(fg.vmap(fwd(lax), axis_name="i")(fnp.asarray(xs)))[0]
    cts = _data(out.shape, "float64", seed=2)

    def back(vjp, f):
        return lambda x, c: vjp(f, x)[1](c)
    got = fg.vmap(back(fg.vjp, fwd(lax)), axis_name="i")(fnp.asarray(xs), fnp.asarray(cts))
    want = jx.vmap(back(jx.vjp, fwd(jx.lax)), axis_name="i")(xs, cts)
    _assert_same(_leaves(got), _jax_leaves(jx, want))


@pytest.mark.parametrize("split,concat,tiled", [(1, 0, False), (0, 1, False), (2, 0, False),
                                                (0, 1, True), (1, 2, True)])
def test_all_to_all_transpose_is_its_adjoint(split, concat, tiled):
    """<u, A v> == <A^T u, v> over the whole axis (JAX's transpose fails for these)."""
    n = 3
    shape = [2, 2, 2]
    shape[split] = n * (2 if tiled else 1)
    v = fnp.asarray(_data((n, *shape), "float64"))

    def a(x):
        return lax.all_to_all(x, "i", split, concat, tiled=tiled)
    av = fg.vmap(a, axis_name="i")(v)
    u = fnp.asarray(_data(av.shape, "float64", seed=3))
    atu = fg.vmap(lambda x, c: fg.vjp(a, x)[1](c)[0], axis_name="i")(v, u)
    np.testing.assert_allclose(float((u * av).sum()), float((atu * v).sum()), rtol=1e-12)


@pytest.mark.parametrize("reduce", ["pmax", "pmin"])
def test_pmax_pmin_derivatives_share_ties_as_max_over_all_gather(jx, reduce):
    """JAX has no derivative rule for pmax/pmin; funcgrad's equals JAX's derivative of the same
    value written as max over all_gather (the members holding the extremum share it evenly)."""
    xs = np.array([[1.0, 5.0, 2.0], [3.0, 5.0, -1.0], [3.0, 0.5, -1.0]])
    jmax = {"pmax": jx.numpy.max, "pmin": jx.numpy.min}[reduce]
    fgf = getattr(lax, reduce)

    def jloss(x):
        return (jx.numpy.sin(jmax(jx.lax.all_gather(x, "i"), axis=0)) * x).sum()
    want = jx.vmap(jx.grad(jloss), axis_name="i")(xs)
    got = fg.vmap(fg.grad(lambda x: (fnp.sin(fgf(x, "i")) * x).sum()), axis_name="i")(
        fnp.asarray(xs))
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12)
    t = np.ones_like(xs)
    want_t = jx.vmap(lambda x, t: jx.jvp(lambda x: jmax(jx.lax.all_gather(x, "i"), axis=0),
                                         (x,), (t * x,))[1], axis_name="i")(xs, t)
    got_t = fg.vmap(lambda x, t: fg.jvp(lambda x: fgf(x, "i"), (x,), (t * x,))[1],
                    axis_name="i")(fnp.asarray(xs), fnp.asarray(t))
    np.testing.assert_allclose(np.asarray(got_t), np.asarray(want_t), rtol=1e-12)


def test_data_parallel_gradient_is_the_full_batch_gradient(jx):
    """pmean of per-shard gradients (psum's transpose is psum) = the full-batch gradient."""
    rng = np.random.RandomState(0)
    xb, yb, w = rng.randn(4, 5, 3), rng.randn(4, 5), rng.randn(3)

    def loss(w, x, y):
        return ((x @ w - y) ** 2).mean()
    per_shard = fg.vmap(lambda x, y: lax.pmean(fg.grad(loss)(fnp.asarray(w), x, y), "i"),
                        axis_name="i")(fnp.asarray(xb), fnp.asarray(yb))
    full = fg.grad(loss)(fnp.asarray(w), fnp.asarray(xb.reshape(20, 3)), fnp.asarray(yb.ravel()))
    for row in np.asarray(per_shard):
        np.testing.assert_allclose(row, np.asarray(full), rtol=1e-12)
    # a loss that psums inside, differentiated under the vmap: JAX's convention
    want = jx.vmap(lambda x, y: jx.grad(lambda w: jx.lax.psum(loss(w, x, y), "i"))(w),
                   axis_name="i")(xb, yb)
    got = fg.vmap(lambda x, y: fg.grad(lambda w: lax.psum(loss(w, x, y), "i"))(fnp.asarray(w)),
                  axis_name="i")(fnp.asarray(xb), fnp.asarray(yb))
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12)


def test_higher_order_and_jacobians_match_jax(jx):
    xs = _data((3, 2), "float64")

    def f(L, np_):
        return lambda x: L.psum(np_.sin(x) * x, "i")
    for fgt, jt in ((fg.jacfwd, jx.jacfwd), (fg.jacrev, jx.jacrev)):
        got = fg.vmap(fgt(f(lax, fnp)), axis_name="i")(fnp.asarray(xs))
        want = jx.vmap(jt(f(jx.lax, jx.numpy)), axis_name="i")(xs)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12)
    # second order: the hessian is the jacobian of JAX's gradient
    got = fg.vmap(fg.hessian(lambda x: f(lax, fnp)(x).sum()), axis_name="i")(fnp.asarray(xs))
    want = jx.vmap(jx.jacfwd(jx.grad(lambda x: f(jx.lax, jx.numpy)(x).sum())),
                   axis_name="i")(xs)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12)


# ---- names: nested, shadowed, tuples, other vmaps -----------------------------------------------

def test_nested_vmaps_with_different_names(jx):
    zs = _data((2, 3, 4), "float64")

    def f(L):
        return lambda x: (L.psum(x, "i") + 10 * L.axis_index("j") + L.pmax(x, "j")
                          + L.all_gather(x, "i").sum(0) * L.axis_index("i"))
    got = fg.vmap(fg.vmap(f(lax), axis_name="j"), axis_name="i")(fnp.asarray(zs))
    want = jx.vmap(jx.vmap(f(jx.lax), axis_name="j"), axis_name="i")(zs)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12)


def test_the_innermost_vmap_of_a_name_binds_it():
    zs = fnp.asarray(_data((2, 3), "float64"))
    got = fg.vmap(fg.vmap(lambda x: lax.psum(x, "i"), axis_name="i"), axis_name="i")(zs)
    np.testing.assert_allclose(np.asarray(got), np.repeat(np.asarray(zs).sum(1, keepdims=True),
                                                          3, 1))


def test_an_unnamed_vmap_inside_passes_through(jx):
    xs = _data((3, 3, 2), "float64")

    def f(L, vmap):
        return lambda x: vmap(lambda r: L.psum(r, "i") + L.all_gather(r, "i").sum(0)
                              + L.psum_scatter(r, "i", tiled=True)
                              + L.all_to_all(r, "i", 0, 0, tiled=True)[:1]
                              + L.ppermute(r, "i", [(0, 2), (2, 1), (1, 0)])[:1],
                              in_axes=1)(x)
    got = fg.vmap(f(lax, fg.vmap), axis_name="i")(fnp.asarray(xs))
    want = jx.vmap(f(jx.lax, jx.vmap), axis_name="i")(xs)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12)


def test_tuple_names_reduce_and_index_as_jax(jx):
    zs = _data((2, 3, 4), "float64")

    def f(L):
        return lambda x: (L.psum(x, ("i", "j")), L.pmean(x, ("j", "i")),
                          L.pmax(x, ("i", "j")), L.axis_index(("i", "j")),
                          L.psum(1, ("i", "j")))
    got = fg.vmap(fg.vmap(f(lax), axis_name="j"), axis_name="i")(fnp.asarray(zs))
    want = jx.vmap(jx.vmap(f(jx.lax), axis_name="j"), axis_name="i")(zs)
    _assert_same(_leaves(got), _jax_leaves(jx, want))
    assert fg.vmap(fg.vmap(lambda x: x * lax.axis_size(("i", "j")), axis_name="j"),
                   axis_name="i")(fnp.ones((2, 3)))[0, 0] == 6


TUPLE_CASES = ["all_gather", "all_gather-tiled", "psum_scatter", "psum_scatter-tiled",
               "all_to_all", "all_to_all-moved", "all_to_all-tiled", "ppermute", "pshuffle"]


@pytest.mark.parametrize("cid", TUPLE_CASES)
def test_tuple_names_act_as_one_row_major_axis(jx, cid):
    """A collective over ("i", "j") acts on one axis of ni * nj members, member (a, b) at
    a * nj + b: JAX's vmap over the stacked members with one name (JAX's vmap itself rejects
    these collectives over tuples of names)."""
    case, ni, nj = BY_ID[cid], 2, 3
    n = ni * nj
    xs = _data((n,) + case.shape(n), "float64")
    got = fg.vmap(fg.vmap(lambda x: case.fn(lax, x, n, ("i", "j")), axis_name="j"),
                  axis_name="i")(fnp.asarray(xs.reshape((ni, nj) + xs.shape[1:])))
    want = jx.vmap(lambda x: case.fn(jx.lax, x, n, "k"), axis_name="k")(xs)
    got, want = np.asarray(got), np.asarray(want)
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-12)
    # and derivatives: the same as over the one axis
    if case.diff:
        gl = fg.vmap(fg.vmap(fg.grad(lambda x: (case.fn(lax, fnp.sin(x), n, ("i", "j"))
                                               ** 3).sum()), axis_name="j"),
                     axis_name="i")(fnp.asarray(xs.reshape((ni, nj) + xs.shape[1:])))
        wl = jx.vmap(jx.grad(_loss(jx.lax, jx.numpy, case, n)), axis_name="i")(xs)
        np.testing.assert_allclose(np.asarray(gl).reshape(xs.shape), np.asarray(wl),
                                   rtol=1e-10)


def test_partial_permutation_gives_zeros_to_members_receiving_nothing():
    xs = fnp.asarray(_data((4, 2), "float64"))
    got = np.asarray(fg.vmap(lambda x: lax.ppermute(x, "i", [(0, 2), (3, 0)]),
                             axis_name="i")(xs))
    x = np.asarray(xs)
    np.testing.assert_array_equal(got, np.stack([x[3], 0 * x[0], x[0], 0 * x[0]]))
    g = fg.vmap(fg.grad(lambda x: (lax.ppermute(x, "i", [(0, 2), (3, 0)]) * 2).sum()),
                axis_name="i")(xs)
    np.testing.assert_array_equal(np.asarray(g), [[2, 2], [0, 0], [0, 0], [2, 2]])


# ---- control flow -------------------------------------------------------------------------------

def _scan(L):
    def f(x):
        def body(c, xi):
            return c + L.psum(xi * c, "i"), L.pmean(c * xi, "i") + L.axis_index("i")
        return L.scan(body, x[0], x)
    return f


def _while(L):
    return lambda x: L.while_loop(lambda c: c[0] < x[0, 0] + 3,
                                  lambda c: (c[0] + 1, c[1] + L.pmean(c[1], "i")),
                                  (0.0, x))[1]


def _cond(L):
    return lambda x: L.cond(x[0, 0] > 0, lambda x: L.psum(x, "i"),
                            lambda x: x * L.axis_index("i") + L.all_gather(x, "i")[0], x)


def _fori(L):
    return lambda x: L.fori_loop(0, 3, lambda k, c: c + L.psum(c, "i") * k, x)


@pytest.mark.parametrize("make", [_scan, _while, _cond, _fori], ids=lambda f: f.__name__)
def test_inside_control_flow_bodies(jx, make):
    xs = _data((3, 2, 2), "float64")
    got = fg.vmap(make(lax), axis_name="i")(fnp.asarray(xs))
    want = jx.vmap(make(jx.lax), axis_name="i")(xs)
    _assert_same(_leaves(got), _jax_leaves(jx, want))
    jitted = fg.jit(fg.vmap(make(lax), axis_name="i"))(fnp.asarray(xs))
    _assert_same(_leaves(jitted), _jax_leaves(jx, want))


def test_grad_through_scan_and_jit(jx):
    xs = _data((3, 2, 2), "float64")

    def loss(L, np_, jit):
        return lambda x: (jit(lambda x: _scan(L)(x)[1])(x) ** 2).sum() + np_.sin(x).sum()
    want = jx.vmap(jx.grad(loss(jx.lax, jx.numpy, jx.jit)), axis_name="i")(xs)
    got = fg.vmap(fg.grad(loss(lax, fnp, fg.jit)), axis_name="i")(fnp.asarray(xs))
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12)
    got = fg.jit(fg.vmap(fg.grad(loss(lax, fnp, fg.jit)), axis_name="i"))(fnp.asarray(xs))
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12)


def test_a_jitted_function_with_concrete_arguments_inside_a_named_vmap():
    f = fg.jit(lambda y: y + lax.psum(1.0, "i") + lax.axis_index("i"))
    got = fg.vmap(lambda x: f(2.0) + 0 * x, axis_name="i")(fnp.zeros(3))
    np.testing.assert_array_equal(np.asarray(got), [5.0, 6.0, 7.0])
    got = fg.vmap(lambda x: f(2.0) + 0 * x, axis_name="i")(fnp.zeros(2))  # not a stale trace
    np.testing.assert_array_equal(np.asarray(got), [4.0, 5.0])
    with pytest.raises(NameError, match="unbound axis name: i"):
        f(2.0)


# ---- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda x: lax.psum(x, "nope"), lambda x: lax.pmean(x, "nope"),
    lambda x: lax.pmax(x, "nope"), lambda x: lax.all_gather(x, "nope"),
    lambda x: lax.psum_scatter(x, "nope"), lambda x: lax.all_to_all(x, "nope", 0, 0),
    lambda x: lax.ppermute(x, "nope", [(0, 0)]), lambda x: lax.axis_index("nope"),
    lambda x: lax.axis_size("nope"), lambda x: lax.psum(x, ("nope", "i"))])
def test_an_unbound_name_is_a_name_error(call):
    x = fnp.ones(3)
    with pytest.raises(NameError, match="unbound axis name: nope"):
        call(x)
    with pytest.raises(NameError, match="unbound axis name: nope"):
        fg.jit(call)(x)
    with pytest.raises(NameError, match="unbound axis name: nope.*bound here: \\['i'\\]"):
        fg.vmap(call, axis_name="i")(fnp.ones((3, 3)))


def test_jax_raises_name_error_too(jx):
    with pytest.raises(NameError):
        jx.vmap(lambda x: jx.lax.psum(x, "nope"), axis_name="i")(np.ones((3, 3)))


def test_a_process_collective_is_one_equation_in_the_jaxpr(registered):
    registered("p", SoloAxis())
    jaxpr = fg.make_jaxpr(lambda x, y: lax.psum((x, y), "p"))(fnp.ones(3), fnp.ones(2))
    eqns = jaxpr.jaxpr.eqns
    assert [e.prim.name for e in eqns] == ["psum"]
    assert eqns[0].params == {"axis_name": "p", "axis_size": 1, "vmapped": False}
    # under a vmap that binds the name, the collective is consumed: no equation is left
    jaxpr = fg.make_jaxpr(fg.vmap(lambda x: lax.psum(x, "p"), axis_name="p"))(fnp.ones(3))
    assert "psum" not in str(jaxpr)


@pytest.mark.parametrize("call,err,match", [
    (lambda x: lax.ppermute(x, "i", [(0, 1), (0, 2)]), ValueError, "duplicate sources"),
    (lambda x: lax.ppermute(x, "i", [(0, 1), (2, 1)]), ValueError, "duplicate destinations"),
    (lambda x: lax.ppermute(x, "i", [(0, 3)]), ValueError, "perm pair \\(0, 3\\) is out of"),
    (lambda x: lax.ppermute(x, "i", [0, 1]), ValueError, "perm must be a sequence of"),
    (lambda x: lax.pshuffle(x, "i", [1, 1, 0]), ValueError, "does not represent a permutation"),
    (lambda x: lax.pshuffle(x, "i", [1, 0]), ValueError, "`perm` has 2 entries"),
    (lambda x: lax.all_gather(x, "i", axis=3), ValueError, "axis=3 is out of bounds"),
    (lambda x: lax.all_gather(x, "i", axis=2, tiled=True), ValueError, "axis=2 is out of"),
    (lambda x: lax.psum_scatter(x, "i"), ValueError,
     "scatter_dimension=0 has size 2 .* with tiled=False it must be equal to 3"),
    (lambda x: lax.psum_scatter(x, "i", scatter_dimension=1, tiled=True), ValueError,
     "scatter_dimension=1 has size 4 .* a multiple of 3"),
    (lambda x: lax.psum_scatter(x, "i", scatter_dimension=-3), ValueError,
     "scatter_dimension=-3 is out of bounds"),
    (lambda x: lax.all_to_all(x, "i", 0, 0), ValueError, "split_axis=0 has size 2"),
    (lambda x: lax.all_to_all(x, "i", 1, 2), ValueError, "concat_axis=2 is out of bounds"),
    (lambda x: lax.all_to_all(x, "i", 1, 0, tiled=True), ValueError, "a multiple of 3"),
])
def test_bad_arguments_raise_errors_naming_them(call, err, match):
    xs = fnp.ones((3, 2, 4))
    with pytest.raises(err, match=match):
        fg.vmap(call, axis_name="i")(xs)
    with pytest.raises(err, match=match):
        fg.jit(fg.vmap(call, axis_name="i"))(xs)


def test_vmap_axis_name_must_be_hashable():
    with pytest.raises(TypeError, match="axis_name must be hashable"):
        fg.vmap(lambda x: x, axis_name=["i"])


# ---- the process-axis path ----------------------------------------------------------------------

_OPS = {"sum": np.add, "max": np.maximum, "min": np.minimum}


class SoloAxis:
    """A process axis of one member: what one process sees."""
    size, index = 1, 0

    def __init__(self):
        self.calls = []

    def allreduce(self, xs, op):
        self.calls.append(("allreduce", len(xs), op))
        return [np.array(x) for x in xs]

    def allgather(self, x):
        self.calls.append(("allgather",))
        return np.asarray(x)[None].copy()

    def reduce_scatter(self, x, op):
        self.calls.append(("reduce_scatter", op))
        assert x.shape[0] == 1
        return np.array(x[0])

    def alltoall(self, x):
        self.calls.append(("alltoall",))
        return np.array(x)

    def permute(self, x, perm):
        self.calls.append(("permute", tuple(perm)))
        return np.array(x) if (0, 0) in perm else np.zeros_like(x)


class ThreadAxis:
    """A process axis whose members are threads (thread k is member k), exchanging through
    shared slots between two barrier waits."""

    def __init__(self, size):
        self.size = size
        self._local = threading.local()
        self._slots: list = [None] * size
        self.barrier = threading.Barrier(size, timeout=30)
        self.calls: list = []

    @property
    def index(self):
        return getattr(self._local, "index", 0)

    def _exchange(self, x):
        self._slots[self.index] = x
        self.barrier.wait()
        got = list(self._slots)
        self.barrier.wait()
        return got

    def allreduce(self, xs, op):
        if self.index == 0:
            self.calls.append(("allreduce", len(xs), op))
        got = self._exchange([np.array(x) for x in xs])
        return [functools.reduce(_OPS[op], [g[k] for g in got]).astype(np.asarray(x).dtype)
                for k, x in enumerate(xs)]

    def allgather(self, x):
        return np.stack(self._exchange(np.array(x)))

    def reduce_scatter(self, x, op):
        return self.allreduce([x], op)[0][self.index]

    def alltoall(self, x):
        return np.stack([g[self.index] for g in self._exchange(np.array(x))])

    def permute(self, x, perm):
        got = self._exchange(np.array(x))
        src = {t: s for s, t in perm}
        return got[src[self.index]].copy() if self.index in src else np.zeros_like(x)


def run_members(axis, fn, shards):
    """fn(shards[k]) on member k (a thread) of a ThreadAxis; the results in member order."""
    out: list = [None] * axis.size
    errors: list = []

    def work(k):
        axis._local.index = k
        try:
            out[k] = fn(shards[k])
        except BaseException as e:  # noqa: BLE001 - re-raised below, in the test's thread
            errors.append(e)
            axis.barrier.abort()
    threads = [threading.Thread(target=work, args=(k,)) for k in range(axis.size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return out


@pytest.fixture
def registered():
    """register(name, axis) for the test; every name is unregistered afterwards."""
    names = []

    def register(name, axis):
        names.append(name)
        register_process_axis(name, axis)
        return axis
    yield register
    for n in names:
        unregister_process_axis(n)


PROCESS_MODES = [(c, m) for c in TABLE if c.id != "psum-bool"
                 for m in ("eager", "jit") + (("grad",) if c.diff else ())]
PROCESS_IDS = [f"{c.id}-{m}" for c, m in PROCESS_MODES]


def _on_members(axis, case, xs, mode):
    n = axis.size

    def member(x):
        f = functools.partial(case.fn, lax, n=n, a="p")
        if mode == "jit":
            f = fg.jit(f)  # one per member, as each process has its own
        elif mode == "grad":
            f = fg.grad(_loss(lax, fnp, case, n, "p"))
        return _leaves(f(fnp.asarray(x)))
    return run_members(axis, member, list(xs))


def _stacked(case, xs, mode):
    """What vmap computes over the stacked members (the process axis's oracle)."""
    n = xs.shape[0]
    f = (fg.grad(_loss(lax, fnp, case, n, "p")) if mode == "grad"
         else functools.partial(case.fn, lax, n=n, a="p"))
    return _leaves(fg.vmap(f, axis_name="p")(fnp.asarray(xs)))


@pytest.mark.parametrize("case,mode", PROCESS_MODES, ids=PROCESS_IDS)
def test_a_thread_process_axis_computes_what_vmap_computes(registered, case, mode):
    axis = registered("p", ThreadAxis(3))
    xs = _data((3,) + case.shape(3), "float64")
    got = _on_members(axis, case, xs, mode)
    want = _stacked(case, xs, mode)
    for j, w in enumerate(want):
        for k in range(3):
            np.testing.assert_allclose(got[k][j], w[k], rtol=1e-12)
            assert got[k][j].dtype == w.dtype


@pytest.mark.parametrize("case,mode", PROCESS_MODES, ids=PROCESS_IDS)
def test_a_one_member_process_axis_computes_what_vmap_computes(registered, case, mode):
    axis = registered("p", SoloAxis())
    xs = _data((1,) + case.shape(1), "float64")
    f = functools.partial(case.fn, lax, n=1, a="p")
    if mode == "jit":
        f = fg.jit(f)
    elif mode == "grad":
        f = fg.grad(_loss(lax, fnp, case, 1, "p"))
    got = _leaves(f(fnp.asarray(xs[0])))
    want = _stacked(case, xs, mode)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w[0], rtol=1e-12)
        assert g.dtype == w.dtype
    if case.id not in ("axis_index", "psum-one"):
        assert axis.calls, "the process axis was not called"


def test_a_pytree_is_one_allreduce(registered):
    axis = registered("p", SoloAxis())
    tree_ = {"a": fnp.ones(3), "b": [fnp.zeros((2, 2)), fnp.arange(4)]}
    lax.psum(tree_, "p")
    fg.jit(lambda t: lax.pmean(t, "p"))(tree_)
    assert axis.calls == [("allreduce", 3, "sum")] * 2


def test_process_and_vmap_names_mix_in_a_tuple(registered):
    """Member k of a process axis 'p' running vmap over 'i' computes what nested vmaps over
    ('p', 'i') compute."""
    axis = registered("p", ThreadAxis(2))
    zs = _data((2, 3, 4), "float64")

    def f(x):
        return (lax.psum(x, ("p", "i")) + lax.axis_index(("p", "i"))
                + lax.all_gather(x, ("p", "i")).sum(0) + lax.pmax(x, "p"))
    got = run_members(axis, lambda z: np.asarray(fg.vmap(f, axis_name="i")(fnp.asarray(z))),
                      list(zs))
    want = np.asarray(fg.vmap(fg.vmap(f, axis_name="i"), axis_name="p")(fnp.asarray(zs)))
    np.testing.assert_allclose(np.stack(got), want, rtol=1e-12)


def test_data_parallel_training_step_on_thread_members(registered):
    """The data-parallel step of docs/jax.md: a jitted, differentiated step whose gradients
    are pmean-ed over the process axis ends where full-batch gradient descent ends."""
    axis = registered("p", ThreadAxis(2))
    rng = np.random.RandomState(0)
    xb, yb, w0 = rng.randn(2, 4, 3), rng.randn(2, 4), rng.randn(3)

    def loss(w, x, y):
        return ((x @ w - y) ** 2).mean()

    def train(shard):
        x, y = fnp.asarray(shard[0]), fnp.asarray(shard[1])
        step = fg.jit(lambda w: w - 0.1 * lax.pmean(fg.grad(loss)(w, x, y), "p"))
        w = fnp.asarray(w0)
        for _ in range(3):
            w = step(w)
        return np.asarray(w)
    got = run_members(axis, train, list(zip(xb, yb)))
    w = fnp.asarray(w0)
    for _ in range(3):
        w = w - 0.1 * fg.grad(loss)(w, fnp.asarray(xb.reshape(8, 3)), fnp.asarray(yb.ravel()))
    for g in got:
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-12)


def test_an_unbatched_collective_under_an_unnamed_vmap_calls_the_process_axis(registered):
    axis = registered("p", ThreadAxis(2))
    zs = _data((2, 3, 2), "float64")
    got = run_members(axis, lambda z: np.asarray(fg.vmap(
        lambda r: lax.all_gather(r, "p", axis=1) + lax.psum(r, "p")[:, None])(fnp.asarray(z))),
        list(zs))
    want = fg.vmap(fg.vmap(lambda r: lax.all_gather(r, "p", axis=1) + lax.psum(r, "p")[:, None],
                           axis_name=None), axis_name="p")(fnp.asarray(zs))
    np.testing.assert_allclose(np.stack(got), np.asarray(want), rtol=1e-12)


def test_the_registry():
    class Incomplete:
        size, index = 2, 0
    with pytest.raises(TypeError, match="lacks"):
        register_process_axis("p", Incomplete())  # type: ignore[arg-type]
    bad = SoloAxis()
    bad.index = 3
    with pytest.raises(ValueError, match="axis.index=3"):
        register_process_axis("p", bad)
    assert process_axis("p") is None
    solo = SoloAxis()
    register_process_axis("p", solo)
    try:
        assert process_axis("p") is solo
        assert lax.axis_size("p") == 1
        # a vmap binding the same name shadows the process axis
        got = fg.vmap(lambda x: lax.psum(x, "p"), axis_name="p")(fnp.ones(3))
        np.testing.assert_array_equal(np.asarray(got), [3.0, 3.0, 3.0])
        assert solo.calls == []
    finally:
        unregister_process_axis("p")
    assert process_axis("p") is None


@pytest.mark.parametrize("call", [
    lambda x: lax.psum((x, 2 * x), "p")[1], lambda x: lax.pmax(x, "p"),
    lambda x: lax.all_gather(x, "p", axis=1), lambda x: lax.psum_scatter(x[:1], "p"),
    lambda x: lax.all_to_all(x[:1], "p", 0, 1), lambda x: lax.ppermute(x, "p", [(0, 0)])])
def test_a_process_axis_takes_and_gives_gpu_arrays(gpu, registered, call):
    """The process axis works on host numpy arrays: a GPU operand goes there and back, and the
    result stays on the GPU (eagerly and under jit)."""
    registered("p", SoloAxis())
    host = fnp.arange(6.0).reshape(2, 3)
    want = np.asarray(call(host))
    x = fg.device_put(host, gpu)
    for f in (call, fg.jit(call)):
        out = f(x)
        assert out.device == gpu
        np.testing.assert_array_equal(np.asarray(fg.device_get(out)), want)
