"""Pytrees: nested tuples, lists, dicts, namedtuples, None and registered classes, through optree
under the namespace 'funcgrad'. Every transform flattens its arguments and outputs with these.

>>> import funcgrad as fg
>>> fg.tree.tree_map(lambda x: x * 2, {"a": 1, "b": (2, 3)})
{'a': 2, 'b': (4, 6)}
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, Optional, TypeVar

import optree

from ._core.typing import PyTree

# The public names (what `import *` and the API reference take); the typing helpers below are not.
__all__ = ["tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure", "tree_map",
           "tree_flatten_with_path", "register_pytree_node", "register_dataclass", "keystr",
           "PyTreeDef"]

T = TypeVar("T", bound=type)
IsLeaf = Optional[Callable[[Any], bool]]

NAMESPACE = "funcgrad"

PyTreeDef = optree.PyTreeSpec


def tree_flatten(tree: PyTree, is_leaf: IsLeaf = None) -> tuple[list[Any], PyTreeDef]:
    """(leaves, treedef): the leaves in a fixed order and the structure to rebuild the tree.
    None is an empty subtree, not a leaf; `is_leaf` stops the descent where it returns True.

    >>> tree_flatten({"a": 1, "b": (2, None)})[0]
    [1, 2]
    >>> tree_flatten([(1, 2), (3, 4)], is_leaf=lambda x: isinstance(x, tuple))[0]
    [(1, 2), (3, 4)]
    """
    return optree.tree_flatten(tree, is_leaf=is_leaf, namespace=NAMESPACE)


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> PyTree:
    """The tree of `treedef` with `leaves` in place of its leaves (tree_flatten's inverse).

    >>> leaves, treedef = tree_flatten({"a": 1, "b": (2, 3)})
    >>> tree_unflatten(treedef, [x * 10 for x in leaves])
    {'a': 10, 'b': (20, 30)}
    """
    return optree.tree_unflatten(treedef, leaves)


def tree_leaves(tree: PyTree, is_leaf: IsLeaf = None) -> list[Any]:
    """The leaves of `tree`, in tree_flatten's order.

    >>> tree_leaves({"b": (2, None), "a": [1]})
    [1, 2]
    """
    return optree.tree_leaves(tree, is_leaf=is_leaf, namespace=NAMESPACE)


def tree_structure(tree: PyTree, is_leaf: IsLeaf = None) -> PyTreeDef:
    """The structure of `tree` without its leaves (what transforms compare and cache on).

    >>> tree_structure((1, {"a": 2})) == tree_structure((3, {"a": 4}))
    True
    """
    return optree.tree_structure(tree, is_leaf=is_leaf, namespace=NAMESPACE)


def tree_map(f: Callable[..., Any], tree: PyTree, *rest: PyTree,
             is_leaf: IsLeaf = None) -> PyTree:
    """Apply f leafwise over one or more trees of the same structure.

    >>> tree_map(lambda a, b: a + b, [1, (2, 3)], [10, (20, 30)])
    [11, (22, 33)]
    """
    return optree.tree_map(f, tree, *rest, is_leaf=is_leaf, namespace=NAMESPACE)


def tree_flatten_with_path(tree: PyTree, is_leaf: IsLeaf = None
                           ) -> tuple[list[tuple[Any, ...]], list[Any], PyTreeDef]:
    """(paths, leaves, treedef); a path is the tuple of keys leading to a leaf.

    >>> paths, leaves, _ = tree_flatten_with_path({"w": [5, 6]})
    >>> paths, leaves
    ([('w', 0), ('w', 1)], [5, 6])
    """
    return optree.tree_flatten_with_path(tree, is_leaf=is_leaf, namespace=NAMESPACE)


def keystr(path: Iterable[Any]) -> str:
    """A path as indexing code.

    >>> keystr(("w", 0))
    "['w'][0]"
    """
    return "".join(f"[{k!r}]" for k in path)


def register_pytree_node(nodetype: T, flatten_func: Callable[[Any], tuple[Iterable[Any], Any]],
                         unflatten_func: Callable[[Any, Iterable[Any]], Any]) -> T:
    """Make instances of `nodetype` pytree nodes.

    flatten_func(node) -> (children, aux_data); unflatten_func(aux_data, children) -> node.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> _ = register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
    >>> tree_leaves(Pair(1, (2, 3)))
    [1, 2, 3]
    """
    optree.register_pytree_node(nodetype, flatten_func, unflatten_func, namespace=NAMESPACE)
    return nodetype


def register_dataclass(nodetype: T, data_fields: Optional[Iterable[str]] = None,
                       meta_fields: Optional[Iterable[str]] = None) -> T:
    """Register a dataclass: `data_fields` are children (traced), `meta_fields` static metadata.
    Without field lists, every field is data. Usable as a decorator.

    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Params:
    ...     w: float
    ...     b: float
    >>> tree_leaves(Params(1.0, 2.0))
    [1.0, 2.0]
    """
    meta_fields = list(meta_fields or [])
    if data_fields is None:  # every init field that is not metadata
        data_fields = [f.name for f in dataclasses.fields(nodetype)
                       if f.init and f.name not in meta_fields]
    data_fields = list(data_fields)

    def flatten(x):
        return ([getattr(x, n) for n in data_fields], tuple(getattr(x, n) for n in meta_fields))

    def unflatten(meta, children):
        return nodetype(**dict(zip(data_fields, children)), **dict(zip(meta_fields, meta)))

    return register_pytree_node(nodetype, flatten, unflatten)
