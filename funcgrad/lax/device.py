"""device_put: the one primitive that moves data between devices. It is a primitive (not a bare
copy) so that derivatives flow back across the transfer: the cotangent returns to the device the
input came from."""
from __future__ import annotations

from .._core import backend
from .._core.primitive import NO_ALGEBRA, Primitive, defjvp, defvjp
from .._core.trace import concrete_value, is_concrete

device_put_p = Primitive("device_put")
# It moves data itself (its operand is not moved to a device first, nor its result after); not
# fresh: to the device a value is already on, it is that value.
device_put_p.declare(transfers=True, impl_checks_input=False, effectful=False, fresh=False,
                     jit=None, structured_batch=None,
                     **NO_ALGEBRA)


def _impl(x, *, device):
    # device None: wherever the value already is (the transpose of a transfer whose source was
    # only known as a traced value, inside jit, where every value shares the jit's device).
    # "host": back to the host as host data, placed nowhere (where an unplaced input came from).
    if device is None:
        return x
    return backend.to_host(x) if device == "host" else backend.transfer(x, device)


device_put_p.impl = _impl
device_put_p.abstract_eval = lambda x, *, device: x
device_put_p.batch = lambda args, dims, *, device: (device_put(args[0], device), dims[0])
defjvp(device_put_p, lambda t, ans, x, *, device: device_put(t, device))
defvjp(device_put_p, lambda ct, ans, x, *, device: device_put(
    ct, backend.origin(concrete_value(x)) if is_concrete(x) else None))


def on_device_of(x, ref):
    """`x`, a value made on the default device (a constant, a seed), on the GPU that `ref` is
    on, so that results of a GPU computation stay there; `x` itself otherwise."""
    if not backend.active or not is_concrete(ref):
        return x
    d = backend.device_of(concrete_value(ref))
    return x if d is None or d.platform == "cpu" else device_put(x, d)


def device_put(x, device):
    """`x` on `device` (a Device, or None for where it is); differentiable."""
    return device_put_p.bind(x, device=device)
