"""python -m funcgrad.torch script.py [args]: run an unchanged PyTorch script on funcgrad.

`torch` and every `torch.X` submodule resolve to funcgrad.torch's, however they are imported
(`import torch.nn as nn`, `from torch.utils.data import DataLoader`)."""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import runpy
import sys


class _TorchAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `torch` and `torch.*` as funcgrad.torch and funcgrad.torch.*."""

    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            real = "funcgrad." + name
            if importlib.util.find_spec(real) is None:
                return None
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("funcgrad." + spec.name)

    def exec_module(self, module):
        pass


def install():
    """Make `import torch` give funcgrad.torch in this process."""
    if not any(isinstance(f, _TorchAlias) for f in sys.meta_path):
        sys.meta_path.insert(0, _TorchAlias())
    for name, mod in list(sys.modules.items()):
        if name.startswith("funcgrad.torch"):
            sys.modules.setdefault(name[len("funcgrad."):], mod)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("usage: python -m funcgrad.torch script.py [args...]", file=sys.stderr)
        return 2
    install()
    sys.argv = list(argv)
    runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
