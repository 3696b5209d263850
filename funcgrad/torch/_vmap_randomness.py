"""The randomness mode of the torch.func.vmap calls in progress (innermost last), which every
random draw of the torch layer consults (_random._gen) before it draws.

>>> with randomness("error"):
...     check_draw()
Traceback (most recent call last):
...
RuntimeError: vmap: called random operation while in randomness error mode. Please either use the 'same' or 'different' randomness flags on vmap or perform the randomness operation out of vmap
"""
from __future__ import annotations

import contextlib
from typing import Iterator

_modes: list[str] = []
MODES = ("error", "different", "same")


@contextlib.contextmanager
def randomness(mode: str) -> Iterator[None]:
    """Random draws inside the block follow `mode` (one of MODES), as inside vmap(randomness=)."""
    check_mode(mode)
    _modes.append(mode)
    try:
        yield
    finally:
        _modes.pop()


def check_mode(mode: str) -> None:
    """PyTorch's error for a randomness= that is none of MODES."""
    if mode not in MODES:
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {mode}")


class DrawPerElement(Exception):
    """Raised at a random draw inside vmap(randomness='different'): torch.func.vmap catches it
    and runs the function one element at a time, each drawing its own numbers."""


def check_draw() -> None:
    """Called before a random draw: PyTorch's error inside vmap(randomness='error'). With 'same'
    one draw serves every batch element (what a draw inside funcgrad's vmap gives). Under an
    enclosing 'different' the draw must differ per element: DrawPerElement tells that vmap to
    run element by element."""
    if _modes:
        if _modes[-1] == "error":
            raise RuntimeError("vmap: called random operation while in randomness error mode. "
                               "Please either use the 'same' or 'different' randomness flags on "
                               "vmap or perform the randomness operation out of vmap")
        if "different" in _modes:
            raise DrawPerElement()
