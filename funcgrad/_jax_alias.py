"""The alias table behind `python -m funcgrad`: a program written for JAX and optax imports
funcgrad's modules under their names.

>>> ALIASES["jax.tree_util"], ALIASES["optax"]
('funcgrad.tree_util', 'funcgrad.optim')
"""
from __future__ import annotations

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
    """Make `import jax`, `import optax` and their submodules give funcgrad's in this process.

    (Run it in a fresh process, before anything imports the real JAX: `python -m funcgrad`
    does. What it maps, without installing anything:)

    >>> finder = ModuleAlias(ALIASES)
    >>> finder.target("jax.numpy.linalg"), finder.target("optax.losses")
    ('funcgrad.numpy.linalg', 'funcgrad.optim.losses')
    """
    return _install(ALIASES, PRELOAD)
