"""A CPU stand-in for CuPy, so funcgrad's CUDA code path can run in CI without a GPU.

Tests install it with ``monkeypatch.setitem(sys.modules, name, module)`` for every
``name, module`` in ``MODULES`` ("cupy", "cupy.cuda", "cupy.linalg", ..., "cupyx.scipy.special").

What it is: an ``ndarray`` type of its own (not a numpy subclass) holding a numpy array in
``_a``, plus a module namespace that forwards every numpy name (``cupy.sin``, ``cupy.linalg.inv``,
``cupy.float32``...) and unwraps/rewraps arrays on the way through.

The contract it keeps, because breaking it is what real CuPy would punish:
  * no implicit device->host conversion: ``np.asarray(x)`` / ``__array__`` raise TypeError;
    the only ways out are ``x.get()``, ``cupy.asnumpy(x)``, ``x.item()``, ``x.tolist()``, ``float(x)``...
  * no mixing: a numpy ndarray (0-d included) next to device arrays in a ufunc or function raises
    ``TypeError: Unsupported type <class 'numpy.ndarray'>``; Python and numpy scalars are fine.
    Creation functions (``asarray``, ``zeros``, ``arange``...) do take host data. Index arrays may be
    host data (CuPy copies them over); ``x[basic] = host_array`` raises ValueError like CuPy's fill.
  * NEP-13/18: ``np.sin(x)``, ``np.sum(x)``, ``np.add.at(x, ...)`` return/modify fakes; reductions
    give 0-d arrays, never numpy scalars; ``x[0]`` is a 0-d view, as on the GPU.
  * ``cupy.cuda`` (one device, id 0, compute capability "90"), memory pool, streams.

What it models of CuPy 13.6's gaps (read from its sources): ufunc methods only for some ufuncs
(``multiply.at`` and ``maximum.reduce`` raise NotImplementedError), ``np.add.at`` dispatch with one
index array only, no ``where=`` in ufuncs, ``put_along_axis`` absent, keywords it refuses
(``as_strided(writeable=)``, ``argsort(stable=)``, ``matrix_rank(hermitian=, rtol=)``).

What it cannot model: speed and asynchrony; other numpy names CuPy lacks (the rest is forwarded)
and CuPy-only APIs (kernels, fuse, cupyx beyond scipy.special's erf, erfc and gammaln); CuPy's own
rounding (float32 kernels, cuBLAS/cuFFT summation order) and its pre-NEP-50 scalar casting; dtype
limits (e.g. ``add.at`` dtypes, no float128/object); ``__cuda_array_interface__``/DLPack; random
Generators; per-parameter host rules: host lists pass where CuPy wants arrays (``cupy.sum([1, 2])``
works here, not there), and numpy arrays given as plain parameters (``pad_width``) are refused here
though CuPy converts some. Only one device exists; ``with Device(0)`` changes nothing.
"""
import functools as _functools
import math as _math
import importlib as _importlib
import sys as _sys
import types as _types
import weakref as _weakref

import numpy as _np

__version__ = "13.6.0"
_SCALARS = (bool, int, float, complex, _np.generic)
# numpy names that take host data and give device arrays (host->device copies).
_HOST_OK = {"array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray", "zeros", "ones", "empty",
            "full", "arange", "linspace", "logspace", "geomspace", "eye", "identity", "tri", "indices", "frombuffer"}
# numpy names that deal in dtypes/metadata, not device data: returned unchanged.
_PASSTHROUGH = {"result_type", "can_cast", "promote_types", "issubdtype", "min_scalar_type", "isdtype", "common_type"}
# What CuPy 13.6 lacks, from its sources (so code that needs it fails here as it would there):
# ufunc methods beyond these ufuncs, numpy names absent from its namespace, keywords it refuses.
_METHODS = {"reduce": {"add", "multiply"}, "accumulate": {"add", "multiply"}, "reduceat": {"add"},
            "at": {"add", "subtract", "maximum", "minimum", "bitwise_and", "bitwise_or",
                   "bitwise_xor"}}
_ABSENT = {"put_along_axis"}
_REFUSED_KEYWORDS = {"as_strided": {"writeable"}, "argsort": {"stable"}, "matrix_rank":
                     {"hermitian", "rtol"}, "cholesky": {"upper"}, "einsum": {"out"}}
# CuPy returns 0-d arrays where numpy returns Python scalars for these.
_TO_ARRAY = {"array_equal", "array_equiv", "allclose", "count_nonzero"}


def _reject(x):
    raise TypeError(f"Unsupported type {type(x)}")


def _unwrap(x, host_ok=False):
    """Fakes -> their numpy buffers, through tuples/lists/dicts; numpy arrays only if host_ok."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, _np.ndarray):
        return x if host_ok else _reject(x)
    if type(x) in (list, tuple):
        return type(x)(_unwrap(v, host_ok) for v in x)
    if type(x) is dict:
        return {k: _unwrap(v, host_ok) for k, v in x.items()}
    return x


def _operand(x):
    """A ufunc operand: CuPy takes its own arrays and scalars, nothing else (not even lists)."""
    return x._a if isinstance(x, ndarray) else x if isinstance(x, _SCALARS) else _reject(x)


def _wrap(r, to_array=False):
    """numpy results -> fakes; numpy scalars (and, if to_array, Python scalars) -> 0-d fakes."""
    if isinstance(r, _np.ndarray):
        return _from_np(r)
    if isinstance(r, _np.generic) or (to_array and isinstance(r, _SCALARS)):
        return _from_np(_np.asarray(r))
    if isinstance(r, tuple):
        vals = [_wrap(v) for v in r]
        return type(r)(*vals) if hasattr(r, "_fields") else type(r)(vals)  # keep namedtuples (svd, eigh)
    if type(r) is list:
        return [_wrap(v) for v in r]
    return r


def _from_np(a):
    x = ndarray.__new__(ndarray)
    x._a = a
    _pool._track(a)
    return x


# ufunc methods -> positions of their array operands (None: all); position 1 of at/reduceat holds indices.
_OPERANDS = {"__call__": None, "outer": None, "at": (0, 2), "reduce": (0,), "accumulate": (0,), "reduceat": (0,)}


def _ufunc(uf, method, inputs, kwargs):
    with _np.errstate(all="ignore"):  # GPU kernels never warn about floating-point errors
        return _ufunc_call(uf, method, inputs, kwargs)


def _ufunc_call(uf, method, inputs, kwargs):
    if method in _METHODS and uf.__name__ not in _METHODS[method]:
        raise NotImplementedError(f"`cupy_{uf.__name__}.{method}` is not supported yet.")
    if "where" in kwargs:
        raise TypeError("Wrong arguments {'where': ...}")
    slots = _OPERANDS[method]
    args = [_operand(x) if slots is None or i in slots else _unwrap(x, host_ok=(i == 1))
            for i, x in enumerate(inputs)]
    out = kwargs.pop("out", None)
    outs = out if isinstance(out, tuple) else (out,)
    kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
    if any(o is not None and not isinstance(o, ndarray) for o in outs):
        raise TypeError("Output arguments must be cupy arrays.")
    if all(o is None for o in outs):
        return _wrap(getattr(uf, method)(*args, **kwargs))
    res = getattr(uf, method)(*args, out=tuple(None if o is None else o._a for o in outs), **kwargs)
    # Hand back the caller's own out arrays (as CuPy does), wrapping only outputs it left to us.
    res = tuple(o if o is not None else _wrap(r) for o, r in zip(outs, res if isinstance(res, tuple) else (res,)))
    return res if len(res) > 1 else res[0]


class ufunc:
    """cupy.<ufunc>: numpy's ufunc on unwrapped operands, outputs rewrapped, `out=` written in place."""

    def __init__(self, uf):
        self._uf, self.__name__, self.__doc__ = uf, uf.__name__, uf.__doc__

    def __getattr__(self, name):  # nin, nout, nargs, identity, ntypes, types, signature
        return getattr(self._uf, name)

    def __repr__(self):
        return f"<ufunc '{self.__name__}'>"

    def __call__(self, *a, **k): return _ufunc(self._uf, "__call__", a, k)
    def reduce(self, *a, **k): return _ufunc(self._uf, "reduce", a, k)
    def accumulate(self, *a, **k): return _ufunc(self._uf, "accumulate", a, k)
    def reduceat(self, *a, **k): return _ufunc(self._uf, "reduceat", a, k)
    def outer(self, *a, **k): return _ufunc(self._uf, "outer", a, k)
    def at(self, *a, **k): return _ufunc(self._uf, "at", a, k)


def _function(f, name, host_ok=False):
    @_functools.wraps(f)
    def wrapper(*args, **kwargs):
        refused = _REFUSED_KEYWORDS.get(name, set()) & set(kwargs)
        if refused:
            raise TypeError(f"{name}() got an unexpected keyword argument '{refused.pop()}'")
        return _wrap(f(*_unwrap(args, host_ok), **_unwrap(kwargs, host_ok)), name in _TO_ARRAY)
    return wrapper


def _is_basic(key):
    """True if `key` is basic indexing: CuPy then assigns through fill(), which rejects host arrays."""
    key = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (slice, int, _np.integer)) and not
               isinstance(k, (bool, _np.bool_)) for k in key)


class ndarray(_np.lib.mixins.NDArrayOperatorsMixin):  # the mixin routes operators to __array_ufunc__
    """Device array stand-in; cupy.ndarray(shape, dtype) allocates uninitialised memory like CuPy's."""
    __slots__ = ("__weakref__", "_a")
    __array_priority__ = 100  # numpy scalars and arrays defer their binary operators to us
    __hash__ = None

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        self._a = _np.empty(shape, dtype, order=order)
        _pool._track(self._a)

    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def __array_ufunc__(self, uf, method, *inputs, **kwargs):
        others = inputs + tuple(kwargs.get("out", ()))
        if any(hasattr(type(x), "__array_ufunc__") and not isinstance(x, (ndarray, _np.ndarray, _np.generic))
               for x in others):
            return NotImplemented  # let a foreign array type (e.g. a tracer) have its turn
        if method == "at" and isinstance(inputs[1], (tuple, list, slice)):
            return NotImplemented  # CuPy's dispatch takes one index array: numpy raises TypeError
        return _ufunc(uf, method, inputs, kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        if not all(issubclass(t, (ndarray, _np.ndarray)) for t in types_) or func.__name__ in _ABSENT:
            return NotImplemented  # numpy then raises TypeError, as with CuPy
        refused = _REFUSED_KEYWORDS.get(func.__name__, set()) & set(kwargs)
        if refused:
            raise TypeError(f"{func.__name__}() got an unexpected keyword argument '{refused.pop()}'")
        host_ok = func.__name__ in _HOST_OK or func.__name__ in _PASSTHROUGH
        kwargs = {k: v for k, v in kwargs.items() if k != "like"}
        return _wrap(func(*_unwrap(args, host_ok), **_unwrap(kwargs, host_ok)), func.__name__ in _TO_ARRAY)

    def __getattr__(self, name):
        # Dunders stay unresolved: forwarding __array_interface__ etc. would let numpy copy us silently.
        if name.startswith("__") or name == "_a":
            raise AttributeError(f"'cupy.ndarray' object has no attribute '{name}'")
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr)  # T, mT, real, imag, flags, strides, nbytes, itemsize...
        if name in ("item", "tolist", "tobytes"):  # already host values; skip the rewrap walk
            return attr
        host_ok = name in ("take", "put", "compress", "repeat", "choose")  # index-like args may be host data

        @_functools.wraps(attr)
        def method(*args, **kwargs):
            return _wrap(attr(*_unwrap(args, host_ok), **_unwrap(kwargs, host_ok)))
        return method

    shape = property(lambda self: self._a.shape, lambda self, s: setattr(self._a, "shape", s))
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    device = property(lambda self: cuda.Device(0))
    data = property(lambda self: _types.SimpleNamespace(ptr=self._a.__array_interface__["data"][0],
                                                       device=cuda.Device(0)))

    def get(self, stream=None, order="C", out=None):
        if out is None:
            return _np.array(self._a, order=order, copy=True)
        out[...] = self._a
        return out

    def set(self, arr, stream=None):
        if not isinstance(arr, _np.ndarray):
            raise TypeError(f"Only numpy.ndarray can be set to cupy.ndarray, got {type(arr)}")
        if arr.shape != self.shape or arr.dtype != self.dtype:
            raise ValueError(f"Shape/dtype mismatch: {arr.shape} {arr.dtype} vs {self.shape} {self.dtype}")
        self._a[...] = arr

    def __getitem__(self, key):
        key = _unwrap(key, host_ok=True)
        r = self._a[key]
        if isinstance(r, _np.generic):  # CuPy gives a 0-d *view*, not a scalar copy
            key = key if isinstance(key, tuple) else (key,)
            r = self._a[key + (Ellipsis,)]
        return _from_np(r)

    def __setitem__(self, key, value):
        key = _unwrap(key, host_ok=True)
        if _is_basic(key) and (isinstance(value, _np.ndarray) and value.ndim or isinstance(value, (list, tuple))):
            if isinstance(value, _np.ndarray):
                raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
            _reject(value)
        self._a[key] = _unwrap(value, host_ok=True)

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self)))

    def __len__(self): return len(self._a)
    def __bool__(self): return bool(self._a)
    def __float__(self): return float(self._a)
    def __int__(self): return int(self._a)
    def __complex__(self): return complex(self._a)
    def __index__(self): return self._a.__index__()
    def __repr__(self): return repr(self._a)
    def __str__(self): return str(self._a)
    def __format__(self, spec): return format(self._a, spec)
    def __copy__(self): return _from_np(self._a.copy())
    def __deepcopy__(self, memo): return _from_np(self._a.copy())
    def __reduce__(self): return (_from_np, (self._a,))


class _MemoryPool:
    """Counts the bytes of live device buffers (the numpy arrays at the root of each view chain)."""

    def __init__(self):
        self._live, self._used, self._held = {}, 0, 0

    def _track(self, a):
        while True:  # find the buffer's owner; as_strided hides it behind a DummyArray's .base
            b = a.base if isinstance(a.base, _np.ndarray) else getattr(a.base, "base", None)
            if not isinstance(b, _np.ndarray):
                break
            a = b
        key = id(a)
        if key not in self._live:
            self._live[key] = (_weakref.ref(a, lambda _: self._release(key)), a.nbytes)
            self._used += a.nbytes
            self._held = max(self._held, self._used)

    def _release(self, key):
        self._used -= self._live.pop(key, (None, 0))[1]

    def used_bytes(self): return self._used
    def total_bytes(self): return self._held  # freed blocks stay cached until free_all_blocks()
    def free_bytes(self): return self._held - self._used
    def free_all_blocks(self, stream=None): self._held = self._used
    def set_limit(self, size=None, fraction=None): pass
    def get_limit(self): return 0


_pool, _pinned_pool = _MemoryPool(), _MemoryPool()
get_default_memory_pool = lambda: _pool
get_default_pinned_memory_pool = lambda: _pinned_pool
is_available = lambda: True


def asarray(a, dtype=None, order=None, *, blocking=False):
    if isinstance(a, ndarray) and (dtype is None or _np.dtype(dtype) == a.dtype):
        return a  # CuPy returns the very same array
    return _from_np(_np.asarray(_unwrap(a, host_ok=True), dtype=dtype, order=order))


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    # CuPy's copy=False means numpy 1's "copy only if needed", i.e. numpy 2's copy=None.
    return _from_np(_np.array(_unwrap(obj, host_ok=True), dtype=dtype, copy=copy or None, order=order, ndmin=ndmin))


def asnumpy(a, stream=None, order="C", out=None, *, blocking=True):
    if isinstance(a, ndarray):
        return a.get(order=order, out=out)
    if out is None:
        return _np.asarray(a, order=order)
    out[...] = a
    return out


def get_array_module(*args):
    return _sys.modules[__name__] if any(isinstance(a, ndarray) for a in args) else _np


def _adapt(mod, name, where):
    """What cupy-namespace `where`.`name` is, built from numpy's `mod`.`name`."""
    try:
        if name in _ABSENT:
            raise AttributeError(name)
        obj = getattr(mod, name)
    except AttributeError:
        raise AttributeError(f"module '{where}' has no attribute '{name}'") from None
    if isinstance(obj, _np.ufunc):
        return ufunc(obj)
    if isinstance(obj, _types.ModuleType):
        if where == "cupy":  # numpy.ma, numpy.polynomial...: no CuPy counterpart modelled
            raise AttributeError(f"fake_cupy does not model 'cupy.{name}'")
        return _Namespace(f"{where}.{name}", obj.__name__)
    if where == "cupy.random" and (isinstance(obj, type) or name == "default_rng"):
        raise AttributeError(f"fake_cupy does not model 'cupy.random.{name}' (numpy's would leak host arrays)")
    if isinstance(obj, type) or not callable(obj) or name in _PASSTHROUGH:
        return obj  # dtypes, finfo, constants, LinAlgError, result_type...
    return _function(obj, name, host_ok=name in _HOST_OK)


class _Namespace(_types.ModuleType):
    """cupy.linalg & co: a module whose names come lazily from a numpy module."""

    def __init__(self, name, target):
        super().__init__(name)
        self._target = target

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        obj = _adapt(_importlib.import_module(self._target), attr, self.__name__)
        setattr(self, attr, obj)
        return obj


def __getattr__(name):  # PEP 562: cupy.<any numpy name>
    if name.startswith("__"):
        raise AttributeError(name)
    obj = globals()[name] = _adapt(_np, name, "cupy")
    return obj


linalg = _Namespace("cupy.linalg", "numpy.linalg")
fft = _Namespace("cupy.fft", "numpy.fft")
random = _Namespace("cupy.random", "numpy.random")
lib = _Namespace("cupy.lib", "numpy.lib")


class _CUDARuntimeError(RuntimeError):
    pass


class _Device:
    """cupy.cuda.Device: there is exactly one GPU, id 0; others fail when used, as on a 1-GPU host."""

    def __init__(self, device=None):
        self.id = 0 if device is None else int(device)

    def _check(self):
        if self.id != 0:
            raise _CUDARuntimeError("cudaErrorInvalidDevice: invalid device ordinal")

    compute_capability = property(lambda self: self._check() or "90")
    use = synchronize = _check
    __enter__ = lambda self: self._check() or self
    __exit__ = lambda self, *exc: None
    __eq__ = lambda self, other: isinstance(other, _Device) and other.id == self.id
    __hash__ = lambda self: hash(self.id)
    __repr__ = lambda self: f"<CUDA Device {self.id}>"


class _Stream:
    null = None
    _current = None

    def __init__(self, null=False, non_blocking=False, ptr=None):
        self.ptr = 0 if null else id(self)

    def synchronize(self):
        pass

    def done(self):
        return True

    def use(self):
        _Stream._current = self
        return self

    __enter__ = use
    __exit__ = lambda self, *exc: setattr(_Stream, "_current", None)


_Stream.null = _Stream(null=True)
_runtime = _types.ModuleType("cupy.cuda.runtime")
_runtime.__dict__.update(
    CUDARuntimeError=_CUDARuntimeError, getDeviceCount=lambda: 1, getDevice=lambda: 0,
    deviceSynchronize=lambda: None, runtimeGetVersion=lambda: 12040, driverGetVersion=lambda: 12040,
    getDeviceProperties=lambda i: _Device(i)._check() or {
        "name": b"Fake CUDA device (fake_cupy)", "totalGlobalMem": 80 * 2**30, "major": 9, "minor": 0,
        "multiProcessorCount": 132})
cuda = _types.ModuleType("cupy.cuda")
cuda.__dict__.update(
    runtime=_runtime, Device=_Device, Stream=_Stream, is_available=lambda: True,
    get_current_stream=lambda: _Stream._current or _Stream.null, MemoryPool=_MemoryPool)

# sys.modules entries a fixture installs. (Loading this file by path? Register it in sys.modules first.)
_cupyx = _types.ModuleType("cupyx")
_cupyx.scipy = _types.ModuleType("cupyx.scipy")
MODULES = {"cupy": _sys.modules[__name__], "cupy.cuda": cuda, "cupy.cuda.runtime": _runtime,
           "cupy.linalg": linalg, "cupy.fft": fft, "cupy.random": random, "cupy.lib": lib,
           "cupy.lib.stride_tricks": lib.stride_tricks, "cupyx": _cupyx, "cupyx.scipy": _cupyx.scipy}


def _special_ufunc(fn, name):
    """A float ufunc from a libm function: float32 in, float32 out, as cupyx.scipy.special's
    kernels (f->f, d->d)."""
    elementwise = _np.frompyfunc(fn, 1, 1)

    def call(x):
        a = x._a if isinstance(x, ndarray) else _reject(x) if isinstance(x, _np.ndarray) else _np.asarray(x)
        dt = a.dtype if a.dtype.kind == "f" else _np.dtype(_np.float64)
        return _from_np(_np.asarray(elementwise(a), dtype=object).astype(dt).reshape(a.shape))
    call.__name__ = name
    return call


# cupyx.scipy.special: erf, erfc and gammaln from libm, so that no scipy is needed.
_cupyx.scipy.special = MODULES["cupyx.scipy.special"] = _types.ModuleType("cupyx.scipy.special")
_cupyx.scipy.special.erf = _special_ufunc(_math.erf, "erf")
_cupyx.scipy.special.erfc = _special_ufunc(_math.erfc, "erfc")
_cupyx.scipy.special.gammaln = _special_ufunc(_math.lgamma, "gammaln")
