"""Running an unchanged script on funcgrad: a finder that makes `import torch`, `import jax` or
`import optax` (and every submodule) give funcgrad's modules, and the `python -m` entry that
installs it and runs the script. `python -m funcgrad.torch` and `python -m funcgrad` are two
alias tables over this one mechanism.

>>> finder = ModuleAlias({"fakelib": "funcgrad.numpy"})
>>> finder.target("fakelib.linalg"), finder.target("fakelibrary")
('funcgrad.numpy.linalg', None)
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import runpy
import sys
from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType
from typing import Any, Optional

__all__ = ["ModuleAlias", "install", "uninstall", "run_script"]


class ModuleAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds each aliased name (and its submodules) as the funcgrad module it stands for; the
    longest matching prefix wins, so `{"jax": "funcgrad", "jax.tree_util": "funcgrad.tree"}`
    sends jax.numpy to funcgrad.numpy and jax.tree_util to funcgrad.tree. A name whose funcgrad
    module does not exist is left to the next finder (so it fails as a missing module)."""

    def __init__(self, table: Mapping[str, str]):
        self.table = dict(table)
        self._specs: dict[int, Any] = {}

    def target(self, name: str) -> Optional[str]:
        """The funcgrad module `name` stands for, or None when no alias covers it."""
        best = max((k for k in self.table if name == k or name.startswith(k + ".")),
                   key=len, default=None)
        return None if best is None else self.table[best] + name[len(best):]

    def find_spec(self, name: str, path: Any = None,
                  target: Any = None) -> Optional[importlib.machinery.ModuleSpec]:
        real = self.target(name)
        if real is None or importlib.util.find_spec(real) is None:
            return None
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        real = self.target(spec.name)
        assert real is not None  # find_spec only answers for covered names
        # `real` is a table value (a funcgrad module) plus the rest of a name an import statement
        # asked for: nothing imported here comes from a file (SECURITY.md)
        module = importlib.import_module(real)
        self._specs[id(module)] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # the import system stamped the alias's spec on the shared module: give it its own back,
        # so funcgrad keeps importing its submodules under their real names
        module.__spec__ = self._specs.pop(id(module), module.__spec__)


def install(table: Mapping[str, str], preload: Iterable[str] = ()) -> ModuleAlias:
    """Put a ModuleAlias for `table` first on sys.meta_path (once per table) and import the
    `preload` names through it, so that attribute access such as `jax.tree_util.tree_map` after
    a bare `import jax` works as in the real library. Returns the finder.

    >>> finder = install({"fakelib": "funcgrad.numpy"}, preload=["fakelib.linalg"])
    >>> import fakelib.linalg, funcgrad.numpy.linalg
    >>> fakelib.linalg is funcgrad.numpy.linalg
    True
    >>> uninstall(finder)
    """
    for f in sys.meta_path:
        if isinstance(f, ModuleAlias) and f.table == dict(table):
            finder = f
            break
    else:
        finder = ModuleAlias(table)
        sys.meta_path.insert(0, finder)
    for name in preload:
        real = finder.target(name)
        if real is not None and importlib.util.find_spec(real) is not None:
            importlib.import_module(name)
    return finder


def uninstall(finder: ModuleAlias) -> None:
    """Remove `finder` and the aliased names it put in sys.modules (for tests); a real module
    of an aliased name that was imported before the finder stays."""
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)
    for name in [n for n, m in sys.modules.items() if finder.target(n) is not None
                 and getattr(m, "__name__", None) == finder.target(n)]:
        del sys.modules[name]


def run_script(argv: Sequence[str], usage: str) -> int:
    """Run `argv[0]` as __main__ with `argv` as sys.argv (after the caller installed its
    aliases); print `usage` and return 2 when no script is given."""
    if not argv:
        print(usage, file=sys.stderr)
        return 2
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))  # as `python script.py`
    runpy.run_path(argv[0], run_name="__main__")
    return 0
