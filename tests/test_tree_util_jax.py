"""funcgrad.tree and funcgrad.tree_util against JAX's jax.tree and jax.tree_util on generated
pytrees (hypothesis: nested dicts with keys in any insertion order, lists, tuples, None,
namedtuples, dataclasses and custom nodes): the leaves, how a PyTreeDef prints, the trees that
unflatten and map rebuild (dicts in sorted key order, as JAX's), key paths and keystr,
transpose, and the names each namespace has."""
from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
from funcgrad import tree, tree_util

jax = pytest.importorskip("jax", reason="JAX oracle not installed: pip install -e '.[jax]'")

Pair = collections.namedtuple("Pair", "first second")


@dataclasses.dataclass
class Box:
    w: object
    b: object


@dataclasses.dataclass
class Tagged:
    x: object
    tag: str = tree.static(default="t")


class Node:
    def __init__(self, a, b):
        self.a, self.b = a, b

    def __repr__(self):
        return f"Node({self.a!r}, {self.b!r})"


for lib in (tree, jax.tree_util):
    lib.register_dataclass(Box)
    lib.register_pytree_node(Node, lambda n: ((n.a, n.b), "aux"), lambda _, c: Node(*c))
tree.register_dataclass(Tagged)
jax.tree_util.register_dataclass(Tagged, data_fields=["x"], meta_fields=["tag"])

KEYS = st.sampled_from(["a", "b", "c", "w", "zz"])
LEAVES = st.one_of(st.integers(-5, 5), st.floats(-2, 2, allow_nan=False))


def _nodes(children):
    return st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(KEYS, children, max_size=4),   # keys in generated (unsorted) order
        st.tuples(children, children).map(lambda t: Pair(*t)),
        st.tuples(children, children).map(lambda t: Box(*t)),
        st.tuples(children, children).map(lambda t: Node(*t)),
        children.map(lambda c: Tagged(c, "k")),
        st.just(None))


PYTREES = st.recursive(LEAVES, _nodes, max_leaves=10)


def _tag(i, _=None):
    return f"leaf{i}"


@given(PYTREES)
def test_leaves_structure_printing_and_rebuild_as_jax(t):
    assert tree.leaves(t) == jax.tree.leaves(t)
    ours, theirs = tree.structure(t), jax.tree.structure(t)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert (ours.num_leaves, ours.num_nodes) == (theirs.num_leaves, theirs.num_nodes)
    n = ours.num_leaves
    # rebuilt trees: dicts in sorted key order, as JAX's (repr shows the order)
    assert repr(tree.unflatten(ours, [_tag(i) for i in range(n)])) == \
        repr(jax.tree.unflatten(theirs, [_tag(i) for i in range(n)]))
    assert repr(tree.map(str, t)) == repr(jax.tree.map(str, t))
    assert repr(tree_util.tree_map(lambda a, b: (a, b), t, t)) == \
        repr(jax.tree_util.tree_map(lambda a, b: (a, b), t, t))
    assert [repr(c) for c in tree_util.treedef_children(ours)] == \
        [repr(c) for c in jax.tree_util.treedef_children(theirs)]
    assert tree_util.treedef_is_leaf(ours) == jax.tree_util.treedef_is_leaf(theirs)


@given(PYTREES)
def test_paths_and_keystr_as_jax(t):
    ours, theirs = tree_util.tree_flatten_with_path(t), jax.tree_util.tree_flatten_with_path(t)
    assert repr(ours[1]) == repr(theirs[1])
    assert [x for _, x in ours[0]] == [x for _, x in theirs[0]]
    assert [tree_util.keystr(p) for p, _ in ours[0]] == \
        [jax.tree_util.keystr(p) for p, _ in theirs[0]]
    assert [tree_util.keystr(p, simple=True, separator="/") for p, _ in ours[0]] == \
        [jax.tree_util.keystr(p, simple=True, separator="/") for p, _ in theirs[0]]
    # the key entries print as JAX's (DictKey(key='a'), SequenceKey(idx=0), ...)
    assert [repr(p) for p, _ in ours[0]] == [repr(p) for p, _ in theirs[0]]
    assert repr(tree.map_with_path(lambda p, x: tree.keystr(p), t)) == \
        repr(jax.tree.map_with_path(lambda p, x: jax.tree_util.keystr(p), t))


@given(st.lists(st.dictionaries(KEYS, LEAVES, min_size=1, max_size=3), min_size=1, max_size=3))
def test_transpose_as_jax(rows):
    # a list of dicts with the same keys (each in its own insertion order)
    keys = list(rows[0])
    rows = [{k: r.get(k, 0) for k in sorted(keys, key=lambda k, r=r: str(hash((k, id(r)))))}
            for r in rows]
    outer, inner = tree.structure([0] * len(rows)), tree.structure(rows[0])
    got = tree.transpose(outer, inner, rows)
    want = jax.tree.transpose(jax.tree.structure([0] * len(rows)),
                              jax.tree.structure(rows[0]), rows)
    assert repr(got) == repr(want)
    assert repr(tree.transpose(outer, None, rows)) == \
        repr(jax.tree.transpose(jax.tree.structure([0] * len(rows)), None, rows))


@pytest.mark.parametrize("t", [
    {"b": 1, "a": (2, None)}, (1,), (), {}, [None], None, 3, Pair(1, Pair(2, 3)),
    collections.OrderedDict(b=1, a=2), collections.defaultdict(int, b=1, a=2),
    Box(1, [2]), Tagged(1.0), Node(1, (2,)), {1: "x", 0: "y"},
])
def test_pytreedef_repr_and_node_data_as_jax(t):
    ours, theirs = tree.structure(t), jax.tree.structure(t)
    assert repr(ours) == repr(theirs)
    assert ours == tree.structure(t) and hash(ours) == hash(tree.structure(t))
    n = ours.num_leaves
    assert repr(ours.unflatten(list(range(n)))) == repr(theirs.unflatten(list(range(n))))
    if not tree_util.treedef_is_leaf(ours):
        assert ours.node_data()[0] is theirs.node_data()[0]


def test_insertion_order_is_not_part_of_the_structure():
    a, b = tree.structure({"x": 1, "y": 2}), tree.structure({"y": 1, "x": 2})
    assert a == b and hash(a) == hash(b)
    assert list(b.unflatten([1, 2])) == ["x", "y"]   # JAX's order, whichever came first
    assert list(tree.map(lambda v: v, {"y": 1, "x": 2})) == \
        list(jax.tree.map(lambda v: v, {"y": 1, "x": 2})) == ["x", "y"]


def test_grad_and_jit_return_dicts_in_jax_order():
    params = {"w": np.ones(2), "b": np.float64(1.0)}
    loss = lambda p: (p["w"] * p["b"]).sum()  # noqa: E731
    assert list(fg.grad(loss)(params)) == list(jax.grad(loss)(params)) == ["b", "w"]
    assert list(fg.jit(lambda p: p)(params)) == ["b", "w"]
    assert list(fg.jit(lambda p: p)(params)) == ["b", "w"]  # the cached call too


def test_static_field_and_register_dataclass_as_jax():
    @dataclasses.dataclass
    class Op:
        x: object
        y: object
        op: str = tree.static(default="add")

    @dataclasses.dataclass
    class JOp:
        x: object
        y: object
        op: str = jax.tree.static(default="add")

    tree_util.register_dataclass(Op)
    jax.tree_util.register_dataclass(JOp)
    ours, theirs = tree.flatten(Op(1, 2)), jax.tree.flatten(JOp(1, 2))
    assert ours[0] == theirs[0] == [1, 2]
    assert repr(ours[1]).replace("Op[", "JOp[") == repr(theirs[1])
    assert tree.unflatten(ours[1], [5, 6]) == Op(5, 6, "add")


@pytest.mark.parametrize("t", [{"b": 1, "a": (2, 3)}, [1, None, (2,)], Pair(1, 2), Box(1, 2),
                               Node(1, 2)])
def test_flatten_one_level_with_keys_as_jax(t):
    ours, theirs = tree_util.flatten_one_level_with_keys(t), \
        jax.tree_util.flatten_one_level_with_keys(t)
    ours = [(repr(k), c) for k, c in ours[0]]
    if isinstance(t, Pair):
        # JAX 0.10.2 names every child of a namedtuple after its first field (a bug, not
        # copied): its flatten_with_path has the right names, which these must equal
        theirs = [(repr(p[0]), c) for p, c in jax.tree_util.tree_flatten_with_path(
            t, is_leaf=lambda x: x is not t)[0]]
        assert ours == theirs == [("GetAttrKey(name='first')", 1),
                                  ("GetAttrKey(name='second')", 2)]
    else:
        assert ours == [(repr(k), c) for k, c in theirs[0]]


@pytest.mark.parametrize("typ", [dict, list, tuple, type(None), Pair, Box, Node, int, str,
                                 collections.OrderedDict, tree.Partial])
def test_is_tree_node_as_jax(typ):
    jtyp = jax.tree_util.Partial if typ is tree.Partial else typ
    assert tree_util.is_tree_node(typ) == jax.tree_util.is_tree_node(jtyp)


def test_partial_prints_and_flattens_as_jax():
    f = lambda a, b, c=0: a + b + c  # noqa: E731
    ours, theirs = tree_util.Partial(f, 1, c=2), jax.tree_util.Partial(f, 1, c=2)
    assert repr(tree.structure(ours)) == repr(jax.tree.structure(theirs))
    assert tree.leaves(ours) == jax.tree.leaves(theirs)


def test_namespaces_have_jax_names():
    public = lambda m: {n for n in dir(m) if not n.startswith("_")}  # noqa: E731
    assert public(jax.tree) <= public(tree), public(jax.tree) - public(tree)
    assert public(jax.tree_util) <= set(tree_util.__all__), \
        public(jax.tree_util) - set(tree_util.__all__)
    for name in tree_util.__all__:
        assert getattr(tree_util, name) is getattr(tree, name)
    assert fg.tree_util.default_registry.flatten({"a": 1})[0] == \
        jax.tree_util.default_registry.flatten({"a": 1})[0]


def test_optree_structures_passed_in_still_work():
    import optree
    spec = optree.tree_structure({"b": 1, "a": 2}, namespace=tree.NAMESPACE)
    assert list(tree.unflatten(spec, [1, 2])) == ["a", "b"]
    assert tree.structure({"a": 0, "b": 0}) == spec


def test_signatures_match_jax():
    import inspect
    for mod, ours in ((jax.tree, tree), (jax.tree_util, tree_util)):
        for name in dir(mod):
            theirs = getattr(mod, name)
            if name.startswith("_") or isinstance(theirs, type) or not callable(theirs):
                continue
            try:
                want = list(inspect.signature(theirs).parameters)
            except (TypeError, ValueError):
                continue
            assert list(inspect.signature(getattr(ours, name)).parameters) == want, name


def test_is_leaf_takes_path_as_jax():
    t = {"w": [5, 6], "b": [7, (8,)], "c": {"w": 1}}
    stop = lambda p, x: bool(p) and getattr(p[-1], "key", None) == "w"  # noqa: E731
    ours = tree.leaves_with_path(t, is_leaf=stop, is_leaf_takes_path=True)
    theirs = jax.tree.leaves_with_path(t, is_leaf=stop, is_leaf_takes_path=True)
    assert [(tree.keystr(p), x) for p, x in ours] == \
        [(jax.tree_util.keystr(p), x) for p, x in theirs]
    assert repr(tree.map_with_path(lambda p, x: len(p), t, is_leaf=stop,
                                   is_leaf_takes_path=True)) == \
        repr(jax.tree.map_with_path(lambda p, x: len(p), t, is_leaf=stop,
                                    is_leaf_takes_path=True))


def test_drop_fields_and_keyed_register_pytree_node_as_jax():
    @dataclasses.dataclass
    class D:
        x: object
        cache: object = None

    tree_util.register_dataclass(D, data_fields=["x"], meta_fields=[], drop_fields=["cache"])

    @dataclasses.dataclass
    class JD:
        x: object
        cache: object = None

    jax.tree_util.register_dataclass(JD, data_fields=["x"], meta_fields=[], drop_fields=["cache"])
    assert tree.leaves(D(1, "c")) == jax.tree.leaves(JD(1, "c")) == [1]
    assert tree.map(lambda v: v + 1, D(1, "c")) == D(2, None)

    class K:
        def __init__(self, a):
            self.a = a

    for lib in (tree_util, jax.tree_util):
        lib.register_pytree_node(K, lambda k: ((k.a,), None), lambda _, c: K(*c),
                                 lambda k, lib=lib: (((lib.GetAttrKey("a"), k.a),), None))
    assert [tree.keystr(p) for p, _ in tree.leaves_with_path(K(3))] == \
        [jax.tree_util.keystr(p) for p, _ in jax.tree.leaves_with_path(K(3))] == [".a"]
