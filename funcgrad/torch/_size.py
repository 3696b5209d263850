"""torch.Size and torch.device."""
from __future__ import annotations

from typing import Iterable, Literal, SupportsIndex

from .._core import backend
from .._core.errors import DeviceUnavailableError
from ._meta import meta_array


def check_size(size, kw_size=None):
    """The size arguments of a factory (zeros(2, 3), zeros((2, 3)), zeros(size=(2, 3))) as a
    tuple of ints, with PyTorch's errors: TypeError for a size that is not an integer (a float,
    a bool is an int), RuntimeError for a negative one."""
    if kw_size is not None:
        size = (kw_size,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for i, s in enumerate(size):
        try:
            n = s.__index__()
        except (AttributeError, TypeError):
            raise TypeError(f"empty(): argument 'size' must be tuple of ints, but found element "
                            f"of type {type(s).__name__} at pos {i}") from None
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: "
                               f"{[int(x) if not isinstance(x, float) else x for x in size]}")
        out.append(n)
    return tuple(out)


class Size(tuple):
    """The shape of a tensor: a tuple that prints as torch.Size([2, 3])."""

    def __new__(cls, dims: Iterable[SupportsIndex] = ()) -> Size:
        return tuple.__new__(cls, [d.__index__() for d in dims])

    def __repr__(self):
        return f"torch.Size([{', '.join(str(d) for d in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n

    def __getitem__(self, k):
        r = super().__getitem__(k)
        return Size(r) if isinstance(k, slice) else r

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple(self) * n)

    __rmul__ = __mul__

    def __reduce__(self):
        return (Size, (tuple(self),))


_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
          "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:
    """torch.device('cpu'), torch.device('cuda', 0), torch.device('cuda:1')."""
    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, type: str | device | int, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            name, index = type.type, type.index
        elif isinstance(type, int):
            if backend.cuda_device_count() <= 0:
                raise RuntimeError("Cannot access accelerator device when none is available.")
            name, index = "cuda", type
        elif not type:
            raise RuntimeError("Device string must not be empty")
        elif ":" in type:
            name, idx = type.split(":", 1)
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{name}:{idx}'")
            index = int(idx)
        else:
            name = type
        if name not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES[:-1])}, privateuseone device "
                               f"type at start of device string: {name}")
        self.type, self.index = name, index

    def __repr__(self):
        return (f"device(type='{self.type}')" if self.index is None
                else f"device(type='{self.type}', index={self.index})")

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __enter__(self) -> device:  # `with torch.device('cuda'):` makes it the default device inside
        previous = _default[0]
        set_default_device(self)  # raises, with nothing to undo, where there is no such device
        _previous_defaults.append(previous)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        _default[0] = _previous_defaults.pop()
        return False

    def __reduce__(self):
        return (device, (self.type, self.index))


_default: list[device | None] = [None]  # torch.set_default_device's choice; None: the CPU
_previous_defaults: list[device | None] = []  # what each open `with torch.device(...)` block restores


def set_default_device(d: device | str | int | None) -> None:
    """torch.set_default_device: where factories (torch.tensor, zeros, randn, ...) put new
    tensors when they are given no device."""
    _default[0] = as_device(d)


def get_default_device() -> device:
    return _default[0] or device("cpu")


def require_cuda() -> None:
    """PyTorch's AssertionError where CUDA cannot be used (torch.cuda._lazy_init). Its message
    stays PyTorch's (code matches on it); its cause, shown in the traceback, is funcgrad's
    DeviceUnavailableError, which says why and how to install the GPU backend."""
    if backend.cuda_device_count() <= 0:
        try:
            backend.devices("cuda")
        except DeviceUnavailableError as why:
            raise AssertionError("Torch not compiled with CUDA enabled") from why


def as_device(d: device | str | int | None) -> device | None:
    """A torch.device from a device, a string or an index (None stays None). A CUDA device must
    exist (PyTorch's errors where it does not); other accelerators are not supported."""
    if d is None:
        return None
    dev = d if isinstance(d, device) else device(d)
    if dev.type == "cuda":
        require_cuda()
        if dev.index is not None and dev.index >= backend.cuda_device_count():
            raise RuntimeError("CUDA error: invalid device ordinal")
    elif dev.type not in ("cpu", "meta"):
        # what PyTorch's build without that backend says
        raise NotImplementedError(f"Could not run 'aten::empty.memory_format' with arguments "
                                  f"from the '{dev.type.upper()}' backend. funcgrad.torch runs "
                                  "on the CPU and on CUDA GPUs (through CuPy).")
    return dev


def same_device(a, b):
    """Whether torch devices a and b are one ('cuda' is the current GPU, cuda:0)."""
    return a.type == b.type and (a.index or 0) == (b.index or 0)


def fg_device(dev):
    """funcgrad's Device for torch.device `dev`."""
    return backend.CPU if dev.type == "cpu" else backend.get_device(f"cuda:{dev.index or 0}")


def storage_on(data, dev):
    """`data` (a numpy array) as the storage of a tensor on torch.device `dev` (None: the
    default device): itself on the CPU, a copy on a GPU."""
    dev = dev or _default[0]
    if dev is None or dev.type == "cpu":
        return data
    if dev.type == "meta":  # shape and dtype only
        return meta_array(data.shape, data.dtype)
    return backend.transfer(data, fg_device(dev))
