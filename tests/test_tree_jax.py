"""funcgrad.tree's `jax.tree` names (map, leaves, structure, flatten, unflatten, transpose, reduce,
all, flatten_with_path, map_with_path, leaves_with_path, broadcast) against JAX's own, on the
same trees: dicts, lists, tuples, None (an empty subtree), namedtuples, dataclasses and custom
nodes, with and without `is_leaf`."""
from __future__ import annotations

import collections
import dataclasses
import operator

import numpy as np
import pytest

from funcgrad import tree

jax = pytest.importorskip("jax", reason="JAX oracle not installed: pip install -e '.[jax]'")

Pair = collections.namedtuple("Pair", "first second")


@dataclasses.dataclass
class Box:
    w: object
    b: object


class Node:
    def __init__(self, a, b):
        self.a, self.b = a, b

    def __eq__(self, other):
        return isinstance(other, Node) and (self.a, self.b) == (other.a, other.b)


tree.register_dataclass(Box)
jax.tree_util.register_dataclass(Box, data_fields=["w", "b"], meta_fields=[])
tree.register_pytree_node(Node, lambda n: ((n.a, n.b), None), lambda _, c: Node(*c))
jax.tree_util.register_pytree_node(Node, lambda n: ((n.a, n.b), None), lambda _, c: Node(*c))

TREES = [
    {"w": 1, "b": (2, 3)},
    [1, (2, None), {"z": 4, "a": [5]}],
    (None,),
    {},
    7,
    None,
    {"p": Pair(1, {"x": 2}), "e": []},
    [Box(1, (2, 3)), Node(4, [5, None])],
    {"arr": np.arange(3.0), "s": np.float32(2.0)},
]


def same_leaves(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert type(x) is type(y) and np.array_equal(x, y)


def path_signature(path):
    """A key path as (class name, bare key) pairs: comparable between the two libraries."""
    out = []
    for k in path:
        name = type(k).__name__
        bare = {"DictKey": "key", "SequenceKey": "idx", "GetAttrKey": "name",
                "FlattenedIndexKey": "key"}[name]
        out.append((name, getattr(k, bare)))
    return out


@pytest.mark.parametrize("t", TREES, ids=range(len(TREES)))
def test_leaves_flatten_structure_unflatten(t):
    same_leaves(tree.leaves(t), jax.tree.leaves(t))
    ours, theirs = tree.flatten(t), jax.tree.flatten(t)
    same_leaves(ours[0], theirs[0])
    assert ours[1].num_leaves == theirs[1].num_leaves
    assert ours[1].num_nodes == theirs[1].num_nodes
    assert tree.structure(t) == ours[1]
    rebuilt = tree.unflatten(ours[1], [("leaf", i) for i in range(ours[1].num_leaves)])
    expected = jax.tree.unflatten(theirs[1], [("leaf", i) for i in range(theirs[1].num_leaves)])
    assert rebuilt == expected


@pytest.mark.parametrize("t", TREES, ids=range(len(TREES)))
def test_map_and_map_with_path(t):
    f = lambda x: ("seen", str(x))  # noqa: E731
    # == not repr: JAX rebuilds dicts in sorted key order, optree in the input's order
    assert tree.map(f, t) == jax.tree.map(f, t)
    g = lambda p, x: (jax.tree_util.keystr(p) if p and not isinstance(p[0], tree.DictKey)  # noqa: E731
                      else tree.keystr(p), str(x))
    ours = tree.leaves(tree.map_with_path(g, t), is_leaf=lambda x: isinstance(x, tuple)
                       and len(x) == 2 and isinstance(x[0], str))
    theirs = jax.tree.leaves(jax.tree.map_with_path(g, t), is_leaf=lambda x: isinstance(
        x, tuple) and len(x) == 2 and isinstance(x[0], str))
    assert ours == theirs


@pytest.mark.parametrize("t", TREES, ids=range(len(TREES)))
def test_paths_match_jax(t):
    ours, theirs = tree.leaves_with_path(t), jax.tree.leaves_with_path(t)
    assert [path_signature(p) for p, _ in ours] == [path_signature(p) for p, _ in theirs]
    assert [tree.keystr(p) for p, _ in ours] == [jax.tree_util.keystr(p) for p, _ in theirs]
    assert [tree.keystr(p, simple=True, separator="/") for p, _ in ours] == \
        [jax.tree_util.keystr(p, simple=True, separator="/") for p, _ in theirs]
    same_leaves([x for _, x in ours], [x for _, x in theirs])
    pairs, treedef = tree.flatten_with_path(t)
    assert treedef == tree.structure(t) and len(pairs) == len(ours)
    theirs_pairs, _ = jax.tree_util.tree_flatten_with_path(t)  # tree_util spells it so too
    assert [path_signature(p) for p, _ in tree.tree_flatten_with_path(t)[0]] == \
        [path_signature(p) for p, _ in theirs_pairs]


def test_map_over_several_trees_and_is_leaf():
    a, b = {"x": (1, 2), "y": None}, {"x": (10, 20), "y": None}
    assert tree.map(operator.add, a, b) == jax.tree.map(operator.add, a, b)
    is_pair = lambda x: isinstance(x, tuple)  # noqa: E731
    assert tree.map(len, a, is_leaf=is_pair) == jax.tree.map(len, a, is_leaf=is_pair)
    assert tree.leaves([(1, 2), (3,)], is_leaf=is_pair) == \
        jax.tree.leaves([(1, 2), (3,)], is_leaf=is_pair)
    assert [tree.keystr(p) for p, _ in tree.leaves_with_path([(1, 2)], is_leaf=is_pair)] == \
        [jax.tree_util.keystr(p) for p, _ in jax.tree.leaves_with_path([(1, 2)],
                                                                       is_leaf=is_pair)]


def test_mismatched_structures_raise_as_jax():
    with pytest.raises(ValueError):
        jax.tree.map(operator.add, {"a": 1}, {"b": 1})
    with pytest.raises(ValueError):
        tree.map(operator.add, {"a": 1}, {"b": 1})


@pytest.mark.parametrize("outer,inner,t", [
    ([0, 0], (0, 0), [(1, 2), (3, 4)]),
    ({"a": 0, "b": 0}, [0, 0, 0], {"a": [1, 2, 3], "b": [4, 5, 6]}),
    ((0,), {"x": 0}, ({"x": 1},)),
])
def test_transpose(outer, inner, t):
    expected = jax.tree.transpose(jax.tree.structure(outer), jax.tree.structure(inner), t)
    assert tree.transpose(tree.structure(outer), tree.structure(inner), t) == expected
    assert tree.transpose(tree.structure(outer), None, t) == \
        jax.tree.transpose(jax.tree.structure(outer), None, t)


@pytest.mark.parametrize("t", [{"a": 1, "b": (2, 3)}, [5], [[1, 2], (4,)], [], None])
def test_reduce_and_all(t):
    assert tree.reduce(operator.add, t, 0) == jax.tree.reduce(operator.add, t, 0)
    assert tree.reduce(operator.add, t, initializer=100) == \
        jax.tree.reduce(operator.add, t, initializer=100)
    if jax.tree.leaves(t):
        assert tree.reduce(operator.sub, t) == jax.tree.reduce(operator.sub, t)
    else:
        with pytest.raises(TypeError):
            jax.tree.reduce(operator.add, t)
        with pytest.raises(TypeError, match="initializer"):
            tree.reduce(operator.add, t)
    assert tree.all(t) == jax.tree.all(t)
    assert tree.all(tree.map(lambda x: x > 2, t)) == jax.tree.all(jax.tree.map(lambda x: x > 2, t))


@pytest.mark.parametrize("prefix,full", [
    ({"a": 1, "b": 2}, {"a": (0, 0), "b": [0]}),
    (3, [0, (0, 0)]),
    ([1, None], [[0, 0], None]),
])
def test_broadcast(prefix, full):
    assert tree.broadcast(prefix, full) == jax.tree.broadcast(prefix, full)


def test_tree_util_spellings_are_the_same_functions():
    assert tree.tree_map_with_path is tree.map_with_path
    assert tree.tree_leaves_with_path is tree.leaves_with_path
    assert tree.tree_reduce is tree.reduce and tree.tree_all is tree.all
    assert tree.tree_transpose is tree.transpose and tree.map is tree.tree_map
