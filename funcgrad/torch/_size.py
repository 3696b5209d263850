"""torch.Size and torch.device."""
from __future__ import annotations


class Size(tuple):
    """The shape of a tensor: a tuple that prints as torch.Size([2, 3])."""

    def __new__(cls, dims=()):
        return super().__new__(cls, (int(d) for d in dims))

    def __repr__(self):
        return f"torch.Size([{', '.join(str(d) for d in self)}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n

    def __getitem__(self, k):
        r = super().__getitem__(k)
        return Size(r) if isinstance(k, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))


class device:
    """torch.device('cpu'), torch.device('cuda', 0), torch.device('cuda:1')."""
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 (torch's signature)
        if isinstance(type, device):
            type, index = type.type, type.index
        elif ":" in type:
            type, idx = type.split(":")
            index = int(idx)
        if type not in ("cpu", "cuda", "mps", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda, mps, meta device type at start of "
                               f"device string: {type}")
        self.type, self.index = type, index

    def __repr__(self):
        return (f"device(type='{self.type}')" if self.index is None
                else f"device(type='{self.type}', index={self.index})")

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


def as_device(d):
    if d is None:
        return None
    dev = d if isinstance(d, device) else device(str(d) if not isinstance(d, int) else "cuda", d
                                                  if isinstance(d, int) else None)
    if dev.type != "cpu":
        from .cuda import _lazy_init
        _lazy_init()
    return dev
