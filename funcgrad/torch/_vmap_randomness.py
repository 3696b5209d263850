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


def check_draw() -> None:
    """Called before a random draw: PyTorch's error inside vmap(randomness='error'). With 'same'
    one draw serves every batch element (what a draw inside funcgrad's vmap gives). 'different'
    would need the draw batched over the vmapped dimension, which the torch layer's generators do
    not do: an error says how to get there instead of quietly drawing the same numbers."""
    if _modes:
        mode = _modes[-1]
        if mode == "error":
            raise RuntimeError("vmap: called random operation while in randomness error mode. "
                               "Please either use the 'same' or 'different' randomness flags on "
                               "vmap or perform the randomness operation out of vmap")
        if mode == "different":
            raise NotImplementedError(
                "vmap(randomness='different'): funcgrad.torch draws one set of random numbers "
                "per vmap call, not one per batch element. Draw them before vmap with the batch "
                "dimension in front and pass them in as a mapped argument, or use "
                "randomness='same' if one draw for all elements is what you want")
