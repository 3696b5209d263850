"""funcgrad.experimental.ode: odeint where JAX keeps it (jax.experimental.ode.odeint), so that
`from jax.experimental.ode import odeint` runs under `python -m funcgrad`; it is
funcgrad.scipy.integrate.odeint."""
from ..scipy.integrate import odeint

__all__ = ["odeint"]
