"""Global flags: fg.config.update("debug_nans", True)."""
from __future__ import annotations

from . import avals, backend, consumed
from .validate import check_bool


class Config:
    """Runtime switches. `debug_nans`: raise FloatingPointError at the first primitive whose
    output has a NaN, naming it and the user's line (jitted functions are re-run op by op to
    find it). `default_device`: where new arrays are created ('cpu', 'cuda', 'cuda:1' or a
    Device; None means the CPU). `transfer_guard`: 'allow' (the default) or 'disallow', which
    makes handing a GPU array to numpy (np.asarray(x), a numpy function) a TransferGuardError, to
    find copies to the host that a loop does by accident; fg.device_get stays allowed.

    The dtype mode: `jax_enable_x64` (True, funcgrad's default: float64 and int64 exist and are
    the defaults) off is JAX's default mode: every dtype is canonicalized to 32 bits (float64
    to float32, int64 to int32, ...), creation functions default to float32/int32, and types
    promote by JAX's lattice with weak types kept on arrays. `dtype_promotion` ('numpy', the
    default, or 'jax') picks the promotion rules while x64 is on; with x64 off they are JAX's.
    `python -m funcgrad` starts a JAX program in JAX's mode (x64 off, 'jax').

    `debug_key_reuse` (JAX's `jax_debug_key_reuse`): a typed PRNG key consumed twice (two
    draws, a draw after a split) raises KeyReuseError, eagerly and inside transforms; a jitted
    function consumes the key arguments its trace consumed (functions traced while the check
    was off are not checked).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.config.update("jax_enable_x64", False)
    >>> fnp.ones(2) + fnp.arange(2)
    Array([1., 2.], dtype=float32)
    >>> fg.config.update("jax_enable_x64", True)
    >>> (fnp.ones(2) + fnp.arange(2)).dtype
    dtype('float64')
    """

    # the switches' types (set in __init__ and update, through object.__setattr__)
    debug_nans: bool
    jax_enable_x64: bool
    dtype_promotion: str
    debug_key_reuse: bool
    transfer_guard: str
    eager_checks: bool

    _defaults = {"debug_nans": False, "default_device": None, "transfer_guard": "allow",
                 "jax_enable_x64": True, "dtype_promotion": "numpy", "debug_key_reuse": False}

    def __init__(self):
        for k, v in self._defaults.items():
            if k != "default_device":
                object.__setattr__(self, k, v)
        # Whether eager operations take the general path, where debug_nans is checked and JAX's
        # mode types the results: the one flag the eager fast paths read.
        object.__setattr__(self, "eager_checks", False)

    # The device lives in the backend, which reads it on every array creation.
    default_device = property(lambda self: backend.default_device())

    # JAX's names for the same switches, so jax.config.update(...) lines run unchanged
    _aliases = {"jax_debug_nans": "debug_nans", "jax_default_device": "default_device",
                "jax_transfer_guard": "transfer_guard", "jax_debug_key_reuse": "debug_key_reuse"}
    _booleans = ("debug_nans", "jax_enable_x64", "debug_key_reuse")

    def update(self, name, value):
        name = self._aliases.get(name, name)
        if name not in self._defaults:
            raise AttributeError(f"unknown config option {name!r}; options: "
                                 f"{sorted(self._defaults)} (and JAX's "
                                 f"names for them: {sorted(self._aliases)})")
        if name in self._booleans:
            value = check_bool(value, "config.update", name)
        if name == "transfer_guard" and value not in ("allow", "disallow"):
            raise ValueError(f"transfer_guard must be 'allow' or 'disallow', not {value!r}")
        if name == "dtype_promotion" and value not in ("numpy", "jax"):
            raise ValueError(f"dtype_promotion must be 'numpy' (funcgrad's default) or 'jax' "
                             f"(JAX's lattice and weak types), not {value!r}")
        if name == "debug_key_reuse" and not value:
            consumed.clear()
        if name == "default_device":
            backend.set_default_device(value)
        else:
            object.__setattr__(self, name, value)
        if name in ("jax_enable_x64", "dtype_promotion", "debug_nans"):
            x64 = self.jax_enable_x64
            jax_lattice = self.dtype_promotion == "jax" or not x64
            # (set first: the mode's hooks read it)
            object.__setattr__(self, "eager_checks", self.debug_nans or jax_lattice)
            avals.set_mode(x64, jax_lattice)

    def __setattr__(self, name, value):
        self.update(name, value)

    @property
    def jax_mode(self) -> bool:
        """Whether dtypes follow JAX (x64 off, or dtype_promotion 'jax')."""
        return avals.JAX_LATTICE

    def __repr__(self):
        return "Config(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self._defaults) + ")"


config = Config()
