"""The one context both JAX-dtype test files switch modes with (tests/test_jax_dtypes.py,
tests/test_jax_printing.py): funcgrad in JAX's dtype mode and JAX with the same x64 flag, both
put back afterwards (each library's flag is process-global)."""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

import funcgrad as fg


@contextlib.contextmanager
def jax_mode(jax_config: Any, x64: bool) -> Iterator[None]:
    """funcgrad with `x64` and JAX's lattice; JAX (its jax._src.config) with the same x64."""
    try:
        fg.config.update("dtype_promotion", "jax")
        fg.config.update("jax_enable_x64", x64)
        with jax_config.enable_x64(x64):
            yield
    finally:
        fg.config.update("jax_enable_x64", True)
        fg.config.update("dtype_promotion", "numpy")
