"""The process axis: every collective over "processes", eager and under jit, on each rank,
against funcgrad.vmap over the stacked shards (every rank can build every shard: they are
seeded by rank); gradients through a cross-process pmean inside jit against the single-process
full-batch gradient; a tuple of a vmapped name and the process name. Prints "ALL OK <rank>"."""
import numpy as np

import funcgrad as fg
import funcgrad.distributed as dist
import funcgrad.numpy as fnp
from funcgrad import lax

dist.initialize(timeout=60.0)
r, n = dist.process_index(), dist.process_count()
P = "processes"


def shard(rank, shape, dtype=np.float64, salt=0):
    rng = np.random.default_rng(100 * rank + salt)
    return rng.standard_normal(shape).astype(dtype)


def stacked(shape, dtype=np.float64, salt=0):
    return np.stack([shard(k, shape, dtype, salt) for k in range(n)])


# each case: (name, f(x, axis_name), shard shape)
CASES = [
    ("psum", lambda x, a: lax.psum(x, a), (3,)),
    ("psum scalar", lambda x, a: lax.psum(x, a), ()),
    ("psum tuple", lambda x, a: lax.psum((x, 2 * x[:1], x.sum()), a), (4,)),
    ("pmean", lambda x, a: lax.pmean(x, a), (2, 3)),
    ("pmax", lambda x, a: lax.pmax(x, a), (5,)),
    ("pmin", lambda x, a: lax.pmin(x, a), (5,)),
    ("all_gather", lambda x, a: lax.all_gather(x, a), (2, 3)),
    ("all_gather axis=1", lambda x, a: lax.all_gather(x, a, axis=1), (2, 3)),
    ("all_gather tiled", lambda x, a: lax.all_gather(x, a, tiled=True), (2, 3)),
    ("psum_scatter", lambda x, a: lax.psum_scatter(x, a), (n, 3)),
    ("psum_scatter tiled", lambda x, a: lax.psum_scatter(x, a, tiled=True), (2 * n, 3)),
    ("all_to_all", lambda x, a: lax.all_to_all(x, a, 0, 0), (n, 3)),
    ("all_to_all 1->0", lambda x, a: lax.all_to_all(x, a, 1, 0), (3, n)),
    ("ppermute ring", lambda x, a: lax.ppermute(x, a, [(k, (k + 1) % n) for k in range(n)]),
     (3,)),
    ("ppermute partial", lambda x, a: lax.ppermute(x, a, [(0, n - 1)]), (2,)),
    ("pshuffle", lambda x, a: lax.pshuffle(x, a, list(reversed(range(n)))), (3,)),
    ("axis_index", lambda x, a: x * lax.axis_index(a), (2,)),
    ("axis_size", lambda x, a: x * lax.psum(1, a), (2,)),
    ("size 0", lambda x, a: lax.psum(x, a), (0, 2)),
    ("float32", lambda x, a: lax.psum(x.astype(np.float32), a), (3,)),
]
checks = 0


def close(got, want, what):
    global checks
    for g, w in zip(fg.tree.tree_leaves(got), fg.tree.tree_leaves(want)):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (what, g.shape, w.shape, g.dtype,
                                                           w.dtype)
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-12, err_msg=what)
        checks += 1


for name, f, shape in CASES:
    want = fg.tree.tree_map(lambda y: y[r], fg.vmap(lambda x: f(x, "i"), axis_name="i")(
        stacked(shape)))
    x = fnp.asarray(shard(r, shape))
    close(f(x, P), want, f"{name} eager")
    close(fg.jit(lambda x: f(x, P))(x), want, f"{name} jit")
    # derivatives: the vjp of sum(f(x) * c) against vmap's
    if name not in ("axis_index",) and shape != (0, 2):
        def loss(x, a):
            return sum(fnp.sum(fnp.sin(y) * 0.5) for y in fg.tree.tree_leaves(f(x, a)))
        gwant = fg.vmap(lambda x: fg.grad(loss)(x, "i"), axis_name="i")(stacked(shape))[r]
        close(fg.grad(loss)(x, P), gwant, f"{name} grad")
        close(fg.jit(fg.grad(loss), static_argnums=1)(x, P), gwant, f"{name} jit(grad)")
print(f"rank {r}: collectives ok", flush=True)

# a tuple of names: a vmapped axis inside each process, and the processes
m = 3
xs = stacked((m, 2))                                  # (n, m, 2)
want = fg.vmap(fg.vmap(lambda x: lax.psum(x, ("p", "i")), axis_name="i"), axis_name="p")(xs)[r]
got = fg.vmap(lambda x: lax.psum(x, (P, "i")), axis_name="i")(fnp.asarray(xs[r]))
close(got, want, "psum over (processes, i)")
want = fg.vmap(fg.vmap(lambda x: lax.axis_index(("p", "i")), axis_name="i"), axis_name="p")(xs)[r]
close(fg.vmap(lambda x: lax.axis_index((P, "i")), axis_name="i")(fnp.asarray(xs[r])), want,
      "axis_index over (processes, i)")

# data parallel: the gradient of the mean loss over the full batch, from the shards
def loss(params, xb, yb):
    pred = fnp.tanh(xb @ params["w"] + params["b"])
    return fnp.mean((pred - yb) ** 2)


rng = np.random.default_rng(0)
params = {"w": fnp.asarray(rng.standard_normal((4, 2))), "b": fnp.asarray(np.zeros(2))}
X, Y = rng.standard_normal((8 * n, 4)), rng.standard_normal((8 * n, 2))
full = fg.grad(loss)(params, X, Y)


@fg.jit
def step_grad(params, xb, yb):
    return lax.pmean(fg.grad(loss)(params, xb, yb), P)


local = step_grad(params, X[8 * r:8 * r + 8], Y[8 * r:8 * r + 8])
close(local, full, "data-parallel gradient")
print(fg.make_jaxpr(step_grad)(params, X[:8], Y[:8]) if r == 0 else "", flush=True)
dist.shutdown()
print(f"rank {r}: {checks} checks", flush=True)
print(f"ALL OK {r}", flush=True)
