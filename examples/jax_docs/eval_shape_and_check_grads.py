"""Shapes without computing and gradient checking: jax.eval_shape with ShapeDtypeStruct inputs,
and jax.test_util.check_grads in forward and reverse mode."""
import jax
import jax.numpy as jnp
from jax.test_util import check_grads


def mlp(params, x):
    for w, b in params:
        x = jnp.tanh(x @ w + b)
    return x


params = [(jnp.ones((4, 8)), jnp.zeros(8)), (jnp.ones((8, 2)), jnp.zeros(2))]
x = jax.ShapeDtypeStruct((16, 4), jnp.float32)
out = jax.eval_shape(mlp, params, x)
print(out)
print(out.shape, out.dtype)
print(jax.eval_shape(lambda a, b: (a @ b, a.sum()), jax.ShapeDtypeStruct((2, 3), jnp.float32),
                     jax.ShapeDtypeStruct((3, 5), jnp.int32)))
print(jax.eval_shape(jnp.linalg.svd, jnp.ones((3, 2))))
print(jax.eval_shape(lambda p: jax.tree.map(lambda t: t.T, p), params))


def f(x, y):
    return jnp.sin(x) * jnp.exp(y) + x * y ** 2


check_grads(f, (0.5, 0.3), order=2, modes=("fwd", "rev"))
print("check_grads passed for f")
check_grads(lambda p: mlp(p, jnp.ones((2, 4))).sum(), (params,), order=1, modes=["rev"],
            atol=1e-2, rtol=1e-2)
print("check_grads passed for the mlp")


@jax.custom_vjp
def wrong(x):
    return jnp.sin(x)


wrong.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (2.0 * g * jnp.cos(x),))
try:
    check_grads(wrong, (0.5,), order=1, modes=["rev"])
except AssertionError as e:
    print("a wrong rule is caught:", type(e).__name__)
