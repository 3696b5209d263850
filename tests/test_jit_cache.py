"""jit's cache belongs to the function, as JAX's: `jit(f)` made again reuses what an earlier
`jit(f)` compiled (same static arguments), side effects run once per trace, the cache holds no
reference that keeps a dead function alive, it is bounded, and it can be emptied
(`jit(f).clear_cache()`, `fg.clear_caches()`). Also the stages: `trace`, `lower`, `compile`."""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.interpreters import jit as jit_module


def _counting():
    traced = []

    def f(x, n=1):
        traced.append(1)
        return x * n
    return f, traced


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (0,), (1,), (3, 2)])
def test_jit_made_again_reuses_the_compiled_function(shape, dtype):
    f, traced = _counting()
    x = fnp.asarray(np.ones(shape, dtype))
    for _ in range(3):
        out = fg.jit(f)(x)
        assert out.shape == shape and out.dtype == dtype
    assert len(traced) == 1 and fg.jit(f).traces == 1


def test_print_runs_once_per_trace_as_in_jax(capsys):
    def f(x):
        print("tracing f")
        return x + 1.0

    for _ in range(3):
        fg.jit(f)(fnp.ones(2))
    fg.jit(f)(fnp.ones(3))  # a new shape: one more trace
    assert capsys.readouterr().out == "tracing f\ntracing f\n"
    jax = pytest.importorskip("jax", reason="JAX oracle not installed")
    for _ in range(3):
        jax.jit(f)(jax.numpy.ones(2))
    jax.jit(f)(jax.numpy.ones(3))
    assert capsys.readouterr().out == "tracing f\ntracing f\n"


def test_static_arguments_and_options_are_part_of_the_key():
    f, traced = _counting()
    x = fnp.ones(2)
    fg.jit(f, static_argnums=1)(x, 2)
    fg.jit(f, static_argnums=1)(x, 2)
    assert len(traced) == 1
    fg.jit(f, static_argnums=1)(x, 3)       # another static value
    assert len(traced) == 2
    fg.jit(f)(x, 2)                          # other options: another cache
    assert len(traced) == 3
    fg.jit(f, static_argnames="n")(x, 2)     # static_argnames=n is static_argnums=1 here
    assert len(traced) == 3


def test_the_cache_does_not_keep_a_dead_function_alive():
    def make():
        big = np.ones(1000)

        def g(x):
            return x + big.sum()
        jitted = fg.jit(g)
        jitted(fnp.ones(2))
        fg.jit(g)(fnp.ones(2))
        return weakref.ref(g), weakref.ref(jitted)

    alive_before = len(jit_module._by_function)
    ref_g, ref_j = make()
    gc.collect()
    assert ref_g() is None and ref_j() is None
    assert len(jit_module._by_function) <= alive_before


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(jit_module, "CACHE_SIZE", 3)
    f, traced = _counting()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fg.RetraceWarning)
        for n in range(1, 8):
            fg.jit(f)(fnp.ones(n))
        assert len(fg.jit(f).cache) == 3 and len(traced) == 7
        fg.jit(f)(fnp.ones(7))   # still cached
        assert len(traced) == 7
        fg.jit(f)(fnp.ones(1))   # dropped: traced again
        assert len(traced) == 8


def test_clear_cache_and_clear_caches():
    f, traced = _counting()
    g, traced_g = _counting()
    fg.jit(f)(1.0)
    fg.jit(g)(1.0)
    fg.jit(f).clear_cache()
    assert len(fg.jit(f).cache) == 0 and len(fg.jit(g).cache) == 1
    fg.jit(f)(1.0)
    assert len(traced) == 2
    fg.clear_caches()
    assert len(fg.jit(f).cache) == 0 and len(fg.jit(g).cache) == 0
    fg.jit(g)(1.0)
    assert len(traced_g) == 2


def test_the_fast_road_is_shared_too():
    f, traced = _counting()
    x = fnp.ones(3)
    a = fg.jit(f)
    a(x)
    a(x)
    b = fg.jit(f)
    assert b._fast_tree is not None        # the second jit object starts on the fast road
    np.testing.assert_array_equal(np.asarray(b(x)), np.ones(3))
    assert len(traced) == 1


def test_trace_lower_compile_stages():
    def f(x, y):
        return {"s": fnp.sin(x) * y, "n": (x * y).sum()}

    x, y = fnp.ones(3), 2.0
    traced = fg.jit(f).trace(x, y)
    assert "sin" in str(traced.jaxpr)
    assert repr(traced.out_info) == ("{'n': ShapeDtypeStruct(shape=(), dtype=float64), "
                                     "'s': ShapeDtypeStruct(shape=(3,), dtype=float64)}")
    lowered = traced.lower()
    assert "def " in lowered.as_text() and repr(lowered.out_info) == repr(traced.out_info)
    compiled = lowered.compile()
    got = compiled(x, y)
    np.testing.assert_allclose(np.asarray(got["s"]), np.sin(np.ones(3)) * 2.0)
    with pytest.raises(TypeError, match="compiled for other arguments"):
        compiled(fnp.ones(4), y)
    # ShapeDtypeStructs stand for arrays when lowering, as in JAX
    low = fg.jit(f).lower(fg.ShapeDtypeStruct((3,), np.float64), 2.0)
    np.testing.assert_allclose(np.asarray(low.compile()(x, y)["n"]), 6.0)


def test_stages_as_jax():
    jax = pytest.importorskip("jax", reason="JAX oracle not installed")
    f = lambda x: (x * 2.0, x.sum())  # noqa: E731
    x32 = np.ones(3, np.float32)
    assert repr(fg.jit(f).trace(x32).out_info) == repr(jax.jit(f).trace(x32).out_info)
    assert repr(fg.jit(f).lower(x32).out_info) == repr(jax.jit(f).lower(x32).out_info)
    with pytest.raises(TypeError):
        jax.jit(f).lower(x32).compile()(np.ones(4, np.float32))
    with pytest.raises(TypeError):
        fg.jit(f).lower(x32).compile()(np.ones(4, np.float32))
