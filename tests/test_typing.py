"""Types: the type checker passes on the public modules, and every public function and method
of the public API has annotations on all its parameters and its return.

mypy's settings and the list of modules it reads are in pyproject.toml's [tool.mypy]; mypy comes
with the `types` extra (`make test` installs it), and the check skips, saying so, without it.
"""
import importlib.util
import inspect
import os
import subprocess
import sys
from collections import defaultdict

import pytest

import funcgrad as fg
import funcgrad.nn
import funcgrad.numpy as fnp
import funcgrad.optim
import funcgrad.distributed
import funcgrad.random
import funcgrad.scipy.special
import funcgrad.torch as fgt
import funcgrad.torch.optim
import funcgrad.torch.utils.data
from funcgrad import lax, tree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_DIR = os.path.dirname(os.path.abspath(fg.__file__))


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                    reason="mypy not installed: pip install 'funcgrad[types]'")
def test_mypy_passes_on_the_public_modules():
    # The cache (build/.mypy_cache, see pyproject.toml) makes a rerun take about a second;
    # a cold run takes a few seconds.
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, f"mypy found errors:\n{run.stdout}{run.stderr}"


# ---- every public function annotated ----------------------------------------------------------

PUBLIC_MODULES = [fg, fnp, lax, funcgrad.optim, tree, funcgrad.random, funcgrad.scipy.special,
                  funcgrad.nn, funcgrad.distributed]


def _subclasses_in(module, base):
    return [obj for name, obj in vars(module).items()
            if not name.startswith("_") and inspect.isclass(obj) and issubclass(obj, base)]


def _public_torch_classes():
    nn, optim, data = fgt.nn, fgt.optim, fgt.utils.data
    return ([fgt.Tensor] + _subclasses_in(nn, nn.Module)
            + _subclasses_in(optim, optim.Optimizer) + [data.DataLoader, data.Dataset])


def _public_names(module):
    """The module's __all__, or else its names without a leading underscore."""
    names = getattr(module, "__all__", None)
    return list(names) if names is not None else [n for n in vars(module) if not n[0] == "_"]


def _in_funcgrad(fn):
    """Whether fn's code is in funcgrad's sources (not numpy's, optree's, or a namedtuple's
    generated methods)."""
    code = getattr(inspect.unwrap(fn), "__code__", None)
    return code is not None and os.path.abspath(code.co_filename).startswith(PACKAGE_DIR + os.sep)


def _missing(fn, is_method):
    """The names of fn's unannotated parameters, plus 'return' when its return is."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    params = list(sig.parameters.values())
    if is_method and params and params[0].name in ("self", "cls"):
        params = params[1:]
    missing = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    if sig.return_annotation is inspect.Signature.empty and fn.__name__ != "__init__":
        missing.append("return")
    return missing


def _class_functions(cls):
    """(name, function) for each method, property getter and setter defined in the class body
    itself: not inherited, and not attached from elsewhere (numpy/_methods.py's operators on
    Array, declared for type checkers by funcgrad._core.typing.ArrayMethods)."""
    for name, attr in vars(cls).items():
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            continue
        if isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        fns = ([(name, attr.fget), (name + ".setter", attr.fset)] if isinstance(attr, property)
               else [(name, attr)])
        for label, fn in fns:
            if inspect.isfunction(fn) and fn.__qualname__.startswith(cls.__qualname__ + "."):
                yield label, fn


def unannotated():
    """{defining module: [description]} for every public function or method that lacks an
    annotation."""
    found, seen = defaultdict(list), set()

    def check(fn, where, is_method):
        if id(fn) in seen or not _in_funcgrad(fn):
            return
        seen.add(id(fn))
        missing = _missing(fn, is_method)
        if missing:
            how = "a lambda: write a def to annotate it" if fn.__name__ == "<lambda>" else \
                ", ".join(missing)
            found[inspect.unwrap(fn).__module__].append(f"{where}: {how}")

    def check_class(cls, where):
        if id(cls) in seen:
            return
        seen.add(id(cls))
        for name, fn in _class_functions(cls):
            check(fn, f"{where}.{name}", True)

    for module in PUBLIC_MODULES:
        for name in _public_names(module):
            obj = getattr(module, name, None)
            where = f"{module.__name__}.{name}"
            if inspect.isclass(obj):
                if getattr(obj, "__module__", "").startswith("funcgrad"):
                    check_class(obj, where)
            elif callable(obj) and not inspect.ismodule(obj):
                check(obj, where, False)
    for cls in _public_torch_classes():
        check_class(cls, f"{cls.__module__}.{cls.__qualname__}")
    return found


def test_every_public_function_is_annotated():
    found = unannotated()
    report = "\n".join(f"{module} ({len(items)}):\n    " + "\n    ".join(sorted(items))
                       for module, items in sorted(found.items()))
    total = sum(len(items) for items in found.values())
    if found:
        pytest.fail(f"{total} public functions or methods lack annotations, by module:\n{report}",
                    pytrace=False)
