"""torch.func against PyTorch 2.13: transforms composed with autograd (a gradient, a vmapped
model, a Jacobian of tensors that require grad, or of a function that uses such tensors, keeps
its graph, so .backward() through it reaches them), stack_module_state and ensembles,
functional_call's tuple of dicts / strict / tie_weights, vjp / jvp / linearize / jacfwd /
hessian / grad_and_value with has_aux, vmap's randomness= and chunk_size=. Each scenario runs the
same code on both libraries and compares what it returns (values, shapes, dtypes, requires_grad,
exception classes and messages). Skipped without torch."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad.torch as ft
from test_torch_autograd import SETTINGS, _flat
from test_torch_autograd import same as _same

# PyTorch's forward-mode transforms load decompositions through torch.jit.script, which warns
# that torch.jit.script is deprecated (PyTorch's own warning, not the code under test)
pytestmark = [pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated"),
              # torch.func.linearize traces through torch.fx, which warns about its own graph
              pytest.mark.filterwarnings("ignore:Attempted to insert a get_attr Node")]

X = np.array([[0.5, -1.25, 2.0], [1.5, 0.75, -3.0]])
W = np.array([0.3, -0.2, 0.1])
DTYPES = ["float32", "float64"]


def same(torch, scenario, rtol=1e-5, atol=1e-6):
    """scenario(lib) on both libraries: every tensor (value, dtype, shape, requires_grad), None,
    number and string it returns agrees. grad_fn names are not compared: a transform records the
    nodes of funcgrad's primitives, which need not be the operations PyTorch's transform runs
    (test_grad_fn_of_transform_results holds the ones that agree)."""
    _same(torch, scenario, rtol, atol, names=False)


def same_error(torch, scenario, cls):
    """scenario(lib) raises the same exception class and message on both libraries."""
    msgs = []
    for lib in (torch, ft):
        with pytest.raises(cls) as err:
            scenario(lib)
        msgs.append(str(err.value))
    assert msgs[0] == msgs[1]


def _loss(w, x):
    return ((x @ w).tanh() ** 2).sum()


# ---- transforms keep the autograd graph ------------------------------------------------------

COMPOSED = {
    # MAML's inner step: the adapted weights depend on w through the gradient
    "maml": lambda L, w, x: _maml(L, w, x),
    # a function that closes over a tensor that requires grad
    "vmap_closure": lambda L, w, x: L.func.vmap(lambda r: (r * w).sum())(x),
    "per_sample_grads": lambda L, w, x: L.func.vmap(L.func.grad(_loss), in_dims=(None, 0))(
        w, x).pow(2),
    "jacrev_arg": lambda L, w, x: L.func.jacrev(lambda v: (x @ v).sin())(w),
    "jacfwd_closure": lambda L, w, x: L.func.jacfwd(lambda r: r.exp() * w)(x[0]),
    "hessian": lambda L, w, x: L.func.hessian(lambda v: (v ** 3).sum() * v[0])(w),
    "grad_and_value": lambda L, w, x: L.func.grad_and_value(_loss)(w, x),
    "grad_argnums": lambda L, w, x: L.func.grad(_loss, argnums=(0, 1))(w, x),
    "jvp": lambda L, w, x: L.func.jvp(lambda v: v.sin() * v, (w,), (x[0],)),
    "vmap_in_dims_none": lambda L, w, x: L.func.vmap(lambda r, v: r @ v, in_dims=(0, None))(
        x, w),
}


def _maml(L, w, x):
    g = L.func.grad(_loss)(w, x)
    return _loss(w - 0.1 * g, x)


@pytest.mark.parametrize("case", sorted(COMPOSED))
@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_through_a_transform(torch, case, dtype):
    def run(L):
        w = L.tensor(W, dtype=getattr(L, dtype), requires_grad=True)
        x = L.tensor(X, dtype=getattr(L, dtype), requires_grad=True)
        out = COMPOSED[case](L, w, x)
        total = sum(o.sum() for o in _flat(out))
        total.backward()
        return out, w.grad, x.grad
    same(torch, run)


def test_grad_fn_of_transform_results(torch):
    """Where the computation is the same, the result's node is PyTorch's."""
    def run(L):
        w = L.tensor(W, requires_grad=True)
        x = L.tensor(X)
        return [type(t.grad_fn).__name__ for t in (
            L.func.vmap(lambda r: (r * w).sum())(x), L.func.vmap(lambda r: r * w)(x),
            L.func.grad(_loss)(w, x), L.func.vmap(lambda r: r.exp() + w)(x),
            L.func.jvp(lambda v: v * v, (w,), (w,))[1])]
    assert run(ft) == run(torch)


def test_no_graph_without_grad_mode_or_grad_requiring_tensors(torch):
    def run(L):
        w = L.tensor(W, requires_grad=True)
        with L.no_grad():
            a = L.func.grad(_loss)(w, L.tensor(X))
        b = L.func.grad(_loss)(w.detach(), L.tensor(X))
        return a, b, a.requires_grad, b.requires_grad
    same(torch, run, rtol=1e-12, atol=1e-12)


def test_vmap_of_a_model_backpropagates_into_its_parameters(torch):
    def run(L):
        L.manual_seed(0)
        m = L.nn.Sequential(L.nn.Linear(3, 4), L.nn.Tanh(), L.nn.Linear(4, 2))
        out = L.func.vmap(m)(L.tensor(X, dtype=L.float32))
        (out ** 2).mean().backward()
        return out, [p.grad for p in m.parameters()]
    same(torch, run)


def test_ensemble_with_stack_module_state(torch):
    def run(L):
        L.manual_seed(0)
        models = [L.nn.Linear(3, 2) for _ in range(4)]
        params, buffers = L.func.stack_module_state(models)
        base = models[0]

        def f(p, b, x):
            return L.func.functional_call(base, (p, b), (x,))
        out = L.func.vmap(f, in_dims=(0, 0, None))(params, buffers, L.tensor(X, dtype=L.float32))
        out.sum().backward()
        one = models[2](L.tensor(X, dtype=L.float32))
        return (out, one, list(params), params["weight"].is_leaf,
                params["weight"].requires_grad, params["weight"].grad, buffers == {})
    same(torch, run)


def test_stack_module_state_errors(torch):
    same_error(torch, lambda L: L.func.stack_module_state([]), RuntimeError)
    same_error(torch, lambda L: L.func.stack_module_state(
        [L.nn.Linear(2, 2), L.nn.Linear(2, 2).eval()]), RuntimeError)


# ---- the transforms' forms ---------------------------------------------------------------------

FORMS = {
    "grad_has_aux": lambda L, a: L.func.grad(lambda v: ((v * v).sum(), v.mean()),
                                             has_aux=True)(a),
    "grad_and_value_has_aux": lambda L, a: L.func.grad_and_value(
        lambda v: ((v.exp()).sum(), {"m": v.max()}), has_aux=True)(a),
    "jvp_has_aux": lambda L, a: L.func.jvp(lambda v: (v.sin(), v.cos()), (a,), (a * 0 + 1,),
                                           has_aux=True),
    "jvp_two_primals": lambda L, a: L.func.jvp(lambda u, v: u * v, (a, a + 1), (a, a * 2)),
    "vjp_two_outputs": lambda L, a: _vjp_two(L, a),
    "vjp_has_aux": lambda L, a: _vjp_aux(L, a),
    "linearize": lambda L, a: _linearize(L, a),
    "jacfwd_argnums": lambda L, a: L.func.jacfwd(lambda u, v: u * v.sum(), argnums=(0, 1))(
        a, a + 1),
    "jacrev_has_aux": lambda L, a: L.func.jacrev(lambda v: (v.sin(), v.sum()), has_aux=True)(a),
    "hessian_argnums": lambda L, a: L.func.hessian(lambda u, v: (u * u * v).sum(),
                                                   argnums=1)(a, a + 1),
    "vmap_out_dims": lambda L, a: L.func.vmap(lambda v: L.outer(v, v), out_dims=1)(
        a.reshape(-1, 1).expand(-1, 2)),
    "vmap_nested": lambda L, a: L.func.vmap(L.func.vmap(lambda u, v: u * v, in_dims=(0, None)),
                                            in_dims=(None, 0))(a, a),
}


def _vjp_two(L, a):
    out, fn = L.func.vjp(lambda v: (v.sin(), v * 2), a)
    return out, fn((a * 0 + 1, a))


def _vjp_aux(L, a):
    out, fn, aux = L.func.vjp(lambda v: (v.exp(), v.sum()), a, has_aux=True)
    return out, fn(a), aux


def _linearize(L, a):
    out, fn = L.func.linearize(lambda v: v.sin() * v, a)
    return out, fn(a * 0 + 1), fn(a)


@pytest.mark.parametrize("case", sorted(FORMS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_transform_forms(torch, case, dtype):
    same(torch, lambda L: FORMS[case](L, L.tensor(W, dtype=getattr(L, dtype))))


def test_jvp_errors(torch):
    same_error(torch, lambda L: L.func.jvp(L.sin, [L.ones(2)], (L.ones(2),)), RuntimeError)


# ---- functional_call -----------------------------------------------------------------------------

def test_functional_call_tuple_of_dicts_and_tied_weights(torch):
    def run(L):
        L.manual_seed(0)
        m = L.nn.Sequential(L.nn.Linear(3, 3), L.nn.Linear(3, 3))
        m[1].weight = m[0].weight  # tied
        w = L.ones(3, 3)
        x = L.tensor(X, dtype=L.float32)
        tied = L.func.functional_call(m, ({"0.weight": w}, {"1.bias": L.zeros(3)}), (x,))
        untied = L.func.functional_call(m, {"0.weight": w}, (x,), tie_weights=False)
        kw = L.func.functional_call(m, {"0.weight": w}, args=(), kwargs={"input": x})
        return tied, untied, kw, m[1].weight is m[0].weight
    same(torch, run)


def test_functional_call_errors(torch):
    def tied_conflict(L):
        m = L.nn.Sequential(L.nn.Linear(2, 2), L.nn.Linear(2, 2))
        m[1].weight = m[0].weight
        L.func.functional_call(m, {"0.weight": L.ones(2, 2), "1.weight": L.zeros(2, 2)},
                               (L.ones(2),))
    same_error(torch, tied_conflict, ValueError)
    same_error(torch, lambda L: L.func.functional_call(L.nn.Linear(2, 2), {"weight": L.ones(2, 2)},
                                                       (L.ones(2),), strict=True), RuntimeError)


# ---- vmap's randomness= and chunk_size= ----------------------------------------------------------

def test_vmap_randomness(torch):
    def draw(L, mode):
        L.manual_seed(3)
        return L.func.vmap(lambda r: r + L.rand(3, dtype=L.float64), randomness=mode)(
            L.tensor(X))
    same(torch, lambda L: draw(L, "same"), rtol=1e-12, atol=1e-12)
    same_error(torch, lambda L: draw(L, "error"), RuntimeError)
    same_error(torch, lambda L: draw(L, "bad"), RuntimeError)
    same_error(torch, lambda L: L.func.vmap(lambda r: L.nn.functional.dropout(r, 0.5))(
        L.tensor(X)), RuntimeError)
    # no draw inside: every mode computes the same
    same(torch, lambda L: [L.func.vmap(lambda r: r.sin(), randomness=m)(L.tensor(X))
                           for m in ("error", "same", "different")])


DIFFERENT = {
    "rand": lambda L, r: r + L.rand(3, dtype=L.float64),
    "randn_in_dims_1": lambda L, r: r * L.randn(3, dtype=L.float64),
    "dropout": lambda L, r: L.nn.functional.dropout(r, 0.5),
    "two_draws": lambda L, r: r + L.rand(3, dtype=L.float64) * L.randn(1, dtype=L.float64),
    "no_draw": lambda L, r: r.sin(),
}


@pytest.mark.parametrize("case", sorted(DIFFERENT))
@pytest.mark.parametrize("chunk", [None, 1, 2])
def test_vmap_randomness_different(torch, case, chunk):
    """Each element draws its own numbers: PyTorch's values (its one draw of the batch's shape),
    the generator left where PyTorch leaves it, the graph kept. A function that draws twice gets
    the numbers PyTorch gives with chunk_size=1 (element by element: PyTorch's batched run draws
    all of the first draw's numbers before the second's)."""
    def run(L):
        c = 1 if case == "two_draws" and L is not ft else chunk
        L.manual_seed(5)
        x = L.tensor(np.vstack([X, X]), requires_grad=True)
        dims = 1 if case == "randn_in_dims_1" else 0
        arg = x.t() if dims else x
        out = L.func.vmap(lambda r: DIFFERENT[case](L, r), in_dims=dims,
                          randomness="different", chunk_size=c)(arg)
        out.sum().backward()
        return out, x.grad, L.rand(2)
    same(torch, run, rtol=1e-12, atol=1e-12)


def test_vmap_randomness_nested(torch):
    def run(L):
        L.manual_seed(2)
        inner = L.func.vmap(lambda v: v + L.rand(()), randomness="different")
        return L.func.vmap(inner, randomness="different")(L.zeros(2, 3)), L.rand(1)
    same(torch, run, rtol=1e-7, atol=1e-7)


@given(st.integers(0, 5), st.integers(0, 4), st.one_of(st.none(), st.integers(1, 6)),
       st.sampled_from(DTYPES))
@SETTINGS
def test_vmap_chunk_size(torch, n, m, chunk, dtype):
    """Chunked vmap computes what one batched call computes (sizes 0 and 1 included), its results
    joined along out_dims, and keeps the graph. (PyTorch fails an internal assertion chunking an
    empty batch, so that case runs unchunked.)"""
    if n == 0:
        chunk = None
    xv = np.arange(n * m, dtype=float).reshape(n, m) / 3 - 1

    def run(L):
        x = L.tensor(xv, dtype=getattr(L, dtype), requires_grad=True)
        s = L.tensor(2.0, dtype=getattr(L, dtype))
        out = L.func.vmap(lambda r, c: (r * c, r.sum()), in_dims=(0, None), out_dims=(1, 0),
                          chunk_size=chunk)(x, s)
        if n:
            (out[0].sum() + out[1].sum()).backward()
        return out, x.grad
    same(torch, run)


def test_chunk_size_errors_and_jacrev_chunks(torch):
    same_error(torch, lambda L: L.func.vmap(L.sin, chunk_size=0)(L.ones(2)), ValueError)
    same_error(torch, lambda L: L.func.jacrev(L.sin, chunk_size=-1)(L.ones(2)), ValueError)
    same_error(torch, lambda L: L.func.jacfwd(L.sin, randomness="bad")(L.ones(2)), RuntimeError)
    same(torch, lambda L: [L.func.jacrev(lambda v: v.sin() * v.sum(), chunk_size=c)(
        L.tensor(W)) for c in (1, 2, None)])
