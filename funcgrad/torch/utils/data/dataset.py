"""Datasets: map-style (Dataset) and iterable-style (IterableDataset), and their combinators."""
from __future__ import annotations

import bisect
import itertools
import math
import warnings
from typing import Any, Iterable, Iterator, Sequence, Sized, cast

import numpy as np

from ..._random import Generator, default_generator, randperm
from ..._tensor import Tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split"]


def _size(dataset: Dataset) -> int:
    """len(dataset). Dataset declares no __len__ (as PyTorch's: an iterable-style one may have
    none); where a length is needed, a dataset without one raises TypeError here."""
    return len(cast(Sized, dataset))


class Dataset:
    """A map-style dataset: __getitem__(index) (and usually __len__)."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> Dataset:
        return ConcatDataset([self, other])

    def __class_getitem__(cls, item: Any) -> type[Dataset]:
        return cls


class IterableDataset(Dataset):
    """An iterable-style dataset: __iter__ yields the samples. With worker processes each worker
    iterates its own copy; use get_worker_info() to split the work."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the index-th rows of the given tensors (all of one first dimension)."""

    def __init__(self, *tensors: Tensor) -> None:
        if any(tensors[0].size(0) != t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    # No __getitems__, as PyTorch's TensorDataset (hasattr says so alike); its batched fetch is
    # _samples / _collated, which the DataLoader's fetcher and Subset / StackDataset use.

    def _samples(self, indices: list[int]) -> list[tuple[Tensor, ...]]:
        """The samples at `indices`, as [self[i] for i in indices], fetched as one gather per
        tensor. The samples' tensors are rows of the gathered batch, not views of the dataset's
        tensors (an in place change to a sample does not reach the dataset). A subclass with its
        own __getitem__, tensors that require grad, indices that are not integers in range, or
        tensors off the host take the per-sample path (its errors are PyTorch's).

        >>> import funcgrad.torch as torch
        >>> ds = TensorDataset(torch.tensor([[1., 2.], [3., 4.], [5., 6.]]),
        ...                    torch.tensor([7, 8, 9]))
        >>> ds._samples([2, 0])
        [(tensor([5., 6.]), tensor(9)), (tensor([1., 2.]), tensor(7))]
        """
        columns = _gather_rows(self.tensors, indices) if self._batched() else None
        if columns is None:
            return [self[i] for i in indices]
        rows = [[Tensor._make(a[i, ...]) for i in range(a.shape[0])] for a in columns]
        return list(zip(*rows))

    def _collated(self, indices: list[int]) -> list[Tensor] | None:
        """default_collate of the samples at `indices` made directly: the gathered columns (what
        stacking the samples gives), for the DataLoader's fetcher; None where that does not
        hold (the fast path does not apply, or a subclass makes its own samples)."""
        columns = _gather_rows(self.tensors, indices) if self._batched() else None
        return None if columns is None else [Tensor._make(a) for a in columns]

    def _batched(self) -> bool:
        """Whether samples are TensorDataset's own rows (no subclass __getitem__ or
        __getitems__), so that one gather per tensor gives them."""
        cls = type(self)
        return cls.__getitem__ is TensorDataset.__getitem__ and \
            getattr(cls, "__getitems__", None) is None

    def __len__(self) -> int:
        return self.tensors[0].size(0)


def _gather_rows(tensors: Sequence[Tensor], indices: Any) -> list[np.ndarray] | None:
    """The rows `indices` of each tensor's host array (one numpy take each), or None where the
    fast path does not apply (a tensor that requires grad or is not a numpy array, an index that
    is not an in-range integer)."""
    if not tensors or not isinstance(indices, (list, tuple)) or not indices:
        return None
    arrays = []
    for t in tensors:
        a = t._data
        if t._requires_grad or type(a) is not np.ndarray or not a.ndim:
            return None
        arrays.append(a)
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu" or idx.ndim != 1:
        return None
    n = arrays[0].shape[0]
    if idx.min() < -n or idx.max() >= n:
        return None
    return [a.take(idx, axis=0) for a in arrays]


def _fetch(dataset: Any, indices: list[int]) -> list[Any]:
    """[dataset[i] for i in indices], by the dataset's __getitems__ where it has one (PyTorch's
    protocol) or its batched _samples (TensorDataset's one gather per tensor)."""
    getitems = getattr(dataset, "__getitems__", None)
    if callable(getitems):
        return getitems(indices)
    samples = getattr(dataset, "_samples", None)
    if samples is not None:
        return samples(indices)
    return [dataset[i] for i in indices]


class StackDataset(Dataset):
    """Samples are tuples (positional datasets) or dicts (keyword datasets) of the samples of
    several datasets of one length."""

    def __init__(self, *args: Dataset, **kwargs: Dataset):
        self.datasets: tuple[Dataset, ...] | dict[str, Dataset]
        if args:
            if kwargs:
                raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via "
                                 "``kwargs``) like input/output, but both types are given.")
            self._length = _size(args[0])
            if any(self._length != _size(d) for d in args):
                raise ValueError("Size mismatch between datasets")
            self.datasets = args
        elif kwargs:
            tmp = list(kwargs.values())
            self._length = _size(tmp[0])
            if any(self._length != _size(d) for d in tmp):
                raise ValueError("Size mismatch between datasets")
            self.datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list[int]) -> list[Any]:
        def items(dataset):
            got = _fetch(dataset, indices)
            if len(got) != len(indices):
                raise ValueError("Nested dataset's output size mismatch. Expected "
                                 f"{len(indices)}, got {len(got)}")
            return got
        if isinstance(self.datasets, dict):
            batch: list[dict[str, Any]] = [{} for _ in indices]
            for k, d in self.datasets.items():
                for sample, v in zip(batch, items(d)):
                    sample[k] = v
            return batch
        cols = [items(d) for d in self.datasets]
        return [tuple(c[i] for c in cols) for i in range(len(indices))]

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """The samples of several map-style datasets, one after the other."""

    @staticmethod
    def cumsum(sequence: Iterable[Dataset]) -> list[int]:
        r, s = [], 0
        for e in sequence:
            s += _size(e)
            r.append(s)
        return r

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        super().__init__()
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]

    @property
    def cummulative_sizes(self) -> list[int]:
        warnings.warn("`cummulative_sizes` attribute is renamed to `cumulative_sizes`",
                      FutureWarning, stacklevel=2)
        return self.cumulative_sizes


class ChainDataset(IterableDataset):
    """Several iterable datasets, one after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        super().__init__()
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += _size(d)
        return total


class Subset(Dataset):
    """The samples of `dataset` at `indices`."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: int | list[int]) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        return _fetch(self.dataset, [self.indices[i] for i in indices])

    def _collated(self, indices: list[int]) -> Any:
        """default_collate of the samples at `indices`, made by the underlying dataset's
        _collated (TensorDataset's: one gather per tensor); None where it has none."""
        cls = type(self)
        collated = getattr(self.dataset, "_collated", None)
        if collated is None or cls.__getitem__ is not Subset.__getitem__ or \
                cls.__getitems__ is not Subset.__getitems__:
            return None
        try:
            return collated([self.indices[i] for i in indices])
        except (IndexError, TypeError):     # the per-sample path raises PyTorch's error
            return None

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split `dataset` into non-overlapping Subsets of the given lengths (or fractions summing
    to 1, the remainder dealt round-robin), in an order drawn from `generator`."""
    if generator is None:
        generator = default_generator
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(math.floor(len(dataset) * frac))
        remainder = len(dataset) - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", stacklevel=2)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = randperm(sum(lengths), generator=generator).tolist()
    return [Subset(dataset, indices[offset - length:offset])
            for offset, length in zip(itertools.accumulate(lengths), lengths)]
