"""One process of the `ddp` benchmark's jobs: unchanged PyTorch code (an MLP in
DistributedDataParallel, SGD), run by PyTorch's torchrun (gloo) or by funcgrad's twin
(`python -m funcgrad.torch.distributed.run`, torch = funcgrad.torch on MPI).

    <launcher> --nproc-per-node N benchmarks/ddp_worker.py FIFO_DIR

Each command (benchmarks/jobs.py) is a number k: run k training steps; the answer is the last
step's loss. Between commands the processes sleep in a blocking read, so an idle job takes no
CPU from the job being timed."""
import sys

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP

from benchmarks.jobs import serve

IN, HIDDEN, OUT, BATCH = 256, 512, 10, 64      # BATCH examples per process


def deterministic_(model):
    """Fixed weights, the same under every library (their random numbers differ)."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.linspace(-1.0, 1.0, p.numel()).reshape(p.shape) / p.shape[-1] ** 0.5)


def main(fifo_dir):
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    model = nn.Sequential(nn.Linear(IN, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
                          nn.Linear(HIDDEN, OUT))
    deterministic_(model)
    ddp = DDP(model)
    opt = torch.optim.SGD(ddp.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.linspace(-1.0, 1.0, BATCH * IN).reshape(BATCH, IN) * (rank + 1)
    y = torch.arange(BATCH) % OUT

    def steps(command):
        for _ in range(int(command)):
            opt.zero_grad()
            loss = loss_fn(ddp(x), y)
            loss.backward()
            opt.step()
        return repr(loss.item())

    serve(fifo_dir, rank, steps)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
