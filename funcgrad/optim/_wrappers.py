"""Wrappers: transformations built around other transformations. `masked` and `partition` apply
them to parts of the parameter tree, `apply_if_finite` guards them against inf and NaN, and
`inject_hyperparams` moves their hyperparameters into the state."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import NamedTuple

import numpy as np

from .. import numpy as fnp
from .. import tree
from .._core.array import Array
from .._core.typing import DTypeLike, PyTree
from ..lax import cond
from ._base import GradientTransformation, Mask, StepCount
from ._tree_math import safe_increment, tree_all_finite, tree_zeros_like, zero_count


class MaskedNode(NamedTuple):
    """Stands where `masked` hides a leaf or subtree: a pytree node with no leaves, so the
    inner transformation never sees (nor stores state for) what it does not apply to."""


class MaskedState(NamedTuple):
    inner_state: PyTree


def _mask(t, mask):
    return tree.tree_map(lambda keep, x: x if keep else MaskedNode(), mask, t)


def masked(inner: GradientTransformation, mask: Mask) -> GradientTransformation:
    """Apply `inner` only where `mask` is True; elsewhere updates pass through unchanged. The
    mask is a tree of Python bools with the structure of the parameters (or a prefix of it), or
    a function of the parameters returning one.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = masked(optim.scale(10.0), {"w": True, "b": False})
    >>> g = {"w": fnp.array([1.0]), "b": fnp.array([1.0])}
    >>> opt.update(g, opt.init(g))[0]
    {'w': Array([10.], dtype=float64), 'b': Array([1.], dtype=float64)}
    """
    def mask_for(t):
        return mask(t) if callable(mask) else mask

    def init(params):
        return MaskedState(inner.init(_mask(params, mask_for(params))))

    def update(updates, state, params=None):
        m = mask_for(updates)
        masked_params = None if params is None else _mask(params, m)
        new, inner_state = inner.update(_mask(updates, m), state.inner_state, masked_params)
        merged = tree.tree_map(lambda keep, n, old: n if keep else old, m, new, updates)
        return merged, MaskedState(inner_state)

    return GradientTransformation(init, update)


class PartitionState(NamedTuple):
    inner_states: dict  # label -> the state of that label's transformation


def partition(transforms: Mapping[Hashable, GradientTransformation],
              param_labels: PyTree | Callable[[PyTree], PyTree]) -> GradientTransformation:
    """A different transformation per part of the parameters: `param_labels` gives each leaf
    (or subtree) a label, a key of `transforms` (a tree of labels, or a function of the
    parameters returning one).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = partition({"fast": optim.sgd(1.0), "frozen": optim.scale(0.0)},
    ...                 {"w": "fast", "b": "frozen"})
    >>> g = {"w": fnp.array([1.0]), "b": fnp.array([1.0])}
    >>> opt.update(g, opt.init(g))[0]
    {'w': Array([-1.], dtype=float64), 'b': Array([0.], dtype=float64)}
    """
    def masks(t):
        labels = param_labels(t) if callable(param_labels) else param_labels
        unknown = set(tree.tree_leaves(labels)) - set(transforms)
        if unknown:
            raise ValueError(f"partition: no transformation for the labels {sorted(unknown)}; "
                             f"`transforms` has {sorted(transforms)}")
        return {k: tree.tree_map(lambda label, k=k: label == k, labels) for k in transforms}

    def init(params):
        m = masks(params)
        return PartitionState({k: masked(t, m[k]).init(params) for k, t in transforms.items()})

    def update(updates, state, params=None):
        m = masks(updates)
        states = {}
        for k, t in transforms.items():
            updates, states[k] = masked(t, m[k]).update(updates, state.inner_states[k], params)
        return updates, PartitionState(states)

    return GradientTransformation(init, update)


class ApplyIfFiniteState(NamedTuple):
    notfinite_count: Array  # consecutive non-finite updates so far
    last_finite: Array
    total_notfinite: Array
    inner_state: PyTree


def apply_if_finite(inner: GradientTransformation,
                    max_consecutive_errors: int) -> GradientTransformation:
    """Apply `inner` only when all updates are finite; otherwise return zero updates and keep
    its state, unless that has happened more than max_consecutive_errors times in a row.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = apply_if_finite(optim.scale(-1.0), max_consecutive_errors=3)
    >>> u, state = opt.update(fnp.array([fnp.nan, 1.0]), opt.init(None))
    >>> u, int(state.total_notfinite)
    (Array([0., 0.], dtype=float64), 1)
    """
    def init(params):
        return ApplyIfFiniteState(zero_count(), fnp.asarray(True), zero_count(),
                                  inner.init(params))

    def update(updates, state, params=None):
        finite = tree_all_finite(updates)
        count = fnp.where(finite, 0, safe_increment(state.notfinite_count)).astype(fnp.int32)
        new_updates, inner_state = cond(
            finite | (count > max_consecutive_errors),
            lambda: inner.update(updates, state.inner_state, params),
            lambda: (tree_zeros_like(updates), state.inner_state))
        total = fnp.where(finite, state.total_notfinite, safe_increment(state.total_notfinite))
        return new_updates, ApplyIfFiniteState(count, finite, total, inner_state)

    return GradientTransformation(init, update)


class InjectHyperparamsState(NamedTuple):
    count: StepCount
    hyperparams: dict    # name -> 0-d array: read it, or replace it between steps
    inner_state: PyTree


def _is_numeric(value):
    return isinstance(value, (int, float, np.ndarray, np.generic, fnp.ndarray))


def _float_dtype(params):
    floats = [np.dtype(x.dtype) for x in tree.tree_leaves(params)
              if hasattr(x, "dtype") and np.dtype(x.dtype).kind == "f"]
    return np.result_type(*floats) if floats else np.dtype(np.float64)


def _as_hyperparam(value, dtype):
    a = fnp.asarray(value)
    return fnp.asarray(a, dtype) if np.dtype(a.dtype).kind == "f" else a


def inject_hyperparams(inner_factory: Callable[..., GradientTransformation],
                       static_args: str | Iterable[str] = (),
                       hyperparam_dtype: DTypeLike = None
                       ) -> Callable[..., GradientTransformation]:
    """Wrap an optimizer factory so that its numeric hyperparameters live in the state as arrays:
    readable, and changeable between steps without retracing a jitted update. A schedule given
    for a hyperparameter is evaluated at each step and its value stored. Booleans and the names
    in `static_args` stay Python values. Float hyperparameters take `hyperparam_dtype`, by
    default the parameters' float dtype (so a float32 model stays float32).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = inject_hyperparams(optim.sgd)(learning_rate=0.1)
    >>> state = opt.init(fnp.zeros(1))
    >>> state.hyperparams["learning_rate"]
    Array(0.1, dtype=float64)
    >>> state.hyperparams["learning_rate"] = fnp.asarray(0.5)
    >>> opt.update(fnp.array([1.0]), state)[0]
    Array([-0.5], dtype=float64)
    """
    static_args = {static_args} if isinstance(static_args, str) else set(static_args)
    signature = inspect.signature(inner_factory)

    @functools.wraps(inner_factory)
    def wrapped(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        schedules, numeric, other = {}, {}, {}
        for name, value in bound.arguments.items():
            if name in static_args or isinstance(value, bool):
                other[name] = value
            elif callable(value):
                schedules[name] = value
            elif _is_numeric(value):
                numeric[name] = value
            else:
                other[name] = value

        def init(params):
            dtype = np.dtype(hyperparam_dtype or _float_dtype(params))
            count = zero_count()
            hparams = {k: _as_hyperparam(v, dtype) for k, v in numeric.items()}
            hparams.update({k: _as_hyperparam(f(count), dtype) for k, f in schedules.items()})
            return InjectHyperparamsState(count, hparams,
                                          inner_factory(**other, **hparams).init(params))

        def update(updates, state, params=None):
            hparams = dict(state.hyperparams)
            hparams.update({k: _as_hyperparam(f(state.count), hparams[k].dtype)
                            for k, f in schedules.items()})
            new_updates, inner_state = inner_factory(**other, **hparams).update(
                updates, state.inner_state, params)
            return new_updates, InjectHyperparamsState(safe_increment(state.count), hparams,
                                                       inner_state)

        return GradientTransformation(init, update)

    return wrapped
