"""Test configuration: hypothesis profiles, the PyTorch oracle fixture and the GPU fixture.

FUNCGRAD_HYPOTHESIS=deep runs many more examples per property; the default ("ci") is bounded and
has no deadline, so a slow moment on a shared machine never fails a test."""
import importlib
import os
import sys

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("FUNCGRAD_HYPOTHESIS", "ci"))

# The programs that multi-process tests launch on every rank: run by mpiexec, not collected
# (--doctest-modules would import them, and they initialize a process group when imported).
collect_ignore_glob = ["distributed/*.py", "torch_distributed/*.py"]


@pytest.fixture
def torch():
    """PyTorch, the oracle (the `oracle` extra); tests that use it skip when it is absent."""
    return pytest.importorskip("torch", reason="PyTorch oracle not installed: pip install "
                               "'funcgrad[oracle]'")



@pytest.fixture(params=["fake", pytest.param("cuda", marks=pytest.mark.gpu)])
def gpu(request, monkeypatch):
    """A CUDA device, twice: on CuPy's CPU stand-in (tests/fake_cupy.py, so every machine runs
    the CUDA code path and its no-mixing and no-implicit-transfer rules) and, marked `gpu`, on a
    real NVIDIA GPU through CuPy (skipped where there is none)."""
    import funcgrad as fg
    from funcgrad._core import backend
    if request.param == "fake":
        import fake_cupy
        for name, module in fake_cupy.MODULES.items():
            monkeypatch.setitem(sys.modules, name, module)
    backend._reset_for_tests()
    if request.param == "cuda" and backend.cuda_device_count() == 0:
        pytest.skip(f"no NVIDIA GPU: {backend._cuda()[1]}")
    yield fg.devices("cuda")[0]
    backend._reset_for_tests()


# Test modules that print a list at the end of the run: each has write_summary(section, line,
# recorded), `recorded` being the values its tests stored in their reports' user_properties under the
# module's name less `test_`.
SUMMARIES = ("test_fuzz_api", "test_torch_bad_input", "test_harness")


def pytest_terminal_summary(terminalreporter):
    """Each summary module's lists (what it leaves out, with the reasons), when its tests ran.
    Built from the test reports, so it is whole under pytest-xdist too: its worker processes
    send their reports (and the properties they carry) to this one."""
    ran, recorded = set(), {name: [] for name in SUMMARIES}
    for reports in terminalreporter.stats.values():
        for report in reports:
            module = getattr(report, "nodeid", "").partition("::")[0]
            name = module.rpartition("/")[2].removesuffix(".py")
            if name in recorded:
                ran.add(name)
                recorded[name] += [v for k, v in getattr(report, "user_properties", ())
                                   if k == name.removeprefix("test_")]
    for name in SUMMARIES:
        if name in ran:
            module = sys.modules.get(name) or importlib.import_module(name)
            module.write_summary(terminalreporter.section, terminalreporter.write_line,
                                 recorded[name])


@pytest.fixture(autouse=True)
def _dtype_mode_restored():
    """funcgrad's dtype mode (fg.config's jax_enable_x64 and dtype_promotion) is process-global:
    a test that switches to JAX's mode and fails before switching back must not leave the other
    tests in it. funcgrad's default (numpy's dtypes, x64 on) is put back after every test."""
    yield
    from funcgrad._core.config import config  # (imported here: conftest loads before funcgrad)
    if not config.jax_enable_x64 or config.dtype_promotion != "numpy":
        config.update("jax_enable_x64", True)
        config.update("dtype_promotion", "numpy")
