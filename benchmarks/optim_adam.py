"""optim_adam: one jitted Adam update over a 100-leaf pytree of float32 parameters (issue 18).

The tree: a dict of 100 leaves, 40 vectors (64,), 40 matrices (32, 32), 20 vectors (1024,)
(63,616 parameters), from np.random.default_rng(0); gradients from the same stream. One call is
one full optimizer step: `opt.update(grads, state, params)` then `apply_updates`, jitted as one
function returning the new parameters and state, which the next call steps from.

Baseline: optax.adam(1e-3) on JAX CPU under `jax.jit` (waited for with block_until_ready; XLA
fuses the 100 leaves' arithmetic). funcgrad: `fg.jit` of the same step with funcgrad.optim.adam,
target <= 1.0x optax. Second baseline: a hand-written numpy loop over the leaves (in-place moment
updates, bias corrections as Python floats), the floor plain numpy gives; funcgrad is reported
against it too. Before timing, three steps of each are held against each other (float32, rtol
1e-5).

funcgrad's step is fused horizontally (funcgrad/interpreters/hfuse.py): the 100 leaves' chains
run once over flat buffers, and the parameters and moments a step returns are views that the next
step takes without a copy. A reference variant compiles the same step with that pass off.
`hfuse_sweep()` times the step fused (forced, whatever the cost model says) against unfused over
leaf counts and sizes: the measurements behind hfuse's cost constants
(`python -c "from benchmarks.optim_adam import hfuse_sweep; hfuse_sweep()"`).
"""
import contextlib
import time
from unittest import mock

import numpy as np

from .harness import BenchmarkCheckError, Variant

NAME = "optim_adam"
DESCRIPTION = ("jitted Adam update over a 100-leaf float32 pytree: funcgrad.optim vs optax on JAX "
               "CPU vs a numpy loop")
TARGET = 1.0
LR, B1, B2, EPS = 1e-3, 0.9, 0.999, 1e-8
CHECK_STEPS = 3


def make_tree(seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(64,)] * 40 + [(32, 32)] * 40 + [(1024,)] * 20
    return {f"p{i:03d}": rng.standard_normal(s).astype(np.float32) for i, s in enumerate(shapes)}


class NumpyAdam:
    """Adam over a dict of numpy arrays, written by hand: the moments updated in place."""

    def __init__(self, params):
        self.params = {k: v.copy() for k, v in params.items()}
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0
        self.tmp = {k: np.empty_like(v) for k, v in params.items()}

    def step(self, grads):
        self.t += 1
        c1, c2 = 1 - B1 ** self.t, 1 - B2 ** self.t
        for k, g in grads.items():
            m, v, p, tmp = self.m[k], self.v[k], self.params[k], self.tmp[k]
            m *= B1
            m += (1 - B1) * g
            np.multiply(g, g, out=tmp)
            v *= B2
            v += (1 - B2) * tmp
            np.divide(v, c2, out=tmp)
            np.sqrt(tmp, out=tmp)
            tmp += EPS
            np.divide(m, tmp, out=tmp)
            tmp *= LR / c1
            p -= tmp
        return self.params


def make_step(lib, jit, apply_updates):
    opt = lib.adam(LR, b1=B1, b2=B2, eps=EPS)

    def step(params, state, grads):
        updates, state = opt.update(grads, state, params)
        return apply_updates(params, updates), state
    return opt, jit(step)


@contextlib.contextmanager
def _hfuse(mode):
    """Compile inside this block with horizontal fusion as the cost model decides ("auto"),
    off ("off"), or on for every group of two lanes or more ("forced")."""
    from funcgrad.interpreters import hfuse
    if mode == "auto":
        yield
    elif mode == "off":
        with mock.patch.object(hfuse, "MIN_LANES", 1 << 60):
            yield
    else:
        with mock.patch.object(hfuse, "MIN_LANES", 2), \
                mock.patch.object(hfuse, "_lane_pays", lambda *a: True), \
                mock.patch.object(hfuse, "_pays", lambda *a: True):
            yield


def hfuse_sweep(cases=((100, 16), (100, 256), (100, 1024), (100, 2048), (100, 4096),
                       (25, 4096), (20, 65536), (8, 64), (4, 64)), rounds=9):
    """Print the time of a jitted Adam step over n leaves of s float32 elements, fused (forced)
    and unfused, timed interleaved; the ratio is the fastest round of each."""
    import funcgrad as fg
    import funcgrad.numpy as fnp
    from funcgrad import optim

    for n, s in cases:
        rng = np.random.default_rng(0)
        params = {f"p{i:03d}": fnp.asarray(rng.standard_normal(s).astype(np.float32))
                  for i in range(n)}
        grads = {k: fnp.asarray(rng.standard_normal(s).astype(np.float32)) for k in params}
        carries = {}
        for mode in ("forced", "off"):
            opt, step = make_step(optim, fg.jit, optim.apply_updates)
            with _hfuse(mode):
                carries[mode] = (step, list(step(params, opt.init(params), grads)))
        reps = max(3, int(2e6 // (n * s + 20000)))
        best = {mode: float("inf") for mode in carries}
        for _ in range(rounds):
            for mode, (step, carry) in carries.items():
                t = time.perf_counter()
                for _ in range(reps):
                    carry[:] = step(carry[0], carry[1], grads)
                best[mode] = min(best[mode], (time.perf_counter() - t) / reps)
        print(f"n={n:4d} s={s:6d}: fused {best['forced'] * 1e6:8.0f} us  unfused "
              f"{best['off'] * 1e6:8.0f} us  ratio {best['forced'] / best['off']:.2f}")


def build(ctx):
    import funcgrad as fg
    import funcgrad.numpy as fnp
    from funcgrad import optim

    jax = ctx.jax
    try:
        import optax
    except ImportError:
        optax = None
    if jax is None or optax is None:
        ctx.notes.append("needs jax and optax (pip install -e '.[optax]')")
        return None

    params0, grads_np = make_tree(0), make_tree(1)
    f_opt, f_step = make_step(optim, fg.jit, optim.apply_updates)
    j_opt, j_step = make_step(optax, jax.jit, optax.apply_updates)
    f_grads = {k: fnp.asarray(v) for k, v in grads_np.items()}
    j_grads = {k: jax.numpy.asarray(v) for k, v in grads_np.items()}

    # correctness: three steps of each from the same parameters
    fp = {k: fnp.asarray(v) for k, v in params0.items()}
    jp = {k: jax.numpy.asarray(v) for k, v in params0.items()}
    fs, js, ref = f_opt.init(fp), j_opt.init(jp), NumpyAdam(params0)
    for _ in range(CHECK_STEPS):
        fp, fs = f_step(fp, fs, f_grads)
        jp, js = j_step(jp, js, j_grads)
        want = ref.step(grads_np)
    for k in params0:
        for name, got in (("funcgrad", fp[k]), ("optax", jp[k])):
            got = np.asarray(got)
            if got.dtype != np.float32 or not np.allclose(got, want[k], rtol=1e-5, atol=1e-7):
                raise BenchmarkCheckError(f"{name} adam differs from the numpy loop at leaf {k}")

    f_carry = [fp, fs]
    j_carry = [jp, js]
    np_ref = NumpyAdam(params0)
    _, plain_step = make_step(optim, fg.jit, optim.apply_updates)
    with _hfuse("off"):
        plain_carry = list(plain_step(fp, fs, f_grads))

    def funcgrad_call():
        f_carry[0], f_carry[1] = f_step(f_carry[0], f_carry[1], f_grads)

    def plain_call():
        plain_carry[0], plain_carry[1] = plain_step(plain_carry[0], plain_carry[1], f_grads)

    def optax_call():
        j_carry[0], j_carry[1] = j_step(j_carry[0], j_carry[1], j_grads)
        jax.block_until_ready(j_carry[0])

    return [
        Variant("optax adam (jax.jit)", optax_call, baseline=True, framework="jax",
                note="XLA-compiled, waited for"),
        Variant("funcgrad optim.adam (fg.jit)", funcgrad_call, vs="optax adam (jax.jit)",
                target=TARGET, framework="funcgrad", profile=True),
        Variant("numpy loop (hand-written)", lambda: np_ref.step(grads_np), baseline=True,
                framework="numpy"),
        Variant("funcgrad optim.adam vs numpy", funcgrad_call, vs="numpy loop (hand-written)",
                framework="funcgrad", note="reference only"),
        Variant("funcgrad, horizontal fusion off", plain_call, vs="numpy loop (hand-written)",
                framework="funcgrad", note="reference: the step unfused"),
    ]
