"""Control flow: fori_loop, while_loop and scan, their differentiability, and a cumulative sum and
a linear recurrence written with scan."""
import jax
import jax.numpy as jnp
from jax import lax

init_val = 0
start = 0
stop = 10
body_fun = lambda i, x: x + i
print(lax.fori_loop(start, stop, body_fun, init_val))

cond_fun = lambda x: x < 10
body_fun = lambda x: x + 1
print(lax.while_loop(cond_fun, body_fun, init_val))


def collatz_steps(n):
    def body(state):
        n, steps = state
        n = jnp.where(n % 2 == 0, n // 2, 3 * n + 1)
        return n, steps + 1

    return lax.while_loop(lambda s: s[0] != 1, body, (n, 0))[1]


print(jax.jit(collatz_steps)(27))
print(jax.vmap(collatz_steps)(jnp.array([1, 6, 7, 27])))


def cumsum(res, el):
    res = res + el
    return res, res


result_init = 0
final, result = lax.scan(cumsum, result_init, jnp.array([1, 2, 3, 4, 5]))
print(final, result)
print(jnp.cumsum(jnp.array([1, 2, 3, 4, 5])))


def power_sum(x):
    def body(i, acc):
        return acc + x ** i
    return lax.fori_loop(0, 5, body, 0.0)


print(power_sum(2.0), jax.grad(power_sum)(2.0))


def decay(a, xs):
    def step(h, x):
        h = a * h + x
        return h, h
    return lax.scan(step, 0.0, xs)[1]


xs = jnp.array([1.0, 0.0, 0.0, 2.0])
print(decay(0.5, xs))
print(jax.grad(lambda a: decay(a, xs).sum())(0.5))
print(lax.scan(lambda c, x: (c * x, c), 1.0, jnp.arange(1.0, 5.0), reverse=True))
print(lax.scan(lambda c, _: (c + 1, c * 2), 0, None, length=4))

print(jax.jvp(lambda x: lax.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, x), (1.0,), (1.0,)))
print(lax.map(lambda x: x ** 2, jnp.arange(4)))
