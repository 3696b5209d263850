"""A griffe extension for the API reference (mkdocs.yml, mkdocstrings' `extensions`); not a page.

Many public functions of funcgrad.numpy, funcgrad.lax and funcgrad.torch are made by factories
(`sin = _unary(lax.sin, "sin")` defines a function `_unary.<locals>.f`). griffe sees such a name as
an alias of a local function it cannot find, and mkdocstrings would leave it out of the reference
without a word: `fnp.sin`, `fnp.sum` and most ufuncs would be missing. This extension replaces each
such alias with a function documented from the runtime object: its name, signature and docstring.
"""
from __future__ import annotations

import importlib
import inspect

import griffe

PUBLIC_MODULES = ("funcgrad", "funcgrad.numpy", "funcgrad.lax", "funcgrad.tree", "funcgrad.torch",
                  "funcgrad.viz", "funcgrad.optim", "funcgrad.random", "funcgrad.nn",
                  "funcgrad.scipy.special")


def _fence_doctests(text):
    """Docstring examples (`>>>` lines and their output) as fenced code: unfenced, Markdown would
    read an output such as `[1.0, 0.5]` as a link."""
    out, inside = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(">>>") and not inside:
            out.append("```pycon")
            inside = True
        elif inside and not line.strip():
            out.append("```")
            inside = False
        out.append(line)
    if inside:
        out.append("```")
    return "\n".join(out)


def _fence_all(obj, seen):
    if id(obj) in seen or getattr(obj, "is_alias", False):
        return
    seen.add(id(obj))
    if obj.docstring is not None and ">>>" in obj.docstring.value and "```" not in \
            obj.docstring.value:
        obj.docstring.value = _fence_doctests(obj.docstring.value)
    for member in getattr(obj, "members", {}).values():
        _fence_all(member, seen)


def _parameters(obj):
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return griffe.Parameters(griffe.Parameter("args", kind=griffe.ParameterKind.var_positional),
                                 griffe.Parameter("kwargs", kind=griffe.ParameterKind.var_keyword))
    params = []
    for p in sig.parameters.values():
        default = None if p.default is inspect.Parameter.empty else repr(p.default)
        params.append(griffe.Parameter(p.name, kind=griffe.ParameterKind(p.kind.description),
                                       default=default))
    return griffe.Parameters(*params)


def _unresolvable(member):
    if not member.is_alias:
        return False
    try:
        member.final_target
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return True
    return False


def _prune_classes(obj, seen):
    """Drop, from every class in the package, the members griffe cannot resolve: a Protocol's
    `__init__` is an alias into `typing` internals (`_no_init_or_replace_init`), which would
    stop the build; it documents nothing."""
    if id(obj) in seen or getattr(obj, "is_alias", False):
        return
    seen.add(id(obj))
    for name, member in list(obj.members.items()):
        if obj.is_class and _unresolvable(member):
            obj.del_member(name)
        elif not member.is_alias and (member.is_module or member.is_class):
            _prune_classes(member, seen)


class RuntimeFunctions(griffe.Extension):
    def on_package(self, *, pkg, **kwargs):
        if pkg.name != "funcgrad":
            return
        for path in PUBLIC_MODULES:
            try:
                gmod = pkg if path == "funcgrad" else pkg[path.split(".", 1)[1]]
                runtime = importlib.import_module(path)
            except (KeyError, ImportError):
                continue
            for name, member in list(gmod.members.items()):
                if name.startswith("_") or not _unresolvable(member):
                    continue
                obj = getattr(runtime, name, None)
                if not callable(obj) or inspect.isclass(obj):
                    continue
                func = griffe.Function(name, parameters=_parameters(obj))
                doc = inspect.getdoc(obj)
                if doc:
                    func.docstring = griffe.Docstring(doc, parent=func)
                gmod.set_member(name, func)
        _prune_classes(pkg, set())
        _fence_all(pkg, set())
