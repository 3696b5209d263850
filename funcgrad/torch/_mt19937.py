"""PyTorch's CPU random engine: mt19937 seeded from the low 32 bits of a 64-bit seed, read as
PyTorch reads it (one 32-bit word for `random()`, two words, the first high, for `random64()`),
with PyTorch's cached second normal sample, and its state as PyTorch's 5056-byte
CPUGeneratorImplState (see funcgrad.torch._rng_state).

The mt19937 recurrence itself runs in numpy's `MT19937` bit generator (the same algorithm as
PyTorch's engine, in C: a block of 624 words per regeneration), fed the key that PyTorch's
seeding makes; only the raw words are taken from it, every transform to numbers is here and in
funcgrad.torch._random.

>>> e = Engine(42)
>>> [int(w) for w in e.words32(2)]
[1608637542, 3421126067]
"""
from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["Engine", "N", "seed_key"]

N = 624                      # mt19937's state words
_SEED_MULT = 1812433253      # mt19937's seeding multiplier
_U32 = 0xffff_ffff
_CHUNK = 1 << 16             # normals made per pass of the vector Box-Muller (a multiple of 16)


def seed_key(seed: int) -> np.ndarray:
    """The 624-word mt19937 key PyTorch's seeding makes from `seed` (its low 32 bits).

    >>> [int(w) for w in seed_key(0)[:3]]
    [0, 1, 1812433255]
    """
    key = [seed & _U32]
    for j in range(1, N):
        prev = key[-1]
        key.append((_SEED_MULT * (prev ^ (prev >> 30)) + j) & _U32)
    return np.array(key, np.uint32)


class Engine:
    """One mt19937 stream with PyTorch's extras: the initial seed and the cached normal samples.

    `pos` is the index of the next word of the current block (624: a new block is made at the
    next draw); `next_index` is the value PyTorch's state shows for it before the first draw after
    seeding (PyTorch keeps 0 there until it makes the first block).

    >>> e = Engine(0)
    >>> float(e.unit(1, np.dtype(np.float32))[0])
    0.49625658988952637
    """

    def __init__(self, seed: int) -> None:
        self._bits = np.random.MT19937(0)
        self._ints = np.random.Generator(self._bits)   # its full-range uint32 draws: raw words
        self.seed(seed)

    def seed(self, seed: int) -> None:
        """Restart from `seed` (an int in [0, 2**64)), as PyTorch's manual_seed does."""
        self.initial_seed = seed
        self.set_words(seed_key(seed), pos=N, fresh_next=0)
        self.next_double_normal: float | None = None
        self.next_float_normal: float | None = None

    def set_words(self, key: np.ndarray, pos: int, fresh_next: int | None = None) -> None:
        """Set the mt19937 block `key` and the next word's index `pos` (N: regenerate first);
        `fresh_next` is the index PyTorch shows while pos is N and no word was drawn yet."""
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": np.asarray(key, np.uint32), "pos": int(pos)}}
        self._fresh_next = fresh_next

    def words(self) -> tuple[np.ndarray, int, int]:
        """(key, left, next): the block and PyTorch's `left_`/`next_` counters."""
        st = self._bits.state["state"]
        pos = int(st["pos"])
        nxt = self._fresh_next if (pos == N and self._fresh_next is not None) else pos
        return np.asarray(st["key"], np.uint32), N + 1 - pos, nxt

    def words32(self, n: int) -> np.ndarray:
        """The next `n` 32-bit words (PyTorch's `random()`), as uint64."""
        self._fresh_next = None
        return self._bits.random_raw(n)

    def words64(self, n: int) -> np.ndarray:
        """The next `n` 64-bit numbers (PyTorch's `random64()`: two words, the first high)."""
        w = self.words32(2 * n).reshape(n, 2) if n else np.zeros((0, 2), np.uint64)
        return (w[:, 0] << np.uint64(32)) | w[:, 1]

    def unit(self, n: int, dtype: np.dtype) -> np.ndarray:
        """`n` floats in [0, 1) of `dtype` as PyTorch's uniform_real_distribution makes them:
        24 bits of a 32-bit word for float32 (and smaller floats), 53 bits of random64() for
        float64."""
        if dtype == np.float64:
            return (self.words64(n) & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
        self._fresh_next = None
        words = self._ints.integers(0, 1 << 32, size=n, dtype=np.uint32)   # == words32(n)
        words &= np.uint32((1 << 24) - 1)
        out = words.astype(np.float32)
        out *= np.float32(2.0 ** -24)
        return out

    def normal_serial(self, n: int, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
        """`n` float64 normals from PyTorch's serial normal_distribution<double>, each
        value * std + mean as one fused multiply-add (exact, then rounded once)."""
        m, s = Fraction(mean), Fraction(std)
        return np.array([float(Fraction(self.normal_scalar()) * s + m) for _ in range(n)],
                        np.float64)

    def normal_scalar(self) -> float:
        """One standard normal, as PyTorch's serial normal_distribution<double>: Box-Muller on
        two float64 uniforms, the second sample cached for the next call."""
        if self.next_double_normal is not None:
            value, self.next_double_normal = self.next_double_normal, None
            return value
        u1, u2 = self.unit(2, np.dtype(np.float64)).tolist()
        r = math.sqrt(-2.0 * math.log1p(-u2))   # the C library's functions, as PyTorch's
        theta = 2.0 * math.pi * u1
        self.next_double_normal = r * math.sin(theta)
        return r * math.cos(theta)

    # ---- PyTorch's transforms, each for a whole contiguous tensor of `shape` -------------------

    def random(self, shape: tuple[int, ...] = (), dtype: np.dtype | type = np.float64,
               low: float = 0.0, high: float = 1.0) -> np.ndarray:
        """uniform_(low, high) on a tensor of `shape` and `dtype`: one uniform per element,
        scaled as PyTorch's uniform_real does (x * (high - low) + low, high and low in `dtype`)."""
        dt = np.dtype(dtype)
        n = int(np.prod(shape, dtype=np.int64))
        work = np.float64 if dt == np.float64 else np.float32
        x = self.unit(n, np.dtype(work))
        lo, hi = work(low), work(high)
        if (lo, hi) != (0, 1):
            # PyTorch's x * (hi - lo) + lo is one fused multiply-add: for float32 the product is
            # exact in float64, so float64 arithmetic rounds once as the fma does.
            x = _fma64(x, float(hi - lo), float(lo)).astype(work)
        out = x.reshape(shape).astype(dt, copy=False)
        # as PyTorch: a value that rounds up to `high` in the dtype becomes `low`, so [low, high)
        out[out == dt.type(high)] = dt.type(low)
        return out

    def uniform(self, low: float, high: float, shape: tuple[int, ...],
                dtype: np.dtype | type = np.float64) -> np.ndarray:
        """random() under numpy's argument order (low, high, shape)."""
        return self.random(tuple(shape), dtype, low, high)

    def standard_normal(self, shape: tuple[int, ...] = (), dtype: np.dtype | type = np.float64,
                        mean: float = 0.0, std: float = 1.0) -> np.ndarray:
        """normal_(mean, std) on a contiguous tensor of `shape` and `dtype`: PyTorch's serial
        Box-Muller with the cached sample below 16 elements, its 16-wide fill from 16 elements
        on (uniforms for all, then the last 16 redrawn when the size is not a multiple of 16).
        A 16-bit float tensor takes the float32 fill block by block (16 uniforms drawn per
        block, so the n % 16 uniforms of an incomplete block are not drawn), rounded once."""
        dt = np.dtype(dtype)
        n = int(np.prod(shape, dtype=np.int64))
        if n < 16:   # doubles, to a 16-bit float through float32 as PyTorch's c10::Half
            serial = self.normal_serial(n, mean, std).reshape(shape)
            return (serial.astype(np.float32) if dt.itemsize < 4 else serial).astype(dt)
        work = np.dtype(np.float64 if dt == np.float64 else np.float32)
        u = self.unit(n - n % 16 if dt.itemsize < 4 else n, work)
        out = np.empty(n, work)
        body = n - n % 16
        for start in range(0, body, _CHUNK):   # chunks that stay in the CPU's cache
            stop = min(start + _CHUNK, body)
            out[start:stop] = _fill16(u[start:stop], work, mean, std)
        if n % 16:
            out[body:] = u[body:] if len(u) == n else 0
            out[n - 16:] = _fill16(self.unit(16, work), work, mean, std)
        return out.reshape(shape).astype(dt, copy=False)

    def exponential(self, shape: tuple[int, ...], lambd: float) -> np.ndarray:
        """exponential_(lambd) as float64: -1 / lambd * log1p(-u) of a float64 uniform per
        element, log1p the C library's (called per element: its log1p is not correctly rounded,
        so no vector formula reproduces it)."""
        n = int(np.prod(shape, dtype=np.int64))
        u = self.unit(n, np.dtype(np.float64)).tolist()
        scale = -1.0 / lambd
        return np.array([scale * math.log1p(-x) for x in u], np.float64).reshape(shape)

    def int64(self) -> int:
        """torch.empty((), dtype=torch.int64).random_(): random64() % 2**63, the draw PyTorch's
        samplers and DataLoader seed themselves from."""
        return int(self.words64(1)[0] % np.uint64(1 << 63))

    def bernoulli(self, shape: tuple[int, ...], p: float) -> np.ndarray:
        """bernoulli_(p) with a scalar p: a float64 uniform below p per element (PyTorch's
        kernel off Intel CPUs; on Intel ones PyTorch uses MKL's stream instead)."""
        n = int(np.prod(shape, dtype=np.int64))
        return (self.unit(n, np.dtype(np.float64)) < p).reshape(shape)

    def integers(self, low: int, high: int, size: tuple[int, ...] | int | None = None
                 ) -> np.ndarray | int:
        """random_(low, high): (word % range) + low, with a 32-bit word for a range below 2**28
        and random64() from there, as PyTorch's random_from_to."""
        shape = () if size is None else (size,) if isinstance(size, int) else tuple(size)
        n = int(np.prod(shape, dtype=np.int64))
        span = int(high) - int(low)
        w = self.words32(n) if span < 1 << 28 else self.words64(n)
        out = ((w % np.uint64(span)).astype(np.int64) + np.int64(low)).reshape(shape)
        return int(out) if size is None else out


def _fill16(u: np.ndarray, work: np.dtype, mean: float, std: float) -> np.ndarray:
    """PyTorch's normal_fill_16 on each consecutive 16 uniforms: Box-Muller of (1 - u[j],
    u[j + 8]) into cos (first 8) and sin (last 8), then * std + mean, in `work` precision.
    float64 follows the C library's log/cos/sin exactly (computed in extended precision, the
    few results near a rounding boundary redone with Python's math); float32 follows the AVX2
    kernel PyTorch runs on x86: Cephes-style float32 log and sincos polynomials, with the
    multiply-adds its compiler fuses."""
    blocks = u.reshape(-1, 2, 8)
    u1, u2 = work.type(1) - blocks[:, 0], blocks[:, 1]
    if work == np.float64:
        radius = np.sqrt(-2.0 * _libm(np.log, math.log, u1))
        theta = 2.0 * np.pi * u2
        cos, sin = _libm(np.cos, math.cos, theta), _libm(np.sin, math.sin, theta)
    else:  # PyTorch's AVX2 kernel (x86 CPUs): vector log and sincos, fused multiply-adds
        radius = np.sqrt(np.float32(-2.0) * _log_f32(u1))
        sin, cos = _sincos_f32(np.float32(2.0 * np.pi) * u2)
        m, s = np.float32(mean), np.float32(std)
        n1, n2 = radius * cos, radius * sin
        if (m, s) != (0, 1):
            n1, n2 = _fma(n1, s, m), _fma(n2, s, m)
        return np.stack([n1, n2], 1).reshape(-1)
    return np.stack([_fma64(radius * cos, std, mean), _fma64(radius * sin, std, mean)],
                    1).reshape(-1)


def _libm(fn: Callable[[np.ndarray], np.ndarray], exact: Callable[[float], float],
          x: np.ndarray) -> np.ndarray:
    """fn(x) in float64 as the C library rounds it: computed in extended precision and rounded,
    the results within a few hundredths of an ulp of a rounding boundary recomputed by `exact`."""
    wide = fn(x.astype(np.longdouble))
    y = wide.astype(np.float64)
    near = np.abs(wide - y) > 0.45 * np.spacing(np.abs(y)).astype(np.longdouble)
    flat, where = y.reshape(-1), np.flatnonzero(near)
    src = x.reshape(-1)
    flat[where] = [exact(float(v)) for v in src[where]]
    return y


_F32 = np.float32


def _split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float64 x as hi + lo, each with at most 26 significant bits (Veltkamp's split)."""
    t = x * 134217729.0   # 2**27 + 1
    hi = t - (t - x)
    return hi, x - hi


def _fma64(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """float64 a * b + c rounded once (a fused multiply-add), from the exact product's two
    halves (Dekker) and an exact sum (Knuth); b == 1 and c == 0 need no work."""
    if b == 1.0 and c == 0.0:
        return a
    p = a * b
    (ah, al), (bh, bl) = _split(a), _split(np.float64(b))
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl   # a * b == p + err exactly
    s = p + c
    z = s - p
    tail = (p - (s - z)) + (c - z)                         # p + c == s + tail exactly
    return s + (tail + err)


def _fma(a: np.ndarray, b: Any, c: Any) -> np.ndarray:
    """float32 a * b + c rounded once, as a fused multiply-add: the product of two float32s is
    exact in float64, so only the sum rounds (then to float32)."""
    t = a.astype(np.float64)
    t *= b
    t += c
    return t.astype(_F32)


_LOG_POLY = (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
             1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
             3.3333331174e-1)   # Cephes logf's polynomial, highest power first


def _log_f32(x: np.ndarray) -> np.ndarray:
    """Natural log of positive float32 `x` as PyTorch's AVX2 normal kernel computes it: split
    x = m * 2**e with m in [sqrt(1/2), sqrt(2)), a degree-9 polynomial in m - 1, and ln 2 added
    in two parts."""
    bits = np.maximum(x, _F32(1.17549435e-38)).view(np.uint32)
    e = ((bits >> np.uint32(23)).astype(np.int32) - 126).astype(_F32)
    m = ((bits & np.uint32(0x807fffff)) | np.uint32(0x3f000000)).view(_F32)   # in [0.5, 1)
    small = m < _F32(0.707106781186547524)
    e = e - small.astype(_F32)
    f = (m - _F32(1)) + np.where(small, m, _F32(0))   # m - 1, or 2m - 1 below sqrt(1/2)
    z = f * f
    y = _fma(f, _F32(_LOG_POLY[0]), _F32(_LOG_POLY[1]))
    for coef in _LOG_POLY[2:]:
        y = _fma(y, f, _F32(coef))
    y = _fma(y * f, z, e * _F32(-2.12194440e-4))
    # the two fused multiply-adds left have exact products (by 1/2, and of a small integer by
    # 355/512), so plain float32 additions round them the same way
    y = y - z * _F32(0.5)
    return (f + y) + e * _F32(0.693359375)


def _sincos_f32(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sin, cos) of float32 `x` as PyTorch's AVX2 normal kernel computes them: reduce by
    multiples of pi/4 (pi/4 split in three parts), then Cephes' float32 sin and cos polynomials,
    picked and signed by the octant."""
    a = np.abs(x)
    octant = ((a * _F32(1.27323954473516)).astype(np.int32) + 1) & ~1
    k = octant.astype(_F32)
    # the first two parts of pi/4 have few bits: their products with the octant are exact
    a = a + k * _F32(-0.78515625)
    a = a + k * _F32(-2.4187564849853515625e-4)
    a = _fma(k, _F32(-3.77489497744594108e-8), a)
    z = a * a
    c = _fma(_fma(z, _F32(2.443315711809948e-5), _F32(-1.388731625493765e-3)),
             z, _F32(4.166664568298827e-2))
    c = _fma(c * z, z, -(z * _F32(0.5))) + _F32(1)
    s = _fma(_fma(z, _F32(-1.9515295891e-4), _F32(8.3321608736e-3)),
             z, _F32(-1.6666654611e-1))
    s = _fma(s * z, a, a)
    first = (octant & 2) == 0
    sin, cos = np.where(first, s, c), np.where(first, c, s)
    # the signs, as bit flips: sin's by the octant's bit 2 and x's sign, cos's by (octant - 2)'s
    sign = np.uint32(1 << 31)
    sin.view(np.uint32)[...] ^= ((octant & 4).view(np.uint32) << np.uint32(29)) ^ \
        (x.view(np.uint32) & sign)
    cos.view(np.uint32)[...] ^= (~(octant - 2) & 4).view(np.uint32) << np.uint32(29)
    return sin, cos
