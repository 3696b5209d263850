"""PyTorch's UserWarnings (deprecated index forms, resized out= tensors), attributed to the
user's line: the first frame outside funcgrad, however deep the call that warns."""
from __future__ import annotations

import sys
import warnings

from .._core.errors import _is_internal


def warn(message: str) -> None:
    """A UserWarning with `message`, shown at the user's line that called into funcgrad.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn("deprecated")
    >>> str(w[0].message), w[0].category.__name__
    ('deprecated', 'UserWarning')
    """
    level, f = 2, sys._getframe(1)
    while f is not None and _is_internal(f.f_code.co_filename):
        f, level = f.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)
