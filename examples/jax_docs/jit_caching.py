"""Just-in-time compilation: tracing prints once per signature, the cache belongs to the
function, tracers are abstract, and make_jaxpr shows what jit traced."""
import jax
import jax.numpy as jnp


def f(x, y):
    print("Running f():")
    print(f"  x = {x}")
    print(f"  y = {y}")
    result = jnp.dot(x + 1, y + 1)
    print(f"  result = {result}")
    return result


x = jnp.ones((3, 4), dtype=jnp.float32)
y = jnp.ones(4, dtype=jnp.float32)
fj = jax.jit(f)
print(fj(x, y))
print(fj(x, y))                               # cached: no print
print(fj(2 * x, y))                           # same shapes: no print
print(fj(jnp.ones((2, 4), dtype=jnp.float32), y))   # new shape: traced again

print(jax.make_jaxpr(lambda x, y: jnp.dot(x + 1, y + 1))(x, y))

count = 0


def counted(x):
    global count
    count += 1
    return x * 2


a = jax.jit(counted)
b = jax.jit(counted)
a(1.0)
b(2.0)
print("traces after two jit wrappers of one function:", count)
a(jnp.ones(2))
a(jnp.ones(3))
print("traces after two new shapes:", count)
a(3)
print("traces after an int:", count)


def loop_body(prev_i):
    return prev_i + 1


def g_inner(x):
    return jax.lax.fori_loop(0, 3, lambda i, v: loop_body(v), x)


print(jax.jit(g_inner)(1))
