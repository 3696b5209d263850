"""The process-axis registry: names that the collectives (`funcgrad.lax.psum` and friends) can
bind across processes instead of across a `vmap`.

A collective over a name that no enclosing `vmap(..., axis_name=)` binds looks the name up here.
When a `ProcessAxis` is registered under it, the collective's impl (eagerly, and in the code `jit`
generates) calls that axis's methods on host numpy arrays; when none is, the collective raises
`NameError` as JAX does. `funcgrad.distributed` registers its MPI-backed axis ("processes") here;
the tests register in-process fakes.

The semantics are those of `vmap` over the members: running a function on every member of an axis
of size N, each with its own shard, computes what `vmap(f, axis_name=name)` computes over the
stacked shards.

>>> import numpy as np
>>> class One:                        # an axis of one member: every collective is the identity
...     size, index = 1, 0
...     def allreduce(self, xs, op): return [np.array(x) for x in xs]
...     def allgather(self, x): return np.asarray(x)[None]
...     def reduce_scatter(self, x, op): return np.asarray(x)[0]
...     def alltoall(self, x): return np.array(x)
...     def permute(self, x, perm):
...         return np.array(x) if (0, 0) in perm else np.zeros_like(x)
>>> register_process_axis("solo", One())
>>> process_axis("solo").size
1
>>> unregister_process_axis("solo")
>>> process_axis("solo") is None
True
"""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

import numpy as np

REDUCE_OPS = ("sum", "max", "min")
"""The reductions `ProcessAxis.allreduce` and `reduce_scatter` are asked for."""


@runtime_checkable
class ProcessAxis(Protocol):
    """Collectives over an axis whose members are processes. Arrays are host numpy arrays.

    Every member calls the same method with operands of the same shapes and dtypes (the
    collectives guarantee it: they run the same program on every member).

    - `size`: the number of members; `index`: this process's position on the axis (0..size-1).
    - `allreduce(xs, op)`: the elementwise reduction (`op` "sum", "max" or "min") over the members
      of each array in `xs`, many operands in one call (an implementation packs them into as few
      buffers as it can); returns one array per operand, same shapes and dtypes.
    - `allgather(x)`: `(size, *x.shape)`, member j's `x` at position j.
    - `reduce_scatter(x, op)`: `x` of shape `(size, *rest)`; the reduction over the members of
      `x`, of which this member receives block `index`: shape `rest`.
    - `alltoall(x)`: `x` of shape `(size, *rest)`; block j goes to member j; the result,
      `(size, *rest)`, holds at position i the block that member i sent here.
    - `permute(x, perm)`: `perm` holds `(source, dest)` pairs (each source and each dest at most
      once); member `dest` receives the `x` of member `source`; a member that receives nothing
      gets zeros of `x`'s shape and dtype.
    """

    size: int
    index: int

    def allreduce(self, xs: Sequence[np.ndarray], op: str) -> list[np.ndarray]: ...

    def allgather(self, x: np.ndarray) -> np.ndarray: ...

    def reduce_scatter(self, x: np.ndarray, op: str) -> np.ndarray: ...

    def alltoall(self, x: np.ndarray) -> np.ndarray: ...

    def permute(self, x: np.ndarray, perm: Sequence[tuple[int, int]]) -> np.ndarray: ...


_REGISTRY: dict[str, ProcessAxis] = {}


def register_process_axis(name: str, axis: ProcessAxis) -> None:
    """Make `name` a process axis: collectives over `name` outside any `vmap` binding it call
    `axis`'s methods. Registering a name again replaces the earlier axis.

    >>> class Solo:
    ...     size, index = 1, 0
    ...     def allreduce(self, xs, op): return [np.array(x) for x in xs]
    ...     def allgather(self, x): return np.asarray(x)[None]
    ...     def reduce_scatter(self, x, op): return np.asarray(x)[0]
    ...     def alltoall(self, x): return np.array(x)
    ...     def permute(self, x, perm): return np.array(x)
    >>> register_process_axis("p", Solo()); process_axis("p").index
    0
    >>> unregister_process_axis("p")
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"register_process_axis: name must be a non-empty str, got {name!r}")
    missing = [m for m in ("size", "index", "allreduce", "allgather", "reduce_scatter",
                           "alltoall", "permute") if not hasattr(axis, m)]
    if missing:
        raise TypeError(f"register_process_axis({name!r}, axis): axis lacks {missing}; a process "
                        "axis implements funcgrad._core.axes.ProcessAxis")
    size, index = int(axis.size), int(axis.index)
    if size < 1 or not 0 <= index < size:
        raise ValueError(f"register_process_axis({name!r}, axis): axis.size={size} must be >= 1 "
                         f"and axis.index={index} in [0, size)")
    _REGISTRY[name] = axis


def unregister_process_axis(name: str) -> None:
    """Forget the process axis `name` (no error when none is registered).

    >>> unregister_process_axis("never-registered")
    """
    _REGISTRY.pop(name, None)


def process_axis(name: str) -> ProcessAxis | None:
    """The process axis registered under `name`, or None.

    >>> process_axis("no-such-axis") is None
    True
    """
    return _REGISTRY.get(name) if isinstance(name, str) else None
