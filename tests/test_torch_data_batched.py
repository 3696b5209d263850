"""Batched fetching in funcgrad.torch.utils.data against PyTorch's (the `torch` fixture; skipped
without it): PyTorch 2.x's __getitems__ protocol (Subset, StackDataset; TensorDataset's batched
fetch, private as PyTorch's TensorDataset has no __getitems__) and the DataLoader's fetcher
that takes a collated batch from TensorDataset / Subset in one gather, so every batch is
bit for bit PyTorch's (values, dtypes, order under torch.manual_seed and generator=) for
sequential and shuffled sampling, drop_last, Subsets, random_split, StackDataset; a subclass's
own __getitem__, a custom collate_fn, tensors that require grad and out-of-range indices take
the per-sample path with PyTorch's results and errors; default_collate's one-np.stack path
promotes and tracks gradients as torch.stack; IterableDataset sharding across worker processes
with get_worker_info; pin_memory on a CPU-only machine (PyTorch's warning, the same batches)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import funcgrad.torch as ft
from funcgrad.torch.utils import data as fdata


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="the oracle (PyTorch) is not installed")


def _plain(x):
    """A batch as plain Python, dtypes included: tensors -> ('T', dtype, nested lists)."""
    if hasattr(x, "tolist") and hasattr(x, "dtype") and not isinstance(x, np.ndarray):
        return ("T", str(x.dtype).replace("torch.", ""), tuple(x.shape), x.tolist())
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x).__name__, [_plain(v) for v in x]
    return x


def _arrays(n, kind):
    """Host data of `n` samples for a TensorDataset: several shapes and dtypes."""
    rng = np.random.RandomState(n)
    if kind == "image_label":
        return [rng.randn(n, 1, 4, 4).astype(np.float32), rng.randint(0, 10, n).astype(np.int64)]
    if kind == "vector_float64":
        return [rng.randn(n, 3)]
    if kind == "scalars":
        return [np.arange(n, dtype=np.float32), (np.arange(n) % 2).astype(bool),
                np.arange(n, dtype=np.int32)]
    raise ValueError(kind)


def _tensor_dataset(lib, n, kind):
    return lib.utils.data.TensorDataset(*[lib.from_numpy(a.copy()) for a in _arrays(n, kind)])


def _batches(lib, make_ds, seed=0, **kw):
    lib.manual_seed(seed)
    loader = lib.utils.data.DataLoader(make_ds(lib), **kw)
    return [_plain(b) for b in loader], bytes(lib.get_rng_state().tolist())


def _same_batches(torch, make_ds, seed=0, **kw):
    theirs, ours = _batches(torch, make_ds, seed, **kw), _batches(ft, make_ds, seed, **kw)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]          # the generator advanced as PyTorch's


LOADERS = [
    dict(batch_size=1),
    dict(batch_size=3),
    dict(batch_size=64),
    dict(batch_size=4, shuffle=True),
    dict(batch_size=5, shuffle=True, drop_last=True),
    dict(batch_size=64, shuffle=True),
    dict(batch_size=None),
    dict(batch_size=None, shuffle=True),
]


@pytest.mark.parametrize("kind", ["image_label", "vector_float64", "scalars"])
@pytest.mark.parametrize("n", [1, 7, 100])
@pytest.mark.parametrize("k", range(len(LOADERS)))
def test_tensor_dataset_batches_match_pytorch(torch, k, n, kind):
    _same_batches(torch, lambda lib: _tensor_dataset(lib, n, kind), seed=n, **LOADERS[k])


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_shuffled_epochs_and_a_generator_match_pytorch(torch, seed):
    def epochs(lib):
        lib.manual_seed(seed)
        ds = _tensor_dataset(lib, 50, "image_label")
        out = []
        for loader in (lib.utils.data.DataLoader(ds, batch_size=8, shuffle=True),
                       lib.utils.data.DataLoader(ds, batch_size=8, shuffle=True,
                                                 generator=lib.Generator().manual_seed(seed))):
            for _ in range(2):
                out.append([_plain(b) for b in loader])
        return out
    assert epochs(ft) == epochs(torch)


DATASETS = {
    "Subset": lambda lib: lib.utils.data.Subset(_tensor_dataset(lib, 20, "image_label"),
                                                [3, 19, 0, 7, 7, 12]),
    "Subset_of_Subset": lambda lib: lib.utils.data.Subset(lib.utils.data.Subset(
        _tensor_dataset(lib, 20, "scalars"), list(range(19, -1, -1))), [1, 2, 5, 0]),
    "random_split": lambda lib: lib.utils.data.random_split(
        _tensor_dataset(lib, 30, "vector_float64"), [0.4, 0.6])[1],
    "StackDataset_tuple": lambda lib: lib.utils.data.StackDataset(
        _tensor_dataset(lib, 9, "image_label"), _tensor_dataset(lib, 9, "scalars")),
    "StackDataset_dict": lambda lib: lib.utils.data.StackDataset(
        x=_tensor_dataset(lib, 9, "vector_float64"),
        y=lib.utils.data.Subset(_tensor_dataset(lib, 12, "scalars"), list(range(9)))),
    "ConcatDataset": lambda lib: lib.utils.data.ConcatDataset(
        [_tensor_dataset(lib, 5, "scalars"), _tensor_dataset(lib, 4, "scalars")]),
}


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_composed_datasets_batch_as_pytorchs(torch, name, shuffle):
    _same_batches(torch, DATASETS[name], seed=5, batch_size=4, shuffle=shuffle)


@pytest.mark.parametrize("indices", [[0], [2, 0], [4, 4, 1], [-1, -5, 3], list(range(5))])
def test_batched_fetch_is_the_samples_at_the_indices(torch, indices):
    for kind in ("image_label", "scalars"):
        theirs = _tensor_dataset(torch, 5, kind)
        ours = _tensor_dataset(ft, 5, kind)
        expected = _plain([theirs[i] for i in indices])
        assert _plain(ours._samples(indices)) == expected
        # Subset.__getitems__ and StackDataset.__getitems__ over it (which use the batched
        # fetch) give PyTorch's samples
        assert _plain(fdata.Subset(ours, [4, 3, 2, 1, 0]).__getitems__(indices)) == _plain(
            torch.utils.data.Subset(theirs, [4, 3, 2, 1, 0]).__getitems__(indices))
        assert _plain(fdata.StackDataset(ours, ours).__getitems__(indices)) == \
            _plain(torch.utils.data.StackDataset(theirs, theirs).__getitems__(indices))


def test_which_datasets_have_getitems_is_pytorchs(torch):
    """PyTorch 2.13 gives __getitems__ to Subset and StackDataset only (TensorDataset's batched
    fetch here is private, so hasattr answers as in PyTorch)."""
    for name in ("Dataset", "TensorDataset", "Subset", "StackDataset", "ConcatDataset",
                 "IterableDataset", "ChainDataset"):
        assert hasattr(getattr(fdata, name), "__getitems__") == \
            hasattr(getattr(torch.utils.data, name), "__getitems__"), name


def test_a_subclass_that_makes_its_own_samples_is_asked_per_sample(torch):
    def make(lib):
        class Doubled(lib.utils.data.TensorDataset):
            def __getitem__(self, i):
                x, y = super().__getitem__(i)
                return x * 2, y + 100
        return Doubled(lib.arange(12.0).reshape(6, 2), lib.arange(6))
    _same_batches(torch, make, batch_size=4, shuffle=True)


def test_a_custom_collate_fn_sees_per_sample_tuples(torch):
    for kw in (dict(batch_size=3, collate_fn=lambda batch: batch),
               dict(batch_size=3, collate_fn=lambda batch: [len(batch), type(batch[0])
                                                            .__name__, batch[0][1]])):
        _same_batches(torch, lambda lib: _tensor_dataset(lib, 7, "image_label"), **kw)


def test_an_index_out_of_range_raises_pytorchs_error(torch):
    errors = []
    for lib in (torch, ft):
        loader = lib.utils.data.DataLoader(_tensor_dataset(lib, 5, "scalars"),
                                           batch_sampler=[[0, 1], [4, 5]])
        with pytest.raises(IndexError) as e:
            list(loader)
        errors.append(str(e.value))
    assert errors[1] == errors[0]


def test_tensors_that_require_grad_keep_their_graph(torch):
    grads = []
    for lib in (torch, ft):
        x = lib.arange(8.0).reshape(4, 2).requires_grad_()
        ds = lib.utils.data.TensorDataset(x, lib.arange(4))
        (xb, yb), = list(lib.utils.data.DataLoader(ds, batch_size=4, shuffle=False))
        assert xb.requires_grad and not yb.requires_grad
        (xb * lib.tensor([1.0, 3.0])).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[1] == grads[0]


COLLATES = {
    "same_dtype": lambda t: [t.tensor([1.0, 2.0]), t.tensor([3.0, 4.0])],
    "int_and_float": lambda t: [t.tensor([1, 2]), t.tensor([1.5, 2.5])],
    "float32_and_float64": lambda t: [t.tensor([1.0], dtype=t.float32),
                                      t.tensor([2.0], dtype=t.float64)],
    "bool": lambda t: [t.tensor([True]), t.tensor([False])],
    "scalars": lambda t: [t.tensor(3), t.tensor(4)],
    "int32": lambda t: [t.tensor([1], dtype=t.int32), t.tensor([2], dtype=t.int32)],
    "python_ints": lambda t: list(range(-3, 61)),
    "python_int_then_bool": lambda t: [1, True, 0],
    "python_bools": lambda t: [True, False],
    "python_floats": lambda t: [0.5, -2.25, 1e300],
    "python_float_then_int": lambda t: [1.5, 2],
    "python_int_then_float": lambda t: [2, 1.5],
    "int_subclass": lambda t: [_Label(3), _Label(4)],
}


class _Label(int):
    """An int subclass (as enum.IntEnum members are)."""


@pytest.mark.parametrize("name", sorted(COLLATES))
def test_default_collate_of_tensors_and_numbers_is_pytorchs(torch, name):
    expected = _plain(torch.utils.data.default_collate(COLLATES[name](torch)))
    assert _plain(fdata.default_collate(COLLATES[name](ft))) == expected


def test_default_collate_of_tensors_that_require_grad_is_differentiable(torch):
    grads = []
    for lib in (torch, ft):
        xs = [lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([3.0, 4.0])]
        out = lib.utils.data.default_collate(xs)
        (out * out).sum().backward()
        grads.append(xs[0].grad.tolist())
    assert grads[1] == grads[0]


def test_default_collate_refuses_tensors_of_different_sizes(torch):
    msgs = []
    for lib in (torch, ft):
        with pytest.raises(RuntimeError) as e:
            lib.utils.data.default_collate([lib.zeros(2), lib.zeros(3)])
        msgs.append(str(e.value))
    assert msgs[1] == msgs[0]


def test_pin_memory_without_an_accelerator_warns_and_changes_nothing(torch):
    out = []
    for lib in (torch, ft):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            pinned = [_plain(b) for b in lib.utils.data.DataLoader(
                _tensor_dataset(lib, 6, "image_label"), batch_size=4, pin_memory=True)]
        plain = [_plain(b) for b in lib.utils.data.DataLoader(
            _tensor_dataset(lib, 6, "image_label"), batch_size=4)]
        assert pinned == plain
        out.append((pinned, [str(x.message) for x in w]))
    assert out[1] == out[0]


def _sharded(lib, num_workers, batch_size):
    data = lib.utils.data

    class Range(data.IterableDataset):
        """range(start, end), split between workers in contiguous shards."""

        def __init__(self, start, end):
            self.start, self.end = start, end

        def __iter__(self):
            info = data.get_worker_info()
            if info is None:
                return iter(range(self.start, self.end))
            per = -(-(self.end - self.start) // info.num_workers)
            lo = self.start + info.id * per
            return iter(range(lo, min(lo + per, self.end)))

    loader = data.DataLoader(Range(3, 20), batch_size=batch_size, num_workers=num_workers,
                             multiprocessing_context="fork" if num_workers else None)
    return [_plain(b) for b in loader]


@pytest.mark.parametrize("num_workers,batch_size", [(0, 4), (2, 4), (2, None), (2, 5)])
def test_iterable_dataset_sharded_by_get_worker_info_as_pytorch(torch, num_workers, batch_size):
    """Each worker iterates its own shard; batches come round-robin from the workers, as in
    PyTorch (the order of the batches included)."""
    assert _sharded(ft, num_workers, batch_size) == _sharded(torch, num_workers, batch_size)


def _with_workers(lib):
    data = lib.utils.data
    lib.manual_seed(4)
    ds = data.TensorDataset(lib.arange(30.0).reshape(15, 2), lib.arange(15))
    shuffled = [_plain(b) for b in data.DataLoader(ds, batch_size=4, shuffle=True, num_workers=2,
                                                   multiprocessing_context="fork")]

    class WorkerSeed(data.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return lib.initial_seed()
    seeds = [b.tolist() for b in data.DataLoader(WorkerSeed(), batch_size=2, num_workers=2,
                                                 multiprocessing_context="fork")]
    return shuffled, seeds, bytes(lib.get_rng_state().tolist())


def test_worker_processes_shuffle_and_seed_as_pytorch(torch):
    """With worker processes: the same shuffled batches in the same order, each worker seeded
    with PyTorch's base seed + worker id, and the main generator left as PyTorch's."""
    assert _with_workers(ft) == _with_workers(torch)


def _per_sample_dataset(lib, n=50):
    """A map-style dataset of (image tensor, int label, float weight) made per sample."""
    x = lib.from_numpy(np.random.RandomState(3).randn(n, 1, 5, 5).astype(np.float32))
    labels = [int(v) for v in np.random.RandomState(4).randint(0, 10, n)]

    class PerSample(lib.utils.data.Dataset):
        def __len__(self):
            return n

        def __getitem__(self, i):
            return x[i], labels[i], float(i) / 4

    return PerSample()


@pytest.mark.parametrize("shuffle", [False, True])
def test_a_per_sample_dataset_batches_as_pytorchs(torch, shuffle):
    _same_batches(torch, _per_sample_dataset, seed=9, batch_size=16, shuffle=shuffle)
