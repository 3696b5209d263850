"""Type aliases for funcgrad's public signatures (placeholder with the four names of the brief;
helper T owns this module and the lead reconciles it)."""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

ArrayLike = Any
DTypeLike = Any
Shape = Sequence[int]
Axis = Optional[Union[int, Sequence[int]]]
