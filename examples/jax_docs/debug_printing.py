"""Debugging: jax.debug.print prints traced values (under jit, vmap and grad) with format
fields, where Python's print shows tracers; a callback sees concrete values."""
import jax
import jax.numpy as jnp


@jax.jit
def f(x):
    jax.debug.print("x = {}", x)
    y = jnp.sin(x)
    jax.debug.print("y = {y}", y=y)
    return y * 2


print(f(2.))
print(f(jnp.array([0.0, 1.0])))


def g(x):
    jax.debug.print("value {x:.3f} and sum {s}", x=x, s=x + 1)
    return x ** 2


jax.vmap(g)(jnp.array([1.0, 2.0]))
jax.grad(g)(3.0)
jax.jit(jax.grad(g))(4.0)


@jax.jit
def h(x):
    jax.debug.print("tuple {} dict {}", (x, 2 * x), {"k": x})
    jax.debug.print("mean {m:.2f}, positive: {p}", m=x.mean(), p=x.sum() > 0)
    return x


h(jnp.int32(7))
h(jnp.arange(3))


def loop_step(i, acc):
    jax.debug.print("step {i}: acc={acc}", i=i, acc=acc)
    return acc + i


jax.lax.fori_loop(0, 3, loop_step, 0)
seen = []
jax.jit(lambda x: jax.debug.callback(lambda v: seen.append(float(v)), x) or x)(5.0)
print(seen)
