"""funcgrad's error classes. Each has an entry in docs/errors.md, and each message links to it."""
from __future__ import annotations

import os
import sys

import numpy as np

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Frames of the standard library (contextlib, functools) sit between funcgrad and the user too.
_STDLIB_DIR = os.path.dirname(os.path.abspath(os.__file__))
DOCS = "docs/errors.md"


def doc_link(anchor):
    return f"(see {DOCS}#{anchor})"


_internal_files: dict = {}


def _is_internal(filename):
    r = _internal_files.get(filename)
    if r is None:
        r = _internal_files[filename] = os.path.abspath(filename).startswith(
            (_PKG_DIR + os.sep, _STDLIB_DIR + os.sep))
    return r


def user_site():
    """(filename, line) of the innermost stack frame outside funcgrad: where the user's code
    called in. Cheap enough to take at every transform call; format it only for a message."""
    f = sys._getframe(1)
    while f is not None:
        if not _is_internal(f.f_code.co_filename):
            return f.f_code.co_filename, f.f_lineno
        f = f.f_back
    return None


def format_site(site):
    if site is None:
        return "an unknown line"
    import linecache
    filename, lineno = site
    line = linecache.getline(filename, lineno).strip()
    return f"{filename}:{lineno}" + (f": {line}" if line else "")


def user_frame():
    """'file:line: source' of the user's code that asked for the failing operation."""
    return format_site(user_site())


class FuncgradError(Exception):
    """Base of funcgrad's own errors."""


class JAXTypeError(FuncgradError, TypeError):
    """Base of the TypeErrors JAX names in `jax.errors` (funcgrad.errors has them all)."""


class JAXIndexError(FuncgradError, IndexError):
    """Base of the IndexErrors JAX names in `jax.errors`."""


class ConcretizationError(FuncgradError, TypeError):
    """A traced value was used where Python needs a concrete value (bool, int, float, index)."""


class ConcretizationTypeError(ConcretizationError, JAXTypeError):
    """JAX's name for a ConcretizationError: float(), int(), item() or a concrete argument
    asked of a value traced abstractly (under jit, make_jaxpr or vmap)."""


class TracerBoolConversionError(ConcretizationTypeError):
    """bool() (an `if`, `while`, `and`, `or`) of a value traced abstractly."""


class TracerIntegerConversionError(ConcretizationError, JAXTypeError):
    """`__index__` (a list index, range(), a shape) of a value traced abstractly. A
    ConcretizationError for funcgrad's handlers; in JAX not a ConcretizationTypeError."""


class NonConcreteBooleanIndexError(ConcretizationError, JAXIndexError):
    """A boolean mask traced abstractly used as an index: the result's size is unknown. An
    IndexError as in JAX, and a ConcretizationError for funcgrad's handlers."""


class UnexpectedTracerError(JAXTypeError):
    """A traced value escaped the transform that created it and was used after it finished."""


class KeyReuseError(JAXTypeError):
    """A PRNG key consumed twice while key-reuse checking is on."""


class JaxRuntimeError(FuncgradError, RuntimeError):
    """A failure while running compiled code (JAX's XlaRuntimeError)."""


class InconclusiveDimensionOperation(FuncgradError):
    """A comparison of symbolic dimensions whose answer depends on their values (JAX's shape
    polymorphism; funcgrad has concrete shapes, and raises it only for JAX programs' sake)."""


# which class a concretization names, by what asked for the concrete value (Tracer._concrete's
# `why`); anything else is a ConcretizationTypeError
_CONCRETIZATION_BY_USE = {"bool()": TracerBoolConversionError,
                          "an index (__index__)": TracerIntegerConversionError}


def concretization_class(why):
    """The ConcretizationError subclass JAX raises where `why` asked for a concrete value."""
    return _CONCRETIZATION_BY_USE.get(why, ConcretizationTypeError)


class ShapeError(FuncgradError, ValueError, TypeError):
    """Operand shapes that an operation cannot combine, or a shape argument that is not one
    (negative, not an integer). Also a TypeError: JAX raises TypeError for these from `lax` and
    for shape arguments, ValueError from `jax.numpy`."""


class AxisError(ShapeError, np.exceptions.AxisError):
    """An axis argument out of range for the array's dimensions. Also numpy's AxisError (a
    ValueError and an IndexError, which is what JAX raises, depending on the function)."""


class ArgumentError(FuncgradError, ValueError, TypeError):
    """An argument at the public boundary that is out of range, repeated or of the wrong tree
    structure (argnums, static_argnums, loop lengths, strides, cotangents...). Both a ValueError
    and a TypeError: JAX raises one or the other for the same fact, depending on the entry point."""


class IndexTypeError(FuncgradError, IndexError, TypeError):
    """An index of a type that cannot index (a float, a string). An IndexError as in numpy and a
    TypeError as in JAX."""


class JaxprTypeError(FuncgradError, TypeError):
    """A jaxpr that is not well typed (raised by the jaxpr type checker)."""


class InPlaceUpdateError(FuncgradError, TypeError):
    """Assignment into an immutable funcgrad Array."""


class GradInputError(FuncgradError, TypeError):
    """An argument `grad` cannot differentiate (integer or boolean without allow_int)."""


class GradOutputError(FuncgradError, TypeError):
    """`grad` of a function whose output is not a real scalar."""


class TracerArrayConversionError(JAXTypeError):
    """A traced value was handed to numpy (np.asarray, a numpy function), which would drop it."""


class UnhashableStaticArgumentError(FuncgradError, TypeError):
    """A static argument of a jitted function that cannot be hashed into the cache key."""


class DeviceMismatchError(FuncgradError, ValueError):
    """One operation got arrays on two devices (funcgrad never moves data silently)."""


class DeviceUnavailableError(FuncgradError, RuntimeError, ValueError):
    """A device was asked for that this machine does not have (no GPU, no CuPy, 'cpu:7'). Also
    a ValueError, which is what JAX raises for a device that does not exist."""


class TransferGuardError(FuncgradError, RuntimeError):
    """A GPU array was handed to numpy while fg.config.transfer_guard is 'disallow'."""


# Tracebacks name the public module the classes are imported from.
for _cls in (FuncgradError, ConcretizationError, UnexpectedTracerError, ShapeError, AxisError,
             JAXTypeError, JAXIndexError, ConcretizationTypeError, TracerBoolConversionError,
             TracerIntegerConversionError, NonConcreteBooleanIndexError, KeyReuseError,
             JaxRuntimeError, InconclusiveDimensionOperation,
             ArgumentError, IndexTypeError, JaxprTypeError,
             InPlaceUpdateError, GradInputError, GradOutputError, TracerArrayConversionError,
             UnhashableStaticArgumentError, DeviceMismatchError, DeviceUnavailableError,
             TransferGuardError):
    _cls.__module__ = "funcgrad"
