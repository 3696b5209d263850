"""Building a model without memory and checking tensors: modules created on the meta device
(shapes and dtypes only), materialized with to_empty and filled by load_state_dict(assign=True);
torch.testing.assert_close passing and failing with its message, and make_tensor (after
PyTorch's "Meta device" notes, the state_dict-loading tips and torch.testing documentation)."""
import torch
import torch.nn as nn
from torch.testing import assert_close, make_tensor

torch.manual_seed(0)
with torch.device("meta"):
    big = nn.Sequential(nn.Linear(1000, 1000), nn.ReLU(), nn.Linear(1000, 10))
print(big[0].weight.device, big[0].weight.shape, big[0].weight.dtype, big[0].weight.is_meta)
m = torch.empty(3, 4, device="meta")
print(m, (m @ torch.empty(4, 2, device="meta")).shape)

small = nn.Linear(4, 2, device="meta")
reference = nn.Linear(4, 2)
small.load_state_dict(reference.state_dict(), assign=True)
print(small.weight.device, torch.equal(small.weight, reference.weight),
      small.weight is not reference.weight)
x = torch.randn(3, 4)
print(torch.equal(small(x), reference(x)))
empty = nn.Linear(4, 2, device="meta").to_empty(device="cpu")
print(empty.weight.device, empty.weight.shape)
with torch.no_grad():
    empty.weight.copy_(reference.weight)
    empty.bias.fill_(0.5)
print(empty.bias)

assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]))
assert_close(torch.tensor(1.0, dtype=torch.float64), torch.tensor(1.0 + 1e-9, dtype=torch.float64))
assert_close([torch.ones(2), {"a": torch.zeros(1)}], [torch.ones(2), {"a": torch.zeros(1)}])
for actual, expected, kwargs in [(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]), {}),
                                 (torch.ones(2), torch.ones(3), {}),
                                 (torch.ones(2), torch.ones(2, dtype=torch.float64), {}),
                                 (torch.tensor([1, 2]), torch.tensor([1, 3]), {}),
                                 (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]),
                                  {"atol": 1.0, "rtol": 0.0})]:
    try:
        assert_close(actual, expected, **kwargs)
        print("close")
    except AssertionError as e:
        print(type(e).__name__, str(e).splitlines()[0])
assert_close(torch.ones(2), torch.ones(2, dtype=torch.float64), check_dtype=False)
print(torch.testing.assert_close(torch.tensor(float("nan")), torch.tensor(float("nan")),
                                 equal_nan=True))

t = make_tensor((2, 3), dtype=torch.float32, device="cpu", low=-1, high=1)
print(t.shape, t.dtype, bool((t >= -1).all() and (t < 1).all()))
i = make_tensor((5,), dtype=torch.int64, device="cpu", low=0, high=4)
print(i.dtype, bool((i >= 0).all() and (i < 4).all()))
