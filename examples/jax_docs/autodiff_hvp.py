"""The autodiff cookbook: Hessian-vector products three ways (forward-over-reverse,
reverse-over-forward, reverse-over-reverse), and a batched hvp with vmap."""
import jax
import jax.numpy as jnp
from jax import grad, jvp, vjp


def f(x):
    return jnp.sum(jnp.tanh(x) ** 2) + jnp.prod(x)


def hvp_fwd_rev(f, primals, tangents):
    return jvp(grad(f), primals, tangents)[1]


def hvp_rev_fwd(f, primals, tangents):
    g = lambda primals: jvp(f, primals, tangents)[1]
    return grad(g)(primals)[0]


def hvp_rev_rev(f, primals, tangents):
    x, = primals
    v, = tangents
    return grad(lambda x: jnp.vdot(grad(f)(x), v))(x)


x = jnp.array([0.5, -1.0, 2.0])
v = jnp.array([1.0, 0.0, -1.0])
ans1 = hvp_fwd_rev(f, (x,), (v,))
ans2 = hvp_rev_fwd(f, (x,), (v,))
ans3 = hvp_rev_rev(f, (x,), (v,))
print(ans1)
print(jnp.allclose(ans1, jnp.dot(jax.hessian(f)(x), v), atol=1e-5))
print(jnp.allclose(ans1, ans2, atol=1e-5), jnp.allclose(ans1, ans3, atol=1e-5))

vs = jnp.eye(3)
batched = jax.vmap(lambda v: hvp_fwd_rev(f, (x,), (v,)))(vs)
print(jnp.allclose(batched, jax.hessian(f)(x), atol=1e-5))
print(batched.shape)
