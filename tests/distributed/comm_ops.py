"""Every Communicator operation, on every rank, against numpy computing the same thing from
every rank's data (each rank can build every rank's operand: they are seeded by rank).
Prints one line per check; the test reads "ALL OK <rank>"."""
import sys
import time

import numpy as np

import funcgrad.distributed as dist

dist.initialize(timeout=60.0)
w = dist.world()
r, n = w.rank, w.size
DTYPES = [np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_, np.complex64,
          np.float16]
SHAPES = [(), (0,), (1,), (3,), (2, 3)]


def data(rank, shape, dtype, salt=0):
    rng = np.random.default_rng(1000 * rank + 7 * salt + len(shape))
    x = rng.integers(0, 5, size=shape)
    if np.dtype(dtype).kind == "b":
        return (x % 2).astype(dtype)
    if np.dtype(dtype).kind == "c":
        return (x + 1j * rng.integers(0, 5, size=shape)).astype(dtype)
    return x.astype(dtype)


NUMPY_OPS = {"sum": lambda xs: np.sum(xs, axis=0), "prod": lambda xs: np.prod(xs, axis=0),
             "min": lambda xs: np.min(xs, axis=0), "max": lambda xs: np.max(xs, axis=0),
             "band": lambda xs: np.bitwise_and.reduce(xs, axis=0),
             "bor": lambda xs: np.bitwise_or.reduce(xs, axis=0),
             "bxor": lambda xs: np.bitwise_xor.reduce(xs, axis=0),
             "avg": lambda xs: np.sum(xs, axis=0) / n}
BOOL_OPS = {"sum": np.logical_or, "max": np.logical_or, "bor": np.logical_or,
            "prod": np.logical_and, "min": np.logical_and, "band": np.logical_and,
            "bxor": np.logical_xor}
checks = 0


def same(got, want, what):
    global checks
    want = np.asarray(want)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    assert np.array_equal(got, want), (what, got, want)
    checks += 1


def applicable(op, dtype):
    k = np.dtype(dtype).kind
    if k == "b":
        return op != "avg"
    if op in ("band", "bor", "bxor"):
        return k in "iu"
    if op in ("min", "max"):
        return k != "c"
    if op == "avg":
        return k in "fc"
    return True


# allreduce: every op x dtype x shape, one buffer at a time and all shapes packed in one call
for op in dist.REDUCE_OPS:
    for dtype in DTYPES:
        if not applicable(op, dtype):
            try:
                w.allreduce([data(r, (2,), dtype)], op)
            except TypeError:
                checks += 1
                continue
            raise AssertionError(f"{op} on {dtype} should raise")
        xs = [data(r, s, dtype, i) for i, s in enumerate(SHAPES)]
        got = w.allreduce(xs, op)
        for i, s in enumerate(SHAPES):
            every = np.stack([data(k, s, dtype, i) for k in range(n)])
            if np.dtype(dtype).kind == "b":
                want = BOOL_OPS[op].reduce(every, axis=0) if every.size else every[0]
            else:
                want = NUMPY_OPS[op](every).astype(dtype)
            same(got[i], want, f"allreduce {op} {np.dtype(dtype).name} {s}")
    print(f"rank {r}: allreduce {op} ok", flush=True)

# blocking all-reduces reuse their flat buffers (BufferPool) only once no result views them:
# results kept across calls (and views of them) keep their values; a loop whose results die
# gets the same buffer back
kept = []
for step in range(4):
    res = w.allreduce([np.full(3, float(step + r), np.float32), np.full(2, step, np.float32)])
    kept.append((res[0][1:], res[1]))     # a view of a result keeps the buffer too
    del res
for step, (head, tail) in enumerate(kept):
    s0 = sum(float(step + k) for k in range(n))
    same(head, np.full(2, s0, np.float32), f"kept allreduce {step}")
    same(tail, np.full(2, step * n, np.float32), f"kept allreduce {step} (second buffer)")
del kept, head, tail
firsts = set()
for step in range(3):
    out = w.allreduce([np.ones(3, np.float32), np.ones(2, np.float32)])
    firsts.add(out[0].base.__array_interface__["data"][0])
    same(out[0], np.full(3, n, np.float32), "loop allreduce")
    del out
assert n == 1 or len(firsts) == 1, f"a loop's all-reduces took {len(firsts)} buffers"
checks += 1

# many buffers of mixed dtypes in one call, nonblocking, several in flight
many = [data(r, (i % 4 + 1,), DTYPES[i % 4], i) for i in range(50)]
reqs = [w.iallreduce(many, "sum"), w.iallreduce(many[:7], "max", timeout=30.0)]
while not reqs[1].test():
    time.sleep(0.001)
got0, got1 = reqs[0].wait(), reqs[1].wait()
for i, x in enumerate(many):
    every = np.stack([data(k, x.shape, x.dtype, i) for k in range(n)])
    same(got0[i], every.sum(0).astype(x.dtype), f"packed sum {i}")
    if i < 7:
        same(got1[i], every.max(0), f"packed max {i}")
print(f"rank {r}: packed ok", flush=True)

# header-free (agreed=True) all-reduces queued behind a checked one: posted in call order on
# every rank; in_place reduces the caller's buffer itself; a blocking allreduce of one buffer
# reads it where it is and leaves it as it was
mine = data(r, (6,), np.float32, 5)
every = np.stack([data(k, (6,), np.float32, 5) for k in range(n)])
own = mine.copy()
reqs = [w.iallreduce([mine, many[1]], "sum", timeout=30.0),
        w.iallreduce([mine.copy()], "max", agreed=True),
        w.iallreduce([own], "avg", agreed=True, in_place=True)]
got = [q.wait() for q in reqs]
same(got[0][0], every.sum(0), "checked sum before agreed ones")
same(got[1][0], every.max(0), "agreed max")
same(got[2][0], (every.sum(0) / n).astype(np.float32), "agreed in-place avg")
assert np.shares_memory(got[2][0], own), "in_place: the result is the caller's buffer"
for timeout in (None, 30.0):
    before = mine.copy()
    same(w.allreduce([mine], "sum", timeout=timeout)[0], every.sum(0), "borrowed sum")
    same(mine, before, "a borrowed buffer is left as it was")
print(f"rank {r}: agreed ok", flush=True)

for timeout in (None, 30.0):
    for dtype in (np.float32, np.float64, np.int64, np.bool_):
        for s in SHAPES:
            x = data(r, s, dtype)
            every = np.stack([data(k, s, dtype) for k in range(n)])
            for root in range(n):
                same(w.broadcast(x, root, timeout=timeout), every[root], "broadcast")
                g = w.gather(x, root, timeout=timeout)
                if r == root:
                    same(g, every, "gather")
                else:
                    assert g is None
                if dtype != np.bool_:
                    red = w.reduce(x, "sum", root, timeout=timeout)
                    if r == root:
                        same(red, every.sum(0).astype(dtype), "reduce")
                    else:
                        assert red is None
                blocks = np.stack([data(k, s, dtype, 1) for k in range(n)])
                sc = w.scatter(blocks if r == root else None, root, timeout=timeout)
                same(sc, blocks[r], "scatter")
            same(w.allgather(x, timeout=timeout), every, "allgather")
            mine = np.stack([data(r, s, dtype, j) for j in range(n)])   # block j for rank j
            allm = np.stack([np.stack([data(k, s, dtype, j) for j in range(n)])
                             for k in range(n)])
            same(w.alltoall(mine, timeout=timeout), allm[:, r], "alltoall")
            if dtype != np.bool_:
                same(w.reduce_scatter(mine, "sum", timeout=timeout),
                     allm.sum(0)[r].astype(dtype), "reduce_scatter")
            # a ring: send to the next rank, receive from the previous one
            nxt, prv = (r + 1) % n, (r - 1) % n
            same(w.sendrecv(x, nxt, prv, timeout=timeout), data(prv, s, dtype), "sendrecv")
            req = w.irecv(s, dtype, source=prv, tag=5)
            w.send(x, nxt, tag=5, timeout=timeout)
            same(req.wait(timeout), data(prv, s, dtype), "send/irecv")
            sreq = w.isend(x, nxt, tag=6)
            same(w.recv(s, dtype, source=None, tag=6, timeout=timeout), data(prv, s, dtype),
                 "isend/recv any source")
            sreq.wait()
    w.barrier(timeout=timeout)
print(f"rank {r}: movement ok", flush=True)

# bytes
assert w.allgather_bytes(b"x" * r) == [b"x" * k for k in range(n)]
assert w.broadcast_bytes(b"root says" if r == 0 else None, 0) == b"root says"
req = w.isend_bytes(bytes([r]) * 3, (r + 1) % n, tag=9)
assert w.recv_bytes((r - 1) % n, tag=9) == bytes([(r - 1) % n]) * 3
req.wait()
# groups
sub = w.split([n - 1 - k for k in range(n)])
assert sub.rank == n - 1 - r and sub.size == n
same(sub.allreduce([np.array([r])])[0], np.array([sum(range(n))]), "split allreduce")
solo = w.split([0])
assert (solo is not None) == (r == 0)
checks += 3
# multihost utilities
tree = {"w": np.full((2, 2), r, np.float32), "b": np.arange(3) + r, "s": np.float64(r)}
got = dist.broadcast_one_to_all(tree)
same(np.asarray(got["w"]), np.zeros((2, 2), np.float32), "b1a w")
same(np.asarray(got["b"]), np.arange(3), "b1a b")
got = dist.broadcast_one_to_all(tree, is_source=(r == n - 1))
same(np.asarray(got["s"]), np.float64(n - 1), "b1a from last")
dist.sync_global_devices("end")
same(np.asarray(dist.process_allgather(np.array([r, r]))), np.array([[k, k] for k in range(n)]),
     "process_allgather")
dist.shutdown()
print(f"rank {r}: {checks} checks", flush=True)
print(f"ALL OK {r}", flush=True)
