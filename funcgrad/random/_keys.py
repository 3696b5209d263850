"""Keys as JAX has them: typed keys (`key(0)`, dtype `key<fry>`) and raw uint32[2] keys
(`PRNGKey(0)`), their data, splitting and folding, and the raw bits of a draw.

A typed key array is a pytree whose one leaf is its uint32 data of shape (*key_shape, 2), so it
passes through jit, vmap and grad as that data does.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence, SupportsInt

import numpy as np

from .. import lax as _lax
from .. import numpy as fnp
from .. import tree as _tree
from .._core import consumed
from .._core.array import Array
from .._core.config import config
from .._core.trace import get_aval
from .._core.typing import ArrayLike, DTypeLike, Shape
from ..lax import random_bits as _rb
from ..numpy._core import as_shape

IMPL_NAME = "threefry2x32"


class KeyDType:
    """The dtype of typed keys, printed as JAX prints it: `key<fry>`.

    >>> key(0).dtype
    key<fry>
    """
    name = "key<fry>"
    itemsize = 8

    def __repr__(self) -> str:
        return self.name

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeyDType) or other == self.name

    def __hash__(self) -> int:
        return hash(self.name)


KEY_DTYPE = KeyDType()


class PRNGKeyArray:
    """An array of typed keys: its shape is the key array's, its data `key_data(keys)` has a
    trailing axis of 2 more. Indexing, iteration, reshape and == act on keys.

    >>> keys = split(key(0), 3)
    >>> keys.shape, keys[1:].shape, len(list(keys))
    ((3,), (2,), 3)
    """
    __slots__ = ("_base",)

    def __init__(self, base: Any) -> None:
        self._base = base  # unchecked: pytree machinery rebuilds keys from placeholder leaves

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(get_aval(self._base).shape[:-1])

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def dtype(self) -> KeyDType:
        return KEY_DTYPE

    @property
    def device(self) -> Any:
        return self._base.device

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object: a single key (shape ()) has no length")
        return self.shape[0]

    def __iter__(self) -> Iterator["PRNGKeyArray"]:
        if not self.shape:
            raise TypeError("iteration over a 0-d key array: split it first, "
                            "k1, k2 = fg.random.split(key)")
        return (self[i] for i in range(self.shape[0]))

    def __getitem__(self, idx: Any) -> "PRNGKeyArray":
        idx = idx if isinstance(idx, tuple) else (idx,)
        out = PRNGKeyArray(self._base[idx + (slice(None),)])
        if config.debug_key_reuse:  # keys[i] is consumed with that key of `keys`
            consumed.share(out._base, self._base, idx)
        return out

    def reshape(self, *shape: Any) -> "PRNGKeyArray":
        shape = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return PRNGKeyArray(fnp.reshape(self._base, tuple(shape) + (2,)))

    def ravel(self) -> "PRNGKeyArray":
        return self.reshape(-1)

    flatten = ravel

    def __eq__(self, other: object) -> Any:
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        return fnp.all(fnp.equal(self._base, other._base), axis=-1)

    def __ne__(self, other: object) -> Any:
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        return fnp.any(fnp.not_equal(self._base, other._base), axis=-1)

    __hash__ = None  # type: ignore[assignment]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError("a typed key array cannot be converted to a numpy array: take its data "
                        "with fg.random.key_data(keys)")

    def __repr__(self) -> str:
        if not isinstance(self._base, Array):
            return f"Traced<{KEY_DTYPE}{list(self.shape)}>"
        return (f"Array({self.shape}, dtype={KEY_DTYPE}) overlaying:\n"
                f"{np.asarray(self._base)}")

    __str__ = __repr__


_tree.register_pytree_node(PRNGKeyArray, lambda k: ((k._base,), None),
                           lambda _, children: PRNGKeyArray(list(children)[0]))


# ---- dtypes of the current mode -----------------------------------------------------------------

def default_float() -> np.dtype:
    """The float dtype a sampler returns without `dtype` (float64, or float32 in JAX's mode)."""
    return np.dtype(get_aval(fnp.asarray(0.0)).dtype)


def default_int() -> np.dtype:
    return np.dtype(get_aval(fnp.asarray(0)).dtype)


def canonical_dtype(dtype: DTypeLike | None, default: np.dtype) -> np.dtype:
    """A user's dtype as this mode has it: 64-bit types become 32-bit ones when the mode's
    defaults are 32-bit, as JAX canonicalizes them with x64 off."""
    dt = default if dtype is None else np.dtype(dtype)
    if default.itemsize == 4 and dt.itemsize == 8 and dt.kind in "fiu":
        dt = np.dtype(f"{dt.kind}4")
    return dt


def check_shape(shape: Any, who: str) -> tuple[int, ...]:
    """A shape argument: a sequence of non-negative ints (or one int, as JAX accepts)."""
    return as_shape(shape, who)


# ---- keys in, keys out ---------------------------------------------------------------------------

def _check_key_data(data: Any, who: str) -> Any:
    """`data` as an array if it is uint32 key data of shape (..., 2), else JAX's TypeError for
    invalid key data, before any value is converted (a float or int64 array is never cast)."""
    if not all(hasattr(data, a) for a in ("ndim", "shape", "dtype")):
        raise TypeError(f"{who}: invalid PRNG key data: expected key_data to have ndim, shape, "
                        f"and dtype attributes. Got {str(data)[:80]}. Pass a key from "
                        "fg.random.key(seed) or a uint32 array of shape (..., 2)")
    if data.ndim < 1:
        raise TypeError(f"{who}: invalid PRNG key data: expected key_data.ndim >= 1; "
                        f"got ndim={data.ndim}. Make keys with fg.random.key(seed)")
    if tuple(data.shape[-1:]) != (2,):
        raise TypeError(f"{who}: invalid PRNG key data: expected key_data.shape to end with "
                        f"(2,); got shape={tuple(data.shape)}. Make keys with fg.random.key(seed)")
    if np.dtype(data.dtype) != np.uint32:
        raise TypeError(f"{who}: invalid PRNG key data: expected key_data.dtype = uint32; got "
                        f"dtype={np.dtype(data.dtype)}. Make keys with fg.random.key(seed)")
    return data if hasattr(data, "aval") else fnp.asarray(data)


def unwrap(key: Any, who: str, allow_batched: bool = False,
           consume: bool = True) -> tuple[Any, bool]:
    """(the uint32 data of `key`, whether it was a typed key). A key array where one key is
    expected is a ValueError, as in JAX. With key-reuse checking on, a typed key is consumed
    (`consume`: the samplers, split and bits; not key_data or fold_in, as in JAX) and one
    consumed before is a KeyReuseError."""
    if isinstance(key, PRNGKeyArray):
        data, typed = key._base, True
    else:
        data, typed = _check_key_data(key, who), False
    if not allow_batched and get_aval(data).ndim != 1:
        raise ValueError(f"{who} accepts a single key, but was given a key array of shape "
                         f"{tuple(get_aval(data).shape[:-1])} != (). Use fg.vmap for batching.")
    if typed and consume and config.debug_key_reuse:
        consumed.consume(data, who)
    return data, typed


def rewrap(data: Any, typed: bool) -> Any:
    return PRNGKeyArray(data) if typed else data


# ---- constructors --------------------------------------------------------------------------------

def _seed_data(seed: Any, who: str) -> Array:
    if isinstance(seed, PRNGKeyArray):
        raise TypeError(f"{who} accepts a scalar seed, but was given a PRNG key.")
    if np.ndim(seed):
        raise TypeError(f"{who} accepts a scalar seed, but was given an array of shape "
                        f"{np.shape(seed)} != (). Use fg.vmap for batching")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, int) and not np.issubdtype(
            np.asarray(seed).dtype, np.integer):
        raise TypeError(f"{who}: PRNG key seed must be an integer; got {seed!r}")
    x64 = default_int().itemsize == 8
    if isinstance(seed, int):
        value = int(np.int64(seed))  # OverflowError beyond int64, as JAX
        bits = 64 if x64 else 32
    else:
        arr = np.asarray(seed)
        value, bits = int(arr), arr.dtype.itemsize * 8
        if not x64:
            bits = min(bits, 32)
    value %= 1 << bits  # the seed's two's complement in its (canonical) width
    words = [0, value] if bits <= 32 else [value >> 32, value & 0xFFFFFFFF]
    return fnp.asarray(np.array(words, np.uint32))  # on the default device


def key(seed: SupportsInt, *, impl: Any = None, dtype: Any = None) -> PRNGKeyArray:
    """A typed key from an integer seed, JAX's default threefry2x32 key: the seed's 64 bits
    (32 in JAX's 32-bit mode) are the key data.

    >>> key(42)
    Array((), dtype=key<fry>) overlaying:
    [ 0 42]
    """
    if impl is not None and dtype is not None:
        raise ValueError("Cannot specify both `impl` and `dtype` arguments to fg.random.key")
    _check_impl(impl if dtype is None else dtype)
    return PRNGKeyArray(_seed_data(seed, "key"))


def PRNGKey(seed: SupportsInt, *, impl: Any = None) -> Array:
    """A raw key (uint32[2]) from an integer seed: JAX's legacy key, the data of key(seed).

    >>> PRNGKey(1)
    Array([0, 1], dtype=uint32)
    """
    _check_impl(impl)
    return _seed_data(seed, "PRNGKey")


def _check_impl(impl: Any) -> None:
    if impl is not None and str(impl) not in (IMPL_NAME, "key<fry>", "fry"):
        raise ValueError(f"unrecognized PRNG implementation {impl!r}: funcgrad implements JAX's "
                         f"default, {IMPL_NAME!r}; pass impl=None")


def key_data(keys: Any) -> Any:
    """The uint32 data of keys (typed or raw): shape (*keys.shape, 2).

    >>> key_data(key(3))
    Array([0, 3], dtype=uint32)
    """
    data, _ = unwrap(keys, "key_data", allow_batched=True, consume=False)
    return data


def wrap_key_data(key_bits_array: ArrayLike, *, impl: Any = None,
                  dtype: Any = None) -> PRNGKeyArray:
    """Typed keys from uint32 data of shape (..., 2), e.g. read back from a checkpoint; wrong
    shapes or dtypes are TypeErrors, as in JAX.

    >>> wrap_key_data(np.array([0, 3], np.uint32))
    Array((), dtype=key<fry>) overlaying:
    [0 3]
    """
    if impl is not None and dtype is not None:
        raise ValueError("Cannot specify both `impl` and `dtype` arguments to "
                         "fg.random.wrap_key_data")
    _check_impl(impl if dtype is None else dtype)
    data = _check_key_data(key_bits_array, "wrap_key_data")
    # new keys, unused whatever became of the data's earlier keys (key-reuse checking)
    return PRNGKeyArray(_fresh(data) if config.debug_key_reuse else data)


def key_impl(keys: Any) -> str:
    """The name of the keys' PRNG implementation (always JAX's default).

    >>> key_impl(key(0))
    'threefry2x32'
    """
    unwrap(keys, "key_impl", allow_batched=True, consume=False)
    return IMPL_NAME


def key_dtype(impl: Any = None) -> KeyDType:
    """The dtype of typed keys of an implementation.

    >>> key_dtype()
    key<fry>
    """
    _check_impl(impl)
    return KEY_DTYPE


def clone(key: Any) -> Any:
    """The same key, as a new key that key-reuse checking (config `jax_debug_key_reuse`) sees
    as unused: JAX's marker of a deliberate reuse. Cloning consumes nothing.

    >>> clone(key(1)) == key(1)
    Array(True, dtype=bool)
    """
    if not isinstance(key, PRNGKeyArray) or not config.debug_key_reuse:
        return key
    return PRNGKeyArray(_fresh(key._base))


def _fresh(data: Any) -> Any:
    """A new value of the same key data (a copy under a transform), whose keys key-reuse
    checking sees as unused."""
    return Array(data._value) if type(data) is Array else _lax.stop_gradient(data)


def split(key: Any, num: int | Sequence[int] = 2) -> Any:
    """`num` new keys (or a shape of them), independent of each other and of `key`: typed keys
    from a typed key, raw from raw.

    >>> split(PRNGKey(0))
    Array([[1797259609, 2579123966],
           [ 928981903, 3453687069]], dtype=uint32)
    """
    data, typed = unwrap(key, "split")
    shape = tuple(num) if isinstance(num, Sequence) else (num,)
    return rewrap(_rb.random_split(data, shape=check_shape(shape, "split")), typed)


def fold_in(key: Any, data: Any) -> Any:
    """A new key from a key and a 32-bit integer (e.g. a step number).

    >>> fold_in(PRNGKey(0), 7)
    Array([2716826189,  292468403], dtype=uint32)
    """
    kdata, typed = unwrap(key, "fold_in", consume=False)
    if np.ndim(data) if not hasattr(data, "aval") else get_aval(data).ndim:
        raise TypeError(f"fold_in accepts a scalar, but was given an array of shape "
                        f"{np.shape(data)} != (). Use fg.vmap for batching.")
    if isinstance(data, int) and not 0 <= data < 1 << 32:
        raise OverflowError(f"Python integer {data} out of bounds for uint32: fold_in takes "
                            "32-bit data; reduce it first, e.g. data % 2**32")
    d = data if hasattr(data, "aval") else fnp.asarray(data)
    d = fnp.asarray(d).astype(np.uint32)
    return rewrap(_rb.random_fold_in(kdata, d), typed)


def bits(key: Any, shape: int | Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Uniform random unsigned integers (uint64 by default, uint32 in JAX's 32-bit mode).

    >>> bits(PRNGKey(0), (2,), np.uint32)
    Array([4070199207, 4202968722], dtype=uint32)
    """
    data, _ = unwrap(key, "bits")
    dt = canonical_dtype(dtype, np.dtype(np.uint64) if default_int().itemsize == 8
                         else np.dtype(np.uint32))
    if not np.issubdtype(dt, np.unsignedinteger):
        raise ValueError(f"dtype argument to `bits` must be an unsigned int dtype, got {dt}")
    return _rb.random_bits(data, shape=check_shape(shape, "bits"), width=dt.itemsize * 8)


def raw_bits(data: Any, shape: tuple[int, ...], width: int) -> Array:
    """The bits of a draw from checked key data (the samplers' entry point)."""
    return _rb.random_bits(data, shape=shape, width=width)


def raw_split(data: Any, num: int = 2) -> list[Any]:
    """`num` keys' data split from checked key data, as a list."""
    keys = _rb.random_split(data, shape=(num,))
    return [keys[i] for i in range(num)]


__all__ = ["PRNGKeyArray", "KeyDType", "key", "PRNGKey", "key_data", "wrap_key_data", "key_impl",
           "key_dtype", "clone", "split", "fold_in", "bits"]

