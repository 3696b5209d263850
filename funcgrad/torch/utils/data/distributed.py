"""DistributedSampler: the share of a dataset's indices that one of num_replicas processes reads.

All replicas agree on one order of the indices (0..n-1, or a permutation drawn from a generator
seeded with seed + epoch). The order is made a multiple of num_replicas long, by wrapping around
to its start (drop_last=False) or by cutting its tail (drop_last=True), and replica r takes the
positions r, r + num_replicas, r + 2 * num_replicas, ... of it: PyTorch's partition exactly."""
from __future__ import annotations

import itertools
from typing import Iterator, Sized

from ... import distributed as _dist
from ..._random import Generator, randperm
from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _samples_per_replica(n: int, replicas: int, drop_last: bool) -> int:
    """How many indices each replica gets: n / replicas rounded up (padding) or down (dropping
    the tail; only when n does not divide evenly, as PyTorch)."""
    if drop_last and n % replicas:
        return n // replicas
    return -(-n // replicas)


class DistributedSampler(Sampler):
    """The indices of `dataset` that process `rank` of `num_replicas` reads, as PyTorch's sampler.

    num_replicas and rank default to the default process group's world size and rank. Call
    set_epoch(epoch) before each epoch so that shuffled orders differ between epochs.

    >>> import funcgrad.torch as torch
    >>> from funcgrad.torch.utils.data import DistributedSampler
    >>> [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False))
    ...  for r in range(2)]
    [[0, 2, 4], [1, 3, 0]]
    >>> len(DistributedSampler(range(5), num_replicas=2, rank=1, drop_last=True))
    2
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            if not _dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            if num_replicas is None:
                num_replicas = _dist.get_world_size()
            if rank is None:
                rank = _dist.get_rank()
        if not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        self.shuffle = shuffle
        self.seed = seed
        self.num_samples = _samples_per_replica(len(dataset), num_replicas, drop_last)
        self.total_size = self.num_samples * num_replicas

    def _order(self) -> list[int]:
        """Every replica's common order of the dataset's indices for this epoch."""
        n = len(self.dataset)
        if not self.shuffle:
            return list(range(n))
        g = Generator()
        g.manual_seed(self.seed + self.epoch)
        return randperm(n, generator=g).tolist()

    def __iter__(self) -> Iterator[int]:
        order = self._order()
        # wrap around to the start (as often as needed) or cut the tail: total_size indices
        full = list(itertools.islice(itertools.cycle(order), self.total_size)) if order else []
        return iter(full[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use the order of epoch `epoch` (shuffle=True): call it before each epoch."""
        self.epoch = epoch
