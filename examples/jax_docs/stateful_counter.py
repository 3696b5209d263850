"""Stateful computations: a counter object breaks under jit; the functional version passes its
state in and out; an RNG state threaded through a loop the same way."""
import jax
import jax.numpy as jnp


class Counter:
    def __init__(self):
        self.n = 0

    def count(self) -> int:
        self.n += 1
        return self.n

    def reset(self):
        self.n = 0


counter = Counter()
for _ in range(3):
    print(counter.count())

counter.reset()
fast_count = jax.jit(counter.count)
for _ in range(3):
    print(fast_count())

CounterState = int


class CounterV2:
    def count(self, n: CounterState) -> tuple[int, CounterState]:
        return n + 1, n + 1

    def reset(self) -> CounterState:
        return 0


counter = CounterV2()
state = counter.reset()
fast_count = jax.jit(counter.count)
for _ in range(3):
    value, state = fast_count(state)
    print(value)


def noisy_walk(key, steps):
    position = jnp.zeros(2)

    def step(carry, _):
        key, position = carry
        key, sub = jax.random.split(key)
        position = position + jax.random.normal(sub, (2,))
        return (key, position), position

    (key, position), path = jax.lax.scan(step, (key, position), None, length=steps)
    return key, path


key, path = noisy_walk(jax.random.PRNGKey(0), 4)
print(path)
key, path2 = noisy_walk(key, 2)
print(path2)
