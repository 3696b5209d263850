"""No code runs from data (issue #20): random-generator states, checkpoints, pytree keys, names and
parameters that reach jit's generated source, module aliasing.

Every hostile input here is refused with a clear error of the class PyTorch (or JAX) raises for
it, and each test that could run code proves it did not: the payload would set a flag or write a
file, and the test checks that the flag is unset and the file absent. Inputs that could
conceivably crash the interpreter run in a subprocess, so a crash fails one test instead of
killing the suite."""
from __future__ import annotations

import ast
import inspect
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.torch as ftorch
from funcgrad import lax
from funcgrad._module_alias import ModuleAlias
from funcgrad.torch import _random, _rng_state
from funcgrad.torch.distributed import _collectives, _objects
from funcgrad.torch.serialization import UnpicklingRefused
from funcgrad.torch.utils.data import (DataLoader, RandomSampler, SubsetRandomSampler,
                                       TensorDataset, WeightedRandomSampler)

ROOT = Path(__file__).resolve().parent.parent
PWNED: list[str] = []   # what a payload would append to, were it ever run


def _pwn(tag):
    PWNED.append(tag)
    return tag


class _Payload:
    """Unpickling this calls _pwn (a stand-in for os.system)."""

    def __init__(self, tag):
        self.tag = tag

    def __reduce__(self):
        return (_pwn, (self.tag,))


class _FilePayload:
    """Unpickling this creates a file (the side effect a real exploit would have)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture(autouse=True)
def _no_payload_ran():
    PWNED.clear()
    yield
    assert PWNED == [], f"a payload ran: {PWNED}"


def _state_tensor(raw: bytes):
    return ftorch.tensor(list(raw), dtype=ftorch.uint8)


# ---- random-generator state: a documented, versioned layout ------------------------------------

def test_state_layout_is_the_documented_one():
    """PyTorch's CPUGeneratorImplState (funcgrad.torch._rng_state's docstring), field by field."""
    g = ftorch.Generator().manual_seed(1234)
    ftorch.randn(3, generator=g, dtype=ftorch.float64)   # leaves a cached normal sample
    raw = bytes(g.get_state().tolist())
    assert len(raw) == 5056
    seed, left, seeded, nxt = struct.unpack_from("<QiiQ", raw)
    assert (seed, left, seeded, nxt) == (1234, 625 - 8, 1, 8)   # 2 pairs of 2-word uniforms
    words = np.frombuffer(raw, "<u8", 624, 24)
    assert (words < 2 ** 32).all()
    x, y, rho, valid, f, f_valid = struct.unpack_from("<dddi4xf?3x", raw, 24 + 8 * 624)
    assert (x, rho, valid, f, f_valid) == (0.0, 0.0, 1, 0.0, False) and y != 0.0


@pytest.mark.parametrize("make", [
    lambda: ftorch.default_generator,
    lambda: ftorch.Generator().manual_seed(7),
])
def test_state_round_trip_restores_the_stream_exactly(make):
    g = make()
    ftorch.randn(1, generator=g)   # with a cached normal sample, too
    state = g.get_state()
    first = ftorch.rand(5, generator=g), ftorch.randint(0, 100, (4,), generator=g)
    seed = g.initial_seed()
    g.manual_seed(99)
    g.set_state(state)
    again = ftorch.rand(5, generator=g), ftorch.randint(0, 100, (4,), generator=g)
    assert all(ftorch.equal(a, b) for a, b in zip(first, again))
    assert g.initial_seed() == seed


def test_torch_get_set_rng_state():
    ftorch.manual_seed(5)
    s = ftorch.get_rng_state()
    assert (s.dtype, tuple(s.shape), s.requires_grad) == (ftorch.uint8, (5056,), False)
    a = ftorch.randn(3)
    ftorch.set_rng_state(s)
    assert ftorch.equal(a, ftorch.randn(3))
    assert ftorch.random.get_rng_state().tolist() == ftorch.get_rng_state().tolist()


BAD_STATES = [  # (state, the class real torch raises for its own version of it, message start)
    ("short", RuntimeError, "Expected a "),
    ("float", TypeError, "RNG state must be a torch.ByteTensor"),
    ("int64", TypeError, "RNG state must be a torch.ByteTensor"),
    ("list", TypeError, "expected a torch.ByteTensor, but got list"),
    ("zeros", RuntimeError, "Invalid "),
]


def _bad_state(kind, torch_mod, size):
    if kind == "short":
        return torch_mod.zeros(3, dtype=torch_mod.uint8)
    if kind == "float":
        return torch_mod.zeros(size, dtype=torch_mod.float32)
    if kind == "int64":
        return torch_mod.zeros(size, dtype=torch_mod.int64)
    if kind == "list":
        return [1, 2]
    return torch_mod.zeros(size, dtype=torch_mod.uint8)


@pytest.mark.parametrize("kind,cls,start", BAD_STATES)
def test_bad_state_raises_what_pytorch_raises(kind, cls, start, torch):
    with pytest.raises(cls) as real:
        torch.set_rng_state(_bad_state(kind, torch, 5056))
    assert str(real.value).startswith(start)
    before = ftorch.get_rng_state().tolist()
    for setter in (ftorch.set_rng_state, ftorch.Generator().set_state):
        with pytest.raises(cls) as ours:
            setter(_bad_state(kind, ftorch, 5056))
        assert str(ours.value).startswith(start), str(ours.value)
    assert ftorch.get_rng_state().tolist() == before   # nothing changed


def _valid_blob():
    return bytes(ftorch.Generator().manual_seed(3).get_state().tolist())


def _at(raw, offset, fmt, value):
    b = bytearray(raw)
    struct.pack_into(fmt, b, offset, value)
    return bytes(b)


@pytest.mark.parametrize("mutate,match", [
    (lambda b: _at(b, 8, "<i", 0), "Invalid mt19937 state"),          # left
    (lambda b: _at(b, 8, "<i", 625), "Invalid mt19937 state"),
    (lambda b: _at(b, 8, "<i", -1), "Invalid mt19937 state"),
    (lambda b: _at(b, 12, "<i", 0), "Invalid mt19937 state"),         # seeded
    (lambda b: _at(b, 16, "<Q", 625), "Invalid mt19937 state"),       # next
    (lambda b: _at(b, 16, "<Q", 2 ** 63), "Invalid mt19937 state"),
    (lambda b: _at(_at(b, 8, "<i", 5), 16, "<Q", 3), "Invalid mt19937 state"),  # disagree
    (lambda b: b + b"\0", "of size 5056 but found the input RNG state size to be 5057"),
    (lambda b: b[:-1], "size to be 5055"),
    (lambda b: b"", "size to be 0"),
])
def test_hostile_state_fields_are_refused(mutate, match):
    g = ftorch.Generator().manual_seed(11)
    before = bytes(g.get_state().tolist())
    with pytest.raises(RuntimeError, match=match):
        g.set_state(_state_tensor(mutate(_valid_blob())))
    assert bytes(g.get_state().tolist()) == before


def test_a_pickled_state_never_runs(tmp_path):
    """The old format was a pickle: a crafted one is now just wrong bytes."""
    target = tmp_path / "created"
    for payload in (_Payload("rng"), _FilePayload(target)):
        blob = pickle.dumps(payload)
        with pytest.raises(RuntimeError, match="size"):
            ftorch.set_rng_state(_state_tensor(blob + b"\0" * max(0, 64 - len(blob))))
        with pytest.raises(RuntimeError, match="size"):
            ftorch.set_rng_state(_state_tensor(blob[:10]))
    old = pickle.dumps(np.random.PCG64(1).state)   # a state as the pickling version wrote it
    with pytest.raises(RuntimeError):
        ftorch.set_rng_state(_state_tensor(old))
    assert not target.exists()


@given(st.binary(min_size=0, max_size=80))
def test_arbitrary_bytes_are_a_state_or_a_clear_error(raw):
    g = ftorch.Generator().manual_seed(2)
    before = bytes(g.get_state().tolist())
    try:
        g.set_state(_state_tensor(raw))
    except RuntimeError as e:
        assert "RNG state" in str(e)
        assert bytes(g.get_state().tolist()) == before
    else:   # only a well-formed state is taken, and then exactly
        assert bytes(g.get_state().tolist()) == raw


@given(st.integers(0, 5056 * 8 - 1))
def test_every_bit_flip_is_refused_or_a_valid_state(bit):
    raw = bytearray(_valid_blob())
    raw[bit // 8] ^= 1 << (bit % 8)
    g = ftorch.Generator()
    try:
        g.set_state(_state_tensor(bytes(raw)))
    except RuntimeError as e:   # only the counters (left, seeded, next) can be out of range
        assert 8 <= bit // 8 < 24 and "Invalid mt19937 state" in str(e)
        return
    back = bytes(g.get_state().tolist())
    # read back as PyTorch writes it: the words' high halves, normal_x/rho and the padding
    # dropped, the flags as 1
    byte = bit // 8
    if byte < 8 or 16 <= byte < 24 or (24 <= byte < 5016 and (byte - 24) % 8 < 4):
        assert back == bytes(raw)
    g2 = ftorch.Generator().set_state(_state_tensor(back))
    assert bytes(g2.get_state().tolist()) == back


def test_layouts_are_keyed_by_size():
    assert set(_rng_state.LAYOUTS) == {5056}
    assert _rng_state.LAYOUTS[5056].engine.startswith("mt19937")


def test_a_state_of_another_shape_reads_its_elements(torch):
    """PyTorch reads a state tensor's elements whatever its shape; so does funcgrad."""
    s = ftorch.get_rng_state()
    ftorch.set_rng_state(s.reshape(79, 64))
    with pytest.raises(RuntimeError, match="Invalid"):
        torch.set_rng_state(torch.get_rng_state().reshape(2, -1) * 0)


def test_pytorchs_own_state_is_taken_and_continues_its_stream(torch):
    torch.manual_seed(21)
    torch.rand(5)
    ftorch.set_rng_state(_state_tensor(bytes(torch.get_rng_state().tolist())))
    assert ftorch.rand(4).tolist() == torch.rand(4).tolist()


def test_fork_rng_restores_exactly_and_has_pytorchs_signature(torch):
    assert list(inspect.signature(ftorch.random.fork_rng).parameters) == \
        list(inspect.signature(torch.random.fork_rng).parameters)
    ftorch.manual_seed(0)
    with ftorch.random.fork_rng():
        inside = ftorch.rand(4)
        ftorch.manual_seed(123)
        ftorch.randn(100)
    assert ftorch.equal(inside, ftorch.rand(4))
    assert ftorch.initial_seed() == 0
    ftorch.manual_seed(0)
    with ftorch.random.fork_rng(enabled=False):
        ftorch.rand(4)
    assert not ftorch.equal(inside, ftorch.rand(4))   # not forked: the draw was consumed
    ftorch.manual_seed(0)
    with pytest.raises(ZeroDivisionError), ftorch.random.fork_rng(devices=[]):
        ftorch.rand(7)
        1 / 0   # noqa: B018 - the state is restored on an exception too
    assert ftorch.equal(inside, ftorch.rand(4))
    with pytest.raises(RuntimeError, match="torch has no module of `tpu`"), \
            ftorch.random.fork_rng(device_type="tpu"):
        pass


def test_cuda_rng_state_without_a_gpu_matches_pytorch(torch):
    if ftorch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    for mod in (torch, ftorch):
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            mod.cuda.get_rng_state()
        assert mod.cuda.get_rng_state_all() == []
    with pytest.raises(RuntimeError, match="size to be 3"):   # checked even with no GPU
        ftorch.cuda.set_rng_state(ftorch.zeros(3, dtype=ftorch.uint8))
    ftorch.cuda.set_rng_state(ftorch.get_rng_state())   # valid: kept for when a GPU appears
    ftorch.manual_seed(0)   # ... and overridden by a later seed, as on a GPU
    assert not _random._cuda_pending


def test_cuda_rng_state_round_trip(gpu, monkeypatch):
    monkeypatch.setattr(_random, "_cuda_generators", {})
    ftorch.manual_seed(4)
    s = ftorch.cuda.get_rng_state()
    a = ftorch.rand(3, device="cuda")
    ftorch.cuda.set_rng_state(s)
    assert ftorch.equal(a, ftorch.rand(3, device="cuda"))
    assert len(ftorch.cuda.get_rng_state_all()) == ftorch.cuda.device_count()
    with ftorch.random.fork_rng():
        b = ftorch.rand(3, device="cuda")
    assert ftorch.equal(b, ftorch.rand(3, device="cuda"))
    with pytest.raises(RuntimeError, match="size"):
        ftorch.cuda.set_rng_state(_state_tensor(b"\0" * 64), 0)


def _order(sampler):
    return list(iter(sampler))


@pytest.mark.parametrize("make", [
    lambda g: RandomSampler(range(10), generator=g),
    lambda g: RandomSampler(range(10), replacement=True, num_samples=15, generator=g),
    lambda g: SubsetRandomSampler([3, 1, 4, 1, 5, 9], generator=g),
    lambda g: WeightedRandomSampler([0.1, 0.5, 0.4], 8, generator=g),
    lambda g: DataLoader(TensorDataset(ftorch.arange(12)), batch_size=5, shuffle=True,
                         generator=g),
])
def test_samplers_and_loaders_resume_from_a_generator_state(make):
    g = ftorch.Generator().manual_seed(8)
    state = g.get_state()
    first = [x if isinstance(x, int) else x[0].tolist() for x in _order(make(g))]
    g.set_state(state)
    again = [x if isinstance(x, int) else x[0].tolist() for x in _order(make(g))]
    assert first == again
    with pytest.raises(RuntimeError, match="size"):
        g.set_state(_state_tensor(pickle.dumps(_Payload("sampler")).ljust(64, b"\0")[:64]))


# ---- funcgrad's own keys -----------------------------------------------------------------------

KEY_DATA = [
    (np.zeros(3, np.uint32), "shape to end with \\(2,\\)"),
    (np.zeros(2, np.float32), "dtype = uint32; got dtype=float32"),
    (np.zeros(2, np.int32), "dtype = uint32; got dtype=int32"),
    (np.zeros(2, np.uint64), "dtype = uint32; got dtype=uint64"),
    (np.zeros((), np.uint32), "ndim >= 1"),
    ("abc", "ndim, shape, and dtype attributes"),
    ([1, 2], "ndim, shape, and dtype attributes"),
]


@pytest.mark.parametrize("data,match", KEY_DATA)
def test_key_data_is_checked_as_jax_checks_it(data, match):
    for fn in (fg.random.wrap_key_data, fg.random.key_data):
        with pytest.raises(TypeError, match=match):
            fn(data)


@pytest.mark.parametrize("data,match", KEY_DATA)
def test_key_data_errors_have_jaxs_class(data, match):
    jax = pytest.importorskip("jax", reason="JAX oracle not installed")
    with pytest.raises(TypeError):
        jax.random.wrap_key_data(data)


@pytest.mark.parametrize("shape", [(2,), (1, 2), (0, 2), (3, 4, 2)])
def test_key_data_round_trip(shape):
    data = np.arange(int(np.prod(shape)), dtype=np.uint32).reshape(shape)
    keys = fg.random.wrap_key_data(data)
    np.testing.assert_array_equal(np.asarray(fg.random.key_data(keys)), data)
    got = fg.jit(lambda k: fg.random.key_data(fg.random.wrap_key_data(k)))(data)
    np.testing.assert_array_equal(np.asarray(got), data)
    assert fg.random.wrap_key_data(data, impl="threefry2x32").shape == shape[:-1]
    with pytest.raises(ValueError, match="impl"):  # funcgrad has JAX's default generator only
        fg.random.wrap_key_data(data, impl="rbg")


# ---- the audit: every way the package could run code it did not write -------------------------

# (file, what) -> why it is safe. `what` is a module imported, a builtin called, or a dunder
# defined. A use not listed here fails the audit: add it with its reason (and a test), or remove
# it. No file may call pickle.load(s), marshal.load(s), eval, or __import__ at all.
AUDIT = {
    ("_core/array.py", "def __reduce__"):
        "pickles an Array as (Array, (host ndarray,)): saving only; funcgrad never unpickles",
    ("torch/_dtypes.py", "def __reduce__"):
        "(dtype lookup by name, (name,)): the lookup searches funcgrad's dtype table only",
    ("torch/_size.py", "def __reduce__"): "(Size|device, (plain values,)): saving only",
    ("torch/_reductions.py", "def __reduce__"): "(return-type class, (tuple,)): saving only",
    ("torch/_tensor.py", "def __reduce_ex__"):
        "(funcgrad's rebuild function, (ndarray, bool)): for copy.deepcopy and the user's own "
        "pickling; funcgrad never unpickles",
    ("torch/nn/parameter.py", "def __reduce_ex__"): "as Tensor's",
    ("torch/nn/modules/module.py", "def __setstate__"):
        "restores a module's own __dict__ for copy.deepcopy; reached only by an unpickling the "
        "user chose (funcgrad never unpickles)",
    ("torch/nn/modules/activation.py", "def __setstate__"): "as Module's",
    ("torch/nn/modules/conv.py", "def __setstate__"): "as Module's",
    ("torch/utils/hooks.py", "def __setstate__"): "a hook handle's ids, for copy.deepcopy",
    ("interpreters/codegen.py", "exec"):
        "runs source built from funcgrad's templates and generated identifiers only: "
        "see test_jit_* below",
    ("interpreters/codegen.py", "compile"): "the same source as its exec",
    ("interpreters/jit_call.py", "exec"):
        "source whose identifiers are o0..oN made from an integer count",
    ("interpreters/jit_call.py", "compile"): "the same source as its exec",
    ("_module_alias.py", "import importlib"):
        "imports funcgrad.<...> modules for names a user's own import statement asked for: "
        "see test_module_alias_never_leaves_funcgrad",
    ("torch/__init__.py", "import importlib"):
        "torch.<name> imports funcgrad.torch.<name> only: see test_torch_getattr_*",
    ("torch/distributed/_groups.py", "import importlib"): "find_spec('mpi4py'): a constant",
    ("distributed/_rank.py", "import runpy"):
        "the launcher runs the script named on its own command line, as `python script.py`",
    ("distributed/_runtime.py", "import runpy"): "reads runpy.__file__ to trim tracebacks",
    ("torch/distributed/_rank.py", "import runpy"): "torchrun's launcher: as above",
    ("_module_alias.py", "import runpy"): "python -m funcgrad.torch script.py runs script.py",
    ("torch/serialization.py", "import pickle"):
        "only for the class pickle.UnpicklingError; nothing is unpickled",
    ("torch/utils/data/_utils/worker.py", "import pickle"):
        "pickle.dumps only, to test whether an error can travel to the parent; DataLoader "
        "workers are the loader's own child processes (multiprocessing's queues)",
}
_BANNED_CALLS = {"eval", "__import__", "execfile"}
_BANNED_ATTRS = {("pickle", "load"), ("pickle", "loads"), ("pickle", "Unpickler"),
                 ("marshal", "load"), ("marshal", "loads"), ("shelve", "open"),
                 ("yaml", "load"), ("yaml", "unsafe_load"), ("dill", "loads")}
_WATCHED_MODULES = {"pickle", "marshal", "shelve", "importlib", "runpy", "dill", "yaml",
                    "cloudpickle", "code", "codeop"}
_WATCHED_DUNDERS = {"__reduce__", "__reduce_ex__", "__setstate__"}


def _audit_file(path):
    tree = ast.parse(path.read_text(), str(path))
    found, banned = set(), []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""]
            for n in names:
                if n.split(".")[0] in _WATCHED_MODULES:
                    found.add(f"import {n.split('.')[0]}")
        elif isinstance(node, ast.FunctionDef) and node.name in _WATCHED_DUNDERS:
            found.add(f"def {node.name}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in _BANNED_CALLS:
                banned.append(f"{node.func.id}() at line {node.lineno}")
            elif node.func.id in ("exec", "compile"):
                found.add(node.func.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                (node.value.id, node.attr) in _BANNED_ATTRS:
            banned.append(f"{node.value.id}.{node.attr} at line {node.lineno}")
    return found, banned


def test_audit_every_code_loading_construct_is_listed_with_its_reason():
    pkg = ROOT / "funcgrad"
    seen, banned = set(), []
    for path in sorted(pkg.rglob("*.py")):
        rel = path.relative_to(pkg).as_posix()
        found, bad = _audit_file(path)
        seen |= {(rel, what) for what in found}
        banned += [f"{rel}: {b}" for b in bad]
    # torch.compile is a function named compile, not the builtin
    seen.discard(("torch/__init__.py", "compile"))
    assert not banned, f"code-loading calls in funcgrad: {banned}"
    assert seen - set(AUDIT) == set(), f"unaudited uses (add a reason and a test): " \
                                       f"{sorted(seen - set(AUDIT))}"
    assert set(AUDIT) - seen == set(), f"stale audit entries: {sorted(set(AUDIT) - seen)}"


def test_audit_finds_what_it_looks_for(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import pickle\nimport importlib.util\nx = pickle.loads(b'')\neval('1')\n"
                 "class A:\n    def __reduce__(self):\n        return (A, ())\n"
                 "exec(compile('1', 'f', 'exec'))\n")
    found, banned = _audit_file(f)
    assert found == {"import pickle", "import importlib", "def __reduce__", "exec", "compile"}
    assert sorted(banned) == ["eval() at line 4", "pickle.loads at line 3"]


CODE = "__import__('tests.test_security', fromlist=['_pwn'])._pwn('exec')"


def test_jit_function_name_is_never_code():
    def f(x):
        return fnp.sin(x) * 2.0
    f.__name__ = f"f(x): pass\n{CODE}\ndef g"
    jf = fg.jit(f)
    np.testing.assert_allclose(np.asarray(jf(1.0)), np.sin(1.0) * 2)
    source = jf.lower(1.0).source
    assert "__import__" not in source and source.startswith("def jitted(")


def test_jit_pytree_keys_and_arg_names_never_reach_the_source():
    """Dict keys may come from a loaded file (a state dict's names): they name nothing in the
    generated code, which uses generated variable names only."""
    tree = {CODE: fnp.ones(3), f"'); {CODE}; ('": fnp.zeros(3)}

    def loss(params, **kw):
        return sum(fnp.sum(v) for v in params.values()) + sum(fnp.sum(v) for v in kw.values())
    jf = fg.jit(loss)
    assert float(jf(tree, **{"x" * 3: fnp.ones(2)})) == 5.0
    source = jf.lower(tree, xxx=fnp.ones(2)).source
    assert "__import__" not in source and "_pwn" not in source


def test_jit_primitive_params_are_never_spliced_as_code():
    class Evil(int):
        def __repr__(self):
            return CODE

        __str__ = __repr__
    jf = fg.jit(lambda x: lax.integer_pow(x, Evil(3)))
    np.testing.assert_allclose(np.asarray(jf(fnp.array([2.0]))), [8.0])
    assert "__import__" not in jf.lower(fnp.array([2.0])).source

    def g(x):
        return fnp.einsum("i,i->", x, x) + fnp.sum(fnp.where(x > 0, x, 0.0))
    jg = fg.jit(g)
    assert float(jg(fnp.array([1.0, 2.0]))) == 8.0


def test_custom_jvp_name_is_never_code():
    @fg.custom_jvp
    def f(x):
        return fnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return fnp.sin(x), fnp.cos(x) * t
    f.__name__ = CODE
    assert float(fg.jit(fg.grad(f))(0.0)) == 1.0


def test_module_alias_never_leaves_funcgrad():
    finder = ModuleAlias({"torch": "funcgrad.torch"})
    for name in ["torch.os", "torch.subprocess", "torch..os", "torchvision", "os",
                 f"torch.{CODE}"]:
        real = finder.target(name)
        assert real is None or real.startswith("funcgrad.torch")
        try:
            spec = finder.find_spec(name)
        except (ModuleNotFoundError, ValueError):
            spec = None
        assert spec is None, name
    assert finder.target("torch.nn.functional") == "funcgrad.torch.nn.functional"


def test_torch_getattr_imports_only_funcgrad_torch_modules():
    for name in ["os", "subprocess", "pickle", CODE]:
        with pytest.raises((AttributeError, ModuleNotFoundError)):
            getattr(ftorch, name)
    assert "subprocess" not in vars(ftorch)


def test_state_dict_keys_from_a_file_never_reach_getattr():
    lin = ftorch.nn.Linear(2, 2)
    hostile = dict(lin.state_dict())
    hostile.update({"__class__": ftorch.ones(1), "weight.__init__": ftorch.ones(1),
                    "__dict__": ftorch.ones(1), CODE: ftorch.ones(1)})
    result = lin.load_state_dict(hostile, strict=False)
    assert sorted(result.unexpected_keys) == sorted(set(hostile) - {"weight", "bias"})
    assert type(lin) is ftorch.nn.Linear and "weight" in lin.state_dict()
    with pytest.raises(RuntimeError, match="Unexpected key"):
        lin.load_state_dict(hostile)


# ---- checkpoints: torch.load never unpickles ---------------------------------------------------

def _save_bytes(obj):
    buf = io.BytesIO()
    ftorch.save(obj, buf)
    return buf.getvalue()


def _load(data, **kw):
    return ftorch.load(io.BytesIO(data), **kw)


def _zip(entries, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", compression) as z:
        warnings.simplefilter("ignore")   # zipfile warns of the duplicate names some tests want
        for name, data in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            z.writestr(info, data)
    return buf.getvalue()


def _manifest(root, tensors=()):
    return json.dumps({"format": "funcgrad.torch.save", "version": 1, "byteorder": "little",
                       "root": root, "tensors": list(tensors)})


def _pickles(tmp_path):
    target = tmp_path / "pwned.txt"
    evil = {"w": _Payload("load"), "f": _FilePayload(target)}
    out = {"raw pickle p2": pickle.dumps(evil, protocol=2),
           "raw pickle p5": pickle.dumps(evil, protocol=5),
           "pytorch zip": _zip([("archive/data.pkl", pickle.dumps(evil)),
                                ("archive/version", b"3")])}
    return out, target


@pytest.mark.parametrize("weights_only", [None, True, False])
def test_pickled_code_is_never_run_whatever_weights_only_says(tmp_path, weights_only):
    files, target = _pickles(tmp_path)
    ftorch.serialization.add_safe_globals([_pwn, open])   # an allowlist cannot open the door
    try:
        for name, data in files.items():
            with pytest.raises(pickle.UnpicklingError, match="^Weights only load failed"):
                _load(data, weights_only=weights_only)
            with pytest.raises(RuntimeError, match="never unpickles"):
                _load(data, weights_only=weights_only, pickle_module=pickle)
    finally:
        ftorch.serialization.clear_safe_globals()
    assert not target.exists()


def test_pickle_refusal_has_pytorchs_class_and_message_start(torch, tmp_path):
    files, target = _pickles(tmp_path)
    for data in (files["raw pickle p2"],):
        with pytest.raises(pickle.UnpicklingError) as real:
            torch.load(io.BytesIO(data), weights_only=True)
        with pytest.raises(pickle.UnpicklingError) as ours:
            _load(data)
        assert str(ours.value).split(".")[0] == str(real.value).split(".")[0]
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    with pytest.raises(UnpicklingRefused, match="written by PyTorch's torch.save"):
        _load(buf.getvalue())
    assert not target.exists()


def test_safe_globals_api_is_pytorchs_and_changes_nothing(torch):
    for name in ("add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals"):
        assert list(inspect.signature(getattr(ftorch.serialization, name)).parameters) == \
            list(inspect.signature(getattr(torch.serialization, name)).parameters)
    data = _save_bytes({"w": ftorch.ones(2)})
    with ftorch.serialization.safe_globals([dict]):
        assert ftorch.serialization.get_safe_globals() == [dict]
        assert ftorch.equal(_load(data)["w"], ftorch.ones(2))
    assert ftorch.serialization.get_safe_globals() == []


def test_weights_only_and_mmap_arguments(torch):
    data = _save_bytes({"w": ftorch.arange(3.0)})
    for wo in (None, True, False):
        assert ftorch.equal(_load(data, weights_only=wo)["w"], ftorch.arange(3.0))
    for mod, blob in ((torch, None), (ftorch, data)):
        if blob is None:
            buf = io.BytesIO()
            torch.save({"w": torch.ones(1)}, buf)
            blob = buf.getvalue()
        with pytest.raises(ValueError, match="f must be a file path in order to use the mmap"):
            mod.load(io.BytesIO(blob), mmap=True)


@pytest.mark.parametrize("data", [b"garbage" * 10, pickle.dumps([1, 2], protocol=0), b"\0" * 9])
def test_bytes_that_are_no_archive_have_pytorchs_class(torch, data):
    with pytest.raises(pickle.UnpicklingError):
        torch.load(io.BytesIO(data))
    with pytest.raises(pickle.UnpicklingError, match="not a zip archive"):
        _load(data)


def test_truncated_damaged_files_have_pytorchs_class(torch):
    buf = io.BytesIO()
    torch.save({"w": torch.ones(3)}, buf)
    with pytest.raises(RuntimeError):
        torch.load(io.BytesIO(buf.getvalue()[:100]))
    with pytest.raises(RuntimeError, match="not a valid funcgrad.torch.save file"):
        _load(_save_bytes({"w": ftorch.ones(3)})[:100])


GOOD = {"dtype": "float32", "shape": [2], "requires_grad": False, "parameter": False,
        "data": "data/0"}
EIGHT = b"\0" * 8
M = "funcgrad_torch/manifest.json"
D0 = "funcgrad_torch/data/0"


@pytest.mark.parametrize("entries,match", [
    # zip path traversal: entries an unzip tool would write outside its folder
    ([(M, _manifest({"tensor": 0}, [GOOD])), (D0, EIGHT), ("../../x", b"pwn")],
     "entry '../../x' that funcgrad.torch.save never writes"),
    ([(M, _manifest({"tensor": 0}, [GOOD])), (D0, EIGHT), ("/etc/cron.d/x", b"pwn")],
     "never writes"),
    ([(M, _manifest({"tensor": 0}, [GOOD])), (D0, EIGHT),
      ("funcgrad_torch/data/../../../x", b"pwn")], "never writes"),
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, data="data/../../x")])), (D0, EIGHT)],
     "names the data entry 'data/../../x'"),
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, data="/data/0")])), (D0, EIGHT)],
     "names the data entry"),
    # duplicates
    ([(M, _manifest({"tensor": 0}, [GOOD])), (D0, EIGHT), (D0, EIGHT)], "twice"),
    ([(M, _manifest(1)), (M, _manifest(2))], "twice"),
    ([(M, _manifest({"list": [{"tensor": 0}, {"tensor": 1}]}, [GOOD, GOOD])), (D0, EIGHT)],
     "the same data entry"),
    # huge declared sizes and shapes: refused before any allocation
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, shape=[2 ** 62, 2 ** 62])])), (D0, EIGHT)],
     "needs .* bytes, but its data entry holds 8"),
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, shape=[1] * 65)])), (D0, EIGHT)],
     "invalid shape"),
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, shape=[True, 2])])), (D0, EIGHT)],
     "invalid shape"),
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, shape="2")])), (D0, EIGHT)], "invalid shape"),
    # wrong dtypes, offsets, strides: only save()'s fields, with save()'s values
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, dtype="float128")])), (D0, EIGHT)],
     "unknown dtype 'float128'"),
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, dtype="<f4")])), (D0, EIGHT)],
     "unknown dtype"),
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, dtype=["float32"])])), (D0, EIGHT)],
     "unknown dtype"),
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, offset=4)])), (D0, EIGHT)],
     "unknown field 'offset'"),
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, strides=[-4])])), (D0, EIGHT)],
     "unknown field 'strides'"),
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, shape=[3])])), (D0, EIGHT)],
     "needs 12 bytes, but its data entry holds 8"),
    ([(M, _manifest({"tensor": 0}, [dict(GOOD, requires_grad="yes")])), (D0, EIGHT)],
     "not booleans"),
    # nesting and node abuse in the manifest
    ([(M, '{"list": [' * 100000 + "1" + "]}" * 100000)], "not valid JSON"),
    ([(M, _manifest(json.loads('{"dict": [[1, ' * 250 + "1" + "]]}" * 250)))],
     "levels deep"),
    ([(M, _manifest({"__reduce__": ["os.system", "echo"]}))], "unrecognised manifest node"),
    ([(M, _manifest({"tensor": 10 ** 30}))], "out of range"),
    ([(M, "{" + '"a":1,' * 10 + '"format": 1}')], "does not describe"),
])
def test_hostile_archives_are_refused_with_a_clear_error(entries, match, tmp_path):
    cwd = os.getcwd()
    os.chdir(tmp_path)   # were anything extracted relative to here, it would show
    try:
        with pytest.raises(RuntimeError, match="not a valid funcgrad.torch.save file: .*" + match):
            _load(_zip(entries))
    finally:
        os.chdir(cwd)
    assert list(tmp_path.iterdir()) == []


def _patch_central_sizes(data, compressed=None, uncompressed=None):
    """`data` with the first central-directory entry's declared sizes replaced."""
    at = data.index(b"PK\x01\x02")
    out = bytearray(data)
    if compressed is not None:
        out[at + 20:at + 24] = struct.pack("<I", compressed)
    if uncompressed is not None:
        out[at + 24:at + 28] = struct.pack("<I", uncompressed)
    return bytes(out)


def test_declared_sizes_that_do_not_fit_the_file_allocate_nothing():
    data = _zip([(D0, EIGHT), (M, _manifest({"tensor": 0}, [GOOD]))])
    tracemalloc.start()
    try:
        for bad in (_patch_central_sizes(data, uncompressed=0xFFFF_FFF0),
                    _patch_central_sizes(data, compressed=0xFFFF_FFF0, uncompressed=0xFFFF_FFF0)):
            with pytest.raises(RuntimeError, match="declares"):
                _load(bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2 ** 20


def test_a_zip_bomb_is_refused_before_inflating():
    bomb = b"\0" * (64 * 2 ** 20)   # 64 MB of zeros deflates to ~64 KB
    data = _zip([(M, _manifest({"tensor": 0}, [dict(GOOD, shape=[len(bomb) // 4])])),
                 (D0, bomb)], zipfile.ZIP_DEFLATED)
    assert len(data) < 2 ** 20
    del bomb
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError, match="compressed"):
            _load(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2 ** 20


_SAMPLE = {"w": ftorch.arange(6.0).reshape(2, 3), "b": [ftorch.ones(2, dtype=ftorch.int32),
                                                         1.5, "s", None], "n": 3}


@given(st.integers(0, 10 ** 6), st.integers(1, 255))
def test_bit_flips_anywhere_are_an_error_or_a_same_shaped_object(pos, mask):
    data = bytearray(_save_bytes(_SAMPLE))
    data[pos % len(data)] ^= mask
    try:
        out = _load(bytes(data))
    except RuntimeError as e:
        assert str(e).startswith("torch.load") or isinstance(e, UnpicklingRefused)
    else:   # a flip in a field nobody reads, a tensor's bytes, a key's or a number's text
        assert isinstance(out, dict) and 1 <= len(out) <= 3
        assert all(isinstance(leaf, _PLAIN) for leaf in _leaves(out)), out


_PLAIN = (ftorch.Tensor, str, int, float, complex, type(None))


def _leaves(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _leaves(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _leaves(v)
    else:
        yield obj


@given(st.integers(0, 10 ** 6))
def test_every_truncation_is_a_clear_error(cut):
    data = _save_bytes(_SAMPLE)
    with pytest.raises(RuntimeError, match="not a valid funcgrad.torch.save file"):
        _load(data[:cut % len(data)])


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats(allow_nan=False)
    | st.text(max_size=8) | st.sampled_from(["tensor", "float", "list", "dict", "data/0"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["tensor", "float", "complex", "list", "tuple", "dict", "odict", "dtype",
                         "shape", "data", "requires_grad", "parameter", "x"]), inner,
        max_size=3),
    max_leaves=20)


@given(root=_JSON, tensors=st.lists(_JSON, max_size=3),
       data=st.lists(st.binary(max_size=24), max_size=2))
def test_generated_manifests_load_plain_values_or_a_clear_error(root, tensors, data):
    entries = [(M, json.dumps({"format": "funcgrad.torch.save", "version": 1,
                               "byteorder": "little", "root": root, "tensors": tensors}))]
    entries += [(f"funcgrad_torch/data/{i}", b) for i, b in enumerate(data)]
    try:
        out = _load(_zip(entries))
    except RuntimeError as e:
        assert "not a valid funcgrad.torch.save file" in str(e)
    else:
        assert all(isinstance(leaf, _PLAIN + (bool,)) for leaf in _leaves(out))


def test_hostile_files_never_crash_the_interpreter(tmp_path):
    """Random and mutated files, loaded in a child process: a segfault or an abort would show as
    its exit status; every file must end in a RuntimeError (or load)."""
    script = textwrap.dedent("""
        import io, random, sys
        import funcgrad.torch as torch
        rng = random.Random(0)
        buf = io.BytesIO()
        torch.save({"w": torch.randn(3, 4), "s": [1, "x", 2.5]}, buf)
        good = buf.getvalue()
        cases = [bytes(rng.getrandbits(8) for _ in range(rng.randrange(200)))
                 for _ in range(150)]
        for _ in range(400):
            b = bytearray(good)
            for _ in range(rng.randrange(1, 8)):
                b[rng.randrange(len(b))] = rng.getrandbits(8)
            cases.append(bytes(b[:rng.randrange(len(b) + 1)] if rng.random() < 0.3 else b))
        other = 0
        for c in cases:
            try:
                torch.load(io.BytesIO(c))
            except RuntimeError:
                pass
            except Exception as e:
                other += 1
                print(type(e).__name__, e, file=sys.stderr)
        print("done", len(cases), other)
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["done", "550", "0"], proc.stderr[-2000:]
    assert list(tmp_path.iterdir()) == []


def test_an_rng_state_in_a_checkpoint_round_trips():
    ftorch.manual_seed(21)
    g = ftorch.Generator().manual_seed(5)
    ckpt = _load(_save_bytes({"cpu": ftorch.get_rng_state(), "g": g.get_state()}))
    a, b = ftorch.rand(3), ftorch.rand(3, generator=g)
    ftorch.set_rng_state(ckpt["cpu"])
    g.manual_seed(0).set_state(ckpt["g"])
    assert ftorch.equal(a, ftorch.rand(3)) and ftorch.equal(b, ftorch.rand(3, generator=g))


def test_distributed_objects_from_a_peer_are_never_unpickled(tmp_path):
    files, target = _pickles(tmp_path)
    for data in files.values():
        with pytest.raises(pickle.UnpicklingError):
            _objects._decode(data)
    assert not target.exists()


@pytest.mark.parametrize("dtype,cls", [(b"O", ValueError), (b"f8,O", ValueError),
                                       (CODE.encode(), (TypeError, ValueError))])
def test_a_peers_tensor_header_never_builds_objects_or_runs_code(dtype, cls):
    """torch.distributed's point-to-point messages carry their dtype as text: numpy parses it
    (never evaluates it), and no object array can be made from the bytes."""
    with pytest.raises(cls):
        _collectives._unpack(b"0|" + dtype + b"|2|" + bytes(16), ftorch.zeros(2), "recv")


# ---- SECURITY.md -------------------------------------------------------------------------------

def test_security_policy_is_there_and_linked():
    text = (ROOT / "SECURITY.md").read_text()
    for heading in ("Reporting a vulnerability", "Supported versions", "What is safe to load",
                    "What is not"):
        assert heading in text
    assert "SECURITY.md" in (ROOT / "README.md").read_text()
