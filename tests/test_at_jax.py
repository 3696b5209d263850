"""Indexing as JAX's, with the installed JAX as the oracle: `x[idx]` and `x.at[idx].get/set/add/
subtract/multiply/mul/divide/power/min/max/apply` for every `mode`, over generated index forms
(integers and index arrays out of bounds and negative, slices, boolean masks, None and Ellipsis),
eagerly, under jit and under vmap, and their derivatives."""
from __future__ import annotations

import os
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp

jax = pytest.importorskip("jax", reason="JAX is the oracle of these tests")
jnp = pytest.importorskip("jax.numpy", reason="JAX is the oracle of these tests")

# the deep versions of the generated tests: opt-in (FUNCGRAD_SLOW=1), a bounded one runs always
OPT_IN = pytest.mark.skipif(os.environ.get("FUNCGRAD_SLOW") != "1",
                            reason="slow: FUNCGRAD_SLOW=1 runs it")

MODES = [None, "clip", "drop", "fill", "promise_in_bounds"]
UPDATES = ["set", "add", "subtract", "multiply", "mul", "divide", "power", "min", "max", "apply"]


def _x(shape, dtype=np.float32):
    r = np.random.default_rng(0)
    return r.uniform(0.5, 1.5, shape).astype(dtype)


def _same(ours, theirs, rtol=1e-5):
    a, b = np.asarray(ours), np.asarray(theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-6, equal_nan=True)


# ---- generated index forms ------------------------------------------------------------------

def _entry(n):
    """One index entry for an axis of size n: in or out of bounds, negative, arrays, masks."""
    big = n + 3
    return st.one_of(
        st.integers(-big, big - 1),
        st.builds(slice, st.one_of(st.none(), st.integers(-big, big)),
                  st.one_of(st.none(), st.integers(-big, big)),
                  st.sampled_from([None, 1, 2, -1, -2])),
        st.lists(st.integers(-big, big - 1), min_size=0, max_size=4).map(
            lambda v: np.array(v, np.int32)),
        st.lists(st.booleans(), min_size=n, max_size=n).map(lambda v: np.array(v, np.bool_)),
    )


@st.composite
def index_forms(draw, shape):
    entries = [draw(_entry(n)) for n in shape[:draw(st.integers(1, len(shape)))]]
    if sum(isinstance(e, np.ndarray) and e.dtype == np.bool_ for e in entries) > 1:
        entries = entries[:1]  # two masks must have matching counts: keep the form simple
    extra = draw(st.sampled_from(["", "none-front", "ellipsis-front", "none-mid", "ellipsis-end"]))
    if extra == "none-front":
        entries = [None] + entries
    elif extra == "ellipsis-front" and not any(
            isinstance(e, np.ndarray) and e.dtype == np.bool_ for e in entries):
        # (a mask then stands for the trailing axes, whose sizes it was not drawn for)
        entries = [Ellipsis] + entries[1:] if len(entries) > 1 else [Ellipsis] + entries
    elif extra == "none-mid":
        entries = entries[:1] + [None] + entries[1:]
    elif extra == "ellipsis-end":
        entries = entries + [Ellipsis]
    return entries[0] if len(entries) == 1 and draw(st.booleans()) else tuple(entries)


def _jax_or_error(f):
    try:
        return f(), None
    except Exception as e:  # noqa: BLE001 (JAX's class is what we compare)
        return None, e


SHAPES = [(5, 4), (3, 1, 2), (1,), (0, 3)]


def _check_get(shape, mode, data):
    idx = data.draw(index_forms(shape))
    x = _x(shape)
    want, err = _jax_or_error(lambda: jnp.asarray(x).at[idx].get(mode=mode, fill_value=None))
    if err is not None:
        if isinstance(err, TypeError) and 0 in shape and "Slice size" in str(err):
            return  # XLA refuses a gather along an empty axis; funcgrad fills (or clamps: none)
        # JAX's class, or numpy's IndexError for index arrays that do not broadcast (JAX: a
        # ValueError; funcgrad keeps numpy's class, docs/jax.md)
        with pytest.raises((type(err), IndexError)):
            fnp.asarray(x).at[idx].get(mode=mode)
        return
    _same(fnp.asarray(x).at[idx].get(mode=mode), want)
    if mode is None:
        _same(fnp.asarray(x)[idx], jnp.asarray(x)[idx])


@settings(deadline=None, max_examples=8)
@given(data=st.data())
@pytest.mark.parametrize("mode", MODES, ids=str)
def test_get_matches_jax(mode, data):
    _check_get(data.draw(st.sampled_from(SHAPES)), mode, data)


@pytest.mark.slow
@OPT_IN
@settings(deadline=None, max_examples=40)
@given(data=st.data())
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("mode", MODES, ids=str)
def test_get_matches_jax_deep(shape, mode, data):
    _check_get(shape, mode, data)


def _apply_update(ref, method, values, mode):
    if method == "apply":
        return ref.apply(lambda v: v * 2 + 1, mode=mode)
    return getattr(ref, method)(values, mode=mode)


def _check_update(method, mode, data):
    shape = data.draw(st.sampled_from(SHAPES))
    idx = data.draw(index_forms(shape))
    x = _x(shape)
    target, err = _jax_or_error(lambda: jnp.asarray(x)[idx])
    if err is not None:
        return  # an index JAX rejects outright: the get test covers its error
    if method == "set":
        values = np.float32(data.draw(st.sampled_from([2.5, -1.0])))  # duplicates then agree
    else:
        values = _x(target.shape) + np.float32(0.25)
    want = _apply_update(jnp.asarray(x).at[idx], method, values, mode)
    ours = _apply_update(fnp.asarray(x).at[idx], method, values, mode)
    _same(ours, want)


@settings(deadline=None, max_examples=4)
@given(data=st.data())
@pytest.mark.parametrize("method", UPDATES)
def test_updates_match_jax(method, data):
    _check_update(method, data.draw(st.sampled_from(MODES)), data)


@pytest.mark.slow
@OPT_IN
@settings(deadline=None, max_examples=25)
@given(data=st.data())
@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize("method", UPDATES)
def test_updates_match_jax_deep(method, mode, data):
    _check_update(method, mode, data)


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_out_of_bounds_under_jit_and_vmap_match_eager(mode):
    x = _x((5,))
    i = np.array([7, -9, -1, 2, 5], np.int32)
    for f in [lambda x, i: x.at[i].get(mode=mode), lambda x, i: x.at[i].set(3.0, mode=mode),
              lambda x, i: x.at[i].add(1.0, mode=mode), lambda x, i: x.at[i].max(9.0, mode=mode),
              lambda x, i: x.at[i].apply(lambda v: v * 2, mode=mode)]:
        want = f(jnp.asarray(x), jnp.asarray(i))
        _same(f(fnp.asarray(x), fnp.asarray(i)), want)
        _same(fg.jit(f)(fnp.asarray(x), fnp.asarray(i)), want)
        xs, iss = np.stack([x, x[::-1]]), np.stack([i, i[::-1]])
        _same(fg.vmap(f)(fnp.asarray(xs), fnp.asarray(iss)), jax.vmap(f)(xs, iss))
        _same(fg.vmap(f, in_axes=(0, None))(fnp.asarray(xs), fnp.asarray(i)),
              jax.vmap(f, in_axes=(0, None))(xs, i))


def test_plain_indexing_out_of_bounds_clamps_as_jax():
    x = _x((5, 3))
    for idx in [7, -9, (7, -1), (np.array([9, -9, 1]),), (slice(None), np.array([4, -5])),
                (np.array([[7], [0]]), np.array([0, 5]))]:
        _same(fnp.asarray(x)[idx], jnp.asarray(x)[idx])
        _same(fg.jit(lambda v: v[idx])(fnp.asarray(x)), jnp.asarray(x)[idx])


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.uint8, np.bool_])
def test_fill_values_per_dtype(dtype):
    x = np.arange(4).astype(dtype)
    i = np.array([1, 9, -9])
    _same(fnp.asarray(x).at[i].get(mode="fill"), jnp.asarray(x).at[i].get(mode="fill"))
    _same(fnp.asarray(x).at[i].get(mode="fill", fill_value=1),
          jnp.asarray(x).at[i].get(mode="fill", fill_value=1))


GRADS = [  # (id, f(np module), the shape of v)
    ("set dup", lambda m: lambda x, v: m.sum(x.at[np.array([1, 1, 9])].set(v * 3) ** 2), (3,)),
    ("add dup", lambda m: lambda x, v: m.sum(x.at[np.array([1, 1, 9, -1])].add(v) ** 2), (4,)),
    ("get dup", lambda m: lambda x, v: m.sum(x.at[np.array([1, 1, 9])].get() * v), (3,)),
    ("get dup clip", lambda m: lambda x, v: m.sum(x.at[np.array([1, 1, 9])].get(mode="clip") * v),
     (3,)),
    ("getitem", lambda m: lambda x, v: m.sum(x[np.array([1, -7, 9])] * v), (3,)),
    ("get fill", lambda m: lambda x, v: m.sum(
        x.at[np.array([1, 1, 9])].get(mode="fill", fill_value=2.0) ** 2 * v), (3,)),
    ("mul", lambda m: lambda x, v: m.sum(x.at[np.array([0, 2, 8])].multiply(v, unique_indices=True) ** 2), (3,)),
    ("max", lambda m: lambda x, v: m.sum(x.at[np.array([0, 3, 8])].max(v + 1) ** 2), (3,)),
    ("set clip", lambda m: lambda x, v: m.sum(x.at[np.array([0, 3, 8])].set(v, mode="clip")),
     (3,)),
]


@pytest.mark.parametrize("name,f,vshape", GRADS, ids=[g[0] for g in GRADS])
def test_gradients_match_jax(name, f, vshape):
    x, v = _x((5,)), _x(vshape) + np.float32(0.5)
    want = jax.grad(f(jnp), argnums=(0, 1))(x, v)
    for g in (fg.grad(f(fnp), argnums=(0, 1)), fg.jit(fg.grad(f(fnp), argnums=(0, 1)))):
        got = g(fnp.asarray(x), fnp.asarray(v))
        for a, b in zip(got, want):
            _same(a, b)


def test_traced_out_of_bounds_gradient_under_jit():
    f = lambda m: lambda x, i: m.sum(x.at[i].add(x[0]) ** 2) * m.sum(x[i])  # noqa: E731
    x, i = _x((5,)), np.array([7, 0, -9, 4], np.int32)
    want = jax.grad(f(jnp))(x, i)
    _same(fg.jit(fg.grad(f(fnp)))(fnp.asarray(x), fnp.asarray(i)), want)
    _same(fg.grad(f(fnp))(fnp.asarray(x), fnp.asarray(i)), want)


def test_bad_mode_is_a_value_error_as_in_jax():
    with pytest.raises(ValueError):
        jnp.ones(3).at[0].set(1.0, mode="foo")
    with pytest.raises(ValueError, match="mode.*'clip'"):
        fnp.ones(3).at[0].set(1.0, mode="foo")
    with pytest.raises(ValueError, match="mode"):
        fnp.ones(3).at[0].get(mode="wrap")
    assert fg.lax.GatherScatterMode.from_any("drop") is fg.lax.GatherScatterMode.FILL_OR_DROP
