"""Global flags: fg.config.update("debug_nans", True)."""
from __future__ import annotations


class Config:
    """Runtime switches. `debug_nans`: raise FloatingPointError at the first primitive whose
    output has a NaN, naming it and the user's line (jitted functions are re-run op by op to
    find it)."""

    _defaults = {"debug_nans": False}

    def __init__(self):
        for k, v in self._defaults.items():
            object.__setattr__(self, k, v)

    def update(self, name, value):
        if name not in self._defaults:
            raise KeyError(f"unknown config option {name!r}; options: {sorted(self._defaults)}")
        object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        self.update(name, value)

    def __repr__(self):
        return "Config(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self._defaults) + ")"


config = Config()
