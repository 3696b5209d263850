"""Pytrees: nested tuples, lists, dicts, namedtuples, None and registered classes, through optree
under the namespace 'funcgrad'. Every transform flattens its arguments and outputs with these.

>>> import funcgrad as fg
>>> fg.tree.tree_map(lambda x: x * 2, {"a": 1, "b": (2, 3)})
{'a': 2, 'b': (4, 6)}
"""
from __future__ import annotations

import builtins
import collections
import contextlib
import dataclasses
import threading
import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Optional, TypeVar

import optree

from ._core.typing import PyTree

# The public names (what `import *` and the API reference take); the typing helpers below are not.
__all__ = ["tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure", "tree_map",
           "tree_flatten_with_path", "register_pytree_node", "register_pytree_node_class",
           "register_dataclass", "keystr",
           "PyTreeDef",
           # JAX's key-path entries and its `jax.tree` / `jax.tree_util` names
           "DictKey", "SequenceKey", "GetAttrKey", "FlattenedIndexKey", "KeyPath",
           "map", "leaves", "structure", "flatten", "unflatten", "transpose", "reduce", "all",
           "flatten_with_path", "map_with_path", "leaves_with_path", "broadcast",
           "tree_map_with_path", "tree_leaves_with_path", "tree_reduce", "tree_all",
           "tree_transpose", "tree_broadcast", "reduce_associative", "tree_reduce_associative",
           "Partial", "register_static", "register_pytree_with_keys",
           "register_pytree_with_keys_class", "all_leaves", "flatten_one_level",
           "treedef_is_leaf", "treedef_children", "treedef_tuple", "KeyEntry", "static",
           "flatten_one_level_with_keys", "is_tree_node", "default_registry",
           "keep_insertion_order"]

T = TypeVar("T", bound=type)
IsLeaf = Optional[Callable[[Any], bool]]

NAMESPACE = "funcgrad"



class PyTreeDef:
    """A pytree's structure without its leaves, as JAX's `PyTreeDef`: it prints as JAX prints
    one, and rebuilds dicts in sorted key order as JAX does (optree, underneath, would keep the
    input's order). Equal for trees that differ only in their dicts' insertion order.

    >>> td = structure({"b": 1, "a": (2, None)})
    >>> td
    PyTreeDef({'a': (*, None), 'b': *})
    >>> td.unflatten([10, 20]), td.num_leaves, td.num_nodes
    ({'a': (10, None), 'b': 20}, 2, 5)
    """

    __slots__ = ("spec", "_sorted")

    def __init__(self, spec: optree.PyTreeSpec) -> None:
        self.spec = spec        # optree's structure, the dicts in the input's key order
        # the same with every dict in sorted key order, on first use
        self._sorted: Optional[optree.PyTreeSpec] = None

    @property
    def num_leaves(self) -> int:
        return self.spec.num_leaves

    @property
    def num_nodes(self) -> int:
        return self.spec.num_nodes

    def sorted_spec(self) -> optree.PyTreeSpec:
        """optree's structure that rebuilds dicts as JAX does: keys in sorted order."""
        s = self._sorted
        if s is None:
            s = self._sorted = _sorted_spec(self.spec)
        return s

    def unflatten(self, leaves: Iterable[Any]) -> PyTree:
        if _order.keep:
            return self.spec.unflatten(leaves)
        return self.sorted_spec().unflatten(leaves)

    def flatten_up_to(self, tree: PyTree) -> list[Any]:
        return self.spec.flatten_up_to(tree)

    def children(self) -> list[PyTreeDef]:
        return [PyTreeDef(c) for c in self.spec.children()]

    def compose(self, inner: PyTreeDef) -> PyTreeDef:
        return PyTreeDef(self.spec.compose(_spec(inner)))

    def node_data(self) -> Optional[tuple[type, Any]]:
        """(node type, its auxiliary data) of the root; None for a leaf."""
        return self.spec.walk(range(self.spec.num_leaves), lambda t, d, c: (t, d),
                              lambda _: None)

    def walk(self, f_node: Callable[[Any, Any], Any], f_leaf: Optional[Callable[[Any], Any]],
             leaves: Iterable[Any]) -> Any:
        """JAX's walk: `f_node(children, node_data)` bottom-up, `f_leaf(leaf)` at leaves."""
        return self.spec.walk(leaves, lambda t, d, c: f_node(c, d),
                              f_leaf if f_leaf is not None else (lambda x: x))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PyTreeDef):
            return self.spec == other.spec
        return isinstance(other, optree.PyTreeSpec) and self.spec == other

    def __hash__(self) -> int:
        return hash(self.spec)

    def __repr__(self) -> str:
        return f"PyTreeDef({self.spec.walk(range(self.spec.num_leaves), _node_str, _leaf_str)})"

    __str__ = __repr__

    def __getattr__(self, name: str) -> Any:  # optree's other attributes (kind, entries, ...)
        if name.startswith("__") or name in ("spec", "_sorted"):  # (not set yet: unpickling)
            raise AttributeError(name)
        return getattr(self.spec, name)


def _spec(td: Any) -> optree.PyTreeSpec:
    return td.spec if isinstance(td, PyTreeDef) else td


def _leaf_str(_: Any) -> str:
    return "*"


def _node_str(node_type: type, data: Any, children: tuple[str, ...]) -> str:
    """One node of a PyTreeDef's repr, as JAX writes it."""
    inner = ", ".join(children)
    if node_type is tuple:
        return f"({inner},)" if len(children) == 1 else f"({inner})"
    if node_type is list:
        return f"[{inner}]"
    if node_type is dict:
        return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(data, children)) + "}"
    if node_type is type(None):
        return "None"
    if optree.is_namedtuple_class(node_type):
        return f"CustomNode(namedtuple[{node_type.__name__}], [{inner}])"
    if node_type is collections.OrderedDict:
        data = tuple(data)
    elif node_type is collections.defaultdict:
        data = (data[0], tuple(data[1]))
    return f"CustomNode({node_type.__name__}[{data}], [{inner}])"


class _Order(threading.local):
    keep = False  # inside keep_insertion_order(): dicts rebuild in their input's key order


_order = _Order()


@contextlib.contextmanager
def keep_insertion_order() -> Iterator[None]:
    """Within it (in this thread), rebuilt dicts keep their input's key order instead of JAX's
    sorted order: what PyTorch code expects of a state dict (funcgrad.torch.func uses it).

    >>> with keep_insertion_order():
    ...     map(lambda x: x, {"w": 1, "b": 2})
    {'w': 1, 'b': 2}
    """
    before, _order.keep = _order.keep, True
    try:
        yield
    finally:
        _order.keep = before


_SORTED: dict = {}  # structure -> the equal structure whose dicts rebuild in sorted key order
_SORTED_LIMIT = 4096
_DICT_KINDS = (optree.PyTreeKind.DICT, optree.PyTreeKind.DEFAULTDICT)


def _sorted_spec(spec: optree.PyTreeSpec) -> optree.PyTreeSpec:
    """`spec` with every dict (and defaultdict) in sorted key order. Structures that differ
    only in insertion order are equal (and hash alike), so one cache entry serves them all."""
    try:
        found = _SORTED.get(spec)
    except TypeError:  # a custom node's unhashable aux data: work it out each time
        return spec.transform(_sort_node)
    if found is None:
        found = spec.transform(_sort_node)
        if len(_SORTED) >= _SORTED_LIMIT:
            _SORTED.clear()
        _SORTED[found] = found
    return found


def clear_caches() -> None:
    """Forget the sorted structures worked out so far (`funcgrad.clear_caches` calls it)."""
    _SORTED.clear()


def _sort_node(node: optree.PyTreeSpec) -> optree.PyTreeSpec:
    if node.kind not in _DICT_KINDS:
        return node
    rebuilt = node.unflatten(range(node.num_children))
    keys = node.entries()  # optree's sorted order
    if list(rebuilt) == keys:
        return node
    leaf = optree.treespec_leaf(namespace=node.namespace)
    mapping = {k: leaf for k in keys}
    if node.kind == optree.PyTreeKind.DICT:
        return optree.treespec_dict(mapping, namespace=node.namespace)
    return optree.treespec_defaultdict(rebuilt.default_factory,  # type: ignore[arg-type]
                                       mapping,
                                       namespace=node.namespace)


def _too_deep() -> ValueError:
    """optree flattens recursively; a pytree deeper than Python's recursion limit is refused
    with this error rather than a RecursionError (JAX's would overflow the same way)."""
    return ValueError(f"the pytree is nested deeper than can be flattened (Python's recursion "
                      f"limit is {sys.getrecursionlimit()}): hold deep data in arrays, or "
                      f"flatten the nesting before passing it to funcgrad")


def tree_flatten(tree: PyTree, is_leaf: IsLeaf = None) -> tuple[list[Any], PyTreeDef]:
    """(leaves, treedef): the leaves in a fixed order and the structure to rebuild the tree.
    None is an empty subtree, not a leaf; `is_leaf` stops the descent where it returns True.

    >>> tree_flatten({"a": 1, "b": (2, None)})[0]
    [1, 2]
    >>> tree_flatten([(1, 2), (3, 4)], is_leaf=lambda x: isinstance(x, tuple))[0]
    [(1, 2), (3, 4)]
    """
    try:
        leaves_, spec = optree.tree_flatten(tree, is_leaf=is_leaf, namespace=NAMESPACE)
    except RecursionError:
        raise _too_deep() from None
    return leaves_, PyTreeDef(spec)


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> PyTree:
    """The tree of `treedef` with `leaves` in place of its leaves (tree_flatten's inverse).

    >>> leaves, treedef = tree_flatten({"a": 1, "b": (2, 3)})
    >>> tree_unflatten(treedef, [x * 10 for x in leaves])
    {'a': 10, 'b': (20, 30)}
    """
    if isinstance(treedef, PyTreeDef):
        return treedef.unflatten(leaves)
    return (treedef if _order.keep else _sorted_spec(treedef)).unflatten(leaves)


def tree_leaves(tree: PyTree, is_leaf: IsLeaf = None) -> list[Any]:
    """The leaves of `tree`, in tree_flatten's order.

    >>> tree_leaves({"b": (2, None), "a": [1]})
    [1, 2]
    """
    try:
        return optree.tree_leaves(tree, is_leaf=is_leaf, namespace=NAMESPACE)
    except RecursionError:
        raise _too_deep() from None


def tree_structure(tree: PyTree, is_leaf: IsLeaf = None) -> PyTreeDef:
    """The structure of `tree` without its leaves (what transforms compare and cache on).

    >>> tree_structure((1, {"a": 2})) == tree_structure((3, {"a": 4}))
    True
    """
    try:
        return PyTreeDef(optree.tree_structure(tree, is_leaf=is_leaf, namespace=NAMESPACE))
    except RecursionError:
        raise _too_deep() from None


def tree_map(f: Callable[..., Any], tree: PyTree, *rest: PyTree,
             is_leaf: IsLeaf = None) -> PyTree:
    """Apply f leafwise over one or more trees of the same structure.

    >>> tree_map(lambda a, b: a + b, [1, (2, 3)], [10, (20, 30)])
    [11, (22, 33)]
    >>> tree_map(lambda x: x, {"b": 1, "a": 2})  # dicts come back in sorted key order, as JAX's
    {'a': 2, 'b': 1}
    """
    try:
        xs, spec = optree.tree_flatten(tree, is_leaf=is_leaf, namespace=NAMESPACE)
    except RecursionError:
        raise _too_deep() from None
    out_spec = spec if _order.keep else _sorted_spec(spec)
    if rest:
        return out_spec.unflatten(builtins.map(f, xs, *(spec.flatten_up_to(r) for r in rest)))
    return out_spec.unflatten(builtins.map(f, xs))


def keystr(keys: Iterable[Any], *, simple: bool = False, separator: str = "") -> str:
    """A path as indexing code. Entries are JAX's key objects (`DictKey`, `SequenceKey`,
    `GetAttrKey`, `FlattenedIndexKey`, as `leaves_with_path` gives them, or any key object that
    prints itself) or raw dict keys and indices. `simple=True` writes each entry's bare key,
    joined by `separator`, as JAX's keystr does.

    >>> keystr(("w", 0))
    "['w'][0]"
    >>> keystr((DictKey("n"), GetAttrKey("mu"), SequenceKey(1)))
    "['n'].mu[1]"
    >>> keystr((DictKey("n"), GetAttrKey("mu")), simple=True, separator="/")
    'n/mu'
    """
    if simple:
        return separator.join(str(_bare_key(k)) for k in keys)
    return separator.join(f"[{k!r}]" if _is_raw_key(k) else str(k) for k in keys)


def _is_raw_key(k: Any) -> bool:
    """A bare dict key or index (a raw optree path entry), not a key-entry object such as
    DictKey or optax's NamedTupleKey, which print themselves."""
    return type(k).__module__ == "builtins" or isinstance(k, (str, int))


def register_pytree_node(nodetype: T, flatten_func: Callable[[Any], tuple[Iterable[Any], Any]],
                         unflatten_func: Callable[[Any, Iterable[Any]], Any],
                         flatten_with_keys_func: Optional[Callable[[Any], Any]] = None) -> T:
    """Make instances of `nodetype` pytree nodes.

    flatten_func(node) -> (children, aux_data); unflatten_func(aux_data, children) -> node;
    with `flatten_with_keys_func(node) -> ([(key, child), ...], aux_data)` the key paths use
    the node's own keys (see register_pytree_with_keys).

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> _ = register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
    >>> tree_leaves(Pair(1, (2, 3)))
    [1, 2, 3]
    """
    if flatten_with_keys_func is not None:
        return register_pytree_with_keys(nodetype, flatten_with_keys_func, unflatten_func,
                                         flatten_func)
    optree.register_pytree_node(nodetype, flatten_func, unflatten_func, namespace=NAMESPACE)
    return nodetype


def register_pytree_node_class(cls: T) -> T:
    """Register a class whose instances flatten themselves, as JAX's decorator of that name:
    `obj.tree_flatten() -> (children, aux_data)` and `cls.tree_unflatten(aux_data, children)`.

    >>> @register_pytree_node_class
    ... class Scaled:
    ...     def __init__(self, x, k): self.x, self.k = x, k
    ...     def tree_flatten(self): return (self.x,), self.k
    ...     @classmethod
    ...     def tree_unflatten(cls, k, children): return cls(children[0], k)
    >>> tree_map(lambda v: v + 1, Scaled(1.0, "static")).x
    2.0
    """
    return register_pytree_node(cls, lambda obj: obj.tree_flatten(),
                                cls.tree_unflatten)  # type: ignore[attr-defined]


def register_dataclass(nodetype: T, data_fields: Optional[Iterable[str]] = None,
                       meta_fields: Optional[Iterable[str]] = None,
                       drop_fields: Iterable[str] = ()) -> T:
    """Register a dataclass: `data_fields` are children (traced), `meta_fields` static metadata.
    Without field lists, every field is data but those marked `static(...)`; `drop_fields` are
    neither (left to their defaults when rebuilt). Usable as a decorator.

    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Params:
    ...     w: float
    ...     b: float
    >>> tree_leaves(Params(1.0, 2.0))
    [1.0, 2.0]
    """
    dropped = set(drop_fields)
    if meta_fields is None:  # the fields marked static (`field(metadata={"static": True})`)
        meta_fields = [f.name for f in dataclasses.fields(nodetype)
                       if f.init and f.metadata.get("static", False) and f.name not in dropped]
    meta_fields = list(meta_fields)
    if data_fields is None:  # every init field that is not metadata
        data_fields = [f.name for f in dataclasses.fields(nodetype)
                       if f.init and f.name not in meta_fields and f.name not in dropped]
    data_fields = list(data_fields)

    def flatten(x):
        # the third element names each child, so paths show `.field` as JAX's do
        return ([getattr(x, n) for n in data_fields], tuple(getattr(x, n) for n in meta_fields),
                data_fields)

    def unflatten(meta, children):
        return nodetype(**dict(zip(data_fields, children)), **dict(zip(meta_fields, meta)))

    optree.register_pytree_node(nodetype, flatten, unflatten,
                                path_entry_type=optree.GetAttrEntry, namespace=NAMESPACE)
    return nodetype


# ---------------------------------------------------------------------------------------------
# JAX's key paths: a path is a tuple of entries, each saying how a child is reached from its node.


@dataclasses.dataclass(frozen=True)
class DictKey:
    """A dict entry on a key path: `node[key]`.

    >>> str(DictKey("w"))
    "['w']"
    """
    key: Any

    def __str__(self) -> str:
        return f"[{self.key!r}]"


@dataclasses.dataclass(frozen=True)
class SequenceKey:
    """A list or tuple entry on a key path: `node[idx]`.

    >>> str(SequenceKey(2))
    '[2]'
    """
    idx: int

    def __str__(self) -> str:
        return f"[{self.idx}]"


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
    """A named attribute on a key path (namedtuple fields, dataclass fields): `node.name`.

    >>> str(GetAttrKey("mu"))
    '.mu'
    """
    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclasses.dataclass(frozen=True)
class FlattenedIndexKey:
    """The i-th child of a node registered without key names (register_pytree_node).

    >>> str(FlattenedIndexKey(0))
    '[<flat index 0>]'
    """
    key: int

    def __str__(self) -> str:
        return f"[<flat index {self.key}>]"


KeyPath = tuple[Any, ...]


def _bare_key(k: Any) -> Any:
    if isinstance(k, DictKey | FlattenedIndexKey):
        return k.key
    if isinstance(k, SequenceKey):
        return k.idx
    if isinstance(k, GetAttrKey):
        return k.name
    return k


def _key_entry(e: Any) -> Any:
    """optree's accessor entry as JAX's key entry."""
    if type(e) is optree.PyTreeEntry:  # register_pytree_with_keys: the node's own key objects
        return e.entry
    if isinstance(e, optree.NamedTupleEntry | optree.StructSequenceEntry):
        return GetAttrKey(e.field)
    if isinstance(e, optree.GetAttrEntry):  # dataclasses and register_dataclass nodes
        return GetAttrKey(e.name)
    if isinstance(e, optree.MappingEntry):
        return DictKey(e.entry)
    if isinstance(e, optree.SequenceEntry):
        return SequenceKey(e.entry)
    return FlattenedIndexKey(e.entry)


def flatten_with_path(tree: PyTree, is_leaf: IsLeaf = None, is_leaf_takes_path: bool = False
                      ) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
    """([(key_path, leaf), ...], treedef), as `jax.tree.flatten_with_path`: each path is a
    tuple of `DictKey`, `SequenceKey`, `GetAttrKey` or `FlattenedIndexKey`. With
    `is_leaf_takes_path=True`, `is_leaf(path, node)` decides.

    >>> pairs, _ = flatten_with_path({"w": [5, 6]})
    >>> [(keystr(p), x) for p, x in pairs]
    [("['w'][0]", 5), ("['w'][1]", 6)]
    >>> [x for _, x in flatten_with_path({"w": [5, 6], "b": [7]}, is_leaf_takes_path=True,
    ...                                  is_leaf=lambda p, x: keystr(p) == "['w']")[0]]
    [7, [5, 6]]
    """
    if is_leaf is not None and is_leaf_takes_path:
        is_leaf = _path_leaf_predicate(tree, is_leaf)
    accessors, leaves_, treedef = optree.tree_flatten_with_accessor(
        tree, is_leaf=is_leaf, namespace=NAMESPACE)
    paths = [tuple(_key_entry(e) for e in acc) for acc in accessors]
    return list(zip(paths, leaves_)), PyTreeDef(treedef)


def _path_leaf_predicate(tree: PyTree, is_leaf: Callable[..., bool]
                         ) -> Callable[[Any], bool]:
    """An is_leaf(node) equal to is_leaf(path, node): the nodes it stops at, found walking down
    from the root with their paths (by identity: the walk and the flatten see the same
    objects)."""
    stops: set[int] = set()

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if is_leaf(path, node):
            stops.add(id(node))
            return
        try:
            children = flatten_one_level_with_keys(node)[0]
        except ValueError:  # a leaf
            return
        for key, child in children:
            walk(child, path + (key,))

    walk(tree, ())
    return lambda x: id(x) in stops


def leaves_with_path(tree: PyTree, is_leaf: IsLeaf = None, is_leaf_takes_path: bool = False
                     ) -> list[tuple[KeyPath, Any]]:
    """[(key_path, leaf), ...], as `jax.tree.leaves_with_path`.

    >>> [(keystr(p), x) for p, x in leaves_with_path((1, {"a": 2}))]
    [('[0]', 1), ("[1]['a']", 2)]
    """
    return flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def map_with_path(f: Callable[..., Any], tree: PyTree, *rest: PyTree,
                  is_leaf: IsLeaf = None, is_leaf_takes_path: bool = False) -> PyTree:
    """`f(key_path, leaf, *other_leaves)` leafwise, as `jax.tree.map_with_path`.

    >>> map_with_path(lambda p, x: keystr(p) if x else x, {"a": [1, 0]})
    {'a': ["['a'][0]", 0]}
    """
    pairs, treedef = flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    others = [treedef.flatten_up_to(r) for r in rest]
    return treedef.unflatten([f(p, x, *(o[i] for o in others))
                              for i, (p, x) in enumerate(pairs)])


def transpose(outer_treedef: PyTreeDef, inner_treedef: Optional[PyTreeDef],
              pytree_to_transpose: PyTree) -> PyTree:
    """Turn a tree of structure outer-of-inner into inner-of-outer, as `jax.tree.transpose`;
    `inner_treedef=None` takes the inner structure from the first outer leaf.

    >>> transpose(structure([0, 0]), structure((0, 0)), [(1, 2), (3, 4)])
    ([1, 3], [2, 4])
    """
    if inner_treedef is None:
        subtrees = outer_treedef.flatten_up_to(pytree_to_transpose)
        inner_treedef = structure(subtrees[0]) if subtrees else structure(None)
    return optree.tree_transpose(_sorted_spec(_spec(outer_treedef)),
                                 _sorted_spec(_spec(inner_treedef)), pytree_to_transpose)


_NO_INIT: Any = object()


def reduce(function: Callable[[Any, Any], Any], tree: PyTree, initializer: Any = _NO_INIT,
           is_leaf: IsLeaf = None) -> Any:
    """Fold `function` over the leaves left to right, as `jax.tree.reduce`; with no
    initializer the first leaf starts the fold (an empty tree is then a TypeError).

    >>> reduce(lambda a, b: a + b, {"a": 1, "b": (2, 3)})
    6
    >>> reduce(max, [], initializer=-1)
    -1
    """
    xs = leaves(tree, is_leaf)
    if initializer is _NO_INIT:
        if not xs:
            raise TypeError("reduce() of an empty tree with no initializer: pass "
                            "initializer=, e.g. fg.tree.reduce(f, tree, initializer=0)")
        acc, xs = xs[0], xs[1:]
    else:
        acc = initializer
    for x in xs:
        acc = function(acc, x)
    return acc


def all(tree: PyTree, *, is_leaf: IsLeaf = None) -> bool:  # noqa: A001 (JAX's name)
    """Whether every leaf is truthy, as `jax.tree.all` (True for an empty tree).

    >>> all({"a": True, "b": (1, None)}), all([0, 1])
    (True, False)
    """
    return builtins.all(leaves(tree, is_leaf))


def broadcast(prefix_tree: PyTree, full_tree: PyTree, is_leaf: IsLeaf = None) -> PyTree:
    """`prefix_tree` with each of its leaves repeated over the matching subtree of `full_tree`,
    as `jax.tree.broadcast`.

    >>> broadcast({"a": 1, "b": 2}, {"a": (0, 0), "b": [0]})
    {'a': (1, 1), 'b': [2]}
    """
    prefix_def = structure(prefix_tree, is_leaf)
    subtrees = prefix_def.flatten_up_to(full_tree)
    return prefix_def.unflatten(
        tree_map(lambda _, v=v: v, sub, is_leaf=is_leaf)
        for v, sub in zip(leaves(prefix_tree, is_leaf), subtrees))


def reduce_associative(operation: Callable[[Any, Any], Any], tree: PyTree, *,
                       identity: Any = _NO_INIT, is_leaf: IsLeaf = None) -> Any:
    """Combine the leaves pairwise, as a balanced tree of `operation` calls (which must be
    associative), as `jax.tree.reduce_associative`; `identity` is the result for an empty tree.

    >>> reduce_associative(lambda a, b: a + b, [1, 2, 3, 4, 5])
    15
    """
    xs = leaves(tree, is_leaf)
    if not xs:
        if identity is _NO_INIT:
            raise TypeError("Must specify identity for parallel reduction of empty sequence: "
                            "pass identity=, e.g. fg.tree.reduce_associative(f, tree, identity=0)")
        return identity
    while len(xs) > 1:
        xs = [operation(xs[i], xs[i + 1]) if i + 1 < len(xs) else xs[i]
              for i in range(0, len(xs), 2)]
    return xs[0]


class Partial(functools.partial):
    """functools.partial as a pytree, as `jax.tree_util.Partial`: the bound arguments are its
    children (so it can pass through jit and be mapped over), the function is static.

    >>> add = Partial(lambda a, b, c=0: a + b + c, 1, c=5)
    >>> leaves(add), add(2), map(lambda x: x * 10, add)(2)
    ([1, 5], 8, 62)
    """


def _unflatten_partial(func: Any, children: Iterable[Any]) -> Partial:
    args, keywords = children
    return Partial(func, *args, **keywords)


register_pytree_node(Partial, lambda p: ((p.args, p.keywords), p.func), _unflatten_partial)


def register_static(cls: T) -> T:
    """Make instances of `cls` pytree nodes with no children: the whole object is static
    metadata (it must be hashable), as `jax.tree_util.register_static`.

    >>> @register_static
    ... class Config:
    ...     pass
    >>> leaves([Config(), 1])
    [1]
    """
    return register_pytree_node(cls, lambda x: ((), x), lambda x, _: x)


def register_pytree_with_keys(nodetype: T, flatten_with_keys: Callable[[Any], tuple[Iterable[
        tuple[Any, Any]], Any]], unflatten_func: Callable[[Any, Iterable[Any]], Any],
        flatten_func: Optional[Callable[[Any], tuple[Iterable[Any], Any]]] = None) -> T:
    """Register `nodetype` with key paths of its own: `flatten_with_keys(node)` gives
    ([(key, child), ...], aux_data), the keys being key entries such as GetAttrKey, as
    `jax.tree_util.register_pytree_with_keys` (`flatten_func` is accepted for JAX's signature;
    the keyed flatten serves both).

    >>> class Point:
    ...     def __init__(self, x, y): self.x, self.y = x, y
    >>> _ = register_pytree_with_keys(
    ...     Point, lambda p: (((GetAttrKey("x"), p.x), (GetAttrKey("y"), p.y)), None),
    ...     lambda _, c: Point(*c))
    >>> [keystr(k) for k, _ in leaves_with_path(Point(1, 2))]
    ['.x', '.y']
    """
    del flatten_func  # the keyed flatten gives the children too

    def flatten(node):
        pairs, aux = flatten_with_keys(node)
        pairs = list(pairs)
        return [c for _, c in pairs], aux, [k for k, _ in pairs]

    optree.register_pytree_node(nodetype, flatten, unflatten_func,
                                path_entry_type=optree.PyTreeEntry, namespace=NAMESPACE)
    return nodetype


def register_pytree_with_keys_class(cls: T) -> T:
    """register_pytree_with_keys for a class with `tree_flatten_with_keys()` and a
    `tree_unflatten(aux_data, children)` classmethod.

    >>> @register_pytree_with_keys_class
    ... class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    ...     def tree_flatten_with_keys(self):
    ...         return ((GetAttrKey("a"), self.a), (GetAttrKey("b"), self.b)), None
    ...     @classmethod
    ...     def tree_unflatten(cls, aux, children): return cls(*children)
    >>> map(lambda v: v + 1, Pair(1, 2)).b
    3
    """
    return register_pytree_with_keys(cls, lambda x: x.tree_flatten_with_keys(),
                                     cls.tree_unflatten)  # type: ignore[attr-defined]


def all_leaves(iterable: Iterable[Any], is_leaf: IsLeaf = None) -> bool:
    """Whether every element of `iterable` is a leaf (None is not: it is an empty subtree).

    >>> all_leaves([1, "a"]), all_leaves([1, (2,)]), all_leaves([None])
    (True, False, False)
    """
    for x in iterable:
        xs = leaves(x, is_leaf)
        if len(xs) != 1 or xs[0] is not x:
            return False
    return True


def flatten_one_level(tree: PyTree) -> tuple[list[Any], Any]:
    """(children, aux_data) of the root node only; a leaf is a ValueError.

    >>> flatten_one_level({"a": 1, "b": (2, 3)})[0]
    [1, (2, 3)]
    """
    out = optree.tree_flatten_one_level(tree, namespace=NAMESPACE)
    return list(out[0]), out[1]


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether `treedef` is a single leaf (or None), as JAX's.

    >>> treedef_is_leaf(structure(1)), treedef_is_leaf(structure((1,)))
    (True, False)
    """
    return treedef.num_nodes == 1


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """The structures of the root's children.

    >>> [c.num_leaves for c in treedef_children(structure((1, [2, 3])))]
    [1, 2]
    """
    return treedef.children() if isinstance(treedef, PyTreeDef) else [
        PyTreeDef(c) for c in treedef.children()]


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
    """The structure of a tuple of trees with the given structures.

    >>> unflatten(treedef_tuple([structure([0]), structure(0)]), [1, 2])
    ([1], 2)
    """
    return PyTreeDef(optree.treespec_tuple([_spec(t) for t in treedefs], namespace=NAMESPACE))


KeyEntry = Any  # a DictKey, SequenceKey, GetAttrKey, FlattenedIndexKey or a custom key object


def static(**kwargs: Any) -> Any:
    """A dataclass field that register_dataclass (without field lists) makes static metadata,
    as `jax.tree.static`: the arguments are dataclasses.field's.

    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Op:
    ...     x: float
    ...     name: str = static(default="add")
    >>> leaves(Op(1.0)), structure(Op(1.0))
    ([1.0], PyTreeDef(CustomNode(Op[('add',)], [*])))
    """
    metadata = dict(kwargs.pop("metadata", None) or {})
    metadata["static"] = True
    return dataclasses.field(metadata=metadata, **kwargs)


def flatten_one_level_with_keys(tree: PyTree) -> tuple[list[tuple[Any, Any]], Any]:
    """([(key entry, child), ...], aux_data) of the root node only, as JAX's; a leaf is a
    ValueError.

    >>> flatten_one_level_with_keys({"b": 1, "a": (2, 3)})[0]
    [(DictKey(key='a'), (2, 3)), (DictKey(key='b'), 1)]
    """
    children, aux = flatten_one_level(tree)
    accessors, _, _ = optree.tree_flatten_with_accessor(
        tree, is_leaf=lambda x: x is not tree, namespace=NAMESPACE)
    return [(_key_entry(acc[0]), c) for acc, c in zip(accessors, children)], aux


_BUILTIN_NODES = (tuple, list, dict, type(None), collections.OrderedDict,
                  collections.defaultdict)


def is_tree_node(typ: type) -> bool:
    """Whether instances of `typ` are pytree nodes (built in, a namedtuple, or registered), as
    `jax.tree_util.is_tree_node`.

    >>> is_tree_node(dict), is_tree_node(Partial), is_tree_node(int)
    (True, True, False)
    """
    return (typ in _BUILTIN_NODES or optree.is_namedtuple_class(typ)
            or optree.register_pytree_node.get(typ, namespace=NAMESPACE) is not None)


class _Registry:
    """JAX's `default_registry` (the registry the tree functions use): `flatten` and
    `flatten_one_level` through it, `register_node` to add a node type."""

    def flatten(self, tree: PyTree, leaf_predicate: IsLeaf = None
                ) -> tuple[list[Any], PyTreeDef]:
        return tree_flatten(tree, is_leaf=leaf_predicate)

    def flatten_one_level(self, tree: PyTree) -> tuple[list[Any], Any]:
        return flatten_one_level(tree)

    def register_node(self, nodetype: type, to_iterable: Callable[[Any], Any],
                      from_iterable: Callable[[Any, Any], Any]) -> None:
        register_pytree_node(nodetype, to_iterable, from_iterable)

    def __repr__(self) -> str:
        return f"<funcgrad pytree registry (optree namespace {NAMESPACE!r})>"


default_registry = _Registry()


# JAX's `jax.tree` spellings; the `tree_*` names above are `jax.tree_util`'s.
map = tree_map  # noqa: A001 (JAX's name)
leaves = tree_leaves
structure = tree_structure
flatten = tree_flatten
unflatten = tree_unflatten
tree_flatten_with_path = flatten_with_path
tree_map_with_path = map_with_path
tree_leaves_with_path = leaves_with_path
tree_reduce = reduce
tree_all = all
tree_transpose = transpose
tree_broadcast = broadcast
tree_reduce_associative = reduce_associative
