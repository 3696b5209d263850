"""A short printed tour of funcgrad: `make demo` runs it.

Every transform is a function that takes a function and returns a new one, so they compose:
grad(grad(f)) is the second derivative, make_jaxpr(grad(f)) shows what the gradient computes.

The other scripts in examples/ go further: per_example_gradients.py (vmap of grad), newton.py
(fg.hessian), custom_vjp.py (custom_jvp and custom_vjp), scan_rnn.py (lax.scan under jit) and
jacobian_external_grad.py (PyTorch's external_grad and the full Jacobian).
"""
import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp


def section(title):
    print(f"\n== {title} " + "=" * max(0, 66 - len(title)))


# ---- grad: derivatives of Python functions --------------------------------------------------
section("grad")


def f(w):
    return 10 * w ** 2 + 25


df = fg.grad(f)
print("f(w) = 10 w^2 + 25;  f'(2) =", df(2.0))          # 40.0
print("d/dw (12 w^3 + 2) at 2 =", fg.grad(lambda w: 12 * w ** 3 + 2)(2.0))   # 144.0

# ---- value_and_grad: the value and the gradient from one forward pass -------------------------
section("value_and_grad")
value, slope = fg.value_and_grad(f)(2.0)
print("f(2) =", value, " f'(2) =", slope)

# ---- vjp: PyTorch's Q.backward(gradient=external_grad), as a function --------------------------
section("vjp (external_grad)")
a = fnp.array([2.0, 3.0])
b = fnp.array([6.0, 4.0])
Q, vjp_fn = fg.vjp(lambda a, b: 3 * a ** 3 - b ** 2, a, b)
external_grad = fnp.array([1.0, 1.0])
da, db = vjp_fn(external_grad)
print("Q =", Q)
print("dQ/da . v =", da, " (9 a^2)")
print("dQ/db . v =", db, " (-2 b)")

# ---- jvp and linearize: forward mode -----------------------------------------------------------
section("jvp and linearize")
x = fnp.array([0.0, 1.0, 2.0])
y, y_dot = fg.jvp(fnp.sin, (x,), (fnp.ones(3),))
print("sin(x) =", y)
print("d/dt sin(x + t v) at t=0, v=1 =", y_dot, " (= cos x)")
y, f_jvp = fg.linearize(lambda x: x ** 3, 2.0)
print("linearize x^3 at 2: value", y, ", tangent map applied to 1.0 and 0.5:",
      f_jvp(1.0), f_jvp(0.5))

# ---- higher-order derivatives: transforms compose ----------------------------------------------
section("higher-order derivatives")
d1 = fg.grad(fnp.sin)
d2 = fg.grad(d1)
d3 = fg.grad(d2)
print("sin, and its 1st, 2nd, 3rd derivatives at 0:", fnp.sin(0.0), d1(0.0), d2(0.0), d3(0.0))
print("hessian of sum(x^3) at [1, 2]:\n", fg.hessian(lambda x: fnp.sum(x ** 3))(fnp.array([1.0, 2.0])))

# ---- Python control flow under grad --------------------------------------------------------------
section("Python control flow under grad")


def piecewise(x):
    # grad traces concrete values, so ordinary `if` and `while` on them work, as in PyTorch
    if x > 0:
        y = x ** 2
    else:
        y = -x
    n = 0
    while y > 100.0:
        y = y / 10.0
        n += 1
    return y


for x0 in (-3.0, 2.0, 20.0):
    print(f"piecewise'({x0}) =", fg.grad(piecewise)(x0))

# ---- pytrees of parameters: a tiny linear regression ---------------------------------------------
section("pytrees: linear regression over a dict of parameters")
rng = np.random.default_rng(0)
X = fnp.asarray(rng.normal(size=(100, 3)))
true_w = fnp.array([2.0, -1.0, 0.5])
Y = X @ true_w + 0.3 + 0.01 * fnp.asarray(rng.normal(size=100))


def loss(params, X, Y):
    pred = X @ params["w"] + params["b"]
    return fnp.mean((pred - Y) ** 2)


params = {"w": fnp.zeros(3), "b": 0.0}
step = 0.05
for i in range(61):
    value, grads = fg.value_and_grad(loss)(params, X, Y)   # grads has the structure of params
    params = fg.tree.tree_map(lambda p, g: p - step * g, params, grads)
    if i % 10 == 0:
        print(f"step {i:3d}  loss {float(value):.6f}")
print("fitted w =", params["w"], "(true: [2, -1, 0.5]),", f"b = {float(params['b']):.4f} (true: 0.3)")

# ---- make_jaxpr: the IR every transform works on -------------------------------------------------
section("make_jaxpr")


def g(x, y):
    return fnp.sum(fnp.sin(x) * y)


print(fg.make_jaxpr(g)(fnp.ones(3), fnp.ones(3)))
print("and of its gradient with respect to x:")
print(fg.make_jaxpr(fg.grad(g))(fnp.ones(3), fnp.ones(3)))

# ---- immutable arrays and .at[] ------------------------------------------------------------------
section("immutability and .at[]")
v = fnp.zeros(4)
try:
    v[1] = 5.0
except fg.InPlaceUpdateError as e:
    print("v[1] = 5.0 raises InPlaceUpdateError:", str(e).splitlines()[0])
w = v.at[1].set(5.0)
print("v.at[1].set(5.0) =", w, " (v is unchanged:", v, ")")
print("w.at[1:].add(1.0) =", w.at[1:].add(1.0))
print("grad through .at[].set:",
      fg.grad(lambda x: fnp.sum(fnp.zeros(3).at[0].set(x) * fnp.array([4.0, 5.0, 6.0])))(1.0))

# ---- where to go next ----------------------------------------------------------------------------
section("more")
print("docs/transforms.md: every transform (vmap, jit, Jacobians, control flow, custom rules, ...)")
print("docs/sharp_bits.md: what surprises people; docs/errors.md: every error and its fix")
print("examples/per_example_gradients.py: vmap(grad(loss)) over a batch, against a Python loop")
print("examples/newton.py: Newton's method with fg.hessian on the Rosenbrock function")
print("examples/custom_vjp.py: a stable log1pexp (custom_jvp) and gradient clipping (custom_vjp)")
print("examples/scan_rnn.py: an RNN with lax.scan, trained under jit(value_and_grad(...))")
print("examples/jacobian_external_grad.py: PyTorch's external_grad as fg.vjp, and the Jacobian")
