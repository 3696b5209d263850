"""Pytrees: leaves, structure, tree.map over one and several trees, None as an empty subtree,
dicts in sorted key order, and a tree definition printed as a PyTreeDef."""
import jax
import jax.numpy as jnp

example_trees = [
    [1, 'a', object],
    (1, (2, 3), ()),
    [1, {'k1': 2, 'k2': (3, 4)}, 5],
    {'a': 2, 'b': (2, 3)},
    jnp.array([1, 2, 3]),
    None,
]
for pytree in example_trees:
    leaves = jax.tree.leaves(pytree)
    print(f"{len(leaves)} leaves")

list_of_lists = [[1, 2, 3], [1, 2], [1, 2, 3, 4]]
print(jax.tree.map(lambda x: x * 2, list_of_lists))
another_list_of_lists = list_of_lists
print(jax.tree.map(lambda x, y: x + y, list_of_lists, another_list_of_lists))

tree = {"z": 1, "a": [2, None, 3], "m": (4,)}
print(jax.tree.leaves(tree))
print(jax.tree.structure(tree))
print(jax.tree.map(lambda x: x * 10, tree))
leaves, treedef = jax.tree.flatten(tree)
print(leaves, treedef.num_leaves, treedef.num_nodes)
print(jax.tree.unflatten(treedef, [l + 1 for l in leaves]))
print(jax.tree.reduce(lambda a, b: a + b, tree))
print(jax.tree.all(jax.tree.map(lambda x: x > 0, tree)))
print(jax.tree.transpose(jax.tree.structure([0, 0, 0]), jax.tree.structure({"x": 0, "y": 0}),
                         [{"x": 1, "y": 2}, {"x": 3, "y": 4}, {"x": 5, "y": 6}]))
print(jax.tree.leaves([1, [2, 3]], is_leaf=lambda x: isinstance(x, list) and len(x) == 2))

params = [{"weights": jnp.ones((2, 3)), "biases": jnp.zeros(3)},
          {"weights": jnp.ones((3, 1)), "biases": jnp.zeros(1)}]
print(jax.tree.map(lambda x: x.shape, params))
print(jax.tree.structure(params))
print(sum(x.size for x in jax.tree.leaves(params)))

def update(params, grads, lr=0.1):
    return jax.tree.map(lambda p, g: p - lr * g, params, grads)

grads = jax.tree.map(jnp.ones_like, params)
print(jax.tree.map(lambda x: x.sum(), update(params, grads)))
