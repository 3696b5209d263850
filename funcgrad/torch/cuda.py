"""torch.cuda: funcgrad's CUDA backend (CuPy) is not available here, so every query answers as
PyTorch's CPU build does."""
from __future__ import annotations


def is_available():
    return False


def device_count():
    return 0


def _lazy_init():
    raise AssertionError("Torch not compiled with CUDA enabled")


def current_device():
    _lazy_init()


def synchronize(device=None):
    _lazy_init()


def manual_seed(seed):
    """Seeds nothing: there is no CUDA generator (as PyTorch, this is silently accepted)."""


def manual_seed_all(seed):
    """See manual_seed."""


def memory_allocated(device=None):
    return 0
