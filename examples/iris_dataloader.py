"""Seed 003: an iris `Dataset` and a `DataLoader` feeding a training loop, in funcgrad.torch.

The 150 flowers of `data/iris.csv` become a `torch.utils.data.Dataset` whose `__getitem__` returns
one (features, label) pair of tensors; `random_split` (with a seeded `torch.Generator`) holds 30 of
them out. A `DataLoader` batches the other 120 (16 at a time) and reshuffles them every epoch with
its own seeded generator, so the run is reproducible. A small `nn.Sequential` classifier is trained
with `torch.optim.Adam` on `nn.CrossEntropyLoss`, and the train and held-out accuracy are printed.
"""
import csv
from pathlib import Path

import funcgrad.torch as torch
import funcgrad.torch.nn as nn
from funcgrad.torch.utils.data import DataLoader, Dataset, random_split


class IrisDataset(Dataset):
    def __init__(self, path):
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        self.feature_names = rows[0][:4]
        self.X = torch.tensor([[float(v) for v in r[:4]] for r in rows[1:]])
        self.y = torch.tensor([int(r[4]) for r in rows[1:]])
        self.X = (self.X - self.X.mean(dim=0)) / self.X.std(dim=0)   # standardize each feature

    def __len__(self):
        return len(self.y)

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]


dataset = IrisDataset(Path(__file__).parent / "data" / "iris.csv")
train_set, test_set = random_split(dataset, [120, 30], generator=torch.Generator().manual_seed(0))
print(f"{len(dataset)} flowers, features {dataset.feature_names}")

g = torch.Generator()
g.manual_seed(0)
train_loader = DataLoader(train_set, batch_size=16, shuffle=True, generator=g)
test_loader = DataLoader(test_set, batch_size=30)
X, y = next(iter(train_loader))
print(f"{len(train_loader)} batches per epoch; one batch: X {tuple(X.shape)} {X.dtype}, "
      f"y {tuple(y.shape)} {y.dtype}")

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)


def accuracy(loader):
    correct = total = 0
    with torch.no_grad():
        for X, y in loader:
            correct += (model(X).argmax(dim=1) == y).sum().item()
            total += len(y)
    return correct / total


for epoch in range(20):
    total_loss = 0.0
    for X, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(y)
    if epoch % 4 == 0 or epoch == 19:
        print(f"epoch {epoch:2d}  loss {total_loss / len(train_set):.4f}  "
              f"train accuracy {accuracy(train_loader):.1%}  test accuracy {accuracy(test_loader):.1%}")

final = accuracy(test_loader)
print(f"held-out accuracy: {final:.1%}")
assert final > 0.9, "the classifier should get more than 90% of the held-out flowers right"
