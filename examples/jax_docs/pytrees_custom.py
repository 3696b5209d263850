"""Pytrees: registering your own containers with register_pytree_node, register_pytree_node_class,
register_dataclass and register_static; a NamedTuple is a pytree already."""
from dataclasses import dataclass, field
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.tree_util import register_pytree_node, register_pytree_node_class


class MyContainer:
    def __init__(self, name: str, a, b, c):
        self.name = name
        self.a = a
        self.b = b
        self.c = c


def flatten_MyContainer(container):
    return [container.a, container.b, container.c], container.name


def unflatten_MyContainer(name, children):
    return MyContainer(name, *children)


register_pytree_node(MyContainer, flatten_MyContainer, unflatten_MyContainer)
tree = [MyContainer('Alice', 1, 2, 3), MyContainer('Bob', 4, 5, 6)]
print(jax.tree.leaves(tree))
mapped = jax.tree.map(lambda x: x + 1, tree)
print([(c.name, c.a, c.b, c.c) for c in mapped])


@register_pytree_node_class
class Special:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __repr__(self):
        return f"Special(x={self.x}, y={self.y})"

    def tree_flatten(self):
        return ((self.x, self.y), None)

    @classmethod
    def tree_unflatten(cls, aux_data, children):
        return cls(*children)


print(jax.tree.map(lambda v: v * 2, Special(1, 2)))
print(jax.tree.leaves(Special(jnp.arange(2), 5)))


class Point(NamedTuple):
    x: float
    y: float


print(jax.tree.leaves([Point(1., 2.), Point(3., 4.)]))
print(jax.grad(lambda p: p.x ** 2 * p.y)(Point(3., 4.)))


@jax.tree_util.register_dataclass
@dataclass
class Params:
    w: jax.Array
    b: jax.Array
    name: str = field(metadata=dict(static=True), default="layer")


p = Params(w=jnp.array([1.0, 2.0]), b=jnp.array(0.5))
print(jax.tree.leaves(p))
print(jax.tree.map(lambda x: x * 2, p))
loss = lambda p, x: jnp.sum((x @ p.w + p.b) ** 2)
print(jax.grad(loss)(p, jnp.array([[1.0, 1.0], [0.0, 1.0]])))


@jax.jit
def scale(p):
    return jax.tree.map(lambda x: 3 * x, p)


print(scale(p).w, scale(p).name)


class Tag:
    def __eq__(self, other):
        return isinstance(other, Tag)

    def __hash__(self):
        return 0


jax.tree_util.register_static(Tag)
print(jax.tree.leaves([Tag(), 1, (2, Tag())]))
