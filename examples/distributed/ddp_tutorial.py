"""PyTorch's "Getting Started with Distributed Data Parallel" tutorial, as a script for torchrun.

Unchanged PyTorch code (torch, torch.distributed, DistributedDataParallel, DistributedSampler):
it runs under PyTorch's own launcher and, with funcgrad.torch as torch, under its twin:

    torchrun --nproc-per-node 2 examples/distributed/ddp_tutorial.py
    python -m funcgrad.torch.distributed.run --nproc-per-node 2 examples/distributed/ddp_tutorial.py

Both print the same lines (the order of lines printed by different processes may vary). The
weights and data are set deterministically, not drawn at random, and the sampler does not
shuffle, so that the printed numbers do not depend on the library's random number generator.
"""
import os
import tempfile

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.optim as optim
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


class ToyModel(nn.Module):
    def __init__(self):
        super(ToyModel, self).__init__()
        self.net1 = nn.Linear(10, 10)
        self.relu = nn.ReLU()
        self.net2 = nn.Linear(10, 5)

    def forward(self, x):
        return self.net2(self.relu(self.net1(x)))


def init_weights(m):
    """Fixed weights (in place of the random ones), the same under every library."""
    if isinstance(m, nn.Linear):
        with torch.no_grad():
            n = m.weight.numel()
            m.weight.copy_(torch.linspace(-1.0, 1.0, n).reshape(m.weight.shape) / 3.0)
            m.bias.fill_(0.01)


def make_dataset():
    x = torch.linspace(-2.0, 2.0, 64 * 10).reshape(64, 10)
    y = torch.sin(x[:, :5]) + 0.5 * torch.cos(x[:, 5:])
    return TensorDataset(x, y)


def demo_basic(rank, world_size):
    print(f"Start running basic DDP example on rank {rank}.")
    model = ToyModel()
    model.apply(init_weights)
    ddp_model = DDP(model)

    loss_fn = nn.MSELoss()
    optimizer = optim.SGD(ddp_model.parameters(), lr=0.05)

    dataset = make_dataset()
    sampler = DistributedSampler(dataset, shuffle=False)
    loader = DataLoader(dataset, batch_size=8, sampler=sampler)
    for epoch in range(3):
        sampler.set_epoch(epoch)
        total = torch.zeros(1)
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(ddp_model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.detach()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        if rank == 0:
            print(f"epoch {epoch}: mean loss {total.item() / (world_size * len(loader)):.4f}")
    print(f"Finished running basic DDP example on rank {rank}.")
    return ddp_model


def demo_checkpoint(rank, ddp_model):
    print(f"Running DDP checkpoint example on rank {rank}.")
    # process 0 picks the directory and tells the others
    where = [tempfile.mkdtemp() if rank == 0 else None]
    dist.broadcast_object_list(where, src=0)
    CHECKPOINT_PATH = os.path.join(where[0], "model.checkpoint")
    if rank == 0:
        # all processes hold the same parameters: saving one copy is enough
        torch.save(ddp_model.state_dict(), CHECKPOINT_PATH)
    # the others wait until process 0 has saved it
    dist.barrier()
    model = ToyModel()
    ddp_loaded = DDP(model)
    ddp_loaded.load_state_dict(torch.load(CHECKPOINT_PATH, map_location="cpu"))
    checksum = torch.tensor([sum(p.sum().item() for p in model.parameters())])
    sums = [torch.zeros(1) for _ in range(dist.get_world_size())]
    dist.all_gather(sums, checksum)
    if rank == 0:
        print(f"loaded checkpoint: parameter sum {checksum.item():.4f}, "
              f"the same on every process: {all(torch.equal(s, sums[0]) for s in sums)}")
        print(f"state_dict keys: {list(ddp_loaded.state_dict())}")
    dist.barrier()
    if rank == 0:
        os.remove(CHECKPOINT_PATH)
        os.rmdir(where[0])


if __name__ == "__main__":
    dist.init_process_group("gloo")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    ddp_model = demo_basic(rank, world_size)
    demo_checkpoint(rank, ddp_model)
    dist.destroy_process_group()
