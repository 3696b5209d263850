"""The exception classes of `jax.errors`, under the same names, each raised where JAX raises it
(funcgrad's messages name the argument, your line and the fix; docs/errors.md has an entry for
each). They subclass funcgrad's own classes, so `except fg.ConcretizationError` still catches
a `TracerBoolConversionError`, and JAX's bases, so `except TypeError` does too.

>>> import funcgrad as fg
>>> try:
...     fg.jit(lambda x: 1.0 if x > 0 else -1.0)(2.0)
... except fg.errors.TracerBoolConversionError as e:
...     print(type(e).__name__, isinstance(e, fg.errors.ConcretizationTypeError),
...           isinstance(e, fg.ConcretizationError), isinstance(e, TypeError))
TracerBoolConversionError True True True
"""
from ._core.errors import (ConcretizationTypeError, InconclusiveDimensionOperation,
                           JAXIndexError, JAXTypeError, JaxprTypeError, JaxRuntimeError,
                           KeyReuseError, NonConcreteBooleanIndexError,
                           TracerArrayConversionError, TracerBoolConversionError,
                           TracerIntegerConversionError, UnexpectedTracerError)

__all__ = ["ConcretizationTypeError", "InconclusiveDimensionOperation", "JAXIndexError",
           "JAXTypeError", "JaxRuntimeError", "JaxprTypeError", "KeyReuseError",
           "NonConcreteBooleanIndexError", "TracerArrayConversionError",
           "TracerBoolConversionError", "TracerIntegerConversionError", "UnexpectedTracerError"]
