"""The alias table behind `python -m funcgrad`: a program written for JAX and optax imports
funcgrad's modules under their names.

>>> ALIASES["jax.tree_util"], ALIASES["optax"]
('funcgrad.tree_util', 'funcgrad.optim')
"""
from __future__ import annotations

import os

from ._core.config import config
from ._module_alias import ModuleAlias
from ._module_alias import install as _install

__all__ = ["ALIASES", "PRELOAD", "install"]

# jax.X is funcgrad.X (numpy, lax, nn, random, scipy, tree, ...) and optax.X is
# funcgrad.optim.X (tree, tree_utils, losses, schedules, transforms, contrib); the two names
# JAX spells differently get their own entries.
ALIASES = {
    "jax": "funcgrad",
    "jax.tree_util": "funcgrad.tree_util",
    "optax": "funcgrad.optim",
}

# what `import jax` / `import optax` make reachable as attributes without a further import
PRELOAD = ["jax", "jax.numpy", "jax.lax", "jax.nn", "jax.random", "jax.tree", "jax.tree_util",
           "jax.scipy", "optax", "optax.tree", "optax.tree_utils", "optax.losses",
           "optax.schedules", "optax.transforms", "optax.contrib"]


def install() -> ModuleAlias:
    """Make `import jax`, `import optax` and their submodules give funcgrad's in this process,
    and put funcgrad in JAX's dtype mode, as a JAX program expects it: 64-bit types off
    (float32 and int32 by default) and JAX's promotion lattice with weak types, kept when the
    program turns `jax_enable_x64` on.

    (Run it in a fresh process, before anything imports the real JAX: `python -m funcgrad`
    does. What it maps, without installing anything:)

    >>> finder = ModuleAlias(ALIASES)
    >>> finder.target("jax.numpy.linalg"), finder.target("optax.losses")
    ('funcgrad.numpy.linalg', 'funcgrad.optim.losses')
    """
    config.update("dtype_promotion", "jax")
    # JAX reads its JAX_ENABLE_X64 environment variable the same way
    config.update("jax_enable_x64", os.environ.get("JAX_ENABLE_X64", "").lower()
                  in ("1", "true", "yes", "on"))
    return _install(ALIASES, PRELOAD)
