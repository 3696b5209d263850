"""Checks of the argument classes at the public boundary, one place per class: callables,
shapes and sizes, axes, argnums, integer counts, booleans. Each raises JAX's exception class
(funcgrad's subclasses of it) with a message that names the argument and states the fix."""
from __future__ import annotations

import math
import operator
import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from .errors import ArgumentError, AxisError, ShapeError, doc_link, user_frame

_INT64_MAX = np.iinfo(np.int64).max


def argument_error(msg: str) -> ArgumentError:
    """An ArgumentError for `msg`, linking to its entry in docs/errors.md."""
    return ArgumentError(f"{msg} {doc_link('argumenterror')}")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---- callables -------------------------------------------------------------------------------


def check_callable(fun: Any, who: str, argname: str = "fun") -> Any:
    """TypeError unless `fun` is callable (JAX: "Expected a callable value")."""
    if not callable(fun):
        raise TypeError(
            f"{who}: `{argname}` must be callable (a function), got {type(fun).__name__}: "
            f"{fun!r:.60}. Pass the function itself, e.g. {who}(f), not the value of a call "
            f"{who}(f(x)).")
    return fun


# ---- integers: shapes, sizes, counts ---------------------------------------------------------


def as_index(value: Any, who: str, argname: str) -> int:
    """`value` as a Python int (ints, numpy integers, 0-d integer arrays, bools as numpy takes
    them); TypeError for floats, strings and anything else."""
    try:
        return operator.index(value)
    except TypeError:
        pass
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iub":
        return int(value)
    raise TypeError(f"{who}: `{argname}` must be an integer, got {type(value).__name__} "
                    f"{value!r:.60}. Pass an int, e.g. int({value!r:.20}) if that is meant.")


def count(value: Any, who: str, argname: str) -> int:
    """A non-negative integer argument (a length, a number of classes, a size)."""
    n = as_index(value, who, argname)
    if n < 0:
        raise argument_error(f"{who}: `{argname}` must be >= 0, got {n}.")
    return n


def positive(values: Iterable[Any], who: str, argname: str) -> tuple[int, ...]:
    """A tuple of integers that must each be >= 1 (strides, dilations, window sizes)."""
    vals = tuple(as_index(v, who, argname) for v in values)
    if any(v < 1 for v in vals):
        raise argument_error(f"{who}: every entry of `{argname}` must be a positive integer "
                            f"(>= 1), got {vals}.")
    return vals


def shape_tuple(shape: Any, who: str, argname: str = "shape",
                infer: bool = False) -> tuple[int, ...]:
    """A shape argument (an int or a sequence of ints) as a tuple of non-negative ints whose
    (with `infer`, one -1 may stand for a size to infer, as reshape takes). ShapeError (a
    TypeError and a ValueError) otherwise. Cheap for the common case, a tuple of ints."""
    if type(shape) is tuple and all(type(d) is int and d >= 0 for d in shape):
        return shape
    if isinstance(shape, (str, bytes)):
        dims = None
    elif np.ndim(shape) == 0:
        dims = (shape,)
    else:
        dims = tuple(shape) if not isinstance(shape, np.ndarray) else tuple(shape.tolist())
    if dims is None or any(isinstance(d, (str, bytes)) for d in dims):
        raise ShapeError(f"{who}: `{argname}` must be an int or a sequence of ints, got "
                         f"{shape!r:.60}. {doc_link('shapeerror')}")
    out = []
    for d in dims:
        try:
            out.append(operator.index(d))
        except TypeError:
            if isinstance(d, np.ndarray) and d.ndim == 0 and d.dtype.kind in "iu":
                out.append(int(d))
                continue
            raise ShapeError(
                f"{who}: `{argname}` must hold integers, got {shape!r:.60} (an entry of type "
                f"{type(d).__name__}). Sizes are whole numbers: pass e.g. int(n). "
                f"{doc_link('shapeerror')}") from None
    if infer and out.count(-1) > 1:
        raise ShapeError(f"{who}: `{argname}` {tuple(out)} has more than one -1: it can only "
                         f"infer one axis (-1); give the other sizes. {doc_link('shapeerror')}")
    if any(d < 0 and not (infer and d == -1) for d in out):
        raise ShapeError(f"{who}: `{argname}` {tuple(out)} has a negative size; every size "
                         f"must be >= 0. {doc_link('shapeerror')}")
    return tuple(out)


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: no limit known
        return None


_MEMORY = _memory_bytes()


def check_size(shape: tuple[int, ...], dtype: Any, who: str) -> None:
    """Before anything is allocated: ShapeError for more elements than int64 can count,
    MemoryError for an array larger than this machine's memory (an allocation that large would
    either fail or get the process killed later)."""
    size = math.prod(shape)
    if size > _INT64_MAX:
        raise ShapeError(f"{who}: shape {tuple(shape)} has more elements than int64 can count; "
                         f"no array can have that many. {doc_link('shapeerror')}")
    nbytes = size * np.dtype(dtype).itemsize
    if _MEMORY is not None and nbytes > _MEMORY:
        raise MemoryError(
            f"{who}: an array of shape {tuple(shape)} and dtype {np.dtype(dtype).name} needs "
            f"{nbytes / 2**30:.3g} GiB, more than this machine's {_MEMORY / 2**30:.3g} GiB of "
            "memory. Use a smaller shape or a smaller dtype (e.g. float32).")


# ---- axes ------------------------------------------------------------------------------------


def axis_message(who: str, axis: int, ndim: int) -> str:
    return (f"{who}: axis {axis} is out of bounds for an array of {_plural(ndim, 'dimension')} "
            f"(valid axes: {-ndim}..{ndim - 1}).\n  at {user_frame()}\n{doc_link('axiserror')}")


def normalize_axis(who: str, axis: Any, ndim: int, argname: str = "axis") -> int:
    """An axis argument as an int in [0, ndim): TypeError for a non-integer, AxisError (numpy's
    class: a ValueError and an IndexError) out of range."""
    a = as_index(axis, who, argname)
    if not -ndim <= a < ndim:
        raise AxisError(axis_message(who, a, ndim))
    return a % ndim if ndim else 0


def normalize_axes(who: str, axis: Any, ndim: int, argname: str = "axis") -> tuple[int, ...]:
    """numpy's `axis=` (None, an int or a sequence) as a sorted tuple of non-negative axes;
    a repeated axis is a ShapeError (JAX's ValueError)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (str, bytes)) or np.ndim(axis) == 0 else tuple(axis)
    out = tuple(sorted(normalize_axis(who, a, ndim, argname) for a in axes))
    if len(set(out)) != len(out):
        raise ShapeError(f"{who}: repeated axis in `{argname}`={axis!r}; name each axis once. "
                         f"{doc_link('shapeerror')}")
    return out


# ---- argnums ---------------------------------------------------------------------------------


def argnums_tuple(argnums: Any, who: str, argname: str = "argnums", unique: bool = True,
                  empty_ok: bool = True) -> tuple[tuple[int, ...], bool]:
    """`argnums` (an int or a sequence of ints) as (tuple, was_a_sequence), checked once when
    the transform is made: TypeError for a non-integer (a bool too: fg.grad(f, True) is a slip
    for has_aux=True), ArgumentError for a repeated entry (with `unique`; else repeats are
    dropped) or an empty sequence (unless `empty_ok`)."""
    if type(argnums) is int:  # the common case, made once per transform: keep it cheap
        return (argnums,), False
    many = isinstance(argnums, (tuple, list))
    nums = tuple(argnums) if many else (argnums,)
    for n in nums:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
            hint = (" (a bool here is usually has_aux passed by position: write has_aux=True)"
                    if isinstance(n, (bool, np.bool_)) else "")
            raise TypeError(f"{who}: `{argname}` must be an int or a sequence of ints, got "
                            f"{argnums!r:.60}{hint}.")
    nums = tuple(int(n) for n in nums)
    if not nums and not empty_ok:
        raise argument_error(f"{who}: `{argname}`=() names no argument to differentiate; give "
                            "at least one position, e.g. 0.")
    if not unique:
        nums = tuple(dict.fromkeys(nums))
    elif len(set(nums)) != len(nums):
        raise argument_error(f"{who}: `{argname}`={argnums!r} repeats an argument; name each "
                            "argument once.")
    return nums, many


def resolve_argnums(nums: tuple[int, ...], nargs: int, who: str, fun_name: str,
                    argname: str = "argnums") -> tuple[int, ...]:
    """`nums` (from argnums_tuple) as non-negative positions among `nargs` positional
    arguments: ArgumentError for one out of range, or two naming one argument (0 and -1)."""
    for n in nums:
        if not -nargs <= n < nargs:
            raise argument_error(
                f"{who}: {argname}={nums if len(nums) != 1 else nums[0]} refers to argument {n}, "
                f"but {fun_name} was called with {_plural(nargs, 'positional argument')}. Pass "
                f"the argument positionally, or change {argname}.")
    out = tuple(n % nargs for n in nums)
    if len(set(out)) != len(out):
        raise argument_error(f"{who}: {argname}={nums} names one argument twice (with "
                            f"{_plural(nargs, 'argument')}); name each argument once.")
    return out


# ---- flags -----------------------------------------------------------------------------------


def check_bool(value: Any, who: str, argname: str) -> bool:
    """A boolean flag: True or False (numpy's bool too), nothing else; the string "False" is
    not false, so it is refused rather than taken as true."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{who}: `{argname}` must be True or False, got {type(value).__name__} "
                    f"{value!r:.60}." + (" A string is not a boolean: write False, not "
                                          "'False'." if isinstance(value, str) else ""))
