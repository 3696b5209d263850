"""Data-parallel training, funcgrad style: the iris MLP of examples/iris_mlp.py on N processes.

    python -m funcgrad.distributed.run -n 2 examples/distributed/data_parallel.py
    python examples/distributed/data_parallel.py          # the same script, one process

Each process holds 1/N of the training batch. The step is one jitted function: the gradient of
the local mean loss, averaged over the processes with `lax.pmean(..., "processes")` (one MPI
all-reduce for the whole gradient pytree), then Adam's update. Because every shard has the same
size, the average of the shards' mean gradients is the full batch's mean gradient, so every
process ends with the weights a single process gets on the full batch. The initial weights are
rank 0's, broadcast with `broadcast_one_to_all`, so the processes start (and stay) identical.
"""
import argparse
import csv
from pathlib import Path

import numpy as np

import funcgrad as fg
import funcgrad.distributed as dist
import funcgrad.numpy as fnp
from funcgrad import lax, optim

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=200)
parser.add_argument("--save", default=None, help="save the final weights to SAVE.rank<r>.npz")
args, _ = parser.parse_known_args()

dist.initialize()
rank, nproc = dist.process_index(), dist.process_count()

with open(Path(__file__).resolve().parent.parent / "data" / "iris.csv", newline="") as f:
    rows = list(csv.reader(f))[1:]
features = np.array([r[:4] for r in rows], dtype=np.float64)
labels = np.array([r[4] for r in rows], dtype=np.int64)
order = np.random.default_rng(0).permutation(len(labels))
train = order[:120]
if len(train) % nproc:
    raise SystemExit(f"{len(train)} training examples do not split evenly over {nproc} processes")
mean, std = features[train].mean(0), features[train].std(0)
x_all = (features - mean) / std
onehot_all = np.eye(3)[labels]

# this process's shard of the training batch
mine = np.array_split(train, nproc)[rank]
x, y = fnp.asarray(x_all[mine]), fnp.asarray(onehot_all[mine])


def init_params(rng, sizes=(4, 16, 3)):
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"w{i}"] = fnp.asarray(rng.normal(size=(n_in, n_out)) / np.sqrt(n_in))
        params[f"b{i}"] = fnp.zeros(n_out)
    return params


def loss(params, x, y):
    h = fnp.tanh(x @ params["w0"] + params["b0"])
    logits = h @ params["w1"] + params["b1"]
    return -fnp.mean(fnp.sum(y * fg.nn.log_softmax(logits), axis=-1))


# every rank draws its own weights; rank 0's win
params = dist.broadcast_one_to_all(init_params(np.random.default_rng(rank)))
opt = optim.adam(1e-2)
state = opt.init(params)


@fg.jit
def step(params, state, x, y):
    value, grads = fg.value_and_grad(loss)(params, x, y)
    value, grads = lax.pmean((value, grads), "processes")   # one all-reduce for all of it
    updates, state = opt.update(grads, state, params)
    return optim.apply_updates(params, updates), state, value


for i in range(args.steps):
    params, state, value = step(params, state, x, y)
    if rank == 0 and (i % 50 == 0 or i == args.steps - 1):
        print(f"step {i:4d}  loss {float(value):.4f}")

if args.save:
    np.savez(f"{args.save}.rank{rank}.npz", **{k: np.asarray(v) for k, v in params.items()})
dist.shutdown()
