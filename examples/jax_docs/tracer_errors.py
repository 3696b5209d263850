"""The sharp bits: errors that tracers raise, caught and named by class: bool conversion,
concretization, array conversion, integer conversion, and a leaked tracer."""
import jax
import jax.numpy as jnp
import numpy as np


def show(what, fn):
    try:
        fn()
        print(what, "ran")
    except Exception as e:
        print(what, "->", type(e).__name__)


show("if on a traced value", lambda: jax.jit(lambda x: x if x > 0 else -x)(1.0))


def halve_while_big(x):
    while x > 1:
        x = x / 2
    return x


show("while on a traced value", lambda: jax.jit(halve_while_big)(4.0))
show("while under grad", lambda: print(jax.grad(halve_while_big)(4.0)))
show("float() under jit", lambda: jax.jit(lambda x: float(x))(1.0))
show("np.asarray under jit", lambda: jax.jit(lambda x: np.asarray(x))(jnp.ones(2)))
show("range(x) under jit", lambda: jax.jit(lambda n: jnp.arange(10)[: range(n)[-1]])(3))
show("index with a traced int", lambda: jax.jit(lambda x, i: [1, 2, 3][i])(1.0, 1))
show("arange with a traced stop", lambda: jax.jit(lambda n: jnp.arange(n))(3))
show("boolean mask under jit", lambda: jax.jit(lambda x: x[x > 0])(jnp.ones(2)))
show("bool of a vmapped value", lambda: jax.vmap(lambda x: 1.0 if x > 0 else 0.0)(jnp.ones(2)))

leaked = []


@jax.jit
def leak(x):
    leaked.append(x)
    return x


leak(1.0)
show("using a leaked tracer", lambda: leaked[0] + 1)

print(issubclass(jax.errors.TracerBoolConversionError, jax.errors.ConcretizationTypeError))
print(issubclass(jax.errors.ConcretizationTypeError, TypeError))
print(issubclass(jax.errors.TracerArrayConversionError, TypeError))
print(issubclass(jax.errors.TracerIntegerConversionError, TypeError))
try:
    jax.jit(lambda x: x if x > 0 else -x)(1.0)
except jax.errors.ConcretizationTypeError as e:
    print("caught as ConcretizationTypeError:", type(e).__name__)
