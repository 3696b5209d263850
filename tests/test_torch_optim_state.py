"""torch.optim's saved state against PyTorch 2.13's: every optimizer's state_dict() has PyTorch's
layout (state names, their order, dtypes and values; param_groups' keys, order and defaults), a
state dict written by either library loads into the other and continues the same trajectory, and
the optimizer prints as PyTorch prints it."""
from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funcgrad.torch as ftorch

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.02)),
    ("Adam", dict(lr=0.02, amsgrad=True, weight_decay=0.05, betas=(0.8, 0.99))),
    ("Adam", dict(lr=0.02, weight_decay=0.05, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.02, amsgrad=True)),
    ("Adamax", dict(lr=0.02, weight_decay=0.05)),
    ("NAdam", dict(lr=0.02, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.02, weight_decay=0.05)),
    ("RAdam", dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, alpha=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.5, weight_decay=0.05)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.05, eps=1e-5)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=2, weight_decay=0.1)),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]

# the parameters: a matrix, a single element and an empty one (shapes of size 0 and 1)
SHAPES = [(4, 3), (1,), (0,)]
TOL = {"float64": dict(rtol=1e-10, atol=1e-13), "float32": dict(rtol=2e-5, atol=1e-6)}


class _Run:
    """Parameters of SHAPES in library T and dtype `dtype` (the default dtype while the
    optimizer is made and steps: PyTorch makes its 'step' tensors in it), an optimizer `name`
    over them, and the gradients: a function of the parameters and the step number, computed
    in numpy, so both libraries see the same gradients for the same parameters."""

    def __init__(self, T, name, kw, dtype="float64", start=None, k=0, default=None):
        self.T, self.dtype = T, getattr(T, default or dtype)
        rng = np.random.default_rng(zlib.crc32(b"torchoptim"))
        values = start or [rng.normal(size=s) for s in SHAPES]
        with self._default_dtype():
            self.params = [T.tensor(np.asarray(v, dtype), requires_grad=True) for v in values]
            self.opt = getattr(T.optim, name)(self.params, **kw)
        self.k = k

    def _default_dtype(self):
        T, dtype = self.T, self.dtype

        class _Scope:
            def __enter__(self):
                self.saved = T.get_default_dtype()
                T.set_default_dtype(dtype)

            def __exit__(self, *exc):
                T.set_default_dtype(self.saved)
        return _Scope()

    def steps(self, n):
        """n steps: the parameters after each, flattened and joined."""
        out = []
        with self._default_dtype():
            for _ in range(n):
                self.k += 1
                for i, p in enumerate(self.params):
                    x = p.detach().numpy()
                    g = (i + 1.5) * (x - 0.5) + 0.3 * np.sin(self.k + np.arange(x.size).reshape(x.shape) + i)
                    p.grad = self.T.tensor(g.astype(x.dtype))
                self.opt.step()
                out.append(self.values())
        return np.array(out)

    def values(self):
        return np.concatenate([p.detach().numpy().ravel() for p in self.params])

    def load(self, sd):
        with self._default_dtype():
            self.opt.load_state_dict(sd)


def _to_numpy(obj):
    """A state dict with every tensor (either library's) as a numpy array."""
    if hasattr(obj, "numpy") and hasattr(obj, "dtype"):
        return np.array(obj.numpy())
    if isinstance(obj, dict):
        return {k: _to_numpy(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_numpy(v) for v in obj)
    return obj


def _from_numpy(T, obj):
    """A numpy state dict with every array as a tensor of library T."""
    if isinstance(obj, np.ndarray):
        return T.tensor(obj)
    if isinstance(obj, dict):
        return {k: _from_numpy(T, v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_from_numpy(T, v) for v in obj)
    return obj


def _assert_same_state_dict(ours, theirs, tol):
    """Structure (key names and their order), dtypes and values equal."""
    assert list(ours) == list(theirs) == ["state", "param_groups"]
    assert ours["param_groups"] == theirs["param_groups"]
    assert [list(g) for g in ours["param_groups"]] == [list(g) for g in theirs["param_groups"]]
    assert list(ours["state"]) == list(theirs["state"])
    for i, s in theirs["state"].items():
        assert list(ours["state"][i]) == list(s), i
        for k, v in s.items():
            mine = ours["state"][i][k]
            assert str(mine.dtype) == str(v.dtype), (i, k)
            assert tuple(mine.shape) == tuple(v.shape), (i, k)
            np.testing.assert_allclose(mine.numpy(), v.numpy(), **tol, err_msg=f"{i}/{k}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_state_dict_and_trajectory_match_torch(torch, name, kw, dtype):
    ours, theirs = _Run(ftorch, name, kw, dtype), _Run(torch, name, kw, dtype)
    # before any step (Adagrad's state exists already), then after 1 and after 4 steps
    _assert_same_state_dict(ours.opt.state_dict(), theirs.opt.state_dict(), TOL[dtype])
    for n in (1, 3):
        np.testing.assert_allclose(ours.steps(n), theirs.steps(n), **TOL[dtype])
        _assert_same_state_dict(ours.opt.state_dict(), theirs.opt.state_dict(), TOL[dtype])


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_float64_parameters_under_a_float32_default_dtype(torch, name, kw):
    """PyTorch makes its 0-d state ('step', ASGD's eta and mu, NAdam's mu_product) in the
    default dtype and computes with their rounded values (NAdam's product multiplied in it)."""
    ours = _Run(ftorch, name, kw, "float64", default="float32")
    theirs = _Run(torch, name, kw, "float64", default="float32")
    tol = TOL["float64"]
    np.testing.assert_allclose(ours.steps(6), theirs.steps(6), **tol)
    _assert_same_state_dict(ours.opt.state_dict(), theirs.opt.state_dict(), tol)


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
@pytest.mark.parametrize("direction", ["torch-to-ours", "ours-to-torch"])
def test_a_state_dict_loads_in_the_other_library_and_continues(torch, name, kw, direction):
    """4 steps in one library, its state_dict through numpy arrays into a fresh optimizer of
    the other (made with another lr: the loaded group's wins) over the same parameter values,
    4 more steps there: the trajectory and the state are those of 8 steps in the first."""
    source, target = (torch, ftorch) if direction == "torch-to-ours" else (ftorch, torch)
    first = _Run(source, name, kw)
    first.steps(4)
    saved = _to_numpy(first.opt.state_dict())
    start = [p.detach().numpy().copy() for p in first.params]
    expected = first.steps(4)
    resumed = _Run(target, name, dict(kw, lr=123.0), start=start, k=4)
    resumed.load(_from_numpy(target, saved))
    np.testing.assert_allclose(resumed.steps(4), expected, **TOL["float64"])
    a, b = resumed.opt.state_dict(), first.opt.state_dict()
    _assert_same_state_dict(*((a, b) if target is ftorch else (b, a)), TOL["float64"])


@pytest.mark.parametrize("name,kw", CASES[::3], ids=IDS[::3])
def test_a_saved_file_resumes_the_trajectory(tmp_path, name, kw):
    whole = _Run(ftorch, name, kw)
    expected = whole.steps(6)[3:]
    first = _Run(ftorch, name, kw)
    first.steps(3)
    path = tmp_path / "opt.pt"
    ftorch.save({"optimizer": first.opt.state_dict(),
                 "params": [p.detach() for p in first.params]}, path)
    ckpt = ftorch.load(path)
    resumed = _Run(ftorch, name, dict(kw, lr=9.0), start=[p.numpy() for p in ckpt["params"]], k=3)
    resumed.load(ckpt["optimizer"])
    np.testing.assert_allclose(resumed.steps(3), expected, rtol=1e-14, atol=0)
    assert resumed.opt.param_groups[0]["lr"] == first.opt.param_groups[0]["lr"]


@pytest.mark.parametrize("name,kw", [c for c in CASES if c[0] in ("Rprop", "ASGD")])
def test_rprop_and_asgd_follow_torch_for_60_steps(torch, name, kw):
    ours, theirs = _Run(ftorch, name, kw), _Run(torch, name, kw)
    a, b = ours.steps(60), theirs.steps(60)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    assert np.abs(a[-1] - a[0]).max() > 1e-2
    _assert_same_state_dict(ours.opt.state_dict(), theirs.opt.state_dict(), TOL["float64"])


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_a_scheduler_drives_the_learning_rate_held_inside_the_update(torch, name):
    """Rprop and ASGD read lr inside their update (their compiled group steps are keyed by
    it): a scheduler changing it every step follows PyTorch, past the bound on compilations."""
    runs = []
    for T in (ftorch, torch):
        run = _Run(T, name, dict(lr=0.05))
        sched = T.optim.lr_scheduler.ExponentialLR(run.opt, gamma=0.8)
        out = []
        for _ in range(12):
            out.append(run.steps(1))
            sched.step()
        runs.append((np.concatenate(out), run.opt.state_dict()))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-10, atol=1e-13)
    _assert_same_state_dict(runs[0][1], runs[1][1], TOL["float64"])


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_repr_matches_torch(torch, name, kw):
    ours, theirs = _Run(ftorch, name, kw), _Run(torch, name, kw)
    assert repr(ours.opt) == repr(theirs.opt)
    assert str(ours.opt) == str(theirs.opt)


def test_a_tensor_learning_rate_prints_as_torchs(torch):
    reprs = [repr(T.optim.Adam([T.zeros(1, requires_grad=True)], lr=T.tensor(0.01)))
             for T in (ftorch, torch)]
    assert reprs[0] == reprs[1]
    assert "    lr: 0.009999999776482582\n" in reprs[0]


def _groups(T):
    lin = T.nn.Linear(3, 2)
    return lin, [{"params": [lin.weight]}, {"params": [lin.bias], "lr": 0.5, "weight_decay": 0.1}]


@pytest.mark.parametrize("name", sorted({n for n, _ in CASES}))
def test_two_groups_and_named_parameters_match_torch(torch, name):
    for T in (ftorch, torch):
        T.manual_seed(0)
    (lin_a, groups_a), (lin_b, groups_b) = _groups(ftorch), _groups(torch)
    ours = getattr(ftorch.optim, name)(groups_a, lr=0.01)
    theirs = getattr(torch.optim, name)(groups_b, lr=0.01)
    assert repr(ours) == repr(theirs)
    assert "\n\nParameter Group 1\n" in repr(ours)
    _assert_same_state_dict(ours.state_dict(), theirs.state_dict(), TOL["float32"])
    named_a = getattr(ftorch.optim, name)(lin_a.named_parameters(), lr=0.01)
    named_b = getattr(torch.optim, name)(lin_b.named_parameters(), lr=0.01)
    assert named_a.param_groups[0]["param_names"] == ["weight", "bias"]
    assert list(named_a.param_groups[0]) == list(named_b.param_groups[0])
    _assert_same_state_dict(named_a.state_dict(), named_b.state_dict(), TOL["float32"])
    assert repr(named_a) == repr(named_b)


@pytest.mark.parametrize("make", [
    lambda T, a, b: T.optim.SGD([("w", a), b], lr=0.1),
    lambda T, a, b: T.optim.SGD([{"params": [("w", a)]}, {"params": [b]}], lr=0.1),
    lambda T, a, b: T.optim.SGD([{"params": [a]}, {"params": [("w", b)]}], lr=0.1),
    lambda T, a, b: T.optim.SGD([{"params": {a, b}}], lr=0.1),
], ids=["unnamed-param", "unnamed-group", "named-group", "set"])
def test_naming_errors_match_torch(torch, make):
    errors = []
    for T in (torch, ftorch):
        a, b = T.zeros(1, requires_grad=True), T.zeros(2, requires_grad=True)
        with pytest.raises((ValueError, TypeError)) as info:
            make(T, a, b)
        errors.append((type(info.value), str(info.value)))
    assert errors[1] == errors[0]


@settings(deadline=None)
@given(case=st.sampled_from(CASES), steps=st.integers(0, 3),
       dtype=st.sampled_from(["float32", "float64"]))
def test_any_case_and_step_count_saves_torchs_state(case, steps, dtype):
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed: pip install "
                                "'funcgrad[oracle]'")
    name, kw = case
    ours, theirs = _Run(ftorch, name, kw, dtype), _Run(torch, name, kw, dtype)
    ours.steps(steps)
    theirs.steps(steps)
    _assert_same_state_dict(ours.opt.state_dict(), theirs.opt.state_dict(), TOL[dtype])
