"""The package's structure, read from its source with `ast` (nothing is imported): imports flow one
way between funcgrad's parts, no two parts import each other, imports stay at module top (those
left in a function body say why), no module outgrows a reader, and lax's modules, which call one
another, import in any order. Each failure names file:line and the rule it breaks.

A part is a subpackage of funcgrad (`funcgrad.lax`) or a top-level module (`funcgrad.tree`); the
package root `funcgrad/__init__.py` is the part `funcgrad`.
"""
from __future__ import annotations

import ast
import os
from collections import defaultdict
from functools import cache

import pytest

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "funcgrad")

LAYERS = (
    ("core", ("tree", "_core", "_module_alias", "tree_util", "errors", "typing")),
    ("interpreters", ("interpreters",)),
    ("lax", ("lax",)),
    ("transforms", ("_api", "_vmap", "_custom", "custom_derivatives", "_jacobians",
                    "_compiled_pullback", "_devices", "debug", "test_util")),
    ("numpy", ("numpy",)),
    ("scipy", ("scipy", "experimental")),
    ("random", ("random",)),
    ("nn", ("nn", "optim")),
    ("distributed", ("distributed",)),
    ("torch", ("torch",)),
    ("root", ("", "viz", "__main__", "_jax_alias")),
)
"""LAYERS: funcgrad's parts, lowest layer first. A module may import at module level only from its
own layer or the layers before it (and parts of one layer must not import each other both ways).

Why this order: the core (arrays, avals, traces, the jaxpr IR, the Primitive object, pytrees)
knows nothing of particular operations; the interpreters (autodiff, batching, partial evaluation,
code generation, passes) run any primitive through the rules it declares, so they need the core
only; lax declares the primitives and their rules, on the core and the interpreters' machinery;
the transforms (grad, vjp, vmap, jit's helpers, custom rules, jacobians, devices, debug) drive the
interpreters over lax's primitives; funcgrad.numpy is user-facing API written in lax and the
transforms; scipy and random are written in numpy; nn and optim use numpy, random and the
transforms; distributed runs them across processes (MPI), its process axis serving lax's
collectives; the torch layer is a front end over all of them; the package root and viz (which
draws anything) re-export and use everything. Kept in this order, a reader can learn the package
bottom-up, and each layer can be tested without the ones after it."""

MAX_FUNCTION_IMPORTS = 25
MAX_LINES = 1000

LAYER_OF = {part: i for i, (_, parts) in enumerate(LAYERS) for part in parts}


def _module_name(path):
    rel = os.path.relpath(path, os.path.dirname(ROOT))[:-3].replace(os.sep, ".")
    return rel[: -len(".__init__")] if rel.endswith(".__init__") else rel


def _is_module(name):
    """Whether funcgrad's dotted `name` is a module or package (not a name inside one)."""
    path = os.path.join(os.path.dirname(ROOT), *name.split("."))
    return os.path.isfile(path + ".py") or os.path.isfile(os.path.join(path, "__init__.py"))


def _targets(node, mod, is_pkg):
    """The funcgrad modules an import statement reads."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            base = mod.split(".")
            base = base[: len(base) - node.level + (1 if is_pkg else 0)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        # `from pkg import name`: the submodule `name` when there is one, else pkg itself
        names = [f"{target}.{a.name}" if _is_module(f"{target}.{a.name}") else target
                 for a in node.names]
    return sorted({n for n in names if n == "funcgrad" or n.startswith("funcgrad.")})


def _part(module):
    """`funcgrad.lax.shape` -> "lax"; `funcgrad.tree` -> "tree"; the root -> ""."""
    bits = module.split(".")
    return bits[1] if len(bits) > 1 else ""


def _is_type_checking(stmt):
    return isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.unparse(stmt.test)


class Import:
    def __init__(self, path, node, lines, targets):
        self.where = f"{os.path.relpath(path, os.path.dirname(ROOT))}:{node.lineno}"
        self.text = " ".join(line.strip() for line in lines[node.lineno - 1:node.end_lineno])
        self.targets = targets


@cache
def _scan():
    """(module-level imports, function-body imports, (lines, file) per file), per part."""
    top, inner, sizes = defaultdict(list), defaultdict(list), defaultdict(list)
    for dirpath, _, files in os.walk(ROOT):
        for f in sorted(files):
            if not f.endswith(".py"):
                continue
            path = os.path.join(dirpath, f)
            with open(path, encoding="utf-8") as fh:
                src = fh.read()
            lines = src.splitlines()
            mod, is_pkg = _module_name(path), f == "__init__.py"
            part = _part(mod)
            sizes[part].append((len(lines), os.path.relpath(path, os.path.dirname(ROOT))))
            tree = ast.parse(src)
            at_top = set()
            for stmt in tree.body:
                # module level: plain statements, and the bodies of module-level if/try
                # (optional dependencies); `if TYPE_CHECKING:` imports never run, so they are
                # free of the rules
                nodes = ast.walk(stmt) if isinstance(stmt, (ast.If, ast.Try)) else [stmt]
                for n in nodes:
                    if isinstance(n, (ast.Import, ast.ImportFrom)):
                        at_top.add(id(n))
                        if not _is_type_checking(stmt):
                            top[part].append(Import(path, n, lines, _targets(n, mod, is_pkg)))
            for n in ast.walk(tree):
                if isinstance(n, (ast.Import, ast.ImportFrom)) and id(n) not in at_top:
                    targets = _targets(n, mod, is_pkg)
                    if targets:
                        inner[part].append(Import(path, n, lines, targets))
    return top, inner, sizes


def _parts():
    top, inner, sizes = _scan()
    return sorted(set(top) | set(inner) | set(sizes))


def _name(part):
    return "funcgrad" if part == "" else f"funcgrad.{part}"


def test_the_layer_table_has_every_part():
    missing = [_name(p) for p in _parts() if p not in LAYER_OF]
    assert not missing, (f"parts missing from LAYERS in {__file__}: {missing}; add each to the "
                         "layer it belongs to (see the docstring under LAYERS)")


@pytest.mark.parametrize("part", [p for _, parts in LAYERS for p in parts], ids=_name)
def test_module_level_imports_follow_the_layers(part):
    top, _, _ = _scan()
    bad = []
    for imp in top.get(part, []):
        for t in imp.targets:
            tp = _part(t)
            if tp == part or tp not in LAYER_OF or LAYER_OF[tp] <= LAYER_OF[part]:
                continue
            bad.append(f"{imp.where}: `{imp.text}`: layering: {_name(part)} (layer "
                       f"{LAYERS[LAYER_OF[part]][0]}) imports {t} (layer "
                       f"{LAYERS[LAYER_OF[tp]][0]}, later in LAYERS); a module may import only "
                       "from its own layer or earlier ones")
    assert not bad, "\n".join(bad)


def _cycles():
    """Strongly connected components (more than one part) of the module-level import graph."""
    top, _, _ = _scan()
    edges = defaultdict(set)
    for part, imps in top.items():
        for imp in imps:
            for t in imp.targets:
                if _part(t) != part:
                    edges[part].add(_part(t))
    index, low, stack, on, out = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out, top


def test_no_import_cycle_between_parts():
    cycles, top = _cycles()
    msgs = []
    for comp in cycles:
        where = [f"    {imp.where}: `{imp.text}`" for p in comp for imp in top[p]
                 if any(_part(t) in comp and _part(t) != p for t in imp.targets)]
        msgs.append("cycle: parts " + " <-> ".join(_name(p) for p in comp)
                    + " import each other at module level:\n" + "\n".join(where))
    assert not msgs, "\n".join(msgs)


def test_at_most_25_imports_inside_function_bodies():
    _, inner, _ = _scan()
    found = [imp for part in sorted(inner) for imp in inner[part]]
    assert len(found) <= MAX_FUNCTION_IMPORTS, (
        f"function-body imports: {len(found)} of funcgrad modules (limit "
        f"{MAX_FUNCTION_IMPORTS}); import at module top, except for an optional dependency or a "
        "heavy module kept out of `import funcgrad`:\n"
        + "\n".join(f"  {imp.where}: `{imp.text}`" for imp in found))


@pytest.mark.parametrize("part", [p for _, parts in LAYERS for p in parts], ids=_name)
def test_function_body_imports_say_why(part):
    _, inner, _ = _scan()
    bad = [f"{imp.where}: `{imp.text}`: function-body import without a `# reason` comment on its "
           "line" for imp in inner.get(part, []) if "# " not in imp.text]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("part", [p for _, parts in LAYERS for p in parts], ids=_name)
def test_no_file_over_1000_lines(part):
    _, _, sizes = _scan()
    bad = [f"{path}:{n}: file size: {n} lines (limit {MAX_LINES}); split it by topic"
           for n, path in sizes.get(part, []) if n > MAX_LINES]
    assert not bad, "\n".join(bad)


_IMPORT_FIRST = """
import importlib, os, sys, types
root, first = sys.argv[1], sys.argv[2:]
failed = []
for name in first:
    for m in [m for m in sys.modules if m == "funcgrad" or m.startswith("funcgrad.")]:
        del sys.modules[m]
    # bare parents: the package inits would otherwise fix one import order
    for pkg, path in (("funcgrad", root), ("funcgrad.lax", os.path.join(root, "lax"))):
        mod = types.ModuleType(pkg)
        mod.__path__ = [path]
        sys.modules[pkg] = mod
    try:
        importlib.import_module(name)
        for other in first:
            importlib.import_module(other)
    except ImportError as e:
        failed.append(f"{name} imported first: {type(e).__name__}: {e}")
print("\\n".join(failed))
"""


def test_lax_modules_import_in_any_order():
    """lax's modules call one another's functions (a primitive's rules use other primitives):
    those that import each other hold each other as modules, read at call time, so whichever is
    imported first, every name a module imports exists by then."""
    import subprocess
    import sys
    lax = os.path.join(ROOT, "lax")
    names = sorted(f"funcgrad.lax.{f[:-3]}" for f in os.listdir(lax)
                   if f.endswith(".py") and f != "__init__.py")
    out = subprocess.run([sys.executable, "-c", _IMPORT_FIRST, ROOT, *names],
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=os.path.dirname(ROOT)))
    assert not out.stdout.strip(), "import order:\n" + out.stdout
