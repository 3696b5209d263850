"""Type aliases of funcgrad's public signatures (a placeholder: helper T writes the real ones).

>>> from funcgrad._core.typing import ArrayLike, Shape
>>> def size(x: ArrayLike, shape: Shape) -> int:
...     return len(shape)
>>> size(1.0, (2, 3))
2
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional, Union

ArrayLike = Any
DTypeLike = Any
Shape = Sequence[int]
Axis = Optional[Union[int, Sequence[int]]]
