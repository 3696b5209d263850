"""eval_shape and ShapeDtypeStruct, test_util.check_grads (check_jvp, check_vjp), typing and
lax.stop_gradient, each beside JAX's (the oracle; skipped where JAX is absent)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import test_util

jax = pytest.importorskip("jax", reason="JAX oracle not installed: pip install -e '.[jax]'")
import jax.test_util  # noqa: E402  (not imported by `import jax`)

jnp = jax.numpy

SHAPES = st.lists(st.integers(0, 3), max_size=3).map(tuple)
DTYPES = st.sampled_from([np.float32, np.float64])


@given(SHAPES, DTYPES)
def test_eval_shape_as_jax(shape, dtype):
    def f(L, np_):
        return lambda x, y: {"sum": np_.sum(x * y), "t": np_.tanh(x)[None], "k": (x.shape[0:0],
                                                                                 None)}
    sds = fg.ShapeDtypeStruct(shape, dtype)
    jsds = jax.ShapeDtypeStruct(shape, dtype)
    ours = fg.eval_shape(f(fg, fnp), sds, np.float32(2.0) if dtype == np.float32 else 2.0)
    theirs = jax.eval_shape(f(jax, jnp), jsds, np.float32(2.0) if dtype == np.float32 else 2.0)
    if dtype == np.float32:  # JAX's default mode is x64 off: compare where the dtypes agree
        assert repr(ours) == repr(theirs)
    assert fg.tree.structure(ours) == fg.tree.structure({"sum": 0, "t": 0, "k": ((), None)})
    assert ours["t"].shape == (1,) + shape and ours["t"].dtype == dtype


def test_eval_shape_accepts_arrays_numbers_and_anything_with_shape_and_dtype():
    out = fg.eval_shape(lambda a, b, c: (a + b, c @ c), fnp.ones(2, fnp.float32), 1.0,
                        np.zeros((3, 3)))
    assert repr(out) == ("(ShapeDtypeStruct(shape=(2,), dtype=float32), "
                         "ShapeDtypeStruct(shape=(3, 3), dtype=float64))")
    with jax.enable_x64(True):  # a Python scalar argument is weakly typed, as in JAX
        assert repr(fg.eval_shape(lambda x: x, 1.0)) == repr(jax.eval_shape(lambda x: x, 1.0))
    jax_arg = jnp.ones((2, 2), jnp.float32)   # a foreign array: its shape and dtype are enough
    assert fg.eval_shape(lambda x: x.sum(0), jax_arg).shape == (2,)


def test_shape_dtype_struct_as_jax():
    for args, kw in [(((3,), np.float32), {}), (((), np.float32), {"weak_type": True}),
                     (((0, 2), np.int32), {})]:
        ours, theirs = fg.ShapeDtypeStruct(*args, **kw), jax.ShapeDtypeStruct(*args, **kw)
        assert repr(ours) == repr(theirs)
        assert (ours.shape, ours.dtype, ours.ndim, ours.size, ours.weak_type) == \
            (theirs.shape, theirs.dtype, theirs.ndim, theirs.size, theirs.weak_type)
    assert fg.ShapeDtypeStruct((2,), np.float32) == fg.ShapeDtypeStruct([2], "float32")
    assert fg.ShapeDtypeStruct((2,), np.float32).update(shape=(3,)).shape == (3,)
    with pytest.raises(ValueError, match="dtype"):
        fg.ShapeDtypeStruct((2,), None)


def _wrong_jvp(L, np_):
    @L.custom_jvp
    def f(x):
        return np_.sin(x)
    f.defjvp(lambda p, t: (np_.sin(p[0]), 2.0 * np_.cos(p[0]) * t[0]))
    return f


def _wrong_vjp(L, np_):
    @L.custom_vjp
    def f(x):
        return np_.sin(x)
    f.defvjp(lambda x: (np_.sin(x), x), lambda x, g: (np_.cos(x) * g * 3.0,))
    return f


GOOD = [
    (lambda np_: np_.sin, (0.7,)),
    (lambda np_: (lambda x, y: np_.tanh(x) * y ** 2), (np.array([0.3, -0.5]), 1.5)),
    (lambda np_: (lambda p: {"a": p["w"] @ p["x"], "b": np_.exp(p["w"]).sum()}),
     ({"w": np.array([[0.1, 0.2], [0.3, -0.4]]), "x": np.array([1.0, 2.0])},)),
    (lambda np_: np_.ones_like, (np.zeros((0, 2)),)),          # size 0
]


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("modes", [("fwd",), ("rev",), ("fwd", "rev")])
@pytest.mark.parametrize("case", range(len(GOOD)))
def test_check_grads_passes_where_jax_passes(case, modes, order):
    fn, args = GOOD[case]
    test_util.check_grads(fn(fnp), args, order, modes=modes)
    with jax.enable_x64(True):
        jax.test_util.check_grads(fn(jnp), args, order, modes=modes)


@pytest.mark.parametrize("make,modes", [(_wrong_jvp, ("fwd",)), (_wrong_jvp, ("rev",)),
                                        (_wrong_vjp, ("rev",))])
def test_check_grads_fails_where_jax_fails(make, modes):
    with jax.enable_x64(True):
        with pytest.raises(AssertionError):
            jax.test_util.check_grads(make(jax, jnp), (0.4,), 1, modes=modes)
    with pytest.raises(AssertionError, match="mode"):
        test_util.check_grads(make(fg, fnp), (0.4,), 1, modes=modes)


def test_check_grads_float32_tolerances_and_bad_arguments():
    x32 = np.array([0.3, 1.1], np.float32)
    test_util.check_grads(fnp.tanh, (x32,), 1)
    jax.test_util.check_grads(jnp.tanh, (x32,), 1)
    # a wrong derivative fails at any order it shows at
    with pytest.raises(AssertionError):
        test_util.check_grads(lambda x: _wrong_jvp(fg, fnp)(x) * x, (0.4,), 2, modes=["fwd"])
    with pytest.raises(ValueError, match="mode"):
        test_util.check_grads(fnp.sin, (0.3,), 1, modes=["sideways"])
    with pytest.raises(ValueError, match="order"):
        test_util.check_grads(fnp.sin, (0.3,), 0)


def test_check_jvp_and_check_vjp_as_jax():
    x = (np.array([0.2, 0.9]),)
    test_util.check_jvp(fnp.sin, lambda p, t: fg.jvp(fnp.sin, p, t), x)
    test_util.check_vjp(fnp.sin, lambda *p: fg.vjp(fnp.sin, *p), x)
    with pytest.raises(AssertionError):
        test_util.check_vjp(fnp.sin, lambda *p: fg.vjp(fnp.cos, *p), x)
    assert {n for n in dir(jax.test_util) if not n.startswith("_")} <= set(dir(test_util))


def test_typing_as_jax():
    from funcgrad import typing as ftyping
    assert {n for n in dir(jax.typing) if not n.startswith("_")} <= set(ftyping.__all__)

    def scale(x: ftyping.ArrayLike, dtype: ftyping.DTypeLike = None) -> fg.Array:
        return fnp.asarray(x, dtype=dtype) * 2

    assert scale(1.5).dtype == np.float64 and scale([1], "float32").dtype == np.float32
    assert isinstance(fnp.ones(2), ftyping.SupportsDType)
    assert isinstance(fg.ShapeDtypeStruct((), np.int8), ftyping.SupportsDType)


def test_lax_stop_gradient_as_jax():
    f = lambda L: (lambda x: x * L.lax.stop_gradient(x ** 2))  # noqa: E731
    assert float(fg.grad(f(fg))(3.0)) == float(jax.grad(f(jax))(3.0)) == 9.0
    assert fg.lax.stop_gradient is fg.stop_gradient or \
        float(fg.grad(lambda x: fg.lax.stop_gradient(x) * x)(2.0)) == 2.0
    out = fg.lax.stop_gradient({"a": 1.0, "b": (fnp.ones(2),)})
    assert list(out) == ["a", "b"] and out["b"][0].shape == (2,)
