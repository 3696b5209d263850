"""Functional random numbers with explicit keys, as in JAX: the same key always gives the same
numbers, eagerly, under jit and under vmap, on any backend (the generator is integer arithmetic).

Keys are uint32[2] arrays. The bits come from Philox4x32-10, a counter-based generator: block i
of a key's stream is Philox(key, counter=i), so any part of the stream is computed directly.

>>> import funcgrad as fg
>>> key = fg.random.key(0)
>>> k1, k2 = fg.random.split(key)
>>> fg.random.uniform(k1, (2,)).shape
(2,)
"""
from __future__ import annotations

import math
from typing import Any, SupportsInt, cast

import numpy as np

from . import lax
from . import numpy as fnp
from ._core import backend
from ._core.array import Array
from ._core.avals import ShapedArray
from ._core.primitive import NO_ALGEBRA, PURE, RULE_FIRST, Primitive, def_nondiff
from ._core.trace import get_aval
from ._core.typing import ArrayLike, DTypeLike, Shape
from ._vmap import vmap
from .lax._batching import move_axis
from .lax._checks import normalize_axis
from .numpy._core import as_shape
from .scipy.special import ndtr, ndtri

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)
_LO = np.uint64(0xFFFFFFFF)


def _philox(k0, k1, c0, c1, c2, c3):
    """Philox4x32-10 on uint32 arrays (broadcasting): four uint32 words per counter."""
    for _ in range(10):
        p0 = _M0 * c0.astype(np.uint64)
        p1 = _M1 * c2.astype(np.uint64)
        c0, c1, c2, c3 = ((p1 >> np.uint64(32)).astype(np.uint32) ^ c1 ^ k0,
                          (p1 & _LO).astype(np.uint32),
                          (p0 >> np.uint64(32)).astype(np.uint32) ^ c3 ^ k1,
                          (p0 & _LO).astype(np.uint32))
        k0 = (k0 + _W0).astype(np.uint32)
        k1 = (k1 + _W1).astype(np.uint32)
    return c0, c1, c2, c3


def _bits_impl(keys, *, shape):
    """uint32 bits of `shape` for each key (keys: (..., 2) uint32)."""
    keys = backend.asarray(keys).astype(np.uint32, copy=False)
    n = math.prod(shape)
    blocks = -(-n // 4)
    ctr = backend.xp_of(keys).arange(blocks, dtype=np.uint64)
    lead = keys.shape[:-1]
    k0 = keys[..., 0].reshape(lead + (1,))
    k1 = keys[..., 1].reshape(lead + (1,))
    c0 = (ctr & _LO).astype(np.uint32)
    c1 = (ctr >> np.uint64(32)).astype(np.uint32)
    zero = np.zeros_like(c0)
    with np.errstate(over="ignore"):
        words = _philox(k0, k1, c0, c1, zero, zero)
    out = np.stack(words, axis=-1).reshape(lead + (blocks * 4,))[..., :n]
    return out.reshape(lead + tuple(shape))


random_bits_p = Primitive("random_bits")
random_bits_p.impl = _bits_impl


def _bits_abstract_eval(keys, *, shape):
    if keys.shape[-1:] != (2,) or keys.dtype != np.uint32:
        raise TypeError(f"a random key is a uint32[2] array (from fg.random.key(seed)); got "
                        f"{keys.str_short()}")
    return ShapedArray(keys.shape[:-1] + tuple(shape), np.uint32)


random_bits_p.abstract_eval = _bits_abstract_eval
def_nondiff(random_bits_p)


def _bits_batch(args, dims, *, shape):
    return random_bits_p.bind(move_axis(args[0], dims[0], 0), shape=shape), 0


random_bits_p.batch = _bits_batch
random_bits_p.declare(fresh=False, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                      **NO_ALGEBRA)


def _check_key(key: ArrayLike) -> Any:
    # not np.asarray(key, np.uint32): that cast wraps -1 and truncates 1.5 into a valid key
    key = key if hasattr(key, "aval") else Array(np.asarray(key))
    a = get_aval(key)
    if a.shape != (2,) or a.dtype != np.uint32:
        raise TypeError(f"expected a random key, a uint32[2] array from fg.random.key(seed), got "
                        f"{a.str_short()}. Make one with key = fg.random.key(0) and new ones "
                        "with fg.random.split(key).")
    return key


def _check_key_data(data: Any, caller: str) -> Any:
    """`data` if it is uint32 key data of shape (..., 2), else JAX's TypeError for invalid key
    data, before any value is converted (so a float or int64 array is never silently cast)."""
    if not all(hasattr(data, a) for a in ("ndim", "shape", "dtype")):
        raise TypeError(f"{caller}: invalid PRNG key data: expected key_data "
                        f"to have ndim, shape, and dtype attributes. Got {str(data)[:80]}. "
                        "Pass a uint32 array of shape (..., 2), e.g. fg.random.key_data(key)")
    if data.ndim < 1:
        raise TypeError(f"{caller}: invalid PRNG key data: expected "
                        f"key_data.ndim >= 1; got ndim={data.ndim}")
    if tuple(data.shape[-1:]) != (2,):
        raise TypeError(f"{caller}: invalid PRNG key data: expected "
                        f"key_data.shape to end with (2,); got shape={tuple(data.shape)}")
    if np.dtype(data.dtype) != np.uint32:
        raise TypeError(f"{caller}: invalid PRNG key data: expected "
                        f"key_data.dtype = uint32; got dtype={np.dtype(data.dtype)}")
    return data


def key_data(keys: ArrayLike) -> Array:
    """The raw uint32 data of `keys` (funcgrad's keys are that data already): shape (..., 2).
    Anything else raises TypeError, as JAX does.

    >>> key_data(key(3))
    Array([0, 3], dtype=uint32)
    """
    return fnp.asarray(_check_key_data(keys, "key_data"))


def wrap_key_data(key_bits_array: ArrayLike, *, impl: Any = None) -> Array:
    """Keys from raw uint32 data of shape (..., 2) (e.g. read back from a checkpoint), checked
    (shape, dtype) before use: a wrong shape or dtype raises TypeError, as JAX does. `impl`
    may only be None or "philox" (funcgrad's one generator).

    >>> wrap_key_data(np.array([0, 3], np.uint32))
    Array([0, 3], dtype=uint32)
    """
    if impl not in (None, "philox"):
        raise ValueError(f"wrap_key_data: impl={impl!r} is not funcgrad's key implementation; "
                         "pass impl=None (Philox4x32-10)")
    return fnp.asarray(_check_key_data(key_bits_array, "wrap_key_data"))


def bits(key: ArrayLike, shape: int | Shape = ()) -> Array:
    """Uniform random uint32 bits.

    >>> b = bits(key(0), (2, 3))
    >>> b.shape, b.dtype
    ((2, 3), dtype('uint32'))
    """
    return random_bits_p.bind(_check_key(key), shape=as_shape(shape))


def key(seed: SupportsInt) -> Array:
    """A key from an integer seed (64 bits are used).

    >>> key(1)
    Array([0, 1], dtype=uint32)
    """
    seed = int(seed) % (1 << 64)
    return Array(np.array([seed >> 32, seed & 0xFFFFFFFF], dtype=np.uint32))


PRNGKey = key


def split(key: ArrayLike, num: int = 2) -> Array:
    """`num` new, independent keys, stacked: keys[i] is the i-th.

    >>> split(PRNGKey(0), 3).shape
    (3, 2)
    """
    return fnp.reshape(bits(key, (num, 2)), (num, 2))


def fold_in(key: ArrayLike, data: SupportsInt) -> Array:
    """A new key from a key and an integer (e.g. a step number).

    >>> k = PRNGKey(0)
    >>> bool((fold_in(k, 1) == fold_in(k, 1)).all()), bool((fold_in(k, 1) == fold_in(k, 2)).all())
    (True, False)
    """
    key = _check_key(key)
    mixed = key ^ lax.convert_element_type(fnp.array([0, int(data) & 0xFFFFFFFF]), np.uint32)
    return bits(mixed, (2,))


def _float_bits(key: ArrayLike, shape: tuple[int, ...], dtype: DTypeLike) -> Array:
    """Floats in [0, 1) built from the top mantissa bits (exactly representable values)."""
    dtype = np.dtype(dtype)
    if dtype == np.float64:
        b = bits(key, shape + (2,))
        hi = lax.convert_element_type(b[..., 0] >> 11, np.float64)
        lo = lax.convert_element_type(b[..., 1] >> 11, np.float64)
        return (hi * float(2 ** 21) + lo) * float(2.0 ** -42)
    b = bits(key, shape)
    return lax.convert_element_type(lax.convert_element_type(b >> 8, np.float64)
                                    * float(2.0 ** -24), dtype)


def uniform(key: ArrayLike, shape: int | Shape = (), dtype: DTypeLike = np.float64,
            minval: ArrayLike = 0.0, maxval: ArrayLike = 1.0) -> Array:
    """Uniform samples in [minval, maxval).

    >>> u = uniform(PRNGKey(0), (1000,), minval=2.0, maxval=3.0)
    >>> bool((u >= 2).all() and (u < 3).all())
    True
    """
    shape = as_shape(shape)
    u = _float_bits(key, shape, dtype)
    # Python bounds stay weakly typed: the samples keep `dtype`.
    return lax.convert_element_type(lax.add(lax.mul(u, lax.sub(maxval, minval)), minval), dtype)


def normal(key: ArrayLike, shape: int | Shape = (), dtype: DTypeLike = np.float64) -> Array:
    """Standard normal samples (Box-Muller over pairs of uniforms).

    >>> normal(PRNGKey(0), (2,), fnp.float32).dtype
    dtype('float32')
    """
    shape = as_shape(shape)
    k1, k2 = split(key)
    u1 = lax.sub(1.0, _float_bits(k1, shape, dtype))  # in (0, 1]: log is finite
    u2 = _float_bits(k2, shape, dtype)
    return lax.mul(lax.sqrt(lax.mul(-2.0, lax.log(u1))), lax.cos(lax.mul(2 * math.pi, u2)))


def randint(key: ArrayLike, shape: int | Shape, minval: ArrayLike, maxval: ArrayLike,
            dtype: DTypeLike = np.int64) -> Array:
    """Integers uniform in [minval, maxval).

    >>> r = randint(PRNGKey(0), (100,), 3, 5)
    >>> sorted(set(r.tolist()))
    [3, 4]
    """
    shape = as_shape(shape)
    span = lax.sub(lax.convert_element_type(maxval, np.float64),
                   lax.convert_element_type(minval, np.float64))
    u = _float_bits(key, shape, np.float64)
    r = lax.floor(lax.mul(u, span))
    return lax.convert_element_type(lax.add(r, lax.convert_element_type(minval, np.float64)),
                                     dtype)


def bernoulli(key: ArrayLike, p: ArrayLike = 0.5, shape: int | Shape | None = None) -> Array:
    """True with probability p (shaped like p when p is an array and no shape is given).

    >>> bernoulli(PRNGKey(0), fnp.array([0.0, 1.0])).tolist()
    [False, True]
    """
    shape = get_aval(p).shape if shape is None and hasattr(p, "aval") else as_shape(shape or ())
    return lax.lt(uniform(key, shape), p)


def categorical(key: ArrayLike, logits: ArrayLike, axis: int = -1,
                shape: int | Shape | None = None) -> Array:
    """Samples from softmax(logits) along `axis` (the Gumbel-max trick).

    >>> int(categorical(PRNGKey(0), fnp.array([-1e9, 0.0, -1e9])))
    1
    """
    logits = fnp.asarray(logits)
    g = gumbel(key, get_aval(logits).shape)
    return fnp.argmax(lax.add(logits, g), axis=axis)


def gumbel(key: ArrayLike, shape: int | Shape = (), dtype: DTypeLike = np.float64) -> Array:
    """Standard Gumbel samples, -log(-log(u)).

    >>> gumbel(PRNGKey(0), (3,)).shape
    (3,)
    """
    u = lax.sub(1.0, _float_bits(key, as_shape(shape), dtype))
    return lax.neg(lax.log(lax.neg(lax.log(u))))


def permutation(key: ArrayLike, x: int | ArrayLike, axis: int = 0) -> Array:
    """A random permutation of range(x) (an int) or of x along `axis`.

    >>> sorted(permutation(PRNGKey(0), 5).tolist())
    [0, 1, 2, 3, 4]
    """
    if isinstance(x, int) or np.ndim(x) == 0 and not hasattr(x, "aval"):
        n = int(cast(SupportsInt, x))
        return lax.argsort(bits(key, (n,)), 0)
    x = fnp.asarray(x)
    axis = normalize_axis("permutation", axis, get_aval(x).ndim)
    n = get_aval(x).shape[axis]
    perm = lax.argsort(bits(key, (n,)), 0)
    return fnp.take_along_axis(x, fnp.reshape(perm, [-1 if i == axis % x.ndim else 1
                                                      for i in range(x.ndim)])
                               * fnp.ones_like(x, dtype=np.int64), axis) if x.ndim > 1 else \
        x[perm]


def choice(key: ArrayLike, a: int | ArrayLike, shape: int | Shape = (), replace: bool = True,
           p: ArrayLike | None = None) -> Array:
    """Samples from a (an int n means range(n)), with or without replacement, weighted by p.

    >>> sorted(choice(PRNGKey(0), 4, (4,), replace=False).tolist())
    [0, 1, 2, 3]
    >>> weighted = choice(PRNGKey(0), fnp.array([10, 20]), (5,), p=fnp.array([0.5, 0.5]))
    >>> set(weighted.tolist()) <= {10, 20}
    True
    """
    pool = fnp.arange(a) if isinstance(a, int) else fnp.asarray(a)
    if get_aval(pool).ndim == 0:
        raise ValueError(f"choice: a must be an int or an array of at least one dimension, got "
                         f"a {get_aval(pool).dtype} scalar: pass int(a) to sample range(a)")
    n = get_aval(pool).shape[0]
    shape = as_shape(shape)
    size = math.prod(shape)
    if replace:
        if p is None:
            idx = randint(key, shape, 0, n)
        else:
            logits = fnp.log(fnp.asarray(p))
            keys = split(key, size)
            idx = fnp.reshape(vmap(lambda k: categorical(k, logits))(keys), shape)
    else:
        if size > n:
            raise ValueError(f"cannot take a larger sample ({size}) than the population ({n}) "
                             "without replacement")
        if p is None:
            idx = fnp.reshape(permutation(key, n)[:size], shape)
        else:  # Gumbel top-k: weighted sampling without replacement
            g = lax.add(fnp.log(fnp.asarray(p)), gumbel(key, (n,)))
            idx = fnp.reshape(lax.argsort(g, 0, descending=True)[:size], shape)
    return pool[idx]


def truncated_normal(key: ArrayLike, lower: ArrayLike, upper: ArrayLike,
                     shape: int | Shape = (), dtype: DTypeLike = np.float64) -> Array:
    """Normal samples conditioned on [lower, upper] (inverse CDF through erf).

    >>> t = truncated_normal(PRNGKey(0), -0.5, 0.5, (100,))
    >>> bool((fnp.abs(t) <= 0.5).all())
    True
    """
    shape = as_shape(shape)
    a, b = ndtr(lower), ndtr(upper)
    u = uniform(key, shape, dtype, a, b)
    return fnp.clip(ndtri(u), lower, upper)


def exponential(key: ArrayLike, shape: int | Shape = (), dtype: DTypeLike = np.float64) -> Array:
    """Exponential(1) samples, -log(1 - u).

    >>> bool((exponential(PRNGKey(0), (100,)) >= 0).all())
    True
    """
    return lax.neg(lax.log1p(lax.neg(uniform(key, shape, dtype))))


def gamma(key: ArrayLike, a: ArrayLike, shape: int | Shape | None = None,
          dtype: DTypeLike = np.float64) -> Array:
    """Gamma(a, 1) samples: Marsaglia and Tsang's method, with a fixed number of proposal rounds
    evaluated at once (so it runs under jit and vmap); the chance that all rounds reject is below
    1e-20 for every a. For a < 1, Gamma(a + 1) * U**(1/a).

    >>> gamma(PRNGKey(0), fnp.array([0.5, 2.0])).shape
    (2,)
    """
    a = fnp.asarray(a, dtype=dtype)
    shape = get_aval(a).shape if shape is None else as_shape(shape)
    a = fnp.broadcast_to(a, shape)
    rounds = 16
    k_norm, k_unif, k_boost = split(key, 3)
    boost = lax.lt(a, 1.0)
    alpha = lax.select(boost, lax.add(a, 1.0), a)
    d = lax.sub(alpha, 1.0 / 3.0)
    c = lax.rsqrt(lax.mul(9.0, d))
    x = normal(k_norm, (rounds,) + shape, dtype)
    u = lax.sub(1.0, uniform(k_unif, (rounds,) + shape, dtype))
    v = lax.integer_pow(lax.add(1.0, lax.mul(c, x)), 3)
    safe_v = lax.select(lax.gt(v, 0), v, 1.0)
    accept = lax.bitwise_and(lax.gt(v, 0), lax.lt(lax.log(u), lax.add(
        lax.mul(0.5, lax.mul(x, x)), lax.mul(d, lax.add(lax.sub(1.0, safe_v), lax.log(safe_v))))))
    first = fnp.argmax(accept, axis=0)
    sample = fnp.squeeze(fnp.take_along_axis(lax.mul(d, safe_v), fnp.expand_dims(first, 0), 0),
                         0)
    ub = uniform(k_boost, shape, dtype)
    scale = lax.select(boost, lax.pow(lax.sub(1.0, ub), lax.div(1.0, a)), 1.0)
    return lax.mul(sample, scale)


def beta(key: ArrayLike, a: ArrayLike, b: ArrayLike, shape: int | Shape | None = None,
         dtype: DTypeLike = np.float64) -> Array:
    """Beta(a, b) samples, as X / (X + Y) of two gammas.

    >>> x = beta(PRNGKey(0), 2.0, 3.0, (100,))
    >>> bool(((x > 0) & (x < 1)).all())
    True
    """
    ka, kb = split(key)
    x = gamma(ka, a, shape, dtype)
    y = gamma(kb, b, get_aval(x).shape, dtype)
    return lax.div(x, lax.add(x, y))


def dirichlet(key: ArrayLike, alpha: ArrayLike, shape: int | Shape | None = None,
              dtype: DTypeLike = np.float64) -> Array:
    """Dirichlet(alpha) samples (the last axis sums to 1): normalized gammas.

    >>> d = dirichlet(PRNGKey(0), fnp.array([1.0, 2.0, 3.0]), (4,))
    >>> d.shape, bool(fnp.allclose(d.sum(-1), 1.0))
    ((4, 3), True)
    """
    alpha = fnp.asarray(alpha, dtype=dtype)
    full = get_aval(alpha).shape if shape is None else as_shape(shape) + get_aval(alpha).shape[-1:]
    g = gamma(key, alpha, full, dtype)
    return lax.div(g, fnp.sum(g, axis=-1, keepdims=True))


__all__ = ["key", "PRNGKey", "key_data", "wrap_key_data", "split", "fold_in", "bits", "uniform", "normal", "randint",
           "bernoulli", "categorical", "gumbel", "permutation", "choice", "truncated_normal",
           "exponential", "gamma", "beta", "dirichlet"]
