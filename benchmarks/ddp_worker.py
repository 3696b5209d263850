"""One process of the `ddp` benchmark's jobs: unchanged PyTorch code (an MLP in
DistributedDataParallel, SGD), run by PyTorch's torchrun (gloo) or by funcgrad's twin
(`python -m funcgrad.torch.distributed.run`, torch = funcgrad.torch on MPI).

    <launcher> --nproc-per-node N benchmarks/ddp_worker.py FIFO_DIR

Every process reads commands from FIFO_DIR/cmd<rank> (a number k: run k training steps; 0:
leave) and answers on FIFO_DIR/ack<rank> with the last step's loss. Between commands the
processes block in a read, so an idle job takes no CPU from the job being timed."""
import os
import sys

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP

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
    with open(os.path.join(fifo_dir, f"cmd{rank}")) as cmd, \
            open(os.path.join(fifo_dir, f"ack{rank}"), "w") as ack:
        for line in cmd:
            steps = int(line)
            if steps == 0:
                break
            for _ in range(steps):
                opt.zero_grad()
                loss = loss_fn(ddp(x), y)
                loss.backward()
                opt.step()
            ack.write(f"{loss.item()!r}\n")
            ack.flush()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
