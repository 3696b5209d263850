"""torch.random: the default generator's seed and state, and fork_rng.

A state is a plain uint8 tensor, PyTorch's own CPU generator layout (5,056 bytes, documented in
funcgrad.torch._rng_state; never a pickle): restoring one checks its bytes and cannot run code.

>>> import funcgrad.torch as torch
>>> with torch.random.fork_rng():
...     _ = torch.rand(3)       # draws inside the block
>>> state = torch.random.get_rng_state()
>>> state.dtype, state.shape
(torch.uint8, torch.Size([5056]))
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from .._core import backend
from ._random import (Generator, cuda_get_rng_state, cuda_set_rng_state, default_generator,
                      get_rng_state, initial_seed, manual_seed, seed, set_rng_state)
from ._size import device as torch_device

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed",
           "manual_seed", "seed", "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices: Iterable[int | str | torch_device] | None = None, enabled: bool = True,
             _caller: str = "fork_rng", _devices_kw: str = "devices",
             device_type: str | None = None) -> Iterator[None]:
    """Run the block, then put the CPU generator (and the GPU generators of `devices`, by
    default every GPU's) back in the state they had before it, exactly: the draws after the
    block are those there would have been without it. `enabled=False` forks nothing;
    device_type "meta" forks nothing, as in PyTorch. Without a GPU only the CPU generator is
    forked.

    >>> import funcgrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> with fork_rng():
    ...     inside = torch.rand(2)
    >>> bool(torch.equal(inside, torch.rand(2)))
    True
    """
    if device_type == "meta" or not enabled:
        yield
        return
    if device_type not in (None, "cuda", "cpu"):
        raise RuntimeError(f"torch has no module of `{device_type}`, you should register a "
                           "module by `torch._register_device_module`.")
    gpus = backend.cuda_device_count() if device_type != "cpu" else 0
    devices = list(range(gpus)) if devices is None else list(devices)
    cpu_state = get_rng_state()
    gpu_states = [cuda_get_rng_state(d) for d in devices] if gpus else []
    try:
        yield
    finally:
        set_rng_state(cpu_state)
        for d, state in zip(devices, gpu_states):
            cuda_set_rng_state(state, d)
