"""jacrev, jacfwd, hessian, hvp and vhp.

Each function of the table is written once over a small namespace `m` (funcgrad.numpy or torch),
so the same mathematics runs in funcgrad and in the PyTorch oracle. The Jacobians must equal
central finite differences in float64, equal each other (jacfwd == jacrev), not depend on
chunk_size, and equal torch.func.jacrev / torch.func.jacfwd / torch.autograd.functional.hessian.
Their layout is JAX's: the output's tree outside, the input's inside (a tuple over argnums when
argnums is a tuple). The symbolic one-hot basis (OneHot) must give what a dense identity basis
gives, both where its structured rules apply and where it falls back to a dense array.
"""
from __future__ import annotations

import types

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.interpreters import batching

EPS = 1e-6


# ---- one function, two frameworks ---------------------------------------------------------------

def fg_namespace():
    return types.SimpleNamespace(
        sin=fnp.sin, cos=fnp.cos, exp=fnp.exp, log=fnp.log, tanh=fnp.tanh,
        sum=lambda x, axis=None: fnp.sum(x, axis=axis), amax=lambda x, axis: fnp.max(x, axis=axis),
        prod=fnp.prod, at_add=lambda x, idx, v: x.at[fnp.array(idx)].add(v),
        einsum=fnp.einsum)


def torch_namespace(torch):
    return types.SimpleNamespace(
        sin=torch.sin, cos=torch.cos, exp=torch.exp, log=torch.log, tanh=torch.tanh,
        sum=lambda x, axis=None: torch.sum(x) if axis is None else torch.sum(x, dim=axis),
        amax=lambda x, axis: torch.amax(x, dim=axis), prod=torch.prod,
        at_add=lambda x, idx, v: x.index_add(0, torch.tensor(idx), v), einsum=torch.einsum)


def _rng(seed=0):
    return np.random.default_rng(seed)


# name -> (function of the namespace, argument maker(rng), argnums). Dict keys are in sorted order,
# so that optree (which sorts them) and torch's pytrees (insertion order) agree.
JAC_FUNCS = {
    "elementwise": (lambda m: lambda x: m.sin(x) * m.exp(x / 2) + x ** 3 - 1.0 / (1.0 + x * x),
                    lambda r: (r.standard_normal((2, 3)),), 0),
    "matmul": (lambda m: lambda W, x: m.tanh(W @ x), lambda r: (r.standard_normal((3, 4)),
                                                                 r.standard_normal(4)), (0, 1)),
    "reductions": (lambda m: lambda x: (m.sum(x ** 2, 0), m.amax(x, 1), m.prod(x),
                                        m.sum(m.exp(x))),
                   lambda r: (r.standard_normal((3, 4)),), 0),
    "indexing": (lambda m: lambda x: m.at_add(x, [1, 1], x[[0, 2]] * 2.0)[[0, 1, 3]]
                 * m.sum(x[1:, ::2]),
                 lambda r: (r.standard_normal((4, 3)),), 0),
    "pytree in and out": (lambda m: lambda p, x: {"n": m.sum(p["w"] ** 2) * x[0],
                                                  "y": m.tanh(p["w"] @ x + p["b"])},
                          lambda r: ({"b": r.standard_normal(2), "w": r.standard_normal((2, 3))},
                                     r.standard_normal(3)), (0, 1)),
    "dict out, tuple in": (lambda m: lambda t: {"prod": t[0] * t[1], "sum": m.sum(t[0]) * t[1]},
                           lambda r: ((r.standard_normal(3), r.standard_normal(3)),), 0),
    "several argnums": (lambda m: lambda x, y, z: x * m.sin(y) + z ** 2 * m.sum(x),
                        lambda r: (r.standard_normal(3), r.standard_normal(3),
                                   r.standard_normal(3)), (0, 2)),
    "scalar in, matrix out": (lambda m: lambda s, A: m.tanh(s * A) + s ** 2,
                              lambda r: (np.float64(0.7), r.standard_normal((2, 2))), 0),
    "einsum": (lambda m: lambda A, B: m.einsum("ij,jk->ki", A, m.cos(B)),
               lambda r: (r.standard_normal((2, 3)), r.standard_normal((3, 2))), (0, 1)),
}

# scalar functions, for Hessians
HESS_FUNCS = {
    "sum(sin(x) * x**2)": (lambda m: lambda x: m.sum(m.sin(x) * x ** 2),
                           lambda r: (r.standard_normal(5),), 0),
    "logsumexp of a matrix": (lambda m: lambda x: m.log(m.sum(m.exp(x))),
                              lambda r: (r.standard_normal((2, 3)),), 0),
    "two arguments": (lambda m: lambda x, W: m.sum(m.tanh(W @ x) ** 2) + m.sum(x ** 3),
                      lambda r: (r.standard_normal(3), r.standard_normal((2, 3))), (0, 1)),
}


def fg_fn(table, name):
    make, args, argnums = table[name]
    return make(fg_namespace()), [fg.tree.tree_map(fg.Array, a) for a in args(_rng())], argnums


# ---- finite differences -------------------------------------------------------------------------

def fd_jacobian(f, args, argnums):
    """The Jacobian by central differences, in JAX's layout."""
    many = isinstance(argnums, tuple)
    nums = argnums if many else (argnums,)
    args = [fg.tree.tree_map(lambda a: np.array(a, np.float64), a) for a in args]

    def outputs(a):
        leaves, tree = fg.tree.tree_flatten(f(*[fg.tree.tree_map(fg.Array, x) for x in a]))
        return [np.asarray(o, np.float64) for o in leaves], tree

    out0, out_tree = outputs(args)
    per_arg = []
    for p in nums:
        in_leaves, in_tree = fg.tree.tree_flatten(args[p])
        blocks = []
        for li, leaf in enumerate(in_leaves):
            J = [np.zeros(o.shape + leaf.shape) for o in out0]
            for idx in np.ndindex(leaf.shape):
                plus, minus = (outputs(_moved(args, p, in_tree, in_leaves, li, idx, h))[0]
                               for h in (EPS, -EPS))
                for k, o in enumerate(out0):
                    J[k][(slice(None),) * o.ndim + idx] = (plus[k] - minus[k]) / (2 * EPS)
            blocks.append(J)
        per_arg.append((in_tree, blocks))
    jac = []
    for k in range(len(out0)):
        inner = tuple(fg.tree.tree_unflatten(t, [b[k] for b in blocks]) for t, blocks in per_arg)
        jac.append(inner if many else inner[0])
    return fg.tree.tree_unflatten(out_tree, jac)


def _moved(args, p, in_tree, in_leaves, li, idx, h):
    """args with element idx of leaf li of argument p moved by h."""
    leaves = list(in_leaves)
    leaves[li] = leaves[li].copy()
    leaves[li][idx] += h
    a = list(args)
    a[p] = fg.tree.tree_unflatten(in_tree, leaves)
    return a


def assert_trees_close(got, want, rtol=1e-6, atol=1e-7, exact=False):
    g_leaves, g_tree = fg.tree.tree_flatten(got)
    w_leaves, w_tree = fg.tree.tree_flatten(want)
    assert g_tree == w_tree, f"structure {g_tree}, expected {w_tree}"
    for g, w in zip(g_leaves, w_leaves):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, f"shape {g.shape}, expected {w.shape}"
        if exact:
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


# ---- Jacobians against finite differences, and each other ---------------------------------------

@pytest.mark.parametrize("name", JAC_FUNCS)
def test_jacrev_and_jacfwd_match_finite_differences(name):
    f, args, argnums = fg_fn(JAC_FUNCS, name)
    want = fd_jacobian(f, args, argnums)
    rev = fg.jacrev(f, argnums=argnums)(*args)
    fwd = fg.jacfwd(f, argnums=argnums)(*args)
    assert_trees_close(rev, want)
    assert_trees_close(fwd, want)
    assert_trees_close(fwd, rev, rtol=1e-12, atol=1e-13)  # jacfwd == jacrev, to rounding
    assert_trees_close(fg.jacobian(f, argnums=argnums)(*args), rev, exact=True)


@pytest.mark.parametrize("name", JAC_FUNCS)
def test_chunk_size_does_not_change_the_jacobian(name):
    f, args, argnums = fg_fn(JAC_FUNCS, name)
    for jac in (fg.jacrev, fg.jacfwd):
        full = jac(f, argnums=argnums)(*args)
        for chunk in (1, 2, 3, 1000):
            assert_trees_close(jac(f, argnums=argnums, chunk_size=chunk)(*args), full,
                               rtol=1e-14, atol=1e-15)


@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
       seed=st.integers(0, 2 ** 16))
def test_jacobians_on_drawn_shapes(shape, seed):
    """Size-0, size-1 and scalar shapes: every output element mixes every input element."""
    x = fg.Array(_rng(seed).standard_normal(shape))

    def f(x):
        return fnp.tanh(x) * fnp.sum(x ** 2) + x[::-1] if x.ndim else fnp.sin(x) * x

    want = fd_jacobian(f, [x], 0)
    rev, fwd = fg.jacrev(f)(x), fg.jacfwd(f)(x)
    assert rev.shape == fwd.shape == shape + shape
    assert_trees_close(rev, want)
    assert_trees_close(fwd, rev, rtol=1e-12, atol=1e-13)
    assert_trees_close(fg.jacrev(f, chunk_size=2)(x), rev, rtol=1e-14, atol=1e-15)


def test_has_aux():
    f, (W, x), _ = fg_fn(JAC_FUNCS, "matmul")

    def g(W, x):
        y = f(W, x)
        return y, {"norm": fnp.sum(y ** 2), "x": x}
    for jac in (fg.jacrev, fg.jacfwd):
        for chunk in (None, 1):
            J, aux = jac(g, argnums=1, has_aux=True, chunk_size=chunk)(W, x)
            assert_trees_close(J, fd_jacobian(f, [W, x], 1))
            assert set(aux) == {"norm", "x"}
            np.testing.assert_allclose(np.asarray(aux["norm"]), np.sum(np.asarray(f(W, x)) ** 2))
            np.testing.assert_array_equal(np.asarray(aux["x"]), np.asarray(x))


def test_jacobian_layout_is_output_outside_input_inside():
    f, args, argnums = fg_fn(JAC_FUNCS, "pytree in and out")
    J = fg.jacrev(f, argnums=argnums)(*args)
    assert set(J) == {"n", "y"}
    (dp, dx) = J["y"]
    assert set(dp) == {"b", "w"}
    assert dp["w"].shape == (2, 2, 3) and dp["b"].shape == (2, 2) and dx.shape == (2, 3)
    f, (t,), _ = fg_fn(JAC_FUNCS, "dict out, tuple in")
    J = fg.jacfwd(f)(t)
    assert isinstance(J["prod"], tuple) and [j.shape for j in J["prod"]] == [(3, 3), (3, 3)]


def test_jacobian_of_a_constant_function_is_zero():
    x = fg.Array(np.arange(3.0))
    for jac in (fg.jacrev, fg.jacfwd):
        np.testing.assert_array_equal(np.asarray(jac(lambda x: fnp.ones(2))(x)), np.zeros((2, 3)))


def test_chunk_size_must_be_positive():
    x = fg.Array(np.ones(3))
    for jac in (fg.jacrev, fg.jacfwd):
        with pytest.raises(ValueError, match="chunk_size must be a positive integer, got 0"):
            jac(lambda x: x * 2.0, chunk_size=0)(x)


# ---- Hessians, hvp, vhp -------------------------------------------------------------------------

@pytest.mark.parametrize("name", HESS_FUNCS)
def test_hessian_matches_finite_differences_of_the_gradient(name):
    f, args, argnums = fg_fn(HESS_FUNCS, name)
    H = fg.hessian(f, argnums=argnums)(*args)
    assert_trees_close(H, fd_jacobian(fg.grad(f, argnums=argnums), args, argnums))
    # forward-over-reverse == reverse-over-reverse == reverse-over-forward
    assert_trees_close(fg.jacrev(fg.jacrev(f, argnums), argnums)(*args), H, rtol=1e-11,
                       atol=1e-12)
    assert_trees_close(fg.jacrev(fg.jacfwd(f, argnums), argnums)(*args), H, rtol=1e-11,
                       atol=1e-12)


def _flat_hessian(H, args, argnums):
    """The Hessian blocks of a scalar function as one symmetric (n, n) matrix over the
    concatenated, flattened differentiated arguments."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    sizes = [int(np.size(args[p])) for p in nums]
    if not isinstance(argnums, tuple):
        H = ((H,),)
    return np.block([[np.asarray(H[i][j]).reshape(sizes[i], sizes[j]) for j in range(len(nums))]
                     for i in range(len(nums))])


@pytest.mark.parametrize("name", HESS_FUNCS)
def test_hvp_and_vhp_equal_the_hessian_times_v(name):
    f, args, argnums = fg_fn(HESS_FUNCS, name)
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    Hm = _flat_hessian(fg.hessian(f, argnums=argnums)(*args), args, argnums)
    assert np.allclose(Hm, Hm.T)
    rng = _rng(3)
    primals = tuple(args[p] for p in nums)
    vs = tuple(fg.Array(rng.standard_normal(np.shape(p))) for p in primals)
    flat_v = np.concatenate([np.ravel(v) for v in vs])

    def g(*ps):
        a = list(args)
        for p, x in zip(nums, ps):
            a[p] = x
        return f(*a)
    for prod, want in ((fg.hvp, Hm @ flat_v), (fg.vhp, flat_v @ Hm)):
        value, out = prod(g, primals, vs)
        np.testing.assert_allclose(np.asarray(value), np.asarray(f(*args)), rtol=1e-14)
        assert isinstance(out, tuple) and len(out) == len(primals)
        assert [o.shape for o in out] == [p.shape for p in primals]
        np.testing.assert_allclose(np.concatenate([np.ravel(o) for o in out]), want,
                                   rtol=1e-10, atol=1e-12)


def test_hessian_with_aux():
    x = fg.Array(np.array([0.5, -1.0, 2.0]))
    H, aux = fg.hessian(lambda x: (fnp.sum(x ** 3), fnp.sum(x)), has_aux=True)(x)
    np.testing.assert_allclose(np.asarray(H), np.diag(6 * np.asarray(x)))
    np.testing.assert_allclose(np.asarray(aux), 1.5)


# ---- the PyTorch oracle -------------------------------------------------------------------------
# torch's forward mode loads its decompositions with torch.jit.script, which torch 2.13 itself
# deprecates: a warning from inside torch, not about this code.
torch_jit_warning = pytest.mark.filterwarnings(
    "ignore:.*torch.jit.script.* is deprecated:DeprecationWarning")

def _to_torch(torch, tree):
    return fg.tree.tree_map(lambda a: torch.tensor(np.asarray(a), dtype=torch.float64), tree)


def _from_torch(tree):
    import torch
    import torch.utils._pytree as tpt
    return tpt.tree_map(lambda t: t.detach().numpy() if isinstance(t, torch.Tensor) else t, tree)


@torch_jit_warning
@pytest.mark.parametrize("name", JAC_FUNCS)
def test_jacobians_match_torch_func(torch, name):
    make, arg_maker, argnums = JAC_FUNCS[name]
    args = arg_maker(_rng())
    f_fg = make(fg_namespace())
    f_t = make(torch_namespace(torch))
    fg_args = [fg.tree.tree_map(fg.Array, a) for a in args]
    t_args = [_to_torch(torch, a) for a in args]
    for fg_jac, t_jac in ((fg.jacrev, torch.func.jacrev), (fg.jacfwd, torch.func.jacfwd)):
        got = fg_jac(f_fg, argnums=argnums)(*fg_args)
        want = _from_torch(t_jac(f_t, argnums=argnums)(*t_args))
        assert_trees_close(got, want, rtol=1e-10, atol=1e-12)


@torch_jit_warning
@pytest.mark.parametrize("name", HESS_FUNCS)
def test_hessian_matches_torch(torch, name):
    make, arg_maker, argnums = HESS_FUNCS[name]
    args = arg_maker(_rng())
    got = fg.hessian(make(fg_namespace()), argnums=argnums)(
        *[fg.tree.tree_map(fg.Array, a) for a in args])
    t_args = tuple(_to_torch(torch, a) for a in args)
    f_t = make(torch_namespace(torch))
    want = torch.autograd.functional.hessian(f_t, t_args if isinstance(argnums, tuple)
                                             else t_args[0])
    assert_trees_close(got, _from_torch(want), rtol=1e-10, atol=1e-12)
    # and torch's own Hessian-vector products
    v = tuple(torch.tensor(_rng(5).standard_normal(a.shape)) for a in t_args)
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    _, t_hvp = torch.autograd.functional.hvp(f_t, t_args, v)
    _, fg_hvp = fg.hvp(make(fg_namespace()), tuple(fg.Array(np.asarray(a)) for a in args),
                       tuple(fg.Array(x.numpy()) for x in v))
    for p in nums:
        np.testing.assert_allclose(np.asarray(fg_hvp[p]), t_hvp[p].numpy(), rtol=1e-10,
                                   atol=1e-12)


# ---- the symbolic one-hot basis against a dense identity ----------------------------------------

RNG = _rng(7)
W = RNG.standard_normal((4, 3))
A = RNG.standard_normal((3, 2))
x3 = fg.Array(RNG.standard_normal(3))
X32 = fg.Array(RNG.standard_normal((3, 2)))

# name -> (f, x, {mode: does every operation that meets the basis have a structured rule?})
ONEHOT_FUNCS = {
    "tanh(W @ x)": (lambda x: fnp.tanh(W @ x), x3, {"rev": True, "fwd": True}),
    "x * y": (lambda x: x * fnp.arange(1.0, 4.0), x3, {"rev": True, "fwd": True}),
    "-x / y": (lambda x: -x / fnp.arange(1.0, 4.0), x3, {"rev": True, "fwd": True}),
    "sum": (lambda x: fnp.sum(fnp.sin(x)), x3, {"rev": False, "fwd": True}),
    "einsum contracting all axes": (lambda X: fnp.einsum("ij,ij->", A, X), X32,
                                    {"rev": True, "fwd": True}),
    "transpose": (lambda X: X.T * 2.0, X32, {"rev": False, "fwd": False}),
    "reshape": (lambda X: fnp.reshape(X, (6,)) * 2.0, X32, {"rev": False, "fwd": False}),
    "indexing": (lambda x: x[fnp.array([2, 0, 2])] * 2.0, x3, {"rev": False, "fwd": False}),
}


def _dense_jacrev(f, x):
    out, vjp_fn = fg.vjp(f, x)
    n = out.size
    eye = fg.Array(np.eye(n).reshape((n,) + out.shape))
    (rows,) = fg.vmap(vjp_fn)(eye)
    return np.asarray(rows).reshape(out.shape + x.shape)


def _dense_jacfwd(f, x):
    n = x.size
    eye = fg.Array(np.eye(n).reshape((n,) + x.shape))
    cols = fg.vmap(lambda t: fg.jvp(f, (x,), (t,))[1], out_axes=-1)(eye)
    return np.asarray(cols).reshape(np.shape(cols)[:-1] + x.shape)


@pytest.mark.parametrize("name", ONEHOT_FUNCS)
def test_onehot_basis_equals_a_dense_identity_basis(name, monkeypatch):
    f, x, symbolic = ONEHOT_FUNCS[name]
    calls = []
    orig = batching._process_onehot

    def recording(prim, vals, dims, params):
        res = orig(prim, vals, dims, params)
        calls.append((prim.name, res is not None))
        return res
    monkeypatch.setattr(batching, "_process_onehot", recording)
    for mode, jac, dense in (("rev", fg.jacrev, _dense_jacrev), ("fwd", fg.jacfwd, _dense_jacfwd)):
        calls.clear()
        got = jac(f)(x)
        assert calls, f"{mode}: the basis never met an operation"
        structured = all(ok for _, ok in calls)
        assert structured == symbolic[mode], (
            f"{mode}: expected the basis to stay symbolic: {symbolic[mode]}; the structured rules "
            f"answered (primitive, applied): {calls}. If a OneHot rule was added or removed, "
            "update ONEHOT_FUNCS.")
        want = dense(f, x)
        assert np.asarray(got).shape == want.shape
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-14, atol=1e-15)
        for chunk in (1, 2):
            np.testing.assert_allclose(np.asarray(jac(f, chunk_size=chunk)(x)), want,
                                       rtol=1e-14, atol=1e-15)


def test_onehot_basis_over_several_leaves_and_outputs():
    """The basis is one identity over the concatenated leaves: each leaf a row block of it."""
    def f(p):
        return {"a": fnp.tanh(W @ p["x"]) * p["s"], "b": p["x"] * p["s"]}
    p = {"s": fg.Array(np.float64(1.5)), "x": x3}
    for jac in (fg.jacrev, fg.jacfwd):
        for chunk in (None, 1, 3):
            assert_trees_close(jac(f, chunk_size=chunk)(p), fd_jacobian(f, [p], 0))


# ---- Jacobians under vmap and jit ---------------------------------------------------------------

@pytest.mark.parametrize("jac", [fg.jacrev, fg.jacfwd, fg.hessian], ids=lambda j: j.__name__)
def test_per_example_jacobians_under_vmap_and_jit(jac):
    xs = _rng(2).standard_normal((4, 3))

    def f(x):
        y = fnp.tanh(W @ x) * fnp.sum(x ** 2)
        return fnp.sum(y) if jac is fg.hessian else y
    want = np.stack([np.asarray(jac(f)(fg.Array(x))) for x in xs])
    np.testing.assert_allclose(np.asarray(fg.vmap(jac(f))(xs)), want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.asarray(fg.jit(fg.vmap(jac(f)))(xs)), want, rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(np.asarray(fg.jit(jac(f))(xs[0])), want[0], rtol=1e-12,
                               atol=1e-14)


# ---- the compiled backward pass (funcgrad/_compiled_pullback.py) ---------------------------------

def test_compiled_backward_is_reused_and_reads_the_new_residuals():
    """The second call with the same tape signature reuses the compiled pass; closed-over arrays
    and Python scalars that change between calls are its inputs or part of its key, never baked
    values of the first call."""
    from funcgrad import _compiled_pullback as C
    C._cache.clear()
    rng = np.random.RandomState(0)
    x = fnp.asarray(rng.randn(4))
    for k in range(3):
        W, c = rng.randn(3, 4), float(k + 1)

        def f(x, W=fnp.asarray(W), c=c):
            return fnp.tanh(W @ x) * c
        got = np.asarray(fg.jacrev(f)(x))
        want = c * (1 - np.tanh(W @ np.asarray(x)) ** 2)[:, None] * W
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert len(C._cache) == 3  # one signature per value of the Python scalar c
    assert all(entry is not None for entry in C._cache.values())


def test_compiled_backward_leaves_custom_rules_and_transforms_eager():
    """A tape with a custom rule is not compiled (its backward runs, with its effects, on every
    call); neither is one recorded under another transform (hessian: jacrev under jvp)."""
    from funcgrad import _compiled_pullback as C
    calls = []

    @fg.custom_vjp
    def square(x):
        return x * x

    square.defvjp(lambda x: (x * x, x), lambda x, g: (calls.append(1) or 2 * x * g,))
    x = fnp.array([1.0, 2.0])
    for _ in range(2):
        np.testing.assert_allclose(np.asarray(fg.jacrev(square)(x)), np.diag([2.0, 4.0]))
    assert len(calls) == 2
    C._cache.clear()
    h = fg.hessian(lambda x: fnp.sum(fnp.sin(x) * x ** 2))(x)
    xs = np.asarray(x)
    np.testing.assert_allclose(np.asarray(h), np.diag(2 * np.sin(xs) + 4 * xs * np.cos(xs)
                                                      - xs ** 2 * np.sin(xs)), rtol=1e-12)
    assert not C._cache  # the inner jacrev's residuals were traced by jvp


def test_compiled_backward_steps_aside_for_debug_nans():
    """A NaN that only the backward pass makes (sqrt's derivative at 0 times abs's, 0) is still
    found at its primitive: with debug_nans the backward pass runs eagerly."""
    f = lambda x: fnp.sqrt(fnp.abs(x))  # noqa: E731
    x = fnp.array([0.0, 1.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        assert np.isnan(np.asarray(fg.jacrev(f)(x))[0, 0])
    fg.config.update("debug_nans", True)
    try:
        with pytest.raises(FloatingPointError, match="debug_nans"):
            fg.jacrev(f)(x)
    finally:
        fg.config.update("debug_nans", False)
