"""What a call gave, for comparing funcgrad.torch with PyTorch: its result as a caller-chosen
description, or its exception's class and first message line."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


def outcome(L: Any, fn: Callable[[Any], Any], describe: Callable[[Any, Any], Any]) -> Any:
    """fn(L) described by describe(L, result), or (exception class name, first line)."""
    try:
        r = fn(L)
    except Exception as e:  # noqa: BLE001  (the class and message are what is compared)
        return type(e).__name__, str(e).split("\n")[0]
    return describe(L, r)
