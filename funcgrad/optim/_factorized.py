"""Second moments that take less memory than the gradients: Adafactor's (for a matrix, one
running mean of squared gradients per row and one per column instead of one per element) and
SM3's (one accumulator per index of each axis, covering the elements through their minimum)."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .. import numpy as fnp
from .. import tree
from .._core.typing import ArrayLike, PyTree
from ._base import (STATE_VS_UPDATES, GradientTransformation, StepCount, check_same_structure,
                    require_params)
from ._moments import update_moment
from ._numerics import abs_sq, safe_increment, zero_count


class FactoredState(NamedTuple):
    """The state of scale_by_factored_rms: the step count and, per leaf, either the row and
    column statistics (factored) or the full ones; the unused ones are (1,) placeholders."""
    count: StepCount
    v_row: PyTree
    v_col: PyTree
    v: PyTree


def _factored_dims(shape, factored, min_dim_size_to_factor):
    """The two largest axes (second largest first) when both are at least
    min_dim_size_to_factor long; None when the leaf keeps full statistics."""
    if not factored or len(shape) < 2:
        return None
    order = np.argsort(shape)
    if shape[order[-2]] < min_dim_size_to_factor:
        return None
    return int(order[-2]), int(order[-1])


def decay_rate_pow(i: ArrayLike, exponent: ArrayLike = 0.8) -> Any:
    """Adafactor's second-moment decay 1 - (i + 1)**-exponent, in float32 as optax has it (the
    power rounded once from float64, as XLA rounds it).

    >>> import funcgrad.numpy as fnp
    >>> decay_rate_pow(fnp.asarray(3, fnp.int32), 0.5)
    Array(0.5, dtype=float32)
    """
    t = fnp.asarray(fnp.asarray(fnp.asarray(i) + 1, fnp.float32), fnp.float64)
    e = fnp.asarray(fnp.asarray(exponent, fnp.float32), fnp.float64)
    return 1.0 - fnp.asarray(t ** -e, fnp.float32)


def scale_by_factored_rms(factored: bool = True, decay_rate: ArrayLike = 0.8,
                          step_offset: ArrayLike = 0, min_dim_size_to_factor: int = 128,
                          epsilon: ArrayLike = 1e-30,
                          decay_rate_fn: Callable[[Any, Any], Any] = decay_rate_pow
                          ) -> GradientTransformation:
    """Divide by a (factored) root mean square of past gradients, with the step-dependent decay
    decay_rate_fn(t - step_offset, decay_rate), by default 1 - (t + 1)**-decay_rate (Adafactor,
    Shazeer and Stern 2018).

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_factored_rms(min_dim_size_to_factor=2)
    >>> g = fnp.array([[1.0, 2.0], [3.0, 4.0]])
    >>> [s.shape for s in t.init(g)[1:]]
    [(2,), (2,), (1,)]
    >>> t.update(g, t.init(g), g)[0]
    Array([[0.77459667, 1.09544512],
           [1.03923048, 0.9797959 ]], dtype=float64)
    """
    def stat_shapes(shape):
        """(v_row, v_col, v) shapes of a leaf, a (1,) placeholder for those it does not use."""
        dims = _factored_dims(shape, factored, min_dim_size_to_factor)
        if dims is None:
            return (1,), (1,), shape
        d1, d0 = dims
        return shape[:d0] + shape[d0 + 1:], shape[:d1] + shape[d1 + 1:], (1,)

    def init(params):
        zeros = [tree.tree_map(lambda p, i=i: fnp.zeros(stat_shapes(p.shape)[i], p.dtype), params)
                 for i in range(3)]
        return FactoredState(zero_count(), *zeros)

    def update_leaf(g, v_row, v_col, v, decay):
        dtype = g.dtype
        g2 = abs_sq(g) + epsilon
        dims = _factored_dims(g.shape, factored, min_dim_size_to_factor)
        if dims is None:
            v = fnp.asarray(decay * v + (1.0 - decay) * g2, dtype)
            return g * v ** -0.5, v_row, v_col, v
        d1, d0 = dims
        v_row = fnp.asarray(decay * v_row + (1.0 - decay) * fnp.mean(g2, axis=d0), dtype)
        v_col = fnp.asarray(decay * v_col + (1.0 - decay) * fnp.mean(g2, axis=d1), dtype)
        row_mean = fnp.mean(v_row, axis=d1 - 1 if d1 > d0 else d1, keepdims=True)
        row_factor = (v_row / row_mean) ** -0.5
        col_factor = v_col ** -0.5
        return (g * fnp.expand_dims(row_factor, d0) * fnp.expand_dims(col_factor, d1),
                v_row, v_col, v)

    def update(updates, state, params=None):
        require_params(params, "scale_by_factored_rms")
        check_same_structure(state.v, updates, "scale_by_factored_rms", STATE_VS_UPDATES)
        decay = decay_rate_fn(state.count - step_offset, decay_rate)
        leaves, treedef = tree.tree_flatten(updates)
        stats = [tree.tree_leaves(s) for s in (state.v_row, state.v_col, state.v)]
        out = [update_leaf(g, *s, decay) for g, *s in zip(leaves, *stats)]
        new = [tree.tree_unflatten(treedef, [o[i] for o in out]) for i in range(4)]
        return new[0], FactoredState(safe_increment(state.count), *new[1:])

    return GradientTransformation(init, update)


class ScaleBySM3State(NamedTuple):
    """The state of SM3: per leaf, one accumulator vector per axis (mu, a list), and the
    momentum of the updates (nu)."""
    mu: PyTree
    nu: PyTree


def scale_by_sm3(b1: ArrayLike = 0.9, b2: ArrayLike = 1.0,
                 eps: ArrayLike = 1e-8) -> GradientTransformation:
    """SM3 (Anil et al. 2019), Adagrad with sublinear memory: an n-d leaf keeps one accumulator
    per index of each axis; an element's second moment is the minimum over its axes' entries,
    plus g**2. The update g / sqrt(that + eps) (0 where it is 0) goes through momentum b1.

    >>> import funcgrad.numpy as fnp
    >>> t = scale_by_sm3(b1=0.0)
    >>> g = fnp.array([[3.0, 0.0], [4.0, 1.0]])
    >>> [m.shape for m in t.init(g).mu]
    [(2,), (2,)]
    >>> fnp.round(t.update(g, t.init(g))[0], 6)
    Array([[1., 0.],
           [1., 1.]], dtype=float64)
    """
    def init(params):
        if any(fnp.asarray(x).dtype.kind == "c" for x in tree.tree_leaves(params)):
            raise ValueError("scale_by_sm3 does not support complex parameters; "
                             "split them into real and imaginary parts")
        if any(fnp.ndim(x) == 0 for x in tree.tree_leaves(params)):
            raise ValueError("scale_by_sm3 keeps one accumulator per index of each axis, so a "
                             "scalar (0-d) parameter has none: reshape it to shape (1,)")
        mu = tree.tree_map(lambda p: [fnp.zeros((p.shape[i],), p.dtype) for i in range(p.ndim)],
                           params)
        return ScaleBySM3State(mu, tree.tree_map(fnp.zeros_like, params))

    def expanded(g, v):
        return [fnp.reshape(v[i], [1] * i + [g.shape[i]] + [1] * (g.ndim - i - 1))
                for i in range(g.ndim)]

    def accumulate(g, v):
        coeff = (1.0 - b2) if b2 != 1.0 else 1.0
        if g.ndim < 2:
            return coeff * g ** 2 + b2 * v[0]
        return coeff * g ** 2 + b2 * functools.reduce(fnp.minimum, v)

    def new_mu(a, i):
        if a.ndim < 2:
            return a
        return fnp.max(a, axis=tuple(j for j in range(a.ndim) if j != i))

    def update(updates, state, params=None):
        del params
        check_same_structure(state.nu, updates, "scale_by_sm3", STATE_VS_UPDATES)
        # the accumulators are a list per leaf: the updates' structure is a prefix of theirs
        mu = tree.tree_map(expanded, updates, state.mu)
        accum = tree.tree_map(accumulate, updates, mu)
        inv = tree.tree_map(lambda a: fnp.where(a > 0, 1 / fnp.sqrt(fnp.where(a > 0, a, 1) + eps),
                                                0.0), accum)
        up = tree.tree_map(lambda g, a: g * a, updates, inv)
        nu = update_moment(up, state.nu, b1, 1)
        mu = tree.tree_map(lambda a: [new_mu(a, i) for i in range(a.ndim)], accum)
        return nu, ScaleBySM3State(mu, nu)

    return GradientTransformation(init, update)
