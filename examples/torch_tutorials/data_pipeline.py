"""A data pipeline without torchvision's transforms: plain callables that normalize and
one-hot encode inside a Dataset, an IterableDataset that streams a sequence in windows, samplers
and a BatchSampler (after the ideas of PyTorch's "Transforms" and data-loading pages)."""
import torch
from torch.utils.data import (BatchSampler, DataLoader, Dataset, IterableDataset, RandomSampler,
                              SequentialSampler, SubsetRandomSampler, WeightedRandomSampler)

torch.manual_seed(3)


class Normalize:
    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def __call__(self, x):
        return (x - self.mean) / self.std


class OneHot:
    def __init__(self, classes):
        self.classes = classes

    def __call__(self, y):
        return torch.zeros(self.classes, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)


class Compose:
    def __init__(self, fns):
        self.fns = fns

    def __call__(self, x):
        for fn in self.fns:
            x = fn(x)
        return x


class Images(Dataset):
    def __init__(self, n, transform=None, target_transform=None):
        self.images = torch.randint(0, 256, (n, 1, 4, 4), dtype=torch.uint8)
        self.labels = torch.randint(0, 3, (n,))
        self.transform, self.target_transform = transform, target_transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        img, label = self.images[i], int(self.labels[i])
        if self.transform:
            img = self.transform(img)
        if self.target_transform:
            label = self.target_transform(label)
        return img, label


to_float = lambda img: img.float() / 255.0
ds = Images(6, transform=Compose([to_float, Normalize(0.5, 0.25)]), target_transform=OneHot(3))
img, label = ds[0]
print(img.dtype, img.shape, img.mean(), label)
for xb, yb in DataLoader(ds, batch_size=4):
    print(xb.shape, yb)


class Windows(IterableDataset):
    def __init__(self, series, width):
        self.series, self.width = series, width

    def __iter__(self):
        for start in range(len(self.series) - self.width):
            yield self.series[start:start + self.width], self.series[start + self.width]


series = torch.arange(10, dtype=torch.float32) ** 2
for xb, yb in DataLoader(Windows(series, 3), batch_size=3):
    print(xb, yb)

print(list(SequentialSampler(range(5))))
print(list(RandomSampler(range(8))))
print(list(RandomSampler(range(8), replacement=True, num_samples=5)))
print(list(SubsetRandomSampler([10, 20, 30, 40])))
print(list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.7], 6)))
print(list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False)))
print(list(BatchSampler(RandomSampler(range(7)), batch_size=3, drop_last=True)))
for xb, _ in DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 5, False)):
    print(xb.shape)
g = torch.Generator()
g.manual_seed(11)
print([b.tolist() for b in DataLoader(torch.arange(6), batch_size=2, shuffle=True, generator=g)])
