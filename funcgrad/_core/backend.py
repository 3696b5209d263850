"""Array backends and devices: numpy on the CPU, CuPy on NVIDIA GPUs.

An fg.Array holds one backend array, and the backend array's type says where it lives. CuPy is
imported the first time a CUDA device is asked for, never at `import funcgrad`; until then every
check here is skipped (`active` stays False), so CPU-only code pays nothing for devices.
"""
from __future__ import annotations

import contextlib
import weakref
from typing import Any, Iterator

import numpy as np

from . import avals
from .errors import DeviceMismatchError, DeviceUnavailableError, doc_link


class Device:
    """One place arrays live: `fg.devices()` lists them; `str(d)` is 'cpu' or 'cuda:0'."""
    __slots__ = ("platform", "id")

    def __init__(self, platform: str, id: int = 0):
        self.platform, self.id = platform, id

    def __repr__(self) -> str:
        return f"{'Cpu' if self.platform == 'cpu' else 'Cuda'}Device(id={self.id})"

    def __str__(self) -> str:
        return "cpu" if self.platform == "cpu" else f"cuda:{self.id}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Device) and (self.platform, self.id) == (other.platform, other.id)

    def __hash__(self) -> int:
        return hash((self.platform, self.id))

    @property
    def xp(self) -> Any:
        """The array namespace whose functions run on this device (numpy or cupy)."""
        return np if self.platform == "cpu" else _cuda()[0]


CPU = Device("cpu")

# True once a CUDA device has been handed out: from then on operations check their operands'
# devices. Before, every array is a numpy array on the CPU and nothing needs checking.
active = False
# Functions called after `active` changes (modules that keep a flag derived from it).
ACTIVE_HOOKS: list = []
_XP_BY_TYPE = {np.ndarray: np}
# numpy arrays put on the CPU by fg.device_put (or computed from such), by id.
_placed_on_cpu: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_cupy_state = None  # (cupy module or None, why not, number of GPUs)
_gpus: dict = {}  # index -> Device, for the GPUs handed out


def _cuda():
    global _cupy_state
    if _cupy_state is None:
        try:
            import cupy
        except ImportError as e:
            _cupy_state = (None, f"CuPy is not installed ({e}). Install it with "
                                 "`pip install 'funcgrad[cuda]'` (CUDA 12; 'funcgrad[cuda13]' "
                                 "for CUDA 13)", 0)
        else:
            try:
                n = cupy.cuda.runtime.getDeviceCount()
            except Exception as e:  # CUDARuntimeError: no driver, no device
                n, why = 0, f"CuPy {cupy.__version__} found no usable GPU ({e})"
            else:
                why = "CuPy found no GPU (cupy.cuda.runtime.getDeviceCount() == 0)"
            _cupy_state = (cupy if n else None, why, n)
            if n:
                _XP_BY_TYPE[cupy.ndarray] = cupy
    return _cupy_state


def _reset_for_tests():
    """Forget what was found about CuPy (tests swap a stand-in for it in and out)."""
    global _cupy_state, active
    _cupy_state, active = None, False
    for hook in ACTIVE_HOOKS:
        hook()
    _gpus.clear()
    for t in [t for t in _XP_BY_TYPE if not issubclass(t, np.ndarray)]:  # numpy's stay
        del _XP_BY_TYPE[t]
    set_default_device(None)


def cuda_device_count():
    """The GPUs funcgrad uses: one (cuda:0) for now. Operations do not yet switch CuPy's current
    device, so arrays on a second GPU would meet kernels launched on the first."""
    return min(_cuda()[2], 1)


def devices(backend: str | None = None) -> list[Device]:
    """The devices funcgrad can place arrays on: the CPU first, then each GPU.

    `backend` ('cpu' or 'cuda'/'gpu') keeps that kind only; asking for 'cuda' where there is no
    GPU raises DeviceUnavailableError saying why.

    >>> import funcgrad as fg
    >>> fg.devices("cpu")
    [CpuDevice(id=0)]
    """
    if backend is None:
        return [CPU] + [_gpu(i) for i in range(cuda_device_count())]
    platform = _platform(backend)
    if platform == "cpu":
        return [CPU]
    _require_cuda("cuda")
    return [get_device(f"cuda:{i}") for i in range(cuda_device_count())]


def _platform(name):
    name = str(name).lower()
    if name == "cpu":
        return "cpu"
    if name in ("cuda", "gpu"):
        return "cuda"
    raise ValueError(f"unknown backend {name!r}; use 'cpu' or 'cuda'")


def _require_cuda(asked):
    state = _cuda()
    if state[0] is None:
        raise DeviceUnavailableError(
            f"{asked!r} was asked for, but funcgrad cannot run on a GPU here: {state[1]}.\n"
            "Without a GPU, keep the arrays on the CPU (the default):\n"
            "    x = fg.device_put(x, 'cpu')\n"
            "or choose the device from what is there:\n"
            "    device = fg.devices()[-1]  # a GPU if there is one, else the CPU "
            + doc_link("deviceunavailableerror"))
    return state


def get_device(spec):
    """The Device for a Device, 'cpu', 'cuda', 'cuda:1', 'gpu' or ('cuda', 1)."""
    global active
    if isinstance(spec, Device):
        if spec.platform == "cpu":
            return CPU  # the one instance, which `is CPU` tests rely on
        known = _gpus.get(spec.id)
        if known is not None:  # checked when first handed out
            return known
        platform, index = spec.platform, spec.id
    else:
        text = str(spec)
        name, _, index = text.partition(":")
        platform = _platform(name)
        if platform == "cpu":
            if index.strip() not in ("", "0"):
                raise DeviceUnavailableError(
                    f"device {text!r} does not exist: funcgrad has one CPU device, 'cpu' (cpu:0), "
                    "which uses all cores. " + doc_link("deviceunavailableerror"))
            return CPU
        try:
            index = int(index or 0)
        except ValueError:
            raise ValueError(f"invalid device {text!r}: the index after ':' must be an "
                             "integer, as in 'cuda:0'") from None
    n = _require_cuda(str(spec))[2]
    if not 0 <= index < n:
        raise DeviceUnavailableError(
            f"device 'cuda:{index}' does not exist: this machine has {n} GPU"
            f"{'' if n == 1 else 's'} (cuda:0 to cuda:{n - 1}). " + doc_link(
                "deviceunavailableerror"))
    if index >= cuda_device_count():
        raise DeviceUnavailableError(
            f"'cuda:{index}' exists, but funcgrad uses one GPU for now, cuda:0 (of the {n} "
            "here). Use fg.devices('cuda')[0]. " + doc_link("deviceunavailableerror"))
    if not active:
        active = True
        for hook in ACTIVE_HOOKS:
            hook()
    return _gpu(index)


def _gpu(index):
    """The one Device instance for GPU `index` (operations compare devices often)."""
    d = _gpus.get(index)
    if d is None:
        d = _gpus[index] = Device("cuda", index)
    return d


# ---- the default device ---------------------------------------------------------------------

_default_device = CPU


def default_device():
    """Where new arrays (fnp.zeros, fnp.array, random keys) are created."""
    return _default_device


def set_default_device(spec):
    global _default_device
    _default_device = CPU if spec is None else get_device(spec)


def swap_default_device(device):
    """Make `device`, a Device already handed out, the default; the previous one, to restore the
    same way (a context manager's cost, without it, for the torch layer's every GPU op)."""
    global _default_device
    previous, _default_device = _default_device, device
    return previous


@contextlib.contextmanager
def using_default_device(spec: Device | str | None) -> Iterator[None]:
    """`with fg.default_device('cuda'):` creates new arrays on the GPU inside the block.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> with fg.default_device("cpu"):
    ...     fnp.zeros(2).device
    CpuDevice(id=0)
    """
    previous = _default_device
    set_default_device(spec)
    try:
        yield
    finally:
        set_default_device(previous)


# ---- values and transfers -------------------------------------------------------------------

def is_backend_array(v):
    return type(v) in _XP_BY_TYPE


def xp_of(*values):
    """The array namespace (numpy or cupy) that holds `values`."""
    for v in values:
        xp = _XP_BY_TYPE.get(type(v))
        if xp is not None and xp is not np:
            return xp
    return np


def device_of(value):
    """The Device of a backend array (None for Python scalars and other host data)."""
    t = type(value)
    if t is np.ndarray:
        return CPU  # the one instance: `is CPU` tests stay valid
    if t in _XP_BY_TYPE:
        return _gpu(value.device.id)
    return None


def origin(value):
    """Where a backend value came from, to send something back there: its device, or "host"
    for an array on the CPU that is host data (not placed there)."""
    d = device_of(value)
    return "host" if d is CPU and _placed_on_cpu.get(id(value)) is not value else d


def to_host(value):
    """A numpy array (or the value itself, if it is host data already)."""
    if type(value) is np.ndarray or type(value) not in _XP_BY_TYPE:
        return value
    return value.get()


def on_host(impl):
    """`impl` (numpy or scipy code, e.g. LAPACK through f2py) for operands on any device: a
    GPU's are copied to the host and the results sent back there (f2py must never be handed a
    device array)."""
    def run(*args, **params):
        xp = xp_of(*args)
        if xp is np:
            return impl(*args, **params)
        out = impl(*[to_host(a) for a in args], **params)
        return [xp.asarray(o) for o in out] if isinstance(out, list) else xp.asarray(out)
    run.__name__, run.__doc__ = impl.__name__, impl.__doc__
    return run


def transfer(value, device):
    """`value` (a backend array or host data) as a backend array on `device`; no copy if it is
    there already."""
    if device.platform == "cpu":
        # A new array object, so that marking it placed leaves `value` as it was.
        return place_on_cpu(np.asarray(to_host(value)).view())
    if device_of(value) == device:
        return value
    cupy = device.xp
    with cupy.cuda.Device(device.id):
        return cupy.array(value)  # a copy: cupy.asarray would keep another GPU's array there


def from_data(a, dtype=None):
    """A new backend array: host data (lists, numpy arrays, scalars) on the default device; a
    GPU array copied on its own GPU."""
    xp = _XP_BY_TYPE.get(type(a))
    if xp is not None and xp is not np:
        return a.astype(canonical(dtype or a.dtype), copy=True)
    a = np.array(a, dtype=dtype)
    if a.dtype.kind not in _NUMERIC_KINDS and a.dtype not in EXTRA_FLOATS:
        raise non_numeric_error(a)
    if not avals.X64 and a.dtype in avals._NARROW:  # JAX's x64-off mode: 32-bit types only
        a = a.astype(avals._NARROW[a.dtype])
    return a if _default_device is CPU else transfer(a, _default_device)


def canonical(dtype):
    """`dtype` as the current dtype mode holds it (avals.canonical_dtype)."""
    return avals.canonical_dtype(dtype)


def synchronize(value):
    """Wait until `value` is computed (a GPU's stream; numpy has computed it already)."""
    if type(value) is not np.ndarray and type(value) in _XP_BY_TYPE:
        _XP_BY_TYPE[type(value)].cuda.get_current_stream().synchronize()


_NUMERIC_KINDS = frozenset("biufc")  # bool, signed/unsigned integers, floats, complex

EXTRA_FLOATS = frozenset(avals.EXTRA_DTYPES.values())
"""Float dtypes that numpy holds under kind 'V' (ml_dtypes' bfloat16): numeric all the same."""


def non_numeric_error(a):
    """The TypeError for data numpy would hold as strings, bytes, dates or Python objects (a
    ragged list, None, a dict): funcgrad arrays are numeric, as JAX's."""
    return TypeError(f"funcgrad arrays hold booleans, integers, floats or complex numbers; this "
                     f"data became numpy dtype {a.dtype} (from {_describe(a)}). Pass numbers, "
                     f"or nested lists of one length per level")


def _describe(a):
    if a.ndim == 0:
        return f"a {type(a.item()).__name__}"
    return f"shape {a.shape}"


def create(name, *args, **kwargs):
    """`xp.<name>(*args, **kwargs)` (zeros, ones, eye...) on the default device, allocated there
    rather than copied from the host."""
    d = _default_device
    if not avals.X64 and "dtype" in kwargs:  # JAX's x64-off mode: 32-bit types only
        kwargs["dtype"] = avals.canonical_dtype(kwargs["dtype"])
    if d is CPU:
        return getattr(np, name)(*args, **kwargs)
    xp = d.xp
    with xp.cuda.Device(d.id):
        return getattr(xp, name)(*args, **kwargs)


def align(prim_name, vals):
    """(values, place): the backend values `vals` with host data moved to the device the placed
    arrays among them share (the default device if none is placed). `place`, for settle: the CPU
    if a placed CPU array is among them; the default device if it is a GPU and nothing is placed
    (host results go there); else None. Called only once a GPU is in use."""
    device = common_device(f"`{prim_name}`", vals)
    if device is CPU:
        return vals, CPU
    place = None
    if device is None:
        device = place = _default_device
        if device is CPU:
            return vals, None
    return move_host(vals, device), place


# ---- compiled code (jit, jacrev's backward pass): one device per compiled function -----------

def placement(what, values):
    """(device, placed, xp): where compiled code called with `values` runs: the device of the
    placed arrays among them (placed True), else the default device. With its array namespace,
    so that code compiled against one CuPy (or its test stand-in) is never run with another."""
    device = common_device(what, values)
    where = device or _default_device
    return where, device is not None, where.xp


def settle_compiled(what, where, consts):
    """(device, placed, consts) for code compiled for `where` (see placement) that closes over
    `consts`: a placed array among the constants decides where it runs if the arguments did
    not; the constants are moved there."""
    device, placed, _ = where
    own = common_device(what, consts)
    if own is not None and own != device:
        if placed:
            raise DeviceMismatchError(
                f"{what} is called with arrays on {device}, but closes over an array on {own}."
                f"\nPut the array it closes over on {device} first:\n"
                f"    w = fg.device_put(w, '{device}')  " + doc_link("devicemismatcherror"))
        device, placed = own, True
    return device, placed, (consts if device.platform == "cpu" else move_host(consts, device))


def run_on(device, placed, fn, consts, args):
    """The outputs of compiled code `fn` run on `device`: host arguments moved there first; on
    the CPU, the outputs of placed inputs are placed."""
    if device.platform != "cpu":
        return fn(*consts, *move_host(args, device))
    outs = fn(*consts, *args)
    return [place_on_cpu(o) for o in outs] if placed else outs


def move_host(values, device):
    """`values` with the numpy arrays among them copied to the GPU `device`."""
    return [transfer(v, device) if type(v) is np.ndarray else v for v in values]


def settle(out, place, multiple_results):
    """The results of an operation run for `place` (see align): on the CPU, marked as placed;
    on a GPU, results computed on the host from host data alone moved there."""
    outs = list(out) if multiple_results else [out]
    if place is CPU:
        outs = [place_on_cpu(np.asarray(o) if isinstance(o, np.generic) else o) for o in outs]
    else:
        outs = [transfer(o, place) if type(o) is np.ndarray or isinstance(o, np.generic) else o
                for o in outs]
    return outs if multiple_results else outs[0]


def one_place(*values):
    """Whether an eager operation on these backend values (or scalars) needs no device handling
    even though a GPU is in use: all on the GPU (funcgrad uses one), or all plain host data
    (nothing placed) with the CPU the default device. Then it runs as if on one device alone."""
    gpu = host = False
    for v in values:
        t = type(v)
        if t is np.ndarray:
            if _placed_on_cpu.get(id(v)) is v:
                return False
            host = True
        elif t in _XP_BY_TYPE:
            gpu = True
    return not (gpu and host) and (gpu or _default_device is CPU)


def asarray(x):
    """`x` as a backend array: itself if it is one (numpy or cupy), else numpy's (scalars)."""
    return x if type(x) in _XP_BY_TYPE else np.asarray(x)


def common_device(what, values):
    """The one device of the arrays among `values` (None if none is placed), or
    DeviceMismatchError naming `what` and the two devices.

    As in JAX, an array on the CPU is host data that joins the device of the other operands,
    unless it was placed there by `fg.device_put(x, 'cpu')` (then it, and what is computed from
    it, stays: mixing it with a GPU array is an error)."""
    seen = {}
    for i, v in enumerate(values):
        d = device_of(v)
        if d is not None and (d is not CPU or _placed_on_cpu.get(id(v)) is v):
            seen.setdefault(d, (i, v))
    if len(seen) > 1:
        (d0, (i0, v0)), (d1, (i1, v1)) = list(seen.items())[:2]
        raise DeviceMismatchError(
            f"{what} got arrays on two devices: argument {i0} ({_desc(v0)}) is on {d0}, "
            f"argument {i1} ({_desc(v1)}) on {d1}.\nfuncgrad never moves data between devices "
            f"behind your back. Put them on one device first:\n"
            f"    x = fg.device_put(x, '{d0}')  " + doc_link("devicemismatcherror"))
    return next(iter(seen), None)


def place_on_cpu(value):
    """Mark a numpy array as placed on the CPU on purpose (see common_device)."""
    if type(value) is np.ndarray:
        _placed_on_cpu[id(value)] = value
    return value


def _desc(v):
    return f"{v.dtype.name}{list(v.shape)}"
