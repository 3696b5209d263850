"""Sharpness-aware minimization (SAM, Foret et al. 2021) as optax.contrib defines it: an
adversarial optimizer climbs from the parameters for `sync_period - 1` steps, then the outer
optimizer takes a step from the original parameters with the gradient found up there."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ... import numpy as fnp
from ... import tree
from ..._core.array import Array
from ..._core.typing import PyTree
from ...lax import pmean
from .._base import (EmptyState, GradientTransformation, GradientTransformationExtraArgs,
                     apply_updates)
from .. import _tree_ops as otree


NormalizeState = EmptyState
"""The state of `normalize`: optax's name for the EmptyState it keeps."""


def normalize() -> GradientTransformation:
    """Divide the updates by their global L2 norm (SAM's adversarial direction).

    >>> import funcgrad.numpy as fnp
    >>> normalize().update({"a": fnp.array([3.0]), "b": fnp.array([4.0])}, NormalizeState())[0]
    {'a': Array([0.6], dtype=float64), 'b': Array([0.8], dtype=float64)}
    """
    def init(params):
        del params
        return NormalizeState()

    def update(updates, state, params=None):
        del params
        norm = otree.norm(updates)
        return tree.tree_map(lambda g: g / norm, updates), state

    return GradientTransformation(init, update)


class SAMState(NamedTuple):
    """The state of `sam`: steps since the outer step, the two optimizers' states, and the
    parameters at the last outer step (None in opaque mode)."""
    steps_since_sync: Array
    opt_state: PyTree
    adv_state: PyTree
    cache: PyTree


def _blend(flag: Any, a: PyTree, b: PyTree) -> PyTree:
    # flag * a + (1 - flag) * b leafwise: optax's arithmetic choice (nan in either propagates)
    def one(x, y):
        f = fnp.asarray(flag).astype(fnp.asarray(x).dtype)
        return f * x + (1 - f) * y
    return tree.tree_map(one, a, b)


def sam(optimizer: GradientTransformation, adv_optimizer: GradientTransformation,
        sync_period: int = 2, reset_state: bool = True, opaque_mode: bool = False,
        batch_axis_name: str | None = None) -> GradientTransformationExtraArgs:
    """SAM. In the default (transparent) mode every update is one step: sync_period - 1
    adversarial steps (adv_optimizer's updates, negated, so it ascends) and then one outer
    step, which returns to the parameters cached at the start of the cycle and applies
    `optimizer`'s update there; the loss's gradient is taken at whatever parameters the caller
    holds. In opaque mode each update runs the whole cycle itself, calling the keyword argument
    `grad_fn(params, i)` for the gradients on the way, averaged (pmean) over the named axis
    `batch_axis_name` when given (under `vmap(axis_name=...)` or across processes).
    reset_state re-initializes the adversarial optimizer after each outer step.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> from funcgrad.optim import contrib
    >>> opt = contrib.sam(optim.sgd(0.1), optim.chain(contrib.normalize(), optim.sgd(0.05)))
    >>> loss = lambda w: fnp.sum(w ** 2)
    >>> w = fnp.array([1.0, -2.0])
    >>> state = opt.init(w)
    >>> for _ in range(4):
    ...     updates, state = opt.update(fg.grad(loss)(w), state, w)
    ...     w = optim.apply_updates(w, updates)
    >>> fnp.round(w, 4)
    Array([ 0.632 , -1.2639], dtype=float64)
    """
    if sync_period < 1:
        raise ValueError(f"Synchronization period must be >= 1, got sync_period={sync_period}")

    def init(params):
        return SAMState(steps_since_sync=fnp.zeros((), fnp.int32),
                        opt_state=optimizer.init(params), adv_state=adv_optimizer.init(params),
                        cache=None if opaque_mode else params)

    def transparent_update(updates, state, params=None, *, grad_fn=None):
        del grad_fn
        first = state.steps_since_sync == 0
        last = state.steps_since_sync == sync_period - 1
        adv_updates, adv_state = adv_optimizer.update(updates, state.adv_state, params)
        adv_updates = tree.tree_map(lambda x: -x, adv_updates)
        opt_updates, opt_state = optimizer.update(updates, state.opt_state, state.cache)
        opt_updates = tree.tree_map(lambda c, p, u: c - p + u, state.cache, params, opt_updates)
        new_adv_state = adv_optimizer.init(params) if reset_state else state.adv_state
        return _blend(last, opt_updates, adv_updates), SAMState(
            steps_since_sync=(state.steps_since_sync + 1) % sync_period,
            opt_state=_blend(last, opt_state, state.opt_state),
            adv_state=_blend(last, new_adv_state, adv_state),
            cache=_blend(first, params, state.cache))

    def opaque_update(updates: PyTree, state: SAMState, params: PyTree = None, *,
                      grad_fn: Callable[[PyTree, int], PyTree] | None = None
                      ) -> tuple[PyTree, SAMState]:
        if grad_fn is None:
            raise ValueError("grad_fn must be provided when opaque_mode=True: "
                             "opt.update(grads, state, params, grad_fn=lambda p, i: "
                             "grad(loss)(p, batch))")
        adv_params, adv_updates, adv_state = params, updates, state.adv_state
        for i in range(sync_period - 1):
            adv_updates, adv_state = adv_optimizer.update(adv_updates, adv_state, adv_params)
            adv_params = apply_updates(adv_params, tree.tree_map(lambda x: -x, adv_updates))
            adv_updates = grad_fn(adv_params, i)
            if batch_axis_name is not None:  # average the gradients over the named axis
                adv_updates = tree.tree_map(lambda g: pmean(g, batch_axis_name), adv_updates)
        if reset_state:
            adv_state = adv_optimizer.init(params)
        updates, opt_state = optimizer.update(adv_updates, state.opt_state, params)
        return updates, SAMState(steps_since_sync=fnp.zeros((), fnp.int32),
                                 opt_state=opt_state, adv_state=adv_state, cache=None)

    return GradientTransformationExtraArgs(
        init, opaque_update if opaque_mode else transparent_update)
