"""Test configuration: hypothesis profiles and the PyTorch oracle fixture.

FUNCGRAD_HYPOTHESIS=deep runs many more examples per property; the default ("ci") is bounded and
has no deadline, so a slow moment on a shared machine never fails a test."""
import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("FUNCGRAD_HYPOTHESIS", "ci"))


@pytest.fixture
def torch():
    """PyTorch, the oracle (the `oracle` extra); tests that use it skip when it is absent."""
    return pytest.importorskip("torch", reason="PyTorch oracle not installed: pip install "
                               "'funcgrad[oracle]'")

