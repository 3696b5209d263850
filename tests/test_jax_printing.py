"""Arrays print as JAX prints them (repr, str, weak types, empty and multi-line arrays), and carry
JAX's Array attributes (sharding, devices, block_until_ready, ...). JAX is the oracle, in JAX's
dtype mode (x64 off) and with x64 on; both modes are restored after each test."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from _jax_modes import jax_mode as modes

jax = pytest.importorskip("jax", reason="JAX is the oracle for printing")
jnp = pytest.importorskip("jax.numpy", reason="JAX is the oracle for printing")
_jax_config = pytest.importorskip("jax._src.config", reason="needs JAX's enable_x64 context")


def jax_mode(x64: bool):
    return modes(_jax_config, x64)


PRINTED = [
    ("floats", lambda m: m.array([1.0, 2.0, 3.0])),
    ("ints", lambda m: m.array([1, 2])),
    ("weak scalar", lambda m: m.array(2.0)),
    ("weak int", lambda m: m.array(3)),
    ("bool", lambda m: m.array(True)),
    ("uint8", lambda m: m.array([1, 2], dtype=m.uint8)),
    ("complex", lambda m: m.array(2 + 1j)),
    ("empty 2-d", lambda m: m.zeros((2, 0))),
    ("empty", lambda m: m.zeros((0,))),
    ("shortest digits", lambda m: m.array([[1.0, 2.123456789], [3.0, 4.0]])),
    ("wraps with dtype on its own line", lambda m: m.arange(10.0) * 0.1),
    ("weak product", lambda m: m.ones(3, m.int32) * 2.5),
    ("round-trip sum", lambda m: m.array(0.1) + 0.2),
    ("exp", lambda m: m.exp(m.arange(3))),
    ("grid", lambda m: m.arange(12).reshape(3, 4)),
    ("negative", lambda m: -m.linspace(0, 1, 4)),
    ("size 1", lambda m: m.ones((1, 1))),
]


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
@pytest.mark.parametrize("name,make", PRINTED, ids=[c[0] for c in PRINTED])
def test_repr_and_str_are_jaxs(name, make, x64):
    with jax_mode(x64):
        want, got = make(jnp), make(fnp)
        assert repr(got) == repr(want)
        assert str(got) == str(want)


def test_weak_type_attribute_is_jaxs():
    with jax_mode(False):
        assert fnp.array(2.0).weak_type and jnp.array(2.0).weak_type
        assert not fnp.array([2.0]).weak_type
        assert (fnp.arange(3) * 0.5).weak_type == (jnp.arange(3) * 0.5).weak_type


def test_numpy_mode_prints_no_weak_types():
    assert repr(fnp.array(2.0)) == "Array(2., dtype=float64)"
    assert repr(fnp.zeros((2, 0))) == "Array([], shape=(2, 0), dtype=float64)"


def test_array_attributes_are_jaxs():
    with jax_mode(False):
        x, jx = fnp.array([1.5, 2.25]), jnp.array([1.5, 2.25])
        assert repr(x.sharding) == repr(jx.sharding)
        assert x.sharding == x.sharding and x.sharding.device_set == {x.device}
        assert x.devices() == {x.device} and len(jx.devices()) == 1
        assert x.is_fully_addressable is jx.is_fully_addressable is True
        assert x.is_fully_replicated is jx.is_fully_replicated is True
        assert x.block_until_ready() is x
        assert x.copy_to_host_async() is None
        assert repr(x.addressable_data(0)) == repr(jx.addressable_data(0))
        with pytest.raises(IndexError, match="index 1 is out of range"):
            x.addressable_data(1)


@pytest.mark.parametrize("shape", [(), (0,), (1,), (2, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_attributes_on_every_shape(shape, dtype):
    x = fnp.ones(shape, dtype)
    assert x.block_until_ready() is x and x.devices() == {x.device}
    assert x.addressable_data(0) is x and not x.weak_type


def test_debug_print_formats_as_jax(capfd):
    with jax_mode(False):
        jax.debug.print("x={x} y={}", jnp.array([1.0, 2.0]), x=1.5)
        jax.effects_barrier()
        want = capfd.readouterr().out
        fg.debug.print("x={x} y={}", fnp.array([1.0, 2.0]), x=1.5)
        assert capfd.readouterr().out == want


def test_numpy_dtype_values_print_as_numpy():
    # funcgrad's default mode keeps numpy's dtypes and float64 digits
    assert str(fnp.array(0.1) + 0.2) == str(np.float64(0.1) + 0.2)


JAXPRS = [
    ("literals typed", lambda m, lax: lambda x: x * 2.0 + 1, lambda m: (1.0,)),
    ("int literal", lambda m, lax: lambda x: x + 1, lambda m: (m.arange(3),)),
    ("weak input", lambda m, lax: lambda x: x * 2, lambda m: (3.0,)),
    ("short jaxpr on one line", lambda m, lax: lambda x: m.exp(x) * 2.0, lambda m: (1.0,)),
    ("sum", lambda m, lax: lambda x: m.sin(x) * 2.0, lambda m: (m.ones(3),)),
]


@pytest.mark.parametrize("name,make,args", JAXPRS, ids=[c[0] for c in JAXPRS])
def test_make_jaxpr_prints_as_jax(name, make, args):
    with jax_mode(False):
        want = str(jax.make_jaxpr(make(jnp, jax.lax))(*args(jnp)))
        got = str(fg.make_jaxpr(make(fnp, fg.lax))(*args(fnp)))
    assert got == want


def test_nested_jaxprs_share_names_and_break_lines_in_jax_mode():
    def f(x):
        return fg.lax.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, x)
    with jax_mode(False):
        text = str(fg.make_jaxpr(f)(1.0))
    assert "    b:f32[] = while[\n      body_jaxpr={ lambda ; c:f32[]. let d:f32[] = mul c " \
        "2.0:f32[] in (d,) }\n" in text
    # funcgrad's own mode keeps its compact form
    assert "while[body_jaxpr={ lambda ; a:f64[]. let b:f64[] = mul a 2.0 in (b,) }" in str(
        fg.make_jaxpr(f)(1.0))


def test_shaped_array_repr_is_jaxs():
    from jax.core import ShapedArray as JaxShapedArray
    for shape, dtype, weak in [((2, 3), "float32", False), ((), "float32", True),
                               ((0,), "int32", False), ((1,), "bool", False)]:
        assert repr(fg.ShapedArray(shape, dtype, weak)) == repr(
            JaxShapedArray(shape, np.dtype(dtype), weak_type=weak))


TRACED = [
    ("jit", lambda lib, m, f: lib.jit(f)(m.ones(3))),
    ("make_jaxpr weak", lambda lib, m, f: lib.make_jaxpr(f)(1.0)),
    ("grad", lambda lib, m, f: lib.grad(f)(1.0)),
    ("vjp", lambda lib, m, f: lib.vjp(f, 1.0)),
    ("jacrev", lambda lib, m, f: lib.jacrev(f)(m.ones(2))),
    ("vmap", lambda lib, m, f: lib.vmap(f)(m.ones(3))),
    ("jvp", lambda lib, m, f: lib.jvp(f, (1.0,), (1.0,))),
    ("jacfwd", lambda lib, m, f: lib.jacfwd(f)(m.ones(2))),
    ("vmap of a matrix", lambda lib, m, f: lib.vmap(f, in_axes=1)(m.ones((2, 3)))),
]


@pytest.mark.parametrize("name,run", TRACED, ids=[c[0] for c in TRACED])
def test_tracers_print_as_jaxs(name, run):
    def record(seen):
        def f(x):
            seen.append(repr(x))
            return x
        return f
    with jax_mode(False):
        want, got = [], []
        run(jax, jnp, record(want))
        run(fg, fnp, record(got))
    assert got == want
