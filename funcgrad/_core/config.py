"""Global flags: fg.config.update("debug_nans", True)."""
from __future__ import annotations

from . import backend
from .validate import check_bool


class Config:
    """Runtime switches. `debug_nans`: raise FloatingPointError at the first primitive whose
    output has a NaN, naming it and the user's line (jitted functions are re-run op by op to
    find it). `default_device`: where new arrays are created ('cpu', 'cuda', 'cuda:1' or a
    Device; None means the CPU). `transfer_guard`: 'allow' (the default) or 'disallow', which
    makes handing a GPU array to numpy (np.asarray(x), a numpy function) a TransferGuardError, to
    find copies to the host that a loop does by accident; fg.device_get stays allowed."""

    _defaults = {"debug_nans": False, "default_device": None, "transfer_guard": "allow"}

    def __init__(self):
        for k, v in self._defaults.items():
            if k != "default_device":
                object.__setattr__(self, k, v)

    # The device lives in the backend, which reads it on every array creation.
    default_device = property(lambda self: backend.default_device())

    # JAX's switch for 64-bit types, which funcgrad always has (its default float is float64,
    # as JAX's is with the switch on): accepted when on, so JAX programs run unchanged
    jax_enable_x64 = True

    # JAX's names for the same switches, so jax.config.update(...) lines run unchanged
    _aliases = {"jax_debug_nans": "debug_nans", "jax_default_device": "default_device",
                "jax_transfer_guard": "transfer_guard"}
    _booleans = ("debug_nans",)

    def update(self, name, value):
        if name == "jax_enable_x64":
            if not check_bool(value, "config.update", "jax_enable_x64"):
                raise ValueError("funcgrad always has 64-bit types (its default float dtype is "
                                 "float64); it cannot turn jax_enable_x64 off: pass dtypes "
                                 "explicitly, e.g. jnp.zeros(3, jnp.float32)")
            return
        name = self._aliases.get(name, name)
        if name not in self._defaults:
            raise AttributeError(f"unknown config option {name!r}; options: "
                                 f"{sorted(self._defaults) + ['jax_enable_x64']} (and JAX's "
                                 f"names for them: {sorted(self._aliases)})")
        if name in self._booleans:
            value = check_bool(value, "config.update", name)
        if name == "transfer_guard" and value not in ("allow", "disallow"):
            raise ValueError(f"transfer_guard must be 'allow' or 'disallow', not {value!r}")
        if name == "default_device":
            backend.set_default_device(value)
        else:
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        self.update(name, value)

    def __repr__(self):
        return "Config(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self._defaults) + ")"


config = Config()
