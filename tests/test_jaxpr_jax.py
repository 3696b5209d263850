"""Jaxprs in JAX's mode against JAX 0.10's own: the printed form (parameters of the common
primitives, JAX's line breaking, the `jit` equation of a jitted function called inside a traced
one, shared jaxprs), and what a `jit` equation computes when its jaxpr is evaluated, differentiated
and batched. JAX is the oracle; its x64 flag and funcgrad's mode are put back after each test."""
from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from _jax_modes import jax_mode as modes

jax = pytest.importorskip("jax", reason="JAX is the oracle for jaxprs")
jnp = pytest.importorskip("jax.numpy", reason="JAX is the oracle for jaxprs")
_jax_config = pytest.importorskip("jax._src.config", reason="needs JAX's enable_x64 context")


def jax_mode():
    return modes(_jax_config, False)


def _cos(m):
    return m.cos


def _g(m):
    def g(y, z):
        return m.sin(y) * 2.0 + z, y
    return g


def _h(m):
    def h(u, v):
        return u * v, u
    return h


def _big(m):
    def big(x):
        for _ in range(11):
            x = x * 2.0
        return x
    return big


def _twice_named(m, lib):
    def f(x):
        return m.sin(x) * 2.0
    return lambda x: lib.jit(f)(x) + lib.jit(f)(x + 1.0)


# name -> (function of (numpy module, library, lax), arguments of the numpy module)
JAXPRS = {
    "jit of a jnp function": (lambda m, lib, lax: lambda x: lib.jit(_cos(m))(x) + 1.0,
                              lambda m: (1.0,)),
    "jit of two results, one unread": (lambda m, lib, lax: lambda x: lib.jit(_g(m))(x, 1.0)[0]
                                       + lib.jit(_cos(m))(x), lambda m: (1.0,)),
    "jit closing over a constant": (lambda m, lib, lax: (lambda c: lambda x: lib.jit(
        lambda y: y + c)(x))(m.arange(3.0)), lambda m: (m.ones(3),)),
    "nested jit": (lambda m, lib, lax: lambda x: lib.jit(lambda y: lib.jit(m.sin)(y))(x),
                   lambda m: (1.0,)),
    "one operand twice": (lambda m, lib, lax: lambda x: lib.jit(_h(m))(x, x),
                          lambda m: (1.0,)),
    "closing over the traced input": (lambda m, lib, lax: lambda x: lib.jit(
        lambda y: y + x)(2.0), lambda m: (1.0,)),
    "partial: a long line breaks": (lambda m, lib, lax: lambda x: lib.jit(partial(_h(m), 3.0))(x),
                                    lambda m: (1.0,)),
    "static argument": (lambda m, lib, lax: lambda x: lib.jit(_h(m), static_argnums=1)(x, 2.0),
                        lambda m: (1.0,)),
    "no operands": (lambda m, lib, lax: lambda x: x + lib.jit(
        lambda: m.float32(2.0) * 3)(), lambda m: (1.0,)),
    "jit in a cond branch": (lambda m, lib, lax: lambda x: lax.cond(
        x > 0, lib.jit(m.sin), m.cos, x), lambda m: (1.0,)),
    "same jit twice: shared": (lambda m, lib, lax: _twice_named(m, lib), lambda m: (1.0,)),
    "long jaxpr: shared": (lambda m, lib, lax: lambda x: lib.jit(_big(m))(x),
                           lambda m: (1.0,)),
    "long cond branch: shared": (lambda m, lib, lax: lambda x: lax.cond(
        x > 0, _big(m), lambda v: v, x), lambda m: (1.0,)),
    "empty branch": (lambda m, lib, lax: lambda x: lax.cond(x > 0, lambda v: v, lambda v: -v, x),
                     lambda m: (1.0,)),
    "argmin": (lambda m, lib, lax: lambda x: m.argmin(x, axis=0), lambda m: (m.ones((2, 3)),)),
    "reshape": (lambda m, lib, lax: lambda x: lax.reshape(x, (2, 2)), lambda m: (m.ones(4),)),
    "dynamic_slice index": (lambda m, lib, lax: lambda x: lax.dynamic_slice(x, (1,), (2,)),
                            lambda m: (m.ones(3),)),
    "matmul": (lambda m, lib, lax: lambda x, y: x @ y, lambda m: (m.ones((2, 3)), m.ones((3, 4)))),
    "sum of squares": (lambda m, lib, lax: lambda x: m.sum(x ** 2) / 3.0, lambda m: (m.ones(3),)),
    "scan": (lambda m, lib, lax: lambda xs: lax.scan(lambda c, x: (c + x, c * x), 0.0, xs),
             lambda m: (m.ones(4),)),
    "fori_loop, static bounds": (lambda m, lib, lax: lambda x: lax.fori_loop(
        0, 3, lambda i, v: v * 2.0, x), lambda m: (1.0,)),
    "zeros of a static size": (lambda m, lib, lax: lambda x: m.zeros(2) + x, lambda m: (1.0,)),
}


@pytest.mark.parametrize("name", list(JAXPRS))
def test_make_jaxpr_prints_as_jax(name):
    make, args = JAXPRS[name]
    with jax_mode():
        want = str(jax.make_jaxpr(make(jnp, jax, jax.lax))(*args(jnp)))
        got = str(fg.make_jaxpr(make(fnp, fg, fg.lax))(*args(fnp)))
    assert got == want


def test_a_jit_equation_computes_its_function():
    """The `jit` equation evaluated, differentiated (forward and reverse), batched and compiled
    into an enclosing jit gives what the function gives, in JAX's mode as JAX."""
    def inner(y, z):
        return fnp.sin(y) * z + y

    def outer(x):
        return fg.jit(inner)(x, 2.0) * 3.0

    def jouter(x):
        return jax.jit(lambda y, z: jnp.sin(y) * z + y)(x, 2.0) * 3.0

    with jax_mode():
        closed = fg.make_jaxpr(outer)(0.5)
        assert [e.primitive.name for e in closed.jaxpr.eqns] == ["jit", "mul"]
        xs = np.linspace(-1.0, 1.0, 5, dtype=np.float32)
        np.testing.assert_allclose(closed(xs[1])[0], jouter(xs[1]), rtol=1e-6)
        np.testing.assert_allclose(fg.jit(outer)(xs[1]), jouter(xs[1]), rtol=1e-6)
        np.testing.assert_allclose(fg.grad(lambda x: closed(x)[0])(xs[2]),
                                   jax.grad(jouter)(xs[2]), rtol=1e-6)
        np.testing.assert_allclose(fg.jvp(lambda x: closed(x)[0], (xs[3],), (1.0,))[1],
                                   jax.jvp(jouter, (xs[3],), (1.0,))[1], rtol=1e-6)
        np.testing.assert_allclose(fg.vmap(lambda x: closed(x)[0])(fnp.asarray(xs)),
                                   jax.vmap(jouter)(jnp.asarray(xs)), rtol=1e-6)
        np.testing.assert_allclose(fg.jit(fg.grad(outer))(xs[4]), jax.jit(jax.grad(jouter))(xs[4]),
                                   rtol=1e-6)


@pytest.mark.parametrize("shape", [(), (0,), (1,), (2, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_jit_equation_on_every_shape(shape, dtype):
    """Sizes 0 and 1 too; with x64 on (float64 kept) and off (canonicalized to float32)."""
    x = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)

    def f(v):
        return fg.jit(lambda u: fnp.exp(u) - u)(v) * 2.0
    for x64 in (False, True):
        with modes(_jax_config, x64):
            closed = fg.make_jaxpr(f)(x)
            want = jax.jit(lambda v: (jnp.exp(v) - v) * 2.0)(x)
            got = fg.jit(f)(x)
            assert closed.jaxpr.eqns[0].primitive.name == "jit"
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)


def test_the_staged_jaxpr_is_traced_once_per_signature():
    calls = []

    def f(x):
        calls.append(1)
        return x * 2.0
    jf = fg.jit(f)
    with jax_mode():
        fg.make_jaxpr(lambda x: jf(x) + jf(x + 1.0))(1.0)
        assert len(calls) == 1
        fg.make_jaxpr(lambda x: jf(x))(fnp.ones(2))  # another signature
        assert len(calls) == 2
        jf.clear_cache()
        fg.make_jaxpr(lambda x: jf(x))(1.0)
        assert len(calls) == 3


def test_funcgrad_mode_inlines_a_nested_jit():
    closed = fg.make_jaxpr(lambda x: fg.jit(fnp.cos)(x) + 1.0)(1.0)
    assert [e.primitive.name for e in closed.jaxpr.eqns] == ["cos", "add"]
