"""torch.cuda over funcgrad's CUDA backend (CuPy). Where there is no GPU (or no CuPy) every query
answers as PyTorch's CPU-only build does."""
from __future__ import annotations

from .._core import backend
from ._random import cuda_get_rng_state as get_rng_state
from ._random import cuda_get_rng_state_all as get_rng_state_all
from ._random import cuda_set_rng_state as set_rng_state
from ._random import cuda_set_rng_state_all as set_rng_state_all
from ._random import seed_cuda
from ._size import as_device
from ._size import require_cuda as _lazy_init


def is_available():
    return backend.cuda_device_count() > 0


def device_count():
    return backend.cuda_device_count()


def _cupy():
    _lazy_init()
    return backend._cuda()[0]


def _index(device):
    """The GPU index `device` (None: the current one, an index, 'cuda:1', a torch.device) names."""
    if device is None:
        return current_device()
    return as_device(device).index or 0


def current_device():
    _lazy_init()
    return 0  # funcgrad.torch has no set_device: the current GPU is the first


def synchronize(device=None):
    """Wait for the work queued on the GPU (CuPy launches kernels asynchronously)."""
    _cupy().cuda.Device(_index(device)).synchronize()


def get_device_name(device=None):
    return _cupy().cuda.runtime.getDeviceProperties(_index(device))["name"].decode()


def memory_allocated(device=None):
    """Bytes held by live GPU arrays (CuPy's memory pool); 0 where there is no GPU."""
    return _cupy().get_default_memory_pool().used_bytes() if is_available() else 0


def manual_seed(seed):
    """Seed the GPUs' default generators (silently accepted where there is no GPU, as PyTorch
    does)."""
    seed_cuda(seed)


manual_seed_all = manual_seed  # funcgrad's GPUs share one seed, as after PyTorch's manual_seed
