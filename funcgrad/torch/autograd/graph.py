"""torch.autograd.graph: the Node class of grad_fn objects, and saved-tensor hooks (accepted)."""
from __future__ import annotations

import contextlib

from .._graph import Node  # noqa: F401  (isinstance(t.grad_fn, torch.autograd.graph.Node))


@contextlib.contextmanager
def saved_tensors_hooks(pack_hook, unpack_hook):
    """Accepted for compatibility: saved values stay in memory as they are."""
    yield


@contextlib.contextmanager
def save_on_cpu(pin_memory=False, device_type="cuda"):
    yield


def increment_version(tensor):
    tensor._bump()
