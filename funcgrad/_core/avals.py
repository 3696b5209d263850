"""Abstract values (shape, dtype, weak type), type promotion, and the dtype mode.

A Python scalar is *weakly typed*: it takes the dtype of the array it meets (`x32 * 2.0` stays
float32), exactly as numpy 2 (NEP 50) does. Every other value is strongly typed. Promotion is
delegated to numpy's own ufunc type resolution so that funcgrad's dtypes are numpy's dtypes.

That is funcgrad's default mode. JAX's mode (`fg.config.update("jax_enable_x64", False)`, or
`fg.config.update("dtype_promotion", "jax")` with 64-bit types kept; `python -m funcgrad` starts
in it) follows JAX instead: the promotion lattice below, weak types kept on arrays and on the
results computed from weak values only, and, with x64 off, every dtype canonicalized to its
32-bit form (float64 -> float32, int64 -> int32, uint64 -> uint32, complex128 -> complex64)
wherever an aval or an array is made. The mode is two module globals read where it matters.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .typing import DTypeLike, Shape

PY_SCALARS = (bool, int, float, complex)

_SHORT = {
    "float16": "f16", "float32": "f32", "float64": "f64",
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64",
    "bool": "bool", "complex64": "c64", "complex128": "c128",
}

# JAX's dtype of the cotangent of an integer input: a zero-size struct that carries no value.
float0 = np.dtype([("float0", np.void, 0)])


class ShapedArray:
    """The abstract value of an array: what tracing knows when values are not known."""

    __slots__ = ("shape", "dtype", "weak_type")
    shape: tuple[int, ...]
    dtype: np.dtype
    weak_type: bool

    def __init__(self, shape: Shape, dtype: DTypeLike, weak_type: bool = False):
        # Shapes come from backend arrays or from the primitives' functions, which make them
        # tuples of Python ints.
        self.shape = shape if type(shape) is tuple else tuple(int(d) for d in shape)
        dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
        if not X64:  # JAX's x64-off mode: no 64-bit type exists
            dtype = _NARROW.get(dtype, dtype)
        self.dtype = dtype
        self.weak_type = weak_type

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def str_short(self) -> str:
        return f"{short_dtype(self.dtype)}[{','.join(map(str, self.shape))}]"

    def strip_weak_type(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype) if self.weak_type else self

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ShapedArray) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self) -> str:
        # as JAX prints it: the dtype's full name (float32[3]), not the jaxpr's short one
        shape = ",".join(map(str, self.shape))
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.dtype.name}[{shape}]{weak})"


def short_dtype(dtype):
    return _SHORT.get(np.dtype(dtype).name, np.dtype(dtype).name)


def scalar_aval(x):
    """The aval of a Python scalar: shape (), the default dtype for its kind, weak (bool is
    strong in numpy's and JAX's promotion, so it stays strong here)."""
    return ShapedArray((), _PY_DTYPE[type(x)], weak_type=type(x) is not bool)


def is_float_dtype(dtype):
    return np.issubdtype(dtype, np.inexact)


def dtype_key(aval):
    """What numpy's type resolution needs to know of an operand: its dtype, or for a weakly typed
    value the Python type it came from."""
    if aval.weak_type:
        return _WEAK_KIND.get(aval.dtype.kind, aval.dtype)
    return aval.dtype


_WEAK_KIND = {"i": int, "f": float, "c": complex}
_DEFAULT = {int: np.dtype(np.int64), float: np.dtype(np.float64), complex: np.dtype(np.complex128)}


_ufunc_cache: dict = {}


def ufunc_result_dtype(ufunc, keys):
    """numpy's result dtype of `ufunc` applied to operands described by `keys` (see dtype_key).

    Raises TypeError for combinations numpy has no loop for (e.g. `&` on floats)."""
    if JAX_LATTICE:
        return jax_ufunc_result(ufunc, keys)[0]
    ck = (ufunc, keys)
    r = _ufunc_cache.get(ck)
    if r is None:
        if all(k in _DEFAULT for k in keys):
            # Only Python scalars: numpy gives them its default dtypes (np.add(2, 3.0) is float64).
            keys = tuple(_DEFAULT[k] for k in keys)
        r = ufunc.resolve_dtypes(tuple(keys) + (None,) * ufunc.nout)[-1]
        _ufunc_cache[ck] = r = np.dtype(r)
    return r


def ufunc_result_aval(ufunc, avals, shape):
    """The aval of `ufunc` applied to operands `avals`, broadcast to `shape`: numpy's dtype
    (strongly typed) in numpy's mode; JAX's dtype and weak type in JAX's mode."""
    keys = tuple(dtype_key(a) for a in avals)
    if JAX_LATTICE:
        dtype, weak = jax_ufunc_result(ufunc, keys, all(a.weak_type for a in avals))
        return ShapedArray(shape, dtype, weak)
    return ShapedArray(shape, ufunc_result_dtype(ufunc, keys))


# ---- the dtype mode ---------------------------------------------------------------------------

X64 = True
"""Whether 64-bit types exist (JAX's jax_enable_x64). Off: canonicalized to 32 bits."""
JAX_LATTICE = False
"""Whether promotion follows JAX's lattice, with weak types kept on arrays (JAX's mode)."""

_NARROW = {np.dtype(a): np.dtype(b) for a, b in
           (("float64", "float32"), ("int64", "int32"), ("uint64", "uint32"),
            ("complex128", "complex64"))}
_PY_DTYPE = {bool: np.dtype(bool), int: np.dtype(np.int64), float: np.dtype(np.float64),
             complex: np.dtype(np.complex128)}


MODE_HOOKS: list = []
"""Functions called after the mode changes (modules that keep their own copy of a flag)."""


def set_mode(x64: bool, jax_lattice: bool) -> None:
    """Switch the dtype mode (config.update does, with the other switches it implies)."""
    global X64, JAX_LATTICE
    X64, JAX_LATTICE = bool(x64), bool(jax_lattice)
    _jax_cache.clear()
    for hook in MODE_HOOKS:
        hook()


def canonical_dtype(dtype):
    """`dtype` as arrays hold it in the current mode: its 32-bit form with x64 off."""
    dtype = np.dtype(dtype)
    return dtype if X64 else _NARROW.get(dtype, dtype)


def default_dtype(kind: type) -> np.dtype:
    """The default dtype of a Python type (bool, int, float, complex) in the current mode:
    float64/int64, or float32/int32 with x64 off."""
    return canonical_dtype(_PY_DTYPE[kind])


def user_dtype(dtype, who: str):
    """A dtype a user asked for, as the current mode has it: with x64 off a 64-bit request gets
    its 32-bit form, with JAX's warning (None stays None: the function's default)."""
    if dtype is None:
        return None
    if isinstance(dtype, type) and dtype in _PY_DTYPE:  # a Python type: its default dtype in this mode, as JAX reads it
        return default_dtype(dtype)
    if X64:
        return np.dtype(dtype)
    want = np.dtype(dtype)
    got = _NARROW.get(want)
    if got is None:
        return want
    warnings.warn(f"Explicitly requested dtype {want.name} requested in {who} is not available, "
                  f"and will be truncated to dtype {got.name}. To enable more dtypes, set the "
                  "jax_enable_x64 configuration option or the JAX_ENABLE_X64 shell environment "
                  "variable. See https://github.com/jax-ml/jax#current-gotchas for more.",
                  UserWarning, stacklevel=3)
    return got


# JAX's promotion lattice: each type and the types directly above it. "i*", "f*" and "c*" are the
# weakly typed Python int, float and complex; bool is below them, complex128 on top.
_LATTICE = {
    "bool": ["i*"], "i*": ["uint8", "int8"],
    "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"], "uint32": ["int64", "uint64"],
    "uint64": ["f*"],
    "int8": ["int16"], "int16": ["int32"], "int32": ["int64"], "int64": ["f*"],
    "f*": ["bfloat16", "float16", "c*"], "bfloat16": ["float32"], "float16": ["float32"],
    "float32": ["float64", "complex64"], "float64": ["complex128"],
    "c*": ["complex64"], "complex64": ["complex128"], "complex128": [],
}
# With x64 off, no 64-bit type is formed from narrower ones: uint32 with int32 stays int32.
_LATTICE_X32 = dict(_LATTICE, uint32=["int32", "uint64"])
_WEAK_NODE = {int: "i*", float: "f*", complex: "c*"}
_NODE_DEFAULT = {"i*": int, "f*": float, "c*": complex}


def _upper_bounds(lattice):
    """Every type's set of types at or above it."""
    ub = {}

    def above(n):
        if n not in ub:
            s = {n}
            for m in lattice[n]:
                s |= above(m)
            ub[n] = s
        return ub[n]
    for n in lattice:
        above(n)
    return ub


_UB = {True: _upper_bounds(_LATTICE), False: _upper_bounds(_LATTICE_X32)}


def _node(dtype, weak):
    if weak and dtype.kind in "ifc":
        return {"i": "i*", "f": "f*", "c": "c*"}[dtype.kind]
    return dtype.name


def _join(nodes):
    ub = _UB[X64]
    try:
        common = set.intersection(*(ub[n] for n in nodes))
    except KeyError as e:
        raise TypeError(f"dtype {e.args[0]} has no place in JAX's type promotion") from None
    least = [c for c in common if common <= ub[c]]
    return least[0]


def promote_jax(*operands, canonical=True):
    """(dtype, weak_type): JAX's result type of `operands`, each a (dtype, weak) pair, in the
    current x64 mode (jax.numpy.result_type with its weak-type flag; with canonical False,
    jax.numpy.promote_types, which keeps a 64-bit result with x64 off)."""
    dtypes = [np.dtype(d) for d, _ in operands]
    weaks = [w for _, w in operands]
    if len(operands) == 1:
        d, w = dtypes[0], weaks[0]
    elif len(set(dtypes)) == 1 and not all(weaks):
        d, w = dtypes[0], False
    elif all(weaks):  # the bound of the strong counterparts, weakly typed
        d, w = _node_dtype(_join({_node(x, False) for x in dtypes})), True
    else:
        top = _join({_node(x, wk) for x, wk in zip(dtypes, weaks)})
        d, w = _node_dtype(top), top in _NODE_DEFAULT
    if canonical:
        d = canonical_dtype(d)
    return d, w and d != np.bool_


def _node_dtype(node):
    kind = _NODE_DEFAULT.get(node)
    return _PY_DTYPE[kind] if kind is not None else np.dtype(EXTRA_DTYPES.get(node, node))


EXTRA_DTYPES: dict = {}
"""numpy dtypes numpy itself lacks, by name: bfloat16 from ml_dtypes (JAX's dependency; optional)."""
try:
    import ml_dtypes as _ml
    EXTRA_DTYPES["bfloat16"] = np.dtype(_ml.bfloat16)
except ImportError:  # pragma: no cover - without ml_dtypes there are no bfloat16 arrays
    pass

_jax_cache: dict = {}


def jax_ufunc_result(ufunc, keys, all_weak=None):
    """(dtype, weak): the result of numpy's `ufunc` on operands `keys` (see dtype_key) under
    JAX's rules: the operands promoted together on JAX's lattice, the ufunc's loop for that
    type, an inexact result of integer operands in the default float type (as JAX's sin(int32)
    is float32, where numpy's sin(int8) is float16), canonicalized to the x64 mode."""
    ck = (ufunc, keys, all_weak)
    r = _jax_cache.get(ck)
    if r is None:
        ops = []
        for k in keys:
            if isinstance(k, type):
                ops.append((_PY_DTYPE[k], True))
            else:
                ops.append((k, False))
        if all_weak is not None and all_weak and not all(w for _, w in ops):
            ops = [(d, True) for d, _ in ops]
        p, weak = promote_jax(*ops)
        out = np.dtype(ufunc.resolve_dtypes((p,) * ufunc.nin + (None,) * ufunc.nout)[-1])
        if p.kind in "biu" and out.kind == "f":
            out = default_dtype(float)
        out = canonical_dtype(out)
        r = _jax_cache[ck] = (out, weak and out != np.bool_)
    return r
