"""Datasets and DataLoaders: a map-style Dataset over synthetic labelled points, TensorDataset,
random_split, batching with and without shuffling, drop_last and a custom collate_fn (after
PyTorch's "Datasets & DataLoaders" page)."""
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset, random_split

torch.manual_seed(7)


class PointsDataset(Dataset):
    """Points in the plane labelled by the quadrant they fall in."""

    def __init__(self, n):
        self.points = torch.randn(n, 2)
        self.labels = (self.points[:, 0] > 0).long() + 2 * (self.points[:, 1] > 0).long()

    def __len__(self):
        return len(self.points)

    def __getitem__(self, idx):
        return self.points[idx], self.labels[idx]


ds = PointsDataset(10)
print(len(ds))
x, y = ds[3]
print(x, y)

loader = DataLoader(ds, batch_size=4)
for xb, yb in loader:
    print(xb.shape, yb)

loader = DataLoader(ds, batch_size=4, shuffle=True)
for epoch in range(2):
    for xb, yb in loader:
        print(epoch, yb.tolist())

loader = DataLoader(ds, batch_size=3, shuffle=True, drop_last=True)
print([yb.tolist() for _, yb in loader])

tds = TensorDataset(torch.arange(10.0).reshape(5, 2), torch.arange(5))
print(tds[2])
print(len(tds))
for a, b in DataLoader(tds, batch_size=2):
    print(a, b)

train, test = random_split(range(10), [7, 3], generator=torch.Generator().manual_seed(42))
print(list(train), list(test))
train, val = random_split(ds, [0.8, 0.2])
print(len(train), len(val), train.indices, val.indices)


def pad_collate(batch):
    longest = max(len(seq) for seq in batch)
    out = torch.zeros(len(batch), longest, dtype=torch.long)
    for i, seq in enumerate(batch):
        out[i, :len(seq)] = torch.tensor(seq)
    return out, torch.tensor([len(seq) for seq in batch])


sequences = [[1, 2, 3], [4], [5, 6], [7, 8, 9, 10]]
for padded, lengths in DataLoader(sequences, batch_size=2, collate_fn=pad_collate):
    print(padded, lengths)

dicts = [{"x": torch.tensor([float(i)]), "label": i % 2} for i in range(4)]
for batch in DataLoader(dicts, batch_size=2):
    print(batch)
