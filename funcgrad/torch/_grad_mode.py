"""Grad mode: whether operations are recorded for backward (no_grad, enable_grad, ...)."""
from __future__ import annotations

import functools
import threading

_state = threading.local()


def is_grad_enabled():
    return getattr(_state, "enabled", True)


def _set(flag):
    _state.enabled = bool(flag)


class _GradMode:
    """A context manager that is also a decorator, as torch's are."""
    _flag = True

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set(self._flag)
        return None

    def __exit__(self, *exc):
        _set(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)() if not isinstance(self, set_grad_enabled) else set_grad_enabled(
                    self._flag):
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Operations inside are not recorded: results have requires_grad=False."""
    _flag = False


class enable_grad(_GradMode):
    _flag = True


class inference_mode(_GradMode):
    def __init__(self, mode=True):
        self._flag = not mode


class set_grad_enabled(_GradMode):
    def __init__(self, mode):
        self._flag = bool(mode)
        self._prev = is_grad_enabled()
        _set(self._flag)  # torch applies it at construction, so a plain call works too

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _set(self._prev)
        return False
