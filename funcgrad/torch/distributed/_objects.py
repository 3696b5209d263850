"""torch.distributed's object collectives, through funcgrad.torch.save's safe format.

PyTorch pickles the objects, so receiving one can run code a peer chose. Here an object travels
as torch.save writes it (a zip with a JSON manifest: tensors, dicts, lists, tuples, str, int,
float, complex, bool, None) and is rebuilt by torch.load, which never executes code; anything
else is refused before it is sent, with a TypeError naming where it sits in the object."""
from __future__ import annotations

import io
from typing import Any

from ..serialization import load, save
from ._groups import ProcessGroup, resolve
from ._collectives import _root

__all__ = ["all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list"]

_OBJECT_TAG = 32001


def _encode(obj: Any, what: str) -> bytes:
    buf = io.BytesIO()
    try:
        save(obj, buf)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{what}: {e}. torch.distributed's object collectives send objects in "
                        f"funcgrad.torch.save's format (no pickle), so that receiving one never "
                        f"runs code; send a state_dict() or plain data instead") from None
    return buf.getvalue()


def _decode(data: bytes) -> Any:
    return load(io.BytesIO(data))


def all_gather_object(object_list: list[Any], obj: Any,
                      group: ProcessGroup | None = None) -> None:
    """object_list[r] = process r's `obj`, on every process.

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> out = [None]; dist.all_gather_object(out, {"epoch": 3}); out
    [{'epoch': 3}]
    >>> dist.destroy_process_group()
    """
    pg = resolve(group)
    if pg is None:
        return
    for r, data in enumerate(pg._comm.allgather_bytes(_encode(obj, "all_gather_object"))):
        object_list[r] = _decode(data)


def broadcast_object_list(object_list: list[Any], src: int | None = None,
                          group: ProcessGroup | None = None, device: Any = None,
                          group_src: int | None = None) -> None:
    """Every process's object_list becomes process `src`'s (the lists have the same length).

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> objs = ["a", 1]; dist.broadcast_object_list(objs, src=0); objs
    ['a', 1]
    >>> dist.destroy_process_group()
    """
    pg = resolve(group)
    if pg is None:
        return
    root = _root(pg, src, group_src, "broadcast")
    mine = _encode(list(object_list), "broadcast_object_list") if pg.rank() == root else None
    got = _decode(pg._comm.broadcast_bytes(mine, root))
    if len(got) != len(object_list):
        raise RuntimeError(f"broadcast_object_list: process {root} sent {len(got)} objects but "
                           f"this process's object_list has {len(object_list)} entries; give "
                           f"lists of one length on every process")
    object_list[:] = got


def gather_object(obj: Any, object_gather_list: list[Any] | None = None, dst: int | None = None,
                  group: ProcessGroup | None = None, group_dst: int | None = None) -> None:
    """object_gather_list[r] = process r's `obj`, on process `dst` (only it passes the list).

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> out = [None]; dist.gather_object(1.5, out, dst=0); out
    [1.5]
    >>> dist.destroy_process_group()
    """
    pg = resolve(group)
    if pg is None:
        return
    root = _root(pg, dst, group_dst, "gather")
    me = pg.rank()
    if me == root and object_gather_list is None:
        raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    if me != root and object_gather_list is not None:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination "
                         "ranks.")
    data = _encode(obj, "gather_object")
    comm = pg._comm
    if me != root:
        comm.send_bytes(data, root, _OBJECT_TAG)
        return
    assert object_gather_list is not None
    for r in range(pg.size()):
        object_gather_list[r] = _decode(data if r == me else
                                        comm.recv_bytes(source=r, tag=_OBJECT_TAG))


def scatter_object_list(scatter_object_output_list: list[Any],
                        scatter_object_input_list: list[Any] | None = None,
                        src: int | None = None, group: ProcessGroup | None = None,
                        group_src: int | None = None) -> None:
    """scatter_object_output_list[0] = process `src`'s scatter_object_input_list[rank].

    >>> import funcgrad.torch.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> out = [None]; dist.scatter_object_list(out, [{"shard": 0}], src=0); out
    [{'shard': 0}]
    >>> dist.destroy_process_group()
    """
    pg = resolve(group)
    if pg is None:
        return
    if not isinstance(scatter_object_output_list, list) or not scatter_object_output_list:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at "
                         "least 1.")
    root = _root(pg, src, group_src, "scatter")
    comm, me = pg._comm, pg.rank()
    if me == root:
        if scatter_object_input_list is None:
            raise ValueError("source rank must provide non-None scatter_object_input_list")
        if len(scatter_object_input_list) != pg.size():
            raise ValueError(f"scatter_object_list: scatter_object_input_list has "
                             f"{len(scatter_object_input_list)} objects; the group has "
                             f"{pg.size()} processes (give one per process)")
        blobs = [_encode(o, "scatter_object_list") for o in scatter_object_input_list]
        sends = [comm.isend_bytes(b, r, _OBJECT_TAG) for r, b in enumerate(blobs) if r != me]
        scatter_object_output_list[0] = _decode(blobs[me])
        for request in sends:
            request.wait()
        return
    scatter_object_output_list[0] = _decode(comm.recv_bytes(source=root, tag=_OBJECT_TAG))

