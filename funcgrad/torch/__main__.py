"""python -m funcgrad.torch script.py [args]: run an unchanged PyTorch script on funcgrad.

`torch` and every `torch.X` submodule resolve to funcgrad.torch's, however they are imported
(`import torch.nn as nn`, `from torch.utils.data import DataLoader`)."""
from __future__ import annotations

import sys

from .._module_alias import install as _install
from .._module_alias import run_script

ALIASES = {"torch": "funcgrad.torch"}


def install():
    """Make `import torch` give funcgrad.torch in this process."""
    _install(ALIASES)
    for name, mod in list(sys.modules.items()):
        if name.startswith("funcgrad.torch"):
            sys.modules.setdefault(name[len("funcgrad."):], mod)


def main(argv=None):
    install()
    return run_script(sys.argv[1:] if argv is None else argv,
                      "usage: python -m funcgrad.torch script.py [args...]")


if __name__ == "__main__":
    sys.exit(main())
