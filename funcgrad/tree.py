"""Pytrees: nested tuples, lists, dicts, namedtuples, None and registered classes, through optree
under the namespace 'funcgrad'. Every transform flattens its arguments and outputs with these.

>>> import funcgrad as fg
>>> fg.tree.tree_map(lambda x: x * 2, {"a": 1, "b": (2, 3)})
{'a': 2, 'b': (4, 6)}
"""
from __future__ import annotations

import dataclasses

import optree

NAMESPACE = "funcgrad"

PyTreeDef = optree.PyTreeSpec


def tree_flatten(tree, is_leaf=None):
    """(leaves, treedef): the leaves in a fixed order and the structure to rebuild the tree."""
    return optree.tree_flatten(tree, is_leaf=is_leaf, namespace=NAMESPACE)


def tree_unflatten(treedef, leaves):
    return optree.tree_unflatten(treedef, leaves)


def tree_leaves(tree, is_leaf=None):
    return optree.tree_leaves(tree, is_leaf=is_leaf, namespace=NAMESPACE)


def tree_structure(tree, is_leaf=None):
    return optree.tree_structure(tree, is_leaf=is_leaf, namespace=NAMESPACE)


def tree_map(f, tree, *rest, is_leaf=None):
    """Apply f leafwise over one or more trees of the same structure.

    >>> tree_map(lambda a, b: a + b, [1, (2, 3)], [10, (20, 30)])
    [11, (22, 33)]
    """
    return optree.tree_map(f, tree, *rest, is_leaf=is_leaf, namespace=NAMESPACE)


def tree_flatten_with_path(tree, is_leaf=None):
    """(paths, leaves, treedef); a path is the tuple of keys leading to a leaf."""
    return optree.tree_flatten_with_path(tree, is_leaf=is_leaf, namespace=NAMESPACE)


def keystr(path):
    """A path as indexing code: `('w', 0) -> "['w'][0]"`."""
    return "".join(f"[{k!r}]" for k in path)


def register_pytree_node(nodetype, flatten_func, unflatten_func):
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


def register_dataclass(nodetype, data_fields=None, meta_fields=None):
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


__all__ = ["tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure", "tree_map",
           "tree_flatten_with_path", "register_pytree_node", "register_dataclass", "keystr",
           "PyTreeDef"]
