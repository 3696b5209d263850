"""Newton's method with fg.grad and fg.hessian, on the 2-D Rosenbrock function.

Each step solves H(x) dx = -g(x) with the exact gradient and Hessian, both derived from the
one-line definition of f. This is plain Newton, without a line search: on the way f goes up once
(step 2), and near the minimum it converges quadratically, the number of correct digits roughly
doubling each step.
"""
import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp


def rosenbrock(p):
    x, y = p[0], p[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x ** 2) ** 2


grad_f = fg.jit(fg.grad(rosenbrock))
hess_f = fg.jit(fg.hessian(rosenbrock))

p = fnp.array([-1.2, 1.0])      # the classic starting point; the minimum is at (1, 1)
print("Hessian at the start:\n", hess_f(p))
print(f"{'step':>4}  {'x':>10} {'y':>10}  {'f(x, y)':>11}  {'|grad|':>9}")
for step in range(20):
    g = grad_f(p)
    gnorm = float(fnp.sqrt(fnp.sum(g ** 2)))
    print(f"{step:4d}  {float(p[0]):10.6f} {float(p[1]):10.6f}  {float(rosenbrock(p)):11.3e}  "
          f"{gnorm:9.2e}")
    if gnorm < 1e-10:
        break
    dx = np.linalg.solve(np.asarray(hess_f(p)), -np.asarray(g))   # numpy, outside transforms
    p = p + fnp.asarray(dx)

assert np.allclose(p, [1.0, 1.0])
print("converged to", p)
