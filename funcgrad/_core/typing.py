"""Type aliases for funcgrad's public signatures."""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

ArrayLike = Any
DTypeLike = Any
Shape = Sequence[int]
Axis = Optional[Union[int, Sequence[int]]]
