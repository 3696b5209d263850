"""Lookahead (Zhang et al. 2019): a fast optimizer explores for sync_period steps, then the slow
weights move a fraction of the way towards where it went and the fast ones restart from there."""
from __future__ import annotations

import logging
from typing import Any, NamedTuple

from .. import numpy as fnp
from .. import tree
from .._core.array import Array
from .._core.typing import ArrayLike, PyTree
from ._base import GradientTransformation, check_transformation

_log = logging.getLogger(__name__)


class LookaheadState(NamedTuple):
    """The state of lookahead: the fast optimizer's state and the steps since the last sync."""
    fast_state: Any
    steps_since_sync: Array


class LookaheadParams(NamedTuple):
    """The parameters lookahead updates: the fast weights (what the fast optimizer steps and
    what a model should be evaluated with during training) and the slow ones."""
    fast: PyTree
    slow: PyTree

    @classmethod
    def init_synced(cls, params: PyTree) -> LookaheadParams:
        """Fast and slow weights both equal to `params`."""
        return cls(slow=params, fast=params)


def lookahead(fast_optimizer: GradientTransformation, sync_period: int,
              slow_step_size: ArrayLike, reset_state: bool = False) -> GradientTransformation:
    """Wrap `fast_optimizer` in Lookahead. Parameters are LookaheadParams; every sync_period-th
    step the slow weights move slow_step_size of the way to the fast ones, and the fast ones
    are set to the result (with reset_state, the fast optimizer's state restarts too).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> opt = lookahead(optim.sgd(1.0), sync_period=2, slow_step_size=0.5)
    >>> params = LookaheadParams.init_synced(fnp.array([0.0]))
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     updates, state = opt.update(fnp.array([-1.0]), state, params)
    ...     params = optim.apply_updates(params, updates)
    >>> params  # fast went to 2, slow half-way; both are at 1 after the sync
    LookaheadParams(fast=Array([1.], dtype=float64), slow=Array([1.], dtype=float64))
    """
    check_transformation(fast_optimizer, "lookahead")
    if sync_period < 1:
        raise ValueError(f"lookahead: sync_period={sync_period}; it must be >= 1")

    def init(params):
        fast = getattr(params, "fast", None)
        if fast is None:
            _log.warning("lookahead: `params` has no attribute `fast`; assuming only the fast "
                         "parameters were passed to init (use LookaheadParams.init_synced)")
            fast = params
        return LookaheadState(fast_optimizer.init(fast), fnp.zeros((), fnp.int32))

    def update(updates, state, params=None):
        if not (hasattr(params, "fast") and hasattr(params, "slow")):
            raise ValueError("lookahead: update needs the parameters as LookaheadParams(fast, "
                             "slow); start from LookaheadParams.init_synced(params)")
        updates, fast_state = fast_optimizer.update(updates, state.fast_state, params.fast)
        sync = state.steps_since_sync == (sync_period - 1)
        diff = tree.tree_map(lambda f, u, s: f + u - s, params.fast, updates, params.slow)

        def factor(value, x):
            return fnp.where(sync, fnp.asarray(value, x.dtype), fnp.asarray(0, x.dtype))

        slow_updates = tree.tree_map(lambda d: factor(slow_step_size, d) * d, diff)
        fast_updates = tree.tree_map(lambda u, d: u - factor(1 - slow_step_size, d) * d,
                                     updates, diff)
        if reset_state:
            initial = fast_optimizer.init(params.fast)
            fast_state = tree.tree_map(lambda cur, ini: fnp.where(sync, ini, cur),
                                       fast_state, initial)
        steps = (state.steps_since_sync + 1) % sync_period
        return (LookaheadParams(fast=fast_updates, slow=slow_updates),
                LookaheadState(fast_state, steps))

    return GradientTransformation(init, update)
