"""Grad mode: whether operations are recorded for backward (no_grad, enable_grad,
set_grad_enabled, inference_mode), as context managers and as decorators."""
from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, Callable, TypeVar


class _State(threading.local):
    enabled = True
    inference = False


_state = _State()


def is_grad_enabled():
    return _state.enabled


def is_inference_mode_enabled():
    return _state.inference


def _set(flag):
    _state.enabled = bool(flag)


# what a grad mode decorates: the wrapper has the function's own signature
F = TypeVar("F", bound=Callable[..., Any])

class _GradMode:
    """A context manager that is also a decorator (of functions and of generators), as
    PyTorch's are."""
    _flag = True
    _inference = None

    def __enter__(self) -> None:
        self._prev = (_state.enabled, _state.inference)
        _state.enabled = self._flag
        if self._inference is not None:
            _state.inference = self._inference
        return None

    def __exit__(self, *exc: object) -> bool:
        _state.enabled, _state.inference = self._prev
        return False

    def clone(self) -> _GradMode:
        return type(self)()

    def __call__(self, fn: F) -> F:
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen_wrapper(*args, **kwargs):
                gen = fn(*args, **kwargs)
                try:
                    with self.clone():
                        value = next(gen)
                    while True:
                        sent = yield value
                        with self.clone():
                            value = gen.send(sent)
                except StopIteration as stop:
                    return stop.value
            return gen_wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper


class _NoParam(_GradMode):
    """Usable as @no_grad as well as @no_grad()."""

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParam):
    """Operations inside are not recorded: results have requires_grad=False."""
    _flag = False


class enable_grad(_NoParam):
    """Operations inside are recorded again (inside no_grad)."""
    _flag = True


class inference_mode(_GradMode):
    """no_grad, for inference (inference_mode(False) changes nothing)."""

    def __new__(cls, mode: bool | Callable[..., Any] = True) -> Any:
        if callable(mode):
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool | Callable[..., Any] = True):
        if callable(mode):
            mode = True
        self.mode = bool(mode)
        self._flag = not self.mode if self.mode else is_grad_enabled()
        self._inference = self.mode

    def __enter__(self) -> None:
        if not self.mode:
            self._flag = _state.enabled
        return super().__enter__()

    def clone(self) -> inference_mode:
        return type(self)(self.mode)


class _Deferred(_GradMode):
    """A grad mode that takes effect on entering (what set_grad_enabled decorates with)."""

    def __init__(self, flag: bool):
        self._flag = flag


class set_grad_enabled(_GradMode):
    """set_grad_enabled(False) switches recording off at once (a plain call works, as in
    PyTorch); as a context manager it restores the previous mode on exit."""

    def __init__(self, mode: bool):
        self._flag = bool(mode)
        self._prev = (_state.enabled, _state.inference)
        _state.enabled = self._flag

    def __enter__(self) -> None:
        return None

    def __call__(self, fn: F) -> F:
        _state.enabled, _state.inference = self._prev  # decorating changes nothing yet
        return super().__call__(fn)

    def clone(self) -> _GradMode:
        return _Deferred(self._flag)
