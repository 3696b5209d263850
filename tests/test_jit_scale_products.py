"""jit's pass `scale_products` (interpreters/passes.py): a scalar literal times a product read
nowhere else scales the product's smaller operand instead. Shown on its jaxpr before and after,
its limits (where it must not fire), its record in `lower().passes`, and held to eager
evaluation on generated shapes, dtypes and factors (equal up to rounding; bit for bit where the
factor is a power of two)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax
from funcgrad.interpreters.passes import scale_products

TN = (((0,), (0,)), ((), ()))  # a.T @ b as dot_general's dimension numbers


def _arr(shape, dtype=np.float64, start=0.25):
    n = int(np.prod(shape))
    return fnp.asarray(np.linspace(start, start + 1.0, n).reshape(shape).astype(dtype))


def _jaxpr(f, *args):
    return fg.make_jaxpr(f)(*args).jaxpr


def test_jaxpr_before_and_after():
    f = lambda a, b: 1e-06 * lax.dot_general(a, b, TN)   # noqa: E731
    before = _jaxpr(f, _arr((64, 1000)), _arr((64, 100)))
    assert str(before) == (
        "{ lambda ; a:f64[64,1000] b:f64[64,100]. let\n"
        "    c:f64[1000,100] = dot_general[dimension_numbers=(((0,), (0,)), ((), ()))] a b\n"
        "    d:f64[1000,100] = mul 1e-06 c\n"
        "  in (d,) }")
    after = scale_products(before)
    assert str(after) == (
        "{ lambda ; a:f64[64,1000] b:f64[64,100]. let\n"
        "    c:f64[64,100] = mul 1e-06 b\n"
        "    d:f64[1000,100] = dot_general[dimension_numbers=(((0,), (0,)), ((), ()))] a c\n"
        "  in (d,) }")


def test_factor_on_the_right_and_the_left_operand_scaled():
    # (3, 2) @ (2, 50): the left operand (6 elements) is the smaller one
    f = lambda a, b: (a @ b) * 0.5   # noqa: E731
    after = scale_products(_jaxpr(f, _arr((3, 2)), _arr((2, 50))))
    assert [e.prim.name for e in after.eqns] == ["mul", "dot_general"]
    mul = after.eqns[0]
    assert mul.invars[0] is after.invars[0] and float(mul.invars[1].val) == 0.5
    assert after.eqns[1].invars[0] is mul.outvars[0]


@pytest.mark.parametrize("f, shapes", [
    # the product is also an output: it must stay as it is
    (lambda a, b: (lambda p: (p, 2.0 * p))(a @ b), [(4, 3), (3, 5)]),
    # the product is read twice
    (lambda a, b: (lambda p: (3.0 * p) + p)(a @ b), [(4, 3), (3, 5)]),
    # the factor is an array, not a scalar literal
    (lambda a, b: (a @ b) * b[0], [(5, 5), (5, 5)]),
    # no operand is smaller than the product: (4, 1) @ (1, 4)
    (lambda a, b: 2.0 * (a @ b), [(2, 3), (3, 2)]),
    # not a product
    (lambda a, b: 2.0 * (a + b), [(4, 3), (4, 3)]),
])
def test_does_not_fire(f, shapes):
    j = _jaxpr(f, *[_arr(s) for s in shapes])
    assert scale_products(j) is j


def test_lower_shows_the_pass_fired():
    lr = 1e-3

    def step(w, x, g):
        return w - lr * (x.T @ g)
    lo = fg.jit(step).lower(_arr((30, 8)), _arr((4, 30)), _arr((4, 8)))
    rec = {r.name: r for r in lo.passes}
    assert rec["scale_products"].fired
    assert "scale_products" in lo.fired() and "scale_products" in lo.passes_text()
    # the weight-sized product is no longer multiplied: the (4, 8) cotangent is
    assert "mul 0.001 " in str(lo.jaxpr)
    scaled = [e for e in lo.jaxpr.eqns if e.prim.name == "mul"]
    assert [e.outvars[0].aval.shape for e in scaled] == [(4, 8)]


def test_not_fired_where_nothing_matches():
    lo = fg.jit(lambda x: fnp.sin(x) * 2.0).lower(_arr((3,)))
    rec = {r.name: r for r in lo.passes}
    assert not rec["scale_products"].fired


@given(m=st.sampled_from([0, 1, 3, 17]), k=st.sampled_from([1, 2, 5]),
       n=st.sampled_from([0, 1, 4, 33]),
       dtype=st.sampled_from([np.float32, np.float64]),
       c=st.sampled_from([1e-6, -0.3, 2.5, 1e3]), left=st.booleans(),
       transposed=st.booleans())
def test_jit_equals_eager_up_to_rounding(m, k, n, dtype, c, left, transposed):
    a = _arr((k, m) if transposed else (m, k), dtype)
    b = _arr((k, n), dtype, start=-0.5)

    def f(a, b):
        p = (a.T if transposed else a) @ b
        return (c * p if left else p * c) - p.dtype.type(0)
    want = f(a, b)
    got = fg.jit(f)(a, b)
    assert got.dtype == want.dtype and got.shape == want.shape
    # rounding: relative to the size of the terms summed (a sum that cancels to nearly zero
    # keeps only an absolute bound)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    aa, bb = np.abs(np.asarray(a, np.float64)), np.abs(np.asarray(b, np.float64))
    terms = abs(c) * ((aa.T if transposed else aa) @ bb)
    atol = rtol * (terms.max() if terms.size else 0.0)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=rtol, atol=atol)


@given(m=st.sampled_from([1, 2, 9]), n=st.sampled_from([1, 7, 40]),
       c=st.sampled_from([0.5, 2.0, -4.0, 0.0625]),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_power_of_two_factors_give_the_same_bits(m, n, c, dtype):
    a, b = _arr((m, 3), dtype), _arr((3, n), dtype, start=-1.0)
    f = lambda a, b: c * (a @ b)   # noqa: E731
    np.testing.assert_array_equal(np.asarray(fg.jit(f)(a, b)), np.asarray(f(a, b)))


def test_gradient_step_trains_as_eager():
    # the seed net's SGD step, jitted: the pass fires on both weight updates
    rng = np.random.RandomState(0)
    x, y = fnp.asarray(rng.randn(8, 20)), fnp.asarray(rng.randn(8, 3))
    w1, w2 = fnp.asarray(rng.randn(20, 6)), fnp.asarray(rng.randn(6, 3))

    def step(params, x, y):
        loss, grads = fg.value_and_grad(
            lambda p: fnp.sum(fnp.square(fnp.maximum(x @ p[0], 0) @ p[1] - y)))(params)
        return loss, tuple(p - 1e-3 * g for p, g in zip(params, grads))
    jstep = fg.jit(step)
    pe = pj = (w1, w2)
    for _ in range(3):
        le, pe = step(pe, x, y)
        lj, pj = jstep(pj, x, y)
        np.testing.assert_allclose(np.asarray(lj), np.asarray(le), rtol=1e-12)
    for a, b in zip(pj, pe):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12)
    lo = jstep.lower(pj, x, y)
    assert {r.name: r for r in lo.passes}["scale_products"].fired
