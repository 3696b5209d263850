"""Key-reuse checking (JAX's `jax_debug_key_reuse`, `fg.config.update("jax_debug_key_reuse",
True)`): a typed PRNG key gives one draw, and a second use is a KeyReuseError.

What is consumed is the key's data: an Array eagerly, a tracer inside a transform. Each such
value has a mask of its keys (shape: the key array's), True where a key was consumed; a key taken
out of a key array by basic indexing (`keys[0]`, unpacking) shares its part of the parent's
mask, so consuming it consumes that element of the parent, as in JAX. Values are held until the
check is turned off (it is a debugging mode: the table grows with the keys a program makes).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .errors import KeyReuseError, doc_link

# id(value) -> (value, mask): the value is held, so its id is not reused while it is here
_masks: dict[int, tuple[Any, np.ndarray]] = {}


def _mask(data: Any) -> np.ndarray:
    found = _masks.get(id(data))
    if found is None:
        found = _masks[id(data)] = (data, np.zeros(tuple(data.shape[:-1]), bool))
    return found[1]


def share(child: Any, parent: Any, idx: tuple) -> None:
    """`child` (the data of parent's keys[idx]) shares its mask with those keys of `parent`
    (not when the index adds an axis: JAX's `keys[None]` is a new array, as a copy)."""
    if any(i is None for i in idx):
        return
    try:
        view = _mask(parent)[idx + (Ellipsis,)]  # a view for basic indexing, else a copy
    except (IndexError, TypeError, ValueError):  # a traced index: the child starts fresh
        return
    _masks[id(child)] = (child, view)


def is_consumed(data: Any) -> bool:
    """Whether any key of `data` has been consumed."""
    found = _masks.get(id(data))
    return found is not None and bool(found[1].any())


def consume(data: Any, who: str, index: int | None = None) -> None:
    """Consume every key of `data` (a sampler, split, or a jitted function that consumes its
    argument `index`); KeyReuseError if one was consumed before."""
    mask = _mask(data)
    if mask.any():
        where = "" if index is None else f" as its argument {index}"
        raise KeyReuseError(
            f"{who}: this PRNG key was passed{where} after it was already consumed (a key "
            "gives one draw: a sampler, split or bits uses it up). Split it and use each new "
            "key once: `key, sub = fg.random.split(key)`; where the reuse is deliberate, pass "
            "fg.random.clone(key). " + doc_link("keyreuseerror"))
    mask[...] = True


def clear() -> None:
    """Forget every key's state (the check was turned off)."""
    _masks.clear()


__all__ = ["share", "is_consumed", "consume", "clear"]
