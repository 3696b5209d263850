"""funcgrad.torch's autograd against PyTorch 2.13: backward's options, hooks, retain_grad,
create_graph (double backward, a gradient penalty), torch.autograd.grad, grad modes,
torch.autograd.Function and torch.autograd.functional. Each scenario runs the same code on both
libraries and compares every number (and name) it produces. Skipped without torch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcgrad.torch as ft

SETTINGS = settings(max_examples=10, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def _flat(out):
    if isinstance(out, dict):
        return [x for k in sorted(out) for x in _flat(out[k])]
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _flat(o)]
    return [out]


def same(torch, scenario, rtol=1e-5, atol=1e-6, names=True):
    """scenario(lib) on both libraries; every tensor, name and number it returns agrees (the
    grad_fn names too, unless names=False: the nodes of a graph that create_graph records are
    named after backward formulas in PyTorch and after the operations they differentiate here)."""
    f_out, t_out = _flat(scenario(ft)), _flat(scenario(torch))
    assert len(f_out) == len(t_out)
    for k, (f, t) in enumerate(zip(f_out, t_out)):
        if t is None or isinstance(t, (bool, str, int)):
            assert f == t, f"item {k}: {f!r} != {t!r}"
        elif isinstance(t, float):
            assert f == pytest.approx(t, rel=rtol, abs=atol), f"item {k}"
        else:
            assert isinstance(f, ft.Tensor), f"item {k}: {type(f)}"
            assert repr(f.dtype) == repr(t.dtype), f"item {k}: {f.dtype} != {t.dtype}"
            assert tuple(f.shape) == tuple(t.shape), f"item {k}: {f.shape} != {t.shape}"
            np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=rtol,
                                       atol=atol, err_msg=f"item {k}")
            assert f.requires_grad == t.requires_grad, f"item {k}: requires_grad"
            assert not names or type(f.grad_fn).__name__ == type(t.grad_fn).__name__, (
                f"item {k}: {type(f.grad_fn).__name__} != {type(t.grad_fn).__name__}")


def name(t):
    return None if t is None else type(t.grad_fn).__name__


X = np.array([[0.5, -1.25, 2.0], [1.5, 0.75, -3.0]])


# ---- backward --------------------------------------------------------------------------------

def test_backward_accumulates_into_grad(torch):
    def run(L):
        x = L.tensor(X, requires_grad=True)
        (x * x).sum().backward()
        g1 = x.grad.clone()
        (x.sin() * 2).sum().backward()
        return g1, x.grad, x.is_leaf, (x * 2).is_leaf, x.grad.requires_grad
    same(torch, run)


def test_backward_with_gradient_retain_graph_and_inputs(torch):
    def run(L):
        x = L.tensor(X, requires_grad=True)
        w = L.tensor(X[0], requires_grad=True)
        y = x * w + x.exp()
        y.backward(L.ones(2, 3) * 0.5, retain_graph=True)
        gx1, gw1 = x.grad.clone(), w.grad.clone()
        y.backward(L.full((2, 3), 2.0), inputs=[w])
        z = (x * 3).sum()
        z.backward(inputs=x)
        return gx1, gw1, x.grad, w.grad
    same(torch, run)


def test_backward_through_shared_subgraphs_and_several_outputs(torch):
    def run(L):
        x = L.tensor(X, requires_grad=True)
        h = x.tanh()
        a, b = h.split([1, 2], 1)
        loss = (a * 3).sum() + (b ** 2).mean() + h.max()
        L.autograd.backward([loss, h.sum()], [L.tensor(2.0), L.tensor(1.0)])
        return x.grad, loss
    same(torch, run)


def test_retain_grad_and_grad_of_views(torch):
    def run(L):
        x = L.tensor(X, requires_grad=True)
        h = x * 2
        h.retain_grad()
        v = h[0]
        v.retain_grad()
        y = (h ** 2).sum() + v.sum()
        y.backward(retain_graph=True)
        first = h.grad.clone()
        y.backward()
        return first, h.grad, v.grad, h.retains_grad, x.retains_grad
    same(torch, run)


def test_hooks(torch):
    def run(L):
        seen = []
        x = L.tensor(X, requires_grad=True)
        x.register_hook(lambda g: seen.append(g.clone()))
        h = x * 3
        handle = h.register_hook(lambda g: g * 10)
        h2 = h.exp()
        h2.register_hook(lambda g: None)
        h.grad_fn.register_hook(lambda gin, gout: seen.append(gin[0].clone()))
        h.grad_fn.register_prehook(lambda gout: (gout[0] + 1,))
        h2.sum().backward(retain_graph=True)
        g1 = x.grad.clone()
        handle.remove()
        x.grad = None
        h2.sum().backward()
        acc = []
        x.register_post_accumulate_grad_hook(lambda t: acc.append(t.grad.clone()))
        (x * 1).sum().backward()
        return g1, x.grad, seen, acc
    same(torch, run, rtol=1e-6)


def test_grad_of_non_leaf_warns_as_torch_does(torch):
    for L in (ft, torch):
        h = L.ones(2, requires_grad=True) * 2
        with pytest.warns(UserWarning, match="is not a leaf Tensor"):
            assert h.grad is None


# ---- torch.autograd.grad ---------------------------------------------------------------------

def test_autograd_grad(torch):
    def run(L):
        x = L.tensor(X, requires_grad=True)
        w = L.tensor(X[1], requires_grad=True)
        unused = L.ones(3, requires_grad=True)
        y = (x * w).sum() + (w ** 3).sum()
        gx, gw, gu = L.autograd.grad(y, [x, w, unused], allow_unused=True, retain_graph=True)
        (gw2,) = L.autograd.grad(y, w, grad_outputs=L.tensor(3.0), retain_graph=True)
        mats = L.autograd.grad([y, (x ** 2).sum()], [x], materialize_grads=True)
        z = L.autograd.grad(y, unused, materialize_grads=True)
        return gx, gw, gu, gw2, mats, z, x.grad
    same(torch, run)


def test_autograd_grad_of_an_intermediate(torch):
    def run(L):
        x = L.tensor(X, requires_grad=True)
        h = x.sigmoid()
        y = (h * h.sum()).mean()
        (gh,) = L.autograd.grad(y, h)
        return gh, x.grad
    same(torch, run)


# ---- create_graph: higher derivatives ----------------------------------------------------------

def test_double_backward(torch):
    def run(L):
        x = L.tensor(X, requires_grad=True)
        y = (x ** 3 * x.sin()).sum()
        (g,) = L.autograd.grad(y, x, create_graph=True)
        (gg,) = L.autograd.grad(g.sum(), x, create_graph=True)
        (ggg,) = L.autograd.grad((gg * x).sum(), x)
        return g, gg, ggg
    same(torch, run, names=False)


def test_gradient_penalty(torch):
    """WGAN-GP's penalty: the norm of d(critic)/d(input), differentiated for the weights."""
    rng = np.random.default_rng(0)
    w1v, w2v = rng.standard_normal((3, 4)), rng.standard_normal((4, 1))

    def run(L):
        w1 = L.tensor(w1v, requires_grad=True)
        w2 = L.tensor(w2v, requires_grad=True)
        x = L.tensor(X, requires_grad=True)
        critic = (x.mm(w1).tanh().mm(w2)).sum()
        (gx,) = L.autograd.grad(critic, x, create_graph=True)
        penalty = ((gx.norm(2, dim=1) - 1) ** 2).mean()
        penalty.backward()
        return gx, penalty, w1.grad, w2.grad, x.grad
    same(torch, run, names=False)


def test_backward_with_create_graph_then_grad_of_grad(torch):
    def run(L):
        x = L.tensor(X, requires_grad=True)
        y = (x.exp() * x).sum()
        with pytest.warns(UserWarning, match="reference cycle"):
            y.backward(create_graph=True)
        g = x.grad
        gsum = g.sum()
        x.grad = None
        gsum.backward()
        return g, x.grad, g.requires_grad
    same(torch, run, names=False)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3),
       seed=st.integers(0, 999),
       f=st.sampled_from(["tanh", "mul", "div", "pow", "softmax", "matmul", "sum", "logsumexp",
                          "clamp", "where", "view", "cat"]))
def test_second_derivatives_match_torch(torch, shape, seed, f):
    fns = {"tanh": lambda L, x: x.tanh() * x, "mul": lambda L, x: x * x * 3,
           "div": lambda L, x: x / (x * x + 1), "pow": lambda L, x: (x * x + 1) ** 1.5,
           "softmax": lambda L, x: x.softmax(-1) * x, "matmul": lambda L, x: x @ x.t() if
           x.ndim == 2 else x @ x, "sum": lambda L, x: x.sum(0) ** 2,
           "logsumexp": lambda L, x: L.logsumexp(x, -1) * 2,
           "clamp": lambda L, x: x.clamp(-0.5, 0.5) * x, "where": lambda L, x: L.where(
               x > 0, x ** 2, x.exp()), "view": lambda L, x: x.reshape(-1)[:1] * x.sum(),
           "cat": lambda L, x: L.cat([x, x * x]) ** 2}
    v = np.random.default_rng(seed).standard_normal(shape)

    def run(L):
        x = L.tensor(v, requires_grad=True)
        y = fns[f](L, x).sum()
        (g,) = L.autograd.grad(y, x, create_graph=True)
        (h,) = L.autograd.grad((g * g).sum(), x)
        return g, h
    same(torch, run, rtol=1e-6, atol=1e-8, names=False)


# ---- grad modes --------------------------------------------------------------------------------

def test_grad_modes(torch):
    def run(L):
        x = L.tensor(X, requires_grad=True)
        out = []
        with L.no_grad():
            a = x * 2
            with L.enable_grad():
                b = x * 2
        out += [a.requires_grad, b.requires_grad, name(a), name(b)]

        @L.no_grad()
        def f(t):
            return t * 2

        @L.no_grad
        def f2(t):
            return t * 2

        @L.enable_grad()
        def g(t):
            return t * 2

        with L.no_grad():
            out += [f(x).requires_grad, f2(x).requires_grad, g(x).requires_grad]
        with L.set_grad_enabled(False):
            out.append((x * 2).requires_grad)
        out.append(L.is_grad_enabled())
        L.set_grad_enabled(False)
        out.append((x * 2).requires_grad)
        L.set_grad_enabled(True)
        with L.inference_mode():
            out += [(x * 2).requires_grad, L.is_inference_mode_enabled()]
        with L.inference_mode(False):
            out.append((x * 2).requires_grad)

        @L.inference_mode()
        def h(t):
            return t + 1
        out.append(h(x).requires_grad)

        def gen():
            yield L.is_grad_enabled()
            yield (x * 2).requires_grad
        out += list(L.no_grad()(gen)())
        return out
    same(torch, run)


def test_detach_requires_grad_and_data(torch):
    def run(L):
        x = L.tensor(X, requires_grad=True)
        y = x * 2
        d = y.detach()
        z = L.tensor(X).requires_grad_()
        w = (x + 1).detach_()
        x.data = x.data * 0 + 1
        (x * x).sum().backward()
        return (d.requires_grad, d.is_leaf, name(d), z.requires_grad, w.requires_grad,
                name(w), x.grad, x.data.requires_grad)
    same(torch, run)


# ---- torch.autograd.Function --------------------------------------------------------------------

def _functions(L):
    class Exp(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            out = x.exp() * scale
            ctx.save_for_backward(out)
            ctx.scale = scale
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out, None

    class SplitSign(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.needs = ctx.needs_input_grad
            pos, idx = x.clamp(min=0), (x > 0).long()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(x)
            return pos, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            (x,) = ctx.saved_tensors
            return g * (x > 0).to(g.dtype)

    class Square(L.autograd.Function):  # new style: forward without ctx, setup_context
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g
    return Exp, SplitSign, Square


def test_custom_function(torch):
    def run(L):
        Exp, SplitSign, Square = _functions(L)
        x = L.tensor(X, requires_grad=True)
        y = Exp.apply(x, 2.0)
        pos, idx = SplitSign.apply(x)
        s = Square.apply(x)
        loss = (y * pos).sum() + s.mean()
        loss.backward()
        fn = y.grad_fn
        return (y, pos, idx, s, x.grad, name(y), name(pos), idx.requires_grad,
                [type(n).__name__ for n, _ in fn.next_functions], loss)
    same(torch, run)


def test_custom_function_double_backward_and_errors(torch):
    def run(L):
        _, _, Square = _functions(L)
        x = L.tensor(X, requires_grad=True)
        s = Square.apply(x).sum()
        (g,) = L.autograd.grad(s, x, create_graph=True)
        (gg,) = L.autograd.grad(g.sum(), x)
        no_grad = Square.apply(L.tensor(X))
        return g, gg, no_grad, name(no_grad)
    same(torch, run, names=False)

    for L in (ft, torch):
        Exp, _, _ = _functions(L)
        x = L.tensor(X, requires_grad=True)
        y = Exp.apply(x, 1.0)
        y.sum().backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.sum().backward()
        y = Exp.apply(x, 1.0)
        with L.no_grad():
            y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


# ---- torch.autograd.functional ----------------------------------------------------------------

def _f1(L):
    return lambda x: (x ** 2).sum(-1) * x[..., 0]


def _f2(L):
    return lambda x, y: (x * y.sin(), x.sum() * y)


def _scalar(L):
    return lambda x: (x.exp() * x).sum()


def _scalar2(L):
    return lambda x, y: (x * y * y).sum()


FUNCTIONAL = [
    ("jacobian", lambda L, F, a, b, cg: F.jacobian(_f1(L), a, create_graph=cg)),
    ("jacobian_tuple", lambda L, F, a, b, cg: F.jacobian(_f2(L), (a, b), create_graph=cg)),
    ("jacobian_forward", lambda L, F, a, b, cg: F.jacobian(_f1(L), a, vectorize=True,
                                                       strategy="forward-mode", create_graph=cg)),
    ("jacobian_vectorize", lambda L, F, a, b, cg: F.jacobian(_f2(L), (a, b), vectorize=True,
                                                                create_graph=cg)),
    ("hessian", lambda L, F, a, b, cg: F.hessian(_scalar(L), a, create_graph=cg)),
    ("hessian_tuple", lambda L, F, a, b, cg: F.hessian(_scalar2(L), (a, b), create_graph=cg)),
    ("vjp", lambda L, F, a, b, cg: F.vjp(_f1(L), a, L.ones(_f1(L)(a).shape, dtype=a.dtype),
                                              create_graph=cg)),
    ("vjp_scalar", lambda L, F, a, b, cg: F.vjp(_scalar(L), a, create_graph=cg)),
    ("vjp_tuple", lambda L, F, a, b, cg: F.vjp(_f2(L), (a, b), (a * 0 + 1, b * 2),
                                                    create_graph=cg)),
    ("jvp", lambda L, F, a, b, cg: F.jvp(_f1(L), a, a * 0 + 1, create_graph=cg)),
    ("jvp_tuple", lambda L, F, a, b, cg: F.jvp(_f2(L), (a, b), (a, b), create_graph=cg)),
    ("hvp", lambda L, F, a, b, cg: F.hvp(_scalar(L), a, a * 0 + 1, create_graph=cg)),
    ("vhp", lambda L, F, a, b, cg: F.vhp(_scalar2(L), (a, b), (a, b), create_graph=cg)),
]


@pytest.mark.parametrize("case,fn", FUNCTIONAL, ids=[c for c, _ in FUNCTIONAL])
@pytest.mark.parametrize("create_graph", [False, True])
def test_autograd_functional_matches_torch(torch, case, fn, create_graph):
    a_v = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    b_v = np.array([0.3, -0.7, 1.1])

    def run(L):
        F = L.autograd.functional
        a = L.tensor(a_v, requires_grad=create_graph)
        b = L.tensor(b_v, requires_grad=create_graph)
        if not create_graph:
            return fn(L, F, a, b, False)
        out = fn(L, F, a, b, True)
        total = sum(o.sum() for o in _flat(out) if o.requires_grad)
        if hasattr(total, "backward"):
            total.backward()
        return [o.detach() for o in _flat(out)], a.grad, b.grad
    if case == "jacobian_forward" and create_graph:  # not supported by PyTorch either
        for L in (ft, torch):
            with pytest.raises(NotImplementedError, match="not supported together"):
                run(L)
        return
    f_out = run(ft)
    with warnings.catch_warnings():  # torch's forward-mode Jacobian warns about torch.jit
        warnings.simplefilter("ignore", DeprecationWarning)
        t_out = run(torch)
    assert _structure(f_out) == _structure(t_out)
    fl, tl = _flat(f_out), _flat(t_out)
    assert len(fl) == len(tl)
    for f, t in zip(fl, tl):
        if t is None:
            assert f is None or not f.numpy().any()
            continue
        assert repr(f.dtype) == repr(t.dtype) and tuple(f.shape) == tuple(t.shape)
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=1e-7, atol=1e-9)


def _structure(x):
    if isinstance(x, (tuple, list)):
        return tuple(_structure(i) for i in x)
    return None if x is None else tuple(x.shape)


def test_autograd_functional_errors_match_torch(torch):
    for fn in (lambda L: L.autograd.functional.jacobian(lambda x: x, 1.0),
               lambda L: L.autograd.functional.jacobian(lambda x: 1, L.ones(2)),
               lambda L: L.autograd.functional.vjp(lambda x: x * 2, L.ones(2)),
               lambda L: L.autograd.functional.jvp(lambda x: x * 2, L.ones(2)),
               lambda L: L.autograd.functional.hessian(lambda x: x * 2, L.ones(2)),
               lambda L: L.autograd.functional.jacobian(lambda x: x, L.ones(2),
                                                        strategy="forward-mode"),
               lambda L: L.autograd.functional.jacobian(lambda x: x, L.ones(2), strategy="bad")):
        with pytest.raises(Exception) as t_err:
            fn(torch)
        with pytest.raises(Exception) as f_err:
            fn(ft)
        assert type(f_err.value) is type(t_err.value)
        assert str(f_err.value) == str(t_err.value)


def _zero_first_then_times(x):
    y = x.clone()
    y[0] = 0.0
    return y * x


THROUGH = {
    "softmax": lambda L: lambda x: x.softmax(0),
    "slices": lambda L: lambda x: x[1:] * x[:-1],
    "cat": lambda L: lambda x: L.cat([x, x.exp()]),
    "sort": lambda L: lambda x: x.sort()[0] * L.arange(4.0, dtype=L.float64),
    "topk": lambda L: lambda x: x.topk(2)[0],
    "setitem": lambda L: _zero_first_then_times,
    "inplace": lambda L: lambda x: x.clone().mul_(x).add_(1),
    "mm": lambda L: lambda x: x.view(2, 2).mm(x.view(2, 2).t()).view(-1),
    "max_dim": lambda L: lambda x: x.view(2, 2).max(1)[0],
    "where": lambda L: lambda x: L.where(x > 0, x, x ** 2),
    "clamp": lambda L: lambda x: x.clamp(-0.5, 0.5),
    "norm": lambda L: lambda x: x / x.norm(),
    "gather": lambda L: lambda x: x.gather(0, L.tensor([3, 0, 0])),
    "index": lambda L: lambda x: x[L.tensor([1, 1, 3])],
    "mask": lambda L: lambda x: x[L.tensor([True, False, True, True])],
    "unfold": lambda L: lambda x: x.unfold(0, 2, 1).sum(-1),
    "cumsum": lambda L: lambda x: x.cumsum(0) * x,
    "std": lambda L: lambda x: x.std() * x,
    "matmul": lambda L: lambda x: x @ x.view(4, 1).expand(4, 3),
    "scatter_add": lambda L: lambda x: L.zeros(4, dtype=L.float64).scatter_add(
        0, L.tensor([0, 0, 1, 2]), x),
    "prod": lambda L: lambda x: x.prod(0, keepdim=True) * x,
}


@pytest.mark.parametrize("case", list(THROUGH))
def test_jacobian_and_hessian_through_operations(torch, case):
    """autograd.functional runs the user's function on tensors that hold funcgrad's traced
    values: every operation works on them."""
    xv = np.array([0.3, -1.2, 0.8, 2.0])
    for kind in ("jacobian", "hessian"):
        outs = []
        for L in (ft, torch):
            F, f = L.autograd.functional, THROUGH[case](L)
            x = L.tensor(xv)
            outs.append(F.jacobian(f, x) if kind == "jacobian" else
                        F.hessian(lambda x, f=f: f(x).sum(), x))
        np.testing.assert_allclose(outs[0].numpy(), outs[1].numpy(), rtol=1e-10, atol=1e-12)


def test_gradcheck_and_gradgradcheck(torch):
    rng = np.random.default_rng(0)
    for L in (ft, torch):
        x = L.tensor(rng.standard_normal(3), requires_grad=True)
        w = L.tensor(rng.standard_normal(3), requires_grad=True)
        assert L.autograd.gradcheck(lambda a, b: (a * b.sin()).exp(), (x, w))
        assert L.autograd.gradgradcheck(lambda a, b: (a * b.sin()).exp(), (x, w))

        class Wrong(L.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return g * 3
        with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to "
                                               "input 0"):
            L.autograd.gradcheck(Wrong.apply, (x,))
        assert L.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False


def test_backward_twice_through_nodes_that_save_nothing(torch):
    def run(L):
        a = L.ones(2, requires_grad=True)
        b = L.ones(2, requires_grad=True)
        y = (a + b - a).sum()
        y.backward()
        y.backward()  # AddBackward0, SubBackward0 and SumBackward0 save nothing
        z = (a * 2).sum()
        z.backward()
        with pytest.raises(RuntimeError, match="second time"):
            z.backward()  # MulBackward0 saves the scalar, wrapped as a tensor
        return a.grad, b.grad
    same(torch, run)
