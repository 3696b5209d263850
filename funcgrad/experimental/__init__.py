"""funcgrad.experimental: the home of jax.experimental's names (`ode.odeint`)."""
from . import ode  # noqa: F401
