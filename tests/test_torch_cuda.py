"""funcgrad.torch on a CUDA device, with PyTorch's semantics: tensors, modules and optimizers on
the GPU give the CPU's results and stay there; mixing devices is PyTorch's error.

The tests take the `gpu` fixture (tests/conftest.py): once on CuPy's CPU stand-in, so each
machine runs the CUDA code path, and once, marked `gpu`, on a real NVIDIA GPU. The operation
tables are test_torch_oracle's, run here on both devices of funcgrad.torch (no PyTorch needed)."""
from __future__ import annotations

import copy
import functools
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.torch as ft
import funcgrad.torch.nn as fnn
import funcgrad.torch.nn.functional as fF
from funcgrad._core import backend
from test_torch_nn import ACTIVATIONS, FUNCTIONAL, LAYERS, LOSSES, RNNS, R
from test_torch_oracle import (INPLACE, INT_OPS, MORE_CASES, OPS, SETITEMS, SHAPE_CASES,
                               VIEW_WRITES, _leaves, _shapes, tol, values, view_write_steps)

_FACTORIES = ("tensor", "as_tensor", "zeros", "ones", "empty", "full", "arange", "linspace",
              "logspace", "eye", "rand", "randn", "randint", "randperm")


class _OnGpu:
    """funcgrad.torch whose factories make CUDA tensors, so that the tables' `L.tensor([0, 2])`
    index tensors are on the data's device, as PyTorch requires."""

    def __getattr__(self, name):
        f = getattr(ft, name)
        return functools.partial(f, device="cuda") if name in _FACTORIES else f


GPU = _OnGpu()


@pytest.fixture(autouse=True)
def _no_hidden_copies_to_the_host():
    """Every test here runs with fg.config.transfer_guard 'disallow': a GPU array handed to
    numpy by the torch layer (a silent copy to the host) fails it."""
    fg.config.update("transfer_guard", "disallow")
    yield
    fg.config.update("transfer_guard", "allow")


def _same(cpu, gpu_out, what, rtol=None, atol=None):
    """gpu_out is cpu's result computed on the GPU: tensors there, the same dtypes, shapes,
    values, requires_grad and grad_fn names."""
    c_leaves, g_leaves = _leaves(cpu), _leaves(gpu_out)
    assert len(c_leaves) == len(g_leaves), what
    for k, (c, g) in enumerate(zip(c_leaves, g_leaves)):
        if not isinstance(c, ft.Tensor):  # a number, or a gradient that is None
            assert not isinstance(g, ft.Tensor) and g == (c if c is None else pytest.approx(
                c, nan_ok=True)), what
            continue
        assert g.device == ft.device("cuda", 0) and g.is_cuda, f"{what} {k}: on {g.device}"
        assert g.dtype is c.dtype and g.shape == c.shape, (what, k, g.dtype, c.dtype)
        assert g.requires_grad == c.requires_grad, (what, k)
        assert type(g.grad_fn).__name__ == type(c.grad_fn).__name__, (what, k)
        gv, cv = g.detach().cpu().numpy(), c.detach().numpy()
        if cv.dtype.kind in "fc":
            r, a = tol(str(cv.dtype))
            np.testing.assert_allclose(gv, cv, rtol=rtol or r, atol=atol or a, equal_nan=True,
                                       err_msg=f"{what} {k}")
        else:
            np.testing.assert_array_equal(gv, cv, err_msg=f"{what} {k}")


def _check(fn, arrays, *, grad=True, rtol=None, atol=None, seed=0):
    """fn(lib, *tensors) on the CPU and on the GPU: the same results, and the same gradients of
    sum(out * w), on the inputs' devices."""
    def run(lib, device):
        xs = [ft.tensor(a, device=device, requires_grad=grad and a.dtype.kind == "f")
              for a in arrays]
        out = fn(lib, *xs)
        diff = [o for o in _leaves(out) if isinstance(o, ft.Tensor) and o.grad_fn is not None
                and o.dtype.is_floating_point]
        if diff:
            rng = np.random.default_rng(seed + 7)
            ws = [rng.standard_normal(tuple(o.shape)).astype(o.dtype.np) for o in diff]
            sum((o * ft.tensor(w, device=device)).sum() for o, w in zip(diff, ws)).backward()
        return out, [x.grad for x in xs if x.requires_grad]
    (c_out, c_grads), (g_out, g_grads) = run(ft, "cpu"), run(GPU, "cuda")
    _same(c_out, g_out, "result", rtol, atol)
    for k, (c, g) in enumerate(zip(c_grads, g_grads)):
        assert (c is None) == (g is None), f"grad {k}"
        if c is not None:
            _same(c, g, f"grad {k}", rtol, atol)


_OP_SETTINGS = settings(max_examples=3, deadline=None, database=None,
                        suppress_health_check=[HealthCheck.function_scoped_fixture,
                                               HealthCheck.too_slow])


# ---- the operation tables on the GPU ------------------------------------------------------------

@pytest.mark.parametrize("op", OPS, ids=repr)
def test_operation_gives_the_cpus_results(gpu, op):
    @_OP_SETTINGS
    @given(shapes=_shapes(op), dtype=st.sampled_from(op.dtypes), seed=st.integers(0, 2 ** 16))
    def run(shapes, dtype, seed):
        rng = np.random.default_rng(seed)
        arrays = [values(rng, s, dtype, d) for s, d in zip(shapes, op.domains)]
        _check(op.fn, arrays, grad=op.grad, rtol=op.rtol, atol=op.atol, seed=seed)
    run()


@pytest.mark.parametrize("name,fn", INT_OPS, ids=[n for n, _ in INT_OPS])
def test_integer_operation_gives_the_cpus_results(gpu, name, fn):
    rng = np.random.default_rng(sum(map(ord, name)))
    _check(fn, [values(rng, (3, 4), "int64"), values(rng, (4,), "int64", "nonzero")], grad=False)


@pytest.mark.parametrize("name,fn,shape", SHAPE_CASES + [(n, f, (3, 3)) for n, f in MORE_CASES],
                         ids=[c[0] for c in SHAPE_CASES] + [c[0] for c in MORE_CASES])
def test_shape_index_and_linalg_operations_give_the_cpus_results(gpu, name, fn, shape):
    rng = np.random.default_rng(sum(map(ord, name)))
    _check(fn, [values(rng, shape, "float64", "nonzero")], grad=not name.startswith("unique"),
           rtol=1e-7, atol=1e-9)


def _same_steps(steps):
    """steps(lib) on the CPU (funcgrad.torch) and on the GPU (its factories making CUDA
    tensors): the same tensors."""
    _same(steps(ft), steps(GPU), "steps")


@pytest.mark.parametrize("name", list(VIEW_WRITES))
def test_writes_through_views_reach_the_base(gpu, name):
    _same_steps(view_write_steps(name))


@pytest.mark.parametrize("name,fn", SETITEMS, ids=[s[0] for s in SETITEMS])
def test_setitem(gpu, name, fn):
    def steps(L):
        x = L.arange(12.0).view(3, 4)
        v = x[1]
        fn(L, x)
        w = L.arange(12.0, requires_grad=True)
        y = w.view(3, 4) * 1.5
        fn(L, y)
        (y * L.arange(12.0).view(3, 4)).sum().backward()
        return x, v, y, w.grad
    _same_steps(steps)


@pytest.mark.parametrize("name,fn", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_operations(gpu, name, fn):
    rng = np.random.default_rng(3)
    xv, yv = rng.standard_normal((2, 3, 3)).astype(np.float32)

    def steps(L):
        out = []
        for requires_grad in (False, True):
            w = L.tensor(xv, requires_grad=requires_grad)
            x = w * 1.0 if requires_grad else w
            y = L.tensor(yv, requires_grad=requires_grad)
            before = x._version
            assert fn(L, x, y) is x
            out += [x, x._version - before]
            if requires_grad:
                (x * L.arange(x.numel(), dtype=L.float32).view(x.shape)).sum().backward()
                out += [w.grad, y.grad]
        return out
    _same_steps(steps)


# ---- nn on the GPU ----------------------------------------------------------------------------

def _check_module(make, arrays, *, train=True, grad_inputs=None):
    """A module built on the CPU and a copy moved by .to('cuda'): the same outputs, buffers and
    gradients (of the inputs `grad_inputs`, default all float ones, and of the parameters)."""
    ft.manual_seed(0)
    cpu = make(fnn).double().train(train)
    gpu_m = copy.deepcopy(cpu).to("cuda")

    def run(m, device):
        xs = [ft.tensor(a, device=device) for a in arrays]
        for k, x in enumerate(xs):
            if x.is_floating_point() and (grad_inputs is None or k in grad_inputs):
                x.requires_grad_()
        out = m(*xs)
        diff = [o for o in _leaves(out) if isinstance(o, ft.Tensor) and o.requires_grad]
        if diff:
            rng = np.random.default_rng(7)
            ft.autograd.backward(diff, [ft.tensor(rng.standard_normal(tuple(o.shape)),
                                                  device=device) for o in diff])
        return [out, [x.grad for x in xs], [p.grad for p in m.parameters()], list(m.buffers())]
    _same(run(cpu, "cpu"), run(gpu_m, "cuda"), "module", rtol=1e-9, atol=1e-10)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("name,make,arrays", LAYERS + RNNS, ids=[c[0] for c in LAYERS + RNNS])
def test_layer_gives_the_cpus_results(gpu, name, make, arrays):
    _check_module(make, arrays, train=not name.startswith("dropout"))


@pytest.mark.parametrize("name,make", ACTIVATIONS, ids=[c[0] for c in ACTIVATIONS])
def test_activation_gives_the_cpus_results(gpu, name, make):
    _check_module(make, [R(3, 4, 5) * 3])


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("name,make,arrays", LOSSES, ids=[c[0] for c in LOSSES])
def test_loss_gives_the_cpus_results(gpu, name, make, arrays):
    _check_module(make, arrays, grad_inputs=(0,))


@pytest.mark.parametrize("name,fn,arrays", FUNCTIONAL, ids=[c[0] for c in FUNCTIONAL])
def test_functional_gives_the_cpus_results(gpu, name, fn, arrays):
    _check(lambda L, *xs: fn(fF, L, *xs), arrays, rtol=1e-9, atol=1e-10)


# ---- tensors on the GPU -----------------------------------------------------------------------

def test_factories_and_moves_place_tensors(gpu):
    cuda0 = ft.device("cuda", 0)
    made = [ft.tensor([1.0, 2.0], device="cuda"), ft.zeros(2, 3, device="cuda"),
            ft.ones(2, device=ft.device("cuda")), ft.empty(2, device="cuda:0"),
            ft.full((2,), 7, device="cuda"), ft.arange(5, device="cuda"),
            ft.linspace(0, 1, 4, device="cuda"), ft.eye(3, device="cuda"),
            ft.rand(2, device="cuda"), ft.randn(2, 2, device="cuda"),
            ft.randint(0, 5, (3,), device="cuda"), ft.randperm(4, device="cuda"),
            ft.ones(3).to("cuda"), ft.ones(3).cuda(), ft.ones(3).to(cuda0),
            ft.ones(3).to(ft.zeros(1, dtype=ft.float64, device="cuda"))]
    for t in made:
        assert t.device == cuda0 and t.is_cuda and t.get_device() == 0, t
    assert made[-1].dtype is ft.float64
    x = made[0]
    assert ft.zeros_like(x).is_cuda and x.new_ones(2).is_cuda and ft.rand_like(x).is_cuda
    assert x.to("cuda") is x and x.cuda() is x
    back = x.cpu()
    assert back.device == ft.device("cpu") and not back.is_cuda and back.get_device() == -1
    assert back.tolist() == x.tolist() == [1.0, 2.0] and x[1].item() == 2.0
    assert float(x.sum()) == 3.0 and x.type() == "torch.cuda.FloatTensor"
    assert x.type("torch.DoubleTensor").device.type == "cpu"
    np.testing.assert_array_equal(back.numpy(), [1.0, 2.0])


def test_default_device(gpu):
    cpu, cuda0 = ft.device("cpu"), ft.device("cuda", 0)
    assert ft.get_default_device() == cpu
    with ft.device("cuda"):
        assert ft.get_default_device() == ft.device("cuda")
        inside = [ft.zeros(2), ft.tensor([1.0]), ft.randn(2), ft.arange(3), ft.nn.Linear(2, 2).weight]
        assert ft.from_numpy(np.ones(2)).device == cpu  # shares the numpy array's memory
    assert all(t.device == cuda0 for t in inside), [t.device for t in inside]
    assert ft.zeros(2).device == cpu
    ft.set_default_device("cuda")
    try:
        assert ft.ones(1).is_cuda and ft.get_default_device() == ft.device("cuda")
    finally:
        ft.set_default_device(None)
    assert ft.get_default_device() == cpu and not ft.ones(1).is_cuda


def test_printing_names_the_device(gpu):
    x = ft.tensor([1.0, 2.0], device="cuda")
    assert repr(x) == "tensor([1., 2.], device='cuda:0')"
    w = ft.tensor([1.0, 2.0], dtype=ft.float64, device="cuda", requires_grad=True)
    assert repr(w * 2) == ("tensor([2., 4.], device='cuda:0', dtype=torch.float64, "
                           "grad_fn=<MulBackward0>)")
    assert str(ft.tensor(3, device="cuda")) == "tensor(3, device='cuda:0')"
    assert repr(fnn.Parameter(ft.zeros(1, device="cuda"))) == \
        "Parameter containing:\ntensor([0.], device='cuda:0', requires_grad=True)"


def test_mixing_devices_is_pytorchs_error(gpu):
    a, b = ft.ones(3, device="cuda"), ft.ones(3)
    message = ("Expected all tensors to be on the same device, but found at least two devices, "
               "cuda:0 and cpu!")
    for op in (lambda: a + b, lambda: b * a, lambda: ft.cat([a, b]), lambda: a @ b,
               lambda: ft.where(b > 0, a, a), lambda: a.add_(b),
               lambda: fF.linear(b[None], a[None])):
        with pytest.raises(RuntimeError) as e:
            op()
        assert str(e.value) == message
    # a 0-dim CPU tensor is a number to PyTorch: it joins the GPU operation, and its gradient
    # returns to the CPU
    s = ft.tensor(2.0, requires_grad=True)
    y = (a * s).sum()
    assert y.is_cuda and y.item() == 6.0
    y.backward()
    assert s.grad.device.type == "cpu" and s.grad.item() == 3.0
    assert a.copy_(b).is_cuda  # copy_ is the one operation that crosses devices


def test_numpy_of_a_gpu_tensor_is_pytorchs_error(gpu):
    x = ft.ones(2, device="cuda")
    for f in (x.numpy, lambda: np.asarray(x)):
        with pytest.raises(TypeError, match=r"^can't convert cuda:0 device type tensor to numpy\. "
                           r"Use Tensor\.cpu\(\) to copy the tensor to host memory first\.$"):
            f()
    np.testing.assert_array_equal(x.numpy(force=True), [1.0, 1.0])


def test_gradients_cross_devices(gpu):
    w = ft.tensor([1.0, -2.0, 3.0], requires_grad=True)
    v = w.to("cuda")
    assert type(v.grad_fn).__name__ == "ToCopyBackward0"
    (v * v).sum().backward()
    assert w.grad.device.type == "cpu" and w.grad.tolist() == [2.0, -4.0, 6.0]
    u = ft.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    (u.cpu() ** 2).sum().backward()
    assert u.grad.is_cuda and u.grad.tolist() == [2.0, 4.0]


# ---- training on the GPU ----------------------------------------------------------------------

def _mlp():
    return fnn.Sequential(fnn.Linear(8, 16), fnn.ReLU(), fnn.Linear(16, 3))


def _lenet():
    return fnn.Sequential(fnn.Conv2d(1, 6, 5), fnn.ReLU(), fnn.MaxPool2d(2),
                          fnn.Conv2d(6, 16, 3), fnn.ReLU(), fnn.MaxPool2d(2), fnn.Flatten(),
                          fnn.Linear(16 * 2 * 2, 32), fnn.ReLU(), fnn.Linear(32, 10))


@pytest.mark.parametrize("make,optimizer,shape,loss_fn", [
    (_mlp, lambda ps: ft.optim.SGD(ps, lr=0.1, momentum=0.9), (16, 8), fF.mse_loss),
    (_lenet, lambda ps: ft.optim.Adam(ps, lr=1e-2), (8, 1, 16, 16), fF.cross_entropy),
], ids=["mlp_sgd", "lenet_adam"])
def test_training_on_the_gpu_gives_the_cpus_losses(gpu, make, optimizer, shape, loss_fn):
    ft.manual_seed(0)
    cpu_model = make()
    gpu_model = copy.deepcopy(cpu_model).to("cuda")
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    y = (rng.standard_normal((shape[0], 3)).astype(np.float32) if loss_fn is fF.mse_loss
         else rng.integers(0, 10, shape[0]))

    def train(model, device):
        opt = optimizer(model.parameters())
        xs, ys = ft.tensor(x, device=device), ft.tensor(y, device=device)
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = loss_fn(model(xs), ys)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses
    cpu_losses, gpu_losses = train(cpu_model, "cpu"), train(gpu_model, "cuda")
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-5)
    assert cpu_losses[-1] < cpu_losses[0]
    for p in gpu_model.parameters():
        assert p.is_cuda and p.grad.is_cuda
    for p, q in zip(cpu_model.parameters(), gpu_model.parameters()):
        np.testing.assert_allclose(q.detach().cpu().numpy(), p.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)


def test_module_to_moves_parameters_buffers_and_grads_in_place(gpu):
    m = fnn.Sequential(fnn.Linear(3, 2), fnn.BatchNorm1d(2))
    m(ft.randn(4, 3)).sum().backward()
    params = list(m.parameters())
    weight = m[0].weight.detach().clone()
    assert m.to("cuda") is m
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]  # the same objects
    for t in list(m.parameters()) + list(m.buffers()) + [p.grad for p in params]:
        assert t.is_cuda, t
    assert m[1].num_batches_tracked.dtype is ft.int64
    assert m[0].weight.cpu().tolist() == weight.tolist()
    m.cpu()
    assert not any(t.is_cuda for t in list(m.parameters()) + list(m.buffers()))
    m.cuda()
    assert all(t.is_cuda for t in m.parameters())
    m.to(ft.float64)
    assert m[0].weight.is_cuda and m[0].weight.dtype is ft.float64
    m.to(ft.zeros(1))  # a tensor's device and dtype
    assert not m[0].weight.is_cuda and m[0].weight.dtype is ft.float32
    # device= of a module's constructor, as on PyTorch's
    made = [fnn.Linear(3, 2, device="cuda"), fnn.BatchNorm1d(2, device="cuda"),
            fnn.Conv2d(1, 2, 3, device="cuda"), fnn.LSTMCell(3, 2, device="cuda")]
    assert all(t.is_cuda for m in made for t in list(m.parameters()) + list(m.buffers()))
    h, c = made[-1](ft.randn(4, 3, device="cuda"))  # its initial state on the input's device
    assert h.is_cuda and c.is_cuda


def test_dataloader_pin_memory_with_a_gpu(gpu):
    data = ft.utils.data.TensorDataset(ft.arange(6.0).view(3, 2), ft.arange(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batches = list(ft.utils.data.DataLoader(data, batch_size=2, pin_memory=True))
    x, y = (t.to("cuda", non_blocking=True) for t in batches[0])
    assert x.is_cuda and y.is_cuda and x.tolist() == [[0.0, 1.0], [2.0, 3.0]]


# ---- torch.cuda ---------------------------------------------------------------------------------

def test_torch_cuda_queries(gpu):
    assert ft.cuda.is_available() and ft.cuda.device_count() >= 1
    assert ft.cuda.current_device() == 0
    assert isinstance(ft.cuda.get_device_name(), str) and ft.cuda.get_device_name(0)
    before = ft.cuda.memory_allocated()
    x = ft.zeros(1024, device="cuda")
    assert ft.cuda.memory_allocated() >= before + x.nbytes
    ft.cuda.synchronize()
    ft.cuda.synchronize(0)
    ft.manual_seed(3)
    a = ft.randn(4, device="cuda")
    ft.cuda.manual_seed_all(3)
    assert ft.randn(4, device="cuda").tolist() == a.tolist()
    ft.cuda.manual_seed(4)
    assert ft.randn(4, device="cuda").tolist() != a.tolist()
    with pytest.raises(RuntimeError, match="CUDA error: invalid device ordinal"):
        ft.zeros(1, device=f"cuda:{ft.cuda.device_count()}")


def test_without_a_gpu_torch_cuda_answers_as_a_cpu_build(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` fails
    backend._reset_for_tests()
    try:
        assert not ft.cuda.is_available() and ft.cuda.device_count() == 0
        assert ft.cuda.memory_allocated() == 0
        ft.cuda.manual_seed_all(0)  # accepted, as PyTorch does
        for f in (lambda: ft.zeros(2, device="cuda"), lambda: ft.ones(2).cuda(),
                  lambda: ft.ones(2).to("cuda"), ft.cuda.current_device,
                  lambda: fnn.Linear(2, 2).cuda()):
            with pytest.raises(AssertionError) as e:
                f()
            assert str(e.value) == "Torch not compiled with CUDA enabled"  # PyTorch's text
            assert isinstance(e.value.__cause__, fg.DeviceUnavailableError)  # funcgrad's why
            assert "pip install 'funcgrad[cuda]'" in str(e.value.__cause__)
        with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no "
                                             "accelerator is found"):
            list(ft.utils.data.DataLoader([1.0, 2.0], pin_memory=True))
    finally:
        backend._reset_for_tests()


def test_load_with_map_location(gpu, tmp_path):
    state = {"w": ft.ones(2, 3, requires_grad=True), "steps": [ft.arange(3)], "lr": 0.1}
    ft.save(state, tmp_path / "state.pt")
    for location in ["cuda", ft.device("cuda", 0), {"cpu": "cuda:0"}]:
        loaded = ft.load(tmp_path / "state.pt", map_location=location)
        assert loaded["w"].is_cuda and loaded["steps"][0].is_cuda and loaded["lr"] == 0.1
        assert loaded["w"].requires_grad and loaded["w"].is_leaf
        assert loaded["w"].tolist() == [[1.0] * 3] * 2
    for location in [None, "cpu", lambda storage, loc: storage]:
        assert not ft.load(tmp_path / "state.pt", map_location=location)["w"].is_cuda
