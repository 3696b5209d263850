"""Randomness: torch.Generator, manual_seed / seed, the random factories (rand, randn, randint,
randperm and their _like versions, bernoulli, multinomial, normal) and the in-place samplers
(uniform_, normal_, random_, bernoulli_, exponential_, ...).

The engine is PyTorch's CPU mt19937 (funcgrad.torch._mt19937) and the samplers apply PyTorch's CPU
transforms, so torch.manual_seed(s) then rand/randn/randint/randperm/uniform_/normal_/random_ give
PyTorch CPU's numbers bit for bit (docs/torch.md lists what does not match yet); the state is
PyTorch's 5056 bytes (funcgrad.torch._rng_state).
As in PyTorch, each GPU has a default generator of its own, seeded by torch.manual_seed too; GPU
tensors' numbers are drawn on the host from it and copied over."""
from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np

from .. import numpy as fnp
from .._core import backend
from . import _dtypes as D
from . import _rng_state
from ._mt19937 import N as _N
from ._mt19937 import Engine
from ._size import as_device, get_default_device, require_cuda, storage_on
from ._size import check_size as _size
from ._size import device as torch_device
from ._dispatch import apply_op
from ._storage import host_values
from ._tensor import Tensor, _with_grad

_DEFAULT_SEED = 67280421310721


class Generator:
    """A random stream: torch.Generator(), .manual_seed(s), passed as generator= to samplers."""

    def __init__(self, device: torch_device | str | int = "cpu") -> None:
        self.device = as_device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from `seed`, a Python int in [-2**63, 2**64) (negative seeds wrap
        to 64 bits); other types raise what PyTorch's Generator raises (torch.manual_seed
        converts with int() first).

        >>> Generator().manual_seed(-1).initial_seed()
        18446744073709551615
        """
        if isinstance(seed, np.integer):
            raise TypeError("an integer is required")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        seed = int(seed)
        if not -0x8000_0000_0000_0000 <= seed <= 0xffff_ffff_ffff_ffff:
            raise ValueError("Overflow when unpacking long long")
        if not hasattr(self, "_rng"):
            self._rng = Engine(seed % (1 << 64))
        else:
            self._rng.seed(seed % (1 << 64))
        return self

    def seed(self) -> int:
        s = time.time_ns() % (1 << 63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._rng.initial_seed

    def get_state(self) -> Tensor:
        """The generator's state as a uint8 tensor in PyTorch's own layout (documented in
        funcgrad.torch._rng_state; never a pickle), for set_state here or in PyTorch.

        >>> g = Generator().manual_seed(3)
        >>> state = g.get_state()
        >>> state.dtype, state.shape
        (torch.uint8, torch.Size([5056]))
        """
        e = self._rng
        key, left, nxt = e.words()
        blob = _rng_state.pack_torch_cpu(seed=e.initial_seed, left=left, next=nxt, key=key,
                                         normal=e.next_double_normal,
                                         float_normal=e.next_float_normal)
        return Tensor._make(np.frombuffer(blob, np.uint8).copy())

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from get_state(). Its bytes are checked (length, magic, layout
        version, engine, field ranges) before anything changes: a bad state raises PyTorch's
        RuntimeError, a non-uint8 tensor its TypeError, and the generator stays as it was.

        >>> g = Generator()
        >>> state = g.get_state()
        >>> a = rand(2, generator=g)
        >>> bool((a == rand(2, generator=g.set_state(state))).all())
        True
        """
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        fields = _rng_state.unpack(_rng_state.check_bytes(host_values(new_state)))
        e = self._rng
        left, nxt = fields["left"], fields["next"]
        e.set_words(fields["key"], pos=_N + 1 - left, fresh_next=nxt if left == 1 else None)
        e.initial_seed = fields["seed"]
        e.next_double_normal, e.next_float_normal = fields["normal"], fields["float_normal"]
        return self

    def __repr__(self):
        return f"<torch.Generator object at {hex(id(self))}>"


default_generator = Generator()
_cuda_generators: dict[int, Generator] = {}  # GPU index -> its default generator, made on first use
_cuda_seed = _DEFAULT_SEED  # what a GPU's default generator starts from


def manual_seed(seed: int) -> Generator:
    seed = int(seed)                          # as PyTorch: any number, numeric string, tensor
    g = default_generator.manual_seed(seed)  # checks the range
    seed_cuda(seed)
    return g


def seed_cuda(seed):
    """torch.cuda.manual_seed_all: seed the GPUs' default generators (those made later too)."""
    global _cuda_seed
    _cuda_seed = int(seed)
    _cuda_pending.clear()  # a state restored before a GPU's generator existed is overridden
    for g in _cuda_generators.values():
        g.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    default_generator.set_state(new_state)


_cuda_pending: dict[int, Tensor] = {}  # GPU index -> a checked state set before its generator


def _cuda_generator(index):
    """GPU `index`'s default generator, made (from the GPUs' seed, then any state restored into
    it before it existed) on first use."""
    g = _cuda_generators.get(index)
    if g is None:
        g = _cuda_generators[index] = Generator(torch_device("cuda", index))
        g.manual_seed(_cuda_seed)
        pending = _cuda_pending.pop(index, None)
        if pending is not None:
            g.set_state(pending)
    return g


def _gen(generator, device=None):
    """The engine (funcgrad.torch._mt19937.Engine) behind `generator` (default: `device`'s,
    a torch.device, None for the default device's)."""
    device = device or get_default_device()
    if generator is None and device.type == "cuda":
        generator = _cuda_generator(device.index or 0)
    return (generator or default_generator)._rng


def _cuda_index(device):
    if isinstance(device, int) and not isinstance(device, bool):
        return device
    d = torch_device(device) if isinstance(device, str) else device
    if not isinstance(d, torch_device) or d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {device}")
    return d.index or 0


def cuda_get_rng_state(device: int | str | torch_device = "cuda") -> Tensor:
    """torch.cuda.get_rng_state: GPU `device`'s generator state (a CPU uint8 tensor in the
    layout of get_rng_state). PyTorch's AssertionError where there is no GPU.

    >>> try:
    ...     state = cuda_get_rng_state()
    ... except AssertionError:  # no GPU here
    ...     state = get_rng_state()
    >>> state.shape
    torch.Size([5056])
    """
    require_cuda()
    return _cuda_generator(_cuda_index(device)).get_state()


def cuda_set_rng_state(new_state: Tensor, device: int | str | torch_device = "cuda") -> None:
    """torch.cuda.set_rng_state: restore GPU `device`'s generator. The state is checked now;
    without a GPU it is kept for when the GPU's generator is made, as PyTorch defers it.

    >>> cuda_set_rng_state(get_rng_state())
    >>> _ = manual_seed(0)  # seeding overrides it again
    """
    index = _cuda_index(device)
    probe = Generator()
    probe.set_state(new_state)  # checks it (raises before anything is kept)
    if index in _cuda_generators:
        _cuda_generators[index].set_state(new_state)
    else:
        _cuda_pending[index] = probe.get_state()


def cuda_get_rng_state_all() -> list[Tensor]:
    """torch.cuda.get_rng_state_all: one state per GPU ([] where there is none).

    >>> len(cuda_get_rng_state_all()) == backend.cuda_device_count()
    True
    """
    return [cuda_get_rng_state(i) for i in range(backend.cuda_device_count())]


def cuda_set_rng_state_all(new_states: list[Tensor]) -> None:
    """torch.cuda.set_rng_state_all: restore GPU i's generator from new_states[i].

    >>> cuda_set_rng_state_all(cuda_get_rng_state_all())
    """
    for i, state in enumerate(new_states):
        cuda_set_rng_state(state, i)


def _float_dtype(dtype, kernel):
    dtype = dtype or D.get_default_dtype()
    D.check_float(kernel, dtype)
    return dtype


def _as_dtype(values, np_dtype):
    """Sampled values in the tensor's dtype, converted as PyTorch converts its samplers' double
    results: to a 16-bit float through float32 (c10::Half is made from a float), which at an
    exact tie of the two roundings gives another value than rounding once."""
    values = np.asarray(values)
    if np_dtype.kind == "f" and np_dtype.itemsize < 4 and values.dtype == np.float64:
        values = values.astype(np.float32)
    return values.astype(np_dtype, copy=False)


def _finish(values, dtype, requires_grad, device=None):
    t = Tensor._make(storage_on(_as_dtype(values, dtype.np), device))
    if requires_grad:
        return _with_grad(t)
    return t


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None,
         layout=None, pin_memory=False, **kwargs):
    device = as_device(device)
    dtype = _float_dtype(dtype, "check_uniform_bounds")
    return _finish(_gen(generator, device).random(_size(size, kwargs.pop("size", None)),
                                                  dtype.np), dtype, requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None,
          layout=None, pin_memory=False, **kwargs):
    device = as_device(device)
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    return _finish(_gen(generator, device).standard_normal(
        _size(size, kwargs.pop("size", None)), dtype.np), dtype, requires_grad, device)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    device = as_device(device)
    if isinstance(high, (tuple, list)) and size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() received an invalid combination of arguments - missing "
                        "required argument 'size'")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    dtype = dtype or D.int64
    return _finish(_gen(generator, device).integers(low, high, _size((size,))), dtype,
                   requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    device = as_device(device)
    (n,) = _size((n,))
    return _finish(_permutation(_gen(generator, device), n), dtype or D.int64,
                   requires_grad, device)


def _permutation(engine, n):
    """PyTorch's CPU randperm: a Fisher-Yates pass swapping i with i + word % (n - i), one 32-bit
    word per step below 2**32 / 20 elements; above, the inside-out shuffle with random64()."""
    if n < (1 << 32) // 20:
        perm = list(range(n))
        if n > 1:
            steps = (engine.words32(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
            for i, z in enumerate(steps):
                j = i + z
                perm[i], perm[j] = perm[j], perm[i]
        return np.array(perm, np.int64)
    perm = np.empty(n, np.int64)  # pragma: no cover (needs 2**28 elements)
    picks = (engine.words64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
    for i, z in enumerate(picks):
        perm[i] = perm[z]
        perm[z] = i
    return perm


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return rand(*input.shape, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return randn(*input.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype,
                   device=device or input.device)


def bernoulli(input, p=None, *, generator=None):
    probs = host_values(input) if p is None else np.full(tuple(input.shape), p)
    if probs.size and (probs.min() < 0 or probs.max() > 1):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    rng = _gen(generator, input.device)
    if p is not None:  # bernoulli(input, p): the scalar kernel
        return _finish(rng.bernoulli(probs.shape, float(p)), input.dtype, False, input.device)
    # a tensor of probabilities: one uniform per element, float64 ones for a float64 input
    u = rng.random(probs.shape, np.float64 if probs.dtype == np.float64 else np.float32)
    return _finish(u < probs, input.dtype, False, input.device)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    p = host_values(input).astype(np.float64)
    if p.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if (p < 0).any() or not np.isfinite(p).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if not replacement and num_samples > p.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    rows = p.reshape(-1, p.shape[-1])
    if (rows.sum(-1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _gen(generator, input.device)
    if replacement and num_samples > 1:
        # PyTorch's CPU kernel: per row, the cumulative sum added up in order in the input's
        # dtype (float32 for the 16-bit floats), divided by its last value, that last bucket set
        # to 1; then for each sample one float64 uniform and the first category whose
        # cumulative probability reaches it.
        work = np.float64 if input.dtype.np == np.float64 else np.float32
        out = np.stack([np.searchsorted(_cdf(r.astype(work)), rng.random((num_samples,)))
                        for r in host_values(input).reshape(rows.shape)])
    else:
        # Without replacement (and for one sample): PyTorch's exponential trick, the largest
        # p / q for q ~ Exp(1) drawn over the whole input.
        dt = input.dtype.np
        q = rows.astype(dt) / _exponential(rng, rows.shape, dt, 1.0)   # in the input's dtype
        out = np.argsort(-q, axis=-1, kind="stable")[:, :num_samples]
    return _finish(out.reshape(p.shape[:-1] + (num_samples,)), D.int64, False, input.device)


def _cdf(row: np.ndarray) -> np.ndarray:
    """The normalised cumulative distribution of one row, in the row's dtype: a running sum
    (np.cumsum adds in order), each value divided by the total, the last one exactly 1."""
    cum = np.cumsum(row)
    cum /= cum[-1]
    cum[-1] = 1
    return cum


def _exponential(rng, shape, dtype, lambd):
    """exponential_(lambd) on a tensor of `shape` and `dtype`."""
    return _as_dtype(rng.exponential(shape, lambd), np.dtype(dtype))


def _cauchy(rng, shape, median, sigma):
    """cauchy_(median, sigma): sigma * tan(pi * (u - 0.5)) + median per float64 uniform u, the C
    library's tan and one fused multiply-add, as PyTorch's kernel."""
    s, m = Fraction(sigma), Fraction(median)
    vals = [float(s * Fraction(math.tan(math.pi * (u - 0.5))) + m)
            for u in rng.random(shape).reshape(-1).tolist()]
    return np.array(vals, np.float64).reshape(shape)


def rrelu_noise(input: Tensor, lower: float, upper: float) -> np.ndarray:
    """rrelu's training slopes for `input`, drawn as PyTorch's kernel draws them: one float64
    uniform(lower, upper) per element <= 0, in order (the bounds rounded to the dtype, then
    u * (upper - lower) + lower without a fused multiply-add: PyTorch's rrelu is compiled outside
    its vectorized kernels); 1 elsewhere.

    >>> _ = manual_seed(0)
    >>> rrelu_noise(Tensor._make(np.array([1.0, -1.0], np.float32)), 0.1, 0.3)[0]
    np.float32(1.0)
    """
    nonpos = host_values(input) <= 0
    a = np.ones(nonpos.shape, input.dtype.np)
    u = _gen(None, input.device).unit(int(nonpos.sum()), np.dtype(np.float64))
    lo, hi = float(a.dtype.type(lower)), float(a.dtype.type(upper))   # bounds in the dtype first
    a[nonpos] = u * (hi - lo) + lo
    return a


def _log_normal(rng, shape, mean, std):
    """log_normal_(mean, std): exp of a serial float64 normal per element (the C library's exp,
    as PyTorch's kernel)."""
    n = int(np.prod(shape, dtype=np.int64))
    return np.array([math.exp(v) for v in rng.normal_serial(n, mean, std).tolist()],
                    np.float64).reshape(shape)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, out=None):
    device = next((t.device for t in (mean, std) if isinstance(t, Tensor)), None)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if np.any(np.asarray(backend.to_host(s)) < 0):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if size is not None:
        shape = _size((size,))
    else:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    dt = dtype or (mean.dtype if isinstance(mean, Tensor) else std.dtype if isinstance(
        std, Tensor) else D.get_default_dtype())
    rng = _gen(generator, device)
    # PyTorch's three forms: normal_(mean, std) for two numbers; normal_(0, std) then + mean for
    # a tensor mean and a number std; normal_(0, 1) * std + mean (two roundings) otherwise
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        return Tensor._make(storage_on(rng.standard_normal(shape, dt.np, m, s), device))
    if not isinstance(std, Tensor):
        noise = storage_on(rng.standard_normal(shape, dt.np, 0.0, s), device)
        return Tensor._make((noise + m).astype(dt.np))
    noise = storage_on(rng.standard_normal(shape, dt.np), device)
    return Tensor._make((noise * s + m).astype(dt.np))


def poisson(input, generator=None):
    lam = host_values(input)
    if lam.size and (np.isnan(lam).any() or lam.min() < 0):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    rng = _gen(generator, input.device)
    draws = [_poisson_one(rng, x) for x in lam.reshape(-1).astype(np.float64).tolist()]
    return _finish(np.array(draws, np.float64).reshape(lam.shape), input.dtype, False,
                   input.device)


def _poisson_one(rng, lam: float) -> int:
    """One Poisson(lam) draw as PyTorch's CPU sampler makes it, from float64 uniforms of `rng`:
    below 10, Knuth's product of uniforms (count them until the product falls to exp(-lam));
    from 10, Hormann's transformed rejection (PTRS, 1993), two uniforms per try."""
    if lam == 0:
        return 0
    if lam < 10:
        limit, prod, k = math.exp(-lam), 1.0, 0
        while True:
            prod *= rng.unit(1, _F64)[0]
            if prod <= limit:
                return k
            k += 1
    root, log_lam = math.sqrt(lam), math.log(lam)
    b = 0.931 + 2.53 * root
    a = -0.059 + 0.02483 * b
    log_inv_alpha = math.log(1.1239 + 1.1328 / (b - 3.4))
    v_r = 0.9277 - 3.6224 / (b - 2)
    while True:
        u, v = rng.unit(2, _F64).tolist()
        u -= 0.5
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= v_r:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + log_inv_alpha - math.log(a / (us * us) + b) <= \
                -lam + k * log_lam - math.lgamma(k + 1.0):
            return k


_F64 = np.dtype(np.float64)


# ---- in-place samplers (Tensor methods) ---------------------------------------------------------

def _fill_random(t, values, name):
    """Write sampled values into t (no gradient flows through them; recorded as `name` when t is
    part of a graph, as PyTorch records UniformBackward0 / NormalBackward0)."""
    v = _as_dtype(values, t.dtype.np)
    if t._tracking():
        return t._inplace(lambda x: apply_op(name, lambda _: fnp.asarray(v), [x], saves=False))
    t._check_inplace()
    t._data[...] = storage_on(v, t.device)
    t._bump()
    return t


def uniform_(t, a=0.0, b=1.0, *, generator=None):
    _float_dtype(t.dtype, "check_uniform_bounds")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > "
                           f"to={b}")
    rng = _gen(generator, t.device)
    return _fill_random(t, rng.random(tuple(t.shape), t.dtype.np, a, b), "UniformBackward0")


def normal_(t, mean=0.0, std=1.0, *, generator=None):
    _float_dtype(t.dtype, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    rng = _gen(generator, t.device)
    return _fill_random(t, rng.standard_normal(tuple(t.shape), t.dtype.np, mean, std),
                        "NormalBackward0")


def random_(t, low=None, high=None, *, generator=None):
    rng = _gen(generator, t.device)
    if low is None:  # the dtype's whole range: PyTorch's uniform_int
        # floats: the integers up to 2**(mantissa bits + 1), all exact in the dtype
        span = (2 ** (np.finfo(t.dtype.np).nmant + 1) + 1 if t.dtype.is_floating_point else
                int(np.iinfo(t.dtype.np).max) + 1 if t.dtype is not D.bool else 2)
        wide = t.dtype in (D.int64, D.float64)   # random64() for these, random() for the rest
        n = int(np.prod(tuple(t.shape), dtype=np.int64))
        words = rng.words64(n) if wide else rng.words32(n)
        vals = (words % np.uint64(span)).astype(np.int64).reshape(tuple(t.shape))
        return _fill_random(t, vals, "RandomBackward0")
    lo, hi = (0, low) if high is None else (low, high)
    return _fill_random(t, rng.integers(lo, hi, tuple(t.shape)), "RandomBackward0")


def bernoulli_(t, p=0.5, *, generator=None):
    rng = _gen(generator, t.device)
    if not isinstance(p, Tensor):
        return _fill_random(t, rng.bernoulli(tuple(t.shape), float(p)), "BernoulliBackward0")
    probs = np.broadcast_to(host_values(p), tuple(t.shape))
    # a tensor p: one uniform per element, float64 ones for a float64 p (PyTorch's kernel)
    u = rng.random(probs.shape, np.float64 if probs.dtype == np.float64 else np.float32)
    return _fill_random(t, u < probs, "BernoulliBackward0")


def exponential_(t, lambd=1.0, *, generator=None):
    rng = _gen(generator, t.device)
    return _fill_random(t, _exponential(rng, tuple(t.shape), t.dtype.np, lambd),
                        "ExponentialBackward0")


def geometric_(t, p, *, generator=None):
    rng = _gen(generator, t.device)
    draws = np.ceil(np.log(rng.random(tuple(t.shape))) / np.log1p(-p))
    return _fill_random(t, draws, "GeometricBackward0")


def cauchy_(t, median=0.0, sigma=1.0, *, generator=None):
    rng = _gen(generator, t.device)
    return _fill_random(t, _cauchy(rng, tuple(t.shape), median, sigma), "CauchyBackward0")


def log_normal_(t, mean=1.0, std=2.0, *, generator=None):
    rng = _gen(generator, t.device)
    return _fill_random(t, _log_normal(rng, tuple(t.shape), mean, std), "LogNormalBackward0")
