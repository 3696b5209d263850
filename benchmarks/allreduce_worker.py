"""The processes of benchmarks/allreduce.py's jobs: all-reduces of float32 pytrees through
funcgrad and through raw mpi4py, and a data-parallel training step, each run on command (see
benchmarks/jobs.py). Run as `python -m funcgrad.distributed.run -n N allreduce_worker.py DIR`."""
import sys

import numpy as np
from mpi4py import MPI

import funcgrad as fg
import funcgrad.distributed as dist
import funcgrad.numpy as fnp
from benchmarks.jobs import serve
from funcgrad import lax

dist.initialize()
comm = MPI.COMM_WORLD
rank, nproc = dist.process_index(), dist.process_count()


def pytree(nbytes, r):
    """Rank `r`'s float32 pytree, shaped like an MLP's parameters: 3 weight matrices and 3
    biases, in all `nbytes` bytes; small integers, so that every sum is exact."""
    n = nbytes // 4
    rng = np.random.default_rng(r + 10)
    width = int(np.sqrt(n / 2.4))
    shapes = {"w0": (width, width), "w1": (width, width), "w2": (width, width // 5),
              "b0": (width,), "b1": (width,)}
    used = sum(int(np.prod(s)) for s in shapes.values())
    shapes["b2"] = (n - used,)
    return {k: rng.integers(-8, 8, size=s).astype(np.float32) for k, s in shapes.items()}


TREES = {size: pytree(size, rank) for size in (1 << 20, 64 << 20)}
FG_TREES = {size: {k: fnp.asarray(v) for k, v in t.items()} for size, t in TREES.items()}
PACKED = {size: np.concatenate([v.ravel() for v in t.values()]) for size, t in TREES.items()}
psum_jit = fg.jit(lambda t: lax.psum(t, "processes"))


def raw_per_leaf(tree):
    out = {}
    for k, v in tree.items():
        out[k] = np.empty_like(v)
        comm.Allreduce(v, out[k], op=MPI.SUM)
    return out


def raw_packed(flat):
    out = np.empty_like(flat)
    comm.Allreduce(flat, out, op=MPI.SUM)
    return out


VARIANTS = {
    "raw": lambda size: raw_per_leaf(TREES[size]),
    "raw_packed": lambda size: raw_packed(PACKED[size]),
    "comm": lambda size: dist.world().allreduce(list(TREES[size].values())),
    "psum": lambda size: lax.psum(FG_TREES[size], "processes"),
    "psum_jit": lambda size: psum_jit(FG_TREES[size]),
}


# -- the data-parallel step: an MLP, 64 examples per process, SGD -----------------------------

def mlp_params():
    rng = np.random.default_rng(0)
    sizes = (256, 512, 512, 10)
    return {f"{kind}{i}": fnp.asarray(
        (rng.standard_normal((a, b)) / np.sqrt(a)) if kind == "w" else np.zeros(b),
        dtype=np.float32) for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))
        for kind in ("w", "b")}


def loss(params, x, y):
    h = fnp.maximum(x @ params["w0"] + params["b0"], 0)
    h = fnp.maximum(h @ params["w1"] + params["b1"], 0)
    logits = h @ params["w2"] + params["b2"]
    return -fnp.mean(fnp.sum(y * fg.nn.log_softmax(logits), axis=-1))


@fg.jit
def step(params, x, y):
    value, grads = fg.value_and_grad(loss)(params, x, y)
    grads = lax.pmean(grads, "processes")
    return {k: params[k] - 0.05 * grads[k] for k in params}, lax.pmean(value, "processes")


data_rng = np.random.default_rng(100 + rank)
X = fnp.asarray(data_rng.standard_normal((64, 256)), dtype=np.float32)
Y = fnp.asarray(np.eye(10, dtype=np.float32)[data_rng.integers(0, 10, 64)])
state = {"params": mlp_params(), "loss": 0.0}


def handle(command):
    what, *args = command.split()
    if what == "check":             # every variant against numpy's sum of every rank's tree
        size = int(args[0])
        every = [pytree(size, r) for r in range(nproc)]
        want = {k: sum(t[k] for t in every) for k in TREES[size]}
        for name, f in VARIANTS.items():
            got = f(size)
            if name == "raw_packed":
                got = dict(zip(TREES[size], np.split(got, np.cumsum(
                    [v.size for v in TREES[size].values()])[:-1])))
                got = {k: v.reshape(TREES[size][k].shape) for k, v in got.items()}
            if isinstance(got, list):
                got = dict(zip(TREES[size], got))
            for k in want:
                if not np.array_equal(np.asarray(got[k]), want[k]):
                    return f"MISMATCH {name} {k}"
        return "ok"
    if what == "run":
        name, size, k = args[0], int(args[1]), int(args[2])
        for _ in range(k):
            VARIANTS[name](size)
        return "ok"
    if what == "step":
        for _ in range(int(args[0])):
            state["params"], state["loss"] = step(state["params"], X, Y)
        return repr(float(state["loss"]))
    raise ValueError(command)


serve(sys.argv[1], rank, handle)
dist.shutdown()
