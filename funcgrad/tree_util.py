"""`jax.tree_util` under its names: registering node types (`register_pytree_node`,
`register_pytree_node_class`, `register_pytree_with_keys`, `register_dataclass`,
`register_static`), `Partial`, key paths (`DictKey`, `SequenceKey`, `GetAttrKey`,
`FlattenedIndexKey`, `keystr`), the `tree_*` functions and `PyTreeDef`. They are funcgrad.tree's
(one implementation; `funcgrad.tree` also has `jax.tree`'s short names).

>>> import funcgrad as fg
>>> pairs, treedef = fg.tree_util.tree_flatten_with_path({"w": [1, 2], "b": None})
>>> [(fg.tree_util.keystr(p), x) for p, x in pairs], treedef
([("['w'][0]", 1), ("['w'][1]", 2)], PyTreeDef({'b': None, 'w': [*, *]}))
"""
from .tree import (DictKey, FlattenedIndexKey, GetAttrKey, KeyEntry, KeyPath, Partial,
                   PyTreeDef, SequenceKey, all_leaves, default_registry, flatten_one_level,
                   flatten_one_level_with_keys, is_tree_node, keystr, register_dataclass,
                   register_pytree_node, register_pytree_node_class, register_pytree_with_keys,
                   register_pytree_with_keys_class, register_static, tree_all, tree_broadcast,
                   tree_flatten, tree_flatten_with_path, tree_leaves, tree_leaves_with_path,
                   tree_map, tree_map_with_path, tree_reduce, tree_reduce_associative,
                   tree_structure, tree_transpose, tree_unflatten, treedef_children,
                   treedef_is_leaf, treedef_tuple)

__all__ = ["DictKey", "FlattenedIndexKey", "GetAttrKey", "KeyEntry", "KeyPath", "Partial",
           "PyTreeDef", "SequenceKey", "all_leaves", "default_registry", "flatten_one_level",
           "flatten_one_level_with_keys", "is_tree_node", "keystr", "register_dataclass",
           "register_pytree_node", "register_pytree_node_class", "register_pytree_with_keys",
           "register_pytree_with_keys_class", "register_static", "tree_all", "tree_broadcast",
           "tree_flatten", "tree_flatten_with_path", "tree_leaves", "tree_leaves_with_path",
           "tree_map", "tree_map_with_path", "tree_reduce", "tree_reduce_associative",
           "tree_structure", "tree_transpose", "tree_unflatten", "treedef_children",
           "treedef_is_leaf", "treedef_tuple"]
