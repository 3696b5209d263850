"""JAX's dtype mode (fg.config: jax_enable_x64 off, or dtype_promotion 'jax') against JAX itself:
the promotion lattice with weak types, 32-bit canonicalization, creation defaults, reductions.

JAX's x64 flag is process-global: each comparison sets it in a context that restores it, and
funcgrad's mode is restored after every test (funcgrad's default is numpy's, x64 on)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from _jax_modes import jax_mode

jax = pytest.importorskip("jax", reason="JAX is the oracle for JAX's dtype mode")
jnp = pytest.importorskip("jax.numpy", reason="JAX is the oracle for JAX's dtype mode")
_jax_config = pytest.importorskip("jax._src.config", reason="needs JAX's enable_x64 context")


def modes(x64: bool):
    """funcgrad in JAX's mode with `x64`, and JAX with the same flag; both restored after."""
    return jax_mode(_jax_config, x64)


@pytest.fixture(autouse=True)
def _numpy_mode_after():
    yield
    assert fg.config.jax_enable_x64 and fg.config.dtype_promotion == "numpy"
    assert fnp.ones(1).dtype == np.float64  # nothing leaks to the other tests


DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]
KINDS = ["strong", "python", "weak array"]  # an array, a Python scalar, jnp.asarray(scalar)


def _operand(lib, dtype, kind):
    """The same operand for funcgrad (lib=fnp) and JAX (lib=jnp)."""
    dt = np.dtype(dtype)
    scalar = {"b": True, "i": 3, "u": 3, "f": 1.5, "c": 1.5 + 0.5j}[dt.kind]
    if kind == "python":
        return scalar
    if kind == "weak array":
        return lib.asarray(scalar)
    return lib.ones((2,), dtype=dtype)


def _typed(x):
    return np.dtype(x.dtype).name, bool(getattr(x, "weak_type", False))


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(DTYPES), st.sampled_from(DTYPES), st.sampled_from(KINDS),
       st.sampled_from(KINDS), st.booleans(), st.sampled_from(["add", "multiply", "subtract"]))
def test_binary_promotion_is_jaxs(d1, d2, k1, k2, x64, op):
    if op == "subtract" and "bool" in (d1, d2):
        return  # neither library subtracts booleans
    with modes(x64), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # JAX's "requested dtype float64 is not available"
        want = getattr(jnp, op)(_operand(jnp, d1, k1), _operand(jnp, d2, k2))
        got = getattr(fnp, op)(_operand(fnp, d1, k1), _operand(fnp, d2, k2))
    assert _typed(got) == _typed(want)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(DTYPES), st.sampled_from(DTYPES), st.booleans())
def test_promote_types_and_result_type_are_jaxs(d1, d2, x64):
    with modes(x64), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # JAX's "requested dtype float64 is not available"
        assert fnp.promote_types(d1, d2) == jnp.promote_types(d1, d2)
        for scalar in (2, 2.0, 2j):
            assert fnp.result_type(np.dtype(d1), scalar) == jnp.result_type(np.dtype(d1), scalar)


def test_numpys_lattice_stays_the_default():
    assert fnp.promote_types("int32", "float16") == np.float64
    assert (fnp.ones(2, fnp.int32) + fnp.ones(2, fnp.float16)).dtype == np.float64
    assert not fnp.asarray(2.0).weak_type


def test_jax_lattice_with_x64_on():
    with modes(True):
        x = fnp.ones(2, fnp.int32) + fnp.ones(2, fnp.float16)
        assert x.dtype == jnp.result_type(jnp.int32, jnp.float16) == np.float16
        assert _typed(fnp.arange(3) * 0.5) == _typed(jnp.arange(3) * 0.5) == ("float64", True)


CASES = [
    ("zeros", lambda m: m.zeros(3)),
    ("ones int", lambda m: m.ones(3, dtype=int)),
    ("eye", lambda m: m.eye(2)),
    ("arange int", lambda m: m.arange(3)),
    ("arange float", lambda m: m.arange(0.0, 1.0, 0.25)),
    ("linspace", lambda m: m.linspace(0, 1, 3)),
    ("array ints", lambda m: m.array([1, 2])),
    ("array floats", lambda m: m.array([1.0, 2.0])),
    ("array complex", lambda m: m.array([1j])),
    ("array scalar", lambda m: m.array(2.0)),
    ("array int scalar", lambda m: m.array(3)),
    ("array bool", lambda m: m.array(True)),
    ("asarray numpy float64", lambda m: m.asarray(np.arange(3.0))),
    ("sum int32", lambda m: m.sum(m.arange(3))),
    ("sum uint8", lambda m: m.sum(m.ones(3, m.uint8))),
    ("mean ints", lambda m: m.mean(m.arange(4))),
    ("true divide ints", lambda m: m.arange(3) / 2),
    ("floor divide ints", lambda m: m.arange(3) // 2),
    ("int times float", lambda m: m.arange(3) * 0.5),
    ("sin int", lambda m: m.sin(m.arange(3))),
    ("sqrt scalar", lambda m: m.sqrt(2.0)),
    ("where scalars", lambda m: m.where(m.array([True, False]), 1.0, 0.0)),
    ("max ints", lambda m: m.max(m.arange(4))),
    ("dot", lambda m: m.dot(m.ones((2, 2)), m.ones(2))),
    ("int8 + uint8", lambda m: m.zeros(2, m.int8) + m.zeros(2, m.uint8)),
    ("uint32 + int32", lambda m: m.zeros(2, m.uint32) + m.zeros(2, m.int32)),
    ("float16 * int32", lambda m: m.ones(2, m.float16) * m.ones(2, m.int32)),
    ("complex64 * float", lambda m: m.ones(2, m.complex64) * 2.5),
    ("astype float16", lambda m: m.arange(3).astype(m.float16)),
]


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
@pytest.mark.parametrize("name,make", CASES, ids=[c[0] for c in CASES])
def test_values_and_types_are_jaxs(name, make, x64):
    with modes(x64):
        want, got = make(jnp), make(fnp)
    assert _typed(got) == _typed(want)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)


def test_explicit_64_bit_request_warns_as_jax_and_gives_32_bits():
    with modes(False):
        for make, who in [(lambda m: m.zeros(3, dtype=m.float64), "zeros"),
                          (lambda m: m.array([1.0], dtype=np.float64), "array"),
                          (lambda m: m.ones(2).astype(m.float64), "astype"),
                          (lambda m: m.arange(3, dtype=m.int64), "arange")]:
            with pytest.warns(UserWarning, match=f"requested in {who} is not available") as w:
                got = make(fnp)
            with pytest.warns(UserWarning) as jw:
                want = make(jnp)
            assert str(w[0].message) == str(jw[0].message)
            assert got.dtype == want.dtype


def test_grad_jit_vmap_keep_32_bits():
    with modes(False):
        assert fg.grad(lambda x: x * x)(1.0).dtype == jax.grad(lambda x: x * x)(1.0).dtype
        assert (fg.jit(lambda x: x * 2)(fnp.ones(2)).dtype
                == jax.jit(lambda x: x * 2)(jnp.ones(2)).dtype)
        got = fg.vmap(lambda x: x * 2.0)(fnp.arange(3))
        want = jax.vmap(lambda x: x * 2.0)(jnp.arange(3))
        assert _typed(got) == _typed(want)


def test_config_rejects_a_bad_promotion_name():
    with pytest.raises(ValueError, match="dtype_promotion must be 'numpy'"):
        fg.config.update("dtype_promotion", "strict")


def test_jit_tells_weak_from_strong_arguments():
    with modes(False):
        f = fg.jit(lambda x: x * 2)
        jf = jax.jit(lambda x: x * 2)
        for make in (lambda m: m.asarray(2.0), lambda m: m.asarray(2.0, dtype=m.float32), None):
            got, want = (f(2.0), jf(2.0)) if make is None else (f(make(fnp)), jf(make(jnp)))
            assert _typed(got) == _typed(want)


def test_grad_at_a_python_float_is_weak_as_jaxs():
    with modes(False):
        got, want = fg.grad(lambda x: x * x)(1.0), jax.grad(lambda x: x * x)(1.0)
        assert _typed(got) == _typed(want) == ("float32", True)
        got = fg.value_and_grad(lambda x: x ** 3)(2.0)
        want = jax.value_and_grad(lambda x: x ** 3)(2.0)
        assert [_typed(g) for g in got] == [_typed(w) for w in want]


def test_python_int_wraps_into_a_narrow_integer_as_in_jax():
    with modes(False):
        got, want = fnp.array(3, dtype=fnp.int8) + 1000, jnp.array(3, dtype=jnp.int8) + 1000
        assert _typed(got) == _typed(want) and int(got) == int(want) == -21


@pytest.mark.parametrize("args", [(0, 1, 7), (0, 1, 3), (0, 10, 4), (1, 2, 1), (1, 2, 0),
                                  (0, 1, 5, False)])
def test_linspace_points_are_jaxs(args):
    with modes(False):
        assert repr(fnp.linspace(*args)) == repr(jnp.linspace(*args))
        assert repr(fnp.linspace(*args[:3], dtype=fnp.int32)) == repr(
            jnp.linspace(*args[:3], dtype=jnp.int32))


def test_bfloat16_is_there_as_in_jax():
    pytest.importorskip("ml_dtypes", reason="bfloat16 comes from ml_dtypes")
    with modes(False):
        got = fnp.array([1.5, -2.25], dtype=fnp.bfloat16)
        want = jnp.array([1.5, -2.25], dtype=jnp.bfloat16)
        assert repr(got) == repr(want)
        assert fnp.result_type(fnp.bfloat16, fnp.float16) == jnp.result_type(jnp.bfloat16,
                                                                             jnp.float16)
