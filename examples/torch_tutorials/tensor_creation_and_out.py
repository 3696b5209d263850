"""Creating and indexing tensors from any Python sequence, and the out= argument: torch.tensor of
ranges, tuples of ranges, lists of bools, numpy arrays, 0-d tensors and mixes; indexing with
ranges, lists, bool lists, Ellipsis and None; out= writing into a tensor of the right shape,
resizing an empty one, warning when it resizes a non-empty one, and its dtype errors (after
PyTorch's tensor creation and indexing documentation)."""
import warnings

import numpy as np
import torch

torch.manual_seed(0)
print(torch.tensor(range(4)), torch.tensor((range(2), range(2, 4))))
print(torch.tensor([True, False, True]), torch.tensor([[1, 2], (3, 4)]))
print(torch.tensor(np.arange(3, dtype=np.float32)), torch.tensor(np.int16(7)))
print(torch.tensor([torch.tensor(1.5), 2]), torch.tensor([np.float64(0.5), 1]))
print(torch.tensor([]), torch.tensor([[], []]).shape, torch.tensor(3).shape)
print(torch.as_tensor(range(3), dtype=torch.float64), torch.tensor(1e20).dtype)
print(torch.tensor([1, 2.5, True]), torch.tensor([1 + 2j, 3]).dtype)

x = torch.arange(24).reshape(2, 3, 4)
print(x[range(2)].shape, x[[0, 1], [2, 0]], x[..., 1], x[None, ..., None].shape)
print(x[1, [True, False, True]], x[:, None, 1:3, ...].shape, x[..., torch.tensor(2)])
print(x[torch.tensor([[0], [1]]), torch.tensor([0, 2])].shape, x[1, ..., ::2])
print(x[np.array([1, 0])].shape, x[(0, slice(None), [1, 3])])
x[0, range(2)] = -1
x[..., 0] += 100
x[x > 120] = 0
print(x)

a = torch.ones(2, 2)
b = torch.full((2, 2), 2.0)
out = torch.empty(2, 2)
torch.add(a, b, out=out)
print(out)
empty = torch.empty(0)
torch.mul(a, b, out=empty)
print(empty, empty.shape)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    wrong = torch.zeros(3)
    torch.sub(a, b, out=wrong)
print(wrong, [str(w.message)[:60] for w in caught])
res = torch.zeros(2)
torch.sum(a, dim=0, out=res)
print(res)
values, indices = torch.empty(2), torch.empty(2, dtype=torch.int64)
torch.max(torch.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1, out=(values, indices))
print(values, indices)
try:
    torch.add(a, b, out=torch.empty(2, 2, dtype=torch.int64))
except RuntimeError as e:
    print(type(e).__name__, e)
print(torch.cat([a, b], out=torch.empty(4, 2)).sum(), torch.matmul(a, b, out=torch.empty(2, 2)))
