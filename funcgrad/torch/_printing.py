"""How a torch tensor prints: text identical to PyTorch 2.13's `repr(t)` / `str(t)`.

Self-contained (numpy only), so that the Tensor class, the autograd layer and the tests can all use
it. The rules, as PyTorch applies them:

- One formatter serves the whole tensor (or, when the tensor is summarized, the elements that are
  shown). Integer and boolean elements print as Python does, right-aligned to the widest.
- Floating elements look only at the finite non-zero values: if all of them are whole numbers the
  tensor prints in "int mode" (`1.`, `-3.`); scientific notation (`1.0000e-05`) is used when the
  largest magnitude over the smallest exceeds 1000, the largest exceeds 1e8 or the smallest is
  below 1e-4 (or as `set_printoptions(sci_mode=...)` forces); otherwise `precision` (4) fixed
  decimals. Every element is right-aligned to the widest finite non-zero one; `nan`/`inf` are not
  counted in that width.
- Complex tensors use one formatter for the real parts and one for the imaginary parts.
- More than `threshold` (1000) elements: each dimension longer than 2 * `edgeitems` shows its first
  and last `edgeitems` entries around `...`.
- Rows wrap at `linewidth` (80) characters; nested dimensions are separated by blank lines.
- Suffixes, in this order: `device='cuda:0'` (anything but the CPU), `size=(0, 3)` (empty tensors
  that are not 1-d; every tensor when `edgeitems` is 0), `dtype=torch.float64` (a dtype other than
  the default float, its complex counterpart, int64 and bool; for an empty tensor, any dtype but
  the default float), then `grad_fn=<MulBackward0>` or else `requires_grad=True`. A suffix that
  would pass `linewidth` goes on a new line.

>>> import numpy as np
>>> print(format_tensor(np.array([[1.0, 2.5], [-3.0, 4.25]], np.float32), "torch.float32",
...                     is_default_dtype=True, requires_grad=True))
tensor([[ 1.0000,  2.5000],
        [-3.0000,  4.2500]], requires_grad=True)
>>> format_tensor(np.array(40.0, np.float64), "torch.float64", is_default_dtype=False)
'tensor(40., dtype=torch.float64)'
>>> format_tensor(np.zeros((0, 3), np.int64), "torch.int64", is_default_dtype=False)
'tensor([], size=(0, 3), dtype=torch.int64)'
>>> format_size((2, 3))
'torch.Size([2, 3])'
"""
from __future__ import annotations

import contextlib
import math

import numpy as np

__all__ = ["format_tensor", "format_size", "set_printoptions", "get_printoptions",
           "printoptions"]


# ---- options -------------------------------------------------------------------------------------

class _PrintOptions:
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set the options for printing tensors, as `torch.set_printoptions` does.

    `profile` ("default", "short" or "full") first resets precision, threshold, edgeitems and
    linewidth; the other arguments then override it. As in PyTorch, `sci_mode` is always set: a call
    that leaves it out puts it back to None (automatic).

    >>> set_printoptions(precision=2)
    >>> get_printoptions()["precision"]
    2
    >>> set_printoptions(profile="default")
    >>> get_printoptions()
    {'precision': 4, 'threshold': 1000, 'edgeitems': 3, 'linewidth': 80, 'sci_mode': None}
    """
    if profile is not None and profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(_OPTS, name, value)
    if precision is not None:
        _OPTS.precision = precision
    if threshold is not None:
        _OPTS.threshold = threshold
    if edgeitems is not None:
        _OPTS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTS.linewidth = linewidth
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options, as a dict that `set_printoptions(**d)` accepts."""
    return {name: getattr(_OPTS, name) for name in _PrintOptions.__slots__}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Change the print options inside a `with` block (`torch._tensor_str.printoptions`)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ---- dtypes --------------------------------------------------------------------------------------

_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "cfloat": "complex64",
            "cdouble": "complex128", "chalf": "complex32", "long": "int64", "int": "int32",
            "short": "int16"}

# The numpy type that holds each torch dtype's values exactly (bfloat16 values are rounded to
# bfloat16 and kept in float32; complex32 is rounded part by part through float16).
_STORAGE = {"float16": np.float16, "float32": np.float32, "float64": np.float64,
            "bfloat16": np.float32, "complex32": np.complex64, "complex64": np.complex64,
            "complex128": np.complex128, "bool": np.bool_, "uint8": np.uint8, "int8": np.int8,
            "int16": np.int16, "int32": np.int32, "int64": np.int64, "uint16": np.uint16,
            "uint32": np.uint32, "uint64": np.uint64}


def _dtype_name(dtype) -> str:
    """'torch.float32' for 'torch.float32', 'float32', 'torch.float' or a dtype object."""
    name = str(dtype)
    if name.startswith("torch."):
        name = name[len("torch."):]
    return _ALIASES.get(name, name)


def _kind(name: str) -> str:
    if name == "bool":
        return "b"
    if name.startswith("complex"):
        return "c"
    if name.startswith(("float", "bfloat")):
        return "f"
    return "i"


def _round_bfloat16(a):
    """Round float32 values to the nearest bfloat16 (ties to even), returned as float32."""
    a = np.array(a, dtype=np.float32, order="C")  # a copy, C-contiguous, 0-d kept
    bits = a.view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    out = rounded.astype(np.uint32).view(np.float32).reshape(a.shape)
    return np.where(np.isnan(a), a, out)


def _to_storage(values, name):
    """`values` as the torch dtype `name` holds them (printing must see exactly those numbers)."""
    a = np.asarray(values)
    storage = _STORAGE.get(name)
    if storage is None:  # a dtype this module does not know: print the values as given
        return a
    if name == "bfloat16":
        return _round_bfloat16(a.astype(np.float32) if a.dtype.kind != "c" else a.real)
    if name == "complex32":
        a = a.astype(np.complex64)
        return (a.real.astype(np.float16).astype(np.float32)
                + 1j * a.imag.astype(np.float16).astype(np.float32)).astype(np.complex64)
    if a.dtype.kind == "c" and np.dtype(storage).kind != "c":
        a = a.real
    return a.astype(storage, copy=False)


# ---- element formatting --------------------------------------------------------------------------

class _Formatter:
    """One tensor's element format (PyTorch's `_Formatter`): decided once from the elements that
    will be shown, then applied to each with `format`."""

    def __init__(self, data, floating: bool, opts: _PrintOptions):
        self.floating = floating
        self.precision = opts.precision
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = np.asarray(data).reshape(-1)
        if not floating:
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return
        flat = flat.astype(np.float64)
        finite_nonzero = flat[np.isfinite(flat) & (flat != 0)]
        if finite_nonzero.size == 0:
            return
        magnitudes = np.abs(finite_nonzero)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(finite_nonzero == np.ceil(finite_nonzero)))
        if opts.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = opts.sci_mode
        values = finite_nonzero.tolist()
        if self.sci_mode:
            spec = f".{self.precision}e"
            self.max_width = max(self.max_width, *(len(format(v, spec)) for v in values))
        elif self.int_mode:
            self.max_width = max(self.max_width, *(len(f"{v:.0f}") + 1 for v in values))
        else:
            spec = f".{self.precision}f"
            self.max_width = max(self.max_width, *(len(format(v, spec)) for v in values))

    def width(self) -> int:
        return self.max_width

    def format(self, value) -> str:
        if self.floating:
            if self.sci_mode:
                text = format(value, f"{self.max_width}.{self.precision}e")
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = format(value, f".{self.precision}f")
        else:
            text = f"{value}"
        return " " * (self.max_width - len(text)) + text


def _complex_text(value, real_fmt: _Formatter, imag_fmt: _Formatter) -> str:
    real = real_fmt.format(value.real)
    imag = (imag_fmt.format(value.imag) + "j").lstrip()
    if imag[0] in "+-":
        return real + imag
    return real + "+" + imag


# ---- layout --------------------------------------------------------------------------------------

def _summarized(a, edge: int):
    """The elements a summarized print shows, in the same nesting (PyTorch's
    `get_summarized_data`): the formatter is chosen from these alone."""
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        if a.shape[0] > 2 * edge:
            return np.concatenate((a[:edge], a[-edge:]))
        return a
    if not edge:
        return np.empty((0,) * a.ndim, a.dtype)
    n = a.shape[0]
    if n > 2 * edge:
        rows = [a[i] for i in range(edge)] + [a[i] for i in range(n - edge, n)]
    else:
        rows = [a[i] for i in range(n)]
    return np.stack([_summarized(r, edge) for r in rows])


class _Layout:
    def __init__(self, opts, summarize, fmt1, fmt2=None):
        self.opts = opts
        self.summarize = summarize
        self.fmt1 = fmt1
        self.fmt2 = fmt2

    def element(self, value) -> str:
        if self.fmt2 is not None:
            return _complex_text(value, self.fmt1, self.fmt2)
        return self.fmt1.format(value)

    def vector(self, a, indent: int) -> str:
        opts = self.opts
        element_length = self.fmt1.width() + 2
        if self.fmt2 is not None:
            element_length += self.fmt2.width() + 1
        per_line = max(1, math.floor((opts.linewidth - indent) / element_length))
        edge = opts.edgeitems
        if self.summarize and not edge:
            data = ["..."]
        elif self.summarize and a.shape[0] > 2 * edge:
            data = ([self.element(v) for v in a[:edge].tolist()] + [" ..."]
                    + [self.element(v) for v in a[-edge:].tolist()])
        else:
            data = [self.element(v) for v in a.tolist()]
        lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    def tensor(self, a, indent: int) -> str:
        if a.ndim == 0:
            return self.element(a.item())
        if a.ndim == 1:
            return self.vector(a, indent)
        edge = self.opts.edgeitems
        n = a.shape[0]
        if self.summarize and n > 2 * edge:
            slices = ([self.tensor(a[i], indent + 1) for i in range(edge)] + ["..."]
                      + [self.tensor(a[i], indent + 1) for i in range(n - edge, n)])
        else:
            slices = [self.tensor(a[i], indent + 1) for i in range(n)]
        return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _tensor_text(a, kind: str, indent: int, opts: _PrintOptions) -> str:
    """The bracketed contents of a tensor with at least one element (PyTorch's `_tensor_str`)."""
    summarize = a.size > opts.threshold
    shown = _summarized(a, opts.edgeitems) if summarize else a
    if kind == "c":
        layout = _Layout(opts, summarize, _Formatter(shown.real, True, opts),
                         _Formatter(shown.imag, True, opts))
    else:
        layout = _Layout(opts, summarize, _Formatter(shown, kind == "f", opts))
    return layout.tensor(a, indent)


def _add_suffixes(text: str, suffixes, indent: int, linewidth) -> str:
    parts = [text]
    # PyTorch's arithmetic (two more than the last line's length when there is no line break).
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


# ---- the API -------------------------------------------------------------------------------------

def format_size(shape) -> str:
    """`torch.Size` as PyTorch prints it.

    >>> format_size(())
    'torch.Size([])'
    """
    return "torch.Size([" + ", ".join(str(int(d)) for d in shape) + "])"


def format_tensor(values, dtype, *, requires_grad: bool = False, grad_fn: str | None = None,
                  device: str = "cpu", is_default_dtype: bool | None = None,
                  default_dtype=None, extra=(), prefix: str = "tensor(") -> str:
    """What `repr(t)` (and `str(t)`) print for a torch tensor.

    values: the elements (any array-like of the tensor's shape); they are first rounded to what
        `dtype` holds (float32, float16, bfloat16, ...), so a float64 array may be passed.
    dtype: the torch dtype, as its name ("torch.float32", "float64", "torch.long") or an object
        whose `str()` is that name.
    requires_grad, grad_fn: a `grad_fn` name ("MulBackward0" or "<MulBackward0>") is shown in place
        of `requires_grad=True`.
    device: shown unless it is "cpu" (PyTorch prints any device other than the default one).
    is_default_dtype: whether `dtype` is `torch.get_default_dtype()`; `default_dtype` may name
        the default instead. When neither is given the default is float32. (int64, bool and the
        default float's complex type print no dtype either, except for an empty tensor.)
    extra: further suffix strings, shown last (as PyTorch shows `tangent=...`).
    prefix: "tensor(" for plain tensors (PyTorch uses "ClassName(" for subclasses).
    """
    name = _dtype_name(dtype)
    if default_dtype is not None:
        default = _dtype_name(default_dtype)
    elif is_default_dtype and _kind(name) == "f":
        default = name
    else:
        default = "float32"
    if is_default_dtype is None:
        is_default_dtype = name == default
    default_complex = "complex128" if default == "float64" else "complex64"
    has_default_dtype = is_default_dtype or name in (default_complex, "int64", "bool")

    opts = _OPTS
    a = _to_storage(values, name)
    kind = _kind(name)
    indent = len(prefix)
    suffixes = []
    if str(device) != "cpu":
        suffixes.append(f"device='{device}'")
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append("size=" + str(tuple(int(d) for d in a.shape)))
        if not is_default_dtype:
            suffixes.append(f"dtype=torch.{name}")
        text = "[]"
    else:
        if not opts.edgeitems:
            suffixes.append("size=" + str(tuple(int(d) for d in a.shape)))
        if not has_default_dtype:
            suffixes.append(f"dtype=torch.{name}")
        text = _tensor_text(a, kind, indent, opts)
    if grad_fn is not None:
        grad_fn = str(grad_fn)
        suffixes.append("grad_fn=" + (grad_fn if grad_fn.startswith("<") else f"<{grad_fn}>"))
    elif requires_grad:
        suffixes.append("requires_grad=True")
    suffixes.extend(extra)
    return _add_suffixes(prefix + text, suffixes, indent, opts.linewidth)
