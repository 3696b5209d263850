"""funcgrad.tree: optree-backed pytree helpers in the 'funcgrad' namespace."""
import collections
import dataclasses

import optree
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import tree

Point = collections.namedtuple("Point", "x y")


def test_leaves_in_a_fixed_order():
    t = {"b": [1, (2, 3)], "a": 4, "c": Point(5, {"z": 6, "y": 7})}
    # dict keys sorted, sequences in order, namedtuples by field
    assert tree.tree_leaves(t) == [4, 1, 2, 3, 5, 7, 6]


def test_none_is_an_empty_subtree():
    t = [1, None, (None, 2), {"a": None}]
    assert tree.tree_leaves(t) == [1, 2]
    assert tree.tree_leaves(None) == []
    leaves, td = tree.tree_flatten(t)
    assert tree.tree_unflatten(td, [10, 20]) == [10, None, (None, 20), {"a": None}]
    assert tree.tree_map(lambda x: x * 2, t) == [2, None, (None, 4), {"a": None}]
    assert tree.tree_structure(None) != tree.tree_structure(0)


def test_flatten_unflatten_round_trip():
    t = {"w": [fnp.ones(2), 3.0], "p": Point(1, (2, None)), "e": (), "d": {}}
    leaves, td = tree.tree_flatten(t)
    assert len(leaves) == 4 and td.num_leaves == 4
    back = tree.tree_unflatten(td, leaves)
    assert back.keys() == t.keys() and isinstance(back["p"], Point)
    assert back["e"] == () and back["d"] == {} and back["p"].y == (2, None)
    assert tree.tree_structure(back) == td
    with pytest.raises(ValueError):
        tree.tree_unflatten(td, leaves[:-1])


_leaf = st.integers() | st.floats(allow_nan=False) | st.none()
_trees = st.recursive(_leaf, lambda ch: st.lists(ch, max_size=3)
                      | st.tuples(ch, ch)
                      | st.dictionaries(st.text("abc", min_size=1, max_size=2), ch, max_size=3),
                      max_leaves=12)


@given(_trees)
def test_round_trip_property(t):
    leaves, td = tree.tree_flatten(t)
    assert tree.tree_unflatten(td, leaves) == t
    assert tree.tree_leaves(t) == leaves
    assert tree.tree_structure(t) == td
    assert tree.tree_map(lambda x: x, t) == t


def test_tree_map_over_several_trees():
    a = {"x": 1, "y": (2, 3)}
    b = {"x": 10, "y": (20, 30)}
    c = {"x": 100, "y": (200, 300)}
    assert tree.tree_map(lambda p, q, r: p + q + r, a, b, c) == {"x": 111, "y": (222, 333)}
    with pytest.raises(ValueError):
        tree.tree_map(lambda p, q: p + q, [1, 2], [1, 2, 3])
    with pytest.raises(ValueError):
        tree.tree_map(lambda p, q: p + q, (1, 2), [1, 2])


def test_tree_map_is_leaf():
    t = {"a": [1, 2], "b": [3]}
    out = tree.tree_map(len, t, is_leaf=lambda x: isinstance(x, list))
    assert out == {"a": 2, "b": 1}
    assert tree.tree_leaves(t, is_leaf=lambda x: isinstance(x, list)) == [[1, 2], [3]]


def test_flatten_with_path_and_keystr():
    pairs, td = tree.tree_flatten_with_path({"w": [1, 2], "b": {"c": 3}})
    paths, leaves = [p for p, _ in pairs], [x for _, x in pairs]
    assert leaves == [3, 1, 2]
    assert paths == [(tree.DictKey("b"), tree.DictKey("c")),
                     (tree.DictKey("w"), tree.SequenceKey(0)), (tree.DictKey("w"), tree.SequenceKey(1))]
    assert [tree.keystr(p) for p in paths] == ["['b']['c']", "['w'][0]", "['w'][1]"]
    assert td == tree.tree_structure({"w": [0, 0], "b": {"c": 0}})


def test_register_pytree_node():
    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b

    assert tree.register_pytree_node(
        Pair, lambda p: ((p.a, p.b), "meta"), lambda aux, ch: Pair(*ch)) is Pair
    t = [Pair(1, (2, 3)), 4]
    assert tree.tree_leaves(t) == [1, 2, 3, 4]
    out = tree.tree_map(lambda x: x * 10, t)
    assert isinstance(out[0], Pair) and out[0].a == 10 and out[0].b == (20, 30)
    # aux data is part of the structure
    _, td = tree.tree_flatten(Pair(1, 2))
    assert "meta" in str(td)
    # and transforms see it
    g = fg.grad(lambda p: p.a * p.b)(Pair(2.0, 5.0))
    assert isinstance(g, Pair) and float(g.a) == 5.0 and float(g.b) == 2.0


def test_register_dataclass_with_meta_fields():
    @dataclasses.dataclass
    class Conf:
        w: object
        b: object
        act: str
        n: int

    tree.register_dataclass(Conf, data_fields=["w", "b"], meta_fields=["act", "n"])
    c = Conf(1.0, 2.0, "relu", 3)
    leaves, td = tree.tree_flatten(c)
    assert leaves == [1.0, 2.0]
    back = tree.tree_unflatten(td, [5.0, 6.0])
    assert back == Conf(5.0, 6.0, "relu", 3)
    # meta fields are structure: different metadata, different treedef
    assert tree.tree_structure(Conf(0, 0, "relu", 3)) == td
    assert tree.tree_structure(Conf(0, 0, "tanh", 3)) != td
    assert tree.tree_map(lambda x: x + 1, c) == Conf(2.0, 3.0, "relu", 3)


def test_register_dataclass_as_a_decorator():
    @tree.register_dataclass
    @dataclasses.dataclass
    class P:
        w: float
        b: float

    assert tree.tree_leaves(P(1.0, 2.0)) == [1.0, 2.0]
    assert tree.tree_map(lambda x: -x, P(1.0, 2.0)) == P(-1.0, -2.0)


def test_register_dataclass_with_only_meta_fields_given():
    @dataclasses.dataclass
    class Q:
        w: object
        name: str

    tree.register_dataclass(Q, meta_fields=["name"])  # the other fields are data
    assert tree.tree_leaves(Q(1.0, "q")) == [1.0]
    assert tree.tree_map(lambda x: x * 2, Q(1.0, "q")) == Q(2.0, "q")


def test_register_dataclass_skips_non_init_fields():
    @dataclasses.dataclass
    class R:
        w: float
        cache: int = dataclasses.field(default=0, init=False)

    tree.register_dataclass(R)
    assert tree.tree_leaves(R(3.0)) == [3.0]
    assert tree.tree_map(lambda x: x + 1, R(3.0)).w == 4.0


def test_namespace_isolation():
    class Box:
        def __init__(self, v):
            self.v = v

    tree.register_pytree_node(Box, lambda b: ((b.v,), None), lambda _, c: Box(*c))
    b = Box(3)
    assert tree.tree_leaves(b) == [3]
    # optree's global namespace does not know Box: it is a leaf there
    assert optree.tree_leaves(b) == [b]
    assert optree.tree_leaves(b, namespace="other") == [b]
    # and the funcgrad namespace is where it is registered
    assert optree.tree_leaves(b, namespace="funcgrad") == [3]

    @dataclasses.dataclass
    class D:
        x: float
    tree.register_dataclass(D)
    assert optree.tree_leaves(D(1.0)) == [D(1.0)]


def test_registering_twice_is_an_error():
    class C:
        pass

    tree.register_pytree_node(C, lambda c: ((), None), lambda _, ch: C())
    with pytest.raises(ValueError):
        tree.register_pytree_node(C, lambda c: ((), None), lambda _, ch: C())
