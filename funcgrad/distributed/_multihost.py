"""JAX's multi-host utilities over the job's processes: `broadcast_one_to_all`,
`sync_global_devices` and `process_allgather`."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from .. import tree as fgtree
from ._errors import DistributedError, link
from ._runtime import world


def _leaves(in_tree: Any) -> tuple[list[np.ndarray], Any]:
    leaves, treedef = fgtree.tree_flatten(in_tree)
    return [np.asarray(x) for x in leaves], treedef


def broadcast_one_to_all(in_tree: Any, is_source: bool | None = None) -> Any:
    """The source process's `in_tree`, on every process, leaves as funcgrad Arrays. The source
    is process 0 unless `is_source` says otherwise (exactly one process passes True); the
    others pass a tree of the same structure, shapes and dtypes. The leaves travel packed, one
    broadcast per dtype.

    >>> import numpy as np
    >>> import funcgrad.distributed as dist
    >>> dist.initialize()
    >>> dist.broadcast_one_to_all({"w": np.ones(2), "step": 3})
    {'step': Array(3, dtype=int64), 'w': Array([1., 1.], dtype=float64)}
    >>> dist.shutdown()
    """
    comm = world()
    if is_source is None:
        is_source = comm.rank == 0
    leaves, treedef = _leaves(in_tree)
    flags = comm.allgather(np.array(bool(is_source)))
    sources = [int(r) for r in np.flatnonzero(flags)]
    if len(sources) != 1:
        raise DistributedError(
            f"broadcast_one_to_all: exactly one process must be the source, but processes "
            f"{sources} passed is_source=True; pass is_source=(process_index() == k) "
            f"{link(DistributedError)}")
    out = comm.broadcast_list(leaves, root=sources[0])
    return fgtree.tree_unflatten(treedef, [fnp.asarray(x) for x in out])


def sync_global_devices(name: str) -> None:
    """Wait until every process reaches this call with the same `name` (a barrier; different
    names on different processes raise `CollectiveMismatchError`, naming them).

    >>> import funcgrad.distributed as dist
    >>> dist.initialize(); dist.sync_global_devices("checkpoint saved"); dist.shutdown()
    """
    world().barrier(name=str(name))


def process_allgather(in_tree: Any, tiled: bool = False) -> Any:
    """Every process's `in_tree`, leaves stacked by process on a new leading axis (or joined
    along axis 0 with `tiled=True`), on every process.

    >>> import numpy as np
    >>> import funcgrad.distributed as dist
    >>> dist.initialize()
    >>> dist.process_allgather(np.arange(2)), dist.process_allgather(np.arange(2), tiled=True)
    (Array([[0, 1]], dtype=int64), Array([0, 1], dtype=int64))
    >>> dist.shutdown()
    """
    comm = world()
    leaves, treedef = _leaves(in_tree)
    out = []
    for x in leaves:
        g = comm.allgather(x)
        if tiled:
            if x.ndim == 0:
                raise ValueError("process_allgather(tiled=True) joins along axis 0: the leaves "
                                 "need one; use tiled=False for scalars")
            g = g.reshape((-1,) + x.shape[1:])
        out.append(fnp.asarray(g))
    return fgtree.tree_unflatten(treedef, out)
