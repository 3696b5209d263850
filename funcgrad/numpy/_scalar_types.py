"""funcgrad.numpy's scalar type names (`float32`, `int8`, `bool_`, ...), as JAX has them: calling
one makes an Array of its dtype (0-d from a scalar, the input's shape from a list or an array),
and the name stands for that dtype wherever numpy or funcgrad takes one.

numpy's scalar types make numpy scalars, which follow numpy's scalar rules and leave funcgrad
(`fnp.float32(2) * x` would be a numpy computation); funcgrad, like JAX, has no scalar objects:
a scalar is a 0-d Array. The types here keep everything a dtype argument needs: `np.dtype(t)`
(through numpy's `__numpy_dtype__` protocol and the `dtype` attribute), equality and hash with
numpy's type (`fnp.float32 == np.float32`, the same dict key), and `isinstance(v, t)` for numpy
scalars of that type, while `t(value)` converts through `asarray`, so a traced value converts as
`astype` does (differentiably, under jit and vmap alike).

>>> import funcgrad.numpy as fnp, numpy as np
>>> fnp.float32(2) * 3
Array(6., dtype=float32)
>>> fnp.zeros(2, fnp.int8).dtype == fnp.int8, np.dtype(fnp.float32)
(True, dtype('float32'))
>>> fnp.float32
<class 'funcgrad.numpy.float32'>
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._core import backend
from .._core.array import Array
from .._core.typing import ArrayLike
from ._core import asarray

PUBLIC_MODULE = "funcgrad.numpy"
"""The module the types name as theirs: their repr, and where pickle finds them again."""


class ScalarType(type):
    """The class of funcgrad.numpy's scalar type names: each is a type whose call makes an Array
    of its `dtype` and which compares and hashes as numpy's scalar type of that dtype.

    >>> import funcgrad.numpy as fnp, numpy as np
    >>> type(fnp.int16).__name__, fnp.int16.dtype, {np.int16: "found"}[fnp.int16]
    ('ScalarType', dtype('int16'), 'found')
    """

    dtype: np.dtype
    _numpy_type: type  # numpy's scalar type of `dtype`
    _numpy_hash: int  # its hash, this type's

    def __call__(cls, x: ArrayLike) -> Array:
        """`x` as an Array of this dtype (any shape; a traced `x` converts as `astype`).

        >>> import funcgrad.numpy as fnp
        >>> fnp.int32([1.5, -2.5])
        Array([ 1, -2], dtype=int32)
        """
        return asarray(x, dtype=cls.dtype)

    @property
    def __numpy_dtype__(cls) -> np.dtype:
        """The dtype numpy uses where this type is given for one (numpy's protocol, 2.4 on)."""
        return cls.dtype

    def __eq__(cls, other: object) -> bool:
        # as numpy's type: fnp.float32 == np.float32 == np.dtype('float32'). numpy compares (and
        # hashes) the type when it takes it for a dtype, so the common cases come first
        numpy_type = cls._numpy_type
        return other is numpy_type or other is cls or numpy_type == other

    def __ne__(cls, other: object) -> bool:
        return not cls == other  # (cls.__eq__ would find object's, the instances' method)

    def __hash__(cls) -> int:
        # the same dict key and set member as numpy's type, which compares equal
        return cls._numpy_hash

    def __instancecheck__(cls, instance: Any) -> bool:
        # funcgrad has no scalar objects of its own: numpy's scalars of this dtype are the instances
        return isinstance(instance, cls._numpy_type)


def scalar_type(numpy_type: Any) -> ScalarType:
    """The funcgrad.numpy scalar type standing for numpy's (or ml_dtypes') scalar type.

    >>> import numpy as np
    >>> t = scalar_type(np.uint16)
    >>> t(7), t == np.uint16
    (Array(7, dtype=uint16), True)
    """
    dt = np.dtype(numpy_type)
    name = dt.type.__name__  # numpy 2 names its bool_ 'bool', as JAX's prints
    doc = (f"funcgrad.numpy's {name}: `{name}(x)` is `x` as an Array of dtype {dt} (a scalar "
           f"becomes a 0-d Array: funcgrad, like JAX, has no scalar objects); as a dtype "
           f"argument it means {dt}, as numpy's `{name}` does.")
    return ScalarType(name, (), {"dtype": dt, "_numpy_type": dt.type,
                                 "_numpy_hash": hash(dt.type), "__doc__": doc,
                                 "__module__": PUBLIC_MODULE, "__qualname__": name})


bool_ = scalar_type(np.bool_)
int8, int16, int32, int64 = (scalar_type(t) for t in (np.int8, np.int16, np.int32, np.int64))
uint8, uint16, uint32, uint64 = (scalar_type(t) for t in (np.uint8, np.uint16, np.uint32,
                                                          np.uint64))
float16, float32, float64 = (scalar_type(t) for t in (np.float16, np.float32, np.float64))
complex64, complex128 = scalar_type(np.complex64), scalar_type(np.complex128)

# bfloat16 where the backend holds bfloat16 arrays (ml_dtypes, JAX's dependency, is installed)
_BFLOAT16 = [dt for dt in backend.EXTRA_FLOATS if dt.name == "bfloat16"]
HAS_BFLOAT16 = bool(_BFLOAT16)
if HAS_BFLOAT16:
    bfloat16 = scalar_type(_BFLOAT16[0])

# numpy's C-style aliases, as JAX names them (int_, float_, complex_ are the 64-bit types)
single, double, csingle, cdouble = float32, float64, complex64, complex128
int_, uint, float_, complex_ = int64, uint64, float64, complex128

SCALAR_TYPES: tuple[ScalarType, ...] = (
    bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, float32, float64,
    complex64, complex128) + ((bfloat16,) if HAS_BFLOAT16 else ())
"""Every scalar type of funcgrad.numpy, one per dtype."""
