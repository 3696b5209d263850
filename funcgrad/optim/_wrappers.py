"""Wrappers: transformations built around other transformations. `masked` and `partition` apply
them to parts of the parameter tree, `freeze` and `selective_transform` keep parts fixed,
`apply_if_finite`, `conditionally_transform` and `conditionally_mask` decide at each step whether
they run, and `flatten` runs them on all parameters as one vector."""
from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, NamedTuple, Protocol

import numpy as np

from .. import numpy as fnp
from .. import tree
from .._core.typing import ArrayLike, PyTree
from ..lax import cond
from ._base import (GradientTransformation, GradientTransformationExtraArgs, MaskOrFn, OptState,
                    Params, ParamsPlaceholder, StepCount, check_same_structure, set_to_zero,
                    with_extra_args_support)
from ._tree_math import safe_increment, tree_all_finite, tree_zeros_like, zero_count


class MaskedNode(NamedTuple):
    """Stands where `masked` hides a leaf or subtree: a pytree node with no leaves, so the
    inner transformation never sees (nor stores state for) what it does not apply to."""


class MaskedState(NamedTuple):
    """The state of `masked`: the inner transformation's, built on the masked parameters."""
    inner_state: Any


def _mask_is_callable(mask: MaskOrFn) -> bool:
    # as optax: a mask whose leaves are all callables is a function of the parameters
    flags = tree.tree_leaves(tree.tree_map(callable, mask))
    return bool(flags) and all(flags)


def _apply_mask(t: PyTree, mask_tree: PyTree, who: str, name: str) -> PyTree:
    check_same_structure(mask_tree, t, who, ("mask", name), prefix=True)
    return tree.tree_map(lambda keep, x: x if keep else MaskedNode(), mask_tree, t)


def masked(inner: GradientTransformation, mask: MaskOrFn, *,
           mask_compatible_extra_args: bool = False) -> GradientTransformationExtraArgs:
    """Apply `inner` only where `mask` is True; elsewhere updates pass through unchanged. The
    mask is a tree of Python bools with the structure of the parameters (or a prefix of it), or
    a function of the parameters returning one. The inner transformation sees MaskedNode() in
    place of what is masked out. With mask_compatible_extra_args, the extra arguments of
    `update` that have the updates' structure are masked as well.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = masked(optim.scale(10.0), {"w": True, "b": False})
    >>> g = {"w": fnp.array([1.0]), "b": fnp.array([1.0])}
    >>> opt.update(g, opt.init(g))[0]
    {'b': Array([1.], dtype=float64), 'w': Array([10.], dtype=float64)}
    """
    inner = with_extra_args_support(inner)

    def mask_for(t):
        return mask(t) if _mask_is_callable(mask) else mask

    def init(params):
        if isinstance(params, ParamsPlaceholder):  # tree_map_params' skeleton
            return MaskedState(inner.init(params))
        return MaskedState(inner.init(_apply_mask(params, mask_for(params), "masked", "params")))

    def update(updates, state, params=None, **extra_args):
        m = mask_for(updates)
        masked_updates = _apply_mask(updates, m, "masked", "updates")
        masked_params = None if params is None else _apply_mask(params, m, "masked", "params")
        if mask_compatible_extra_args:
            shape = tree.tree_structure(updates)
            extra_args = {k: tree.tree_map(lambda keep, x: x if keep else MaskedNode(), m, v)
                          if tree.tree_structure(v) == shape else v
                          for k, v in extra_args.items()}
        new, inner_state = inner.update(masked_updates, state.inner_state, masked_params,
                                        **extra_args)
        merged = tree.tree_map(lambda keep, n, old: n if keep else old, m, new, updates)
        return merged, MaskedState(inner_state)

    return GradientTransformationExtraArgs(init, update)


class PartitionState(NamedTuple):
    """The state of `partition`: each label's transformation's state, by label."""
    inner_states: Mapping[Hashable, OptState]


def partition(transforms: Mapping[Hashable, GradientTransformation],
              param_labels: PyTree | Callable[[PyTree], PyTree], *,
              mask_compatible_extra_args: bool = False) -> GradientTransformationExtraArgs:
    """A different transformation per part of the parameters: `param_labels` gives each leaf
    (or subtree) a label, a key of `transforms` (a tree of labels, or a function of the
    parameters returning one). Also named `multi_transform`.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = partition({"fast": optim.sgd(1.0), "frozen": optim.set_to_zero()},
    ...                 {"w": "fast", "b": "frozen"})
    >>> g = {"w": fnp.array([1.0]), "b": fnp.array([1.0])}
    >>> opt.update(g, opt.init(g))[0]
    {'b': Array([0.], dtype=float64), 'w': Array([-1.], dtype=float64)}
    """
    if not isinstance(transforms, Mapping):
        raise TypeError(f"partition: transforms must be a dict of label -> "
                        f"GradientTransformation, got {type(transforms).__name__}")
    transforms = {k: with_extra_args_support(t) for k, t in transforms.items()}

    def labels_for(t):
        return param_labels(t) if callable(param_labels) else param_labels

    def group_mask(labels, group):
        return tree.tree_map(lambda label: label == group, labels)

    def wrapped(labels, group):
        return masked(transforms[group], group_mask(labels, group),
                      mask_compatible_extra_args=mask_compatible_extra_args)

    def init(params):
        labels = labels_for(params)
        unknown = set(tree.tree_leaves(labels)) - set(transforms)
        if unknown:
            raise ValueError(
                "Some parameters have no corresponding transformation: there is no "
                f"transformation for the labels {sorted(map(str, unknown))} (`transforms` has "
                f"{sorted(map(str, transforms))}); add one for each label")
        return PartitionState({k: wrapped(labels, k).init(params) for k in transforms})

    def update(updates, state, params=None, **extra_args):
        labels = labels_for(updates)
        states = {}
        for k in transforms:
            updates, states[k] = wrapped(labels, k).update(updates, state.inner_states[k],
                                                           params, **extra_args)
        return updates, PartitionState(states)

    return GradientTransformationExtraArgs(init, update)


multi_transform = partition
MultiTransformState = PartitionState


def freeze(mask: bool | PyTree) -> GradientTransformationExtraArgs:
    """Zero updates where `mask` is True (a tree of bools shaped as the parameters, or a prefix
    of it), so those parameters stay fixed; the others pass unchanged.

    >>> import funcgrad.numpy as fnp
    >>> t = freeze({"w": True, "b": False})
    >>> g = {"w": fnp.array([1.0]), "b": fnp.array([1.0])}
    >>> t.update(g, t.init(g))[0]
    {'b': Array([1.], dtype=float64), 'w': Array([0.], dtype=float64)}
    """
    return masked(set_to_zero(), mask)


def selective_transform(optimizer: GradientTransformation, *,
                        freeze_mask: bool | PyTree) -> GradientTransformationExtraArgs:
    """Run `optimizer` on the parameters where `freeze_mask` is False and zero the updates of
    the others (which keep no optimizer state).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> t = selective_transform(optim.sgd(0.5), freeze_mask={"w": False, "b": True})
    >>> g = {"w": fnp.array([1.0]), "b": fnp.array([1.0])}
    >>> t.update(g, t.init(g))[0]
    {'b': Array([0.], dtype=float64), 'w': Array([-0.5], dtype=float64)}
    """
    def labels(params):
        del params
        return tree.tree_map(lambda frozen: "freeze" if frozen else "train", freeze_mask)

    return partition({"train": optimizer, "freeze": set_to_zero()}, param_labels=labels)


class ApplyIfFiniteState(NamedTuple):
    """The state of `apply_if_finite`."""
    notfinite_count: Any   # consecutive non-finite updates so far
    last_finite: Any       # whether the last updates were finite
    total_notfinite: Any   # non-finite updates over the whole run
    inner_state: Any


def apply_if_finite(inner: GradientTransformation,
                    max_consecutive_errors: int) -> GradientTransformationExtraArgs:
    """Apply `inner` only when all updates are finite; otherwise return zero updates and keep
    its state, unless that has happened more than max_consecutive_errors times in a row.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = apply_if_finite(optim.scale(-1.0), max_consecutive_errors=3)
    >>> u, state = opt.update(fnp.array([fnp.nan, 1.0]), opt.init(None))
    >>> u, int(state.total_notfinite)
    (Array([0., 0.], dtype=float64), 1)
    """
    inner = with_extra_args_support(inner)

    def init(params):
        return ApplyIfFiniteState(zero_count(), fnp.asarray(True), zero_count(),
                                  inner.init(params))

    def update(updates, state, params=None, **extra_args):
        finite = tree_all_finite(updates)
        count = fnp.where(finite, zero_count(), safe_increment(state.notfinite_count))
        new_updates, inner_state = cond(
            finite | (count > max_consecutive_errors),
            lambda: inner.update(updates, state.inner_state, params, **extra_args),
            lambda: (tree_zeros_like(updates), state.inner_state))
        total = fnp.where(finite, state.total_notfinite, safe_increment(state.total_notfinite))
        return new_updates, ApplyIfFiniteState(count, finite, total, inner_state)

    return GradientTransformationExtraArgs(init, update)


class ConditionFn(Protocol):
    """The condition of `conditionally_transform` and `conditionally_mask`: the step count (and
    the extra arguments of update, with forward_extra_args) to a scalar boolean."""

    def __call__(self, step: ArrayLike, **extra_args: Any) -> ArrayLike:
        ...


class ConditionallyTransformState(NamedTuple):
    """The state of `conditionally_transform`."""
    inner_state: Any
    step: Any


class ConditionallyMaskState(NamedTuple):
    """The state of `conditionally_mask`."""
    step: Any
    inner_state: Any


def _conditional_update(inner: GradientTransformationExtraArgs,
                        should_transform_fn: ConditionFn, forward_extra_args: bool,
                        zero_rejected: bool, updates: PyTree, inner_state: PyTree,
                        step: StepCount, params: Params | None,
                        extra_args: dict) -> tuple[PyTree, PyTree]:
    condition = should_transform_fn(step, **(extra_args if forward_extra_args else {}))
    return cond(condition,
                lambda: inner.update(updates, inner_state, params, **extra_args),
                lambda: (tree_zeros_like(updates) if zero_rejected else updates, inner_state))


def conditionally_transform(inner: GradientTransformation, should_transform_fn: ConditionFn,
                            forward_extra_args: bool = False
                            ) -> GradientTransformationExtraArgs:
    """Run `inner` on the steps where `should_transform_fn(step)` is True; on the others the
    updates pass through unchanged and its state is kept.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> t = conditionally_transform(optim.scale(10.0), lambda step: step >= 1)
    >>> s = t.init(None)
    >>> u0, s = t.update(fnp.array([1.0]), s)
    >>> u1, s = t.update(fnp.array([1.0]), s)
    >>> u0, u1
    (Array([1.], dtype=float64), Array([10.], dtype=float64))
    """
    inner = with_extra_args_support(inner)

    def init(params):
        return ConditionallyTransformState(inner.init(params), zero_count())

    def update(updates, state, params=None, **extra_args):
        updates, inner_state = _conditional_update(
            inner, should_transform_fn, forward_extra_args, False, updates, state.inner_state,
            state.step, params, extra_args)
        return updates, ConditionallyTransformState(inner_state, safe_increment(state.step))

    return GradientTransformationExtraArgs(init, update)


def conditionally_mask(inner: GradientTransformation, should_transform_fn: ConditionFn,
                       forward_extra_args: bool = False) -> GradientTransformationExtraArgs:
    """Run `inner` on the steps where `should_transform_fn(step)` is True; on the others the
    updates are zeros (the parameters stay) and its state is kept.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> t = conditionally_mask(optim.scale(10.0), lambda step: step >= 1)
    >>> t.update(fnp.array([1.0]), t.init(None))[0]
    Array([0.], dtype=float64)
    """
    inner = with_extra_args_support(inner)

    def init(params):
        return ConditionallyMaskState(zero_count(), inner.init(params))

    def update(updates, state, params=None, **extra_args):
        updates, inner_state = _conditional_update(
            inner, should_transform_fn, forward_extra_args, True, updates, state.inner_state,
            state.step, params, extra_args)
        return updates, ConditionallyMaskState(safe_increment(state.step), inner_state)

    return GradientTransformationExtraArgs(init, update)


def _flat(t: PyTree) -> Any:
    leaves = tree.tree_leaves(t)
    return fnp.concatenate([fnp.reshape(x, [-1]) for x in leaves])


def flatten(inner: GradientTransformation) -> GradientTransformationExtraArgs:
    """Run `inner` on all the parameters concatenated into one vector, and reshape its updates
    back into the tree: fewer, larger operations (and for `inner`, one leaf to keep state for).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> t = flatten(optim.scale_by_adam())
    >>> p = {"w": fnp.ones((2, 2)), "b": fnp.ones(3)}
    >>> t.init(p).mu.shape
    (7,)
    """
    inner = with_extra_args_support(inner)

    def init(params):
        return inner.init(_flat(params))

    def update(updates, state, params=None, **extra_args):
        if params is not None:
            check_same_structure(updates, params, "flatten")
            params = _flat(params)
        flat, state = inner.update(_flat(updates), state, params, **extra_args)
        leaves, treedef = tree.tree_flatten(updates)
        ends = np.cumsum([np.size(x) for x in leaves])[:-1]
        pieces = fnp.split(flat, [int(e) for e in ends])
        return tree.tree_unflatten(treedef, [fnp.reshape(piece, np.shape(x))
                                             for piece, x in zip(pieces, leaves)]), state

    return GradientTransformationExtraArgs(init, update)
