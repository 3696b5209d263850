"""torch.types: the aliases of the torch layer's signatures, under PyTorch's names.

- `Device`: where a tensor lives: a `torch.device`, its name (`"cpu"`, `"cuda:0"`), a CUDA index,
  or None for the default.
- `Number`: a Python number a tensor operation takes in a tensor's place.
- `_dtype`: `torch.dtype` (the name PyTorch's annotations use, since many parameters are
  themselves called `dtype`).
- `_size`: a shape: a `torch.Size`, or a list or tuple of ints.

>>> from funcgrad.torch.types import Device
>>> def where(d: Device = None) -> str:
...     return "default" if d is None else str(d)
>>> where("cpu")
'cpu'
"""
from __future__ import annotations

from typing import Optional, Union

from ._dtypes import dtype as _dtype
from ._size import Size, device

Device = Optional[Union[device, str, int]]
Number = Union[int, float, bool]
_size = Union[Size, list[int], tuple[int, ...]]

__all__ = ["Device", "Number", "_dtype", "_size"]
