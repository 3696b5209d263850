"""Data loading protocols of PyTorch 2.x: a map-style dataset with __getitems__ (the DataLoader
fetches a whole batch of indices in one call), TensorDataset and Subset batched the same way,
StackDataset of several datasets, ConcatDataset, an IterableDataset sharded across worker
processes with get_worker_info, worker_init_fn and pin_memory on the CPU (after PyTorch's
torch.utils.data documentation)."""
import torch
from torch.utils.data import (ConcatDataset, DataLoader, Dataset, IterableDataset, StackDataset,
                              Subset, TensorDataset, get_worker_info)

torch.manual_seed(0)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n
        self.calls = []

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.calls.append(("item", i))
        return torch.tensor(float(i * i))

    def __getitems__(self, indices):
        self.calls.append(("items", list(indices)))
        return [torch.tensor(float(i * i)) for i in indices]


squares = Squares(7)
print([b.tolist() for b in DataLoader(squares, batch_size=3)])
print(squares.calls)
squares.calls.clear()
print([b.tolist() for b in DataLoader(squares, batch_size=3, shuffle=True)])
print(squares.calls)

xs = torch.arange(12.0).reshape(6, 2)
ys = torch.arange(6)
td = TensorDataset(xs, ys)
print(hasattr(td, "__getitems__"), hasattr(Subset(td, [0]), "__getitems__"))
sub = Subset(td, [5, 3, 1])
print(len(sub), sub.__getitems__([0, 2]))
for xb, yb in DataLoader(sub, batch_size=2):
    print(xb.tolist(), yb.tolist())

stack = StackDataset(td, torch.arange(100, 106))
print(len(stack), stack[2])
named = StackDataset(x=xs, label=ys)
print(named[1])
print(next(iter(DataLoader(named, batch_size=3))))
both = ConcatDataset([td, TensorDataset(-xs[:2], -ys[:2])])
print(len(both), both[7], both.cumulative_sizes)


class Range(IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per_worker = -(-(self.end - self.start) // info.num_workers)
        lo = self.start + info.id * per_worker
        return iter(range(lo, min(lo + per_worker, self.end)))


print(get_worker_info())
print(list(DataLoader(Range(3, 10), batch_size=None)))
print([b.tolist() for b in DataLoader(Range(3, 10), batch_size=2, num_workers=2)])
print(list(DataLoader(Range(0, 6), batch_size=None, num_workers=2)))
pinned = next(iter(DataLoader(td, batch_size=4, pin_memory=True)))
print(pinned[0].is_pinned(), pinned[0].device)
print(xs.pin_memory().is_pinned() if torch.cuda.is_available() else "no accelerator")
