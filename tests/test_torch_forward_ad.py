"""torch.autograd.forward_ad against PyTorch 2.13: dual levels, make_dual / unpack_dual, tangents
through torch operations, nn layers, functional_call and custom Functions with a jvp staticmethod,
the printed dual tensors and PyTorch's errors. Each scenario runs on both libraries and compares
what it returns (values, shapes, dtypes, printed text, exception classes and messages)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad.torch as ft
from test_torch_autograd import SETTINGS, same

X = np.array([[0.5, -1.25, 2.0], [1.5, 0.75, -3.0]])
# PyTorch's forward AD loads its decompositions through torch.jit.script the first time, which
# warns that torch.jit.script is deprecated (PyTorch's own warning, not the code under test)
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")

T = np.array([[1.0, 0.5, -2.0], [0.25, -1.0, 3.0]])


def _fwad(lib):
    return lib.autograd.forward_ad


def _jvp_of(lib, fn, x, t):
    fwad = _fwad(lib)
    with fwad.dual_level():
        out = fn(lib, fwad.make_dual(x, t))
        p, tan = fwad.unpack_dual(out)
    return p, tan


POINTWISE = {
    "sin*2": lambda lib, d: d.sin() * 2,
    "exp/(1+d^2)": lambda lib, d: d.exp() / (1 + d ** 2),
    "tanh-sigmoid": lambda lib, d: lib.tanh(d) - lib.sigmoid(d),
    "relu": lambda lib, d: lib.nn.functional.relu(d),
    "log_softmax": lambda lib, d: lib.log_softmax(d, dim=1),
    "sum": lambda lib, d: d.sum(),
    "mean(dim)": lambda lib, d: d.mean(dim=0),
    "matmul": lambda lib, d: d @ d.T,
    "view/cat": lambda lib, d: lib.cat([d.view(-1), d[0]]),
    "where": lambda lib, d: lib.where(d > 0, d, -d * 3),
}


@pytest.mark.parametrize("case", sorted(POINTWISE))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tangents_through_operations(torch, case, dtype):
    fn = POINTWISE[case]
    same(torch, lambda lib: _jvp_of(lib, fn, lib.tensor(X, dtype=getattr(lib, dtype)),
                                    lib.tensor(T, dtype=getattr(lib, dtype))))


@given(st.integers(0, 3), st.integers(1, 3), st.integers(0, 2**31 - 1))
@SETTINGS
def test_tangent_is_jacobian_times_vector(torch, n, m, seed):
    """Shapes with size 0 and 1 included: the tangent agrees with PyTorch's."""
    rng = np.random.default_rng(seed)
    x, t = rng.normal(size=(n, m)), rng.normal(size=(n, m))
    same(torch, lambda lib: _jvp_of(lib, lambda lib, d: (d * d.cos()).sum(1),
                                    lib.tensor(x), lib.tensor(t)))


def test_nn_layers_and_functional_call(torch):
    w = np.linspace(-1, 1, 12).reshape(4, 3)
    b = np.linspace(0, 1, 4)
    img = np.linspace(-1, 1, 2 * 1 * 5 * 5).reshape(2, 1, 5, 5)
    k = np.linspace(-0.5, 0.5, 2 * 1 * 3 * 3).reshape(2, 1, 3, 3)

    def scenario(lib):
        fwad = _fwad(lib)
        lin = lib.nn.Linear(3, 4)
        conv = lib.nn.Conv2d(1, 2, 3)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor(w, dtype=lib.float32))
            lin.bias.copy_(lib.tensor(b, dtype=lib.float32))
            conv.weight.copy_(lib.tensor(k, dtype=lib.float32))
            conv.bias.zero_()
        x = lib.tensor(X, dtype=lib.float32)
        tangents = {"weight": lib.ones(4, 3), "bias": lib.full((4,), 0.5)}
        with fwad.dual_level():
            params = {n: fwad.make_dual(p, tangents[n]) for n, p in lin.named_parameters()}
            out = lib.func.functional_call(lin, params, (x,))
            jvp_params = fwad.unpack_dual(out).tangent
            dx = fwad.make_dual(x, lib.tensor(T, dtype=lib.float32))
            jvp_x = fwad.unpack_dual(lib.relu(lin(dx))).tangent
            di = fwad.make_dual(lib.tensor(img, dtype=lib.float32),
                                lib.ones(2, 1, 5, 5))
            jvp_conv = fwad.unpack_dual(lib.nn.functional.max_pool2d(conv(di), 2)).tangent
        return jvp_params, jvp_x, jvp_conv

    same(torch, scenario, rtol=1e-5, atol=1e-5, names=False)


def test_setattr_parameters_as_dual(torch):
    """The tutorial's way: delete each parameter and set a dual tensor in its place."""
    def scenario(lib):
        fwad = _fwad(lib)
        lib.manual_seed(0)
        model = lib.nn.Linear(3, 2)
        params = dict(model.named_parameters())
        with fwad.dual_level():
            for name, p in params.items():
                delattr(model, name)
                setattr(model, name, fwad.make_dual(p, lib.ones_like(p)))
            out = model(lib.tensor(X, dtype=lib.float32))
            return fwad.unpack_dual(out).tangent
    same(torch, scenario, names=False)


def test_custom_function_jvp(torch):
    def scenario(lib):
        fwad = _fwad(lib)
        seen = []

        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, y, k):
                ctx.save_for_forward(x, y)
                ctx.k = k
                return x * y * k

            @staticmethod
            def jvp(ctx, tx, ty, tk):
                x, y = ctx.saved_tensors
                seen.extend([tx, ty, tk])
                return (tx * y + x * ty) * ctx.k

        class Split(lib.autograd.Function):
            @staticmethod
            def forward(x):
                return x.exp(), x * 2

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_forward(output[0])

            @staticmethod
            def jvp(ctx, tx):
                e, = ctx.saved_tensors
                return e * tx, tx * 2

        x, y = lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])
        with fwad.dual_level():
            d = fwad.make_dual(x, lib.tensor([1.0, -1.0]))
            out = fwad.unpack_dual(Scale.apply(d, y, 3.0))
            a, b = Split.apply(d)
            return out, fwad.unpack_dual(a), fwad.unpack_dual(b), seen
    same(torch, scenario)


def test_printed_dual_tensors(torch):
    def scenario(lib):
        fwad = _fwad(lib)
        with fwad.dual_level():
            d = fwad.make_dual(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 0.5]))
            s = fwad.make_dual(lib.tensor(2.0), lib.tensor(3.0))
            inside = [repr(d), repr(s * 2), repr(d.sin()), str(fwad.unpack_dual(d))]
        after = [repr(d), str(fwad.unpack_dual(d))]
        return inside + after
    f, t = scenario(ft), scenario(torch)
    assert f == t


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 (the class and message are what is compared)
        return type(e).__name__, str(e)
    return None


ERRORS = {
    "make_dual without a level": lambda lib: _fwad(lib).make_dual(lib.ones(2), lib.ones(2)),
    "exit without a level": lambda lib: _fwad(lib).exit_dual_level(),
    "nested level": lambda lib: _nested(lib),
    "tangent size": lambda lib: _in_level(lib, lambda f: f.make_dual(lib.ones(2), lib.ones(3))),
    "integer primal": lambda lib: _in_level(
        lib, lambda f: f.make_dual(lib.tensor([1, 2]), lib.ones(2))),
    "wrong level": lambda lib: _in_level(
        lib, lambda f: f.make_dual(lib.ones(2), lib.ones(2), level=3)),
    "dual of dual": lambda lib: _in_level(
        lib, lambda f: f.make_dual(f.make_dual(lib.ones(2), lib.ones(2)), lib.ones(2))),
    "Function without jvp": lambda lib: _in_level(lib, lambda f: _no_jvp(lib).apply(
        f.make_dual(lib.ones(2), lib.ones(2)))),
}


def _in_level(lib, fn):
    with _fwad(lib).dual_level():
        return fn(_fwad(lib))


def _nested(lib):
    with _fwad(lib).dual_level():
        with _fwad(lib).dual_level():
            pass


def _no_jvp(lib):
    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2
    return Twice


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_as_pytorch(torch, case):
    got, want = _error(lambda: ERRORS[case](ft)), _error(lambda: ERRORS[case](torch))
    assert want is not None
    assert got == want
    # a failed level is left again: the next one can be entered
    with ft.autograd.forward_ad.dual_level():
        pass


def test_tangent_dropped_after_level_and_types(torch):
    def scenario(lib):
        fwad = _fwad(lib)
        with fwad.dual_level() as level:
            d = fwad.make_dual(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 0.5]))
            u = fwad.unpack_dual(d)
            plain = fwad.unpack_dual(lib.ones(2))
        y = d * 3  # the level is gone: a plain computation
        return (level, type(u).__name__, u._fields, plain.tangent, y,
                fwad.unpack_dual(y).tangent, isinstance(u, tuple))
    same(torch, scenario)


def test_reverse_through_dual_tensors(torch):
    """A tensor that requires grad made dual: backward gives its plain gradient."""
    def scenario(lib):
        fwad = _fwad(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with fwad.dual_level():
            d = fwad.make_dual(x, lib.ones(2))
            z = (d * d).sum()
            tangent = fwad.unpack_dual(z).tangent
            z.backward()
        return x.grad, tangent.detach()
    same(torch, scenario)


@pytest.mark.parametrize("tangent_dtype", ["float32", "float64"])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_unpack_dual_returns_the_tangent_given(torch, tangent_dtype, requires_grad):
    """PyTorch stores make_dual's tangent as it is, even of another dtype: unpack_dual of that
    dual gives back the same object; of a result computed from it, a new tensor. (A tangent of
    another dtype than its primal's keeps that dtype through PyTorch's operations; funcgrad's
    derived tangents take the primal's dtype, so the derived dtype is compared for float32.)"""
    def run(lib):
        fwad = _fwad(lib)
        p = lib.tensor(X, dtype=lib.float32, requires_grad=requires_grad)
        t = lib.tensor(T, dtype=getattr(lib, tangent_dtype))
        with fwad.dual_level():
            d = fwad.make_dual(p, t)
            given = fwad.unpack_dual(d).tangent
            derived = fwad.unpack_dual(d * 1).tangent
            return (given is t, str(given.dtype), derived is t,
                    str(derived.dtype) if tangent_dtype == "float32" else None)
    assert run(ft) == run(torch)
