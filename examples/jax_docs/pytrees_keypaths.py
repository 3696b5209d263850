"""Pytrees: key paths. flatten_with_path, leaves_with_path, map_with_path, keystr, and the key
entries DictKey, SequenceKey, GetAttrKey, FlattenedIndexKey."""
import collections

import jax
import jax.numpy as jnp
from jax.tree_util import register_pytree_with_keys

ATuple = collections.namedtuple("ATuple", ("name"))

tree = [1, {'k1': 2, 'k2': (3, 4)}, ATuple('foo')]
flattened, _ = jax.tree_util.tree_flatten_with_path(tree)
for key_path, value in flattened:
    print(f'Value of tree{jax.tree_util.keystr(key_path)}: {value}')

for key_path, _ in flattened:
    print(f'Key path of tree{jax.tree_util.keystr(key_path)}: {repr(key_path)}')

params = {"dense": {"kernel": jnp.ones((2, 2)), "bias": jnp.zeros(2)}, "scale": jnp.ones(1)}
print(jax.tree.map_with_path(lambda path, x: jax.tree_util.keystr(path), params))
decay = jax.tree.map_with_path(
    lambda path, x: isinstance(path[-1], jax.tree_util.DictKey) and path[-1].key == "kernel",
    params)
print(decay)
print([jax.tree_util.keystr(p, simple=True, separator="/")
       for p, _ in jax.tree.leaves_with_path(params)])


class Custom:
    def __init__(self, a, b):
        self.a = a
        self.b = b


register_pytree_with_keys(
    Custom,
    lambda c: (((jax.tree_util.GetAttrKey('a'), c.a), (jax.tree_util.GetAttrKey('b'), c.b)), None),
    lambda aux, children: Custom(*children))

for path, leaf in jax.tree.leaves_with_path([Custom(1, 2), {"x": Custom(3, 4)}]):
    print(jax.tree_util.keystr(path), leaf)


class Opaque:
    def __init__(self, xs):
        self.xs = xs


jax.tree_util.register_pytree_node(Opaque, lambda o: (o.xs, None), lambda _, xs: Opaque(xs))
print(jax.tree_util.tree_flatten_with_path(Opaque([5, 6]))[0])
k = jax.tree_util.SequenceKey(2)
print(k, k.idx, jax.tree_util.DictKey("w"), jax.tree_util.GetAttrKey("w"),
      jax.tree_util.FlattenedIndexKey(0))
