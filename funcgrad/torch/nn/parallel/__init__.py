"""torch.nn.parallel: DistributedDataParallel (one process per model replica, on MPI)."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
