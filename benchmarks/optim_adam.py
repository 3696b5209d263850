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
"""
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

    def funcgrad_call():
        f_carry[0], f_carry[1] = f_step(f_carry[0], f_carry[1], f_grads)

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
    ]
