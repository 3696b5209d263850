"""torch.testing: assert_close (PyTorch's comparison of tensors, numbers, None, bools and their
sequences and mappings, with its messages and per-dtype tolerances) and make_tensor (random test
tensors drawn as PyTorch draws them, from the torch random generator).

>>> import funcgrad.torch as torch
>>> torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]))
>>> torch.testing.make_tensor(2, 3, dtype=torch.int64, device="cpu").shape
torch.Size([2, 3])
"""
from __future__ import annotations

import cmath
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import _dtypes as D
from ._factories import as_tensor, empty
from ._random import randint
from ._storage import host_values
from ._tensor import Tensor

__all__ = ["assert_close", "make_tensor"]

# (rtol, atol) of each dtype; the others (integers, bool) compare exactly
_PRECISIONS = {D.float16: (1e-3, 1e-5), D.float32: (1.3e-6, 1e-5), D.float64: (1e-7, 1e-7),
               D.complex64: (1.3e-6, 1e-5), D.complex128: (1e-7, 1e-7)}
_NUMBER_DTYPES = {int: D.int64, float: D.float64, complex: D.complex128}


class _Mismatch(Exception):
    """A failed comparison: the exception class to raise, its message and the item's path."""

    def __init__(self, kind: type[Exception], message: str, path: tuple = ()) -> None:
        super().__init__(message)
        self.kind, self.message, self.path = kind, message, path

    def error(self, msg: str | Callable[[str], str] | None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.message
        if self.path:
            text += "\n\nThe failure occurred for item " + "".join(str([p]) for p in self.path)
        return self.kind(msg(text) if callable(msg) else text)


def _tolerances(dtypes, rtol, atol, path):
    """The given rtol and atol, or the loosest defaults among `dtypes` (both or neither)."""
    if (rtol is None) != (atol is None):
        raise _Mismatch(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                        f"but got no {'rtol' if rtol is None else 'atol'}.", path)
    if rtol is not None:
        return rtol, atol
    pairs = [_PRECISIONS.get(d, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _diff_lines(abs_diff, abs_at, rel_diff, rel_at, rtol, atol):
    equal = rtol == 0 and atol == 0
    lines = []
    for kind, diff, at, tol in (("absolute", abs_diff, abs_at, atol),
                                ("relative", rel_diff, rel_at, rtol)):
        line = (f"{kind.title()} difference: {diff}" if at is None else
                f"Greatest {kind} difference: {diff} at index {at}")
        lines.append(line if equal else f"{line} (up to {tol} allowed)")
    return "\n".join(lines), equal


def _scalar_message(actual, expected, rtol, atol, what="Scalars"):
    abs_diff = abs(actual - expected)
    rel_diff = math.inf if expected == 0 else abs_diff / abs(expected)
    lines, equal = _diff_lines(abs_diff, None, rel_diff, None, rtol, atol)
    return (f"{what} are not {'equal' if equal else 'close'}!\n\nExpected {expected} but got "
            f"{actual}.\n{lines}")


def _compare_numbers(actual, expected, path, o):
    a = actual.item() if isinstance(actual, np.number) else actual
    e = expected.item() if isinstance(expected, np.number) else expected
    if o["check_dtype"] and type(a) is not type(e):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.",
                        path)
    rtol, atol = _tolerances([_NUMBER_DTYPES[type(x)] for x in (a, e)], o["rtol"], o["atol"],
                             path)
    if a == e or (o["equal_nan"] and cmath.isnan(a) and cmath.isnan(e)):
        return
    diff = abs(a - e)
    if cmath.isfinite(diff) and diff <= atol + rtol * abs(e):
        return
    raise _Mismatch(AssertionError, _scalar_message(a, e, rtol, atol), path)


def _attribute(name, a, e, path):
    if a != e:
        raise _Mismatch(AssertionError,
                        f"The values for attribute '{name}' do not match: {a} != {e}.", path)


def _compare_tensors(actual, expected, path, o):
    a = actual if isinstance(actual, Tensor) else as_tensor(actual)
    e = expected if isinstance(expected, Tensor) else as_tensor(expected)
    _attribute("shape", a.shape, e.shape, path)
    if o["check_device"]:
        _attribute("device", a.device, e.device, path)
    if o["check_dtype"]:
        _attribute("dtype", a.dtype, e.dtype, path)
    if o["check_stride"] and a.numel() > 1:
        _attribute("stride()", a.stride(), e.stride(), path)
    rtol, atol = _tolerances([a.dtype, e.dtype], o["rtol"], o["atol"], path)
    if "meta" in (a.device.type, e.device.type):
        return  # meta tensors have no values to compare
    dtype = D.promote_types(a.dtype, e.dtype)
    x, y = (host_values(t).astype(dtype.np) for t in (a, e))
    with np.errstate(invalid="ignore", over="ignore"):
        matches = np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=o["equal_nan"]) if (
            rtol or atol or dtype.is_floating_point or dtype.is_complex) else x == y
    if matches.all():
        return
    if x.ndim == 0:
        raise _Mismatch(AssertionError, _scalar_message(x.item(), y.item(), rtol, atol), path)
    raise _Mismatch(AssertionError, _tensor_message(x, y, matches, dtype, rtol, atol), path)


def _tensor_message(x, y, matches, dtype, rtol, atol):
    """PyTorch's statistics of a mismatch: how many, and where the greatest absolute and
    relative differences are (among the mismatched elements; NaN wins, as in torch.max)."""
    n, bad = matches.size, int(matches.size - matches.sum())
    if not (dtype.is_floating_point or dtype.is_complex):
        x, y = x.astype(np.int64), y.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_diff = np.abs(x - y).reshape(-1)
        abs_diff[matches.reshape(-1)] = 0
        denominator = np.abs(y).reshape(-1)
        if abs_diff.dtype.kind in "iu":  # integer division gives PyTorch's default float
            abs_diff_f = abs_diff.astype(D.get_default_dtype().np)
            rel_diff = abs_diff_f / denominator.astype(abs_diff_f.dtype)
        else:
            rel_diff = abs_diff / denominator
        rel_diff[matches.reshape(-1)] = 0

    def greatest(v):
        nan = np.flatnonzero(np.isnan(v)) if v.dtype.kind == "f" else ()
        at = int(nan[0]) if len(nan) else int(np.argmax(v))
        return v[at].item(), tuple(int(i) for i in np.unravel_index(at, x.shape))

    (ad, aat), (rd, rat) = greatest(abs_diff), greatest(rel_diff)
    lines, equal = _diff_lines(ad, aat, rd, rat, rtol, atol)
    return (f"Tensor-likes are not {'equal' if equal else 'close'}!\n\n"
            f"Mismatched elements: {bad} / {n} ({bad / n:.1%})\n{lines}")


def _is_sequence(x):
    return isinstance(x, Sequence) and not isinstance(x, str)


_NUMBERS = (int, float, complex, np.number)


def _compare(actual, expected, path, o):
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: "
                            f"{len(actual)} != {len(expected)}", path)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, path + (i,), o)
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        ka, ke = set(actual.keys()), set(expected.keys())
        if ka != ke:
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                            f"Missing keys in the actual mapping: {sorted(ke - ka)}\n"
                            f"Additional keys in the actual mapping: {sorted(ka - ke)}", path)
        for k in actual:
            _compare(actual[k], expected[k], path + (k,), o)
        return
    if actual is None or expected is None:
        if actual is not expected:
            raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", path)
        return
    bools = (bool, np.bool_)
    if isinstance(actual, bools) and isinstance(expected, bools):
        if bool(actual) != bool(expected):
            raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}",
                            path)
        return
    if isinstance(actual, _NUMBERS) and isinstance(expected, _NUMBERS):
        return _compare_numbers(actual, expected, path, o)
    tensors = (Tensor, np.ndarray)
    if isinstance(actual, tensors) and isinstance(expected, tensors) and (
            type(actual) is type(expected) or o["allow_subclasses"] and (
                isinstance(actual, type(expected)) or isinstance(expected, type(actual)))):
        return _compare_tensors(actual, expected, path, o)
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type "
                    f"{type(actual)} and {type(expected)}.", path)


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True,
                 rtol: float | None = None, atol: float | None = None, equal_nan: bool = False,
                 check_device: bool = True, check_dtype: bool = True, check_layout: bool = True,
                 check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Asserts that `actual` and `expected` are close: tensors (and numpy arrays) elementwise
    within ``atol + rtol * |expected|`` after equal shape, device and dtype; numbers likewise;
    bools and None equal; sequences and mappings item by item. The default rtol/atol are those
    of the dtype (float32: 1.3e-6/1e-5, float64: 1e-7/1e-7, float16: 1e-3/1e-5, integers: 0).
    Raises AssertionError with PyTorch's message (or `msg`, or `msg(message)` if callable).

    >>> import funcgrad.torch as torch
    >>> torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]))
    Traceback (most recent call last):
    AssertionError: Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 1 / 2 (50.0%)
    Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)
    """
    __tracebackhide__ = True  # noqa: F841  (pytest shows the caller's line)
    options = {"allow_subclasses": allow_subclasses, "rtol": rtol, "atol": atol,
               "equal_nan": equal_nan, "check_device": check_device, "check_dtype": check_dtype,
               "check_layout": check_layout, "check_stride": check_stride}
    try:
        _compare(actual, expected, (), options)
    except _Mismatch as m:
        raise m.error(msg) from None


# ---- make_tensor --------------------------------------------------------------------------------

def _bounds(dtype, low, high, lowest, highest, default_low, default_high):
    """PyTorch's checks and clamping of make_tensor's interval [low, high)."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and (dtype.is_floating_point or dtype.is_complex):
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or complex "
                      "types is deprecated since 2.1 and will be removed in 2.3. Use "
                      "`torch.full(...)` instead.", FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dtype} only supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if not (dtype.is_floating_point or dtype.is_complex):
        return math.ceil(low), math.ceil(high)
    return low, high


def make_tensor(*shape: int | Sequence[int], dtype: D.dtype, device: Any,
                low: float | None = None, high: float | None = None,
                requires_grad: bool = False, noncontiguous: bool = False,
                exclude_zero: bool = False, memory_format: Any = None) -> Tensor:
    """A tensor of `shape` with random values in [low, high) (default [-9, 10) for integers,
    [-9, 9) for floats, [0, 2) for bool), drawn from the torch generator as PyTorch draws them
    (randint, or uniform_ over the real view of complex), so a seeded call gives PyTorch's values.
    `noncontiguous` returns a strided view; `exclude_zero` replaces zeros by 1 or finfo.tiny.

    >>> import funcgrad.torch as torch
    >>> t = torch.testing.make_tensor(3, dtype=torch.float32, device="cpu", low=0, high=1)
    >>> bool(((t >= 0) & (t < 1)).all())
    True
    """
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    dims = tuple(int(s) for s in shape)  # type: ignore[arg-type]
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually "
                         f"exclusive, but got noncontiguous={noncontiguous} and "
                         f"memory_format={memory_format}")
    floating = dtype.is_floating_point or dtype.is_complex
    if requires_grad and not floating:
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, "
                         f"but got dtype={dtype}")
    noncontiguous = noncontiguous and math.prod(dims) > 1
    if noncontiguous:
        dims = (*dims[:-1], 2 * dims[-1])
    if dtype is D.bool:
        lo, hi = _bounds(dtype, low, high, 0, 2, 0, 2)
        result = randint(lo, hi, dims, device=device, dtype=dtype)
    elif not floating:
        info = D.iinfo(dtype)
        lo, hi = _bounds(dtype, low, high, info.min, info.max + (dtype is not D.int64), -9, 10)
        result = randint(lo, hi, dims, device=device, dtype=dtype)
    else:
        info = D.finfo(dtype)
        lo, hi = _bounds(dtype, low, high, info.min, info.max, -9, 9)
        real = dtype.to_real() if dtype.is_complex else dtype
        result = empty(*dims, *((2,) if dtype.is_complex else ()), dtype=real, device=device)
        if hi - lo >= info.max:  # uniform_ needs the width within the dtype's range
            result.uniform_(lo / 2, hi / 2).mul_(2)
        else:
            result.uniform_(lo, hi)
        if dtype.is_complex:
            result = result[..., 0] + result[..., 1] * 1j
            result = result.to(dtype)
    if noncontiguous:
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = 1 if not floating else D.finfo(dtype).tiny
    if floating:
        result.requires_grad_(requires_grad)
    return result
