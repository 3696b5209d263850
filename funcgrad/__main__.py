"""python -m funcgrad script.py [args]: run an unchanged JAX + optax program on funcgrad.

`jax` (jax.numpy, jax.lax, jax.nn, jax.random, jax.tree, jax.tree_util, jax.scipy) and `optax`
(optax.tree, optax.tree_utils, optax.losses, optax.schedules, optax.transforms, optax.contrib)
resolve to funcgrad's modules, however they are imported."""
from __future__ import annotations

import sys

from ._jax_alias import install
from ._module_alias import run_script


def main(argv=None):
    install()
    return run_script(sys.argv[1:] if argv is None else argv,
                      "usage: python -m funcgrad script.py [args...]")


if __name__ == "__main__":
    sys.exit(main())
