"""torch.save / torch.load in a format whose loading never executes code.

PyTorch's torch.save pickles; unpickling a file can run arbitrary code, which is why PyTorch
added `weights_only`. funcgrad.torch never pickles: a file is a zip archive holding

    funcgrad_torch/manifest.json   the object tree, as tagged JSON (below)
    funcgrad_torch/data/<n>        each tensor's bytes, little-endian, C order

and load() rebuilds only these types: Tensor (and nn.Parameter), dict, OrderedDict, list, tuple,
str, int, float, complex, bool, None. So `weights_only=True` semantics hold always: state dicts,
optimizer state dicts, and nested containers of tensors and Python scalars round-trip; anything
else is refused at save time with a TypeError naming where it sits in the object.

Every check on the way in (zip structure, manifest schema, dtype whitelist, byte counts,
nesting depth) turns a truncated, corrupted or hostile file into a RuntimeError that says what
is wrong, never a crash or a partial object. A file written by PyTorch itself (a pickle) is
recognised and refused with the reason.

Manifest nodes: JSON null/bool/str/int as themselves; {"float": repr} for floats (so 1.0 stays
a float and inf/nan survive); {"complex": [re, im]}; {"list": [...]}; {"tuple": [...]};
{"dict": [[key, value], ...]} (keys are nodes too, so int keys stay ints);
{"odict": [[key, value], ...]}; {"tensor": n} refers to tensors[n] = {"dtype", "shape",
"requires_grad", "parameter", "data"}. A tensor object saved twice loads as one object.
Storage sharing between different views is not preserved (each tensor is saved contiguous).
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import pickle
import re
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np

from .._core import backend
from . import _dtypes as D
from ._size import as_device, same_device
from ._tensor import Tensor
from .nn.parameter import Parameter

__all__ = ["UnpicklingRefused", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "load", "safe_globals", "save"]

_ROOT = "funcgrad_torch/"
_MANIFEST = _ROOT + "manifest.json"
_FORMAT = "funcgrad.torch.save"
_VERSION = 1
_MAX_DEPTH = 200
_MAX_MANIFEST = 256 * 1024 * 1024
_DTYPES = {d.name: d for d in D.ALL}
_TENSOR_FIELDS = frozenset({"dtype", "shape", "requires_grad", "parameter", "data"})
_DATA_NAME = re.compile(r"data/(0|[1-9][0-9]{0,8})")  # the names save() gives tensors' bytes


class _Corrupt(Exception):
    pass


class _NotZip(_Corrupt):
    pass


class UnpicklingRefused(pickle.UnpicklingError, RuntimeError):
    """torch.load was given a pickle (PyTorch's own torch.save format, or any pickle file), or
    bytes that are no zip archive (which PyTorch would try to unpickle): funcgrad.torch.load
    never unpickles, whatever `weights_only` says. PyTorch raises
    pickle.UnpicklingError ("Weights only load failed...") for a pickle its weights_only loader
    refuses; this is that class, and a RuntimeError too, as funcgrad.torch.load's other errors
    are. Load the file with PyTorch (weights_only=True) and re-save its tensors with
    funcgrad.torch.save."""


_REFUSAL = ("Weights only load failed. {what}, and funcgrad.torch.load never unpickles "
            "(not even with weights_only=False), because unpickling can execute arbitrary code. "
            "Load it with PyTorch (weights_only=True) and re-save its tensors with "
            "funcgrad.torch.save.")


# ---- save ---------------------------------------------------------------------------------

class _Writer:
    def __init__(self):
        self.tensors = []   # manifest entries
        self.arrays = []    # their bytes
        self.memo = {}      # id(tensor) -> index

    def encode(self, obj, where, depth=0):
        if depth > _MAX_DEPTH:
            raise ValueError(f"torch.save: the object is nested more than {_MAX_DEPTH} levels "
                             f"deep (at {where})")
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, Tensor):
            return {"tensor": self.tensor(obj)}
        if isinstance(obj, (int, np.integer)) and not isinstance(obj, np.bool_):
            return int(obj)
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, (float, np.floating)):
            return {"float": repr(float(obj))}
        if isinstance(obj, (complex, np.complexfloating)):
            return {"complex": [repr(obj.real), repr(obj.imag)]}
        if isinstance(obj, D.dtype):
            raise TypeError(f"torch.save: cannot save a torch.dtype (at {where}); save its "
                            f"name instead: str({obj!r})")
        d = depth + 1
        if isinstance(obj, dict):
            tag = "odict" if isinstance(obj, OrderedDict) else "dict"
            return {tag: [[self.encode(k, f"{where} key {k!r}", d),
                           self.encode(v, f"{where}[{k!r}]", d)] for k, v in obj.items()]}
        if isinstance(obj, list):
            return {"list": [self.encode(v, f"{where}[{i}]", d) for i, v in enumerate(obj)]}
        if isinstance(obj, tuple):  # torch.Size and NamedTuples save as plain tuples
            return {"tuple": [self.encode(v, f"{where}[{i}]", d) for i, v in enumerate(obj)]}
        raise TypeError(
            f"torch.save: cannot save an object of type {type(obj).__module__}."
            f"{type(obj).__qualname__} (at {where}). funcgrad.torch.save writes only tensors, "
            "dicts, lists, tuples, str, int, float, complex, bool and None, so that loading a "
            "file never runs code; save a state_dict() rather than a module or optimizer")

    def tensor(self, t):
        if id(t) in self.memo:
            return self.memo[id(t)]
        # np.array, not ascontiguousarray, which would turn a 0-d tensor into a 1-d one; a GPU
        # tensor's values are copied to the host
        arr = np.array(backend.to_host(t.detach()._data), order="C")
        le = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        entry = {"dtype": t.dtype.name, "shape": list(arr.shape),
                 "requires_grad": bool(t.requires_grad),
                 "parameter": isinstance(t, Parameter),
                 "data": f"data/{len(self.tensors)}"}
        self.memo[id(t)] = len(self.tensors)
        self.tensors.append(entry)
        self.arrays.append(le.tobytes())
        return self.memo[id(t)]


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write obj (tensors, state dicts, nested dicts/lists/tuples of tensors and Python scalars
    or strings) to f, a path or a writable binary file object. The format is a zip archive with
    a JSON manifest: loading it never unpickles (see the module docstring)."""
    w = _Writer()
    root = w.encode(obj, "the saved object")
    manifest = {"format": _FORMAT, "version": _VERSION, "byteorder": "little",
                "root": root, "tensors": w.tensors}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(_MANIFEST, json.dumps(manifest, allow_nan=False))
        for entry, data in zip(w.tensors, w.arrays):
            z.writestr(_ROOT + entry["data"], data)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            fh.write(buf.getvalue())
    elif hasattr(f, "write"):
        f.write(buf.getvalue())
    else:
        raise TypeError(f"torch.save: f must be a path or a writable binary file object, not "
                        f"{type(f).__name__}")


# ---- load ---------------------------------------------------------------------------------

def _fail(msg):
    raise _Corrupt(msg)


def _read_bytes(f):
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return fh.read()
    if hasattr(f, "read"):
        data = f.read()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("torch.load: the file object must be opened in binary mode "
                            f"(its read() returned {type(data).__name__})")
        return bytes(data)
    if isinstance(f, (bytes, bytearray)):
        raise TypeError("torch.load: f must be a path or a binary file object; wrap bytes in "
                        "io.BytesIO(data)")
    raise TypeError(f"torch.load: f must be a path or a binary file object, not "
                    f"{type(f).__name__}")


class _Reader:
    def __init__(self, z, manifest):
        self.z = z
        self.entries = manifest["tensors"]
        if not isinstance(self.entries, list):
            _fail("the manifest's 'tensors' is not a list")
        self.loaded = {}
        self.used = {}      # data entry name -> the tensor that read it

    def tensor(self, i):
        if type(i) is not int or not 0 <= i < len(self.entries):
            _fail(f"a tensor reference {i!r} is out of range ({len(self.entries)} tensors)")
        if i in self.loaded:
            return self.loaded[i]
        e = self.entries[i]
        if not isinstance(e, dict):
            _fail(f"tensor {i}'s entry is not an object")
        extra = sorted(set(e) - _TENSOR_FIELDS)
        if extra:  # e.g. an offset or strides: save() writes each tensor whole, in C order
            _fail(f"tensor {i} has the unknown field {str(extra[0])[:40]!r} (save() writes only "
                  f"{', '.join(sorted(_TENSOR_FIELDS))})")
        dtype = _DTYPES.get(e.get("dtype")) if isinstance(e.get("dtype"), str) else None
        if dtype is None:
            _fail(f"tensor {i} has unknown dtype {e.get('dtype')!r}")
        shape = e.get("shape")
        if not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape) \
                or len(shape) > 64:
            _fail(f"tensor {i} has an invalid shape {shape!r}")
        count = math.prod(shape)
        np_dtype = dtype.np.newbyteorder("<")
        nbytes = count * np_dtype.itemsize
        name = e.get("data")
        if not isinstance(name, str) or not _DATA_NAME.fullmatch(name):
            _fail(f"tensor {i} names the data entry {str(name)[:80]!r}; save() names them "
                  "data/<n>")
        if name in self.used:
            _fail(f"tensors {self.used[name]} and {i} name the same data entry {name!r} (save() "
                  "gives each tensor its own)")
        self.used[name] = i
        try:
            info = self.z.getinfo(_ROOT + name)
        except KeyError:
            _fail(f"tensor {i}'s data {name!r} is missing from the archive")
        if info.compress_type != zipfile.ZIP_STORED:
            _fail(f"tensor {i}'s data entry is compressed; save() stores data uncompressed")
        if info.file_size != nbytes:
            _fail(f"tensor {i} of shape {tuple(shape)} and dtype {dtype.name} needs {nbytes} "
                  f"bytes, but its data entry holds {info.file_size}")
        with self.z.open(info) as fh:
            raw = fh.read(nbytes + 1)
        if len(raw) != nbytes:
            _fail(f"tensor {i}'s data is truncated ({len(raw)} of {nbytes} bytes)")
        arr = np.frombuffer(raw, np_dtype).astype(dtype.np).reshape(shape)
        requires_grad = e.get("requires_grad", False)
        if not isinstance(requires_grad, bool) or not isinstance(e.get("parameter", False),
                                                                 bool):
            _fail(f"tensor {i}'s flags are not booleans")
        if requires_grad and not (dtype.is_floating_point or dtype.is_complex):
            _fail(f"tensor {i} of dtype {dtype.name} is marked requires_grad")
        t = Tensor._make(arr)
        if e.get("parameter"):
            t = Parameter(t, requires_grad)
        elif requires_grad:
            t.requires_grad_(True)
        self.loaded[i] = t
        return t

    def decode(self, node, depth=0):
        if depth > _MAX_DEPTH:
            _fail(f"the manifest nests more than {_MAX_DEPTH} levels deep")
        if node is None or isinstance(node, (bool, str)):
            return node
        if type(node) is int:
            return node
        if isinstance(node, dict) and len(node) == 1:
            (tag, v), = node.items()
            d = depth + 1
            if tag == "tensor":
                return self.tensor(v)
            if tag == "float" and isinstance(v, str):
                try:
                    return float(v)
                except ValueError:
                    _fail(f"invalid float {v[:40]!r}")
            if tag == "complex" and isinstance(v, list) and len(v) == 2 \
                    and all(isinstance(x, str) for x in v):
                try:
                    return complex(float(v[0]), float(v[1]))
                except ValueError:
                    _fail(f"invalid complex {v!r}")
            if tag in ("list", "tuple") and isinstance(v, list):
                items = [self.decode(x, d) for x in v]
                return items if tag == "list" else tuple(items)
            if tag in ("dict", "odict") and isinstance(v, list):
                out = OrderedDict() if tag == "odict" else {}
                for pair in v:
                    if not isinstance(pair, list) or len(pair) != 2:
                        _fail("a dict item is not a [key, value] pair")
                    k = self.decode(pair[0], d)
                    try:
                        hash(k)
                    except TypeError:
                        _fail(f"a dict key of type {type(k).__name__} is unhashable")
                    out[k] = self.decode(pair[1], d)
                return out
        _fail(f"unrecognised manifest node {str(node)[:80]!r}")


def _check_entries(z, file_size):
    """Refuse an archive with entries save() never writes: a name outside funcgrad_torch/data/
    (a path such as ../../x, which an unzip tool would write outside its folder), the same
    name twice (which of them would be read is ambiguous), or a declared size that does not fit
    in the file (a zip bomb's or a lying header's: nothing is allocated from it)."""
    seen = set()
    for info in z.infolist():
        name = info.filename
        if name != _MANIFEST and not (name.startswith(_ROOT)
                                      and _DATA_NAME.fullmatch(name[len(_ROOT):])):
            _fail(f"it holds an entry {name[:120]!r} that funcgrad.torch.save never writes "
                  f"(only {_MANIFEST} and {_ROOT}data/<n>)")
        if name in seen:
            _fail(f"it holds the entry {name!r} twice")
        seen.add(name)
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            _fail(f"the entry {name!r} declares {info.file_size} bytes but stores "
                  f"{info.compress_size}")
        if info.header_offset + info.compress_size > file_size:
            _fail(f"the entry {name!r} declares {info.compress_size} bytes at offset "
                  f"{info.header_offset}, beyond the file's end ({file_size} bytes)")


def _load(data):
    if data[:1] == b"\x80" or data[:2] == b"\x8a\x0a":
        raise UnpicklingRefused(_REFUSAL.format(
            what="This is a pickle file (PyTorch's legacy torch.save format)"))
    if not data.startswith(b"PK"):
        raise _NotZip("it is not a zip archive (no 'PK' signature); funcgrad.torch.load never "
                      "unpickles, should it be a pickle")
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        _fail(f"its zip structure is damaged or truncated ({e})")
    with z:
        names = z.namelist()
        if _MANIFEST not in names:
            if any(n.endswith("/data.pkl") or n == "data.pkl" for n in names):
                raise UnpicklingRefused(_REFUSAL.format(
                    what="This file was written by PyTorch's torch.save, whose objects are "
                         "pickled"))
            _fail(f"the archive has no {_MANIFEST}")
        _check_entries(z, len(data))
        info = z.getinfo(_MANIFEST)
        if info.compress_type != zipfile.ZIP_STORED:
            _fail("its manifest is compressed; save() stores it uncompressed")
        if info.file_size > _MAX_MANIFEST:
            _fail(f"its manifest is implausibly large ({info.file_size} bytes)")
        with z.open(info) as fh:
            text = fh.read(_MAX_MANIFEST + 1)
        try:
            manifest = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            _fail(f"its manifest is not valid JSON ({str(e)[:120]})")
        if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
            _fail("its manifest does not describe a funcgrad.torch.save file")
        if manifest.get("version") != _VERSION:
            _fail(f"it has format version {manifest.get('version')!r}; this funcgrad reads "
                  f"version {_VERSION}")
        if "root" not in manifest or "tensors" not in manifest:
            _fail("its manifest lacks 'root' or 'tensors'")
        return _Reader(z, manifest).decode(manifest["root"])


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Read what save() wrote, from a path or a readable binary file object. Never executes
    code: only tensors, dicts, lists, tuples and Python scalars/strings are rebuilt, so
    PyTorch's `weights_only=True` semantics hold whatever `weights_only` says; a pickle
    (PyTorch's own format included) raises UnpicklingError ("Weights only load failed...")
    without being unpickled, even with weights_only=False, and `pickle_module` is never used.
    A damaged, truncated or foreign file raises RuntimeError naming the problem. Tensors load
    on the CPU (save() keeps no device), or where map_location says: a device ('cuda',
    torch.device), or a dict from the saved location ('cpu') to a device; a function
    (`lambda storage, loc: storage`) leaves them on the CPU.

    >>> import io, funcgrad.torch as torch
    >>> buf = io.BytesIO()
    >>> torch.save({"w": torch.ones(2)}, buf)
    >>> torch.load(io.BytesIO(buf.getvalue()))["w"]
    tensor([1., 1.])
    """
    del pickle_module, weights_only, pickle_load_args
    if mmap and not isinstance(f, (str, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    data = _read_bytes(f)
    where = os.fspath(f) if isinstance(f, (str, os.PathLike)) else "the file object"
    if isinstance(map_location, dict):
        map_location = map_location.get("cpu")
    try:
        obj = _load(data)
    except _Corrupt as e:
        # PyTorch's class where it has one: it unpickles what is not a zip archive, and its
        # weights_only loader raises UnpicklingError for bytes that are no acceptable pickle
        cls = UnpicklingRefused if isinstance(e, _NotZip) else RuntimeError
        raise cls(f"torch.load: {where} is not a valid funcgrad.torch.save file: {e}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError,
            RecursionError, MemoryError, NotImplementedError) as e:
        raise RuntimeError(f"torch.load: {where} is not a valid funcgrad.torch.save file: "
                           f"it is damaged or truncated ({type(e).__name__}: "
                           f"{str(e)[:200]})") from None
    if map_location is None or callable(map_location):
        return obj
    return _moved(obj, as_device(map_location))


def _moved(obj, device):
    """`obj` (as load() rebuilds it) with every tensor on `device`, each still a leaf that
    requires grad as before."""
    if isinstance(obj, Tensor):
        if device.type == "cpu" or same_device(obj.device, device):
            return obj
        return obj.detach().to(device).requires_grad_(obj.requires_grad)
    if isinstance(obj, dict):
        return type(obj)((k, _moved(v, device)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_moved(v, device) for v in obj)
    return obj



# ---- PyTorch's weights_only allowlist ------------------------------------------------------
# PyTorch's weights_only unpickler runs the globals a checkpoint names if they are on this
# allowlist. funcgrad.torch.load unpickles nothing and looks up no global, so the list cannot
# widen what loads: it is kept (so code that registers its classes runs unchanged and reads it
# back) and never consulted.
_safe_globals: list[Any] = []


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Record globals as PyTorch's allowlist does. funcgrad.torch.load never unpickles, so this
    changes nothing it loads (a pickle is refused whatever is listed).

    >>> add_safe_globals([OrderedDict])
    >>> OrderedDict in get_safe_globals()
    True
    >>> clear_safe_globals()
    """
    _safe_globals.extend(safe_globals)


def get_safe_globals() -> list[Any]:
    """The globals recorded by add_safe_globals (a copy)."""
    return list(_safe_globals)


def clear_safe_globals() -> None:
    """Forget the globals recorded by add_safe_globals."""
    _safe_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list[Any]) -> Iterator[None]:
    """add_safe_globals for the duration of a with-block (recorded, never consulted).

    >>> with safe_globals([OrderedDict]):
    ...     OrderedDict in get_safe_globals()
    True
    >>> get_safe_globals()
    []
    """
    before = list(_safe_globals)
    _safe_globals.extend(safe_globals)
    try:
        yield
    finally:
        _safe_globals[:] = before
