"""jit's stages, as JAX names them: `jit(f).trace(*args)` gives a `Traced` (the jaxpr as traced,
the outputs' shapes), `.lower()` a `Lowered` (the optimized jaxpr and the generated Python
source), `.compile()` a `Compiled` (callable on arguments of that signature only). Also
`ShapeDtypeStruct`, the shape-and-dtype stand-in for an array that `eval_shape` returns and
`trace`/`lower`/`eval_shape` accept in place of one.

>>> import numpy as np
>>> ShapeDtypeStruct((3,), np.float32)
ShapeDtypeStruct(shape=(3,), dtype=float32)
>>> ShapeDtypeStruct((), np.float32, weak_type=True)
ShapeDtypeStruct(shape=(), dtype=float32, weak_type=True)
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._core.avals import ShapedArray

__all__ = ["ShapeDtypeStruct", "Lowered", "Traced", "Compiled"]


class ShapeDtypeStruct:
    """An array's shape, dtype and weak type without its values, as `jax.ShapeDtypeStruct`
    (`sharding` is kept and shown when given; funcgrad has one device per array).

    >>> s = ShapeDtypeStruct((2, 3), "float64")
    >>> s.shape, s.dtype, s.ndim, s.size
    ((2, 3), dtype('float64'), 2, 6)
    """

    __slots__ = ("shape", "dtype", "sharding", "weak_type")

    def __init__(self, shape: Any, dtype: Any, *, sharding: Any = None,
                 weak_type: bool = False) -> None:
        if dtype is None:
            raise ValueError("ShapeDtypeStruct: dtype must be specified, e.g. "
                             "ShapeDtypeStruct((3,), fnp.float32)")
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.sharding = sharding
        self.weak_type = bool(weak_type)

    @classmethod
    def from_aval(cls, aval: ShapedArray) -> ShapeDtypeStruct:
        return cls(aval.shape, aval.dtype, weak_type=aval.weak_type)

    def aval(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype, self.weak_type)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def update(self, **kwargs: Any) -> ShapeDtypeStruct:
        """A copy with the given fields (shape, dtype, sharding, weak_type) replaced."""
        fields = {k: getattr(self, k) for k in self.__slots__}
        fields.update(kwargs)
        return ShapeDtypeStruct(fields.pop("shape"), fields.pop("dtype"), **fields)

    def __repr__(self) -> str:
        sh = f", sharding={self.sharding}" if self.sharding is not None else ""
        wt = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{sh}{wt})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ShapeDtypeStruct)
                and (self.shape, self.dtype, self.sharding, self.weak_type)
                == (other.shape, other.dtype, other.sharding, other.weak_type))

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))


class Lowered:
    """What jit made of one signature: the optimized jaxpr and the generated Python source
    (`as_text()`), and what each optimization pass did (`passes`, `passes_text()`, `fired()`;
    the repr names the passes that fired). `compile()` gives the callable `Compiled`."""

    def __init__(self, jaxpr, consts, source, fn, out_tree, device=None, placed=False,
                 passes=()):
        self.jaxpr, self.consts, self.source, self.fn, self.out_tree = (
            jaxpr, consts, source, fn, out_tree)
        # what each optimization pass did (passes.PassRecord, in pipeline order)
        self.passes = list(passes)
        # where the code runs (None: no GPU in use), and whether that was asked for by a placed
        # array (argument or constant), which makes the outputs placed too
        self.device, self.placed = device, placed
        self.call = None  # raw leaves -> output pytree of Arrays (jit_call.fast_call), on demand
        self.jitted = self.key = None  # set by jit for compile(): who made it, for what
        self.consumes = ()  # key-reuse checking: the argument leaves (typed keys) it consumes

    @property
    def out_info(self):
        """The outputs' ShapeDtypeStructs, in the output's structure."""
        return self.out_tree.unflatten(ShapeDtypeStruct.from_aval(v.aval)
                                       for v in self.jaxpr.outvars)

    def as_text(self):
        return f"{self.jaxpr}\n\n{self.source}"

    __str__ = as_text

    def passes_text(self):
        """One line per optimization pass: what it removed (or added), `-` where it did
        nothing."""
        return "passes:\n" + "".join(f"  {r}\n" for r in self.passes)

    def fired(self):
        """The names of the passes that changed the jaxpr, in order."""
        return [r.name for r in self.passes if r.fired]

    def compile(self):
        """The compiled function (already built: jit compiles when it lowers)."""
        return Compiled(self)

    def __repr__(self):
        return (f"<Lowered: {len(self.jaxpr.eqns)} equations; passes fired: "
                f"{', '.join(self.fired()) or 'none'}>")


class Compiled:
    """A Lowered's code as a function of arguments of exactly its signature (others are a
    TypeError, as JAX's compiled executables refuse them)."""

    def __init__(self, lowered: Lowered) -> None:
        self.lowered = lowered
        self.out_info = lowered.out_info

    def as_text(self) -> str:
        return self.lowered.as_text()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.lowered.jitted._run_compiled(self.lowered, args, kwargs)

    call = __call__

    def __repr__(self) -> str:
        return f"<Compiled: {len(self.lowered.jaxpr.eqns)} equations>"


class Traced:
    """`jit(f).trace(*args)`: the jaxpr as traced (before jit's optimizations), the structure
    and ShapeDtypeStructs of the outputs, and `lower()`."""

    def __init__(self, jaxpr, out_tree, lower, fun_name: str) -> None:
        self.jaxpr, self.out_tree, self._lower, self.fun_name = jaxpr, out_tree, lower, fun_name

    @property
    def out_info(self):
        return self.out_tree.unflatten(ShapeDtypeStruct.from_aval(a)
                                       for a in self.jaxpr.out_avals)

    @property
    def in_avals(self):
        return self.jaxpr.in_avals

    def lower(self) -> Lowered:
        return self._lower()

    def __repr__(self) -> str:
        return f"<Traced {self.fun_name}: {len(self.jaxpr.eqns)} equations>"
