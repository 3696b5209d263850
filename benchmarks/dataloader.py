"""DataLoader worker processes: num_workers=2 against num_workers=0, on a slow dataset.

The dataset has 48 items; its `__getitem__` sleeps 5 ms (standing in for reading and decoding a
file) and returns a float32 tensor of shape (16,) and an int64 label. One timed call is one full
epoch over `DataLoader(dataset, batch_size=4)` (12 batches, no shuffling), collecting every batch.
With no workers an epoch costs at least 48 x 5 ms = 240 ms; two workers each load half the batches
in parallel, so the ideal is half that.

- baseline: funcgrad.torch's DataLoader with `num_workers=0`;
- `num_workers=2, persistent_workers=True`: the throughput of two worker processes once they are
  running (target: at most 0.56x the baseline's time, i.e. at least 1.8x the throughput);
- `num_workers=2` without persistent workers: the same, plus starting and stopping the two workers
  every epoch (reference only: this is what a plain `for batch in loader` pays per epoch);
- PyTorch's DataLoader, `num_workers=0` and `num_workers=2, persistent_workers=True`, for
  reference (the latter compared with the former).

Before timing, every loader is checked to yield the same batches, in order, as a plain loop over
the dataset.
"""
import time

import numpy as np

from .harness import BenchmarkCheckError, Variant

NAME = "dataloader"
DESCRIPTION = ("funcgrad.torch DataLoader: num_workers=2 vs 0, one epoch over 48 items whose "
               "__getitem__ sleeps 5 ms (batch 4)")

N_ITEMS, FEATURES, BATCH, SLEEP_S, WORKERS = 48, 16, 4, 0.005, 2
TARGET = 0.56  # two workers: at least 1.8x the throughput of none


class SlowDataset:
    """A map-style dataset on library `torch` (a module name, so that the dataset pickles to
    worker processes whatever their start method)."""

    def __init__(self, torch_name):
        self.torch_name = torch_name
        self.data = np.random.RandomState(0).randn(N_ITEMS, FEATURES).astype(np.float32)

    def __len__(self):
        return N_ITEMS

    def __getitem__(self, idx):
        import importlib
        torch = importlib.import_module(self.torch_name)
        time.sleep(SLEEP_S)
        return torch.from_numpy(self.data[idx].copy()), torch.tensor(idx % 3)


def make_epoch(torch, **kwargs):
    loader = torch.utils.data.DataLoader(SlowDataset(torch.__name__), batch_size=BATCH, **kwargs)

    def epoch():
        return [(x, y) for x, y in loader]
    return epoch, loader


def _check(what, batches, dataset):
    want_x = dataset.data
    want_y = np.arange(N_ITEMS) % 3
    if len(batches) != N_ITEMS // BATCH:
        raise BenchmarkCheckError(f"dataloader: {what} yields {len(batches)} batches, not "
                                  f"{N_ITEMS // BATCH}")
    xs = np.concatenate([x.numpy() for x, _ in batches])
    ys = np.concatenate([y.numpy() for _, y in batches])
    if xs.dtype != np.float32 or ys.dtype != np.int64 or not np.array_equal(xs, want_x) \
            or not np.array_equal(ys, want_y):
        raise BenchmarkCheckError(f"dataloader: {what} does not yield the dataset's items in order "
                                  f"(x {xs.dtype}{xs.shape}, y {ys.dtype}{ys.shape})")


def build(ctx):
    import funcgrad.torch as ft

    configs = {
        "funcgrad.torch num_workers=0": (ft, {}),
        "funcgrad.torch num_workers=2, persistent": (ft, dict(num_workers=WORKERS,
                                                              persistent_workers=True)),
        "funcgrad.torch num_workers=2": (ft, dict(num_workers=WORKERS)),
    }
    torch = ctx.torch
    if torch is None:
        ctx.notes.append("torch not installed: the PyTorch DataLoader rows are skipped")
    else:
        configs["torch num_workers=0"] = (torch, {})
        configs["torch num_workers=2, persistent"] = (torch, dict(num_workers=WORKERS,
                                                                  persistent_workers=True))
    epochs, loaders = {}, []
    for name, (lib, kwargs) in configs.items():
        epoch, loader = make_epoch(lib, **kwargs)
        _check(name, epoch(), loader.dataset)
        _check(name + " (second epoch)", epoch(), loader.dataset)
        epochs[name] = epoch
        loaders.append(loader)

    base, tbase = "funcgrad.torch num_workers=0", "torch num_workers=0"
    variants = [
        Variant(base, epochs[base], baseline=True, framework="funcgrad",
                note=f"{N_ITEMS} x {SLEEP_S * 1e3:g} ms of __getitem__ in the main process"),
        Variant("funcgrad.torch num_workers=2, persistent",
                epochs["funcgrad.torch num_workers=2, persistent"], vs=base, target=TARGET,
                framework="funcgrad", profile=True),
        Variant("funcgrad.torch num_workers=2", epochs["funcgrad.torch num_workers=2"], vs=base,
                framework="funcgrad", note="workers started and stopped every epoch"),
    ]
    if torch is not None:
        variants += [
            Variant(tbase, epochs[tbase], baseline=True, framework="torch"),
            Variant("torch num_workers=2, persistent", epochs["torch num_workers=2, persistent"],
                    vs=tbase, framework="torch"),
        ]
    return variants
