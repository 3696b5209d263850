"""L-BFGS with a zoom line search, run inside jax.lax.while_loop, in float64.

After optax's L-BFGS guide: `optax.lbfgs()` needs the value, the gradient and the function itself
at each update (extra arguments); `optax.value_and_grad_from_state` reuses the value and gradient
the line search already computed, and the loop stops on the gradient's norm. Two problems: the
Rosenbrock function and a least-squares fit.
"""
import jax
import jax.numpy as jnp
import numpy as np
import optax

jax.config.update("jax_enable_x64", True)


def run_lbfgs(fun, init_params, max_iter=100, tol=1e-10):
    solver = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(fun)

    def step(carry):
        params, state = carry
        value, grad = value_and_grad(params, state=state)
        updates, state = solver.update(grad, state, params, value=value, grad=grad,
                                       value_fn=fun)
        return optax.apply_updates(params, updates), state

    def keep_going(carry):
        _, state = carry
        count = optax.tree.get(state, "count")
        grad = optax.tree.get(state, "grad")
        err = optax.tree.norm(grad)
        return (count == 0) | ((count < max_iter) & (err >= tol))

    return jax.lax.while_loop(keep_going, step, (init_params, solver.init(init_params)))


def rosenbrock(p):
    return jnp.sum(100.0 * (p[1:] - p[:-1] ** 2) ** 2 + (1.0 - p[:-1]) ** 2)


params, state = run_lbfgs(rosenbrock, jnp.zeros((4,), dtype=jnp.float64))
print("rosenbrock iterations", int(optax.tree.get(state, "count")))
print("rosenbrock x", " ".join(f"{v:.6f}" for v in np.asarray(params)))
print("rosenbrock f", f"{float(rosenbrock(params)):.3e}" if float(rosenbrock(params)) > 1e-20
      else "below 1e-20")

rng = np.random.default_rng(3)
a = jnp.asarray(rng.standard_normal((20, 5)))
b = jnp.asarray(rng.standard_normal(20))


def least_squares(w):
    return 0.5 * jnp.sum((a @ w["coef"] + w["bias"] - b) ** 2)


init = {"coef": jnp.zeros((5,), dtype=jnp.float64), "bias": jnp.zeros((), dtype=jnp.float64)}
params, state = run_lbfgs(least_squares, init)
design = np.concatenate([np.asarray(a), np.ones((20, 1))], axis=1)
exact = np.linalg.lstsq(design, np.asarray(b), rcond=None)[0]
print("least squares iterations", int(optax.tree.get(state, "count")))
print("coef", " ".join(f"{v:.6f}" for v in np.asarray(params["coef"])))
print("bias", f"{float(params['bias']):.6f}")
print("matches lstsq:", bool(np.allclose(np.append(np.asarray(params["coef"]),
                                                   float(params["bias"])), exact, atol=1e-8)))
print("dtype", params["coef"].dtype)
