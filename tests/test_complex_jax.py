"""Complex differentiation as JAX does it, with the installed JAX as the oracle: holomorphic grad,
jacfwd, jacrev and hessian; the conjugation convention of vjp and grad for real-valued functions
of complex inputs; and which calls are errors (JAX's TypeError, funcgrad's message)."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

jax = pytest.importorskip("jax", reason="JAX is the oracle of these tests")
jnp = pytest.importorskip("jax.numpy", reason="JAX is the oracle of these tests")

DTYPES = [np.complex64, np.complex128]


def _tol(dtype):
    return dict(rtol=2e-5, atol=2e-5) if np.dtype(dtype) == np.complex64 else dict(rtol=1e-12,
                                                                                    atol=1e-12)


def _z(shape, dtype, seed=0):
    r = np.random.default_rng(seed)
    return (r.uniform(0.5, 1.5, shape) + 1j * r.uniform(0.5, 1.5, shape)).astype(dtype)


def _oracle(fn, dtype):
    """fn() under JAX with x64 on for 128-bit complex numbers (JAX's flag, restored after)."""
    with jax.enable_x64(np.dtype(dtype) == np.complex128):
        return fn()


def _close(ours, theirs, dtype):
    ol, tl = fg.tree.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)
    assert len(ol) == len(tl)
    for a, b in zip(ol, tl):
        assert np.asarray(a).shape == np.asarray(b).shape
        assert np.asarray(a).dtype == np.asarray(b).dtype, (np.asarray(a).dtype, b.dtype)
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), **_tol(dtype))


# (name, f(np_module, z) -> complex array of z's shape): holomorphic functions
HOLOMORPHIC = [
    ("square", lambda m, z: z * z),
    ("exp", lambda m, z: m.exp(z)),
    ("log", lambda m, z: m.log(z)),
    ("sin", lambda m, z: m.sin(z)),
    ("tanh", lambda m, z: m.tanh(z)),
    ("matmul", lambda m, z: m.reshape(z, (2, 2)) @ m.reshape(z[::-1], (2, 2))),
    ("cumsum-poly", lambda m, z: m.cumsum(z ** 3 - 2j * z)),
    ("reciprocal", lambda m, z: 1 / z),
]

# real-valued functions of complex inputs: grad/vjp follow JAX's conjugation convention
REAL_VALUED = [
    ("abs2", lambda m, z: m.sum(m.abs(z) ** 2)),
    ("abs", lambda m, z: m.sum(m.abs(z))),
    ("real", lambda m, z: m.sum(m.real(z * z))),
    ("imag", lambda m, z: m.sum(m.imag(m.exp(z)))),
    ("conj", lambda m, z: m.sum(m.real(m.conj(z) * z * z))),
    ("angle-ish", lambda m, z: m.sum(m.real(m.log(z)) * m.imag(z))),
    ("matmul", lambda m, z: m.sum(m.abs(m.reshape(z, (2, 2)) @ m.reshape(m.conj(z), (2, 2))))),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,f", HOLOMORPHIC, ids=[n for n, _ in HOLOMORPHIC])
def test_holomorphic_transforms_match_jax(name, f, dtype):
    z = _z((4,), dtype)
    s = lambda m: (lambda x: m.sum(f(m, x)))  # noqa: E731
    for ours, theirs in [
        (fg.grad(s(fnp), holomorphic=True), jax.grad(s(jnp), holomorphic=True)),
        (fg.value_and_grad(s(fnp), holomorphic=True),
         jax.value_and_grad(s(jnp), holomorphic=True)),
        (fg.jacfwd(lambda x: f(fnp, x), holomorphic=True),
         jax.jacfwd(lambda x: f(jnp, x), holomorphic=True)),
        (fg.jacrev(lambda x: f(fnp, x), holomorphic=True),
         jax.jacrev(lambda x: f(jnp, x), holomorphic=True)),
    ]:
        _close(ours(fnp.asarray(z)), _oracle(lambda: theirs(jnp.asarray(z)), dtype), dtype)
    t = _z((4,), dtype, seed=1)
    _close(fg.jvp(lambda x: f(fnp, x), (fnp.asarray(z),), (fnp.asarray(t),)),
           _oracle(lambda: jax.jvp(lambda x: f(jnp, x), (jnp.asarray(z),), (jnp.asarray(t),)),
                   dtype), dtype)
    out = f(np, z)
    ct = _z(out.shape, dtype, seed=2)
    _close(fg.vjp(lambda x: f(fnp, x), fnp.asarray(z))[1](fnp.asarray(ct)),
           _oracle(lambda: jax.vjp(lambda x: f(jnp, x), jnp.asarray(z))[1](jnp.asarray(ct)),
                   dtype), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,f", REAL_VALUED, ids=[n for n, _ in REAL_VALUED])
def test_real_valued_functions_of_complex_inputs_match_jax(name, f, dtype):
    """The conjugation convention: grad and vjp give what JAX gives (for |z|^2, 2 conj(z)),
    eagerly and under jit; jacrev of a real output has the same convention."""
    z = _z((4,), dtype)
    _close(fg.grad(lambda x: f(fnp, x))(fnp.asarray(z)),
           _oracle(lambda: jax.grad(lambda x: f(jnp, x))(jnp.asarray(z)), dtype), dtype)
    _close(fg.jit(fg.grad(lambda x: f(fnp, x)))(fnp.asarray(z)),
           _oracle(lambda: jax.grad(lambda x: f(jnp, x))(jnp.asarray(z)), dtype), dtype)
    _close(fg.jacrev(lambda x: f(fnp, x))(fnp.asarray(z)),
           _oracle(lambda: jax.jacrev(lambda x: f(jnp, x))(jnp.asarray(z)), dtype), dtype)
    real = np.dtype(dtype).type(0).real.dtype
    _close(fg.vjp(lambda x: f(fnp, x), fnp.asarray(z))[1](fnp.asarray(np.array(1.5, real))),
           _oracle(lambda: jax.vjp(lambda x: f(jnp, x), jnp.asarray(z))[1](
               jnp.asarray(np.array(1.5, real))), dtype), dtype)


def test_conjugation_convention_by_hand():
    # f(z) = |z|^2 = z conj(z): JAX's grad is 2 conj(z), the conjugate of PyTorch's 2 z
    z = 1.0 + 2.0j
    np.testing.assert_allclose(np.asarray(fg.grad(lambda x: fnp.abs(x) ** 2)(z)), 2 - 4j)
    # a holomorphic f: vjp(ct) = ct * f'(z), with no conjugation
    np.testing.assert_allclose(np.asarray(fg.vjp(lambda x: x * x, z)[1](1j)[0]), 1j * 2 * z)


def test_holomorphic_hessian_and_pytrees_match_jax():
    z = _z((3,), np.complex64)
    _close(fg.hessian(lambda x: fnp.sum(x ** 3), holomorphic=True)(fnp.asarray(z)),
           jax.hessian(lambda x: jnp.sum(x ** 3), holomorphic=True)(jnp.asarray(z)), np.complex64)
    params = {"a": z, "b": z[:2]}
    f = lambda m: lambda p: m.sum(p["a"] ** 2) * m.sum(m.exp(p["b"]))  # noqa: E731
    _close(fg.grad(f(fnp), holomorphic=True)(params), jax.grad(f(jnp), holomorphic=True)(params),
           np.complex64)
    g = lambda m: lambda x, y: (m.sum(x * y), m.abs(x))  # noqa: E731
    _close(fg.grad(g(fnp), argnums=(0, 1), holomorphic=True, has_aux=True)(z, z),
           jax.grad(g(jnp), argnums=(0, 1), holomorphic=True, has_aux=True)(z, z), np.complex64)


C = np.complex64(1 + 2j)
R = np.float32(1.5)
# (id, call(lib, np_module)): JAX raises TypeError for each
ERRORS = [
    ("grad of a complex output", lambda L, m: L.grad(lambda x: x * x)(C), "holomorphic=True"),
    ("grad of a real to complex function", lambda L, m: L.grad(lambda x: x * (1 + 1j))(R),
     "holomorphic=True"),
    ("holomorphic grad of a real input", lambda L, m: L.grad(lambda x: x * x, holomorphic=True)(R),
     "requires inputs with complex dtype"),
    ("holomorphic grad of an integer input",
     lambda L, m: L.grad(lambda x: x * x, holomorphic=True)(m.asarray(1)),
     "requires inputs with complex dtype"),
    ("holomorphic grad of a real output",
     lambda L, m: L.grad(lambda x: m.abs(x), holomorphic=True)(C),
     "requires outputs with complex dtype"),
    ("holomorphic value_and_grad of a real input",
     lambda L, m: L.value_and_grad(lambda x: x, holomorphic=True)(R),
     "requires inputs with complex dtype"),
    ("jacrev of a complex output", lambda L, m: L.jacrev(lambda x: x * x)(m.asarray([C])),
     "real-valued outputs"),
    ("jacrev of a real-to-complex function",
     lambda L, m: L.jacrev(lambda x: x * 1j)(m.asarray([R])), "real-valued outputs"),
    ("jacrev of an integer output",
     lambda L, m: L.jacrev(lambda x: (x > 0).astype(m.int32))(m.asarray([R])),
     "real-valued outputs"),
    ("jacfwd of a complex input", lambda L, m: L.jacfwd(lambda x: x * x)(m.asarray([C])),
     "real-valued inputs"),
    ("jacfwd of an integer input",
     lambda L, m: L.jacfwd(lambda x: x * x)(m.asarray([1])), "floating"),
    ("jacrev of an integer input",
     lambda L, m: L.jacrev(lambda x: x * 1.0)(m.asarray([1])), "floating"),
    ("holomorphic jacfwd of a real input",
     lambda L, m: L.jacfwd(lambda x: x * x, holomorphic=True)(m.asarray([R])),
     "requires inputs with complex dtype"),
    ("holomorphic jacrev of a real input",
     lambda L, m: L.jacrev(lambda x: x * x, holomorphic=True)(m.asarray([R])),
     "requires inputs with complex dtype"),
    ("holomorphic jacfwd of a real output",
     lambda L, m: L.jacfwd(lambda x: m.abs(x), holomorphic=True)(m.asarray([C])),
     "requires outputs with complex dtype"),
    ("holomorphic jacrev of a real output",
     lambda L, m: L.jacrev(lambda x: m.abs(x), holomorphic=True)(m.asarray([C])),
     "requires outputs with complex dtype"),
    ("holomorphic hessian of a real input",
     lambda L, m: L.hessian(lambda x: m.sum(x ** 3), holomorphic=True)(m.asarray([R])),
     "requires inputs with complex dtype"),
]


@pytest.mark.parametrize("name,call,match", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_jax_type_errors(name, call, match):
    with pytest.raises(TypeError):
        call(jax, jnp)
    with pytest.raises(TypeError, match=match) as info:
        call(fg, fnp)
    assert "fg." in str(info.value) or "holomorphic" in str(info.value) or "astype" in str(
        info.value), info.value  # the message states a fix


def test_accepted_calls_jax_accepts():
    # jacfwd of a real-to-complex function, jacrev of a complex-to-real one: both fine in JAX
    x = np.array([1.0, 2.0], np.float32)
    _close(fg.jacfwd(lambda v: v * (1 + 1j))(x), jax.jacfwd(lambda v: v * (1 + 1j))(x),
           np.complex64)
    z = _z((2,), np.complex64)
    _close(fg.jacrev(lambda v: fnp.abs(v))(z), jax.jacrev(lambda v: jnp.abs(v))(z), np.complex64)
    # allow_int in jacrev, as in JAX
    out = fg.jacrev(lambda v, k: v * 2.0, argnums=(0, 1), allow_int=True)(x, np.arange(2))
    np.testing.assert_allclose(np.asarray(out[0]), np.diag([2.0, 2.0]))
