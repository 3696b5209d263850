"""Running funcgrad.optim beside real optax: the same transformation built in both libraries, fed
the same parameters and gradients step by step, compared leaf by leaf (updates and states: the
state's NamedTuple class names and fields, every array's shape, dtype and value).

optax and JAX are the `optax` test extra; without them `oracle()` skips the test and says why.
float64 runs under `jax.enable_x64(True)` and float32 under `enable_x64(False)`, as a JAX user
runs them, so optax computes its scalars (schedules, bias corrections) in the dtype it would.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim, tree

REASON = "optax oracle not installed: pip install -e '.[optax]' (make test installs it)"

# How far two trajectories may part: float rounding of a few operations per step.
TOLERANCE = {np.dtype(np.float32): dict(rtol=2e-5, atol=2e-6),
             np.dtype(np.float64): dict(rtol=1e-11, atol=1e-13)}


def oracle():
    """(jax, jax.numpy, optax), or skip the test with the reason."""
    optax = pytest.importorskip("optax", reason=REASON)
    import jax
    import jax.numpy as jnp
    return jax, jnp, optax


@contextlib.contextmanager
def precision(dtype):
    """JAX with 64-bit types enabled exactly when `dtype` is float64."""
    jax, _, _ = oracle()
    with jax.enable_x64(np.dtype(dtype) == np.float64):
        yield


def param_trees(dtype=np.float64, seed=0) -> list[Any]:
    """Parameter pytrees of numpy leaves: a nested dict of tuples, a 0-d leaf, an empty leaf, a
    matrix, a vector, a size-1 matrix; the shapes an optimizer's tree handling gets wrong first.
    The trees share these five shapes (each again in another place of the structure): JAX
    compiles each operation run eagerly once per shape and dtype, the bulk of the oracle tests'
    time, and another matrix or vector shape checks nothing new."""
    rng = np.random.default_rng(seed)

    def arr(*shape):
        return rng.standard_normal(shape).astype(dtype)

    return [
        {"w": arr(3, 2), "b": arr(2)},
        {"layer": ({"w": arr(3, 2)}, {"w": arr(2), "s": arr()}), "empty": arr(0)},
        (arr(2), arr(1, 1)),
    ]


def gradient_sequence(params, steps: int, seed: int = 1) -> list[Any]:
    """`steps` gradient trees with the parameters' structure, shapes and dtypes."""
    rng = np.random.default_rng(seed)
    return [tree.tree_map(lambda p: rng.standard_normal(np.shape(p)).astype(p.dtype), params)
            for _ in range(steps)]


def to_funcgrad(t):
    return tree.tree_map(lambda x: fnp.asarray(x) if isinstance(x, np.ndarray) else x, t)


def to_jax(t):
    _, jnp, _ = oracle()
    return tree.tree_map(lambda x: jnp.asarray(x) if isinstance(x, np.ndarray) else x, t)


def assert_same_tree(ours, theirs, dtype=np.float64, where="tree", **tolerance):
    """`ours` (funcgrad) equals `theirs` (optax): same containers (NamedTuple classes by name and
    fields, tuples, lists, dicts with the same keys), same leaf shapes and dtypes, values within
    float rounding of `dtype`."""
    tol = {**TOLERANCE[np.dtype(dtype)], **tolerance}
    if isinstance(theirs, tuple) and hasattr(theirs, "_fields"):
        assert type(ours).__name__ == type(theirs).__name__, \
            f"{where}: state class {type(ours).__name__} != optax's {type(theirs).__name__}"
        assert tuple(ours._fields) == tuple(theirs._fields), \
            f"{where}: fields {ours._fields} != optax's {theirs._fields}"
        for name in theirs._fields:
            assert_same_tree(getattr(ours, name), getattr(theirs, name), dtype,
                             f"{where}.{name}", **tolerance)
        return
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), \
            f"{where}: {type(ours).__name__} of {len(ours)} != optax's {len(theirs)} entries"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same_tree(a, b, dtype, f"{where}[{i}]", **tolerance)
        return
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and sorted(ours) == sorted(theirs), \
            f"{where}: keys {sorted(ours) if isinstance(ours, dict) else ours} != {sorted(theirs)}"
        for k in theirs:
            assert_same_tree(ours[k], theirs[k], dtype, f"{where}[{k!r}]", **tolerance)
        return
    if theirs is None:
        assert ours is None, f"{where}: {ours!r} where optax has None"
        return
    if type(theirs).__name__ == "MaskedNode":
        assert type(ours).__name__ == "MaskedNode", f"{where}: {ours!r} where optax has MaskedNode"
        return
    a, b = np.asarray(ours), np.asarray(theirs)
    assert a.shape == b.shape, f"{where}: shape {a.shape} != optax's {b.shape}"
    assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != optax's {b.dtype}"
    if a.dtype.kind in "fc":
        np.testing.assert_allclose(a, b, err_msg=where, equal_nan=True, **tol)
    else:
        np.testing.assert_array_equal(a, b, err_msg=where)


def run_side_by_side(make: Callable[[Any], Any], params, grads: Sequence[Any],
                     dtype=np.float64, jit: bool = False, extra: Callable[[int], dict] | None = None,
                     jit_oracle: bool | None = None, **tolerance) -> tuple[Any, Any]:
    """Build `make(optax)` and `make(funcgrad.optim)`, init both on `params` (numpy leaves), feed
    each gradient tree in turn (with `extra(step)` as keyword arguments to update, for the
    transformations that take extra arguments), and compare updates, states and the updated
    parameters after every step. Returns the final (funcgrad, optax) parameters. `jit` jits
    funcgrad's update, and optax's too unless `jit_oracle` says otherwise (None: as `jit`):
    optax eager spares XLA's compilation of a whole update, optax jitted spares its per-step
    compilations of a `lax.cond` run eagerly."""
    jax, _, optax = oracle()
    with precision(dtype):
        theirs_t, ours_t = make(optax), make(optim)
        p_t, p_o = to_jax(params), to_funcgrad(params)
        s_t, s_o = theirs_t.init(p_t), ours_t.init(p_o)
        assert_same_tree(s_o, s_t, dtype, "init state", **tolerance)
        up_t, up_o = theirs_t.update, ours_t.update
        if jit:
            up_o = fg.jit(up_o)
        if jit if jit_oracle is None else jit_oracle:
            up_t = jax.jit(up_t)
        for step, g in enumerate(grads):
            kw = extra(step) if extra else {}
            u_t, s_t = up_t(to_jax(g), s_t, p_t, **kw)
            u_o, s_o = up_o(to_funcgrad(g), s_o, p_o, **kw)
            assert_same_tree(u_o, u_t, dtype, f"updates at step {step}", **tolerance)
            assert_same_tree(s_o, s_t, dtype, f"state at step {step}", **tolerance)
            p_t, p_o = optax.apply_updates(p_t, u_t), optim.apply_updates(p_o, u_o)
            assert_same_tree(p_o, p_t, dtype, f"params at step {step}", **tolerance)
    return p_o, p_t
