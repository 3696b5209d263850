"""device_put: the one primitive that moves data between devices. It is a primitive (not a bare
copy) so that derivatives flow back across the transfer: the cotangent returns to the device the
input came from."""
from __future__ import annotations

from .._core import backend
from .._core.errors import ConcretizationError
from .._core.primitive import Primitive, defjvp, defvjp
from .._core.trace import concrete_value

device_put_p = Primitive("device_put")


def _impl(x, *, device):
    # device None: wherever the value already is (the transpose of a transfer whose source was
    # only known as a traced value, inside jit, where every value shares the jit's device).
    return x if device is None else backend.transfer(x, device)


device_put_p.impl = _impl
device_put_p.abstract_eval = lambda x, *, device: x
device_put_p.batch = lambda args, dims, *, device: (device_put(args[0], device), dims[0])
defjvp(device_put_p, lambda t, ans, x, *, device: device_put(t, device))
defvjp(device_put_p, lambda ct, ans, x, *, device: device_put(
    ct, backend.device_of(concrete_value(x)) if _is_concrete(x) else None))


def _is_concrete(x):
    try:
        concrete_value(x)
    except ConcretizationError:  # a tracer of jit, make_jaxpr or vmap: no one value
        return False
    return True


def device_put(x, device):
    """`x` on `device` (a Device, or None for where it is); differentiable."""
    return device_put_p.bind(x, device=device)
