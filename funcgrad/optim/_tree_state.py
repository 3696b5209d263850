"""Reaching into optimizer states as optax.tree does: find values by key or field name
(`get_all_with_path`, `get`), replace them (`set`), map over the copies of the parameters a state
holds (`map_params`), and random trees shaped like a given one (`split_key_like`,
`random_like`).

Paths are tuples of funcgrad.tree's key entries (`DictKey`, `SequenceKey`, `GetAttrKey`,
`FlattenedIndexKey`), plus `NamedTupleKey` for a field of a state NamedTuple, which carries the
tuple's class name so that `filtering` can tell apart equal field names in different states.

>>> import funcgrad.numpy as fnp
>>> from funcgrad import optim
>>> state = optim.adam(1e-3).init({"w": fnp.zeros(2)})
>>> optim.tree.get(state, "count")
Array(0, dtype=int32)
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Optional

from .. import random as frandom
from .. import tree
from .._core.typing import PyTree

__all__ = ["NamedTupleKey", "get_all_with_path", "get", "set", "map_params", "split_key_like",
           "random_like", "unwrap_random_key_data"]

KeyPath = tuple[Any, ...]
Filter = Optional[Callable[[KeyPath, Any], bool]]


@dataclasses.dataclass(frozen=True)
class NamedTupleKey:
    """A field of a NamedTuple on a path, with the tuple's class name.

    >>> str(NamedTupleKey("ScaleByAdamState", "mu"))
    'ScaleByAdamState.mu'
    """
    tuple_name: str
    name: str

    def __str__(self) -> str:
        return f"{self.tuple_name}.{self.name}"


def _is_named_tuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _has_keys(node: Any, keys: tuple[Any, ...]) -> bool:
    """Whether `node` is a NamedTuple with one of `keys` as a field or as its class name, or a
    dict with one of them as a key."""
    if _is_named_tuple(node):
        return any(k in node._fields or k == type(node).__name__ for k in keys)
    return isinstance(node, dict) and any(k in node for k in keys)


def _leaves_with_named_paths(t: PyTree, is_leaf: Callable[[Any], bool]
                             ) -> list[tuple[KeyPath, Any]]:
    """funcgrad.tree.leaves_with_path, stopping at `is_leaf` nodes, and descending into
    NamedTuples itself so their fields show as NamedTupleKey."""
    out: list[tuple[KeyPath, Any]] = []
    for path, node in tree.leaves_with_path(t, is_leaf=lambda x: is_leaf(x)
                                            or _is_named_tuple(x)):
        if is_leaf(node) or not _is_named_tuple(node):
            out.append((path, node))
            continue
        for field in node._fields:
            entry = NamedTupleKey(type(node).__name__, field)
            out.extend(((*path, entry, *sub), v)
                       for sub, v in _leaves_with_named_paths(getattr(node, field), is_leaf))
    return out


def _children(path: KeyPath, node: Any) -> list[tuple[KeyPath, Any]]:
    if _is_named_tuple(node):
        return [((*path, NamedTupleKey(type(node).__name__, f)), getattr(node, f))
                for f in node._fields]
    if isinstance(node, dict):
        return [((*path, tree.DictKey(k)), v) for k, v in node.items()]
    raise ValueError(f"Subtree must be a dict or a NamedTuple. Got {type(node)}")


def _find(t: PyTree, key: Any) -> list[tuple[KeyPath, Any]]:
    found: list[tuple[KeyPath, Any]] = []
    has_key = lambda n: _has_keys(n, (key,))  # noqa: E731
    nodes = [(p, n) for p, n in _leaves_with_named_paths(t, has_key) if has_key(n)]
    for path, node in nodes:
        if _is_named_tuple(node):
            found.append((path, node) if key == type(node).__name__ else
                         ((*path, NamedTupleKey(type(node).__name__, key)), getattr(node, key)))
        else:
            found.append(((*path, tree.DictKey(key)), node[key]))
    for path, node in nodes:  # matches further down, under the matched nodes
        for child_path, child in _children(path, node):
            found.extend(((*child_path, *p), v) for p, v in _find(child, key))
    return found


def get_all_with_path(t: PyTree, key: Any, filtering: Filter = None
                      ) -> list[tuple[KeyPath, Any]]:
    """Every (path, value) in `t` whose dict key, NamedTuple field or NamedTuple class name is
    `key`, kept where `filtering(path, value)` holds.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> state = optim.adam(1e-3).init({"w": fnp.zeros(2)})
    >>> [(tree.keystr(p), v) for p, v in get_all_with_path(state, "count")]
    [('[0]ScaleByAdamState.count', Array(0, dtype=int32))]
    """
    found = _find(t, key)
    return [(p, v) for p, v in found if filtering is None or filtering(p, v)]


def get(t: PyTree, key: Any, default: Any = None, filtering: Filter = None) -> Any:
    """The one value of `t` under `key` (see get_all_with_path), `default` when there is none;
    a KeyError when there are several (pass `filtering` to single one out).

    >>> get({"lr": 0.1, "inner": {"momentum": 0.9}}, "momentum")
    0.9
    >>> get({"lr": 0.1}, "momentum", default=0.0)
    0.0
    """
    found = get_all_with_path(t, key, filtering)
    if len(found) > 1:
        raise KeyError(f"Found multiple values for '{key}' in {t}: "
                       f"{[tree.keystr(p) for p, _ in found]}. Pass filtering=lambda path, "
                       "value: ... to choose one.")
    return found[0][1] if found else default


def _key_of(entry: Any) -> Any:
    if isinstance(entry, tree.DictKey):
        return entry.key
    if isinstance(entry, NamedTupleKey | tree.GetAttrKey):
        return entry.name
    if isinstance(entry, tree.SequenceKey):
        return entry.idx
    return entry.key


def set(t: PyTree, filtering: Filter = None, /, **kwargs: Any) -> PyTree:  # noqa: A001
    """A copy of `t` with the values under each key of `kwargs` replaced (dict keys, NamedTuple
    fields, or a whole NamedTuple by its class name); a KeyError names a key `t` lacks.

    >>> set({"lr": 0.1, "inner": {"momentum": 0.9}}, momentum=0.5)
    {'inner': {'momentum': 0.5}, 'lr': 0.1}
    """
    for key in kwargs:
        if not get_all_with_path(t, key, filtering):
            detail = " given the filtering operation" if filtering else ""
            raise KeyError(f"Found no values matching '{key}'{detail} in {t}")
    keys = tuple(kwargs)
    has_any = lambda n: _has_keys(n, keys)  # noqa: E731

    def replace(path: KeyPath, node: Any) -> Any:
        if not has_any(node):
            return node
        if (_is_named_tuple(node) and type(node).__name__ in kwargs
                and (filtering is None or filtering(path, node))):
            return kwargs[type(node).__name__]
        new = {}
        for child_path, child in _children(path, node):
            k = _key_of(child_path[-1])
            if k in kwargs and (filtering is None or filtering(child_path, child)):
                new[k] = kwargs[k]
            elif isinstance(child, (dict, list, tuple)):
                new[k] = replace(child_path, child)
            else:
                new[k] = child
        return node._replace(**new) if _is_named_tuple(node) else new

    treedef = tree.tree_structure(t, is_leaf=has_any)
    return tree.tree_unflatten(treedef, [replace(p, n)
                                         for p, n in _leaves_with_named_paths(t, has_any)])


class _ParamsPlaceholder:
    """Stands for the parameters when map_params builds a state: a node with no children, so
    an optimizer's init copies it wherever the state holds a tree shaped like the parameters."""


tree.register_pytree_node(_ParamsPlaceholder, lambda _: ((), None),
                          lambda _, __: _ParamsPlaceholder())


def map_params(initable: Any, f: Callable[..., Any], state: PyTree, /, *rest: Any,
               transform_non_params: Optional[Callable[..., Any]] = None,
               is_leaf: Optional[Callable[[Any], bool]] = None) -> PyTree:
    """`f` applied leafwise to every copy of the parameters inside an optimizer's `state`
    (with `rest`, trees shaped like the parameters, as extra arguments); other state fields go
    through `transform_non_params` when it is given. `initable` is the optimizer or its init.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = optim.adam(1e-3)
    >>> state = opt.init({"w": fnp.zeros(2)})
    >>> shapes = map_params(opt, lambda p: p.shape, state, transform_non_params=lambda _: None)
    >>> shapes[0].mu, shapes[0].count
    ({'w': (2,)}, None)
    """
    init = initable.init if hasattr(initable, "init") else initable
    with_placeholders = init(_ParamsPlaceholder())

    def one(template: Any, value: Any) -> Any:
        if isinstance(template, _ParamsPlaceholder):
            return tree.tree_map(f, value, *rest, is_leaf=is_leaf)
        return transform_non_params(value) if transform_non_params is not None else value

    return tree.tree_map(one, with_placeholders, state,
                         is_leaf=lambda v: isinstance(v, _ParamsPlaceholder))


def split_key_like(rng_key: Any, target_tree: PyTree) -> PyTree:
    """One fresh PRNG key per leaf of `target_tree`, in a tree of its structure.

    >>> import funcgrad.random as fr
    >>> split_key_like(fr.PRNGKey(0), {"a": 1.0, "b": (2.0,)})["b"][0].shape
    (2,)
    """
    treedef = tree.tree_structure(target_tree)
    keys = frandom.split(rng_key, treedef.num_leaves)
    return tree.tree_unflatten(treedef, [keys[i] for i in range(treedef.num_leaves)])


def random_like(rng_key: Any, target_tree: PyTree, sampler: Callable[..., Any] = frandom.normal,
                dtype: Any = None) -> PyTree:
    """A tree shaped like `target_tree` whose leaves are drawn by `sampler(key, shape, dtype)`
    (the leaf's own dtype unless `dtype` is given). funcgrad's PRNG is not JAX's: the values
    differ from optax's, the shapes, dtypes and distribution do not.

    >>> import funcgrad.numpy as fnp, funcgrad.random as fr
    >>> r = random_like(fr.PRNGKey(0), {"w": fnp.zeros((2, 3), fnp.float32)})
    >>> r["w"].shape, r["w"].dtype
    ((2, 3), dtype('float32'))
    """
    keys = split_key_like(rng_key, target_tree)
    return tree.tree_map(lambda leaf, key: sampler(key, leaf.shape, dtype or leaf.dtype),
                         target_tree, keys)


def unwrap_random_key_data(input_tree: PyTree) -> PyTree:
    """The tree with typed PRNG keys replaced by their raw uint32 data. funcgrad's keys are
    already raw uint32 arrays, so every leaf comes back as it is.

    >>> import funcgrad.random as fr
    >>> unwrap_random_key_data({"k": fr.PRNGKey(1)})["k"].dtype
    dtype('uint32')
    """
    return tree.tree_map(lambda x: x, input_tree)
