"""The reverse-mode rules rewritten for speed give the values they gave before, bit for bit:
maximum/minimum's (ties split evenly, +0 where an operand loses, NaN never wins) and dot_general's cotangents
(their axis bookkeeping cached per signature). JAX is the oracle; sizes cross select's
bitwise path (>= 4096 elements) and stay below it."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax
from funcgrad.lax.linalg import dot_general_p

jax = pytest.importorskip("jax", reason="JAX is the oracle for these derivatives")
jnp = pytest.importorskip("jax.numpy", reason="JAX is the oracle for these derivatives")


@pytest.fixture(autouse=True)
def _jax_x64():
    # funcgrad's float64 is compared with JAX's: x64 on for these tests only (JAX's flag is global)
    with jax.enable_x64(True):
        yield


SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 2.0])


def _operands(n, dtype, seed):
    rng = np.random.RandomState(seed)
    # small integers, so that ties are common; a few special values mixed in
    x = rng.randint(-2, 3, size=n).astype(dtype)
    y = rng.randint(-2, 3, size=n).astype(dtype)
    k = min(n, SPECIAL.size)
    x[:k] = SPECIAL[:k]
    y[:k] = SPECIAL[::-1][:k]
    g = rng.randn(n).astype(dtype)
    if n:
        g[0] = -0.0
    return x, y, g


@pytest.mark.parametrize("n", [0, 1, 7, 5000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_extremum_cotangents_match_jax_bitwise(n, dtype, name):
    x, y, g = _operands(n, dtype, n)
    f = getattr(fnp, name)
    _, vjp = fg.vjp(f, fnp.asarray(x), fnp.asarray(y))
    got = [np.asarray(c) for c in vjp(fnp.asarray(g))]
    _, jvjp = jax.vjp(getattr(jnp, name), jnp.asarray(x), jnp.asarray(y))
    want = [np.asarray(c) for c in jvjp(jnp.asarray(g))]
    wins = np.greater if name == "maximum" else np.less
    for a, b, (u, v) in zip(got, want, ((x, y), (y, x))):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)  # JAX's values (it may give -0 where we give +0)
        # funcgrad's own convention, bit for bit: g where the operand wins, g/2 at a tie, +0
        before = np.where(wins(u, v), g, np.where(u == v, g * dtype(0.5), dtype(0)))
        np.testing.assert_array_equal(a.view(np.uint8), before.view(np.uint8))


@pytest.mark.parametrize("n", [1, 6400])
def test_relu_against_literal_zero(n):
    """maximum(x, 0): the literal gets no cotangent, x gets g where x > 0, g/2 at 0, +0 below."""
    x, _, g = _operands(n, np.float64, 3)
    x = np.nan_to_num(x, nan=0.0)
    got = np.asarray(fg.vjp(lambda v: fnp.maximum(v, 0), fnp.asarray(x))[1](fnp.asarray(g))[0])
    want = np.asarray(jax.vjp(lambda v: jnp.maximum(v, 0.0), jnp.asarray(x))[1](jnp.asarray(g))[0])
    np.testing.assert_array_equal(got, want)
    before = np.where(x > 0, g, np.where(x == 0, g * 0.5, 0.0))
    np.testing.assert_array_equal(got.view(np.uint8), before.view(np.uint8))


DNS = [
    (((1,), (0,)), ((), ())),          # matrix product
    (((0,), (0,)), ((), ())),          # x.T @ y
    (((1,), (1,)), ((), ())),          # x @ y.T
    (((0,), (1,)), ((), ())),          # x.T @ y.T
    (((2,), (1,)), ((0,), (0,))),      # batched
    (((1, 2), (0, 1)), ((), ())),      # two contracting axes
    (((1,), (2,)), ((0,), (0,))),      # batched, rhs contracted last
]
SHAPES = {0: ((3, 4), (4, 5)), 1: ((4, 3), (4, 5)), 2: ((3, 4), (5, 4)), 3: ((4, 3), (5, 4)),
          4: ((2, 3, 4), (2, 4, 5)), 5: ((3, 4, 2), (4, 2, 5)), 6: ((2, 4, 3), (2, 5, 4))}


@pytest.mark.parametrize("i", range(len(DNS)))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dot_general_cotangents_match_jax(i, dtype):
    dn = DNS[i]
    rng = np.random.RandomState(i)
    a, b = (rng.randn(*s).astype(dtype) for s in SHAPES[i])
    out, vjp = fg.vjp(lambda p, q: lax.dot_general(p, q, dn), fnp.asarray(a), fnp.asarray(b))
    ct = rng.randn(*out.shape).astype(dtype)
    got = vjp(fnp.asarray(ct))
    _, jvjp = jax.vjp(lambda p, q: jax.lax.dot_general(p, q, dn), jnp.asarray(a), jnp.asarray(b))
    want = jvjp(jnp.asarray(ct))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for g_, w in zip(got, want):
        assert np.asarray(g_).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(np.asarray(g_), np.asarray(w), rtol=tol, atol=tol)


def test_dot_general_dimension_number_forms_agree():
    """Lists and numpy integers in dimension_numbers (the wrapper's cache, and a primitive bound
    by hand with lists, which the backward plan cannot hash) give the tuple form's results."""
    rng = np.random.RandomState(0)
    a, b = fnp.asarray(rng.randn(4, 3)), fnp.asarray(rng.randn(4, 5))
    forms = [(((0,), (0,)), ((), ())), [[[0], [0]], [[], []]],
             (((np.int64(0),), (np.int64(0),)), ((), ()))]

    def loss_with(dn, bind):
        def loss(p, q):
            out = dot_general_p.bind(p, q, dimension_numbers=dn) if bind else \
                lax.dot_general(p, q, dn)
            return fnp.sum(out * out)
        return fg.grad(loss, argnums=(0, 1))(a, b)

    want = loss_with(forms[0], False)
    for dn in forms[1:]:
        for bind in (False, True):
            got = loss_with(dn, bind)
            for g_, w in zip(got, want):
                np.testing.assert_array_equal(np.asarray(g_), np.asarray(w))
