"""The optimizer protocol: a GradientTransformation is a pair of pure functions,

    init(params) -> state
    update(updates, state, params=None) -> (updates, state)

States are NamedTuples of arrays (step counts included), so a whole training step can be jitted
or vmapped, and transformations compose with `chain`.
"""
from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, Union

from .. import tree
from .._core.array import Array
from .._core.typing import PyTree

Params = PyTree
"""The parameters being optimized: a pytree of arrays."""

Updates = PyTree
"""Gradients, or the updates transformations make of them: a pytree with the parameters'
structure."""

OptState = PyTree
"""A transformation's state: a pytree of arrays (NamedTuples, tuples, dicts of them)."""

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


class TransformInitFn(Protocol):
    """The type of a GradientTransformation's `init`: the parameters (an example of them) to the
    transformation's initial state."""

    def __call__(self, params: Params) -> OptState:
        ...


class TransformUpdateFn(Protocol):
    """The type of a GradientTransformation's `update`: (updates, state, params=None) to the new
    updates and state. `params` is optional, but the transformations that read the parameters
    (weight decay, clipping relative to them) raise without it."""

    def __call__(self, updates: Updates, state: OptState,
                 params: Params | None = None) -> tuple[Updates, OptState]:
        ...


class TransformUpdateExtraArgsFn(Protocol):
    """The type of a GradientTransformationExtraArgs' `update`: a TransformUpdateFn that also
    takes keyword arguments (`value=`, `grad=`, `value_fn=`...), ignoring those it does not use.
    A transformation that needs one makes it keyword-only, so a call without it fails loudly."""

    def __call__(self, updates: Updates, state: OptState, params: Params | None = None,
                 **extra_args: Any) -> tuple[Updates, OptState]:
        ...


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
    init: TransformInitFn
    update: TransformUpdateFn


class GradientTransformationExtraArgs(GradientTransformation):
    """A GradientTransformation whose `update` also takes keyword arguments,
    `update(updates, state, params=None, **extra_args)`, and ignores those it does not need.
    `chain` hands the extra arguments it is given to the members that are of this type;
    `with_extra_args_support` makes one of a plain GradientTransformation.

    >>> def update(updates, state, params=None, *, value, **extra_args):
    ...     return updates * value, state
    >>> t = GradientTransformationExtraArgs(init_empty_state, update)
    >>> t.update(2.0, t.init(None), value=3.0)
    (6.0, EmptyState())
    """
    update: TransformUpdateExtraArgsFn


class EmptyState(NamedTuple):
    """The state of a stateless transformation."""


def init_empty_state(params: Params) -> EmptyState:
    """The `init` of a stateless transformation: an EmptyState, whatever the parameters.

    >>> init_empty_state({"w": 1.0})
    EmptyState()
    """
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


def with_extra_args_support(tx: GradientTransformation) -> GradientTransformationExtraArgs:
    """`tx` as a GradientTransformationExtraArgs: its update accepts (and ignores) keyword
    arguments. One that already is of that type comes back unchanged.

    >>> t = with_extra_args_support(identity())
    >>> t.update(1.0, t.init(None), None, value=5.0)
    (1.0, EmptyState())
    """
    if isinstance(tx, GradientTransformationExtraArgs):
        return tx

    def update(updates, state, params=None, **extra_args):
        del extra_args
        return tx.update(updates, state, params)

    return GradientTransformationExtraArgs(tx.init, update)


def chain(*transforms: GradientTransformation) -> GradientTransformationExtraArgs:
    """Apply transformations one after another; the state is the tuple of their states. Extra
    keyword arguments given to `update` reach the members that take them (the
    GradientTransformationExtraArgs); the others never see them.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = optim.chain(optim.clip(1.0), optim.scale(-0.5))
    >>> opt.update(fnp.array([3.0, -0.2]), opt.init(None))[0]
    Array([-0.5,  0.1], dtype=float64)
    """
    members = [with_extra_args_support(t) for t in transforms]

    def init(params):
        return tuple(t.init(params) for t in members)

    def update(updates, state, params=None, **extra_args):
        if len(state) != len(members):
            raise ValueError(f"chain: the state has {len(state)} entries for {len(members)} "
                             "transforms; build it with this chain's own init(params)")
        new_state = []
        for t, s in zip(members, state):
            updates, s = t.update(updates, s, params, **extra_args)
            new_state.append(s)
        return updates, tuple(new_state)

    return GradientTransformationExtraArgs(init, update)


def named_chain(*transforms: tuple[str, GradientTransformation]
                ) -> GradientTransformationExtraArgs:
    """`chain` with a name per member: the state is an OrderedDict from each name to its
    member's state, so `state["adam"]` reads one member's.

    >>> from funcgrad import optim
    >>> opt = named_chain(("clip", optim.clip(1.0)), ("lr", optim.scale(-0.5)))
    >>> state = opt.init(0.0)
    >>> list(state)
    ['clip', 'lr']
    >>> opt.update(3.0, state)[0]
    Array(-0.5, dtype=float64)
    """
    names = [name for name, _ in transforms]
    if len(set(names)) != len(names):
        raise ValueError(f"Named transformations must have unique names, but got {names}: "
                         "rename the repeated ones")
    members = [(name, with_extra_args_support(t)) for name, t in transforms]

    def init(params):
        return collections.OrderedDict((name, t.init(params)) for name, t in members)

    def update(updates, state, params=None, **extra_args):
        new_state = collections.OrderedDict()
        for name, t in members:
            if name not in state:
                raise KeyError(f"named_chain: the state has no entry {name!r} (it has "
                               f"{list(state)}); build it with this chain's own init(params)")
            updates, new_state[name] = t.update(updates, state[name], params, **extra_args)
        return updates, new_state

    return GradientTransformationExtraArgs(init, update)


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
