"""Counter-based random bits, as JAX's default generator makes them: the Threefry-2x32 block
cipher (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011; 20 rounds) keyed
by a uint32[2] key, applied to a 64-bit counter per output element (JAX's "partitionable" layout,
its default since 0.5), so element i of any draw is computed on its own. Three primitives: the
bits of a draw, the keys of a split, and a key with data folded in; plus `erf_inv`, the inverse
error function evaluated with the same polynomials XLA uses, so normal samples match JAX's.

All four batch over leading key axes, so `vmap` over keys is one vectorized call.

>>> import numpy as np
>>> random_bits(np.array([0, 0], np.uint32), shape=(2,), width=32)
Array([4070199207, 4202968722], dtype=uint32)
"""
from __future__ import annotations

import math

import numpy as np

from .._core import backend
from .._core.array import Array
from .._core.avals import ShapedArray
from .._core.primitive import (NO_ALGEBRA, PURE, RULE_FIRST, Primitive, def_nondiff, defderiv)
from .._core.trace import bind, get_aval
from .._core.typing import ArrayLike
from ._batching import batch_size, elementwise_rule, move_axis
from . import elementwise as _ew
from . import shape as _shape

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA
UINT_DTYPES = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: np.dtype(np.uint32),
               64: np.dtype(np.uint64)}


def threefry2x32(k0, k1, x0, x1):
    """Threefry-2x32 (20 rounds) of counter words (x0, x1) under key words (k0, k1): backend
    uint32 arrays that broadcast together. Returns the two output words, full-shaped."""
    xp = backend.xp_of(x0)
    u32 = np.uint32
    k0, k1 = xp.asarray(k0, u32), xp.asarray(k1, u32)
    ks = (k0, k1, k0 ^ k1 ^ u32(_PARITY))
    with np.errstate(over="ignore"):
        x0 = xp.add(x0, k0, dtype=u32)
        x1 = xp.add(x1, k1, dtype=u32)
        x0, x1 = xp.broadcast_arrays(x0, x1)
        x0, x1 = x0.copy(), x1.copy()  # broadcast views are read-only; the rounds write in place
        tmp = xp.empty_like(x1)
        for block in range(5):
            for r in _ROTATIONS[block % 2]:
                xp.add(x0, x1, out=x0)
                xp.left_shift(x1, u32(r), out=tmp)
                xp.right_shift(x1, u32(32 - r), out=x1)
                xp.bitwise_or(x1, tmp, out=x1)
                xp.bitwise_xor(x1, x0, out=x1)
            xp.add(x0, ks[(block + 1) % 3], out=x0)
            xp.add(x1, ks[(block + 2) % 3], out=x1)
            xp.add(x1, u32(block + 1), out=x1)
    return x0, x1


# Above this many elements a draw is made in slices that stay in the CPU's cache: each slice goes
# through the hash and the conversion to its output while it is still there.
_CHUNK = 1 << 16


def _draw(keys, n, finish, dtype):
    """finish(y0, y1) of the Threefry words of counters 0..n-1 (hi word 0 below 2**32) under
    each key of `keys` ((..., 2) uint32): a (..., n) array of `dtype`, made slice by slice."""
    xp = backend.xp_of(keys)
    lead = keys.shape[:-1]
    k0 = keys[..., 0].reshape(lead + (1,))
    k1 = keys[..., 1].reshape(lead + (1,))

    def words(start, stop):
        if stop > 1 << 32:
            counts = xp.arange(start, stop, dtype=np.uint64)
            hi = (counts >> np.uint64(32)).astype(np.uint32)
            lo = counts.astype(np.uint32)
        else:
            lo = xp.arange(start, stop, dtype=np.uint32)
            hi = xp.zeros(lo.shape, np.uint32)
        return threefry2x32(k0, k1, hi, lo)
    if lead or n <= _CHUNK:
        return finish(*words(0, n))
    out = xp.empty(n, dtype)
    for s in range(0, n, _CHUNK):
        out[s:s + _CHUNK] = finish(*words(s, min(s + _CHUNK, n)))
    return out


def _check_keys(name, keys):
    if keys.ndim < 1 or keys.shape[-1] != 2 or keys.dtype != np.uint32:
        raise TypeError(f"{name}: the key data must be a uint32 array of shape (..., 2) (from "
                        f"fg.random.key_data(key)); got {keys.str_short()}")


# ---- random_bits: keys (..., 2) -> uint{width} (..., *shape) ------------------------------------

def _combine(width):
    """The bits of a draw from its two Threefry words (JAX's partitionable layout)."""
    def finish(y0, y1):
        if width == 64:
            return (y0.astype(np.uint64) << np.uint64(32)) | y1
        out = y0 ^ y1
        return out if width == 32 else out.astype(UINT_DTYPES[width])
    return finish


def _bits_impl(keys, *, shape, width):
    keys = backend.asarray(keys)
    out = _draw(keys, math.prod(shape), _combine(width), UINT_DTYPES[width])
    return out.reshape(keys.shape[:-1] + tuple(shape))


random_bits_p = Primitive("random_bits")
random_bits_p.impl = _bits_impl


def _bits_abstract_eval(keys, *, shape, width):
    _check_keys("random_bits", keys)
    return ShapedArray(keys.shape[:-1] + tuple(shape), UINT_DTYPES[width])


random_bits_p.abstract_eval = _bits_abstract_eval
def_nondiff(random_bits_p)
random_bits_p.batch = lambda args, dims, **params: (
    random_bits_p.bind(move_axis(args[0], dims[0], 0), **params), 0)
random_bits_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                      **NO_ALGEBRA)


def random_bits(keys: ArrayLike, *, shape: tuple[int, ...], width: int = 32) -> Array:
    """Uniform random bits: uint{width} of `shape` from each uint32[2] key of `keys`.

    >>> random_bits(np.array([[0, 0], [0, 1]], np.uint32), shape=(), width=32)
    Array([4070199207, 1883912375], dtype=uint32)
    """
    return bind(random_bits_p, keys, shape=tuple(shape), width=width)


# ---- random_split: keys (..., 2) -> keys (..., *shape, 2) --------------------------------------

def _split_impl(keys, *, shape):
    keys = backend.asarray(keys)
    xp = backend.xp_of(keys)
    n = math.prod(shape)
    pairs = _draw(keys, n, lambda y0, y1: xp.stack([y0, y1], axis=-1), np.uint32) if n else \
        xp.zeros(keys.shape[:-1] + (0, 2), np.uint32)
    return pairs.reshape(keys.shape[:-1] + tuple(shape) + (2,))


random_split_p = Primitive("random_split")
random_split_p.impl = _split_impl


def _split_abstract_eval(keys, *, shape):
    _check_keys("random_split", keys)
    return ShapedArray(keys.shape[:-1] + tuple(shape) + (2,), np.dtype(np.uint32))


random_split_p.abstract_eval = _split_abstract_eval
def_nondiff(random_split_p)
random_split_p.batch = lambda args, dims, **params: (
    random_split_p.bind(move_axis(args[0], dims[0], 0), **params), 0)
random_split_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                       **NO_ALGEBRA)


def random_split(keys: ArrayLike, *, shape: tuple[int, ...]) -> Array:
    """New keys of `shape` from each key of `keys`: the two Threefry words of counter i.

    >>> random_split(np.array([0, 0], np.uint32), shape=(2,))
    Array([[1797259609, 2579123966],
           [ 928981903, 3453687069]], dtype=uint32)
    """
    return bind(random_split_p, keys, shape=tuple(shape))


# ---- random_fold_in: keys (..., 2), data (...) uint32 -> keys (..., 2) --------------------------

def _fold_in_impl(keys, data):
    keys, data = backend.asarray(keys), backend.asarray(data)
    xp = backend.xp_of(keys)
    y0, y1 = threefry2x32(keys[..., 0], keys[..., 1], xp.zeros((), np.uint32), data)
    return xp.stack([y0, y1], axis=-1)


random_fold_in_p = Primitive("random_fold_in")
random_fold_in_p.impl = _fold_in_impl


def _fold_in_abstract_eval(keys, data):
    _check_keys("random_fold_in", keys)
    if data.dtype != np.uint32:
        raise TypeError(f"random_fold_in: data must be uint32; got {data.str_short()}")
    lead = np.broadcast_shapes(keys.shape[:-1], data.shape)
    return ShapedArray(tuple(lead) + (2,), np.dtype(np.uint32))


def _fold_in_batch(args, dims):
    size = batch_size(args, dims)
    keys, data = args
    kd, dd = dims
    keys = (move_axis(keys, kd, 0) if kd is not None else
            _shape.broadcast_in_dim(keys, (size,) + get_aval(keys).shape,
                                    tuple(range(1, get_aval(keys).ndim + 1))))
    lead = get_aval(keys).shape[:-1]
    if dd is not None:
        data = move_axis(data, dd, 0)
        data = _shape.reshape(data, (size,) + (1,) * (len(lead) - get_aval(data).ndim)
                              + get_aval(data).shape[1:])
    return random_fold_in_p.bind(keys, data), 0


random_fold_in_p.abstract_eval = _fold_in_abstract_eval
def_nondiff(random_fold_in_p)
random_fold_in_p.batch = _fold_in_batch
random_fold_in_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                         **NO_ALGEBRA)


def random_fold_in(keys: ArrayLike, data: ArrayLike) -> Array:
    """Keys with uint32 `data` folded in: the Threefry words of counter (0, data).

    >>> random_fold_in(np.array([0, 0], np.uint32), np.uint32(1))  # split's second key
    Array([ 928981903, 3453687069], dtype=uint32)
    """
    return bind(random_fold_in_p, keys, data)


# ---- random_unit: keys (..., 2) -> floats max(lo, u * (hi - lo) + lo), u uniform in [0, 1) ------
# u has the top nmant bits of a draw as mantissa (JAX's construction: bitcast(bits >> (width -
# nmant) | bits(1.0)) - 1, which is exactly (bits >> (width - nmant)) * 2**-nmant).

def _unit_finish(xp, dtype, lo, hi):
    """The floats of a draw in [lo, hi) from its two Threefry words, as JAX's uniform."""
    info = np.finfo(dtype)
    width = info.bits
    combine = _combine(width)
    lo_, hi_ = dtype.type(lo), dtype.type(hi)
    span = hi_ - lo_
    exact = lo_ == 0 or math.frexp(float(span))[0] == 0.5  # u * span is exact: one rounding

    def finish(y0, y1):
        b = combine(y0, y1)
        xp.right_shift(b, UINT_DTYPES[width].type(width - info.nmant), out=b)
        u = b.astype(dtype)
        if exact:  # (m * 2**-nmant) * span with span a power of 2: one exact product
            xp.multiply(u, dtype.type(2.0 ** -info.nmant) * span, out=u)
            if lo_ != 0:
                xp.add(u, lo_, out=u)
        else:
            xp.multiply(u, dtype.type(2.0 ** -info.nmant), out=u)
            u = _fma_impl(u, span, lo_)
        if lo_ != 0:
            xp.maximum(u, lo_, out=u)
        return u
    return finish


def _unit_impl(keys, *, shape, dtype, lo, hi):
    keys = backend.asarray(keys)
    dtype = np.dtype(dtype)
    finish = _unit_finish(backend.xp_of(keys), dtype, lo, hi)
    out = _draw(keys, math.prod(shape), finish, dtype)
    return out.reshape(keys.shape[:-1] + tuple(shape))


random_unit_p = Primitive("random_unit")
random_unit_p.impl = _unit_impl


def _unit_abstract_eval(keys, *, shape, dtype, lo, hi):
    _check_keys("random_unit", keys)
    return ShapedArray(keys.shape[:-1] + tuple(shape), np.dtype(dtype))


random_unit_p.abstract_eval = _unit_abstract_eval
def_nondiff(random_unit_p)
random_unit_p.batch = lambda args, dims, **params: (
    random_unit_p.bind(move_axis(args[0], dims[0], 0), **params), 0)
random_unit_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                      **NO_ALGEBRA)


def random_unit(keys: ArrayLike, *, shape: tuple[int, ...], dtype: np.dtype, lo: float = 0.0,
                hi: float = 1.0) -> Array:
    """Uniform floats of `dtype` in [lo, hi) from each key of `keys`, computed as JAX's uniform
    computes them for constant bounds (lo and hi are rounded to `dtype` first).

    >>> random_unit(np.array([0, 0], np.uint32), shape=(2,), dtype=np.dtype(np.float32))
    Array([0.947667 , 0.9785799], dtype=float32)
    """
    return bind(random_unit_p, keys, shape=tuple(shape), dtype=np.dtype(dtype), lo=float(lo),
                hi=float(hi))


# ---- random_normal: keys (..., 2) -> JAX's standard normals, sqrt(2) erf_inv(u), u in (-1, 1) -------
# One pass per cache-sized slice: the bits, the uniform and erf_inv of a slice never leave the cache.

def _normal_impl(keys, *, shape, dtype):
    keys = backend.asarray(keys)
    xp = backend.xp_of(keys)
    dtype = np.dtype(dtype)
    lo = float(np.nextafter(dtype.type(-1.0), dtype.type(0.0)))
    unit = _unit_finish(xp, dtype, lo, 1.0)
    sqrt2 = dtype.type(math.sqrt(2))

    def finish(y0, y1):
        z = _erf_inv_block(unit(y0, y1))
        xp.multiply(sqrt2, z, out=z)
        return z
    out = _draw(keys, math.prod(shape), finish, dtype)
    return out.reshape(keys.shape[:-1] + tuple(shape))


random_normal_p = Primitive("random_normal")
random_normal_p.impl = _normal_impl
random_normal_p.abstract_eval = lambda keys, *, shape, dtype: _unit_abstract_eval(
    keys, shape=shape, dtype=dtype, lo=-1.0, hi=1.0)
def_nondiff(random_normal_p)
random_normal_p.batch = lambda args, dims, **params: (
    random_normal_p.bind(move_axis(args[0], dims[0], 0), **params), 0)
random_normal_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                        **NO_ALGEBRA)


def random_normal(keys: ArrayLike, *, shape: tuple[int, ...], dtype: np.dtype) -> Array:
    """JAX's standard normal samples of a real float `dtype` from each key of `keys`.

    >>> random_normal(np.array([0, 0], np.uint32), shape=(3,), dtype=np.dtype(np.float32))
    Array([ 1.6226422 ,  2.0252647 , -0.43359444], dtype=float32)
    """
    return bind(random_normal_p, keys, shape=tuple(shape), dtype=np.dtype(dtype))


# ---- nextafter (the samplers' open bounds) --------------------------------------------------------

nextafter_p = Primitive("nextafter")
nextafter_p.impl = lambda x, y: backend.xp_of(x).nextafter(x, y)


def _nextafter_abstract_eval(x, y):
    if not (np.issubdtype(x.dtype, np.floating) and x.dtype == y.dtype):
        raise TypeError(f"nextafter takes two floating-point arrays of one dtype; got "
                        f"{x.str_short()} and {y.str_short()}")
    return ShapedArray(tuple(np.broadcast_shapes(x.shape, y.shape)), x.dtype)


nextafter_p.abstract_eval = _nextafter_abstract_eval
elementwise_rule(nextafter_p)
def_nondiff(nextafter_p)
nextafter_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                    **NO_ALGEBRA)


def nextafter(x1: ArrayLike, x2: ArrayLike) -> Array:
    """The next float after x1 in the direction of x2 (of x1's dtype), as numpy's.

    >>> nextafter(np.float32(1.0), np.float32(2.0))
    Array(1.0000001, dtype=float32)
    """
    return bind(nextafter_p, x1, x2)


# ---- fused multiply-add (the affine step of uniform, as XLA fuses it) ------------------------------

def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split53(a):
    t = a * 134217729.0  # 2**27 + 1: Veltkamp's split of a double into two 26-bit halves
    hi = t - (t - a)
    return hi, a - hi


def _fma_impl(a, b, c):
    a, b, c = backend.asarray(a), backend.asarray(b), backend.asarray(c)
    dtype = np.result_type(a, b, c)
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype == np.float32:  # the float64 product of two floats is exact: one rounding
            return (a.astype(np.float64) * b + c.astype(np.float64)).astype(np.float32)
        if dtype != np.float64:
            return a * b + c
        p = a * b  # Dekker's exact product p + e, then p + e + c rounded once (nearly always)
        ah, al = _split53(a)
        bh, bl = _split53(b)
        e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        s, t = _two_sum(p, c)
        out = s + (t + e)
        return backend.xp_of(out).where(backend.xp_of(p).isfinite(p), out, p + c)


fma_p = Primitive("fma")
fma_p.impl = _fma_impl


def _fma_abstract_eval(a, b, c):
    if not (a.dtype == b.dtype == c.dtype and np.issubdtype(a.dtype, np.floating)):
        raise TypeError(f"fma takes three floating-point arrays of one dtype; got "
                        f"{a.str_short()}, {b.str_short()}, {c.str_short()}")
    return ShapedArray(tuple(np.broadcast_shapes(a.shape, b.shape, c.shape)), a.dtype)


fma_p.abstract_eval = _fma_abstract_eval
elementwise_rule(fma_p)
defderiv(fma_p, lambda ans, a, b, c: b, lambda ans, a, b, c: a, lambda ans, a, b, c: 1)
fma_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)


def fma(a: ArrayLike, b: ArrayLike, c: ArrayLike) -> Array:
    """a * b + c rounded once, as XLA's CPU code computes the affine step of a uniform draw.

    >>> fma(np.float32(0.1), np.float32(3.0), np.float32(-0.3))
    Array(-7.450581e-09, dtype=float32)
    """
    return bind(fma_p, a, b, c)


# ---- erf_inv -----------------------------------------------------------------------------------
# The polynomials of XLA's ErfInv (Giles, "Approximating the erfinv function", GPU Computing Gems
# Jade, 2011), highest degree first, each for a range of w = -log1p(-x*x) with its shift.
_ERF_INV32 = ((5.0, 2.5, False, (
    2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
    -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)),
    (math.inf, 3.0, True, (
        -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
        -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)))
_ERF_INV64 = ((6.25, 3.125, False, (
    -3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
    1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17,
    6.6376381343583238325e-15, -4.0545662729752068639e-14, -8.1519341976054721522e-14,
    2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
    1.051212273321532285e-09, -4.1126339803469836976e-09, -2.9070369957882005086e-08,
    4.2347877827932403518e-07, -1.3654692000834678645e-06, -1.3882523362786468719e-05,
    0.0001867342080340571352, -0.00074070253416626697512, -0.0060336708714301490533,
    0.24015818242558961693, 1.6536545626831027356)),
    (16.0, 3.25, True, (
        2.2137376921775787049e-09, 9.0756561938885390979e-08, -2.7517406297064545428e-07,
        1.8239629214389227755e-08, 1.5027403968909827627e-06, -4.013867526981545969e-06,
        2.9234449089955446044e-06, 1.2475304481671778723e-05, -4.7318229009055733981e-05,
        6.8284851459573175448e-05, 2.4031110387097893999e-05, -0.0003550375203628474796,
        0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
        -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334,
        3.0838856104922207635)),
    (math.inf, 5.0, True, (
        -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
        -3.7894654401267369937e-09, 7.6157012080783393804e-09, -1.4960026627149240478e-08,
        2.9147953450901080826e-08, -6.7711997758452339498e-08, 2.2900482228026654717e-07,
        -9.9298272942317002539e-07, 4.5260625972231537039e-06, -1.9681778105531670567e-05,
        7.5995277030017761139e-05, -0.00021503011930044477347, -0.00013871931833623122026,
        1.0103004648645343977, 4.8499064014085844221)))


def _horner(coeffs, w, dtype, xp):
    p = xp.full(w.shape, coeffs[0], dtype)
    for c in coeffs[1:]:
        xp.multiply(p, w, out=p)
        xp.add(p, dtype.type(c), out=p)
    return p


def _erf_inv_impl(x):
    x = backend.asarray(x)
    if x.ndim and x.size > _CHUNK:  # slice by slice, each in the CPU's cache
        xp = backend.xp_of(x)
        flat = x.reshape(-1)
        out = xp.empty(flat.shape, x.dtype)
        for s in range(0, flat.size, _CHUNK):
            out[s:s + _CHUNK] = _erf_inv_block(flat[s:s + _CHUNK])
        return out.reshape(x.shape)
    return _erf_inv_block(x)


def _erf_inv_block(x):
    xp = backend.xp_of(x)
    dtype = x.dtype
    compute = np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)
    xc = x.astype(compute, copy=False)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w = xp.negative(xp.log1p(xc * xp.negative(xc)))
        pieces = _ERF_INV64 if compute == np.float64 else _ERF_INV32
        p = xp.empty_like(xc)
        rest = xp.ones(xc.shape, bool)
        for bound, shift, use_sqrt, coeffs in pieces:
            sel = rest & (w < bound) if bound != math.inf else rest
            rest = rest & ~sel
            if not sel.any():
                continue
            full = bool(sel.all())
            ws = w if full else w[sel]
            ws = (xp.sqrt(ws) if use_sqrt else ws) - compute.type(shift)
            ps = _horner(coeffs, ws, compute, xp)
            if full:
                p = ps
            else:
                p[sel] = ps
        out = p * xc
        edge = xp.abs(xc) == 1
        if edge.any():
            out = xp.where(edge, xc * compute.type(math.inf), out)
    return out.astype(dtype, copy=False)


erf_inv_p = Primitive("erf_inv")
erf_inv_p.impl = _erf_inv_impl


def _erf_inv_abstract_eval(x):
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"erf_inv takes a floating-point array; got {x.str_short()}. Convert it "
                        "first: lax.erf_inv(x.astype(float))")
    return ShapedArray(x.shape, x.dtype)


erf_inv_p.abstract_eval = _erf_inv_abstract_eval
elementwise_rule(erf_inv_p)
defderiv(erf_inv_p, lambda ans, x: _ew.mul(float(math.sqrt(math.pi) / 2),
                                           _ew.exp(_ew.mul(ans, ans))))
erf_inv_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST,
                  **NO_ALGEBRA)


def erf_inv(x: ArrayLike) -> Array:
    """The inverse error function, computed as XLA computes it (so funcgrad's normal samples are
    JAX's): Giles' polynomials in w = -log1p(-x**2); +-inf at +-1, nan outside [-1, 1].

    >>> erf_inv(np.array([0.0, 0.5]))
    Array([0.        , 0.47693628], dtype=float64)
    """
    return bind(erf_inv_p, x)


# ---- the same draws on backend arrays, for samplers whose impl is a loop (gamma, poisson) --------

def backend_split(keys, num):
    """(..., 2) key data -> (..., num, 2): random_split's values, on backend arrays."""
    return _split_impl(keys, shape=(num,))


def backend_uniform(keys, shape, dtype, lo=0.0, hi=1.0):
    """random_unit's values on backend arrays."""
    return _unit_impl(keys, shape=tuple(shape), dtype=np.dtype(dtype), lo=lo, hi=hi)


def backend_normal(keys, shape, dtype):
    """random_normal's values on backend arrays."""
    return _normal_impl(keys, shape=tuple(shape), dtype=np.dtype(dtype))


__all__ = ["threefry2x32", "random_bits", "random_split", "random_fold_in", "random_unit",
           "random_normal", "nextafter", "fma", "erf_inv"]
