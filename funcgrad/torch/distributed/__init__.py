"""torch.distributed on MPI: process groups, tensor and object collectives, point-to-point.

    import funcgrad.torch.distributed as dist     # or, in a script run by the launcher:
    dist.init_process_group("gloo")                # import torch.distributed as dist
    dist.all_reduce(t, op=dist.ReduceOp.SUM)

The processes of a job are started as one MPI job by `python -m funcgrad.torch.distributed.run
--nproc-per-node N script.py` (torchrun's twin); every operation is an MPI operation on the
tensors' contiguous host buffers (funcgrad.distributed's Communicator). See docs/distributed.md.
"""
from ._collectives import (P2POp, Work, all_gather, all_gather_into_tensor, all_reduce,
                           all_to_all, all_to_all_single, barrier, batch_isend_irecv, broadcast,
                           gather, irecv, isend, monitored_barrier, recv, reduce, reduce_scatter,
                           reduce_scatter_tensor, scatter, send)
from ._groups import (Backend, GroupMember, ProcessGroup, ReduceOp, default_pg_timeout,
                      destroy_process_group, get_backend, get_default_backend_for_device,
                      get_global_rank, get_group_rank, get_node_local_rank,
                      get_process_group_ranks, get_rank, get_world_size, group,
                      init_process_group, is_available, is_gloo_available, is_initialized,
                      is_mpi_available, is_nccl_available, is_torchelastic_launched, new_group)
from ._objects import (all_gather_object, broadcast_object_list, gather_object,
                       scatter_object_list)

__all__ = ["Backend", "GroupMember", "P2POp", "ProcessGroup", "ReduceOp", "Work", "all_gather",
           "all_gather_into_tensor", "all_gather_object", "all_reduce", "all_to_all",
           "all_to_all_single", "barrier", "batch_isend_irecv", "broadcast",
           "broadcast_object_list", "default_pg_timeout", "destroy_process_group", "gather",
           "gather_object", "get_backend", "get_default_backend_for_device", "get_global_rank",
           "get_group_rank", "get_node_local_rank",
           "get_process_group_ranks", "get_rank", "get_world_size", "group",
           "init_process_group", "irecv", "is_available", "is_gloo_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "is_torchelastic_launched", "isend",
           "monitored_barrier", "new_group", "recv", "reduce", "reduce_scatter",
           "reduce_scatter_tensor", "scatter", "scatter_object_list", "send"]
