"""DistributedDataParallel on N processes against one process on the full batch, on every process:
construction broadcasts process 0's parameters and buffers; SGD steps over DistributedSampler's
shards end with the single-process weights; no_sync accumulation; find_unused_parameters; the
unused-parameter error; state_dict's `module.` prefix. Prints "rank R: all N checks passed"."""
import copy
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

dist.init_process_group("gloo")
rank, size = dist.get_rank(), dist.get_world_size()
checks = []


def close(name, a, b, tol=1e-5):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol,
                               err_msg=name)
    checks.append(name)


def make_model(seed):
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 2))
    m.register_buffer("scale", torch.full((2,), float(seed + 1)))
    return m


# the data every process sees whole; each trains on its DistributedSampler shard
g = torch.Generator().manual_seed(1234)
X = torch.randn(8 * size, 4, generator=g)
Y = torch.randn(8 * size, 2, generator=g)
dataset = TensorDataset(X, Y)

# construction: every process ends with process 0's parameters and buffers
model = make_model(seed=rank)              # different on each process before DDP
ddp = DDP(model, bucket_cap_mb=0.0002)     # small buckets: several all-reduces per backward
reference = make_model(seed=0)
for (name, p), q in zip(model.named_parameters(), reference.parameters()):
    close(f"broadcast at construction: {name}", p, q, tol=0)
close("broadcast at construction: buffer", model.scale, reference.scale, tol=0)
assert len(ddp._buckets) > 1, len(ddp._buckets)
checks.append(f"{len(ddp._buckets)} buckets")

# training: SGD over the shards == SGD on the full batch in one process
opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
sampler = DistributedSampler(dataset, shuffle=True, seed=5)
loader = DataLoader(dataset, batch_size=4, sampler=sampler)
started_in_backward = []
finish = ddp._finish


def spy():
    started_in_backward.append(ddp._next)    # buckets already started when backward ends
    finish()


ddp._finish = spy
for epoch in range(2):
    sampler.set_epoch(epoch)
    local_batches = list(loader)
    # the same steps in one process: each step's batch is every process's batch, concatenated
    everyone = [None] * size
    dist.all_gather_object(everyone, [[xb, yb] for xb, yb in local_batches])
    for step, (xb, yb) in enumerate(local_batches):
        opt.zero_grad()
        loss = ((ddp(xb) * model.scale - yb) ** 2).mean()
        loss.backward()
        opt.step()
        full_x = torch.cat([everyone[r][step][0] for r in range(size)])
        full_y = torch.cat([everyone[r][step][1] for r in range(size)])
        ref_opt.zero_grad()
        ((reference(full_x) * reference.scale - full_y) ** 2).mean().backward()
        ref_opt.step()
for (name, p), q in zip(model.named_parameters(), reference.parameters()):
    close(f"DDP training == full batch: {name}", p, q)
assert started_in_backward and all(n == len(ddp._buckets) for n in started_in_backward), \
    started_in_backward
checks.append("every bucket started from the hooks, before backward returned")

# no_sync: two micro-batches accumulated locally, then averaged once
xa, ya = X[rank * 8:rank * 8 + 4], Y[rank * 8:rank * 8 + 4]
xb, yb = X[rank * 8 + 4:rank * 8 + 8], Y[rank * 8 + 4:rank * 8 + 8]
opt.zero_grad()
with ddp.no_sync():
    ((ddp(xa) - ya) ** 2).mean().backward()
local_only = [p.grad.clone() for p in model.parameters()]
mine_a = copy.deepcopy(reference)
mine_a.load_state_dict(model.state_dict())
((mine_a(xa) - ya) ** 2).mean().backward()
for (name, p), q in zip(model.named_parameters(), mine_a.parameters()):
    close(f"no_sync leaves the local gradient: {name}", p.grad, q.grad)
((ddp(xb) - yb) ** 2).mean().backward()
ref = copy.deepcopy(reference)
ref.load_state_dict(model.state_dict())
ref.zero_grad()
for r in range(size):
    for lo in (0, 4):
        part = slice(r * 8 + lo, r * 8 + lo + 4)
        (((ref(X[part]) - Y[part]) ** 2).mean() / size).backward()
for (name, p), q in zip(model.named_parameters(), ref.parameters()):
    close(f"no_sync accumulation averaged: {name}", p.grad, q.grad)
del local_only


# find_unused_parameters: head b is used by process 0 only, head c by none
class Heads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Linear(3, 3)
        self.a = nn.Linear(3, 1)
        self.b = nn.Linear(3, 1)
        self.c = nn.Linear(3, 1)

    def forward(self, x, use_b):
        h = self.trunk(x)
        out = self.a(h)
        return out + self.b(h) if use_b else out


torch.manual_seed(0)
heads = Heads()
ref_heads = copy.deepcopy(heads)
dheads = DDP(heads, find_unused_parameters=True)
xs = [torch.full((2, 3), float(r + 1)) for r in range(size)]
dheads(xs[rank], use_b=rank == 0).sum().backward()
ref_heads.zero_grad()
for r in range(size):
    (ref_heads(xs[r], use_b=r == 0).sum() / size).backward()
for name, p in heads.named_parameters():
    q = dict(ref_heads.named_parameters())[name]
    if name.startswith("c."):
        assert p.grad is None, name
        checks.append(f"find_unused_parameters: {name} used nowhere keeps grad None")
    else:
        close(f"find_unused_parameters: {name}", p.grad, q.grad)

# without find_unused_parameters, an unused parameter is an error at the next forward
torch.manual_seed(0)
strict = DDP(Heads())
strict(xs[rank], use_b=False).sum().backward()
try:
    strict(xs[rank], use_b=False)
except RuntimeError as e:
    assert "Expected to have finished reduction in the prior iteration" in str(e), e
    checks.append("unused parameter without find_unused_parameters: RuntimeError")
else:
    raise AssertionError("no error for an unused parameter")

# state_dict: keys prefixed with module., loadable into another DDP
sd = ddp.state_dict()
assert list(sd) == ["module." + k for k in model.state_dict()], list(sd)
other = DDP(make_model(seed=9))
other.load_state_dict(sd)
for p, q in zip(other.module.parameters(), model.parameters()):
    close("load_state_dict through DDP", p, q, tol=0)
assert ddp.module is model
checks.append("module attribute")

# init_sync=False: nothing broadcast, but the parameters' shapes are checked across the
# processes once, at construction (the bucket all-reduces then go without a per-call check)
if size > 1:
    try:
        DDP(nn.Linear(2 + rank, 1), init_sync=False)
    except Exception as e:
        assert type(e).__name__ == "CollectiveMismatchError" and "float32[1, 2]" in str(e), e
        checks.append("init_sync=False: parameters of different shapes are an error")
    else:
        raise AssertionError("no error for parameters of different shapes across processes")
lin = nn.Linear(2, 1)
with torch.no_grad():
    lin.weight.fill_(1.0)
    lin.bias.fill_(0.0)
unsynced = DDP(lin, init_sync=False)
unsynced(torch.full((3, 2), float(rank + 1))).sum().backward()
close("init_sync=False: gradients averaged", lin.weight.grad,
      torch.full((1, 2), 3.0 * (size + 1) / 2))

dist.destroy_process_group()
print(f"rank {rank}: all {len(checks)} checks passed")
sys.stdout.flush()
