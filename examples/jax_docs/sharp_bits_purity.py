"""The sharp bits: pure functions. Under jit, side effects run once per trace and globals are
captured at trace time (a new shape retraces and sees the new value); state local to the function
is fine; a fori_loop reads a captured array."""
import jax
import jax.numpy as jnp


def impure_print_side_effect(x):
    print("Executing function")
    return x


print(jax.jit(impure_print_side_effect)(4.))
print(jax.jit(impure_print_side_effect)(5.))
print(jax.jit(impure_print_side_effect)(jnp.array([5.])))

g = 0.


def impure_uses_globals(x):
    return x + g


f = jax.jit(impure_uses_globals)
print(f(4.))
g = 10.
print(f(5.))                       # the cached trace still sees g = 0
print(f(jnp.array([4.])))          # a new shape retraces and sees g = 10


def pure_uses_internal_state(x):
    state = dict(even=0, odd=0)
    for i in range(10):
        state['even' if i % 2 == 0 else 'odd'] += x
    return state['even'] + state['odd']


print(jax.jit(pure_uses_internal_state)(5.))

array = jnp.arange(10)
print(jax.lax.fori_loop(0, 10, lambda i, x: x + array[i], 0))
