"""The optimizer protocol: a GradientTransformation is a pair of pure functions,

    init(params) -> state
    update(updates, state, params=None) -> (updates, state)

States are NamedTuples of arrays (step counts included), so a whole training step can be jitted
or vmapped, and transformations compose with `chain`. A GradientTransformationExtraArgs' update
also takes keyword arguments (`value=`, ...), which `chain` hands to the members that take them.
Here too: optax's type aliases, the stateless building blocks, apply_updates and its relatives,
tree_map_params, and the structure checks every transformation's errors come from.
"""
from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, Union, runtime_checkable

import numpy as np

from .. import numpy as fnp
from .. import tree
from .._core.array import Array
from .._core.typing import ArrayLike, PyTree
from ..lax import cond
from ._numerics import default_int

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

MaskOrFn = Mask
"""optax's name for `Mask`."""

ScheduleState = Any
"""The state of a StatefulSchedule: any pytree."""


@runtime_checkable
class StatefulSchedule(Protocol):
    """A schedule that keeps a state of its own, updated each step from the extra arguments of
    `update` (a loss value, say): `init() -> state`, `update(state, **extra_args) -> state`,
    `__call__(state, **extra_args) -> value`. `inject_hyperparams` recognizes one by its three
    methods."""

    def init(self) -> ScheduleState:
        ...

    def update(self, state: ScheduleState, **extra_args: Any) -> ScheduleState:
        ...

    def __call__(self, state: ScheduleState, **extra_args: Any) -> Any:
        ...


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


def set_to_zero() -> GradientTransformation:
    """Maps the updates to zeros of their shapes and dtypes, so that the parameters stay as they
    are: with `masked` or `partition`, it freezes a part of the model.

    >>> import funcgrad.numpy as fnp
    >>> set_to_zero().update({"w": fnp.array([1.0, -2.0])}, EmptyState())[0]
    {'w': Array([0., 0.], dtype=float64)}
    """
    def update(updates, state, params=None):
        del params
        return tree.tree_map(fnp.zeros_like, updates), state

    return GradientTransformation(init_empty_state, update)


def stateless(f: Callable[[Updates, Params | None], Updates]) -> GradientTransformation:
    """A stateless transformation from `f(updates, params) -> updates` (params may be None).

    >>> import funcgrad.numpy as fnp
    >>> t = stateless(lambda u, p: {k: v * 2 for k, v in u.items()})
    >>> t.update({"w": fnp.array([1.0])}, t.init(None))
    ({'w': Array([2.], dtype=float64)}, EmptyState())
    """
    def update(updates, state, params=None):
        del state
        return f(updates, params), EmptyState()

    return GradientTransformation(init_empty_state, update)


def stateless_with_tree_map(f: Callable[[Any, Any], Any]) -> GradientTransformation:
    """A stateless transformation that applies `f(update, param) -> update` to every leaf (the
    param is None when `update` is called without the parameters).

    >>> import funcgrad.numpy as fnp
    >>> t = stateless_with_tree_map(lambda u, p: u + p)
    >>> t.update({"w": fnp.array([1.0])}, t.init(None), {"w": fnp.array([2.0])})[0]
    {'w': Array([3.], dtype=float64)}
    """
    def update(updates, state, params=None):
        del state
        if params is None:
            return tree.tree_map(lambda u: f(u, None), updates), EmptyState()
        return map_updates_params(f, updates, params, "stateless_with_tree_map"), EmptyState()

    return GradientTransformation(init_empty_state, update)


def check_transformation(tx: Any, who: str) -> None:
    """A TypeError naming `who` unless `tx` has init and update. Every combinator takes its
    inner transformations through `with_extra_args_support`, which calls this: one check for all.

    >>> check_transformation(None, "chain")
    Traceback (most recent call last):
    TypeError: chain: expected a GradientTransformation (an object with init and update, e.g. optim.sgd(0.1)), got NoneType: None
    """
    if not (callable(getattr(tx, "init", None)) and callable(getattr(tx, "update", None))):
        raise TypeError(f"{who}: expected a GradientTransformation (an object with init and "
                        f"update, e.g. optim.sgd(0.1)), got {type(tx).__name__}: {tx!r:.80}")


def with_extra_args_support(tx: GradientTransformation) -> GradientTransformationExtraArgs:
    """`tx` as a GradientTransformationExtraArgs: its update accepts (and ignores) keyword
    arguments. One that already is of that type comes back unchanged.

    >>> t = with_extra_args_support(identity())
    >>> t.update(1.0, t.init(None), None, value=5.0)
    (1.0, EmptyState())
    """
    if isinstance(tx, GradientTransformationExtraArgs):
        return tx
    check_transformation(tx, "with_extra_args_support")

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


def _is_none(x: Any) -> bool:
    return x is None


STATE_VS_UPDATES = ("parameters the state was built from", "updates")
"""The names check_same_structure gives a state's copy of the parameters and the updates."""


def check_same_structure(first: PyTree, second: PyTree, who: str,
                         names: tuple[str, str] = ("updates", "params"),
                         prefix: bool = False) -> None:
    """Raise a ValueError naming both structures when `second` is not a tree of the structure
    of `first` (or, with prefix=True, one that `first` is a prefix of). A None in `first`
    matches anything: a parameter left out of the optimization."""
    a = tree.tree_structure(first, is_leaf=_is_none)
    b = tree.tree_structure(second, is_leaf=_is_none)
    if a == b:
        return
    if prefix or any(x is None for x in tree.tree_leaves(first, is_leaf=_is_none)):
        try:
            a.flatten_up_to(second)
            return
        except (ValueError, TypeError):
            pass
    shaped = (f"a tree that the {names[0]} are a prefix of" if prefix
              else f"a tree of the structure of the {names[0]}")
    raise ValueError(
        f"{who}: the {names[0]} and the {names[1]} are trees of different structures:\n"
        f"  {names[0]}: {a}\n  {names[1]}: {b}\n"
        f"Give {names[1]} as {shaped} (the parameters this optimizer was initialized with, "
        "and gradients of a loss of those same parameters).")


def map_updates_params(f: Callable[[Any, Any], Any], updates: Updates, params: Params,
                       who: str) -> Updates:
    """f(u, p) over the leaves of updates and params, after checking that both have one
    structure; a None update stays None."""
    check_same_structure(updates, params, who)
    return tree.tree_map(lambda u, p: None if u is None else f(u, p), updates, params,
                         is_leaf=_is_none)


def apply_updates(params: Params, updates: Updates) -> Params:
    """params + updates leafwise, each result an array of its parameter's dtype (a None parameter
    stays None). Both trees must have one structure.

    >>> apply_updates({"w": 1.0}, {"w": -0.25})
    {'w': Array(0.75, dtype=float64)}
    """
    check_same_structure(params, updates, "apply_updates", ("params", "updates"))

    def add(p, u):
        if p is None:
            return None
        out = fnp.asarray(p + u)
        dtype = fnp.asarray(p).dtype
        return out if out.dtype == dtype else out.astype(dtype)

    return tree.tree_map(add, params, updates, is_leaf=_is_none)


def incremental_update(new_tensors: Params, old_tensors: Params,
                       step_size: ArrayLike) -> Params:
    """The moving average step_size * new + (1 - step_size) * old, leafwise: Polyak averaging of
    target network parameters, say.

    >>> import funcgrad.numpy as fnp
    >>> incremental_update({"w": fnp.array([1.0])}, {"w": fnp.array([0.0])}, 0.25)
    {'w': Array([0.25], dtype=float64)}
    """
    check_same_structure(new_tensors, old_tensors, "incremental_update",
                         ("new_tensors", "old_tensors"))
    s: Any = step_size  # a Python float stays weakly typed: float32 tensors stay float32
    return tree.tree_map(
        lambda new, old: None if new is None else s * new + (1.0 - s) * old,
        new_tensors, old_tensors, is_leaf=_is_none)


def periodic_update(new_tensors: Params, old_tensors: Params, steps: ArrayLike,
                    update_period: ArrayLike) -> Params:
    """`new_tensors` on the steps that are multiples of `update_period`, `old_tensors` on the
    others (a traced choice, so it jits): the periodic copy of a target network.

    >>> import funcgrad.numpy as fnp
    >>> periodic_update({"w": fnp.array([1.0])}, {"w": fnp.array([0.0])}, 4, 2)
    {'w': Array([1.], dtype=float64)}
    """
    check_same_structure(new_tensors, old_tensors, "periodic_update",
                         ("new_tensors", "old_tensors"))
    return cond(fnp.mod(steps, update_period) == 0, lambda: new_tensors, lambda: old_tensors)


def count_dtype(t: PyTree) -> np.dtype:
    """The integer dtype of a count over `t`'s elements, as JAX makes it: int64 when 64-bit types
    are on, which they are for a float64 model (a 64-bit float leaf), int32 otherwise.

    >>> import funcgrad.numpy as fnp
    >>> count_dtype({"w": fnp.zeros(2, fnp.float32)}), count_dtype([fnp.zeros(1)])
    (dtype('int32'), dtype('int64'))
    """
    wide = any(np.dtype(x.dtype).itemsize >= 8 for x in tree.tree_leaves(t)
               if hasattr(x, "dtype") and np.dtype(x.dtype).kind in "fc")
    return default_int(np.float64 if wide else np.float32)


def check_scalar_hyperparameter(value: Any, who: str, name: str) -> Any:
    """`value` if it is a scalar (a number or a 0-d array), else a ValueError saying so: what a
    schedule returns is used as one number for every parameter."""
    shape = np.shape(value) if not hasattr(value, "shape") else tuple(value.shape)
    if shape != ():
        raise ValueError(
            f"{who}: the hyperparameter {name!r} must be a scalar, but its schedule returned "
            f"a value of shape {shape}; make the schedule return one number per step (a 0-d "
            "array or a float)")
    return value


def require_params(params: PyTree, who: str) -> None:
    """optax's ValueError for a transformation that reads the parameters, called without them."""
    if params is None:
        raise ValueError(f"{who} needs the parameters: call update(updates, state, params) "
                         "(you are using a transformation that requires the current value of "
                         "parameters, but you are not passing `params` when calling `update`)")


class ParamsPlaceholder:
    """Stands for the parameters in `tree_map_params`: a pytree node with no leaves, so an
    `init` that maps over the parameters returns it wherever the state holds a copy of them."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParamsPlaceholder)

    def __hash__(self) -> int:
        return hash(ParamsPlaceholder)

    def __repr__(self) -> str:
        return "ParamsPlaceholder()"


tree.register_pytree_node(ParamsPlaceholder, lambda node: ((), None),
                          lambda aux, children: ParamsPlaceholder())


def tree_map_params(initable: Callable[[Params], OptState] | GradientTransformation,
                    f: Callable[..., Any], state: OptState, /, *rest: Any,
                    transform_non_params: Callable[..., Any] | None = None,
                    is_leaf: Callable[[Any], bool] | None = None) -> OptState:
    """Apply `f` to every copy of the parameters inside an optimizer state (Adam's mu and nu,
    a trace...), leaf by leaf, with the leaves of the trees `rest` (shaped as the parameters)
    as further arguments; `transform_non_params` maps the other state leaves (step counts).
    `initable` is the optimizer, or its init function, that built `state`.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = optim.adam(0.1)
    >>> state = opt.init({"w": fnp.ones(2)})
    >>> shapes = tree_map_params(opt, lambda p: p.shape, state,
    ...                          transform_non_params=lambda _: None)
    >>> shapes[0].mu, shapes[0].count
    ({'w': (2,)}, None)
    """
    init = initable.init if hasattr(initable, "init") else initable
    skeleton = init(ParamsPlaceholder())
    is_placeholder = lambda v: isinstance(v, ParamsPlaceholder)

    def map_params(marker, value):
        if isinstance(marker, ParamsPlaceholder):
            return tree.tree_map(f, value, *rest, is_leaf=is_leaf)
        return value if transform_non_params is None else transform_non_params(value)

    return tree.tree_map(map_params, skeleton, state, is_leaf=is_placeholder)
