"""PyTorch's `Q.backward(gradient=external_grad)` (seed 002, the autograd tutorial), done with
funcgrad's transforms, and the full Jacobian that it stands for.

In PyTorch:
    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)
    Q = 3 * a**3 - b**2
    Q.backward(gradient=torch.tensor([1., 1.]))     # a.grad == 9 a^2, b.grad == -2 b

Q is a vector, so there is no single gradient: backward(gradient=v) computes the vector-Jacobian
products v^T dQ/da and v^T dQ/db. fg.vjp returns a function that computes them for any v; fg.jacrev
(or fg.jacfwd) returns the Jacobians themselves; with v = [1, 1] the vjp is the sum of each
Jacobian's rows.
"""
import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp

a = fnp.array([2.0, 3.0])
b = fnp.array([6.0, 4.0])


def Q_of(a, b):
    return 3 * a ** 3 - b ** 2


Q, vjp_fn = fg.vjp(Q_of, a, b)
external_grad = fnp.array([1.0, 1.0])
a_grad, b_grad = vjp_fn(external_grad)          # what PyTorch puts in a.grad and b.grad
print("Q =", Q)
print("a.grad =", a_grad, " == 9 a^2:", bool(fnp.all(a_grad == 9 * a ** 2)))
print("b.grad =", b_grad, " == -2 b: ", bool(fnp.all(b_grad == -2 * b)))

# The full Jacobians: J_a[i, j] = dQ[i] / da[j] (diagonal here: Q[i] only involves a[i], b[i]).
J_a, J_b = fg.jacrev(Q_of, argnums=(0, 1))(a, b)
print("dQ/da =\n", J_a)
print("dQ/db =\n", J_b)
print("external_grad @ J_a =", external_grad @ J_a, " (the sum of J_a's rows)")
print("external_grad @ J_b =", external_grad @ J_b)
assert np.allclose(external_grad @ J_a, a_grad) and np.allclose(external_grad @ J_b, b_grad)

# Forward mode builds the same Jacobian column by column (one jvp per input direction).
assert np.allclose(fg.jacfwd(Q_of, argnums=0)(a, b), J_a)

# Another v, without running Q_of again (PyTorch would need retain_graph=True): a weighted sum.
v = fnp.array([0.5, -1.0])
print("vjp with v = [0.5, -1]:", vjp_fn(v)[0], " == v @ J_a:", v @ J_a)

# PyTorch accumulates into .grad across backward() calls; funcgrad keeps nothing on a and b, so
# accumulating is an explicit sum.
total = fg.tree.tree_map(lambda g1, g2: g1 + g2, vjp_fn(external_grad), vjp_fn(external_grad))
print("two backward() calls would leave a.grad =", total[0])
