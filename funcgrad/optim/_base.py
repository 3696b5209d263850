"""The optimizer protocol: a GradientTransformation is a pair of pure functions,

    init(params) -> state
    update(updates, state, params=None) -> (updates, state)

States are NamedTuples of arrays (step counts included), so a whole training step can be jitted
or vmapped, and transformations compose with `chain`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Union

from .. import tree
from .._core.array import Array
from .._core.typing import PyTree

StepCount = Any
"""The type of a state's `count` field, an int32 array of the updates done so far. It is Any, not
Array, because a NamedTuple field named `count` overrides tuple.count, which a type checker accepts
only from Any; step counts under other names (MultiStepsState's) are typed Array."""

Schedule = Callable[[Any], Any]
"""A function of the step count (an int, or an int32 array, traced or not), e.g. a learning rate
schedule from funcgrad.optim's `*_schedule` functions."""

ScalarOrSchedule = Union[float, Array, Schedule]
"""A hyperparameter given as a number (a float or a 0-d array) or as a schedule of the step
count."""

Mask = Union[PyTree, Callable[[PyTree], PyTree]]
"""A tree of bools with the parameters' structure (or a prefix of it), or a function of the
parameters returning one."""


class GradientTransformation(NamedTuple):
    """An optimizer or a piece of one: `init` builds the state from the parameters, `update`
    turns gradients (or the updates of the previous transform) into updates.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = optim.sgd(0.1)
    >>> params = {"w": fnp.array([1.0, 2.0])}
    >>> state = opt.init(params)
    >>> updates, state = opt.update({"w": fnp.array([1.0, -1.0])}, state, params)
    >>> optim.apply_updates(params, updates)
    {'w': Array([0.9, 2.1], dtype=float64)}
    """
    init: Callable[[PyTree], PyTree]
    update: Callable[..., tuple[PyTree, PyTree]]


class EmptyState(NamedTuple):
    """The state of a stateless transformation."""


def init_empty_state(params: PyTree) -> EmptyState:
    del params
    return EmptyState()


def identity() -> GradientTransformation:
    """Leaves updates unchanged.

    >>> identity().update(1.0, EmptyState())
    (1.0, EmptyState())
    """
    def update(updates, state, params=None):
        del params
        return updates, state

    return GradientTransformation(init_empty_state, update)


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply transformations one after another; the state is the tuple of their states.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = optim.chain(optim.clip(1.0), optim.scale(-0.5))
    >>> opt.update(fnp.array([3.0, -0.2]), opt.init(None))[0]
    Array([-0.5,  0.1], dtype=float64)
    """
    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(updates, state, params=None):
        if len(state) != len(transforms):
            raise ValueError(f"chain: the state has {len(state)} entries for {len(transforms)} "
                             "transforms; build it with this chain's own init(params)")
        new_state = []
        for t, s in zip(transforms, state):
            updates, s = t.update(updates, s, params)
            new_state.append(s)
        return updates, tuple(new_state)

    return GradientTransformation(init, update)


def apply_updates(params: PyTree, updates: PyTree) -> PyTree:
    """params + updates leafwise, each result in its parameter's dtype.

    >>> apply_updates({"w": 1.0}, {"w": -0.25})
    {'w': 0.75}
    """
    def add(p, u):
        out = p + u
        dtype = getattr(p, "dtype", None)
        return out if dtype is None or out.dtype == dtype else out.astype(dtype)

    return tree.tree_map(add, params, updates)


def require_params(params: PyTree, who: str) -> None:
    if params is None:
        raise ValueError(f"{who} needs the parameters: call update(updates, state, params)")
