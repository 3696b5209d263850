"""funcgrad.torch.utils.data against PyTorch's (the `torch` fixture; skipped without it): the
datasets, the samplers, default_collate/default_convert, DataLoader's batches (the same order
for sequential sampling, the same multiset for shuffled), len() and errors for argument
combinations; and the worker processes: every sample delivered exactly once per epoch (also when
a worker raises, with the worker's traceback, or times out), worker_init_fn, get_worker_info,
IterableDataset sharding, persistent workers, and seeds never repeated across workers or
epochs."""
from __future__ import annotations

import collections
import itertools
import os
import random
import time
import warnings

import numpy as np
import pytest

import funcgrad.torch as ft
from funcgrad.torch.utils import data as fdata


# ---- helpers ------------------------------------------------------------------------------------

def _plain(x):
    """A batch as plain Python (tensors -> ('T', dtype name, nested lists))."""
    if hasattr(x, "tolist") and hasattr(x, "dtype") and not isinstance(x, np.ndarray):
        return ("T", str(x.dtype).replace("torch.", ""), x.tolist())
    if isinstance(x, np.ndarray):
        return ("N", str(x.dtype), x.tolist())
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__,) + tuple(_plain(v) for v in x)
    if isinstance(x, (list, tuple)):
        return type(x).__name__, [_plain(v) for v in x]
    return x


def _lib(torch, which):
    return torch.utils.data if which == "torch" else fdata


class Squares:
    """A map-style dataset for both libraries: (index, index**2 as float, a tensor row)."""

    def __init__(self, lib, n=10):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i, float(i * i), self.lib.tensor([i, -i])


def _both(torch, make_ds, **kw):
    """The batches of one DataLoader configuration in each library (as plain Python)."""
    out = []
    for lib, data in ((torch, torch.utils.data), (ft, fdata)):
        ds = make_ds(lib, data)
        kws = {k: (v(lib, data, ds) if callable(v) and k in ("sampler", "batch_sampler")
                   else v) for k, v in kw.items()}
        loader = data.DataLoader(ds, **kws)
        out.append((len(loader) if _has_len(loader) else None,
                    [_plain(b) for b in loader]))
    return out


def _has_len(loader):
    try:
        len(loader)
        return True
    except TypeError:
        return False


# ---- collate -----------------------------------------------------------------------------------

Point = collections.namedtuple("Point", "x y")

COLLATE_CASES = [
    lambda t: [1, 2, 3],
    lambda t: [1.5, 2.0],
    lambda t: [True, False],
    lambda t: ["a", "b"],
    lambda t: [b"a", b"b"],
    lambda t: [t.tensor([1.0, 2.0]), t.tensor([3.0, 4.0])],
    lambda t: [t.tensor(1), t.tensor(2)],
    lambda t: [np.array([1, 2]), np.array([3, 4])],
    lambda t: [np.float32(1.5), np.float32(2)],
    lambda t: [np.int32(1), np.int32(2)],
    lambda t: [(1, 2.0), (3, 4.0)],
    lambda t: [[1, 2], [3, 4]],
    lambda t: [{"a": 1, "b": t.zeros(2)}, {"a": 2, "b": t.ones(2)}],
    lambda t: [Point(1, 2.0), Point(3, 4.0)],
    lambda t: [{"x": (1, [2.0, 3.0])}, {"x": (4, [5.0, 6.0])}],
    lambda t: [collections.OrderedDict(b=1, a=2), collections.OrderedDict(b=3, a=4)],
    lambda t: [np.array(["a"]), np.array(["b"])],
]


@pytest.mark.parametrize("k", range(len(COLLATE_CASES)))
def test_default_collate_matches_pytorch(torch, k):
    make = COLLATE_CASES[k]
    try:
        a = torch.utils.data.default_collate(make(torch))
    except Exception as e:
        with pytest.raises(type(e)) as b:
            fdata.default_collate(make(ft))
        assert str(b.value) == str(e)
        return
    b = fdata.default_collate(make(ft))
    assert _plain(b) == _plain(a)
    assert type(b).__name__ == type(a).__name__


@pytest.mark.parametrize("k", range(len(COLLATE_CASES)))
def test_default_convert_matches_pytorch(torch, k):
    make = COLLATE_CASES[k]
    a = [torch.utils.data.default_convert(s) for s in make(torch)]
    b = [fdata.default_convert(s) for s in make(ft)]
    assert _plain(b) == _plain(a)


def test_collate_errors(torch):
    for make in (lambda t: [t.zeros(2), t.zeros(3)], lambda t: [[1, 2], [3]],
                 lambda t: [object(), object()], lambda t: [None, None]):
        with pytest.raises(Exception) as a:
            torch.utils.data.default_collate(make(torch))
        with pytest.raises(type(a.value)) as b:
            fdata.default_collate(make(ft))
        if "object at 0x" not in str(a.value):
            assert str(b.value) == str(a.value)


def test_collate_in_worker_is_plain_stack():
    got = list(fdata.DataLoader(fdata.TensorDataset(ft.arange(6.0).reshape(3, 2)),
                                batch_size=2, num_workers=1))
    assert [g[0].tolist() for g in got] == [[[0, 1], [2, 3]], [[4, 5]]]


# ---- datasets ----------------------------------------------------------------------------------

def test_datasets_match_pytorch(torch):
    def build(t, d):
        x = t.arange(10.0).reshape(5, 2)
        y = t.arange(5)
        td = d.TensorDataset(x, y)
        cd = d.ConcatDataset([td, d.Subset(td, [4, 0])])
        sd = d.StackDataset(td, td)
        kd = d.StackDataset(a=td, b=d.Subset(td, [1, 2, 3, 4, 0]))
        return [len(td), _plain(td[2]), len(cd), _plain(cd[6]), _plain(cd[-1]),
                cd.cumulative_sizes, len(sd), _plain(sd[1]), _plain(kd[0]),
                _plain(sd.__getitems__([0, 3])), _plain(kd.__getitems__([1])),
                _plain((td + td)[7]), _plain(d.Subset(td, [3, 1])[1]),
                _plain(d.Subset(td, [3, 1]).__getitems__([0, 1]))]
    assert build(ft, fdata) == build(torch, torch.utils.data)
    for fn in (lambda t, d: d.TensorDataset(t.zeros(2), t.zeros(3)),
               lambda t, d: d.ConcatDataset([]),
               lambda t, d: d.StackDataset(),
               lambda t, d: d.StackDataset(d.TensorDataset(t.zeros(2)), d.TensorDataset(
                   t.zeros(3))),
               lambda t, d: d.ConcatDataset([d.TensorDataset(t.zeros(2))])[-5]):
        with pytest.raises(Exception) as a:
            fn(torch, torch.utils.data)
        with pytest.raises(type(a.value)) as b:
            fn(ft, fdata)
        assert str(b.value) == str(a.value)


class _Count(fdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = fdata.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def test_iterable_and_chain_datasets(torch):
    class TCount(torch.utils.data.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n
    a = torch.utils.data.ChainDataset([TCount(3), TCount(2)])
    b = fdata.ChainDataset([_Count(3), _Count(2)])
    assert list(b) == list(a) and len(b) == len(a)
    assert list(_Count(2) + _Count(1)) == [0, 1, 0]
    for batch_size, drop_last in ((2, False), (2, True), (None, False), (3, False)):
        ta = torch.utils.data.DataLoader(TCount(7), batch_size=batch_size, drop_last=drop_last)
        fa = fdata.DataLoader(_Count(7), batch_size=batch_size, drop_last=drop_last)
        assert [_plain(x) for x in fa] == [_plain(x) for x in ta]
        assert len(fa) == len(ta)


def test_random_split(torch):
    ds = list(range(10))
    for lengths in ([3, 7], [0.5, 0.5], [0.3, 0.3, 0.4], [0.33, 0.33, 0.34], [10, 0]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a zero-length split warns in both
            a = torch.utils.data.random_split(ds, lengths, generator=torch.Generator()
                                              .manual_seed(0))
            b = fdata.random_split(ds, lengths, generator=ft.Generator().manual_seed(0))
        assert [len(s) for s in b] == [len(s) for s in a]
        assert sorted(i for s in b for i in s) == ds
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        fdata.random_split(ds, [1.0, 0.0])
    for lengths in ([3, 6], [0.5, 0.6], [1.2, -0.2]):
        with pytest.raises(ValueError) as a:
            torch.utils.data.random_split(ds, lengths)
        with pytest.raises(ValueError) as b:
            fdata.random_split(ds, lengths)
        assert str(b.value) == str(a.value)
    g1, g2 = ft.Generator().manual_seed(3), ft.Generator().manual_seed(3)
    assert [list(s) for s in fdata.random_split(ds, [5, 5], generator=g1)] == \
        [list(s) for s in fdata.random_split(ds, [5, 5], generator=g2)]


# ---- samplers ----------------------------------------------------------------------------------

def test_samplers_match_pytorch(torch):
    for name, make in (("seq", lambda d, t: d.SequentialSampler(range(7))),
                       ("batch", lambda d, t: d.BatchSampler(d.SequentialSampler(range(10)), 3,
                                                             False)),
                       ("batch_drop", lambda d, t: d.BatchSampler(range(10), 3, True)),
                       ("batch_list", lambda d, t: d.BatchSampler([5, 1, 3], 2, False))):
        a, b = make(torch.utils.data, torch), make(fdata, ft)
        assert list(b) == list(a) and len(b) == len(a), name
    for make in (lambda d, t: d.RandomSampler(range(9)),
                 lambda d, t: d.SubsetRandomSampler([2, 8, 5]),
                 lambda d, t: d.RandomSampler(range(9), generator=t.Generator().manual_seed(1))):
        a, b = make(torch.utils.data, torch), make(fdata, ft)
        assert sorted(b) == sorted(a) and len(b) == len(a)
    # more samples than data: whole permutations, then part of one more
    b = list(fdata.RandomSampler(range(9), num_samples=20))
    a = list(torch.utils.data.RandomSampler(range(9), num_samples=20))
    assert len(b) == len(a) == 20 and sorted(b[:18]) == sorted(a[:18]) == sorted(
        list(range(9)) * 2) and len(set(b[18:])) == 2
    b = list(fdata.RandomSampler(range(9), num_samples=4))
    assert len(b) == 4 and len(set(b)) == 4
    for make in (lambda d, t: d.RandomSampler(range(5), replacement=True, num_samples=70),
                 lambda d, t: d.WeightedRandomSampler([0.1, 0.0, 0.9, 0.5], 50)):
        a, b = list(make(torch.utils.data, torch)), list(make(fdata, ft))
        assert len(b) == len(a) == len(make(fdata, ft))
        assert set(b) <= set(range(5)) and 1 not in list(fdata.WeightedRandomSampler(
            [0.1, 0.0, 0.9, 0.5], 50))
    w = list(fdata.WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False))
    assert sorted(w) == [0, 1, 2, 3]
    g = ft.Generator().manual_seed(5)
    s = fdata.RandomSampler(range(20), generator=g)
    assert list(s) != list(s)  # a new order each epoch
    g1, g2 = ft.Generator().manual_seed(5), ft.Generator().manual_seed(5)
    assert list(fdata.RandomSampler(range(20), generator=g1)) == \
        list(fdata.RandomSampler(range(20), generator=g2))
    assert list(fdata.SubsetRandomSampler(range(5), ft.Generator().manual_seed(1))) == \
        list(fdata.SubsetRandomSampler(range(5), ft.Generator().manual_seed(1)))


def test_sampler_errors(torch):
    for fn in (lambda d: d.RandomSampler(range(3), replacement=1),
               lambda d: d.RandomSampler(range(3), num_samples=0),
               lambda d: d.RandomSampler([], num_samples=None),
               lambda d: d.BatchSampler(range(3), 0, False),
               lambda d: d.BatchSampler(range(3), True, False),
               lambda d: d.BatchSampler(range(3), 2, 1),
               lambda d: d.WeightedRandomSampler([1, 2], 0),
               lambda d: d.WeightedRandomSampler([1, 2], 2, replacement=1),
               lambda d: d.WeightedRandomSampler([[1, 2]], 2),
               lambda d: d.DistributedSampler(range(4), num_replicas=2, rank=2),
               lambda d: d.DistributedSampler(range(4), num_replicas=2, rank=-1),
               lambda d: d.DistributedSampler(range(4))):
        with pytest.raises(Exception) as a:
            fn(torch.utils.data)
        with pytest.raises(type(a.value)) as b:
            fn(fdata)
        assert str(b.value) == str(a.value)


def test_distributed_sampler_matches_pytorch(torch):
    for n, reps, shuffle, drop_last in itertools.product((10, 11, 3), (1, 3, 4), (False, True),
                                                         (False, True)):
        per_rank_t, per_rank_f = [], []
        for rank in range(reps):
            a = torch.utils.data.DistributedSampler(range(n), num_replicas=reps, rank=rank,
                                                    shuffle=shuffle, seed=7,
                                                    drop_last=drop_last)
            b = fdata.DistributedSampler(range(n), num_replicas=reps, rank=rank,
                                         shuffle=shuffle, seed=7, drop_last=drop_last)
            assert len(b) == len(a) and b.total_size == a.total_size
            per_rank_t.append(list(a))
            per_rank_f.append(list(b))
        if not shuffle:
            assert per_rank_f == per_rank_t
        else:  # (which samples pad or are dropped depends on the order)
            assert [len(r) for r in per_rank_f] == [len(r) for r in per_rank_t]
            if not drop_last:
                assert set(sum(per_rank_f, [])) == set(range(n))
            else:
                assert len(set(sum(per_rank_f, []))) == len(sum(per_rank_f, []))
    s = fdata.DistributedSampler(range(10), num_replicas=2, rank=0, seed=1)
    e0 = list(s)
    assert list(s) == e0  # the same epoch, the same order
    s.set_epoch(1)
    assert list(s) != e0
    other = fdata.DistributedSampler(range(10), num_replicas=2, rank=1, seed=1)
    other.set_epoch(1)
    assert sorted(list(s) + list(other)) == list(range(10))


# ---- DataLoader (main process) -------------------------------------------------------------

LOADER_CONFIGS = [
    dict(),
    dict(batch_size=3),
    dict(batch_size=3, drop_last=True),
    dict(batch_size=4, drop_last=False),
    dict(batch_size=10),
    dict(batch_size=11, drop_last=True),
    dict(batch_size=None),
    dict(batch_size=2, collate_fn=lambda b: [x[0] for x in b]),
    dict(batch_size=None, collate_fn=lambda s: s[1]),
    dict(sampler=lambda t, d, ds: d.SequentialSampler(ds), batch_size=4),
    dict(sampler=lambda t, d, ds: [9, 1, 5], batch_size=2),
    dict(sampler=lambda t, d, ds: range(0, 10, 3), batch_size=None),
    dict(batch_sampler=lambda t, d, ds: d.BatchSampler(d.SequentialSampler(ds), 3, False)),
    dict(batch_sampler=lambda t, d, ds: [[1, 2], [0], [9, 8, 7]]),
    dict(batch_size=3, shuffle=False),
    dict(batch_size=2, pin_memory=False, timeout=0),
]


@pytest.mark.parametrize("k", range(len(LOADER_CONFIGS)))
def test_dataloader_batches_match_pytorch(torch, k):
    kw = LOADER_CONFIGS[k]
    (la, a), (lb, b) = _both(torch, lambda t, d: Squares(t), **kw)
    assert lb == la
    assert b == a


@pytest.mark.parametrize("kw", [dict(batch_size=3, shuffle=True), dict(shuffle=True),
                                dict(batch_size=4, shuffle=True, drop_last=True),
                                dict(sampler="random", batch_size=3),
                                dict(batch_size=None, shuffle=True)])
def test_dataloader_shuffled_batches_are_a_permutation(torch, kw):
    def batches(lib, data):
        ds = Squares(lib, 11)
        k = dict(kw)
        if k.get("sampler") == "random":
            k["sampler"] = data.RandomSampler(ds)
        loader = data.DataLoader(ds, **k)
        return len(loader), [_plain(b) for b in loader]
    (la, a), (lb, b) = batches(torch, torch.utils.data), batches(ft, fdata)
    assert lb == la and len(b) == len(a)

    def samples(bs):
        out = []
        for batch in bs:
            if kw.get("batch_size", 1) is None:
                out.append(batch[1][0])
            else:
                out.extend(batch[1][0][2])
        return sorted(out)
    if not kw.get("drop_last"):  # (what drop_last drops depends on the order)
        assert samples(b) == samples(a) == list(range(11))
    else:
        assert len(samples(b)) == len(set(samples(b))) == len(samples(a))


def test_dataloader_shuffle_generator_reproducible():
    def epoch(seed):
        g = ft.Generator().manual_seed(seed)
        loader = fdata.DataLoader(list(range(30)), batch_size=7, shuffle=True, generator=g)
        return [b.tolist() for b in loader], [b.tolist() for b in loader]
    a1, a2 = epoch(4)
    assert (a1, a2) == epoch(4)
    assert a1 != a2 and sorted(sum(a1, [])) == list(range(30))


DATALOADER_ERRORS = [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
    dict(num_workers=1, prefetch_factor=-1), dict(persistent_workers=True),
    dict(sampler=[0, 1], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]), dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True), dict(multiprocessing_context="fork"),
    dict(num_workers=1, multiprocessing_context="nope"),
    dict(num_workers=1, multiprocessing_context=3), dict(batch_size=0),
    dict(batch_size=-2), dict(batch_size=2.5), dict(drop_last=None),
]


@pytest.mark.parametrize("kw", DATALOADER_ERRORS)
def test_dataloader_argument_errors_match_pytorch(torch, kw):
    with pytest.raises(Exception) as a:
        torch.utils.data.DataLoader(list(range(4)), **kw)
    with pytest.raises(type(a.value)) as b:
        fdata.DataLoader(list(range(4)), **kw)
    assert str(b.value) == str(a.value)


def test_dataloader_iterable_dataset_errors(torch):
    class T(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter([])
    for kw in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError) as a:
            torch.utils.data.DataLoader(T(), **kw)
        with pytest.raises(ValueError) as b:
            fdata.DataLoader(_Count(3), **kw)
        msg_a = str(a.value).split(", but got")[0]
        assert str(b.value).split(", but got")[0] == msg_a


def test_dataloader_attributes_and_len(torch):
    for lib, d in ((torch, torch.utils.data), (ft, fdata)):
        loader = d.DataLoader(list(range(10)), batch_size=4)
        for attr in ("batch_size", "sampler", "batch_sampler", "drop_last", "dataset",
                     "persistent_workers"):
            with pytest.raises(ValueError, match=f"{attr} attribute should not be set after "
                               "DataLoader is initialized"):
                setattr(loader, attr, None)
        loader.num_workers = 0  # others may change
        assert type(loader.sampler).__name__ == "SequentialSampler"
        assert type(loader.batch_sampler).__name__ == "BatchSampler"
        assert loader.collate_fn is d.default_collate
        assert d.DataLoader([1], batch_size=None).collate_fn is d.default_convert
        assert len(loader) == 3 and len(iter(loader)) == 3
        assert loader.prefetch_factor is None
        assert d.DataLoader([1], num_workers=2).prefetch_factor == 2
        assert d.get_worker_info() is None


def test_pin_memory_warns_as_pytorch(torch):
    with pytest.warns(UserWarning) as a:
        list(torch.utils.data.DataLoader(list(range(3)), pin_memory=True))
    with pytest.warns(UserWarning) as b:
        list(fdata.DataLoader(list(range(3)), pin_memory=True))
    assert [str(w.message) for w in b] == [str(w.message) for w in a]


def test_iterable_length_warning():
    class Liar(fdata.IterableDataset):
        def __iter__(self):
            return iter(range(5))

        def __len__(self):
            return 3
    loader = fdata.DataLoader(Liar(), batch_size=None)
    assert len(loader) == 3
    with pytest.warns(UserWarning, match="was reported to be 3"):
        list(loader)


# ---- DataLoader with worker processes --------------------------------------------------------

class Slow(fdata.Dataset):
    """A dataset whose samples can be made to fail or to take long, with the fetching pid."""

    def __init__(self, n, fail=(), slow=(), delay=0.0):
        self.n, self.fail, self.slow, self.delay = n, set(fail), set(slow), delay

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i in self.fail:
            raise ValueError(f"bad sample {i}")
        if i in self.slow:
            time.sleep(self.delay)
        return i


def test_workers_deliver_every_sample_once_in_order():
    for kw in (dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
               dict(batch_size=4, prefetch_factor=1), dict(batch_size=2, in_order=False)):
        loader = fdata.DataLoader(Slow(23), num_workers=2, **kw)
        got = [b.tolist() if hasattr(b, "tolist") else b for b in loader]
        flat = [v for b in got for v in (b if isinstance(b, list) else [b])]
        n = 21 if kw.get("drop_last") else 23
        if kw.get("in_order", True):
            assert flat == list(range(n)), kw
        else:
            assert sorted(flat) == list(range(n))
        assert len(got) == len(loader)


def test_worker_error_surfaces_with_traceback_and_iteration_continues():
    loader = fdata.DataLoader(Slow(12, fail={4}), batch_size=2, num_workers=2)
    it = iter(loader)
    got, errors = [], []
    while True:
        try:
            got.extend(next(it).tolist())
        except StopIteration:
            break
        except ValueError as e:
            errors.append(str(e))
    assert len(errors) == 1
    msg = errors[0]
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.\n"
                          "Original Traceback (most recent call last):\n")
    assert "in __getitem__" in msg and 'raise ValueError(f"bad sample {i}")' in msg
    assert msg.rstrip().endswith("ValueError: bad sample 4")
    assert got == [0, 1, 2, 3] + list(range(6, 12))  # every other sample exactly once


def test_worker_key_error_and_init_fn_error():
    class KeyDs(fdata.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return {}["missing"]
    with pytest.raises(KeyError) as e:
        next(iter(fdata.DataLoader(KeyDs(), num_workers=1)))
    assert "Caught KeyError in DataLoader worker process 0" in str(e.value)

    def bad_init(worker_id):
        raise RuntimeError(f"init failed in {worker_id}")
    with pytest.raises(RuntimeError, match="init failed in 0"):
        list(fdata.DataLoader(Slow(4), num_workers=1, worker_init_fn=bad_init))


def test_worker_timeout_then_the_rest_arrives():
    loader = fdata.DataLoader(Slow(8, slow={2}, delay=1.5), batch_size=2, num_workers=2,
                              timeout=0.5)
    it = iter(loader)
    got = next(it).tolist()
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0\.5 seconds$"):
        next(it)
    while True:
        try:
            got.extend(next(it).tolist())
        except StopIteration:
            break
        except RuntimeError:  # still waiting for the slow one
            continue
    assert got == list(range(8))


def test_worker_death_is_reported():
    class Dies(fdata.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            os._exit(3)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                       "unexpectedly"):
        list(fdata.DataLoader(Dies(), num_workers=1))


class Seeds(fdata.Dataset):
    """Each sample reports the worker that made it and draws from every random source."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = fdata.get_worker_info()
        return (info.id, info.seed, info.num_workers, os.getpid(), random.random(),
                float(np.random.rand()), float(ft.rand(1)))


def _worker_records(loader, epochs=2):
    recs = []
    for _ in range(epochs):
        recs.append([r for b in loader for r in zip(*[v.tolist() if hasattr(v, "tolist")
                                                      else v for v in b])])
    return recs


def test_worker_seeds_never_repeat_across_workers_or_epochs():
    loader = fdata.DataLoader(Seeds(), batch_size=2, num_workers=2)
    e1, e2 = _worker_records(loader)
    for epoch in (e1, e2):
        ids = {r[0] for r in epoch}
        assert ids == {0, 1} and {r[2] for r in epoch} == {2}
        seeds = {r[0]: r[1] for r in epoch}
        assert seeds[1] == seeds[0] + 1  # base_seed + worker_id, as PyTorch's
    all_draws = [r[k] for r in e1 + e2 for k in (4, 5, 6)]
    assert len(set(all_draws)) == len(all_draws)
    assert {r[1] for r in e1}.isdisjoint({r[1] for r in e2})
    g1 = fdata.DataLoader(Seeds(), batch_size=2, num_workers=2,
                          generator=ft.Generator().manual_seed(1))
    g2 = fdata.DataLoader(Seeds(), batch_size=2, num_workers=2,
                          generator=ft.Generator().manual_seed(1))
    a, b = _worker_records(g1, 1)[0], _worker_records(g2, 1)[0]
    assert [r[1:3] + r[4:] for r in a] == [r[1:3] + r[4:] for r in b]  # reproducible


def test_worker_init_fn_and_info():
    def init(worker_id):
        np.random.seed(100 + worker_id)
        info = fdata.get_worker_info()
        assert info.id == worker_id and info.num_workers == 2
        info.dataset.tag = f"w{worker_id}"

    class Tagged(fdata.Dataset):
        tag = "main"

        def __len__(self):
            return 6

        def __getitem__(self, i):
            return self.tag
    loader = fdata.DataLoader(Tagged(), batch_size=None, num_workers=2, worker_init_fn=init)
    assert list(loader) == ["w0", "w1", "w0", "w1", "w0", "w1"]
    assert Tagged.tag == "main"


def test_iterable_dataset_sharded_by_worker_info():
    loader = fdata.DataLoader(_Count(10), batch_size=2, num_workers=2)
    got = [v for b in loader for v in b.tolist()]
    assert sorted(got) == list(range(10))
    loader = fdata.DataLoader(_Count(7), batch_size=None, num_workers=2)
    assert sorted(loader) == list(range(7))


def test_persistent_workers_reuse_processes():
    loader = fdata.DataLoader(Seeds(), batch_size=4, num_workers=2, persistent_workers=True)
    e1, e2 = _worker_records(loader)
    assert {r[3] for r in e1} == {r[3] for r in e2}  # the same processes
    draws = [r[k] for r in e1 + e2 for k in (4, 5, 6)]
    assert len(set(draws)) == len(draws)  # the streams go on, never restart
    it = iter(loader)
    next(it)
    assert sorted(v for b in iter(loader) for v in b[0].tolist()) == [0, 0, 0, 0, 1, 1, 1, 1]
    loader._iterator._shutdown_workers()


def test_multiprocessing_context_spawn_and_shuffle():
    ctx = "forkserver" if "forkserver" in __import__("multiprocessing").get_all_start_methods() \
        else "spawn"
    loader = fdata.DataLoader(fdata.TensorDataset(ft.arange(10)), batch_size=3, shuffle=True,
                              num_workers=2, multiprocessing_context=ctx)
    got = sorted(v for b in loader for v in b[0].tolist())
    assert got == list(range(10))


def test_many_workers_warning():
    n = len(os.sched_getaffinity(0)) + 1
    with pytest.warns(UserWarning, match=f"This DataLoader will create {n} worker processes"):
        fdata.DataLoader([1], num_workers=n)
