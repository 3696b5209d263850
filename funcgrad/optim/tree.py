"""funcgrad.optim.tree: optax.tree, arithmetic and bookkeeping on pytrees of arrays.

>>> import funcgrad.numpy as fnp
>>> from funcgrad.optim import tree as otree
>>> params = {"w": fnp.array([1.0, 2.0]), "b": fnp.array(0.5)}
>>> otree.add_scale(params, -0.1, otree.ones_like(params))["w"]
Array([0.9, 1.9], dtype=float64)
>>> otree.norm(params, ord=1), otree.size(params)
(Array(3.5, dtype=float64), 3)
"""
from ._tree_math import (bias_correction, update_infinity_moment, update_moment,
                         update_moment_per_elem_norm)
from ._tree_ops import (add, add_scale, allclose, batch_shape, cast, cast_like, clip, conj, div,
                        dtype, full_like, max, min, mul, norm, ones_like, real, scale, size, sub,
                        sum, vdot, where, zeros_like)
from ._tree_state import (NamedTupleKey, get, get_all_with_path, map_params, random_like, set,
                          split_key_like, unwrap_random_key_data)

__all__ = ["add", "add_scale", "allclose", "batch_shape", "bias_correction", "cast", "cast_like",
           "clip", "conj", "div", "dtype", "full_like", "get", "get_all_with_path", "map_params",
           "max", "min", "mul", "norm", "ones_like", "random_like", "real", "scale", "set", "size",
           "split_key_like", "sub", "sum", "unwrap_random_key_data", "update_infinity_moment",
           "update_moment", "update_moment_per_elem_norm", "vdot", "where", "zeros_like",
           "NamedTupleKey"]
