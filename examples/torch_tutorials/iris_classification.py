"""Iris classification: the iris table read with the csv module from examples/data/iris.csv,
standardized features, a shuffled train/test split with randperm, an MLP trained with Adam on
the full batch, and the loss, accuracy and a confusion matrix printed (after PyTorch's basics
applied to a tabular dataset)."""
import csv
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "data", "iris.csv")) as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:]
X = torch.tensor([[float(v) for v in r[:4]] for r in rows])
y = torch.tensor([int(r[4]) for r in rows])
print(header)
print(X.shape, y.bincount())
print(X.mean(0), X.std(0))

torch.manual_seed(0)
perm = torch.randperm(len(X))
train_idx, test_idx = perm[:120], perm[120:]
mean, std = X[train_idx].mean(0), X[train_idx].std(0)
Xn = (X - mean) / std
print(test_idx[:10])

model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
opt = torch.optim.Adam(model.parameters(), lr=0.05)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(60):
    opt.zero_grad()
    loss = loss_fn(model(Xn[train_idx]), y[train_idx])
    loss.backward()
    opt.step()
    if epoch % 10 == 9:
        with torch.no_grad():
            acc = (model(Xn[train_idx]).argmax(1) == y[train_idx]).float().mean()
        print(f"epoch {epoch + 1:3d}  loss {loss.item():.4f}  train acc {acc.item():.3f}")

model.eval()
with torch.no_grad():
    pred = model(Xn[test_idx]).argmax(1)
print(f"test accuracy {(pred == y[test_idx]).float().mean().item():.3f}")
confusion = torch.zeros(3, 3, dtype=torch.int64)
for t, p in zip(y[test_idx], pred):
    confusion[t, p] += 1
print(confusion)
probs = model(Xn[test_idx[:3]]).softmax(dim=1)
print(probs.detach().round(decimals=3))
