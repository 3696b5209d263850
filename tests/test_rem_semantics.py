"""The remainders, each against its oracle on generated inputs (float32/float64/int32/int64,
broadcast shapes with sizes 0 and 1, negative operands, exact multiples, zero divisors, and for
floats +-0, +-inf and NaN):

- `lax.rem` is C's fmod, as JAX's `jax.lax.rem` (XLA's): the dividend's sign, an integer divided
  by zero leaves the dividend; values bit for bit (signed zeros included), dtypes, and jvp/vjp to
  second order against JAX's; eager, jit and vmap alike, quietly;
- `funcgrad.numpy`'s `remainder`/`mod`/`divmod` (the divisor's sign, numpy's signed zero, 0 for an
  integer divided by zero) and `fmod` bit for bit against numpy, eagerly with numpy's warnings,
  and traced (jit, vmap: the composition over lax.rem); their derivatives against jax.numpy's;
- `take(mode='wrap')` wraps negative indices as numpy does;
- `funcgrad.torch`'s `remainder` (fmod moved to the divisor's sign) and `fmod` against PyTorch,
  values and gradients."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.torch as ft
from funcgrad import lax

jax = pytest.importorskip("jax", reason="JAX is the oracle for lax.rem and the derivatives")
jnp = jax.numpy

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
INTS = (np.dtype(np.int32), np.dtype(np.int64))
DTYPES = FLOATS + INTS
SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan]


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def _elements(dtype, special=True, nonzero=False):
    """Small values, whole numbers among them (exact multiples), and for floats the specials."""
    if dtype.kind in "iu":
        ints = st.integers(-20, 20)
        return ints.filter(lambda v: v != 0) if nonzero else ints
    parts = [st.floats(-20, 20, width=32), st.integers(-9, 9).map(float),
             st.sampled_from([1.5, -1.5, 0.25, -0.25, 3.0, -3.0])]
    if special:
        parts.append(st.sampled_from(SPECIAL))
    out = st.one_of(*parts)
    return out.filter(lambda v: abs(v) >= 0.25) if nonzero else out


@st.composite
def pairs(draw, dtypes=DTYPES, special=True, nonzero=False, max_dims=2):
    """(x, y): numpy arrays of one dtype and mutually broadcastable shapes (sizes 0 and 1)."""
    dtype = draw(st.sampled_from(dtypes))
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=max_dims, min_side=0,
                                                    max_side=3)).input_shapes
    x = draw(hnp.arrays(dtype, shapes[0], elements=_elements(dtype, special)))
    y = draw(hnp.arrays(dtype, shapes[1], elements=_elements(dtype, special, nonzero)))
    return x, y


def bitwise_same(got, want, what=""):
    """Same shape, dtype and values, the sign of a zero and NaNs included."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (
        what, got.shape, got.dtype, want.shape, want.dtype)
    assert np.array_equal(got, want, equal_nan=want.dtype.kind in "fc"), (what, got, want)
    if want.dtype.kind == "f":
        assert np.array_equal(np.signbit(got), np.signbit(want)), (what, "signed zero", got, want)


def _broadcast(x, y):
    return np.broadcast_arrays(x, y)


def quietly(f, *args):
    """f(*args) with numpy's warnings off (a traced call has no numpy warnings to keep)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return f(*args)


# ---- lax.rem: JAX's ---------------------------------------------------------------------------

@given(pairs())
def test_lax_rem_values_are_jaxs(xy):
    """Eager, jit and vmap give jax.lax.rem's values bit for bit, quietly: C's fmod, an integer
    divided by zero gives the dividend (JAX's operands are broadcast first: JAX's lax does not
    broadcast)."""
    x, y = _broadcast(*xy)
    want = np.asarray(jax.lax.rem(jnp.asarray(x), jnp.asarray(y)))
    if x.dtype.kind in "iu":  # no warning: pytest turns one into an error
        bitwise_same(lax.rem(fnp.asarray(x), fnp.asarray(y)), want, "eager")
        bitwise_same(fg.jit(lax.rem)(x, y), want, "jit")
    else:  # a float divided by zero warns as numpy's fmod does
        bitwise_same(quietly(lax.rem, fnp.asarray(x), fnp.asarray(y)), want, "eager")
        bitwise_same(quietly(fg.jit(lax.rem), x, y), want, "jit")
    stacked = np.stack([x, x]), np.stack([y, y])
    bitwise_same(quietly(fg.vmap(lax.rem), *stacked), np.stack([want, want]), "vmap")


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_lax_rem_sign_of_the_dividend(dtype):
    x = np.array([-7, 7, -7, 7, 6, -6, 0], dtype)
    y = np.array([3, -3, -3, 3, -3, 3, 5], dtype)
    got = lax.rem(fnp.asarray(x), fnp.asarray(y))
    bitwise_same(got, np.asarray(jax.lax.rem(jnp.asarray(x), jnp.asarray(y))))
    assert np.asarray(got).tolist() == [-1, 1, -1, 1, 0, 0, 0]


def _jvp_and_second(f, jf, x, y, tx, ty, ct):
    """(first-order jvp, vjp, and the jvp of the vjp) of f and of JAX's jf at (x, y)."""
    ours = (fg.jvp(f, (x, y), (tx, ty))[1],
            fg.vjp(f, x, y)[1](ct),
            fg.jvp(lambda a, b: fg.vjp(f, a, b)[1](ct), (x, y), (tx, ty))[1])
    jx, jy, jtx, jty, jct = (jnp.asarray(v) for v in (x, y, tx, ty, ct))
    theirs = (jax.jvp(jf, (jx, jy), (jtx, jty))[1],
              jax.vjp(jf, jx, jy)[1](jct),
              jax.jvp(lambda a, b: jax.vjp(jf, a, b)[1](jct), (jx, jy), (jtx, jty))[1])
    return ours, theirs


def _close(ours, theirs, dtype):
    tol = 1e-6 if dtype == np.float32 else 1e-13
    for g, w in zip(jax.tree.leaves(ours), jax.tree.leaves(theirs)):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol, equal_nan=True)


DIFFERENTIABLE = [("lax.rem", lax.rem, lambda: jax.lax.rem),
                  ("remainder", fnp.remainder, lambda: jnp.remainder),
                  ("mod", fnp.mod, lambda: jnp.mod),
                  ("fmod", fnp.fmod, lambda: jnp.fmod)]


@pytest.mark.parametrize("name,f,jf", DIFFERENTIABLE, ids=[d[0] for d in DIFFERENTIABLE])
@given(data=st.data())
def test_derivatives_are_jaxs(name, f, jf, data):
    """jvp, vjp and the jvp of the vjp (second order) against JAX's, at exact multiples too
    (derivative 1 in x, -trunc(x / y) in y for rem and fmod, -floor(x / y) for remainder)."""
    x, y = _broadcast(*data.draw(pairs(FLOATS, special=False, nonzero=True)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16)))
    tx, ty, ct = (rng.standard_normal(x.shape).astype(x.dtype) for _ in range(3))
    ours, theirs = _jvp_and_second(f, jf(), x, y, tx, ty, ct)
    _close(ours, theirs, x.dtype)


def test_lax_rem_derivative_rule():
    """d/dx rem = 1, d/dy rem = -trunc(x / y) (JAX's rule), and no second derivative."""
    x, y = np.array([-7.0, 7.0, -6.0, 0.5]), np.array([3.0, -3.0, 3.0, -1.25])
    gx, gy = fg.grad(lambda a, b: fnp.sum(lax.rem(a, b)), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, np.ones(4))
    np.testing.assert_array_equal(gy, -np.trunc(x / y))
    h = fg.hessian(lambda a, b: fnp.sum(lax.rem(a, b)), argnums=(0, 1))(x, y)
    assert all(not np.any(np.asarray(b)) for row in h for b in row)


# ---- funcgrad.numpy: numpy's ------------------------------------------------------------------

NUMPY = [("remainder", fnp.remainder, np.remainder), ("mod", fnp.mod, np.mod),
         ("fmod", fnp.fmod, np.fmod)]


def _recorded(f, *args):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = np.asarray(f(*args))
    return out, {(c.category, str(c.message)) for c in w}


@pytest.mark.parametrize("name,f,np_f", NUMPY, ids=[n[0] for n in NUMPY])
@given(xy=pairs())
def test_numpy_functions_are_numpys(name, f, np_f, xy):
    """Eagerly: numpy's values and warnings; traced (jit, vmap, the composition over lax.rem):
    numpy's values bit for bit, signed zeros and integer division by zero included."""
    x, y = xy
    want, want_warnings = _recorded(np_f, x, y)
    got, got_warnings = _recorded(f, fnp.asarray(x), fnp.asarray(y))
    bitwise_same(got, want, "eager")
    assert got_warnings == want_warnings
    bitwise_same(quietly(fg.jit(f), x, y), want, "jit")
    bx, by = _broadcast(x, y)
    bitwise_same(quietly(fg.vmap(f), np.stack([bx, bx]), np.stack([by, by])),
                 np.stack([np.broadcast_to(want, bx.shape)] * 2), "vmap")


@pytest.mark.parametrize("name,f,np_f", NUMPY, ids=[n[0] for n in NUMPY])
@pytest.mark.parametrize("scalar", [3, -3, 2.5, -2.5, 0])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_python_scalar_divisor_is_weakly_typed(name, f, np_f, scalar, dtype):
    """A Python number takes the array's dtype as numpy's does (NEP 50), eager and traced."""
    x = np.array([-7, -6, -1, 0, 1, 6, 7], dtype)
    with np.errstate(all="ignore"):
        want = np_f(x, scalar)
        want_r = np_f(scalar, x)
    bitwise_same(quietly(f, fnp.asarray(x), scalar), want, "eager")
    bitwise_same(quietly(fg.jit(lambda a: f(a, scalar)), x), want, "jit")
    bitwise_same(quietly(fg.jit(lambda a: f(scalar, a)), x), want_r, "jit, reflected")
    if name != "fmod":  # the operators: x % y and y % x
        bitwise_same(quietly(lambda: fnp.asarray(x) % scalar), want, "%")
        bitwise_same(quietly(fg.jit(lambda a: scalar % a), x), want_r, "% reflected, jit")


@given(xy=pairs())
def test_divmod_is_numpys(xy):
    x, y = xy
    want = quietly(np.divmod, x, y)
    for how, f in (("eager", fnp.divmod), ("jit", fg.jit(fnp.divmod))):
        got = quietly(f, fnp.asarray(x) if how == "eager" else x, y)
        for g, w in zip(got, want):
            bitwise_same(g, w, how)


def test_unsigned_and_bool_are_numpys():
    for dtype in (np.uint8, np.uint32, np.bool_):
        x = np.array([5, 0, 7, 1], dtype)
        y = np.array([0, 0, 3, 1], dtype)
        for f, np_f in ((fnp.remainder, np.remainder), (fnp.fmod, np.fmod)):
            want = quietly(np_f, x, y)
            bitwise_same(quietly(f, fnp.asarray(x), fnp.asarray(y)), want, "eager")
            bitwise_same(quietly(fg.jit(f), x, y), want, "jit")


def test_integer_division_by_zero_warns_as_numpy_eagerly():
    x = fnp.array([5, -5], np.int32)
    for f, np_f in ((fnp.remainder, np.remainder), (fnp.fmod, np.fmod)):
        with pytest.warns(RuntimeWarning, match=f"divide by zero encountered in {np_f.__name__}"):
            got = f(x, 0)
        np.testing.assert_array_equal(got, [0, 0])


def test_complex_is_refused_as_numpy():
    with pytest.raises(TypeError):
        np.remainder(np.ones(2, complex), 1.0)
    for f in (fnp.remainder, fnp.fmod, fg.jit(fnp.remainder), lax.rem):
        with pytest.raises(TypeError):
            f(fnp.ones(2, complex), fnp.ones(2, complex))


@given(idx=hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0,
                                                  max_side=3), elements=st.integers(-12, 12)),
       n=st.integers(1, 4))
def test_take_wrap_is_numpys(idx, n):
    a = np.arange(n * 2.0).reshape(n, 2)
    want = np.take(a, idx, axis=0, mode="wrap")
    bitwise_same(fnp.take(fnp.asarray(a), idx, axis=0, mode="wrap"), want, "eager")
    bitwise_same(fg.jit(lambda i: fnp.take(a, i, axis=0, mode="wrap"))(idx), want, "jit")


# ---- funcgrad.torch: PyTorch's ----------------------------------------------------------------

TORCH = [("remainder", lambda L, x, y: L.remainder(x, y)), ("fmod", lambda L, x, y: L.fmod(x, y)),
         ("%", lambda L, x, y: x % y)]


@pytest.mark.parametrize("name,op", TORCH, ids=[t[0] for t in TORCH])
@given(xy=pairs(special=False, nonzero=True))
def test_torch_values_and_gradients_are_pytorchs(name, op, xy):
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed: pip install "
                                "'funcgrad[oracle]'")
    x, y = xy
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    fx, fy = ft.from_numpy(x), ft.from_numpy(y)
    bitwise_same(op(ft, fx, fy).numpy(), op(torch, tx, ty).numpy(), "values")
    if x.dtype.kind != "f" or not x.size or not y.size:
        return
    tx.requires_grad_(True)
    ty.requires_grad_(True)
    op(torch, tx, ty).sum().backward()
    fx.requires_grad_(True)
    fy.requires_grad_(True)
    op(ft, fx, fy).sum().backward()
    np.testing.assert_array_equal(fx.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(fy.grad.numpy(), ty.grad.numpy())
