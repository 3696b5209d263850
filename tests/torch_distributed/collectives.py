"""Every torch.distributed operation on N processes, each result checked against numpy on every
process (each process can compute what every other one holds: its data is a function of its
rank). Run by tests/test_torch_distributed.py through the launcher; prints one line per check
and "rank R: all N checks passed" at the end."""
import datetime
import sys

import numpy as np
import torch
import torch.distributed as dist

dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))
rank, size = dist.get_rank(), dist.get_world_size()
checks = []


def data(r, dtype=np.float64, shape=(2, 3)):
    """What process r holds: distinct values per process, exact in every dtype."""
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) * (r + 2) + r + 1).astype(dtype)


def t(a):
    return torch.from_numpy(np.array(a))


def check(name, got, want):
    got = got.numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, (name, got.shape, want.shape)
    assert got.dtype == want.dtype, (name, got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=name)
    checks.append(name)


def raises(name, exc, fn, match):
    try:
        fn()
    except exc as e:
        assert match in str(e), (name, str(e))
        checks.append(name)
        return
    raise AssertionError(f"{name}: no {exc.__name__}")


everyone = [data(r) for r in range(size)]
ints = [data(r, np.int64) for r in range(size)]

# all_reduce, each ReduceOp, float and int
for op, fn in [(dist.ReduceOp.SUM, np.sum), (dist.ReduceOp.PRODUCT, np.prod),
               (dist.ReduceOp.MIN, np.min), (dist.ReduceOp.MAX, np.max),
               (dist.ReduceOp.AVG, np.mean)]:
    for dtype in (np.float32, np.float64):
        x = t(data(rank, dtype))
        assert dist.all_reduce(x, op=op) is None
        check(f"all_reduce {op} {np.dtype(dtype).name}", x,
              fn(np.stack([data(r, dtype) for r in range(size)]), axis=0).astype(dtype))
for op, fn in [(dist.ReduceOp.BAND, np.bitwise_and.reduce), (dist.ReduceOp.BOR,
                                                             np.bitwise_or.reduce),
               (dist.ReduceOp.BXOR, np.bitwise_xor.reduce), (dist.ReduceOp.SUM, np.sum)]:
    x = t(data(rank, np.int64))
    dist.all_reduce(x, op=op)
    check(f"all_reduce {op} int64", x, fn(np.stack(ints), axis=0))
# size 0 and size 1 tensors, a non-contiguous view written in place
x = torch.zeros(0)
dist.all_reduce(x)
check("all_reduce size 0", x, np.zeros(0, np.float32))
x = torch.tensor([float(rank)])
dist.all_reduce(x)
check("all_reduce size 1", x, np.array([sum(range(size))], np.float32))
base = t(data(rank))
view = base.t()
dist.all_reduce(view)
check("all_reduce of a transposed view writes its base", base, np.sum(everyone, axis=0))

# async all_reduce: Work.wait / is_completed
x = t(data(rank))
work = dist.all_reduce(x, async_op=True)
assert work.wait() is True and work.is_completed()
check("all_reduce async_op", x, np.sum(everyone, axis=0))
assert work.result()[0] is x

# broadcast from each source, reduce to each destination
for src in range(size):
    x = t(data(rank))
    dist.broadcast(x, src=src)
    check(f"broadcast src={src}", x, everyone[src])
    x = t(data(rank))
    dist.reduce(x, dst=src, op=dist.ReduceOp.MAX)
    check(f"reduce dst={src}", x, np.max(everyone, axis=0) if rank == src else everyone[rank])

# all_gather, all_gather_into_tensor (concatenated and stacked)
outs = [torch.zeros(2, 3, dtype=torch.float64) for _ in range(size)]
dist.all_gather(outs, t(data(rank)))
for r in range(size):
    check(f"all_gather [{r}]", outs[r], everyone[r])
out = torch.zeros(2 * size, 3, dtype=torch.float64)
dist.all_gather_into_tensor(out, t(data(rank)))
check("all_gather_into_tensor concatenated", out, np.concatenate(everyone))
out = torch.zeros(size, 2, 3, dtype=torch.float64)
dist.all_gather_into_tensor(out, t(data(rank)))
check("all_gather_into_tensor stacked", out, np.stack(everyone))

# reduce_scatter, reduce_scatter_tensor: process r contributes data(r, shape=(size, 3))
contrib = [data(r, shape=(size, 3)) for r in range(size)]
out = torch.zeros(3, dtype=torch.float64)
dist.reduce_scatter(out, [t(row) for row in contrib[rank]])
check("reduce_scatter", out, np.sum(contrib, axis=0)[rank])
out = torch.zeros(3, dtype=torch.float64)
dist.reduce_scatter_tensor(out, t(contrib[rank]), op=dist.ReduceOp.MIN)
check("reduce_scatter_tensor MIN", out, np.min(contrib, axis=0)[rank])

# gather and scatter, to and from each process
for root in range(size):
    outs = [torch.zeros(2, 3, dtype=torch.float64) for _ in range(size)] if rank == root else None
    dist.gather(t(data(rank)), outs, dst=root)
    if rank == root:
        for r in range(size):
            check(f"gather dst={root} [{r}]", outs[r], everyone[r])
    x = torch.zeros(2, 3, dtype=torch.float64)
    dist.scatter(x, [t(a) for a in everyone] if rank == root else None, src=root)
    check(f"scatter src={root}", x, everyone[rank])

# all_to_all: block j of process r is data(r)[j] + 100 j
blocks = [[data(r, shape=(size, 2))[j] + 100 * j for j in range(size)] for r in range(size)]
outs = [torch.zeros(2, dtype=torch.float64) for _ in range(size)]
dist.all_to_all(outs, [t(b) for b in blocks[rank]])
for r in range(size):
    check(f"all_to_all [{r}]", outs[r], blocks[r][rank])
# unequal blocks: process r sends j + 1 rows to process j
uneven = [[np.full((j + 1, 2), 10.0 * r + j) for j in range(size)] for r in range(size)]
outs = [torch.zeros(rank + 1, 2, dtype=torch.float64) for _ in range(size)]
dist.all_to_all(outs, [t(b) for b in uneven[rank]])
for r in range(size):
    check(f"all_to_all unequal [{r}]", outs[r], uneven[r][rank])
# all_to_all_single, equal and split sizes
x = t(data(rank, shape=(size * 2, 3)))
out = torch.zeros(size * 2, 3, dtype=torch.float64)
dist.all_to_all_single(out, x)
check("all_to_all_single", out,
      np.concatenate([data(r, shape=(size * 2, 3))[2 * rank:2 * rank + 2] for r in range(size)]))
in_splits = [j + 1 for j in range(size)]
x = t(np.concatenate(uneven[rank]))
out = torch.zeros(size * (rank + 1), 2, dtype=torch.float64)
dist.all_to_all_single(out, x, output_split_sizes=[rank + 1] * size, input_split_sizes=in_splits)
check("all_to_all_single split sizes", out, np.concatenate([uneven[r][rank] for r in range(size)]))

# point to point: a ring, blocking and nonblocking; recv from any source returns the sender
nxt, prv = (rank + 1) % size, (rank - 1) % size
if size > 1:
    send_work = dist.isend(t(data(rank)), dst=nxt, tag=7)
    x = torch.zeros(2, 3, dtype=torch.float64)
    recv_work = dist.irecv(x, src=prv, tag=7)
    assert recv_work.wait() and send_work.wait()
    check("isend/irecv ring", x, everyone[prv])
    if rank == 0:
        for _ in range(size - 1):
            x = torch.zeros(3, dtype=torch.int64)
            sender = dist.recv(x)
            check(f"recv from any source ({sender})", x, np.arange(3) + sender)
    else:
        dist.send(torch.arange(3) + rank, dst=0)
    raises("send to self", ValueError, lambda: dist.send(torch.ones(1), dst=rank),
           "Invalid destination rank")

# object collectives (the safe format: tensors, containers, scalars)
objs = [None] * size
dist.all_gather_object(objs, {"rank": rank, "t": torch.tensor([rank]), "name": f"p{rank}"})
for r in range(size):
    assert objs[r]["rank"] == r and objs[r]["name"] == f"p{r}" and objs[r]["t"].item() == r
checks.append("all_gather_object")
lst = [rank, "x", (1.5, None)] if rank == 0 else [None, None, None]
dist.broadcast_object_list(lst, src=0)
assert lst == [0, "x", (1.5, None)], lst
checks.append("broadcast_object_list")
gl = [None] * size if rank == 0 else None
dist.gather_object([rank] * 2, gl, dst=0)
assert rank != 0 or gl == [[r] * 2 for r in range(size)], gl
checks.append("gather_object")
out = [None]
dist.scatter_object_list(out, [{"shard": r} for r in range(size)] if rank == 0 else None, src=0)
assert out == [{"shard": rank}], out
checks.append("scatter_object_list")
raises("object collective refuses what the safe format cannot encode", TypeError,
       lambda: dist.all_gather_object([None] * size, object()), "no pickle")

# groups: a group of process 0 only, and the full group in reverse order
g = dist.new_group([0])
if rank == 0:
    x = torch.ones(2)
    dist.all_reduce(x, group=g)
    check("new_group([0]) all_reduce", x, np.ones(2, np.float32))
    assert dist.get_world_size(g) == 1 and dist.get_rank(g) == 0
else:
    assert g is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(g) == -1
checks.append("new_group")
rev = dist.new_group(list(range(size))[::-1], sort_ranks=False)
assert dist.get_rank(rev) == size - 1 - rank and dist.get_global_rank(rev, 0) == size - 1
x = t(data(rank))
dist.broadcast(x, src=size - 1, group=rev)
check("broadcast in a reordered group (src is a global rank)", x, everyone[size - 1])
x = t(data(rank))
dist.broadcast(x, group_src=0, group=rev)
check("broadcast group_src", x, everyone[size - 1])
dist.barrier()
dist.barrier(group=rev)
checks.append("barrier")

# bad calls raise PyTorch's exception classes
raises("BAND on floats", RuntimeError, lambda: dist.all_reduce(torch.ones(2), dist.ReduceOp.BAND),
       "non-integral")
raises("a list for a tensor", TypeError, lambda: dist.all_reduce([torch.ones(2)]),
       "Expected parameter `tensor`")
raises("all_gather list length", RuntimeError,
       lambda: dist.all_gather([torch.zeros(2)] * (size + 1), torch.ones(2)), "expected length")
raises("gather_list on a non-destination", ValueError,
       lambda: dist.gather(torch.ones(1), [torch.ones(1)] * size, dst=(rank + 1) % size)
       if size > 1 else (_ for _ in ()).throw(ValueError("must NOT be specified")),
       "must NOT be specified")
raises("init twice", ValueError, lambda: dist.init_process_group("gloo"), "twice")
raises("group_src and src", ValueError,
       lambda: dist.broadcast(torch.ones(1), src=0, group_src=0), "Can't specify both")

dist.destroy_process_group()
assert not dist.is_initialized()
raises("after destroy", ValueError, lambda: dist.all_reduce(torch.ones(1)),
       "Default process group has not been initialized")
print(f"rank {rank}: all {len(checks)} checks passed")
sys.stdout.flush()
