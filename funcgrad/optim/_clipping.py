"""Clipping: bound the size of updates, elementwise, per leaf, per unit (row/filter), over the whole
tree, or per example of a batch of gradients (differential privacy)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from .. import tree
from .._core.typing import ArrayLike, PyTree
from ._base import (EmptyState, GradientTransformation, check_same_structure, count_dtype,
                    init_empty_state, require_params)
from ._numerics import abs_sq
from ._tree_math import global_norm

# optax's names for the states of the stateless clipping transformations
ClipState = ClipByGlobalNormState = AdaptiveGradClipState = EmptyState


def clip(max_delta: ArrayLike) -> GradientTransformation:
    """Clip every element of the updates to [-max_delta, max_delta].

    >>> import funcgrad.numpy as fnp
    >>> clip(1.0).update(fnp.array([-3.0, 0.5, 2.0]), None)[0]
    Array([-1. ,  0.5,  1. ], dtype=float64)
    """
    def update(updates, state, params=None):
        del params
        return tree.tree_map(lambda g: fnp.clip(g, -max_delta, max_delta), updates), state

    return GradientTransformation(init_empty_state, update)


def clip_by_global_norm(max_norm: ArrayLike) -> GradientTransformation:
    """Rescale the updates so that their global norm (see `global_norm`) is at most max_norm;
    leave them unchanged when it already is.

    >>> import funcgrad.numpy as fnp
    >>> clip_by_global_norm(1.0).update({"a": fnp.array([3.0]), "b": fnp.array([4.0])}, None)[0]
    {'a': Array([0.6], dtype=float64), 'b': Array([0.8], dtype=float64)}
    """
    def update(updates, state, params=None):
        del params
        norm = global_norm(updates)
        keep = norm < max_norm
        # the divisor is 1 where the updates are kept, so a zero norm never divides
        divisor = fnp.where(keep, 1.0, norm)
        return tree.tree_map(
            lambda g: fnp.where(keep, g, g / divisor.astype(g.dtype) * max_norm),
            updates), state

    return GradientTransformation(init_empty_state, update)


def clip_by_block_rms(threshold: ArrayLike) -> GradientTransformation:
    """Rescale each leaf so that its root mean square is at most threshold (Adafactor).

    >>> import funcgrad.numpy as fnp
    >>> clip_by_block_rms(1.0).update(fnp.array([3.0, -3.0]), None)[0]
    Array([ 1., -1.], dtype=float64)
    """
    def clip_leaf(u):
        if np.size(u) == 0:  # nothing to clip (and no mean to take)
            return u
        return u / fnp.maximum(1.0, fnp.sqrt(fnp.mean(abs_sq(fnp.asarray(u)))) / threshold)

    def update(updates, state, params=None):
        del params
        return tree.tree_map(clip_leaf, updates), state

    return GradientTransformation(init_empty_state, update)


def _check_batch_dim(grads: PyTree, who: str) -> list[Any]:
    leaves = tree.tree_leaves(grads)
    shapes = [tuple(np.shape(g)) for g in leaves]
    if not leaves or any(len(s) < 1 or s[0] != shapes[0][0] for s in shapes):
        raise ValueError(
            f"Unlike other transforms, `{who}` expects `grads` to have a batch dimension in "
            f"the 0th axis, the same in every leaf; got shapes: "
            f"{tree.tree_map(np.shape, grads)}. Give per-example gradients, e.g. "
            "fg.vmap(fg.grad(loss), in_axes=(None, 0))(params, batch)")
    return leaves


def _per_example_norms(leaves: list[Any]) -> Any:
    sums = [fnp.sum(abs_sq(g).reshape(g.shape[0], -1), axis=1) for g in leaves]
    return fnp.sqrt(sum(sums[1:], start=sums[0]))


def per_example_global_norm_clip(grads: PyTree, l2_norm_clip: ArrayLike
                                 ) -> tuple[PyTree, Any]:
    """Clip each example's gradient (the slices along axis 0 of every leaf together) to global
    norm l2_norm_clip, and sum over the examples: DP-SGD's clipping. Returns the summed tree
    and how many examples were clipped.

    >>> import funcgrad.numpy as fnp
    >>> g = {"w": fnp.array([[3.0, 4.0], [0.3, 0.4]])}
    >>> summed, n = per_example_global_norm_clip(g, 1.0)
    >>> summed["w"], int(n)
    (Array([0.9, 1.2], dtype=float64), 1)
    """
    leaves = _check_batch_dim(grads, "per_example_global_norm_clip")
    norms = _per_example_norms(leaves)
    safe = fnp.where(norms == 0, 1.0, norms)  # 0/0 is no clipping: multiplier 1
    multipliers = fnp.where(norms == 0, 1.0, fnp.minimum(l2_norm_clip / safe, 1.0))
    num_clipped = fnp.sum(multipliers < 1.0).astype(count_dtype(grads))
    return tree.tree_map(lambda g: fnp.tensordot(multipliers.astype(g.dtype), g, axes=1),
                         grads), num_clipped


def per_example_layer_norm_clip(grads: PyTree, global_l2_norm_clip: ArrayLike,
                                uniform: bool = True) -> tuple[PyTree, PyTree]:
    """Per-example clipping per layer (leaf): each leaf's per-example gradients are clipped to
    a share of global_l2_norm_clip (equal shares if uniform, else in proportion to the square
    root of the leaf's size), then summed over the examples. Returns the tree of sums and the
    tree of how many examples each leaf clipped.

    >>> import funcgrad.numpy as fnp
    >>> g = {"a": fnp.array([[3.0, 4.0]]), "b": fnp.array([[0.1]])}
    >>> sums, counts = per_example_layer_norm_clip(g, 2.0 ** 0.5)
    >>> sums["a"], int(counts["a"]), int(counts["b"])
    (Array([0.6, 0.8], dtype=float64), 1, 0)
    """
    leaves = _check_batch_dim(grads, "per_example_layer_norm_clip")
    if uniform:
        clips = [global_l2_norm_clip * (1.0 / len(leaves)) ** 0.5 for _ in leaves]
    else:
        total = sum(int(np.prod(np.shape(g)[1:])) for g in leaves)
        clips = [global_l2_norm_clip * (int(np.prod(np.shape(g)[1:])) / total) ** 0.5
                 for g in leaves]
    treedef = tree.tree_structure(grads)
    pairs = [per_example_global_norm_clip(g, c) for g, c in zip(leaves, clips)]
    return (tree.tree_unflatten(treedef, [p[0] for p in pairs]),
            tree.tree_unflatten(treedef, [p[1] for p in pairs]))


def unitwise_norm(x: ArrayLike, axis: int | tuple[int, ...] | None = None) -> Any:
    """The norm of each unit of a parameter, broadcast to its shape: the whole of a vector, each
    output column of a (in, out) matrix (axis 0 summed), each output filter of an HWIO
    convolution kernel (axes 0, 1, 2 summed); `axis` names the summed axes for other layouts.

    >>> import funcgrad.numpy as fnp
    >>> unitwise_norm(fnp.array([[3.0, 0.0], [4.0, 1.0]]))
    Array([[5., 1.],
           [5., 1.]], dtype=float64)
    """
    x = fnp.asarray(x)
    if axis is not None:
        squared = fnp.sum(abs_sq(x), axis=axis, keepdims=True)
    elif fnp.squeeze(x).ndim <= 1:
        squared = fnp.sum(abs_sq(x), keepdims=True)
    elif x.ndim in (2, 3):
        squared = fnp.sum(abs_sq(x), axis=0, keepdims=True)
    elif x.ndim in (4, 5):
        squared = fnp.sum(abs_sq(x), axis=tuple(range(x.ndim - 1)), keepdims=True)
    else:
        raise ValueError(f"Expected parameter with shape in {(1, 2, 3, 4, 5)}, got "
                         f"{tuple(x.shape)}. Use axis parameter to specify reduction axes for "
                         "other shapes.")
    return fnp.broadcast_to(fnp.sqrt(squared), x.shape)


def unitwise_clip(g_norm: ArrayLike, max_norm: ArrayLike, grad: ArrayLike,
                  div_eps: ArrayLike = 1e-6) -> Any:
    """`grad` where its unitwise norm `g_norm` is below `max_norm`, else rescaled to max_norm
    (all three of one shape).

    >>> import funcgrad.numpy as fnp
    >>> unitwise_clip(fnp.array([2.0, 0.5]), fnp.array([1.0, 1.0]), fnp.array([2.0, 0.5]))
    Array([1. , 0.5], dtype=float64)
    """
    shapes = [tuple(np.shape(v)) for v in (g_norm, max_norm, grad)]
    if len(set(shapes)) != 1:
        raise ValueError(f"unitwise_clip: g_norm, max_norm and grad must have one shape, got "
                         f"{shapes[0]}, {shapes[1]} and {shapes[2]}; compute the norms with "
                         "unitwise_norm(grad)")
    g_norm, max_norm, grad = fnp.asarray(g_norm), fnp.asarray(max_norm), fnp.asarray(grad)
    clipped = grad * (max_norm / fnp.maximum(g_norm, div_eps))
    return fnp.where(g_norm < max_norm, grad, clipped)


def adaptive_grad_clip(clipping: ArrayLike, eps: ArrayLike = 1e-3,
                       axis: int | tuple[int, ...] | None = None) -> GradientTransformation:
    """Adaptive gradient clipping (NFNets): clip each unit's gradient to `clipping` times the
    unitwise norm of its parameter (at least eps).

    >>> import funcgrad.numpy as fnp
    >>> t = adaptive_grad_clip(0.1)
    >>> t.update({"w": fnp.array([3.0, 4.0])}, t.init(None), {"w": fnp.array([6.0, 8.0])})[0]
    {'w': Array([0.6, 0.8], dtype=float64)}
    """
    def update(updates, state, params=None):
        require_params(params, "adaptive_grad_clip")
        check_same_structure(updates, params, "adaptive_grad_clip")

        def clip_leaf(g, p):
            max_norm = clipping * fnp.maximum(unitwise_norm(p, axis), eps)
            return unitwise_clip(unitwise_norm(g, axis), max_norm, g)

        return tree.tree_map(clip_leaf, updates, params), state

    return GradientTransformation(init_empty_state, update)


