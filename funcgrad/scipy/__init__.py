"""funcgrad.scipy: jax.scipy's modules (linalg, special, stats, signal, integrate, optimize), differentiable."""
from . import special  # noqa: F401
from . import integrate, linalg, optimize, signal, stats  # noqa: F401
