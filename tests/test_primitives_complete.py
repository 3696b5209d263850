"""Every primitive declares every rule and flag in its own block (or says there that it has none),
and no module of the machinery keeps a side table of primitives or switches on their names."""
import ast
import pathlib

import pytest

import funcgrad  # noqa: F401  (defines every primitive)
import funcgrad.debug  # noqa: F401
import funcgrad.torch  # noqa: F401
from funcgrad._core.primitive import PRIMITIVES, Primitive

ROOT = pathlib.Path(funcgrad.__file__).parent


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_every_rule_and_flag_is_declared(name):
    prim = PRIMITIVES[name]
    missing = prim.missing()
    assert not missing, (
        f"primitive {name!r} does not declare {missing} in its block: set each (or set it to "
        "None / False there on purpose); see funcgrad/_core/primitive.py")


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_declarations_are_consistent(name):
    prim = PRIMITIVES[name]
    assert prim.impl is not None and prim.abstract_eval is not None
    assert prim.batch is not None, f"{name} has no batching rule"
    if prim.nondiff:
        assert prim.vjp is None and prim.jvp is None and not prim.diff_args
    else:
        assert prim.jvp is not None and prim.vjp is not None, f"{name}: no derivative rules"
    if prim.unit is not None:
        assert len(prim.unit) == 2
    if prim.compose is not None:
        assert prim.identity is not None  # a composed chain may end as the identity


def test_an_undeclared_attribute_is_reported():
    p = Primitive("test_primitives_complete_probe")
    try:
        assert set(p.missing()) == set(Primitive.DECLARATIONS)
        p.declare(fresh=False)
        assert "fresh" not in p.missing()
        with pytest.raises(AttributeError):
            p.declare(frsh=True)
    finally:
        del PRIMITIVES["test_primitives_complete_probe"]


def _module_level_tables(path):
    """Module-level names bound to a set or dict display, or set()/dict()/frozenset() calls."""
    tree = ast.parse(path.read_text())
    found = []
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            value = node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            is_table = isinstance(value, (ast.Set, ast.Dict, ast.SetComp, ast.DictComp)) or (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id in ("set", "dict", "frozenset"))
            if is_table:
                found += [ast.unparse(t) for t in targets]
    return found


def test_the_machinery_keeps_no_table_of_primitives():
    tables = {}
    for path in sorted((ROOT / "interpreters").glob("*.py")):
        names = _module_level_tables(path)
        if names:
            tables[path.name] = names
    assert not tables, f"module-level tables in funcgrad/interpreters: {tables}"


def test_the_machinery_never_decides_on_a_primitive_name():
    """`.name` of a primitive may appear in messages, never in a comparison: not in the
    machinery, nor in the transforms (checkpoint's policies compare primitives themselves)."""
    bad = []
    transforms = [ROOT / f"{m}.py" for m in ("_api", "_vmap", "_custom", "_jacobians",
                                              "_compiled_pullback", "_devices", "debug")]
    for path in sorted((ROOT / "interpreters").glob("*.py")) + transforms:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    if isinstance(side, ast.Attribute) and side.attr == "name":
                        bad.append(f"{path.name}:{node.lineno}")
    assert not bad, f"decisions on a primitive's name: {bad}"


def test_interpreters_do_not_import_lax():
    bad = []
    for path in sorted((ROOT / "interpreters").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and (
                    node.module == "lax" or node.module.startswith("lax.")) and node.level == 2:
                bad.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("funcgrad.lax"):
                bad.append(f"{path.name}:{node.lineno}")
    assert not bad, f"interpreters import funcgrad.lax: {bad}"
