"""grad, value_and_grad, vjp, jvp and linearize: pytrees, argnums, has_aux, allow_int, kwargs,
Python control flow, nesting without perturbation confusion, higher derivatives, symbolic zeros."""
import collections
import dataclasses
import math

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


def close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


def fd_grad(f, x, eps=1e-6):
    """Central finite differences of a scalar function of one float64 array."""
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (float(f(fnp.array(x + e))) - float(f(fnp.array(x - e)))) / (2 * eps)
    return g


# ---- the seed examples ----------------------------------------------------------------------

def test_seed_quadratic():
    g = fg.grad(lambda w: 10 * w ** 2 + 25)(2.0)
    assert isinstance(g, fg.Array) and g.shape == () and g.dtype == np.float64
    assert float(g) == 40.0
    v, g = fg.value_and_grad(lambda w: 10 * w ** 2 + 25)(2.0)
    assert float(v) == 65.0 and float(g) == 40.0


def test_seed_cubic():
    assert float(fg.grad(lambda w: 12 * w ** 3 + 2)(2.0)) == 144.0


def test_seed_external_grad_vjp():
    a, b = fnp.array([2.0, 3.0]), fnp.array([6.0, 4.0])
    Q, vjp_fn = fg.vjp(lambda a, b: 3 * a ** 3 - b ** 2, a, b)
    close(Q, 3 * np.array([2.0, 3.0]) ** 3 - np.array([6.0, 4.0]) ** 2)
    ga, gb = vjp_fn(fnp.array([1.0, 1.0]))
    close(ga, [36.0, 81.0])
    close(gb, [-12.0, -8.0])
    # the same numbers as grad of the sum
    ga2, gb2 = fg.grad(lambda a, b: fnp.sum(3 * a ** 3 - b ** 2), argnums=(0, 1))(a, b)
    close(ga2, ga)
    close(gb2, gb)


# ---- pytrees --------------------------------------------------------------------------------

Params = collections.namedtuple("Params", "w b")


@dataclasses.dataclass
class Layer:
    w: object
    b: object
    name: str = "dense"


fg.tree.register_dataclass(Layer, data_fields=["w", "b"], meta_fields=["name"])


def _loss(p):
    """A scalar loss over a tree of every supported kind."""
    layer = p["layer"]
    return (fnp.sum(fnp.sin(layer.w) * layer.b) + p["nt"].w * p["nt"].b
            + fnp.sum(p["list"][0] ** 2) + p["list"][1][0] * 3.0)


def _tree():
    return {"layer": Layer(fnp.array([0.5, 1.0]), fnp.array([2.0, -1.0]), "first"),
            "nt": Params(fnp.array(3.0), 4.0),
            "list": [fnp.array([1.0, 2.0, 3.0]), (5.0, None)],
            "none": None}


def _check_tree_grad(g):
    assert isinstance(g["layer"], Layer) and g["layer"].name == "first"
    close(g["layer"].w, np.cos([0.5, 1.0]) * np.array([2.0, -1.0]))
    close(g["layer"].b, np.sin([0.5, 1.0]))
    assert isinstance(g["nt"], Params)
    close(g["nt"].w, 4.0)
    close(g["nt"].b, 3.0)
    assert isinstance(g["list"], list) and isinstance(g["list"][1], tuple)
    close(g["list"][0], [2.0, 4.0, 6.0])
    close(g["list"][1][0], 3.0)
    assert g["list"][1][1] is None and g["none"] is None


def test_grad_over_pytrees():
    p = _tree()
    g = fg.grad(_loss)(p)
    assert fg.tree.tree_structure(g) == fg.tree.tree_structure(p)
    _check_tree_grad(g)
    # leaves that were Python floats come back as float64 arrays
    assert isinstance(g["nt"].b, fg.Array) and g["nt"].b.dtype == np.float64


def test_value_and_grad_over_pytrees():
    p = _tree()
    v, g = fg.value_and_grad(_loss)(p)
    close(v, _loss(p))
    _check_tree_grad(g)


def test_vjp_over_pytrees_in_and_out():
    p = _tree()

    def f(p):
        return {"loss": _loss(p), "pair": (p["nt"].w * 2.0, p["list"][0])}
    out, vjp_fn = fg.vjp(f, p)
    assert set(out) == {"loss", "pair"}
    close(out["loss"], _loss(p))
    ct = {"loss": 1.0, "pair": (0.0, fnp.zeros(3))}
    (g,) = vjp_fn(ct)
    _check_tree_grad(g)
    (g2,) = vjp_fn({"loss": 0.0, "pair": (1.0, fnp.array([1.0, 0.0, 0.0]))})
    close(g2["nt"].w, 2.0)
    close(g2["list"][0], [1.0, 0.0, 0.0])
    close(g2["layer"].w, [0.0, 0.0])
    with pytest.raises(TypeError):
        vjp_fn((1.0, 2.0))  # wrong structure


def test_jvp_over_pytrees():
    p = _tree()
    t = fg.tree.tree_map(lambda x: fnp.ones_like(x), p)
    out, tan = fg.jvp(_loss, (p,), (t,))
    close(out, _loss(p))
    g = fg.grad(_loss)(p)
    expected = sum(float(fnp.sum(x)) for x in fg.tree.tree_leaves(g))
    close(tan, expected)


def test_jvp_with_tuple_outputs_and_several_args():
    f = lambda x, y: (x * y, {"s": fnp.sin(x)})  # noqa: E731
    (o1, o2), (t1, t2) = fg.jvp(f, (fnp.array([1.0, 2.0]), 3.0),
                                (fnp.array([1.0, 0.0]), 1.0))
    close(o1, [3.0, 6.0])
    close(t1, [1.0 * 3.0 + 1.0 * 1.0, 0.0 * 3.0 + 2.0 * 1.0])
    close(t2["s"], np.cos([1.0, 2.0]) * [1.0, 0.0])


def test_linearize_over_pytrees():
    p = {"a": fnp.array([0.5, 2.0]), "b": 3.0}
    f = lambda p: {"u": fnp.sin(p["a"]) * p["b"], "v": p["b"] ** 2}  # noqa: E731
    y, f_jvp = fg.linearize(f, p)
    close(y["u"], np.sin([0.5, 2.0]) * 3.0)
    t = {"a": fnp.array([1.0, -1.0]), "b": 0.5}
    lin = f_jvp(t)
    _, ref = fg.jvp(f, (p,), (t,))
    close(lin["u"], ref["u"])
    close(lin["v"], ref["v"])
    close(lin["v"], 2 * 3.0 * 0.5)


def test_register_dataclass_meta_fields_are_static():
    @dataclasses.dataclass
    class Model:
        w: object
        scale: float

    fg.tree.register_dataclass(Model, data_fields=["w"], meta_fields=["scale"])
    g = fg.grad(lambda m: fnp.sum(m.w) * m.scale)(Model(fnp.ones(2), 3.0))
    assert isinstance(g, Model) and g.scale == 3.0
    close(g.w, [3.0, 3.0])


# ---- argnums -------------------------------------------------------------------------------

def _f3(x, y, z):
    return x * y ** 2 + fnp.sin(z)


def test_argnums_int_and_tuple():
    x, y, z = 2.0, 3.0, 0.5
    close(fg.grad(_f3)(x, y, z), 9.0)
    close(fg.grad(_f3, argnums=1)(x, y, z), 12.0)
    close(fg.grad(_f3, argnums=-1)(x, y, z), math.cos(0.5))
    g = fg.grad(_f3, argnums=(0, 2))(x, y, z)
    assert isinstance(g, tuple) and len(g) == 2
    close(g[0], 9.0)
    close(g[1], math.cos(0.5))
    g = fg.grad(_f3, argnums=(1,))(x, y, z)
    assert isinstance(g, tuple) and len(g) == 1
    close(g[0], 12.0)
    v, g = fg.value_and_grad(_f3, argnums=(2, 0))(x, y, z)
    close(v, 18.0 + math.sin(0.5))
    close(g[0], math.cos(0.5))
    close(g[1], 9.0)


@pytest.mark.parametrize("argnums", [3, -4, (0, 3)])
def test_argnums_out_of_range(argnums):
    with pytest.raises(ValueError, match=r"argnums.*3 positional arguments"):
        fg.grad(_f3, argnums=argnums)(1.0, 2.0, 3.0)


def test_argnums_not_an_int():
    # JAX raises TypeError for a non-integer argnums (tests/test_validation.py checks it
    # against JAX), when the transform is made
    with pytest.raises(TypeError, match=r"argnums.*must be an int"):
        fg.grad(_f3, argnums=1.5)


# ---- has_aux -------------------------------------------------------------------------------------

def _with_aux(x):
    y = fnp.sin(x)
    return fnp.sum(y ** 2), {"y": y, "n": 7}


def test_has_aux_grad_and_value_and_grad():
    x = fnp.array([0.3, 1.1])
    g, aux = fg.grad(_with_aux, has_aux=True)(x)
    close(g, 2 * np.sin([0.3, 1.1]) * np.cos([0.3, 1.1]))
    assert aux["n"] == 7
    assert isinstance(aux["y"], fg.Array)  # not a tracer
    close(aux["y"], np.sin([0.3, 1.1]))
    (v, aux2), g2 = fg.value_and_grad(_with_aux, has_aux=True)(x)
    close(v, np.sum(np.sin([0.3, 1.1]) ** 2))
    close(g2, g)
    close(aux2["y"], aux["y"])


def test_has_aux_vjp_and_jvp():
    x = fnp.array([0.3, 1.1])
    out, vjp_fn, aux = fg.vjp(_with_aux, x, has_aux=True)
    close(out, np.sum(np.sin([0.3, 1.1]) ** 2))
    close(aux["y"], np.sin([0.3, 1.1]))
    assert isinstance(aux["y"], fg.Array)
    (g,) = vjp_fn(1.0)
    close(g, fg.grad(lambda x: _with_aux(x)[0])(x))
    out, tan, aux = fg.jvp(_with_aux, (x,), (fnp.array([1.0, 0.0]),), has_aux=True)
    close(tan, 2 * np.sin(0.3) * np.cos(0.3))
    assert isinstance(aux["y"], fg.Array)
    close(aux["y"], np.sin([0.3, 1.1]))


def test_has_aux_requires_a_pair():
    with pytest.raises(TypeError, match=r"has_aux=True.*pair") as info:
        fg.grad(lambda x: x ** 2, has_aux=True)(3.0)
    assert "Tracer" not in str(info.value)  # no internal class in the message
    assert "f64[]" in str(info.value)
    with pytest.raises(TypeError, match="tuple of length 3"):
        fg.value_and_grad(lambda x: (x, x, x), has_aux=True)(3.0)
    with pytest.raises(TypeError, match="pair"):
        fg.vjp(lambda x: x, 3.0, has_aux=True)
    with pytest.raises(TypeError, match="pair"):
        fg.jvp(lambda x: [x], (3.0,), (1.0,), has_aux=True)


def test_nested_grad_with_aux():
    g, aux = fg.grad(fg.grad(lambda x: (x ** 3, x), has_aux=True), has_aux=True)(3.0)
    close(g, 18.0)
    close(aux, 3.0)


# ---- allow_int ---------------------------------------------------------------------------------

def test_allow_int_gives_float0_gradients():
    g = fg.grad(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(2.0, 3)
    close(g[0], 3.0)
    assert g[1].dtype == fg.float0 and g[1].shape == ()
    g = fg.grad(lambda n: fnp.sum(n * 2.0), allow_int=True)(fnp.array([1, 2, 3]))
    assert g.dtype == fg.float0 and g.shape == (3,)
    g = fg.grad(lambda p: p["x"] * p["k"], allow_int=True)({"x": 1.5, "k": 4})
    close(g["x"], 4.0)
    assert g["k"].dtype == fg.float0


def test_integer_input_without_allow_int_is_an_error():
    with pytest.raises(fg.GradInputError, match="allow_int"):
        fg.grad(lambda x, n: x * n, argnums=1)(2.0, 3)


# ---- kwargs -------------------------------------------------------------------------------

def test_kwargs_are_passed_through_and_not_differentiated():
    def f(x, *, scale, shift=0.0):
        return fnp.sum(x * scale + shift)
    x = fnp.array([1.0, 2.0])
    close(fg.grad(f)(x, scale=3.0, shift=1.0), [3.0, 3.0])
    v, g = fg.value_and_grad(f)(x, scale=2.0)
    close(v, 6.0)
    close(g, [2.0, 2.0])


# ---- Python control flow --------------------------------------------------------------------

def _piecewise(x):
    if x > 0:
        return x ** 2
    return -3.0 * x


def _loop(x):
    n = 0
    while x < 10.0:
        x = x * 2.0
        n += 1
    return x


def _early_exit(v):
    total = 0.0
    for i in range(v.shape[0]):
        if v[i] < 0:
            break
        total = total + v[i] ** 2
    return total


def test_python_control_flow_under_grad():
    close(fg.grad(_piecewise)(3.0), 6.0)
    close(fg.grad(_piecewise)(-3.0), -3.0)
    close(fg.grad(_loop)(3.0), 4.0)     # 3 -> 6 -> 12: x * 4
    close(fg.grad(_loop)(0.5), 32.0)    # five doublings
    close(fg.grad(_early_exit)(fnp.array([1.0, 2.0, -1.0, 5.0])), [2.0, 4.0, 0.0, 0.0])


def test_python_control_flow_under_jvp_and_vjp():
    out, t = fg.jvp(_piecewise, (3.0,), (1.0,))
    close(out, 9.0)
    close(t, 6.0)
    out, t = fg.jvp(_loop, (3.0,), (0.5,))
    close(out, 12.0)
    close(t, 2.0)
    out, vjp_fn = fg.vjp(_piecewise, -2.0)
    close(out, 6.0)
    close(vjp_fn(1.0)[0], -3.0)
    out, vjp_fn = fg.vjp(_early_exit, fnp.array([1.0, 2.0, -1.0]))
    close(vjp_fn(2.0)[0], [4.0, 8.0, 0.0])


def test_conversions_of_traced_values_under_grad():
    def f(x):
        k = int(x)            # concrete under grad
        return x * float(x) * k
    close(fg.grad(f)(2.5), 2.5 * 2)


# ---- nested derivatives: no perturbation confusion ------------------------------------------

def test_perturbation_confusion_classic():
    # Siskind & Pearlmutter: d/dx [x * (d/dy (x + y))|y=1] = 1, not 2
    assert float(fg.grad(lambda x: x * fg.grad(lambda y: x + y)(1.0))(1.0)) == 1.0


def test_perturbation_confusion_forward_mode():
    out, t = fg.jvp(lambda x: x * fg.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (1.0,), (1.0,))
    assert float(t) == 1.0


def test_perturbation_confusion_mixed_modes():
    # jvp of grad
    _, t = fg.jvp(lambda x: x * fg.grad(lambda y: x + y)(1.0), (1.0,), (1.0,))
    assert float(t) == 1.0
    # grad of jvp
    g = fg.grad(lambda x: x * fg.jvp(lambda y: x + y, (1.0,), (1.0,))[1])(1.0)
    assert float(g) == 1.0
    # vjp inside grad
    g = fg.grad(lambda x: x * fg.vjp(lambda y: x + y, 1.0)[1](1.0)[0])(1.0)
    assert float(g) == 1.0


def test_closure_over_outer_tracer():
    # f(x) = x * d/dy (x * y) = x * x, so f'(x) = 2x
    close(fg.grad(lambda x: x * fg.grad(lambda y: x * y)(1.0))(3.0), 6.0)
    # inner derivative taken at the outer variable: d/dy (x y^2) at y = x is 2x^2; d/dx is 4x
    close(fg.grad(lambda x: fg.grad(lambda y: x * y ** 2)(x))(3.0), 12.0)
    close(fg.grad(lambda x: fg.vjp(lambda y: x * y ** 2, x)[1](1.0)[0])(3.0), 12.0)
    # jvp of a grad that closes over the jvp variable
    _, t = fg.jvp(lambda x: fg.grad(lambda y: x * y)(1.0), (3.0,), (1.0,))
    close(t, 1.0)
    # an inner value_and_grad whose value and gradient both depend on x: 2 x^5 -> 10 x^4
    def f(x):
        v, g = fg.value_and_grad(lambda y: x * y ** 2)(x)
        return v * g
    close(fg.grad(f)(3.0), 810.0)


def test_grad_of_grad_of_two_variables():
    # d/dx d/dy (x^2 y^3) = 6 x y^2
    f = lambda x, y: x ** 2 * y ** 3  # noqa: E731
    close(fg.grad(lambda x, y: fg.grad(f, argnums=1)(x, y))(2.0, 3.0), 6 * 2.0 * 9.0)
    close(fg.grad(lambda x, y: fg.grad(f, argnums=0)(x, y), argnums=1)(2.0, 3.0), 6 * 2.0 * 9.0)


# ---- higher derivatives -----------------------------------------------------------------------

@pytest.mark.parametrize("f,d3", [
    (fnp.sin, lambda x: -np.cos(x)),
    (fnp.exp, np.exp),
    (fnp.tanh, lambda x: -2 * (1 - np.tanh(x) ** 2) * (1 - 3 * np.tanh(x) ** 2)),
    (lambda x: x ** 4, lambda x: 24 * x),
    (fnp.log, lambda x: 2 / x ** 3),
], ids=["sin", "exp", "tanh", "pow4", "log"])
@pytest.mark.parametrize("x", [0.3, 1.7])
def test_third_derivatives(f, d3, x):
    close(fg.grad(fg.grad(fg.grad(f)))(x), d3(x), rtol=1e-12)
    # forward over reverse over forward
    g2 = lambda x: fg.grad(lambda y: fg.jvp(f, (y,), (1.0,))[1])(x)  # noqa: E731
    close(fg.jvp(g2, (x,), (1.0,))[1], d3(x), rtol=1e-12)


def test_third_derivative_float32():
    g = fg.grad(fg.grad(fg.grad(fnp.sin)))(fnp.array(0.3, dtype=np.float32))
    assert g.dtype == np.float32
    close(g, -np.cos(0.3), rtol=1e-6)


def test_hessian_vector_products():
    def f(x):
        return fnp.sum(fnp.sin(x) * x ** 2) + x[0] * x[1] * x[2]
    x = np.array([0.3, -1.2, 2.0])
    v = np.array([1.0, 0.5, -2.0])
    # analytic Hessian
    h = np.diag(2 * np.sin(x) + 4 * x * np.cos(x) - x ** 2 * np.sin(x))
    h[0, 1] = h[1, 0] = x[2]
    h[0, 2] = h[2, 0] = x[1]
    h[1, 2] = h[2, 1] = x[0]
    _, hv = fg.jvp(fg.grad(f), (fnp.array(x),), (fnp.array(v),))          # forward-over-reverse
    close(hv, h @ v)
    hv2 = fg.grad(lambda x: fnp.sum(fg.grad(f)(x) * fnp.array(v)))(fnp.array(x))  # rev-over-rev
    close(hv2, h @ v)
    _, vjp_fn = fg.vjp(fg.grad(f), fnp.array(x))                         # reverse-over-reverse
    close(vjp_fn(fnp.array(v))[0], h @ v)
    hv3 = fg.grad(lambda x: fg.jvp(f, (x,), (fnp.array(v),))[1])(fnp.array(x))  # rev-over-fwd
    close(hv3, h @ v)


def test_gradients_match_finite_differences():
    def f(x):
        return fnp.sum(fnp.tanh(x @ x.T) * fnp.exp(-x[:, :1])) / fnp.max(fnp.abs(x))
    x = np.random.default_rng(0).normal(size=(3, 2))
    close(fg.grad(f)(fnp.array(x)), fd_grad(f, x), rtol=1e-6, atol=1e-8)


# ---- vjp_fn reuse, jvp/vjp agreement -------------------------------------------------------------

def test_vjp_fn_called_twice_gives_the_same_result():
    x = fnp.array([0.5, 1.5, -2.0])
    out, vjp_fn = fg.vjp(lambda x: fnp.sin(x) * fnp.sum(x ** 2), x)
    ct = fnp.array([1.0, -2.0, 0.5])
    (a,) = vjp_fn(ct)
    (b,) = vjp_fn(ct)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    (c,) = vjp_fn(2 * ct)   # linear in the cotangent
    close(c, 2 * np.asarray(a))


def test_vjp_and_jvp_agree():
    def f(x):
        return fnp.concatenate([fnp.sin(x) * x[::-1], fnp.exp(x) / fnp.sum(x ** 2),
                                x[:2] ** 3])
    rng = np.random.default_rng(3)
    x = fnp.array(rng.normal(size=4))
    out, vjp_fn = fg.vjp(f, x)
    u, v = rng.normal(size=out.shape), rng.normal(size=4)
    _, jv = fg.jvp(f, (x,), (fnp.array(v),))
    (ju,) = vjp_fn(fnp.array(u))
    close(np.dot(u, np.asarray(jv)), np.dot(np.asarray(ju), v))


# ---- symbolic zeros -------------------------------------------------------------------------

def test_grad_of_a_function_not_depending_on_its_input():
    for x in (fnp.ones((2, 3)), fnp.ones(2, dtype=np.float32), 5.0):
        g = fg.grad(lambda x: 3.0)(x)
        ref = np.zeros_like(np.asarray(x))
        assert g.shape == ref.shape and g.dtype == ref.dtype
        np.testing.assert_array_equal(np.asarray(g), ref)
    g = fg.grad(lambda x, y: fnp.sum(y ** 2))(fnp.ones((2, 3)), fnp.ones(2))
    assert g.shape == (2, 3) and not np.any(np.asarray(g))
    g = fg.grad(lambda p: fnp.sum(p["a"]))({"a": fnp.ones(2), "b": fnp.ones((4, 1))})
    assert g["b"].shape == (4, 1) and not np.any(np.asarray(g["b"]))
    # through an integer-valued path only
    g = fg.grad(lambda x: fnp.argmax(x).astype(np.float64))(fnp.array([1.0, 3.0, 2.0]))
    np.testing.assert_array_equal(np.asarray(g), [0.0, 0.0, 0.0])


def test_jvp_output_tangent_zeros():
    out, t = fg.jvp(lambda x: fnp.ones(3, dtype=np.float32), (fnp.ones(2),), (fnp.ones(2),))
    assert t.shape == (3,) and t.dtype == np.float32 and not np.any(np.asarray(t))
    (a, b), (ta, tb) = fg.jvp(lambda x, y: (x * 2.0, y), (fnp.ones(2), fnp.ones((2, 2))),
                              (fnp.ones(2), fnp.zeros((2, 2))))
    close(ta, [2.0, 2.0])
    assert tb.shape == (2, 2) and not np.any(np.asarray(tb))
    _, t = fg.jvp(lambda x: fnp.floor(x) + fnp.sign(x), (fnp.array([1.5, -0.5]),),
                  (fnp.ones(2),))
    np.testing.assert_array_equal(np.asarray(t), [0.0, 0.0])


def test_vjp_of_unused_input_is_zero():
    _, vjp_fn = fg.vjp(lambda x, y: x * 2.0, fnp.ones(2), fnp.ones((3,)))
    gx, gy = vjp_fn(fnp.ones(2))
    close(gx, [2.0, 2.0])
    assert gy.shape == (3,) and not np.any(np.asarray(gy))


# ---- stop_gradient ---------------------------------------------------------------------------

def test_stop_gradient():
    close(fg.grad(lambda x: x * fg.stop_gradient(x))(3.0), 3.0)
    close(fg.grad(lambda x: fg.stop_gradient(x ** 2))(3.0), 0.0)
    x = fnp.array([1.0, 2.0])
    close(fg.grad(lambda x: fnp.sum(fg.stop_gradient(x) * x))(x), [1.0, 2.0])
    _, t = fg.jvp(lambda x: fg.stop_gradient(x) * x, (x,), (fnp.ones(2),))
    close(t, [1.0, 2.0])
    tree = fg.stop_gradient({"a": x, "b": (2.0,)})
    close(tree["a"], x)
    close(tree["b"][0], 2.0)
    # it is the identity on values
    close(fg.stop_gradient(x), x)
    # second order: stop_gradient inside grad blocks only its own path
    close(fg.grad(fg.grad(lambda x: x ** 2 * fg.stop_gradient(x)))(2.0), 2 * 2.0)


# ---- dtypes --------------------------------------------------------------------------------

def test_grad_of_float32_input_is_float32():
    x = fnp.array([1.0, 2.0], dtype=np.float32)
    g = fg.grad(lambda x: fnp.sum(x * x * 2.0))(x)
    assert g.dtype == np.float32
    close(g, [4.0, 8.0])
    # even when the computation promotes to float64
    g = fg.grad(lambda x: fnp.sum(x * fnp.ones(2)))(x)
    assert g.dtype == np.float32
    g = fg.grad(lambda x: x * 2.0)(np.float32(3.0))
    assert g.dtype == np.float32
    _, t = fg.jvp(lambda x: x * 3.0, (x,), (fnp.ones(2, dtype=np.float32),))
    assert t.dtype == np.float32


def test_grad_accepts_numpy_and_list_inputs():
    close(fg.grad(lambda x: fnp.sum(x ** 2))(np.array([1.0, 2.0])), [2.0, 4.0])
    g = fg.grad(lambda xs: xs[0] ** 2 + xs[1] ** 3)([1.0, 2.0])  # a list is a pytree
    assert isinstance(g, list) and len(g) == 2
    close(g[0], 2.0)
    close(g[1], 12.0)


# ---- integer-valued operations inside differentiated code -------------------------------------

def test_grad_through_argmax_used_as_index():
    x = fnp.array([1.0, 3.0, 2.0])
    close(fg.grad(lambda x: x[fnp.argmax(x)] * 2.0)(x), [0.0, 2.0, 0.0])
    close(fg.grad(lambda x: fnp.sum(x * fnp.argmax(x)))(x), [1.0, 1.0, 1.0])
    m = fnp.array([[1.0, 5.0], [7.0, 2.0]])
    i = fnp.argmax(m, axis=1)
    close(fg.grad(lambda m: fnp.sum(m[fnp.arange(2), fnp.argmax(m, axis=1)]))(m),
          [[0.0, 1.0], [1.0, 0.0]])
    assert i.dtype == np.int64


def test_grad_through_comparisons_and_where():
    x = fnp.array([-1.0, 2.0, 0.5])
    close(fg.grad(lambda x: fnp.sum(fnp.where(x > 0, x ** 2, -x)))(x), [-1.0, 4.0, 1.0])
    close(fg.grad(lambda x: fnp.sum((x > 0).astype(np.float64) * x))(x), [0.0, 1.0, 1.0])


def test_grad_inside_a_python_loop_of_updates():
    # a few steps of gradient descent on a quadratic, each a fresh grad
    w = fnp.array([3.0, -2.0])
    for _ in range(50):
        w = w - 0.1 * fg.grad(lambda w: fnp.sum((w - fnp.array([1.0, 1.0])) ** 2))(w)
    close(w, [1.0, 1.0], rtol=1e-4)
