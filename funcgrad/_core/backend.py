"""Array backends (numpy on the CPU; CuPy on NVIDIA GPUs) and devices."""
from __future__ import annotations

import numpy as np


class Device:
    __slots__ = ("platform", "id")

    def __init__(self, platform, id=0):
        self.platform, self.id = platform, id

    def __repr__(self):
        return f"{'Cpu' if self.platform == 'cpu' else 'Cuda'}Device(id={self.id})"

    def __str__(self):
        return "cpu" if self.platform == "cpu" else f"cuda:{self.id}"

    def __eq__(self, other):
        return isinstance(other, Device) and (self.platform, self.id) == (other.platform, other.id)

    def __hash__(self):
        return hash((self.platform, self.id))


CPU = Device("cpu")


def devices():
    """The devices funcgrad can place arrays on."""
    return [CPU]


def device_of(value):
    return CPU


def is_backend_array(v):
    return isinstance(v, np.ndarray)


def xp_of(*values):
    """The array namespace (numpy or cupy) that holds `values`."""
    return np
